# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

import re
from datetime import date

from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from smaakmaker.api.fields import DATE_RE, UtcDateTimeField, iso_utc
from smaakmaker.api.problems import NON_FIELD_ERRORS
from smaakmaker.api.query import QuerySerializer
from smaakmaker.cases import workflow
from smaakmaker.cases.models import (
    ADDRESS_SHOWN,
    BAG_ID_RE,
    POSTCODE_RE,
    Address,
    AlertRule,
    Flavour,
    SignalKind,
    normalise_postcode,
)
from smaakmaker.common.codes import BUURT_RE, CUSTOM_AREA_RE


@extend_schema_field({"type": "string", "enum": list(workflow.STATUSES)})
class CaseStatusField(serializers.ChoiceField):
    """A case status from ``workflow.STATUSES`` (documented inline, no shared enum component)."""

    def __init__(self, **kwargs):
        super().__init__(choices=workflow.STATUSES, **kwargs)


def _bag_id(value: str) -> str:
    if not BAG_ID_RE.fullmatch(value):
        raise serializers.ValidationError(
            gettext("A BAG id has exactly 16 digits (leading zeros included)."), code="invalid_bag_id"
        )
    return value


#: A postcode as it may be sent (the documented pattern): at most one space, either case.
POSTCODE_INPUT_RE = re.compile(r"[1-9][0-9]{3} ?[A-Za-z]{2}", re.ASCII)


def _postcode(value: str) -> str:
    if not POSTCODE_INPUT_RE.fullmatch(value) or not POSTCODE_RE.fullmatch(normalise_postcode(value)):
        raise serializers.ValidationError("A postcode looks like 1064AB.", code="invalid_postcode")
    return value


def _buurt(value: str) -> str:
    if not BUURT_RE.fullmatch(value):
        raise serializers.ValidationError("A buurt code looks like BU0363FD04.", code="invalid_buurt_code")
    return value


def _buurt_or_custom_area(value: str) -> str:
    if not (BUURT_RE.fullmatch(value) or CUSTOM_AREA_RE.fullmatch(value)):
        raise serializers.ValidationError(
            "A buurt code looks like BU0363FD04, a custom area's code like EG0001.", code="invalid_buurt_code"
        )
    return value


# Request fields with the formats the validators above enforce, in the OpenAPI document as patterns.
@extend_schema_field({"type": "string", "pattern": "^[0-9]{16}$", "minLength": 16, "maxLength": 16})
class BagIdField(serializers.CharField):
    """A BAG nummeraanduiding id: exactly 16 ASCII digits, leading zeros kept."""

    def __init__(self, **kwargs):
        super().__init__(max_length=16, validators=[_bag_id], **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^[1-9][0-9]{3} ?[A-Za-z]{2}$",
        "maxLength": 7,
        "description": "Dutch postcode, e.g. 1064AB (spaces removed, upper case).",
    }
)
class PostcodeField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=7, validators=[_postcode], **kwargs)


@extend_schema_field({"type": "string", "pattern": "^BU[0-9]{4}[0-9A-Z]{4}$", "maxLength": 10})
class BuurtCodeField(serializers.CharField):
    """A CBS buurt code, e.g. BU0363FD04."""

    def __init__(self, **kwargs):
        super().__init__(max_length=10, validators=[_buurt], **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^(BU[0-9]{4}[0-9A-Z]{4}|EG[0-9]{4,8})$",
        "maxLength": 10,
        "description": "A CBS buurt code (BU0363FD04), or the code of a custom area (EG0001): one drawn as "
        "a boundary finds the addresses whose point lies inside it, one made of whole buurten finds what "
        "its buurten find.",
    }
)
class AreaFilterField(serializers.CharField):
    """A filter on an area: a CBS buurt code, or a custom area's code (``EG0001``)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=10, validators=[_buurt_or_custom_area], **kwargs)


class AddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = list(ADDRESS_SHOWN)

    def to_representation(self, address):
        """What the declared fields give (a test compares), built directly: lists of fifty cases
        spend most of their serialising time in DRF's per-field machinery."""
        return {
            "uuid": str(address.uuid),
            "bag_nummeraanduiding_id": address.bag_nummeraanduiding_id,
            "street": address.street,
            "house_number": address.house_number,
            "house_letter": address.house_letter,
            "house_number_addition": address.house_number_addition,
            "postcode": address.postcode,
            "city": address.city,
            "buurt_code": address.buurt_code,
        }


class AddressDataSerializer(serializers.Serializer):
    """The public BAG data of an address besides its nummeraanduiding id."""

    street = serializers.CharField(max_length=120)
    house_number = serializers.IntegerField(min_value=1, max_value=99999)
    house_letter = serializers.RegexField(r"^[A-Za-z]?$", required=False, default="", allow_blank=True)
    house_number_addition = serializers.CharField(max_length=4, required=False, default="", allow_blank=True)
    postcode = PostcodeField()
    city = serializers.CharField(max_length=80)
    buurt_code = BuurtCodeField()


class AddressRegisterSerializer(AddressDataSerializer):
    bag_nummeraanduiding_id = BagIdField()


CONFIRM_NO_NAMES_HELP = (
    "Where the processing activity allows no names of residents, a text that looks like a person's name "
    "is accepted only with this confirmation that it names no resident (recorded in the audit log); a "
    "resident's name is refused either way."
)


def _confirm_field() -> serializers.BooleanField:
    return serializers.BooleanField(required=False, default=False, help_text=CONFIRM_NO_NAMES_HELP)


class AddressSearchSerializer(serializers.Serializer):
    #: at least one of these (the OpenAPI document's ``anyOf``, smaakmaker.api.schema.AutoSchema)
    required_any = ("bag_nummeraanduiding_id", "postcode", "house_number", "buurt_code")

    bag_nummeraanduiding_id = BagIdField(required=False)
    postcode = PostcodeField(required=False)
    house_number = serializers.IntegerField(min_value=1, max_value=99999, required=False)
    buurt_code = AreaFilterField(required=False)

    def validate(self, attrs):
        if self.required_any and not any(name in attrs for name in self.required_any):
            raise serializers.ValidationError("Give at least one search field.", code="required")
        if "postcode" in attrs:
            attrs["postcode"] = normalise_postcode(attrs["postcode"])
        return attrs


class CaseSearchSerializer(AddressSearchSerializer):
    required_any = ()  # no criteria: every case you may see

    status = CaseStatusField(required=False)

    def validate(self, attrs):
        if "postcode" in attrs:
            attrs["postcode"] = normalise_postcode(attrs["postcode"])
        return attrs


class CaseListQuerySerializer(QuerySerializer):
    buurt_code = AreaFilterField(required=False)
    status = CaseStatusField(required=False)


class AgendaQuerySerializer(QuerySerializer):
    buurt_code = AreaFilterField(required=False)


class SignalSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    kind = serializers.CharField(source="kind.code")
    kind_label = serializers.CharField(source="kind.label")
    compartment = serializers.CharField(source="activity.compartment")
    processing_activity = serializers.CharField(source="activity.code")
    source_organisation = serializers.CharField(source="source_organisation.name")
    observed_on = serializers.DateField()
    description = serializers.CharField()
    resident = serializers.UUIDField(source="resident.uuid", allow_null=True, default=None)


class ResidentSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    name = serializers.CharField()
    description = serializers.CharField()
    processing_activity = serializers.CharField(source="activity.code")


class FlagSerializer(serializers.Serializer):
    compartment = serializers.CharField()
    label = serializers.CharField()


class CaseSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    address = AddressSerializer()
    status = serializers.CharField()
    summary = serializers.CharField()
    processing_activity = serializers.CharField(source="activity.code")
    coordinating_organisation = serializers.CharField(source="regie_organisation.name")
    participants = serializers.SerializerMethodField()
    created = UtcDateTimeField()
    closed_at = UtcDateTimeField(allow_null=True)

    def get_participants(self, case) -> list[str]:
        return case.participant_names

    def to_representation(self, case):
        """What the declared fields give (a test compares), built directly (see AddressSerializer)."""
        return {
            "uuid": str(case.uuid),
            "address": AddressSerializer.to_representation(None, case.address),
            "status": case.status,
            "summary": case.summary,
            "processing_activity": case.activity.code,
            "coordinating_organisation": case.regie_organisation.name,
            "participants": self.get_participants(case),
            "created": iso_utc(case.created),
            "closed_at": iso_utc(case.closed_at),
        }


class DecisionSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    case = serializers.UUIDField(source="case.uuid")
    decided_on = serializers.DateField()
    decided_by = serializers.CharField(source="decided_by.get_full_name")
    organisation = serializers.CharField(source="organisation.name")
    what = serializers.CharField()
    flavour = serializers.CharField()
    legal_basis = serializers.CharField()
    motivation = serializers.CharField()
    milder_alternative = serializers.CharField()
    processing_activity = serializers.CharField(source="activity.code")


class EventSerializer(serializers.Serializer):
    at = UtcDateTimeField(source="created")
    kind = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    note = serializers.CharField()


class FactSerializer(serializers.Serializer):
    kind = serializers.CharField()
    organisation = serializers.CharField()
    observed_on = serializers.DateField()
    compartment = serializers.CharField()


class AlertSerializer(serializers.Serializer):
    rule = serializers.CharField(source="rule.code")
    name = serializers.CharField(source="rule.name")
    action = serializers.CharField(source="rule.action")
    facts = FactSerializer(many=True)


class DossierSerializer(serializers.Serializer):
    address = AddressSerializer()
    residents = ResidentSerializer(many=True)
    signals = SignalSerializer(many=True)
    hidden_compartments = FlagSerializer(many=True)
    cases = CaseSerializer(many=True)
    decisions = DecisionSerializer(many=True)
    alerts = AlertSerializer(many=True)


class CaseDetailSerializer(serializers.Serializer):
    case = CaseSerializer()
    decisions = DecisionSerializer(many=True)
    history = EventSerializer(many=True)


class CaseOpenSerializer(serializers.Serializer):
    address = serializers.UUIDField()
    processing_activity = serializers.SlugField(max_length=80)
    summary = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    participants = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list, max_length=20
    )
    confirm_no_names = _confirm_field()


class TransitionSerializer(serializers.Serializer):
    to_status = CaseStatusField()
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)
    confirm_no_names = _confirm_field()


class DecisionCreateSerializer(serializers.Serializer):
    what = serializers.CharField(max_length=300)
    legal_basis = serializers.CharField(max_length=200)
    motivation = serializers.CharField(max_length=5000)
    milder_alternative = serializers.CharField(max_length=5000)
    flavour = serializers.ChoiceField(
        choices=[c for c, _l in Flavour.choices], required=False, default="", allow_blank=True
    )
    decided_on = serializers.DateField(required=False)
    confirm_no_names = _confirm_field()


# One item of a batch: documents the shape (OpenAPI); ``signal_item_check`` checks it.
class SignalItemSerializer(serializers.Serializer):
    bag_nummeraanduiding_id = BagIdField()
    address = AddressDataSerializer(
        help_text="The address's public BAG data: registers the address when the register does not know it "
        "yet; a registered address is used as it is. The buurt code decides which grant applies."
    )
    kind = serializers.SlugField(max_length=60)
    observed_on = serializers.DateField()
    description = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)
    external_id = serializers.CharField(max_length=64, required=False, default="", allow_blank=True)
    confirm_no_names = _confirm_field()


MAX_BATCH_ITEMS = 5000
#: (name, maximum length, required) of the text fields of a batch item
SIGNAL_ITEM_TEXT = (
    ("bag_nummeraanduiding_id", 16, True),
    ("kind", 60, True),
    ("description", 500, False),
    ("external_id", 64, False),
)
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+$")
#: (name, maximum length, required) of the text fields of an item's address
ADDRESS_TEXT = (
    ("street", 120, True),
    ("house_letter", 1, False),
    ("house_number_addition", 4, False),
    ("postcode", 7, True),
    ("city", 80, True),
    ("buurt_code", 10, True),
)
HOUSE_LETTER_RE = re.compile(r"^[A-Za-z]?$")


def _problem(field_class, key: str, **kwargs) -> list[ErrorDetail]:
    message = field_class.default_error_messages[key]
    return [ErrorDetail(str(message).format(**kwargs), code=key)]


def _texts_check(raw: dict, specification, item: dict, problems: dict) -> None:
    """Text as the API's strict fields check it (smaakmaker.api.fields): a JSON string, checked as sent
    (a required one must contain a character that is not white space), stored without the spaces
    around it."""
    for name, max_length, required in specification:
        value = raw.get(name)
        if value is None and not required and name not in raw:
            item[name] = ""
            continue
        if not isinstance(value, str):
            key = "required" if value is None and name not in raw else "invalid"
            field_class = serializers.Field if key == "required" else serializers.CharField
            problems[name] = _problem(field_class, key)
        elif not value.strip() and required:
            problems[name] = _problem(serializers.CharField, "blank")
        elif len(value) > max_length:
            problems[name] = _problem(serializers.CharField, "max_length", max_length=max_length)
        elif "\x00" in value:
            validator = ProhibitNullCharactersValidator()
            problems[name] = [ErrorDetail(str(validator.message), code=validator.code)]
        else:
            item[name] = value.strip()


def _address_check(raw) -> tuple[dict, dict | list]:
    """An item's address (``AddressDataSerializer``'s rules and messages, in one pass)."""
    if raw is None:
        return {}, _problem(serializers.Field, "required")
    if not isinstance(raw, dict):
        return {}, {
            NON_FIELD_ERRORS: _problem(serializers.Serializer, "invalid", datatype=type(raw).__name__)
        }
    address: dict = {}
    problems: dict = {}
    _texts_check(raw, ADDRESS_TEXT, address, problems)
    number = raw.get("house_number")
    if number is None:
        problems["house_number"] = _problem(serializers.Field, "required")
    elif isinstance(number, bool) or not isinstance(number, int):  # a JSON integer only
        problems["house_number"] = _problem(serializers.IntegerField, "invalid")
    elif not 1 <= int(number) <= 99999:
        key, limit = ("min_value", 1) if int(number) < 1 else ("max_value", 99999)
        problems["house_number"] = _problem(serializers.IntegerField, key, **{key: limit})
    else:
        address["house_number"] = int(number)
    # patterns apply to the text as sent
    if "house_letter" in address and not HOUSE_LETTER_RE.fullmatch(raw.get("house_letter", "")):
        problems["house_letter"] = _problem(serializers.RegexField, "invalid")
    if "postcode" in address:
        address["postcode"] = normalise_postcode(address["postcode"])
        if not POSTCODE_INPUT_RE.fullmatch(raw["postcode"]) or not POSTCODE_RE.fullmatch(address["postcode"]):
            problems["postcode"] = [ErrorDetail("A postcode looks like 1064AB.", code="invalid_postcode")]
    if "buurt_code" in address and not BUURT_RE.fullmatch(raw["buurt_code"]):
        problems["buurt_code"] = [
            ErrorDetail("A buurt code looks like BU0363FD04.", code="invalid_buurt_code")
        ]
    return address, problems


def signal_item_check(raw) -> tuple[dict, dict]:
    """One batch item: the cleaned item and its problems per field (empty when valid).

    The same rules and messages as ``SignalItemSerializer`` in one pass over plain values: DRF's nested
    serializers cost about 60 ms per 1,000 items, a tenth of a batch's whole time.
    """
    if not isinstance(raw, dict):
        return {}, {
            NON_FIELD_ERRORS: _problem(serializers.Serializer, "invalid", datatype=type(raw).__name__)
        }
    item: dict = {}
    problems: dict = {}
    _texts_check(raw, SIGNAL_ITEM_TEXT, item, problems)
    address, address_problems = _address_check(raw.get("address"))
    if address_problems:
        problems["address"] = address_problems
    else:
        item["address"] = address
    confirm = raw.get("confirm_no_names", False)
    if not isinstance(confirm, bool):
        problems["confirm_no_names"] = _problem(serializers.BooleanField, "invalid")
    else:
        item["confirm_no_names"] = confirm
    if "bag_nummeraanduiding_id" in item and not BAG_ID_RE.fullmatch(raw["bag_nummeraanduiding_id"]):
        problems["bag_nummeraanduiding_id"] = [
            ErrorDetail(
                gettext("A BAG id has exactly 16 digits (leading zeros included)."), code="invalid_bag_id"
            )
        ]
    if "kind" in item and not SLUG_RE.fullmatch(raw["kind"]):
        problems["kind"] = _problem(serializers.SlugField, "invalid")
    observed_on = raw.get("observed_on")
    if observed_on is None:
        problems["observed_on"] = _problem(serializers.Field, "required")
    else:
        try:
            item["observed_on"] = (
                date.fromisoformat(observed_on)
                if isinstance(observed_on, str) and DATE_RE.fullmatch(observed_on)
                else None
            )
        except ValueError:
            item["observed_on"] = None
        if item["observed_on"] is None:
            problems["observed_on"] = _problem(serializers.DateField, "invalid", format="YYYY-MM-DD")
    return item, problems


@extend_schema_field(SignalItemSerializer(many=True, min_length=1, max_length=MAX_BATCH_ITEMS))
class SignalItemsField(serializers.Field):
    """The items of a batch (1 to 5,000); problems per item as DRF reports them for nested lists."""

    default_error_messages = {
        "not_a_list": serializers.ListSerializer.default_error_messages["not_a_list"],
        "empty": serializers.ListSerializer.default_error_messages["empty"],
        "max_length": serializers.ListSerializer.default_error_messages["max_length"],
    }

    def to_internal_value(self, data):
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        if not data:
            self.fail("empty")
        if len(data) > MAX_BATCH_ITEMS:
            self.fail("max_length", max_length=MAX_BATCH_ITEMS)
        checked = [signal_item_check(raw) for raw in data]
        if any(problems for _item, problems in checked):
            raise serializers.ValidationError([problems for _item, problems in checked])
        return [item for item, _problems in checked]

    def to_representation(self, value):
        return value


class SignalBatchSerializer(serializers.Serializer):
    signals = SignalItemsField()


class SignalBatchResultSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    replayed = serializers.BooleanField()
    signals = serializers.ListField(child=serializers.UUIDField())


class SignalKindSerializer(serializers.ModelSerializer):
    processing_activity = serializers.CharField(source="activity.code")
    compartment = serializers.CharField(source="activity.compartment")

    class Meta:
        model = SignalKind
        fields = ["code", "label", "description", "flavour", "processing_activity", "compartment"]


class AlertRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = AlertRule
        fields = [
            "code",
            "name",
            "description",
            "min_signals",
            "min_partners",
            "window_days",
            "compartments",
            "action",
        ]


class AgendaItemSerializer(serializers.Serializer):
    address = AddressSerializer()
    alerts = AlertSerializer(many=True)
    cases = CaseSerializer(many=True)


class InzageRequestSerializer(serializers.Serializer):
    #: exactly one of these (the OpenAPI document's ``oneOf``, smaakmaker.api.schema.AutoSchema)
    required_one = ("address", "resident")

    address = serializers.UUIDField(required=False)
    resident = serializers.UUIDField(required=False)

    def validate(self, attrs):
        if bool(attrs.get("address")) == bool(attrs.get("resident")):
            raise serializers.ValidationError("Give either an address or a resident.", code="required")
        return attrs


# --- partner files of signals ------------------------------------------------------------------------


class FormBooleanField(serializers.BooleanField):
    """A boolean of form data: ``true`` or ``false``; left out, its default (DRF would read a form without
    it as an unticked checkbox, ``False``, before the strict check)."""

    default_empty_html = serializers.empty


class SignalFileUploadSerializer(serializers.Serializer):
    """A partner file as ``multipart/form-data``: every value is text, as in a query string (booleans are
    ``true`` or ``false``). A column not named here is taken from the mapping saved for the organisation,
    else found by its usual name."""

    #: form fields are text: booleans "true"/"false" (smaakmaker.api.fields.in_query)
    text_input = True

    file = serializers.FileField(help_text="The CSV or XLSX file; the first row names the columns.")
    dry_run = FormBooleanField(
        required=False,
        default=False,
        help_text="`true`: only check (the dry run), store nothing. `false`: check, then import when no row "
        "is rejected (202; a file with a rejected row answers 400 and stores nothing).",
    )
    confirm_no_names = FormBooleanField(
        required=False,
        default=False,
        help_text="Confirms that the descriptions contain no names of residents (recorded in the audit log).",
    )
    kind = serializers.CharField(
        required=False,
        max_length=60,
        help_text="The code of one signal kind for every row without a kind (or for a file without a kind column).",
    )
    column_nummeraanduiding_id = serializers.CharField(required=False, max_length=200)
    column_postcode = serializers.CharField(required=False, max_length=200)
    column_house_number = serializers.CharField(required=False, max_length=200)
    column_house_letter = serializers.CharField(required=False, max_length=200)
    column_addition = serializers.CharField(required=False, max_length=200)
    column_kind = serializers.CharField(required=False, max_length=200)
    column_observed_on = serializers.CharField(
        required=False, max_length=200, help_text="The column with the date of the signal."
    )
    column_text = serializers.CharField(required=False, max_length=200)
    column_reference = serializers.CharField(required=False, max_length=200)

    def columns(self) -> dict[str, str] | None:
        renamed = {"observed_on": "date"}  # "column_date" would read as a date in the NL API rules
        given = {
            renamed.get(name.removeprefix("column_"), name.removeprefix("column_")): value
            for name, value in self.validated_data.items()
            if name.startswith("column_") and value
        }
        return given or None


class SignalFileProblemSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="The line as a spreadsheet numbers it (the header is line 1).")
    column = serializers.CharField(help_text="The column's name in the file's header.")
    reason = serializers.CharField()


class SignalFileEarlierSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    at = serializers.CharField(help_text="When it was imported (DD-MM-YYYY HH:MM, local time).")
    added = serializers.IntegerField()


class SignalFileReportSerializer(serializers.Serializer):
    read = serializers.IntegerField(help_text="Rows with data.")
    accepted = serializers.IntegerField(help_text="Signals an import adds (or added).")
    already_present = serializers.IntegerField(help_text="Rows whose signal the register holds already.")
    duplicates = serializers.IntegerField(help_text="Rows identical to an earlier row of the file.")
    not_found = serializers.IntegerField(
        help_text="Rows whose address is not in the register, or not where your organisation may record "
        "signals of that kind (not told apart)."
    )
    problem_count = serializers.IntegerField()
    rejected_lines = serializers.IntegerField()
    problems = SignalFileProblemSerializer(many=True, help_text="The first 1,000 problems, by line.")
    kinds = serializers.DictField(child=serializers.IntegerField(), help_text="Signals per kind code.")
    columns = serializers.DictField(child=serializers.CharField(), help_text="Field -> column used.")
    headers = serializers.ListField(child=serializers.CharField())
    earlier = SignalFileEarlierSerializer(allow_null=True, help_text="The earlier import of the same file.")
    error = serializers.CharField(help_text="Why the file as a whole cannot be read (empty when it can).")


class SignalFileSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    file_name = serializers.CharField()
    organisation = serializers.UUIDField(source="organisation.uuid")
    status = serializers.ChoiceField(
        choices=["uploaded", "checked", "queued", "running", "committed", "already", "refused", "failed"]
    )
    progress = serializers.FloatField()
    step = serializers.CharField()
    message = serializers.CharField()
    signals_added = serializers.IntegerField()
    created = UtcDateTimeField()
    finished_at = UtcDateTimeField(allow_null=True)
    report = SignalFileReportSerializer(allow_null=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not instance.report:
            data["report"] = None
        return data
