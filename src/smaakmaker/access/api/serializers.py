# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

from django.core.validators import MinLengthValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from smaakmaker.access.covenant_selectors import (
    privacy_officer_candidates,
    register_roles,
    reuse_decisions_of,
)
from smaakmaker.access.models import (
    AvgGround,
    Compartment,
    Covenant,
    CovenantStatus,
    GrantLevel,
    GrantScope,
    Organisation,
    OrganisationKind,
    ProcessingActivity,
    ProcessingGrant,
    ReuseDecision,
)
from smaakmaker.access.services import (
    COVENANT_EDITABLE_FIELDS,
    COVENANT_END_REASON_MAX_LENGTH,
    COVENANT_END_REASON_MIN_LENGTH,
    covenant_end_reason_errors,
)
from smaakmaker.api.fields import UtcDateTimeField
from smaakmaker.api.schema import stripped_min_length_pattern


class OrganisationSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=OrganisationKind.choices)

    class Meta:
        model = Organisation
        fields = ["uuid", "name", "kind", "is_demo"]
        read_only_fields = ["uuid", "is_demo"]


class RoleSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()


class MembershipSummarySerializer(serializers.Serializer):
    organisation = OrganisationSerializer()
    function_title = serializers.CharField()
    valid_from = UtcDateTimeField()
    valid_until = UtcDateTimeField(allow_null=True)


class CurrentUserSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    roles = RoleSerializer(many=True)
    memberships = MembershipSummarySerializer(many=True)
    permissions = serializers.ListField(child=serializers.CharField())
    second_factor_verified = serializers.BooleanField()
    api_token_organisation = OrganisationSerializer(allow_null=True)


# --- Covenants -----------------------------------------------------------------------------------


class NamedChoiceField(serializers.ChoiceField):
    """A choice field documented as its own named enum component (``enum_name``).

    The API's other enums are named after their field by drf-spectacular; the covenant's ``status``,
    ``level`` and ``organisation_kind`` would collide with fields of the same name elsewhere.
    """

    def __init__(self, *, enum_name: str, **kwargs):
        self.enum_name = enum_name
        super().__init__(**kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        values = [str(value) for value in field.choices]
        schema = {
            "type": "string",
            "enum": values,
            "description": "\n".join(f"* `{value}` - {label}" for value, label in field.choices.items()),
        }
        component = ResolvedComponent(
            name=field.enum_name, type=ResolvedComponent.SCHEMA, object=field.enum_name, schema=schema
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


AREA_CODES_HELP = (
    "CBS codes of gemeenten, wijken or buurten, e.g. GM0363, WK0363FD, BU0363FD04, or the code of a "
    "custom area drawn as a boundary (EG0001: the addresses inside it)."
)
#: A CBS code of a gemeente, wijk or buurt as the API takes it (either case, stored in upper case; no
#: padding); the national code NL00 is not an area a covenant is made for (``covenant_area_codes_clean``).
AREA_CODE_PATTERN = (
    r"^(?:[Gg][Mm][0-9]{4}|[Ww][Kk][0-9]{4}[0-9A-Za-z]{2}|[Bb][Uu][0-9]{4}[0-9A-Za-z]{4}|[Ee][Gg][0-9]{4,8})$"
)


def _area_code_field() -> serializers.RegexField:
    return serializers.RegexField(
        AREA_CODE_PATTERN,
        max_length=10,
        error_messages={
            "invalid": _(
                "Not a CBS code of a gemeente, wijk or buurt, such as GM0363, WK0363FD or BU0363FD04, "
                "nor the code of a custom area (EG0001)."
            )
        },
    )


class OrganisationRefSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    name = serializers.CharField()


class GrantSerializer(serializers.Serializer):
    organisation_kind = NamedChoiceField(enum_name="OrganisationKindEnum", choices=OrganisationKind.choices)
    role = NamedChoiceField(
        enum_name="GrantRoleEnum",
        choices=[(name, name) for name, _label in register_roles()],
        help_text="Name of a role that may use the address register.",
    )
    scope = NamedChoiceField(enum_name="GrantScopeEnum", choices=GrantScope.choices)
    level = NamedChoiceField(enum_name="GrantLevelEnum", choices=GrantLevel.choices, default=GrantLevel.READ)

    def to_representation(self, instance):
        if isinstance(instance, ProcessingGrant):
            return {
                "organisation_kind": instance.organisation_kind,
                "role": instance.role.name,
                "scope": instance.scope,
                "level": instance.level,
            }
        return super().to_representation(instance)


class ActivitySerializer(serializers.ModelSerializer):
    avg_ground = NamedChoiceField(enum_name="AvgGroundEnum", choices=AvgGround.choices)
    compartment = NamedChoiceField(enum_name="CompartmentEnum", choices=Compartment.choices)
    data_categories = serializers.ListField(child=serializers.CharField())
    grants = GrantSerializer(many=True, read_only=True)

    class Meta:
        model = ProcessingActivity
        fields = [
            "uuid",
            "code",
            "name",
            "purpose",
            "avg_ground",
            "legal_basis",
            "data_categories",
            "compartment",
            "retention_days",
            "allows_names",
            "grants",
        ]
        read_only_fields = fields


class ActivityCreateSerializer(serializers.Serializer):
    code = serializers.SlugField(
        max_length=80, required=False, help_text="Unique code; made from the name when left out."
    )
    name = serializers.CharField(max_length=200)
    purpose = serializers.CharField()
    avg_ground = NamedChoiceField(
        enum_name="AvgGroundEnum", choices=AvgGround.choices, help_text="AVG (GDPR) article 6(1) ground."
    )
    legal_basis = serializers.CharField(max_length=200, help_text='Law and article, e.g. "Gemeentewet 151d".')
    data_categories = serializers.ListField(child=serializers.CharField(max_length=200), min_length=1)
    compartment = NamedChoiceField(enum_name="CompartmentEnum", choices=Compartment.choices)
    retention_days = serializers.IntegerField(min_value=1, max_value=36500)
    allows_names = serializers.BooleanField(default=False)
    grants = GrantSerializer(
        many=True,
        allow_empty=False,
        help_text="At least one recipient.",
        error_messages={"empty": _("Give at least one recipient (organisation kind and role).")},
    )


class ReuseDecisionSerializer(serializers.ModelSerializer):
    source = serializers.UUIDField(source="source.uuid")
    source_code = serializers.CharField(source="source.code")
    target = serializers.UUIDField(source="target.uuid")
    target_code = serializers.CharField(source="target.code")
    decided_by = serializers.CharField(source="decided_by.username")

    class Meta:
        model = ReuseDecision
        fields = [
            "uuid",
            "source",
            "source_code",
            "target",
            "target_code",
            "legal_basis",
            "motivation",
            "decided_by",
            "created",
        ]
        read_only_fields = fields


class ReuseDecisionCreateSerializer(serializers.Serializer):
    source = serializers.UUIDField(help_text="The activity the data was collected under.")
    target = serializers.UUIDField(help_text="The activity it may also be read under (same covenant).")
    legal_basis = serializers.CharField(max_length=200)
    motivation = serializers.CharField()


class CovenantSerializer(serializers.ModelSerializer):
    status = NamedChoiceField(enum_name="CovenantStatusEnum", choices=CovenantStatus.choices)
    area_codes = serializers.ListField(child=serializers.CharField(), help_text=AREA_CODES_HELP)
    partners = OrganisationRefSerializer(many=True)
    privacy_officer = serializers.CharField(
        source="privacy_officer.username", allow_null=True, help_text="User name of the privacy officer."
    )
    ended = UtcDateTimeField(allow_null=True, help_text="When the covenant was ended (null until then).")
    end_reason = serializers.CharField(help_text="The reason given for ending it (empty until then).")

    class Meta:
        model = Covenant
        fields = ["uuid", "status", *COVENANT_EDITABLE_FIELDS, "ended", "end_reason", "created", "updated"]
        read_only_fields = fields


class CovenantDetailSerializer(CovenantSerializer):
    activities = ActivitySerializer(many=True)
    reuse_decisions = serializers.SerializerMethodField()

    class Meta(CovenantSerializer.Meta):
        fields = [*CovenantSerializer.Meta.fields, "activities", "reuse_decisions"]
        read_only_fields = fields

    @extend_schema_field(ReuseDecisionSerializer(many=True))
    def get_reuse_decisions(self, covenant):
        return ReuseDecisionSerializer(reuse_decisions_of(covenant=covenant), many=True).data


class CovenantWriteSerializer(serializers.Serializer):
    """Create a draft covenant (all required fields) or change one (PATCH: only the fields given)."""

    name = serializers.CharField(max_length=200)
    area_codes = serializers.ListField(child=_area_code_field(), min_length=1, help_text=AREA_CODES_HELP)
    partners = serializers.ListField(
        child=serializers.UUIDField(), min_length=1, help_text="UUIDs of the partner organisations."
    )
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(required=False, allow_null=True, default=None)
    document_reference = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    dpia_reference = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    dpia_date = serializers.DateField(required=False, allow_null=True, default=None)
    privacy_officer = serializers.CharField(
        required=False,
        allow_null=True,
        default=None,
        help_text="User name of the privacy officer: an active user who may read the audit log.",
    )

    def validate_partners(self, value):
        organisations = list(Organisation.objects.filter(uuid__in=value))
        if len(organisations) != len(set(value)):
            raise serializers.ValidationError(_("Unknown organisation."), code="does_not_exist")
        return organisations

    def validate_privacy_officer(self, value):
        if value is None:
            return None
        officer = privacy_officer_candidates().filter(username=value).first()
        if officer is None:
            raise serializers.ValidationError(
                _("No active user with this name who may read the audit log."), code="does_not_exist"
            )
        return officer


CONFIRM_END_MESSAGE = _("Confirm that you want to end the covenant.")


@extend_schema_field({"type": "boolean", "enum": [True]})
class ConfirmField(serializers.BooleanField):
    """A yes that must be given: only ``true`` is accepted (``validate_confirm``)."""


class _EndReasonLength(MinLengthValidator):
    """The service's rule (``covenant_end_reason_errors``: the text without the spaces around it) with its
    message; a ``MinLengthValidator``, so the OpenAPI document shows the minimum length."""

    def __init__(self):
        super().__init__(COVENANT_END_REASON_MIN_LENGTH)

    def __call__(self, value):
        errors = covenant_end_reason_errors(value)
        if errors:
            raise serializers.ValidationError(errors, code="min_length")


@extend_schema_field(
    {"type": "string", "pattern": stripped_min_length_pattern(COVENANT_END_REASON_MIN_LENGTH)}
)
class EndReasonField(serializers.CharField):
    """The reason for ending a covenant, at least ``COVENANT_END_REASON_MIN_LENGTH`` characters."""

    def __init__(self, **kwargs):
        super().__init__(max_length=COVENANT_END_REASON_MAX_LENGTH, validators=[_EndReasonLength()], **kwargs)


class CovenantEndSerializer(serializers.Serializer):
    """Ending cuts every partner off at once: a reason (shown to their users) and an explicit yes."""

    reason = EndReasonField(
        help_text=f"Why the covenant ends, at least {COVENANT_END_REASON_MIN_LENGTH} characters; "
        "shown on the dashboard of the partner organisations' users and kept in the audit log.",
    )
    confirm = ConfirmField(
        help_text="Must be `true`: every partner loses access to the shared data at once.",
        error_messages={"required": CONFIRM_END_MESSAGE},
    )

    def validate_reason(self, value: str) -> str:
        return value.strip()  # the length is checked by the field (_EndReasonLength)

    def validate_confirm(self, value: bool) -> bool:
        if value is not True:
            raise serializers.ValidationError(CONFIRM_END_MESSAGE, code="required")
        return value
