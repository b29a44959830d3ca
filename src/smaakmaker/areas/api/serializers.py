# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

from rest_framework import serializers

from smaakmaker.api.query import QuerySerializer
from smaakmaker.areas.forms import REFERENCE_CHOICES
from smaakmaker.areas.models import Area, AreaLevel, Indicator, IndicatorValue


class AreaSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent.code", allow_null=True, read_only=True)

    class Meta:
        model = Area
        fields = [
            "code",
            "name",
            "level",
            "classification_year",
            "last_year",
            "parent",
            "gemeente_code",
            "custom_kind",
        ]


class AreaDetailSerializer(AreaSerializer):
    class Meta(AreaSerializer.Meta):
        fields = [*AreaSerializer.Meta.fields, "geometry"]


class IndicatorSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="key")

    class Meta:
        model = Indicator
        fields = ["id", "label", "unit", "theme", "direction", "sources", "note"]


class IndicatorValueSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code")
    indicator = serializers.CharField(source="indicator.key")
    missing = serializers.SerializerMethodField()

    class Meta:
        model = IndicatorValue
        fields = ["area", "indicator", "year", "value", "missing", "source"]

    def get_missing(self, obj) -> bool:
        return obj.value is None


class AreaFilterSerializer(QuerySerializer):
    level = serializers.ChoiceField(choices=AreaLevel.choices, required=False)
    parent = serializers.CharField(required=False, max_length=16)
    gemeente = serializers.RegexField(r"^GM[0-9]{4}$", required=False)
    q = serializers.CharField(required=False, max_length=100)
    year = serializers.IntegerField(
        required=False,
        min_value=1990,
        max_value=2100,
        help_text="Only areas with indicator values in this year.",
    )


class ValueFilterSerializer(QuerySerializer):
    area = serializers.CharField(required=False, max_length=16)
    indicator = serializers.CharField(required=False, max_length=64)
    year = serializers.IntegerField(required=False, min_value=1990, max_value=2100)
    level = serializers.ChoiceField(choices=AreaLevel.choices, required=False)
    parent = serializers.CharField(required=False, max_length=16)


class ProfileQuerySerializer(QuerySerializer):
    year = serializers.IntegerField(required=False, min_value=1990, max_value=2100)
    reference = serializers.ChoiceField(
        choices=[value for value, _label in REFERENCE_CHOICES], required=False
    )
    base_year = serializers.IntegerField(required=False, min_value=1990, max_value=2100)


class ThemeScoreSerializer(serializers.Serializer):
    theme = serializers.CharField()
    index = serializers.FloatField(allow_null=True)
    band = serializers.CharField(allow_null=True)


class IndicatorScoreSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="The published CBS value.")
    estimate = serializers.FloatField(
        allow_null=True,
        help_text="Empirical-Bayes estimate shrunk toward the parent area (rates with a known denominator); "
        "null: used as published.",
    )
    estimate_low = serializers.FloatField(allow_null=True)
    estimate_high = serializers.FloatField(allow_null=True)
    parent_weight = serializers.FloatField(
        allow_null=True,
        help_text="Weight of the parent area in the estimate (0: own value, 1: the parent's).",
    )
    expected = serializers.BooleanField(help_text="Published at this level in some loaded year.")
    reference = serializers.FloatField(allow_null=True)
    score = serializers.FloatField(
        allow_null=True, help_text="Score of the estimate (or the published value)."
    )
    band = serializers.CharField(allow_null=True)
    trend = serializers.CharField()
    kentering = serializers.CharField()


class FlavourSerializer(serializers.Serializer):
    flavour = serializers.CharField()
    reason = serializers.CharField()


class OverlapSerializer(serializers.Serializer):
    buurt = serializers.CharField()
    share = serializers.FloatField(
        help_text="The share of the buurt inside the custom area (of its addresses, or of its surface "
        "when the area holds no addresses), 0-1."
    )
    addresses_inside = serializers.IntegerField(
        allow_null=True, help_text="The area's addresses in this buurt (null when apportioned by surface)."
    )


class ProfileSerializer(serializers.Serializer):
    area = serializers.CharField()
    year = serializers.IntegerField()
    base_year = serializers.IntegerField()
    reference = serializers.CharField()
    composite = serializers.FloatField(allow_null=True)
    composite_low = serializers.FloatField(allow_null=True, help_text="Lower end of the 95 % interval.")
    composite_high = serializers.FloatField(allow_null=True, help_text="Upper end of the 95 % interval.")
    composite_raw = serializers.FloatField(allow_null=True, help_text="The index from the published values.")
    band = serializers.CharField(allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    ranked_of = serializers.IntegerField()
    not_ranked = serializers.ChoiceField(
        choices=["", "no_data", "incomplete", "too_small", "population_unknown", "custom_area"],
        help_text="Why the area has no rank (empty when ranked; custom_area: a custom area is never ranked).",
    )
    not_ranked_reason = serializers.CharField()
    inhabitants = serializers.FloatField(allow_null=True)
    coverage = serializers.FloatField(help_text="Indicators present / expected for this year and level.")
    indicators_present = serializers.IntegerField()
    indicators_expected = serializers.IntegerField()
    incomplete = serializers.BooleanField()
    diagnosis_complete = serializers.BooleanField(
        help_text="False when whole themes have no data this year (see missing_themes)."
    )
    missing_themes = serializers.ListField(child=serializers.CharField())
    themes = ThemeScoreSerializer(many=True)
    indicators = IndicatorScoreSerializer(many=True)
    flavours = FlavourSerializer(many=True)
    peers = serializers.ListField(child=serializers.CharField())
    notes = serializers.ListField(child=serializers.CharField())
    estimated = serializers.BooleanField(
        help_text="True for a custom area (EG0001): CBS publishes no figures for it; each indicator's value "
        "is estimated from the buurten it overlaps (see caveat and overlaps), there are no scores, "
        "themes, flavours or rank."
    )
    caveat = serializers.CharField(
        allow_blank=True,
        help_text="How the figures of a custom area were estimated (always shown with them); empty for a "
        "CBS area.",
    )
    overlaps = OverlapSerializer(many=True, help_text="A custom area's buurten (empty for a CBS area).")
