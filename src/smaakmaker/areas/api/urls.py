# SPDX-License-Identifier: EUPL-1.2
from django.urls import path

from smaakmaker.areas.api import views

urlpatterns = [
    path("areas", views.AreaListView.as_view(), name="areas"),
    path("areas/<str:code>", views.AreaDetailView.as_view(), name="area"),
    path("areas/<str:code>/profile", views.AreaProfileView.as_view(), name="area-profile"),
    path("indicators", views.IndicatorListView.as_view(), name="indicators"),
    path("indicator-values", views.IndicatorValueListView.as_view(), name="indicator-values"),
]
