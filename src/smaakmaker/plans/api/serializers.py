# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from smaakmaker.plans import selectors
from smaakmaker.plans.models import (
    Approach,
    InterventionStatus,
    InterventionType,
    Level,
    PlanIntervention,
    RunDecision,
    RunState,
    SchedulerRun,
)

FLAVOUR_HELP = "One of zoet, zuur, zout, bitter."
LEVEL_HELP = "One of gebied, straat, complex, adres."
STATUS_HELP = "One of concept, gepland, lopend, afgerond, gestopt."


def _choices(choices):
    """A choice field over ``choices``, documented as an enum (named in ``ENUM_NAME_OVERRIDES``)."""

    class Field(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=list(choices), **kwargs)

    return Field


LevelField = _choices(Level.choices)
InterventionStatusField = _choices(InterventionStatus.choices)
RunStateField = _choices(RunState.choices)
RunDecisionField = _choices(RunDecision.choices)


class InterventionTypeSerializer(serializers.ModelSerializer):
    legal_instrument = serializers.CharField(read_only=True)
    flavour = serializers.CharField(read_only=True, help_text=FLAVOUR_HELP)
    owner_kind = serializers.CharField(read_only=True, help_text="The kind of organisation that owns it.")

    class Meta:
        model = InterventionType
        fields = [
            "code",
            "name",
            "flavour",
            "description",
            "law",
            "article",
            "legal_instrument",
            "preconditions",
            "typical_duration_weeks",
            "default_degree",
            "owner_kind",
            "levels",
            "steps",
            "activity_code",
        ]


class PartnerSerializer(serializers.Serializer):
    organisation = serializers.CharField(source="organisation.name")
    weekly_capacity = serializers.IntegerField()


class ApproachSerializer(serializers.ModelSerializer):
    area_code = serializers.CharField(source="area.code")
    area_name = serializers.CharField(source="area.name")
    partners = PartnerSerializer(source="partner_rows", many=True)

    class Meta:
        model = Approach
        fields = [
            "uuid",
            "name",
            "area_code",
            "area_name",
            "goals",
            "phase",
            "start_date",
            "horizon_weeks",
            "flavour_diagnosis",
            "partners",
        ]


class PlanInterventionSerializer(serializers.ModelSerializer):
    intervention_type = serializers.CharField(source="intervention_type.code")
    legal_instrument = serializers.CharField(source="intervention_type.legal_instrument")
    title = serializers.CharField(source="display_title")
    address = serializers.UUIDField(source="address.uuid", allow_null=True, default=None)
    owner = serializers.CharField(source="owner.name")
    coordinator = serializers.CharField(source="coordinator.name", allow_null=True, default=None)
    end_week = serializers.IntegerField(allow_null=True)
    flavour = serializers.CharField(read_only=True, help_text=FLAVOUR_HELP)
    level = serializers.CharField(read_only=True, help_text=LEVEL_HELP)
    status = serializers.CharField(read_only=True, help_text=STATUS_HELP)

    class Meta:
        model = PlanIntervention
        fields = [
            "ref",
            "intervention_type",
            "legal_instrument",
            "title",
            "flavour",
            "level",
            "street",
            "complex",
            "address",
            "start_week",
            "duration_weeks",
            "end_week",
            "degree",
            "owner",
            "coordinator",
            "status",
            "exit_criteria",
        ]


class InterventionCreateSerializer(serializers.Serializer):
    intervention_type = serializers.SlugField()
    owner = serializers.UUIDField(help_text="UUID of the owning partner organisation.")
    level = LevelField(help_text=LEVEL_HELP)
    street = serializers.CharField(max_length=120, required=False, default="", allow_blank=True)
    complex = serializers.CharField(max_length=120, required=False, default="", allow_blank=True)
    address = serializers.UUIDField(required=False, allow_null=True, default=None)
    start_week = serializers.IntegerField(
        min_value=0, max_value=259, required=False, allow_null=True, default=None
    )
    duration_weeks = serializers.IntegerField(
        min_value=1, max_value=260, required=False, allow_null=True, default=None
    )
    degree = serializers.IntegerField(
        min_value=1, max_value=1000, required=False, allow_null=True, default=None
    )
    coordinator = serializers.UUIDField(required=False, allow_null=True, default=None)
    exit_criteria = serializers.CharField(required=False, default="", allow_blank=True, max_length=2000)
    title = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)


class StatusChangeSerializer(serializers.Serializer):
    status = InterventionStatusField(help_text=STATUS_HELP)
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=500)


class WarningSerializer(serializers.Serializer):
    rule_id = serializers.CharField()
    rule_title = serializers.CharField()
    severity = serializers.ChoiceField(choices=["info", "waarschuwing", "fout"])
    message = serializers.CharField()
    refs = serializers.ListField(child=serializers.CharField())
    redacted = serializers.BooleanField()


class InterventionFlagSerializer(serializers.Serializer):
    """An address-level intervention the caller may not see in full: that one is planned, in which
    compartment, by which partner and from which week; never its type, instrument, degree or text."""

    address = serializers.UUIDField(source="address.uuid")
    compartment = serializers.ChoiceField(choices=["algemeen", "zorg", "politie", "corporatie"])
    label = serializers.CharField()
    owner = serializers.CharField()
    start_week = serializers.IntegerField(allow_null=True)


class WarningsSerializer(serializers.Serializer):
    simultaneous_weeks = serializers.IntegerField()
    active_weeks = serializers.IntegerField()
    hidden_interventions = serializers.IntegerField()
    warnings = WarningSerializer(many=True)


class RunCreateSerializer(serializers.Serializer):
    time_limit_s = serializers.FloatField(min_value=1, max_value=120, required=False, default=10.0)


class ConflictSerializer(serializers.Serializer):
    group = serializers.CharField()
    kind = serializers.CharField()
    message = serializers.CharField()
    intervention_ids = serializers.ListField(child=serializers.CharField())
    redacted = serializers.BooleanField()


class RunSerializer(serializers.ModelSerializer):
    """A scheduler run. Pass ``context={"full_refs": ...}``: conflicts that involve interventions the
    caller may not see in full lose their message and those references."""

    state = RunStateField(read_only=True, help_text="One of queued, running, finished, failed.")
    conflicts = serializers.SerializerMethodField()
    decision = RunDecisionField(read_only=True, help_text="One of open, accepted, rejected, superseded.")

    class Meta:
        model = SchedulerRun
        fields = [
            "uuid",
            "state",
            "progress",
            "solutions",
            "time_limit_s",
            "solver_status",
            "message",
            "objective",
            "current_objective",
            "conflicts",
            "decision",
            "created",
            "finished_at",
        ]

    @extend_schema_field(ConflictSerializer(many=True))
    def get_conflicts(self, run) -> list[dict]:
        return selectors.conflicts_for_user(run.conflicts, full_refs=self.context["full_refs"])


class RunDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["accept", "reject"])
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=500)
