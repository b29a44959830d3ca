# SPDX-License-Identifier: EUPL-1.2
"""Tests for RD New / WGS84 geometry handling."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely

from smaakmaker.areas.sources.geometry import (
    GeometryError,
    parse_geometry,
    rd_to_wgs84,
    to_wgs84_geojson,
    wgs84_to_rd,
    wkt_series_to_geojson,
)

DATA = Path("/work/shared/data/cbs")


def test_amersfoort_reference_point() -> None:
    lon, lat = rd_to_wgs84(155000, 463000)
    assert float(lat) == pytest.approx(52.1552, abs=1e-4)
    assert float(lon) == pytest.approx(5.3872, abs=1e-4)
    x, y = wgs84_to_rd(lon, lat)
    assert float(x) == pytest.approx(155000, abs=0.01) and float(y) == pytest.approx(463000, abs=0.01)


@pytest.mark.parametrize(
    "value,srid",
    [
        ("POINT (155000 463000)", None),  # inferred RD New
        ("SRID=28992;POINT (155000 463000)", None),
        ({"type": "Point", "coordinates": [155000, 463000]}, 28992),
        (
            '{"type": "Point", "coordinates": [155000, 463000], '
            '"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}}',
            None,
        ),
        (
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Point", "coordinates": [5.38720351, 52.1551723]},
            },
            None,
        ),
    ],
)
def test_inputs_to_wgs84_geojson(value, srid) -> None:
    gj = to_wgs84_geojson(value, srid)
    assert gj["type"] == "Point"
    lon, lat = gj["coordinates"]
    assert lat == pytest.approx(52.1552, abs=1e-4) and lon == pytest.approx(5.3872, abs=1e-4)
    assert lon == round(lon, 6) and lat == round(lat, 6)
    json.dumps(gj)


def test_ewkt_polygon_and_rounding() -> None:
    wkt = "SRID=28992;POLYGON ((155000 463000, 155100 463000, 155100 463100, 155000 463100, 155000 463000))"
    gj = to_wgs84_geojson(wkt)
    ring = np.array(gj["coordinates"][0])
    assert ring.shape == (5, 2)
    assert np.all(np.round(ring, 6) == ring)
    assert shapely.from_geojson(json.dumps(gj)).is_valid


def test_validity_checks() -> None:
    bowtie = "POLYGON ((155000 463000, 155100 463100, 155100 463000, 155000 463100, 155000 463000))"
    with pytest.raises(GeometryError, match="Ongeldige geometrie"):
        to_wgs84_geojson(bowtie, 28992)
    repaired = to_wgs84_geojson(bowtie, 28992, repair=True)
    assert shapely.from_geojson(json.dumps(repaired)).is_valid
    with pytest.raises(GeometryError, match="buiten Nederland"):
        to_wgs84_geojson("POINT (13.4 52.5)")  # Berlin
    with pytest.raises(GeometryError, match="passen niet"):
        to_wgs84_geojson("POINT (900000 900000)")
    with pytest.raises(GeometryError, match="WKT onleesbaar"):
        parse_geometry("POLYGON ((1 2, 3")
    with pytest.raises(GeometryError, match="verschilt"):
        parse_geometry("SRID=4326;POINT (5 52)", 28992)
    with pytest.raises(GeometryError):
        to_wgs84_geojson("SRID=3857;POINT (600000 6800000)")


@pytest.mark.skipif(not DATA.exists(), reason="shared data not available")
def test_amsterdam_buurt_polygons_match_published_centroids() -> None:
    import csv

    with open(DATA / "amsterdam/buurten_amsterdam_2015_2022_geometrie_rd.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    geoms = wkt_series_to_geojson([r["geometrie"] for r in rows])
    assert len(geoms) == 439
    centroids = shapely.centroid(shapely.from_geojson([json.dumps(g) for g in geoms]))
    lat = np.array([float(r["latitude"]) for r in rows])
    lon = np.array([float(r["longitude"]) for r in rows])
    assert np.allclose(shapely.get_y(centroids), lat, atol=1e-4)
    assert np.allclose(shapely.get_x(centroids), lon, atol=1e-4)
    single = to_wgs84_geojson(rows[0]["geometrie"])
    assert single["coordinates"] == geoms[0]["coordinates"]


@pytest.mark.skipif(not DATA.exists(), reason="shared data not available")
def test_gemeente_geojson_features_are_wgs84() -> None:
    data = json.loads((DATA / "nl/gemeenten_2022_gegeneraliseerd.geojson").read_text())
    feature = next(f for f in data["features"] if f["properties"]["statcode"] == "GM0363")
    gj = to_wgs84_geojson(feature)
    bounds = shapely.from_geojson(json.dumps(gj)).bounds
    assert 4.7 < bounds[0] < bounds[2] < 5.1 and 52.2 < bounds[1] < bounds[3] < 52.5
