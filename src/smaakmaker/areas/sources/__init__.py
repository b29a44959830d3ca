# SPDX-License-Identifier: EUPL-1.2
"""Data sources for the areas domain: CBS CSV parsing, indicator mapping, codes and geometry (Django-free)."""

from .cbs_columns import INDICATORS, INDICATORS_BY_ID, THEMES, IndicatorSpec, is_forbidden_column
from .cbs_csv import CbsCsvError, CbsTable, CsvProblem, parse_cbs_text, read_cbs_csv
from .codes import InvalidCodeError, area_code, buurt_code, gemeente_code, wijk_code

__all__ = [
    "INDICATORS",
    "INDICATORS_BY_ID",
    "THEMES",
    "CbsCsvError",
    "CbsTable",
    "CsvProblem",
    "IndicatorSpec",
    "InvalidCodeError",
    "area_code",
    "buurt_code",
    "gemeente_code",
    "is_forbidden_column",
    "parse_cbs_text",
    "read_cbs_csv",
    "wijk_code",
]
