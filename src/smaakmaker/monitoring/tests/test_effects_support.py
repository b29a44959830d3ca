# SPDX-License-Identifier: EUPL-1.2
"""Shared inputs for the effect-evaluation tests (no tests here): replication data sets and specs."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from smaakmaker.monitoring.effects import SyntheticControlSpec

DATA_DIR = Path(__file__).resolve().parents[4] / "data" / "synthetic_control"

BASQUE = "Basque Country (Pais Vasco)"
ODD_YEARS_1961_1969 = (1961, 1963, 1965, 1967, 1969)


@cache
def expected() -> dict:
    return json.loads((DATA_DIR / "expected_results.json").read_text(encoding="utf-8"))


@cache
def smoking() -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / "smoking.csv")


@cache
def basque() -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / "basque.csv")


@cache
def germany() -> pd.DataFrame:
    return pd.read_csv(DATA_DIR / "germany.csv")


def prop99_spec() -> SyntheticControlSpec:
    """ADH (2010): lnincome, retprice, age15to24 averaged 1980-1988, beer 1984-1988, cigsale in
    1975, 1980 and 1988; fit over 1970-1988; treatment 1989."""
    return SyntheticControlSpec(
        treated="California",
        treatment_time=1989,
        outcome="cigsale",
        predictors=("lnincome", "retprice", "age15to24"),
        predictors_times=tuple(range(1980, 1989)),
        special_predictors=(
            ("beer", tuple(range(1984, 1989)), "mean"),
            ("cigsale", (1988,), "mean"),
            ("cigsale", (1980,), "mean"),
            ("cigsale", (1975,), "mean"),
        ),
        time_optimize_ssr=tuple(range(1970, 1989)),
        unit_column="state",
        time_column="year",
    )


def basque_spec() -> SyntheticControlSpec:
    """Abadie & Gardeazabal (2003) as in Synth's example; Spain (the aggregate) is not a donor."""
    sectors = (
        "sec.agriculture",
        "sec.energy",
        "sec.industry",
        "sec.construction",
        "sec.services.venta",
        "sec.services.nonventa",
    )
    regions = [r for r in basque()["regionname"].unique() if r not in (BASQUE, "Spain (Espana)")]
    return SyntheticControlSpec(
        treated=BASQUE,
        treatment_time=1970,
        outcome="gdpcap",
        predictors=("school.illit", "school.prim", "school.med", "school.high", "school.post.high", "invest"),
        predictors_times=tuple(range(1964, 1970)),
        special_predictors=(
            ("gdpcap", tuple(range(1960, 1970)), "mean"),
            *((s, ODD_YEARS_1961_1969, "mean") for s in sectors),
            ("popdens", (1969,), "mean"),
        ),
        time_optimize_ssr=tuple(range(1960, 1970)),
        donors=tuple(regions),
        unit_column="regionname",
        time_column="year",
    )


def germany_specs() -> tuple[SyntheticControlSpec, SyntheticControlSpec]:
    """ADH (2015) two-step cross-validation: (training spec, main spec)."""
    common = {
        "treated": "West Germany",
        "treatment_time": 1990,
        "outcome": "gdp",
        "predictors": ("gdp", "trade", "infrate"),
        "time_plot": tuple(range(1960, 2004)),
        "unit_column": "country",
        "time_column": "year",
        # West Germany's industry share is missing for 1990 in the replication data; Synth (na.rm)
        # and pysyncon average over the years present, so the replication does the same.
        "skip_missing_in_windows": True,
    }
    training = SyntheticControlSpec(
        **common,
        predictors_times=tuple(range(1971, 1981)),
        special_predictors=(
            ("industry", tuple(range(1971, 1981)), "mean"),
            ("schooling", (1970, 1975), "mean"),
            ("invest70", (1980,), "mean"),
        ),
        time_optimize_ssr=tuple(range(1981, 1991)),
    )
    main = SyntheticControlSpec(
        **common,
        predictors_times=tuple(range(1981, 1991)),
        special_predictors=(
            ("industry", tuple(range(1981, 1991)), "mean"),
            ("schooling", (1980, 1985), "mean"),
            ("invest80", (1980,), "mean"),
        ),
        time_optimize_ssr=tuple(range(1960, 1990)),
    )
    return training, main


def factor_panel(
    n_donors: int,
    *,
    seed: int = 0,
    n_years: int = 12,
    n_pre: int = 8,
    n_predictors: int = 6,
    effect: float = -3.0,
) -> tuple[pd.DataFrame, str, int]:
    """Small synthetic panel (factor model) whose treated unit is a noisy convex combination of
    donors; the treated outcome drops by ``effect`` from the treatment year on."""
    rng = np.random.default_rng(seed)
    n = n_donors + 1
    years = np.arange(2013, 2013 + n_years)
    factors = np.cumsum(rng.normal(0, 1, (n_years, 3)), axis=0)
    loadings = rng.normal(0, 1, (n, 3))
    level = rng.normal(50, 10, n)
    y = level[None, :] + 2 * factors @ loadings.T + rng.normal(0, 1, (n_years, n))
    idx = rng.choice(np.arange(1, n), min(5, n_donors), replace=False)
    w = rng.dirichlet(np.ones(idx.size))
    y[:, 0] = y[:, idx] @ w + rng.normal(0, 0.3, n_years)
    y[n_pre:, 0] += effect
    base = np.column_stack([level, loadings])
    pred = base @ rng.normal(0, 1, (n_predictors, 4)).T
    pred[0] = pred[idx].T @ w
    units = [f"BU{i:05d}" for i in range(n)]
    frame = pd.DataFrame(
        {"unit": np.repeat(units, n_years), "time": np.tile(years, n), "outcome": y.T.reshape(-1)}
    )
    for k in range(n_predictors):
        frame[f"p{k + 1}"] = np.repeat(pred[:, k], n_years) + rng.normal(0, 0.05, n * n_years)
    return frame, units[0], int(years[n_pre])


def factor_spec(
    treated: str, treatment_time: int, n_predictors: int = 6, **changes: object
) -> SyntheticControlSpec:
    spec = SyntheticControlSpec(
        treated=treated,
        treatment_time=treatment_time,
        outcome="outcome",
        predictors=tuple(f"p{k + 1}" for k in range(n_predictors)),
    )
    return spec.replace(**changes) if changes else spec
