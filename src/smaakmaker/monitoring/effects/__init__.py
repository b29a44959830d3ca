# SPDX-License-Identifier: EUPL-1.2
"""Effect evaluation for the monitoring domain (pure numpy/scipy/pandas, no Django).

Public API:

* :func:`fit_synthetic_control`, :func:`fit_two_step` - synthetic control method (Abadie, Diamond &
  Hainmueller), exact inner weight solve, multi-start nested V search;
* :func:`placebo_in_space`, :func:`placebo_p_value`, :func:`leave_one_out`, :func:`placebo_in_time` -
  inference and robustness;
* :func:`difference_in_differences` - simple cross-check against the same donor pool;
* :func:`synthdid_estimate` - synthetic difference-in-differences (Arkhangelsky et al. 2021) and its
  SC/DID relatives on the outcome path, with the placebo standard error;
* :func:`penalized_synthetic_control` - Abadie & L'Hour (2021), penalty by pre-period cross-validation;
* :func:`compare_estimators` - all of them side by side and the fixed rule for the leading one;
* :class:`EffectEvaluationError` - input problems, with a Dutch message and an English ``code``.
"""

from ._compare import LEAD_ORDER, Comparison, EstimatorRow, choose_lead, compare_estimators
from ._data import SpecialPredictor, SyntheticControlData, SyntheticControlSpec, build_matrices
from ._did import DiffInDiffResult, difference_in_differences
from ._errors import EffectEvaluationError, ErrorCode
from ._fit import (
    EffectSummary,
    FitOptions,
    SolverInfo,
    SyntheticControlResult,
    fit_data,
    fit_synthetic_control,
    fit_two_step,
)
from ._inference import (
    LeaveOneOutResult,
    PlaceboInSpaceResult,
    PlaceboInTimeResult,
    leave_one_out,
    placebo_in_space,
    placebo_in_time,
    placebo_p_value,
)
from ._penalized import PenalizedResult, penalized_synthetic_control
from ._sdid import PanelEstimate, synthdid_estimate
from ._solver import WeightSolution, solve_weights

__all__ = [
    "LEAD_ORDER",
    "Comparison",
    "EstimatorRow",
    "PanelEstimate",
    "PenalizedResult",
    "choose_lead",
    "compare_estimators",
    "penalized_synthetic_control",
    "synthdid_estimate",
    "DiffInDiffResult",
    "EffectEvaluationError",
    "EffectSummary",
    "ErrorCode",
    "FitOptions",
    "LeaveOneOutResult",
    "PlaceboInSpaceResult",
    "PlaceboInTimeResult",
    "SolverInfo",
    "SpecialPredictor",
    "SyntheticControlData",
    "SyntheticControlResult",
    "SyntheticControlSpec",
    "WeightSolution",
    "build_matrices",
    "difference_in_differences",
    "fit_data",
    "fit_synthetic_control",
    "fit_two_step",
    "leave_one_out",
    "placebo_in_space",
    "placebo_in_time",
    "placebo_p_value",
    "solve_weights",
]
