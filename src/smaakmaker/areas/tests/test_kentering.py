# SPDX-License-Identifier: EUPL-1.2
"""Tests for the kentering (turning point) rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from smaakmaker.areas.kentering import KenteringRule, detect_kentering, kentering_for_series, signal_label

YEARS = np.arange(2012, 2024)


def test_worsening_turning_to_improvement_is_good_signal() -> None:
    up_then_down = np.array([10, 11, 12, 13, 14, 15, 16, 17, 18, 17, 16, 15], dtype=float)
    res = detect_kentering(up_then_down[None, :], YEARS, direction=1.0)
    assert res.signal[0] == 1.0
    assert res.turn_year[0] == 2020
    assert res.slope_before[0] == pytest.approx(1.0) and res.slope_recent[0] == pytest.approx(-1.0)
    assert res.opposite[0] and res.beyond_noise[0] and res.held[0]
    # the same series for a "higher is better" indicator is a turn for the worse
    assert detect_kentering(up_then_down[None, :], YEARS, direction=-1.0).signal[0] == -1.0


def test_one_good_year_is_not_a_kentering() -> None:
    blip = np.array([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 19], dtype=float)
    res = detect_kentering(blip[None, :], YEARS, 1.0)
    assert res.signal[0] == 0.0
    zigzag = np.array([10, 11, 12, 13, 14, 15, 16, 17, 18, 17, 18, 17], dtype=float)
    res = detect_kentering(zigzag[None, :], YEARS, 1.0)
    assert res.signal[0] == 0.0 and not res.held[0]


def test_noise_is_not_a_kentering() -> None:
    rng = np.random.default_rng(1)
    noisy = 50 + rng.normal(0, 3, size=(200, 12))
    res = detect_kentering(noisy, YEARS, 1.0)
    assert np.mean(res.signal != 0) < 0.05


def test_too_few_observations_and_missing() -> None:
    series = np.array([[np.nan] * 8 + [1, 2, 3, 4]])
    res = detect_kentering(series, YEARS, 1.0)
    assert np.isnan(res.signal[0])
    assert signal_label(res.signal[0]) == "onvoldoende gegevens"
    gaps = np.array([[10, 11, np.nan, 13, 14, 15, 16, np.nan, 18, np.nan, 16, 15]], dtype=float)
    res = detect_kentering(gaps, YEARS, 1.0)
    assert (
        res.signal[0] == 1.0 and res.turn_year[0] == 2018 and res.n_before[0] == 6
    )  # last point before the window


def test_single_series_helper_and_rule_description() -> None:
    import pandas as pd

    s = pd.Series([5, 6, 7, 8, 9, 8, 7, 6], index=range(2016, 2024))
    out = kentering_for_series(s, direction=1.0)
    assert out["signal"] == 1.0 and out["turn_year"] == 2020
    assert "tegengestelde teken" in KenteringRule().describe()
    with pytest.raises(ValueError):
        KenteringRule(recent=2, min_hold=2)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0, 100, allow_nan=False), min_size=12, max_size=12),
    st.permutations(range(5)),
)
def test_vectorised_equals_row_by_row(values, perm) -> None:
    base = np.array(values)
    rows = np.stack([base, base[::-1], base * 2, base + 1, np.where(np.arange(12) % 4 == 0, np.nan, base)])
    full = detect_kentering(rows, YEARS, 1.0)
    permuted = detect_kentering(rows[list(perm)], YEARS, 1.0)
    np.testing.assert_array_equal(full.signal[list(perm)], permuted.signal)
    for i in range(len(rows)):
        one = detect_kentering(rows[i : i + 1], YEARS, 1.0)
        np.testing.assert_array_equal(one.signal, full.signal[i : i + 1])


def _naive_rule(series: np.ndarray, times: np.ndarray, direction: float, rule: KenteringRule) -> dict:
    """The documented rule for one series, written out step by step (reference for the vectorised code)."""
    ok = np.isfinite(series)
    t, y = times[ok].astype(float), series[ok]
    tc_all = times.astype(float) - times.astype(float).mean()
    tc = tc_all[ok]
    if len(y) < rule.recent + rule.min_before:
        return {"signal": np.nan, "n": len(y)}

    def fit(tt: np.ndarray, yy: np.ndarray) -> tuple[float, float, float]:
        sxx = float(((tt - tt.mean()) ** 2).sum())
        slope = float(((tt - tt.mean()) * (yy - yy.mean())).sum()) / sxx
        rss = float(((yy - yy.mean() - slope * (tt - tt.mean())) ** 2).sum())
        return slope, sxx, rss

    sb, sxx_b, rss_b = fit(tc[: -rule.recent], y[: -rule.recent])
    sr, sxx_r, rss_r = fit(tc[-rule.recent :], y[-rule.recent :])
    dof = max(len(y) - rule.recent - 2, 0) + max(rule.recent - 2, 0)
    sigma = np.sqrt((rss_b + rss_r) / dof) if dof > 0 else 0.0
    noise = max(sigma, rule.relative_noise_floor * float(np.abs(y).mean()), rule.noise_floor)
    t_b, t_r = sb * np.sqrt(sxx_b) / noise, sr * np.sqrt(sxx_r) / noise
    changes = np.diff(y[-(rule.min_hold + 1) :])
    held = bool(np.all(np.sign(changes) == np.sign(sr)) and np.sign(sr) != 0)
    turn = sb * sr < 0 and abs(t_b) >= rule.min_t and abs(t_r) >= rule.min_t and held
    signal = (-np.sign(sr) * np.sign(direction) if direction else np.sign(sr)) if turn else 0.0
    return {"signal": float(signal), "turn_year": t[-(rule.recent + 1)] if turn else np.nan, "t_recent": t_r}


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.0, 0.5), st.sampled_from([-1.0, 0.0, 1.0]))
def test_vectorised_equals_naive_rule(seed: int, missing: float, direction: float) -> None:
    rng = np.random.default_rng(seed)
    n = 60
    trend = rng.normal(0, 1, size=(n, 1))
    bend = np.where(np.arange(12) > rng.integers(4, 10, size=(n, 1)), -2.5 * trend, trend)
    values = 50 + np.cumsum(bend, axis=1) + rng.normal(0, rng.choice([0.05, 1.0]), size=(n, 12))
    values[rng.random(values.shape) < missing] = np.nan
    rule = KenteringRule()
    res = detect_kentering(values, YEARS, direction, rule)
    for i in range(n):
        want = _naive_rule(values[i], YEARS, direction, rule)
        if np.isnan(want["signal"]):
            assert np.isnan(res.signal[i])
            continue
        if abs(abs(want["t_recent"]) - rule.min_t) < 1e-6:
            continue  # on the threshold itself rounding may go either way
        assert res.signal[i] == want["signal"], i
        assert res.t_recent[i] == pytest.approx(want["t_recent"], rel=1e-6, abs=1e-6)
        if want["signal"] != 0:
            assert res.turn_year[i] == want["turn_year"]


# --- what the rule needs, why no kentering, and the radar over every year ---------------------------------


def test_needs_counts_observations_and_missing_years() -> None:
    from smaakmaker.areas.kentering import kentering_needs

    needs = kentering_needs([2017, 2019, 2020, 2023, 2024], range(2017, 2025))
    assert needs["n_observations"] == 5 and needs["needed"] == 6 and needs["short_by"] == 1
    assert needs["missing_years"] == [2018, 2021, 2022]
    assert kentering_needs(range(2005, 2019), range(2005, 2019))["short_by"] == 0


def test_reasons_name_every_failed_condition() -> None:
    from smaakmaker.areas.kentering import kentering_reasons

    rule = KenteringRule()
    turn = kentering_for_series(pd.Series([5, 6, 7, 8, 9, 8, 7, 6], index=range(2016, 2024)))
    assert kentering_reasons(turn, rule) == []
    short = kentering_for_series(pd.Series([1.0, 2, 3], index=[2020, 2021, 2022]))
    assert kentering_reasons(short, rule) == ["too_few"]
    straight = kentering_for_series(pd.Series(np.arange(8.0) + 10, index=range(2016, 2024)))
    assert kentering_reasons(straight, rule) == ["not_opposite"]
    blip = kentering_for_series(pd.Series([10, 11, 12, 13, 14, 15, 16, 15.9], index=range(2016, 2024)))
    assert "not_opposite" in kentering_reasons(blip, rule) or "recent_in_noise" in kentering_reasons(
        blip, rule
    )


def _brute_radar(values: np.ndarray, years: np.ndarray, direction, rule) -> list[tuple]:
    """The radar by definition: the rule on every series cut off after every year, one at a time."""
    rows = []
    for i, row in enumerate(values):
        previous = 0.0
        for j in range(len(years)):
            if not np.isfinite(row[j]):
                continue
            info = kentering_for_series(pd.Series(row[: j + 1], index=years[: j + 1]), direction, rule)
            signal = 0.0 if np.isnan(info["signal"]) else info["signal"]
            if signal != 0 and j >= rule.needed - 1:
                rows.append((i, int(years[j]), signal, info["turn_year"], signal != previous))
            previous = signal
    return sorted(rows)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(st.floats(0, 100, allow_nan=False), st.just(float("nan"))), min_size=9, max_size=9
        ),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from([1.0, -1.0, 0.0]),
)
@example(values=[[1, 2, 3, 4, 5, 4, 3, 2, 1.0]], direction=1.0)
@example(values=[[1, 2, 3, 4, 5, 4, 3, 2, 3.0], [5, 4, 3, 2, 1, 2, 3, 4, 5.0]], direction=-1.0)
def test_property_radar_equals_rule_cut_off_after_every_year(values, direction) -> None:
    from smaakmaker.areas.kentering import kentering_radar

    years = np.arange(2010, 2019)
    array = np.array(values, dtype=float)
    rule = KenteringRule()
    radar = kentering_radar(array, years, direction, rule)
    got = sorted(
        (int(r.series), int(r.as_of), float(r.signal), float(r.turn_year), bool(r.new))
        for r in radar.flags.itertuples()
    )
    assert got == _brute_radar(array, years, direction, rule)
    full = detect_kentering(array, years, direction, rule)
    np.testing.assert_array_equal(radar.latest.signal, full.signal)


def test_radar_flags_a_turn_when_its_figures_arrive() -> None:
    from smaakmaker.areas.kentering import kentering_radar

    years = np.arange(2010, 2020)
    series = np.array([[10, 11, 12, 13, 14, 15, 14, 13, 12, 11.0]])
    radar = kentering_radar(series, years, 1.0)
    first = radar.flags.iloc[0]
    # After 2017 the last three figures (15, 14, 13) fall and the five before rose: turning point 2014.
    assert first["as_of"] == 2017 and first["turn_year"] == 2014 and first["new"]
    assert first["signal"] == 1.0 and first["n_before"] == 5 and first["n_recent"] == 3
    assert not radar.flags.iloc[1:]["new"].any()
    assert radar.as_of_years == list(range(2015, 2020))
