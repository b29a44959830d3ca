# SPDX-License-Identifier: EUPL-1.2
"""The real open data shipped in ``data/`` and how to load it (``smaakmaker areas laad-gebundeld``).

CBS files lie in ``data/cbs/``; Amsterdam's Basisbestand Gebieden (gebieden and stadsdelen, long series)
in ``data/bbga_amsterdam/``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from smaakmaker.areas import services


@dataclass(frozen=True)
class BundledFile:
    path: str
    loader: str
    year: int | None = None
    table_id: str | None = None
    note: str = ""


BUNDLED: tuple[BundledFile, ...] = (
    BundledFile(
        "nl/kwb_2021_gemeente_indicatoren.csv", "cbs_csv", 2021, "85039NED", "alle gemeenten, indeling 2021"
    ),
    BundledFile(
        "nl/gemeenten_2022_gegeneraliseerd.geojson",
        "gemeente_geojson",
        2022,
        None,
        "gemeentegrenzen 2022 (PDOK/CBS)",
    ),
    BundledFile("amsterdam/kwb_2017_amsterdam_full_83765NED.csv", "cbs_csv", 2017, "83765NED"),
    BundledFile("amsterdam/kwb_2019_amsterdam_full_84583NED.csv", "cbs_csv", 2019, "84583NED"),
    BundledFile("amsterdam/kwb_2020_amsterdam.csv", "cbs_csv", 2020, "84799NED"),
    BundledFile(
        "amsterdam/kwb_2023_income_amsterdam.csv", "cbs_csv", 2023, "85618NED", "inkomenscijfers 2023"
    ),
    BundledFile(
        "amsterdam/kwb_2024_amsterdam.csv",
        "cbs_csv",
        2024,
        "85984NED",
        "eerste KWB-2024-release; inkomen overgenomen uit 2023 door de bron",
    ),
    BundledFile("amsterdam/ses_woa_2019_amsterdam_85163NED.csv", "cbs_csv", 2019, "85163NED"),
    BundledFile("amsterdam/nabijheid_voorzieningen_2020_amsterdam.csv", "cbs_csv", 2020, None),
    BundledFile("amsterdam/nabijheid_voorzieningen_2024_amsterdam.csv", "cbs_csv", 2024, None),
    BundledFile(
        "amsterdam/buurten_amsterdam_2015_2022_geometrie_rd.csv",
        "amsterdam_buurten",
        None,
        None,
        "buurtregister Gemeente Amsterdam met codes 2015→2022 en polygonen",
    ),
    BundledFile("groningen/wijk_2017_groningen_wkt_wgs84.csv", "cbs_wkt_csv", 2017, "83765NED"),
    BundledFile("groningen/buurt_2017_groningen_wkt_wgs84.csv", "cbs_wkt_csv", 2017, "83765NED"),
    BundledFile(
        "bbga_amsterdam",
        "bbga",
        None,
        None,
        "Basisbestand Gebieden Amsterdam (OIS), stand eind 2018: 22 gebieden en 7 stadsdelen, 2002-2018",
    ),
)


def data_dir() -> Path:
    return Path(settings.PROJECT_DIR) / "data" / "cbs"


def bbga_dir() -> Path:
    return Path(settings.PROJECT_DIR) / "data" / "bbga_amsterdam"


def bundled_load(*, progress: Callable[[str, int, int], None] | None = None, actor=None) -> list:
    """Load every bundled file; files imported before are skipped (idempotent)."""
    report = progress or (lambda description, done, total: None)
    batches = []
    for item in BUNDLED:
        path = bbga_dir() if item.loader == "bbga" else data_dir() / item.path
        if item.loader == "cbs_csv":
            batch = services.cbs_csv_import(
                path=path, year=item.year, table_id=item.table_id, actor=actor, progress=report
            )
        elif item.loader == "gemeente_geojson":
            batch = services.gemeente_geojson_import(
                path=path, year=item.year or 2022, actor=actor, progress=report
            )
        elif item.loader == "amsterdam_buurten":
            batch = services.amsterdam_buurten_import(path=path, actor=actor, progress=report)
        elif item.loader == "bbga":
            batch = services.bbga_import(directory=path, actor=actor, progress=report)
        elif item.loader == "cbs_wkt_csv":
            batch = services.cbs_wkt_csv_import(path=path, actor=actor, progress=report)
        else:  # pragma: no cover - the table above is fixed
            raise ValueError(item.loader)
        batches.append(batch)
    return batches
