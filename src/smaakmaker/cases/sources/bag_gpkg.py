# SPDX-License-Identifier: EUPL-1.2
"""Read addresses from the PDOK BAG GeoPackage (``bag-light.gpkg``) with the standard library's sqlite3.
No Django here.

Layout (PDOK "BAG light", current state only, no history): tables ``verblijfsobject``,
``ligplaats`` and ``standplaats`` each carry the address of their hoofdadres flattened onto the row
(``identificatie``, ``status``, ``openbare_ruimte_naam``, ``huisnummer``, ``huisletter``,
``toevoeging``, ``postcode``, ``woonplaats_naam``, ``nummeraanduiding_hoofdadres_identificatie``,
``bronhouder_identificatie`` = the gemeente; ``verblijfsobject`` also ``gebruiksdoel``, comma-separated)
and a geometry in RD New (point, or polygon for ligplaats/standplaats) in the column that
``gpkg_geometry_columns`` names. There is no nummeraanduiding or openbare-ruimte table, so
nevenadressen are not in this product. The columns are checked before reading; a missing one is an
error that names it.
"""

from __future__ import annotations

import math
import re
import sqlite3
import struct
from collections.abc import Iterator
from pathlib import Path

import shapely

from smaakmaker.areas.sources.geopackage import gpkg_wkb
from smaakmaker.cases.sources.lvbag import WITHDRAWN_STATUSES, AddressRecord

TABLES = {"verblijfsobject": "VBO", "ligplaats": "LIG", "standplaats": "STA"}
REQUIRED = (
    "identificatie",
    "status",
    "openbare_ruimte_naam",
    "huisnummer",
    "huisletter",
    "toevoeging",
    "postcode",
    "woonplaats_naam",
    "nummeraanduiding_hoofdadres_identificatie",
)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)


class GeoPackageError(ValueError):
    pass


def gpkg_point(blob: bytes | None) -> tuple[float, float]:
    """The point (or the centroid of a polygon) of a GeoPackage geometry blob: ``GP`` header, then WKB."""
    wkb = gpkg_wkb(blob)
    if not wkb:
        return math.nan, math.nan
    order = "<" if wkb[0] == 1 else ">"
    kind = struct.unpack(order + "I", wkb[1:5])[0]
    if kind in (1, 1001, 0x80000001, 0x20000001):  # 2D/3D point, no SRID prefix
        return struct.unpack(order + "dd", wkb[5:21])
    geometry = shapely.from_wkb(wkb)
    if geometry is None or geometry.is_empty:
        return math.nan, math.nan
    centroid = shapely.centroid(geometry)
    return centroid.x, centroid.y


class GeoPackage:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.exists():
            raise GeoPackageError(f"'{self.path}' bestaat niet.")
        try:
            self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            tables = {row[0] for row in self.db.execute("SELECT table_name FROM gpkg_contents")}
        except sqlite3.DatabaseError as exc:
            raise GeoPackageError(f"'{self.path.name}' is geen GeoPackage ({exc}).") from exc
        self.tables = [t for t in TABLES if t in tables]
        if "verblijfsobject" not in self.tables:
            raise GeoPackageError(
                f"'{self.path.name}': de tabel verblijfsobject ontbreekt; is dit bag-light.gpkg?"
            )
        self.geometry_column: dict[str, str] = dict(
            self.db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns")
        )
        for table in self.tables:
            columns = {row[1] for row in self.db.execute(f'PRAGMA table_info("{table}")')}
            missing = [c for c in REQUIRED if c not in columns]
            if missing:
                raise GeoPackageError(
                    f"'{self.path.name}', tabel {table}: kolom(men) ontbreken: {', '.join(missing)}."
                )
            if not _NAME.fullmatch(self.geometry_column.get(table, "")):
                raise GeoPackageError(f"'{self.path.name}', tabel {table}: geen (bruikbare) geometriekolom.")
        self._no_address = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.db.close()

    def warnings(self) -> list[str]:
        out = ["De GeoPackage bevat alleen hoofdadressen; nevenadressen staan alleen in het BAG-extract."]
        if self._no_address:
            out.append(f"Objecten zonder hoofdadres of huisnummer (overgeslagen): {self._no_address}")
        return out

    def addresses(self, *, gemeenten: set[str] | None = None) -> Iterator[AddressRecord]:
        for table in self.tables:
            kind = TABLES[table]
            columns = {row[1] for row in self.db.execute(f'PRAGMA table_info("{table}")')}
            uses = "gebruiksdoel" if "gebruiksdoel" in columns else "''"
            gemeente = "bronhouder_identificatie" if "bronhouder_identificatie" in columns else "''"
            geometry = self.geometry_column[table]
            # Table names are constants; the geometry column's name was checked in __init__.
            selected = (
                "identificatie, nummeraanduiding_hoofdadres_identificatie, openbare_ruimte_naam, huisnummer, "
                f'huisletter, toevoeging, postcode, woonplaats_naam, {uses}, status, {gemeente}, "{geometry}"'
            )
            sql = f'SELECT {selected} FROM "{table}"'  # noqa: S608
            for row in self.db.execute(sql):
                ident, nid, street, number, letter, addition, postcode, city, use, status, gem, blob = row
                if not nid or number is None:
                    self._no_address += 1
                    continue
                nid = str(nid).zfill(16)
                gem = str(gem or nid[:4]).zfill(4)
                if gemeenten and gem not in gemeenten:
                    continue
                x, y = gpkg_point(blob)
                yield AddressRecord(
                    nummeraanduiding_id=nid,
                    object_id=str(ident).zfill(16),
                    object_type=kind,
                    street=street or "",
                    house_number=int(number),
                    house_letter=letter or "",
                    addition=addition or "",
                    postcode=(postcode or "").replace(" ", "").upper(),
                    city=city or "",
                    gebruiksdoelen=",".join(sorted(u for u in (use or "").split(",") if u)),
                    status=status or "",
                    withdrawn=(status or "") in WITHDRAWN_STATUSES,
                    x=float(x),
                    y=float(y),
                    gemeente_code=gem,
                )
