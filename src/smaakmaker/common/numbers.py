# SPDX-License-Identifier: EUPL-1.2
"""Dutch number formats for text made outside Django's templates (SVG charts, PDF, CSV, computed
sentences): a decimal comma and a dot between thousands, as ``Intl.NumberFormat('nl-NL')`` writes them.

Django-free: the pure computation modules and the charts use it without a configured project.
"""

from __future__ import annotations

import math

MINUS = "−"  # U+2212, as nl-NL writes a negative number


def nl_number(value: float | int | None, decimals: int | None = None, *, significant: int = 3) -> str:
    """``1234.5`` -> ``"1.234,5"``. With ``decimals`` a fixed number of decimals, otherwise about
    ``significant`` significant digits (never fewer whole digits than the number has: 12345 stays 12.345).
    ``None`` and NaN give an en dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float) and math.isinf(value):
        return "∞" if value > 0 else MINUS + "∞"
    strip = decimals is None
    if decimals is None:
        magnitude = math.floor(math.log10(abs(value))) + 1 if value else 1
        decimals = max(0, significant - magnitude)
    text = f"{abs(value):,.{decimals}f}"
    if strip and "." in text:
        text = text.rstrip("0").rstrip(".")
    text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    negative = value < 0 and any(c not in "0,." for c in text)
    return (MINUS if negative else "") + text


def nl_year(value: float) -> str:
    """A year on an axis: no thousands separator (2020, not 2.020)."""
    return f"{value:g}" if value != int(value) else str(int(value))


def axis_ticks(low: float, high: float, count: int = 5) -> tuple[list[float], int]:
    """``count`` evenly spaced ticks from low to high and the decimals that tell them apart."""
    span = (high - low) or abs(high) or 1.0
    step = span / (count - 1)
    decimals = max(0, -math.floor(math.log10(step)))
    while decimals < 4 and abs(round(step, decimals) - step) > step * 0.02:
        decimals += 1
    return [low + span * k / (count - 1) for k in range(count)], decimals
