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

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import shapely

from smaakmaker.areas.pointinpolygon import PolygonIndex

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


def derive_links(
    old: Mapping[str, shapely.Geometry],
    new: Mapping[str, shapely.Geometry],
    *,
    lon: np.ndarray | None = None,
    lat: np.ndarray | None = None,
    min_share: float = MIN_SHARE,
) -> list[Link]:
    """Links from the codes of ``old`` that are not in ``new`` and to the codes of ``new`` not in
    ``old``. ``lon``/``lat``: the address points (WGS84), or ``None`` to weigh by area only."""
    old_codes, new_codes = list(old), list(new)
    if not old_codes or not new_codes:
        return []
    old_geoms = np.asarray([old[c] for c in old_codes], dtype=object)
    new_geoms = np.asarray([new[c] for c in new_codes], dtype=object)
    new_set, old_set = set(new_codes), set(old_codes)
    old_tree, new_tree = shapely.STRtree(old_geoms), shapely.STRtree(new_geoms)
    pairs: set[tuple[int, int]] = set()
    gone = [i for i, c in enumerate(old_codes) if c not in new_set]
    if gone:
        coverage = shapely.union_all(new_geoms)
        gone_geoms = old_geoms[gone]
        covered = shapely.area(shapely.intersection(gone_geoms, coverage)) / np.maximum(
            shapely.area(gone_geoms), 1e-18
        )
        gone = [i for i, share in zip(gone, covered, strict=True) if share >= MIN_COVERED]
        if gone:
            left, right = new_tree.query(old_geoms[gone], predicate="intersects")
            pairs.update((gone[a], int(b)) for a, b in zip(left, right, strict=True))
    appeared = [j for j, c in enumerate(new_codes) if c not in old_set]
    if appeared:
        left, right = old_tree.query(new_geoms[appeared], predicate="intersects")
        pairs.update((int(b), appeared[a]) for a, b in zip(left, right, strict=True))
    if not pairs:
        return []
    ordered = sorted(pairs)
    oi = np.fromiter((p[0] for p in ordered), dtype=np.int64, count=len(ordered))
    ni = np.fromiter((p[1] for p in ordered), dtype=np.int64, count=len(ordered))
    overlap = shapely.area(shapely.intersection(old_geoms[oi], new_geoms[ni]))
    area_old = shapely.area(old_geoms)
    area_new = shapely.area(new_geoms)
    counts_old = counts_new = None
    counts_pair: dict[tuple[int, int], int] = {}
    if lon is not None and lat is not None and len(lon):
        involved_old = sorted(set(oi.tolist()))
        involved_new = sorted(set(ni.tolist()))
        at_old = PolygonIndex([old_codes[i] for i in involved_old], list(old_geoms[involved_old])).assign(
            lon, lat
        )
        at_new = PolygonIndex([new_codes[j] for j in involved_new], list(new_geoms[involved_new])).assign(
            lon, lat
        )
        o = np.where(at_old.index >= 0, np.asarray(involved_old)[np.maximum(at_old.index, 0)], -1)
        n = np.where(at_new.index >= 0, np.asarray(involved_new)[np.maximum(at_new.index, 0)], -1)
        counts_old = np.bincount(o[o >= 0], minlength=len(old_codes))
        counts_new = np.bincount(n[n >= 0], minlength=len(new_codes))
        both = (o >= 0) & (n >= 0)
        keys, amounts = np.unique(np.column_stack([o[both], n[both]]), axis=0, return_counts=True)
        counts_pair = {(int(a), int(b)): int(c) for (a, b), c in zip(keys, amounts, strict=True)}
    links = []
    for (i, j), surface in zip(ordered, overlap.tolist(), strict=True):
        if counts_old is not None and counts_old[i] > 0 and counts_new[j] > 0:
            inside = counts_pair.get((i, j), 0)
            share_old, share_new = inside / counts_old[i], inside / counts_new[j]
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
                old_codes[i],
                new_codes[j],
                round(float(min(share_old, 1.0)), 6),
                round(float(min(share_new, 1.0)), 6),
                basis,
                inside,
            )
        )
    return links
