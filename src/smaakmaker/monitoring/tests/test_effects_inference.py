# SPDX-License-Identifier: EUPL-1.2
"""Placebo tests, leave-one-out, placebo in time, difference-in-differences and the matrix API."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smaakmaker.monitoring.effects import (
    FitOptions,
    SyntheticControlData,
    build_matrices,
    difference_in_differences,
    fit_synthetic_control,
    leave_one_out,
    placebo_in_space,
    placebo_in_time,
    placebo_p_value,
)

from .test_effects_support import factor_panel, factor_spec, prop99_spec, smoking

QUICK = FitOptions(n_starts=2, n_random_screen=0)


@pytest.fixture(scope="module")
def small() -> tuple[pd.DataFrame, str, int]:
    return factor_panel(15, seed=11, effect=-8.0)


def test_placebo_refit_variant_reports_itself_and_uses_the_formula(small) -> None:
    frame, treated, t0 = small
    spec = factor_spec(treated, t0)
    result = fit_synthetic_control(frame, spec, options=QUICK)
    placebo = placebo_in_space(frame, spec, result=result, variant="refit_v", options=QUICK)
    assert placebo.variant == "refit_v"
    assert "opnieuw geschatte voorspellergewichten" in placebo.explanation()
    assert placebo.n_placebos == 15
    expected = (1 + int((placebo.ratios >= placebo.treated_ratio).sum())) / 16
    assert placebo.p_value == pytest.approx(expected)
    assert placebo.p_value == placebo_p_value(placebo.treated_ratio, placebo.ratios.to_numpy())
    # A clear effect of -8 against noise of ~1: the treated unit should rank at the top.
    assert placebo.rank <= 2


def test_placebo_fixed_v_matches_refit_with_the_same_v(small) -> None:
    frame, treated, t0 = small
    spec = factor_spec(treated, t0)
    data = build_matrices(frame, spec)
    result = fit_synthetic_control(data, options=QUICK)
    fast = placebo_in_space(data, result=result, variant="fixed_v")
    assert fast.variant == "fixed_v"
    assert "dezelfde voorspellergewichten" in fast.explanation()
    # Treatment period counts as post only: the gaps frame covers all periods once.
    assert fast.gaps.shape == (data.times.size, data.n_donors + 1)
    assert 0 < fast.p_value <= 1


def test_placebo_pre_mspe_filter(small) -> None:
    frame, treated, t0 = small
    spec = factor_spec(treated, t0)
    result = fit_synthetic_control(frame, spec, options=QUICK)
    everyone = placebo_in_space(frame, spec, result=result)
    strict = placebo_in_space(frame, spec, result=result, max_pre_mspe_ratio=1.0)
    assert strict.n_placebos + len(strict.excluded) == everyone.n_placebos
    assert strict.p_value == pytest.approx(
        placebo_p_value(strict.treated_ratio, strict.ratios.drop(list(strict.excluded)).to_numpy())
    )


def test_leave_one_out_prop99() -> None:
    frame, spec = smoking(), prop99_spec()
    result = fit_synthetic_control(frame, spec)
    loo = leave_one_out(frame, spec, result=result, refit_v=False)
    assert set(loo.dropped) == set(result.nonzero_weights(1e-6).index)
    for donor, fit in loo.results.items():
        assert donor not in fit.weights.index
        assert fit.weights.sum() == pytest.approx(1.0)
    low, high = loo.post_gap_range()
    # ADH (2010) report the Prop 99 effect is robust to dropping any donor.
    assert high < -10
    assert low > -30
    assert "zonder één van de donors" in loo.explanation()


def test_leave_one_out_refit(small) -> None:
    frame, treated, t0 = small
    spec = factor_spec(treated, t0)
    result = fit_synthetic_control(frame, spec, options=QUICK)
    loo = leave_one_out(frame, spec, result=result, options=QUICK)
    assert loo.refit_v
    assert list(loo.gaps.columns)[0] == "alle donors"
    assert len(loo.results) == len(loo.dropped)


def test_placebo_in_time_finds_no_effect_before_the_treatment(small) -> None:
    frame, treated, t0 = small
    spec = factor_spec(treated, t0)
    fake = placebo_in_time(frame, spec, t0 - 3, options=FitOptions(min_pre_periods=4, n_starts=2))
    assert fake.fake_treatment_time == t0 - 3
    assert fake.result.gap.index.max() < t0
    assert abs(fake.mean_gap_after_fake) < 2.0  # no effect before the real treatment (true effect -8)
    assert "Placebo in de tijd" in fake.explanation()


def test_placebo_in_time_shifts_windows() -> None:
    frame, spec = smoking(), prop99_spec().replace(special_predictors=(("cigsale", (1988,), "mean"),))
    fake = placebo_in_time(frame, spec, 1985, options=QUICK)
    assert fake.spec.treatment_time == 1985
    assert fake.spec.special_predictors[0].times == (1984,)
    assert fake.spec.predictors_times == tuple(range(1976, 1985))
    assert fake.spec.time_optimize_ssr == tuple(range(1970, 1985))


def test_difference_in_differences_formula() -> None:
    times = np.arange(2000, 2006)
    y0 = np.array([[1.0, 3.0], [2.0, 4.0], [3.0, 5.0], [4.0, 6.0], [5.0, 7.0], [6.0, 8.0]])
    y1 = y0.mean(axis=1) + np.array([0, 0, 0, -5, -5, -5.0])
    data = SyntheticControlData.from_arrays(
        x_treated=[2.0], x_donors=[[1.0, 3.0]], y_treated=y1, y_donors=y0, times=times, treatment_time=2003
    )
    did = difference_in_differences(data)
    assert did.estimate == pytest.approx(-5.0)
    assert did.standard_error == pytest.approx(0.0, abs=1e-12)
    assert did.n_pre == 3 and did.n_post == 3 and did.n_donors == 2
    assert "verschil-in-verschillen" in did.explanation()


def test_difference_in_differences_prop99() -> None:
    did = difference_in_differences(smoking(), prop99_spec())
    # Equal donor weights, so larger than the synthetic-control effect (~ -19) and noisier.
    assert -35 < did.estimate < -15
    assert did.standard_error > 0
    assert did.placebo_standard_error > did.standard_error


def test_matrix_api_and_custom_v_reproduce_the_panel_fit() -> None:
    frame, spec = smoking(), prop99_spec()
    data = build_matrices(frame, spec)
    from_panel = fit_synthetic_control(frame, spec, v=[1, 1, 1, 1, 1, 1, 1])
    same = SyntheticControlData.from_arrays(
        x_treated=data.x_treated,
        x_donors=data.x_donors,
        y_treated=data.y_treated,
        y_donors=data.y_donors,
        times=data.times,
        treatment_time=1989,
        donors=data.donors,
        predictor_names=data.predictor_names,
    )
    from_matrices = fit_synthetic_control(same, v=from_panel.v)
    assert from_panel.solver.v_method == "custom"
    np.testing.assert_allclose(from_matrices.weights, from_panel.weights, atol=1e-12)
    assert from_matrices.loss == pytest.approx(from_panel.loss)


def test_non_unique_weights_are_reported() -> None:
    rng = np.random.default_rng(5)
    x0 = rng.normal(size=(2, 30))
    y0 = rng.normal(size=(8, 30))
    inside = SyntheticControlData.from_arrays(
        x_treated=x0.mean(axis=1),  # the centroid: matched exactly by many donor combinations
        x_donors=x0,
        y_treated=y0.mean(axis=1),
        y_donors=y0,
        times=np.arange(8),
        treatment_time=6,
    )
    result = fit_synthetic_control(
        inside, options=FitOptions(n_starts=1, hull_check="off", min_pre_periods=4)
    )
    assert not result.solver.weights_unique
    assert any("niet uniek" in note for note in result.notes)
    assert (result.weights > 0).sum() <= 3


def test_prop99_weights_are_unique() -> None:
    result = fit_synthetic_control(smoking(), prop99_spec(), v=[1, 1, 1, 1, 1, 1, 1])
    assert result.solver.weights_unique
