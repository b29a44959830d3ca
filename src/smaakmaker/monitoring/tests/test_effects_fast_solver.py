# SPDX-License-Identifier: EUPL-1.2
"""The fast inner solve (column generation over a working set, cold seed found with a hint) against
the reference: one NNLS over all donors. Derandomised property tests with pinned examples."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from smaakmaker.monitoring.effects._solver import (
    DIRECT_SOLVE_MAX_DONORS,
    smallest_indices,
    solve_direct,
    solve_simplex_lsq,
)


def _problem(seed: int, k: int, n_donors: int, inside: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(d, sqrt_v, another sqrt_v): the treated unit inside the donors' convex hull (zero optimum,
    weights not unique) or well outside it (positive optimum, unique minimum-norm point)."""
    rng = np.random.default_rng(seed)
    x0 = rng.normal(size=(k, n_donors)) * rng.uniform(0.1, 10, size=(k, 1))
    if inside:
        x1 = x0[:, rng.choice(n_donors, 3, replace=False)] @ rng.dirichlet(np.ones(3))
    else:
        x1 = x0.mean(axis=1) + rng.choice([-1.0, 1.0], size=k) * rng.uniform(1.5, 4) * x0.std(axis=1)
    v = rng.dirichlet(np.ones(k))
    other = rng.dirichlet(np.ones(k))
    return x0 - x1[:, None], np.sqrt(v), np.sqrt(other)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 2**32 - 1),
    k=st.integers(1, 8),
    n_donors=st.integers(DIRECT_SOLVE_MAX_DONORS + 1, 700),
    inside=st.booleans(),
)
@example(seed=0, k=6, n_donors=999, inside=True)  # the benchmark's shape: 6 predictors, 999 donors
@example(seed=1, k=6, n_donors=999, inside=False)
@example(seed=2, k=1, n_donors=301, inside=True)
@example(seed=3, k=8, n_donors=301, inside=False)
def test_column_generation_equals_the_direct_solve(seed: int, k: int, n_donors: int, inside: bool) -> None:
    d, sqrt_v, _ = _problem(seed, k, n_donors, inside)
    fast = solve_simplex_lsq(d, sqrt_v, d_squared=d * d)
    ref = solve_direct(d, sqrt_v)
    a = d * sqrt_v[:, None]
    scale = float(np.mean(np.einsum("ij,ij->j", a, a)))
    assert fast.weights.min() >= 0
    assert fast.weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert fast.objective == pytest.approx(ref.objective, rel=1e-9, abs=1e-12 * scale)
    # Optimality certificate computed here, for every donor: a_j'r >= r'r (KKT of the simplex problem).
    r = a @ fast.weights
    assert float((r @ a).min()) >= float(r @ r) - 1e-9 * scale
    assert fast.zero_optimum == (ref.objective <= 1e-10 * scale)
    if not fast.zero_optimum:
        # Positive optimum: the closest point of the hull is unique, and so are the weights here.
        np.testing.assert_allclose(r, a @ ref.weights, atol=1e-7 * np.sqrt(scale))
        np.testing.assert_allclose(fast.weights, ref.weights, atol=1e-7)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 2**32 - 1),
    k=st.integers(1, 8),
    n_donors=st.integers(DIRECT_SOLVE_MAX_DONORS + 1, 2000),
    inside=st.booleans(),
)
@example(seed=0, k=6, n_donors=999, inside=True)
@example(seed=4, k=6, n_donors=2000, inside=True)
def test_seed_hint_never_changes_the_answer(seed: int, k: int, n_donors: int, inside: bool) -> None:
    """A V search passes the previous cold seed as a hint: the answer must be bit-identical."""
    d, sqrt_v, other = _problem(seed, k, n_donors, inside)
    d2 = d * d
    hint = solve_simplex_lsq(d, other, d_squared=d2).seed
    assert hint is not None
    without = solve_simplex_lsq(d, sqrt_v, d_squared=d2)
    with_hint = solve_simplex_lsq(d, sqrt_v, d_squared=d2, seed_hint=hint)
    np.testing.assert_array_equal(with_hint.weights, without.weights)
    assert with_hint.objective == without.objective
    np.testing.assert_array_equal(np.sort(with_hint.seed), np.sort(without.seed))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 3000),
    count=st.integers(1, 60),
    hint_kind=st.sampled_from(["none", "random", "nearby"]),
)
@example(seed=0, n=999, count=28, hint_kind="nearby")
@example(seed=1, n=28, count=28, hint_kind="random")
@example(seed=2, n=14000, count=28, hint_kind="random")
def test_smallest_indices_is_the_argpartition_set(seed: int, n: int, count: int, hint_kind: str) -> None:
    rng = np.random.default_rng(seed)
    values = rng.exponential(size=n)
    count = min(count, n)
    hint = None
    if hint_kind == "random":
        hint = rng.choice(n, count, replace=False)
    elif hint_kind == "nearby":
        hint = np.argpartition(values * rng.uniform(0.9, 1.1, size=n), count - 1)[:count]
    got = smallest_indices(values, count, hint)
    assert got.shape == (count,)
    expected = np.argpartition(values, count - 1)[:count] if count < n else np.arange(n)
    assert set(got.tolist()) == set(expected.tolist())
