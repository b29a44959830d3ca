# SPDX-License-Identifier: EUPL-1.2
"""Top of the wijkscan before and after small-area estimation (issue 15, point 1), as Markdown.

Run on a database with the bundled data loaded (``smaakmaker areas laad-gebundeld``):

    DATABASE_URL=... .venv/bin/python bench/scan/small_areas.py [--gemeente GM0363] [--niveau wijk] [--jaar 2019] [--top 20]

"Before" is the ranking the scan made until this change: on the index of the published values, every
area with an index ranked unless fewer than half of the indicators *with data that year* were present
(that rule is recomputed here from the result). "After" is the ranking of the estimated index with the
minimum population and coverage over the expected indicators. For each area the table shows the
inhabitants, both indices, the 95 % interval, the coverage and the rate that moved most.
"""

from __future__ import annotations

import argparse
import math
import os
import sys

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gemeente", default="GM0363")
    parser.add_argument("--niveau", default="wijk")
    parser.add_argument("--jaar", type=int, default=2019)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smaakmaker.conf.settings")
    import django

    django.setup()
    from django.conf import settings

    from smaakmaker.areas import selectors
    from smaakmaker.areas.scan import format_nl

    _panel, result = selectors.scan_run(level=args.niveau, gemeente_code=args.gemeente, year=args.jaar)
    p = result.profile.copy()
    labels = {i.key: i.label for i in selectors.indicators_active()}

    # The old rule: coverage over the indicators with data somewhere in the year, incomplete below 0.5.
    scored = result.expected.any(axis=0)
    with_data = result.values.notna().any(axis=0) & scored
    old_cov = result.scores_raw.loc[:, with_data].notna().sum(axis=1) / max(int(with_data.sum()), 1)
    old_ok = p["composite_raw"].notna() & (old_cov >= result.config.min_coverage)
    p["rank_before"] = p["composite_raw"].where(old_ok).rank(ascending=False, method="min")

    # The rate whose estimate moved furthest from the published value, in score points.
    with np.errstate(invalid="ignore", divide="ignore"):
        moved = ((result.estimates - result.values).abs() * 100 / result.reference).where(
            result.shrinkage.notna()
        )
    moved = moved.fillna(-1.0)
    biggest = moved.idxmax(axis=1).where(moved.max(axis=1) > 0)

    def n(value: float, d: int = 1) -> str:
        return (
            "–" if value is None or (isinstance(value, float) and math.isnan(value)) else format_nl(value, d)
        )

    def rank(value: float) -> str:
        return "–" if math.isnan(value) else str(int(value))

    def shift(code: str) -> str:
        key = biggest.get(code)
        if not isinstance(key, str):
            return "–"
        raw, est = result.values.at[code, key], result.estimates.at[code, key]
        return f"{labels.get(key, key)}: {n(raw)} → {n(est)}"

    def row(code: str) -> str:
        r = p.loc[code]
        return (
            f"| {rank(r['rank_before'])} | {rank(r['rank'])} | {code} | {r['name']} | {n(r['inwoners'], 0)} | "
            f"{n(r['composite_raw'])} | {n(r['composite'])} | {n(r['composite_low'], 0)}–{n(r['composite_high'], 0)} | "
            f"{int(r['n_indicators'])}/{int(r['n_indicators_total'])} | {shift(code)} |"
        )

    header = (
        "| rang vóór | rang na | code | naam | inwoners | index CBS-waarden | index schatting | 95%-interval | "
        "dekking | grootste verschuiving (CBS → schatting) |\n|---|---|---|---|---|---|---|---|---|---|"
    )
    out = sys.stdout
    out.write(
        f"Wijkscan {args.niveau} {args.gemeente} {result.year}, referentie {result.reference_mode} "
        f"{result.base_year} = 100, minimum {settings.SCAN_MIN_POPULATION} inwoners.\n\n"
    )
    out.write(f"**Vóór** (top {args.top} op de index van de gepubliceerde waarden):\n\n{header}\n")
    for code in p.sort_values(["rank_before", "composite_raw"], ascending=[True, False]).index[: args.top]:
        out.write(row(code) + "\n")
    out.write(f"\n**Na** (top {args.top} op de geschatte index):\n\n{header}\n")
    for code in p.sort_values(["rank", "composite"], ascending=[True, False]).index[: args.top]:
        out.write(row(code) + "\n")
    shown = p[p["rank"].isna() & (p["not_ranked"] != "no_data")]
    out.write(
        f"\n**Getoond maar niet gerangschikt** ({len(shown)}):\n\n| code | naam | inwoners | index CBS-waarden | index schatting | waarom |\n|---|---|---|---|---|---|\n"
    )
    for code, r in shown.sort_values("composite", ascending=False).iterrows():
        out.write(
            f"| {code} | {r['name']} | {n(r['inwoners'], 0)} | {n(r['composite_raw'])} | {n(r['composite'])} | "
            f"{r['not_ranked_reason']} |\n"
        )
    none = p[p["not_ranked"] == "no_data"]
    if len(none):
        with_pop = none[none["inwoners"].notna()]
        listed = ", ".join(
            f"{c} {r.loc['name']} ({n(r.loc['inwoners'], 0)} inwoners)" for c, r in with_pop.iterrows()
        )
        out.write(
            f"\nZonder index in {result.year} (geen gegevens, niet gerangschikt): {len(none)} codes"
            + (f", waarvan met inwonertal: {listed}" if listed else "")
            + ". De overige zijn codes van de indeling van een ander jaar.\n"
        )
    for note in result.notes:
        out.write(f"\n{note}\n")


if __name__ == "__main__":
    main()
