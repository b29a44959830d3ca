# SPDX-License-Identifier: EUPL-1.2
"""Sign-in through the identity provider: the claim rules, the account rules, the beheerder's mappings,
the settings. The whole flow against a real provider in Chromium is in ``test_oidc_browser.py``."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from smaakmaker.access.audit import Origin
from smaakmaker.access.claims import claim_values, mfa_asserted
from smaakmaker.access.models import AuditRecord, Membership, OidcIdentity, OidcRoleMapping, Organisation
from smaakmaker.access.services import OidcRefused, oidc_sign_in
from smaakmaker.conf.tests.test_settings import PRODUCTION_ENV, _manage

ISSUER = "https://login.voorbeeld.nl/realms/gemeente"
MFA = {"amr_values": ["mfa", "otp", "hwk"], "acr_values": []}


# --- claims (no Django) -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["a", "b", "a"], ["a", "b"]),
        ("enige-groep", ["enige-groep"]),  # ADFS sends one group as a string
        (None, []),
        ([" a ", "", None, {"x": 1}, ["y"], 7], ["a", "7"]),
    ],
)
def test_claim_values_reads_lists_single_values_and_drops_blanks(raw, expected):
    assert claim_values({"groups": raw} if raw is not None else {}, "groups") == expected


@pytest.mark.parametrize(
    ("token", "config", "expected"),
    [
        ({"amr": ["pwd", "mfa"]}, MFA, True),  # Entra ID
        ({"amr": ["PWD", "OTP"]}, MFA, True),  # case does not matter
        ({"amr": "hwk"}, MFA, True),  # one value as a string
        ({"amr": ["pwd"]}, MFA, False),
        ({}, MFA, False),
        ({"amr": ["mfa"]}, {"amr_values": [], "acr_values": []}, False),  # nothing trusted
        ({"acr": "gold"}, {"amr_values": [], "acr_values": ["gold"]}, True),  # Keycloak level of assurance
        ({"acr": "1"}, {"amr_values": [], "acr_values": ["gold"]}, False),
        ({"acr": ["gold"]}, {"amr_values": [], "acr_values": ["gold"]}, False),  # acr is one string
    ],
)
def test_mfa_asserted_by_amr_or_configured_acr(token, config, expected):
    assert mfa_asserted(token, **config) is expected


@hypothesis_settings(suppress_health_check=[HealthCheck.too_slow])  # a shared, loaded machine
@given(st.lists(st.sampled_from(["pwd", "mfa", "MFA", " otp ", "hwk", "sms", "kba", "", "fido"]), max_size=5))
@example(["pwd"])
@example(["mfa", "pwd"])
def test_mfa_asserted_exactly_when_a_trusted_amr_value_is_present(amr):
    expected = any(value.strip().lower() in {"mfa", "otp", "hwk"} for value in amr)
    assert mfa_asserted({"amr": amr}, **MFA) is expected


# --- the account rules ------------------------------------------------------------------------------


@pytest.fixture
def mappings(demo_users):
    gemeente = Organisation.objects.get(memberships__user__username="regisseur")
    politie = Organisation.objects.get(kind="politie")
    return {
        "gemeente": gemeente,
        "politie": politie,
        "analisten": OidcRoleMapping.objects.create(
            group="sm-analisten",
            organisation=gemeente,
            role=Group.objects.get(name="analist"),
            creates_accounts=True,
        ),
        "wijkagenten": OidcRoleMapping.objects.create(
            group="sm-wijkagenten",
            organisation=politie,
            role=Group.objects.get(name="partner-professional"),
            creates_accounts=False,
        ),
    }


def _sign_in(subject="sub-1", groups=("sm-analisten",), username="eva.idp", **claims):
    return oidc_sign_in(
        issuer=ISSUER,
        subject=subject,
        userinfo_subject=subject,
        claims={"preferred_username": username, **claims},
        groups=list(groups),
        mfa=False,
        origin=Origin(channel="web", address="127.0.0.1"),
    )


@pytest.mark.django_db
def test_first_sign_in_makes_the_account_with_the_mapped_role_and_membership(mappings):
    user = _sign_in(given_name="Eva", family_name="Eerst", email="eva@gemeente.example")
    assert (user.username, user.first_name, user.last_name, user.email) == (
        "eva.idp",
        "Eva",
        "Eerst",
        "eva@gemeente.example",
    )
    assert not user.has_usable_password()
    assert [g.name for g in user.groups.all()] == ["analist"]
    assert [m.organisation for m in Membership.objects.active().filter(user=user)] == [mappings["gemeente"]]
    assert OidcIdentity.objects.get(user=user).subject == "sub-1"
    record = AuditRecord.objects.get(action="signin.oidc")
    assert (record.result, record.actor) == ("ok", "eva.idp")
    assert record.reason == "groups: sm-analisten; roles: analist; mfa at provider: no"
    # the next sign-in finds the same account by issuer and sub, whatever the user name says now
    assert _sign_in(username="eva.nieuw").pk == user.pk


@pytest.mark.django_db
def test_the_mappings_decide_roles_and_memberships_at_every_sign_in(mappings):
    user = _sign_in(groups=["sm-analisten"])
    OidcRoleMapping.objects.create(
        group="sm-wijkagenten-extra",
        organisation=mappings["politie"],
        role=Group.objects.get(name="partner-professional"),
    )
    _sign_in(groups=["sm-wijkagenten-extra"])  # moved to another group at the provider
    user.refresh_from_db()
    assert [g.name for g in user.groups.all()] == ["partner-professional"]
    assert [m.organisation for m in Membership.objects.active().filter(user=user)] == [mappings["politie"]]
    ended = Membership.objects.get(user=user, organisation=mappings["gemeente"])
    assert ended.valid_until is not None  # ended, not deleted: the history stays


@pytest.mark.django_db
def test_groups_that_map_to_nothing_are_refused_and_audited(mappings):
    with pytest.raises(OidcRefused) as refused:
        _sign_in(subject="sub-x", groups=["kantine"], username="x.idp")
    assert refused.value.code == "unmapped"
    assert "geen van uw groepen geeft toegang" in refused.value.message
    assert not get_user_model().objects.filter(username="x.idp").exists()
    record = AuditRecord.objects.get(action="signin.oidc")
    assert (record.result, record.object_id, record.reason) == (
        "denied",
        "sub-x",
        "unmapped: groups: kantine",
    )


@pytest.mark.django_db
def test_an_account_is_made_only_where_a_mapping_allows_it(mappings):
    with pytest.raises(OidcRefused) as refused:
        _sign_in(subject="sub-w", groups=["sm-wijkagenten"], username="wim.idp")
    assert refused.value.code == "no_account"
    assert not get_user_model().objects.filter(username="wim.idp").exists()
    # the beheerder makes the account without a password: the first sign-in links it
    made = get_user_model().objects.create(username="wim.idp")
    made.set_unusable_password()
    made.save()
    assert _sign_in(subject="sub-w", groups=["sm-wijkagenten"], username="wim.idp").pk == made.pk
    assert [g.name for g in made.groups.all()] == ["partner-professional"]


@pytest.mark.django_db
def test_a_local_account_with_a_password_is_never_taken_over(mappings, demo_users):
    with pytest.raises(OidcRefused) as refused:
        _sign_in(subject="sub-evil", username="regisseur")  # a demo user with a password
    assert refused.value.code == "local_account"
    assert not OidcIdentity.objects.exists()
    assert [g.name for g in demo_users["regisseur"].groups.all()] == ["regisseur"]
    assert AuditRecord.objects.get(action="signin.oidc").result == "denied"


@pytest.mark.django_db
def test_switched_off_account_and_inconsistent_claims_are_refused(mappings):
    user = _sign_in()
    user.is_active = False
    user.save()
    with pytest.raises(OidcRefused) as refused:
        _sign_in()
    assert refused.value.code == "inactive"
    with pytest.raises(OidcRefused) as refused:
        oidc_sign_in(
            issuer=ISSUER,
            subject="sub-2",
            userinfo_subject="someone-else",
            claims={"preferred_username": "y"},
            groups=["sm-analisten"],
            mfa=True,
            origin=None,
        )
    assert refused.value.code == "claims"
    with pytest.raises(OidcRefused) as refused:
        _sign_in(subject="sub-3", username="")
    assert refused.value.code == "claims"
    with pytest.raises(OidcRefused) as refused:
        _sign_in(subject="sub-4", username="jan met spaties")
    assert refused.value.code == "claims"
    assert list(
        AuditRecord.objects.filter(result="denied").values_list("reason", flat=True).order_by("id")
    ) == [
        f"inactive: user {user.pk}",
        "claims: sub missing or not the same in userinfo",
        "claims: no usable preferred_username",
        "claims: user name not usable: jan met spaties",
    ]


# --- pages and settings --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_oidc_is_off_unless_configured(client, demo_users):
    page = client.get("/inloggen/").content.decode()
    assert "organisatieaccount" not in page
    assert client.get("/oidc/inloggen/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404


@pytest.fixture
def oidc_on(settings):
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = "smaakmaker"
    settings.OIDC_RP_CLIENT_SECRET = "geheim"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "https://idp.voorbeeld.nl/auth"
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://idp.voorbeeld.nl/token"
    settings.OIDC_OP_USER_ENDPOINT = "https://idp.voorbeeld.nl/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = "https://idp.voorbeeld.nl/jwks"
    settings.OIDC_OP_END_SESSION_ENDPOINT = "https://idp.voorbeeld.nl/logout"
    return settings


@pytest.mark.django_db
def test_sign_in_page_offers_the_provider_and_sends_a_pkce_request(client, demo_users, oidc_on):
    page = client.get("/inloggen/?next=/plannen/").content.decode()
    assert "Inloggen met uw organisatieaccount" in page
    assert "Of met een lokaal account" in page
    response = client.get("/oidc/inloggen/?next=/plannen/")
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    query = parse_qs(target.query)
    assert f"{target.scheme}://{target.netloc}{target.path}" == "https://idp.voorbeeld.nl/auth"
    assert query["client_id"] == ["smaakmaker"]
    assert query["redirect_uri"] == ["http://testserver/oidc/callback/"]
    assert query["code_challenge_method"] == ["S256"]
    assert query["scope"] == ["openid email profile"]
    assert query["state"] and query["nonce"]


@pytest.mark.django_db
def test_provider_errors_get_the_refusal_page_and_no_lockout(client, demo_users, oidc_on, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        response = client.get("/oidc/callback/?error=access_denied&state=onbekend")
        assert response.status_code == 403
        assert "de identiteitsaanbieder gaf een fout" in response.content.decode()
    assert (
        AuditRecord.objects.filter(action="signin.oidc", result="denied").count()
        == settings.AXES_FAILURE_LIMIT + 2
    )
    from axes.models import AccessAttempt

    assert not AccessAttempt.objects.exists()
    # the local sign-in from the same address is untouched
    assert (
        client.post("/inloggen/", {"username": "analist", "password": "demo-smaakmaker"}).status_code == 302
    )


@pytest.mark.django_db
def test_provider_unreachable_gives_the_refusal_page_not_a_500(client, demo_users, oidc_on, settings):
    settings.OIDC_OP_TOKEN_ENDPOINT = "http://127.0.0.1:9/token"  # discard port: nothing listens
    start = client.get("/oidc/inloggen/")
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    response = client.get(f"/oidc/callback/?code=abc&state={state}")
    assert response.status_code == 403
    assert "niet bereikbaar" in response.content.decode()
    assert AuditRecord.objects.get(action="signin.oidc").reason == "provider_error: ConnectionError"


@pytest.mark.django_db
def test_sign_out_without_a_provider_session_stays_local(client, demo_users, oidc_on):
    client.force_login(demo_users["analist"])
    response = client.post("/uitloggen/")
    assert response["Location"] == "/inloggen/"


@pytest.mark.django_db
def test_the_beheerder_manages_the_mappings_and_others_cannot(client, demo_users):
    gemeente = Organisation.objects.get(memberships__user__username="regisseur")
    client.force_login(demo_users["beheerder"])
    page = client.get("/toegang/inlogkoppelingen/")
    assert page.status_code == 200
    assert "Nog geen koppelingen" in page.content.decode()
    form = {"group": " sm-regie ", "role": "regisseur", "organisation": gemeente.pk, "creates_accounts": "on"}
    saved = client.post("/toegang/inlogkoppelingen/", form, follow=True)
    assert "De inlogkoppeling is opgeslagen." in saved.content.decode()
    mapping = OidcRoleMapping.objects.get()
    assert (mapping.group, mapping.role.name, mapping.organisation, mapping.creates_accounts) == (
        "sm-regie",
        "regisseur",
        gemeente,
        True,
    )
    again = client.post("/toegang/inlogkoppelingen/", form)
    assert again.status_code == 400
    assert "Deze groep geeft deze rol in deze organisatie al." in again.content.decode()
    empty = client.post("/toegang/inlogkoppelingen/", {"group": "", "role": "", "organisation": ""})
    assert "Vul de groep in zoals de identiteitsaanbieder hem stuurt." in empty.content.decode()
    assert AuditRecord.objects.filter(action="oidc_mapping.create").count() == 1

    client.force_login(demo_users["regisseur"])
    assert client.get("/toegang/inlogkoppelingen/").status_code == 403
    assert client.post("/toegang/inlogkoppelingen/", {**form, "group": "x"}).status_code == 403
    assert client.post(f"/toegang/inlogkoppelingen/{mapping.uuid}/verwijderen/").status_code == 403

    client.force_login(demo_users["beheerder"])
    client.post(f"/toegang/inlogkoppelingen/{mapping.uuid}/verwijderen/")
    assert not OidcRoleMapping.objects.exists()
    assert AuditRecord.objects.filter(action="oidc_mapping.delete").count() == 1


def test_client_id_without_endpoints_refuses_to_start(tmp_path):
    result = _manage(["check"], {"SMAAKMAKER_OIDC_CLIENT_ID": "smaakmaker"}, tmp_path)
    assert result.returncode != 0
    assert "SMAAKMAKER_OIDC_CLIENT_ID is set: also set SMAAKMAKER_OIDC_CLIENT_SECRET" in result.stderr


def test_production_with_oidc_lets_the_sign_out_form_lead_to_the_provider(tmp_path):
    env = {
        **PRODUCTION_ENV,
        "SMAAKMAKER_OIDC_CLIENT_ID": "smaakmaker",
        "SMAAKMAKER_OIDC_CLIENT_SECRET": "geheim",
        "SMAAKMAKER_OIDC_AUTHORIZATION_ENDPOINT": "https://idp.voorbeeld.nl/auth",
        "SMAAKMAKER_OIDC_TOKEN_ENDPOINT": "https://idp.voorbeeld.nl/token",
        "SMAAKMAKER_OIDC_USERINFO_ENDPOINT": "https://idp.voorbeeld.nl/userinfo",
        "SMAAKMAKER_OIDC_JWKS_ENDPOINT": "https://idp.voorbeeld.nl/jwks",
        "SMAAKMAKER_OIDC_END_SESSION_ENDPOINT": "https://idp.voorbeeld.nl/logout",
    }
    result = _manage(
        ["shell", "-c", "from django.conf import settings; print(settings.CONTENT_SECURITY_POLICY)"],
        env,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "form-action 'self' https://idp.voorbeeld.nl;" in result.stdout


@pytest.mark.django_db
def test_a_used_or_unknown_state_gets_the_refusal_page_not_a_400(client, demo_users, oidc_on):
    client.get("/oidc/inloggen/")  # the session has a state, but not this one
    response = client.get("/oidc/callback/?code=abc&state=not-the-one")
    assert response.status_code == 403
    assert "Probeer het opnieuw." in response.content.decode()
    assert AuditRecord.objects.get(action="signin.oidc").reason.startswith(
        "failed: OIDC callback state not found"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("mfa", "verified"), [(True, True), (False, False)])
def test_the_provider_sign_in_mark_decides_the_second_factor_for_pages_and_api(
    client, demo_users, settings, mfa, verified
):
    from smaakmaker.access.middleware import IDP_SIGN_IN_KEY

    settings.OTP_REQUIRED = False  # the mark decides, not this setting
    user = demo_users["analist"]
    client.force_login(user)
    session = client.session
    session[IDP_SIGN_IN_KEY] = {"user": user.pk, "mfa": mfa}
    session.save()
    page = client.get("/")
    api = client.get("/api/v1/me")
    if verified:
        assert page.status_code == 200
        assert api.json()["second_factor_verified"] is True
    else:
        assert page["Location"].startswith("/inloggen/tweestapsverificatie-instellen/")
        assert api.status_code == 401
    # a mark for another user counts for nothing
    session[IDP_SIGN_IN_KEY] = {"user": user.pk + 1000, "mfa": True}
    session.save()
    assert client.get("/").status_code == 200  # demo mode without OTP_REQUIRED: password only, as before
    assert client.get("/api/v1/me").json()["second_factor_verified"] is False


def test_endpoint_variables_from_a_discovery_document():
    from smaakmaker.access.discovery import settings_from_discovery

    base = "https://sso.voorbeeld.nl/realms/gemeente"
    keycloak_like = {
        "issuer": base,
        "authorization_endpoint": f"{base}/protocol/openid-connect/auth",
        "token_endpoint": f"{base}/protocol/openid-connect/token",
        "userinfo_endpoint": f"{base}/protocol/openid-connect/userinfo",
        "jwks_uri": f"{base}/protocol/openid-connect/certs",
        "end_session_endpoint": f"{base}/protocol/openid-connect/logout",
        "response_types_supported": ["code", "id_token"],
        "code_challenge_methods_supported": ["plain", "S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }
    lines, warnings = settings_from_discovery(keycloak_like, issuer=base + "/")
    assert lines == [
        f"SMAAKMAKER_OIDC_AUTHORIZATION_ENDPOINT={base}/protocol/openid-connect/auth",
        f"SMAAKMAKER_OIDC_TOKEN_ENDPOINT={base}/protocol/openid-connect/token",
        f"SMAAKMAKER_OIDC_USERINFO_ENDPOINT={base}/protocol/openid-connect/userinfo",
        f"SMAAKMAKER_OIDC_JWKS_ENDPOINT={base}/protocol/openid-connect/certs",
        f"SMAAKMAKER_OIDC_END_SESSION_ENDPOINT={base}/protocol/openid-connect/logout",
    ]
    assert warnings == []
    lacking = {
        **keycloak_like,
        "issuer": "https://elders.example",
        "end_session_endpoint": None,
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
    }
    del lacking["jwks_uri"]
    lines, warnings = settings_from_discovery(lacking, issuer=base)
    assert len(lines) == 3
    assert warnings == [
        f"the document's issuer is 'https://elders.example', not '{base}'",
        "no jwks_uri in the document: Smaakmaker cannot use this provider without it",
        "no end_session_endpoint: signing out ends the Smaakmaker session only",
        "token_endpoint_auth_methods_supported does not list 'client_secret_post': Smaakmaker uses client_secret_post",
    ]
