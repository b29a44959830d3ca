# SPDX-License-Identifier: EUPL-1.2
"""Several estimators side by side, and the fixed rule for which one a report leads with.

The rule (docs/adr/0012-lead-estimator.md) was fixed before any evaluation was looked at and does
not depend on the numbers: the report leads with synthetic difference-in-differences (SDID). Only when
SDID cannot be computed for the data does it fall back, in this fixed order, to penalised synthetic
control, the synthetic control of Abadie, Diamond & Hainmueller, and difference-in-differences.
All estimates are always shown, with their uncertainty and pre-period fit; when they disagree on the
direction of the effect the comparison says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._data import SyntheticControlData
from ._errors import EffectEvaluationError
from ._fit import SyntheticControlResult
from ._inference import PlaceboInSpaceResult
from ._penalized import penalized_synthetic_control
from ._sdid import synthdid_estimate

#: Fixed order of preference (see the module docstring); the first that could be computed leads.
LEAD_ORDER: tuple[str, ...] = ("sdid", "penalized_sc", "adh_sc", "did")
#: 95 % normal interval: estimate +/- Z * standard error.
Z_95 = 1.959963984540054


@dataclass(frozen=True)
class EstimatorRow:
    """One estimator in the comparison (``error`` is a Dutch message when it could not be computed)."""

    key: str
    estimate: float | None
    standard_error: float | None
    pre_rmse: float | None
    uncertainty_method: str
    detail: dict
    error: str = ""

    @property
    def interval(self) -> tuple[float, float] | None:
        if self.estimate is None or self.standard_error is None or not math.isfinite(self.standard_error):
            return None
        return (self.estimate - Z_95 * self.standard_error, self.estimate + Z_95 * self.standard_error)

    def as_dict(self) -> dict:
        interval = self.interval
        return {
            "key": self.key,
            "estimate": self.estimate,
            "standard_error": self.standard_error,
            "interval": list(interval) if interval else None,
            "pre_rmse": self.pre_rmse,
            "uncertainty_method": self.uncertainty_method,
            "detail": self.detail,
            "error": self.error,
        }


@dataclass(frozen=True)
class Comparison:
    """All estimators, the one the report leads with, and whether they agree on the direction."""

    rows: tuple[EstimatorRow, ...]
    lead: str | None
    fallback: bool
    signs_agree: bool

    def row(self, key: str) -> EstimatorRow:
        return next(r for r in self.rows if r.key == key)

    def as_dict(self) -> dict:
        return {
            "lead": self.lead,
            "fallback": self.fallback,
            "signs_agree": self.signs_agree,
            "rule": list(LEAD_ORDER),
            "rows": [r.as_dict() for r in self.rows],
        }


def choose_lead(rows: tuple[EstimatorRow, ...] | list[EstimatorRow]) -> str | None:
    """The first estimator of :data:`LEAD_ORDER` with a finite estimate (the numbers play no role)."""
    computed = {r.key for r in rows if r.estimate is not None and math.isfinite(r.estimate)}
    return next((key for key in LEAD_ORDER if key in computed), None)


def _finite(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _sc_row(fit: SyntheticControlResult, placebo: PlaceboInSpaceResult | None) -> EstimatorRow:
    post = fit.gap.index >= fit.treatment_time
    se = None
    if placebo is not None:
        gaps = placebo.gaps.drop(columns=[placebo.treated]).to_numpy()
        placebo_estimates = gaps[np.asarray(post)].mean(axis=0)
        if placebo_estimates.size >= 2:
            se = _finite(float(np.std(placebo_estimates, ddof=0)))
    return EstimatorRow(
        key="adh_sc",
        estimate=_finite(float(fit.gap[post].mean())) if post.any() else None,
        standard_error=se,
        pre_rmse=_finite(fit.rmspe_pre),
        uncertainty_method="placebo_in_space",
        detail={"p_value": placebo.p_value if placebo is not None else None},
    )


def _row(key: str, method: str, compute) -> EstimatorRow:
    """The row ``compute`` makes, or the row with the Dutch reason it could not be computed."""
    try:
        return compute()
    except EffectEvaluationError as exc:
        return EstimatorRow(key, None, None, None, method, {}, exc.message)


def _synthdid_row(data: SyntheticControlData, method: str) -> EstimatorRow:
    result = synthdid_estimate(data, method=method)  # type: ignore[arg-type]
    return EstimatorRow(
        key=method,
        estimate=_finite(result.estimate),
        standard_error=_finite(result.standard_error),
        pre_rmse=_finite(result.pre_rmse),
        uncertainty_method="placebo_random",
        detail={
            "replications": result.replications,
            "donors_with_weight": int((result.unit_weights > 1e-6).sum()),
            "intercept": _finite(result.intercept),
        },
    )


def _penalized_row(data: SyntheticControlData) -> EstimatorRow:
    result = penalized_synthetic_control(data)
    return EstimatorRow(
        key="penalized_sc",
        estimate=_finite(result.estimate),
        standard_error=_finite(result.standard_error),
        pre_rmse=_finite(result.pre_rmse),
        uncertainty_method="placebo_in_space",
        detail={
            "penalty": result.penalty,
            "validation_periods": result.n_validation_periods,
            "donors_with_weight": int((result.weights > 1e-6).sum()),
        },
    )


def compare_estimators(
    data: SyntheticControlData,
    fit: SyntheticControlResult,
    placebo: PlaceboInSpaceResult | None = None,
) -> Comparison:
    """SDID, penalised SC, the given ADH synthetic control and DID on the same data, and the lead."""
    rows = [
        _row("sdid", "placebo_random", lambda: _synthdid_row(data, "sdid")),
        _row("penalized_sc", "placebo_in_space", lambda: _penalized_row(data)),
        _sc_row(fit, placebo),
        _row("did", "placebo_random", lambda: _synthdid_row(data, "did")),
    ]
    lead = choose_lead(rows)
    signs = {np.sign(r.estimate) for r in rows if r.estimate is not None and r.estimate != 0}
    return Comparison(tuple(rows), lead, lead not in (None, LEAD_ORDER[0]), len(signs) <= 1)
