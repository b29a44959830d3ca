# SPDX-License-Identifier: EUPL-1.2
"""API plumbing views: health, the published OpenAPI document."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularJSONAPIView
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


class OpenApiDocumentView(SpectacularJSONAPIView):
    """The OpenAPI document, public and readable from any origin (NL API Design Rules /core/publish-openapi:
    tools such as developer.overheid.nl fetch it from their own pages).

    ``Access-Control-Allow-Origin: *`` here only, on GET, HEAD and OPTIONS: the document holds no personal
    data and is served without credentials; no other endpoint answers another origin.
    """

    CORS_METHODS = ("GET", "HEAD", "OPTIONS")

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method in self.CORS_METHODS:
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Expose-Headers"] = "API-Version"
            if request.method == "OPTIONS":
                response["Access-Control-Allow-Methods"] = ", ".join(self.CORS_METHODS)
                response["Access-Control-Max-Age"] = "86400"
        return response
