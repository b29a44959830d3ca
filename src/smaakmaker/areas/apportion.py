# SPDX-License-Identifier: EUPL-1.2
"""Figures of a custom area apportioned from the buurten it overlaps (Django-free; ADR 0020).

CBS publishes no figures for a holiday park, a business park or a drawn area. Its figures are
estimated from the buurten it overlaps, by the share of each buurt that lies inside it:

* measured in addresses (``BY_ADDRESSES``) when addresses are loaded: ``inside`` is the number of the
  area's addresses in the buurt, ``total`` the number of addresses of the buurt;
* else in surface (``BY_AREA``): the overlapping surface and the buurt's surface.

A **count** (unit "aantal": inhabitants) is summed by share: ``Σ inside_b / total_b · value_b``; it
is only given when every buurt with a share has a value (a partial sum would be too low).
A **rate, share, mean or distance** is averaged with weights ``inside_b`` (the area's own addresses
or surface in that buurt): ``Σ inside_b · value_b / Σ inside_b`` over the buurten with a value, and
only given when those buurten hold at least ``MIN_WEIGHT`` of the weight.

This assumes that inside each buurt the figure is spread evenly over its addresses (or its surface):
a park of 200 chalets in a buurt of villages gets the buurt's rates. Every page that shows such a
figure says so (:data:`CAVEAT`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import shapely

BY_ADDRESSES = "adressen"
BY_AREA = "oppervlakte"
#: a rate needs values for buurten holding at least this part of the area's weight
MIN_WEIGHT = 0.5
#: overlaps smaller than this part of the area's own surface are slivers of a drawn edge
MIN_SURFACE_SHARE = 0.001

CAVEAT = "geschat uit de buurten die het gebied overlapt, naar aandeel adressen"
CAVEAT_BY_AREA = (
    "geschat uit de buurten die het gebied overlapt, naar aandeel oppervlakte: er zijn geen adressen "
    "in het gebied geladen"
)
CAVEAT_UNION = (
    "berekend uit de buurten waaruit het gebied bestaat: aantallen opgeteld, de overige cijfers gewogen "
    "naar aantal adressen"
)
CAVEAT_UNION_BY_AREA = (
    "berekend uit de buurten waaruit het gebied bestaat: aantallen opgeteld, de overige cijfers gewogen "
    "naar oppervlakte (er zijn geen adressen geladen)"
)


@dataclass(frozen=True)
class Overlap:
    """One buurt the area overlaps: the area's part of it (``inside``) and the buurt's whole (``total``),
    both in addresses or both in surface."""

    code: str
    inside: float
    total: float

    @property
    def share(self) -> float:
        """The part of the buurt that lies in the area."""
        return min(self.inside / self.total, 1.0) if self.total > 0 else 0.0


def is_count(unit: str) -> bool:
    """A count is summed by share; anything else (%, per 1.000, euro, km, a mean) is averaged."""
    return unit.strip().lower() == "aantal"


def overlaps_by_addresses(inside: Mapping[str, int], totals: Mapping[str, int]) -> list[Overlap]:
    """From the area's addresses per buurt and every buurt's addresses."""
    return [
        Overlap(code, float(n), float(totals.get(code, 0)))
        for code, n in sorted(inside.items())
        if n > 0 and totals.get(code, 0) > 0
    ]


def overlaps_by_area(shape: shapely.Geometry, buurten: Mapping[str, shapely.Geometry]) -> list[Overlap]:
    """From the surfaces: the buurten whose shape overlaps ``shape`` by more than a sliver.

    Surfaces in WGS84 degrees: within a buurt a ratio of two surfaces is the same as in metres to far
    better than a per mille (see :mod:`smaakmaker.areas.overlap`)."""
    if not buurten or shapely.is_empty(shape):
        return []
    codes = list(buurten)
    geometries = np.asarray([buurten[c] for c in codes], dtype=object)
    hits = shapely.STRtree(geometries).query(shape, predicate="intersects")
    if not len(hits):
        return []
    own = shapely.area(shape)
    inside = shapely.area(shapely.intersection(geometries[hits], shape))
    totals = shapely.area(geometries[hits])
    found = []
    for position, surface, total in zip(hits.tolist(), inside.tolist(), totals.tolist(), strict=True):
        if own > 0 and surface / own < MIN_SURFACE_SHARE:
            continue
        found.append(Overlap(codes[position], surface, total))
    return sorted(found, key=lambda o: o.code)


def whole_buurten(codes: Sequence[str], totals: Mapping[str, float]) -> list[Overlap]:
    """A union of whole buurten: each buurt wholly inside (share 1), weighted by its addresses or surface."""
    return [
        Overlap(code, float(totals[code]), float(totals[code])) for code in codes if totals.get(code, 0) > 0
    ]


@dataclass
class Apportioned:
    """Per year and indicator: the estimate (NaN where it cannot be given) and the part of the weight
    of the buurten that had a value."""

    estimates: np.ndarray  # (n_years, n_indicators)
    covered: np.ndarray  # (n_years, n_indicators), 0..1


def apportion(values: np.ndarray, overlaps: Sequence[Overlap], counts: Sequence[bool]) -> Apportioned:
    """``values``: ``(n_buurten, n_years, n_indicators)`` in the order of ``overlaps`` (NaN: no value);
    ``counts``: per indicator, whether it is a count (:func:`is_count`)."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 3 or values.shape[0] != len(overlaps) or values.shape[2] != len(counts):
        raise ValueError("values must be (buurten, years, indicators) matching overlaps and counts")
    n_years, n_indicators = values.shape[1], values.shape[2]
    estimates = np.full((n_years, n_indicators), np.nan)
    covered = np.zeros((n_years, n_indicators))
    if not overlaps:
        return Apportioned(estimates, covered)
    weight = np.asarray([o.inside for o in overlaps], dtype=float)[:, None, None]
    share = np.asarray([o.share for o in overlaps], dtype=float)[:, None, None]
    present = np.isfinite(values)
    total_weight = weight.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        held = np.where(present, weight, 0.0).sum(axis=0)
        covered = held / total_weight if total_weight > 0 else covered
        mean = np.where(present, weight * values, 0.0).sum(axis=0) / held
        summed = np.where(present, share * values, 0.0).sum(axis=0)
    count = np.asarray(counts, dtype=bool)[None, :]
    complete = present.all(axis=0)
    estimates = np.where(
        count, np.where(complete, summed, np.nan), np.where(covered >= MIN_WEIGHT, mean, np.nan)
    )
    return Apportioned(estimates, covered)
