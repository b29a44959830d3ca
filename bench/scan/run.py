# SPDX-License-Identifier: EUPL-1.2
"""Benchmark of the wijkscan on a generated national panel (run on demand; not collected by pytest).

    .venv/bin/python bench/scan/run.py [--buurten 14000] [--years 12] [--repeats 5] [--baseline-sample 700]

Generates 14,000 buurten × 12 years × 40 indicators with the real schema (codes like BU03630001, wijk and
gemeente parents, NL00), ~4% CBS secrecy ('.'), and times:

* the full vectorised national scan (profiles, ranking, trends, kentering, peers, flavours);
* the CSV parse of the generated panel (';', decimal comma, padded codes, R-style headers);
* a straightforward per-area Python loop baseline for both. The scan baseline runs on a random sample of
  ``--baseline-sample`` buurten (each against the full national panel) and is extrapolated linearly to all
  buurten: its work per area does not depend on how many areas are processed. The CSV baseline runs in full.

Time = median wall clock over ``--repeats`` runs; peak memory = ``tracemalloc`` peak of one extra run.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import platform
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from smaakmaker.areas.scan import Panel, ScanConfig, run_scan  # noqa: E402
from smaakmaker.areas.sources.cbs_columns import INDICATORS  # noqa: E402
from smaakmaker.areas.sources.cbs_csv import MISSING_TOKENS, read_cbs_csv  # noqa: E402


def generate(n_buurten: int, n_years: int, seed: int = 42) -> tuple[pd.DataFrame, list[str]]:
    """Tidy long panel with the real code schema; returns (long frame, indicator ids)."""
    rng = np.random.default_rng(seed)
    ids = [s.id for s in INDICATORS][:40]
    n_gm = 345
    gm_numbers = np.sort(rng.choice(np.arange(3, 2000), n_gm, replace=False))
    # buurten per gemeente ~ proportional to a skewed size; wijken of up to 8 buurten
    sizes = rng.multinomial(n_buurten - n_gm, rng.dirichlet(np.full(n_gm, 0.8))) + 1
    gm_of = np.repeat(gm_numbers, sizes)
    within = np.concatenate([np.arange(s) for s in sizes])
    wijk = within // 8
    buurt = within % 8
    codes = np.char.add(
        np.char.add("BU", np.char.zfill(gm_of.astype(str), 4)),
        np.char.add(np.char.zfill(wijk.astype(str), 2), np.char.zfill(buurt.astype(str), 2)),
    )
    gm_codes = np.char.add("GM", np.char.zfill(gm_numbers.astype(str), 4))
    all_codes = np.concatenate([["NL00"], gm_codes, codes])
    years = np.arange(2024 - n_years + 1, 2025)
    n_a, n_y, n_i = len(all_codes), len(years), len(ids)
    level = rng.lognormal(2.5, 0.6, size=(1, 1, n_i))
    area = rng.lognormal(0, 0.35, size=(n_a, 1, n_i))
    trend = rng.normal(0, 0.02, size=(n_a, 1, n_i)) * (np.arange(n_y)[None, :, None] - n_y / 2)
    noise = rng.normal(0, 0.03, size=(n_a, n_y, n_i))
    values = level * area * np.exp(trend + noise)
    values[1 + n_gm :][rng.random((n_buurten, n_y, n_i)) < 0.04] = np.nan
    values = np.round(values, 1)
    idx = pd.MultiIndex.from_product([all_codes, years, ids], names=["code", "year", "indicator"])
    return pd.DataFrame({"value": values.ravel()}, index=idx).reset_index(), ids


def write_csv(long: pd.DataFrame, ids: list[str], path: Path) -> int:
    """StatLine-like CSV: ';', decimal comma, padded codes, R-style headers, '.' for secret values."""
    headers = {s.id: (s.sources[0].column if s.sources else f"Extra.{s.id}") for s in INDICATORS}
    wide = long.pivot_table(
        index=["code", "year"], columns="indicator", values="value", dropna=False, sort=True
    )
    wide = wide[ids]
    text = wide.map(lambda v: "." if v != v else f"{v:.1f}".replace(".", ","))
    text.columns = [headers[c] for c in ids]
    text.insert(0, "Perioden", [f"{y}JJ00" for y in wide.index.get_level_values("year")])
    text.insert(1, "Codering_3", [f"{c:<10}" for c in wide.index.get_level_values("code")])
    text.to_csv(path, sep=";", index=False)
    return len(text)


# --- baselines ------------------------------------------------------------------------------------


def baseline_parse(path: Path) -> dict[tuple[str, int], dict[str, float | None]]:
    """Straightforward row-by-row parse with per-cell conversion."""
    out: dict[tuple[str, int], dict[str, float | None]] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter=";")
        header = next(reader)
        for row in reader:
            code = row[1].strip()
            year = int(row[0][:4])
            rec: dict[str, float | None] = {}
            for name, cell in zip(header[2:], row[2:], strict=True):
                cell = cell.strip()
                if cell in MISSING_TOKENS:
                    rec[name] = None
                else:
                    rec[name] = float(cell.replace(",", "."))
            out[(code, year)] = rec
    return out


def _slope(ts: list[float], ys: list[float]) -> float:
    n = len(ts)
    tm, ym = sum(ts) / n, sum(ys) / n
    sxx = sum((t - tm) ** 2 for t in ts)
    return sum((t - tm) * (y - ym) for t, y in zip(ts, ys, strict=True)) / sxx if sxx else math.nan


def baseline_scan(long: pd.DataFrame, ids: list[str], sample: list[str], year: int) -> int:
    """Per-area loop: scores, themes, composite, trends, kentering, peers, flavours (same definitions)."""
    specs = {s.id: s for s in INDICATORS}
    wide = long.pivot_table(index=["code", "year"], columns="indicator", values="value", dropna=False)
    nl = wide.loc[("NL00", year)]
    by_area = {code: frame.droplevel("code") for code, frame in wide.groupby(level="code")}
    buurten = [c for c in by_area if c.startswith("BU")]
    peer_vars = [i for i in ScanConfig().peer_indicators if i in ids]
    context = wide.xs(year, level="year").loc[buurten, peer_vars]
    z = ((context - context.mean()) / context.std(ddof=0)).to_numpy()
    zpos = {c: i for i, c in enumerate(buurten)}
    results = 0
    for code in sample:
        frame = by_area[code]
        row = frame.loc[year]
        theme_scores: dict[str, list[float]] = {}
        for ind in ids:
            spec = specs[ind]
            x, r = row[ind], nl[ind]
            if x != x or not r > 0 or spec.direction == "context":
                continue
            s = 1.0 if spec.direction == "worse" else -1.0
            score = min(300.0, max(0.0, 100 + s * 100 * (x - r) / r))
            theme_scores.setdefault(spec.theme, []).append(score)
        themes = [sum(v) / len(v) for v in theme_scores.values()]
        composite = sum(themes) / len(themes) if themes else math.nan
        for ind in ids:  # trend + kentering per indicator
            series = frame[ind].dropna()
            ts, ys = [float(t) for t in series.index], [float(y) for y in series]
            if len(ts) >= 3:
                _slope(ts, ys)
            if len(ts) >= 6:
                b = _slope(ts[:-3], ys[:-3])
                r_ = _slope(ts[-3:], ys[-3:])
                _ = (b > 0) != (r_ > 0)
        i = zpos[code]  # peers: distance to every other buurt
        d = np.full(len(buurten), np.inf)
        for j in range(len(buurten)):
            if j != i:
                diff = z[i] - z[j]
                ok = ~np.isnan(diff)
                if ok.sum() >= len(peer_vars) / 2:
                    d[j] = math.sqrt(float((diff[ok] ** 2).sum()) * len(peer_vars) / ok.sum())
        sorted(range(len(d)), key=lambda j: d[j])[:5]
        results += 1 if composite == composite else 0
    return results


# --- timing ---------------------------------------------------------------------------------------


def measure(func: Callable[[], object], repeats: int) -> tuple[float, float]:
    """(median seconds over repeats, tracemalloc peak MiB of one extra run)."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--buurten", type=int, default=14_000)
    parser.add_argument("--years", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--baseline-sample", type=int, default=700)
    args = parser.parse_args()
    if hasattr(os, "getloadavg"):
        print("load average at the start: {:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg()))

    t0 = time.perf_counter()
    long, ids = generate(args.buurten, args.years)
    t_gen = time.perf_counter() - t0
    panel = Panel.from_long(long)
    print(f"genereren {t_gen:.1f} s, Panel.from_long {time.perf_counter() - t0 - t_gen:.1f} s")
    long_t, long_mem = measure(lambda: Panel.from_long(long), max(1, args.repeats // 2))
    buurten = [c for c in panel.codes if c.startswith("BU")]
    year = int(panel.years[-1])
    print(
        f"panel: {len(buurten)} buurten (+{len(panel.codes) - len(buurten)} GM/NL rows) × {len(panel.years)} "
        f"jaren × {len(panel.indicators)} indicatoren; gegenereerd in {time.perf_counter() - t0:.1f} s"
    )
    config = ScanConfig(reference="national")

    def full_scan() -> object:
        return run_scan(panel, buurten, year, config)

    result = full_scan()
    print(
        f"scan: {len(result.profile)} profielen, {len(result.trends)} trendregels, "
        f"{int((result.trends['kentering'].abs() == 1).sum())} kenteringen, "
        f"{len(result.peers)} peer-regels, {len(result.flavours)} smaakregels"
    )
    scan_t, scan_mem = measure(full_scan, args.repeats)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kwb_panel.csv"
        rows = write_csv(long, ids, path)
        size = path.stat().st_size / 2**20
        print(f"csv: {rows} regels, {size:.0f} MiB")
        parse_t, parse_mem = measure(lambda: read_cbs_csv(path), max(1, args.repeats // 2))
        base_parse_t, base_parse_mem = measure(lambda: baseline_parse(path), 1)
        table = read_cbs_csv(path)
        check = table.indicators()
        assert check["indicator"].nunique() >= len(ids) - 1, "indicator mapping lost columns"
        assert len(check) == rows * check["indicator"].nunique(), "parse lost rows"

    rng = np.random.default_rng(0)
    sample = sorted(rng.choice(buurten, size=min(args.baseline_sample, len(buurten)), replace=False).tolist())
    t1 = time.perf_counter()
    baseline_scan(long, ids, sample, year)
    base_sample_t = time.perf_counter() - t1
    base_scan_t = base_sample_t * len(buurten) / len(sample)

    tracemalloc.start()
    baseline_scan(long, ids, sample[:50], year)
    _, base_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    cpu = platform.processor() or platform.machine()
    print()
    print(f"machine: {platform.node()} · {cpu} · {os.cpu_count()} cores · Python {platform.python_version()}")
    print(f"date: {time.strftime('%Y-%m-%d %H:%M')}")
    print()
    print("| task | vectorised (median) | peak memory | per-area loop baseline | peak memory | speed-up |")
    print("|---|---|---|---|---|---|")
    print(
        f"| full national scan ({len(buurten):,} buurten) | {scan_t:.2f} s | {scan_mem:.0f} MiB | "
        f"{base_scan_t:.1f} s (extrapolated from {len(sample)} buurten: {base_sample_t:.1f} s) | "
        f"{base_peak / 2**20:.0f} MiB | {base_scan_t / scan_t:.0f}× |"
    )
    print(
        f"| CSV parse ({rows:,} rows, {size:.0f} MiB) | {parse_t:.2f} s | {parse_mem:.0f} MiB | "
        f"{base_parse_t:.2f} s | {base_parse_mem:.0f} MiB | {base_parse_t / parse_t:.1f}× |"
    )
    print(f"| Panel.from_long ({len(long):,} rows) | {long_t:.2f} s | {long_mem:.0f} MiB | – | – | – |")
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print()
    print(f"load average at the end: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}")
    ok = scan_t <= 2.0 and base_scan_t / scan_t >= 20
    print()
    print(f"target (scan ≤ 2 s and ≥ 20× baseline): {'gehaald' if ok else 'NIET gehaald'}")


if __name__ == "__main__":
    main()
