# SPDX-License-Identifier: EUPL-1.2
"""Difference-in-differences against the synthetic control's donor pool (a simple cross-check).

With ``d_t = y_treated,t - mean_j y_donor_j,t`` the estimate is ``mean(d_post) - mean(d_pre)``: the
change of the treated unit minus the average change of the donors. Two standard errors are given:

* ``standard_error``: treats the differences ``d_t`` as independent over time,
  ``sqrt(var(d_pre)/n_pre + var(d_post)/n_post)`` (Welch). With one treated unit this is the usual
  descriptive choice; it ignores serial correlation and is therefore optimistic.
* ``placebo_standard_error``: the standard deviation of the same estimate when each donor in turn is
  the "treated" unit against the other donors (in the spirit of Conley & Taber 2011), together with
  the placebo p-value ``(1 + #{|placebo| >= |estimate|}) / (n + 1)``.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._data import SyntheticControlData, SyntheticControlSpec
from ._errors import EffectEvaluationError
from ._fit import as_data


@dataclass(frozen=True)
class DiffInDiffResult:
    """Difference-in-differences estimate with its standard errors."""

    treated: Hashable
    estimate: float
    standard_error: float
    placebo_standard_error: float
    placebo_p_value: float
    pre_difference: float
    post_difference: float
    n_pre: int
    n_post: int
    n_donors: int

    def explanation(self) -> str:
        """Plain-language summary in Dutch."""
        return (
            f"Controle met verschil-in-verschillen: vóór de ingreep lag {self.treated} gemiddeld "
            f"{self.pre_difference:.3g} boven het gemiddelde van de {self.n_donors} vergelijkingseenheden, "
            f"daarna {self.post_difference:.3g}. Het verschil daartussen, {self.estimate:.3g} "
            f"(standaardfout {self.standard_error:.3g}; via placebo's {self.placebo_standard_error:.3g}), is "
            "de schatting van het effect als de eenheden zonder ingreep parallel zouden zijn blijven lopen."
        )


def difference_in_differences(
    data: pd.DataFrame | SyntheticControlData,
    spec: SyntheticControlSpec | None = None,
) -> DiffInDiffResult:
    """Two-period difference-in-differences of the treated unit against the equally weighted donors."""
    problem = as_data(data, spec)
    pre, post = problem.pre_mask, problem.post_mask
    n_pre, n_post, n = int(pre.sum()), int(post.sum()), problem.n_donors
    if n == 0:
        raise EffectEvaluationError("empty_donor_pool", "De donorpool is leeg.")
    if n_pre == 0 or n_post == 0:
        raise EffectEvaluationError(
            "too_few_pre_periods", "Verschil-in-verschillen vraagt periodes zowel vóór als na de ingreep."
        )
    y1, y0 = problem.y_treated, problem.y_donors
    d = y1 - y0.mean(axis=1)
    estimate = float(d[post].mean() - d[pre].mean())
    var_pre = float(np.var(d[pre], ddof=1)) if n_pre > 1 else 0.0
    var_post = float(np.var(d[post], ddof=1)) if n_post > 1 else 0.0
    se = float(np.sqrt(var_pre / n_pre + var_post / n_post))
    if n >= 2:
        others_mean = (y0.sum(axis=1, keepdims=True) - y0) / (n - 1)
        d_placebo = y0 - others_mean
        placebo = d_placebo[post].mean(axis=0) - d_placebo[pre].mean(axis=0)
        placebo_se = float(np.std(placebo, ddof=1)) if n > 2 else float("nan")
        placebo_p = (1 + int(np.sum(np.abs(placebo) >= abs(estimate)))) / (n + 1)
    else:
        placebo_se, placebo_p = float("nan"), float("nan")
    return DiffInDiffResult(
        treated=problem.treated,
        estimate=estimate,
        standard_error=se,
        placebo_standard_error=placebo_se,
        placebo_p_value=placebo_p,
        pre_difference=float(d[pre].mean()),
        post_difference=float(d[post].mean()),
        n_pre=n_pre,
        n_post=n_post,
        n_donors=n,
    )
