# SPDX-License-Identifier: EUPL-1.2
"""Speed of the effect-evaluation targets of issue 15, against the previous code in the same run.

Run on demand (not part of the test suite):

    .venv/bin/python bench/effects/speed.py                               # ours and the baseline
    .venv/bin/python bench/effects/speed.py --synthdid-python /tmp/venv/bin/python   # + PyPI synthdid

Three measurements on the buurt-shaped panel of ``panel.py`` (12 years, 8 before the start, 6
predictors):

1. one synthetic-control fit over 14,000 donors (``fit_data``, default options);
2. placebo in space over 1,000 donors with V refitted for every placebo (2 starts per placebo, as
   ``run.py``), in 2 worker processes;
3. SDID with its placebo standard error (200 draws) over 1,000 donors and over a Prop 99-sized pool
   of 38 donors, both beside the Python ``synthdid`` package.

The baselines are the code of each ``--baseline-rev`` (default: main just before the last speed
work, and main before issue 15 points 2-3), taken from git into a temporary directory and run in a
child process exactly like the current code, so all are measured in the same run on the same
machine state. SDID is compared with the Python ``synthdid`` package (PyPI 0.10.1, placebo standard
error with its fixed 50 draws) when an interpreter that has it is given (``--synthdid-python``; it is
never installed in the project's environment). Every row reports the median over ``--repeats`` (wall
and CPU time; CPU includes worker processes). The refit placebo row is estimated for every version
from the same ``--refit-sample`` placebos run one after another (CPU per placebo times 1,000, halved
for two cores); ``--refit-full`` also runs all 1,000 placebos of the current code in 2 processes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BASELINE_REVS = ("f05c3ab", "5c63955")
BASELINE_NOTES = {
    "f05c3ab": "main before ADR 0028",
    "5c63955": "main before ADR 0023",
    "cc3a7ad": "main before the inner-solve speed work",
    "5fa01ac": "before issue 15 points 2-3",
}
sys.path.insert(0, str(HERE))
from panel import cpu_seconds, machine  # noqa: E402

# --- child: one task with one version of the code -------------------------------------------------------


def child(task: str, src: str, n: int, repeats: int, jobs: int, sample: int) -> dict:
    sys.path.insert(0, str(HERE))
    if task == "pysynthdid":
        return pysynthdid(n)
    sys.path.insert(0, src)
    from panel import make_frame

    from smaakmaker.monitoring import effects as fx

    frame, treated, start, predictors = make_frame(n, seed=0 if task == "fit" else 1)
    spec = fx.SyntheticControlSpec(
        treated=treated, treatment_time=start, outcome="outcome", predictors=predictors
    )
    data = fx.build_matrices(frame, spec)
    walls, cpus, extra = [], [], {}
    for _ in range(repeats):
        c0, t0 = cpu_seconds(), time.perf_counter()
        if task == "fit":
            result = fx.fit_data(data, fx.FitOptions(), check_hull=False)
            extra = {"loss": result.loss}
        elif task == "refit":
            main = fx.fit_data(data, fx.FitOptions(), check_hull=False)
            options = fx.FitOptions(n_starts=2, n_random_screen=0)
            # The placebos' own procedure: since ADR 0023 units inside the hull are fitted by donor
            # exchange, since ADR 0028 also units inside the hull once one predictor is left out
            # (older code has no such option and searches V for every placebo).
            placebo_options = options
            fields = getattr(fx.FitOptions, "__dataclass_fields__", {})
            if "inside_hull_search" in fields:
                search = "exchange_faces" if "face_search_evaluations" in fields else "exchange"
                placebo_options = fx.FitOptions(n_starts=2, n_random_screen=0, inside_hull_search=search)
            c0, t0 = cpu_seconds(), time.perf_counter()
            if sample:
                import numpy as np

                picks = np.random.default_rng(0).choice(data.n_donors, sample, replace=False)
                losses = [
                    fx.fit_data(data.with_treated_donor(int(j)), placebo_options, check_hull=False).loss
                    for j in picks
                ]
                extra = {"estimated_from": sample, "mean_loss": float(np.mean(losses)), "losses": losses}
            else:
                placebo = fx.placebo_in_space(
                    data, result=main, variant="refit_v", n_jobs=jobs, options=options
                )
                extra = {"p": placebo.p_value, "rank": placebo.rank}
        else:  # sdid
            result = fx.synthdid_estimate(data, method="sdid")
            extra = {"estimate": result.estimate, "se": result.standard_error}
        walls.append(time.perf_counter() - t0)
        cpus.append(cpu_seconds() - c0)
    out = {"wall": statistics.median(walls), "cpu": statistics.median(cpus), **extra}
    if task == "refit" and sample:
        # sequential sample in one process: scale to the whole pool on ``jobs`` cores
        per = out["cpu"] / sample
        out.update(cpu=per * data.n_donors, wall=per * data.n_donors / jobs, wall_sample=out["wall"])
    return out


def pysynthdid(n: int) -> dict:
    """The PyPI ``synthdid`` package (0.10.1) on the same panel: estimate and placebo SE."""
    import numpy as np
    from panel import make_frame
    from synthdid.synthdid import Synthdid

    frame, treated, start, _ = make_frame(n, seed=1)
    frame = frame[["unit", "time", "outcome"]].copy()
    frame["treatment"] = ((frame["unit"] == treated) & (frame["time"] >= start)).astype(int)
    np.random.seed(0)
    c0, t0 = cpu_seconds(), time.perf_counter()
    model = Synthdid(frame, unit="unit", time="time", treatment="treatment", outcome="outcome").fit()
    model.vcov(method="placebo")
    return {
        "wall": time.perf_counter() - t0,
        "cpu": cpu_seconds() - c0,
        "estimate": float(np.ravel(model.att)[0]),
        "se": float(model.se),
    }


def run_child(
    python: str, task: str, src: str, args: argparse.Namespace, sample: int = 0, n: int | None = None
) -> dict:
    cmd = [python, __file__, "--child", task, "--src", src, "--repeats", str(args.repeats)]
    n = n if n is not None else (14000 if task == "fit" else 1000)
    cmd += ["--jobs", str(args.jobs), "--sample", str(sample), "--n", str(n)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, check=True)
    except subprocess.TimeoutExpired:
        return {"error": f"> {args.timeout:.0f} s (stopped)"}
    except subprocess.CalledProcessError as exc:
        return {"error": (exc.stderr.strip().splitlines() or ["error"])[-1][:80]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def baseline_source(rev: str, target: Path) -> Path:
    """Extract ``src/`` of ``rev`` into ``target`` (git archive; the work tree is not touched)."""
    data = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "src"], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(target, filter="data")
    return target / "src"


def loss_ratios(ours: dict, theirs: dict) -> str:
    """Per-placebo loss of ours over a baseline's: median ratio and shares better / worse."""
    if "losses" not in ours or "losses" not in theirs:
        return "-"
    import numpy as np

    q = np.asarray(ours["losses"]) / np.asarray(theirs["losses"])
    return (
        f"median {np.median(q):.3f}, min {q.min():.3f}, max {q.max():.3f}; worse by > 1 %: "
        f"{np.mean(q > 1.01):.0%}, > 10 %: {np.mean(q > 1.1):.0%}; better by > 1 %: {np.mean(q < 0.99):.0%}"
    )


def cell(result: dict, what: str = "") -> str:
    if "error" in result:
        return result["error"]
    text = f"{result['wall']:.2f} s (CPU {result['cpu']:.2f} s)"
    if "estimated_from" in result:
        text = (
            f"about {result['wall']:.0f} s on 2 idle cores (CPU {result['cpu']:.0f} s; estimated from "
            f"{result['estimated_from']} placebos, {result['wall_sample']:.1f} s here; their mean loss "
            f"{result['mean_loss']:.6g})"
        )
    if what and what in result:
        text += f"; {what} {result[what]:.4g}"
    if what == "p" and "rank" in result:
        text += f", rank {result['rank']}"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--baseline-rev", nargs="*", default=list(BASELINE_REVS))
    parser.add_argument(
        "--refit-full", action="store_true", help="also run all 1,000 placebos (ours, 2 processes)"
    )
    parser.add_argument(
        "--refit-sample",
        type=int,
        default=60,
        help="estimate the refit placebo test from this many placebos, for both versions (0: run it all)",
    )
    parser.add_argument("--synthdid-python", help="interpreter with the PyPI synthdid package")
    parser.add_argument(
        "--synthdid-donors", type=int, default=38, help="donor pool of the synthdid comparison"
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="cap per measurement, seconds")
    parser.add_argument("--skip", nargs="*", default=[], choices=["fit", "refit", "sdid"])
    parser.add_argument("--child")
    parser.add_argument("--src")
    parser.add_argument("--n", type=int, default=0)
    parser.add_argument("--sample", type=int, default=0)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.src, args.n, args.repeats, args.jobs, args.sample)))
        return 0
    rows = []
    revs = list(args.baseline_rev)
    with tempfile.TemporaryDirectory() as tmp:
        olds = [str(baseline_source(rev, Path(tmp) / rev)) for rev in revs]
        new = str(ROOT / "src")
        py = sys.executable

        def versions(task: str, a: argparse.Namespace, **kw) -> list[dict]:
            return [run_child(py, task, src, a, **kw) for src in [new, *olds]]

        def show(row: list[str]) -> None:
            rows.append(row)
            print(row, file=sys.stderr, flush=True)

        if "fit" not in args.skip:
            show(
                [
                    "one SC fit, 14,000 donors (target <= 1 s)",
                    *(cell(r, "loss") for r in versions("fit", args)),
                    "-",
                ]
            )
        if "refit" not in args.skip:
            once = argparse.Namespace(**{**vars(args), "repeats": 1})
            label = "placebo in space, 1,000 donors, V refitted per placebo, 2 processes (target <= 60 s)"
            runs = versions("refit", once, sample=args.refit_sample)
            show([label, *(cell(r) for r in runs), "-"])
            label_q = "the same placebos, pre-period loss (MSPE) of ours / of each baseline's, per placebo"
            show([label_q, "-", *(loss_ratios(runs[0], r) for r in runs[1:]), "-"])
            if args.refit_full:
                full = run_child(py, "refit", new, once, sample=0)
                show([label + ", all 1,000 run", cell(full, "p"), *("not run" for _ in revs), "-"])
        if "sdid" not in args.skip:
            once = argparse.Namespace(**{**vars(args), "repeats": 1})

            def theirs(n: int) -> str:
                if not args.synthdid_python:
                    return "not run (no --synthdid-python)"
                out = run_child(args.synthdid_python, "pysynthdid", new, once, n=n)
                return cell(out, "se") + (f"; estimate {out['estimate']:.3f}" if "estimate" in out else "")

            ours = run_child(py, "sdid", new, args)
            show(
                [
                    "SDID + placebo SE (200 draws), 1,000 donors (target <= 30 s)",
                    cell(ours, "se") + (f"; estimate {ours['estimate']:.3f}" if "estimate" in ours else ""),
                    *("SDID code unchanged by this work" if rev == revs[0] else "(no SDID)" for rev in revs),
                    theirs(1000),
                ]
            )
            small = args.synthdid_donors
            ours = run_child(py, "sdid", new, args, n=small)
            show(
                [
                    f"SDID + placebo SE, {small} donors",
                    cell(ours, "se") + (f"; estimate {ours['estimate']:.3f}" if "estimate" in ours else ""),
                    *("-" for _ in revs),
                    theirs(small),
                ]
            )
    stamp = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {machine()}, medians of {args.repeats}"
    print("\n" + stamp)
    heads = [f"`{rev}` ({BASELINE_NOTES.get(rev, 'baseline')})" for rev in revs]
    print("| measurement | ours (this code) | " + " | ".join(heads) + " | PyPI synthdid 0.10.1 |")
    print("|---" * (len(revs) + 3) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
