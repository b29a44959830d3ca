# SPDX-License-Identifier: EUPL-1.2
"""Small areas in the wijkscan: empirical-Bayes shrinkage toward the parent area, the minimum
population for ranking, coverage as present / expected, incomplete diagnoses and the composite's
uncertainty interval (pure numpy/pandas, no database)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from smaakmaker.areas.scan import (
    DEFAULT_RATES,
    Panel,
    RateSpec,
    ScanConfig,
    eb_shrink,
    run_scan,
    score_values,
)

POISSON = RateSpec("inwoners", 1000.0, "poisson")
BINOMIAL = RateSpec("huishoudens", 100.0, "binomial")


def test_eb_shrink_by_hand() -> None:
    # Three areas under one parent at 10 per 1,000; per person m = 0.01.
    values = np.array([[20.0], [5.0], [10.0]])
    n = np.array([[100.0], [10_000.0], [1_000.0]])
    parent = np.full((3, 1), 10.0)
    est, var, b, tau2 = eb_shrink(values, n, parent, POISSON)
    p, m = values[:, 0] / 1000, 0.01
    v = m / n[:, 0]
    t = max(0.0, float((n[:, 0] * ((p - m) ** 2 - v)).sum() / n[:, 0].sum()))
    assert tau2[0] == pytest.approx(t * 1e6)
    weight = v / (v + t)
    np.testing.assert_allclose(b[:, 0], weight)
    np.testing.assert_allclose(est[:, 0], 1000 * (m + (1 - weight) * (p - m)))
    np.testing.assert_allclose(var[:, 0], 1e6 * t * v / (t + v))
    # The small area moves most toward the parent, the large one least.
    assert b[0, 0] > b[2, 0] > b[1, 0]


def test_eb_shrink_missing_and_unknown_denominator() -> None:
    values = np.array([[np.nan], [30.0], [12.0], [8.0]])
    n = np.array([[500.0], [np.nan], [400.0], [900.0]])
    parent = np.full((4, 1), 10.0)
    est, var, b, _ = eb_shrink(values, n, parent, BINOMIAL)
    assert np.isnan(est[0, 0]) and np.isnan(var[0, 0])  # missing stays missing
    assert est[1, 0] == 30.0 and np.isnan(var[1, 0]) and np.isnan(b[1, 0])  # as published, flagged
    assert np.isfinite(est[2:, 0]).all()


def test_eb_shrink_uses_pooled_rate_without_parent() -> None:
    values = np.array([[10.0], [30.0]])
    n = np.array([[1000.0], [1000.0]])
    est, _, b, _ = eb_shrink(values, n, np.full((2, 1), np.nan), POISSON)
    # Toward the pooled 20 per 1,000: both move toward the middle, symmetrically.
    assert est[0, 0] - 10 == pytest.approx(30 - est[1, 0])
    assert (b[:, 0] >= 0).all() and (b[:, 0] <= 1).all()


def test_eb_shrink_lowers_error_on_simulated_small_areas() -> None:
    """Gamma-Poisson areas with 50–20,000 inhabitants: the estimate is closer to the truth than the
    published rate, and most so for the smallest areas."""
    rng = np.random.default_rng(7)
    k, parent_rate = 400, 0.02
    n = rng.integers(50, 20_000, size=k).astype(float)
    truth = rng.gamma(shape=8.0, scale=parent_rate / 8.0, size=k)
    counts = rng.poisson(truth * n)
    raw = counts / n * 1000
    est, var, _, _ = eb_shrink(raw[:, None], n[:, None], np.full((k, 1), 1000 * parent_rate), POISSON)
    err_raw = (raw - 1000 * truth) ** 2
    err_eb = (est[:, 0] - 1000 * truth) ** 2
    assert err_eb.mean() < 0.7 * err_raw.mean()
    small = n < 500
    assert err_eb[small].mean() < 0.5 * err_raw[small].mean()
    # The posterior interval covers the truth about as often as it says (gamma prior: not exact).
    z = np.abs(est[:, 0] - 1000 * truth) / np.sqrt(var[:, 0])
    assert 0.88 <= float((z <= 1.96).mean()) <= 0.99


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 10_000),
    st.integers(2, 40),
    st.sampled_from(["poisson", "binomial"]),
    st.floats(0.0, 0.5),
)
@example(seed=0, k=2, model="binomial", missing=0.5)
def test_property_estimate_between_value_and_parent(seed: int, k: int, model: str, missing: float) -> None:
    rng = np.random.default_rng(seed)
    spec = POISSON if model == "poisson" else BINOMIAL
    scale = 60.0 if model == "poisson" else 90.0
    values = rng.uniform(0, scale, size=(k, 3))
    values[rng.random(values.shape) < missing] = np.nan
    n = rng.integers(0, 5000, size=(k, 3)).astype(float)
    parent = np.where(rng.random((k, 3)) < 0.2, np.nan, rng.uniform(1, scale, size=(k, 3)))
    est, var, b, tau2 = eb_shrink(values, n, parent, spec)
    assert (tau2 >= 0).all()
    assert np.array_equal(np.isnan(est), np.isnan(values))  # never invents or drops a value
    shrunk = np.isfinite(b)
    assert ((b[shrunk] >= 0) & (b[shrunk] <= 1)).all()
    assert (var[shrunk] >= -1e-12).all()
    # A convex combination of the value and the target (the parent, or the pooled rate).
    lo = np.minimum(values, np.where(np.isfinite(parent), parent, -np.inf))
    hi = np.maximum(values, np.where(np.isfinite(parent), parent, np.inf))
    ok = shrunk & np.isfinite(parent)
    assert (est[ok] >= lo[ok] - 1e-9).all() and (est[ok] <= hi[ok] + 1e-9).all()
    # Larger denominators are shrunk less (same column, same parent rate).
    for col in range(3):
        same = shrunk[:, col] & np.isclose(np.nan_to_num(parent[:, col], nan=-1), parent[0, col])
        order = np.argsort(n[same, col])
        assert (np.diff(b[same, col][order]) <= 1e-12).all()


# --- the scan --------------------------------------------------------------------------------------

YEARS = [2019, 2020]
RATE_INDICATORS = ["bijstand_per_1000", "geweld_per_1000", "laag_inkomen_hh"]


def make_panel(seed: int = 0, n_wijken: int = 20, small: int = 3, crime_2020: bool = False) -> Panel:
    """One gemeente with wijken of very different size; crime only published in 2019 unless asked."""
    rng = np.random.default_rng(seed)
    codes = [f"WK0363{i:02d}" for i in range(n_wijken)]
    inwoners = rng.integers(2_000, 30_000, size=n_wijken).astype(float)
    inwoners[:small] = rng.integers(40, 400, size=small)
    rows = []
    for y in YEARS:
        rows += [("GM0363", y, "bijstand_per_1000", 40.0), ("GM0363", y, "geweld_per_1000", 8.0)]
        rows += [("GM0363", y, "laag_inkomen_hh", 12.0), ("GM0363", y, "inwoners", float(inwoners.sum()))]
        rows += [("GM0363", y, "huishoudensgrootte", 1.9), ("GM0363", y, "woz_waarde", 300.0)]
        rows += [("GM0363", y, "jeugdzorg_pct", 10.0)]
        for i, code in enumerate(codes):
            n = inwoners[i]
            rows.append((code, y, "inwoners", n))
            rows.append((code, y, "huishoudensgrootte", 1.9))
            rows.append((code, y, "bijstand_per_1000", rng.poisson(0.04 * n) / n * 1000))
            rows.append((code, y, "laag_inkomen_hh", rng.binomial(int(n / 1.9), 0.12) / int(n / 1.9) * 100))
            rows.append((code, y, "woz_waarde", rng.uniform(150, 600)))
            rows.append((code, y, "jeugdzorg_pct", rng.uniform(5, 15)))
            if y == 2019 or crime_2020:
                rows.append((code, y, "geweld_per_1000", rng.poisson(0.008 * n) / n * 1000))
    # The smallest wijk: a port area with an extreme published rate.
    rows.append((codes[0], 2019, "bijstand_per_1000", 500.0))
    long = pd.DataFrame(rows, columns=["code", "year", "indicator", "value"])
    long = long.drop_duplicates(["code", "year", "indicator"], keep="last")
    return Panel.from_long(long)


def to_long(panel: Panel) -> pd.DataFrame:
    frames = [
        panel.frame(y).rename_axis(columns="indicator").stack().rename("value").reset_index() for y in YEARS
    ]
    return pd.concat([f.assign(year=y) for f, y in zip(frames, YEARS, strict=True)], ignore_index=True)


def wijken(panel: Panel) -> list[str]:
    return [c for c in panel.codes if c.startswith("WK")]


def test_rates_are_shrunk_toward_the_gemeente_and_raw_stays_visible() -> None:
    panel = make_panel()
    result = run_scan(panel, wijken(panel), 2019, ScanConfig(reference="gemeente"))
    small, big = "WK036300", result.profile["inwoners"].idxmax()
    assert result.values.at[small, "bijstand_per_1000"] == 500.0  # published value kept
    est = result.estimates.at[small, "bijstand_per_1000"]
    assert 40.0 < est < 500.0
    assert result.shrinkage.at[small, "bijstand_per_1000"] > result.shrinkage.at[big, "bijstand_per_1000"]
    # Not a rate with a known denominator: used as published, no shrinkage.
    assert result.estimates.at[small, "woz_waarde"] == result.values.at[small, "woz_waarde"]
    assert np.isnan(result.shrinkage.at[small, "jeugdzorg_pct"])
    # Scores and the composite are of the estimates; the raw composite is kept beside them.
    np.testing.assert_allclose(
        result.scores["bijstand_per_1000"],
        score_values(result.estimates["bijstand_per_1000"], result.reference["bijstand_per_1000"], 1.0),
    )
    assert result.profile.at[small, "composite"] < result.profile.at[small, "composite_raw"]
    off = run_scan(panel, wijken(panel), 2019, ScanConfig(reference="gemeente", shrink=False))
    np.testing.assert_allclose(off.profile["composite"], result.profile["composite_raw"])


def test_small_areas_are_shown_but_not_ranked() -> None:
    panel = make_panel()
    config = ScanConfig(reference="gemeente", min_population=500)
    result = run_scan(panel, wijken(panel), 2019, config)
    profile = result.profile
    small = profile["inwoners"] < 500
    assert small.sum() == 3
    assert profile.loc[small, "rank"].isna().all()
    assert profile.loc[small, "composite"].notna().all()  # shown
    assert (profile.loc[small, "not_ranked"] == "too_small").all()
    assert profile.loc[small, "not_ranked_reason"].str.startswith("te klein om te rangschikken").all()
    ranked = profile[profile["rank"].notna()].sort_values("rank")
    assert len(ranked) == len(profile) - 3
    assert ranked["composite"].is_monotonic_decreasing  # ranked on the shrunk composite
    assert (ranked["not_ranked"] == "").all()
    # Unknown inhabitants: not ranked either, with its own reason.
    long = to_long(panel)
    long = long[~((long["code"] == "WK036310") & (long["indicator"] == "inwoners"))]
    again = run_scan(Panel.from_long(long), wijken(panel), 2019, config)
    assert again.profile.at["WK036310", "not_ranked"] == "population_unknown"
    assert np.isnan(again.profile.at["WK036310", "rank"])


def test_coverage_is_present_over_expected_and_incomplete_themes_are_named() -> None:
    panel = make_panel()
    result = run_scan(panel, wijken(panel), 2020, ScanConfig(reference="gemeente"))
    row = result.profile.loc["WK036305"]
    # Expected: bijstand, laag inkomen, geweld (published in 2019), woz, jeugdzorg = 5; geweld missing in 2020.
    assert row["n_indicators_total"] == 5 and row["n_indicators"] == 4
    assert row["coverage"] == pytest.approx(4 / 5)
    assert row["missing_themes"] == "Veiligheid" and not row["diagnosis_complete"]
    assert any("Gewelds- en seksuele misdrijven" in n and "2019" in n for n in result.notes)
    full = run_scan(panel, wijken(panel), 2019, ScanConfig(reference="gemeente"))
    assert full.profile.loc["WK036305", "coverage"] == 1.0
    assert full.profile.loc["WK036305", "diagnosis_complete"]
    assert full.profile.loc["WK036305", "missing_themes"] == ""


def test_composite_interval_contains_the_composite_and_grows_with_missing_indicators() -> None:
    panel = make_panel(crime_2020=True)
    result = run_scan(panel, wijken(panel), 2019, ScanConfig(reference="gemeente"))
    p = result.profile
    assert (p["composite_low"] <= p["composite"]).all() and (p["composite"] <= p["composite_high"]).all()
    small, big = "WK036300", p["inwoners"].idxmax()
    width = p["composite_high"] - p["composite_low"]
    assert width[small] > width[big]  # fewer inhabitants, more sampling noise
    # Take an indicator away: the same area's interval gets the missing-indicator term.
    long = to_long(panel)
    drop = (long["code"] == big) & (long["indicator"] == "laag_inkomen_hh") & (long["year"] == 2019)
    fewer = run_scan(Panel.from_long(long[~drop]), wijken(panel), 2019, ScanConfig(reference="gemeente"))
    assert fewer.profile.at[big, "coverage"] < 1
    assert fewer.profile.at[big, "composite_se"] > p.at[big, "composite_se"]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 2_000))
@example(seed=0, min_population=0)
def test_property_ranking_uses_the_estimate_and_skips_only_with_a_reason(
    seed: int, min_population: int
) -> None:
    panel = make_panel(seed)
    config = ScanConfig(reference="gemeente", min_population=float(min_population), compute_peers=False)
    result = run_scan(panel, wijken(panel), 2019, config)
    p = result.profile
    ranked = p["rank"].notna()
    assert (ranked == (p["not_ranked"] == "")).all()
    assert (p.loc[~ranked, "not_ranked_reason"] != "").all()
    assert (p.loc[p["inwoners"] < min_population, "rank"]).isna().all()
    order = p[ranked].sort_values("rank")
    assert order["composite"].is_monotonic_decreasing
    assert set(DEFAULT_RATES) >= set(RATE_INDICATORS)
    # Permuting the areas changes nothing.
    shuffled = list(np.random.default_rng(seed).permutation(wijken(panel)))
    again = run_scan(panel, shuffled, 2019, config)
    pd.testing.assert_frame_equal(again.profile, p)


def test_a_year_with_only_context_figures_gives_no_index_and_says_so() -> None:
    """The 2017 Wijk- en buurtkaart (Groningen) carries population and household figures only: no area is
    called vulnerable, every area is still listed, and the note names what there is."""
    rows = []
    for i, code in enumerate(["BU00140000", "BU00140001", "BU00140002"]):
        rows += [(code, 2017, "inwoners", 1000.0 + i), (code, 2017, "eenpersoonshuishoudens_pct", 40.0 + i)]
    rows += [("BU00140099", 2017, "inwoners", float("nan"))]
    result = run_scan(
        Panel.from_long(pd.DataFrame(rows, columns=["code", "year", "indicator", "value"])), year=2017
    )
    profile = result.profile
    assert profile["composite"].isna().all() and profile["rank"].isna().all()
    assert (profile["not_ranked"] == "no_data").all()
    assert (
        profile.loc["BU00140000", "not_ranked_reason"]
        == "geen index: geen van de cijfers van dit jaar telt mee"
    )
    assert profile.loc["BU00140099", "not_ranked_reason"] == "geen gegevens"
    [note] = [n for n in result.notes if "kwetsbaarheidsindex" in n]
    assert note.startswith(
        "Voor 2017 zijn hier alleen cijfers geladen die niet in de kwetsbaarheidsindex tellen (2:"
    )
    assert "Aandeel eenpersoonshuishoudens" in note
    # with one scored figure loaded, the note is gone
    rows += [("BU00140000", 2017, "bijstand_per_1000", 30.0)]
    again = run_scan(
        Panel.from_long(pd.DataFrame(rows, columns=["code", "year", "indicator", "value"])), year=2017
    )
    assert not [n for n in again.notes if "kwetsbaarheidsindex tellen" in n]
