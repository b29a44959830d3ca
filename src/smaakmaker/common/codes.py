# SPDX-License-Identifier: EUPL-1.2
r"""Validators for CBS region codes (pure Python, no Django, no pandas).

Shared by the domains that handle CBS codes: ``areas`` (imports, scan, forms), ``cases`` (the buurt
of an address) and ``access`` (the areas of a covenant), so that none of them imports another for it.
The vectorised variants for pandas Series stay with the CSV parser in ``areas.sources.codes``.

CBS codes identify a region in the "Wijk- en buurtindeling" of one classification year:

* ``NL00`` — Nederland (the national total row in KWB tables),
* ``GM`` + 4 digits — gemeente, e.g. ``GM0363`` (Amsterdam),
* ``WK`` + 4 digit gemeente number + 2 characters — wijk, e.g. ``WK036300`` or, since Amsterdam's
  2022 recoding, ``WK0363AA``,
* ``BU`` + 4 digit gemeente number + 4 characters — buurt, e.g. ``BU03630000`` or ``BU0363AA01``.

Digits are ASCII digits (``re.ASCII``: Python's ``\d`` also matches other scripts' digits).
StatLine exports pad codes with spaces to ten characters (``"GM0363    "``); all functions here
strip that padding and upper-case the code. Codes are always kept as strings (leading zeros matter).
"""

from __future__ import annotations

import re
from typing import Literal

AreaLevel = Literal["land", "gemeente", "wijk", "buurt"]

GEMEENTE_RE = re.compile(r"GM\d{4}", re.ASCII)
WIJK_RE = re.compile(r"WK\d{4}[0-9A-Z]{2}", re.ASCII)
BUURT_RE = re.compile(r"BU\d{4}[0-9A-Z]{4}", re.ASCII)
LAND_RE = re.compile(r"NL0{1,2}")
#: A gemeente's own area (a custom area: a holiday park, a drawn area), not a CBS code: ``EG0001``.
CUSTOM_AREA_RE = re.compile(r"EG\d{4,8}", re.ASCII)
#: One pattern for any CBS region code (used to recognise a code column by its content).
ANY_CODE_PATTERN = r"(?:NL0{1,2}|GM\d{4}|WK\d{4}[0-9A-Z]{2}|BU\d{4}[0-9A-Z]{4})"
ANY_CODE_RE = re.compile(ANY_CODE_PATTERN)

LEVEL_ORDER: dict[str, int] = {"land": 0, "gemeente": 1, "wijk": 2, "buurt": 3}


class InvalidCodeError(ValueError):
    """A value is not a valid CBS region code; the message is Dutch and names the value."""


def clean_code(raw: object) -> str:
    """Strip padding and upper-case a raw code; no validation."""
    if raw is None:
        return ""
    return str(raw).strip().upper()


def _validated(raw: object, pattern: re.Pattern[str], kind: str, example: str) -> str:
    code = clean_code(raw)
    if not pattern.fullmatch(code):
        raise InvalidCodeError(f"Ongeldige {kind}code {str(raw)!r}: verwacht bijvoorbeeld {example}.")
    return code


def gemeente_code(raw: object) -> str:
    """Return the normalised gemeente code (``GM\\d{4}``) or raise :class:`InvalidCodeError`."""
    return _validated(raw, GEMEENTE_RE, "gemeente", "GM0363")


def wijk_code(raw: object) -> str:
    """Return the normalised wijk code (``WK\\d{4}\\w{2}``) or raise :class:`InvalidCodeError`."""
    return _validated(raw, WIJK_RE, "wijk", "WK036300 of WK0363AA")


def buurt_code(raw: object) -> str:
    """Return the normalised buurt code (``BU\\d{4}\\w{4}``) or raise :class:`InvalidCodeError`."""
    return _validated(raw, BUURT_RE, "buurt", "BU03630000 of BU0363AA01")


def area_code(raw: object) -> str:
    """Return any normalised CBS region code (NL00, GM, WK or BU) or raise :class:`InvalidCodeError`."""
    code = clean_code(raw)
    if not ANY_CODE_RE.fullmatch(code):
        raise InvalidCodeError(
            f"Ongeldige CBS-gebiedscode {str(raw)!r}: verwacht NL00, GM#### , WK######, of BU########."
        )
    return "NL00" if code.startswith("NL") else code


def is_valid_code(raw: object) -> bool:
    """True when ``raw`` (after stripping padding) is any valid CBS region code."""
    return bool(ANY_CODE_RE.fullmatch(clean_code(raw)))


def code_level(code: str) -> AreaLevel:
    """The level of a (valid) code: ``land``, ``gemeente``, ``wijk`` or ``buurt``."""
    code = area_code(code)
    return {"NL": "land", "GM": "gemeente", "WK": "wijk", "BU": "buurt"}[code[:2]]  # type: ignore[return-value]


def parent_codes(code: str) -> dict[str, str | None]:
    """Gemeente and wijk codes that contain ``code`` (derived from the code itself).

    >>> parent_codes("BU03630001")
    {'gemeente': 'GM0363', 'wijk': 'WK036300'}
    """
    code = area_code(code)
    if code == "NL00":
        return {"gemeente": None, "wijk": None}
    gm = "GM" + code[2:6]
    wk = "WK" + code[2:8] if code.startswith("BU") else None
    return {"gemeente": None if code.startswith("GM") else gm, "wijk": wk}
