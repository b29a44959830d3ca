# SPDX-License-Identifier: EUPL-1.2
from django.urls import path

from smaakmaker.cases.api import views

urlpatterns = [
    path("addresses", views.AddressRegisterView.as_view(), name="addresses"),
    path("addresses/search", views.AddressSearchView.as_view(), name="address-search"),
    path("addresses/<uuid:uuid>", views.AddressDossierView.as_view(), name="address-dossier"),
    path("cases", views.CaseListView.as_view(), name="cases"),
    path("cases/search", views.CaseSearchView.as_view(), name="case-search"),
    path("cases/<uuid:uuid>", views.CaseDetailView.as_view(), name="case-detail"),
    path("cases/<uuid:uuid>/transitions", views.CaseTransitionView.as_view(), name="case-transitions"),
    path("cases/<uuid:uuid>/decisions", views.DecisionCreateView.as_view(), name="case-decisions"),
    path("signals", views.SignalIngestView.as_view(), name="signals"),
    path("signal-files", views.SignalFileUploadView.as_view(), name="signal-files"),
    path("signal-files/<uuid:uuid>", views.SignalFileView.as_view(), name="signal-file"),
    path("signal-kinds", views.SignalKindListView.as_view(), name="signal-kinds"),
    path("alert-rules", views.AlertRuleListView.as_view(), name="alert-rules"),
    path("agenda", views.AgendaView.as_view(), name="agenda"),
    path("inzage", views.InzageView.as_view(), name="inzage"),
]
