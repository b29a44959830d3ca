# SPDX-License-Identifier: EUPL-1.2
"""Reads for the areas domain: searching areas and building scan panels from the database.

Years are compared only through the code crosswalk: when a code of one classification year continues
as exactly one code of a later year (and that code has no other predecessor), the old code's values
are shown under the new code for the years before the change. Areas that were split or merged are not
stitched together; their pages say so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import shapely
from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext, ngettext

from smaakmaker.areas.kentering import (
    REASON_BEFORE_IN_NOISE,
    REASON_NOT_HELD,
    REASON_NOT_OPPOSITE,
    REASON_RECENT_IN_NOISE,
    REASON_TOO_FEW,
    KenteringRule,
    kentering_needs,
    kentering_reasons,
)
from smaakmaker.areas.models import (
    Area,
    AreaCrosswalk,
    AreaLevel,
    AreaShape,
    HomeGemeente,
    ImportBatch,
    Indicator,
    IndicatorValue,
)
from smaakmaker.areas.scan import Panel, ScanConfig, ScanResult, format_nl, run_scan
from smaakmaker.areas.sources.cbs_columns import IndicatorSpec


def areas_search(
    *, query: str = "", level: str = "", gemeente_code: str = "", parent_code: str = ""
) -> QuerySet[Area]:
    areas = Area.objects.select_related("parent")
    if query:
        areas = areas.filter(Q(name__icontains=query) | Q(code__iexact=query.strip()))
    if level:
        areas = areas.filter(level=level)
    if gemeente_code:
        areas = areas.filter(Q(gemeente_code=gemeente_code) | Q(code=gemeente_code))
    if parent_code:
        areas = areas.filter(parent__code=parent_code)
    return areas.order_by("level", "name")


def area_get(*, code: str) -> Area:
    return Area.objects.select_related("parent", "parent__parent").get(code=code.strip().upper())


def indicators_active() -> QuerySet[Indicator]:
    return Indicator.objects.filter(active=True)


def area_names(*, codes: Sequence[str]) -> dict[str, str]:
    """CBS code -> area name, for the codes that are known (one query)."""
    return dict(Area.objects.filter(code__in=set(codes)).values_list("code", "name"))


def indicator_labels() -> dict[str, str]:
    """Indicator key -> its Dutch label from the catalogue (active or not: old notices keep their words)."""
    return dict(Indicator.objects.values_list("key", "label"))


#: A link derived from the geometry is a continuation (the same area under a new code) when at least
#: this share of the old area lies in the new one and of the new one came from the old one.
CONTINUATION_SHARE = 0.95


def one_to_one_crosswalk(*, new_codes: Sequence[str] | None = None) -> dict[str, str]:
    """``{old_code: new_code}`` for codes that continue unchanged under a new code.

    A published crosswalk without shares (Amsterdam's register) continues a code that has exactly one
    successor which has exactly one predecessor; a link derived from the geometry continues it when
    both its shares are at least :data:`CONTINUATION_SHARE` (redrawn edges leave small slivers)."""
    rows = list(AreaCrosswalk.objects.values_list("old_code", "new_code", "share_of_old", "share_of_new"))
    successors: dict[str, set[str]] = {}
    predecessors: dict[str, set[str]] = {}
    for old, new, share_old, _share_new in rows:
        if share_old is None:
            successors.setdefault(old, set()).add(new)
            predecessors.setdefault(new, set()).add(old)
    mapping = {
        old: next(iter(news))
        for old, news in successors.items()
        if len(news) == 1 and len(predecessors[next(iter(news))]) == 1
    }
    targets = set(mapping.values())
    for old, new, share_old, share_new in rows:
        if share_old is None or share_new is None or old in mapping or new in targets:
            continue
        if share_old >= CONTINUATION_SHARE and share_new >= CONTINUATION_SHARE:
            mapping[old] = new
            targets.add(new)
    # Follow chains (2017 → 2019 → 2021) to the last code.
    for old in list(mapping):
        seen = {old}
        while mapping[old] in mapping and mapping[old] not in seen:
            seen.add(mapping[old])
            mapping[old] = mapping[mapping[old]]
    if new_codes is not None:
        wanted = set(new_codes)
        mapping = {old: new for old, new in mapping.items() if new in wanted}
    return mapping


def earlier_shapes(*, level: str) -> list[tuple[str, int, int, Any]]:
    """``(code, first year, last year, shape)`` of the areas of ``level`` whose shape in those years
    differs from their current one (:class:`AreaShape`); shapes parsed by GEOS from the stored text."""
    from smaakmaker.areas.pointinpolygon import polygon_from_geojson_text

    rows = (
        AreaShape.objects.filter(area__level=level)
        .annotate(text=Cast("geometry", output_field=TextField()))
        .values_list("area__code", "first_year", "last_year", "text")
    )
    return [(code, first, last, polygon_from_geojson_text(text)) for code, first, last, text in rows]


def area_lineage(*, area: Area) -> dict[str, list[str]]:
    """Predecessor and successor codes of an area, for the 'area changed' notes on its page."""
    return {
        "predecessors": list(
            AreaCrosswalk.objects.filter(new_code=area.code).values_list("old_code", flat=True)
        ),
        "successors": list(
            AreaCrosswalk.objects.filter(old_code=area.code).values_list("new_code", flat=True)
        ),
    }


def panel_build(*, codes: Sequence[str], indicator_keys: Sequence[str] | None = None) -> Panel:
    """A scan panel for ``codes`` plus their gemeenten and NL00 (for references), with the crosswalk applied."""
    codes = list(dict.fromkeys(codes))
    gemeenten = set(
        Area.objects.filter(code__in=codes).exclude(gemeente_code="").values_list("gemeente_code", flat=True)
    )
    # The wijken of buurten: the parents their rates are shrunk toward (see scan.eb_shrink).
    wijken = set(
        Area.objects.filter(code__in=codes, level=AreaLevel.BUURT, parent__level=AreaLevel.WIJK).values_list(
            "parent__code", flat=True
        )
    )
    crosswalk = one_to_one_crosswalk(new_codes=codes)
    wanted = set(codes) | gemeenten | wijken | {"NL00"} | set(crosswalk)
    values = IndicatorValue.objects.filter(area__code__in=wanted, indicator__active=True)
    if indicator_keys is not None:
        values = values.filter(indicator__key__in=list(indicator_keys))
    frame = pd.DataFrame.from_records(
        values.values_list("area__code", "year", "indicator__key", "value"),
        columns=["code", "year", "indicator", "value"],
    )
    if frame.empty:
        raise LookupError("geen indicatorwaarden voor deze gebieden")
    if crosswalk:
        carried = frame[frame["code"].isin(list(crosswalk))].copy()
        carried["code"] = carried["code"].map(crosswalk)
        # The new code's own values come first, so they win where both exist.
        frame = pd.concat([frame[~frame["code"].isin(list(crosswalk))], carried], ignore_index=True)
    meta = pd.DataFrame.from_records(
        Area.objects.filter(code__in=set(frame["code"])).values_list(
            "code", "name", "level", "gemeente_code"
        ),
        columns=["code", "name", "level", "gemeente_code"],
    ).set_index("code")
    return Panel.from_long(frame.astype({"value": float}), meta)


def scan_codes(*, level: str, gemeente_code: str = "") -> list[str]:
    """The areas of one level (within one gemeente, if given) that have indicator values.

    An old code that continues unchanged under a new code is left out: its values appear under the
    new code (see :func:`panel_build`).
    """
    areas = Area.objects.filter(level=level).exclude(level=AreaLevel.CUSTOM)
    if gemeente_code:
        areas = areas.filter(gemeente_code=gemeente_code)
    crosswalk = one_to_one_crosswalk()
    continued, successors = set(crosswalk), set(crosswalk.values())
    with_values = set(
        IndicatorValue.objects.filter(area__in=areas).values_list("area__code", flat=True).distinct()
    )
    codes = (with_values - continued) | (successors & set(areas.values_list("code", flat=True)))
    return sorted(codes)


def catalogue_specs() -> dict[str, IndicatorSpec]:
    """The indicator catalogue as edited in beheer (theme, direction, label) for the scan."""
    return {
        indicator.key: IndicatorSpec(
            id=indicator.key,
            label=indicator.label,
            unit=indicator.unit,
            theme=indicator.theme,
            direction=indicator.direction,
            sources=(),
        )
        for indicator in Indicator.objects.filter(active=True)
    }


def data_version() -> tuple:
    """Changes whenever imported data or the indicator catalogue change (a cache key)."""
    latest = ImportBatch.objects.order_by("-id").values_list("id", flat=True).first()
    catalogue = tuple(
        Indicator.objects.order_by("id").values_list("key", "active", "label", "direction", "theme")
    )
    return latest, hash(catalogue)


@lru_cache(maxsize=8)
def _scan_cached(
    level: str,
    gemeente_code: str,
    year: int | None,
    reference: str,
    base_year: int | None,
    peers_k: int,
    min_population: int,
    version: tuple,
) -> tuple[Panel, ScanResult]:
    codes = scan_codes(level=level, gemeente_code=gemeente_code)
    if not codes:
        raise LookupError("geen gebieden met gegevens op dit niveau")
    panel = panel_build(codes=codes)
    present = [c for c in codes if c in set(panel.codes)]
    config = ScanConfig(
        reference=reference,
        base_year=base_year,
        reference_codes=tuple(present),
        peers_k=peers_k,
        theme_weights=dict(settings.SCAN_THEME_WEIGHTS),
        specs=catalogue_specs(),
        min_population=float(min_population),
    )
    return panel, run_scan(panel, present, year, config)


def scan_run(
    *,
    level: str,
    gemeente_code: str = "",
    year: int | None = None,
    reference: str = "group",
    base_year: int | None = None,
    peers_k: int = 5,
) -> tuple[Panel, ScanResult]:
    """The wijkscan for every area of a level (in one gemeente) in one year, with the panel it used.

    Rates are shrunk toward their parent area; areas below ``SMAAKMAKER_SCAN_MIN_POPULATION``
    inhabitants are not ranked. Results are cached per process until the data or the indicator
    catalogue change.
    """
    return _scan_cached(
        level,
        gemeente_code,
        year,
        reference,
        base_year,
        peers_k,
        int(settings.SCAN_MIN_POPULATION),
        data_version(),
    )


def scan_years(*, level: str, gemeente_code: str = "") -> list[int]:
    areas = Area.objects.filter(level=level)
    if gemeente_code:
        areas = areas.filter(gemeente_code=gemeente_code)
    years = IndicatorValue.objects.filter(area__in=areas).values_list("year", flat=True).distinct()
    return sorted(set(years))


def method_facts() -> dict:
    """What the scan part of the public method page shows (``templates/areas/method.html``)."""
    from django.conf import settings

    from smaakmaker.areas.kentering import KenteringRule
    from smaakmaker.areas.models import Theme
    from smaakmaker.areas.scan import DEFAULT_BAND_LABELS, DEFAULT_FLAVOUR_RULES, format_nl

    labels = dict(Theme.choices)
    return {
        "rules": DEFAULT_FLAVOUR_RULES,
        "weights": [(labels.get(k, k), w) for k, w in settings.SCAN_THEME_WEIGHTS.items()],
        "kentering": KenteringRule(),
        "bands": DEFAULT_BAND_LABELS,
        "indicators": indicators_active(),
        "min_population": format_nl(settings.SCAN_MIN_POPULATION, 0),
    }


# --- the kentering, explained ------------------------------------------------------------------------------


def kentering_explain(
    info: Mapping[str, Any], observed_years: Sequence[int], loaded_years: Sequence[int]
) -> dict[str, Any]:
    """What the kentering rule had, needed and found for one series, in Dutch sentences.

    ``info`` is the rule's result for the series (:func:`kentering.kentering_for_series` or a row of the
    scan's trends), ``observed_years`` the years with a figure, ``loaded_years`` the years loaded for the
    area's level. The missing years are the calendar years from the series' first figure to the last
    loaded year without a figure. Returns the counts and a list of sentences (``lines``).
    """
    rule = KenteringRule()
    span = range(min(loaded_years), max(loaded_years) + 1) if loaded_years else []
    observed_years = list(observed_years)
    needs = kentering_needs(observed_years, span, rule)
    reasons = kentering_reasons(info, rule)
    n = int(needs["n_observations"])
    lines = [
        ngettext(
            "%(n)d observation (%(first)s–%(last)s); the rule needs at least %(needed)d (%(before)d up to "
            "the turning point and %(recent)d after it).",
            "%(n)d observations (%(first)s–%(last)s); the rule needs at least %(needed)d (%(before)d up to "
            "the turning point and %(recent)d after it).",
            n,
        )
        % {
            "n": n,
            "first": min(observed_years, default="–"),
            "last": max(observed_years, default="–"),
            "needed": rule.needed,
            "before": rule.min_before,
            "recent": rule.recent,
        }
    ]
    if needs["short_by"]:
        lines.append(
            ngettext(
                "%(short)d more observation is needed before the rule can say anything.",
                "%(short)d more observations are needed before the rule can say anything.",
                int(needs["short_by"]),
            )
            % {"short": needs["short_by"]}
        )
    if needs["missing_years"]:
        lines.append(
            gettext("Years without a figure: %(years)s.")
            % {"years": ", ".join(str(y) for y in needs["missing_years"])}
        )
    numbers = {
        "sb": format_nl(info.get("slope_before"), 3),
        "sr": format_nl(info.get("slope_recent"), 3),
        "tb": format_nl(abs(float(info.get("t_before") or 0.0)), 1),
        "tr": format_nl(abs(float(info.get("t_recent") or 0.0)), 1),
        "min_t": format_nl(rule.min_t, 1),
        "hold": rule.min_hold,
    }
    texts = {
        REASON_NOT_OPPOSITE: gettext(
            "the recent slope (%(sr)s per year) does not go against the slope before (%(sb)s per year)"
        ),
        REASON_BEFORE_IN_NOISE: gettext(
            "the slope before the turning point is within the noise (|t| = %(tb)s, needs %(min_t)s)"
        ),
        REASON_RECENT_IN_NOISE: gettext(
            "the recent slope is within the noise (|t| = %(tr)s, needs %(min_t)s)"
        ),
        REASON_NOT_HELD: gettext("the new direction did not hold for %(hold)d consecutive changes"),
    }
    if reasons and reasons != [REASON_TOO_FEW]:
        lines.append(
            gettext("No kentering: %(reasons)s.")
            % {"reasons": "; ".join(texts[r] % numbers for r in reasons)}
        )
    elif not reasons:
        lines.append(
            gettext(
                "Kentering after %(year)s: slope %(sb)s per year before, %(sr)s after; both beyond the noise "
                "(|t| = %(tb)s and %(tr)s, needs %(min_t)s); the last %(hold)d changes go the new way."
            )
            % {**numbers, "year": int(float(info["turn_year"]))}
        )
    return {**needs, "reasons": reasons, "lines": lines}


# --- the first run ---------------------------------------------------------------------------------


def home_gemeente() -> HomeGemeente | None:
    """The gemeente this installation serves, once the beheerder named it."""
    return HomeGemeente.objects.order_by("created").first()


def boundary_years_of(*, gemeente_code: str) -> dict[int, dict[str, int]]:
    """Per classification year: how many wijken and buurten of the gemeente have a boundary."""
    years: dict[int, dict[str, int]] = {}
    spans = Area.objects.filter(
        gemeente_code=gemeente_code, level__in=[AreaLevel.WIJK, AreaLevel.BUURT], geometry__isnull=False
    ).values_list("level", "classification_year", "last_year")
    for level, first, last in spans:
        first, last = first or last, last or first
        if not first:
            continue
        for year in range(first, last + 1):
            years.setdefault(year, {"wijk": 0, "buurt": 0})[level] += 1
    return dict(sorted(years.items()))


def figure_years_of(*, gemeente_code: str) -> dict[int, int]:
    """Per year: how many indicator values the gemeente and its wijken and buurten have."""
    values = IndicatorValue.objects.filter(
        Q(area__gemeente_code=gemeente_code) | Q(area__code=gemeente_code), value__isnull=False
    )
    counts = values.values_list("year").annotate(n=models.Count("pk")).order_by("year")
    return {year: n for year, n in counts}


# --- figures of a custom area, apportioned from the buurten it overlaps (ADR 0020) --------------------


@dataclass
class CustomFigures:
    """The figures of a custom area, apportioned (:mod:`smaakmaker.areas.apportion`)."""

    basis: str  # apportion.BY_ADDRESSES or apportion.BY_AREA
    drawn: bool  # a boundary (True) or a union of whole buurten
    caveat: str
    overlaps: list[dict[str, Any]]
    years: list[int]
    #: per indicator: key, label, unit, theme, is_count, series [(year, value or None)], latest, reference
    rows: list[dict[str, Any]]
    gemeente_code: str
    addresses: int

    @property
    def latest_year(self) -> int | None:
        return self.years[-1] if self.years else None


def _union_overlaps(area: Area, codes: list[str]):
    from smaakmaker.areas import apportion, services
    from smaakmaker.areas.pointinpolygon import polygon_from_geojson

    totals = services.buurt_totals_provider(codes) if services.buurt_totals_provider else {}
    if codes and all(totals.get(code, 0) > 0 for code in codes):
        return apportion.whole_buurten(codes, totals), apportion.BY_ADDRESSES
    surfaces = {
        code: float(polygon_from_geojson(geometry).area)
        for code, geometry in Area.objects.filter(code__in=codes, geometry__isnull=False).values_list(
            "code", "geometry"
        )
    }
    if codes and all(surfaces.get(code, 0) > 0 for code in codes):
        return apportion.whole_buurten(codes, surfaces), apportion.BY_AREA
    return apportion.whole_buurten(codes, dict.fromkeys(codes, 1.0)), apportion.BY_AREA


def _drawn_overlaps(area: Area, codes: list[str]):
    from smaakmaker.areas import apportion, services
    from smaakmaker.areas.pointinpolygon import polygon_from_geojson

    counts = services.custom_area_counts_provider(area.code) if services.custom_area_counts_provider else None
    if counts is not None:
        inside, totals = counts
        overlaps = apportion.overlaps_by_addresses(inside, totals)
        if overlaps:
            return overlaps, apportion.BY_ADDRESSES
    shapes = {
        code: polygon_from_geojson(geometry)
        for code, geometry in Area.objects.filter(code__in=codes, geometry__isnull=False).values_list(
            "code", "geometry"
        )
    }
    shapes = {c: s if s.is_valid else shapely.make_valid(s) for c, s in shapes.items()}
    return apportion.overlaps_by_area(polygon_from_geojson(area.geometry), shapes), apportion.BY_AREA


def custom_area_figures(*, area: Area) -> CustomFigures:
    """A custom area's indicator series, apportioned from the buurten it overlaps (a drawn boundary:
    by the share of each buurt's addresses inside it, by surface when it holds no addresses) or
    consists of (whole buurten: counts summed, the rest weighted by addresses). Area statistics only."""
    from smaakmaker.areas import apportion

    codes = sorted(area.members.exclude(level=AreaLevel.CUSTOM).values_list("code", flat=True))
    drawn = area.geometry is not None and bool(area.geometry)
    overlaps, basis = _drawn_overlaps(area, codes) if drawn else _union_overlaps(area, codes)
    if drawn:
        caveat = apportion.CAVEAT if basis == apportion.BY_ADDRESSES else apportion.CAVEAT_BY_AREA
    else:
        caveat = apportion.CAVEAT_UNION if basis == apportion.BY_ADDRESSES else apportion.CAVEAT_UNION_BY_AREA
    names = area_names(codes=[o.code for o in overlaps])
    figures = CustomFigures(
        basis=basis,
        drawn=drawn,
        caveat=caveat,
        overlaps=[
            {
                "code": o.code,
                "name": names.get(o.code, o.code),
                "share": format_nl(100 * o.share, 0 if o.share >= 0.1 else 1),
                "fraction": float(o.share),
                "inside": int(o.inside) if basis == apportion.BY_ADDRESSES else None,
            }
            for o in overlaps
        ],
        years=[],
        rows=[],
        gemeente_code=area.gemeente_code,
        addresses=int(sum(o.inside for o in overlaps)) if basis == apportion.BY_ADDRESSES else 0,
    )
    if not overlaps:
        return figures
    try:
        panel = panel_build(codes=[o.code for o in overlaps])
    except LookupError:
        return figures
    known = set(panel.codes.astype(str))
    overlaps = [o for o in overlaps if o.code in known]
    if not overlaps:
        return figures
    catalogue = {indicator.key: indicator for indicator in indicators_active()}
    keys = [key for key in panel.indicators if key in catalogue]
    columns = [panel.indicators.index(key) for key in keys]
    values = panel.values[panel.index_of([o.code for o in overlaps])][:, :, columns]
    counts = [apportion.is_count(catalogue[key].unit) for key in keys]
    result = apportion.apportion(values, overlaps, counts)
    years = [int(y) for y in panel.years]
    reference = None
    if area.gemeente_code and area.gemeente_code in known:
        reference = panel.values[panel.index_of([area.gemeente_code])[0]][:, columns]
    for column, key in enumerate(keys):
        series = [
            (year, None if np.isnan(v) else float(v))
            for year, v in zip(years, result.estimates[:, column].tolist(), strict=True)
        ]
        present = [(year, v) for year, v in series if v is not None]
        if not present:
            continue
        latest_year, latest = present[-1]
        indicator = catalogue[key]
        reference_value = None
        if reference is not None:
            found = reference[years.index(latest_year), column]
            reference_value = None if np.isnan(found) else float(found)
        figures.rows.append(
            {
                "key": key,
                "label": indicator.label,
                "unit": indicator.unit,
                "theme": indicator.theme,
                "is_count": counts[column],
                "series": series,
                "latest_year": latest_year,
                "latest": latest,
                "reference": reference_value,
            }
        )
    figures.years = sorted({year for row in figures.rows for year, v in row["series"] if v is not None})
    return figures


def custom_area_unions(codes: Sequence[str]) -> dict[str, list[str]]:
    """Of these custom-area codes, those made of whole CBS areas (no boundary), with the codes of their
    member buurten, wijken or gemeenten (``access.policies.covenant_areas`` reads them)."""
    rows = (
        Area.objects.filter(code__in=list(codes), level=AreaLevel.CUSTOM, geometry__isnull=True)
        .order_by("code", "members__code")
        .values_list("code", "members__code", "members__level")
    )
    unions: dict[str, list[str]] = {}
    for code, member, level in rows:
        members = unions.setdefault(code, [])
        if level in (AreaLevel.BUURT, AreaLevel.WIJK, AreaLevel.GEMEENTE):
            members.append(member)
    return unions
