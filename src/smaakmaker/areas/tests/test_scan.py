# SPDX-License-Identifier: EUPL-1.2
"""Tests for the wijkscan: scores, themes, composite, bands, ranking, trends, peers, flavours."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from smaakmaker.areas.scan import (
    FlavourRule,
    Panel,
    ScanConfig,
    band_of,
    format_nl,
    run_scan,
    score_values,
)

DATA = Path("/work/shared/data/cbs")
YEARS = list(range(2015, 2023))
INDICATORS = [
    "laag_inkomen_hh",
    "inkomen_per_inwoner",
    "onbewoond_pct",
    "geweld_per_1000",
    "wmo_per_1000",
    "inwoners",
    "bevolkingsdichtheid",
]


def make_long(seed: int = 0, n_buurten: int = 12, missing: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    codes = (
        ["NL00", "GM0363", "GM0599"]
        + [f"BU0363{i:04d}" for i in range(n_buurten // 2)]
        + [f"BU0599{i:04d}" for i in range(n_buurten - n_buurten // 2)]
    )
    idx = pd.MultiIndex.from_product([codes, YEARS, INDICATORS], names=["code", "year", "indicator"])
    values = rng.uniform(1, 100, size=len(idx))
    if missing:
        values[rng.random(len(idx)) < missing] = np.nan
    return pd.DataFrame({"value": values}, index=idx).reset_index()


def test_formula_and_reference_scores_100() -> None:
    signs = np.array([1.0, -1.0, 0.0])
    ref = np.array([10.0, 20.0, 5.0])
    np.testing.assert_allclose(score_values(ref, ref, signs), [100, 100, 100])
    np.testing.assert_allclose(score_values(np.array([18.0, 10.0, 10.0]), ref, signs), [180, 150, 200])
    assert np.isnan(score_values(np.array([np.nan]), np.array([1.0]), np.array([1.0]))[0])
    assert np.isnan(score_values(np.array([3.0]), np.array([0.0]), np.array([1.0]))[0])
    assert score_values(np.array([100.0]), np.array([1.0]), np.array([1.0]))[0] == 300  # clipped


def test_bands_and_dutch_numbers() -> None:
    bands = band_of(np.array([50, 70, 89.9, 90, 110, 111, np.nan]), (70, 90, 110), ("a", "b", "c", "d"))
    assert bands.tolist() == ["a", "b", "b", "c", "d", "d", None]
    assert format_nl(1.8) == "1,8"
    assert format_nl(1234.56, 1) == "1.234,6"
    assert format_nl(float("nan")) == "onbekend"


@pytest.mark.parametrize("mode", ["national", "gemeente", "group"])
def test_reference_area_scores_100(mode: str) -> None:
    panel = Panel.from_long(make_long())
    buurten = [c for c in panel.codes if c.startswith("BU")]
    codes = {"national": ["NL00"] + buurten, "gemeente": ["GM0363", "GM0599"] + buurten, "group": buurten}[
        mode
    ]
    result = run_scan(panel, codes, 2022, ScanConfig(reference=mode))
    if mode == "national":
        np.testing.assert_allclose(result.scores_raw.loc["NL00"], 100)
        np.testing.assert_allclose(result.scores.loc["NL00"], 100)  # the country is never shrunk
    elif mode == "gemeente":
        # The published values score 100; the scores that rank are of the estimates (see test_scan_small_areas).
        np.testing.assert_allclose(result.scores_raw.loc[["GM0363", "GM0599"]], 100)
    else:
        ref = result.reference.iloc[0]
        np.testing.assert_allclose(ref, result.values.mean(axis=0))
    # direction: a worse-indicator score equals 100 * x / r
    x, r = result.values["laag_inkomen_hh"], result.reference["laag_inkomen_hh"]
    np.testing.assert_allclose(result.scores_raw["laag_inkomen_hh"], np.clip(100 * x / r, 0, 300))
    e = result.estimates["laag_inkomen_hh"]
    np.testing.assert_allclose(result.scores["laag_inkomen_hh"], np.clip(100 * e / r, 0, 300))


def test_base_year_reference_keeps_scores_comparable() -> None:
    panel = Panel.from_long(make_long())
    result = run_scan(panel, None, 2022, ScanConfig(reference="national", base_year=2015))
    assert result.base_year == 2015
    nl_2015 = panel.frame(2015).loc["NL00"]
    np.testing.assert_allclose(result.reference.iloc[0], nl_2015)
    assert list(result.composite_by_year.columns) == YEARS


def test_themes_composite_weights_and_coverage() -> None:
    panel = Panel.from_long(make_long())
    result = run_scan(panel, None, 2022, ScanConfig(reference="national"))
    s = result.scores.loc["BU03630000"]
    assert result.themes.loc["BU03630000", "inkomen"] == pytest.approx(
        s[["laag_inkomen_hh", "inkomen_per_inwoner"]].mean()
    )
    themes = result.themes.loc["BU03630000", ["inkomen", "wonen", "veiligheid", "zorg_jeugd"]]
    assert result.profile.loc["BU03630000", "composite"] == pytest.approx(themes.mean())
    weighted = run_scan(
        panel, None, 2022, ScanConfig(reference="national", theme_weights={"inkomen": 3.0, "wonen": 1.0})
    )
    t = weighted.themes.loc["BU03630000"]
    assert weighted.profile.loc["BU03630000", "composite"] == pytest.approx(
        (3 * t["inkomen"] + t["wonen"]) / 4
    )
    assert result.profile["n_indicators_total"].iloc[0] == 5  # context indicators do not count
    assert "voorzieningen" not in result.themes.columns or result.themes["voorzieningen"].isna().all()


def test_incomplete_composite_is_flagged_and_not_ranked() -> None:
    long = make_long()
    drop = (long["code"] == "BU03630001") & (long["indicator"] != "laag_inkomen_hh")
    long.loc[drop, "value"] = np.nan
    panel = Panel.from_long(long)
    result = run_scan(panel, [c for c in panel.codes if c.startswith("BU")], 2022)
    row = result.profile.loc["BU03630001"]
    assert row["incomplete"] and row["coverage"] == pytest.approx(1 / 5)
    assert np.isfinite(row["composite"]) and np.isnan(row["rank"])
    ranked = result.profile.dropna(subset=["rank"]).sort_values("rank")
    assert ranked["composite"].is_monotonic_decreasing
    assert ranked["rank"].iloc[0] == 1


def test_missing_stays_missing() -> None:
    long = make_long(missing=0.3)
    panel = Panel.from_long(long)
    result = run_scan(panel, None, 2022, ScanConfig(reference="group"))
    vals = result.values.to_numpy()
    ref_ok = np.isfinite(result.reference.to_numpy())
    scores = result.scores.to_numpy()
    assert np.array_equal(np.isnan(scores)[ref_ok], np.isnan(vals)[ref_ok])
    # a missing value is never scored as if it were 0 (which would give score 0 or 200)
    assert np.isnan(scores[np.isnan(vals)]).all()


def test_trends_kentering_and_peers() -> None:
    long = make_long()
    key = (long["code"] == "BU03630000") & (long["indicator"] == "laag_inkomen_hh")
    long.loc[key, "value"] = [10, 11, 12, 13, 14, 13, 12, 11]
    panel = Panel.from_long(long)
    result = run_scan(panel, None, 2022, ScanConfig(reference="national", peers_k=3))
    row = result.trends.set_index(["code", "indicator"]).loc[("BU03630000", "laag_inkomen_hh")]
    assert row["n_years"] == 8 and row["first_year"] == 2015 and row["last_year"] == 2022
    assert (
        row["kentering"] == 1.0
        and row["turn_year"] == 2019
        and row["kentering_label"] == "kentering ten goede"
    )
    assert {"slope_before", "slope_recent", "t_before", "t_recent", "noise", "held"} <= set(
        result.trends.columns
    )
    peers = result.peers
    assert (peers["code"] != peers["peer_code"]).all()
    bu = peers[peers["code"] == "BU03630000"]
    assert bu["peer_rank"].tolist() == [1, 2, 3] and bu["distance"].is_monotonic_increasing
    assert all(p.startswith("BU") for p in bu["peer_code"])  # same level only
    assert result.peer_group("BU03630000") == bu["peer_code"].tolist()


def test_peers_exact_distance_with_missing() -> None:
    rows = []
    for code, a, b in [
        ("BU00010001", 0.0, 0.0),
        ("BU00010002", 1.0, np.nan),
        ("BU00010003", 3.0, 4.0),
        ("BU00010004", 10.0, 10.0),
    ]:
        rows += [(code, 2020, "koopwoningen_pct", a), (code, 2020, "corporatiewoningen_pct", b)]
    panel = Panel.from_long(pd.DataFrame(rows, columns=["code", "year", "indicator", "value"]))
    result = run_scan(panel, None, 2020, ScanConfig(peers_k=1, peer_min_common=0.5))
    peers = result.peers.set_index("code")
    assert peers.loc["BU00010001", "peer_code"] == "BU00010002"  # nearest on the one shared variable
    assert peers.loc["BU00010002", "n_common"] == 1


def test_flavour_rules_and_dutch_reason() -> None:
    rows = [
        ("NL00", 2020, "laag_inkomen_hh", 10.0),
        ("BU00010001", 2020, "laag_inkomen_hh", 18.0),
        ("BU00010002", 2020, "laag_inkomen_hh", 9.0),
        ("NL00", 2020, "geweld_per_1000", 5.0),
        ("BU00010001", 2020, "geweld_per_1000", 12.5),
        ("BU00010002", 2020, "geweld_per_1000", np.nan),
    ]
    panel = Panel.from_long(pd.DataFrame(rows, columns=["code", "year", "indicator", "value"]))
    result = run_scan(panel, ["BU00010001", "BU00010002"], 2020, ScanConfig(reference="national"))
    reasons = result.flavours[result.flavours["code"] == "BU00010001"]["reason"].tolist()
    assert "aandeel huishoudens met laag inkomen 1,8× referentie → Zout" in reasons
    assert "gewelds- en seksuele misdrijven per 1.000 inwoners 2,5× referentie → Zuur" in reasons
    assert any(r.startswith("themascore Veiligheid 250") and r.endswith("→ Zoet") for r in reasons)
    assert result.profile.loc["BU00010001", "flavours"] == "Zuur, Zout, Zoet"
    assert result.profile.loc["BU00010002", "flavours"] == ""
    custom = ScanConfig(
        reference="national",
        flavour_rules=(
            FlavourRule("bitter_test", "Bitter", "indicator", "laag_inkomen_hh", "<=", 0.95, "test"),
        ),
    )
    out = run_scan(panel, ["BU00010001", "BU00010002"], 2020, custom).flavours
    assert out["code"].tolist() == ["BU00010002"] and out["reason"].iloc[0].endswith(
        "0,9× referentie → Bitter"
    )


@pytest.mark.skipif(not DATA.exists(), reason="shared CBS data not available")
def test_scan_on_real_amsterdam_tables() -> None:
    from smaakmaker.areas.sources.cbs_csv import read_cbs_csv

    names = [
        "kwb_2017_amsterdam_full_83765NED.csv",
        "kwb_2019_amsterdam_full_84583NED.csv",
        "kwb_2020_amsterdam.csv",
    ]
    panel = Panel.from_tables([read_cbs_csv(DATA / "amsterdam" / n) for n in names])
    assert panel.frame(2019).loc["GM0363", "inwoners"] == 862965
    buurten = [c for c in panel.codes if c.startswith("BU0363")]
    result = run_scan(panel, buurten + ["GM0363"], 2017, ScanConfig(reference="gemeente"))
    np.testing.assert_allclose(result.scores_raw.loc["GM0363"].dropna(), 100)
    assert result.profile.loc["BU03630000", "name"] == "Kop Zeedijk"
    assert result.profile["composite"].notna().sum() > 300
    assert set(result.flavours["flavour"].astype(str)) <= {"Bitter", "Zuur", "Zout", "Zoet"}


# --- property tests --------------------------------------------------------------------------------

SEEDS = st.integers(0, 10_000)


@settings(max_examples=25, deadline=None)
@given(SEEDS, st.sampled_from(["national", "gemeente", "group"]))
def test_property_reference_scores_100(seed: int, mode: str) -> None:
    panel = Panel.from_long(make_long(seed, missing=0.1))
    result = run_scan(
        panel, None, 2022, ScanConfig(reference=mode, compute_peers=False, compute_trends=False)
    )
    x, r, s = result.values.to_numpy(), result.reference.to_numpy(), result.scores_raw.to_numpy()
    self_ref = np.isclose(x, r)
    assert np.allclose(s[self_ref & np.isfinite(s)], 100)
    direct = score_values(r, r, np.ones(r.shape[1]))
    assert np.allclose(direct[np.isfinite(direct)], 100)


@settings(max_examples=30, deadline=None)
@given(SEEDS, st.integers(0, 4), st.floats(0.01, 50), st.sampled_from(["national", "group"]))
def test_property_worsening_never_lowers_composite(seed: int, which: int, delta: float, mode: str) -> None:
    long = make_long(seed, missing=0.1)
    panel = Panel.from_long(long)
    config = ScanConfig(reference=mode, compute_peers=False, compute_trends=False)
    before = run_scan(panel, None, 2022, config).profile["composite"]
    indicator = INDICATORS[which]
    sign = -1.0 if indicator == "inkomen_per_inwoner" else 1.0  # worse = higher, except income
    code = "BU03630001"
    key = (long["code"] == code) & (long["indicator"] == indicator) & (long["year"] == 2022)
    worse = long.copy()
    worse.loc[key, "value"] = np.maximum(worse.loc[key, "value"] + sign * delta, 0.001)
    after = run_scan(Panel.from_long(worse), None, 2022, config).profile["composite"]
    if np.isfinite(before[code]):
        assert after[code] >= before[code] - 1e-9


@settings(max_examples=15, deadline=None)
@given(SEEDS, st.randoms(use_true_random=False))
def test_property_permuting_areas_changes_nothing(seed: int, rnd) -> None:
    long = make_long(seed, missing=0.15)
    panel = Panel.from_long(long)
    codes = [c for c in panel.codes if c != "NL00"]
    shuffled = codes[:]
    rnd.shuffle(shuffled)
    long_shuffled = long.sample(frac=1.0, random_state=seed)
    a = run_scan(panel, codes, 2022, ScanConfig(peers_k=3))
    b = run_scan(Panel.from_long(long_shuffled), shuffled, 2022, ScanConfig(peers_k=3))
    pd.testing.assert_frame_equal(a.profile, b.profile)
    pd.testing.assert_frame_equal(a.scores, b.scores)
    pd.testing.assert_frame_equal(a.trends, b.trends)
    pd.testing.assert_frame_equal(a.peers, b.peers)
    pd.testing.assert_frame_equal(a.flavours, b.flavours)


@settings(max_examples=25, deadline=None)
@given(SEEDS, st.floats(0.0, 0.9))
def test_property_missing_never_becomes_zero(seed: int, share: float) -> None:
    long = make_long(seed, missing=share)
    panel = Panel.from_long(long)
    result = run_scan(panel, None, 2022, ScanConfig(compute_peers=False))
    missing = np.isnan(result.values.to_numpy())
    assert np.isnan(result.scores.to_numpy()[missing]).all()
    themes_all_missing = result.profile["n_indicators"] == 0
    assert result.profile.loc[themes_all_missing, "composite"].isna().all()
    t = result.trends
    assert t.loc[t["n_years"] == 0, "slope"].isna().all()
    # values that were present are never replaced: panel round trip is exact
    present = long.dropna(subset=["value"]).set_index(["code", "year", "indicator"])["value"]
    frame = panel.frame(2022).stack().rename("value")
    joined = present.xs(2022, level="year").reindex(frame.index)
    np.testing.assert_allclose(frame.to_numpy(), joined.to_numpy())


# --- exact peers, panel building ------------------------------------------------------------------


def _naive_peers(z: np.ndarray, k: int, min_common: int) -> list[tuple[int, int, int, float, int]]:
    """Textbook definition, one pair at a time: (row, rank, col, distance, n_common)."""
    n, p = z.shape
    out = []
    for i in range(n):
        cands = []
        for j in range(n):
            both = np.isfinite(z[i]) & np.isfinite(z[j])
            m = int(both.sum())
            if j == i or m < min_common:
                continue
            d2 = 0.0
            for a, b in zip(z[i][both], z[j][both], strict=True):  # one variable at a time, in order
                d2 += float((a - b) * (a - b))
            d2 = d2 * p / m
            cands.append((d2, j, m))
        cands.sort()  # by distance, then position (= code order)
        out += [(i, r + 1, j, np.sqrt(d2), m) for r, (d2, j, m) in enumerate(cands[:k])]
    return out


@settings(max_examples=40, deadline=None)
@given(
    SEEDS,
    st.integers(2, 60),
    st.integers(1, 8),
    st.integers(1, 7),
    st.floats(0.0, 0.7),
    st.sampled_from([1.0, 1e-3, 1e4]),
    st.booleans(),
)
# Found in a fresh clone: rows 17 and 32 are mathematically equally far from row 31, and ndarray.sum
# added the squared differences in another order for one of them (last bit), so 32 came before 17.
@example(seed=0, n=36, p=8, k=3, missing=0.25, scale=0.001, ties=True)
def test_property_peers_equal_exact_brute_force(
    seed: int, n: int, p: int, k: int, missing: float, scale: float, ties: bool
) -> None:
    """The pruned float32 search returns exactly the brute-force neighbours (ranks, ties by code)."""
    from smaakmaker.areas.scan import _knn_brute, _knn_pairs

    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, p)) * scale
    if ties:  # duplicates and coarse values: many exactly equal distances
        z = np.round(z / scale, 0) * scale
        z[: n // 3] = z[0]
    z[rng.random((n, p)) < missing] = np.nan
    min_common = int(rng.integers(1, p + 1))
    k = min(k, n - 1)
    fast = _knn_pairs(z, k, p, min_common, block_bytes=int(rng.integers(64, 20_000)), workers=2)
    brute = _knn_brute(z, k, p, min_common)
    for got, want in zip(fast, brute, strict=True):
        np.testing.assert_array_equal(got, want)
    naive = _naive_peers(z, k, min_common)
    assert [(r, rk, c, m) for r, rk, c, _, m in naive] == list(
        zip(fast[0].tolist(), fast[1].tolist(), fast[2].tolist(), fast[4].tolist(), strict=True)
    )
    np.testing.assert_allclose(np.sqrt(fast[3]), [d for *_, d, _ in naive], rtol=1e-12)


def test_peers_in_scan_equal_naive_definition() -> None:
    long = make_long(seed=3, n_buurten=40, missing=0.2)
    panel = Panel.from_long(long)
    result = run_scan(panel, None, 2022, ScanConfig(peers_k=4, peer_indicators=tuple(INDICATORS)))
    buurten = [c for c in panel.codes if c.startswith("BU")]
    data = panel.frame(2022).loc[buurten, list(panel.indicators)].to_numpy().copy()
    logs = [i for i, ind in enumerate(panel.indicators) if ind in ScanConfig().peer_log]
    data[:, logs] = np.log1p(data[:, logs])
    mu = np.nanmean(data, axis=0)
    sd = np.nanstd(data, axis=0)
    naive = _naive_peers((data - mu) / sd, 4, int(np.ceil(0.5 * data.shape[1])))
    got = result.peers[result.peers["code"].str.startswith("BU")]
    assert got["code"].tolist() == [buurten[r] for r, *_ in naive]
    assert got["peer_code"].tolist() == [buurten[c] for _, _, c, _, _ in naive]
    np.testing.assert_allclose(got["distance"], [d for *_, d, _ in naive], rtol=1e-9)


def test_from_long_duplicates_first_non_missing_wins() -> None:
    rows = [
        ("BU00010001", 2020, "inwoners", np.nan),
        ("BU00010001", 2020, "inwoners", 5.0),
        ("BU00010001", 2020, "inwoners", 7.0),
        ("BU00010002", 2020, "inwoners", 3.0),
        ("BU00010002", 2020.0, "inwoners", 4.0),  # same key written as a float year
        ("BU00010002", 2021, "zelfgemaakt", np.nan),
        (None, 2021, "inwoners", 1.0),  # no code: ignored
    ]
    panel = Panel.from_long(pd.DataFrame(rows, columns=["code", "year", "indicator", "value"]))
    assert panel.codes.tolist() == ["BU00010001", "BU00010002"]
    assert panel.years.tolist() == [2020, 2021]
    assert panel.indicators == ("inwoners", "zelfgemaakt")  # catalogue order first, then the rest
    frame = panel.frame(2020)
    assert frame.loc["BU00010001", "inwoners"] == 5.0
    assert frame.loc["BU00010002", "inwoners"] == 3.0
    assert np.isnan(panel.frame(2021).to_numpy()).all()
