# SPDX-License-Identifier: EUPL-1.2
"""The LVBAG reader and the point-in-polygon index without a database."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from django.conf import settings

from smaakmaker.areas.pointinpolygon import PolygonIndex, rd_to_wgs84
from smaakmaker.cases.sources import lvbag

DOESBURG = Path(settings.PROJECT_DIR) / "data" / "bag" / "doesburg" / "BAGGEM0221L-15092020.zip"


def test_the_zip_a_folder_of_xml_and_the_nested_zips_give_the_same_addresses(tmp_path):
    import zipfile

    with zipfile.ZipFile(DOESBURG) as outer:
        outer.extractall(tmp_path / "folder")
    from_zip = list(lvbag.read_extract(DOESBURG))
    from_folder = list(lvbag.read_extract(tmp_path / "folder"))
    assert from_zip == from_folder
    assert len(from_zip) == 8 and len({r.nummeraanduiding_id for r in from_zip}) == 8


def test_junk_and_non_address_members_are_skipped_and_reported():
    report = lvbag.Report()
    list(lvbag.read_extract(DOESBURG, report=report))
    assert not any("__MACOSX" in name for name in report.files)
    assert report.counts["skipped_member"] == 4  # InOnderzoek, Inactief, NietBag, PND
    assert report.gemeenten == {"0221"} and report.area == "GEM"


def test_a_nummeraanduiding_in_another_woonplaats_with_dangling_refs_is_a_warning(tmp_path):
    """NLExtract's expand-variant: ligtIn → woonplaats 1050 and ligtAan → an openbare ruimte outside the set."""
    import shutil
    import zipfile

    samples = Path("/work/shared/data/bag/lvbag_samples/nlextract_doesburg_0221_20200915")
    variant = samples / "variants" / "0221NUM15092020-000001.expand-variant-with-ligtIn.xml"
    if not variant.exists():
        pytest.skip("the shared LVBAG samples are not on this machine")
    with zipfile.ZipFile(DOESBURG) as outer:
        outer.extractall(tmp_path)
    (tmp_path / "9999NUM15092020.zip").unlink()
    shutil.copy(variant, tmp_path / "0221NUM15092020-000001.xml")
    report = lvbag.Report()
    records = list(lvbag.read_extract(tmp_path, report=report))
    assert len(records) == 8
    assert report.counts["unaddressed_num"] >= 1  # 0362200001221879 has no object in the set


def test_point_in_polygon_first_polygon_wins_and_misses_are_minus_one():
    squares = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(0.5, 0, 1.5, 1)]
    index = PolygonIndex(["A", "B", "C"], squares)
    result = index.assign(np.array([0.2, 1.7, 1.0, 5.0, np.nan]), np.array([0.5, 0.5, 0.5, 5.0, 1.0]))
    assert result.index.tolist() == [0, 1, 0, -1, -1]
    assert result.ambiguous.tolist() == [False, False, True, False, False]


def test_rd_to_wgs84_amersfoort():
    lon, lat = rd_to_wgs84(np.array([155000.0]), np.array([463000.0]))
    assert lon[0] == pytest.approx(5.38721, abs=1e-4) and lat[0] == pytest.approx(52.15517, abs=1e-4)


def test_content_hash_changes_with_any_field():
    record = next(iter(lvbag.read_extract(DOESBURG)))
    assert record.content_hash() == record._replace().content_hash()
    assert record.content_hash() != record._replace(postcode="6981CJ").content_hash()
    assert record.content_hash() != record._replace(x=record.x + 0.001).content_hash()


def test_polygon_from_geojson_text_equals_the_json_route():
    import json

    from smaakmaker.areas.pointinpolygon import polygon_from_geojson, polygon_from_geojson_text

    polygon = {
        "type": "Polygon",
        "coordinates": [
            [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]],
            [[0.2, 0.2], [0.4, 0.2], [0.4, 0.4], [0.2, 0.2]],
        ],
    }
    multi = {
        "type": "MultiPolygon",
        "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]], [[[2, 2], [3, 2], [3, 3], [2, 2]]]],
    }
    for geometry in (polygon, multi):
        for text in (json.dumps(geometry), json.dumps(geometry, separators=(",", ":"))):
            parsed = polygon_from_geojson_text(text)
            assert (
                parsed.equals(polygon_from_geojson(geometry))
                and parsed.area == polygon_from_geojson(geometry).area
            )
    with_z = {"type": "Polygon", "coordinates": [[[0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 0, 1]]]}
    assert polygon_from_geojson_text(json.dumps(with_z)).area == 0.5


def test_parsing_in_worker_processes_gives_the_same_addresses_and_report():
    """The part files of NUM/VBO/LIG/STA are parsed in worker processes for a large delivery; the
    result (records, counts, warnings) is the same as parsing them in this process."""
    here, there = lvbag.Report(), lvbag.Report()
    in_process = list(lvbag.read_extract(DOESBURG, report=here, workers=0))
    in_workers = list(lvbag.read_extract(DOESBURG, report=there, workers=2))
    assert in_process == in_workers and len(in_process) == 8
    assert here.warnings == there.warnings and here.counts == there.counts
    assert here.files == there.files and here.stand_date == there.stand_date
