# SPDX-License-Identifier: EUPL-1.2
from django.urls import path

from smaakmaker.access.api import views

urlpatterns = [
    path("me", views.CurrentUserView.as_view(), name="me"),
    path("organisations", views.OrganisationListView.as_view(), name="organisations"),
]
