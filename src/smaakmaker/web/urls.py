# SPDX-License-Identifier: EUPL-1.2
from django.urls import path

from smaakmaker.web import views

app_name = "web"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("eerste-start/", views.first_run, name="first_run"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("toegankelijkheid/", views.accessibility, name="accessibility"),
    path("methode/", views.method, name="method"),
    path("methode/algoritmeregister.json", views.algorithms_json, name="algorithms-json"),
    path("methode/algoritmeregister/<slug:slug>.json", views.algorithm_json, name="algorithm-json"),
    path("methode/algoritmeregister/<slug:slug>/", views.algorithm_page, name="algorithm"),
]
