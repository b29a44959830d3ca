# SPDX-License-Identifier: EUPL-1.2
from django.urls import path

from smaakmaker.areas import views

app_name = "areas"

urlpatterns = [
    path("", views.index, name="index"),
]
