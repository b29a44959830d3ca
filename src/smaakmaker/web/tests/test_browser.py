# SPDX-License-Identifier: EUPL-1.2
"""In real Chromium: sign in, open the dashboard, sign out; zero axe-core WCAG 2.1 A/AA violations."""

from __future__ import annotations

import pytest

from smaakmaker.access.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_dashboard_sign_out_accessible(page, axe, demo_users):
    page.goto("/")
    assert page.url.endswith("/inloggen/?next=/")
    assert page.locator(".sm-demo-banner").inner_text() == "demo — geen echte gegevens"
    assert axe(page) == []

    # The skip link is the first stop for keyboard users and becomes visible.
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Direct naar de inhoud"

    page.get_by_label("Gebruikersnaam").fill("regisseur")
    page.get_by_label("Wachtwoord").fill("fout-wachtwoord")
    page.get_by_role("button", name="Inloggen").click()
    assert page.get_by_role("alert").inner_text().strip() == "De gebruikersnaam of het wachtwoord klopt niet."
    assert axe(page) == []

    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("heading", level=1, name="Welkom, Rosa Regie (demo)").wait_for()
    navigation = page.get_by_role("navigation", name="Hoofdnavigatie")
    for label in ["Dashboard", "Gebieden", "Adressen", "Plannen", "Monitoring", "Toegang"]:
        assert navigation.get_by_role("link", name=label).is_visible()
    assert axe(page) == []

    page.get_by_role("button", name="Uitloggen").click()
    page.get_by_role("heading", level=1, name="Inloggen").wait_for()
    page.goto("/")
    assert "/inloggen/" in page.url


def test_no_third_party_requests_and_no_csp_violations(page, demo_users, live_server):
    requests: list[str] = []
    console_errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    page.goto("/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("analist")
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("heading", level=1).wait_for()
    assert requests and all(url.startswith(live_server.url) for url in requests), requests
    assert console_errors == []
