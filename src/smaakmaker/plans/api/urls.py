# SPDX-License-Identifier: EUPL-1.2
from django.urls import path

from smaakmaker.plans.api import views

urlpatterns = [
    path("intervention-types", views.CatalogueView.as_view(), name="intervention-types"),
    path("plans", views.ApproachListView.as_view(), name="plans"),
    path("plans/<uuid:uuid>", views.ApproachDetailView.as_view(), name="plan-detail"),
    path("plans/<uuid:uuid>/interventions", views.InterventionListView.as_view(), name="plan-interventions"),
    path(
        "plans/<uuid:uuid>/intervention-flags",
        views.InterventionFlagListView.as_view(),
        name="plan-intervention-flags",
    ),
    path(
        "plans/<uuid:uuid>/interventions/<str:ref>/status",
        views.InterventionStatusView.as_view(),
        name="plan-intervention-status",
    ),
    path("plans/<uuid:uuid>/warnings", views.WarningsView.as_view(), name="plan-warnings"),
    path("plans/<uuid:uuid>/runs", views.RunCreateView.as_view(), name="plan-runs"),
    path("plans/<uuid:uuid>/runs/<uuid:run_uuid>", views.RunDetailView.as_view(), name="plan-run"),
    path(
        "plans/<uuid:uuid>/runs/<uuid:run_uuid>/decision",
        views.RunDecisionView.as_view(),
        name="plan-run-decision",
    ),
]
