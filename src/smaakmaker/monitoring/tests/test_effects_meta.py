# SPDX-License-Identifier: EUPL-1.2
"""Random-effects meta-analysis and meta-regression (``monitoring/effects/meta.py``), without a database.

Reference figures: the BCG vaccine example of the ``metafor`` README (github.com/wviechtb/metafor,
README.md, "Example"): ``dat <- escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg)``,
``rma(yi, vi, data=dat, test="knha")`` and ``rma(yi, vi, mods = ~ ablat, data=dat, test="knha")``. The
13 trials (Colditz et al. 1994, JAMA 271:698-702) are typed in below as published in that README.
"""

from __future__ import annotations

import numpy as np
import pytest

from smaakmaker.monitoring.effects.meta import (
    MetaAnalysisError,
    meta_regression,
    random_effects,
    reml_tau2,
)

#: trial: (tpos, tneg, cpos, cneg, ablat) of dat.bcg
BCG = [
    (4, 119, 11, 128, 44),
    (6, 300, 29, 274, 55),
    (3, 228, 11, 209, 42),
    (62, 13536, 248, 12619, 52),
    (33, 5036, 47, 5761, 13),
    (180, 1361, 372, 1079, 44),
    (8, 2537, 10, 619, 19),
    (505, 87886, 499, 87892, 13),
    (29, 7470, 45, 7232, 27),
    (17, 1699, 65, 1600, 42),
    (186, 50448, 141, 27197, 18),
    (5, 2493, 3, 2338, 33),
    (27, 16886, 29, 17825, 33),
]


def bcg():
    """Log risk ratios and their sampling variances, as ``escalc(measure="RR")`` computes them."""
    a, b, c, d, ablat = (np.array(col, dtype=float) for col in zip(*BCG, strict=True))
    yi = np.log((a / (a + b)) / (c / (c + d)))
    vi = 1 / a - 1 / (a + b) + 1 / c - 1 / (c + d)
    return yi, vi, ablat


def test_escalc_values_match_the_readme():
    yi, vi, _ = bcg()
    assert yi[0] == pytest.approx(-0.8893, abs=5e-5)
    assert vi[0] == pytest.approx(0.3256, abs=5e-5)
    assert yi[7] == pytest.approx(0.0120, abs=5e-5)
    assert vi[11] == pytest.approx(0.5325, abs=5e-5)


def test_random_effects_reproduces_metafor_bcg():
    """tau^2 0.3132 (SE 0.1664), I^2 92.22 %, H^2 12.86, Q(12) 152.2330, estimate -0.7145, SE 0.1808
    (Knapp-Hartung), t -3.9522, p 0.0019, CI -1.1084 to -0.3206; prediction interval for the risk ratio
    0.14 to 1.76 (``predict(res, transf=exp)``)."""
    yi, vi, _ = bcg()
    res = random_effects(yi, vi)
    h = res.heterogeneity
    assert res.k == 13 and res.df == 12
    assert h.tau2 == pytest.approx(0.3132, abs=5e-5)
    assert h.tau2_standard_error == pytest.approx(0.1664, abs=5e-5)
    assert h.i2 == pytest.approx(92.22, abs=5e-3)
    assert h.h2 == pytest.approx(12.86, abs=5e-3)
    assert h.q == pytest.approx(152.2330, abs=5e-4)
    assert h.q_df == 12
    assert res.estimate == pytest.approx(-0.7145, abs=5e-5)
    assert res.standard_error == pytest.approx(0.1808, abs=5e-5)
    assert res.t == pytest.approx(-3.9522, abs=5e-4)
    assert res.p_value == pytest.approx(0.0019, abs=5e-5)
    assert res.ci_low == pytest.approx(-1.1084, abs=5e-5)
    assert res.ci_high == pytest.approx(-0.3206, abs=5e-5)
    assert np.exp(res.pi_low) == pytest.approx(0.14, abs=5e-3)
    assert np.exp(res.pi_high) == pytest.approx(1.76, abs=5e-3)
    assert sum(res.weights) == pytest.approx(100.0)


def test_meta_regression_reproduces_metafor_bcg_latitude():
    """tau^2 0.0764 (SE 0.0591), I^2 68.39 %, H^2 3.16, R^2 75.62 %, QE(11) 30.7331, F(1, 11) 12.5905
    (p 0.0046); intercept 0.2515 (SE 0.2839, CI -0.3735 to 0.8764), ablat -0.0291 (SE 0.0082, t -3.5483,
    CI -0.0472 to -0.0111).

    metafor stops its Fisher scoring when tau^2 changes by less than 1e-5 (its default ``threshold``); we
    iterate to 1e-10, and our tau^2 (0.07635) is the maximum of the restricted likelihood (see
    :func:`test_reml_is_the_maximum_of_the_restricted_likelihood_with_a_moderator`). So tau^2, R^2 and F
    (and the SE of tau^2 and the intercept interval) are compared one unit of the last printed digit wider."""
    yi, vi, ablat = bcg()
    res = meta_regression(yi, vi, ablat, names=["ablat"])
    h = res.heterogeneity
    assert res.k == 13 and res.df == 11
    assert h.tau2 == pytest.approx(0.0764, abs=1e-4)
    assert h.tau2_standard_error == pytest.approx(0.0591, abs=1e-4)
    assert h.i2 == pytest.approx(68.39, abs=5e-3)
    assert h.h2 == pytest.approx(3.16, abs=5e-3)
    assert res.r2 == pytest.approx(75.62, abs=1e-2)
    assert h.q == pytest.approx(30.7331, abs=5e-4)
    assert res.f == pytest.approx(12.5905, abs=1e-3)
    assert (res.f_df1, res.df) == (1, 11)
    assert res.f_p_value == pytest.approx(0.0046, abs=5e-5)
    intercept, slope = res.coefficient("intercept"), res.coefficient("ablat")
    assert intercept.estimate == pytest.approx(0.2515, abs=5e-5)
    assert intercept.standard_error == pytest.approx(0.2839, abs=5e-5)
    assert intercept.ci_low == pytest.approx(-0.3735, abs=1e-4)
    assert intercept.ci_high == pytest.approx(0.8764, abs=1e-4)
    assert slope.estimate == pytest.approx(-0.0291, abs=5e-5)
    assert slope.standard_error == pytest.approx(0.0082, abs=5e-5)
    assert slope.t == pytest.approx(-3.5483, abs=5e-4)
    assert slope.ci_low == pytest.approx(-0.0472, abs=5e-5)
    assert slope.ci_high == pytest.approx(-0.0111, abs=5e-5)


def test_reml_is_the_maximum_of_the_restricted_likelihood():
    """Independent of metafor: the REML estimate maximises the restricted log-likelihood on a grid."""
    yi, vi, _ = bcg()
    tau2, _ = reml_tau2(yi, vi)

    def restricted_loglik(t2: float) -> float:
        w = 1 / (vi + t2)
        mu = (w @ yi) / w.sum()
        return -0.5 * (np.log(vi + t2).sum() + np.log(w.sum()) + (w * (yi - mu) ** 2).sum())

    grid = np.linspace(0, 2, 20001)
    best = grid[np.argmax([restricted_loglik(t) for t in grid])]
    assert tau2 == pytest.approx(best, abs=1e-4)


def test_reml_is_the_maximum_of_the_restricted_likelihood_with_a_moderator():
    yi, vi, ablat = bcg()
    x = np.column_stack([np.ones(yi.size), ablat])
    tau2, _ = reml_tau2(yi, vi, x)

    def restricted_loglik(t2: float) -> float:
        w = 1 / (vi + t2)
        xtwx = x.T @ (x * w[:, None])
        beta = np.linalg.solve(xtwx, x.T @ (w * yi))
        r = yi - x @ beta
        return -0.5 * (np.log(vi + t2).sum() + np.log(np.linalg.det(xtwx)) + (w * r * r).sum())

    grid = np.linspace(0, 0.3, 30001)
    best = grid[np.argmax([restricted_loglik(t) for t in grid])]
    assert tau2 == pytest.approx(best, abs=1e-5)
    assert tau2 == pytest.approx(0.076348, abs=1e-6)


def test_homogeneous_effects_give_tau2_zero():
    y = np.array([0.10, 0.11, 0.09, 0.10, 0.105])
    v = np.full(5, 0.04)
    res = random_effects(y, v)
    assert res.tau2 == 0.0
    assert res.i2 == 0.0
    assert res.ci_low < 0.10 < res.ci_high


@pytest.mark.parametrize("k", [0, 1, 2])
def test_fewer_than_three_approaches_are_never_pooled(k):
    with pytest.raises(MetaAnalysisError) as info:
        random_effects(np.zeros(k), np.ones(k))
    assert info.value.code == "too_few"
    assert "vanaf 3" in info.value.message


def test_bad_input_is_refused_in_dutch():
    with pytest.raises(MetaAnalysisError, match="groter dan nul"):
        random_effects([1.0, 2.0, 3.0], [0.1, 0.0, 0.2])
    with pytest.raises(MetaAnalysisError, match="ontbreekt"):
        random_effects([1.0, float("nan"), 3.0], [0.1, 0.1, 0.2])
    with pytest.raises(MetaAnalysisError, match="verschilt niet"):
        meta_regression([1.0, 2.0, 3.0, 4.0], [0.1] * 4, [5.0] * 4, names=["dose"])
    with pytest.raises(MetaAnalysisError) as info:  # k = 3 leaves one residual df for one moderator
        meta_regression([1.0, 2.0, 3.0], [0.1] * 3, [1.0, 2.0, 4.0], names=["dose"])
    assert info.value.code == "too_few"


def _simulate(rng, n_sets: int, k: int, tau2: float, mu: float, slope: float):
    """``n_sets`` meta-analyses of ``k`` studies with known true mean ``mu`` and dose slope ``slope``."""
    for _ in range(n_sets):
        v = rng.uniform(0.01, 0.2, size=k)  # unequal precision, as between small and large buurten
        dose = rng.uniform(0, 10, size=k)
        theta = mu + slope * (dose - 5.0) + rng.normal(0, np.sqrt(tau2), size=k)
        yield rng.normal(theta, np.sqrt(v)), v, dose - 5.0


def test_simulation_hartung_knapp_intervals_cover_the_truth():
    """1,000 simulated sets with a known effect: the 95 % intervals of the pooled effect and of the dose
    slope cover the truth in 93-97 % of them (a fixed seed, so the figure is reproducible)."""
    rng = np.random.default_rng(20261207)
    mu, slope, tau2, k = -0.5, 0.08, 0.05, 10
    covered_mu = covered_slope = 0
    n = 1000
    for y, v, dose in _simulate(rng, n, k, tau2, mu, 0.0):
        res = random_effects(y, v)
        covered_mu += res.ci_low <= mu <= res.ci_high
    for y, v, dose in _simulate(rng, n, k, tau2, mu, slope):
        reg = meta_regression(y, v, dose, names=["dose"]).coefficient("dose")
        covered_slope += reg.ci_low <= slope <= reg.ci_high
    assert 0.93 <= covered_mu / n <= 0.97, covered_mu / n
    assert 0.93 <= covered_slope / n <= 0.97, covered_slope / n


def test_simulation_prediction_interval_is_too_narrow_with_few_approaches():
    """The prediction interval is about the effect of a *new* approach. With 12 approaches and a modest
    tau^2 it covers a fresh draw from N(mu, tau^2) in fewer than 95 % of the sets: REML underestimates
    tau^2 often enough at small k (a known property, Partlett & Riley 2017, Stat. Med. 36(2)). The method
    page says so (figure in the catalogue); this test pins the measured coverage so the text stays true."""
    from smaakmaker.monitoring.effects.catalogue import PREDICTION_INTERVAL_COVERAGE

    rng = np.random.default_rng(7)
    mu, tau2, k, n = 0.3, 0.1, 12, 1000
    covered = 0
    for y, v, _dose in _simulate(rng, n, k, tau2, mu, 0.0):
        res = random_effects(y, v)
        new = rng.normal(mu, np.sqrt(tau2))
        covered += res.pi_low <= new <= res.pi_high
    assert covered / n == pytest.approx(PREDICTION_INTERVAL_COVERAGE, abs=0.005)
    assert covered / n < 0.93


# --- the estimator catalogue shown on the public method page ---------------------------------------------


def test_published_figures_of_the_catalogue():
    """The figures the method page shows for the meta-analysis are the ones computed here."""
    from smaakmaker.monitoring.effects.catalogue import META_REGRESSION, RANDOM_EFFECTS

    yi, vi, ablat = bcg()
    pooled = random_effects(yi, vi)
    computed = {
        "τ² (REML)": pooled.tau2,
        "I² (%)": pooled.i2,
        "samengevoegd effect": pooled.estimate,
        "standaardfout (Hartung–Knapp)": pooled.standard_error,
        "95%-interval ondergrens": pooled.ci_low,
        "95%-interval bovengrens": pooled.ci_high,
    }
    reg = meta_regression(yi, vi, ablat, names=["ablat"])
    computed |= {
        "τ² rest (REML)": reg.heterogeneity.tau2,
        "helling per graad": reg.coefficient("ablat").estimate,
        "standaardfout helling": reg.coefficient("ablat").standard_error,
        "F(1, 11)": reg.f,
    }
    figures = [f for e in (RANDOM_EFFECTS, META_REGRESSION) for v in e.validations for f in v.figures]
    assert {f.label for f in figures} == set(computed)
    for figure in figures:
        assert computed[figure.label] == pytest.approx(figure.published, abs=figure.tolerance), figure.label


def test_every_validation_names_an_existing_test():
    """A validation on the method page always points at a test of the suite that exists."""
    import ast
    from pathlib import Path

    from smaakmaker.monitoring.effects.catalogue import ESTIMATORS

    root = Path(__file__).resolve().parents[4]
    keys = [e.key for e in ESTIMATORS]
    assert len(keys) == len(set(keys))
    for estimator in ESTIMATORS:
        for validation in estimator.validations:
            path, name = validation.test.split("::")
            tree = ast.parse((root / path).read_text())
            functions = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
            assert name in functions, validation.test
