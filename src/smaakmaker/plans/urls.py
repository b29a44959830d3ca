# SPDX-License-Identifier: EUPL-1.2
from django.urls import path

from smaakmaker.plans import views

app_name = "plans"

urlpatterns = [
    path("", views.index, name="index"),
    path("catalogus/", views.catalogue, name="catalogue"),
    path("nieuw/", views.approach_new, name="approach_new"),
    path("<uuid:uuid>/", views.approach_detail, name="approach"),
    path("<uuid:uuid>/adressen/", views.addresses, name="addresses"),
    path("<uuid:uuid>/adressen/<uuid:address_uuid>/", views.address_detail, name="address"),
    path("<uuid:uuid>/fase/", views.phase_change, name="phase"),
    path("<uuid:uuid>/diagnose/", views.diagnosis_refresh, name="diagnosis_refresh"),
    path("<uuid:uuid>/interventies/nieuw/", views.intervention_new, name="intervention_new"),
    path("<uuid:uuid>/interventies/<str:ref>/wijzigen/", views.intervention_edit, name="intervention_edit"),
    path("<uuid:uuid>/afhankelijkheden/nieuw/", views.dependency_new, name="dependency_new"),
    path(
        "<uuid:uuid>/afhankelijkheden/<uuid:dependency_uuid>/verwijderen/",
        views.dependency_delete,
        name="dependency_delete",
    ),
    path("<uuid:uuid>/interventies/<str:ref>/status/", views.status_change, name="status"),
    path("<uuid:uuid>/voorstellen/", views.run_create, name="run_create"),
    path("<uuid:uuid>/voorstellen/<uuid:run_uuid>/", views.run_detail, name="run"),
    path("<uuid:uuid>/voorstellen/<uuid:run_uuid>/voortgang/", views.run_status, name="run_status"),
    path("<uuid:uuid>/voorstellen/<uuid:run_uuid>/besluit/", views.run_decide, name="run_decide"),
]
