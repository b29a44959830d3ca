# SPDX-License-Identifier: EUPL-1.2
from django.urls import path

from smaakmaker.access.api import views

urlpatterns = [
    path("me", views.CurrentUserView.as_view(), name="me"),
    path("organisations", views.OrganisationListView.as_view(), name="organisations"),
    path("covenants", views.CovenantListView.as_view(), name="covenants"),
    path("covenants/<uuid:uuid>", views.CovenantDetailView.as_view(), name="covenant-detail"),
    path("covenants/<uuid:uuid>/activate", views.CovenantActivateView.as_view(), name="covenant-activate"),
    path("covenants/<uuid:uuid>/end", views.CovenantEndView.as_view(), name="covenant-end"),
    path(
        "covenants/<uuid:uuid>/activities", views.CovenantActivityView.as_view(), name="covenant-activities"
    ),
    path(
        "covenants/<uuid:uuid>/reuse-decisions",
        views.CovenantReuseDecisionView.as_view(),
        name="covenant-reuse-decisions",
    ),
]
