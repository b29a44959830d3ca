# SPDX-License-Identifier: EUPL-1.2
"""Every unusable input gives an EffectEvaluationError with a stable code and a Dutch message."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smaakmaker.monitoring.effects import (
    EffectEvaluationError,
    FitOptions,
    SyntheticControlData,
    SyntheticControlSpec,
    fit_data,
    fit_synthetic_control,
)

from .test_effects_support import factor_panel, factor_spec


@pytest.fixture(scope="module")
def panel() -> tuple[pd.DataFrame, str, int]:
    return factor_panel(12, seed=3)


def _raises(code: str, func, *args, **kwargs) -> EffectEvaluationError:
    with pytest.raises(EffectEvaluationError) as info:
        func(*args, **kwargs)
    assert info.value.code == code
    assert isinstance(info.value, ValueError)
    return info.value


def test_too_few_pre_periods(panel) -> None:
    frame, treated, _ = panel
    first = int(frame["time"].min())
    err = _raises("too_few_pre_periods", fit_synthetic_control, frame, factor_spec(treated, first + 2))
    assert "maar 2 periodes vóór de ingreep" in err.message


def test_too_few_pre_periods_threshold_is_an_option(panel) -> None:
    frame, treated, _ = panel
    first = int(frame["time"].min())
    result = fit_synthetic_control(
        frame, factor_spec(treated, first + 2), options=FitOptions(min_pre_periods=2, hull_check="off")
    )
    assert result.weights.sum() == pytest.approx(1.0)


def test_missing_value_in_predictor(panel) -> None:
    frame, treated, t0 = panel
    frame = frame.copy()
    donor = frame["unit"].unique()[4]
    frame.loc[(frame["unit"] == donor) & (frame["time"] == t0 - 1), "p3"] = np.nan
    err = _raises("missing_values", fit_synthetic_control, frame, factor_spec(treated, t0))
    assert donor in err.message and "p3" in err.message
    assert err.details["units"] == [donor]


def test_missing_value_in_outcome(panel) -> None:
    frame, treated, t0 = panel
    frame = frame.copy()
    frame.loc[(frame["unit"] == treated) & (frame["time"] == t0 + 1), "outcome"] = np.nan
    err = _raises("missing_values", fit_synthetic_control, frame, factor_spec(treated, t0))
    assert "uitkomst" in err.message and treated in err.message


def test_missing_values_skipped_only_on_request(panel) -> None:
    frame, treated, t0 = panel
    frame = frame.copy()
    donor = frame["unit"].unique()[4]
    frame.loc[(frame["unit"] == donor) & (frame["time"] == t0 - 1), "p3"] = np.nan
    spec = factor_spec(treated, t0, skip_missing_in_windows=True)
    result = fit_synthetic_control(frame, spec, options=FitOptions(n_starts=1, hull_check="off"))
    assert any(donor in note for note in result.notes)


def test_unmeasured_years_are_skipped_and_reported(panel) -> None:
    frame, treated, t0 = panel
    frame = frame.copy()
    frame.loc[frame["time"] == t0 - 2, "p2"] = np.nan  # not measured for anyone that year
    result = fit_synthetic_control(
        frame, factor_spec(treated, t0), options=FitOptions(n_starts=1, hull_check="off")
    )
    assert any("p2" in note and str(t0 - 2) in note for note in result.notes)


def test_treated_outside_convex_hull(panel) -> None:
    frame, treated, t0 = panel
    frame = frame.copy()
    top = frame.groupby("time")["outcome"].transform("max")
    is_treated = frame["unit"] == treated
    frame.loc[is_treated, "outcome"] = top[is_treated] + 25
    err = _raises("outside_convex_hull", fit_synthetic_control, frame, factor_spec(treated, t0))
    assert "buiten het bereik van de donorpool" in err.message
    assert "hoger dan bij elke donor" in err.message


def test_outside_hull_can_be_a_warning(panel) -> None:
    frame, treated, t0 = panel
    frame = frame.copy()
    low = frame.groupby("time")["outcome"].transform("min")
    is_treated = frame["unit"] == treated
    frame.loc[is_treated, "outcome"] = low[is_treated] - 25
    result = fit_synthetic_control(
        frame, factor_spec(treated, t0), options=FitOptions(n_starts=1, hull_check="warn")
    )
    assert any("lager dan bij elke donor" in w for w in result.warnings)
    # The fit cannot be good and says so rather than pretend.
    assert any("pasvorm vóór de ingreep is zwak" in w for w in result.warnings)


def test_duplicate_unit_rows(panel) -> None:
    frame, treated, t0 = panel
    doubled = pd.concat([frame, frame[frame["unit"] == frame["unit"].unique()[2]].head(1)])
    err = _raises("duplicate_units", fit_synthetic_control, doubled, factor_spec(treated, t0))
    assert frame["unit"].unique()[2] in err.message


def test_duplicate_donors_in_spec(panel) -> None:
    frame, treated, t0 = panel
    donors = [u for u in frame["unit"].unique() if u != treated]
    spec = factor_spec(treated, t0, donors=(*donors, donors[0]))
    _raises("duplicate_units", fit_synthetic_control, frame, spec)


def test_treated_in_its_own_donor_pool(panel) -> None:
    frame, treated, t0 = panel
    donors = list(frame["unit"].unique())
    err = _raises(
        "duplicate_units", fit_synthetic_control, frame, factor_spec(treated, t0, donors=tuple(donors))
    )
    assert "staat ook in de donorpool" in err.message


def test_duplicate_donors_in_matrices() -> None:
    data = SyntheticControlData.from_arrays(
        x_treated=[1.0, 2.0],
        x_donors=[[1.0, 2.0], [2.0, 1.0]],
        y_treated=np.arange(6.0),
        y_donors=np.ones((6, 2)),
        times=np.arange(6),
        treatment_time=5,
        donors=["a", "a"],
    )
    _raises("duplicate_units", fit_data, data)


def test_empty_donor_pool(panel) -> None:
    frame, treated, t0 = panel
    err = _raises("empty_donor_pool", fit_synthetic_control, frame, factor_spec(treated, t0, donors=()))
    assert "donorpool is leeg" in err.message


def test_empty_donor_pool_in_matrices() -> None:
    data = SyntheticControlData.from_arrays(
        x_treated=[1.0],
        x_donors=np.zeros((1, 0)),
        y_treated=np.arange(6.0),
        y_donors=np.zeros((6, 0)),
        times=np.arange(6),
        treatment_time=5,
    )
    _raises("empty_donor_pool", fit_data, data)


def test_unknown_unit_and_column(panel) -> None:
    frame, treated, t0 = panel
    _raises("unknown_unit", fit_synthetic_control, frame, factor_spec("BU99999", t0))
    _raises("unknown_column", fit_synthetic_control, frame, factor_spec(treated, t0).replace(outcome="nope"))


def test_spec_needs_a_predictor() -> None:
    with pytest.raises(EffectEvaluationError) as info:
        SyntheticControlSpec(treated="a", treatment_time=2000, outcome="y")
    assert info.value.code == "invalid_specification"


def test_custom_v_must_match_predictors(panel) -> None:
    frame, treated, t0 = panel
    _raises("invalid_specification", fit_synthetic_control, frame, factor_spec(treated, t0), v=[1.0, 1.0])
