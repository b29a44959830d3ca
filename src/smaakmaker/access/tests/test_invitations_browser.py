# SPDX-License-Identifier: EUPL-1.2
"""In real Chromium: the beheerder invites a partner's user; the invitee follows the link, chooses a password,
sets up TOTP (the code computed from the key the page shows) and lands signed in with the invited role; the
beheerder's new pages pass axe-core (WCAG 2.1 AA)."""

from __future__ import annotations

import base64

import pytest
from django.contrib.auth import get_user_model
from django_otp.oath import totp

from smaakmaker.access.demo import DEMO_PASSWORD
from smaakmaker.access.models import Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Fictief-wachtwoord-2027!"


def _sign_in(page, username: str) -> None:
    page.goto("/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("heading", level=1).wait_for()


def test_beheerder_invites_and_the_invitee_enrols_totp_and_is_signed_in(page, axe, demo_users, live_server):
    _sign_in(page, "beheerder")
    page.goto("/toegang/uitnodigingen/")
    page.get_by_role("heading", level=1, name="Uitnodigingen").wait_for()
    assert page.get_by_test_id("no-invitations").is_visible()  # the empty state says what to do
    assert axe(page) == []
    page.get_by_test_id("new-invitation").click()
    page.get_by_role("heading", level=1, name="Gebruiker uitnodigen").wait_for()
    assert axe(page) == []
    page.get_by_role("button", name="Uitnodiging maken").click()  # empty: errors next to the fields
    page.locator("#email_error").wait_for()
    assert page.get_by_label("E-mailadres").get_attribute("aria-describedby") == "email_error"
    assert axe(page) == []
    page.get_by_label("Voornaam").fill("Iris")
    page.get_by_label("Achternaam").fill("Uitnodiging (demo)")
    page.get_by_label("E-mailadres").fill("iris@voorbeeld.invalid")
    page.get_by_label("Partnerorganisatie").select_option(label="Politie Eenheid Voorbeeld (demo)")
    page.get_by_label("Functie").fill("Wijkagent")
    page.get_by_label("Partnerprofessional").check()
    page.get_by_role("button", name="Uitnodiging maken").click()
    page.get_by_role("heading", level=1, name="Uitnodiging voor Iris Uitnodiging (demo)").wait_for()
    link = page.get_by_label("Uitnodigingslink").input_value()
    assert link.startswith(f"{live_server.url}/uitnodiging/")
    assert axe(page) == []
    page.goto("/toegang/uitnodigingen/")
    assert page.get_by_test_id("invitations").locator('[data-status="pending"]').count() == 1
    assert axe(page) == []
    page.get_by_role("button", name="Uitloggen").click()
    page.get_by_role("heading", level=1, name="Inloggen").wait_for()

    # the invitee
    page.goto(link)
    page.get_by_role("heading", level=1, name="Welkom bij Smaakmaker").wait_for()
    assert page.get_by_test_id("invitee-username").inner_text() == "iris@voorbeeld.invalid"
    assert axe(page) == []
    page.get_by_label("Nieuw wachtwoord", exact=True).fill("iris")
    page.get_by_label("Nieuw wachtwoord nogmaals").fill("iris")
    page.get_by_role("button", name="Wachtwoord instellen").click()
    page.locator("#password1_error").wait_for()
    assert axe(page) == []
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_label("Nieuw wachtwoord nogmaals").fill(PASSWORD)
    page.get_by_role("button", name="Wachtwoord instellen").click()
    page.get_by_role("heading", level=1, name="Tweestapsverificatie instellen").wait_for()
    secret = page.locator(".sm-secret").inner_text().strip()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("Zescijferige code uit uw authenticator-app").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Bevestigen").click()
    page.get_by_role("heading", level=1, name="Welkom, Iris Uitnodiging (demo)").wait_for()
    navigation = page.get_by_role("navigation", name="Hoofdnavigatie")
    assert navigation.get_by_role("link", name="Adressen").is_visible()  # a partner professional's register
    assert page.goto("/toegang/uitnodigingen/").status == 403  # no beheerder screens for the invitee
    user = get_user_model().objects.get(username="iris@voorbeeld.invalid")
    assert list(user.groups.values_list("name", flat=True)) == ["partner-professional"]
    assert Membership.objects.active().get(user=user).organisation.name == "Politie Eenheid Voorbeeld (demo)"

    # the used link: a clear Dutch page
    page.goto(link)
    page.get_by_role("heading", level=1, name="Deze uitnodigingslink werkt niet").wait_for()
    assert "al gebruikt" in page.get_by_role("alert").inner_text()
    assert axe(page) == []


def test_beheerders_roles_and_membership_pages_are_accessible(page, axe, demo_users):
    _sign_in(page, "beheerder")
    page.goto("/toegang/gebruikers/")
    page.get_by_role("link", name="Rollen van professional wijzigen").click()
    page.get_by_role("heading", level=1, name="Rollen van professional").wait_for()
    assert axe(page) == []
    page.get_by_label("Analist").check()
    page.get_by_role("button", name="Rollen opslaan").click()
    page.get_by_role("heading", level=1, name="Gebruikers").wait_for()
    assert sorted(demo_users["professional"].groups.values_list("name", flat=True)) == [
        "analist",
        "partner-professional",
    ]
    page.get_by_role(
        "link", name="Lidmaatschap van professional bij Woonstichting De Fictieve Haven (demo) beëindigen"
    ).click()
    page.get_by_role("heading", level=1, name="Lidmaatschap beëindigen").wait_for()
    assert axe(page) == []
    page.get_by_label("Einddatum").fill("2001-01-01")
    page.get_by_role("button", name="Lidmaatschap beëindigen").click()
    page.locator("#valid_until_error").wait_for()
    assert axe(page) == []
    page.get_by_label("Einddatum").fill("")
    page.get_by_role("button", name="Lidmaatschap beëindigen").click()
    page.get_by_role("heading", level=1, name="Gebruikers").wait_for()
    assert not Membership.objects.active().filter(user=demo_users["professional"]).exists()
