# SPDX-License-Identifier: EUPL-1.2
"""``/api/v1/…``: no trailing slashes, no redirects."""

from django.urls import include, path

from smaakmaker.api.views import HealthView, OpenApiDocumentView

app_name = "api"

urlpatterns = [
    path("health", HealthView.as_view(), name="health"),
    path("openapi.json", OpenApiDocumentView.as_view(), name="openapi"),
    path("", include("smaakmaker.access.api.urls")),
    path("", include("smaakmaker.areas.api.urls")),
    path("", include("smaakmaker.cases.api.urls")),
    path("", include("smaakmaker.monitoring.api.urls")),
    path("", include("smaakmaker.plans.api.urls")),
]
