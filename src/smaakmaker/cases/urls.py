# SPDX-License-Identifier: EUPL-1.2
from django.urls import path

from smaakmaker.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.index, name="index"),
    path("zoeken/", views.search, name="search"),
    path("nieuw/", views.address_new, name="address_new"),
    path("casusoverleg/", views.agenda, name="agenda"),
    path("inzage/", views.inzage, name="inzage"),
    path("partnerbestanden/", views.partner_file_list, name="partner_files"),
    path("partnerbestanden/<uuid:uuid>/", views.partner_file, name="partner_file"),
    path("partnerbestanden/<uuid:uuid>/inlezen/", views.partner_file_commit, name="partner_file_commit"),
    path(
        "partnerbestanden/<uuid:uuid>/voortgang/", views.partner_file_progress, name="partner_file_progress"
    ),
    path("signaalsoorten/", views.signal_kinds, name="signal_kinds"),
    path("inlezen/", views.address_upload, name="address_upload"),
    path("inlezen/<uuid:uuid>/", views.address_upload_status, name="address_upload_status"),
    path("inlezen/<uuid:uuid>/voortgang/", views.address_upload_progress, name="address_upload_progress"),
    path("<uuid:uuid>/", views.dossier, name="dossier"),
    path("<uuid:uuid>/signaal/", views.signal_create, name="signal_create"),
    path("<uuid:uuid>/casus/", views.case_open, name="case_open"),
    path("casussen/<uuid:uuid>/besluit/", views.decision_create, name="decision_create"),
    path("casussen/<uuid:uuid>/status/", views.case_transition, name="case_transition"),
]
