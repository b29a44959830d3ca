# SPDX-License-Identifier: EUPL-1.2
"""Data sources for the areas domain: CBS CSV parsing, indicator mapping, vectorised codes and geometry
(Django-free). The CBS code validators are in ``smaakmaker.common.codes``."""

from .cbs_columns import INDICATORS, INDICATORS_BY_ID, THEMES, IndicatorSpec, is_forbidden_column
from .cbs_csv import CbsCsvError, CbsTable, CsvProblem, parse_cbs_text, read_cbs_csv

__all__ = [
    "INDICATORS",
    "INDICATORS_BY_ID",
    "THEMES",
    "CbsCsvError",
    "CbsTable",
    "CsvProblem",
    "IndicatorSpec",
    "is_forbidden_column",
    "parse_cbs_text",
    "read_cbs_csv",
]
