# SPDX-License-Identifier: EUPL-1.2
"""The bundled Groningen 2017 files as a gemeente's user would have them: the Wijk- en buurtkaart 2017
layers as GeoJSON (written from the bundled attribute tables with their WKT geometry, WGS84, CBS's short
column names, as the PDOK WFS layers of those years publish them), the Kerncijfers as the CSV itself."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import shapely

DATA = Path(__file__).resolve().parents[4] / "data"
BUURTEN_CSV = DATA / "cbs" / "groningen" / "buurt_2017_groningen_wkt_wgs84.csv"
WIJKEN_CSV = DATA / "cbs" / "groningen" / "wijk_2017_groningen_wkt_wgs84.csv"
BAG_CSV = DATA / "bag" / "groningen" / "verblijfsobjecten_onderwijs_groningen_2017_rd.csv"


def geojson_from_csv(source: Path, target: Path) -> Path:
    """A FeatureCollection with the code and name columns of ``source`` and its WKT geometry."""
    keep = ("BU_CODE", "BU_NAAM", "WK_CODE", "WK_NAAM", "GM_CODE", "GM_NAAM", "WATER")
    features = []
    with source.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            geometry = shapely.from_wkt(row["geometry"])
            features.append(
                {
                    "type": "Feature",
                    "properties": {k: row[k] for k in keep if k in row},
                    "geometry": json.loads(shapely.to_geojson(geometry)),
                }
            )
    target.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return target
