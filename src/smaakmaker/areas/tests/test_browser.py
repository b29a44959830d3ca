# SPDX-License-Identifier: EUPL-1.2
"""In real Chromium: the map of Amsterdam's buurten and an area page, with zero axe-core violations."""

from __future__ import annotations

import pytest

from smaakmaker.access.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def amsterdam(transactional_db):
    """The Amsterdam data the pages need (transactional tests start from an empty database)."""
    from smaakmaker.areas import services
    from smaakmaker.areas.bundled import data_dir

    services.cbs_csv_import(path=data_dir() / "amsterdam" / "kwb_2019_amsterdam_full_84583NED.csv", year=2019)
    services.cbs_csv_import(path=data_dir() / "amsterdam" / "kwb_2024_amsterdam.csv", year=2024)
    services.amsterdam_buurten_import(
        path=data_dir() / "amsterdam" / "buurten_amsterdam_2015_2022_geometrie_rd.csv"
    )


def _sign_in(page, username="regisseur"):
    page.goto("/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("heading", level=1).wait_for()


def test_map_and_area_page(page, axe, demo_users, amsterdam):
    _sign_in(page)
    page.get_by_role("navigation", name="Hoofdnavigatie").get_by_role("link", name="Gebieden").click()
    page.get_by_role("link", name="Kaart: buurten van Amsterdam").click()
    page.get_by_role("heading", level=1, name="Kaart van de wijkscan").wait_for()
    # Leaflet draws one SVG path per buurt from the same-origin GeoJSON.
    page.locator("#sm-map path.leaflet-interactive").nth(400).wait_for(state="attached")
    assert page.locator("[data-testid=map-table] tbody tr").count() > 400
    assert axe(page) == []

    page.locator("[data-testid=map-table]").get_by_role("link", name="Kop Zeedijk").click()
    page.get_by_role("heading", level=1, name="Kop Zeedijk").wait_for()
    assert page.get_by_test_id("composite").inner_text().strip() != ""
    assert page.locator("[data-testid=indicators] tbody tr").count() > 10
    assert page.locator("[data-testid=peers] li").count() == 5
    assert axe(page) == []

    page.get_by_label("Jaar", exact=True).select_option("2019")
    page.get_by_role("button", name="Toon").click()
    page.get_by_text("gaat sinds de indeling van 2022 verder als").or_(
        page.get_by_test_id("composite")
    ).first.wait_for()
    assert "jaar=2019" in page.url


def test_draw_a_custom_area_on_the_map_and_see_its_estimated_figures(page, axe, demo_users, amsterdam):
    """The analyst draws a polygon over buurten of Amsterdam (Leaflet-Geoman), saves it, and reads its
    page: figures estimated from the buurten it overlaps, with the caveat (no addresses are loaded
    here, so by surface, and the page says so)."""
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    _sign_in(page, "analist")
    page.goto("/gebieden/")
    page.get_by_role("link", name="Nieuw eigen gebied").click()
    page.get_by_role("heading", level=1, name="Nieuw eigen gebied").wait_for()
    page.locator("#sm-draw-map path.leaflet-interactive, #sm-draw-map svg path").nth(100).wait_for(
        state="attached"
    )
    assert axe(page) == []
    page.get_by_label("Naam").fill("Getekend park")
    page.get_by_label("Soort").select_option("vakantiepark")
    page.locator("#sm-draw-map .leaflet-pm-icon-polygon").click()
    box = page.locator("#sm-draw-map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    corners = [(cx - 60, cy - 40), (cx + 60, cy - 40), (cx + 60, cy + 40), (cx - 60, cy + 40)]
    for x, y in corners:
        page.mouse.click(x, y)
    page.mouse.click(*corners[0])  # the first corner again closes the polygon
    drawn = page.locator("#id_drawn")
    page.wait_for_function("() => document.querySelector('#id_drawn').value.includes('Polygon')")
    assert '"Polygon"' in drawn.input_value()
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_role("heading", level=1, name="Getekend park").wait_for()
    caveat = page.get_by_test_id("caveat").inner_text()
    assert "geschat uit de buurten die het gebied overlapt" in caveat and "oppervlakte" in caveat
    assert page.locator("[data-testid=overlaps] tbody tr").count() >= 1
    assert page.locator("[data-testid=custom-figures] tbody tr").count() > 5
    assert axe(page) == []
    assert console_errors == []
