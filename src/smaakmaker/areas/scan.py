# SPDX-License-Identifier: EUPL-1.2
"""Wijkscan: a transparent vulnerability profile per area (pure numpy/pandas, no Django).

Input is a :class:`Panel` — values per area × year × indicator (NaN = missing) — built from tidy
long data or from parsed CBS tables. :func:`run_scan` computes, for a chosen set of areas and a year:

Indicator score (Wijkprofiel-style, the reference scores 100)
    For value ``x`` and reference ``r`` (> 0) in the base year::

        score = 100 + s * 100 * (x - r) / r

    with ``s = +1`` for "higher is worse" indicators (score = 100 * x / r, rising with vulnerability)
    and ``s = -1`` for "higher is better" ones (score = 100 * (2 - x / r), also rising with
    vulnerability). So every score reads the same way: **above 100 = more vulnerable than the
    reference**, and a score of 150 means "50% of the reference level worse". Context indicators get
    ``100 * x / r`` (a plain relative level) and never enter an index. Scores are clipped to
    ``ScanConfig.score_clip`` (default 0–300) so one extreme indicator cannot dominate. A missing value,
    or a missing / non-positive reference, gives a missing score — never 0.

Reference (``ScanConfig.reference``), always taken in ``base_year`` (default: the scan year)
    ``national`` — the ``NL00`` row; ``gemeente`` — each area's own gemeente row (``GM####``);
    ``group`` — the unweighted mean over ``reference_codes`` (default: the selected areas).
    Using a fixed base year keeps scores comparable over time (like Wijkprofiel Rotterdam).

Theme index and composite
    A theme index is the mean of the available indicator scores of that theme. The composite
    vulnerability index is the weighted mean of the available theme indices with
    ``ScanConfig.theme_weights`` (default: equal weights for inkomen, wonen, veiligheid, voorzieningen,
    zorg & jeugd; weights are renormalised over the themes an area has). Coverage = scored indicators
    present / expected, where expected = published at the area's level in some loaded year; below
    ``min_coverage`` (0.5) the composite is flagged ``incomplete`` (still shown). An indicator without
    figures in the scan year is left out and named in a note with its last year; another year's value is
    never used. A weighted theme without any figure makes the diagnosis incomplete (``missing_themes``).
    Bands: ``< 70``, ``70–90``, ``90–110``, ``> 110`` (configurable).

Small areas (ADR 10)
    Rates with a known denominator (:data:`DEFAULT_RATES`) are replaced, for scoring, by an
    empirical-Bayes estimate shrunk toward the parent area (:func:`eb_shrink`); ``values`` keeps the
    published figure, ``estimates`` the estimate, ``composite_raw`` the index of the published values.
    The composite carries a ≈95 % interval (:func:`_composite_interval`).

Ranking, trends, kentering, peers, flavours
    Rank 1 = highest composite among the selected areas; incomplete composites, areas under
    ``min_population`` inhabitants and areas with an unknown number are not ranked (``not_ranked`` and a
    Dutch ``not_ranked_reason``).
    Per indicator, an OLS slope over all
    available years; the kentering rule of :mod:`.kentering`. Peers: the ``k`` nearest areas of the same
    level on standardised context variables (missing-aware Euclidean distance, self excluded).
    Flavours: transparent :class:`FlavourRule` data mapping ratios or theme indices to
    Bitter/Zuur/Zout/Zoet with a plain-Dutch reason.

Everything is vectorised over areas (numpy broadcasting, matrix products); the only Python loops run
over indicators, themes, levels, rules, short fixed windows or blocks of rows. Peers are the *exact* k
nearest neighbours (the same as comparing every pair, ties to the lower code): float32 matrix products
with a proven rounding bound prune the pairs, exact float64 distances rank the few that remain (see
:func:`_knn_pairs`).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from .kentering import KenteringRule, _analyse
from .sources.cbs_columns import INDICATORS, INDICATORS_BY_ID, THEMES, IndicatorSpec
from .sources.codes import parent_code_frame

ReferenceMode = Literal["national", "gemeente", "group"]
Flavour = Literal["Bitter", "Zuur", "Zout", "Zoet"]
FLAVOURS: tuple[str, ...] = ("Bitter", "Zuur", "Zout", "Zoet")

DEFAULT_THEME_WEIGHTS: dict[str, float] = {
    "inkomen": 1.0,
    "wonen": 1.0,
    "veiligheid": 1.0,
    "voorzieningen": 1.0,
    "zorg_jeugd": 1.0,
}
DEFAULT_BANDS: tuple[float, ...] = (70.0, 90.0, 110.0)
DEFAULT_BAND_LABELS: tuple[str, ...] = ("< 70", "70–90", "90–110", "> 110")
DEFAULT_PEER_INDICATORS: tuple[str, ...] = (
    "inwoners",
    "bevolkingsdichtheid",
    "omgevingsadressendichtheid",
    "aandeel_0_14",
    "aandeel_65_plus",
    "huishoudensgrootte",
    "eenpersoonshuishoudens_pct",
    "koopwoningen_pct",
    "corporatiewoningen_pct",
    "stedelijkheid",
)
#: Peer variables that are log-transformed (log1p) before standardising (skewed counts/densities).
DEFAULT_PEER_LOG: tuple[str, ...] = ("inwoners", "bevolkingsdichtheid", "omgevingsadressendichtheid")


# --- Dutch number formatting ---------------------------------------------------------------------


def format_nl(value: float, decimals: int = 1) -> str:
    """Dutch number format: decimal comma, dot for thousands (``1234.5`` → ``"1.234,5"``)."""
    if value is None or value != value:
        return "onbekend"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


# --- flavour rules -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlavourRule:
    """One transparent rule: when a ratio (or theme index) passes a threshold, a flavour is called for.

    ``kind="indicator"``: ``ratio = value / reference`` of indicator ``target`` is compared with
    ``threshold`` using ``op``. ``kind="theme"``: the theme index ``target`` is compared instead.
    """

    id: str
    flavour: Flavour
    kind: Literal["indicator", "theme"]
    target: str
    op: Literal[">=", "<="]
    threshold: float
    why: str = ""


DEFAULT_FLAVOUR_RULES: tuple[FlavourRule, ...] = (
    FlavourRule("zout_laag_inkomen", "Zout", "indicator", "laag_inkomen_hh", ">=", 1.5, "armoede"),
    FlavourRule("zout_sociaal_minimum", "Zout", "indicator", "sociaal_minimum_hh", ">=", 1.5, "armoede"),
    FlavourRule("zout_120_minimum", "Zout", "indicator", "tot_120_sociaal_minimum_hh", ">=", 1.5, "armoede"),
    FlavourRule("zout_bijstand", "Zout", "indicator", "bijstand_per_1000", ">=", 1.5, "bestaanszekerheid"),
    FlavourRule("zout_wmo", "Zout", "indicator", "wmo_per_1000", ">=", 1.3, "zorgvraag"),
    FlavourRule("zout_jeugdzorg", "Zout", "indicator", "jeugdzorg_pct", ">=", 1.3, "zorgvraag"),
    FlavourRule("zuur_geweld", "Zuur", "indicator", "geweld_per_1000", ">=", 1.5, "criminaliteit"),
    FlavourRule("zuur_vernieling", "Zuur", "indicator", "vernieling_per_1000", ">=", 1.5, "overlast"),
    FlavourRule("zuur_diefstal", "Zuur", "indicator", "diefstal_woning_per_1000", ">=", 1.5, "criminaliteit"),
    FlavourRule(
        "bitter_particuliere_huur", "Bitter", "indicator", "particuliere_huur_pct", ">=", 1.5, "instroom"
    ),
    FlavourRule("bitter_leegstand", "Bitter", "indicator", "onbewoond_pct", ">=", 1.5, "instroom"),
    FlavourRule("zoet_veiligheid", "Zoet", "theme", "veiligheid", ">=", 110.0, "zichtbaar bouwen naast Zuur"),
    FlavourRule("zoet_voorzieningen", "Zoet", "theme", "voorzieningen", ">=", 110.0, "voorzieningen"),
)


# --- small areas: rates with a known denominator ------------------------------------------------------


@dataclass(frozen=True)
class RateSpec:
    """A rate indicator whose denominator the panel knows, so its sampling noise can be modelled.

    ``value = count / denominator * per``. ``denominator`` is ``"inwoners"`` (the indicator of that name)
    or ``"huishoudens"`` (``inwoners / huishoudensgrootte``: private households, approximately, since
    CBS's inhabitants include people in institutions). ``model`` is ``"poisson"`` for events per
    inhabitant (sampling variance ``rate / n``) and ``"binomial"`` for a share of households
    (``p (1 - p) / n``).
    """

    denominator: Literal["inwoners", "huishoudens"]
    per: float
    model: Literal["poisson", "binomial"]


_PER_1000 = RateSpec("inwoners", 1000.0, "poisson")
_HH_PCT = RateSpec("huishoudens", 100.0, "binomial")
#: Rate indicators with a known denominator. Not here (denominator not in the data): ``jeugdzorg_pct``
#: (share of young people 0–17; the panel has 0–14), ``onbewoond_pct`` (share of dwellings),
#: ``nettoarbeidsparticipatie`` (people 15–74); they are used as published.
DEFAULT_RATES: dict[str, RateSpec] = {
    "laag_inkomen_hh": _HH_PCT,
    "sociaal_minimum_hh": _HH_PCT,
    "tot_120_sociaal_minimum_hh": _HH_PCT,
    "laagste_40_inkomen_hh": _HH_PCT,
    "bijstand_per_1000": _PER_1000,
    "ao_per_1000": _PER_1000,
    "ww_per_1000": _PER_1000,
    "diefstal_woning_per_1000": _PER_1000,
    "vernieling_per_1000": _PER_1000,
    "geweld_per_1000": _PER_1000,
    "wmo_per_1000": _PER_1000,
}


def eb_shrink(
    values: np.ndarray, n: np.ndarray, parent: np.ndarray, spec: RateSpec
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Empirical-Bayes estimate of a rate, shrunk toward the parent area (Marshall 1991, moments).

    ``values``, ``n`` (denominator) and ``parent`` (the parent area's published rate) have shape
    ``(areas, k)``; each of the ``k`` columns (a year) is estimated on its own. In proportion units
    ``p = value / per`` with the parent rate ``m`` (where the parent has no value: the pooled rate
    ``sum p n / sum n`` of the areas in the column), the sampling variance is ``v = m / n`` (Poisson)
    or ``m (1 - m) / n`` (binomial), taken at ``m`` so that an area with 0 events is not certain. The
    between-area variance around the parents is the method-of-moments estimate

        tau2 = max(0, sum n (p - m)^2 - v) / sum n)      (population weights, as Marshall)

    and the estimate is ``m + (1 - B) (p - m)`` with ``B = v / (v + tau2)``: a large area keeps
    nearly its own value, a small one moves toward its parent. Its posterior variance is
    ``tau2 v / (tau2 + v)``. Returns ``(estimate, variance, B, tau2)`` in the indicator's own units
    (``tau2`` per column). A missing value stays missing; a value with an unknown or zero
    denominator is returned as published with variance NaN and ``B`` NaN.
    """
    per = float(spec.per)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.asarray(values, dtype=float) / per
        m = np.asarray(parent, dtype=float) / per
        n = np.asarray(n, dtype=float)
        known = np.isfinite(n) & (n > 0)
        obs = np.isfinite(p) & known
        wsum = np.where(obs, n, 0.0).sum(axis=0)
        pooled = np.where(wsum > 0, np.where(obs, p * n, 0.0).sum(axis=0) / wsum, np.nan)
        m = np.where(np.isfinite(m), m, pooled[None, :])
        if spec.model == "poisson":
            unit = np.maximum(m, 0.0)
        else:
            mc = np.clip(m, 0.0, 1.0)
            unit = mc * (1.0 - mc)
        v = np.where(known, unit / np.where(known, n, 1.0), np.nan)
        use = obs & np.isfinite(m) & np.isfinite(v)
        w = np.where(use, n, 0.0)
        wtot = w.sum(axis=0)
        excess = np.where(use, (p - m) ** 2 - v, 0.0)
        tau2 = np.where(
            wtot > 0, np.maximum((w * excess).sum(axis=0) / np.where(wtot > 0, wtot, 1.0), 0.0), 0.0
        )
        t = np.broadcast_to(tau2, p.shape)
        total = v + t
        b = np.where(total > 0, v / np.where(total > 0, total, 1.0), 1.0)
        post = np.where(total > 0, t * v / np.where(total > 0, total, 1.0), 0.0)
        estimate = m + (1.0 - b) * (p - m)
    shrinkable = use
    out = np.where(shrinkable, estimate, p) * per
    out = np.where(np.isfinite(p), out, np.nan)
    var = np.where(shrinkable, post * per * per, np.nan)
    return out, var, np.where(shrinkable, b, np.nan), tau2 * per * per


# --- configuration -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanConfig:
    """All choices of the scan, documented and configurable (see the module docstring)."""

    reference: ReferenceMode = "group"
    base_year: int | None = None
    reference_codes: tuple[str, ...] | None = None
    theme_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_THEME_WEIGHTS))
    bands: tuple[float, ...] = DEFAULT_BANDS
    band_labels: tuple[str, ...] = DEFAULT_BAND_LABELS
    score_clip: tuple[float, float] | None = (0.0, 300.0)
    min_coverage: float = 0.5
    min_trend_years: int = 3
    kentering: KenteringRule = field(default_factory=KenteringRule)
    peers_k: int = 5
    peer_indicators: tuple[str, ...] = DEFAULT_PEER_INDICATORS
    peer_log: tuple[str, ...] = DEFAULT_PEER_LOG
    peer_min_common: float = 0.5
    flavour_rules: tuple[FlavourRule, ...] = DEFAULT_FLAVOUR_RULES
    specs: Mapping[str, IndicatorSpec] = field(default_factory=lambda: dict(INDICATORS_BY_ID))
    compute_trends: bool = True
    compute_peers: bool = True
    #: Shrink the rates of ``rates`` toward their parent area (see :func:`eb_shrink`).
    shrink: bool = True
    rates: Mapping[str, RateSpec] = field(default_factory=lambda: dict(DEFAULT_RATES))
    #: Areas with fewer inhabitants (or an unknown number) are shown but not ranked; 0 = no minimum.
    min_population: float = 0.0
    #: Normal quantile of the composite's uncertainty interval (1.96: about 95 %).
    interval_z: float = 1.96

    def __post_init__(self) -> None:
        if len(self.band_labels) != len(self.bands) + 1:
            raise ValueError("band_labels needs one label more than bands")
        if any(w < 0 for w in self.theme_weights.values()):
            raise ValueError("theme weights must be non-negative")


# --- panel -------------------------------------------------------------------------------------------


@dataclass
class Panel:
    """Values per area × year × indicator (float, NaN = missing); codes and years sorted.

    ``areas`` is indexed by code with columns ``name, level, gemeente_code, wijk_code``.
    """

    codes: np.ndarray
    years: np.ndarray
    indicators: tuple[str, ...]
    values: np.ndarray
    areas: pd.DataFrame

    @classmethod
    def from_long(cls, data: pd.DataFrame, areas: pd.DataFrame | None = None) -> Panel:
        """Build from tidy rows ``code, year, indicator, value``. Duplicate keys: first non-missing wins.

        Linear time apart from sorting the distinct codes, years and indicators: each key column is
        hash-encoded once (``pandas.factorize``) and only duplicate keys, if any, are sorted.
        """
        data = data[["code", "year", "indicator", "value"]]
        key_missing = data["code"].isna() | data["year"].isna() | data["indicator"].isna()
        if key_missing.any():
            data = data[~key_missing.to_numpy()]
        ci, codes = _encode_sorted(data["code"], str)
        yi, years = _encode_sorted(data["year"], int)
        ii, present = _encode_sorted(data["indicator"], str)
        known = [s.id for s in INDICATORS]
        present_set = set(present.tolist())
        inds = tuple([i for i in known if i in present_set] + sorted(present_set - set(known)))
        ii = pd.Index(inds).get_indexer(present)[ii]
        value = pd.to_numeric(data["value"], errors="coerce").to_numpy(dtype=float)
        n_cells = len(codes) * len(years) * len(inds)
        flat = (ci.astype(np.int64) * len(years) + yi) * len(inds) + ii
        # First non-missing value wins on duplicate keys (missing values never overwrite anything).
        present_rows = np.flatnonzero(~np.isnan(value))
        keys = flat[present_rows]
        values = np.full(n_cells, np.nan)
        values[keys] = value[present_rows]
        if len(keys) and np.count_nonzero(~np.isnan(values)) < len(keys):  # some key occurs twice
            values[:] = np.nan
            counts = np.bincount(keys, minlength=n_cells)
            dup = counts[keys] > 1
            single = present_rows[~dup]
            values[flat[single]] = value[single]
            dup_rows = present_rows[dup]  # in original order, so the first index per key is the first row
            _, first = np.unique(flat[dup_rows], return_index=True)
            values[flat[dup_rows[first]]] = value[dup_rows[first]]
        values = values.reshape(len(codes), len(years), len(inds))
        return cls(codes.astype(object), years, inds, values, _area_frame(codes, areas))

    @classmethod
    def from_tables(cls, tables: Iterable[object]) -> Panel:
        """Build from parsed :class:`~.sources.cbs_csv.CbsTable` objects (earlier tables win on overlap)."""
        longs, metas = [], []
        for table in tables:
            long = table.indicators()  # type: ignore[attr-defined]
            if long["year"].isna().any():
                raise ValueError(f"{table.path}: jaar onbekend; geef het jaar op bij het inlezen")  # type: ignore[attr-defined]
            longs.append(long)
            metas.append(table.areas.reset_index())  # type: ignore[attr-defined]
        data = pd.concat(longs, ignore_index=True)
        meta = pd.concat(metas, ignore_index=True)
        meta = meta[meta["name"].notna()].sort_values("year", kind="stable")
        meta = meta.drop_duplicates("code", keep="last").set_index("code")
        return cls.from_long(data, meta)

    def index_of(self, codes: Sequence[str]) -> np.ndarray:
        """Positions of ``codes`` in the panel; raises ``KeyError`` for unknown codes."""
        codes_arr = np.asarray(list(codes), dtype=object).astype(str)
        pos = np.searchsorted(self.codes.astype(str), codes_arr)
        pos = np.clip(pos, 0, len(self.codes) - 1)
        bad = self.codes.astype(str)[pos] != codes_arr
        if bad.any():
            raise KeyError(f"onbekende gebiedscodes: {', '.join(codes_arr[bad][:5])}")
        return pos

    def frame(self, year: int) -> pd.DataFrame:
        """Wide values of one year: code × indicator."""
        yi = int(np.searchsorted(self.years, year))
        if yi >= len(self.years) or self.years[yi] != year:
            raise KeyError(f"jaar {year} zit niet in de gegevens")
        return pd.DataFrame(
            self.values[:, yi, :], index=pd.Index(self.codes, name="code"), columns=list(self.indicators)
        )


def _encode_sorted(column: pd.Series, kind: type) -> tuple[np.ndarray, np.ndarray]:
    """``(position of each row's value in the sorted distinct values, sorted distinct values)``.

    Values are converted with ``kind`` (``str`` or ``int``) first, as the panel stores them.
    """
    codes, uniques = pd.factorize(column, sort=False)
    if kind is int:
        converted = np.asarray(uniques).astype(int)
    else:
        converted = np.asarray(uniques, dtype=object).astype(str)
    distinct = np.unique(converted)
    if len(distinct) == len(converted):
        return np.searchsorted(distinct, converted)[codes], distinct
    # Different raw values with the same converted value (e.g. 2020 and 2020.0): encode again.
    return np.searchsorted(distinct, converted[codes]), distinct


def _area_frame(codes: np.ndarray, areas: pd.DataFrame | None) -> pd.DataFrame:
    frame = parent_code_frame(pd.Series(codes, index=pd.Index(codes, name="code"), dtype="string"))
    frame["name"] = pd.Series(pd.NA, index=frame.index, dtype="object")
    if areas is not None and "name" in areas:
        names = areas["name"].reindex(frame.index)
        frame["name"] = names.where(names.notna(), None)
    if areas is not None:  # codes outside the CBS pattern (Amsterdam's gebieden): level from the metadata
        for column in ("level", "gemeente_code"):
            if column in areas:
                known = areas[column].reindex(frame.index).astype(frame[column].dtype)
                frame[column] = frame[column].where(frame[column].notna(), known)
    frame["gemeente_code"] = frame["gemeente_code"].where(
        frame["level"] != "gemeente", frame.index.to_series()
    )
    return frame[["name", "level", "gemeente_code", "wijk_code"]]


# --- scoring -------------------------------------------------------------------------------------------


def direction_signs(indicators: Sequence[str], specs: Mapping[str, IndicatorSpec]) -> np.ndarray:
    """+1 for worse, −1 for better, 0 for context (unknown indicators: context)."""
    table = {"worse": 1.0, "better": -1.0, "context": 0.0}
    return np.array([table[specs[i].direction] if i in specs else 0.0 for i in indicators])


def score_values(
    values: np.ndarray,
    reference: np.ndarray,
    signs: np.ndarray,
    clip: tuple[float, float] | None = (0.0, 300.0),
) -> np.ndarray:
    """Vectorised indicator score ``100 + s * 100 * (x - r) / r`` (context: ``s = +1``); see module doc.

    Missing ``x`` or missing / non-positive ``r`` gives NaN. Broadcasting rules apply.
    """
    x = np.asarray(values, dtype=float)
    r = np.asarray(reference, dtype=float)
    s = np.where(np.asarray(signs) == 0, 1.0, np.asarray(signs, dtype=float))
    with np.errstate(invalid="ignore", divide="ignore"):
        r_ok = np.where(r > 0, r, np.nan)
        score = 100.0 + s * 100.0 * (x - r_ok) / r_ok
    if clip is not None:
        score = np.clip(score, clip[0], clip[1])  # NaN stays NaN
    return score


def band_of(scores: np.ndarray, bands: Sequence[float], labels: Sequence[str]) -> np.ndarray:
    """Band label per score (``None`` for missing); a score equal to a boundary goes to the upper band."""
    scores = np.asarray(scores, dtype=float)
    idx = np.digitize(np.nan_to_num(scores, nan=-np.inf), np.asarray(bands, dtype=float))
    out = np.asarray(labels, dtype=object)[idx]
    out[~np.isfinite(scores)] = None
    return out


# --- result --------------------------------------------------------------------------------------------


@dataclass
class ScanResult:
    """Everything the wijkscan computed; all frames are indexed/keyed by CBS code."""

    year: int
    base_year: int
    reference_mode: ReferenceMode
    config: ScanConfig
    indicators: tuple[str, ...]
    values: pd.DataFrame
    reference: pd.DataFrame
    scores: pd.DataFrame
    themes: pd.DataFrame
    theme_coverage: pd.DataFrame
    profile: pd.DataFrame
    composite_by_year: pd.DataFrame
    trends: pd.DataFrame
    peers: pd.DataFrame
    flavours: pd.DataFrame
    notes: list[str]
    #: Values used for scores, bands, ranking and flavours: the shrunk estimate of a rate with a known
    #: denominator, the published value otherwise (``values`` is always the published CBS value).
    estimates: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Posterior variance of ``estimates`` (0: no sampling model; NaN: denominator unknown).
    estimate_variance: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Weight of the parent area in the estimate (0: own value, 1: the parent's); NaN: not shrunk.
    shrinkage: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Scores of the published values (what the scan ranked on before shrinkage), for comparison.
    scores_raw: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Indicators expected for each area (published at its level in some loaded year and scored).
    expected: pd.DataFrame = field(default_factory=pd.DataFrame)

    def peer_group(self, code: str) -> list[str]:
        """The peers of ``code`` (nearest first), for use as a comparison group."""
        rows = self.peers[self.peers["code"] == code]
        return rows.sort_values("peer_rank")["peer_code"].tolist()


# --- the scan ------------------------------------------------------------------------------------------


def _reference_matrix(
    panel: Panel, sel: np.ndarray, base_idx: int, config: ScanConfig, notes: list[str]
) -> np.ndarray:
    """Reference value per selected area and indicator (shape n_sel × n_ind), in the base year."""
    base = panel.values[:, base_idx, :]
    n_sel, n_ind = len(sel), len(panel.indicators)
    codes = panel.codes.astype(str)
    if config.reference == "national":
        pos = np.searchsorted(codes, "NL00")
        if pos < len(codes) and codes[pos] == "NL00":
            return np.broadcast_to(base[pos], (n_sel, n_ind)).copy()
        notes.append("Geen landelijke rij (NL00) in de gegevens: scores tegen Nederland ontbreken.")
        return np.full((n_sel, n_ind), np.nan)
    if config.reference == "gemeente":
        gm = panel.areas["gemeente_code"].to_numpy(dtype=object)[sel]
        gm = np.where(pd.isna(gm), "", gm).astype(str)
        pos = np.clip(np.searchsorted(codes, gm), 0, len(codes) - 1)
        found = codes[pos] == gm
        if not found.all():
            notes.append(f"Voor {int((~found).sum())} gebieden ontbreekt de gemeenterij: geen referentie.")
        ref = base[pos].copy()
        ref[~found] = np.nan
        return ref
    if config.reference == "group":
        group = sel if config.reference_codes is None else panel.index_of(config.reference_codes)
        mean = _nanmean0(base[group])
        return np.broadcast_to(mean, (n_sel, n_ind)).copy()
    raise ValueError(f"onbekende referentie {config.reference!r}")


def _nanmean0(arr: np.ndarray) -> np.ndarray:
    """Column means ignoring NaN; NaN (no warning) for all-missing columns."""
    ok = np.isfinite(arr)
    n = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, np.where(ok, arr, 0.0).sum(axis=0) / n, np.nan)


def _themes(
    scores: np.ndarray, ind_themes: np.ndarray, theme_ids: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Theme index (mean of available scores), available count and total count, for any leading shape."""
    member = (ind_themes[:, None] == np.asarray(theme_ids, dtype=object)[None, :]).astype(float)
    ok = np.isfinite(scores)
    total = np.nan_to_num(scores) @ member
    n = ok.astype(float) @ member
    with np.errstate(invalid="ignore", divide="ignore"):
        index = np.where(n > 0, total / n, np.nan)
    return index, n, member.sum(axis=0)


def _composite(theme_index: np.ndarray, weights: np.ndarray) -> np.ndarray:
    ok = np.isfinite(theme_index)
    w = np.where(ok, weights, 0.0)
    wsum = w.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(wsum > 0, (np.nan_to_num(theme_index) * w).sum(axis=-1) / wsum, np.nan)


def _parent_positions(panel: Panel, sel: np.ndarray) -> np.ndarray:
    """Position in the panel of each selected area's parent (−1: none in the panel).

    Buurt → its wijk (or, if the wijk has no row, its gemeente); wijk → gemeente; gemeente → NL00.
    """
    codes = panel.codes.astype(str)
    meta = panel.areas.iloc[sel]
    level = meta["level"].to_numpy(dtype=object)
    gm = meta["gemeente_code"].to_numpy(dtype=object)
    wk = meta["wijk_code"].to_numpy(dtype=object)

    def find(wanted: np.ndarray) -> np.ndarray:
        wanted = np.where(pd.isna(wanted), "", wanted).astype(str)
        pos = np.clip(np.searchsorted(codes, wanted), 0, len(codes) - 1)
        return np.where((codes[pos] == wanted) & (wanted != ""), pos, -1)

    gm_pos = find(np.where(level == "gemeente", "NL00", gm))
    wk_pos = find(np.where(level == "buurt", wk, ""))
    parent = np.where(wk_pos >= 0, wk_pos, gm_pos)
    return np.where(np.isin(level, ["buurt", "wijk", "gemeente"]), parent, -1)


def _shrink_cube(
    panel: Panel, sel: np.ndarray, config: ScanConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Shrunk values, their variance and shrinkage weight (all n_sel × years × indicators), the
    inhabitants (n_sel × years) and tau² per shrunk indicator (per year).

    Indicators that are not rates with a known denominator keep their value with variance 0 (no
    sampling model) and weight NaN; a rate whose denominator is unknown keeps its value with variance NaN.
    """
    cube = panel.values[sel]
    inds = list(panel.indicators)
    n_sel, n_years, n_ind = cube.shape
    nan_plane = np.full((n_sel, n_years), np.nan)
    inwoners = cube[:, :, inds.index("inwoners")] if "inwoners" in inds else nan_plane
    hh_size = cube[:, :, inds.index("huishoudensgrootte")] if "huishoudensgrootte" in inds else nan_plane
    with np.errstate(invalid="ignore", divide="ignore"):
        denominators = {
            "inwoners": inwoners,
            "huishoudens": np.where(hh_size > 0, inwoners / np.where(hh_size > 0, hh_size, 1.0), np.nan),
        }
    shrunk = cube.copy()
    variance = np.zeros_like(cube)
    weight = np.full_like(cube, np.nan)
    tau2: dict[str, np.ndarray] = {}
    if not config.shrink:
        return shrunk, variance, weight, inwoners, tau2
    parent_pos = _parent_positions(panel, sel)
    has_parent = parent_pos >= 0
    # Only CBS areas below the country are shrunk (NL00 and custom areas keep their value, exactly).
    levels = panel.areas["level"].to_numpy(dtype=object)[sel]
    cbs_area = np.isin(np.where(pd.isna(levels), "", levels).astype(str), ["buurt", "wijk", "gemeente"])
    for j, ind in enumerate(inds):  # the rate indicators; each is vectorised over areas and years
        spec = config.rates.get(ind)
        if spec is None:
            continue
        parent = np.where(has_parent[:, None], panel.values[np.maximum(parent_pos, 0), :, j], np.nan)
        n = np.where(cbs_area[:, None], denominators[spec.denominator], np.nan)
        est, var, b, t2 = eb_shrink(cube[:, :, j], n, parent, spec)
        shrunk[:, :, j], weight[:, :, j] = est, b
        variance[:, :, j] = np.where(cbs_area[:, None], var, 0.0)
        tau2[ind] = t2
    return shrunk, variance, weight, inwoners, tau2


def _expected_matrix(panel: Panel, sel: np.ndarray, scored: np.ndarray) -> np.ndarray:
    """Which scored indicators are expected per selected area: those with a value for some area of
    the same level in some loaded year (what CBS publishes at that level), n_sel × indicators."""
    levels = panel.areas["level"].to_numpy(dtype=object)[sel]
    lev_codes, lev_index = np.unique(np.where(pd.isna(levels), "", levels).astype(str), return_inverse=True)
    any_year = np.isfinite(panel.values[sel]).any(axis=1).astype(float)  # n_sel × n_ind
    one_hot = (lev_index[None, :] == np.arange(len(lev_codes))[:, None]).astype(float)
    published = (one_hot @ any_year) > 0  # levels × indicators
    return published[lev_index] & scored[None, :]


def _composite_interval(
    scores: np.ndarray,
    score_var: np.ndarray,
    expected: np.ndarray,
    ind_themes: np.ndarray,
    theme_ids: Sequence[str],
    weights: np.ndarray,
    z: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standard error of the composite and its interval ``composite ± z·se`` (vectorised over areas).

    Two sources, added as variances:

    * sampling noise of the shrunk rates: ``var(score_j) = (100 / r_j)^2 var(x_j)`` (linearised;
      indicators without a sampling model count as exact), passed through the theme means and the
      weighted composite;
    * the indicators and themes that are expected but missing: a theme mean over ``n`` of ``N``
      expected indicators gets ``(1 - n/N) S^2 / n`` (``S^2``: the spread of the area's available
      scores in that theme, or the median spread over areas when only one is available), and a
      composite over ``k`` of ``K`` expected themes gets ``(1 - k/K) S_T^2 / k`` likewise.

    Returns ``(se, low, high)``; NaN where the composite is missing or a variance is unknown.
    """
    member = (ind_themes[:, None] == np.asarray(theme_ids, dtype=object)[None, :]).astype(float)
    ok = np.isfinite(scores) & expected
    n_t = ok.astype(float) @ member
    big_n = expected.astype(float) @ member
    s0 = np.where(ok, scores, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_t = np.where(n_t > 0, (s0 @ member) / n_t, np.nan)
        theme_of = np.argmax(member, axis=1)  # each scored indicator belongs to one theme
        dev = np.where(ok, scores - mean_t[:, theme_of], 0.0)
        s2 = np.where(n_t >= 2, ((dev * dev) @ member) / (n_t - 1), np.nan)
        if np.isfinite(s2).any():
            with warnings.catch_warnings():  # a theme with no spread anywhere keeps NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                median = np.nanmedian(s2, axis=0)
            s2 = np.where(np.isnan(s2), median[None, :], s2)
        fpc_t = np.where((n_t > 0) & (n_t < big_n), (1.0 - n_t / big_n) * s2 / n_t, 0.0)
        var_known = np.where(ok, np.nan_to_num(score_var, nan=0.0), 0.0)
        var_unknown = (ok & ~np.isfinite(score_var)).astype(float) @ member > 0
        samp_t = np.where(n_t > 0, (var_known @ member) / (n_t * n_t), np.nan)
        var_t = np.where(var_unknown, np.nan, samp_t + fpc_t)
        present = n_t > 0
        theme_expected = big_n > 0
        w = np.where(present, weights[None, :], 0.0)
        wsum = w.sum(axis=1)
        var_c = np.where(
            wsum > 0, (w * w * np.where(present, var_t, 0.0)).sum(axis=1) / (wsum * wsum), np.nan
        )
        var_c = np.where((present & ~np.isfinite(var_t)).any(axis=1), np.nan, var_c)
        k = present.sum(axis=1).astype(float)
        big_k = (theme_expected & (weights[None, :] > 0)).sum(axis=1).astype(float)
        t_mean = np.where(k > 0, np.where(present, mean_t, 0.0).sum(axis=1) / k, np.nan)
        t_dev = np.where(present, mean_t - t_mean[:, None], 0.0)
        s2_t = np.where(k >= 2, (t_dev * t_dev).sum(axis=1) / (k - 1), np.nan)
        if np.isfinite(s2_t).any():
            s2_t = np.where(np.isnan(s2_t), np.nanmedian(s2_t), s2_t)
        fpc_c = np.where((k > 0) & (k < big_k), (1.0 - k / big_k) * s2_t / k, 0.0)
        se = np.sqrt(var_c + fpc_c)
        composite = _composite(mean_t, weights)
    return se, composite - z * se, composite + z * se


def _name_list(names: Sequence[str], mat: np.ndarray) -> np.ndarray:
    """Per row, the names whose column is True, joined by ", " (a loop over the few columns only)."""
    text = np.full(mat.shape[0], "", dtype=object)
    for j, name in enumerate(names):
        text = np.where(mat[:, j], np.where(text == "", name, text + ", " + name), text)
    return text


def run_scan(
    panel: Panel,
    codes: Sequence[str] | None = None,
    year: int | None = None,
    config: ScanConfig | None = None,
) -> ScanResult:
    """Run the wijkscan for ``codes`` (default: every area except NL00) in ``year`` (default: latest).

    Results do not depend on the order of ``codes`` (the panel is sorted by code).
    """
    config = config or ScanConfig()
    notes: list[str] = []
    if codes is None:
        sel = np.flatnonzero(panel.codes.astype(str) != "NL00")
    else:
        sel = np.unique(panel.index_of(codes))
    if sel.size == 0:
        raise ValueError("geen gebieden geselecteerd")
    year = int(panel.years[-1]) if year is None else int(year)
    base_year = year if config.base_year is None else int(config.base_year)
    years = panel.years
    if year not in years or base_year not in years:
        raise KeyError(f"jaar {year if year not in years else base_year} zit niet in de gegevens")
    yi, bi = int(np.searchsorted(years, year)), int(np.searchsorted(years, base_year))
    sel_codes = panel.codes[sel].astype(str)
    idx = pd.Index(sel_codes, name="code")

    specs = config.specs
    all_ind = list(panel.indicators)
    signs_all = direction_signs(all_ind, specs)
    cube = panel.values[sel]  # n_sel × n_years × n_ind
    x = cube[:, yi, :]
    cube_s, cube_var, cube_b, inwoners_all, _tau2 = _shrink_cube(panel, sel, config)
    x_s, x_var = cube_s[:, yi, :], cube_var[:, yi, :]
    ref = _reference_matrix(panel, sel, bi, config, notes)
    scores = score_values(x_s, ref, signs_all, config.score_clip)
    scores_raw = score_values(x, ref, signs_all, config.score_clip)
    with np.errstate(invalid="ignore", divide="ignore"):
        score_var = np.where(ref > 0, (100.0 / np.where(ref > 0, ref, 1.0)) ** 2 * x_var, np.nan)

    # Indicators that count for the vulnerability index: direction worse/better in a weighted theme.
    # Expected per area: those CBS publishes at the area's level (a value in some loaded year).
    ind_themes = np.array([specs[i].theme if i in specs else "bevolking" for i in all_ind], dtype=object)
    theme_ids = [t for t in THEMES if t != "bevolking" and config.theme_weights.get(t, 0.0) > 0]
    scored = (signs_all != 0) & np.isin(ind_themes, theme_ids)
    expected = _expected_matrix(panel, sel, scored)
    has_data = np.isfinite(x).any(axis=0)
    missing_now = scored & expected.any(axis=0) & ~has_data
    if missing_now.any():
        last = np.where(np.isfinite(panel.values[sel][:, : yi + 1, :]).any(axis=0))  # (year, indicator)
        latest = pd.Series(years[last[0]]).groupby(last[1]).max().to_dict() if len(last[0]) else {}
        items = []
        for j in np.flatnonzero(missing_now):  # the few indicators without data this year
            label = specs[all_ind[j]].label if all_ind[j] in specs else all_ind[j]
            before = latest.get(j)
            items.append(f"{label} (laatste jaar met cijfers: {before})" if before else label)
        notes.append(
            f"CBS heeft voor {year} (nog) geen cijfers op dit niveau voor: {'; '.join(items)}. Deze "
            "indicatoren tellen niet mee en worden niet aangevuld met een ander jaar; de dekking zegt "
            "hoeveel er ontbreken."
        )
    # A year whose loaded figures hold nothing that counts for the index (the 2017 Wijk- en buurtkaart
    # carries only population and household figures): no index, said plainly, with what there is.
    index_data = bool(np.isfinite(x[:, scored]).any()) if scored.any() else False
    context_only = has_data & ~scored
    if not index_data and context_only.any():
        labels = [
            specs[all_ind[j]].label if all_ind[j] in specs else all_ind[j]
            for j in np.flatnonzero(context_only)
        ]
        notes.append(
            f"Voor {year} zijn hier alleen cijfers geladen die niet in de kwetsbaarheidsindex tellen "
            f"({len(labels)}: {'; '.join(labels)}). Daarom is er geen index, geen band en geen rangorde: geen "
            "gebied wordt kwetsbaar genoemd zonder cijfers over inkomen, wonen, veiligheid, voorzieningen of "
            "zorg en jeugd. Kleur de kaart naar een van deze cijfers om ze per gebied te zien (100 = de "
            "referentie; bij deze cijfers betekent hoger niet kwetsbaarder)."
        )
    scored_themes = np.where(scored, ind_themes, None)
    weights = np.array([config.theme_weights[t] for t in theme_ids], dtype=float)

    theme_index, theme_n, _theme_total = _themes(scores, scored_themes, theme_ids)
    composite = _composite(theme_index, weights)
    theme_raw, _, _ = _themes(scores_raw, scored_themes, theme_ids)
    composite_raw = _composite(theme_raw, weights)
    member = (ind_themes[:, None] == np.asarray(theme_ids, dtype=object)[None, :]).astype(float)
    n_expected = expected.sum(axis=1)
    n_avail = (np.isfinite(scores) & expected).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        coverage = np.where(n_expected > 0, n_avail / np.where(n_expected > 0, n_expected, 1), 0.0)
        theme_expected = expected.astype(float) @ member
        theme_cov = np.where(
            theme_expected > 0, theme_n / np.where(theme_expected > 0, theme_expected, 1), np.nan
        )
    incomplete = coverage < config.min_coverage
    missing_theme = (theme_expected > 0) & (theme_n == 0)
    se, low, high = _composite_interval(
        scores, score_var, expected, ind_themes, theme_ids, weights, config.interval_z
    )

    # Composite over all years against the same base-year reference (shrunk values of each year).
    scores_all = score_values(cube_s, ref[:, None, :], signs_all, config.score_clip)
    ti_all, _, _ = _themes(scores_all, scored_themes, theme_ids)
    comp_all = _composite(ti_all, weights)  # n_sel × n_years

    # Ranking: complete enough, large enough, and with a composite.
    inwoners = inwoners_all[:, yi]
    min_pop = float(config.min_population)
    too_small = (min_pop > 0) & np.isfinite(inwoners) & (inwoners < min_pop)
    pop_unknown = (min_pop > 0) & ~np.isfinite(inwoners)
    no_composite = ~np.isfinite(composite)
    reason_code = np.select(
        [no_composite, incomplete, too_small, pop_unknown],
        ["no_data", "incomplete", "too_small", "population_unknown"],
        default="",
    ).astype(object)
    ranked = reason_code == ""
    pct = _format_many(100 * coverage, 0)
    pop_text = _format_many(np.nan_to_num(inwoners), 0)
    reason_text = np.select(
        [no_composite, incomplete, too_small, pop_unknown],
        [
            np.where(
                np.isfinite(x).any(axis=1),
                "geen index: geen van de cijfers van dit jaar telt mee",
                "geen gegevens",
            ).astype(object),
            "onvolledig: " + pct + " % van de verwachte indicatoren",
            "te klein om te rangschikken: " + pop_text + f" inwoners (minimum {format_nl(min_pop, 0)})",
            "niet gerangschikt: aantal inwoners onbekend",
        ],
        default="",
    ).astype(object)
    ranks = pd.Series(np.where(ranked, composite, np.nan), index=idx).rank(ascending=False, method="min")
    meta = panel.areas.iloc[sel]
    theme_labels = [THEMES.get(t, t) for t in theme_ids]
    profile = pd.DataFrame(
        {
            "name": meta["name"].to_numpy(),
            "level": meta["level"].to_numpy(),
            "gemeente_code": meta["gemeente_code"].to_numpy(),
            "inwoners": inwoners,
            "composite": composite,
            "composite_raw": composite_raw,
            "composite_se": se,
            "composite_low": low,
            "composite_high": high,
            "band": band_of(composite, config.bands, config.band_labels),
            "band_raw": band_of(composite_raw, config.bands, config.band_labels),
            "rank": ranks.to_numpy(),
            "not_ranked": reason_code,
            "not_ranked_reason": reason_text,
            "n_indicators": n_avail,
            "n_indicators_total": n_expected,
            "coverage": coverage,
            "incomplete": incomplete,
            "missing_themes": _name_list(theme_labels, missing_theme),
            "diagnosis_complete": ~missing_theme.any(axis=1),
        },
        index=idx,
    )
    for t_i, theme in enumerate(theme_ids):
        profile[f"theme_{theme}"] = theme_index[:, t_i]
        profile[f"band_{theme}"] = band_of(theme_index[:, t_i], config.bands, config.band_labels)

    trends = pd.DataFrame()
    if config.compute_trends:
        trends, comp_trend = _trends(cube, comp_all, years, sel_codes, all_ind, signs_all, config)
        profile = profile.join(comp_trend)

    peers = pd.DataFrame(columns=["code", "peer_rank", "peer_code", "distance", "n_common"])
    if config.compute_peers:
        peers = find_peers(panel, sel, yi, config)

    flavours = diagnose_flavours(
        sel_codes, x_s, ref, pd.DataFrame(theme_index, index=idx, columns=theme_ids), all_ind, config
    )
    summary = _flavour_summary(flavours, idx)
    profile["flavours"] = summary

    def wide(arr: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(arr, index=idx, columns=all_ind)

    return ScanResult(
        year=year,
        base_year=base_year,
        reference_mode=config.reference,
        config=config,
        indicators=tuple(all_ind),
        values=wide(x),
        reference=wide(ref),
        scores=wide(scores),
        themes=pd.DataFrame(theme_index, index=idx, columns=theme_ids),
        theme_coverage=pd.DataFrame(theme_cov, index=idx, columns=theme_ids),
        profile=profile,
        composite_by_year=pd.DataFrame(comp_all, index=idx, columns=list(years)),
        trends=trends,
        peers=peers,
        flavours=flavours,
        notes=notes,
        estimates=wide(x_s),
        estimate_variance=wide(x_var),
        shrinkage=wide(cube_b[:, yi, :]),
        scores_raw=wide(scores_raw),
        expected=pd.DataFrame(expected, index=idx, columns=all_ind),
    )


# --- trends and kentering ------------------------------------------------------------------------------


def _trends(
    cube: np.ndarray,
    comp_all: np.ndarray,
    years: np.ndarray,
    codes: np.ndarray,
    indicators: Sequence[str],
    signs: np.ndarray,
    config: ScanConfig,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per area × indicator slope and kentering (long frame) + composite trend per area.

    One series per (area, indicator), in that order; the values are handled time-major (years × series)
    so every pass over them is contiguous.
    """
    n_sel, n_years, n_ind = cube.shape
    y_tm = np.ascontiguousarray(cube.transpose(1, 0, 2)).reshape(n_years, n_sel * n_ind)
    sign_rows = np.tile(signs, n_sel)
    fit = _analyse(y_tm, years, sign_rows, config.kentering)
    kent = fit.kentering
    slope = np.where(fit.n >= config.min_trend_years, fit.slope, np.nan)
    yrs = years.astype(float)
    first_year = np.where(fit.first_pos >= 0, yrs[np.maximum(fit.first_pos, 0)], np.nan)
    last_year = np.where(fit.last_pos >= 0, yrs[np.maximum(fit.last_pos, 0)], np.nan)
    # Trend in vulnerability terms: +1 = getting more vulnerable.
    with np.errstate(invalid="ignore"):
        vuln = np.where(sign_rows != 0, np.sign(slope) * sign_rows, np.nan)
    trend_code = np.zeros(len(slope), dtype=np.int8)  # indexes _TREND_LABELS
    trend_code[vuln > 0] = 1
    trend_code[vuln < 0] = 2
    trend_code[vuln == 0] = 3
    trend_code[(sign_rows == 0) & np.isfinite(slope)] = 4
    frame = pd.DataFrame(
        {
            "code": _string_column(codes, np.repeat(np.arange(n_sel), n_ind)),
            "indicator": _string_column(indicators, np.tile(np.arange(n_ind), n_sel)),
            "slope": slope,
            "n_years": fit.n.astype(int),
            "first_year": first_year,
            "last_year": last_year,
            "first_value": fit.first_value,
            "last_value": fit.last_value,
            "trend": _string_column(_TREND_LABELS, trend_code),
            "kentering": kent.signal,
            "kentering_label": _string_column(_SIGNAL_LABELS, _signal_codes(kent.signal)),
            "turn_year": kent.turn_year,
            "slope_before": kent.slope_before,
            "slope_recent": kent.slope_recent,
            "t_before": kent.t_before,
            "t_recent": kent.t_recent,
            "noise": kent.noise,
            "n_before": kent.n_before,
            "n_recent": kent.n_recent,
            "held": kent.held,
        },
        copy=False,
    )
    c_fit = _analyse(np.ascontiguousarray(comp_all.T), years, 1.0, config.kentering)
    c_kent = c_fit.kentering
    comp = pd.DataFrame(
        {
            "composite_slope": np.where(c_fit.n >= config.min_trend_years, c_fit.slope, np.nan),
            "composite_kentering": c_kent.signal,
            "composite_kentering_label": _labels(c_kent.signal),
            "composite_turn_year": c_kent.turn_year,
        },
        index=pd.Index(codes, name="code"),
    )
    return frame, comp


_TREND_LABELS = ("onvoldoende gegevens", "verslechtert", "verbetert", "stabiel", "context")
_SIGNAL_LABELS = ("onvoldoende gegevens", "kentering ten kwade", "geen kentering", "kentering ten goede")


def _string_column(categories: Sequence[str], idx: np.ndarray) -> object:
    """``categories[idx]`` as the string column pandas would infer, built without per-element Python work.

    With pandas' Arrow-backed string dtype the column is decoded from an Arrow dictionary array (C++);
    otherwise it is a plain object array.
    """
    cats = [str(c) for c in categories]
    dtype = pd.Series(cats[:1] or [""]).dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        import pyarrow as pa

        arr = pa.DictionaryArray.from_arrays(
            pa.array(np.asarray(idx, dtype=np.int32)), pa.array(cats, type=pa.large_string())
        ).dictionary_decode()
        return pd.array(arr, dtype=dtype)
    return np.asarray(cats, dtype=object)[idx]


def _signal_codes(signal: np.ndarray) -> np.ndarray:
    """Index into ``_SIGNAL_LABELS``: NaN → 0, −1 → 1, 0 → 2, +1 → 3."""
    return np.where(np.isnan(signal), 0, np.nan_to_num(signal) + 2).astype(np.int8)


def _labels(signal: np.ndarray) -> np.ndarray:
    return np.asarray(_SIGNAL_LABELS, dtype=object)[_signal_codes(signal)]


# --- peers ---------------------------------------------------------------------------------------------


def find_peers(panel: Panel, sel: np.ndarray, year_idx: int, config: ScanConfig) -> pd.DataFrame:
    """The ``k`` most similar areas of the same level among ``sel`` (missing-aware standardised distance).

    Variables: ``config.peer_indicators`` present in the panel, ``log1p`` for ``config.peer_log``, then
    z-scores over the selected areas of that level. Distance between areas i and j over the ``m``
    variables both have (of ``p``): ``sqrt(sum (z_i - z_j)^2 * p / m)``; pairs with ``m`` below
    ``peer_min_common * p`` are never peers. Self is excluded; ties broken by code. The result equals
    the brute-force comparison of every pair (:func:`_knn_brute`), distances are exact float64.
    """
    cols = [i for i, ind in enumerate(panel.indicators) if ind in config.peer_indicators]
    out_cols = ["code", "peer_rank", "peer_code", "distance", "n_common"]
    if not cols or config.peers_k <= 0:
        return pd.DataFrame(columns=out_cols)
    data = panel.values[sel][:, year_idx, :][:, cols].copy()
    logs = np.array([panel.indicators[c] in config.peer_log for c in cols])
    with np.errstate(invalid="ignore", divide="ignore"):
        data[:, logs] = np.log1p(np.where(data[:, logs] >= 0, data[:, logs], np.nan))
    levels = panel.areas["level"].to_numpy(dtype=object)[sel]
    codes = panel.codes[sel].astype(str)
    p = len(cols)
    min_common = max(1, int(np.ceil(config.peer_min_common * p)))
    parts = []
    for level in pd.unique(levels):  # a handful of levels, not areas
        members = np.flatnonzero(levels == level)
        if members.size < 2:
            continue
        z = data[members]
        mu = _nanmean0(z)
        sd = np.sqrt(_nanmean0((z - mu) ** 2))
        sd = np.where(np.isfinite(sd) & (sd > 0), sd, 1.0)
        z = (z - mu) / sd
        parts.append(_knn_level(z, codes[members], min(config.peers_k, members.size - 1), p, min_common))
    if not parts:
        return pd.DataFrame(columns=out_cols)
    return pd.concat(parts, ignore_index=True)


def _knn_level(z: np.ndarray, codes: np.ndarray, k: int, p: int, min_common: int) -> pd.DataFrame:
    """Exact missing-aware k nearest neighbours within one level (rows sorted by code).

    Exact distance (float64) for areas i, j with ``m`` common variables: ``sum (z_i - z_j)^2 * p / m``;
    pairs with ``m < min_common`` and self are excluded; ties go to the lower code. See :func:`_knn_pairs`.
    """
    rows, ranks, cols, d2, common = _knn_pairs(z, k, p, min_common)
    return pd.DataFrame(
        {
            "code": codes[rows],
            "peer_rank": ranks.astype(int),
            "peer_code": codes[cols],
            "distance": np.sqrt(d2),
            "n_common": common.astype(int),
        }
    )


_KNN_GROUP = 64  # columns per group for the group-minimum bound
_KNN_EPS = 1e-5  # bound on the relative rounding error of the float32 products (K·u ≈ 2e-6, ×5 margin)


def _exact_d2(z: np.ndarray, rows: np.ndarray, cols: np.ndarray, p: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact (float64) missing-aware squared distance and common-variable count for pairs (rows, cols).

    The definition of the distance, bit for bit: the squared differences of the common variables are
    added one variable at a time in catalogue order (vectorised over the pairs, never over the
    variables), then scaled by ``p / common``. ``ndarray.sum`` would add them pairwise or in SIMD lanes
    depending on the array's shape, so two mathematically equal distances could differ in the last bit
    and a tie would not go to the lower code.
    """
    diff = z[rows] - z[cols]
    sq = np.zeros(diff.shape[0])
    common = np.zeros(diff.shape[0], dtype=np.int64)
    for j in range(diff.shape[1]):
        column = diff[:, j]
        ok = np.isfinite(column)
        sq += np.where(ok, column * column, 0.0)
        common += ok
    with np.errstate(invalid="ignore", divide="ignore"):
        return sq * p / common, common


def _knn_pairs(
    z: np.ndarray, k: int, p: int, min_common: int, block_bytes: int = 8_000_000, workers: int = 2
) -> tuple[np.ndarray, ...]:
    """Exact k nearest neighbours: (row, rank, col, squared distance, n_common), sorted by row and rank.

    Method (exact, not approximate). For a block of rows, float32 matrix products give approximate
    scaled squared distances ``a_ij`` to every column, with ``|a_ij - e_ij| <= D_i`` for the exact
    ``e_ij``; ``D_i = eps * p / min_common * (|z_i|^2 + max_j |z_j|^2)`` bounds the rounding error of a
    float32 dot product of length K (``|error| <= K * u * sum |terms|`` in any summation order, and the
    terms sum to at most ``2 (|z_i|^2 + |z_j|^2)`` over the observed values). Columns are cut into groups
    of 64; the k-th smallest group minimum ``tau_i`` is at least the k-th smallest ``a_ij``, so the exact
    k-th distance is at most ``tau_i + D_i`` and every column that can be among the k nearest (ties
    included) has ``a_ij <= tau_i + 2 D_i``. Only those few columns are kept; their exact float64
    distances decide the ranking (ties: lower code first). Hence the result equals the exact brute force.

    Rows observed on every variable need one product per block: for them the common count is the
    column's own count, so the scale ``p / m_j`` is folded into the column factors. Other rows also
    need the common counts (a second product) and a division.
    """
    n = z.shape[0]
    empty = (np.empty(0, dtype=np.int64),) * 3 + (np.empty(0), np.empty(0, dtype=np.int64))
    if n < 2 or k <= 0:
        return empty
    mask = np.isfinite(z)
    z0 = np.where(mask, z, 0.0)
    obs = mask.sum(axis=1)
    norm = (z0 * z0).sum(axis=1)
    col_ok = obs >= min_common
    if not col_ok.any():
        return empty
    delta = _KNN_EPS * (p / min_common) * (norm + norm[col_ok].max())
    group = _KNN_GROUP
    left = np.hstack([z0 * z0, mask, -2.0 * z0]).astype(np.float32)
    right = np.hstack([mask, z0 * z0, z0])

    def padded(mat: np.ndarray) -> np.ndarray:
        out = np.zeros((-(-mat.shape[0] // group) * group, mat.shape[1]), dtype=np.float32)
        out[: mat.shape[0]] = mat
        return np.ascontiguousarray(out.T)  # K × n_pad, so products are row-block @ this

    # Complete rows: against the valid columns, scale p / m_j folded into the column factors.
    valid = np.flatnonzero(col_ok)
    right_c = padded(right[valid] * (p / obs[valid])[:, None])
    # Other rows (with enough observed variables): against all columns, with common counts.
    right_g = padded(right)
    mask_g = padded(mask.astype(np.float64))
    complete_rows = np.flatnonzero(obs == p)
    other_rows = np.flatnonzero((obs < p) & col_ok)

    def select(a: np.ndarray, rows: np.ndarray, n_cols: int, thr_extra: np.ndarray) -> tuple[np.ndarray, ...]:
        nb = a.shape[0]
        a[:, n_cols:] = np.inf  # padding
        groups = a.reshape(nb, -1, group)
        gmin = groups.min(axis=2)
        if gmin.shape[1] >= k:
            tau = np.partition(gmin, k - 1, axis=1)[:, k - 1]
        else:
            tau = np.full(nb, np.inf, dtype=np.float32)
        thr = tau.astype(np.float64) + thr_extra
        gr, gc = np.nonzero(gmin <= thr[:, None])  # the few candidate groups per row
        vals = groups[gr, gc]  # (n_candidate_groups, group)
        hit_g, hit_o = np.nonzero(vals <= thr[gr][:, None])
        col = gc[hit_g] * group + hit_o
        inside = col < n_cols  # an infinite threshold (fewer than k groups) also hits the padding
        return rows[gr[hit_g]][inside], col[inside]

    def run(kind: str, start: int, size: int) -> tuple[np.ndarray, np.ndarray]:
        if kind == "complete":
            rows = complete_rows[start : start + size]
            a = left[rows] @ right_c
            a[np.arange(len(rows)), np.searchsorted(valid, rows)] = np.inf  # self
            r, c = select(a, rows, len(valid), 2 * delta[rows])
            return r, valid[c]
        rows = other_rows[start : start + size]
        a = left[rows] @ right_g
        common = mask[rows].astype(np.float32) @ mask_g
        np.maximum(a, 0.0, out=a)
        with np.errstate(invalid="ignore", divide="ignore"):
            np.divide(a, common, out=a)
        np.copyto(a, np.float32(np.inf), where=common < min_common)
        a[np.arange(len(rows)), rows] = np.inf  # self
        return select(a, rows, n, 2 * delta[rows] / p)

    n_pad = right_g.shape[1]
    size = int(max(8, min(1024, block_bytes // (4 * n_pad))))
    jobs = [("complete", s, size) for s in range(0, len(complete_rows), size)]
    jobs += [("other", s, size) for s in range(0, len(other_rows), size)]
    if workers > 1 and len(jobs) > 1:
        from concurrent.futures import ThreadPoolExecutor

        set_threads = _blas_thread_setter()

        def run_single_blas(job: tuple[str, int, int]) -> tuple[np.ndarray, np.ndarray]:
            # Each worker runs its products on one BLAS thread: `workers` threads in all instead of
            # workers × BLAS threads fighting over the cores (ruinous on a busy machine).
            previous = set_threads(1) if set_threads else None
            try:
                return run(*job)
            finally:
                if set_threads and previous is not None and previous > 0:
                    set_threads(previous)

        with ThreadPoolExecutor(max_workers=workers) as pool:  # numpy releases the GIL
            results = list(pool.map(run_single_blas, jobs))
    else:
        results = [run(*job) for job in jobs]
    rows = np.concatenate([r for r, _ in results]) if results else np.empty(0, dtype=np.int64)
    cols = np.concatenate([c for _, c in results]) if results else np.empty(0, dtype=np.int64)
    keep = rows != cols
    rows, cols = rows[keep], cols[keep]
    d2, common = _exact_d2(z, rows, cols, p)
    keep = common >= min_common
    rows, cols, d2, common = rows[keep], cols[keep], d2[keep], common[keep]
    order = np.lexsort((cols, d2, rows))  # by row, then exact distance, then code
    rows, cols, d2, common = rows[order], cols[order], d2[order], common[order]
    rank = np.arange(len(rows)) - np.searchsorted(rows, rows)
    top = rank < k
    return rows[top], rank[top] + 1, cols[top], d2[top], common[top]


@functools.lru_cache(maxsize=1)
def _blas_thread_setter() -> Callable[[int], int] | None:
    """OpenBLAS's ``openblas_set_num_threads_local`` (per calling thread) for numpy's BLAS, if present.

    It only changes the calling thread's BLAS thread count, so nothing else in the process is affected.
    Returns ``None`` when numpy does not use a (recent enough) OpenBLAS.
    """
    import ctypes
    import glob
    import os

    try:
        libs = glob.glob(
            os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "*openblas*.so*")
        )
        for path in libs:
            func = getattr(ctypes.CDLL(path), "openblas_set_num_threads_local", None)
            if func is not None:
                func.argtypes = [ctypes.c_int]
                func.restype = ctypes.c_int
                return func
    except OSError:  # pragma: no cover - unusual numpy builds
        return None
    return None


def _knn_brute(z: np.ndarray, k: int, p: int, min_common: int) -> tuple[np.ndarray, ...]:
    """Reference: the same k nearest neighbours by exact float64 distances to every column (O(n^2 p))."""
    n = z.shape[0]
    rows = np.repeat(np.arange(n), n)
    cols = np.tile(np.arange(n), n)
    d2, common = _exact_d2(z, rows, cols, p)
    keep = (rows != cols) & (common >= min_common)
    rows, cols, d2, common = rows[keep], cols[keep], d2[keep], common[keep]
    order = np.lexsort((cols, d2, rows))
    rows, cols, d2, common = rows[order], cols[order], d2[order], common[order]
    rank = np.arange(len(rows)) - np.searchsorted(rows, rows)
    top = rank < k
    return rows[top], rank[top] + 1, cols[top], d2[top], common[top]


# --- flavours ------------------------------------------------------------------------------------------


def _format_many(values: np.ndarray, decimals: int) -> np.ndarray:
    """Dutch-format many numbers, formatting each distinct rounded value once."""
    rounded = np.round(values.astype(float), decimals)
    uniq, inv = np.unique(rounded, return_inverse=True)
    texts = np.array([format_nl(u, decimals) for u in uniq], dtype=object)
    return texts[inv]


def diagnose_flavours(
    codes: np.ndarray,
    values: np.ndarray,
    reference: np.ndarray,
    themes: pd.DataFrame,
    indicators: Sequence[str],
    config: ScanConfig,
) -> pd.DataFrame:
    """Apply ``config.flavour_rules``; one row per (area, rule) that fires, with a Dutch reason.

    Example reason: ``"aandeel huishoudens met laag inkomen 1,8× referentie → Zout"``.
    """
    ind_pos = {ind: i for i, ind in enumerate(indicators)}
    rules = list(config.flavour_rules)
    parts: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for r_i, rule in enumerate(rules):  # a handful of rules; each is vectorised over areas
        if rule.kind == "indicator":
            if rule.target not in ind_pos:
                continue
            j = ind_pos[rule.target]
            with np.errstate(invalid="ignore", divide="ignore"):
                r = reference[:, j]
                measure = np.where(r > 0, values[:, j] / r, np.nan)
            label = config.specs[rule.target].label if rule.target in config.specs else rule.target
            label = label[:1].lower() + label[1:]
            value, ref = values[:, j], reference[:, j]
        else:
            if rule.target not in themes:
                continue
            measure = themes[rule.target].to_numpy(dtype=float)
            label = f"themascore {THEMES.get(rule.target, rule.target)}"
            value, ref = measure, np.full(len(codes), 100.0)
        with np.errstate(invalid="ignore"):
            fires = measure >= rule.threshold if rule.op == ">=" else measure <= rule.threshold
        fires &= np.isfinite(measure)
        if not fires.any():
            continue
        if rule.kind == "indicator":
            text = _format_many(measure[fires], 1)
            reason = label + " " + text + "× referentie → " + rule.flavour
        else:
            text = _format_many(measure[fires], 0)
            reason = label + " " + text + " (referentie 100) → " + rule.flavour
        pos = np.flatnonzero(fires)
        parts.append((r_i, pos, value[fires], ref[fires], measure[fires], np.asarray(reason, dtype=object)))
    cols = ["code", "flavour", "rule", "target", "value", "reference", "measure", "reason"]
    if not parts:
        return pd.DataFrame(columns=cols)
    rule_of = np.concatenate([np.full(len(part[1]), part[0]) for part in parts])
    pos = np.concatenate([part[1] for part in parts])
    # Order by code, flavour (Bitter, Zuur, Zout, Zoet), rule id — codes are sorted, so by position.
    flavour_code = np.array([FLAVOURS.index(rule.flavour) for rule in rules])[rule_of]
    rule_rank = np.argsort(np.argsort(np.array([rule.id for rule in rules], dtype=object)))[rule_of]
    order = np.lexsort((rule_rank, flavour_code, np.argsort(np.argsort(codes.astype(str)))[pos]))
    rule_of, pos = rule_of[order], pos[order]
    return pd.DataFrame(
        {
            "code": _string_column(codes, pos),
            "flavour": pd.Categorical.from_codes(flavour_code[order], categories=FLAVOURS, ordered=True),
            "rule": _string_column([rule.id for rule in rules], rule_of),
            "target": _string_column([rule.target for rule in rules], rule_of),
            "value": np.concatenate([part[2] for part in parts])[order],
            "reference": np.concatenate([part[3] for part in parts])[order],
            "measure": np.concatenate([part[4] for part in parts])[order],
            "reason": np.concatenate([part[5] for part in parts])[order],
        }
    )


def _flavour_summary(flavours: pd.DataFrame, index: pd.Index) -> pd.Series:
    if flavours.empty:
        return pd.Series("", index=index, dtype=object)
    mat = np.zeros((len(index), len(FLAVOURS)), dtype=bool)
    rows = index.get_indexer(flavours["code"])
    cols = pd.Index(FLAVOURS).get_indexer(flavours["flavour"].astype(str))
    mat[rows, cols] = True
    text = np.full(len(index), "", dtype=object)
    for j, name in enumerate(FLAVOURS):  # four flavours, vectorised over areas
        text = np.where(mat[:, j], np.where(text == "", name, text + ", " + name), text)
    return pd.Series(text, index=index, dtype=object)
