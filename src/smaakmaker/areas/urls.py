# SPDX-License-Identifier: EUPL-1.2
from django.urls import path

from smaakmaker.areas import views

app_name = "areas"

urlpatterns = [
    path("", views.index, name="index"),
    path("kaart/", views.map_view, name="map"),
    path("kaart/gegevens.geojson", views.map_data, name="map_data"),
    path("methode/", views.method, name="method"),
    path("inlezen/", views.upload, name="upload"),
    path("eigen-gebied/nieuw/", views.custom_area_new, name="custom_new"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/indicatoren.csv", views.detail_csv, name="detail_csv"),
    path("<str:code>/wijkanalyse/", views.report, name="report"),
    path("<str:code>/wijkanalyse.pdf", views.report_pdf, name="report_pdf"),
]
