# SPDX-License-Identifier: EUPL-1.2
"""Inference and robustness checks for a synthetic control (ADH 2010, 2015).

* Placebo in space: every donor in turn plays the treated unit, against the other donors (the real
  treated unit never serves as a donor). The statistic is the ratio of post- to pre-period RMSPE; the
  permutation p-value is ``(1 + #{placebos with ratio >= treated ratio}) / (n_placebos + 1)``, so it
  is never 0 and a top-ranked unit among 38 placebos gets 1/39. The treatment period counts as
  post-period only.

  - ``variant="fixed_v"`` (fast): V and the predictor scaling of the main fit are re-used, only the
    exact weight solve is repeated per placebo.
  - ``variant="refit_v"`` (full, as in the papers): the nested V search is repeated per placebo,
    each with its own scaling. A placebo whose predictors lie inside the convex hull of the other
    donors' (most of them in large pools) has the same optimal weight set for every V; its weights
    are then found by donor exchange over the exact predictor matches (ADR 0023). A placebo just
    outside the hull that lies inside it once one predictor is left out gets the better of a capped
    V search and the same exchange on that face of the V simplex (``V_m = 0``, ADR 0028); a placebo
    outside every such hull the full V search (``inside_hull_search="exchange_faces"``, the default).
    The treated unit's statistic is computed the same way when that procedure applies to it too, so
    that treated unit and placebos are fitted by one procedure.

* Leave-one-out: drop each donor with positive weight and refit; shows whether one donor drives the
  result.
* Placebo in time: pretend the treatment happened earlier, using pre-treatment data only; a large
  "effect" before the real treatment casts doubt on the design.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Hashable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd

from ._data import SyntheticControlData, SyntheticControlSpec, build_matrices
from ._errors import EffectEvaluationError
from ._fit import (
    CAPPED_OUTER_SOLVER,
    EXCHANGE_OUTER_SOLVER,
    FACE_OUTER_SOLVER,
    POWELL_OUTER_SOLVER,
    FitOptions,
    InsideHullSearch,
    SyntheticControlResult,
    as_data,
    fit_data,
    inside_hull_procedure,
)
from ._solver import scale_predictors, solve_simplex_lsq

PlaceboVariant = Literal["fixed_v", "refit_v"]


def placebo_p_value(treated_ratio: float, placebo_ratios: Sequence[float] | np.ndarray) -> float:
    """Permutation p-value ``(1 + #{placebo ratio >= treated ratio}) / (n_placebos + 1)``.

    NaN placebo ratios (e.g. a placebo fitted perfectly without any post-period gap) do not count as
    exceeding but still count as placebos.
    """
    ratios = np.asarray(placebo_ratios, dtype=float)
    exceed = int(np.sum(ratios >= treated_ratio))
    return (1 + exceed) / (ratios.size + 1)


@dataclass(frozen=True)
class PlaceboInSpaceResult:
    """Result of the in-space placebo test.

    Attributes:
        variant: ``"fixed_v"`` (V re-used, only weights re-solved) or ``"refit_v"`` (V refitted).
        ratios, pre_rmspe, post_rmspe: per placebo unit (all donors, also excluded ones).
        gaps: gap paths, one column per unit (treated unit first).
        excluded: placebos left out of the p-value by ``max_pre_mspe_ratio``.
        rank: position of the treated unit when all units are sorted by ratio (1 = largest).
    """

    variant: PlaceboVariant
    treated: Hashable
    treated_ratio: float
    ratios: pd.Series
    pre_rmspe: pd.Series
    post_rmspe: pd.Series
    gaps: pd.DataFrame
    p_value: float
    rank: int
    n_placebos: int
    excluded: tuple[Hashable, ...] = field(default=())
    max_pre_mspe_ratio: float | None = None
    elapsed_seconds: float = 0.0
    treated_refitted: bool = False

    def explanation(self) -> str:
        """Plain-language summary in Dutch."""
        how = (
            "met dezelfde voorspellergewichten (V) als de hoofdanalyse; alleen de donorgewichten zijn "
            "per placebo opnieuw bepaald"
            if self.variant == "fixed_v"
            else "met per placebo opnieuw geschatte voorspellergewichten (V)"
        )
        return (
            f"Placebotoets: elke eenheid uit de donorpool is om de beurt als 'behandeld' behandeld ({how}). "
            f"{self.treated} staat op plaats {self.rank} van {self.n_placebos + 1} naar de verhouding tussen "
            f"afwijking na en vóór de ingreep. De kans om bij toeval een even grote verhouding te zien is "
            f"p = {self.p_value:.3f}."
            + (
                f" Omdat de voorspellers van {self.treated} binnen het bereik van de donors liggen (alle, of alle "
                f"op één na), is {self.treated} voor deze toets op dezelfde manier opnieuw geschat als de placebo's."
                if self.treated_refitted
                else ""
            )
            + (
                f" {len(self.excluded)} placebo's met een slechte pasvorm vóór de ingreep zijn weggelaten."
                if self.excluded
                else ""
            )
        )


_WORKER_STATE: dict[str, object] = {}


def _init_worker(data: SyntheticControlData, options: FitOptions) -> None:  # pragma: no cover - subprocess
    _WORKER_STATE["data"] = data
    _WORKER_STATE["options"] = options


def _refit_one(index: int) -> np.ndarray:  # pragma: no cover - subprocess
    data = _WORKER_STATE["data"]
    options = _WORKER_STATE["options"]
    assert isinstance(data, SyntheticControlData) and isinstance(options, FitOptions)
    return _refit_gap(data, index, options)


def _refit_gap(data: SyntheticControlData, index: int, options: FitOptions) -> np.ndarray:
    placebo = data.with_treated_donor(index)
    result = fit_data(placebo, options, check_hull=False)
    return result.gap.to_numpy()


def _ratios(gaps: np.ndarray, pre: np.ndarray, post: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pre_r = np.sqrt(np.mean(gaps[pre] ** 2, axis=0))
    post_r = np.sqrt(np.mean(gaps[post] ** 2, axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(
            pre_r > 0, post_r / np.where(pre_r > 0, pre_r, 1.0), np.where(post_r > 0, np.inf, np.nan)
        )
    return pre_r, post_r, ratio


def _procedure_of(result: SyntheticControlResult) -> str:
    """How ``result``'s weights were found: ``"exchange"`` (inside the hull), ``"faces"`` (on a face of
    the V simplex, or the capped V search beside it), ``"v"`` (the V search) or ``"given"`` (V given)."""
    outer = result.solver.outer_solver
    if outer == EXCHANGE_OUTER_SOLVER:
        return "exchange"
    if outer in (FACE_OUTER_SOLVER, CAPPED_OUTER_SOLVER):
        return "faces"
    return "v" if outer == POWELL_OUTER_SOLVER else "given"


def placebo_in_space(
    data: pd.DataFrame | SyntheticControlData,
    spec: SyntheticControlSpec | None = None,
    *,
    variant: PlaceboVariant = "fixed_v",
    result: SyntheticControlResult | None = None,
    options: FitOptions | None = None,
    max_pre_mspe_ratio: float | None = None,
    n_jobs: int = 1,
    inside_hull_search: InsideHullSearch = "exchange_faces",
) -> PlaceboInSpaceResult:
    """Placebo-in-space test over the donor pool.

    Args:
        data, spec: the problem (long panel + spec, or prepared matrices).
        variant: ``"fixed_v"`` re-uses V of ``result`` (fast), ``"refit_v"`` refits V per placebo.
        result: the main fit (computed if omitted).
        max_pre_mspe_ratio: optionally leave out placebos whose pre-period MSPE exceeds this multiple
            of the treated unit's (ADH 2010 show 20, 5 and 2); ``None`` keeps all.
        n_jobs: worker processes for ``refit_v`` (1 = in this process).
        inside_hull_search: for ``refit_v``, how placebos (and the treated unit's statistic) inside
            or just outside the convex hull of the donors are fitted: ``"exchange_faces"`` (default,
            ADR 0028), ``"exchange"`` (inside the hull only, ADR 0023) or ``"v"`` (the V search of the
            main fit for every unit).
    """
    options = options or FitOptions()
    problem = as_data(data, spec)
    if result is None:
        result = fit_data(problem, options)
    treated_refitted = False
    if variant == "refit_v":
        options = replace(options, inside_hull_search=inside_hull_search)
        if _procedure_of(result) != inside_hull_procedure(problem, inside_hull_search):
            result, treated_refitted = fit_data(problem, options, check_hull=False), True
    if problem.n_donors < 2:
        raise EffectEvaluationError(
            "empty_donor_pool", "Voor een placebotoets zijn minstens twee eenheden in de donorpool nodig."
        )
    t0 = time.perf_counter()
    n = problem.n_donors
    gaps = np.empty((problem.times.size, n))
    if variant == "fixed_v":
        x_all = np.concatenate([problem.x_treated[:, None], problem.x_donors], axis=1)
        sd = scale_predictors(x_all)
        x0 = problem.x_donors / sd[:, None]
        sqrt_v = np.sqrt(result.v.to_numpy())
        for j in range(n):
            others = np.delete(np.arange(n), j)
            sol = solve_simplex_lsq(x0[:, others] - x0[:, [j]], sqrt_v)
            nz = np.flatnonzero(sol.weights)
            gaps[:, j] = problem.y_donors[:, j] - problem.y_donors[:, others[nz]] @ sol.weights[nz]
    elif variant == "refit_v":
        if n_jobs > 1:
            # spawn, never fork: the calling process may hold a database connection and threads
            # (the background worker, ADR 0024).
            with ProcessPoolExecutor(
                max_workers=n_jobs,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(problem, options),
            ) as pool:
                for j, gap in enumerate(pool.map(_refit_one, range(n), chunksize=max(1, n // (64 * n_jobs)))):
                    gaps[:, j] = gap
        else:
            for j in range(n):
                gaps[:, j] = _refit_gap(problem, j, options)
    else:
        raise EffectEvaluationError("invalid_specification", f"Onbekende placebovariant '{variant}'.")

    pre, post = problem.pre_mask, problem.post_mask
    pre_r, post_r, ratio = _ratios(gaps, pre, post)
    treated_ratio = result.rmspe_ratio
    keep = np.ones(n, dtype=bool)
    if max_pre_mspe_ratio is not None:
        keep = pre_r**2 <= max_pre_mspe_ratio * result.rmspe_pre**2
    kept = ratio[keep]
    p = placebo_p_value(treated_ratio, kept)
    rank = 1 + int(np.sum(kept > treated_ratio))
    donors = pd.Index(problem.donors, name="unit")
    gap_frame = pd.DataFrame(gaps, index=pd.Index(problem.times, name="time"), columns=donors)
    gap_frame.insert(0, problem.treated, result.gap.to_numpy())
    return PlaceboInSpaceResult(
        variant=variant,
        treated=problem.treated,
        treated_ratio=treated_ratio,
        ratios=pd.Series(ratio, index=donors, name="rmspe_ratio"),
        pre_rmspe=pd.Series(pre_r, index=donors, name="rmspe_pre"),
        post_rmspe=pd.Series(post_r, index=donors, name="rmspe_post"),
        gaps=gap_frame,
        p_value=p,
        rank=rank,
        n_placebos=int(keep.sum()),
        excluded=tuple(d for d, k in zip(problem.donors, keep, strict=True) if not k),
        max_pre_mspe_ratio=max_pre_mspe_ratio,
        elapsed_seconds=time.perf_counter() - t0,
        treated_refitted=treated_refitted,
    )


@dataclass(frozen=True)
class LeaveOneOutResult:
    """Refits without each donor that had positive weight.

    Attributes:
        results: one fit per dropped donor.
        gaps: gap paths (main fit in column ``"alle donors"``, then one column per dropped donor).
        refit_v: whether V was searched again (True) or re-used.
    """

    dropped: tuple[Hashable, ...]
    results: dict[Hashable, SyntheticControlResult]
    gaps: pd.DataFrame
    refit_v: bool

    def post_gap_range(self) -> tuple[float, float]:
        """Smallest and largest mean post-period gap across the leave-one-out fits."""
        means = [r.att().estimate for r in self.results.values()]
        return (min(means), max(means)) if means else (float("nan"), float("nan"))

    def explanation(self) -> str:
        """Plain-language summary in Dutch."""
        lo, hi = self.post_gap_range()
        return (
            f"Robuustheid: de analyse is {len(self.dropped)} keer herhaald, telkens zonder één van de donors met "
            f"gewicht ({', '.join(map(str, self.dropped))}). Het gemiddelde effect na de ingreep ligt dan tussen "
            f"{lo:.3g} en {hi:.3g}."
        )


def leave_one_out(
    data: pd.DataFrame | SyntheticControlData,
    spec: SyntheticControlSpec | None = None,
    *,
    result: SyntheticControlResult | None = None,
    options: FitOptions | None = None,
    refit_v: bool = True,
    min_weight: float = 1e-6,
) -> LeaveOneOutResult:
    """Drop each donor with weight above ``min_weight`` in turn and refit (ADH 2015, section 5)."""
    options = options or FitOptions()
    problem = as_data(data, spec)
    if result is None:
        result = fit_data(problem, options)
    dropped = tuple(result.weights[result.weights > min_weight].sort_values(ascending=False).index)
    results: dict[Hashable, SyntheticControlResult] = {}
    columns = {"alle donors": result.gap}
    for donor in dropped:
        sub = problem.without_donors([donor])
        if sub.n_donors == 0:
            continue
        fit = fit_data(sub, options, v=None if refit_v else result.v.to_numpy(), check_hull=False)
        results[donor] = fit
        columns[f"zonder {donor}"] = fit.gap
    return LeaveOneOutResult(dropped, results, pd.DataFrame(columns), refit_v)


@dataclass(frozen=True)
class PlaceboInTimeResult:
    """A fit with a fake treatment time inside the real pre-period."""

    fake_treatment_time: float
    actual_treatment_time: float
    result: SyntheticControlResult
    spec: SyntheticControlSpec

    @property
    def mean_gap_after_fake(self) -> float:
        """Mean gap between the fake and the real treatment time (should be close to 0)."""
        return self.result.att().estimate

    def explanation(self) -> str:
        """Plain-language summary in Dutch."""
        return (
            f"Placebo in de tijd: alsof de ingreep al in {self.fake_treatment_time} plaatsvond (werkelijk "
            f"{self.actual_treatment_time}). Tussen die twee momenten is het gemiddelde verschil "
            f"{self.mean_gap_after_fake:.3g} en de afwijking is {self.result.rmspe_ratio:.3g} keer zo groot als "
            "ervóór. Een groot 'effect' hier wijst erop dat het echte effect ook door iets anders kan komen."
        )


def _shift(
    times: tuple[Hashable, ...] | None, delta: float, available: set[Hashable]
) -> tuple[Hashable, ...] | None:
    if times is None:
        return None
    shifted = tuple(t + delta for t in times)  # type: ignore[operator]
    return tuple(t for t in shifted if t in available)


def placebo_in_time(
    panel: pd.DataFrame,
    spec: SyntheticControlSpec,
    fake_treatment_time: float,
    *,
    options: FitOptions | None = None,
    shift_windows: bool = True,
    placebo_spec: SyntheticControlSpec | None = None,
) -> PlaceboInTimeResult:
    """Refit with a fake treatment time in the pre-period, on data before the real treatment only.

    With ``shift_windows`` every predictor window and the optimisation window move back by
    ``actual - fake`` periods (as ADH 2015 do for their 1975 placebo); otherwise windows are cut at
    the fake date. Periods outside the data are dropped. ``placebo_spec`` overrides all of this.
    """
    actual = spec.treatment_time
    if not fake_treatment_time < actual:
        raise EffectEvaluationError(
            "invalid_specification", "De nepdatum van de placebo moet vóór de echte ingreep liggen."
        )
    frame = panel[panel[spec.time_column] < actual]
    if placebo_spec is None:
        available = set(pd.unique(frame[spec.time_column]).tolist())
        available |= {int(t) for t in available if isinstance(t, float) and float(t).is_integer()}
        delta = fake_treatment_time - actual
        if shift_windows:
            specials = []
            for s in spec.special_predictors:
                times = _shift(s.times, delta, available) or ()
                if not times:
                    raise EffectEvaluationError(
                        "too_few_pre_periods",
                        f"Na verschuiving naar {fake_treatment_time} heeft voorspeller {s.variable} geen periodes meer.",
                    )
                specials.append(type(s)(s.variable, times, s.op))
            predictors_times = _shift(spec.predictors_times, delta, available)
            optimize = _shift(spec.time_optimize_ssr, delta, available)
        else:
            specials = [
                type(s)(s.variable, tuple(t for t in s.times if t < fake_treatment_time), s.op)  # type: ignore[operator]
                for s in spec.special_predictors
            ]
            predictors_times = (
                None
                if spec.predictors_times is None
                else tuple(t for t in spec.predictors_times if t < fake_treatment_time)  # type: ignore[operator]
            )
            optimize = (
                None
                if spec.time_optimize_ssr is None
                else tuple(t for t in spec.time_optimize_ssr if t < fake_treatment_time)  # type: ignore[operator]
            )
        if (predictors_times is not None and not predictors_times) or (optimize is not None and not optimize):
            raise EffectEvaluationError(
                "too_few_pre_periods",
                f"Vóór {fake_treatment_time} zijn te weinig periodes over voor deze placebo.",
            )
        placebo_spec = spec.replace(
            treatment_time=fake_treatment_time,
            special_predictors=tuple(specials),
            predictors_times=predictors_times,
            time_optimize_ssr=optimize,
            time_plot=None,
        )
    result = fit_data(build_matrices(frame, placebo_spec), options or FitOptions(), check_hull=False)
    return PlaceboInTimeResult(fake_treatment_time, actual, result, placebo_spec)
