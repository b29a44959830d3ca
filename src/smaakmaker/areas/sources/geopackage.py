# SPDX-License-Identifier: EUPL-1.2
"""Reading an OGC GeoPackage with the standard library's sqlite3 (Django-free).

A GeoPackage is an SQLite database: ``gpkg_contents`` lists the layers (``data_type = 'features'``),
``gpkg_geometry_columns`` names each layer's geometry column and its ``srs_id``. A geometry value is
the GeoPackage binary header (``GP``, version, flags, srs_id, an optional envelope) followed by
standard or ISO WKB, which shapely reads. Used by the Wijk- en buurtkaart import and the PDOK BAG
GeoPackage import.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

#: bytes of the envelope for envelope indicator 0..4 (none, xy, xyz, xym, xyzm)
_ENVELOPE_BYTES = (0, 32, 48, 48, 64)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)


class GeoPackageError(ValueError):
    """Not a (usable) GeoPackage; the Dutch message names the file."""


def gpkg_wkb(blob: bytes | None) -> bytes | None:
    """The WKB inside a GeoPackage geometry blob; ``None`` for NULL, an empty geometry or a foreign blob."""
    if not blob or blob[:2] != b"GP":
        return None
    flags = blob[3]
    if flags & 0b10000:  # empty geometry
        return None
    envelope = (flags >> 1) & 0b111
    if envelope >= len(_ENVELOPE_BYTES):
        return None
    return bytes(blob[8 + _ENVELOPE_BYTES[envelope] :])


@dataclass(frozen=True)
class Layer:
    name: str
    geometry_column: str
    srs_id: int
    columns: tuple[str, ...]


def open_geopackage(path: str | Path) -> tuple[sqlite3.Connection, dict[str, Layer]]:
    """Open read-only; return the connection and its feature layers by name (checked identifiers)."""
    path = Path(path)
    if not path.exists():
        raise GeoPackageError(f"'{path}' bestaat niet.")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        rows = list(
            db.execute(
                "SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c "
                "JOIN gpkg_geometry_columns g ON g.table_name = c.table_name"
            )
        )
    except sqlite3.DatabaseError as exc:
        raise GeoPackageError(f"'{path.name}' is geen GeoPackage ({exc}).") from exc
    layers: dict[str, Layer] = {}
    for table, column, srs_id in rows:
        if not (_NAME.fullmatch(str(table)) and _NAME.fullmatch(str(column))):
            continue  # a name we will not put into SQL
        columns = tuple(str(row[1]) for row in db.execute(f'PRAGMA table_info("{table}")'))
        layers[str(table)] = Layer(str(table), str(column), int(srs_id), columns)
    return db, layers
