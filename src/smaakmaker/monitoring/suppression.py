# SPDX-License-Identifier: EUPL-1.2
"""Small-cell suppression for published counts (pure, no Django).

A count from 1 to ``threshold - 1`` is shown as ``"< 10"`` (primary suppression). When a group of cells
is shown with its total and exactly one cell of the group is suppressed, that cell could be recovered
by subtraction; the smallest other non-zero cell of the group is then suppressed as well (secondary
suppression). Zero stays zero: "nothing was done" reveals nothing about a person.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

THRESHOLD = 10


@dataclass(frozen=True)
class Cell:
    """A count as it may be shown: ``value`` is None when suppressed."""

    value: int | None
    display: str
    suppressed: bool

    def as_dict(self) -> dict[str, object]:
        return {"count": self.value, "display": self.display, "suppressed": self.suppressed}


def _format(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def exact(value: int) -> Cell:
    return Cell(int(value), _format(int(value)), False)


def hidden(threshold: int = THRESHOLD) -> Cell:
    return Cell(None, f"< {threshold}", True)


def is_small(value: int, threshold: int = THRESHOLD) -> bool:
    return 0 < value < threshold


def cell(value: int, *, suppress: bool, threshold: int = THRESHOLD) -> Cell:
    """One count, suppressed when small and ``suppress`` is set."""
    if suppress and is_small(int(value), threshold):
        return hidden(threshold)
    return exact(value)


def suppress_group(
    values: Sequence[int], *, suppress: bool, threshold: int = THRESHOLD
) -> tuple[list[Cell], Cell]:
    """Cells of one group and their total, with primary and secondary suppression.

    The total itself is suppressed only when it is small.
    """
    values = [int(v) for v in values]
    total = sum(values)
    if not suppress:
        return [exact(v) for v in values], exact(total)
    hide = [is_small(v, threshold) for v in values]
    if sum(hide) == 1:
        candidates = [(v, i) for i, v in enumerate(values) if not hide[i] and v > 0]
        if candidates:
            hide[min(candidates)[1]] = True
    cells = [hidden(threshold) if h else exact(v) for v, h in zip(values, hide, strict=True)]
    return cells, cell(total, suppress=True, threshold=threshold)


def suppress_mapping(
    counts: Iterable[tuple[Hashable, int]], *, suppress: bool, threshold: int = THRESHOLD
) -> tuple[dict[Hashable, Cell], Cell]:
    """:func:`suppress_group` on ``(key, count)`` pairs; returns ``{key: cell}`` and the total."""
    pairs = list(counts)
    cells, total = suppress_group([c for _, c in pairs], suppress=suppress, threshold=threshold)
    return {key: c for (key, _), c in zip(pairs, cells, strict=True)}, total
