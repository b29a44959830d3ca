# SPDX-License-Identifier: EUPL-1.2
"""Sign-in through an identity provider, in real Chromium against a real OpenID Connect provider.

The provider is panva's certified ``oidc-provider`` (``tests/oidc_provider/``, installed by
``scripts/test`` with ``npm ci``), started on 127.0.0.1 by this module with the test's people: their
groups, and whether the provider says it used more than one factor (``amr``). Nothing is mocked: the
browser goes to the provider's pages and back, Smaakmaker exchanges the code, checks the ID token's
signature against the provider's keys and reads its userinfo endpoint.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp.oath import totp

from smaakmaker.access.models import AuditRecord, Membership, OidcRoleMapping, Organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROVIDER_DIR = Path(__file__).resolve().parents[4] / "tests" / "oidc_provider"
CLIENT_ID = "smaakmaker-test"
CLIENT_SECRET = "test-only-client-secret-0123456789abcdef"  # noqa: S105
REQUIRED = os.environ.get("CI", "").lower() in {"1", "true", "yes"} or os.environ.get(
    "SMAAKMAKER_REQUIRE_BROWSER", ""
).lower() in {"1", "true", "yes"}

#: the provider's people: login -> claims and how they authenticated there
ACCOUNTS = {
    "ana": {  # analyst group, with multi-factor authentication at the provider
        "claims": {
            "preferred_username": "ana.idp",
            "given_name": "Ana",
            "family_name": "Lyse",
            "email": "ana@gemeente.example",
            "groups": ["sm-analisten", "alle-medewerkers"],
        },
        "amr": ["pwd", "mfa"],
    },
    "piet": {  # director group, password only at the provider
        "claims": {
            "preferred_username": "piet.idp",
            "given_name": "Piet",
            "family_name": "Regie",
            "groups": ["sm-regie"],
        },
        "amr": ["pwd"],
    },
    "onbekend": {  # groups that map to nothing
        "claims": {"preferred_username": "onbekend.idp", "groups": ["alle-medewerkers", "kantine"]},
        "amr": ["pwd", "mfa"],
    },
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def provider(live_server, tmp_path_factory):
    node = shutil.which("node")
    if node is None or not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        message = "the test OpenID Connect provider is not installed: npm ci --prefix tests/oidc_provider"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    port = _free_port()
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENT": json.dumps(
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [f"{live_server.url}/oidc/callback/"],
                "post_logout_redirect_uris": [f"{live_server.url}/inloggen/"],
            }
        ),
        "OIDC_ACCOUNTS": json.dumps(ACCOUNTS),
    }
    errors = tmp_path_factory.mktemp("oidc_provider") / "stderr.log"
    with errors.open("w") as stderr:
        process = subprocess.Popen(
            [node, "provider.mjs"],
            cwd=PROVIDER_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    issuer = f"http://127.0.0.1:{port}"
    line = process.stdout.readline()  # "ready <issuer>" once it listens; empty when it exited
    if line.strip() != f"ready {issuer}":
        process.kill()
        process.wait()
        pytest.fail(f"the test OpenID Connect provider did not start: {line}{errors.read_text()}")
    yield issuer
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def oidc(provider, settings, demo_users):
    """OIDC on, pointed at the test provider, with the beheerder's mappings of the demo organisation."""
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{provider}/auth"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{provider}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{provider}/me"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{provider}/jwks"
    settings.OIDC_OP_END_SESSION_ENDPOINT = f"{provider}/session/end"
    settings.OIDC_RP_SCOPES = "openid email profile groups"
    # sign-out posts a form whose answer sends the browser on to the provider (as production's CSP allows)
    settings.CONTENT_SECURITY_POLICY = settings.CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {provider}"
    )
    gemeente = Organisation.objects.get(memberships__user__username="regisseur")
    OidcRoleMapping.objects.create(
        group="sm-analisten",
        organisation=gemeente,
        role=Group.objects.get(name="analist"),
        creates_accounts=True,
    )
    OidcRoleMapping.objects.create(
        group="sm-regie",
        organisation=gemeente,
        role=Group.objects.get(name="regisseur"),
        creates_accounts=True,
    )
    return {"issuer": provider, "gemeente": gemeente}


def _sign_in_at_provider(page, login: str) -> None:
    page.goto("/inloggen/")
    page.get_by_role("link", name="Inloggen met uw organisatieaccount").click()
    page.get_by_role("heading", name="Inloggen bij de testaanbieder").wait_for()
    page.get_by_label("Gebruikersnaam bij de testaanbieder").fill(login)
    page.get_by_role("button", name="Inloggen bij de testaanbieder").click()


def test_group_gives_role_and_mfa_at_provider_skips_local_totp_and_logout_ends_provider_session(
    page, axe, oidc, settings, live_server
):
    settings.OTP_REQUIRED = True  # as in production: still no local code, the provider asserted MFA
    page.goto("/inloggen/")
    assert axe(page) == []
    _sign_in_at_provider(page, "ana")
    page.get_by_role("heading", level=1, name="Welkom, Ana Lyse").wait_for()
    assert page.url == f"{live_server.url}/"

    user = get_user_model().objects.get(username="ana.idp")
    assert [g.name for g in user.groups.all()] == ["analist"]
    assert not user.has_usable_password()
    assert list(Membership.objects.active().filter(user=user).values_list("organisation", flat=True)) == [
        oidc["gemeente"].pk
    ]
    # what an analyst sees: areas and monitoring, not the address register
    navigation = page.get_by_role("navigation", name="Hoofdnavigatie")
    assert navigation.get_by_role("link", name="Gebieden").is_visible()
    assert navigation.get_by_role("link", name="Monitoring").is_visible()
    assert navigation.get_by_role("link", name="Adressen").count() == 0
    assert page.goto("/adressen/").status == 403
    page.goto("/toegang/")
    assert page.get_by_role("listitem").filter(has_text="Analist").count() >= 1
    assert AuditRecord.objects.filter(action="signin.oidc", result="ok", actor="ana.idp").count() == 1

    # sign-out ends the session at the provider too (RP-initiated logout with id_token_hint)
    page.goto("/")
    page.get_by_role("button", name="Uitloggen").click()
    page.get_by_role("heading", name="Afmelden bij de testaanbieder").wait_for()
    assert page.url.startswith(f"{oidc['issuer']}/session/end")
    page.get_by_role("button", name="Ja, afmelden").click()
    page.get_by_role("heading", level=1, name="Inloggen").wait_for()
    assert page.url.startswith(f"{live_server.url}/inloggen/")
    page.goto("/")
    assert "/inloggen/" in page.url
    # the provider asks again: its session is gone, so no silent sign-in
    page.get_by_role("link", name="Inloggen met uw organisatieaccount").click()
    page.get_by_role("heading", name="Inloggen bij de testaanbieder").wait_for()


def test_without_mfa_at_provider_the_local_totp_is_set_up_and_then_asked(page, oidc, live_server):
    # SMAAKMAKER_OTP_REQUIRED is off here (development): the provider's sign-in without MFA needs it anyway
    _sign_in_at_provider(page, "piet")
    page.get_by_role("heading", level=1, name="Tweestapsverificatie instellen").wait_for()
    secret = page.locator(".sm-secret").inner_text().strip()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("Zescijferige code uit uw authenticator-app").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Bevestigen").click()
    page.get_by_role("heading", level=1, name="Welkom, Piet Regie").wait_for()
    navigation = page.get_by_role("navigation", name="Hoofdnavigatie")
    assert navigation.get_by_role("link", name="Adressen").is_visible()  # the director's register

    # next time: the provider's session is still there, Smaakmaker asks for the code of the device
    page.get_by_role("button", name="Uitloggen").click()
    page.get_by_role("button", name="Ja, afmelden").click()
    page.get_by_role("heading", level=1, name="Inloggen").wait_for()
    _sign_in_at_provider(page, "piet")
    page.get_by_role("heading", level=1, name="Tweestapsverificatie").wait_for()
    assert page.goto("/").url.startswith(f"{live_server.url}/inloggen/verificatie/")


def test_groups_that_map_to_nothing_are_refused_with_a_clear_page_and_audited(page, axe, oidc, settings):
    _sign_in_at_provider(page, "onbekend")
    page.get_by_role("heading", level=1, name="U kunt niet inloggen bij Smaakmaker").wait_for()
    alert = page.get_by_role("alert").inner_text()
    assert "geen van uw groepen geeft toegang tot Smaakmaker" in alert
    assert axe(page) == []
    assert not get_user_model().objects.filter(username="onbekend.idp").exists()
    refusal = AuditRecord.objects.get(action="signin.oidc", result="denied")
    assert refusal.object_id == "onbekend"
    assert refusal.reason == "unmapped: groups: alle-medewerkers, kantine"
    # again and again (the provider's session makes it instant): each time the page, never django-axes'
    # lock-out, which counts local password sign-ins only
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        page.goto("/oidc/inloggen/")
        page.get_by_role("heading", level=1, name="U kunt niet inloggen bij Smaakmaker").wait_for()
    assert (
        AuditRecord.objects.filter(action="signin.oidc", result="denied").count()
        == settings.AXES_FAILURE_LIMIT + 2
    )
    assert not AccessAttempt.objects.exists()
    page.goto("/")
    assert "/inloggen/" in page.url
    # the local sign-in is untouched beside it
    page.get_by_label("Gebruikersnaam").fill("analist")
    page.get_by_label("Wachtwoord").fill("demo-smaakmaker")
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.get_by_role("heading", level=1, name="Welkom, Anna Analyse (demo)").wait_for()


def test_the_beheerder_maps_a_group_to_a_role_on_an_accessible_page(page, axe, oidc):
    page.goto("/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("beheerder")
    page.get_by_label("Wachtwoord").fill("demo-smaakmaker")
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.get_by_role("heading", level=1).wait_for()
    page.goto("/toegang/")
    page.get_by_role("link", name="Inloggen via de identiteitsaanbieder: welke groep welke rol geeft").click()
    page.get_by_role("heading", level=1, name="Inloggen via de identiteitsaanbieder").wait_for()
    assert page.get_by_role("row").filter(has_text="sm-analisten").count() == 1
    assert axe(page) == []
    page.get_by_label("Groep bij de identiteitsaanbieder").fill("sm-wijkteam")
    page.get_by_label("Rol").select_option("partner-professional")
    page.get_by_label("Partnerorganisatie").select_option(str(oidc["gemeente"].pk))
    page.get_by_role("button", name="Koppeling opslaan").click()
    page.get_by_text("De inlogkoppeling is opgeslagen.").wait_for()
    assert page.get_by_role("row").filter(has_text="sm-wijkteam").count() == 1
    assert axe(page) == []
    mapping = OidcRoleMapping.objects.get(group="sm-wijkteam")
    assert (mapping.role.name, mapping.organisation, mapping.creates_accounts) == (
        "partner-professional",
        oidc["gemeente"],
        False,
    )


def test_oidcconfig_prints_the_endpoint_variables_of_the_real_provider(provider):
    """The variables the test sets by hand are exactly what ``smaakmaker oidcconfig`` reads from the
    provider's discovery document (no browser needed; it needs the provider)."""
    from io import StringIO

    from django.core.management import call_command

    out, err = StringIO(), StringIO()
    call_command("oidcconfig", provider, stdout=out, stderr=err)
    assert out.getvalue().splitlines() == [
        f"SMAAKMAKER_OIDC_AUTHORIZATION_ENDPOINT={provider}/auth",
        f"SMAAKMAKER_OIDC_TOKEN_ENDPOINT={provider}/token",
        f"SMAAKMAKER_OIDC_USERINFO_ENDPOINT={provider}/me",
        f"SMAAKMAKER_OIDC_JWKS_ENDPOINT={provider}/jwks",
        f"SMAAKMAKER_OIDC_END_SESSION_ENDPOINT={provider}/session/end",
    ]
    assert err.getvalue() == ""
