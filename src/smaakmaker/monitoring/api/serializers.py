# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

from rest_framework import serializers

from smaakmaker.api.query import QuerySerializer
from smaakmaker.monitoring.models import DonorPoolKind, EffectEvaluation, EvaluationStatus


class EvaluationCreateSerializer(serializers.Serializer):
    area = serializers.CharField(max_length=16, help_text="CBS code of the treated area, e.g. BU0363FD04.")
    indicator = serializers.CharField(max_length=64, help_text="Indicator key (outcome).")
    treatment_year = serializers.IntegerField(min_value=1990, max_value=2100)
    donor_pool = serializers.ChoiceField(choices=DonorPoolKind.choices, default=DonorPoolKind.PEERS)
    peers_k = serializers.IntegerField(min_value=5, max_value=200, default=30)
    exclude_approaches = serializers.BooleanField(default=True)
    exclude_adjacent = serializers.BooleanField(default=False)
    excluded_codes = serializers.ListField(child=serializers.CharField(max_length=16), default=list)
    covariates = serializers.ListField(child=serializers.CharField(max_length=64), default=list)
    lagged_outcomes = serializers.BooleanField(default=False)
    min_pre_periods = serializers.IntegerField(min_value=2, max_value=20, default=3)
    placebo_variant = serializers.ChoiceField(choices=["fixed_v", "refit_v"], default="fixed_v")


class EvaluationSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code")
    indicator = serializers.CharField(source="indicator.key")
    status = serializers.CharField(
        help_text="Run state: " + ", ".join(EvaluationStatus.values) + " (poll until finished or failed)."
    )
    result = serializers.JSONField(allow_null=True)
    donors = serializers.JSONField()

    class Meta:
        model = EffectEvaluation
        fields = [
            "uuid",
            "area",
            "indicator",
            "treatment_year",
            "donor_pool",
            "peers_k",
            "exclude_approaches",
            "exclude_adjacent",
            "excluded_codes",
            "covariates",
            "options",
            "status",
            "progress",
            "step",
            "error_code",
            "message",
            "donors",
            "result",
            "created",
            "started_at",
            "finished_at",
        ]


class EvaluationListSerializer(EvaluationSerializer):
    class Meta(EvaluationSerializer.Meta):
        fields = [f for f in EvaluationSerializer.Meta.fields if f not in {"result", "donors"}]


class CellSerializer(serializers.Serializer):
    count = serializers.IntegerField(allow_null=True, help_text="Null when suppressed (1 to 9).")
    display = serializers.CharField()
    suppressed = serializers.BooleanField()


class BookkeepingRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    cells = CellSerializer(many=True)
    total = CellSerializer()


class BookkeepingTableSerializer(serializers.Serializer):
    caption = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = BookkeepingRowSerializer(many=True)


class HeadlineSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = CellSerializer()


class BookkeepingSerializer(serializers.Serializer):
    area_code = serializers.CharField(allow_null=True)
    granularity = serializers.CharField()
    suppressed = serializers.BooleanField()
    periods = serializers.ListField(child=serializers.CharField())
    headline = HeadlineSerializer(many=True)
    tables = BookkeepingTableSerializer(many=True)


class BookkeepingQuerySerializer(QuerySerializer):
    area = serializers.CharField(required=False, max_length=16)
    granularity = serializers.ChoiceField(choices=["year", "quarter"], default="year")
    period = serializers.CharField(required=False, max_length=12)


class PerceivedUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV with columns gebiedscode, jaar, indicator, waarde.")


class PerceivedImportResultSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    source = serializers.CharField()
    rows = serializers.IntegerField()


class WhatWorksQuerySerializer(QuerySerializer):
    indicator = serializers.CharField(
        required=False,
        max_length=64,
        help_text="Indicator key; default: the one with most evaluated approaches.",
    )


class WhatWorksIndicatorSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    approaches = serializers.IntegerField(
        help_text="Approaches with a finished evaluation on this indicator."
    )


class FlavourDoseSerializer(serializers.Serializer):
    zoet = serializers.FloatField(allow_null=True)
    zuur = serializers.FloatField(allow_null=True)
    zout = serializers.FloatField(allow_null=True)
    bitter = serializers.FloatField(allow_null=True)


class ApproachEffectSerializer(serializers.Serializer):
    approach = serializers.UUIDField()
    label = serializers.CharField()
    estimate = serializers.FloatField(help_text="Average gap with the synthetic control from the start.")
    standard_error = serializers.FloatField(help_text="From the placebo variance.")
    ci_low = serializers.FloatField()
    ci_high = serializers.FloatField()
    has_addresses = serializers.BooleanField(
        help_text="Whether the area has addresses in the register (dose)."
    )
    dose = FlavourDoseSerializer(
        help_text="Interventions per 1,000 addresses; null when suppressed or unknown."
    )
    suppressed = serializers.ListField(
        child=serializers.CharField(), help_text="Flavours whose dose rests on fewer than 10 interventions."
    )
    first = serializers.CharField(
        allow_null=True, help_text="The flavour whose first intervention started first."
    )


class PooledEffectSerializer(serializers.Serializer):
    estimate = serializers.FloatField()
    standard_error = serializers.FloatField(help_text="Hartung-Knapp.")
    ci_low = serializers.FloatField()
    ci_high = serializers.FloatField()
    df = serializers.IntegerField()
    p_value = serializers.FloatField()
    pi_low = serializers.FloatField(help_text="95 % prediction interval for a new approach.")
    pi_high = serializers.FloatField()
    tau2 = serializers.FloatField()
    i2 = serializers.FloatField(help_text="Percent.")
    q = serializers.FloatField()
    q_p_value = serializers.FloatField(allow_null=True)


class SlopeSerializer(serializers.Serializer):
    estimate = serializers.FloatField()
    standard_error = serializers.FloatField()
    ci_low = serializers.FloatField()
    ci_high = serializers.FloatField()
    p_value = serializers.FloatField()
    df = serializers.IntegerField()
    r2 = serializers.FloatField(allow_null=True)


class ModeratorSerializer(serializers.Serializer):
    measure = serializers.CharField()
    flavour = serializers.CharField()
    kind = serializers.CharField(
        help_text='"dose" (per 1,000 addresses) or "first" (started first: 1, else 0).'
    )
    k = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True)
    slope = SlopeSerializer(allow_null=True)


class WhatWorksSerializer(serializers.Serializer):
    indicators = WhatWorksIndicatorSerializer(many=True)
    indicator = serializers.CharField(allow_null=True)
    indicator_label = serializers.CharField(allow_blank=True)
    k = serializers.IntegerField(help_text="Approaches with an evaluation on the indicator.")
    min_approaches = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True, help_text="Why nothing is pooled (Dutch), if so.")
    approaches = ApproachEffectSerializer(many=True)
    pooled = PooledEffectSerializer(allow_null=True)
    moderators = ModeratorSerializer(many=True)
