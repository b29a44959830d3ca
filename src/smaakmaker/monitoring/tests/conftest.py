# SPDX-License-Identifier: EUPL-1.2
"""Fixtures for monitoring: a small panel of real CBS data (Amsterdam Nieuw-West buurten, 2017–2024).

The bundled files are cut down to the buurten of stadsdeel Nieuw-West (2022 codes ``BU0363F…`` and their
pre-2022 codes) and imported through the areas importers, so the panel, the crosswalk and the polygons are
real but the import takes seconds instead of a minute.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

FILES = [
    ("kwb_2017_amsterdam_full_83765NED.csv", 2017, "83765NED"),
    ("kwb_2019_amsterdam_full_84583NED.csv", 2019, "84583NED"),
    ("kwb_2020_amsterdam.csv", 2020, "84799NED"),
    ("kwb_2023_income_amsterdam.csv", 2023, "85618NED"),
    ("kwb_2024_amsterdam.csv", 2024, "85984NED"),
]
REGISTER = "buurten_amsterdam_2015_2022_geometrie_rd.csv"
BUURT_RE = re.compile(r"BU\d{4}\w{4}")
PREFIX = "BU0363F"


def _subset(source: Path, target: Path, keep: set[str]) -> None:
    lines = source.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    out = [lines[0]]
    for line in lines[1:]:
        codes = BUURT_RE.findall(line)
        if not codes or any(code in keep for code in codes):
            out.append(line)
    target.write_text("".join(out), encoding="utf-8")


def load_nieuw_west(directory: Path) -> set[str]:
    from django.conf import settings

    from smaakmaker.areas import services

    data = Path(settings.PROJECT_DIR) / "data" / "cbs" / "amsterdam"
    with (data / REGISTER).open(encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["BUURTCODE_CBS_2022"].startswith(PREFIX)]
    keep = {r["BUURTCODE_CBS_2022"] for r in rows} | {r["BUURTCODE_CBS_2015"] for r in rows}
    with (data / REGISTER).open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        with (directory / REGISTER).open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=reader.fieldnames)
            writer.writeheader()
            writer.writerows(rows)
    services.amsterdam_buurten_import(path=directory / REGISTER)
    for name, year, table in FILES:
        _subset(data / name, directory / name, keep)
        services.cbs_csv_import(path=directory / name, year=year, table_id=table)
    return keep


@pytest.fixture(scope="package")
def nieuw_west(django_db_setup, django_db_blocker, tmp_path_factory):
    """Real CBS data of the Nieuw-West buurten, loaded once for the monitoring tests (outside test
    transactions) and removed when they are done, so other domains' tests start from empty areas."""
    from smaakmaker.areas.tests.support import remove_all_area_data

    with django_db_blocker.unblock():
        codes = load_nieuw_west(tmp_path_factory.mktemp("nieuw_west"))
    yield codes
    with django_db_blocker.unblock():
        remove_all_area_data()
