# SPDX-License-Identifier: EUPL-1.2
"""A code crosswalk between two classification years, derived from the geometry itself (Django-free).

When CBS renumbers, splits or merges buurten (or wijken, or whole gemeenten) between two years, the
codes of year A that are gone and the codes of year B that are new are linked by how their shapes
overlap. Each link carries two shares:

* ``share_of_old``: the part of the old area that lies in the new one,
* ``share_of_new``: the part of the new area that came from the old one,

measured in BAG addresses (the addresses inside the overlap, when both areas hold addresses) or
else in surface area. A buurt that only got a new number has one link with both shares 1; a split
gives one link per part (shares of the old summing to 1), a merge one link per predecessor.
Links below ``min_share`` on both sides are slivers from redrawn edges and are left out.

Surfaces are compared in WGS84 degrees: within a buurt the ratio of two areas is the same as in
metres to far better than a per mille (the scale factor varies by less than that across a buurt).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import shapely

#: links with both shares below this are slivers of redrawn edges
MIN_SHARE = 0.01
#: an old code that is gone counts only when at least this part of it lies inside the new year's
#: shapes (a buurt of a neighbouring gemeente that the new file does not cover is not "gone")
MIN_COVERED = 0.5
BY_ADDRESSES = "adressen"
BY_AREA = "oppervlakte"


@dataclass(frozen=True)
class Link:
    old_code: str
    new_code: str
    share_of_old: float
    share_of_new: float
    basis: str
    #: addresses in the overlap (0 when measured by area)
    addresses: int


@dataclass
class AddressCounts:
    """Addresses per old area, per new area and per (old, new) pair: the old year's and the new
    year's buurt (wijk, gemeente) of each address."""

    pairs: dict[tuple[str, str], int]
    old: dict[str, int]
    new: dict[str, int]


#: ``(old codes, new codes) -> AddressCounts`` for the areas involved in the links
CountAddresses = Callable[[list[str], list[str]], AddressCounts]


def derive_links(
    old: Mapping[str, shapely.Geometry],
    new: Mapping[str, shapely.Geometry],
    *,
    addresses: CountAddresses | None = None,
    min_share: float = MIN_SHARE,
) -> list[Link]:
    """Links from the codes of ``old`` that are not in ``new`` and to the codes of ``new`` not in
    ``old``; ``addresses`` counts the addresses of the areas involved (``None``: by area only)."""
    old_codes, new_codes = list(old), list(new)
    if not old_codes or not new_codes:
        return []
    old_geoms = np.asarray([old[c] for c in old_codes], dtype=object)
    new_geoms = np.asarray([new[c] for c in new_codes], dtype=object)
    new_set, old_set = set(new_codes), set(old_codes)
    old_tree, new_tree = shapely.STRtree(old_geoms), shapely.STRtree(new_geoms)
    area_old = shapely.area(old_geoms)
    area_new = shapely.area(new_geoms)
    pairs: set[tuple[int, int]] = set()
    gone = np.asarray([i for i, c in enumerate(old_codes) if c not in new_set], dtype=np.int64)
    if len(gone):
        left, right = new_tree.query(old_geoms[gone], predicate="intersects")
        # The new year's shapes do not overlap each other: the part of a gone area they cover is
        # the sum of its overlaps.
        inside = shapely.area(shapely.intersection(old_geoms[gone[left]], new_geoms[right]))
        covered = np.bincount(left, weights=inside, minlength=len(gone)) / np.maximum(area_old[gone], 1e-18)
        kept = covered[left] >= MIN_COVERED
        pairs.update(zip(gone[left[kept]].tolist(), right[kept].tolist(), strict=True))
    appeared = np.asarray([j for j, c in enumerate(new_codes) if c not in old_set], dtype=np.int64)
    if len(appeared):
        left, right = old_tree.query(new_geoms[appeared], predicate="intersects")
        pairs.update(zip(right.tolist(), appeared[left].tolist(), strict=True))
    if not pairs:
        return []
    ordered = sorted(pairs)
    oi = np.fromiter((p[0] for p in ordered), dtype=np.int64, count=len(ordered))
    ni = np.fromiter((p[1] for p in ordered), dtype=np.int64, count=len(ordered))
    overlap = shapely.area(shapely.intersection(old_geoms[oi], new_geoms[ni]))
    counts = None
    if addresses is not None:
        counts = addresses(
            [old_codes[i] for i in sorted(set(oi.tolist()))], [new_codes[j] for j in sorted(set(ni.tolist()))]
        )
    links = []
    for (i, j), surface in zip(ordered, overlap.tolist(), strict=True):
        old_code, new_code = old_codes[i], new_codes[j]
        in_old = counts.old.get(old_code, 0) if counts else 0
        in_new = counts.new.get(new_code, 0) if counts else 0
        if in_old > 0 and in_new > 0:
            inside = counts.pairs.get((old_code, new_code), 0)
            share_old, share_new = inside / in_old, inside / in_new
            basis = BY_ADDRESSES
        else:
            inside = 0
            share_old = surface / area_old[i] if area_old[i] > 0 else 0.0
            share_new = surface / area_new[j] if area_new[j] > 0 else 0.0
            basis = BY_AREA
        if max(share_old, share_new) < min_share:
            continue
        links.append(
            Link(
                old_code,
                new_code,
                round(float(min(share_old, 1.0)), 6),
                round(float(min(share_new, 1.0)), 6),
                basis,
                inside,
            )
        )
    return links
