# SPDX-License-Identifier: EUPL-1.2
"""Reads for monitoring: evaluation panels and donor pools, area series, perceived values, bookkeeping.

Panels come from :func:`smaakmaker.areas.selectors.panel_build` (which applies the code crosswalk), so
an Amsterdam buurt with a 2022 code carries the values of its predecessor code for earlier years.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from django.db.models import QuerySet
from django.utils import timezone

from smaakmaker.areas import selectors as area_selectors
from smaakmaker.areas.kentering import kentering_for_series, signal_label
from smaakmaker.areas.models import Area, Indicator
from smaakmaker.areas.sources import bbga
from smaakmaker.monitoring import bookkeeping
from smaakmaker.monitoring.models import EffectEvaluation, KenteringFlag, PerceivedValue, RadarRun

VIEW_EVALUATIONS = "monitoring.view_effectevaluation"
RUN_EVALUATIONS = "monitoring.add_effectevaluation"
VIEW_BOOKKEEPING = "monitoring.view_bookkeeping"
VIEW_EXACT_COUNTS = "monitoring.view_exact_counts"
VIEW_PERCEIVED = "monitoring.view_perceivedvalue"
IMPORT_PERCEIVED = "monitoring.add_perceivedvalue"

DIRECTION = {"worse": 1.0, "better": -1.0, "context": 0.0}


def evaluations_list() -> QuerySet[EffectEvaluation]:
    return EffectEvaluation.objects.select_related("area", "indicator", "approach", "created_by")


def evaluation_get(*, uuid) -> EffectEvaluation | None:
    return evaluations_list().filter(uuid=uuid).first()


# --- donor pool ----------------------------------------------------------------------------------------


def candidate_codes(*, area: Area, pool: str, k: int) -> list[str]:
    """Donor candidates before exclusions: the wijkscan's ``k`` nearest peers, or every area of the same
    level in the gemeente (codes as the scan uses them, i.e. after the crosswalk)."""
    gemeente = area.scan_gemeente_code
    if pool == "gemeente":
        return [
            c for c in area_selectors.scan_codes(level=area.level, gemeente_code=gemeente) if c != area.code
        ]
    _panel, result = area_selectors.scan_run(level=area.level, gemeente_code=gemeente, peers_k=k)
    return [c for c in result.peer_group(area.code) if c != area.code]


def approach_area_codes() -> set[str]:
    """Codes of areas under their own approach (plans), if the plans domain is installed."""
    try:
        from smaakmaker.plans.models import Approach
    except ImportError:  # pragma: no cover - plans is part of the project
        return set()
    return set(Approach.objects.values_list("area__code", flat=True))


def _under(code: str, parents: set[str]) -> bool:
    body = code[2:]
    return any(body.startswith(p[2:]) for p in parents if p[2:])


def adjacent_codes(*, area: Area, codes: list[str]) -> set[str]:
    """Codes among ``codes`` whose stored polygon touches or overlaps the area's polygon (shapely).

    A small tolerance (about a metre) absorbs the gaps of generalised boundaries.
    """
    from shapely.geometry import shape

    if not area.geometry:
        return set()
    try:
        own = shape(area.geometry).buffer(1e-5)
    except (ValueError, TypeError, KeyError):
        return set()
    found = set()
    for code, geometry in (
        Area.objects.filter(code__in=codes).exclude(geometry=None).values_list("code", "geometry")
    ):
        try:
            if own.intersects(shape(geometry)):
                found.add(code)
        except (ValueError, TypeError, KeyError):
            continue
    return found


@dataclass
class DonorPool:
    donors: list[str]
    excluded: list[dict[str, str]]

    def as_dict(self) -> dict:
        return {"donors": self.donors, "excluded": self.excluded}


def donor_pool_select(
    *,
    area: Area,
    pool: str,
    k: int,
    exclude_approaches: bool,
    exclude_adjacent: bool,
    excluded_codes: list[str],
) -> DonorPool:
    """The donor pool with every left-out candidate and its reason (in Dutch)."""
    candidates = candidate_codes(area=area, pool=pool, k=k)
    excluded: list[dict[str, str]] = []
    manual = {c.strip().upper() for c in excluded_codes if c.strip()}
    approach_codes = (approach_area_codes() - {area.code}) if exclude_approaches else set()
    adjacent = adjacent_codes(area=area, codes=candidates) if exclude_adjacent else set()
    donors = []
    for code in candidates:
        if code in manual:
            excluded.append({"code": code, "reason": "met de hand uitgesloten"})
        elif approach_codes and (code in approach_codes or _under(code, approach_codes)):
            excluded.append({"code": code, "reason": "heeft een eigen aanpak"})
        elif code in adjacent:
            excluded.append({"code": code, "reason": "grenst aan het gebied (overloopeffect)"})
        else:
            donors.append(code)
    return DonorPool(donors, excluded)


def evaluation_panel(*, codes: list[str], variables: list[str]) -> pd.DataFrame:
    """Long panel ``unit, time, <variables…>`` for ``codes`` (crosswalk applied); only the requested codes."""
    panel = area_selectors.panel_build(codes=codes, indicator_keys=variables)
    present = [c for c in codes if c in set(panel.codes.astype(str))]
    if not present:
        return pd.DataFrame(columns=["unit", "time", *variables])
    values = panel.values[panel.index_of(present)]
    frames = []
    for yi, year in enumerate(panel.years):
        frame = pd.DataFrame(values[:, yi, :], columns=list(panel.indicators))
        frame.insert(0, "time", int(year))
        frame.insert(0, "unit", present)
        frames.append(frame)
    long = pd.concat(frames, ignore_index=True)
    for variable in variables:
        if variable not in long.columns:
            long[variable] = np.nan
    return long[["unit", "time", *variables]]


def area_names(codes) -> dict[str, str]:
    return dict(Area.objects.filter(code__in=list(codes)).values_list("code", "name"))


def indicator_years(*, area: Area, indicator: Indicator) -> list[int]:
    """Years in which the area (through the crosswalk) has a value for ``indicator``."""
    long = evaluation_panel(codes=[area.code], variables=[indicator.key])
    return sorted(int(t) for t in long.loc[long[indicator.key].notna(), "time"])


# --- area monitoring --------------------------------------------------------------------------------------


def _clean(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


@dataclass
class SeriesView:
    key: str
    label: str
    unit: str
    kind: str  # "registered" or "perceived"
    points: list[tuple[int, float | None]]
    kentering: dict
    kentering_label: str
    direction: float
    explain: (
        dict  # what the rule had and needs, and why it found no kentering (areas.selectors.kentering_explain)
    )


def _series_view(
    key, label, unit, kind, series: pd.Series, direction: float, loaded_years: list[int]
) -> SeriesView:
    series = series.sort_index()
    info = kentering_for_series(series, direction=direction)
    return SeriesView(
        key=key,
        label=label,
        unit=unit,
        kind=kind,
        points=[(int(y), _clean(v)) for y, v in series.items()],
        kentering={k: (_clean(v) if isinstance(v, float) else v) for k, v in info.items()},
        kentering_label=signal_label(info["signal"]),
        direction=direction,
        explain=area_selectors.kentering_explain(
            info, [int(y) for y in series.index], loaded_years or [int(y) for y in series.index]
        ),
    )


def custom_area_series(*, area: Area) -> tuple[list[SeriesView], str]:
    """A custom area's registered series, apportioned from the buurten it overlaps or consists of
    (``areas.selectors.custom_area_figures``, ADR 0020), and the caveat to show with them."""
    figures = area_selectors.custom_area_figures(area=area)
    catalogue = {i.key: i for i in area_selectors.indicators_active()}
    out = []
    for row in figures.rows:
        series = pd.Series(
            [v for _y, v in row["series"]], index=[y for y, _v in row["series"]], dtype=float
        ).dropna()
        if series.size < 2:
            continue
        indicator = catalogue[row["key"]]
        out.append(
            _series_view(
                row["key"],
                row["label"],
                row["unit"],
                "registered",
                series,
                DIRECTION.get(indicator.direction, 0.0),
                figures.years,
            )
        )
    return out, figures.caveat


def area_series(*, area: Area) -> list[SeriesView]:
    """Registered (CBS) series of the area, one per active indicator with at least two observations."""
    if area.level == "eigen":
        return custom_area_series(area=area)[0]
    catalogue = {i.key: i for i in area_selectors.indicators_active()}
    try:
        panel = area_selectors.panel_build(codes=[area.code])
    except LookupError:
        return []
    if area.code not in set(panel.codes.astype(str)):
        return []
    position = panel.index_of([area.code])[0]
    loaded_years = area_selectors.scan_years(level=area.level, gemeente_code=area.scan_gemeente_code)
    out = []
    for ii, key in enumerate(panel.indicators):
        indicator = catalogue.get(key)
        if indicator is None:
            continue
        series = pd.Series(panel.values[position, :, ii], index=panel.years.astype(int))
        series = series[series.notna()]
        if series.size < 2:
            continue
        out.append(
            _series_view(
                key,
                indicator.label,
                indicator.unit,
                "registered",
                series,
                DIRECTION.get(indicator.direction, 0.0),
                loaded_years,
            )
        )
    return out


PERCEIVED_LABELS = {
    "veiligheidsbeleving": ("Veiligheidsbeleving", "rapportcijfer", -1.0),
    "onveiligheidsgevoel_pct": ("Voelt zich wel eens onveilig in de buurt", "%", 1.0),
    "overlast_ervaren_pct": ("Ervaart veel overlast", "%", 1.0),
    "sociale_cohesie": ("Sociale samenhang", "schaalscore", -1.0),
    "tevredenheid_buurt": ("Tevredenheid met de buurt", "rapportcijfer", -1.0),
}


def perceived_label(key: str) -> tuple[str, str, float]:
    if key in PERCEIVED_LABELS:
        return PERCEIVED_LABELS[key]
    if key in bbga.PERCEIVED_BY_ID:
        spec = bbga.PERCEIVED_BY_ID[key]
        return spec.label, spec.unit, DIRECTION[spec.direction]
    return key.replace("_", " ").capitalize(), "", 0.0


def perceived_series(*, area: Area) -> list[SeriesView]:
    rows = PerceivedValue.objects.filter(area=area).values_list("indicator", "year", "value")
    frame = pd.DataFrame.from_records(list(rows), columns=["indicator", "year", "value"])
    out = []
    loaded_years = sorted({int(y) for y in frame["year"]})
    for key, group in frame.groupby("indicator"):
        label, unit, direction = perceived_label(str(key))
        series = pd.Series(group["value"].to_numpy(dtype=float), index=group["year"].astype(int))
        out.append(_series_view(str(key), label, unit, "perceived", series, direction, loaded_years))
    return out


@dataclass
class ApproachMarks:
    name: str
    start_year: float
    phases: list[tuple[date, str]]  # (date, phase label)
    start_date: date | None = None


def approach_marks(*, area: Area) -> list[ApproachMarks]:
    """Approaches of the area (or the areas it lies in) with their start and phase changes."""
    try:
        from smaakmaker.plans.models import Approach, Phase
    except ImportError:  # pragma: no cover
        return []
    labels = dict(Phase.choices)
    codes = {area.code}
    parent = area.parent
    while parent is not None:
        codes.add(parent.code)
        parent = parent.parent
    out = []
    for approach in Approach.objects.filter(area__code__in=codes).prefetch_related("phase_changes"):
        start = approach.start_date
        out.append(
            ApproachMarks(
                approach.name,
                start.year + (start.timetuple().tm_yday - 1) / 365.0,
                [
                    (timezone.localdate(change.created), str(labels.get(change.to_phase, change.to_phase)))
                    for change in approach.phase_changes.all()
                ],
                start,
            )
        )
    return out


# --- bookkeeping ------------------------------------------------------------------------------------------


def bookkeeping_frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The three input frames of :func:`bookkeeping.bookkeeping_build` from the plans and register.

    Only area codes, dates, flavours, instruments and statuses are read; addresses appear as opaque ids
    to count distinct addresses and are dropped after aggregation.
    """
    interventions = pd.DataFrame(columns=bookkeeping.INTERVENTION_COLUMNS)
    cases = pd.DataFrame(columns=bookkeeping.CASE_COLUMNS)
    decisions = pd.DataFrame(columns=bookkeeping.DECISION_COLUMNS)
    try:
        from smaakmaker.plans.models import PlanIntervention
    except ImportError:  # pragma: no cover
        PlanIntervention = None  # noqa: N806
    if PlanIntervention is not None:
        rows = []
        for item in PlanIntervention.objects.values(
            "approach__area__code",
            "approach__area__name",
            "approach__start_date",
            "start_week",
            "flavour",
            "intervention_type__name",
            "intervention_type__law",
            "intervention_type__article",
            "status",
            "outflow",
            "is_care_offer",
        ):
            start = item["approach__start_date"]
            week = item["start_week"]
            instrument = item["intervention_type__name"]
            legal = f"{item['intervention_type__law']} {item['intervention_type__article']}".strip()
            rows.append(
                (
                    item["approach__area__code"],
                    item["approach__area__name"],
                    None if week is None else start + timedelta(weeks=max(week - 1, 0)),
                    item["flavour"],
                    f"{instrument} ({legal})" if legal else instrument,
                    item["status"],
                    bool(item["outflow"]),
                    bool(item["is_care_offer"]),
                )
            )
        if rows:
            interventions = pd.DataFrame(rows, columns=bookkeeping.INTERVENTION_COLUMNS)
    try:
        from smaakmaker.cases.models import Case, Decision
    except ImportError:  # pragma: no cover
        return interventions, cases, decisions
    case_rows = list(Case.objects.values_list("address__buurt_code", "created", "address_id"))
    if case_rows:
        cases = pd.DataFrame(case_rows, columns=bookkeeping.CASE_COLUMNS)
        cases["date"] = pd.to_datetime(cases["date"], utc=True).dt.tz_localize(None)
    decision_rows = list(Decision.objects.values_list("case__address__buurt_code", "decided_on", "flavour"))
    if decision_rows:
        decisions = pd.DataFrame(decision_rows, columns=bookkeeping.DECISION_COLUMNS)
    return interventions, cases, decisions


def bookkeeping_for(
    *,
    user=None,
    area_code: str | None = None,
    granularity: str = "year",
    period: str | None = None,
    force_suppression: bool = False,
) -> bookkeeping.Bookkeeping:
    """Counts for one area (or all); small cells suppressed unless ``user`` may see exact counts."""
    suppress = force_suppression or user is None or not user.has_perm(VIEW_EXACT_COUNTS)
    interventions, cases, decisions = bookkeeping_frames()
    return bookkeeping.bookkeeping_build(
        interventions=interventions,
        cases=cases,
        decisions=decisions,
        area_code=area_code,
        granularity=granularity,
        period=period,
        suppress=suppress,
    )


# --- what works, across approaches --------------------------------------------------------------------

#: Interventions that count for the dose: everything but drafts (planned, running, completed, stopped).
DOSE_STATUSES = ("gepland", "lopend", "afgerond", "gestopt")


def evaluation_effect(result: dict) -> tuple[float, float] | None:
    """The evaluation's average effect after the start and its placebo variance, or None.

    The effect is the synthetic control's average gap over the years from the start. Its variance is the
    variance of the same average over the placebo runs (every donor treated as if it had the approach),
    the placebo variance estimator of Arkhangelsky et al. (2021, algorithm 4); at least five placebos.
    """
    try:
        estimate = float(result["att"]["estimate"])
        years = [int(y) for y in result["years"]]
        start = int(result["treatment_year"])
        gaps = result["placebo"]["gaps"]
    except (KeyError, TypeError, ValueError):
        return None
    post = [i for i, y in enumerate(years) if y >= start]
    placebo_effects = []
    for series in gaps.values():
        values = [series[i] for i in post if i < len(series) and series[i] is not None]
        if values:
            placebo_effects.append(sum(values) / len(values))
    if len(placebo_effects) < 5 or not math.isfinite(estimate):
        return None
    variance = float(np.var(placebo_effects, ddof=1))
    return (estimate, variance) if variance > 0 else None


def _address_counts(codes: list[str]) -> dict[str, int]:
    """Addresses in the register per area code (buurt, wijk or gemeente, by CBS code body): a count only."""
    from smaakmaker.cases.models import Address

    counts: dict[str, int] = {}
    for code in codes:
        counts[code] = Address.objects.filter(buurt_code__startswith="BU" + code[2:]).count()
    return counts


def approach_effects(*, indicator_key: str) -> list:
    """One :class:`~.effects.meta.ApproachEffect` per approach with a finished evaluation on the indicator
    (its latest), with the dose per flavour and the flavour that started first (aggregates only)."""
    from smaakmaker.monitoring.effects.meta import FLAVOURS, ApproachEffect
    from smaakmaker.plans.models import PlanIntervention

    latest: dict[int, EffectEvaluation] = {}
    for evaluation in (
        EffectEvaluation.objects.filter(
            status="finished", indicator__key=indicator_key, approach__isnull=False
        )
        .select_related("approach", "approach__area")
        .order_by("approach_id", "-finished_at", "-created")
    ):
        latest.setdefault(evaluation.approach_id, evaluation)
    if not latest:
        return []
    counts: dict[int, dict[str, int]] = {}
    first_week: dict[int, dict[str, int]] = {}
    for approach_id, flavour, week in PlanIntervention.objects.filter(
        approach_id__in=list(latest), status__in=DOSE_STATUSES
    ).values_list("approach_id", "flavour", "start_week"):
        counts.setdefault(approach_id, {}).setdefault(flavour, 0)
        counts[approach_id][flavour] += 1
        if week is not None:
            weeks = first_week.setdefault(approach_id, {})
            weeks[flavour] = min(week, weeks.get(flavour, week))
    addresses = _address_counts(sorted({e.approach.area.code for e in latest.values()}))
    out = []
    for approach_id, evaluation in latest.items():
        effect = evaluation_effect(evaluation.result or {})
        if effect is None:
            continue
        n_addresses = addresses.get(evaluation.approach.area.code, 0)
        per_flavour = counts.get(approach_id, {})
        dose = (
            {f: 1000.0 * per_flavour.get(f, 0) / n_addresses for f in FLAVOURS} if n_addresses > 0 else None
        )
        weeks = first_week.get(approach_id, {})
        first = min(weeks, key=lambda f: (weeks[f], FLAVOURS.index(f))) if weeks else None
        out.append(
            ApproachEffect(
                key=str(evaluation.approach.uuid),
                label=f"{evaluation.approach.name} ({evaluation.approach.area.name})",
                estimate=effect[0],
                variance=effect[1],
                dose=dose,
                first=first,
                counts={f: per_flavour.get(f, 0) for f in FLAVOURS},
            )
        )
    return sorted(out, key=lambda e: e.label)


def what_works_indicators() -> list[tuple[str, str, int]]:
    """Indicators with finished evaluations of approaches: (key, label, number of approaches), most first."""
    rows = (
        EffectEvaluation.objects.filter(status="finished", approach__isnull=False)
        .order_by()
        .values_list("indicator__key", "indicator__label", "approach_id")
        .distinct()
    )
    found: dict[tuple[str, str], set] = {}
    for key, label, approach_id in rows:
        found.setdefault((key, label), set()).add(approach_id)
    return sorted(((k, label, len(ids)) for (k, label), ids in found.items()), key=lambda r: (-r[2], r[1]))


SMALL_COUNT = 10


def what_works(*, indicator_key: str | None, exact_counts: bool) -> dict:
    """Everything the "what works" page and API show, as numbers: per approach its effect with a 95 %
    interval, its dose per flavour (None when it rests on fewer than 10 interventions and ``exact_counts`` is
    off, or when the area has no addresses in the register) and the flavour that started first; then the
    pooled effect (from three approaches) and the one-moderator meta-regressions, each with its reason when
    it cannot be computed. Aggregates per approach only."""
    from scipy import special

    from smaakmaker.monitoring.effects.meta import FLAVOURS, MIN_APPROACHES, across_approaches

    indicators = what_works_indicators()
    keys = [key for key, _label, _n in indicators]
    if indicator_key not in keys:
        indicator_key = keys[0] if keys else None
    effects = approach_effects(indicator_key=indicator_key) if indicator_key else []
    analysis = across_approaches(effects)
    z = float(special.ndtri(0.975))
    approaches = []
    for effect in effects:
        se = math.sqrt(effect.variance)
        dose, suppressed = {}, []
        for flavour in FLAVOURS:
            count = effect.counts.get(flavour, 0)
            if effect.dose is None:
                dose[flavour] = None
            elif not exact_counts and 0 < count < SMALL_COUNT:
                dose[flavour] = None
                suppressed.append(flavour)
            else:
                dose[flavour] = effect.dose[flavour]
        approaches.append(
            {
                "approach": effect.key,
                "label": effect.label,
                "estimate": effect.estimate,
                "standard_error": se,
                "ci_low": effect.estimate - z * se,
                "ci_high": effect.estimate + z * se,
                "has_addresses": effect.dose is not None,
                "dose": dose,
                "suppressed": suppressed,
                "first": effect.first,
            }
        )
    pooled = analysis.pooled
    moderators = []
    for moderator in analysis.moderators:
        row = {
            "measure": moderator.key,
            "flavour": moderator.flavour,
            "kind": moderator.kind,
            "k": moderator.k,
            "reason": moderator.reason,
            "slope": None,
        }
        if moderator.result is not None:
            slope = moderator.result.coefficient(moderator.key)
            row["slope"] = {
                "estimate": slope.estimate,
                "standard_error": slope.standard_error,
                "ci_low": slope.ci_low,
                "ci_high": slope.ci_high,
                "p_value": slope.p_value,
                "df": moderator.result.df,
                "r2": moderator.result.r2,
            }
        moderators.append(row)
    return {
        "indicators": [{"key": k, "label": label, "approaches": n} for k, label, n in indicators],
        "indicator": indicator_key,
        "indicator_label": next((label for k, label, _n in indicators if k == indicator_key), ""),
        "k": analysis.k,
        "min_approaches": MIN_APPROACHES,
        "reason": analysis.reason,
        "approaches": approaches,
        "pooled": None
        if pooled is None
        else {
            "estimate": pooled.estimate,
            "standard_error": pooled.standard_error,
            "ci_low": pooled.ci_low,
            "ci_high": pooled.ci_high,
            "df": pooled.df,
            "p_value": pooled.p_value,
            "pi_low": pooled.pi_low,
            "pi_high": pooled.pi_high,
            "tau2": pooled.tau2,
            "i2": pooled.i2,
            "q": pooled.heterogeneity.q,
            "q_p_value": pooled.heterogeneity.q_p_value,
        },
        "moderators": moderators if pooled is not None else [],
    }


# --- kentering radar ----------------------------------------------------------------------------------------


@dataclass
class RadarInput:
    """Series for the radar: ``values`` (n_series × n_years), their keys and directions."""

    kind: str
    values: np.ndarray
    years: np.ndarray
    codes: np.ndarray  # area code per series
    indicators: np.ndarray  # indicator key per series
    directions: np.ndarray
    areas: int


def radar_inputs(*, min_observations: int) -> list[RadarInput]:
    """Every loaded series: registered indicator values of every area of every level (crosswalk applied),
    and perceived values. Series with fewer than ``min_observations`` figures are left out (the rule
    cannot flag them)."""
    out = []
    codes = sorted(
        {
            code
            for level in Area.objects.exclude(level="eigen")
            .order_by()
            .values_list("level", flat=True)
            .distinct()
            for code in area_selectors.scan_codes(level=level)
        }
    )
    if codes:
        try:
            panel = area_selectors.panel_build(codes=codes)
        except LookupError:
            panel = None
        if panel is not None:
            specs = area_selectors.catalogue_specs()
            n_codes, n_years, n_ind = panel.values.shape
            values = np.ascontiguousarray(panel.values.transpose(0, 2, 1)).reshape(n_codes * n_ind, n_years)
            keep = np.isfinite(values).sum(axis=1) >= min_observations
            direction = np.array(
                [DIRECTION.get(specs[i].direction, 0.0) if i in specs else 0.0 for i in panel.indicators]
            )
            out.append(
                RadarInput(
                    "registered",
                    values[keep],
                    panel.years.astype(int),
                    np.repeat(panel.codes.astype(str), n_ind)[keep],
                    np.tile(np.asarray(panel.indicators, dtype=object), n_codes)[keep],
                    np.tile(direction, n_codes)[keep],
                    n_codes,
                )
            )
    rows = list(PerceivedValue.objects.values_list("area__code", "indicator", "year", "value"))
    if rows:
        frame = pd.DataFrame(rows, columns=["code", "indicator", "year", "value"])
        wide = frame.pivot_table(index=["code", "indicator"], columns="year", values="value", aggfunc="first")
        values = wide.to_numpy(dtype=float)
        keep = np.isfinite(values).sum(axis=1) >= min_observations
        keys = wide.index.to_frame(index=False)
        out.append(
            RadarInput(
                "perceived",
                values[keep],
                wide.columns.to_numpy(dtype=int),
                keys["code"].to_numpy(dtype=str)[keep],
                keys["indicator"].to_numpy(dtype=object)[keep],
                np.array([perceived_label(str(k))[2] for k in keys["indicator"]])[keep],
                frame["code"].nunique(),
            )
        )
    return out


def radar_latest() -> RadarRun | None:
    return RadarRun.objects.filter(finished_at__isnull=False).first()


def radar_flags(*, run: RadarRun | None = None, new_only: bool = True) -> QuerySet[KenteringFlag]:
    """Flagged turning points (area aggregates), newest first; with ``new_only`` those ``run`` found first."""
    flags = KenteringFlag.objects.select_related("area", "area__parent")
    if new_only and run is not None:
        flags = flags.filter(first_run=run)
    return flags.order_by("-as_of_year", "area__code", "indicator")


def indicator_labels(keys) -> dict[str, str]:
    """Labels of registered and perceived indicator keys, for lists."""
    labels = dict(Indicator.objects.filter(key__in=list(keys)).values_list("key", "label"))
    return {key: labels.get(key) or perceived_label(key)[0] for key in keys}
