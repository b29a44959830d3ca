# SPDX-License-Identifier: EUPL-1.2
"""Custom areas drawn as polygons: their addresses are those inside (now and after a later import),
their figures are apportioned from the buurten they overlap (ADR 0020), and the register, plans and
monitoring treat them like a buurt. Against the bundled Groningen 2017 buurten and BAG addresses."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from smaakmaker.areas import apportion, selectors
from smaakmaker.areas import services as area_services
from smaakmaker.areas.bundled import data_dir
from smaakmaker.areas.models import Area, ImportBatch, IndicatorValue
from smaakmaker.cases import address_imports
from smaakmaker.cases.models import Address, AddressCustomArea

# A rectangle over the centre of Groningen (WGS84), drawn as a user would: its corners only.
WEST, EAST, SOUTH, NORTH = 6.555, 6.585, 53.210, 53.225


def _drawn(west=WEST, east=EAST, south=SOUTH, north=NORTH) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _groningen():
    area_services.cbs_wkt_csv_import(path=data_dir() / "groningen" / "wijk_2017_groningen_wkt_wgs84.csv")
    area_services.cbs_wkt_csv_import(path=data_dir() / "groningen" / "buurt_2017_groningen_wkt_wgs84.csv")
    call_command("addresses", "import-list", "--gebundeld-groningen", stdout=io.StringIO())


def _inside_by_hand(west=WEST, east=EAST, south=SOUTH, north=NORTH) -> set[int]:
    """The addresses inside the rectangle, by plain comparisons (not by the point-in-polygon code)."""
    return {
        a.pk
        for a in Address.objects.exclude(longitude=None)
        if west < a.longitude < east and south < a.latitude < north
    }


@pytest.mark.django_db
def test_the_addresses_of_a_drawn_area_are_exactly_those_inside_it(tmp_path):
    _groningen()
    expected = _inside_by_hand()
    assert 20 < len(expected) < Address.objects.count()  # a real part of the 242
    park = area_services.custom_area_create(name="Binnenstad getekend", kind="overig", geometry=_drawn())
    stored = set(AddressCustomArea.objects.filter(area_code=park.code).values_list("address_id", flat=True))
    assert stored == expected
    # It hangs on the buurten it overlaps, and on the gemeente of the largest overlap.
    assert park.gemeente_code == "GM0014"
    buurten = set(park.members.values_list("code", flat=True))
    assert buurten and all(code.startswith("BU0014") for code in buurten)
    assert set(Address.objects.filter(pk__in=expected).values_list("buurt_code", flat=True)) <= buurten

    # An address imported later, inside the boundary, is assigned to it; one outside is not.
    rows = (
        "Straat;Nr;Plaats;PC;Nummeraanduiding;lon;lat\n"
        f"Binnenweg;1;Groningen;9711AA;0014200000999991;{(WEST + EAST) / 2};{(SOUTH + NORTH) / 2}\n"
        f"Buitenweg;2;Groningen;9711AB;0014200000999992;{EAST + 0.01};{NORTH + 0.01}\n"
    )
    path = tmp_path / "later.csv"
    path.write_text(rows, encoding="utf-8")
    mapping = {
        "street": "Straat",
        "house_number": "Nr",
        "city": "Plaats",
        "postcode": "PC",
        "nummeraanduiding_id": "Nummeraanduiding",
        "lon": "lon",
        "lat": "lat",
    }
    result = address_imports.address_list_import(path=path, mapping=mapping)
    assert any(
        "Eigen gebieden (getekend): " + park.code in line for line in ImportBatch.objects.first().notes
    )
    assert result.created == 2
    inside = Address.objects.get(bag_nummeraanduiding_id="0014200000999991")
    outside = Address.objects.get(bag_nummeraanduiding_id="0014200000999992")
    stored = set(AddressCustomArea.objects.filter(area_code=park.code).values_list("address_id", flat=True))
    assert stored == expected | {inside.pk} and outside.pk not in stored


@pytest.mark.django_db
def test_figures_are_apportioned_by_the_share_of_addresses():
    _groningen()
    park = area_services.custom_area_create(name="Binnenstad getekend", kind="overig", geometry=_drawn())
    members = sorted(park.members.values_list("code", flat=True))
    indicators = area_services.indicators_sync()
    batch = ImportBatch.objects.create(source="test", sha256="0" * 64, kind="test")
    # Per buurt: inhabitants 1000 + i, share of low incomes 10 + i (2017).
    for i, code in enumerate(members):
        area = Area.objects.get(code=code)
        for key, value in (("inwoners", 1000.0 + i), ("laag_inkomen_hh", 10.0 + i)):
            IndicatorValue.objects.update_or_create(
                area=area, indicator=indicators[key], year=2017, defaults={"value": value, "batch": batch}
            )
    figures = selectors.custom_area_figures(area=Area.objects.get(code=park.code))
    assert figures.basis == apportion.BY_ADDRESSES and figures.caveat == apportion.CAVEAT
    # By hand: the area's addresses per buurt and every buurt's addresses.
    mine = Address.objects.filter(custom_areas__area_code=park.code)
    inside = {c: mine.filter(buurt_code=c).count() for c in members}
    total = {c: Address.objects.filter(buurt_code=c).count() for c in members}
    used = [c for c in members if inside[c] > 0]
    inhabitants = sum(inside[c] / total[c] * (1000 + members.index(c)) for c in used)
    low = sum(inside[c] * (10 + members.index(c)) for c in used) / sum(inside[c] for c in used)
    rows = {row["key"]: row for row in figures.rows}
    assert rows["inwoners"]["series"] == [(2017, pytest.approx(inhabitants))]
    assert rows["laag_inkomen_hh"]["series"] == [(2017, pytest.approx(low))]
    assert figures.addresses == mine.count()

    # No addresses inside: by surface, and said so.
    empty = area_services.custom_area_create(
        name="Leeg veld", kind="overig", geometry=_drawn(6.5601, 6.5602, 53.2151, 53.2152)
    )
    assert not AddressCustomArea.objects.filter(area_code=empty.code).exists()
    figures = selectors.custom_area_figures(area=Area.objects.get(code=empty.code))
    assert figures.basis == apportion.BY_AREA and figures.caveat == apportion.CAVEAT_BY_AREA
    assert {"inwoners", "laag_inkomen_hh"} <= {row["key"] for row in figures.rows}


@pytest.mark.django_db
def test_a_union_of_buurten_keeps_working():
    _groningen()
    codes = sorted(
        Address.objects.exclude(buurt_code="").values_list("buurt_code", flat=True).order_by().distinct()
    )[:2]
    union = area_services.custom_area_create(name="Twee buurten", kind="overig", buurt_codes=codes)
    assert union.geometry is None and sorted(union.members.values_list("code", flat=True)) == codes
    assert not AddressCustomArea.objects.filter(area_code=union.code).exists()
    figures = selectors.custom_area_figures(area=union)
    assert not figures.drawn and figures.caveat == apportion.CAVEAT_UNION
    assert [o["code"] for o in figures.overlaps] == codes and all(
        o["share"] == "100" for o in figures.overlaps
    )


@pytest.mark.django_db
def test_drawn_in_the_web_its_page_and_monitoring_show_the_estimate_with_its_caveat(signed_in):
    import json

    _groningen()
    client = signed_in("analist")
    form = client.get("/gebieden/eigen-gebied/nieuw/").content.decode()
    assert 'id="sm-draw-map"' in form and "leaflet-geoman.min.js" in form
    response = client.post(
        "/gebieden/eigen-gebied/nieuw/",
        {"name": "Binnenstad getekend", "kind": "overig", "drawn": json.dumps(_drawn())},
    )
    assert response.status_code == 302
    area = Area.objects.get(name="Binnenstad getekend")
    assert response["Location"] == f"/gebieden/{area.code}/"
    assert AddressCustomArea.objects.filter(area_code=area.code).count() == len(_inside_by_hand())
    regisseur = signed_in("regisseur")
    page = regisseur.get(response["Location"]).content.decode()
    assert apportion.CAVEAT in page and 'data-testid="custom-figures"' in page
    assert f"{len(_inside_by_hand())} adressen binnen" in page
    monitoring = regisseur.get(f"/monitoring/gebied/{area.code}/").content.decode()
    assert apportion.CAVEAT in monitoring
    csv_text = regisseur.get(f"/gebieden/{area.code}/indicatoren.csv").content.decode()
    assert apportion.CAVEAT in csv_text and "inwoners" in csv_text


@pytest.mark.django_db
def test_a_drawn_area_as_covenant_area_register_and_plans(demo_users):
    from datetime import timedelta

    from django.utils import timezone

    from smaakmaker.access.models import Organisation
    from smaakmaker.cases import selectors, services
    from smaakmaker.cases.demo import covenant_setup
    from smaakmaker.cases.errors import RegisterError
    from smaakmaker.cases.models import Signal, SignalKind
    from smaakmaker.plans import selectors as plan_selectors

    _groningen()
    park = area_services.custom_area_create(name="Binnenstad getekend", kind="overig", geometry=_drawn())
    covenant_setup(area_codes=[park.code])
    inside_ids = _inside_by_hand()
    inside = Address.objects.filter(pk__in=inside_ids).exclude(buurt_code="").first()
    # An address outside the boundary but in a buurt the area overlaps: the buurt is not the area.
    outside = Address.objects.filter(buurt_code=inside.buurt_code).exclude(pk__in=inside_ids).first()
    outside = outside or Address.objects.exclude(pk__in=inside_ids).exclude(longitude=None).first()
    kind = SignalKind.objects.get(code="overlast")
    gemeente = Organisation.objects.filter(kind="gemeente").first()
    for address in (inside, outside):
        Signal.objects.create(
            address=address,
            kind=kind,
            activity=kind.activity,
            source_organisation=gemeente,
            observed_on=timezone.localdate() - timedelta(days=2),
        )
    regisseur = demo_users["regisseur"]
    seen = set(Signal.objects.visible_to(regisseur).values_list("address_id", flat=True))
    assert seen == {inside.pk}
    # Writing: inside the boundary yes, outside no.
    services.signal_record(
        actor=regisseur, address=inside, kind=kind, observed_on=timezone.localdate(), description=""
    )
    with pytest.raises(RegisterError):
        services.signal_record(
            actor=regisseur, address=outside, kind=kind, observed_on=timezone.localdate(), description=""
        )
    # The case list offers the area and lists the cases at its addresses only.
    case = services.case_open(actor=regisseur, address=inside, activity=kind.activity)
    assert park.code in selectors.custom_area_codes_visible(user=regisseur)
    listed, total = selectors.cases_list(user=regisseur, purpose="regie", buurt_code=park.code)
    assert [c.pk for c in listed] == [case.pk] and total == 1
    # A plan for the area offers exactly its visible addresses.
    from smaakmaker.plans.models import Approach

    approach = Approach(area=Area.objects.get(code=park.code))
    offered = set(
        plan_selectors.address_choices(user=regisseur, approach=approach).values_list("pk", flat=True)
    )
    assert offered == {inside.pk}
