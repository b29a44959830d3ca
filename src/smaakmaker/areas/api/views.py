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
from smaakmaker.areas.models import Area, IndicatorValue


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
        }
        return Response(ProfileSerializer(data).data)
