# SPDX-License-Identifier: EUPL-1.2
"""Perceived indicators, bookkeeping per role, area monitoring and the steering-group report."""

from __future__ import annotations

import html
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from smaakmaker.areas.models import Area, AreaLevel
from smaakmaker.monitoring import services
from smaakmaker.monitoring.models import PerceivedImport, PerceivedValue

pytestmark = pytest.mark.django_db

GOOD = b"gebiedscode;jaar;indicator;waarde\nBU0363FD04;2019;veiligheidsbeleving;6,1\nBU0363FD04;2023;veiligheidsbeleving;6,8\n"


@pytest.fixture
def buurt(db):
    wijk, _ = Area.objects.update_or_create(
        code="WK0363FD",
        defaults={"level": AreaLevel.WIJK, "name": "Slotermeer-Noordoost", "gemeente_code": "GM0363"},
    )
    area, _ = Area.objects.update_or_create(
        code="BU0363FD04",
        defaults={"level": AreaLevel.BUURT, "name": "Dobbebuurt", "gemeente_code": "GM0363", "parent": wijk},
    )
    return area


def _upload(content: bytes, name: str = "beleving.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_perceived_import_page_stores_values_for_the_analyst(buurt, signed_in):
    response = signed_in("analist").post("/monitoring/beleving/", {"file": _upload(GOOD)})
    assert response.status_code == 302
    assert list(PerceivedValue.objects.order_by("year").values_list("year", "value")) == [
        (2019, 6.1),
        (2023, 6.8),
    ]
    page = signed_in("analist").get("/monitoring/gebied/BU0363FD04/").content.decode()
    assert "Veiligheidsbeleving" in page and 'data-testid="series-veiligheidsbeleving"' in page


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (GOOD.replace(b"2023", b"twintig"), "regel 3, kolom jaar: 'twintig' is geen jaartal"),
        (GOOD.replace(b"6,8", b"hoog"), "regel 3, kolom waarde: 'hoog' is geen getal"),
        (
            GOOD + b"BU0363ZZ99;2023;veiligheidsbeleving;7\n",
            "regel 4, kolom gebiedscode: gebied 'BU0363ZZ99' is onbekend",
        ),
        (GOOD.replace(b"waarde", b"score"), "kolom 'waarde' ontbreekt"),
        (GOOD + b"BU0363FD04;2019;veiligheidsbeleving;6,0\n", "regel 4: dubbele rij (ook op regel 2)"),
        (b"\xff\xfe\x00", "geen UTF-8"),
    ],
)
def test_bad_perceived_files_change_nothing(buurt, signed_in, content, expected):
    services.perceived_import(actor=None, filename="eerder.csv", content=GOOD)
    before = list(PerceivedValue.objects.values_list("area_id", "indicator", "year", "value"))
    response = signed_in("analist").post("/monitoring/beleving/", {"file": _upload(content, "fout.csv")})
    assert response.status_code == 400
    text = html.unescape(response.content.decode())
    assert expected in text and "fout.csv" in text
    assert list(PerceivedValue.objects.values_list("area_id", "indicator", "year", "value")) == before
    assert PerceivedImport.objects.count() == 1


def test_perceived_import_api_and_permissions(buurt, signed_in):
    assert (
        signed_in("bestuurder").post("/api/v1/perceived-values", {"file": _upload(GOOD)}).status_code == 403
    )
    bad = signed_in("analist").post(
        "/api/v1/perceived-values", {"file": _upload(GOOD.replace(b"6,1", b"x"), "fout.csv")}
    )
    assert bad.status_code == 400
    assert bad["Content-Type"].startswith("application/problem+json")
    assert "fout.csv: regel 2, kolom waarde" in bad.content.decode()
    assert not PerceivedValue.objects.exists()
    ok = signed_in("analist").post("/api/v1/perceived-values", {"file": _upload(GOOD)})
    assert ok.status_code == 201 and ok.json()["rows"] == 2
    assert signed_in("bestuurder").get("/monitoring/beleving/").status_code == 403


@pytest.fixture
def plan(buurt, demo_users):
    """An approach in the Dobbebuurt: 12 home visits done, 3 move-outs, 15 Bitter screenings at addresses."""
    from smaakmaker.access.models import Organisation
    from smaakmaker.cases.models import Address
    from smaakmaker.plans.models import Approach, InterventionType, PlanIntervention

    owner = Organisation.objects.first()
    approach = Approach.objects.create(area=buurt, name="Aanpak Dobbebuurt", start_date=date(2024, 1, 1))
    care = InterventionType.objects.get(code="wmo-melding-keukentafel")
    out = InterventionType.objects.get(code="bw-7-231-ontbinding")
    screen = InterventionType.objects.get(code="wbmgp-10-screening")
    n = 0

    def add(kind, flavour, status, level="gebied", address=None, week=1, **extra):
        nonlocal n
        n += 1
        PlanIntervention.objects.create(
            approach=approach,
            ref=f"I-{n:03d}",
            intervention_type=kind,
            flavour=flavour,
            level=level,
            address=address,
            start_week=week,
            duration_weeks=4,
            owner=owner,
            status=status,
            **extra,
        )

    for _ in range(12):
        add(care, "zout", "afgerond", is_care_offer=True)
    for _ in range(3):
        add(out, "zuur", "afgerond", outflow=True, week=20)
    for i in range(15):
        address = Address.objects.create(
            bag_nummeraanduiding_id=f"03632000000{i:05d}",
            street="Geheimestraat",
            house_number=i + 1,
            postcode="1064AB",
            city="Amsterdam",
            buurt_code="BU0363FD04",
        )
        add(screen, "bitter", "lopend", level="adres", address=address, week=30)
    return approach


def test_bookkeeping_bestuurder_sees_suppressed_counts_and_no_addresses(plan, signed_in):
    page = signed_in("bestuurder").get("/monitoring/boekhouding/?area=BU0363FD04").content.decode()
    assert 'data-testid="suppression-note"' in page
    assert "&lt; 10" in page  # the 3 move-outs
    assert "Geheimestraat" not in page and "1064" not in page
    exact = signed_in("regisseur").get("/monitoring/boekhouding/?area=BU0363FD04").content.decode()
    assert 'data-testid="suppression-note"' not in exact
    headline = exact.split('data-testid="headline"')[1].split("</ul>")[0]
    assert ">3</span>uitstroom (afgerond)" in headline.replace("\n", "")
    assert ">12</span>zorgtrajecten" in headline.replace("\n", "")
    assert signed_in("privacy").get("/monitoring/boekhouding/").status_code == 403


def test_bookkeeping_api_per_role(plan, signed_in):
    data = signed_in("bestuurder").get("/api/v1/bookkeeping?area=BU0363FD04").json()
    assert data["suppressed"] is True
    values = {h["label"]: h["value"] for h in data["headline"]}
    assert values["uitstroom (afgerond)"] == {"count": None, "display": "< 10", "suppressed": True}
    assert values["zorgtrajecten (lopend of afgerond)"]["count"] == 12
    assert "Geheimestraat" not in str(data)
    exact = signed_in("regisseur").get("/api/v1/bookkeeping?area=BU0363FD04&granularity=quarter").json()
    assert exact["suppressed"] is False and "2024-K1" in exact["periods"]
    assert {h["label"]: h["value"]["count"] for h in exact["headline"]}["uitstroom (afgerond)"] == 3
    assert signed_in("privacy").get("/api/v1/bookkeeping").status_code == 403
    assert signed_in("bestuurder").get("/api/v1/bookkeeping?granularity=week").status_code == 400


def test_area_monitoring_marks_the_approach_and_shows_kentering(plan, signed_in):
    from smaakmaker.areas.models import ImportBatch, Indicator, IndicatorValue

    indicator = Indicator.objects.create(
        key="test_overlast",
        label="Overlastmeldingen (test)",
        unit="per 1000",
        theme="veiligheid",
        direction="worse",
    )
    batch = ImportBatch.objects.create(source="test", sha256="x", kind="test")
    for year, value in zip(range(2015, 2024), [10, 12, 14, 16, 18, 16, 14, 12, 10], strict=True):
        IndicatorValue.objects.create(
            area=plan.area, indicator=indicator, year=year, value=value, batch=batch
        )
    page = signed_in("bestuurder").get("/monitoring/gebied/BU0363FD04/").content.decode()
    assert 'data-testid="approaches"' in page and "Aanpak Dobbebuurt" in page
    block = page.split('data-testid="series-test_overlast"')[1].split('class="sm-series"')[0]
    assert '<span data-testid="kentering">kentering ten goede</span>' in block
    assert "start aanpak" in block
    assert 'data-testid="no-perceived"' in page


def test_report_html_and_pdf_are_always_suppressed(plan, signed_in):
    page = signed_in("regisseur").get("/monitoring/gebied/BU0363FD04/rapport/").content.decode()
    assert "Stuurgroeprapportage" in page and "&lt; 10" in page and "Geheimestraat" not in page
    pdf = signed_in("bestuurder").get("/monitoring/gebied/BU0363FD04/rapport.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert signed_in("privacy").get("/monitoring/gebied/BU0363FD04/rapport/").status_code == 403
    assert signed_in("bestuurder").get("/monitoring/gebied/BU9999ZZ99/rapport/").status_code == 404


def test_index_links_per_role(signed_in):
    analist = signed_in("analist").get("/monitoring/").content.decode()
    assert "/monitoring/evaluaties/nieuw/" in analist and "/monitoring/beleving/" in analist
    bestuurder = signed_in("bestuurder").get("/monitoring/").content.decode()
    assert "/monitoring/evaluaties/nieuw/" not in bestuurder and "/monitoring/beleving/" not in bestuurder
    assert "/monitoring/boekhouding/" in bestuurder


def test_translation_catalogue_is_complete_and_compiled():
    from pathlib import Path

    import polib

    po_path = Path(__file__).parents[1] / "locale" / "nl" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(po_path))
    assert not po.untranslated_entries() and not po.fuzzy_entries()
    mo = polib.mofile(str(po_path.with_suffix(".mo")))
    assert {e.msgid: e.msgstr for e in mo if not e.msgid_plural} == {
        e.msgid: e.msgstr for e in po if not e.msgid_plural and not e.obsolete
    }
