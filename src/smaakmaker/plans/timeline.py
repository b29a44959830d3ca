# SPDX-License-Identifier: EUPL-1.2
"""The plan as an SVG timeline drawn on the server: one lane per flavour, one bar per intervention.

Colours come from CSS classes (``sm-bar--zoet`` …), so the SVG carries no style attributes (CSP).
Every bar has a ``<title>``; the page also shows the same data as a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from . import domain

LEFT = 90
ROW = 16
GAP = 10
WEEK_PX = 14


@dataclass(frozen=True)
class Bar:
    ref: str
    title: str
    flavour: str
    start: int
    duration: int
    status: str = ""
    highlight: bool = False


def _pack(bars: Sequence[Bar]) -> list[list[Bar]]:
    """Greedy interval packing: bars that do not overlap share a row."""
    rows: list[list[Bar]] = []
    ends: list[int] = []
    for bar in sorted(bars, key=lambda b: (b.start, b.ref)):
        for k, end in enumerate(ends):
            if end <= bar.start:
                rows[k].append(bar)
                ends[k] = bar.start + bar.duration
                break
        else:
            rows.append([bar])
            ends.append(bar.start + bar.duration)
    return rows


def timeline_svg(
    bars: Sequence[Bar], *, horizon: int, label: str, hidden: dict[str, int] | None = None
) -> SafeString:
    """An accessible SVG of the bars over ``horizon`` weeks, lanes in the order Zoet, Zuur, Zout, Bitter."""
    hidden = hidden or {}
    width = LEFT + horizon * WEEK_PX + 10
    parts: list[str] = []
    y = 24
    for w in range(0, horizon + 1, 4):
        x = LEFT + w * WEEK_PX
        parts.append(f'<line class="sm-tl-grid" x1="{x}" y1="14" x2="{x}" y2="__H__"/>')
        if w < horizon:
            parts.append(f'<text class="sm-tl-week" x="{x + 2}" y="11">{w + 1}</text>')
    for flavour in domain.FLAVOURS:
        lane = [b for b in bars if b.flavour == flavour.value and b.duration > 0]
        rows = _pack(lane) or [[]]
        height = len(rows) * ROW + 6
        parts.append(
            f'<rect class="sm-tl-lane sm-tl-lane--{flavour.value}" x="0" y="{y}" width="{width}" height="{height}"/>'
        )
        extra = f" (+{hidden[flavour.value]})" if hidden.get(flavour.value) else ""
        parts.append(
            f'<text class="sm-tl-label" x="6" y="{y + 14}">{escape(flavour.label)}{escape(extra)}</text>'
        )
        for r, row in enumerate(rows):
            for bar in row:
                x = LEFT + bar.start * WEEK_PX
                w = max(bar.duration * WEEK_PX - 2, 3)
                cls = f"sm-bar sm-bar--{flavour.value}" + (" sm-bar--changed" if bar.highlight else "")
                tip = f"{bar.ref} {bar.title}: week {bar.start + 1}–{bar.start + bar.duration}"
                parts.append(
                    f'<rect class="{cls}" data-ref="{escape(bar.ref)}" x="{x}" y="{y + 3 + r * ROW}" width="{w}" '
                    f'height="{ROW - 4}" rx="2"><title>{escape(tip)}</title></rect>'
                )
        y += height + GAP
    total = y
    body = "".join(parts).replace("__H__", str(total))
    return mark_safe(  # noqa: S308 - every value above is escaped or numeric
        f'<svg class="sm-timeline-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {total}" '
        f'width="{width}" height="{total}" role="img" aria-label="{escape(label)}">{body}</svg>'
    )
