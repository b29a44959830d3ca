# SPDX-License-Identifier: EUPL-1.2
"""The CBS Wijk- en buurtkaart import (GeoPackage as CBS/PDOK publish it, and GeoJSON) and the code
crosswalk derived from the geometry, used by the panels across the break."""

from __future__ import annotations

import io
import json
import sqlite3

import pytest
import shapely
from django.core.management import call_command

from smaakmaker.access.models import AuditRecord
from smaakmaker.areas import selectors, services
from smaakmaker.areas.bundled import data_dir
from smaakmaker.areas.models import Area, AreaCrosswalk, ImportBatch, Indicator, IndicatorValue
from smaakmaker.areas.overlap import BY_AREA, derive_links
from smaakmaker.areas.sources.geometry import rd_to_wgs84
from smaakmaker.areas.sources.wijkbuurtkaart import WijkBuurtkaartError, read_boundaries
from smaakmaker.areas.tests.cbs_gpkg import Feature, groningen_2017_layers, square, write_wijkbuurtkaart
from smaakmaker.areas.tests.support import remove_all_area_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_areas_yet(db):
    """Each test starts from an instance without areas, as a new gemeente does: the bundled data that
    earlier tests of this package keep loaded (``bundled_areas``) are removed inside the test's
    transaction, so they are back afterwards."""
    remove_all_area_data()


@pytest.fixture
def groningen_gpkg(tmp_path):
    return write_wijkbuurtkaart(tmp_path / "wijkenbuurten_2017.gpkg", 2017, groningen_2017_layers(data_dir()))


def test_a_geopackage_in_cbs_layout_gives_codes_names_parents_and_shapes(groningen_gpkg):
    result = services.boundaries_import(path=groningen_gpkg)
    assert result.year == 2017
    assert result.counts == {"gemeente": 1, "wijk": 15, "buurt": 108}
    buurt = Area.objects.get(code="BU00140000")
    assert buurt.name == "Binnenstad-Noord" and buurt.level == "buurt"
    assert buurt.parent.code == "WK001400" and buurt.parent.parent.code == "GM0014"
    assert buurt.gemeente_code == "GM0014"
    assert (buurt.classification_year, buurt.last_year) == (2017, 2017)
    # The shape is WGS84 again and lies where the CBS file put it (Groningen's city centre).
    shape = shapely.geometry.shape(buurt.geometry)
    assert shape.is_valid and 6.55 < shape.centroid.x < 6.58 and 53.21 < shape.centroid.y < 53.23
    assert Area.objects.get(code="GM0014").name == "Groningen"
    assert not Area.objects.filter(code="GM0998").exists()  # "Buitenland" (water = B) is skipped
    assert any("Buitenland" in line for line in result.lines())
    batch = ImportBatch.objects.get(kind="grenzen")
    assert batch.rows == 124
    assert (
        AuditRecord.objects.filter(action="areas.boundaries_import", object_id=str(batch.uuid)).count() == 1
    )
    again = services.boundaries_import(path=groningen_gpkg)
    assert again.already and ImportBatch.objects.filter(kind="grenzen").count() == 1


def test_the_cli_imports_one_gemeente_of_a_file(groningen_gpkg):
    out = io.StringIO()
    call_command("areas", "import-grenzen", str(groningen_gpkg), "--gemeente", "GM0014", stdout=out)
    assert "1 gemeenten, 15 wijken, 108 buurten" in out.getvalue()
    with pytest.raises(Exception, match="geen gebieden van GM0363"):
        call_command("areas", "import-grenzen", str(groningen_gpkg), "--gemeente", "0363", stdout=out)


def _edit(path, sql, params=()):
    db = sqlite3.connect(path)
    db.execute(sql, params)
    db.commit()
    db.close()


def test_all_or_nothing_naming_file_layer_feature_and_field(groningen_gpkg):
    _edit(groningen_gpkg, "UPDATE buurten SET buurtcode = 'BU0014X' WHERE fid = 5")
    with pytest.raises(services.ImportError_) as error:
        services.boundaries_import(path=groningen_gpkg)
    assert "'wijkenbuurten_2017.gpkg', laag buurten, feature 5 (BU0014X), veld buurtcode" in str(error.value)
    assert not Area.objects.exists() and not ImportBatch.objects.exists()


def test_a_parent_code_that_does_not_fit_and_a_wrong_year_are_refused(groningen_gpkg):
    _edit(groningen_gpkg, "UPDATE buurten SET wijkcode = 'WK001499' WHERE fid = 3")
    with pytest.raises(WijkBuurtkaartError, match=r"laag buurten, feature 3 \(BU\w+\), veld wijkcode"):
        read_boundaries(groningen_gpkg)
    _edit(groningen_gpkg, "UPDATE buurten SET wijkcode = 'WK' || substr(buurtcode, 3, 6)")
    _edit(groningen_gpkg, "UPDATE wijken SET jaar = 2018 WHERE fid = 2")
    with pytest.raises(WijkBuurtkaartError, match="laag wijken, feature 2 .*veld jaar: jaar 2018"):
        read_boundaries(groningen_gpkg)


def test_not_a_geopackage_and_a_missing_code_column(tmp_path):
    bad = tmp_path / "wijkenbuurten_2023.gpkg"
    bad.write_bytes(b"not sqlite at all" * 10)
    with pytest.raises(WijkBuurtkaartError, match="is geen GeoPackage"):
        read_boundaries(bad)
    path = write_wijkbuurtkaart(tmp_path / "w.gpkg", 2023, {"buurten": []})
    _edit(path, "ALTER TABLE buurten RENAME COLUMN buurtcode TO code")
    with pytest.raises(
        WijkBuurtkaartError, match="laag buurten: kolom buurtcode of bu_code of statcode ontbreekt"
    ):
        read_boundaries(path)


def test_geojson_with_the_short_names_of_older_editions(tmp_path):
    # The bundled Groningen 2017 buurten as a GeoJSON layer with CBS's shapefile names (BU_CODE, …).
    import csv

    features = []
    with (data_dir() / "groningen" / "buurt_2017_groningen_wkt_wgs84.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            features.append(
                {
                    "type": "Feature",
                    "properties": {k: row[k] for k in ("BU_CODE", "BU_NAAM", "WK_CODE", "GM_CODE", "WATER")},
                    "geometry": json.loads(shapely.to_geojson(shapely.from_wkt(row["geometry"]))),
                }
            )
    path = tmp_path / "buurt_groningen.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(services.ImportError_, match="het jaar staat niet in het bestand"):
        services.boundaries_import(path=path)
    result = services.boundaries_import(path=path, year=2017)
    assert result.counts["buurt"] == 108
    assert Area.objects.get(code="BU00140103").parent is None  # no wijken loaded: no parent yet


X0, Y0 = 233_000.0, 582_000.0  # RD New, in the city of Groningen


def _two_years(tmp_path):
    """2020: buurten 01 (split in 2021 into 11 = left 30 % and 12 = right 70 %), 02 and 03 (merged in
    2021 into 13), and 04 (only renumbered to 14)."""
    old = [
        Feature("BU00140001", "Oud 1", square(X0, Y0)),
        Feature("BU00140002", "Oud 2", square(X0 + 500, Y0)),
        Feature("BU00140003", "Oud 3", square(X0 + 1000, Y0)),
        Feature("BU00140004", "Oud 4", square(X0 + 1500, Y0)),
    ]
    new = [
        Feature("BU00140011", "Nieuw 11", square(X0, Y0, width=150)),
        Feature("BU00140012", "Nieuw 12", square(X0 + 150, Y0, width=350)),
        Feature("BU00140013", "Nieuw 13", square(X0 + 500, Y0, width=1000)),
        Feature("BU00140014", "Nieuw 14", square(X0 + 1500, Y0)),
    ]
    a = write_wijkbuurtkaart(tmp_path / "wijkenbuurten_2020.gpkg", 2020, {"buurten": old})
    b = write_wijkbuurtkaart(tmp_path / "wijkenbuurten_2021.gpkg", 2021, {"buurten": new})
    return a, b


def _shares():
    return {
        (c.old_code[-2:], c.new_code[-2:]): (c.share_of_old, c.share_of_new, c.basis)
        for c in AreaCrosswalk.objects.all()
    }


def test_a_split_a_merge_and_a_renumbering_give_crosswalk_weights_by_area(tmp_path, monkeypatch):
    monkeypatch.setattr(services, "address_counts_provider", None)  # no addresses: by area
    a, b = _two_years(tmp_path)
    services.boundaries_import(path=a)
    result = services.boundaries_import(path=b)
    shares = _shares()
    assert set(shares) == {("01", "11"), ("01", "12"), ("02", "13"), ("03", "13"), ("04", "14")}
    assert shares[("01", "11")] == pytest.approx((0.3, 1.0, BY_AREA), abs=1e-4)
    assert shares[("01", "12")] == pytest.approx((0.7, 1.0, BY_AREA), abs=1e-4)
    assert shares[("02", "13")] == pytest.approx((1.0, 0.5, BY_AREA), abs=1e-4)
    assert shares[("04", "14")] == pytest.approx((1.0, 1.0, BY_AREA), abs=1e-4)
    assert all(c.old_year == 2020 and c.new_year == 2021 for c in AreaCrosswalk.objects.all())
    assert any("Codeovergangen buurt 2020→2021: 5 koppelingen" in line for line in result.lines())
    # Only the renumbering is a continuation; the split and the merge are not.
    assert selectors.one_to_one_crosswalk() == {"BU00140004": "BU00140014"}
    old = Area.objects.get(code="BU00140001")
    assert (old.classification_year, old.last_year) == (2020, 2020)


def test_the_panels_of_trends_kentering_and_synthetic_control_continue_across_the_break(
    tmp_path, monkeypatch
):
    from smaakmaker.monitoring import selectors as monitoring_selectors

    monkeypatch.setattr(services, "address_counts_provider", None)
    a, b = _two_years(tmp_path)
    services.boundaries_import(path=a)
    services.boundaries_import(path=b)
    indicator = Indicator.objects.create(
        key="test_aandeel", label="Aandeel", unit="%", theme="inkomen", direction="worse"
    )
    batch = ImportBatch.objects.create(source="test", sha256="0" * 64, kind="test")
    for code, year, value in (
        ("BU00140004", 2019, 10.0),
        ("BU00140004", 2020, 11.0),
        ("BU00140014", 2021, 12.0),
    ):
        IndicatorValue.objects.create(
            area=Area.objects.get(code=code), indicator=indicator, year=year, value=value, batch=batch
        )
    # The scan (trends, kentering radar) lists the new code only, with the old code's years.
    assert "BU00140004" not in selectors.scan_codes(level="buurt", gemeente_code="GM0014")
    panel = selectors.panel_build(codes=["BU00140014"], indicator_keys=["test_aandeel"])
    row = panel.values[panel.index_of(["BU00140014"])][0, :, panel.indicators.index("test_aandeel")]
    assert dict(zip(panel.years.tolist(), row.tolist(), strict=True)) == {2019: 10.0, 2020: 11.0, 2021: 12.0}
    # Synthetic control reads its panel the same way.
    frame = monitoring_selectors.evaluation_panel(codes=["BU00140014"], variables=["test_aandeel"])
    assert frame.set_index("time")["test_aandeel"].to_dict() == {2019: 10.0, 2020: 11.0, 2021: 12.0}


def test_years_imported_out_of_order_link_the_same_way_and_keep_the_newest_shape(tmp_path, monkeypatch):
    monkeypatch.setattr(services, "address_counts_provider", None)
    a, b = _two_years(tmp_path)
    services.boundaries_import(path=b)
    services.boundaries_import(path=a)
    assert set(_shares()) == {("01", "11"), ("01", "12"), ("02", "13"), ("03", "13"), ("04", "14")}


def test_slivers_of_redrawn_edges_are_not_links():
    old = {"BU00140001": square(0, 0), "BU00140002": square(500, 0)}
    # 2021: buurt 01 renumbered to 21, its edge with 02 moved by 2 m (0.4 % of its area).
    new = {"BU00140021": square(0, 0, width=502), "BU00140002": square(502, 0, width=498)}
    links = derive_links(old, new)
    assert [(link.old_code, link.new_code) for link in links] == [("BU00140001", "BU00140021")]


def test_a_gemeente_with_a_land_row_and_a_water_row_becomes_one_area(tmp_path):
    layers = groningen_2017_layers(data_dir())
    land = layers["gemeenten"][0].geometry
    minx, miny, _maxx, _maxy = land.bounds
    water = square(minx - 400, miny - 400, 600, 600)  # a lake on the edge, partly outside the land
    layers["gemeenten"].append(Feature("GM0014", "Groningen", water, water="JA"))
    path = write_wijkbuurtkaart(tmp_path / "wijkenbuurten_2017.gpkg", 2017, layers)
    result = services.boundaries_import(path=path)
    assert "Land- en waterdeel onder één code samengevoegd: 1." in result.lines()
    assert "Waterdelen (water = JA): 1; ze zijn als gebied ingelezen." in result.lines()
    gemeente = Area.objects.get(code="GM0014")
    shape = shapely.geometry.shape(gemeente.geometry)
    lon, lat = rd_to_wgs84(minx - 350, miny - 350)
    assert shape.contains(shapely.Point(float(lon), float(lat)))  # the water part is in the shape


def test_a_wijken_layer_as_geojson_in_rd_new_with_its_crs_member(tmp_path):
    layers = groningen_2017_layers(data_dir())
    features = [
        {
            "type": "Feature",
            "properties": {
                "wijkcode": f.code,
                "wijknaam": f.name,
                "gemeentecode": "GM0014",
                "water": "NEE",
                "jaar": 2017,
            },
            "geometry": json.loads(shapely.to_geojson(f.geometry)),
        }
        for f in layers["wijken"]
    ]
    path = tmp_path / "wijken.geojson"
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}
    path.write_text(json.dumps({"type": "FeatureCollection", "crs": crs, "features": features}))
    result = services.boundaries_import(path=path)
    assert (result.year, result.counts["wijk"]) == (2017, 15)
    shape = shapely.geometry.shape(Area.objects.get(code="WK001400").geometry)
    assert 6.5 < shape.centroid.x < 6.6 and 53.2 < shape.centroid.y < 53.3
