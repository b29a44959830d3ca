# SPDX-License-Identifier: EUPL-1.2
from django.urls import path

from smaakmaker.monitoring.api import views

urlpatterns = [
    path("evaluations", views.EvaluationListView.as_view(), name="evaluations"),
    path("evaluations/<uuid:uuid>", views.EvaluationDetailView.as_view(), name="evaluation"),
    path("bookkeeping", views.BookkeepingView.as_view(), name="bookkeeping"),
    path("what-works", views.WhatWorksView.as_view(), name="what-works"),
    path("perceived-values", views.PerceivedUploadView.as_view(), name="perceived-values"),
]
