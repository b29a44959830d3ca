# SPDX-License-Identifier: EUPL-1.2
from django.urls import path

from smaakmaker.access import covenant_views, invitation_views, oidc, views

app_name = "access"

urlpatterns = [
    path("inloggen/", views.SignInView.as_view(), name="login"),
    path("inloggen/verificatie/", views.otp_verify, name="otp_verify"),
    path("inloggen/tweestapsverificatie-instellen/", views.otp_setup, name="otp_setup"),
    path("uitloggen/", views.SignOutView.as_view(), name="logout"),
    # sign-in through the identity provider (404 unless SMAAKMAKER_OIDC_CLIENT_ID is set)
    path("oidc/inloggen/", oidc.OidcSignInView.as_view(), name="oidc_init"),
    path("oidc/callback/", oidc.OidcCallbackView.as_view(), name="oidc_callback"),
    path("toegang/inlogkoppelingen/", views.oidc_mappings, name="oidc_mappings"),
    path(
        "toegang/inlogkoppelingen/<uuid:uuid>/verwijderen/",
        views.oidc_mapping_delete,
        name="oidc_mapping_delete",
    ),
    path("toegang/", views.index, name="index"),
    path("toegang/organisaties/nieuw/", views.organisation_new, name="organisation_new"),
    path("toegang/gebruikers/", views.users, name="users"),
    path("toegang/gebruikers/nieuw/", views.user_new, name="user_new"),
    path("toegang/lidmaatschappen/nieuw/", views.membership_new, name="membership_new"),
    path(
        "toegang/lidmaatschappen/<uuid:uuid>/beeindigen/",
        invitation_views.membership_end,
        name="membership_end",
    ),
    path("toegang/gebruikers/<int:pk>/rollen/", invitation_views.user_roles, name="user_roles"),
    path("toegang/uitnodigingen/", invitation_views.invitations, name="invitations"),
    path("toegang/uitnodigingen/nieuw/", invitation_views.invitation_new, name="invitation_new"),
    path("toegang/uitnodigingen/<uuid:uuid>/", invitation_views.invitation, name="invitation"),
    path(
        "toegang/uitnodigingen/<uuid:uuid>/opnieuw/",
        invitation_views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "toegang/uitnodigingen/<uuid:uuid>/intrekken/",
        invitation_views.invitation_revoke,
        name="invitation_revoke",
    ),
    # the invitee's link (anyone holding it; the secret is 256 random bits, stored only as a hash)
    path("uitnodiging/<str:token>/", invitation_views.invitation_accept, name="invitation_accept"),
    path("toegang/convenanten/", covenant_views.covenant_list, name="covenants"),
    path("toegang/convenanten/nieuw/", covenant_views.covenant_new, name="covenant_new"),
    path("toegang/convenanten/sjabloon/", covenant_views.covenant_template, name="covenant_template"),
    path("toegang/convenanten/<uuid:uuid>/", covenant_views.covenant_detail, name="covenant_detail"),
    path("toegang/convenanten/<uuid:uuid>/bewerken/", covenant_views.covenant_edit, name="covenant_edit"),
    path(
        "toegang/convenanten/<uuid:uuid>/verwerkingen/nieuw/",
        covenant_views.activity_new,
        name="activity_new",
    ),
    path("toegang/convenanten/<uuid:uuid>/hergebruik/", covenant_views.reuse_new, name="reuse_new"),
    path("toegang/convenanten/<uuid:uuid>/status/", covenant_views.covenant_status, name="covenant_status"),
    path("toegang/audit/", covenant_views.audit_browser, name="audit"),
    path("toegang/onderhoud/", views.maintenance, name="maintenance"),
    path("toegang/audit/export.csv", covenant_views.audit_export, name="audit_export"),
]
