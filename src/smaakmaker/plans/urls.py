# SPDX-License-Identifier: EUPL-1.2
from django.urls import path

from smaakmaker.plans import views

app_name = "plans"

urlpatterns = [
    path("", views.index, name="index"),
]
