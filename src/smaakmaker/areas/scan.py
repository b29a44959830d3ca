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
    zorg & jeugd; weights are renormalised over the themes an area has). Coverage = available scored
    indicators / indicators in the scan; below ``min_coverage`` (0.5) the composite is flagged
    ``incomplete`` (still shown). Bands: ``< 70``, ``70–90``, ``90–110``, ``> 110`` (configurable).

Ranking, trends, kentering, peers, flavours
    Rank 1 = highest composite among the selected areas; incomplete composites are not ranked.
    Per indicator, an OLS slope over all
    available years; the kentering rule of :mod:`.kentering`. Peers: the ``k`` nearest areas of the same
    level on standardised context variables (missing-aware Euclidean distance, self excluded).
    Flavours: transparent :class:`FlavourRule` data mapping ratios or theme indices to
    Bitter/Zuur/Zout/Zoet with a plain-Dutch reason.

Everything is vectorised over areas (numpy broadcasting, matrix products); the only Python loops run
over indicators, themes, levels, rules or short fixed windows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from .kentering import KenteringRule, _segment_fit, detect_kentering
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
        """Build from tidy rows ``code, year, indicator, value``. Duplicate keys: first non-missing wins."""
        data = data[["code", "year", "indicator", "value"]].dropna(subset=["code", "year", "indicator"])
        code_col = data["code"].astype(str).to_numpy()
        year_col = data["year"].to_numpy().astype(int)
        ind_col = data["indicator"].astype(str).to_numpy()
        value = pd.to_numeric(data["value"], errors="coerce").to_numpy(dtype=float)
        codes = np.sort(pd.unique(code_col)).astype(object)
        years = np.sort(pd.unique(year_col))
        known = [s.id for s in INDICATORS]
        present = set(pd.unique(ind_col))
        inds = tuple([i for i in known if i in present] + sorted(present - set(known)))
        ci = pd.Index(codes).get_indexer(code_col)
        yi = np.searchsorted(years, year_col)
        ii = pd.Index(inds).get_indexer(ind_col)
        flat = (ci * len(years) + yi) * len(inds) + ii
        # First non-missing value wins on duplicate keys: order by (key, missing, position), keep first.
        order = np.lexsort((np.arange(len(flat)), np.isnan(value), flat))
        first = np.ones(len(order), dtype=bool)
        first[1:] = flat[order][1:] != flat[order][:-1]
        chosen = order[first]
        values = np.full((len(codes), len(years), len(inds)), np.nan)
        values.reshape(-1)[flat[chosen]] = value[chosen]
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


def _area_frame(codes: np.ndarray, areas: pd.DataFrame | None) -> pd.DataFrame:
    frame = parent_code_frame(pd.Series(codes, index=pd.Index(codes, name="code"), dtype="string"))
    frame["name"] = pd.Series(pd.NA, index=frame.index, dtype="object")
    if areas is not None and "name" in areas:
        names = areas["name"].reindex(frame.index)
        frame["name"] = names.where(names.notna(), None)
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
    ref = _reference_matrix(panel, sel, bi, config, notes)
    scores = score_values(x, ref, signs_all, config.score_clip)

    # Indicators that count for the vulnerability index: direction worse/better, a weighted theme, and
    # any data in the scan year.
    ind_themes = np.array([specs[i].theme if i in specs else "bevolking" for i in all_ind], dtype=object)
    theme_ids = [t for t in THEMES if t != "bevolking" and config.theme_weights.get(t, 0.0) > 0]
    has_data = np.isfinite(x).any(axis=0)
    scored = (signs_all != 0) & np.isin(ind_themes, theme_ids) & has_data
    no_data = [i for i, s, h in zip(all_ind, signs_all, has_data, strict=True) if s != 0 and not h]
    if no_data:
        notes.append(f"Geen gegevens in {year} voor: {', '.join(no_data)}; deze tellen niet mee.")
    scored_themes = np.where(scored, ind_themes, None)
    weights = np.array([config.theme_weights[t] for t in theme_ids], dtype=float)

    theme_index, theme_n, theme_total = _themes(scores, scored_themes, theme_ids)
    composite = _composite(theme_index, weights)
    n_scored = int(scored.sum())
    n_avail = np.isfinite(scores[:, scored]).sum(axis=1)
    coverage = n_avail / n_scored if n_scored else np.zeros(len(sel))
    incomplete = coverage < config.min_coverage
    with np.errstate(invalid="ignore", divide="ignore"):
        theme_cov = np.where(theme_total > 0, theme_n / np.where(theme_total > 0, theme_total, 1), np.nan)

    # Composite over all years against the same base-year reference.
    scores_all = score_values(cube, ref[:, None, :], signs_all, config.score_clip)
    ti_all, _, _ = _themes(scores_all, scored_themes, theme_ids)
    comp_all = _composite(ti_all, weights)  # n_sel × n_years

    ranks = pd.Series(np.where(incomplete, np.nan, composite), index=idx).rank(ascending=False, method="min")
    meta = panel.areas.iloc[sel]
    profile = pd.DataFrame(
        {
            "name": meta["name"].to_numpy(),
            "level": meta["level"].to_numpy(),
            "gemeente_code": meta["gemeente_code"].to_numpy(),
            "composite": composite,
            "band": band_of(composite, config.bands, config.band_labels),
            "rank": ranks.to_numpy(),
            "n_indicators": n_avail,
            "n_indicators_total": n_scored,
            "coverage": coverage,
            "incomplete": incomplete,
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
        sel_codes, x, ref, pd.DataFrame(theme_index, index=idx, columns=theme_ids), all_ind, config
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
        theme_coverage=pd.DataFrame(
            np.broadcast_to(theme_cov, theme_index.shape), index=idx, columns=theme_ids
        ),
        profile=profile,
        composite_by_year=pd.DataFrame(comp_all, index=idx, columns=list(years)),
        trends=trends,
        peers=peers,
        flavours=flavours,
        notes=notes,
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
    """Per area × indicator slope and kentering (long frame) + composite trend per area."""
    n_sel, n_years, n_ind = cube.shape
    series = cube.transpose(0, 2, 1).reshape(n_sel * n_ind, n_years)
    t = np.broadcast_to(years.astype(float), series.shape)
    observed = np.isfinite(series)
    slope, n, _, _ = _segment_fit(t, series, observed)
    slope = np.where(n >= config.min_trend_years, slope, np.nan)
    first_pos = np.where(observed.any(axis=1), observed.argmax(axis=1), -1)
    last_pos = np.where(observed.any(axis=1), n_years - 1 - observed[:, ::-1].argmax(axis=1), -1)
    rows = np.arange(series.shape[0])
    first_val = np.where(first_pos >= 0, series[rows, np.maximum(first_pos, 0)], np.nan)
    last_val = np.where(last_pos >= 0, series[rows, np.maximum(last_pos, 0)], np.nan)
    first_year = np.where(first_pos >= 0, years[np.maximum(first_pos, 0)], -1)
    last_year = np.where(last_pos >= 0, years[np.maximum(last_pos, 0)], -1)
    sign_rows = np.tile(signs, n_sel)
    kent = detect_kentering(series, years, sign_rows, config.kentering)
    # Trend in vulnerability terms: +1 = getting more vulnerable.
    vuln = np.where(sign_rows != 0, np.sign(slope) * sign_rows, np.nan)
    trend_label = np.full(series.shape[0], "onvoldoende gegevens", dtype=object)
    trend_label[vuln > 0] = "verslechtert"
    trend_label[vuln < 0] = "verbetert"
    trend_label[vuln == 0] = "stabiel"
    trend_label[(sign_rows == 0) & np.isfinite(slope)] = "context"
    kent_label = _labels(kent.signal)
    frame = pd.DataFrame(
        {
            "code": np.repeat(codes, n_ind),
            "indicator": np.tile(np.asarray(indicators, dtype=object), n_sel),
            "slope": slope,
            "n_years": n.astype(int),
            "first_year": np.where(first_year >= 0, first_year, np.nan),
            "last_year": np.where(last_year >= 0, last_year, np.nan),
            "first_value": first_val,
            "last_value": last_val,
            "trend": trend_label,
            "kentering": kent.signal,
            "kentering_label": kent_label,
            "turn_year": kent.turn_year,
            "slope_before": kent.slope_before,
            "slope_recent": kent.slope_recent,
            "t_before": kent.t_before,
            "t_recent": kent.t_recent,
            "noise": kent.noise,
            "n_before": kent.n_before,
            "n_recent": kent.n_recent,
            "held": kent.held,
        }
    )
    c_obs = np.isfinite(comp_all)
    c_slope, c_n, _, _ = _segment_fit(np.broadcast_to(years.astype(float), comp_all.shape), comp_all, c_obs)
    c_kent = detect_kentering(comp_all, years, 1.0, config.kentering)
    comp = pd.DataFrame(
        {
            "composite_slope": np.where(c_n >= config.min_trend_years, c_slope, np.nan),
            "composite_kentering": c_kent.signal,
            "composite_kentering_label": _labels(c_kent.signal),
            "composite_turn_year": c_kent.turn_year,
        },
        index=pd.Index(codes, name="code"),
    )
    return frame, comp


def _labels(signal: np.ndarray) -> np.ndarray:
    out = np.full(signal.shape, "onvoldoende gegevens", dtype=object)
    out[signal == 1] = "kentering ten goede"
    out[signal == -1] = "kentering ten kwade"
    out[signal == 0] = "geen kentering"
    return out


# --- peers ---------------------------------------------------------------------------------------------


def find_peers(panel: Panel, sel: np.ndarray, year_idx: int, config: ScanConfig) -> pd.DataFrame:
    """The ``k`` most similar areas of the same level among ``sel`` (missing-aware standardised distance).

    Variables: ``config.peer_indicators`` present in the panel, ``log1p`` for ``config.peer_log``, then
    z-scores over the selected areas of that level. Distance between areas i and j over the ``m``
    variables both have (of ``p``): ``sqrt(sum (z_i - z_j)^2 * p / m)``; pairs with ``m`` below
    ``peer_min_common * p`` are never peers. Self is excluded; ties broken by code.
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
    """Exact missing-aware k nearest neighbours within one level, in row blocks (float32, 2 threads).

    For masks m and zero-filled z: sum over common variables of (z_i - z_j)^2 =
    [z_i^2, m_i, -2 z_i] . [m_j, z_j^2, z_j] — one matrix product per block; common counts m_i . m_j.
    """
    from concurrent.futures import ThreadPoolExecutor

    n = z.shape[0]
    m = np.isfinite(z).astype(np.float32)
    z0 = np.nan_to_num(z).astype(np.float32)
    left = np.hstack([z0 * z0, m, -2.0 * z0])
    right = np.hstack([m, z0 * z0, z0])
    complete = bool(m.all())
    block = max(1, min(n, 4_000_000 // max(n, 1)))
    group = 64

    def run(start: int) -> tuple[np.ndarray, ...]:
        stop = min(n, start + block)
        d2 = left[start:stop] @ right.T
        np.maximum(d2, 0.0, out=d2)
        if complete:
            common = None
        else:
            common = m[start:stop] @ m.T
            np.divide(d2, np.maximum(common, 1.0), out=d2)
            d2[common < min_common] = np.inf
        nb = stop - start
        d2[np.arange(nb), np.arange(start, stop)] = np.inf  # exclude self
        # Exact top-k without a full partition: the k-th smallest of the group minima is an upper
        # bound for each row's k-th smallest distance; only entries below it are sorted.
        n_groups = n // group
        if n_groups >= k:
            gmin = d2[:, : n_groups * group].reshape(nb, n_groups, group).min(axis=2)
            tau = np.partition(gmin, k - 1, axis=1)[:, k - 1]
        else:
            tau = np.full(nb, np.inf, dtype=d2.dtype)
        r, c = np.nonzero((d2 <= tau[:, None]) & np.isfinite(d2))
        vals = d2[r, c]
        order = np.lexsort((c, vals, r))  # by row, then distance, then code (rows are sorted by code)
        r, c, vals = r[order], c[order], vals[order]
        rank = np.arange(len(r)) - np.searchsorted(r, r)
        sel = rank < k
        r, c, vals, rank = r[sel], c[sel], vals[sel], rank[sel]
        cc = np.full(len(r), p) if common is None else common[r, c]
        return start + r, rank + 1, c, vals, cc

    with ThreadPoolExecutor(max_workers=2) as pool:  # numpy releases the GIL in BLAS and reductions
        results = list(pool.map(run, range(0, n, block)))
    rows = np.concatenate([x[0] for x in results])
    ranks = np.concatenate([x[1] for x in results])
    cand = np.concatenate([x[2] for x in results])
    cd = np.concatenate([x[3] for x in results]).astype(float)
    cc = np.concatenate([x[4] for x in results]).astype(int)
    dist = np.sqrt(cd) if complete else np.sqrt(cd * p)  # non-complete blocks hold sum / n_common
    return pd.DataFrame(
        {
            "code": codes[rows],
            "peer_rank": ranks.astype(int),
            "peer_code": codes[cand],
            "distance": dist,
            "n_common": cc,
        }
    )


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
    parts = []
    for rule in config.flavour_rules:  # a handful of rules; each is vectorised over areas
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
        parts.append(
            pd.DataFrame(
                {
                    "code": codes[fires],
                    "flavour": rule.flavour,
                    "rule": rule.id,
                    "target": rule.target,
                    "value": value[fires],
                    "reference": ref[fires],
                    "measure": measure[fires],
                    "reason": reason,
                }
            )
        )
    cols = ["code", "flavour", "rule", "target", "value", "reference", "measure", "reason"]
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    out["flavour"] = pd.Categorical(out["flavour"], categories=FLAVOURS, ordered=True)
    return out.sort_values(["code", "flavour", "rule"], kind="stable").reset_index(drop=True)


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
