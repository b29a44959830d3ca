# SPDX-License-Identifier: EUPL-1.2
"""Frank-Wolfe solver for simplex-constrained ridge least squares, many problems at once.

The synthetic difference-in-differences estimator (Arkhangelsky, Athey, Hirshberg, Imbens & Wager
2021) and its synthetic-control and difference-in-differences relatives choose unit weights ``omega``
and time weights ``lambda`` by solving, for ``x`` on the unit simplex::

    min_x  zeta^2 ||x||^2 + ||A x - b||^2 / n_rows

with the conditional-gradient (Frank-Wolfe) method and an exact line search, as the reference
implementation (the ``synthdid`` R package, ``sc.weight.fw``) does:

* the half gradient is ``(A x - b)' A + eta x`` with ``eta = n_rows zeta^2``; the vertex ``e_i`` with the
  smallest half gradient gives the direction ``d = e_i - x``;
* the step is ``-(half_grad . d) / (||A d||^2 + eta ||d||^2)`` clipped to [0, 1];
* the loop stops after ``max_iter`` iterations or as soon as the objective decreased by no more than
  ``min_decrease^2`` in one iteration (checked from the second iteration on).

The published figures depend on these details (the iterates are not run to optimality; the stopping
rule is part of the estimator), so they are kept.

What differs is only the arithmetic, for speed: every quantity is vectorised over a batch of problems
(the placebo standard error is hundreds of refits), and an iteration costs O(n) instead of O(m n):
with the Gram matrix ``G = A'A`` and ``c = A'b`` the gradient is updated as
``A'(A x' - b) = (1 - s) A'(A x - b) + s (G_i - c)``, and ``||A x - b||^2``, ``||A d||^2`` and ``||x||^2``
follow from scalar recurrences (``x'Gx``, ``c'x``, ``x'x``). For very many columns (no room for ``G``)
the gradient is computed from ``A`` directly. Problems that have stopped are dropped from the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FloatArray = np.ndarray

#: Above this many columns the shared Gram matrix is not formed (memory n^2).
GRAM_MAX_COLUMNS = 4000
#: Below this many running problems the rest are finished one by one (less overhead per iteration).
SCALAR_BELOW = 4


@dataclass(frozen=True)
class FrankWolfeResult:
    """Solutions of a batch of problems: ``x`` (P, n), iterations used and final objective per problem."""

    x: FloatArray
    iterations: np.ndarray
    objective: FloatArray


def sparsify(x: FloatArray) -> FloatArray:
    """The reference package's sparsification: weights at most a quarter of the largest become 0,
    the rest are renormalised (row-wise for a batch)."""
    x = np.array(x, dtype=float, copy=True)
    limit = x.max(axis=-1, keepdims=True) / 4
    x[x <= limit] = 0.0
    return x / x.sum(axis=-1, keepdims=True)


@dataclass
class _Batch:
    """State of the problems still running (row p of every array belongs to problem ``ids[p]``)."""

    ids: np.ndarray
    x: FloatArray  # (P, n)
    h: FloatArray  # (P, n): half gradient A'(A x - b) + eta x, +inf in the excluded column
    c: FloatArray  # (P, n): A'b
    bb: FloatArray  # (P,): b'b
    xu: FloatArray  # (P,): x'A'A x
    cx: FloatArray  # (P,): c'x
    xx: FloatArray  # (P,): x'x
    n_rows: FloatArray  # (P,)
    excluded: np.ndarray | None  # (P,)
    previous: FloatArray  # (P,) objective after the previous iteration
    gram: FloatArray | None  # (P, n, n) per-problem Gram matrices (None if shared or explicit)
    ax: FloatArray | None  # (P, m) A x, explicit mode only
    b: FloatArray | None  # (P, m), explicit mode only

    def take(self, keep: np.ndarray) -> _Batch:
        def pick(v):
            return None if v is None else v[keep]

        return _Batch(
            self.ids[keep],
            self.x[keep],
            self.h[keep],
            self.c[keep],
            self.bb[keep],
            self.xu[keep],
            self.cx[keep],
            self.xx[keep],
            self.n_rows[keep],
            pick(self.excluded),
            self.previous[keep],
            pick(self.gram),
            pick(self.ax),
            pick(self.b),
        )


def frank_wolfe(
    a: FloatArray,
    b: FloatArray,
    x0: FloatArray,
    *,
    zeta: float,
    n_rows: int | np.ndarray,
    min_decrease: float,
    max_iter: int,
    excluded: np.ndarray | None = None,
) -> FrankWolfeResult:
    """Run the Frank-Wolfe iterations for a batch of ``P`` problems.

    Args:
        a: (m, n) shared design, or (P, m, n) one per problem.
        b: (P, m) targets.
        x0: (P, n) starting points on the simplex (zero in an excluded column).
        zeta: ridge parameter (the objective's ``zeta^2 ||x||^2``).
        n_rows: the number of rows of the original least-squares problem (the divisor of the squared
            error and the factor of ``eta``); may differ from ``m`` when ``a`` is a triangular factor.
        min_decrease: stop a problem once an iteration lowers its objective by at most this squared.
        max_iter: iteration cap.
        excluded: (P,) column index each problem may not use (shared ``a`` only), or None.
    """
    x = np.array(x0, dtype=float, copy=True)
    n_problems, n_cols = x.shape
    shared = a.ndim == 2
    explicit = shared and n_cols > GRAM_MAX_COLUMNS
    shared_gram: FloatArray | None = None
    if shared:
        c = b @ a  # (P, n)
        if explicit:
            diag = np.einsum("mn,mn->n", a, a)
            ax = x @ a.T
            g = (ax - b) @ a
        else:
            shared_gram = a.T @ a
            diag = np.diagonal(shared_gram).copy()
            ax = None
            g = x @ shared_gram - c
        per_gram = None
    else:
        per_gram = np.einsum("pmi,pmj->pij", a, a)
        c = np.einsum("pm,pmn->pn", b, a)
        g = np.einsum("pn,pnk->pk", x, per_gram) - c
        diag = None
        ax = None
    u = g + c
    n_rows_arr = np.broadcast_to(np.asarray(n_rows, dtype=float), (n_problems,)).copy()
    h = g + (n_rows_arr * zeta * zeta)[:, None] * x
    if excluded is not None:
        h[np.arange(n_problems), np.asarray(excluded, dtype=np.intp)] = np.inf
    state = _Batch(
        ids=np.arange(n_problems),
        x=x,
        h=h,
        c=c,
        bb=np.einsum("pm,pm->p", b, b),
        xu=np.einsum("pn,pn->p", x, u),
        cx=np.einsum("pn,pn->p", c, x),
        xx=np.einsum("pn,pn->p", x, x),
        n_rows=n_rows_arr,
        excluded=None if excluded is None else np.asarray(excluded, dtype=np.intp),
        previous=np.full(n_problems, np.nan),
        gram=per_gram,
        ax=ax,
        b=np.asarray(b, dtype=float) if explicit else None,
    )
    ctx = _Context(
        a=a,
        shared_gram=shared_gram,
        diag=diag,
        z2=zeta * zeta,
        threshold=min_decrease * min_decrease,
        max_iter=max_iter,
        out_x=np.empty_like(x),
        out_iterations=np.zeros(n_problems, dtype=np.intp),
        out_objective=np.full(n_problems, np.nan),
    )
    saved = np.seterr(divide="ignore", invalid="ignore")
    try:
        state, t = _batched_loop(ctx, state, 0)
        for k in range(state.ids.size):
            _scalar_loop(ctx, state, k, t)
    finally:
        np.seterr(**saved)
    return FrankWolfeResult(ctx.out_x, ctx.out_iterations, ctx.out_objective)


@dataclass
class _Context:
    a: FloatArray
    shared_gram: FloatArray | None
    diag: FloatArray | None
    z2: float
    threshold: float
    max_iter: int
    out_x: FloatArray
    out_iterations: np.ndarray
    out_objective: FloatArray


def _batched_loop(ctx: _Context, state: _Batch, t: int) -> tuple[_Batch, int]:
    """Iterate all running problems together until few are left (then per-problem is cheaper)."""
    z2, threshold = ctx.z2, ctx.threshold
    while t < ctx.max_iter and state.ids.size > SCALAR_BELOW:
        t += 1
        s_ = state
        rows = np.arange(s_.ids.size)
        eta = s_.n_rows * z2
        i = np.argmin(s_.h, axis=1)
        x_i = s_.x[rows, i]
        h_i = s_.h[rows, i]
        c_i = s_.c[rows, i]
        u_i = h_i - eta * x_i + c_i  # (A'A x)_i
        if s_.gram is not None:
            g_ii = s_.gram[rows, i, i]
            gram_rows = s_.gram[rows, i]  # (P, n)
        else:
            g_ii = ctx.diag[i]
            gram_rows = ctx.shared_gram[i] if ctx.shared_gram is not None else None
        dd = s_.xx - 2 * x_i + 1
        numerator = (s_.xu - s_.cx + eta * s_.xx) - h_i  # half_grad . x - half_grad_i
        denominator = g_ii - 2 * u_i + s_.xu + eta * dd
        step = np.fmin(np.fmax(numerator / denominator, 0.0), 1.0)  # NaN (0/0 at a vertex) -> 0
        keep = 1.0 - step
        s_.x *= keep[:, None]
        s_.x[rows, i] += step
        if gram_rows is not None:
            s_.h *= keep[:, None]
            gram_rows = gram_rows - s_.c
            gram_rows *= step[:, None]
            s_.h += gram_rows
            s_.h[rows, i] += eta * step
        else:
            s_.ax *= keep[:, None]
            s_.ax += step[:, None] * ctx.a[:, i].T
            s_.h = (s_.ax - s_.b) @ ctx.a + eta[:, None] * s_.x
            if s_.excluded is not None:
                s_.h[rows, s_.excluded] = np.inf
        s_.xu = keep * keep * s_.xu + 2 * step * keep * u_i + step * step * g_ii
        s_.cx = keep * s_.cx + step * c_i
        s_.xx = keep * keep * s_.xx + 2 * step * keep * x_i + step * step
        value = z2 * s_.xx + (s_.xu - 2 * s_.cx + s_.bb) / s_.n_rows
        ctx.out_objective[s_.ids] = value
        ctx.out_iterations[s_.ids] = t
        if t >= 2:
            stopped = (s_.previous - value) <= threshold
            if stopped.any():
                ctx.out_x[s_.ids[stopped]] = s_.x[stopped]
                state = s_.take(~stopped)
                state.previous = value[~stopped]
                continue
        s_.previous = value
    if t >= ctx.max_iter:
        ctx.out_x[state.ids] = state.x
        state = state.take(np.zeros(state.ids.size, dtype=bool))
    return state, t


def _scalar_loop(ctx: _Context, state: _Batch, k: int, t: int) -> None:
    """Finish problem ``k`` of the batch on its own (the same iterations, with scalar book-keeping)."""
    pid = int(state.ids[k])
    x = state.x[k].copy()
    h = state.h[k].copy()
    c = state.c[k]
    bb, xu, cx, xx = float(state.bb[k]), float(state.xu[k]), float(state.cx[k]), float(state.xx[k])
    n_rows = float(state.n_rows[k])
    excluded = None if state.excluded is None else int(state.excluded[k])
    previous = float(state.previous[k])
    gram = state.gram[k] if state.gram is not None else ctx.shared_gram
    ax = None if state.ax is None else state.ax[k].copy()
    b = None if state.b is None else state.b[k]
    z2, threshold = ctx.z2, ctx.threshold
    eta = n_rows * z2
    value = float("nan")
    while t < ctx.max_iter:
        t += 1
        i = int(h.argmin())
        x_i, h_i, c_i = float(x[i]), float(h[i]), float(c[i])
        u_i = h_i - eta * x_i + c_i
        g_ii = float(gram[i, i]) if gram is not None else float(ctx.diag[i])
        dd = xx - 2 * x_i + 1
        denominator = g_ii - 2 * u_i + xu + eta * dd
        step = ((xu - cx + eta * xx) - h_i) / denominator if denominator > 0 else 0.0
        step = min(1.0, max(0.0, step)) if step == step else 0.0
        keep = 1.0 - step
        x *= keep
        x[i] += step
        if gram is not None:
            h *= keep
            h += step * (gram[i] - c)
            h[i] += eta * step
        else:
            ax *= keep
            ax += step * ctx.a[:, i]
            h = (ax - b) @ ctx.a + eta * x
            if excluded is not None:
                h[excluded] = np.inf
        xu = keep * keep * xu + 2 * step * keep * u_i + step * step * g_ii
        cx = keep * cx + step * c_i
        xx = keep * keep * xx + 2 * step * keep * x_i + step * step
        value = z2 * xx + (xu - 2 * cx + bb) / n_rows
        if t >= 2 and previous - value <= threshold:
            break
        previous = value
    ctx.out_x[pid] = x
    ctx.out_iterations[pid] = t
    ctx.out_objective[pid] = value
