# SPDX-License-Identifier: EUPL-1.2
"""All 1,000 refitted placebos of one version of the code, fit by fit (the evidence of ADR 0023).

Run on demand (not part of the test suite), once per version, then compare:

    .venv/bin/python bench/effects/placebo_losses.py run src /tmp/new.pkl
    git archive 5c63955 src | tar -x -C /tmp/old && .venv/bin/python bench/effects/placebo_losses.py run /tmp/old/src /tmp/old.pkl
    .venv/bin/python bench/effects/placebo_losses.py compare /tmp/old.pkl /tmp/new.pkl

``run`` fits every donor of the 1,000-donor panel of ``panel.py`` as the treated unit (2 starts, as
``speed.py``; with donor exchange inside the hull where the code has it) in 2 processes and stores
each placebo's pre-period loss, RMSPEs and CPU time, plus the treated unit's fit as the test uses it.
``compare`` prints the per-placebo loss ratios, the p-value and rank of the treated unit and the CPU.
"""

from __future__ import annotations

import pickle
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
_DATA: dict = {}


def _setup(src: str) -> None:
    sys.path[:0] = [src, str(HERE)]
    from panel import make_frame

    from smaakmaker.monitoring import effects as fx

    frame, treated, start, predictors = make_frame(1000, seed=1)
    spec = fx.SyntheticControlSpec(
        treated=treated, treatment_time=start, outcome="outcome", predictors=predictors
    )
    fields = fx.FitOptions.__dataclass_fields__
    kw = {}
    if "inside_hull_search" in fields:  # ADR 0023 (inside the hull), ADR 0028 (and on its faces)
        kw = {"inside_hull_search": "exchange_faces" if "face_search_evaluations" in fields else "exchange"}
    _DATA.update(
        fx=fx, data=fx.build_matrices(frame, spec), options=fx.FitOptions(n_starts=2, n_random_screen=0, **kw)
    )
    _DATA["exchange"] = bool(kw)


def _one(j: int) -> tuple:
    fx, data, options = _DATA["fx"], _DATA["data"], _DATA["options"]
    c0 = time.process_time()
    r = fx.fit_data(data.with_treated_donor(j), options, check_hull=False)
    return j, r.loss, r.rmspe_pre, r.rmspe_post, time.process_time() - c0


def run(src: str, out: str, limit: int = 0) -> None:
    _setup(src)
    fx, data = _DATA["fx"], _DATA["data"]
    # The treated unit as the test sees it: the main fit, refitted by the placebos' procedure when
    # the code fits units inside the hull by exchange (placebo_in_space does the same).
    main = fx.fit_data(data, _DATA["options"] if _DATA["exchange"] else fx.FitOptions(), check_hull=False)
    t0 = time.perf_counter()
    with ProcessPoolExecutor(2, initializer=_setup, initargs=(src,)) as pool:
        rows = sorted(pool.map(_one, range(limit or data.n_donors), chunksize=25))
    result = {"main": (main.loss, main.rmspe_ratio), "rows": rows, "wall": time.perf_counter() - t0}
    Path(out).write_bytes(pickle.dumps(result))


def compare(old_path: str, new_path: str) -> None:
    runs = [pickle.loads(Path(p).read_bytes()) for p in (old_path, new_path)]
    for name, run_ in zip(("old", "new"), runs, strict=True):
        pre = np.array([r[2] for r in run_["rows"]])
        post = np.array([r[3] for r in run_["rows"]])
        ratio = np.where(pre > 0, post / np.where(pre > 0, pre, 1.0), np.inf)
        loss, treated = run_["main"]
        p = (1 + np.sum(ratio >= treated)) / (ratio.size + 1)
        print(
            f"{name}: treated loss {loss:.4f}, ratio {treated:.2f}; p {p:.4f}, rank {1 + int(np.sum(ratio > treated))}; "
            f"CPU {sum(r[4] for r in run_['rows']):.0f} s, wall {run_['wall']:.0f} s"
        )
    q = np.array([r[1] for r in runs[1]["rows"]]) / np.array([r[1] for r in runs[0]["rows"]])
    print(
        f"loss new/old per placebo: median {np.median(q):.3f}, mean {q.mean():.3f}, max {q.max():.3f}; "
        f"worse by > 1 %: {np.sum(q > 1.01)}, by > 10 %: {np.sum(q > 1.1)}; better by > 1 %: {np.sum(q < 0.99)}; "
        f"identical: {np.sum(q == 1.0)}"
    )


if __name__ == "__main__":
    if sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 0)  # 4th: first n only
    else:
        compare(sys.argv[2], sys.argv[3])
