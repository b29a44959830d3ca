# SPDX-License-Identifier: EUPL-1.2
"""Dutch number formats outside templates (no database, no Django settings)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from smaakmaker.common.charts import Bar, Series, bar_chart, line_chart
from smaakmaker.common.numbers import axis_ticks, nl_number, nl_year


def test_decimal_comma_and_thousands_dot():
    assert nl_number(22.5) == "22,5"
    assert nl_number(6.24) == "6,24"
    assert nl_number(0.455, 3) == "0,455"
    assert nl_number(1234.5, 1) == "1.234,5"
    assert nl_number(12345.0) == "12.345"
    assert nl_number(-1.58) == "−1,58"
    assert nl_number(-0.0001, 2) == "0"[:0] + "0,00"
    assert nl_number(None) == "–"
    assert nl_number(float("nan")) == "–"
    assert nl_number(100, 0) == "100"
    assert nl_year(2020.0) == "2020"


@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.integers(min_value=0, max_value=4))
def test_reads_back_as_the_same_number(value, decimals):
    text = nl_number(value, decimals)
    assert re.fullmatch(r"−?\d{1,3}(\.\d{3})*(,\d+)?", text), text
    back = float(text.replace("−", "-").replace(".", "").replace(",", "."))
    assert abs(back - value) <= 0.5 * 10**-decimals + 1e-9 * abs(value)


def test_axis_ticks_are_told_apart():
    ticks, decimals = axis_ticks(6.1, 6.3)
    labels = [nl_number(t, decimals) for t in ticks]
    assert len(set(labels)) == 5
    assert labels[0] == "6,10"


def test_charts_write_dutch_numbers():
    svg = line_chart([Series("a", [(2019, 22.5), (2020, 6.24), (2021, 1250.75)], "#000")], title="t")
    labels = re.findall(r">([^<]+)</text>", svg)
    assert "2019" in labels and "2.019" not in labels
    assert not any(re.fullmatch(r"\d+\.\d{1,2}", label) for label in labels), labels
    assert any("," in label or "." in label for label in labels)
    bars = bar_chart([Bar("x", 1234.0, "#000")], title="t", reference=100)
    assert ">1.234<" in bars and "100 = referentie" in bars
