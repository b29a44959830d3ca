# SPDX-License-Identifier: EUPL-1.2
"""What works, across approaches: random-effects meta-analysis and meta-regression (pure numpy/scipy).

Each approach contributes one effect estimate ``y_i`` with its sampling variance ``v_i``. The model is
``y_i = x_i'β + u_i + e_i`` with ``u_i ~ N(0, τ²)`` (true effects differ between approaches) and
``e_i ~ N(0, v_i)``. Estimation follows the standard of the field, as implemented in the R package
``metafor`` (Viechtbauer 2010, J. Stat. Softw. 36(3)):

* τ² by restricted maximum likelihood (REML), Fisher scoring from the Hedges estimate, truncated at 0;
* the coefficients by weighted least squares with weights ``1 / (v_i + τ²)``;
* their uncertainty by the Hartung–Knapp(–Sidik–Jonkman) method: the variance is scaled by
  ``s² = Σ w_i r_i² / (k − p)`` and intervals and tests use the t distribution with ``k − p`` degrees
  of freedom (Knapp & Hartung 2003; Hartung & Knapp 2001; IntHout, Ioannidis & Borm 2014). No ``s² ≥ 1``
  truncation, as in ``metafor``'s ``test="knha"``;
* heterogeneity: Cochran's Q (fixed-effect weights), I² and H² from the "typical" sampling variance
  (Higgins & Thompson 2002), for a meta-regression the residual I² and the pseudo-R² of the moderators;
* the 95 % prediction interval for the effect in a new approach: ``μ̂ ± t_{k−p} √(τ̂² + SE²)``
  (Higgins, Thompson & Spiegelhalter 2009; ``metafor``'s ``predict`` with ``test="knha"``).

Validated in ``monitoring/tests/test_effects_meta.py`` against the BCG vaccine example in the ``metafor``
README (``dat.bcg``, log risk ratios; Colditz et al. 1994) and by a simulation with known effects.

Fewer than :data:`MIN_APPROACHES` approaches are never pooled: :class:`MetaAnalysisError` says why, in
Dutch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import special

#: The least number of approaches (studies) that are pooled at all.
MIN_APPROACHES = 3


class MetaAnalysisError(ValueError):
    """Input that cannot be pooled, with a Dutch ``message`` and an English ``code``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Coefficient:
    name: str
    estimate: float
    standard_error: float
    t: float
    p_value: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True)
class Heterogeneity:
    tau2: float
    tau2_standard_error: float
    q: float
    q_df: int
    q_p_value: float
    i2: float  # percent
    h2: float


@dataclass(frozen=True)
class PooledEffect:
    """A random-effects pooled effect (intercept-only model) with Hartung–Knapp inference."""

    k: int
    estimate: float
    standard_error: float  # Hartung–Knapp
    wald_standard_error: float
    t: float
    df: int
    p_value: float
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float
    level: float
    heterogeneity: Heterogeneity
    weights: tuple[float, ...]  # percent, per approach, in input order

    @property
    def tau2(self) -> float:
        return self.heterogeneity.tau2

    @property
    def i2(self) -> float:
        return self.heterogeneity.i2


@dataclass(frozen=True)
class MetaRegression:
    """A mixed-effects meta-regression with Knapp–Hartung tests."""

    k: int
    coefficients: tuple[Coefficient, ...]
    df: int  # residual degrees of freedom k - p
    f: float  # omnibus test of the moderators (all but the intercept)
    f_df1: int
    f_p_value: float
    heterogeneity: Heterogeneity  # residual
    r2: float | None  # percent of τ² explained (pseudo-R², truncated at 0), None when τ²(RE) = 0
    level: float

    def coefficient(self, name: str) -> Coefficient:
        return next(c for c in self.coefficients if c.name == name)


def _validate(y, v, *, min_k: int) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=float).ravel()
    v = np.asarray(v, dtype=float).ravel()
    if y.shape != v.shape:
        raise MetaAnalysisError("shape", "Elke schatting heeft precies één variantie nodig.")
    if not (np.isfinite(y).all() and np.isfinite(v).all()):
        raise MetaAnalysisError("missing_values", "Een schatting of haar onzekerheid ontbreekt.")
    if (v <= 0).any():
        raise MetaAnalysisError(
            "variance", "Elke schatting moet een onzekerheid groter dan nul hebben (variantie > 0)."
        )
    if y.size < min_k:
        raise MetaAnalysisError(
            "too_few",
            f"Er zijn {y.size} aanpakken met een evaluatie; samenvoegen kan pas vanaf {min_k}. "
            "Met minder is de spreiding tussen aanpakken niet te schatten en zou een gemiddelde "
            "zekerder lijken dan het is.",
        )
    return y, v


def _projection(w: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``P = W − W X (X'WX)⁻¹ X'W`` and ``(X'WX)⁻¹``."""
    wx = x * w[:, None]
    xtwx_inv = np.linalg.inv(x.T @ wx)
    return np.diag(w) - wx @ xtwx_inv @ wx.T, xtwx_inv


def _fisher_scoring(traces, tau2: float, *, tol: float, max_iter: int) -> tuple[float, float]:
    """REML Fisher scoring from ``tau2``: ``traces(τ²)`` gives ``(Py, tr P, tr PP)``; steps that would leave
    τ² ≥ 0 are halved. Returns τ² and its standard error ``√(2 / tr(PP))``."""
    for _ in range(max_iter):
        py, tr_p, tr_pp = traces(tau2)
        step = (float(py @ py) - tr_p) / tr_pp
        new = tau2 + step
        while new < 0:  # step halving keeps the iteration inside the parameter space
            step /= 2.0
            new = tau2 + step
            if abs(step) < tol:
                new = 0.0
                break
        if abs(new - tau2) < tol:
            tau2 = new
            break
        tau2 = new
    _py, _tr_p, tr_pp = traces(tau2)
    return tau2, float(np.sqrt(2.0 / tr_pp))


def reml_tau2(y, v, x=None, *, tol: float = 1e-10, max_iter: int = 200) -> tuple[float, float]:
    """REML estimate of τ² and its standard error; Fisher scoring as in ``metafor``, started from the
    Hedges (unweighted) estimate. Without ``x`` (intercept only) ``P = W − w w' / Σw`` in closed form."""
    y = np.asarray(y, dtype=float)
    v = np.asarray(v, dtype=float)
    if x is None:

        def traces(tau2: float):
            w = 1.0 / (v + tau2)
            sw, sw2 = w.sum(), (w * w).sum()
            return w * (y - (w @ y) / sw), sw - sw2 / sw, sw2 - 2.0 * (w**3).sum() / sw + (sw2 / sw) ** 2

        start = float(((y - y.mean()) ** 2).sum() / (y.size - 1) - v.mean())
    else:
        x = np.asarray(x, dtype=float)

        def traces(tau2: float):
            pm, _inv = _projection(1.0 / (v + tau2), x)
            return pm @ y, float(np.trace(pm)), float(np.trace(pm @ pm))

        resid = y - x @ np.linalg.pinv(x) @ y
        start = float(resid @ resid / (x.shape[0] - x.shape[1]) - np.mean(v))
    return _fisher_scoring(traces, max(0.0, start), tol=tol, max_iter=max_iter)


def _heterogeneity(y, v, x, tau2: float, tau2_se: float) -> Heterogeneity:
    k, p = x.shape
    w_fe = 1.0 / v
    pm_fe, _ = _projection(w_fe, x)
    q = float(y @ pm_fe @ y)
    q_df = k - p
    typical = q_df / float(np.trace(pm_fe))  # the "typical" sampling variance
    i2 = 100.0 * tau2 / (tau2 + typical)
    h2 = (tau2 + typical) / typical
    return Heterogeneity(
        tau2=tau2,
        tau2_standard_error=tau2_se,
        q=q,
        q_df=q_df,
        q_p_value=float(special.chdtrc(q_df, q)) if q_df > 0 else float("nan"),
        i2=i2,
        h2=h2,
    )


def _knha(y, v, x, tau2: float, level: float):
    k, p = x.shape
    w = 1.0 / (v + tau2)
    _pm, xtwx_inv = _projection(w, x)
    beta = xtwx_inv @ (x * w[:, None]).T @ y
    resid = y - x @ beta
    s2 = float(w @ resid**2) / (k - p)
    cov = s2 * xtwx_inv
    crit = float(special.stdtrit(k - p, 0.5 + level / 2.0))
    return beta, cov, xtwx_inv, crit, w


def random_effects(y, v, *, level: float = 0.95, min_k: int = MIN_APPROACHES) -> PooledEffect:
    """Pool ``k ≥ min_k`` effects ``y`` with sampling variances ``v`` (REML, Hartung–Knapp, I², PI)."""
    y, v = _validate(y, v, min_k=min_k)
    x = np.ones((y.size, 1))
    tau2, tau2_se = reml_tau2(y, v)
    beta, cov, xtwx_inv, crit, w = _knha(y, v, x, tau2, level)
    k = y.size
    estimate = float(beta[0])
    se = float(np.sqrt(cov[0, 0]))
    t = estimate / se if se > 0 else float("inf")
    half_pi = crit * np.sqrt(tau2 + se**2)
    return PooledEffect(
        k=k,
        estimate=estimate,
        standard_error=se,
        wald_standard_error=float(np.sqrt(xtwx_inv[0, 0])),
        t=t,
        df=k - 1,
        p_value=float(2 * special.stdtr(k - 1, -abs(t))),
        ci_low=estimate - crit * se,
        ci_high=estimate + crit * se,
        pi_low=float(estimate - half_pi),
        pi_high=float(estimate + half_pi),
        level=level,
        heterogeneity=_heterogeneity(y, v, x, tau2, tau2_se),
        weights=tuple(float(x) for x in 100.0 * w / w.sum()),
    )


def meta_regression(
    y, v, moderators, *, names: list[str] | tuple[str, ...] | None = None, level: float = 0.95
) -> MetaRegression:
    """Mixed-effects meta-regression of ``y`` on ``moderators`` (k × m, an intercept is added).

    Needs at least two residual degrees of freedom (``k ≥ m + 3``) and moderators that vary; otherwise
    :class:`MetaAnalysisError` explains in Dutch why nothing can be said.
    """
    mods = np.asarray(moderators, dtype=float)
    if mods.ndim == 1:
        mods = mods[:, None]
    m = mods.shape[1]
    names = list(names) if names is not None else [f"x{i + 1}" for i in range(m)]
    y, v = _validate(y, v, min_k=max(MIN_APPROACHES, m + 3))
    if mods.shape[0] != y.size or not np.isfinite(mods).all():
        raise MetaAnalysisError(
            "moderators", "Voor elke aanpak is een waarde van elke verklarende maat nodig."
        )
    x = np.column_stack([np.ones(y.size), mods])
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise MetaAnalysisError(
            "no_variation",
            "De verklarende maat verschilt niet (genoeg) tussen de aanpakken; er valt niets aan af te lezen.",
        )
    k, p = x.shape
    tau2, tau2_se = reml_tau2(y, v, x)
    beta, cov, _inv, crit, _w = _knha(y, v, x, tau2, level)
    se = np.sqrt(np.diag(cov))
    tvals = beta / se
    coefficients = tuple(
        Coefficient(
            name=name,
            estimate=float(b),
            standard_error=float(s),
            t=float(t),
            p_value=float(2 * special.stdtr(k - p, -abs(t))),
            ci_low=float(b - crit * s),
            ci_high=float(b + crit * s),
        )
        for name, b, s, t in zip(["intercept", *names], beta, se, tvals, strict=True)
    )
    b = beta[1:]
    f = float(b @ np.linalg.solve(cov[1:, 1:], b)) / m
    tau2_re, _ = reml_tau2(y, v, None)
    r2 = None if tau2_re <= 0 else max(0.0, 100.0 * (tau2_re - tau2) / tau2_re)
    return MetaRegression(
        k=k,
        coefficients=coefficients,
        df=k - p,
        f=f,
        f_df1=m,
        f_p_value=float(special.fdtrc(m, k - p, f)),
        heterogeneity=_heterogeneity(y, v, x, tau2, tau2_se),
        r2=r2,
        level=level,
    )


# --- what works, across approaches ------------------------------------------------------------------------

FLAVOURS = ("zoet", "zuur", "zout", "bitter")


@dataclass(frozen=True)
class ApproachEffect:
    """One approach's evaluated effect and what was done: aggregates only, nothing about persons.

    ``dose`` holds interventions per 1,000 addresses per flavour (None when the area has no addresses in
    the register); ``first`` is the flavour whose first intervention started first (None: no interventions).
    """

    key: str
    label: str
    estimate: float
    variance: float
    dose: dict[str, float] | None
    first: str | None
    counts: dict[str, int] = field(default_factory=dict)  # interventions per flavour (for suppression)


@dataclass(frozen=True)
class Moderator:
    key: str  # e.g. "dose_zoet" or "first_zoet"
    flavour: str
    kind: str  # "dose" or "first"
    k: int
    result: MetaRegression | None
    reason: str = ""  # Dutch, when result is None


@dataclass(frozen=True)
class AcrossApproaches:
    k: int
    pooled: PooledEffect | None
    reason: str  # Dutch, when pooled is None
    moderators: tuple[Moderator, ...]


def _moderator(effects: list[ApproachEffect], flavour: str, kind: str, level: float) -> Moderator:
    if kind == "dose":
        usable = [e for e in effects if e.dose is not None]
        values = [e.dose.get(flavour, 0.0) for e in usable]  # type: ignore[union-attr]
    else:
        usable = [e for e in effects if e.first is not None]
        values = [1.0 if e.first == flavour else 0.0 for e in usable]
    key = f"{kind}_{flavour}"
    if len(usable) < MIN_APPROACHES + 1:
        return Moderator(
            key,
            flavour,
            kind,
            len(usable),
            None,
            f"Te weinig aanpakken met deze gegevens ({len(usable)}; een meta-regressie vraagt er minstens 4).",
        )
    try:
        result = meta_regression(
            [e.estimate for e in usable],
            [e.variance for e in usable],
            values,
            names=[key],
            level=level,
        )
    except MetaAnalysisError as exc:
        return Moderator(key, flavour, kind, len(usable), None, exc.message)
    return Moderator(key, flavour, kind, len(usable), result)


def across_approaches(effects: list[ApproachEffect], *, level: float = 0.95) -> AcrossApproaches:
    """Pool the approaches' effects and relate them, one measure at a time, to each flavour's dose and to
    which flavour started first. Fewer than three approaches: nothing is pooled, with the reason."""
    k = len(effects)
    try:
        pooled = random_effects([e.estimate for e in effects], [e.variance for e in effects], level=level)
        reason = ""
    except MetaAnalysisError as exc:
        return AcrossApproaches(k, None, exc.message, ())
    moderators = tuple(
        _moderator(effects, flavour, kind, level) for kind in ("dose", "first") for flavour in FLAVOURS
    )
    return AcrossApproaches(k, pooled, reason, moderators)
