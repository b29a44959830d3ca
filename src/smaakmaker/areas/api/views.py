# SPDX-License-Identifier: EUPL-1.2
"""Areas, indicator values and profiles (aggregate statistics only)."""

from __future__ import annotations

import math

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from smaakmaker.access.api.views import ModelPermissions
from smaakmaker.areas import selectors
from smaakmaker.areas.api.serializers import (
    AreaDetailSerializer,
    AreaFilterSerializer,
    AreaSerializer,
    IndicatorSerializer,
    IndicatorValueSerializer,
    ProfileQuerySerializer,
    ProfileSerializer,
    ValueFilterSerializer,
)
from smaakmaker.areas.models import Area, AreaLevel, IndicatorValue


def _clean(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


@extend_schema(tags=["areas"])
class AreaListView(generics.ListAPIView):
    serializer_class = AreaSerializer
    permission_classes = [ModelPermissions]
    query_serializer = AreaFilterSerializer
    queryset = Area.objects.none()

    def get_queryset(self):
        params = AreaFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        areas = selectors.areas_search(
            query=data.get("q", ""),
            level=data.get("level", ""),
            gemeente_code=data.get("gemeente", ""),
            parent_code=data.get("parent", ""),
        )
        if "year" in data:
            areas = areas.filter(values__year=data["year"]).distinct()
        return areas.order_by("code")


@extend_schema(tags=["areas"])
class AreaDetailView(generics.RetrieveAPIView):
    serializer_class = AreaDetailSerializer
    permission_classes = [ModelPermissions]
    queryset = Area.objects.select_related("parent")
    lookup_field = "code"


@extend_schema(tags=["areas"], description="A short fixed catalogue: not paged.")
class IndicatorListView(generics.ListAPIView):
    serializer_class = IndicatorSerializer
    permission_classes = [ModelPermissions]
    pagination_class = None

    def get_queryset(self):
        return selectors.indicators_active()


@extend_schema(tags=["areas"])
class IndicatorValueListView(generics.ListAPIView):
    serializer_class = IndicatorValueSerializer
    permission_classes = [ModelPermissions]
    query_serializer = ValueFilterSerializer
    queryset = IndicatorValue.objects.none()

    def get_queryset(self):
        params = ValueFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        values = IndicatorValue.objects.select_related("area", "indicator").filter(indicator__active=True)
        if "area" in data:
            values = values.filter(area__code=data["area"].strip().upper())
        if "indicator" in data:
            values = values.filter(indicator__key=data["indicator"])
        if "year" in data:
            values = values.filter(year=data["year"])
        if "level" in data:
            values = values.filter(area__level=data["level"])
        if "parent" in data:
            values = values.filter(area__parent__code=data["parent"].strip().upper())
        return values.order_by("area__code", "indicator__key", "year")


class AreaProfileView(APIView):
    permission_classes = [ModelPermissions]
    query_serializer = ProfileQuerySerializer
    queryset = Area.objects.none()

    @extend_schema(
        tags=["areas"],
        responses=ProfileSerializer,
        summary="The wijkscan profile of one area (scores against a reference, themes, flavours)",
    )
    def get(self, request, code: str):
        from smaakmaker.areas.views import area_profile_context

        params = ProfileQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        try:
            area = selectors.area_get(code=code)
        except Area.DoesNotExist as exc:
            raise NotFound() from exc
        if area.level == AreaLevel.CUSTOM:
            return Response(ProfileSerializer(_custom_profile(area, params.validated_data.get("year"))).data)
        default_reference = "gemeente" if area.level in {"wijk", "buurt"} else "group"
        try:
            context = area_profile_context(
                area,
                year=params.validated_data.get("year"),
                reference=params.validated_data.get("reference", default_reference),
                base_year=params.validated_data.get("base_year"),
            )
        except (LookupError, KeyError) as exc:
            raise NotFound(str(exc)) from exc
        profile = context["profile"]
        data = {
            "area": area.code,
            "year": context["year"],
            "base_year": context["base_year"],
            "reference": context["reference"],
            "composite": _clean(float(profile["composite"])),
            "composite_low": _clean(float(profile["composite_low"])),
            "composite_high": _clean(float(profile["composite_high"])),
            "composite_raw": _clean(float(profile["composite_raw"])),
            "band": context["band"],
            "rank": context["rank"],
            "ranked_of": context["n_ranked"],
            "not_ranked": str(profile["not_ranked"]),
            "not_ranked_reason": str(profile["not_ranked_reason"]),
            "inhabitants": _clean(float(profile["inwoners"])),
            "coverage": float(profile["coverage"]),
            "indicators_present": context["n_present"],
            "indicators_expected": context["n_expected"],
            "incomplete": context["incomplete"],
            "diagnosis_complete": context["diagnosis_complete"],
            "missing_themes": [t for t in str(profile["missing_themes"]).split(", ") if t],
            "themes": [
                {"theme": t["key"], "index": _clean(float(t["raw"])), "band": t["band"]}
                for t in context["themes"]
            ],
            "indicators": [
                {
                    "indicator": row["key"],
                    "value": _clean(float(row["raw_value"])),
                    "estimate": _clean(float(row["raw_estimate"])) if row["shrunk"] else None,
                    "estimate_low": _clean(float(row["raw_estimate_low"])) if row["shrunk"] else None,
                    "estimate_high": _clean(float(row["raw_estimate_high"])) if row["shrunk"] else None,
                    "parent_weight": _clean(float(row["raw_parent_weight"])) if row["shrunk"] else None,
                    "expected": row["expected"],
                    "reference": _clean(float(row["raw_reference"])),
                    "score": None if row["is_context"] else _clean(float(row["raw_score"])),
                    "band": row["band"],
                    "trend": row["trend"],
                    "kentering": row["kentering"],
                }
                for row in context["indicators"]
            ],
            "flavours": context["flavours"],
            "peers": [peer["code"] for peer in context["peers"]],
            "notes": context["notes"],
            "estimated": False,
            "caveat": "",
            "overlaps": [],
        }
        return Response(ProfileSerializer(data).data)


#: why a custom area has no rank (the page's words)
CUSTOM_NOT_RANKED = (
    "Een eigen gebied wordt niet gerangschikt: CBS publiceert er geen cijfers voor; de cijfers zijn geschat "
    "en zouden ongemerkt tussen gepubliceerde staan."
)


def _custom_profile(area: Area, year: int | None) -> dict:
    """A custom area's profile: its apportioned figures in one year (the latest by default) with their
    caveat, the buurten they come from; no scores, themes, flavours or rank (ADR 0020)."""
    figures = selectors.custom_area_figures(area=area)
    if year is None:
        year = figures.latest_year
    if year is None or year not in figures.years:
        raise NotFound(f"No estimated figures for {area.code} in {year or 'any year'}.")
    indicators = []
    for row in figures.rows:
        value = dict(row["series"]).get(year)
        indicators.append(
            {
                "indicator": row["key"],
                "value": _clean(value),
                "estimate": None,
                "estimate_low": None,
                "estimate_high": None,
                "parent_weight": None,
                "expected": True,
                "reference": _clean(row["reference"]) if row["latest_year"] == year else None,
                "score": None,
                "band": None,
                "trend": "",
                "kentering": "",
            }
        )
    present = sum(1 for i in indicators if i["value"] is not None)
    expected = selectors.indicators_active().count()
    inhabitants = next((i["value"] for i in indicators if i["indicator"] == "inwoners"), None)
    return {
        "area": area.code,
        "year": year,
        "base_year": year,
        "reference": "gemeente",
        "composite": None,
        "composite_low": None,
        "composite_high": None,
        "composite_raw": None,
        "band": None,
        "rank": None,
        "ranked_of": 0,
        "not_ranked": "custom_area",
        "not_ranked_reason": CUSTOM_NOT_RANKED,
        "inhabitants": inhabitants,
        "coverage": present / expected if expected else 0.0,
        "indicators_present": present,
        "indicators_expected": expected,
        "incomplete": present < expected,
        "diagnosis_complete": False,
        "missing_themes": [],
        "themes": [],
        "indicators": indicators,
        "flavours": [],
        "peers": [],
        "notes": [f"Schatting: de cijfers zijn {figures.caveat}."],
        "estimated": True,
        "caveat": figures.caveat,
        "overlaps": [
            {"buurt": o["code"], "share": o["fraction"], "addresses_inside": o["inside"]}
            for o in figures.overlaps
        ],
    }
