# SPDX-License-Identifier: EUPL-1.2
"""Which polygon each of many points lies in: shapely 2 ``STRtree``, vectorised. No Django here.

Used to assign addresses to the buurt (and so wijk and gemeente) of every year whose boundaries are
loaded. A point on the shared edge of two buurten, or in two overlapping polygons, goes to the first
polygon in the index's order (the order of the codes given), and is counted as ambiguous.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyproj
import shapely

_RD_TO_WGS84 = None


def rd_to_wgs84(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """RD New (EPSG:28992) → WGS84 longitude, latitude, vectorised (NaN stays NaN)."""
    global _RD_TO_WGS84
    if _RD_TO_WGS84 is None:
        _RD_TO_WGS84 = pyproj.Transformer.from_crs(28992, 4326, always_xy=True)
    lon, lat = _RD_TO_WGS84.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon), np.asarray(lat)


def polygon_from_geojson(geometry: dict) -> shapely.Geometry:
    """A (Multi)Polygon from a GeoJSON mapping through numpy arrays: many times faster than
    ``shapely.from_geojson`` (GEOS's reader) or ``shapely.geometry.shape`` on large polygons."""
    kind = geometry.get("type")
    if kind == "Polygon":
        parts = [geometry["coordinates"]]
    elif kind == "MultiPolygon":
        parts = geometry["coordinates"]
    else:
        return shapely.from_geojson(json.dumps(geometry))
    polygons = []
    for rings in parts:
        arrays = [np.asarray(ring, dtype=float)[:, :2] for ring in rings]
        if not arrays or len(arrays[0]) < 4:
            continue
        polygons.append(shapely.Polygon(arrays[0], [a for a in arrays[1:] if len(a) >= 4]))
    if not polygons:
        return shapely.from_wkt("POLYGON EMPTY")
    return polygons[0] if kind == "Polygon" else shapely.multipolygons(polygons)


_TYPE = re.compile(r'"type"\s*:\s*"(\w+)"')


def polygon_from_geojson_text(text: str) -> shapely.Geometry:
    """A 2D (Multi)Polygon from GeoJSON text (z dropped), parsing the coordinates with numpy (C) rather
    than as Python floats and lists; anything else (other types, a "bbox") goes through ``json``."""
    kinds = _TYPE.findall(text)
    flat = text.replace(" ", "").replace("\n", "")
    if len(kinds) != 1 or kinds[0] not in ("Polygon", "MultiPolygon") or '"bbox"' in flat:
        return polygon_from_geojson(json.loads(text))
    start = flat.index('"coordinates":') + len('"coordinates":')
    depth = 4 if kinds[0] == "MultiPolygon" else 3
    end = flat.index("]" * depth, start) + depth
    body = flat[start + depth - 1 : end - depth + 1]  # polygons → rings → "x,y],[x,y"
    polygons = []
    for part in body.split("]]],[[[") if depth == 4 else [body]:
        rings = []
        for ring in part.split("]],[["):
            dimension = ring.split("],[", 1)[0].count(",") + 1  # 2, or 3 with z
            values = np.fromstring(ring.replace("],[", ",").strip("[]"), sep=",")
            if dimension not in (2, 3) or len(values) % dimension:
                return polygon_from_geojson(json.loads(text))
            rings.append(values.reshape(-1, dimension)[:, :2])
        if len(rings[0]) >= 4:
            polygons.append(shapely.Polygon(rings[0], [r for r in rings[1:] if len(r) >= 4]))
    if not polygons:
        return shapely.from_wkt("POLYGON EMPTY")
    return polygons[0] if depth == 3 else shapely.multipolygons(polygons)


@dataclass
class Assignment:
    #: per point: the index of its polygon, -1 for none
    index: np.ndarray
    #: per point: True when it lies in more than one polygon (or on a shared edge)
    ambiguous: np.ndarray


class PolygonIndex:
    """Polygons (shapely geometries in the points' coordinate system) with their codes."""

    def __init__(self, codes: Sequence[str], geometries: Sequence[shapely.Geometry]):
        if len(codes) != len(geometries):
            raise ValueError("codes and geometries differ in length")
        self.codes = list(codes)
        self.geometries = np.asarray(geometries, dtype=object)
        shapely.prepare(self.geometries)
        self.tree = shapely.STRtree(self.geometries)

    def __len__(self) -> int:
        return len(self.codes)

    def assign(self, lon: np.ndarray, lat: np.ndarray) -> Assignment:
        lon = np.asarray(lon, dtype=float)
        lat = np.asarray(lat, dtype=float)
        count = len(lon)
        index = np.full(count, -1, dtype=np.int64)
        ambiguous = np.zeros(count, dtype=bool)
        valid = np.isfinite(lon) & np.isfinite(lat)
        if not valid.any() or not self.codes:
            return Assignment(index, ambiguous)
        positions = np.flatnonzero(valid)
        points = shapely.points(lon[valid], lat[valid])
        point_hits, polygon_hits = self.tree.query(points, predicate="intersects")
        if len(point_hits):
            # The first polygon (lowest index) of each point.
            first = np.full(len(positions), len(self.codes), dtype=np.int64)
            np.minimum.at(first, point_hits, polygon_hits)
            found = first < len(self.codes)
            index[positions[found]] = first[found]
            hits_per_point = np.bincount(point_hits, minlength=len(positions))
            ambiguous[positions] = hits_per_point > 1
        return Assignment(index, ambiguous)

    def pairs(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (point, polygon) with the point inside or on the edge of the polygon, as two arrays of
        positions: for polygons that may overlap (custom areas), where a point may lie in several."""
        lon = np.asarray(lon, dtype=float)
        lat = np.asarray(lat, dtype=float)
        valid = np.isfinite(lon) & np.isfinite(lat)
        if not valid.any() or not self.codes:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        positions = np.flatnonzero(valid)
        point_hits, polygon_hits = self.tree.query(
            shapely.points(lon[valid], lat[valid]), predicate="intersects"
        )
        return positions[point_hits], polygon_hits.astype(np.int64)
