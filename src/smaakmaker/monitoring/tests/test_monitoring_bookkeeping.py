# SPDX-License-Identifier: EUPL-1.2
"""Small-cell suppression and the bookkeeping aggregation on own fixture frames (no database)."""

from __future__ import annotations

from datetime import date

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from smaakmaker.monitoring import bookkeeping
from smaakmaker.monitoring.suppression import cell, suppress_group


def test_small_counts_are_suppressed_zero_and_large_are_not():
    assert cell(0, suppress=True).display == "0"
    assert cell(9, suppress=True).display == "< 10"
    assert cell(9, suppress=True).value is None
    assert cell(10, suppress=True).display == "10"
    assert cell(1100, suppress=True).display == "1.100"
    assert cell(3, suppress=False).display == "3"


def test_secondary_suppression_protects_a_lone_small_cell_next_to_its_total():
    cells, total = suppress_group([3, 40, 25, 0], suppress=True)
    assert [c.display for c in cells] == ["< 10", "40", "< 10", "0"]
    assert total.display == "68"


@given(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=6))
def test_no_small_cell_can_be_recovered_from_the_total(values):
    cells, total = suppress_group(values, suppress=True)
    hidden = [v for v, c in zip(values, cells, strict=True) if c.suppressed]
    assert all(c.suppressed for v, c in zip(values, cells, strict=True) if 0 < v < 10)
    # With a visible total, never exactly one hidden non-zero cell (it would follow by subtraction).
    if not total.suppressed:
        assert len(hidden) != 1


def _frames():
    interventions = pd.DataFrame(
        [
            ("BU0363FD04", "Dobbebuurt", date(2024, 2, 1), "zout", "Huisbezoek", "afgerond", False, True)
            for _ in range(12)
        ]
        + [("BU0363FD04", "Dobbebuurt", date(2024, 5, 1), "zuur", "Ontbinding", "afgerond", True, False)] * 3
        + [("BU0363FD04", "Dobbebuurt", None, "zoet", "Schoon heel veilig", "concept", False, False)]
        + [("BU0363AE01", "Kop Zeedijk", date(2024, 5, 1), "bitter", "Screening", "lopend", False, False)]
        * 20,
        columns=bookkeeping.INTERVENTION_COLUMNS,
    )
    cases = pd.DataFrame(
        [("BU0363FD04", pd.Timestamp(2024, 1, 5), i % 11) for i in range(30)],
        columns=bookkeeping.CASE_COLUMNS,
    )
    decisions = pd.DataFrame(
        [("BU0363FD04", date(2024, 3, 1), "zuur")] * 4, columns=bookkeeping.DECISION_COLUMNS
    )
    return interventions, cases, decisions


def test_bookkeeping_counts_per_area_with_and_without_suppression():
    interventions, cases, decisions = _frames()
    exact = bookkeeping.bookkeeping_build(
        interventions=interventions, cases=cases, decisions=decisions, area_code="BU0363FD04", suppress=False
    )
    headline = {label: c.display for label, c in exact.headline}
    assert headline["adressen besproken"] == "11"  # distinct addresses, not cases
    assert headline["uitstroom (afgerond)"] == "3"
    assert headline["zorgtrajecten (lopend of afgerond)"] == "12"
    assert headline["interventies ingezet (lopend of afgerond)"] == "15"  # the other buurt is not counted
    assert exact.periods == ["2024", bookkeeping.UNPLANNED]
    suppressed = bookkeeping.bookkeeping_build(
        interventions=interventions, cases=cases, decisions=decisions, area_code="BU0363FD04", suppress=True
    )
    headline = {label: c.display for label, c in suppressed.headline}
    assert headline["uitstroom (afgerond)"] == "< 10"
    assert headline["besluiten vastgelegd"] == "< 10"
    assert headline["zorgtrajecten (lopend of afgerond)"] == "12"
    flavour_table = suppressed.tables[0]
    zuur = next(r for r in flavour_table.rows if r.label == "Zuur")
    assert zuur.total.display == "< 10"


def test_bookkeeping_by_quarter_and_for_a_whole_gemeente():
    interventions, cases, decisions = _frames()
    data = bookkeeping.bookkeeping_build(
        interventions=interventions,
        cases=cases,
        decisions=decisions,
        area_code="GM0363",
        granularity="quarter",
        suppress=False,
    )
    assert "2024-K1" in data.periods and "2024-K2" in data.periods
    headline = {label: c.display for label, c in data.headline}
    assert headline["interventies ingezet (lopend of afgerond)"] == "35"
