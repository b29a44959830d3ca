# SPDX-License-Identifier: EUPL-1.2
"""A drawn custom area in the API and the printable wijkanalyse (ADR 0020, 0027): the register's area
filters take its code like a buurt code under the same visibility; its profile and printable page give
the apportioned figures with the caveat, never a score or a rank."""

from __future__ import annotations

import pytest
from django.utils import timezone

from smaakmaker.areas import apportion, selectors
from smaakmaker.cases import services
from smaakmaker.cases.models import Case, SignalKind
from smaakmaker.cases.tests.test_custom_area_ingestion import _api, park  # noqa: F401 - the fixture

PURPOSE = {"HTTP_X_PURPOSE": "toets eigen gebied"}


@pytest.mark.django_db
def test_the_case_filters_take_a_custom_area_code_under_the_same_visibility(park):  # noqa: F811
    regisseur = park["users"]["regisseur"]
    inside, outside = park["inside"], park["outside"]
    kind = SignalKind.objects.get(code="overlast")
    case = services.case_open(actor=regisseur, address=inside, activity=kind.activity)
    # A case outside the area, in a buurt it overlaps (opened as the register would hold it).
    Case.objects.create(
        address=outside,
        activity=kind.activity,
        regie_organisation=case.regie_organisation,
        status=case.status,
    )
    client = _api(regisseur)
    listed = client.get(f"/api/v1/cases?buurtCode={park['code']}")
    assert listed.status_code == 200, listed.content
    assert [c["uuid"] for c in listed.json()["results"]] == [str(case.uuid)]
    searched = client.post(
        "/api/v1/cases/search", {"buurt_code": park["code"]}, content_type="application/json"
    )
    assert searched.status_code == 200 and [c["uuid"] for c in searched.json()["results"]] == [str(case.uuid)]
    # The buurt code of the same address gives the buurt's visible cases: the outside one is not visible.
    by_buurt = client.get(f"/api/v1/cases?buurtCode={inside.buurt_code}").json()["results"]
    assert [c["uuid"] for c in by_buurt] == [str(case.uuid)]
    found = client.post(
        "/api/v1/addresses/search", {"buurt_code": park["code"]}, content_type="application/json"
    )
    assert found.status_code == 200, found.content
    assert [a["uuid"] for a in found.json()["results"]] == [str(inside.uuid)]
    services.signal_record(actor=regisseur, address=inside, kind=kind, observed_on=timezone.localdate())
    agenda = client.get(f"/api/v1/agenda?buurtCode={park['code']}")
    assert agenda.status_code == 200, agenda.content
    # An unknown custom area lists nothing, like an unknown buurt; a malformed code is a 400.
    assert client.get("/api/v1/cases?buurtCode=EG9999").json()["results"] == []
    bad = client.get("/api/v1/cases?buurtCode=EGX1")
    assert bad.status_code == 400 and bad.json()["invalidParams"][0]["name"] == "buurtCode"
    # The police sees no case of the area: none is visible to it (its grants are its own compartment).
    police = _api(park["users"]["wijkagent"])
    assert police.get(f"/api/v1/cases?buurtCode={park['code']}").json()["results"] == []


@pytest.mark.django_db
def test_profile_and_printable_wijkanalyse_of_a_custom_area_with_the_caveat(park, client):  # noqa: F811
    from smaakmaker.areas.models import Area

    area = Area.objects.get(code=park["code"])
    figures = selectors.custom_area_figures(area=area)
    assert figures.rows and figures.caveat == apportion.CAVEAT
    response = _api(park["users"]["analist"]).get(f"/api/v1/areas/{area.code}/profile")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["estimated"] is True and body["caveat"] == apportion.CAVEAT
    assert body["rank"] is None and body["not_ranked"] == "custom_area" and body["composite"] is None
    assert body["year"] == figures.latest_year and body["themes"] == [] and body["flavours"] == []
    values = {i["indicator"]: i["value"] for i in body["indicators"]}
    for row in figures.rows:
        assert values[row["key"]] == pytest.approx(dict(row["series"]).get(figures.latest_year)), row["key"]
    assert {o["buurt"] for o in body["overlaps"]} == {o["code"] for o in figures.overlaps}
    assert sum(o["addresses_inside"] for o in body["overlaps"]) == figures.addresses
    # A CBS area keeps its profile, with nothing estimated.
    buurt = _api(park["users"]["analist"]).get(f"/api/v1/areas/{park['inside'].buurt_code}/profile").json()
    assert buurt["estimated"] is False and buurt["caveat"] == "" and buurt["overlaps"] == []
    assert _api(park["users"]["analist"]).get("/api/v1/areas/EG9999/profile").status_code == 404

    client.force_login(park["users"]["bestuurder"])
    page = client.get(f"/gebieden/{area.code}/wijkanalyse/")
    assert page.status_code == 200
    text = page.content.decode()
    assert apportion.CAVEAT in text and 'data-testid="custom-figures"' in text
    assert "geen scores en geen rang" in text and "Kwetsbaarheidsindex" not in text
    detail = client.get(f"/gebieden/{area.code}/").content.decode()
    assert (
        f"/gebieden/{area.code}/wijkanalyse/" in detail and f"/gebieden/{area.code}/wijkanalyse.pdf" in detail
    )
    assert client.get("/gebieden/EG9999/wijkanalyse/").status_code == 404
    pdf = client.get(f"/gebieden/{area.code}/wijkanalyse.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 3000
    assert client.get("/gebieden/EG9999/wijkanalyse.pdf").status_code == 404


def test_the_pdf_of_a_custom_area_says_the_caveat():
    """The PDF's text (reportlab, not compressed here) holds the caveat and no rank or score."""
    from types import SimpleNamespace

    from smaakmaker.areas.report_pdf import custom_area_pdf

    figures = SimpleNamespace(
        addresses=71,
        drawn=True,
        caveat=apportion.CAVEAT,
        basis=apportion.BY_ADDRESSES,
        overlaps=[{"name": "Binnenstad-Noord", "code": "BU00140000", "inside": 30, "share": "100"}],
    )
    area = SimpleNamespace(name="Park", code="EG0001", get_custom_kind_display=lambda: "Vakantiepark")
    rows = [
        {
            "label": "Aantal inwoners",
            "unit": "aantal",
            "theme_label": "Bevolking",
            "latest_year": 2017,
            "latest_text": "120",
            "reference_text": "–",
        }
    ]
    from reportlab import rl_config

    compression, rl_config.pageCompression = rl_config.pageCompression, 0
    try:
        pdf = custom_area_pdf({"area": area, "figures": figures, "figure_rows": rows, "year": 2017})
    finally:
        rl_config.pageCompression = compression
    assert (
        b"naar aandeel adressen" in pdf
        and b"Aantal inwoners" in pdf
        and b"geen rang" in pdf
        and b"ca. 120" in pdf
    )


@pytest.mark.django_db
def test_a_plan_and_monitoring_for_a_custom_area_as_a_user_works_them(park, client):  # noqa: F811
    """Through the pages: a plan for the drawn area, its address choices (the visible addresses inside
    only), its monitoring with the apportioned series and the caveat."""
    from smaakmaker.access.models import Covenant, Organisation
    from smaakmaker.plans.models import Approach

    regisseur = park["users"]["regisseur"]
    inside, outside = park["inside"], park["outside"]
    kind = SignalKind.objects.get(code="overlast")
    services.signal_record(actor=regisseur, address=inside, kind=kind, observed_on=timezone.localdate())
    client.force_login(regisseur)
    covenant = Covenant.objects.get(name="Convenant Binnenstad getekend (demo)")
    partners = list(Organisation.objects.filter(is_demo=True))
    response = client.post(
        "/plannen/nieuw/",
        {
            **{f"capacity_{o.pk}": 10 for o in partners},
            "name": "Aanpak Binnenstad getekend",
            "area": park["code"],
            "goals": "",
            "start_date": "2026-01-05",
            "horizon_weeks": 20,
            "covenant": covenant.pk,
            "partners": [o.pk for o in partners],
        },
    )
    assert response.status_code == 302, response.status_code
    approach = Approach.objects.get(name="Aanpak Binnenstad getekend")
    assert approach.area.code == park["code"]
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()  # the plan page holds the form of a new intervention
    assert 'name="iv-address"' in text
    assert str(inside.uuid) in text or f'value="{inside.pk}"' in text
    assert str(outside.uuid) not in text and f'value="{outside.pk}"' not in text
    addresses = client.get(f"/plannen/{approach.uuid}/adressen/")
    assert addresses.status_code == 200
    monitoring = client.get(f"/monitoring/gebied/{park['code']}/")
    assert monitoring.status_code == 200
    text = monitoring.content.decode()
    assert apportion.CAVEAT in text
