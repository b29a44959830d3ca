# SPDX-License-Identifier: EUPL-1.2
"""Effect evaluation for the monitoring domain (pure numpy/scipy/pandas, no Django).

Public API:

* :func:`fit_synthetic_control`, :func:`fit_two_step` - synthetic control method (Abadie, Diamond &
  Hainmueller), exact inner weight solve, multi-start nested V search;
* :func:`placebo_in_space`, :func:`placebo_p_value`, :func:`leave_one_out`, :func:`placebo_in_time` -
  inference and robustness;
* :func:`difference_in_differences` - simple cross-check against the same donor pool;
* :class:`EffectEvaluationError` - input problems, with a Dutch message and an English ``code``.
"""

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
from ._solver import WeightSolution, solve_weights

__all__ = [
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
