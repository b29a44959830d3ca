# SPDX-License-Identifier: EUPL-1.2
"""Benchmark of the kentering radar on the generated national panel (run on demand; not collected by pytest).

    .venv/bin/python bench/scan/radar.py [--buurten 14000] [--years 12] [--repeats 3] [--baseline-sample 2000]

Uses the panel of ``bench/scan/run.py`` (14,000 buurten + 345 GM + NL00 × 12 years × 40 indicators, ~4 %
secrecy) and times :func:`smaakmaker.areas.kentering.kentering_radar` over every series of every area
(buurten, gemeenten and NL: 575,000 series) for every year: the rule on all series as they stood after
each year, the turning points flagged with the rule's inputs. Baseline in the same run: the obvious
per-series loop (``kentering_for_series`` on each series cut off after each year in which it has a
figure) on a random sample of series, extrapolated linearly (its work per series does not depend on how
many series there are). Both give the same flags on the sample (checked).

Time = median wall clock over ``--repeats`` runs; peak memory = ``tracemalloc`` peak of one extra run.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from smaakmaker.areas.kentering import KenteringRule, kentering_for_series, kentering_radar  # noqa: E402
from smaakmaker.areas.scan import Panel  # noqa: E402
from smaakmaker.areas.sources.cbs_columns import INDICATORS_BY_ID  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_scan_run", Path(__file__).with_name("run.py"))
_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_run)  # type: ignore[union-attr]


def baseline(values: np.ndarray, years: np.ndarray, directions: np.ndarray, rows: np.ndarray) -> list[tuple]:
    """The radar by definition, one series and one year at a time."""
    rule = KenteringRule()
    found = []
    for i in rows:
        previous = 0.0
        series = values[i]
        for j in range(len(years)):
            if not np.isfinite(series[j]):
                continue
            info = kentering_for_series(pd.Series(series[: j + 1], index=years[: j + 1]), directions[i], rule)
            signal = 0.0 if np.isnan(info["signal"]) else info["signal"]
            if signal != 0 and j >= rule.needed - 1:
                found.append((int(i), int(years[j]), signal, signal != previous))
            previous = signal
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--buurten", type=int, default=14_000)
    parser.add_argument("--years", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline-sample", type=int, default=2000)
    args = parser.parse_args()
    if hasattr(os, "getloadavg"):
        print("load average at the start: {:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg()))
    long, ids = _run.generate(args.buurten, args.years)
    panel = Panel.from_long(long)
    n_codes, n_years, n_ind = panel.values.shape
    values = np.ascontiguousarray(panel.values.transpose(0, 2, 1)).reshape(n_codes * n_ind, n_years)
    table = {"worse": 1.0, "better": -1.0, "context": 0.0}
    directions = np.tile([table[INDICATORS_BY_ID[i].direction] for i in panel.indicators], n_codes)
    years = panel.years.astype(int)
    print(f"panel: {n_codes} gebieden × {n_ind} indicatoren = {len(values):,} reeksen × {n_years} jaren")

    scan = kentering_radar(values, years, directions)
    new = scan.flags[scan.flags["new"]]
    print(
        f"radar: {len(scan.flags):,} vlaggen, waarvan {len(new):,} nieuwe kenteringen; peiljaren "
        f"{scan.as_of_years[0]}–{scan.as_of_years[-1]}"
    )
    radar_all: list[float] = []

    def timed() -> None:
        t0 = time.perf_counter()
        kentering_radar(values, years, directions)
        radar_all.append(time.perf_counter() - t0)

    radar_t, radar_mem = _run.measure(timed, args.repeats)
    radar_all = radar_all[: args.repeats]  # the last call is the traced one (memory)

    rng = np.random.default_rng(0)
    sample = np.sort(rng.choice(len(values), size=min(args.baseline_sample, len(values)), replace=False))
    # Make sure the sample holds flagged series too, so the check below compares something.
    flagged = np.unique(scan.flags["series"].to_numpy())
    sample = np.unique(np.concatenate([sample, flagged[:50]]))
    t0 = time.perf_counter()
    slow = baseline(values, years, directions, sample)
    base_t = time.perf_counter() - t0
    base_total = base_t * len(values) / len(sample)
    fast = scan.flags[scan.flags["series"].isin(sample)]
    assert sorted(slow) == sorted(
        (int(r.series), int(r.as_of), float(r.signal), bool(r.new)) for r in fast.itertuples()
    ), "baseline and radar disagree"

    print()
    print(
        f"machine: {platform.node()} · {platform.processor() or platform.machine()} · {os.cpu_count()} cores"
    )
    print(f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M')}")
    print()
    print("| task | vectorised radar (median) | peak memory | per-series loop baseline | speed-up |")
    print("|---|---|---|---|---|")
    print(
        f"| radar, {len(values):,} series × {n_years} years | {radar_t:.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in radar_all)}) | {radar_mem:.0f} MiB | "
        f"{base_total:.0f} s (extrapolated from {len(sample):,} series: {base_t:.1f} s) | "
        f"{base_total / radar_t:.0f}× |"
    )
    if hasattr(os, "getloadavg"):
        print("load average at the end: {:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg()))
    print(f"target: national radar ≤ 120 s: {'met' if radar_t <= 120 else 'NOT met'}")


if __name__ == "__main__":
    main()
