# SPDX-License-Identifier: EUPL-1.2
"""Synthetic difference-in-differences and its two relatives on the outcome path.

Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021, AER 111(12)) write three estimators as one
weighted double difference of the outcome matrix (rows: donors then the treated unit; columns: the
``T0`` pre-periods then the ``T1`` post-periods)::

    tau = [mean_post(y_1) - lambda' y_1,pre] - sum_i omega_i [mean_post(y_i) - lambda' y_i,pre]

* ``sdid``: unit weights ``omega`` with an intercept (levels may differ, the path must match) and a
  ridge penalty ``zeta = (N_tr T_post)^(1/4) sigma``, where ``sigma`` is the standard deviation of the
  first differences of the donors' pre-period outcomes; time weights ``lambda`` with an intercept and
  an infinitesimal penalty (``1e-6 sigma``). Both by Frank-Wolfe (see :mod:`._frank_wolfe`), first
  100 iterations, then sparsified and up to 10,000 more.
* ``sc``: the same unit weights without intercept and with the infinitesimal penalty; ``lambda = 0``,
  so the estimate is the mean post-period gap (synthetic control on the outcome path, no predictors).
* ``did``: ``omega = 1/N0``, ``lambda = 1/T0``.

Standard error: the placebo method (the paper's Algorithm 4, the only one for a single treated unit):
draw a donor at random to play the treated unit against the other donors, re-estimate with the
original estimator's tuning (``zeta``, stopping rule; the weights of the main fit, restricted and
renormalised, as starting points), repeat ``replications`` times (200, as the package) and take
``sqrt((B - 1) / B)`` times the standard deviation of the placebo estimates. A placebo depends only on
which donor plays the treated unit, so each distinct donor is fitted once and the draws are looked
up; all distinct placebos are fitted together as one batch.

Validated against the published California Proposition 99 figures (Table 1 of the paper): SDID
-15.6 (8.4), SC -19.6 (9.9), DID -27.3 (17.7); see ``tests/test_effects_sdid.py``.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ._data import SyntheticControlData, SyntheticControlSpec
from ._errors import EffectEvaluationError
from ._fit import as_data
from ._frank_wolfe import frank_wolfe, sparsify

PanelMethod = Literal["sdid", "sc", "did"]

#: Iterations before the weights are sparsified, and the cap afterwards (the package's defaults).
ITERATIONS_BEFORE_SPARSIFY = 100
MAX_ITERATIONS = 10_000
#: Placebo replications for the standard error (the package's default).
PLACEBO_REPLICATIONS = 200
#: Seed of the placebo draws (results are reproducible).
PLACEBO_SEED = 20211201


@dataclass(frozen=True)
class _Tuning:
    zeta_omega: float
    zeta_lambda: float
    omega_intercept: bool
    lambda_intercept: bool
    update_omega: bool
    update_lambda: bool
    min_decrease: float


@dataclass(frozen=True)
class PanelEstimate:
    """One estimate of the synthdid family with its weights, fit and placebo standard error.

    Attributes:
        method: ``"sdid"``, ``"sc"`` or ``"did"``.
        estimate: the average effect over the post-periods.
        standard_error: placebo standard error (NaN with fewer than two donors or ``replications=0``).
        unit_weights: ``omega`` per donor; ``time_weights``: ``lambda`` per pre-period.
        intercept: the level difference ``omega`` leaves (the SDID and DID fits allow one).
        pre_rmse: root mean squared pre-period gap between the treated unit and its weighted donors
            after that level difference: how well the estimator tracks the unit before the start.
        gap: observed minus weighted donors (plus intercept) for every period.
        placebo_estimates: the distinct placebo estimates (one per donor that was drawn).
    """

    method: PanelMethod
    treated: Hashable
    estimate: float
    standard_error: float
    unit_weights: pd.Series
    time_weights: pd.Series
    intercept: float
    pre_rmse: float
    gap: pd.Series
    noise_level: float
    zeta_omega: float
    replications: int
    placebo_estimates: pd.Series
    iterations: int
    elapsed_seconds: float


def _collapsed(y: np.ndarray, n0: int, t0: int) -> np.ndarray:
    """(N0+1, T0+1): donors' pre-period outcomes and post-period means; last row the treated unit."""
    top = np.column_stack([y[:n0, :t0], y[:n0, t0:].mean(axis=1)])
    bottom = np.append(y[n0:, :t0].mean(axis=0), y[n0:, t0:].mean())
    return np.vstack([top, bottom])


def noise_level(y0_pre: np.ndarray) -> float:
    """Standard deviation (n - 1) of the first differences of the donors' pre-period outcomes (T0, N0)."""
    diffs = np.diff(y0_pre, axis=0)
    return float(np.std(diffs, ddof=1)) if diffs.size > 1 else float("nan")


def _tuning(method: PanelMethod, sigma: float, n_treated: int, n_post: int) -> _Tuning:
    if method == "sdid":
        eta_omega = (n_treated * n_post) ** 0.25
        return _Tuning(eta_omega * sigma, 1e-6 * sigma, True, True, True, True, 1e-5 * sigma)
    if method == "sc":
        return _Tuning(1e-6 * sigma, 1e-6 * sigma, False, True, True, False, 1e-5 * sigma)
    return _Tuning(0.0, 0.0, True, True, False, False, 1e-5 * sigma)


def _solve(
    a: np.ndarray,
    b: np.ndarray,
    x0: np.ndarray,
    zeta: float,
    n_rows: int | np.ndarray,
    min_decrease: float,
    excluded: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The package's two rounds: 100 iterations, sparsify, then up to 10,000."""
    first = frank_wolfe(
        a,
        b,
        x0,
        zeta=zeta,
        n_rows=n_rows,
        min_decrease=min_decrease,
        max_iter=ITERATIONS_BEFORE_SPARSIFY,
        excluded=excluded,
    )
    second = frank_wolfe(
        a,
        b,
        sparsify(first.x),
        zeta=zeta,
        n_rows=n_rows,
        min_decrease=min_decrease,
        max_iter=MAX_ITERATIONS,
        excluded=excluded,
    )
    return second.x, first.iterations + second.iterations


def _omega_design(y0_pre: np.ndarray, intercept: bool) -> np.ndarray:
    """(T0, N) pre-period outcomes of all units as columns, demeaned over time with an intercept."""
    return y0_pre - y0_pre.mean(axis=0) if intercept else y0_pre


def _double_difference(
    y0: np.ndarray, y1: np.ndarray, omega: np.ndarray, lam: np.ndarray, t0: int
) -> np.ndarray:
    """tau for a batch: y0 (T, N0) shared donors, y1 (P, T) treated paths, omega (P, N0), lam (P, T0)."""
    post0 = y0[t0:].mean(axis=0)  # (N0,)
    pre_lam0 = lam @ y0[:t0]  # (P, N0)
    donor_dd = np.einsum("pn,pn->p", omega, post0[None, :] - pre_lam0)
    treated_dd = y1[:, t0:].mean(axis=1) - np.einsum("pt,pt->p", lam, y1[:, :t0])
    return treated_dd - donor_dd


def _fit_many(
    y_all: np.ndarray,
    treated_index: np.ndarray,
    t0: int,
    tuning: _Tuning,
    omega_start: np.ndarray,
    lambda_start: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Fit one problem per entry of ``treated_index``: that column of ``y_all`` (T, N) is the treated
    unit, every other column a donor. Returns (tau (P,), omega (P, N) zero at the treated column,
    lambda (P, T0), iterations)."""
    n_periods, n_units = y_all.shape
    n_problems = treated_index.size
    rows = np.arange(n_problems)
    n_donors = n_units - 1
    donor_mask = np.ones((n_problems, n_units), dtype=bool)
    donor_mask[rows, treated_index] = False
    iterations = 0

    # time weights: rows = donors (without the treated one), columns = pre-periods + post mean
    if tuning.update_lambda:
        collapsed = np.column_stack([y_all[:t0].T, y_all[t0:].mean(axis=0)])  # (N, T0+1)
        blocks = np.stack([collapsed[donor_mask[p]] for p in range(n_problems)])  # (P, N0, T0+1)
        if tuning.lambda_intercept:
            blocks = blocks - blocks.mean(axis=1, keepdims=True)
        # The squared error only depends on the (T0+1)-square triangular factor of [A b]: solve there.
        factor = np.linalg.qr(blocks, mode="r")  # (P, T0+1, T0+1)
        lam, used = _solve(
            factor[:, :, :t0],
            factor[:, :, t0],
            lambda_start,
            tuning.zeta_lambda,
            n_donors,
            tuning.min_decrease,
        )
        iterations += int(used.max())
    else:
        lam = lambda_start

    if tuning.update_omega:
        design = _omega_design(y_all[:t0], tuning.omega_intercept)  # (T0, N)
        omega, used = _solve(
            design,
            design[:, treated_index].T,
            omega_start,
            tuning.zeta_omega,
            t0,
            tuning.min_decrease,
            excluded=treated_index,
        )
        iterations += int(used.max())
    else:
        omega = omega_start

    # tau: donors are all columns except the treated one (omega is zero there).
    y1 = y_all[:, treated_index].T  # (P, T)
    tau = _double_difference(y_all, y1, omega, lam, t0)
    return tau, omega, lam, iterations


def _sum_normalise(x: np.ndarray) -> np.ndarray:
    total = x.sum(axis=-1, keepdims=True)
    uniform = np.full_like(x, 1.0 / x.shape[-1])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total != 0, x / np.where(total != 0, total, 1.0), uniform)


def synthdid_estimate(
    data: pd.DataFrame | SyntheticControlData,
    spec: SyntheticControlSpec | None = None,
    *,
    method: PanelMethod = "sdid",
    replications: int = PLACEBO_REPLICATIONS,
    seed: int = PLACEBO_SEED,
) -> PanelEstimate:
    """Estimate the effect with ``method`` (``"sdid"``, ``"sc"`` or ``"did"``) and its placebo SE.

    Uses the outcome over all reported periods (``time_plot``): the periods before the treatment time
    are the pre-periods, the others the post-periods. Predictors of the spec are not used.

    Raises:
        EffectEvaluationError: fewer than two pre-periods, no post-period, no donors or missing values.
    """
    t_start = time.perf_counter()
    problem = as_data(data, spec)
    if method not in ("sdid", "sc", "did"):
        raise EffectEvaluationError("invalid_specification", f"Onbekende schatter '{method}'.")
    pre = problem.pre_mask
    t0, n_post, n0 = int(pre.sum()), int(problem.post_mask.sum()), problem.n_donors
    if n0 == 0:
        raise EffectEvaluationError("empty_donor_pool", "De donorpool is leeg.")
    if t0 < 2 or n_post == 0:
        raise EffectEvaluationError(
            "too_few_pre_periods",
            "Synthetisch verschil-in-verschillen vraagt minstens twee periodes vóór en één na de ingreep.",
        )
    order = np.argsort(problem.times, kind="stable")
    times = problem.times[order]
    y0 = problem.y_donors[order]  # (T, N0)
    y1 = problem.y_treated[order]
    if not (np.isfinite(y0).all() and np.isfinite(y1).all()):
        raise EffectEvaluationError("missing_values", "De uitkomst heeft ontbrekende waarden.")
    pre = times < problem.treatment_time
    if not pre[:t0].all():  # pragma: no cover - sorted times make the pre-periods come first
        raise EffectEvaluationError("invalid_specification", "De periodes zijn niet oplopend.")

    sigma = noise_level(y0[:t0])
    if not np.isfinite(sigma):
        sigma = 0.0
    tuning = _tuning(method, sigma, 1, n_post)

    # main fit: treated unit is the last column
    y_all = np.column_stack([y0, y1])
    treated_col = np.array([n0])
    omega0 = np.append(np.full(n0, 1.0 / n0), 0.0)[None, :]
    lambda0 = np.zeros((1, t0)) if method == "sc" else np.full((1, t0), 1.0 / t0)
    tau, omega_full, lam, iterations = _fit_many(y_all, treated_col, t0, tuning, omega0, lambda0)
    omega = omega_full[0, :n0]
    lam_main = lam[0]

    # placebo standard error: donors only, each drawn donor plays the treated unit once
    placebo = pd.Series(dtype=float, name="placebo_estimate")
    se = float("nan")
    if replications > 1 and n0 >= 2:
        rng = np.random.default_rng(seed)
        draws = rng.integers(0, n0, size=replications)
        distinct = np.unique(draws)
        starts = np.tile(omega, (distinct.size, 1))
        starts[np.arange(distinct.size), distinct] = 0.0
        starts = _sum_normalise(starts)
        starts[np.arange(distinct.size), distinct] = 0.0
        lambda_starts = np.tile(lam_main, (distinct.size, 1))
        tau_p, _, _, _ = _fit_many(y0, distinct, t0, tuning, starts, lambda_starts)
        lookup = dict(zip(distinct.tolist(), tau_p.tolist(), strict=True))
        values = np.array([lookup[d] for d in draws.tolist()])
        se = float(np.sqrt((replications - 1) / replications) * np.std(values, ddof=1))
        placebo = pd.Series(
            tau_p,
            index=pd.Index([problem.donors[i] for i in distinct], name="donor"),
            name="placebo_estimate",
        )

    # pre-period fit after the level difference the estimator allows
    synthetic = y0 @ omega
    diff = y1 - synthetic
    intercept = float(diff[:t0].mean()) if method in ("sdid", "did") else 0.0
    gap = diff - intercept
    pre_rmse = float(np.sqrt(np.mean(gap[:t0] ** 2)))
    index = pd.Index(times, name="time")
    return PanelEstimate(
        method=method,
        treated=problem.treated,
        estimate=float(tau[0]),
        standard_error=se,
        unit_weights=pd.Series(omega, index=pd.Index(problem.donors, name="donor"), name="omega"),
        time_weights=pd.Series(lam_main, index=pd.Index(times[:t0], name="time"), name="lambda"),
        intercept=intercept,
        pre_rmse=pre_rmse,
        gap=pd.Series(gap, index=index, name="gap"),
        noise_level=sigma,
        zeta_omega=tuning.zeta_omega,
        replications=int(replications) if n0 >= 2 else 0,
        placebo_estimates=placebo,
        iterations=iterations,
        elapsed_seconds=time.perf_counter() - t_start,
    )
