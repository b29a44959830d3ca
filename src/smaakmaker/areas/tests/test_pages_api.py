# SPDX-License-Identifier: EUPL-1.2
"""Wijkscan pages, API and CLI on the bundled real data."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_area_search_finds_real_areas(signed_in, bundled_areas):
    html = signed_in("analist").get("/gebieden/", {"q": "Kop Zeedijk"}).content.decode()
    assert "BU0363AE01" in html and "Burgwallen-Oude Zijde" in html


def test_map_page_lists_every_wijk_with_score_and_band(signed_in, bundled_areas):
    response = signed_in("regisseur").get(
        "/gebieden/kaart/", {"niveau": "wijk", "gemeente": "GM0363", "jaar": 2019}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<tr class="utrecht-table__row">') > 90  # 99 wijken in 2019 (+ header row)
    assert "Westelijk Havengebied" in html and "leaflet.js" in html


def test_map_data_is_geojson_with_colours(signed_in, bundled_areas):
    response = signed_in("analist").get(
        "/gebieden/kaart/gegevens.geojson", {"niveau": "buurt", "gemeente": "GM0363", "jaar": 2024}
    )
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) > 400
    props = data["features"][0]["properties"]
    assert set(props) == {"code", "name", "score_text", "value_text", "band", "colour", "url"}
    national = (
        signed_in("analist")
        .get("/gebieden/kaart/gegevens.geojson", {"niveau": "gemeente", "jaar": 2021})
        .json()
    )
    assert len(national["features"]) >= 340


def test_map_form_errors_are_shown_next_to_the_field(signed_in, bundled_areas):
    response = signed_in("analist").get("/gebieden/kaart/", {"niveau": "buurt", "gemeente": "Amsterdam"})
    html = response.content.decode()
    assert "Een gemeentecode ziet eruit als GM0363." in html
    assert 'aria-invalid="true"' in html


def test_area_page_shows_profile_indicators_peers_and_flavours(signed_in, bundled_areas):
    response = signed_in("bestuurder").get("/gebieden/WK036357/", {"jaar": 2019, "referentie": "gemeente"})
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Betondorp",
        "Themaprofiel",
        "Smaken waar de cijfers om vragen",
        "Vergelijkbare gebieden",
        "Aandeel huishoudens met laag inkomen",
        "Kwetsbaarheidsindex per jaar",
        "<svg",
    ):
        assert text in html, text
    assert 'data-testid="peers"' in html and "WK0363" in html.split('data-testid="peers"')[1]


def test_old_code_redirects_to_its_successor(signed_in, bundled_areas):
    response = signed_in("analist").get("/gebieden/BU03630000/")
    assert response.status_code == 302
    assert response["Location"].startswith("/gebieden/BU0363AE01/?vorige_code=BU03630000")


def test_unknown_area_is_404(signed_in, bundled_areas):
    assert signed_in("analist").get("/gebieden/BU9999ZZ99/").status_code == 404


def test_csv_download_matches_the_page(signed_in, bundled_areas):
    response = signed_in("analist").get("/gebieden/GM0363/indicatoren.csv", {"jaar": 2019})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=";"))
    header, body = rows[0], [r for r in rows[1:] if len(r) == len(rows[0])]
    inhabitants = next(r for r in body if r[header.index("indicator")] == "inwoners")
    assert inhabitants[header.index("waarde")] == "862.965,0"
    assert any("Bron: CBS" in cell for row in rows for cell in row)


def test_report_html_and_pdf(signed_in, bundled_areas):
    client = signed_in("regisseur")
    html = client.get("/gebieden/WK036357/wijkanalyse/", {"jaar": 2019}).content.decode()
    assert "Wijkanalyse" in html and "Over deze analyse" in html
    pdf = client.get("/gebieden/WK036357/wijkanalyse.pdf", {"jaar": 2019})
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 3000


def test_method_page_publishes_the_rules(client, bundled_areas):
    """The method page is public now: the old address moves there, and it needs no session."""
    assert client.get("/gebieden/methode/")["Location"] == "/methode/"
    html = client.get("/methode/").content.decode()
    assert "zout_laag_inkomen" in html and "migratieachtergrond" in html
    # each rule by number, with the indicator's label (its id stays the row's anchor, not visible text)
    assert 'id="regel-zout_laag_inkomen"' in html and ">zout_laag_inkomen<" not in html
    assert "Aandeel huishoudens met laag inkomen &gt;= 1,5" in html


def test_api_areas_filter_and_paginate(signed_in, bundled_areas):
    client = signed_in("analist")
    body = client.get("/api/v1/areas", {"level": "wijk", "gemeente": "GM0363", "year": 2019}).json()
    assert body["count"] == 99
    assert all(item["level"] == "wijk" and item["gemeente_code"] == "GM0363" for item in body["results"])
    children = client.get("/api/v1/areas", {"parent": "WK0363AE"}).json()
    assert {item["parent"] for item in children["results"]} == {"WK0363AE"}
    bad = client.get("/api/v1/areas", {"level": "provincie"})
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    assert bad.json()["invalidParams"][0]["name"] == "level"


def test_api_values_keep_missing_as_null(signed_in, bundled_areas):
    client = signed_in("analist")
    body = client.get(
        "/api/v1/indicator-values", {"area": "GM0363", "indicator": "inwoners", "year": 2019}
    ).json()
    assert body["results"] == [
        {
            "area": "GM0363",
            "indicator": "inwoners",
            "year": 2019,
            "value": 862965.0,
            "missing": False,
            "source": body["results"][0]["source"],
        }
    ]
    missing = client.get(
        "/api/v1/indicator-values",
        {"level": "buurt", "indicator": "laag_inkomen_hh", "year": 2019, "pageSize": 1000},
    ).json()["results"]
    assert any(row["missing"] and row["value"] is None for row in missing)


def test_api_profile(signed_in, bundled_areas):
    body = signed_in("analist").get("/api/v1/areas/WK036357/profile", {"year": 2019}).json()
    assert body["area"] == "WK036357" and body["year"] == 2019 and body["reference"] == "gemeente"
    assert body["ranked_of"] > 90 and 0 < body["coverage"] <= 1
    assert {t["theme"] for t in body["themes"]} >= {"inkomen", "wonen"}
    assert len(body["peers"]) == 5
    assert signed_in("analist").get("/api/v1/areas/BU9999ZZ99/profile").status_code == 404


def test_api_requires_sign_in(client, bundled_areas):
    assert client.get("/api/v1/areas").status_code == 401


def test_cli_scan_prints_a_ranked_table(bundled_areas, capsys):
    out = io.StringIO()
    call_command(
        "areas",
        "scan",
        "--gemeente",
        "GM0363",
        "--niveau",
        "wijk",
        "--jaar",
        "2019",
        "--top",
        "5",
        stdout=out,
    )
    text = out.getvalue()
    assert "Wijkscan wijk GM0363 2019" in text
    ranked, _, unranked = text.partition("Getoond maar niet gerangschikt")
    assert ranked.count("WK0363") == 5
    # The port area (175 inhabitants) led the raw ranking; now it is shown, with its reason, unranked.
    assert "WK036310" not in ranked and "WK036310" in unranked
    assert "te klein om te rangschikken: 175" in " ".join(unranked.split())


def test_cli_import_reports_errors_clearly(tmp_path):
    from django.core.management.base import CommandError

    bad = tmp_path / "kapot_2019.csv"
    bad.write_text(
        "Wijken.en.buurten,Regioaanduiding.Codering..code.,Bevolking.Aantal.inwoners..aantal.\n"
        "Amsterdam,GM0363,veel\n"
    )
    with pytest.raises(CommandError, match="regel 2"):
        call_command("areas", "import", str(bad), "--jaar", "2019")


def test_custom_area_from_buurten_and_from_an_uploaded_boundary(signed_in, bundled_areas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = signed_in("analist")
    response = client.post(
        "/gebieden/eigen-gebied/nieuw/",
        {
            "name": "Bedrijventerrein De Verzonnen Haven",
            "kind": "bedrijventerrein",
            "buurt_codes": "BU0363AE01, bu0363ae02",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Bedrijventerrein De Verzonnen Haven" in page and "Kop Zeedijk" in page
    polygon = {
        "type": "Feature",
        "properties": {},
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [[121000, 487000], [121500, 487000], [121500, 487500], [121000, 487500], [121000, 487000]]
            ],
        },
    }
    upload = SimpleUploadedFile(
        "park.geojson", json.dumps(polygon).encode(), content_type="application/geo+json"
    )
    response = client.post(
        "/gebieden/eigen-gebied/nieuw/",
        {"name": "Vakantiepark Fictief", "kind": "vakantiepark", "geojson": upload},
    )
    assert response.status_code == 302


def test_custom_area_bad_input_is_shown_next_to_the_field(signed_in, bundled_areas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from smaakmaker.areas.models import Area

    client = signed_in("analist")
    before = Area.objects.count()
    bad = client.post(
        "/gebieden/eigen-gebied/nieuw/", {"name": "X", "kind": "vakantiepark", "buurt_codes": "BU12"}
    )
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.content.decode()
    broken = SimpleUploadedFile("kapot.geojson", b"{niet: json", content_type="application/geo+json")
    bad = client.post(
        "/gebieden/eigen-gebied/nieuw/", {"name": "X", "kind": "vakantiepark", "geojson": broken}
    )
    assert "Geen geldige GeoJSON" in bad.content.decode()
    nothing = client.post("/gebieden/eigen-gebied/nieuw/", {"name": "X", "kind": "vakantiepark"})
    assert "Geef een grensbestand, teken de grens op de kaart, of geef een of meer buurtcodes op." in (
        nothing.content.decode()
    )
    # A drawn boundary that is wrong: the Dutch reason next to the drawing's field, nothing stored.
    crossing = {
        "type": "Polygon",
        "coordinates": [[[4.90, 52.37], [4.91, 52.38], [4.91, 52.37], [4.90, 52.38], [4.90, 52.37]]],
    }
    for drawn, reason in (
        (json.dumps(crossing), "de rand snijdt zichzelf"),
        ('{"type": "LineString", "coordinates": [[4.9, 52.37], [4.91, 52.38]]}', "geen LineString"),
        (
            json.dumps({**crossing, "crs": {"type": "name", "properties": {"name": "EPSG:3857"}}}),
            "EPSG:3857 wordt niet ondersteund",
        ),
        ('{"type": "FeatureCollection", "features": []}', "precies één feature"),
    ):
        bad = client.post(
            "/gebieden/eigen-gebied/nieuw/", {"name": "X", "kind": "vakantiepark", "drawn": drawn}
        ).content.decode()
        error = bad.split('id="drawn_error"', 1)[1].split("</div>", 1)[0]
        assert reason in error, reason
    assert Area.objects.count() == before
    assert signed_in("bestuurder").get("/gebieden/eigen-gebied/nieuw/").status_code == 403


def test_base_year_keeps_scores_comparable_over_time(signed_in, bundled_areas):
    client = signed_in("analist")
    fixed = client.get("/api/v1/areas/GM0363/profile", {"year": 2024, "baseYear": 2019}).json()
    assert fixed["base_year"] == 2019 and fixed["year"] == 2024
    own = client.get("/api/v1/areas/WK036357/profile", {"year": 2019, "baseYear": 2019}).json()
    assert own["base_year"] == 2019


def _expected_and_present(code: str, level: str, year: int) -> tuple[int, int]:
    """Counted straight from the database: scored indicators CBS publishes at this level (a value in
    some loaded year), and those with a value for the area in the year."""
    from smaakmaker.areas.models import IndicatorValue

    scored = IndicatorValue.objects.filter(
        indicator__active=True, value__isnull=False, area__level=level
    ).exclude(indicator__direction="context")
    expected = set(scored.values_list("indicator__key", flat=True).distinct())
    from smaakmaker.areas.selectors import one_to_one_crosswalk

    codes = {code} | {old for old, new in one_to_one_crosswalk().items() if new == code}
    present = set(scored.filter(area__code__in=codes, year=year).values_list("indicator__key", flat=True))
    return len(expected), len(present & expected)


def test_coverage_tile_of_dobbebuurt_2020_is_present_over_expected(signed_in, bundled_areas):
    """Issue 16: the tile said "100 % van de indicatoren beschikbaar" above a notice that 15 had no data."""
    expected, present = _expected_and_present("BU0363FD04", "buurt", 2020)
    assert 0 < present < expected
    response = signed_in("analist").get("/gebieden/BU0363FD04/", {"jaar": 2020, "referentie": "gemeente"})
    html = response.content.decode()
    tile = html.split('data-testid="coverage">')[1].split("</span>")[0]
    assert tile == f"{round(100 * present / expected)}%"
    assert f"{present} van {expected} verwacht" in html
    # The themes without any figure that year are named, and the diagnosis is marked incomplete.
    assert (
        'data-testid="diagnosis-incomplete"' in html and "Veiligheid" in html.split("diagnosis-incomplete")[1]
    )
    body = signed_in("analist").get("/api/v1/areas/BU0363FD04/profile", {"year": 2020}).json()
    assert (body["indicators_present"], body["indicators_expected"]) == (present, expected)
    assert body["coverage"] == pytest.approx(present / expected)
    assert not body["diagnosis_complete"] and "Veiligheid" in body["missing_themes"]


def test_api_profile_shows_estimate_beside_published_value_and_why_not_ranked(signed_in, bundled_areas):
    body = signed_in("analist").get("/api/v1/areas/WK036310/profile", {"year": 2019}).json()
    assert body["rank"] is None and body["not_ranked"] == "too_small"
    assert body["not_ranked_reason"].startswith("te klein om te rangschikken") and body["inhabitants"] == 175
    assert body["composite_low"] <= body["composite"] <= body["composite_high"]
    rows = {row["indicator"]: row for row in body["indicators"]}
    low_income = rows["laag_inkomen_hh"]
    assert low_income["value"] == 39.6 and low_income["estimate"] < low_income["value"]
    assert 0 < low_income["parent_weight"] < 1
    assert low_income["estimate_low"] <= low_income["estimate"] <= low_income["estimate_high"]
    from smaakmaker.areas.scan import DEFAULT_RATES

    as_published = [row for key, row in rows.items() if key not in DEFAULT_RATES and row["value"] is not None]
    assert as_published and all(row["estimate"] is None for row in as_published)  # no denominator
    page = signed_in("analist").get("/gebieden/WK036310/", {"jaar": 2019}).content.decode()
    assert "te klein om te rangschikken" in page and 'data-testid="composite-interval"' in page
