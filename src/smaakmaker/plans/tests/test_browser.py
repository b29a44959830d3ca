# SPDX-License-Identifier: EUPL-1.2
"""In real Chromium: the regisseur opens the timeline, sees a warning, runs the scheduler in the
background (progress polled by plans/run.js) and accepts the proposal; zero axe-core violations."""

from __future__ import annotations

import pytest

from smaakmaker.access.demo import DEMO_PASSWORD
from smaakmaker.plans import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, username="regisseur"):
    page.goto("/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("heading", level=1).wait_for()


def test_regisseur_runs_scheduler_and_accepts(page, axe, plan_world, monkeypatch):
    monkeypatch.setattr(services, "RUN_INLINE", False)  # the real background thread
    _sign_in(page)
    page.get_by_role("navigation", name="Hoofdnavigatie").get_by_role("link", name="Plannen").click()
    page.get_by_role("link", name="Testaanpak").click()
    page.get_by_role("heading", level=1, name="Testaanpak").wait_for()
    warning = page.locator("[data-testid=warning][data-rule=zout-bij-zuur]")
    assert warning.count() == 1 and "zorgsignaal" in warning.inner_text()
    assert page.locator("[data-testid=timeline] svg rect.sm-bar").count() == 6
    assert axe(page) == []

    page.get_by_label("Tijdslimiet (seconden)").fill("2")
    page.get_by_test_id("run").click()
    page.get_by_role("heading", level=1, name="Planningsvoorstel").wait_for()
    page.get_by_test_id("accept").wait_for(timeout=60_000)  # run.js reloads the page when the run is done
    assert page.get_by_test_id("proposal").locator("svg").count() == 1
    assert axe(page) == []

    page.get_by_test_id("accept").click()
    page.get_by_text("Voorstel aangenomen").wait_for()
    assert page.locator("[data-testid=warning][data-rule=zout-bij-zuur]").count() == 0
    assert axe(page) == []
