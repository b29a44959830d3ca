# SPDX-License-Identifier: EUPL-1.2
"""Boundaries of every year and the address register: a crosswalk derived from the geometry is
weighed by the BAG addresses in each overlap, and addresses are assigned to the buurten of a year
whose boundaries arrive after them. Groningen 2017 end to end: the CBS Wijk- en buurtkaart as a
GeoPackage in CBS's layout, then the bundled BAG addresses."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.management import call_command

from smaakmaker.areas import selectors, services
from smaakmaker.areas.bundled import data_dir
from smaakmaker.areas.models import AreaCrosswalk, AreaShape
from smaakmaker.areas.overlap import BY_ADDRESSES, BY_AREA
from smaakmaker.areas.sources.geometry import rd_to_wgs84
from smaakmaker.areas.tests.cbs_gpkg import Feature, groningen_2017_layers, square, write_wijkbuurtkaart
from smaakmaker.cases import address_imports
from smaakmaker.cases.models import Address, AddressArea

pytestmark = pytest.mark.django_db

X0, Y0 = 233_000.0, 582_000.0


def _address(number: int, x: float, y: float) -> Address:
    lon, lat = rd_to_wgs84(x, y)
    return Address.objects.create(
        street="Proefstraat",
        house_number=number,
        city="Groningen",
        rd_x=x,
        rd_y=y,
        longitude=float(lon),
        latitude=float(lat),
    )


def test_a_split_and_a_merge_weighed_by_the_addresses_in_each_overlap(tmp_path):
    # 2020: buurt 01 (10 addresses: 8 in its left 30 %, 2 in the rest), 02 (3 addresses), 03 (9
    # addresses) and 05, a park without addresses. 2021: 01 split into 11 (left 30 %) and 12; 02 and
    # 03 merged into 13; 05 renumbered to 15.
    number = 0
    for count, (x, width) in (
        (8, (X0, 150)),
        (2, (X0 + 150, 350)),
        (3, (X0 + 500, 500)),
        (9, (X0 + 1000, 500)),
    ):
        for k in range(count):
            number += 1
            _address(number, x + (k + 0.5) * width / count, Y0 + 250)
    old = [
        Feature("BU00140001", "Oud 1", square(X0, Y0)),
        Feature("BU00140002", "Oud 2", square(X0 + 500, Y0)),
        Feature("BU00140003", "Oud 3", square(X0 + 1000, Y0)),
        Feature("BU00140005", "Park", square(X0 + 2000, Y0)),
    ]
    new = [
        Feature("BU00140011", "Nieuw 11", square(X0, Y0, width=150)),
        Feature("BU00140012", "Nieuw 12", square(X0 + 150, Y0, width=350)),
        Feature("BU00140013", "Nieuw 13", square(X0 + 500, Y0, width=1000)),
        Feature("BU00140015", "Park", square(X0 + 2000, Y0)),
    ]
    services.boundaries_import(
        path=write_wijkbuurtkaart(tmp_path / "wijkenbuurten_2020.gpkg", 2020, {"buurten": old})
    )
    # Boundaries that arrive after the addresses: every address gets its 2020 buurt.
    assert AddressArea.objects.filter(year=2020).count() == 22
    assert AddressArea.objects.filter(year=2020, buurt_code="BU00140001").count() == 10
    result = services.boundaries_import(
        path=write_wijkbuurtkaart(tmp_path / "wijkenbuurten_2021.gpkg", 2021, {"buurten": new})
    )
    shares = {
        (c.old_code[-2:], c.new_code[-2:]): (c.share_of_old, c.share_of_new, c.basis)
        for c in AreaCrosswalk.objects.all()
    }
    assert shares[("01", "11")] == pytest.approx((0.8, 1.0, BY_ADDRESSES))  # by area it would be 0.3
    assert shares[("01", "12")] == pytest.approx((0.2, 1.0, BY_ADDRESSES))
    assert shares[("02", "13")] == pytest.approx((1.0, 0.25, BY_ADDRESSES))  # 3 of the 12 addresses
    assert shares[("03", "13")] == pytest.approx((1.0, 0.75, BY_ADDRESSES))
    assert shares[("05", "15")] == pytest.approx((1.0, 1.0, BY_AREA))  # no addresses: by area
    assert selectors.one_to_one_crosswalk() == {"BU00140005": "BU00140015"}
    assert "Codeovergangen buurt 2020→2021: 5 koppelingen (4 gewogen naar adressen, 1 naar oppervlakte)." in (
        result.lines()
    )
    assert AddressArea.objects.filter(year=2021, buurt_code="BU00140011").count() == 8
    # The latest year's buurt is the address's current buurt.
    assert Address.objects.filter(buurt_code="BU00140013").count() == 12


def test_groningen_2017_end_to_end_from_the_cbs_geopackage_and_the_bundled_bag_addresses(tmp_path):
    gpkg = write_wijkbuurtkaart(tmp_path / "wijkenbuurten_2017.gpkg", 2017, groningen_2017_layers(data_dir()))
    out = io.StringIO()
    call_command("areas", "import-grenzen", str(gpkg), stdout=out)
    assert "1 gemeenten, 15 wijken, 108 buurten" in out.getvalue()
    out = io.StringIO()
    call_command("addresses", "import-list", "--gebundeld-groningen", stdout=out)
    text = out.getvalue()
    assert "242 adressen gelezen: 242 nieuw" in text
    assert "Buurten 2017: 238 adressen in een buurt" in text
    assert "4 in geen buurt van 2017, buiten de gemeente(n) van dat jaar" in text
    areas = AddressArea.objects.filter(year=2017)
    assert areas.exclude(buurt_code="").count() == 238
    assert {a.gemeente_code for a in areas.exclude(buurt_code="")} == {"GM0014"}
    outside = Address.objects.filter(areas__year=2017, areas__buurt_code="")
    assert sorted(set(outside.values_list("city", flat=True))) == ["Eelderwolde", "Haren Gn"]


def test_a_buurt_redrawn_under_the_same_code_keeps_its_earlier_shape_for_that_year(tmp_path):
    # 2020: buurt 01 (8 addresses) and 02. 2021: 01 keeps its code but only its left half; the right
    # half becomes the new buurt 06; 02 is unchanged.
    for k in range(8):
        _address(k + 1, X0 + 31.25 + k * 62.5, Y0 + 250)
    old = [Feature("BU00140001", "Een", square(X0, Y0)), Feature("BU00140002", "Twee", square(X0 + 500, Y0))]
    new = [
        Feature("BU00140001", "Een", square(X0, Y0, width=250)),
        Feature("BU00140006", "Zes", square(X0 + 250, Y0, width=250)),
        Feature("BU00140002", "Twee", square(X0 + 500, Y0)),
    ]
    services.boundaries_import(
        path=write_wijkbuurtkaart(tmp_path / "wijkenbuurten_2020.gpkg", 2020, {"buurten": old})
    )
    result = services.boundaries_import(
        path=write_wijkbuurtkaart(tmp_path / "wijkenbuurten_2021.gpkg", 2021, {"buurten": new})
    )
    assert "Gebieden met dezelfde code maar een andere vorm dan in een ander jaar: 1." in result.lines()
    shape = AreaShape.objects.get()
    assert (shape.area.code, shape.first_year, shape.last_year) == ("BU00140001", 2020, 2020)
    link = AreaCrosswalk.objects.get()
    assert (link.old_code, link.new_code, link.share_of_old, link.share_of_new, link.basis) == (
        "BU00140001",
        "BU00140006",
        0.5,
        1.0,
        BY_ADDRESSES,
    )
    # Placing addresses later (a new import) still uses each year's own shape.
    years = {b.year: b for b in address_imports.boundary_years()}
    lon, lat = rd_to_wgs84(np.array([X0 + 400.0]), np.array([Y0 + 250.0]))
    for year, expected in ((2020, "BU00140001"), (2021, "BU00140006")):
        assert years[year].index.codes[int(years[year].index.assign(lon, lat).index[0])] == expected
    assert AddressArea.objects.filter(year=2020, buurt_code="BU00140001").count() == 8
    assert AddressArea.objects.filter(year=2021, buurt_code="BU00140001").count() == 4
