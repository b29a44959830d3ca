# SPDX-License-Identifier: EUPL-1.2
"""Monitoring API: effect evaluations (background run with progress), bookkeeping, perceived indicators."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from smaakmaker.api.pagination import paged, paged_response
from smaakmaker.areas.models import Area, Indicator
from smaakmaker.monitoring import selectors, services
from smaakmaker.monitoring.api import serializers as s

TAGS = ["monitoring"]


def _need(request, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise exceptions.PermissionDenied()


class MonitoringView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def handle_exception(self, exc):
        if isinstance(exc, services.MonitoringError):
            exc = exceptions.ValidationError({exc.field: [ErrorDetail(exc.message, code=exc.code)]})
        return super().handle_exception(exc)


class EvaluationListView(MonitoringView):
    paged_methods = {"GET", "HEAD"}

    @extend_schema(
        summary="Effect evaluations",
        operation_id="evaluations_list",
        responses=paged(s.EvaluationListSerializer),
        tags=TAGS,
    )
    def get(self, request):
        _need(request, selectors.VIEW_EVALUATIONS)
        return paged_response(request, selectors.evaluations_list(), s.EvaluationListSerializer)

    @extend_schema(
        summary="Start an effect evaluation (runs in the background; poll the evaluation for progress)",
        request=s.EvaluationCreateSerializer,
        responses={202: s.EvaluationSerializer},
        tags=TAGS,
    )
    def post(self, request):
        _need(request, selectors.RUN_EVALUATIONS)
        serializer = s.EvaluationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        area = Area.objects.filter(code=data["area"].strip().upper()).first()
        if area is None:
            raise exceptions.ValidationError({"area": [ErrorDetail("Onbekend gebied.", code="unknown")]})
        indicator = Indicator.objects.filter(key=data["indicator"]).first()
        if indicator is None:
            raise exceptions.ValidationError(
                {"indicator": [ErrorDetail("Onbekende indicator.", code="unknown")]}
            )
        evaluation = services.evaluation_create(
            actor=request.user,
            area=area,
            indicator=indicator,
            treatment_year=data["treatment_year"],
            donor_pool=data["donor_pool"],
            peers_k=data["peers_k"],
            exclude_approaches=data["exclude_approaches"],
            exclude_adjacent=data["exclude_adjacent"],
            excluded_codes=data["excluded_codes"],
            covariates=data["covariates"],
            options={
                "lagged_outcomes": data["lagged_outcomes"],
                "min_pre_periods": data["min_pre_periods"],
                "placebo_variant": data["placebo_variant"],
            },
        )
        services.evaluation_start_background(evaluation=evaluation)
        evaluation.refresh_from_db()
        response = Response(s.EvaluationSerializer(evaluation).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = f"/api/v1/evaluations/{evaluation.uuid}"
        return response


class EvaluationDetailView(MonitoringView):
    @extend_schema(
        summary="One effect evaluation: status, progress and result",
        responses=s.EvaluationSerializer,
        tags=TAGS,
    )
    def get(self, request, uuid):
        _need(request, selectors.VIEW_EVALUATIONS)
        evaluation = selectors.evaluation_get(uuid=uuid)
        if evaluation is None:
            raise exceptions.NotFound()
        return Response(s.EvaluationSerializer(evaluation).data)


class BookkeepingView(MonitoringView):
    query_serializer = s.BookkeepingQuerySerializer

    @extend_schema(
        summary="Bookkeeping: counts of what was done (small cells suppressed unless permitted)",
        responses=s.BookkeepingSerializer,
        tags=TAGS,
    )
    def get(self, request):
        _need(request, selectors.VIEW_BOOKKEEPING)
        query = s.BookkeepingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        data = selectors.bookkeeping_for(
            user=request.user,
            area_code=(params.get("area") or "").strip().upper() or None,
            granularity=params["granularity"],
            period=params.get("period") or None,
        )
        payload = {
            "area_code": data.area_code,
            "granularity": data.granularity,
            "suppressed": data.suppressed,
            "periods": data.periods,
            "headline": [{"label": label, "value": c.as_dict()} for label, c in data.headline],
            "tables": [
                {
                    "caption": t.caption,
                    "columns": t.columns,
                    "rows": [
                        {
                            "label": r.label,
                            "cells": [c.as_dict() for c in r.cells],
                            "total": r.total.as_dict(),
                        }
                        for r in t.rows
                    ],
                }
                for t in data.tables
            ],
        }
        return Response(s.BookkeepingSerializer(payload).data)


class WhatWorksView(MonitoringView):
    query_serializer = s.WhatWorksQuerySerializer

    @extend_schema(
        summary="What works: the approaches' effects pooled (from three approaches on) and related to the dose",
        description="Aggregates per approach only. Doses resting on fewer than 10 interventions are null unless "
        "the caller may see exact counts.",
        responses=s.WhatWorksSerializer,
        tags=TAGS,
    )
    def get(self, request):
        _need(request, selectors.VIEW_EVALUATIONS)
        _need(request, selectors.VIEW_BOOKKEEPING)
        query = s.WhatWorksQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = selectors.what_works(
            indicator_key=query.validated_data.get("indicator") or None,
            exact_counts=request.user.has_perm(selectors.VIEW_EXACT_COUNTS),
        )
        return Response(s.WhatWorksSerializer(data).data)


class PerceivedUploadView(MonitoringView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Import perceived indicators from CSV (all rows or none; errors name line and column)",
        request={"multipart/form-data": s.PerceivedUploadSerializer},
        responses={201: s.PerceivedImportResultSerializer},
        tags=TAGS,
    )
    def post(self, request):
        _need(request, selectors.IMPORT_PERCEIVED)
        serializer = s.PerceivedUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        try:
            batch = services.perceived_import(actor=request.user, filename=upload.name, content=upload.read())
        except services.PerceivedImportError as exc:
            raise exceptions.ValidationError(
                {"file": [ErrorDetail(f"{exc.filename}: {p}", code="invalid") for p in exc.problems]}
            ) from exc
        return Response(
            s.PerceivedImportResultSerializer(
                {"uuid": batch.uuid, "source": batch.source, "rows": batch.rows}
            ).data,
            status=status.HTTP_201_CREATED,
        )
