# SPDX-License-Identifier: EUPL-1.2
"""Numerical core of the synthetic control method (no pandas, no Django).

Notation (Abadie, Diamond & Hainmueller 2010):

* ``x1`` (k,) predictors of the treated unit, ``x0`` (k, J) predictors of the J donors, both already
  scaled (each predictor divided by its standard deviation across all units);
* ``v`` (k,) non-negative predictor weights summing to one;
* ``z1`` (T,), ``z0`` (T, J) the outcome in the periods whose fit is optimised.

Inner problem (W for fixed V)::

    min_w  (x1 - x0 w)' diag(v) (x1 - x0 w)   subject to  w >= 0,  sum(w) = 1.

Because ``sum(w) = 1`` we may write ``x1 - x0 w = -(x0 - x1 1') w = -D w``; the problem is the
minimum-norm point of the convex hull of the columns of ``A = diag(sqrt v) D``. It is solved *exactly*
through one non-negative least-squares problem without any big-M constant::

    min_{u >= 0}  ||A u||^2 + c^2 (1'u - 1)^2 ,      w = u / 1'u .

For ``u = t w`` (w on the simplex, t >= 0) the optimal ``t`` is ``c^2 / (c^2 + ||A w||^2)`` and the
remaining objective ``c^2 s / (c^2 + s)`` with ``s = ||A w||^2`` is strictly increasing in ``s``, so
both problems have the same minimisers for every ``c > 0`` (``c`` only sets the conditioning; we use
the root-mean-square column norm of ``A``). The NNLS problem is solved by Lawson-Hanson's active-set
method (:func:`scipy.optimize.nnls`). For large donor pools a column-generation loop solves NNLS on
a small working set and checks the optimality (KKT) conditions for *all* donors in one vectorised
product: ``w`` is optimal iff ``a_j' r >= r' r`` for every donor ``j`` with ``r = A w``. Donors that
violate it enter the working set; the loop ends when none does, so the answer is exact.

Outer problem (V): minimise ``L(V) = mean((z1 - z0 w(V))^2)`` (the pre-period MSPE over the
optimisation periods, as in Synth). It is non-convex and only piecewise smooth (flat wherever the
donor support does not react to V), so it is searched from several starts (equal V, the
regression-based V of Synth, the best of a screen of random Dirichlet draws) with Powell's
derivative-free method; the best loss is kept and reported. On Prop 99 this reaches the published
Stata fit (pre-RMSPE 1.754) where Nelder-Mead and gradient methods stop in local minima.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize, nnls

try:  # the compiled Lawson-Hanson routine behind scipy.optimize.nnls, without its input checks
    from scipy.optimize._slsqplib import nnls as _nnls_core
except ImportError:  # pragma: no cover - other SciPy versions: the public function, same routine
    _nnls_core = None

FloatArray = np.ndarray

#: Donor pools up to this size are solved by a single NNLS call; larger ones by column generation.
DIRECT_SOLVE_MAX_DONORS = 300
#: Weights below this value (relative to 1) count as zero when reporting the support.
WEIGHT_ZERO_TOL = 1e-9


@dataclass(frozen=True)
class WeightSolution:
    """Result of one exact inner solve."""

    weights: FloatArray
    objective: float  # (x1 - x0 w)' V (x1 - x0 w)
    iterations: int  # column-generation rounds (1 for the direct solve)
    kkt_violation: float  # max(0, r'r - min_j a_j'r) relative to c^2; ~0 at the optimum
    support: np.ndarray | None = None  # indices of the donors with positive weight
    zero_optimum: bool = False  # the objective is 0 (treated unit inside the donors' convex hull)
    seed: np.ndarray | None = None  # the cold seed of column generation (a hint for the next solve)


def scale_predictors(x_all: FloatArray) -> FloatArray:
    """Standard deviation (ddof=1) of every predictor across the given units (rows of ``x_all``).

    A zero or undefined standard deviation (a constant predictor) becomes 1, so the predictor simply
    does not discriminate between donors.
    """
    if x_all.shape[1] < 2:
        return np.ones(x_all.shape[0])
    sd = np.std(x_all, axis=1, ddof=1)
    return np.where(np.isfinite(sd) & (sd > 0), sd, 1.0)


def _nnls_augmented(mat: FloatArray, rhs: FloatArray) -> FloatArray:
    """Lawson-Hanson NNLS on the augmented matrix ``mat`` ((k+1, m), last row ``c``); ``u``, not yet
    normalised. ``mat`` is not modified (the compiled routine works on its own copy)."""
    maxiter = max(50 * mat.shape[1], 1000)
    if _nnls_core is not None:
        u, _, info = _nnls_core(mat, rhs, maxiter)
        if info == 3:  # pragma: no cover - iteration cap, as scipy.optimize.nnls reports it
            raise RuntimeError("Maximum number of iterations reached.")
        return u
    return nnls(mat, rhs, maxiter=maxiter)[0]  # pragma: no cover


def _normalise_u(u: FloatArray, a: FloatArray) -> FloatArray:
    """``w = u / 1'u``; the closest column as a vertex if ``u`` is degenerate (cannot happen for c > 0)."""
    total = float(np.add.reduce(u))
    if not math.isfinite(total) or total <= 0:  # pragma: no cover
        u = np.zeros(a.shape[1])
        u[int(np.argmin(np.einsum("ij,ij->j", a, a)))] = 1.0
        return u
    return u / total


def _rhs(k: int, c: float) -> FloatArray:
    rhs = np.zeros(k + 1)
    rhs[k] = c
    return rhs


def _nnls_simplex(a: FloatArray, c: float) -> FloatArray:
    """Exact minimum-norm point of conv(columns of ``a``) via one augmented NNLS (see module doc)."""
    k, j = a.shape
    mat = np.empty((k + 1, j))
    mat[:k] = a
    mat[k] = c
    return _normalise_u(_nnls_augmented(mat, _rhs(k, c)), a)


def smallest_indices(values: FloatArray, count: int, hint: FloatArray | None = None) -> FloatArray:
    """Indices of the ``count`` smallest ``values`` (as ``np.argpartition(values, count - 1)[:count]``,
    in another order; the same set unless values tie at the boundary).

    ``hint``: any ``count`` distinct indices (e.g. the previous answer for nearby values). The ``count``
    smallest values are then at most the largest value at ``hint``, so only the indices at or below it
    need partitioning: with a good hint a few dozen instead of all (exact, whatever the hint)."""
    n = values.shape[0]
    if count >= n:
        return np.arange(n)
    if hint is not None and hint.shape[0] == count:
        candidates = (values <= np.maximum.reduce(values[hint])).nonzero()[0]
        if candidates.shape[0] < n // 4:
            if candidates.shape[0] == count:
                return candidates
            return candidates[values[candidates].argpartition(count - 1)[:count]]
    return np.argpartition(values, count - 1)[:count]


def solve_direct(d: FloatArray, sqrt_v: FloatArray) -> WeightSolution:
    """The same problem as :func:`solve_simplex_lsq` by one NNLS over all donors (no working set).

    Used for small pools, and as the reference the column-generation path is tested against."""
    n_donors = d.shape[1]
    a = d * sqrt_v[:, None]
    col_norm2 = np.einsum("ij,ij->j", a, a)
    c2 = float(col_norm2.mean())
    c = float(np.sqrt(c2)) if c2 > 0 else 1.0
    order = np.argsort(col_norm2, kind="stable")
    w_full = np.zeros(n_donors)
    w_full[order] = _nnls_simplex(a[:, order], c)
    r = a @ w_full
    rr = float(r @ r)
    viol = max(0.0, float(rr - (r @ a).min())) / (c * c)
    return WeightSolution(w_full, rr, 1, viol, np.flatnonzero(w_full), rr <= 1e-10 * c * c)


def solve_simplex_lsq(
    d: FloatArray,
    sqrt_v: FloatArray,
    warm_support: FloatArray | None = None,
    d_squared: FloatArray | None = None,
    seed_hint: FloatArray | None = None,
) -> WeightSolution:
    """Solve ``min ||diag(sqrt_v) d w||^2`` over the simplex exactly.

    The answer is a deterministic function of the inputs that does not depend on the order of the
    donors (up to exact ties): columns are presented to Lawson-Hanson sorted by their norm, and the
    column-generation working set is seeded with the donors closest to the treated unit. This
    matters when the optimum is not unique (the treated unit lies inside the convex hull of the
    donors, common with many donors and few predictors): then a sparse vertex of the optimal face is
    returned, always the same one for the same V.

    Args:
        d: (k, J) matrix ``x0 - x1 1'`` of scaled predictor differences.
        sqrt_v: (k,) square roots of the predictor weights.
        warm_support: donors to seed the working set with (e.g. the previous support in a V search).
            Only used while the optimum is strictly positive: then the minimum-norm point is unique
            and (generically) so are the weights, whatever the seed. If the optimum is zero the
            problem is re-solved from the deterministic cold seed.
        d_squared: optional precomputed ``d**2`` (saves work when ``d`` is re-used across many V).
        seed_hint: optional previous cold seed (``WeightSolution.seed``); it only makes finding the
            cold seed cheaper (:func:`smallest_indices`), never changes it.
    """
    k, n_donors = d.shape
    if n_donors <= DIRECT_SOLVE_MAX_DONORS:
        return solve_direct(d, sqrt_v)

    # Column generation on a working set; optimality is verified for every donor.
    batch = min(n_donors, 4 * (k + 1))
    if warm_support is not None and len(warm_support) > 0:
        work = np.asarray(warm_support, dtype=np.intp)
        a_w = d[:, work] * sqrt_v[:, None]
        c2 = float(np.einsum("ij,ij->", a_w, a_w)) / work.size
        c = float(np.sqrt(c2)) if c2 > 0 else 1.0
        warm = _column_generation(d, sqrt_v, c, work, batch, None)
        if warm.objective > 1e-10 * c * c:
            return warm
    v = sqrt_v * sqrt_v
    col_norm2 = v @ d_squared if d_squared is not None else np.einsum("ij,i,ij->j", d, v, d)
    c2 = float(col_norm2.mean())
    c = float(np.sqrt(c2)) if c2 > 0 else 1.0
    seed = smallest_indices(col_norm2, batch, seed_hint)
    return _column_generation(d, sqrt_v, c, seed, batch, col_norm2, zero_below=1e-10 * c * c)


def _column_generation(
    d: FloatArray,
    sqrt_v: FloatArray,
    c: float,
    work: FloatArray,
    batch: int,
    col_norm2: FloatArray | None,
    zero_below: float | None = None,
) -> WeightSolution:
    """Column generation for :func:`solve_simplex_lsq` from the working set ``work``.

    With ``col_norm2`` the working set is presented to NNLS sorted by column norm (order-invariant
    answer also when the optimum is not unique). With ``zero_below`` the result's ``zero_optimum``
    says whether the objective is at most that."""
    k, n_donors = d.shape
    cold_seed = work if col_norm2 is not None else None
    tol = 1e-12 * c * c
    viol = 0.0
    sv_col = sqrt_v[:, None]
    rhs = _rhs(k, c)
    for iteration in range(1, 200):
        if col_norm2 is not None:
            work = work[col_norm2[work].argsort(kind="stable")]
        a_w = d[:, work]
        a_w *= sv_col
        mat = np.empty((k + 1, work.shape[0]))
        mat[:k] = a_w
        mat[k] = c
        w_s = _normalise_u(_nnls_augmented(mat, rhs), a_w)
        r = a_w @ w_s
        rr = float(r @ r)
        margin = (r * sqrt_v) @ d - rr  # (J,) vectorised KKT check for all donors
        lowest = float(np.minimum.reduce(margin))
        viol = max(0.0, -lowest) / (c * c)
        limit = -tol - 1e-9 * abs(rr)
        positive = w_s > 0
        if lowest >= limit:  # no violator at all (the common last round): skip the scan
            bad = work[:0]
        else:
            margin[work] = np.inf
            bad = (margin < limit).nonzero()[0]
        if bad.size == 0:
            w_full = np.zeros(n_donors)
            w_full[work] = w_s
            support = work[positive]
            support.sort()
            zero = zero_below is not None and rr <= zero_below
            return WeightSolution(w_full, rr, iteration, viol, support, zero, cold_seed)
        if bad.size > batch:
            bad = bad[margin[bad].argpartition(batch - 1)[:batch]]
        work = np.concatenate([work[positive], bad])
    # Fallback (not expected): solve the full problem directly.
    a = d * sqrt_v[:, None]  # pragma: no cover
    w_full = _nnls_simplex(a, c)  # pragma: no cover
    r = a @ w_full  # pragma: no cover
    return WeightSolution(w_full, float(r @ r), 200, viol)  # pragma: no cover


def solve_weights(x1: FloatArray, x0: FloatArray, v: FloatArray) -> WeightSolution:
    """Exact donor weights for fixed predictor weights ``v`` (inputs already scaled).

    Args:
        x1: (k,) treated predictors. x0: (k, J) donor predictors. v: (k,) non-negative weights.
    """
    v = np.asarray(v, dtype=float)
    if np.any(v < 0) or not np.isfinite(v).all() or v.sum() <= 0:
        raise ValueError("v must be finite, non-negative and not all zero")
    v = v / v.sum()
    return solve_simplex_lsq(np.asarray(x0, float) - np.asarray(x1, float)[:, None], np.sqrt(v))


@dataclass
class OuterSearchInfo:
    """Book-keeping of the nested V search (reported in the result's solver info)."""

    starts: list[str] = field(default_factory=list)
    start_losses: list[float] = field(default_factory=list)
    best_start: str = ""
    n_inner_solves: int = 0
    elapsed_seconds: float = 0.0
    stopped_early: bool = False


class NestedProblem:
    """Outer loss ``L(V)`` for one treated unit and a donor pool (scaled predictors)."""

    def __init__(self, x1: FloatArray, x0: FloatArray, z1: FloatArray, z0: FloatArray) -> None:
        self.d = np.ascontiguousarray(np.asarray(x0, float) - np.asarray(x1, float)[:, None])
        self.d_squared = self.d * self.d
        self.z1 = np.asarray(z1, float)
        self.z0 = np.asarray(z0, float)
        self.n_periods = max(1, self.z1.shape[0])
        self.n_inner_solves = 0
        self._support: FloatArray | None = None
        self._last_zero = False
        self._seed: FloatArray | None = None

    @property
    def n_predictors(self) -> int:
        return int(self.d.shape[0])

    def _solve(self, v: FloatArray) -> WeightSolution:
        """Exact solve for normalised V, warm-started from the previous support where that is safe.

        A warm start only helps while the optimum is positive (see :func:`solve_simplex_lsq`); after a
        solve with a zero optimum the next one goes straight to the deterministic cold seed, which is
        where the warm attempt would have ended anyway (same answer, one round less)."""
        self.n_inner_solves += 1
        warm = None if self._last_zero else self._support
        sol = solve_simplex_lsq(self.d, np.sqrt(v), warm, self.d_squared, self._seed)
        self._support = sol.support if sol.support is not None else np.flatnonzero(sol.weights)
        self._last_zero = sol.zero_optimum
        if sol.seed is not None:
            self._seed = sol.seed
        return sol

    def weights(self, v: FloatArray) -> FloatArray:
        """Exact W for normalised V."""
        return self._solve(v).weights

    def loss_of_weights(self, w: FloatArray) -> float:
        """Pre-period MSPE over the optimisation periods for donor weights ``w``."""
        s = np.flatnonzero(w)
        resid = self.z1 - self.z0[:, s] @ w[s]
        return float(resid @ resid) / self.n_periods

    def loss(self, v: FloatArray) -> float:
        """``L(V)`` for normalised V."""
        sol = self._solve(v)
        s = self._support
        resid = self.z1 - self.z0[:, s] @ sol.weights[s]
        return float(resid @ resid) / self.n_periods

    def loss_unconstrained(self, x: FloatArray) -> float:
        """``L(|x| / sum|x|)``: the parameterisation used by Synth, searched without bounds."""
        return self.loss(_to_v(x))


def regression_v(x_all_scaled: FloatArray, z_all: FloatArray) -> FloatArray:
    """Regression-based starting V as in Synth: regress the outcome in every optimisation period on
    the scaled predictors (with intercept) across all units; V_k is proportional to sum_t beta_kt^2."""
    n_units = x_all_scaled.shape[1]
    design = np.column_stack([np.ones(n_units), x_all_scaled.T])
    beta = np.linalg.lstsq(design, z_all.T, rcond=None)[0][1:]
    v = np.einsum("kt,kt->k", beta, beta)
    if not np.isfinite(v).all() or v.sum() <= 0:
        return np.full(x_all_scaled.shape[0], 1.0 / x_all_scaled.shape[0])
    return v / v.sum()


def _to_v(x: FloatArray) -> FloatArray:
    x = np.abs(np.asarray(x, float))
    total = x.sum()
    if total <= 0 or not np.isfinite(total):
        return np.full(x.shape, 1.0 / x.size)
    return x / total


def search_v(
    problem: NestedProblem,
    starts: list[tuple[str, FloatArray]],
    *,
    max_evaluations_per_start: int = 4000,
    stop_when_confirmed: bool = True,
    confirm_rtol: float = 1e-6,
) -> tuple[FloatArray, FloatArray, float, OuterSearchInfo]:
    """Multi-start search for V minimising the pre-period loss. Returns ``(v, w, loss, info)``.

    Each start is refined with Powell's derivative-free method on ``V = |x| / sum|x|`` (the loss is
    piecewise smooth in V with flat pieces, where gradient methods stall; Powell's line searches
    cross them). With ``stop_when_confirmed`` the search ends once two different starts reach the
    same best loss (relative tolerance ``confirm_rtol``), a pragmatic sign of a global minimum.
    """
    t0 = time.perf_counter()
    info = OuterSearchInfo()
    k = problem.n_predictors
    best: tuple[float, str, FloatArray] | None = None
    atol = 1e-12 * (1.0 + float(np.mean(problem.z1**2)) if problem.z1.size else 1.0)
    for name, v0 in starts:
        if k == 1:
            v = np.ones(1)
            loss = problem.loss(v)
        else:
            res = minimize(
                problem.loss_unconstrained,
                _to_v(v0),
                method="Powell",
                options={"maxfev": max_evaluations_per_start, "xtol": 1e-6, "ftol": 1e-10},
            )
            v = _to_v(res.x)
            loss = problem.loss(v)
        info.starts.append(name)
        info.start_losses.append(loss)
        if best is None or loss < best[0]:
            best = (loss, name, v)
        if k == 1:
            break
        n_at_best = sum(1 for x in info.start_losses if x <= best[0] * (1 + confirm_rtol) + atol)
        if stop_when_confirmed and n_at_best >= 2 and len(info.starts) < len(starts):
            info.stopped_early = True
            break
    assert best is not None
    loss, name, v = best
    w = problem.weights(v)
    info.best_start = name
    info.n_inner_solves = problem.n_inner_solves
    info.elapsed_seconds = time.perf_counter() - t0
    return v, w, problem.loss_of_weights(w), info


def inside_hull(problem: NestedProblem) -> bool:
    """Whether the treated predictors lie inside the convex hull of the donors' (scaled) predictors.

    Tested with one exact inner solve at equal V and the inner solver's own zero tolerance. Inside
    the hull the inner optimum is 0 for *every* V > 0 and the set of optimal weights is the same for
    every V: all weights that reproduce the predictors exactly (:func:`exchange_exact_matches`)."""
    k = problem.n_predictors
    sol = solve_simplex_lsq(problem.d, np.full(k, 1.0 / math.sqrt(k)), None, problem.d_squared)
    return bool(sol.zero_optimum)


def exchange_exact_matches(
    d: FloatArray, zd: FloatArray, w0: FloatArray, max_steps: int = 1000
) -> tuple[FloatArray, int] | None:
    """Best sparse exact predictor match reachable from ``w0`` by exchanging one donor at a time.

    The exact matches ``F = {w >= 0, 1'w = 1, d w = 0}`` (``d = x0 - x1 1'``, k predictors) form a
    polytope whose vertices have at most k + 1 donors; the inner solve of a unit inside the hull
    returns one of them (:func:`solve_simplex_lsq`). Starting from the vertex ``w0``, every step
    tries all donors as the one to enter (a simplex pivot: the ratio test picks the donor that
    leaves), all at once with one (k+1)-square solve, and moves to the neighbouring vertex with the
    lowest pre-period loss ``||zd w||^2`` (``zd = z0 - z1 1'``), as long as that is strictly lower.
    So the loss never rises and every point visited is an exact match with at most k + 1 donors.

    Returns ``(w, steps)``, or ``None`` when ``w0`` is not a (numerically clean) vertex of ``F``."""
    k, n_donors = d.shape
    m = k + 1
    support = np.flatnonzero(w0 > 0)
    if support.size == 0 or support.size > m:
        return None
    a = np.empty((m, n_donors))
    a[:k] = d
    a[k] = 1.0
    b = np.zeros(m)
    b[k] = 1.0
    basis = [int(j) for j in support]
    if len(basis) < m:  # a degenerate vertex: complete the basis with donors at weight zero
        order = np.argsort(np.einsum("ij,ij->j", d, d), kind="stable")
        for j in order[: 50 * m]:
            if int(j) in basis:
                continue
            if np.linalg.matrix_rank(a[:, [*basis, int(j)]]) == len(basis) + 1:
                basis.append(int(j))
                if len(basis) == m:
                    break
        if len(basis) < m:
            return None
    basis_idx = np.array(basis, dtype=np.intp)
    scale = max(1.0, float(np.abs(d[:, basis_idx]).max()))

    def vertex(idx: FloatArray) -> FloatArray | None:
        try:
            wb = np.linalg.solve(a[:, idx], b)
        except np.linalg.LinAlgError:
            return None
        if not np.isfinite(wb).all() or wb.min() < -1e-9:
            return None
        wb = np.maximum(wb, 0.0)
        if float(np.abs(d[:, idx] @ wb).max()) > 1e-8 * scale:
            return None
        return wb

    wb = vertex(basis_idx)
    if wb is None:
        return None
    resid = zd[:, basis_idx] @ wb
    loss = float(resid @ resid)
    cols = np.arange(n_donors)
    steps = 0
    for steps in range(1, max_steps + 1):  # noqa: B007 - the count is returned
        y = np.linalg.solve(a[:, basis_idx], a)  # (m, J): every donor in the current basis
        g = zd - zd[:, basis_idx] @ y  # change of the residual per unit of the entering donor
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios = np.where(y > 1e-12, wb[:, None] / y, np.inf)
        leave = ratios.argmin(axis=0)
        theta = ratios[leave, cols]
        theta[~np.isfinite(theta)] = 0.0
        theta[basis_idx] = 0.0
        moved = resid[:, None] + theta[None, :] * g
        new_loss = np.einsum("tj,tj->j", moved, moved)
        j = int(new_loss.argmin())
        if not new_loss[j] < loss * (1.0 - 1e-12):
            steps -= 1
            break
        trial = basis_idx.copy()
        trial[leave[j]] = j
        wb_new = vertex(trial)
        if wb_new is None:  # numerically unsafe pivot: stop at the last clean vertex
            steps -= 1
            break
        resid_new = zd[:, trial] @ wb_new
        loss_new = float(resid_new @ resid_new)
        if not loss_new < loss:
            steps -= 1
            break
        basis_idx, wb, resid, loss = trial, wb_new, resid_new, loss_new
    w = np.zeros(n_donors)
    w[basis_idx] = wb
    return w, steps
