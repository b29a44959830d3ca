# SPDX-License-Identifier: EUPL-1.2
from django.urls import path

from smaakmaker.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.index, name="index"),
]
