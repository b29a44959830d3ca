# SPDX-License-Identifier: EUPL-1.2
"""Replication of published synthetic-control results (Basque, West Germany, California Prop 99)."""

from __future__ import annotations

import numpy as np
import pytest

from smaakmaker.monitoring.effects import (
    FitOptions,
    SyntheticControlResult,
    build_matrices,
    fit_synthetic_control,
    fit_two_step,
    placebo_in_space,
)

from .test_effects_support import basque, basque_spec, expected, germany, germany_specs, prop99_spec, smoking


@pytest.fixture(scope="module")
def prop99() -> SyntheticControlResult:
    return fit_synthetic_control(smoking(), prop99_spec())


# --- Basque Country (Abadie & Gardeazabal 2003) -------------------------------------------------


def test_basque_default_search_finds_loss_no_worse_than_paper() -> None:
    """Our multi-start V search must do at least as well as the paper's fit. It does better: a V
    with pre-period MSPE 0.0043 exists (weights Cataluna ~0.63, Baleares ~0.22, Madrid ~0.15) where
    the paper's solution has 0.0089. Both are reported honestly: this test pins the better loss."""
    paper_mspe = expected()["basque"]["pysyncon_tests"]["mspe"]
    result = fit_synthetic_control(basque(), basque_spec())
    assert result.loss <= paper_mspe * (1 + 1e-6)
    assert result.loss == pytest.approx(0.0042864, rel=1e-3)
    assert result.weights.sum() == pytest.approx(1.0)
    assert (result.weights >= 0).all()
    # The paper's local optimum is among the starts we tried and is reported in the solver info.
    assert min(abs(x - paper_mspe) for x in result.solver.start_losses) < 1e-6


def test_basque_synth_regression_start_reproduces_published_weights() -> None:
    """Starting from Synth's regression-based V (the default start of R's Synth, which produced the
    published numbers) our exact inner solve lands on the published solution."""
    published = expected()["basque"]["published"]["weights"]
    ref = expected()["basque"]["pysyncon_tests"]
    result = fit_synthetic_control(
        basque(), basque_spec(), options=FitOptions(starts=("regression",), n_starts=1)
    )
    nonzero = result.nonzero_weights(1e-4)
    assert set(nonzero.index) == set(published)
    for donor, weight in published.items():
        assert result.weights[donor] == pytest.approx(weight, abs=0.02)
    assert result.loss == pytest.approx(ref["mspe"], rel=1e-4)
    att = result.att(1975, 1997)
    assert att.estimate == pytest.approx(ref["att_1975_1997"], abs=0.01)
    assert att.standard_error == pytest.approx(ref["att_se"], abs=0.005)


# --- West Germany (ADH 2015, two-step cross-validation) -----------------------------------------


def test_west_germany_two_step_reproduces_published_weights() -> None:
    training, main = germany_specs()
    result = fit_two_step(germany(), training, main)
    published = expected()["germany"]["published"]["weights"]
    assert result.solver.v_method == "two_step"
    assert result.solver.training_loss is not None
    # Published weights are printed with two decimals; pysyncon's own test uses 2.5 %.
    for donor, weight in published.items():
        assert result.weights[donor] == pytest.approx(weight, abs=0.02), donor
    assert result.weights.drop(list(published)).max() < 0.01
    # "Per-capita GDP reduced by roughly 1,600 USD per year on average over 1990-2003" (paper);
    # pysyncon's test expects -1555. Our V differs slightly, so we allow +-100 USD.
    att = result.att(1990, 2003)
    assert att.estimate == pytest.approx(-1555, abs=100)
    assert any("industry" in note for note in result.notes)


# --- California Proposition 99 (ADH 2010) -------------------------------------------------------


def test_prop99_fit_matches_adh2010(prop99: SyntheticControlResult) -> None:
    published = expected()["california_prop99"]["published"]["weights"]
    # Stata's nested fit reports pre-RMSPE 1.756; an exact inner solve reaches 1.754.
    assert prop99.rmspe_pre == pytest.approx(1.754, abs=0.01)
    assert prop99.rmspe_pre <= 1.756
    for donor, weight in published.items():
        assert prop99.weights[donor] == pytest.approx(weight, abs=0.02), donor
    assert prop99.weights.drop(list(published)).max() < 0.01
    assert prop99.gap.loc[2000] == pytest.approx(-26, abs=2)
    assert prop99.att(1989, 2000).estimate == pytest.approx(-19, abs=1.5)
    assert prop99.solver.kkt_violation < 1e-9


def test_prop99_placebo_in_space_california_ranks_first(prop99: SyntheticControlResult) -> None:
    placebo = placebo_in_space(smoking(), prop99_spec(), result=prop99, variant="fixed_v")
    assert placebo.variant == "fixed_v"
    assert placebo.n_placebos == 38
    assert placebo.rank == 1
    assert placebo.p_value == pytest.approx(1 / 39)
    assert "p = 0.026" in placebo.explanation()
    assert placebo.gaps.shape == (31, 39)


def test_prop99_fit_does_not_depend_on_donor_order(prop99: SyntheticControlResult) -> None:
    spec = prop99_spec()
    data = build_matrices(smoking(), spec)
    rng = np.random.default_rng(7)
    shuffled = spec.replace(donors=tuple(rng.permutation(np.array(data.donors, dtype=object))))
    again = fit_synthetic_control(smoking(), shuffled)
    assert again.loss == pytest.approx(prop99.loss, rel=1e-6)
    np.testing.assert_allclose(again.weights.reindex(prop99.weights.index), prop99.weights, atol=1e-5)


def test_prop99_explanation_is_dutch(prop99: SyntheticControlResult) -> None:
    text = prop99.explanation()
    assert "synthetische controle" in text
    assert "Utah" in text
