# SPDX-License-Identifier: EUPL-1.2
from django.urls import path

from smaakmaker.web import views

app_name = "web"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("toegankelijkheid/", views.accessibility, name="accessibility"),
]
