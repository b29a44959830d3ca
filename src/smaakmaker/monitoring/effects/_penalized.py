# SPDX-License-Identifier: EUPL-1.2
"""Penalised synthetic control (Abadie & L'Hour 2021, JASA 116(536)) on the pre-period outcome path.

The unit weights minimise, over the simplex, the fit plus a penalty on every donor's own distance::

    ||z1 - Z0 w||^2 + lambda * sum_j w_j ||z1 - z0_j||^2

``z1``/``Z0`` are the outcomes of the treated unit and the donors in the pre-periods. With
``lambda = 0`` this is the synthetic control on the outcome path (whose weights need not be unique
when the treated unit lies inside the donors' convex hull, the usual case with many donors); as
``lambda`` grows the weights move to the donors that are individually close (nearest-neighbour
matching in the limit). For ``lambda > 0`` the solution is unique and sparse.

The penalty is chosen by pre-period cross-validation, fixed before the post-period is looked at: the
last ``h = max(1, T0 // 3)`` pre-periods are held out, the weights are fitted on the earlier ones for
every ``lambda`` of a fixed grid (0 and 10^-3 ... 10^2, four values per decade), and the ``lambda``
with the smallest mean squared error on the held-out periods wins (ties go to the larger ``lambda``).
The weights are then refitted on all pre-periods with that ``lambda``.

Uncertainty: every donor in turn plays the treated unit against the other donors with the same
``lambda`` (placebo in space); the standard error is the standard deviation of these placebo
estimates (the exhaustive form of the placebo method that :mod:`._sdid` uses with random draws).

Solver: pairwise Frank-Wolfe with exact line search (quadratic objective), vectorised over the grid or
over the placebos, stopped when the Frank-Wolfe duality gap (an upper bound on the distance to the
optimum) is below ``1e-10`` of the scale of the problem.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._data import SyntheticControlData, SyntheticControlSpec
from ._errors import EffectEvaluationError
from ._fit import as_data

#: The grid of penalties searched by cross-validation.
LAMBDA_GRID: tuple[float, ...] = (0.0, *tuple(float(x) for x in np.logspace(-3, 2, 21)))
MAX_ITERATIONS = 20_000
GAP_TOLERANCE = 1e-10


@dataclass(frozen=True)
class PenalizedResult:
    """Penalised synthetic control: estimate, chosen penalty, weights, fit and placebo standard error."""

    treated: Hashable
    estimate: float
    standard_error: float
    penalty: float
    validation_errors: pd.Series
    weights: pd.Series
    pre_rmse: float
    gap: pd.Series
    n_validation_periods: int
    placebo_estimates: pd.Series
    max_duality_gap: float
    elapsed_seconds: float


def penalized_weights(
    a: np.ndarray,
    b: np.ndarray,
    penalty: np.ndarray,
    *,
    excluded: np.ndarray | None = None,
    max_iter: int = MAX_ITERATIONS,
    tol: float = GAP_TOLERANCE,
) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``min ||A w - b_p||^2 + lambda_p sum_j w_j ||A_j - b_p||^2`` on the simplex for a batch.

    Args:
        a: (m, n) donors' outcomes (shared). b: (P, m) treated paths. penalty: (P,) lambdas.
        excluded: (P,) a column each problem may not use (the placebo's own column), or None.

    Returns:
        (weights (P, n), final duality gaps (P,)).
    """
    n_problems = b.shape[0]
    n = a.shape[1]
    rows = np.arange(n_problems)
    col_sq = np.einsum("mn,mn->n", a, a)
    # ||A_j - b||^2 per problem and donor
    dist = col_sq[None, :] - 2 * (b @ a) + np.einsum("pm,pm->p", b, b)[:, None]
    linear = penalty[:, None] * np.maximum(dist, 0.0)
    allowed = np.ones((n_problems, n), dtype=bool)
    if excluded is not None:
        allowed[rows, excluded] = False
    # start at the allowed donor with the smallest penalised own distance (a vertex)
    start_score = np.where(allowed, dist + linear, np.inf)
    w = np.zeros((n_problems, n))
    w[rows, np.argmin(start_score, axis=1)] = 1.0
    aw = w @ a.T
    scale = np.maximum(np.einsum("pm,pm->p", b, b), 1e-300)
    gap = np.full(n_problems, np.inf)
    active = np.ones(n_problems, dtype=bool)
    for _ in range(max_iter):
        grad = 2 * ((aw - b) @ a) + linear
        grad_masked = np.where(allowed, grad, np.inf)
        s = np.argmin(grad_masked, axis=1)
        gap = np.einsum("pn,pn->p", grad, w) - grad_masked[rows, s]
        active &= gap > tol * scale
        if not active.any():
            break
        away_scores = np.where(w > 0, grad, -np.inf)
        v = np.argmax(away_scores, axis=1)
        d_col = a[:, s].T - a[:, v].T  # (P, m)
        slope = grad[rows, s] - grad[rows, v]  # <= 0
        curvature = 2 * np.einsum("pm,pm->p", d_col, d_col)
        max_step = w[rows, v]
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(curvature > 0, -slope / curvature, max_step)
        step = np.clip(step, 0.0, max_step)
        step = np.where(active & (s != v), step, 0.0)
        w[rows, v] -= step
        w[rows, s] += step
        w[rows, v] = np.where(w[rows, v] < 1e-15, 0.0, w[rows, v])
        aw += step[:, None] * d_col
    w = np.maximum(w, 0.0)
    return w / w.sum(axis=1, keepdims=True), gap / scale


def penalized_synthetic_control(
    data: pd.DataFrame | SyntheticControlData,
    spec: SyntheticControlSpec | None = None,
    *,
    lambdas: tuple[float, ...] = LAMBDA_GRID,
    placebo: bool = True,
) -> PenalizedResult:
    """Penalised synthetic control with the penalty chosen by pre-period cross-validation.

    Uses the outcome over all reported periods; predictors of the spec are not used.

    Raises:
        EffectEvaluationError: fewer than three pre-periods (no room to hold any out), no post-period,
            no donors or missing values.
    """
    t_start = time.perf_counter()
    problem = as_data(data, spec)
    order = np.argsort(problem.times, kind="stable")
    times = problem.times[order]
    y0 = problem.y_donors[order]
    y1 = problem.y_treated[order]
    pre = times < problem.treatment_time
    t0, n0 = int(pre.sum()), problem.n_donors
    if n0 == 0:
        raise EffectEvaluationError("empty_donor_pool", "De donorpool is leeg.")
    if t0 < 3 or t0 == times.size:
        raise EffectEvaluationError(
            "too_few_pre_periods",
            "De gestrafte synthetische controle kiest haar strafparameter door periodes vóór de ingreep "
            "achter te houden; daarvoor zijn minstens drie periodes vóór en één na de ingreep nodig.",
        )
    if not (np.isfinite(y0).all() and np.isfinite(y1).all()):
        raise EffectEvaluationError("missing_values", "De uitkomst heeft ontbrekende waarden.")
    h = max(1, t0 // 3)
    train, valid = slice(0, t0 - h), slice(t0 - h, t0)
    grid = np.asarray(lambdas, dtype=float)
    w_grid, _ = penalized_weights(y0[train], np.tile(y1[train], (grid.size, 1)), grid)
    resid = y1[valid][None, :] - w_grid @ y0[valid].T
    errors = np.mean(resid**2, axis=1)
    best = float(errors.min())
    ties = np.flatnonzero(errors <= best + 1e-9 * max(best, 1e-300))
    choice = int(ties[np.argmax(grid[ties])])
    penalty = float(grid[choice])

    w, duality = penalized_weights(y0[:t0], y1[None, :t0], np.array([penalty]))
    weights = w[0]
    gap = y1 - y0 @ weights
    estimate = float(gap[~pre].mean())
    pre_rmse = float(np.sqrt(np.mean(gap[pre] ** 2)))
    max_gap = float(duality.max())

    se = float("nan")
    placebo_series = pd.Series(dtype=float, name="placebo_estimate")
    if placebo and n0 >= 2:
        idx = np.arange(n0)
        w_p, duality_p = penalized_weights(y0[:t0], y0[:t0].T, np.full(n0, penalty), excluded=idx)
        gaps = y0.T - w_p @ y0.T  # (n0, T)
        estimates = gaps[:, ~pre].mean(axis=1)
        se = float(np.std(estimates, ddof=0))
        placebo_series = pd.Series(
            estimates, index=pd.Index(problem.donors, name="donor"), name="placebo_estimate"
        )
        max_gap = max(max_gap, float(duality_p.max()))
    return PenalizedResult(
        treated=problem.treated,
        estimate=estimate,
        standard_error=se,
        penalty=penalty,
        validation_errors=pd.Series(errors, index=pd.Index(grid, name="lambda"), name="validation_mse"),
        weights=pd.Series(weights, index=pd.Index(problem.donors, name="donor"), name="weight"),
        pre_rmse=pre_rmse,
        gap=pd.Series(gap, index=pd.Index(times, name="time"), name="gap"),
        n_validation_periods=h,
        placebo_estimates=placebo_series,
        max_duality_gap=max_gap,
        elapsed_seconds=time.perf_counter() - t_start,
    )
