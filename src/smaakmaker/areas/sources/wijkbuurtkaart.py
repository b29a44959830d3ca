# SPDX-License-Identifier: EUPL-1.2
"""Read the CBS *Wijk- en buurtkaart* of one year: GeoPackage or GeoJSON, any gemeente (Django-free).

Layout as CBS and PDOK publish it (``wijkenbuurten_<jaar>.gpkg``, for 2021 and later, e.g.
``https://service.pdok.nl/cbs/wijkenbuurten/2023/atom/downloads/wijkenbuurten_2023_v1.gpkg``):

* three feature layers ``gemeenten``, ``wijken`` and ``buurten`` in RD New (EPSG:28992), MultiPolygons;
* codes and names: ``buurtcode``/``buurtnaam`` (buurten), ``wijkcode``/``wijknaam`` (wijken),
  ``gemeentecode``/``gemeentenaam`` (all three); the parent codes are on each child row (a buurt
  carries ``wijkcode`` and ``gemeentecode``, a wijk ``gemeentecode``);
* ``water``: ``NEE`` land, ``JA`` water, ``B`` for the one row "Buitenland" (skipped here);
  a gemeente can have both a land row and a water row under the same code (their shapes are joined);
* ``jaar`` and ``jrstatcode`` (``2023BU00140000``) name the year; the statistics columns
  (``aantal_inwoners`` …, ``-99997`` = secret) are not read here: the Kerncijfers come from StatLine.

Older editions (the shapefiles up to 2020, the PDOK WFS layers ``cbs_buurten_2018`` …) use CBS's short
column names ``BU_CODE``/``BU_NAAM``, ``WK_CODE``/``WK_NAAM``, ``GM_CODE``/``GM_NAAM``, ``WATER``;
those are accepted too (column names are matched without regard to case), as are ``statcode``/
``statnaam`` (CBS gebiedsindelingen). A GeoJSON file holds one level (a FeatureCollection; RD New
or WGS84, from its ``crs`` member or the coordinates); its level follows from the codes.

Every problem raises :class:`WijkBuurtkaartError` naming file, layer, feature and field; nothing is
returned half.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from smaakmaker.areas.sources.geometry import GeometryError, parse_geometry, to_wgs84
from smaakmaker.areas.sources.geopackage import GeoPackageError, gpkg_wkb, open_geopackage
from smaakmaker.common.codes import InvalidCodeError, area_code

LEVELS = ("gemeente", "wijk", "buurt")
#: candidate layer names per level: CBS/PDOK GeoPackage, PDOK WFS (``cbs_buurten_2018``), shapefile names
_LAYER = {
    "gemeente": re.compile(r"^(cbs_)?(gemeenten|gemeente|gem)(_\d{4}.*)?$", re.IGNORECASE),
    "wijk": re.compile(r"^(cbs_)?(wijken|wijk)(_\d{4}.*)?$", re.IGNORECASE),
    "buurt": re.compile(r"^(cbs_)?(buurten|buurt)(_\d{4}.*)?$", re.IGNORECASE),
}
#: field → accepted column names, first match wins (compared in lower case)
_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "buurt": {
        "code": ("buurtcode", "bu_code", "statcode"),
        "name": ("buurtnaam", "bu_naam", "statnaam"),
        "wijk": ("wijkcode", "wk_code"),
        "gemeente": ("gemeentecode", "gm_code"),
    },
    "wijk": {
        "code": ("wijkcode", "wk_code", "statcode"),
        "name": ("wijknaam", "wk_naam", "statnaam"),
        "gemeente": ("gemeentecode", "gm_code"),
    },
    "gemeente": {
        "code": ("gemeentecode", "gm_code", "statcode"),
        "name": ("gemeentenaam", "gm_naam", "statnaam"),
    },
}
_WATER = ("water", "h2o")
_YEAR = ("jaar",)
_JRSTATCODE = ("jrstatcode",)
_FILE_YEAR = re.compile(r"(?<!\d)(20\d{2}|19\d{2})(?!\d)")
_PREFIX = {"GM": "gemeente", "WK": "wijk", "BU": "buurt"}


class WijkBuurtkaartError(ValueError):
    """The file cannot be imported; the Dutch message names file, layer, feature and field."""


@dataclass
class Boundary:
    level: str
    code: str
    name: str
    gemeente_code: str
    wijk_code: str
    water: bool
    #: WGS84, valid, rounded to 6 decimals
    geometry: BaseGeometry


@dataclass
class BoundarySet:
    source: str
    year: int
    boundaries: list[Boundary] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def of_level(self, level: str) -> list[Boundary]:
        return [b for b in self.boundaries if b.level == level]

    def counts(self) -> dict[str, int]:
        return {level: len(self.of_level(level)) for level in LEVELS}


Progress = Callable[[str, int, int], None]


def _noop(description: str, done: int, total: int) -> None:
    return None


def _pick(columns: Iterable[str], candidates: tuple[str, ...]) -> str | None:
    lower = {c.lower(): c for c in columns}
    return next((lower[c] for c in candidates if c in lower), None)


def _year_from_name(name: str) -> int | None:
    found = _FILE_YEAR.findall(name)
    return int(found[0]) if len(found) == 1 else None


class _Builder:
    """Turns raw rows into :class:`Boundary` objects, with the checks and the error text."""

    def __init__(self, source: str, year: int | None, gemeenten: set[str] | None):
        self.source = source
        self.year = year
        self.gemeenten = gemeenten
        self.out: list[Boundary] = []
        self.skipped_abroad = 0
        self.water = 0
        self.duplicates: dict[tuple[str, str], int] = {}

    def where(self, layer: str, number: int, code: str = "", column: str = "") -> str:
        text = f"'{self.source}'"
        if layer:
            text += f", laag {layer}"
        text += f", feature {number}"
        if code:
            text += f" ({code})"
        if column:
            text += f", veld {column}"
        return text

    def add(
        self,
        *,
        level: str | None,
        layer: str,
        number: int,
        values: Mapping[str, Any],
        columns: Mapping[str, str | None],
        geometry: Any,
        srid: int | None,
    ) -> None:
        code_column = columns["code"]
        raw_code = str(values.get(code_column) or "").strip() if code_column else ""
        water_value = str(values.get(columns["water"]) or "").strip().upper() if columns["water"] else ""
        if water_value == "B":  # "Buitenland": not an area of the Netherlands
            self.skipped_abroad += 1
            return
        try:
            code = area_code(raw_code)
        except InvalidCodeError as exc:
            raise WijkBuurtkaartError(
                f"{self.where(layer, number, raw_code, code_column or '')}: {exc}"
            ) from None
        found_level = _PREFIX.get(code[:2])
        if found_level is None or (level is not None and found_level != level):
            raise WijkBuurtkaartError(
                f"{self.where(layer, number, code, code_column or '')}: code {code} hoort niet in een laag "
                f"met {level or 'gemeenten, wijken of buurten'}."
            )
        level = found_level
        gemeente = "GM" + code[2:6]
        wijk = "WK" + code[2:8] if level == "buurt" else ""
        for key, implied in (("gemeente", gemeente), ("wijk", wijk)):
            column = columns.get(key)
            given = str(values.get(column) or "").strip().upper() if column else ""
            if given and implied and given != implied:
                raise WijkBuurtkaartError(
                    f"{self.where(layer, number, code, column or '')}: {given} past niet bij code {code} "
                    f"(verwacht {implied})."
                )
        if self.gemeenten is not None and gemeente not in self.gemeenten:
            return
        if columns.get("year") and values.get(columns["year"]) not in (None, ""):
            self._check_year(str(values[columns["year"]]), layer, number, code, columns["year"])
        if columns.get("jrstatcode") and values.get(columns["jrstatcode"]):
            self._check_year(
                str(values[columns["jrstatcode"]])[:4], layer, number, code, columns["jrstatcode"]
            )
        if geometry is None:
            raise WijkBuurtkaartError(f"{self.where(layer, number, code, 'geometrie')}: geen geometrie.")
        try:
            shape = to_wgs84(geometry, srid, repair=True)
        except GeometryError as exc:
            raise WijkBuurtkaartError(f"{self.where(layer, number, code, 'geometrie')}: {exc}") from None
        if shape.geom_type not in ("Polygon", "MultiPolygon"):
            shape = shapely.make_valid(shapely.union_all(shapely.get_parts(shape)))
            if shape.geom_type not in ("Polygon", "MultiPolygon"):
                raise WijkBuurtkaartError(
                    f"{self.where(layer, number, code, 'geometrie')}: een vlak verwacht, geen {shape.geom_type}."
                )
        water = water_value == "JA"
        self.water += int(water)
        name_column = columns["name"]
        name = str(values.get(name_column) or "").strip() if name_column else ""
        self.out.append(
            Boundary(level, code, name, gemeente if level != "gemeente" else code, wijk, water, shape)
        )

    def _check_year(self, value: str, layer: str, number: int, code: str, column: str) -> None:
        try:
            year = int(float(value))
        except ValueError:
            raise WijkBuurtkaartError(
                f"{self.where(layer, number, code, column)}: geen jaartal: {value!r}."
            ) from None
        if self.year is None:
            self.year = year
        elif year != self.year:
            raise WijkBuurtkaartError(
                f"{self.where(layer, number, code, column)}: jaar {year}, maar het bestand is van {self.year}."
            )

    def finish(self) -> BoundarySet:
        if self.year is None:
            raise WijkBuurtkaartError(
                f"'{self.source}': het jaar staat niet in het bestand (kolom jaar of jrstatcode) en niet in "
                "de naam; geef het jaar op."
            )
        # One area per code: a gemeente's land row and water row become one shape.
        merged: dict[str, Boundary] = {}
        joined = 0
        for boundary in self.out:
            earlier = merged.get(boundary.code)
            if earlier is None:
                merged[boundary.code] = boundary
                continue
            joined += 1
            land, other = (earlier, boundary) if not earlier.water else (boundary, earlier)
            shape = shapely.make_valid(shapely.union_all([land.geometry, other.geometry]))
            merged[boundary.code] = Boundary(
                land.level,
                land.code,
                land.name or other.name,
                land.gemeente_code,
                land.wijk_code,
                land.water and other.water,
                shape,
            )
        result = BoundarySet(self.source, self.year, list(merged.values()))
        counts = result.counts()
        result.notes.append(
            f"{self.source} ({self.year}): {counts['gemeente']} gemeenten, {counts['wijk']} wijken, "
            f"{counts['buurt']} buurten."
        )
        if self.water:
            result.notes.append(f"Waterdelen (water = JA): {self.water}; ze zijn als gebied ingelezen.")
        if joined:
            result.notes.append(f"Land- en waterdeel onder één code samengevoegd: {joined}.")
        if self.skipped_abroad:
            result.notes.append(f"Overgeslagen: {self.skipped_abroad} rij(en) 'Buitenland' (water = B).")
        return result


def _columns(level: str, names: Iterable[str]) -> dict[str, str | None]:
    names = list(names)
    spec = _FIELDS[level]
    return {
        "code": _pick(names, spec["code"]),
        "name": _pick(names, spec["name"]),
        "wijk": _pick(names, spec.get("wijk", ())),
        "gemeente": _pick(names, spec.get("gemeente", ())),
        "water": _pick(names, _WATER),
        "year": _pick(names, _YEAR),
        "jrstatcode": _pick(names, _JRSTATCODE),
    }


def read_geopackage(
    path: str | Path,
    *,
    year: int | None = None,
    gemeenten: set[str] | None = None,
    progress: Progress = _noop,
) -> BoundarySet:
    path = Path(path)
    try:
        db, layers = open_geopackage(path)
    except GeoPackageError as exc:
        raise WijkBuurtkaartError(str(exc)) from None
    try:
        chosen: dict[str, str] = {}
        for level in LEVELS:
            matches = [name for name in layers if _LAYER[level].match(name)]
            if len(matches) > 1:
                raise WijkBuurtkaartError(
                    f"'{path.name}': meer dan één laag voor {level}: {', '.join(sorted(matches))}."
                )
            if matches:
                chosen[level] = matches[0]
        if not chosen:
            found = ", ".join(sorted(layers)) or "geen"
            raise WijkBuurtkaartError(
                f"'{path.name}': geen laag gemeenten, wijken of buurten gevonden (lagen: {found})."
            )
        builder = _Builder(path.name, year if year is not None else _year_from_name(path.stem), gemeenten)
        if year is not None:
            builder.year = year
        for level, name in chosen.items():
            layer = layers[name]
            columns = _columns(level, layer.columns)
            if columns["code"] is None:
                wanted = " of ".join(_FIELDS[level]["code"])
                raise WijkBuurtkaartError(f"'{path.name}', laag {name}: kolom {wanted} ontbreekt.")
            if layer.srs_id not in (28992, 4326):
                raise WijkBuurtkaartError(
                    f"'{path.name}', laag {name}: coördinatenstelsel {layer.srs_id}; verwacht RD New (28992)."
                )
            selected = [c for c in dict.fromkeys(columns.values()) if c]
            quoted = ", ".join(f'"{c}"' for c in [*selected, layer.geometry_column])
            total = db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # noqa: S608 - checked layer name
            rows = db.execute(f'SELECT {quoted} FROM "{name}"')  # noqa: S608 - checked layer and column names
            for number, row in enumerate(rows, start=1):
                values = dict(zip(selected, row[:-1], strict=True))
                wkb = gpkg_wkb(row[-1])
                try:
                    geometry = shapely.from_wkb(wkb) if wkb else None
                except shapely.errors.GEOSException as exc:
                    code = values.get(columns["code"]) or ""
                    raise WijkBuurtkaartError(
                        f"{builder.where(name, number, str(code), layer.geometry_column)}: WKB onleesbaar: {exc}"
                    ) from None
                builder.add(
                    level=level,
                    layer=name,
                    number=number,
                    values=values,
                    columns=columns,
                    geometry=geometry,
                    srid=layer.srs_id,
                )
                if number % 500 == 0 or number == total:
                    progress(f"Grenzen: {name}", number, total)
    finally:
        db.close()
    return builder.finish()


def read_geojson(
    path: str | Path,
    *,
    year: int | None = None,
    gemeenten: set[str] | None = None,
    progress: Progress = _noop,
) -> BoundarySet:
    path = Path(path)
    try:
        collection = json.loads(path.read_bytes())
    except json.JSONDecodeError as exc:
        raise WijkBuurtkaartError(
            f"'{path.name}': geen geldige JSON (regel {exc.lineno}, kolom {exc.colno})."
        ) from None
    except UnicodeDecodeError as exc:
        raise WijkBuurtkaartError(f"'{path.name}': geen UTF-8 ({exc.reason}).") from None
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list):
        raise WijkBuurtkaartError(
            f"'{path.name}': geen GeoJSON FeatureCollection (veld 'features' ontbreekt)."
        )
    crs_holder = {"type": "Feature", "crs": collection.get("crs")} if collection.get("crs") else None
    builder = _Builder(path.name, year if year is not None else _year_from_name(path.stem), gemeenten)
    names = set()
    for feature in features:
        if isinstance(feature, dict) and isinstance(feature.get("properties"), dict):
            names.update(feature["properties"])
    # The level comes from the most specific code column present.
    level = next(
        (lvl for lvl in ("buurt", "wijk", "gemeente") if _pick(names, _FIELDS[lvl]["code"][:2])), None
    )
    columns = _columns(level or "gemeente", names)
    if columns["code"] is None:
        raise WijkBuurtkaartError(
            f"'{path.name}': geen codekolom (buurtcode, wijkcode, gemeentecode, BU_CODE, WK_CODE, GM_CODE of "
            "statcode)."
        )
    srid = None
    if crs_holder:
        try:
            _shape, srid = parse_geometry(
                {**crs_holder, "geometry": {"type": "Point", "coordinates": [0, 0]}}
            )
        except GeometryError:
            srid = None
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            raise WijkBuurtkaartError(f"{builder.where('', number)}: geen GeoJSON-feature.")
        properties = feature.get("properties") or {}
        builder.add(
            level=level,
            layer="",
            number=number,
            values=properties,
            columns=columns,
            geometry=feature.get("geometry"),
            srid=srid,
        )
        if number % 500 == 0 or number == len(features):
            progress("Grenzen", number, len(features))
    return builder.finish()


def read_boundaries(
    path: str | Path,
    *,
    year: int | None = None,
    gemeenten: Iterable[str] = (),
    progress: Progress = _noop,
) -> BoundarySet:
    """A Wijk- en buurtkaart (``.gpkg``) or one of its layers as GeoJSON (``.geojson``/``.json``)."""
    path = Path(path)
    wanted = {"GM" + g.upper().removeprefix("GM").zfill(4) for g in gemeenten} or None
    if path.suffix.lower() == ".gpkg":
        return read_geopackage(path, year=year, gemeenten=wanted, progress=progress)
    if path.suffix.lower() in (".geojson", ".json"):
        return read_geojson(path, year=year, gemeenten=wanted, progress=progress)
    raise WijkBuurtkaartError(f"'{path.name}': kies een GeoPackage (.gpkg) of GeoJSON (.geojson).")
