# SPDX-License-Identifier: EUPL-1.2
"""Vectorised CBS region code helpers for pandas Series (used by the CSV parser and the scan).

The scalar validators (``area_code``, ``buurt_code``, ``InvalidCodeError`` …) live in
:mod:`smaakmaker.common.codes`, shared with the other domains; import them from there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from smaakmaker.common.codes import ANY_CODE_PATTERN

__all__ = ["clean_codes", "code_levels", "parent_code_frame", "valid_code_mask"]


def clean_codes(values: pd.Series) -> pd.Series:
    """Vectorised :func:`clean_code` for a Series of raw codes (missing stays missing)."""
    out = values.astype("string").str.strip().str.upper()
    return out.mask(out.str.fullmatch(r"NL0{1,2}").fillna(False), "NL00")


def valid_code_mask(codes: pd.Series) -> np.ndarray:
    """Boolean array: which cleaned codes are valid CBS region codes."""
    return codes.astype("string").str.fullmatch(ANY_CODE_PATTERN).fillna(False).to_numpy(dtype=bool)


def code_levels(codes: pd.Series) -> pd.Series:
    """Vectorised :func:`code_level` for cleaned codes; invalid codes give ``<NA>``."""
    prefix = codes.astype("string").str[:2]
    levels = prefix.map({"NL": "land", "GM": "gemeente", "WK": "wijk", "BU": "buurt"})
    return levels.where(pd.Series(valid_code_mask(codes), index=codes.index)).astype("string")


def parent_code_frame(codes: pd.Series) -> pd.DataFrame:
    """Vectorised :func:`parent_codes`: columns ``level``, ``gemeente_code``, ``wijk_code``."""
    codes = codes.astype("string")
    level = code_levels(codes)
    digits = codes.str[2:6]
    gm = ("GM" + digits).where(level.isin(["wijk", "buurt"]))
    wk = ("WK" + codes.str[2:8]).where(level == "buurt")
    return pd.DataFrame({"level": level, "gemeente_code": gm, "wijk_code": wk}, index=codes.index)
