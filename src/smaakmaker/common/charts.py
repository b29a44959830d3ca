# SPDX-License-Identifier: EUPL-1.2
"""Small server-side SVG charts (no JavaScript, no inline styles: CSP-safe, printable).

Every chart is paired with a data table in the page that shows it; the SVG itself carries a
``<title>`` for screen readers and is marked ``role="img"``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from smaakmaker.common.numbers import axis_ticks, nl_number, nl_year

BAND_COLOURS = ("#1a7f37", "#8fbf7f", "#f2c94c", "#c0392b")  # < 70, 70–90, 90–110, > 110
NO_DATA_COLOUR = "#d0d0d0"


def band_colour(band_index: int | None) -> str:
    return NO_DATA_COLOUR if band_index is None else BAND_COLOURS[band_index]


def _finite(values: Sequence[float | None]) -> list[float]:
    return [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]


def sparkline(values: Sequence[float | None], *, width: int = 120, height: int = 28, label: str = "") -> str:
    """A tiny line over the years; missing values break the line."""
    finite = _finite(values)
    if len(finite) < 2:
        return ""
    low, high = min(finite), max(finite)
    span = (high - low) or 1.0
    step = (width - 6) / max(len(values) - 1, 1)
    segments: list[list[str]] = [[]]
    dots = []
    for i, value in enumerate(values):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            segments.append([])
            continue
        x = 3 + i * step
        y = height - 3 - (value - low) / span * (height - 6)
        segments[-1].append(f"{x:.1f},{y:.1f}")
        dots.append((x, y))
    lines = "".join(
        f'<polyline points="{" ".join(points)}" fill="none" stroke="#154273" stroke-width="1.5"/>'
        for points in segments
        if len(points) > 1
    )
    last_x, last_y = dots[-1]
    return (
        f'<svg class="sm-sparkline" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f"<title>{escape(label)}</title>{lines}"
        f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2.5" fill="#154273"/></svg>'
    )


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    colour: str


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    reference: float | None = 100.0,
    maximum: float | None = None,
    width: int = 520,
    row_height: int = 26,
) -> str:
    """Horizontal bars with an optional reference line (e.g. 100 = the reference)."""
    finite = _finite([bar.value for bar in bars])
    top = maximum or max([*finite, (reference or 0) * 1.2, 1.0])
    label_width = 190
    plot = width - label_width - 60
    height = row_height * len(bars) + 24
    parts = [
        f'<svg class="sm-chart" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet"><title>{escape(title)}</title>'
    ]
    for i, bar in enumerate(bars):
        y = 4 + i * row_height
        parts.append(
            f'<text x="{label_width - 8}" y="{y + row_height * 0.62:.1f}" text-anchor="end" font-size="13" '
            f'fill="#1a1a1a">{escape(bar.label)}</text>'
        )
        if bar.value is None or math.isnan(bar.value):
            parts.append(
                f'<text x="{label_width + 4}" y="{y + row_height * 0.62:.1f}" font-size="12" fill="#555">'
                "geen gegevens</text>"
            )
            continue
        length = max(min(bar.value, top), 0) / top * plot
        parts.append(
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row_height - 8}" fill="{bar.colour}"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + row_height * 0.62:.1f}" font-size="12" '
            f'fill="#1a1a1a">{nl_number(bar.value, 0)}</text>'
        )
    if reference is not None:
        x = label_width + reference / top * plot
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 18}" stroke="#1a1a1a" stroke-dasharray="4 3"/>'
            f'<text x="{x:.1f}" y="{height - 4}" text-anchor="middle" font-size="11" fill="#1a1a1a">'
            f"{nl_number(reference, 0)} = referentie</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[float, float | None]]
    colour: str
    width: float = 2.0
    dashed: bool = False


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    width: int = 640,
    height: int = 280,
    marker_x: float | None = None,
    marker_label: str = "",
    y_label: str = "",
) -> str:
    """Lines over time (e.g. treated vs synthetic, or an indicator with the approach's start marked)."""
    xs = [x for s in series for x, y in s.points if y is not None and not math.isnan(y)]
    ys = [y for s in series for x, y in s.points if y is not None and not math.isnan(y)]
    if not xs:
        return ""
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    pad = (y1 - y0) * 0.08 or 1.0
    y0, y1 = y0 - pad, y1 + pad
    left, right, top, bottom = 56, 16, 16, 36
    pw, ph = width - left - right, height - top - bottom

    def px(x: float) -> float:
        return left + (x - x0) / ((x1 - x0) or 1) * pw

    def py(y: float) -> float:
        return top + (1 - (y - y0) / ((y1 - y0) or 1)) * ph

    parts = [
        f'<svg class="sm-chart" role="img" viewBox="0 0 {width} {height}" width="100%"><title>{escape(title)}</title>'
    ]
    values, decimals = axis_ticks(y0, y1)
    for value in values:
        y = py(value)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e0e0e0"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#333">'
            f"{nl_number(value, decimals)}</text>"
        )
    ticks = sorted({x for x in xs})
    stride = max(1, len(ticks) // 8)
    for x in ticks[::stride]:
        parts.append(
            f'<text x="{px(x):.1f}" y="{height - 14}" text-anchor="middle" font-size="11" fill="#333">{nl_year(x)}</text>'
        )
    if marker_x is not None:
        parts.append(
            f'<line x1="{px(marker_x):.1f}" y1="{top}" x2="{px(marker_x):.1f}" y2="{top + ph}" stroke="#1a1a1a" '
            f'stroke-dasharray="5 4"/><text x="{px(marker_x) + 4:.1f}" y="{top + 12}" font-size="11" '
            f'fill="#1a1a1a">{escape(marker_label)}</text>'
        )
    for s in series:
        segments: list[list[str]] = [[]]
        for x, y in s.points:
            if y is None or math.isnan(y):
                segments.append([])
            else:
                segments[-1].append(f"{px(x):.1f},{py(y):.1f}")
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        for points in segments:
            if len(points) > 1:
                parts.append(
                    f'<polyline points="{" ".join(points)}" fill="none" stroke="{s.colour}" '
                    f'stroke-width="{s.width}"{dash}/>'
                )
            elif len(points) == 1:
                cx, cy = points[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{s.colour}"/>')
    if y_label:
        parts.append(
            f'<text x="12" y="{top + ph / 2:.1f}" font-size="11" fill="#333" '
            f'transform="rotate(-90 12 {top + ph / 2:.1f})" text-anchor="middle">{escape(y_label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
