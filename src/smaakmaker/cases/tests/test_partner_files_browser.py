# SPDX-License-Identifier: EUPL-1.2
"""In real Chromium: a police professional uploads a partner file, maps its columns (an error next to the
field first), sees the dry run and imports it; every page with zero axe-core WCAG 2.1 A/AA violations."""

from __future__ import annotations

import pytest

from smaakmaker.access.demo import DEMO_PASSWORD
from smaakmaker.cases.models import Signal
from smaakmaker.cases.tests.test_partner_files import police_rows, xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_partner_file_upload_map_check_and_import(page, axe, world, tmp_path):
    path = tmp_path / "meldingen politie.xlsx"
    path.write_bytes(xlsx(police_rows()))
    page.goto("/inloggen/?next=/adressen/partnerbestanden/")
    page.get_by_label("Gebruikersnaam").fill("wijkagent")
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("heading", level=1, name="Partnerbestanden met signalen").wait_for()
    assert axe(page) == []

    page.get_by_label("Bestand met signalen").set_input_files(str(path))
    page.get_by_role("button", name="Uploaden").click()
    page.get_by_role("heading", level=2, name="Welke kolom bevat wat").wait_for()
    assert axe(page) == []
    # The usual names are chosen already.
    assert page.get_by_label("Datum").input_value() == "Datum"
    assert page.get_by_label("Postcode").input_value() == "Postcode"
    assert page.get_by_label("BAG-id van het adres (nummeraanduiding)").input_value() == "BAG-id"
    # Without any address column: the error stands next to the field.
    page.get_by_label("BAG-id van het adres (nummeraanduiding)").select_option("")
    page.get_by_label("Postcode").select_option("")
    page.get_by_role("button", name="Controleren (proefinlezen)").click()
    error = page.get_by_text("Kies de kolom met de BAG-id, of de kolommen met postcode en huisnummer.")
    error.wait_for()
    assert axe(page) == []

    page.get_by_label("BAG-id van het adres (nummeraanduiding)").select_option("BAG-id")
    page.get_by_label("Postcode").select_option("Postcode")
    page.get_by_role("button", name="Controleren (proefinlezen)").click()
    page.get_by_role("heading", level=2, name="Proefinlezen: wat inlezen zou doen").wait_for()
    assert page.get_by_test_id("partner-file-accepted").inner_text() == "3"
    assert page.get_by_test_id("partner-file-rejected").inner_text() == "0"
    assert axe(page) == []

    before = Signal.objects.count()
    page.get_by_role("button", name="Inlezen", exact=True).click()
    page.get_by_test_id("partner-file-done").wait_for()
    assert "Ingelezen: 3 signalen toegevoegd." in page.get_by_test_id("partner-file-done").inner_text()
    assert Signal.objects.count() == before + 3
    assert axe(page) == []
