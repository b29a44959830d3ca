# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

import re
from datetime import date

from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from smaakmaker.areas.sources.codes import BUURT_RE
from smaakmaker.cases import workflow
from smaakmaker.cases.models import (
    BAG_ID_RE,
    POSTCODE_RE,
    Address,
    AlertRule,
    Flavour,
    SignalKind,
    normalise_postcode,
)


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


def _postcode(value: str) -> str:
    value = normalise_postcode(value)
    if not POSTCODE_RE.fullmatch(value):
        raise serializers.ValidationError("A postcode looks like 1064AB.", code="invalid_postcode")
    return value


def _buurt(value: str) -> str:
    if not BUURT_RE.fullmatch(value):
        raise serializers.ValidationError("A buurt code looks like BU0363FD04.", code="invalid_buurt_code")
    return value


class AddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = [
            "uuid",
            "bag_nummeraanduiding_id",
            "street",
            "house_number",
            "house_letter",
            "house_number_addition",
            "postcode",
            "city",
            "buurt_code",
        ]


class AddressRegisterSerializer(serializers.Serializer):
    bag_nummeraanduiding_id = serializers.CharField(max_length=16, validators=[_bag_id])
    street = serializers.CharField(max_length=120)
    house_number = serializers.IntegerField(min_value=1, max_value=99999)
    house_letter = serializers.RegexField(r"^[A-Za-z]?$", required=False, default="", allow_blank=True)
    house_number_addition = serializers.CharField(max_length=4, required=False, default="", allow_blank=True)
    postcode = serializers.CharField(max_length=7, validators=[_postcode])
    city = serializers.CharField(max_length=80)
    buurt_code = serializers.CharField(max_length=10, validators=[_buurt])


class AddressSearchSerializer(serializers.Serializer):
    bag_nummeraanduiding_id = serializers.CharField(max_length=16, required=False, validators=[_bag_id])
    postcode = serializers.CharField(max_length=7, required=False, validators=[_postcode])
    house_number = serializers.IntegerField(min_value=1, max_value=99999, required=False)
    buurt_code = serializers.CharField(max_length=10, required=False, validators=[_buurt])

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Give at least one search field.", code="required")
        if "postcode" in attrs:
            attrs["postcode"] = normalise_postcode(attrs["postcode"])
        return attrs


class CaseSearchSerializer(AddressSearchSerializer):
    status = CaseStatusField(required=False)
    limit = serializers.IntegerField(min_value=1, max_value=200, required=False, default=50)
    offset = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False, default=0)

    def validate(self, attrs):
        if "postcode" in attrs:
            attrs["postcode"] = normalise_postcode(attrs["postcode"])
        return attrs


class CaseListQuerySerializer(serializers.Serializer):
    buurt_code = serializers.CharField(max_length=10, required=False, validators=[_buurt])
    status = CaseStatusField(required=False)
    limit = serializers.IntegerField(min_value=1, max_value=200, required=False, default=50)
    offset = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False, default=0)


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
    created = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)

    def get_participants(self, case) -> list[str]:
        return sorted(p.organisation.name for p in case.participations.all())


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
    at = serializers.DateTimeField(source="created")
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


class CaseListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = CaseSerializer(many=True)


class CaseOpenSerializer(serializers.Serializer):
    address = serializers.UUIDField()
    processing_activity = serializers.SlugField(max_length=80)
    summary = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)
    participants = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list, max_length=20
    )


class TransitionSerializer(serializers.Serializer):
    to_status = CaseStatusField()
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class DecisionCreateSerializer(serializers.Serializer):
    what = serializers.CharField(max_length=300)
    legal_basis = serializers.CharField(max_length=200)
    motivation = serializers.CharField(max_length=5000)
    milder_alternative = serializers.CharField(max_length=5000)
    flavour = serializers.ChoiceField(
        choices=[c for c, _l in Flavour.choices], required=False, default="", allow_blank=True
    )
    decided_on = serializers.DateField(required=False)


# One item of a batch: documents the shape (OpenAPI); ``signal_item_check`` checks it.
class SignalItemSerializer(serializers.Serializer):
    bag_nummeraanduiding_id = serializers.CharField(max_length=16, validators=[_bag_id])
    kind = serializers.SlugField(max_length=60)
    observed_on = serializers.DateField()
    description = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)
    external_id = serializers.CharField(max_length=64, required=False, default="", allow_blank=True)


MAX_BATCH_ITEMS = 5000
#: (name, maximum length, required) of the text fields of a batch item
SIGNAL_ITEM_TEXT = (
    ("bag_nummeraanduiding_id", 16, True),
    ("kind", 60, True),
    ("description", 500, False),
    ("external_id", 64, False),
)
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+$")


def _problem(field_class, key: str, **kwargs) -> list[ErrorDetail]:
    message = field_class.default_error_messages[key]
    return [ErrorDetail(str(message).format(**kwargs), code=key)]


def signal_item_check(raw) -> tuple[dict, dict]:
    """One batch item: the cleaned item and its problems per field (empty when valid).

    The same rules and messages as ``SignalItemSerializer`` in one pass over plain values: DRF's nested
    serializers cost about 60 ms per 1,000 items, a tenth of a batch's whole time.
    """
    if not isinstance(raw, dict):
        return {}, {
            "non_field_errors": _problem(serializers.Serializer, "invalid", datatype=type(raw).__name__)
        }
    item: dict = {}
    problems: dict = {}
    for name, max_length, required in SIGNAL_ITEM_TEXT:
        value = raw.get(name)
        if value is None and not required and name not in raw:
            item[name] = ""
            continue
        if not isinstance(value, str):
            key = "required" if value is None and name not in raw else "invalid"
            field_class = serializers.Field if key == "required" else serializers.CharField
            problems[name] = _problem(field_class, key)
            continue
        value = value.strip()
        if not value and required:
            problems[name] = _problem(serializers.CharField, "blank")
        elif len(value) > max_length:
            problems[name] = _problem(serializers.CharField, "max_length", max_length=max_length)
        else:
            item[name] = value
    if "bag_nummeraanduiding_id" in item and not BAG_ID_RE.fullmatch(item["bag_nummeraanduiding_id"]):
        problems["bag_nummeraanduiding_id"] = [
            ErrorDetail(
                gettext("A BAG id has exactly 16 digits (leading zeros included)."), code="invalid_bag_id"
            )
        ]
    if "kind" in item and not SLUG_RE.fullmatch(item["kind"]):
        problems["kind"] = _problem(serializers.SlugField, "invalid")
    observed_on = raw.get("observed_on")
    if observed_on is None:
        problems["observed_on"] = _problem(serializers.Field, "required")
    else:
        try:
            item["observed_on"] = date.fromisoformat(observed_on) if isinstance(observed_on, str) else None
        except ValueError:
            item["observed_on"] = None
        if item["observed_on"] is None or len(observed_on) != 10:
            problems["observed_on"] = _problem(serializers.DateField, "invalid", format="YYYY-MM-DD")
    return item, problems


@extend_schema_field(SignalItemSerializer(many=True))
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
    address = serializers.UUIDField(required=False)
    resident = serializers.UUIDField(required=False)

    def validate(self, attrs):
        if bool(attrs.get("address")) == bool(attrs.get("resident")):
            raise serializers.ValidationError("Give either an address or a resident.", code="required")
        return attrs


def _buurt_field() -> serializers.CharField:
    return serializers.CharField(max_length=10, validators=[_buurt])
