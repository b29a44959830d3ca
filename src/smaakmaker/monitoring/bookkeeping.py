# SPDX-License-Identifier: EUPL-1.2
"""Bookkeeping of what was done: counts per area and period by flavour, instrument and status (pure).

Input are three small frames without any personal data (see ``selectors.bookkeeping_frames``):

* ``interventions``: one row per plan intervention: ``area_code, area_name, date, flavour, instrument,
  status, outflow, care``;
* ``cases``: one row per case of the register: ``area_code, date, address`` (an opaque integer, only
  used to count distinct addresses; it never leaves this module);
* ``decisions``: one row per recorded decision: ``area_code, date, flavour``.

The output holds counts only, as :class:`~.suppression.Cell` objects, suppressed below 10 when asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from smaakmaker.monitoring.suppression import Cell, cell, suppress_group

FLAVOURS = ("zoet", "zuur", "zout", "bitter")
FLAVOUR_LABELS = {"zoet": "Zoet", "zuur": "Zuur", "zout": "Zout", "bitter": "Bitter", "": "Zonder smaak"}
STATUSES = ("concept", "gepland", "lopend", "afgerond", "gestopt")
STATUS_LABELS = {
    "concept": "Concept",
    "gepland": "Gepland",
    "lopend": "Lopend",
    "afgerond": "Afgerond",
    "gestopt": "Gestopt",
}
UNPLANNED = "niet ingepland"

INTERVENTION_COLUMNS = [
    "area_code",
    "area_name",
    "date",
    "flavour",
    "instrument",
    "status",
    "outflow",
    "care",
]
CASE_COLUMNS = ["area_code", "date", "address"]
DECISION_COLUMNS = ["area_code", "date", "flavour"]


def period_of(dates: pd.Series, granularity: str) -> pd.Series:
    """``2024`` or ``2024-K2`` per date; missing dates become "niet ingepland"."""
    parsed = pd.to_datetime(dates, errors="coerce")
    if granularity == "quarter":
        labels = (
            parsed.dt.year.astype("Int64").astype(str) + "-K" + parsed.dt.quarter.astype("Int64").astype(str)
        )
    else:
        labels = parsed.dt.year.astype("Int64").astype(str)
    return labels.where(parsed.notna(), UNPLANNED)


def in_area(codes: pd.Series, area_code: str | None) -> pd.Series:
    """Rows whose area lies in ``area_code`` (a buurt, its wijk or its gemeente: by CBS code body)."""
    if not area_code:
        return pd.Series(True, index=codes.index)
    body = area_code[2:]
    return codes.fillna("").str[2:].str.startswith(body)


@dataclass
class Row:
    label: str
    cells: list[Cell]
    total: Cell
    note: str = ""


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)


@dataclass
class Bookkeeping:
    area_code: str | None
    granularity: str
    suppressed: bool
    headline: list[tuple[str, Cell]]
    tables: list[Table]
    periods: list[str]

    @property
    def empty(self) -> bool:
        return all(not table.rows for table in self.tables)


def _cross(frame: pd.DataFrame, row_key: str, col_key: str, columns: list[str], labels: dict, suppress: bool):
    rows = []
    if frame.empty:
        return rows
    counts = frame.groupby([row_key, col_key]).size()
    for key in sorted(frame[row_key].unique(), key=lambda k: (k == UNPLANNED, str(k))):
        values = [int(counts.get((key, c), 0)) for c in columns]
        cells, total = suppress_group(values, suppress=suppress)
        rows.append(Row(labels.get(key, str(key)), cells, total))
    return rows


def bookkeeping_build(
    *,
    interventions: pd.DataFrame,
    cases: pd.DataFrame,
    decisions: pd.DataFrame,
    area_code: str | None = None,
    granularity: str = "year",
    period: str | None = None,
    suppress: bool = True,
) -> Bookkeeping:
    """Aggregate the three frames for one area (or all) and, optionally, one period."""
    iv = interventions[in_area(interventions["area_code"], area_code)].copy()
    cs = cases[in_area(cases["area_code"], area_code)].copy()
    ds = decisions[in_area(decisions["area_code"], area_code)].copy()
    for frame in (iv, cs, ds):
        frame["period"] = period_of(frame["date"], granularity) if len(frame) else pd.Series(dtype=str)
    periods = sorted(
        set(iv["period"]) | set(cs["period"]) | set(ds["period"]), key=lambda p: (p == UNPLANNED, p)
    )
    if period:
        iv, cs, ds = iv[iv["period"] == period], cs[cs["period"] == period], ds[ds["period"] == period]
    done = iv[iv["status"].isin(["lopend", "afgerond"])]
    headline = [
        ("adressen besproken", cell(int(cs["address"].nunique()), suppress=suppress)),
        ("interventies ingezet (lopend of afgerond)", cell(len(done), suppress=suppress)),
        (
            "uitstroom (afgerond)",
            cell(int((iv["outflow"] & (iv["status"] == "afgerond")).sum()), suppress=suppress),
        ),
        ("zorgtrajecten (lopend of afgerond)", cell(int(done["care"].sum()), suppress=suppress)),
        ("besluiten vastgelegd", cell(len(ds), suppress=suppress)),
    ]
    status_labels = [STATUS_LABELS[s] for s in STATUSES]
    tables = [
        Table(
            "Interventies per smaak en status",
            status_labels,
            _cross(iv, "flavour", "status", list(STATUSES), FLAVOUR_LABELS, suppress),
        ),
        Table(
            "Interventies per instrument en status",
            status_labels,
            _cross(iv, "instrument", "status", list(STATUSES), {}, suppress),
        ),
        Table(
            "Interventies per periode en smaak",
            [FLAVOUR_LABELS[f] for f in FLAVOURS],
            _cross(iv, "period", "flavour", list(FLAVOURS), {}, suppress),
        ),
        Table(
            "Besluiten per periode en smaak",
            [FLAVOUR_LABELS[f] for f in (*FLAVOURS, "")],
            _cross(ds.fillna({"flavour": ""}), "period", "flavour", [*FLAVOURS, ""], {}, suppress),
        ),
    ]
    addresses = []
    if len(cs):
        per_period = cs.groupby("period")["address"].nunique()
        for key, value in per_period.items():
            addresses.append(Row(str(key), [], cell(int(value), suppress=suppress)))
    tables.append(Table("Adressen besproken per periode", [], addresses))
    return Bookkeeping(area_code, granularity, suppress, headline, tables, periods)
