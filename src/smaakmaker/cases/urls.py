# SPDX-License-Identifier: EUPL-1.2
from django.urls import path

from smaakmaker.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.index, name="index"),
]
