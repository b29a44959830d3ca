# SPDX-License-Identifier: EUPL-1.2
"""Fitting a synthetic control (Abadie & Gardeazabal 2003; Abadie, Diamond & Hainmueller 2010, 2015).

The synthetic control of a treated unit is a weighted average of donor units, with weights W >= 0
summing to one, chosen so that the donors' predictors match the treated unit's predictors. The
importance of each predictor is a diagonal matrix V, chosen (nested) so that the resulting synthetic
control reproduces the treated unit's *outcome* in the optimisation periods as well as possible.
The effect is the gap between the observed and the synthetic outcome after the treatment time.

See :mod:`._solver` for the exact inner solve and the multi-start outer search.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ._data import SyntheticControlData, SyntheticControlSpec, build_matrices
from ._errors import EffectEvaluationError
from ._solver import (
    NestedProblem,
    WeightSolution,
    exchange_exact_matches,
    inside_hull,
    regression_v,
    scale_predictors,
    search_v,
    solve_simplex_lsq,
)

VMethod = Literal["nested", "custom", "two_step"]
HullCheck = Literal["raise", "warn", "off"]
InsideHullSearch = Literal["v", "exchange", "exchange_faces"]
EXCHANGE_OUTER_SOLVER = (
    "donor exchange over the exact predictor matches (inside the hull; V has no influence)"
)
POWELL_OUTER_SOLVER = "multi-start Powell on V = |x|/sum|x|"
FACE_OUTER_SOLVER = (
    "donor exchange over the exact matches of all predictors but one (that predictor's V is 0), "
    "better than a capped V search"
)
CAPPED_OUTER_SOLVER = (
    "multi-start Powell on V = |x|/sum|x|, capped, better than the donor exchange with one predictor's V at 0"
)


@dataclass(frozen=True)
class FitOptions:
    """Tuning of the fit. The defaults aim at reproducing published results.

    Attributes:
        starts: deterministic V starts, in order: ``"equal"`` (1/k each) and ``"regression"`` (the
            regression-based V of Synth).
        n_starts: maximum number of V starts refined by Powell: the deterministic ``starts``, then the
            best random Dirichlet draws from a screen of ``n_random_screen``.
        n_random_screen: random V draws evaluated once (one inner solve each) to pick extra starts.
        seed: seed of the random draws (results are reproducible).
        stop_when_confirmed: stop as soon as two starts reach the same best loss.
        max_evaluations_per_start: cap on inner solves per Powell run.
        min_pre_periods: minimum number of reported periods before the treatment time.
        hull_check: what to do when the treated unit lies outside the range of the donors in most
            optimisation periods: ``"raise"`` an error, ``"warn"`` (add a warning), or ``"off"``.
        hull_share: share of optimisation periods above the maximum (or below the minimum) of all
            donors from which the treated unit counts as outside the convex hull.
        poor_fit_ratio: a warning is added when the pre-period RMSPE exceeds this share of the
            standard deviation of the treated unit's pre-period outcome.
        inside_hull_search: how the weights are chosen when the treated unit's predictors lie inside
            the convex hull of the donors' (then every V > 0 has the same optimal set: all exact
            predictor matches). ``"v"``: search V with Powell and take the match the inner solve
            returns at the best V found (the main fit). ``"exchange"``: search the sparse exact
            matches directly, exchanging one donor at a time from the match of every start V
            (:func:`._solver.exchange_exact_matches`, ADR 0023). Outside the hull both are the V
            search. ``"exchange_faces"`` (the refitted placebo test, ADR 0028): as ``"exchange"``
            inside the hull; outside it, the V search capped at ``face_search_evaluations`` per start
            *and* the donor exchange on every face ``V_m = 0`` of the V simplex where the unit lies
            inside the hull of the other predictors; the lower pre-period loss wins. A unit outside
            every such hull gets the full V search.
        face_search_evaluations: the cap of the V search beside the face exchange (``"exchange_faces"``).
    """

    starts: tuple[Literal["equal", "regression"], ...] = ("equal", "regression")
    n_starts: int = 4
    n_random_screen: int = 32
    seed: int = 20240607
    stop_when_confirmed: bool = True
    max_evaluations_per_start: int = 4000
    min_pre_periods: int = 4
    hull_check: HullCheck = "raise"
    hull_share: float = 0.5
    poor_fit_ratio: float = 0.5
    inside_hull_search: InsideHullSearch = "v"
    face_search_evaluations: int = 400


@dataclass(frozen=True)
class SolverInfo:
    """How the weights were found.

    ``weights_unique`` is False when the treated unit's predictors are matched exactly by more than
    one donor combination (it lies inside their convex hull, common with many donors and few
    predictors); the inner solve then returns a sparse vertex of the optimal set, deterministically.
    ``kkt_violation`` certifies the exactness of the final inner solve (~0 at the optimum).
    """

    v_method: VMethod
    inner_solver: str
    outer_solver: str
    starts: tuple[str, ...]
    start_losses: tuple[float, ...]
    best_start: str
    n_inner_solves: int
    stopped_early: bool
    kkt_violation: float
    elapsed_seconds: float
    training_loss: float | None = None
    weights_unique: bool = True


@dataclass(frozen=True)
class EffectSummary:
    """Average effect over a window with a naive standard error (sd of the gaps / sqrt(n))."""

    estimate: float
    standard_error: float
    n_periods: int
    start: Hashable
    end: Hashable


@dataclass(frozen=True)
class SyntheticControlResult:
    """Outcome of one synthetic-control fit.

    Attributes:
        weights: donor weights W (>= 0, sum 1), indexed by donor.
        v: predictor weights V (>= 0, sum 1) for the *scaled* predictors, indexed by predictor name.
        loss: mean squared prediction error over the optimisation periods (what V minimises).
        rmspe_pre / rmspe_post: root mean squared gap before / from the treatment time.
        rmspe_ratio: rmspe_post / rmspe_pre (the statistic of the placebo test).
        observed, synthetic, gap: outcome paths over the reported periods; gap = observed - synthetic.
        predictor_balance: treated, synthetic and donor-mean value of every predictor.
        warnings: Dutch warnings for the user (poor pre-period fit, treated unit at the edge, ...).
    """

    treated: Hashable
    treatment_time: float
    weights: pd.Series
    v: pd.Series
    loss: float
    rmspe_pre: float
    rmspe_post: float
    rmspe_ratio: float
    observed: pd.Series
    synthetic: pd.Series
    gap: pd.Series
    predictor_balance: pd.DataFrame
    solver: SolverInfo
    warnings: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())

    @property
    def mspe_pre(self) -> float:
        return self.rmspe_pre**2

    def nonzero_weights(self, tol: float = 1e-6) -> pd.Series:
        """Donors with a weight above ``tol``, largest first."""
        return self.weights[self.weights > tol].sort_values(ascending=False)

    def att(self, start: Hashable | None = None, end: Hashable | None = None) -> EffectSummary:
        """Mean gap over ``[start, end]`` (default: all post-periods) with sd/sqrt(n) as standard error."""
        gap = self.gap
        start = self.treatment_time if start is None else start
        window = gap[(gap.index >= start) & ((gap.index <= end) if end is not None else True)]
        n = int(window.size)
        if n == 0:
            raise EffectEvaluationError(
                "invalid_specification", "Er zijn geen periodes in het gekozen venster."
            )
        se = float(window.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
        return EffectSummary(float(window.mean()), se, n, window.index[0], window.index[-1])

    def explanation(self) -> str:
        """Plain-language summary in Dutch."""
        top = self.nonzero_weights(1e-3).head(5)
        parts = ", ".join(f"{name} ({w:.0%})" for name, w in top.items())
        post = self.gap[self.gap.index >= self.treatment_time]
        text = (
            f"De synthetische controle voor {self.treated} is een gewogen gemiddelde van vergelijkbare "
            f"eenheden: {parts}. Vóór {self.treatment_time} wijkt ze gemiddeld {self.rmspe_pre:.3g} af van de "
            f"werkelijkheid (RMSPE). "
        )
        if post.size:
            text += (
                f"Vanaf {self.treatment_time} is het verschil tussen werkelijkheid en synthetische controle "
                f"gemiddeld {post.mean():.3g} per periode; de afwijking na de ingreep is "
                f"{self.rmspe_ratio:.3g} keer zo groot als ervóór."
            )
        if self.warnings:
            text += " Let op: " + " ".join(self.warnings)
        return text


def _ratio(post: float, pre: float) -> float:
    """post / pre RMSPE; infinite for a perfect pre-period fit followed by a gap."""
    if pre > 0:
        return post / pre
    return float("inf") if post > 0 else float("nan")


def _hull_shares(z1: np.ndarray, z0: np.ndarray) -> tuple[float, float]:
    if z1.size == 0:
        return 0.0, 0.0
    above = float(np.mean(z1 > z0.max(axis=1)))
    below = float(np.mean(z1 < z0.min(axis=1)))
    return above, below


def validate_data(data: SyntheticControlData, options: FitOptions, *, check_hull: bool = True) -> list[str]:
    """Check a problem before fitting; return Dutch warnings, raise on fatal problems."""
    warnings: list[str] = []
    if data.n_donors == 0:
        raise EffectEvaluationError(
            "empty_donor_pool", "De donorpool is leeg: er zijn geen vergelijkingseenheden beschikbaar."
        )
    if len(set(data.donors)) != data.n_donors:
        seen: set[Hashable] = set()
        dups = [d for d in data.donors if d in seen or seen.add(d)]  # type: ignore[func-returns-value]
        raise EffectEvaluationError(
            "duplicate_units", f"De donorpool bevat eenheden dubbel: {dups[:5]}.", {"units": dups}
        )
    if data.treated in set(data.donors):
        raise EffectEvaluationError(
            "duplicate_units", f"De behandelde eenheid '{data.treated}' staat ook in de donorpool."
        )
    n_pre = int(data.pre_mask.sum())
    if n_pre < options.min_pre_periods:
        raise EffectEvaluationError(
            "too_few_pre_periods",
            f"Er zijn maar {n_pre} periodes vóór de ingreep ({data.treatment_time}); minimaal "
            f"{options.min_pre_periods} zijn nodig om te beoordelen of de synthetische controle de "
            "ontwikkeling vóór de ingreep kan nabootsen.",
            {"n_pre_periods": n_pre},
        )
    if data.fit_times.size == 0:
        raise EffectEvaluationError(
            "too_few_pre_periods", "Er zijn geen periodes om de pasvorm op te optimaliseren."
        )
    for name, arr in (
        ("voorspellers", np.concatenate([data.x_treated[:, None], data.x_donors], axis=1)),
        ("uitkomst (pasperiode)", np.concatenate([data.z_treated[:, None], data.z_donors], axis=1)),
        ("uitkomst", np.concatenate([data.y_treated[:, None], data.y_donors], axis=1)),
    ):
        bad = ~np.isfinite(arr)
        if bad.any():
            cols = np.flatnonzero(bad.any(axis=0))
            units = [data.treated if c == 0 else data.donors[c - 1] for c in cols[:5]]
            raise EffectEvaluationError(
                "missing_values",
                f"Ontbrekende of ongeldige waarden in de {name} voor {units}"
                + (f" en {cols.size - 5} andere" if cols.size > 5 else "")
                + ".",
                {"units": units},
            )
    if check_hull and options.hull_check != "off":
        above, below = _hull_shares(data.z_treated, data.z_donors)
        share = max(above, below)
        if share > options.hull_share:
            side = "hoger" if above >= below else "lager"
            n_out = round(share * data.fit_times.size)
            msg = (
                f"{data.treated} ligt buiten het bereik van de donorpool: in {n_out} van de "
                f"{data.fit_times.size} pasperiodes is de uitkomst {side} dan bij elke donor. Een synthetische "
                "controle is een gewogen gemiddelde en kan zo'n eenheid niet nabootsen; een effectschatting "
                "zou misleidend zijn. Kies een andere uitkomstmaat (bijvoorbeeld een verandering of index) "
                "of een donorpool met vergelijkbare eenheden."
            )
            if options.hull_check == "raise":
                raise EffectEvaluationError(
                    "outside_convex_hull", msg, {"share_above": above, "share_below": below}
                )
            warnings.append(msg)
    return warnings


def _random_starts(k: int, options: FitOptions) -> np.ndarray:
    rng = np.random.default_rng(options.seed)
    return rng.dirichlet(np.ones(k), size=max(0, options.n_random_screen))


def _coerce_v(
    v: Sequence[float] | Mapping[str, float] | pd.Series | np.ndarray, names: Sequence[str]
) -> np.ndarray:
    if isinstance(v, pd.Series | Mapping):
        series = pd.Series(v)
        if set(series.index) == set(names):
            arr = series.reindex(list(names)).to_numpy(dtype=float)
        else:
            arr = series.to_numpy(dtype=float)
    else:
        arr = np.asarray(v, dtype=float).reshape(-1)
    if arr.size != len(names):
        raise EffectEvaluationError(
            "invalid_specification",
            f"V heeft {arr.size} gewichten, maar er zijn {len(names)} voorspellers.",
        )
    if not np.isfinite(arr).all() or (arr < 0).any() or arr.sum() <= 0:
        raise EffectEvaluationError(
            "invalid_specification", "V moet uit niet-negatieve getallen bestaan die niet allemaal nul zijn."
        )
    return arr / arr.sum()


def _scaled_problem(data: SyntheticControlData) -> NestedProblem:
    x_all = np.concatenate([data.x_treated[:, None], data.x_donors], axis=1)
    sd = scale_predictors(x_all)
    return NestedProblem(data.x_treated / sd, data.x_donors / sd[:, None], data.z_treated, data.z_donors)


def treated_inside_hull(data: SyntheticControlData) -> bool:
    """Whether the treated unit's scaled predictors lie inside the convex hull of the donors'."""
    problem = _scaled_problem(data)
    return problem.n_predictors > 1 and inside_hull(problem)


def _faces(problem: NestedProblem) -> list[tuple[int, NestedProblem]]:
    """``(m, sub-problem without predictor m)`` for every predictor ``m`` whose leaving out puts the
    unit inside the hull of the donors (the faces ``V_m = 0`` of the V simplex where the inner
    optimum is 0). Only for two or more predictors."""
    k = problem.n_predictors
    if k < 2:
        return []
    found = []
    for m in range(k):
        # x1 = 0 and x0 = the differences without predictor m: the sub-problem's d is those rows.
        sub = NestedProblem(np.zeros(k - 1), np.delete(problem.d, m, axis=0), problem.z1, problem.z0)
        if inside_hull(sub):
            found.append((m, sub))
    return found


def inside_hull_procedure(data: SyntheticControlData, search: InsideHullSearch) -> str:
    """How ``search`` fits the treated unit of ``data``: ``"exchange"`` (inside the hull: ``"exchange"``,
    ``"exchange_faces"``), ``"faces"`` (on a face of the V simplex: ``"exchange_faces"``) or ``"v"`` (the
    plain V search). One hull check: the scaled problem is built and solved once."""
    if search == "v":
        return "v"
    problem = _scaled_problem(data)
    if problem.n_predictors < 2:
        return "v"
    if inside_hull(problem):
        return "exchange"
    return "faces" if search == "exchange_faces" and _faces(problem) else "v"


def _face_fit(
    problem: NestedProblem, data: SyntheticControlData, candidates: list[tuple[str, np.ndarray]]
) -> tuple[float, np.ndarray, np.ndarray, str, int] | None:
    """Best exact match of all predictors but one, reached by donor exchange from the match the
    inner solve returns at each start V restricted to the other predictors, over every face where
    the unit lies inside the other predictors' hull: ``(loss, v, w, start, m)`` with ``v_m = 0``, or
    ``None`` when there is no such face."""
    zd = data.z_donors - data.z_treated[:, None]
    best: tuple[float, np.ndarray, np.ndarray, str, int] | None = None
    for m, sub in _faces(problem):
        for name, v0 in candidates:
            v_sub = np.delete(v0, m)
            if not v_sub.sum() > 0:
                continue
            v_sub = v_sub / v_sub.sum()
            found = exchange_exact_matches(sub.d, zd, sub.weights(v_sub))
            if found is None:
                continue
            w = found[0]
            loss = problem.loss_of_weights(w)
            if best is None or loss < best[0]:
                best = (loss, np.insert(v_sub, m, 0.0), w, name, m)
    return best


def _exchange_fit(
    problem: NestedProblem, data: SyntheticControlData, candidates: list[tuple[str, np.ndarray]]
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], tuple[float, ...], str] | None:
    """Weights of a unit inside the hull: the best exact match reached by donor exchange from the
    match the inner solve returns at each start V (``None`` if no start gives a clean vertex)."""
    zd = data.z_donors - data.z_treated[:, None]
    best: tuple[float, str, np.ndarray, np.ndarray] | None = None
    names, losses = [], []
    for name, v0 in candidates:
        found = exchange_exact_matches(problem.d, zd, problem.weights(v0))
        if found is None:
            continue
        w = found[0]
        loss = problem.loss_of_weights(w)
        names.append(name)
        losses.append(loss)
        if best is None or loss < best[0]:
            best = (loss, name, v0, w)
    if best is None:
        return None
    return best[2], best[3], tuple(names), tuple(losses), best[1]


def _certificate(problem: NestedProblem, w: np.ndarray, v: np.ndarray) -> WeightSolution:
    """KKT certificate (as :func:`solve_simplex_lsq` reports it) of the weights ``w`` at ``v``."""
    a = problem.d * np.sqrt(v)[:, None]
    col = np.einsum("ij,ij->j", a, a)
    c2 = float(col.mean()) if float(col.mean()) > 0 else 1.0
    r = a @ w
    rr = float(r @ r)
    viol = max(0.0, float(rr - (r @ a).min())) / c2
    return WeightSolution(w, rr, 0, viol, np.flatnonzero(w), True)


def fit_data(
    data: SyntheticControlData,
    options: FitOptions | None = None,
    *,
    v: Sequence[float] | Mapping[str, float] | pd.Series | np.ndarray | None = None,
    v_method: VMethod | None = None,
    training_loss: float | None = None,
    scale: np.ndarray | None = None,
    check_hull: bool = True,
) -> SyntheticControlResult:
    """Fit a synthetic control on prepared matrices (see :func:`fit_synthetic_control`).

    ``scale`` overrides the per-predictor standard deviations (used by the fixed-V placebo variant
    so that all placebos share the scaling of the main fit).
    """
    options = options or FitOptions()
    t0 = time.perf_counter()
    warnings = validate_data(data, options, check_hull=check_hull)
    x_all = np.concatenate([data.x_treated[:, None], data.x_donors], axis=1)
    sd = scale_predictors(x_all) if scale is None else np.asarray(scale, float)
    x1 = data.x_treated / sd
    x0 = data.x_donors / sd[:, None]
    problem = NestedProblem(x1, x0, data.z_treated, data.z_donors)
    k = x1.size
    exchanged = None
    face_dropped: str | None = None
    if v is not None:
        v_arr = _coerce_v(v, data.predictor_names)
        w = problem.weights(v_arr)
        loss = problem.loss_of_weights(w)
        starts: tuple[str, ...] = ("custom",)
        start_losses: tuple[float, ...] = (loss,)
        best_start, stopped_early = "custom", False
        method: VMethod = v_method or "custom"
        outer = "none (V given)"
    else:
        z_all = np.concatenate([data.z_treated[:, None], data.z_donors], axis=1)
        candidates: list[tuple[str, np.ndarray]] = []
        for name in options.starts:
            if name == "equal":
                candidates.append(("equal", np.full(k, 1.0 / k)))
            elif name == "regression":
                candidates.append(
                    ("regression", regression_v(np.concatenate([x1[:, None], x0], axis=1), z_all))
                )
            else:
                raise EffectEvaluationError("invalid_specification", f"Onbekend startpunt '{name}' voor V.")
        n_extra = max(0, options.n_starts - len(candidates))
        if n_extra and options.n_random_screen > 0 and k > 1:
            draws = _random_starts(k, options)
            screen = np.array([problem.loss(d) for d in draws])
            for i in np.argsort(screen, kind="stable")[:n_extra]:
                candidates.append((f"random_{int(i)}", draws[i]))
        candidates = candidates[: max(1, options.n_starts)]
        exchange = options.inside_hull_search in ("exchange", "exchange_faces")
        inside = exchange and k > 1 and inside_hull(problem)
        if inside:
            exchanged = _exchange_fit(problem, data, candidates)
        face = None
        if not inside and options.inside_hull_search == "exchange_faces":
            face = _face_fit(problem, data, candidates)
        method = v_method or "nested"
        if exchanged is not None:
            v_arr, w, starts, start_losses, best_start = exchanged
            stopped_early = False
            outer = EXCHANGE_OUTER_SOLVER
        else:
            cap = options.max_evaluations_per_start
            if face is not None:
                cap = min(cap, options.face_search_evaluations)
            v_arr, w, loss, info = search_v(
                problem,
                candidates,
                max_evaluations_per_start=cap,
                stop_when_confirmed=options.stop_when_confirmed,
            )
            starts, start_losses = tuple(info.starts), tuple(info.start_losses)
            best_start, stopped_early = info.best_start, info.stopped_early
            outer = POWELL_OUTER_SOLVER if face is None else CAPPED_OUTER_SOLVER
            if face is not None and face[0] < loss:
                face_loss, v_arr, w, name, dropped = face
                starts, start_losses = (*starts, f"face_{name}"), (*start_losses, face_loss)
                best_start, outer = f"face_{name}", FACE_OUTER_SOLVER
                exchanged = (v_arr, w, starts, start_losses, best_start)
                face_dropped = data.predictor_names[dropped]
    if exchanged is not None:
        # An exact match is optimal for every V > 0: certify it at the reported V.
        final = _certificate(problem, w, v_arr)
    else:
        # Exactness certificate of the final inner solve.
        final = solve_simplex_lsq(problem.d, np.sqrt(v_arr))
        w = final.weights
    loss = problem.loss_of_weights(w)
    scale2 = float(np.mean(np.einsum("ij,i,ij->j", problem.d, v_arr, problem.d)))
    unique = bool(final.objective > 1e-10 * scale2) or data.n_donors <= k
    notes = list(data.notes)
    if face_dropped is not None:
        notes.append(
            f"Voorspeller {face_dropped} telt niet mee (gewicht 0): zonder die voorspeller worden de andere "
            f"voorspellers van {data.treated} precies nagebootst, en dat gaf de beste pasvorm vóór de ingreep; "
            f"de donorgewichten zijn daardoor niet uniek. Gekozen is een combinatie met hoogstens {k} donors."
        )
    elif not unique:
        notes.append(
            f"De voorspellers van {data.treated} worden door meer dan één combinatie van donors precies "
            "nagebootst; de donorgewichten zijn daardoor niet uniek. Gekozen is een combinatie met weinig "
            f"donors (hoogstens {k + 1}), steeds dezelfde bij dezelfde gegevens."
        )

    names = list(data.predictor_names)
    weights = pd.Series(w, index=pd.Index(data.donors, name="donor"), name="weight")
    v_series = pd.Series(v_arr, index=pd.Index(names, name="predictor"), name="v")
    synthetic_path = data.y_donors @ w
    times = pd.Index(data.times, name="time")
    observed = pd.Series(data.y_treated, index=times, name="observed")
    synthetic = pd.Series(synthetic_path, index=times, name="synthetic")
    gap = pd.Series(data.y_treated - synthetic_path, index=times, name="gap")
    pre, post = data.pre_mask, data.post_mask
    gap_values = gap.to_numpy()
    rmspe_pre = float(np.sqrt(np.mean(gap_values[pre] ** 2))) if pre.any() else float("nan")
    rmspe_post = float(np.sqrt(np.mean(gap_values[post] ** 2))) if post.any() else float("nan")
    ratio = _ratio(rmspe_post, rmspe_pre)
    balance = pd.DataFrame(
        {
            "treated": data.x_treated,
            "synthetic": data.x_donors @ w,
            "donor_mean": data.x_donors.mean(axis=1),
        },
        index=pd.Index(names, name="predictor"),
    )
    pre_sd = float(np.std(data.y_treated[pre], ddof=1)) if pre.sum() > 1 else float("nan")
    if np.isfinite(pre_sd) and pre_sd > 0 and rmspe_pre > options.poor_fit_ratio * pre_sd:
        warnings.append(
            f"De pasvorm vóór de ingreep is zwak: de gemiddelde afwijking ({rmspe_pre:.3g}) is "
            f"{rmspe_pre / pre_sd:.0%} van de spreiding van de uitkomst van {data.treated} in die periode. "
            "Het geschatte effect is daardoor onbetrouwbaar."
        )
    solver = SolverInfo(
        v_method=method,
        inner_solver="exact: NNLS on the augmented simplex problem (Lawson-Hanson), column generation",
        outer_solver=outer,
        starts=starts,
        start_losses=start_losses,
        best_start=best_start,
        n_inner_solves=problem.n_inner_solves + 1,
        stopped_early=stopped_early,
        kkt_violation=final.kkt_violation,
        elapsed_seconds=time.perf_counter() - t0,
        training_loss=training_loss,
        weights_unique=unique,
    )
    return SyntheticControlResult(
        treated=data.treated,
        treatment_time=data.treatment_time,
        weights=weights,
        v=v_series,
        loss=loss,
        rmspe_pre=rmspe_pre,
        rmspe_post=rmspe_post,
        rmspe_ratio=ratio,
        observed=observed,
        synthetic=synthetic,
        gap=gap,
        predictor_balance=balance,
        solver=solver,
        warnings=tuple(warnings),
        notes=tuple(notes),
    )


def as_data(
    data: pd.DataFrame | SyntheticControlData, spec: SyntheticControlSpec | None
) -> SyntheticControlData:
    """Accept either a long panel plus a spec, or ready matrices."""
    if isinstance(data, SyntheticControlData):
        return data
    if spec is None:
        raise EffectEvaluationError(
            "invalid_specification", "Bij een tabel met gegevens hoort een specificatie."
        )
    return build_matrices(data, spec)


def fit_synthetic_control(
    data: pd.DataFrame | SyntheticControlData,
    spec: SyntheticControlSpec | None = None,
    *,
    options: FitOptions | None = None,
    v: Sequence[float] | Mapping[str, float] | pd.Series | np.ndarray | None = None,
) -> SyntheticControlResult:
    """Fit a synthetic control.

    Args:
        data: a long panel (one row per unit and period; needs ``spec``) or ``SyntheticControlData``.
        spec: what to fit (treated unit, treatment time, outcome, predictors, periods).
        options: solver tuning and checks (:class:`FitOptions`).
        v: fixed predictor weights (a custom V, as in Synth's ``custom.v``); skips the V search.

    Returns:
        :class:`SyntheticControlResult` with weights, V, loss, RMSPEs, paths and solver info.

    Raises:
        EffectEvaluationError: with a Dutch message for unusable inputs (see :class:`ErrorCode`).
    """
    return fit_data(as_data(data, spec), options, v=v)


def fit_two_step(
    panel: pd.DataFrame,
    training_spec: SyntheticControlSpec,
    main_spec: SyntheticControlSpec,
    *,
    options: FitOptions | None = None,
) -> SyntheticControlResult:
    """Two-step (cross-validated) synthetic control of Abadie, Diamond & Hainmueller (2015).

    Step 1 chooses V with predictors measured in a training period and the outcome fit over a later
    validation period (``training_spec.time_optimize_ssr``). Step 2 keeps that V and computes W from
    predictors measured in the validation period (``main_spec``). Both specs must have the same
    number of predictors, matched by position (their periods differ, their meaning does not).
    """
    options = options or FitOptions()
    training = build_matrices(panel, training_spec)
    main = build_matrices(panel, main_spec)
    if len(training.predictor_names) != len(main.predictor_names):
        raise EffectEvaluationError(
            "invalid_specification",
            "De trainings- en hoofdspecificatie moeten evenveel voorspellers hebben "
            f"({len(training.predictor_names)} tegen {len(main.predictor_names)}).",
        )
    step1 = fit_data(training, options, check_hull=False)
    return fit_data(main, options, v=step1.v.to_numpy(), v_method="two_step", training_loss=step1.loss)
