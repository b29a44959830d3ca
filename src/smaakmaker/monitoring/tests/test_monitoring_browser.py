# SPDX-License-Identifier: EUPL-1.2
"""In real Chromium: an analyst starts an evaluation, the page follows its progress and shows the result;
zero axe-core violations on the form and on the evaluation page."""

from __future__ import annotations

import pytest

from smaakmaker.access.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, username):
    page.goto("/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("heading", level=1).wait_for()


def test_evaluation_page_in_the_browser(page, axe, demo_users, tmp_path):
    from smaakmaker.monitoring.tests.conftest import load_nieuw_west

    load_nieuw_west(tmp_path)
    _sign_in(page, "analist")
    page.get_by_role("navigation", name="Hoofdnavigatie").get_by_role("link", name="Monitoring").click()
    page.get_by_role("link", name="Nieuwe effectevaluatie").click()
    page.get_by_role("heading", level=1, name="Nieuwe effectevaluatie").wait_for()
    assert axe(page) == []
    page.get_by_label("Gebiedscode").fill("BU0363FD04")
    page.get_by_label("Indicator (uitkomst)").select_option("laag_inkomen_hh")
    page.get_by_label("Eerste jaar waarin de aanpak effect kan hebben").fill("2022")
    page.get_by_label("Aantal vergelijkbare gebieden").fill("20")
    page.get_by_role("button", name="Evaluatie starten").click()
    # The background run finishes; progress.js reloads the page.
    page.get_by_test_id("p-value").wait_for(timeout=60_000)
    assert page.get_by_test_id("evaluation-status").inner_text() == "Klaar"
    assert page.get_by_test_id("few-pre").is_visible()
    assert page.locator("[data-testid=weights-table] tbody tr").count() >= 1
    assert page.locator("[data-testid=path-table] tbody tr").count() == 5
    assert page.locator("svg.sm-chart").count() == 3
    assert axe(page) == []

    page.get_by_test_id("logout").click()
    page.wait_for_url("**/inloggen/**")
    _sign_in(page, "bestuurder")
    page.goto("/monitoring/")
    page.get_by_role("link", name="Dobbebuurt (BU0363FD04)").click()
    page.get_by_test_id("p-value").wait_for()
    assert page.get_by_role("link", name="Nieuwe effectevaluatie").count() == 0
    assert axe(page) == []
