# SPDX-License-Identifier: EUPL-1.2
"""Figures of a custom area apportioned from the buurten it overlaps (ADR 0020), and the validation of
a custom area's boundary. Django-free."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import shapely
from hypothesis import example, given, settings
from hypothesis import strategies as st

from smaakmaker.areas import apportion
from smaakmaker.areas.apportion import Overlap
from smaakmaker.areas.sources.geometry import GeometryError, area_polygon

NAN = math.nan


def test_counts_are_summed_by_share_and_rates_weighted_by_the_areas_addresses():
    # 10 of buurt A's 100 addresses and all 30 of buurt B's lie in the area.
    overlaps = [Overlap("BU0001", 10, 100), Overlap("BU0002", 30, 30)]
    # indicators: inhabitants (count), % low income (rate); one year
    values = np.array([[[1000.0, 10.0]], [[300.0, 50.0]]])
    result = apportion.apportion(values, overlaps, [True, False])
    assert result.estimates[0, 0] == pytest.approx(0.1 * 1000 + 1.0 * 300)
    assert result.estimates[0, 1] == pytest.approx((10 * 10 + 30 * 50) / 40)
    assert result.covered.tolist() == [[1.0, 1.0]]


def test_a_missing_value_leaves_a_count_out_and_a_rate_only_when_too_little_weight_is_left():
    overlaps = [Overlap("BU0001", 10, 100), Overlap("BU0002", 30, 30)]
    # Year 1: buurt A has no values; year 2: buurt B has none.
    values = np.array([[[NAN, NAN], [1000.0, 10.0]], [[300.0, 50.0], [NAN, NAN]]])
    result = apportion.apportion(values, overlaps, [True, False])
    assert math.isnan(result.estimates[0, 0]) and math.isnan(result.estimates[1, 0])  # partial sums: none
    assert result.estimates[0, 1] == pytest.approx(50.0)  # B holds 75 % of the weight
    assert result.covered[0, 1] == pytest.approx(0.75)
    assert math.isnan(result.estimates[1, 1])  # A alone holds 25 % < MIN_WEIGHT
    assert result.covered[1, 1] == pytest.approx(0.25)


def test_a_whole_buurt_gives_its_own_figures():
    overlaps = apportion.whole_buurten(["BU0001"], {"BU0001": 250})
    values = np.array([[[1234.0, 17.5, 3.2]]])
    result = apportion.apportion(values, overlaps, [True, False, False])
    assert result.estimates.tolist() == [[1234.0, 17.5, 3.2]]


def test_overlaps_by_addresses_skip_buurten_without_addresses():
    found = apportion.overlaps_by_addresses({"BU1": 5, "BU2": 0, "BU3": 2}, {"BU1": 50, "BU3": 0})
    assert found == [Overlap("BU1", 5.0, 50.0)]
    assert found[0].share == pytest.approx(0.1)


def test_overlaps_by_area_measure_the_part_of_each_buurt_and_drop_slivers():
    left, right = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)
    far = shapely.box(5, 5, 6, 6)
    area = shapely.box(0.5, 0, 1.5, 0.5)  # a quarter of left, a quarter of right
    found = apportion.overlaps_by_area(area, {"BU_L": left, "BU_R": right, "BU_FAR": far})
    assert [o.code for o in found] == ["BU_L", "BU_R"]
    assert [o.share for o in found] == pytest.approx([0.25, 0.25])
    sliver = shapely.box(0.999999, 0, 1.5, 0.5)
    assert [o.code for o in apportion.overlaps_by_area(sliver, {"BU_L": left, "BU_R": right})] == ["BU_R"]


def test_is_count():
    assert apportion.is_count("aantal")
    assert not any(apportion.is_count(u) for u in ("%", "gemiddeld aantal", "per 1.000 inwoners", "km"))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 500), st.integers(0, 500), st.floats(0, 1000)), min_size=1, max_size=6)
)
@example([(1, 0, 0.0)])
def test_a_rate_lies_between_the_buurten_and_a_count_never_exceeds_their_sum(parts):
    overlaps = [Overlap(f"BU{i}", inside, inside + rest) for i, (inside, rest, _v) in enumerate(parts)]
    values = np.array([[[v, v]] for *_rest, v in parts])
    result = apportion.apportion(values, overlaps, [True, False])
    rates = [v for *_rest, v in parts]
    assert min(rates) - 1e-9 <= result.estimates[0, 1] <= max(rates) + 1e-9
    assert 0 <= result.estimates[0, 0] <= sum(rates) + 1e-9


# --- the boundary of a custom area ---------------------------------------------------------------

SQUARE = [[4.90, 52.37], [4.91, 52.37], [4.91, 52.38], [4.90, 52.38], [4.90, 52.37]]


def test_a_polygon_as_geometry_feature_or_collection_in_wgs84_or_rd():
    polygon = {"type": "Polygon", "coordinates": [SQUARE]}
    assert area_polygon(polygon) == polygon
    assert area_polygon({"type": "Feature", "properties": {}, "geometry": polygon}) == polygon
    collection = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": polygon}]}
    assert area_polygon(json.dumps(collection).encode("utf-8-sig")) == polygon
    multi = {"type": "MultiPolygon", "coordinates": [[SQUARE]]}
    assert area_polygon(multi)["type"] == "MultiPolygon"
    # RD New, named in the crs member (old GeoJSON) or inferred from the coordinates
    rd = [[121000, 487000], [122000, 487000], [122000, 488000], [121000, 488000], [121000, 487000]]
    named = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}},
        "features": [{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [rd]}}],
    }
    for given_shape in (named, {"type": "Polygon", "coordinates": [rd]}):
        result = area_polygon(given_shape)
        lon, lat = zip(*result["coordinates"][0], strict=True)
        assert 4.8 < min(lon) < max(lon) < 4.95 and 52.3 < min(lat) < max(lat) < 52.4


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Lege geometrie"),
        ("{", "Geen geldige GeoJSON"),
        ({"type": "Polygon", "coordinates": []}, "Lege geometrie"),
        ({"type": "Feature", "geometry": None}, "Lege geometrie"),
        ({"type": "FeatureCollection", "features": []}, "precies één feature"),
        ({"type": "Point", "coordinates": [4.9, 52.37]}, "Polygon of MultiPolygon, geen Point"),
        (
            {
                "type": "Polygon",
                "coordinates": [[[4.90, 52.37], [4.91, 52.38], [4.91, 52.37], [4.90, 52.38], [4.90, 52.37]]],
            },
            "de rand snijdt zichzelf",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [SQUARE],
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
            },
            "EPSG:3857 wordt niet ondersteund",
        ),
        (
            {"type": "Polygon", "coordinates": [[[500000, 0], [600000, 0], [600000, 9], [500000, 0]]]},
            "RD New of WGS84",
        ),
        (
            {"type": "Polygon", "coordinates": [[[13.4, 52.5], [13.5, 52.5], [13.5, 52.6], [13.4, 52.5]]]},
            "buiten Nederland",
        ),
    ],
)
def test_a_wrong_boundary_is_refused_in_dutch(value, message):
    with pytest.raises(GeometryError, match=message):
        area_polygon(value)
