# SPDX-License-Identifier: EUPL-1.2
"""Issue 13's browser test, in real Chromium: from an empty instance (no demo), through the web only, the
first beheerder names the gemeente Groningen, uploads the Wijk- en buurtkaart 2017 (the GeoPackage as CBS
publishes it, written from the bundled data as the user's file) and the Kerncijfers 2017, reaches the
wijkscan of Groningen 2017 on the map, and imports the bundled 242 BAG addresses: 238 in exactly one
buurt, the 4 in Haren and Eelderwolde reported as outside the 2017 gemeente. Then the partners: three
organisations, four invited users who each set a password and TOTP (privacy officer, regisseur, a
corporation's consulent, a wijkagent), the covenant started by the regisseur from the covenant template and activated, the
usual signal kinds, a partner file of signals imported by the consulent and seen in the dossier by her,
and by no other partner (the wijkagent gets no access and the dossier answers 404). Zero axe-core WCAG 2.1
A/AA violations on every new page."""

from __future__ import annotations

import base64
import io

import pytest
from django.core.management import call_command
from django_otp.oath import totp

from smaakmaker.areas.bundled import data_dir
from smaakmaker.areas.tests.cbs_gpkg import groningen_2017_layers, write_wijkbuurtkaart
from smaakmaker.cases.models import Address, AddressArea
from smaakmaker.web.tests.groningen import BAG_CSV, BUURTEN_CSV, WIJKEN_CSV

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "een-lang-wachtwoord-2026"


def _totp_setup(page) -> bytes:
    page.get_by_role("heading", level=1, name="Tweestapsverificatie instellen").wait_for()
    secret = page.locator(".sm-secret").inner_text().strip()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("Zescijferige code uit uw authenticator-app").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Bevestigen").click()
    return key


def test_from_an_empty_instance_to_groningen_2017(page, axe, settings, tmp_path, monkeypatch):
    settings.DEMO = False
    settings.OTP_REQUIRED = True  # as in production: every account sets up its second factor
    # The console step of `scripts/run --zonder-demo`: the first beheerder.
    monkeypatch.setenv("EERSTE_WACHTWOORD", PASSWORD)
    call_command("setup", beheerder="beheer", password_from_env="EERSTE_WACHTWOORD", stdout=io.StringIO())
    gpkg = write_wijkbuurtkaart(tmp_path / "wijkenbuurten_2017.gpkg", 2017, groningen_2017_layers(data_dir()))

    page.goto("/")
    page.get_by_label("Gebruikersnaam").fill("beheer")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    _totp_setup(page)
    # an instance without the demo opens on the first run
    page.get_by_role("heading", level=1, name="Eerste start").wait_for()
    steps = page.get_by_test_id("first-run-steps")
    assert "0 van 6 stappen klaar" in page.locator("main").inner_text()
    assert axe(page) == []

    # 1. name the gemeente (an error next to the field first)
    page.get_by_label("Naam van de gemeente").fill("Groningen")
    page.get_by_label("CBS-code van de gemeente").fill("0014")
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_text("Een gemeentecode ziet eruit als GM0363.").wait_for()
    assert axe(page) == []
    page.get_by_label("CBS-code van de gemeente").fill("GM0014")
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_text("De gemeente heeft een naam.").wait_for()
    assert steps.locator('[data-step="gemeente"]').get_attribute("data-done") == "ja"

    # 2. its boundaries: the Wijk- en buurtkaart 2017
    page.get_by_test_id("link-grenzen").click()
    page.get_by_role("heading", level=1, name="Grenzen en cijfers laden").wait_for()
    assert axe(page) == []
    page.get_by_label("Bestand met de grenzen").set_input_files(str(gpkg))
    page.get_by_role("button", name="Grenzen inlezen").click()
    messages = page.locator(".sm-messages")
    messages.get_by_text("wijkenbuurten_2017.gpkg (2017): 1 gemeenten, 15 wijken, 108 buurten.").wait_for()
    assert (
        "2017: 15 wijken en 108 buurten met een grens" in page.get_by_test_id("boundary-years").inner_text()
    )

    # 3. its CBS figures: a file without figures is refused and changes nothing, then the real ones
    bad = tmp_path / "kerncijfers.csv"
    bad.write_text("BU_CODE,AANT_INW\nBU00140000,12\nBU00140001,veel\n", encoding="utf-8")
    page.get_by_label("Bestand met de CBS-cijfers").set_input_files(str(bad))
    page.get_by_role("button", name="Cijfers inlezen").click()
    page.locator(".sm-error-text").get_by_text("regel 3").wait_for()
    assert axe(page) == []
    for path in (BUURTEN_CSV, WIJKEN_CSV):
        page.get_by_label("Bestand met de CBS-cijfers").set_input_files(str(path))
        page.get_by_role("button", name="Cijfers inlezen").click()
        messages.get_by_text(f"{path.name}: ").wait_for()
    assert "2017: " in page.get_by_test_id("figure-years").inner_text()
    assert axe(page) == []

    # the wijkscan of Groningen 2017 on the map, honest about what the 2017 figures can say
    page.get_by_role("link", name="Terug naar de eerste start").click()
    page.get_by_role("link", name="open de wijkscan van 2017").click()
    page.get_by_role("heading", level=1, name="Kaart van de wijkscan").wait_for()
    main = page.locator("main")
    assert "alleen cijfers geladen die niet in de kwetsbaarheidsindex tellen (8:" in main.inner_text()
    table = page.get_by_test_id("map-table")
    assert table.locator("tbody tr").count() == 108
    assert "Binnenstad-Noord" in table.inner_text()
    assert "geen index: geen van de cijfers van dit jaar telt mee" in table.inner_text()
    page.locator("#sm-map path").first.wait_for()  # the buurten are drawn
    assert axe(page) == []
    page.get_by_label("Kleur de kaart naar").select_option("eenpersoonshuishoudens_pct")
    page.get_by_role("button", name="Toon").click()
    page.get_by_text("hoger is niet kwetsbaarder").first.wait_for()
    assert table.locator("tbody tr").first.locator("td").nth(2).inner_text() != "–"

    # 4. its BAG addresses
    page.goto("/eerste-start/")
    page.get_by_test_id("link-adressen").click()
    page.get_by_role("heading", level=1, name="Adressen inlezen").wait_for()
    assert axe(page) == []
    page.get_by_label("Bestand met adressen").set_input_files(str(BAG_CSV))
    page.get_by_role("button", name="Inlezen").click()
    page.get_by_test_id("address-upload-done").wait_for()
    assert page.get_by_test_id("in-buurt-2017").inner_text() == "238"
    outside = page.get_by_test_id("outside-2017").inner_text()
    assert outside.startswith("4") and "Haren Gn: 3" in outside and "Eelderwolde: 1" in outside
    assert axe(page) == []
    assert Address.objects.count() == 242
    assert AddressArea.objects.filter(year=2017).exclude(buurt_code="").count() == 238

    page.goto("/eerste-start/")
    assert "242 adressen" in page.get_by_test_id("state-adressen").inner_text()
    assert "4 van 6 stappen klaar" in page.locator("main").inner_text()
    assert axe(page) == []

    _partners_and_their_signals(page, axe, tmp_path)


# --- the partners: organisations, invited users with TOTP, the covenant, a partner file of signals -------

USERS = {  # user name (the e-mail address) -> (first name, last name, organisation, role label)
    "fg@groningen.invalid": (
        "Fenna",
        "Gegevens (fictief)",
        "Gemeente Groningen (fictief)",
        "Functionaris gegevensbescherming (FG)",
    ),
    "regie@groningen.invalid": ("Rik", "Regie (fictief)", "Gemeente Groningen (fictief)", "Regisseur"),
    "consulent@woon.invalid": ("Cas", "Consulent (fictief)", "Woonstad (fictief)", "Partnerprofessional"),
    "agent@politie.invalid": ("Wim", "Wijkagent (fictief)", "Politie Noord (fictief)", "Partnerprofessional"),
}


def _sign_out(page) -> None:
    page.get_by_role("button", name="Uitloggen").click()
    page.get_by_role("heading", level=1, name="Inloggen").wait_for()


def _accept(page, axe, link: str, username: str) -> None:
    """The invitee follows the link, sets a password and TOTP, and is signed in."""
    first, last, _organisation, _role = USERS[username]
    page.goto(link)
    page.get_by_role("heading", level=1, name="Welkom bij Smaakmaker").wait_for()
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(PASSWORD)
    page.get_by_label("Nieuw wachtwoord nogmaals").fill(PASSWORD)
    page.get_by_role("button", name="Wachtwoord instellen").click()
    _totp_setup(page)
    page.get_by_role("heading", level=1, name=f"Welkom, {first} {last}").wait_for()


def _partners_and_their_signals(page, axe, tmp_path) -> None:
    from django.contrib.auth import get_user_model

    from smaakmaker.cases.models import Signal

    # the beheerder: the partner organisations and an invitation for each user
    for name, kind in (
        ("Gemeente Groningen (fictief)", "gemeente"),
        ("Woonstad (fictief)", "woningcorporatie"),
        ("Politie Noord (fictief)", "politie"),
    ):
        page.goto("/toegang/organisaties/nieuw/")
        page.get_by_label("Naam").fill(name)
        page.get_by_label("Soort").select_option(kind)
        page.get_by_role("button", name="Organisatie toevoegen").click()
        page.wait_for_load_state()
    page.goto("/eerste-start/")
    page.get_by_test_id("link-partners").click()
    page.get_by_role("heading", level=1, name="Uitnodigingen").wait_for()
    links = {}
    for username, (first, last, organisation, role) in USERS.items():
        page.goto("/toegang/uitnodigingen/nieuw/")
        page.get_by_label("Voornaam").fill(first)
        page.get_by_label("Achternaam").fill(last)
        page.get_by_label("E-mailadres").fill(username)
        page.get_by_label("Partnerorganisatie").select_option(label=organisation)
        page.get_by_label(role, exact=True).check()
        page.get_by_role("button", name="Uitnodiging maken").click()
        page.get_by_label("Uitnodigingslink").wait_for()
        links[username] = page.get_by_label("Uitnodigingslink").input_value()
    _sign_out(page)

    # the privacy officer and the regisseur accept; the regisseur records and activates the covenant
    _accept(page, axe, links["fg@groningen.invalid"], "fg@groningen.invalid")
    _sign_out(page)
    _accept(page, axe, links["regie@groningen.invalid"], "regie@groningen.invalid")
    page.goto("/toegang/convenanten/")
    assert "Begin met een nieuw convenant" in page.get_by_test_id("empty-covenants").inner_text()
    page.get_by_test_id("covenant-from-template").click()  # the first approach: the covenant template
    page.get_by_label("Naam van het convenant").fill("Convenant Groningen (fictief)")
    page.get_by_label("Gebieden (CBS-codes)").fill("GM0014")
    for organisation in ("Gemeente Groningen (fictief)", "Woonstad (fictief)", "Politie Noord (fictief)"):
        page.get_by_label(organisation).check()
    page.get_by_label("Geldig vanaf").fill("2026-01-01")
    page.get_by_test_id("save-template").click()
    # before it is activated: the DPIA and the privacy officer
    page.get_by_test_id("edit-covenant").click()
    page.get_by_label("DPIA-kenmerk").fill("DPIA-2026-001 (fictief)")
    page.get_by_label("DPIA-datum").fill("2025-12-01")
    page.get_by_label("Functionaris gegevensbescherming").select_option(
        label="Fenna Gegevens (fictief) (fg@groningen.invalid)"
    )
    page.get_by_test_id("save-covenant").click()
    page.get_by_test_id("activate").click()
    page.wait_for_load_state()
    from smaakmaker.access.models import Covenant

    covenant = Covenant.objects.get()
    assert (
        covenant.status == "active" and covenant.activities.filter(code="woonfraude-huurachterstand").exists()
    )
    # the usual signal kinds under the covenant's activity
    page.goto("/adressen/signaalsoorten/")
    assert axe(page) == []
    page.get_by_role("button", name="De gebruikelijke signaalsoorten toevoegen").click()
    assert page.get_by_test_id("signal-kinds").locator("tbody tr").count() == 8
    assert axe(page) == []
    _sign_out(page)

    # the corporation's consulent: a partner file of signals at three of the imported addresses
    from smaakmaker.cases.models import Address

    addresses = list(
        Address.objects.exclude(buurt_code="")
        .filter(house_letter="", house_number_addition="")
        .order_by("pk")[:3]
    )
    path = tmp_path / "signalen woonstad.csv"
    lines = ["Postcode;Huisnr;Soort;Datum;Omschrijving"]
    lines += [
        f"{a.postcode};{a.house_number};huurachterstand;2026-11-0{i + 1};Achterstand melding {i + 1}"
        for i, a in enumerate(addresses)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _accept(page, axe, links["consulent@woon.invalid"], "consulent@woon.invalid")
    page.goto("/adressen/partnerbestanden/")
    page.get_by_label("Bestand met signalen").set_input_files(str(path))
    page.get_by_role("button", name="Uploaden").click()
    page.get_by_role("heading", level=2, name="Welke kolom bevat wat").wait_for()
    page.get_by_role("button", name="Controleren (proefinlezen)").click()
    page.get_by_role("heading", level=2, name="Proefinlezen: wat inlezen zou doen").wait_for()
    assert page.get_by_test_id("partner-file-accepted").inner_text() == "3"
    page.get_by_role("button", name="Inlezen", exact=True).click()
    page.get_by_test_id("partner-file-done").wait_for()
    assert Signal.objects.count() == 3
    # seen by the right partner: the consulent opens the dossier of the first address
    target = addresses[0]
    page.goto("/adressen/")
    page.get_by_label("Postcode").fill(target.postcode)
    page.get_by_label("Huisnummer").fill(str(target.house_number))
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_test_id("search-results").get_by_role("link").first.click()
    page.get_by_label("Doel van het openen van dit dossier").fill("Huurachterstand bespreken")
    page.get_by_role("button", name="Dossier openen").click()
    page.get_by_test_id("timeline").wait_for()
    assert "Achterstand melding 1" in page.get_by_test_id("timeline").inner_text()
    dossier = page.url
    _sign_out(page)

    # ... and by no other: the police's wijkagent has no grant, the same dossier is not found
    _accept(page, axe, links["agent@politie.invalid"], "agent@politie.invalid")
    page.goto("/adressen/")  # the police take part in the covenant, but not in the corporation's compartment
    page.get_by_label("Postcode").fill(target.postcode)
    page.get_by_label("Huisnummer").fill(str(target.house_number))
    page.get_by_role("button", name="Zoeken").click()
    assert page.get_by_test_id("search-results").inner_text().strip() == "Geen adres dat u mag zien."
    assert page.goto(dossier).status == 404
    assert "Achterstand melding" not in page.content()
    users = get_user_model().objects.filter(username__in=USERS)
    assert users.count() == 4 and all(u.totpdevice_set.filter(confirmed=True).exists() for u in users)
