# SPDX-License-Identifier: EUPL-1.2
"""Shared by the effect benchmarks: the panel (numpy/pandas only, so that any version of the project
can be timed on it), CPU time including children, and a description of the machine."""

from __future__ import annotations

import os
import platform
import resource
from pathlib import Path

import numpy as np
import pandas as pd

N_YEARS, N_PRE, N_PREDICTORS = 12, 8, 6


def make_frame(n_donors: int, seed: int = 0) -> tuple[pd.DataFrame, str, int, tuple[str, ...]]:
    """Long panel of ``n_donors + 1`` buurten: (frame, treated unit, treatment year, predictors).

    Outcome: level + three trending factors + noise; the treated buurt is a noisy convex combination
    of five donors and drops by 3 after treatment. Predictors are linear in the unit's level and
    loadings, plus measurement noise."""
    rng = np.random.default_rng(seed)
    n = n_donors + 1
    years = np.arange(2013, 2013 + N_YEARS)
    factors = np.cumsum(rng.normal(0, 1, (N_YEARS, 3)), axis=0)
    loadings = rng.normal(0, 1, (n, 3))
    level = rng.normal(50, 10, n)
    y = level[None, :] + 2 * factors @ loadings.T + rng.normal(0, 1, (N_YEARS, n))
    idx = rng.choice(np.arange(1, n), 5, replace=False)
    w = rng.dirichlet(np.ones(5))
    y[:, 0] = y[:, idx] @ w + rng.normal(0, 0.5, N_YEARS)
    y[N_PRE:, 0] -= 3.0
    pred = np.column_stack([level, loadings]) @ rng.normal(0, 1, (N_PREDICTORS, 4)).T
    pred[0] = pred[idx].T @ w
    units = [f"BU{i:05d}" for i in range(n)]
    frame = pd.DataFrame(
        {"unit": np.repeat(units, N_YEARS), "time": np.tile(years, n), "outcome": y.T.reshape(-1)}
    )
    for k in range(N_PREDICTORS):
        frame[f"p{k + 1}"] = np.repeat(pred[:, k], N_YEARS) + rng.normal(0, 0.1, n * N_YEARS)
    return frame, units[0], int(years[N_PRE]), tuple(f"p{k + 1}" for k in range(N_PREDICTORS))


def cpu_seconds() -> float:
    """CPU time of this process plus its reaped children (pool workers, child runs)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def machine() -> str:
    """Cores, CPU model, Python version, system and the load average at the time of the call."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()}, load {load}"
    )
