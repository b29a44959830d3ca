# SPDX-License-Identifier: EUPL-1.2
"""Write a GeoPackage in the layout of CBS's *Wijk- en buurtkaart* (``wijkenbuurten_<jaar>.gpkg`` as
PDOK serves it, 2021 and later) for tests: feature layers ``gemeenten``, ``wijken`` and ``buurten``
in RD New (EPSG:28992), MultiPolygon geometry column ``geom``, and the identification, metadata and
a few statistics columns under CBS's names (``buurtcode``, ``jrstatcode``, ``buurtnaam``, ``wijkcode``,
``gemeentecode``, ``gemeentenaam``, ``indelingswijziging_wijken_en_buurten``, ``water``,
``meest_voorkomende_postcode``, ``dekkingspercentage``, ``aantal_inwoners``, …, ``jaar``; secret values
are ``-99997``). The standard library's sqlite3 writes it: the GeoPackage tables, the binary header
(``GP``, version 0, little-endian, xy envelope) and WKB from shapely.
"""

from __future__ import annotations

import csv
import sqlite3
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from smaakmaker.areas.sources.geometry import wgs84_to_rd

RD_WKT = 'PROJCS["Amersfoort / RD New",GEOGCS["Amersfoort"],AUTHORITY["EPSG","28992"]]'
_STATISTICS = ("aantal_inwoners", "mannen", "vrouwen", "aantal_huishoudens")
_COLUMNS = {
    "buurten": ("buurtcode", "jrstatcode", "buurtnaam", "wijkcode", "gemeentecode", "gemeentenaam"),
    "wijken": ("wijkcode", "jrstatcode", "wijknaam", "gemeentecode", "gemeentenaam"),
    "gemeenten": ("gemeentecode", "jrstatcode", "gemeentenaam"),
}
_TAIL = (
    "indelingswijziging_wijken_en_buurten",
    "water",
    "meest_voorkomende_postcode",
    "dekkingspercentage",
    *_STATISTICS,
    "jaar",
)


@dataclass
class Feature:
    code: str
    name: str
    geometry: shapely.Geometry  # RD New
    water: str = "NEE"
    gemeente_name: str = ""
    values: dict = field(default_factory=dict)


def gpkg_blob(geometry: shapely.Geometry, srs_id: int = 28992) -> bytes:
    """GeoPackage binary: header with an xy envelope (flags 0b0000_0011: little-endian, envelope 1)."""
    minx, miny, maxx, maxy = geometry.bounds
    header = b"GP" + bytes([0, 0b0000_0011]) + struct.pack("<i", srs_id)
    return header + struct.pack("<4d", minx, maxx, miny, maxy) + shapely.to_wkb(geometry, byte_order=1)


def write_wijkbuurtkaart(path: Path, year: int, layers: dict[str, list[Feature]]) -> Path:
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
            organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL,
            description TEXT);
        CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT,
            description TEXT DEFAULT '', last_change DATETIME, min_x DOUBLE, min_y DOUBLE, max_x DOUBLE,
            max_y DOUBLE, srs_id INTEGER);
        CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
            geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL);
        """
    )
    db.execute(
        "INSERT INTO gpkg_spatial_ref_sys VALUES ('Amersfoort / RD New', 28992, 'EPSG', 28992, ?, '')",
        [RD_WKT],
    )
    for layer, features in layers.items():
        columns = (*_COLUMNS[layer], *_TAIL)
        definitions = ", ".join(
            f'"{c}" INTEGER' if c in (*_STATISTICS, "jaar", "dekkingspercentage") else f'"{c}" TEXT'
            for c in columns
        )
        db.execute(
            f'CREATE TABLE "{layer}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom MULTIPOLYGON, {definitions})'
        )
        bounds = shapely.total_bounds([f.geometry for f in features]) if features else (0, 0, 0, 0)
        db.execute(
            "INSERT INTO gpkg_contents VALUES (?, 'features', ?, '', '2024-01-01T00:00:00Z', ?, ?, ?, ?, 28992)",
            [layer, layer, *map(float, bounds)],
        )
        db.execute(
            "INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'MULTIPOLYGON', 28992, 0, 0)", [layer]
        )
        for feature in features:
            code = feature.code
            geometry = feature.geometry
            if geometry.geom_type == "Polygon":
                geometry = shapely.multipolygons([geometry])
            ident = {
                "buurten": (code, f"{year}{code}", feature.name, "WK" + code[2:8], "GM" + code[2:6]),
                "wijken": (code, f"{year}{code}", feature.name, "GM" + code[2:6]),
                "gemeenten": (code, f"{year}{code}", feature.name),
            }[layer]
            if layer != "gemeenten":
                ident = (*ident, feature.gemeente_name)
            tail = (
                "1",
                feature.water,
                feature.values.get("meest_voorkomende_postcode", "9711"),
                feature.values.get("dekkingspercentage", 1),
                *(feature.values.get(c, -99997) for c in _STATISTICS),
                year,
            )
            marks = ", ".join(["?"] * (len(columns) + 1))
            quoted = ", ".join(f'"{c}"' for c in ("geom", *columns))
            db.execute(
                f'INSERT INTO "{layer}" ({quoted}) VALUES ({marks})', [gpkg_blob(geometry), *ident, *tail]
            )
    db.commit()
    db.close()
    return path


def square(x: float, y: float, width: float = 500.0, height: float = 500.0) -> shapely.Geometry:
    """A rectangle in RD New (metres), for synthetic buurten."""
    return shapely.box(x, y, x + width, y + height)


def _to_rd(geometry: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geometry, lambda xy: np.column_stack(wgs84_to_rd(xy[:, 0], xy[:, 1])))


def groningen_2017_layers(data_dir: Path) -> dict[str, list[Feature]]:
    """The bundled Groningen 2017 wijken and buurten (CBS Wijk- en buurtkaart 2017, WGS84 WKT) back in
    RD New, with the gemeente as the union of its wijken and the one "Buitenland" row CBS adds."""
    layers: dict[str, list[Feature]] = {"gemeenten": [], "wijken": [], "buurten": []}
    for name, key, layer in (("wijk", "WK", "wijken"), ("buurt", "BU", "buurten")):
        with (data_dir / "groningen" / f"{name}_2017_groningen_wkt_wgs84.csv").open(
            encoding="utf-8"
        ) as handle:
            for row in csv.DictReader(handle):
                layers[layer].append(
                    Feature(
                        code=row[f"{key}_CODE"],
                        name=row[f"{key}_NAAM"],
                        geometry=_to_rd(shapely.from_wkt(row["geometry"])),
                        water=row["WATER"],
                        gemeente_name=row["GM_NAAM"],
                        values={"aantal_inwoners": int(row["AANT_INW"])},
                    )
                )
    union = shapely.union_all([f.geometry for f in layers["wijken"]])
    layers["gemeenten"].append(Feature("GM0014", "Groningen", union))
    layers["gemeenten"].append(Feature("GM0998", "Buitenland", shapely.box(0, 0, 1000, 1000), water="B"))
    return layers
