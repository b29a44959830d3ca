# SPDX-License-Identifier: EUPL-1.2
"""Issue 13's browser test, in real Chromium: from an empty instance (no demo), through the web only, the
first beheerder names the gemeente Groningen, uploads the Wijk- en buurtkaart 2017 (the GeoPackage as CBS
publishes it, written from the bundled data as the user's file) and the Kerncijfers 2017, reaches the
wijkscan of Groningen 2017 on the map, and imports the bundled 242 BAG addresses: 238 in exactly one
buurt, the 4 in Haren and Eelderwolde reported as outside the 2017 gemeente. Zero axe-core WCAG 2.1 A/AA
violations on every new page."""

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
