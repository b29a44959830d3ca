# SPDX-License-Identifier: EUPL-1.2
"""SDID, its SC/DID relatives, penalised SC and the comparison: published Prop 99 figures and properties.

Reference: Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021, AER), Table 1, California Proposition
99 (39 states, 1970-2000, treatment from 1989), placebo standard errors: SDID -15.6 (8.4),
SC -19.6 (9.9), DID -27.3 (17.7). Estimates must match within 0.2, standard errors within 15 %.
"""

from __future__ import annotations

import numpy as np
import pytest

from smaakmaker.monitoring.effects import (
    LEAD_ORDER,
    EffectEvaluationError,
    EstimatorRow,
    FitOptions,
    SyntheticControlData,
    SyntheticControlSpec,
    build_matrices,
    choose_lead,
    compare_estimators,
    difference_in_differences,
    fit_data,
    penalized_synthetic_control,
    placebo_in_space,
    synthdid_estimate,
)
from smaakmaker.monitoring.effects._frank_wolfe import frank_wolfe, sparsify
from smaakmaker.monitoring.effects._penalized import penalized_weights
from smaakmaker.monitoring.effects._sdid import noise_level

from .test_effects_support import factor_panel, factor_spec, prop99_spec, smoking

PUBLISHED = {"sdid": (-15.6, 8.4), "sc": (-19.6, 9.9), "did": (-27.3, 17.7)}


def prop99_outcome_spec() -> SyntheticControlSpec:
    return SyntheticControlSpec(
        treated="California",
        treatment_time=1989,
        outcome="cigsale",
        predictors=("cigsale",),
        unit_column="state",
        time_column="year",
    )


@pytest.fixture(scope="module")
def prop99() -> SyntheticControlData:
    return build_matrices(smoking(), prop99_outcome_spec())


@pytest.mark.parametrize("method", ["sdid", "sc", "did"])
def test_prop99_table_1_is_reproduced(prop99, method):
    estimate, se = PUBLISHED[method]
    result = synthdid_estimate(prop99, method=method)
    assert result.estimate == pytest.approx(estimate, abs=0.2)
    assert result.standard_error == pytest.approx(se, rel=0.15)
    assert result.replications == 200
    assert result.unit_weights.sum() == pytest.approx(1.0)
    assert (result.unit_weights >= 0).all()


def test_prop99_placebo_standard_errors_do_not_hang_on_the_draw(prop99):
    """With many draws (the limit the 200 random draws estimate) the SEs still match the paper."""
    for method, (_, se) in PUBLISHED.items():
        result = synthdid_estimate(prop99, method=method, replications=5000, seed=7)
        assert result.standard_error == pytest.approx(se, rel=0.15), method


def test_prop99_sdid_weights_and_tuning(prop99):
    result = synthdid_estimate(prop99, method="sdid")
    pre = prop99.y_donors[prop99.pre_mask]
    sigma = float(np.std(np.diff(pre, axis=0), ddof=1))
    assert result.noise_level == pytest.approx(sigma)
    # zeta = (N_tr * T_post)^(1/4) * sigma with one treated state and 12 post years
    assert result.zeta_omega == pytest.approx(12**0.25 * sigma)
    assert result.time_weights.sum() == pytest.approx(1.0)
    # the time weights sit on the last pre-period years (the paper's Figure 1)
    assert result.time_weights.loc[1986:1988].sum() > 0.9
    # SDID spreads weight over many states; the SC variant concentrates it
    sc = synthdid_estimate(prop99, method="sc")
    assert (result.unit_weights > 0.01).sum() > (sc.unit_weights > 0.01).sum()
    assert sc.unit_weights.idxmax() == "Utah"


def test_did_equals_the_existing_cross_check(prop99):
    did = synthdid_estimate(prop99, method="did")
    classic = difference_in_differences(prop99)
    assert did.estimate == pytest.approx(classic.estimate, abs=1e-9)
    assert did.unit_weights.to_numpy() == pytest.approx(np.full(38, 1 / 38))


def test_frank_wolfe_batch_equals_single_problems():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(7, 30))
    b = rng.normal(size=(5, 7))
    x0 = np.full((5, 30), 1 / 30)
    batch = frank_wolfe(a, b, x0, zeta=0.3, n_rows=7, min_decrease=1e-6, max_iter=500)
    for p in range(5):
        single = frank_wolfe(
            a, b[p : p + 1], x0[p : p + 1], zeta=0.3, n_rows=7, min_decrease=1e-6, max_iter=500
        )
        assert single.x[0] == pytest.approx(batch.x[p], abs=1e-10)
        assert single.iterations[0] == batch.iterations[p]
    assert np.allclose(batch.x.sum(axis=1), 1.0) and (batch.x >= 0).all()


def test_frank_wolfe_without_gram_matrix_gives_the_same_answer(monkeypatch):
    from smaakmaker.monitoring.effects import _frank_wolfe

    rng = np.random.default_rng(4)
    a = rng.normal(size=(6, 40))
    b = rng.normal(size=(3, 6))
    x0 = np.full((3, 40), 1 / 40)
    kwargs = {
        "zeta": 0.5,
        "n_rows": 6,
        "min_decrease": 1e-7,
        "max_iter": 300,
        "excluded": np.array([0, 5, 9]),
    }
    x0[[0, 1, 2], [0, 5, 9]] = 0
    gram = frank_wolfe(a, b, x0, **kwargs)
    monkeypatch.setattr(_frank_wolfe, "GRAM_MAX_COLUMNS", 10)
    explicit = frank_wolfe(a, b, x0, **kwargs)
    assert explicit.x == pytest.approx(gram.x, abs=1e-9)
    assert (gram.x[[0, 1, 2], [0, 5, 9]] == 0).all()


def test_frank_wolfe_reaches_the_ridge_optimum_without_early_stop():
    """With a strongly convex objective and no early stop the iterates approach the true optimum."""
    rng = np.random.default_rng(5)
    a = rng.normal(size=(4, 3))
    b = rng.normal(size=(1, 4))
    result = frank_wolfe(a, b, np.full((1, 3), 1 / 3), zeta=1.0, n_rows=4, min_decrease=0.0, max_iter=20000)
    grid = np.array([[i, j, 200 - i - j] for i in range(201) for j in range(201 - i)]) / 200
    values = (1.0 * (grid**2).sum(axis=1)) + ((grid @ a.T - b) ** 2).sum(axis=1) / 4
    x = result.x[0]
    direct = float((x**2).sum() + ((a @ x - b[0]) ** 2).sum() / 4)
    # the objective the solver tracks by recurrences is the objective of its answer
    assert float(result.objective[0]) == pytest.approx(direct, rel=1e-12)
    # and it is at least as good as the best point of a fine grid on the simplex (up to the grid)
    assert direct <= values.min() + 1e-4


def test_sparsify_drops_small_weights():
    assert sparsify(np.array([0.5, 0.1, 0.4])) == pytest.approx([5 / 9, 0, 4 / 9])


def test_noise_level_is_the_sd_of_first_differences():
    y = np.array([[1.0, 2.0], [2.0, 4.0], [4.0, 5.0]])
    assert noise_level(y) == pytest.approx(np.std([1, 2, 2, 1], ddof=1))


def test_sdid_recovers_a_known_effect_on_a_factor_panel():
    panel, treated, start = factor_panel(40, seed=2, effect=-3.0)
    data = build_matrices(panel, factor_spec(treated, start))
    result = synthdid_estimate(data, method="sdid")
    assert result.estimate == pytest.approx(-3.0, abs=1.5)
    assert result.standard_error > 0


def test_sdid_refuses_too_short_panels():
    panel, treated, start = factor_panel(10, n_years=5, n_pre=1)
    data = build_matrices(panel, factor_spec(treated, start))
    with pytest.raises(EffectEvaluationError) as err:
        synthdid_estimate(data)
    assert err.value.code == "too_few_pre_periods"


def test_penalized_weights_solve_the_penalised_problem():
    rng = np.random.default_rng(6)
    a = rng.normal(size=(5, 12))
    b = rng.normal(size=(1, 5))
    penalty = np.array([0.3])
    w, gap = penalized_weights(a, b, penalty)

    def objective(v):
        return float(((a @ v - b[0]) ** 2).sum() + 0.3 * v @ ((a - b[0][:, None]) ** 2).sum(axis=0))

    assert gap[0] <= 1e-9
    best = objective(w[0])
    for _ in range(2000):
        v = rng.dirichlet(np.ones(12) * 0.3)
        assert objective(v) >= best - 1e-9


def test_large_penalty_is_nearest_neighbour_matching():
    rng = np.random.default_rng(7)
    a = rng.normal(size=(6, 9))
    b = a[:, [4]].T + 0.01
    w, _ = penalized_weights(a, b, np.array([1e6]))
    assert w[0].argmax() == 4 and w[0, 4] == pytest.approx(1.0)


def test_penalized_sc_on_prop99_and_its_cross_validation(prop99):
    result = penalized_synthetic_control(prop99)
    assert result.n_validation_periods == 19 // 3
    assert result.penalty in result.validation_errors.index
    assert result.validation_errors.loc[result.penalty] == pytest.approx(result.validation_errors.min())
    assert result.weights.sum() == pytest.approx(1.0)
    assert np.isfinite(result.standard_error) and result.standard_error > 0
    assert result.estimate < 0  # cigarette sales fell relative to the controls
    assert result.placebo_estimates.size == 38
    assert result.max_duality_gap <= 1e-9


def test_penalized_sc_needs_three_pre_periods():
    panel, treated, start = factor_panel(10, n_years=5, n_pre=2)
    data = build_matrices(panel, factor_spec(treated, start))
    with pytest.raises(EffectEvaluationError) as err:
        penalized_synthetic_control(data)
    assert err.value.code == "too_few_pre_periods"


def _row(key: str, estimate: float | None) -> EstimatorRow:
    return EstimatorRow(key, estimate, 1.0, 1.0, "placebo_in_space", {})


def test_lead_rule_is_a_fixed_order_not_the_numbers():
    rows = [_row("did", -50.0), _row("adh_sc", -1.0), _row("penalized_sc", 3.0), _row("sdid", -0.1)]
    assert choose_lead(rows) == "sdid" == LEAD_ORDER[0]
    rows[3] = _row("sdid", None)
    assert choose_lead(rows) == "penalized_sc"
    rows[2] = _row("penalized_sc", None)
    assert choose_lead(rows) == "adh_sc"
    assert choose_lead([_row("sdid", None)]) is None


def test_comparison_on_prop99_shows_all_four_estimators():
    data = build_matrices(smoking(), prop99_spec())
    fit = fit_data(data)
    placebo = placebo_in_space(data, result=fit)
    comparison = compare_estimators(data, fit, placebo)
    assert [r.key for r in comparison.rows] == ["sdid", "penalized_sc", "adh_sc", "did"]
    assert comparison.lead == "sdid" and not comparison.fallback
    assert comparison.signs_agree
    assert comparison.row("sdid").estimate == pytest.approx(-15.6, abs=0.2)
    sc = comparison.row("adh_sc")
    assert sc.estimate == pytest.approx(fit.att().estimate)
    assert sc.pre_rmse == pytest.approx(fit.rmspe_pre)
    assert sc.standard_error > 0
    low, high = comparison.row("sdid").interval
    assert low < -15.6 < high
    as_dict = comparison.as_dict()
    assert as_dict["lead"] == "sdid" and len(as_dict["rows"]) == 4


def test_comparison_falls_back_in_the_fixed_order_when_sdid_cannot_run():
    rng = np.random.default_rng(8)
    y_donors = rng.normal(10, 1, (4, 8))
    y_treated = y_donors[:, :3].mean(axis=1) + np.array([0.0, -1.0, -1.0, -1.0])
    data = SyntheticControlData.from_arrays(
        x_treated=y_treated[:1],
        x_donors=y_donors[:1],
        y_treated=y_treated,
        y_donors=y_donors,
        times=[2019, 2020, 2021, 2022],
        treatment_time=2020,
    )
    fit = fit_data(data, FitOptions(min_pre_periods=1, hull_check="off"))
    comparison = compare_estimators(data, fit)
    assert comparison.row("sdid").error and comparison.row("penalized_sc").error
    assert comparison.lead == "adh_sc" and comparison.fallback
    assert comparison.row("adh_sc").standard_error is None  # no placebo run given
