# SPDX-License-Identifier: EUPL-1.2
"""Benchmark of smaakmaker.monitoring.effects (synthetic control) against pysyncon.

Run on demand (not part of the test suite):

    .venv-bench/bin/python bench/effects/run.py            # with pysyncon columns
    .venv/bin/python bench/effects/run.py --no-pysyncon    # ours only

The panel is shaped like Dutch buurten: 12 years (8 before, 4 after the intervention) and 6
predictors, generated from a factor model (see ``make_panel``). Both tools get *identical* inputs:
the predictor and outcome matrices built once by ``build_matrices``; pysyncon receives them as
``Synth().fit(X0=..., X1=..., Z0=..., Z1=...)`` (its default: Nelder-Mead from equal V, SLSQP inner
solve). The pre-period loss is the same quantity for both (mean squared outcome gap over the 8
pre-periods). pysyncon runs in a child process so that ``--pysyncon-timeout`` can stop it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from smaakmaker.monitoring.effects import (  # noqa: E402
    FitOptions,
    SyntheticControlData,
    SyntheticControlSpec,
    build_matrices,
    fit_data,
    placebo_in_space,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from panel import cpu_seconds, machine, make_frame  # noqa: E402


def make_panel(n_donors: int, seed: int = 0) -> tuple[pd.DataFrame, SyntheticControlSpec]:
    """The benchmark panel (see ``panel.make_frame``) and its spec."""
    frame, treated, start, predictors = make_frame(n_donors, seed)
    spec = SyntheticControlSpec(
        treated=treated, treatment_time=start, outcome="outcome", predictors=predictors
    )
    return frame, spec


def timed(func, repeats: int) -> tuple[float, float, object]:
    """Median wall time and median CPU time over ``repeats`` calls, and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        c0, t0 = cpu_seconds(), time.perf_counter()
        result = func()
        walls.append(time.perf_counter() - t0)
        cpus.append(cpu_seconds() - c0)
    return statistics.median(walls), statistics.median(cpus), result


# --- pysyncon, in a child process -----------------------------------------------------------------


def pysyncon_worker(path: str) -> None:
    """Child process: fit pysyncon on the saved matrices and print time and loss as JSON."""
    from pysyncon import Synth

    arrays = np.load(path, allow_pickle=False)
    donors = [f"d{i}" for i in range(arrays["x0"].shape[1])]
    x0 = pd.DataFrame(arrays["x0"], columns=donors)
    x1 = pd.Series(arrays["x1"], name="treated")
    z0 = pd.DataFrame(arrays["z0"], columns=donors)
    z1 = pd.Series(arrays["z1"], name="treated")
    c0, t0 = time.process_time(), time.perf_counter()
    synth = Synth()
    synth.fit(X0=x0, X1=x1, Z0=z0, Z1=z1)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({"seconds": seconds, "cpu": cpu, "loss": float(synth.loss_V)}))


def run_pysyncon(data: SyntheticControlData, timeout: float, repeats: int) -> dict[str, object]:
    """Median time and loss of pysyncon over ``repeats`` runs, each capped at ``timeout`` seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "matrices.npz")
        np.savez(path, x0=data.x_donors, x1=data.x_treated, z0=data.z_donors, z1=data.z_treated)
        times, cpus, losses = [], [], []
        for _ in range(repeats):
            try:
                out = subprocess.run(
                    [sys.executable, __file__, "--pysyncon-worker", path],
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                    check=True,
                )
            except subprocess.TimeoutExpired:
                return {"time": f"> {timeout:.0f} s (stopped)", "loss": "-"}
            except subprocess.CalledProcessError as exc:
                return {"time": "error", "loss": exc.stderr.strip().splitlines()[-1][:60]}
            res = json.loads(out.stdout.strip().splitlines()[-1])
            times.append(res["seconds"])
            cpus.append(res["cpu"])
            losses.append(res["loss"])
    return {
        "time": f"{statistics.median(times):.1f} s (CPU {statistics.median(cpus):.1f} s)",
        "loss": f"{statistics.median(losses):.4f}",
    }


# --- main -------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3, help="repeats per measurement (median is reported)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000], help="donor pools compared")
    parser.add_argument("--large", type=int, default=14000, help="largest donor pool (ours only; 0 skips)")
    parser.add_argument("--placebo-donors", type=int, default=1000, help="placebo donor pool (0 skips)")
    parser.add_argument("--pysyncon-timeout", type=float, default=120.0, help="cap per pysyncon fit, seconds")
    parser.add_argument("--pysyncon-repeats", type=int, default=1, help="repeats per pysyncon fit")
    parser.add_argument("--no-pysyncon", action="store_true", help="skip the pysyncon columns")
    parser.add_argument("--skip-refit", action="store_true", help="skip the placebo test that refits V")
    parser.add_argument("--refit-starts", type=int, default=2, help="V starts per placebo when refitting")
    parser.add_argument(
        "--refit-sample",
        type=int,
        default=0,
        help="estimate the refit placebo test from N placebos (0: run all)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the refit placebo test")
    parser.add_argument("--pysyncon-worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.pysyncon_worker:
        pysyncon_worker(args.pysyncon_worker)
        return 0

    have_pysyncon = not args.no_pysyncon and importlib.util.find_spec("pysyncon") is not None
    note = ""
    if not have_pysyncon:
        note = (
            "pysyncon columns skipped: "
            + (
                "--no-pysyncon given."
                if args.no_pysyncon
                else "pysyncon is not importable in this interpreter "
            )
            + ("" if args.no_pysyncon else "(see bench/effects/README.md for the benchmark venv).")
        )
    rows: list[list[str]] = []
    options = FitOptions()
    for n in [*args.sizes, *([args.large] if args.large > 0 else [])]:
        frame, spec = make_panel(n)
        t_build, _, data = timed(lambda frame=frame, spec=spec: build_matrices(frame, spec), args.repeats)
        t_fit, c_fit, result = timed(
            lambda data=data: fit_data(data, options, check_hull=False), args.repeats
        )
        ours = [f"{t_fit:.3f} s (CPU {c_fit:.3f} s)", f"{result.loss:.4f}", f"{t_build:.3f} s"]
        if have_pysyncon and n in args.sizes:
            theirs = run_pysyncon(data, args.pysyncon_timeout, args.pysyncon_repeats)
            other = [str(theirs["time"]), str(theirs["loss"])]
        else:
            other = ["-", "-"] if have_pysyncon else ["skipped", "skipped"]
        rows.append([f"one full fit, {n:,} donors", *ours, *other])
        print(f"done: {rows[-1]}", file=sys.stderr, flush=True)

    if args.placebo_donors > 0:
        placebo_rows(rows, args, options)
    print_table(rows, args, note)
    return 0


def placebo_rows(rows: list[list[str]], args: argparse.Namespace, options: FitOptions) -> None:
    """Time the placebo-in-space test, fixed V and (unless skipped) refitted V."""
    frame, spec = make_panel(args.placebo_donors, seed=1)
    data = build_matrices(frame, spec)
    main_fit = fit_data(data, options, check_hull=False)
    t_fixed, c_fixed, fixed = timed(
        lambda: placebo_in_space(data, result=main_fit, variant="fixed_v"), args.repeats
    )
    rows.append(
        [
            f"placebo in space, {args.placebo_donors:,} donors, V re-used",
            f"{t_fixed:.2f} s (CPU {c_fixed:.2f} s)",
            f"p = {fixed.p_value:.4f}",
            "",
            "",
            "",
        ]
    )
    if args.refit_sample > 0:
        # Busy machine: time the full refit on a random sample of placebos (CPU time, one process)
        # and extrapolate to the whole pool; the row says so.
        from smaakmaker.monitoring.effects import fit_data as _fit

        refit_options = FitOptions(
            n_starts=args.refit_starts, n_random_screen=0 if args.refit_starts <= 2 else 32
        )
        sample = np.random.default_rng(0).choice(data.n_donors, args.refit_sample, replace=False)
        c0, t0 = cpu_seconds(), time.perf_counter()
        for j in sample:
            _fit(data.with_treated_donor(int(j)), refit_options, check_hull=False)
        cpu_each = (cpu_seconds() - c0) / args.refit_sample
        wall_each = (time.perf_counter() - t0) / args.refit_sample
        rows.append(
            [
                f"placebo in space, {args.placebo_donors:,} donors, V refitted ({args.refit_starts} starts per "
                f"placebo): estimate from {args.refit_sample} placebos",
                f"CPU {cpu_each * data.n_donors:.0f} s in total ({cpu_each:.2f} s per placebo; wall here "
                f"{wall_each:.2f} s per placebo) = about {cpu_each * data.n_donors / args.jobs:.0f} s on "
                f"{args.jobs} idle cores",
                "",
                "",
                "",
                "",
            ]
        )
    elif not args.skip_refit:
        refit_options = FitOptions(
            n_starts=args.refit_starts, n_random_screen=0 if args.refit_starts <= 2 else 32
        )
        t_refit, c_refit, refit = timed(
            lambda: placebo_in_space(
                data, result=main_fit, variant="refit_v", n_jobs=args.jobs, options=refit_options
            ),
            1,
        )
        rows.append(
            [
                f"placebo in space, {args.placebo_donors:,} donors, V refitted "
                f"({args.refit_starts} starts per placebo, {args.jobs} processes)",
                f"{t_refit:.1f} s (CPU {c_refit:.1f} s)",
                f"p = {refit.p_value:.4f}",
                "",
                "",
                "",
            ]
        )


def print_table(rows: list[list[str]], args: argparse.Namespace, note: str) -> None:
    """Print the table with rich (when available) and as Markdown."""
    header = [
        "measurement",
        "ours: time",
        "ours: pre-period loss",
        "ours: panel to matrices",
        "pysyncon: time",
        "pysyncon: loss",
    ]
    stamp = f"{dt.date.today().isoformat()}, {machine()}, medians of {args.repeats} repeats (pysyncon: {args.pysyncon_repeats})"
    try:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"Synthetic control benchmark ({stamp})")
        for h in header:
            table.add_column(h)
        for r in rows:
            table.add_row(*r)
        Console().print(table)
    except ImportError:
        pass
    print("\n" + stamp)
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    if note:
        print("\n" + note)


if __name__ == "__main__":
    raise SystemExit(main())
