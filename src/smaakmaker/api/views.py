# SPDX-License-Identifier: EUPL-1.2
"""API plumbing views: health."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


class HealthView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Health of the service and its database",
        responses=inline_serializer(
            "Health",
            {
                "status": serializers.ChoiceField(choices=["ok", "error"]),
                "database": serializers.ChoiceField(choices=["ok", "error"]),
                "version": serializers.CharField(),
            },
        ),
        tags=["health"],
    )
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            database = "ok"
        except Exception:  # noqa: BLE001 - any database failure means unhealthy
            database = "error"
        status = "ok" if database == "ok" else "error"
        return Response(
            {"status": status, "database": database, "version": settings.API_VERSION},
            status=200 if status == "ok" else 503,
        )
