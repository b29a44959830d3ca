# SPDX-License-Identifier: EUPL-1.2
from django.urls import path

from smaakmaker.access import views

app_name = "access"

urlpatterns = [
    path("inloggen/", views.SignInView.as_view(), name="login"),
    path("inloggen/verificatie/", views.otp_verify, name="otp_verify"),
    path("inloggen/tweestapsverificatie-instellen/", views.otp_setup, name="otp_setup"),
    path("uitloggen/", views.SignOutView.as_view(), name="logout"),
    path("toegang/", views.index, name="index"),
]
