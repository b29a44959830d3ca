# SPDX-License-Identifier: EUPL-1.2
"""In real Chromium: the case list, the purpose question and the address dossier, with zero axe-core
WCAG 2.1 A/AA violations; a partner outside a compartment sees only the coarse flag."""

from __future__ import annotations

import pytest

from smaakmaker.access.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_address_dossier_accessible_and_compartments_respected(page, axe, world):
    page.goto("/inloggen/?next=/adressen/")
    page.get_by_label("Gebruikersnaam").fill("professional")
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("heading", level=1, name="Adressen").wait_for()
    assert axe(page) == []

    page.get_by_role("link", name=world.addresses["A1"].label).click()
    page.get_by_role("heading", level=1, name="Waarom opent u dit dossier?").wait_for()
    assert axe(page) == []
    page.get_by_role("button", name="Dossier openen").click()
    page.get_by_text("Dit veld is vereist.").wait_for()
    assert axe(page) == []
    page.get_by_label("Doel van het openen van dit dossier").fill("Voorbereiding casusoverleg")
    page.get_by_role("button", name="Dossier openen").click()

    page.get_by_role("heading", level=1, name=world.addresses["A1"].label).wait_for()
    timeline = page.get_by_test_id("timeline").inner_text()
    assert "omschrijving-overlast_pol_A1" in timeline
    # corporation data: its grant opens cases of its own activity only, the case at A1 is a casusoverleg
    assert "omschrijving-woonfraude_corp2_A1" not in page.content()
    assert "omschrijving-zorg" not in page.content() and "omschrijving-hennep" not in page.content()
    assert "Zorgsignaal aanwezig" in page.get_by_test_id("flags").inner_text()
    assert "besluit-A1" in timeline
    assert axe(page) == []
