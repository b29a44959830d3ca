# SPDX-License-Identifier: EUPL-1.2
"""Load Kerncijfers wijken en buurten tables from the CBS open-data API (OData v3), Django-free.

The API serves a table's ``TypedDataSet`` as JSON in pages of at most 10,000 rows; each page links to
the next with ``odata.nextLink``. Column names are the OData keys (``AantalInwoners_5``), which the CSV
parser already understands, so a fetched table is written as CSV text and parsed by
:func:`~smaakmaker.areas.sources.cbs_csv.parse_cbs_text`: one code path for files and the API.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import Any

import requests

from .cbs_csv import CbsTable, parse_cbs_text

BASE_URL = "https://opendata.cbs.nl/ODataApi/odata"

#: Kerncijfers wijken en buurten: table id → year (classification year of its areas).
KWB_TABLES: dict[str, int] = {
    "83765NED": 2017,
    "84286NED": 2018,
    "84583NED": 2019,
    "84799NED": 2020,
    "85039NED": 2021,
    "85318NED": 2022,
    "85618NED": 2023,
    "85984NED": 2024,
}

TIMEOUT_S = 60


class CbsApiError(RuntimeError):
    """The CBS API could not be read; the Dutch message says what and where."""


def _get(session: requests.Session, url: str, params: dict[str, str] | None) -> dict[str, Any]:
    try:
        response = session.get(url, params=params, timeout=TIMEOUT_S)
    except requests.RequestException as exc:
        raise CbsApiError(f"CBS-API niet bereikbaar ({url}): {exc}") from exc
    if response.status_code != 200:
        raise CbsApiError(f"CBS-API antwoordde {response.status_code} op {response.url}")
    try:
        return response.json()
    except ValueError as exc:
        raise CbsApiError(f"CBS-API gaf geen JSON terug op {response.url}") from exc


def iter_typed_dataset(
    table_id: str,
    *,
    region_prefix: str | None = None,
    session: requests.Session | None = None,
    base_url: str = BASE_URL,
    progress: Callable[[int], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield the rows of ``table_id``'s TypedDataSet, following ``odata.nextLink`` pages.

    ``region_prefix`` (e.g. ``"GM0363"``'s number ``"0363"``) keeps only rows whose code contains that
    gemeente number at the gemeente position (filtered here, so it works for every table).
    """
    if table_id not in KWB_TABLES:
        raise CbsApiError(f"Onbekende KWB-tabel {table_id}; bekend: {', '.join(KWB_TABLES)}")
    session = session or requests.Session()
    url: str | None = f"{base_url}/{table_id}/TypedDataSet"
    params: dict[str, str] | None = {"$format": "json"}
    seen = 0
    while url:
        page = _get(session, url, params)
        rows = page.get("value")
        if not isinstance(rows, list):
            raise CbsApiError(f"Onverwacht antwoord van de CBS-API voor {table_id}: veld 'value' ontbreekt")
        for row in rows:
            seen += 1
            if region_prefix is None or _in_gemeente(row, region_prefix):
                yield row
        if progress is not None:
            progress(seen)
        url = page.get("odata.nextLink")
        params = None  # the next link carries its own query


def _in_gemeente(row: dict[str, Any], number: str) -> bool:
    code = str(row.get("Codering_3") or row.get("WijkenEnBuurten") or "").strip().upper()
    return code[2:6] == number


def rows_to_csv_text(rows: list[dict[str, Any]]) -> str:
    """OData rows → semicolon CSV text with the OData keys as header (nulls become empty = missing)."""
    if not rows:
        raise CbsApiError("De CBS-API gaf geen rijen terug.")
    header = [key for key in rows[0] if not key.startswith("odata.")]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if row.get(key) is None else row.get(key) for key in header])
    return buffer.getvalue()


def fetch_kwb_table(
    table_id: str,
    *,
    gemeente: str | None = None,
    session: requests.Session | None = None,
    base_url: str = BASE_URL,
    progress: Callable[[int], None] | None = None,
) -> tuple[CbsTable, str]:
    """Fetch and parse one KWB table (optionally one gemeente: ``GM0363``); returns the table and its CSV text."""
    number = gemeente.strip().upper()[2:6] if gemeente else None
    rows = list(
        iter_typed_dataset(
            table_id, region_prefix=number, session=session, base_url=base_url, progress=progress
        )
    )
    text = rows_to_csv_text(rows)
    table = parse_cbs_text(text, path=f"CBS OData {table_id}", year=KWB_TABLES[table_id], table_id=table_id)
    return table, text
