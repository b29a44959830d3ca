# SPDX-License-Identifier: EUPL-1.2
"""Donor exchange over the exact predictor matches (ADR 0023): the refitted placebo test's fit of
units inside the convex hull of the donors."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from smaakmaker.monitoring.effects import FitOptions, build_matrices, fit_data, placebo_in_space
from smaakmaker.monitoring.effects._fit import (
    CAPPED_OUTER_SOLVER,
    EXCHANGE_OUTER_SOLVER,
    FACE_OUTER_SOLVER,
    POWELL_OUTER_SOLVER,
    inside_hull_procedure,
    treated_inside_hull,
)
from smaakmaker.monitoring.effects._solver import exchange_exact_matches, solve_simplex_lsq

from .test_effects_support import factor_panel, factor_spec

QUICK = FitOptions(n_starts=2, n_random_screen=0)
EXCHANGE = replace(QUICK, inside_hull_search="exchange")
FACES = replace(QUICK, inside_hull_search="exchange_faces")


@pytest.fixture(scope="module")
def pool():
    frame, treated, t0 = factor_panel(60, seed=3, n_predictors=3)
    return build_matrices(frame, factor_spec(treated, t0, n_predictors=3))


def test_exchange_is_never_worse_than_the_v_search_and_stays_an_exact_sparse_match(pool) -> None:
    inside = 0
    for j in range(20):
        placebo = pool.with_treated_donor(j)
        searched = fit_data(placebo, QUICK, check_hull=False)
        exchanged = fit_data(placebo, EXCHANGE, check_hull=False)
        if not treated_inside_hull(placebo):
            # Outside the hull nothing changes: the same V search, the same weights.
            assert exchanged.solver.outer_solver == searched.solver.outer_solver
            np.testing.assert_array_equal(exchanged.weights.to_numpy(), searched.weights.to_numpy())
            continue
        inside += 1
        assert exchanged.solver.outer_solver == EXCHANGE_OUTER_SOLVER
        assert exchanged.loss <= searched.loss * (1 + 1e-9)
        w = exchanged.weights.to_numpy()
        assert w.min() >= 0 and w.sum() == pytest.approx(1.0)
        assert (w > 0).sum() <= len(placebo.predictor_names) + 1
        balance = exchanged.predictor_balance
        np.testing.assert_allclose(balance["synthetic"], balance["treated"], rtol=1e-9, atol=1e-9)
        assert not exchanged.solver.weights_unique
        assert exchanged.solver.kkt_violation < 1e-9
    assert inside >= 5  # the check above is not vacuous


def test_exchange_ends_at_a_vertex_no_single_exchange_improves() -> None:
    rng = np.random.default_rng(7)
    k, n_donors, n_periods = 2, 11, 5
    x0 = rng.normal(size=(k, n_donors))
    x1 = x0[:, :4] @ rng.dirichlet(np.ones(4))  # inside the hull
    d = x0 - x1[:, None]
    zd = rng.normal(size=(n_periods, n_donors))
    w0 = solve_simplex_lsq(d, np.full(k, np.sqrt(1 / k))).weights
    found = exchange_exact_matches(d, zd, w0)
    assert found is not None
    w, _steps = found
    loss = float(np.sum((zd @ w) ** 2))
    assert loss <= float(np.sum((zd @ w0) ** 2)) + 1e-12
    np.testing.assert_allclose(d @ w, 0, atol=1e-10)
    support = set(np.flatnonzero(w > 1e-12).tolist())
    assert len(support) == k + 1
    # Brute force: every vertex of the exact matches that differs from the answer in one donor.
    a = np.vstack([d, np.ones((1, n_donors))])
    b = np.r_[np.zeros(k), 1.0]
    neighbours = 0
    for basis in itertools.combinations(range(n_donors), k + 1):
        if len(support & set(basis)) != k:
            continue
        try:
            wb = np.linalg.solve(a[:, basis], b)
        except np.linalg.LinAlgError:
            continue
        if wb.min() < 0:
            continue
        neighbours += 1
        assert float(np.sum((zd[:, basis] @ wb) ** 2)) >= loss - 1e-12
    assert neighbours > 0


def test_exchange_rejects_a_start_that_is_not_an_exact_match() -> None:
    d = np.array([[1.0, 2.0, 3.0], [1.0, -1.0, 2.0]])  # treated outside: no exact match exists
    zd = np.ones((3, 3))
    assert exchange_exact_matches(d, zd, np.array([0.5, 0.5, 0.0])) is None


def test_refit_placebo_fits_the_treated_unit_by_the_placebos_procedure(pool) -> None:
    assert treated_inside_hull(pool)
    main = fit_data(pool, QUICK)
    test = placebo_in_space(pool, result=main, variant="refit_v", options=QUICK)
    same = fit_data(pool, EXCHANGE, check_hull=False)
    assert test.treated_refitted
    assert test.treated_ratio == same.rmspe_ratio
    np.testing.assert_array_equal(test.gaps[pool.treated].to_numpy(), same.gap.to_numpy())
    assert "op dezelfde manier opnieuw geschat" in test.explanation()
    before = placebo_in_space(pool, result=main, variant="refit_v", options=QUICK, inside_hull_search="v")
    assert not before.treated_refitted
    assert before.treated_ratio == main.rmspe_ratio
    # Inside the hull each placebo's pre-period fit is at least as good as with the V search.
    inside = placebo_in_space(
        pool, result=main, variant="refit_v", options=QUICK, inside_hull_search="exchange"
    )
    assert (inside.pre_rmspe <= before.pre_rmspe * (1 + 1e-9)).all()


def test_faces_fit_units_just_outside_the_hull_by_exchange_without_one_predictor(pool) -> None:
    """ADR 0028: outside the hull, the better of a capped V search and the exchange on every face
    V_m = 0 where the unit lies inside the other predictors' hull; the full V search elsewhere."""
    seen = {POWELL_OUTER_SOLVER: 0, FACE_OUTER_SOLVER: 0, CAPPED_OUTER_SOLVER: 0, EXCHANGE_OUTER_SOLVER: 0}
    k = len(pool.predictor_names)
    for j in range(pool.n_donors):
        placebo = pool.with_treated_donor(j)
        fitted = fit_data(placebo, FACES, check_hull=False)
        outer = fitted.solver.outer_solver
        seen[outer] += 1
        if outer == EXCHANGE_OUTER_SOLVER:
            assert treated_inside_hull(placebo)
            continue
        assert not treated_inside_hull(placebo)
        searched = fit_data(placebo, QUICK, check_hull=False)
        if outer == POWELL_OUTER_SOLVER:  # no face: the full V search, unchanged
            assert inside_hull_procedure(placebo, "exchange_faces") == "v"
            np.testing.assert_array_equal(fitted.weights.to_numpy(), searched.weights.to_numpy())
            continue
        assert inside_hull_procedure(placebo, "exchange_faces") != "v"
        capped = fit_data(
            placebo, replace(QUICK, max_evaluations_per_start=FACES.face_search_evaluations), check_hull=False
        )
        assert fitted.loss <= capped.loss * (1 + 1e-12)  # never worse than the capped search alone
        if outer == FACE_OUTER_SOLVER:
            assert fitted.loss < capped.loss
            v = fitted.v.to_numpy()
            dropped = int(np.flatnonzero(v == 0)[0])
            assert v.sum() == pytest.approx(1.0) and (v == 0).sum() == 1
            w = fitted.weights.to_numpy()
            assert w.min() >= 0 and w.sum() == pytest.approx(1.0) and (w > 0).sum() <= k
            balance = fitted.predictor_balance.drop(index=placebo.predictor_names[dropped])
            np.testing.assert_allclose(balance["synthetic"], balance["treated"], rtol=1e-8, atol=1e-8)
            assert not balance.empty and not fitted.solver.weights_unique
            assert any(
                f"Voorspeller {placebo.predictor_names[dropped]} telt niet mee" in n for n in fitted.notes
            )
    # Every kind occurs on this pool, so none of the branches above is vacuous.
    assert all(seen.values()), seen


def test_faces_refit_the_treated_unit_just_outside_the_hull_for_the_statistic(pool) -> None:
    for j in range(pool.n_donors):
        placebo = pool.with_treated_donor(j)
        if not treated_inside_hull(placebo) and inside_hull_procedure(placebo, "exchange_faces") != "v":
            break
    else:  # pragma: no cover - the pool has such units (see the test above)
        pytest.fail("no unit just outside the hull")
    main = fit_data(placebo, QUICK, check_hull=False)
    assert main.solver.outer_solver == POWELL_OUTER_SOLVER
    test = placebo_in_space(placebo, result=main, variant="refit_v", options=QUICK)
    same = fit_data(placebo, FACES, check_hull=False)
    assert test.treated_refitted and test.treated_ratio == same.rmspe_ratio
    old = placebo_in_space(
        placebo, result=main, variant="refit_v", options=QUICK, inside_hull_search="exchange"
    )
    assert not old.treated_refitted and old.treated_ratio == main.rmspe_ratio


def test_refit_placebos_in_two_spawned_processes_equal_one_process() -> None:
    """The service runs the refitted test of a large pool in two processes (spawned: the background
    worker holds a database connection); the answers are those of one process."""
    frame, treated, t0 = factor_panel(24, seed=5, n_predictors=3)
    data = build_matrices(frame, factor_spec(treated, t0, n_predictors=3))
    main = fit_data(data, QUICK)
    one = placebo_in_space(data, result=main, variant="refit_v", options=QUICK)
    two = placebo_in_space(data, result=main, variant="refit_v", options=QUICK, n_jobs=2)
    np.testing.assert_array_equal(one.gaps.to_numpy(), two.gaps.to_numpy())
    assert (one.p_value, one.rank) == (two.p_value, two.rank)


def test_a_main_fit_with_a_given_v_is_refitted_for_the_statistic_like_the_placebos(pool) -> None:
    """Whatever produced the main fit (here V given), the treated unit's statistic comes from the
    placebos' procedure whenever that procedure would fit it otherwise."""
    assert treated_inside_hull(pool)
    k = len(pool.predictor_names)
    given = fit_data(pool, QUICK, v=np.full(k, 1.0 / k))
    test = placebo_in_space(pool, result=given, variant="refit_v", options=QUICK)
    assert test.treated_refitted
    assert test.treated_ratio == fit_data(pool, FACES, check_hull=False).rmspe_ratio
