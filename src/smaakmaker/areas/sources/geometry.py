# SPDX-License-Identifier: EUPL-1.2
"""Area geometry: GeoJSON, WKT and EWKT in RD New (EPSG:28992) or WGS84 → WGS84 GeoJSON (Django-free).

CBS and municipal registers publish boundaries in Rijksdriehoeksstelsel (RD New, EPSG:28992, metres);
maps and the API use WGS84 longitude/latitude (EPSG:4326, GeoJSON axis order ``[lon, lat]``).

* :func:`parse_geometry` reads WKT, EWKT (``SRID=28992;POLYGON ((…))``), a GeoJSON geometry (text or
  dict), a GeoJSON Feature, or a shapely geometry, and returns ``(geometry, srid)``.
* :func:`to_wgs84_geojson` transforms to WGS84 with pyproj, rounds to 6 decimals (~0.1 m) and returns a
  GeoJSON geometry dict. Validity is checked before and after rounding (:class:`GeometryError`, Dutch
  message) unless ``repair=True``; the result must lie in the Netherlands (with a margin).
* :func:`rd_to_wgs84` transforms coordinate arrays; :func:`wkt_series_to_geojson` does a whole column
  at once with shapely's vectorised functions.

When no SRID is given it is inferred from the coordinates: all within lon/lat bounds → WGS84,
within the RD New bounds → RD New; anything else is an error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

RD_NEW = 28992
WGS84 = 4326
#: Bounds of RD New's area of use (metres), generous.
RD_BOUNDS = (-8000.0, 280000.0, 310000.0, 640000.0)
#: Netherlands incl. territorial waters, lon/lat, with a margin.
NL_BOUNDS_WGS84 = (2.9, 50.6, 7.4, 53.8)
PRECISION = 6
_EWKT = re.compile(r"^\s*SRID=(\d+)\s*;\s*(.+)$", re.IGNORECASE | re.DOTALL)
_ALLOWED_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}


class GeometryError(ValueError):
    """Invalid or unsupported geometry; the message is Dutch."""


@lru_cache(maxsize=8)
def _transformer(source: int, target: int) -> Transformer:
    return Transformer.from_crs(f"EPSG:{source}", f"EPSG:{target}", always_xy=True)


def rd_to_wgs84(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """RD New ``x, y`` (metres, scalars or arrays) → WGS84 ``lon, lat`` (degrees)."""
    lon, lat = _transformer(RD_NEW, WGS84).transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon), np.asarray(lat)


def wgs84_to_rd(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 ``lon, lat`` → RD New ``x, y`` (metres)."""
    x, y = _transformer(WGS84, RD_NEW).transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def _srid_from_geojson(obj: Mapping[str, Any]) -> int | None:
    crs = obj.get("crs")
    if not isinstance(crs, Mapping):
        return None
    name = str(crs.get("properties", {}).get("name", ""))
    match = re.search(r"(?:EPSG:{1,2}|EPSG::)(\d+)", name)
    if match:
        return int(match.group(1))
    if "CRS84" in name:
        return WGS84
    return None


def parse_geometry(value: Any, srid: int | None = None) -> tuple[BaseGeometry, int | None]:
    """Read WKT / EWKT / GeoJSON (str or dict, geometry or Feature) / shapely; return (geometry, srid).

    The returned srid is the explicit one, else the one in the EWKT prefix or GeoJSON ``crs`` member,
    else ``None`` (to be inferred). Raises :class:`GeometryError` for unreadable input.
    """
    found: int | None = None
    if isinstance(value, BaseGeometry):
        geom = value
    elif isinstance(value, Mapping):
        obj = dict(value)
        if obj.get("type") == "Feature":
            found = _srid_from_geojson(obj)
            obj = obj.get("geometry") or {}
        found = _srid_from_geojson(obj) or found
        if obj.get("type") not in _ALLOWED_TYPES:
            raise GeometryError(f"Geometrietype {obj.get('type')!r} wordt niet ondersteund.")
        try:
            geom = shape(obj)
        except Exception as exc:  # shapely raises several types
            raise GeometryError(f"GeoJSON-geometrie onleesbaar: {exc}") from None
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            raise GeometryError("Lege geometrie.")
        if text.startswith("{"):
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                raise GeometryError(f"GeoJSON onleesbaar: {exc.msg} (positie {exc.pos + 1}).") from None
            return parse_geometry(obj, srid)
        match = _EWKT.match(text)
        if match:
            found = int(match.group(1))
            text = match.group(2)
        try:
            geom = shapely.from_wkt(text)
        except shapely.errors.GEOSException as exc:
            raise GeometryError(f"WKT onleesbaar: {exc}") from None
    else:
        raise GeometryError(f"Onbekend geometrieformaat: {type(value).__name__}.")
    if geom is None or geom.is_empty:
        raise GeometryError("Lege geometrie.")
    if geom.geom_type not in _ALLOWED_TYPES:
        raise GeometryError(f"Geometrietype {geom.geom_type} wordt niet ondersteund.")
    if srid is not None and found is not None and srid != found:
        raise GeometryError(f"Opgegeven SRID {srid} verschilt van SRID {found} in de geometrie.")
    return geom, srid if srid is not None else found


def infer_srid(geom: BaseGeometry) -> int:
    """Guess WGS84 or RD New from the coordinate ranges; raise :class:`GeometryError` otherwise."""
    minx, miny, maxx, maxy = geom.bounds
    if minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90:
        return WGS84
    x0, y0, x1, y1 = RD_BOUNDS
    if x0 <= minx and maxx <= x1 and y0 <= miny and maxy <= y1:
        return RD_NEW
    raise GeometryError(
        f"Coördinaten ({minx:.0f}, {miny:.0f}) – ({maxx:.0f}, {maxy:.0f}) passen niet bij RD New of WGS84; "
        "geef de SRID op."
    )


def _check_valid(geom: BaseGeometry, stage: str) -> None:
    if not geom.is_valid:
        raise GeometryError(f"Ongeldige geometrie ({stage}): {explain_validity(geom)}.")


def to_wgs84(
    value: Any, srid: int | None = None, *, repair: bool = False, precision: int = PRECISION
) -> BaseGeometry:
    """Parse, check, transform to WGS84 and round; see :func:`to_wgs84_geojson`."""
    geom, found = parse_geometry(value, srid)
    source = found if found is not None else infer_srid(geom)
    if source not in (RD_NEW, WGS84):
        raise GeometryError(f"SRID {source} wordt niet ondersteund; gebruik RD New (28992) of WGS84 (4326).")
    if not geom.is_valid:
        if not repair:
            _check_valid(geom, "bron")
        geom = shapely.make_valid(geom)
    if source == RD_NEW:
        transformer = _transformer(RD_NEW, WGS84)
        geom = shapely.transform(geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
    geom = shapely.transform(geom, lambda xy: np.round(xy, precision))
    if not geom.is_valid:
        if not repair:
            _check_valid(geom, f"na afronden op {precision} decimalen")
        geom = shapely.make_valid(geom)
    minx, miny, maxx, maxy = geom.bounds
    bx0, by0, bx1, by1 = NL_BOUNDS_WGS84
    if not (bx0 <= minx and maxx <= bx1 and by0 <= miny and maxy <= by1):
        raise GeometryError(
            f"Geometrie ligt buiten Nederland (lengte {minx:.4f}–{maxx:.4f}, breedte {miny:.4f}–{maxy:.4f}); "
            "klopt de SRID?"
        )
    return geom


def to_wgs84_geojson(
    value: Any, srid: int | None = None, *, repair: bool = False, precision: int = PRECISION
) -> dict[str, Any]:
    """Any supported geometry input (RD New or WGS84) → WGS84 GeoJSON geometry dict, ``[lon, lat]``.

    Coordinates are rounded to ``precision`` decimals (6 ≈ 0.1 m). Invalid geometries raise
    :class:`GeometryError` unless ``repair=True`` (then ``shapely.make_valid`` is applied).
    """
    geom = to_wgs84(value, srid, repair=repair, precision=precision)
    return _plain(mapping(geom))


def _plain(obj: Any) -> Any:
    """Tuples → lists so the GeoJSON dict is JSON-identical after a round trip."""
    if isinstance(obj, Mapping):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    return obj


def wkt_series_to_geojson(
    values: Sequence[str], srid: int | None = RD_NEW, *, precision: int = PRECISION
) -> list[dict[str, Any]]:
    """Vectorised: many WKT/EWKT strings in one SRID → WGS84 GeoJSON dicts (one pyproj call).

    Invalid geometries raise :class:`GeometryError` naming the 1-based position of the first one.
    """
    texts = np.asarray([_EWKT.sub(r"\2", str(v)) for v in values], dtype=object)
    geoms = shapely.from_wkt(texts, on_invalid="raise")
    empty = shapely.is_empty(geoms) | shapely.is_missing(geoms)
    if empty.any():
        raise GeometryError(f"Lege geometrie op positie {int(np.flatnonzero(empty)[0]) + 1}.")
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        pos = int(np.flatnonzero(invalid)[0])
        raise GeometryError(f"Ongeldige geometrie op positie {pos + 1}: {explain_validity(geoms[pos])}.")
    if srid == RD_NEW:
        transformer = _transformer(RD_NEW, WGS84)
        geoms = shapely.transform(
            geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
        )
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, precision))
    return [json.loads(s) for s in shapely.to_geojson(geoms)]


_VALIDITY_NL = (
    ("Ring Self-intersection", "een ring van de rand snijdt zichzelf"),
    ("Self-intersection", "de rand snijdt zichzelf"),
    ("Too few points", "te weinig hoekpunten"),
    ("Hole lies outside shell", "een gat ligt buiten de rand"),
    ("Nested holes", "een gat ligt in een ander gat"),
    ("Interior is disconnected", "de binnenkant valt in delen uiteen"),
    ("Nested shells", "een deel ligt in een ander deel"),
    ("Invalid Coordinate", "een coördinaat is geen getal"),
)


def _validity_nl(geom: BaseGeometry) -> str:
    reason = explain_validity(geom)
    place = re.search(r"\[([^\]]+)\]", reason)
    where = f" (bij {place.group(1).strip()})" if place else ""
    for english, dutch in _VALIDITY_NL:
        if reason.startswith(english):
            return dutch + where
    return reason


def area_polygon(value: Any) -> dict[str, Any]:
    """The boundary of a custom area as WGS84 GeoJSON: a Polygon or MultiPolygon, given as a geometry,
    a Feature or a FeatureCollection with exactly one feature (text or mapping), in WGS84 or RD New
    (EPSG:28992; by its ``crs`` member or inferred from the coordinates).

    Raises :class:`GeometryError` with a Dutch message for anything else: unreadable JSON, another
    geometry type, an empty or invalid polygon (a self-intersecting edge), another coordinate system,
    a polygon outside the Netherlands. Never repairs: a drawn shape that is wrong is drawn again."""
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise GeometryError("Het bestand is geen tekst (UTF-8); een GeoJSON-bestand is tekst.") from None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise GeometryError("Lege geometrie: er is geen vorm getekend of opgegeven.")
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise GeometryError(
                f"Geen geldige GeoJSON: {exc.msg} (regel {exc.lineno}, kolom {exc.colno})."
            ) from None
    if not isinstance(value, Mapping):
        raise GeometryError(
            "Geen GeoJSON-object: verwacht een Polygon, MultiPolygon, Feature of FeatureCollection."
        )
    obj = dict(value)
    crs = obj.get("crs")
    if obj.get("type") == "FeatureCollection":
        features = obj.get("features")
        if not isinstance(features, list) or len(features) != 1:
            count = len(features) if isinstance(features, list) else 0
            raise GeometryError(
                f"De FeatureCollection moet precies één feature bevatten (er zijn er {count})."
            )
        obj = features[0] if isinstance(features[0], Mapping) else {}
    if obj.get("type") == "Feature":
        crs = obj.get("crs") or crs
        obj = obj.get("geometry") or {}
        if not isinstance(obj, Mapping):
            obj = {}
    obj = dict(obj)
    if crs and "crs" not in obj:
        obj["crs"] = crs
    kind = obj.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        if not kind:
            raise GeometryError("Lege geometrie: het feature heeft geen geometrie.")
        raise GeometryError(f"Een gebied is een Polygon of MultiPolygon, geen {kind}.")
    if not obj.get("coordinates"):
        raise GeometryError("Lege geometrie: de polygoon heeft geen coördinaten.")
    geom, srid = parse_geometry(obj)
    if srid is not None and srid not in (RD_NEW, WGS84):
        raise GeometryError(
            f"Coördinatenstelsel EPSG:{srid} wordt niet ondersteund; gebruik WGS84 (EPSG:4326) of "
            "RD New (EPSG:28992)."
        )
    if geom.is_empty:
        raise GeometryError("Lege geometrie: de polygoon heeft geen coördinaten.")
    if not geom.is_valid:
        raise GeometryError(f"Ongeldige polygoon: {_validity_nl(geom)}. Teken of maak de rand opnieuw.")
    if geom.area == 0:
        raise GeometryError("Lege geometrie: de polygoon heeft geen oppervlakte.")
    try:
        result = to_wgs84(geom, srid)
    except GeometryError as exc:
        if "afronden" in str(exc):
            raise GeometryError(
                "Ongeldige polygoon: na afronden op 0,1 m snijdt de rand zichzelf. Teken de rand ruimer."
            ) from None
        raise
    if result.area == 0:
        raise GeometryError("Lege geometrie: de polygoon heeft geen oppervlakte.")
    return _plain(mapping(result))
