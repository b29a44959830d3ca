# SPDX-License-Identifier: EUPL-1.2
"""Tests for CBS region code validators."""

from __future__ import annotations

import pandas as pd
import pytest

from smaakmaker.areas.sources.codes import clean_codes, code_levels, parent_code_frame
from smaakmaker.common.codes import (
    InvalidCodeError,
    area_code,
    buurt_code,
    code_level,
    gemeente_code,
    is_valid_code,
    parent_codes,
    wijk_code,
)


def test_valid_codes_are_normalised() -> None:
    assert gemeente_code("GM0363    ") == "GM0363"
    assert gemeente_code(" gm0014") == "GM0014"
    assert wijk_code("WK036300  ") == "WK036300"
    assert wijk_code("WK0363AA") == "WK0363AA"
    assert buurt_code("BU03630000") == "BU03630000"
    assert buurt_code("BU0363AA01") == "BU0363AA01"
    assert area_code("NL00      ") == "NL00"


@pytest.mark.parametrize(
    "func,value",
    [
        (gemeente_code, "GM363"),
        (gemeente_code, "WK036300"),
        (wijk_code, "WK0363A"),
        (wijk_code, "WK0363_A"),
        (buurt_code, "BU036300"),
        (buurt_code, ""),
        (area_code, "Amsterdam"),
    ],
)
def test_invalid_codes_raise_dutch_error(func, value) -> None:
    with pytest.raises(InvalidCodeError, match="Ongeldige"):
        func(value)
    assert not is_valid_code(value) or func is not area_code


def test_levels_and_parents() -> None:
    assert code_level("BU0363AA01") == "buurt"
    assert code_level("GM0363") == "gemeente"
    assert parent_codes("BU03630001") == {"gemeente": "GM0363", "wijk": "WK036300"}
    assert parent_codes("WK0363AA") == {"gemeente": "GM0363", "wijk": None}
    assert parent_codes("NL00") == {"gemeente": None, "wijk": None}


def test_vectorised_variants() -> None:
    raw = pd.Series(["GM0363    ", "bu0363aa01", "Totaal", None, "NL00"])
    cleaned = clean_codes(raw)
    assert cleaned.tolist()[:3] == ["GM0363", "BU0363AA01", "TOTAAL"]
    levels = code_levels(cleaned)
    assert levels.iloc[0] == "gemeente" and levels.iloc[1] == "buurt" and pd.isna(levels.iloc[2])
    frame = parent_code_frame(cleaned)
    assert frame.loc[1, "wijk_code"] == "WK0363AA"
    assert frame.loc[1, "gemeente_code"] == "GM0363"
