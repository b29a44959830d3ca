# SPDX-License-Identifier: EUPL-1.2
"""Wijkscan pages: search, map, area profile, CSV, printable wijkanalyse (HTML and PDF), method."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from smaakmaker.areas import selectors, services
from smaakmaker.areas.forms import CustomAreaForm, ScanForm, SearchForm
from smaakmaker.areas.models import Area, AreaLevel, ImportBatch, Theme
from smaakmaker.areas.scan import DEFAULT_BAND_LABELS, band_of, format_nl
from smaakmaker.common.charts import BAND_COLOURS, Bar, Series, band_colour, bar_chart, line_chart, sparkline
from smaakmaker.common.permissions import permission_required

VIEW = "areas.view_area"
THEME_LABELS = dict(Theme.choices)


def _band_index(label: Any) -> int | None:
    return DEFAULT_BAND_LABELS.index(label) if label in DEFAULT_BAND_LABELS else None


def _number(value: Any, decimals: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return format_nl(float(value), decimals)


def _percent(value: Any) -> str:
    text = _number(value, 0)
    return text if text == "–" else f"{text}%"


def _colour_choices() -> list[tuple[str, str]]:
    choices = [("composite", _("Vulnerability index (composite)"))]
    choices += [
        (f"theme_{key}", _("Theme: %(theme)s") % {"theme": label})
        for key, label in Theme.choices
        if key != "bevolking"
    ]
    choices += [(indicator.key, indicator.label) for indicator in selectors.indicators_active()]
    return choices


@login_required
@permission_required(VIEW, raise_exception=True)
def index(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid() and (form.cleaned_data["q"] or form.cleaned_data["niveau"]):
        results = selectors.areas_search(query=form.cleaned_data["q"], level=form.cleaned_data["niveau"])[
            :100
        ]
    home = selectors.home_gemeente()
    loaded = set(
        Area.objects.filter(code__in=["GM0363", home.code if home else "GM0363"]).values_list(
            "code", flat=True
        )
    )
    context = {
        "form": form,
        "results": results,
        "home": home,
        "home_loaded": home is not None and Area.objects.filter(gemeente_code=home.code).exists(),
        "amsterdam": "GM0363" in loaded and (home is None or home.code != "GM0363"),
        "gemeenten": Area.objects.filter(level=AreaLevel.GEMEENTE).exists(),
        "empty": not Area.objects.exists(),
    }
    return render(request, "areas/index.html", context)


@dataclass
class MapState:
    form: ScanForm
    level: str = ""
    gemeente: str = ""
    year: int | None = None
    reference: str = "group"
    base_year: int | None = None
    colour: str = "composite"
    #: the map is coloured by an indicator without a direction (context: higher is not more vulnerable)
    context: bool = False


def _map_state(request: HttpRequest) -> MapState:
    params = request.GET.copy()
    params.setdefault("niveau", "wijk")
    home = selectors.home_gemeente()
    params.setdefault("gemeente", (home.code if home else "GM0363") if params["niveau"] != "gemeente" else "")
    years = selectors.scan_years(
        level=params["niveau"] if params["niveau"] in {"gemeente", "wijk", "buurt"} else "wijk",
        gemeente_code=params.get("gemeente", ""),
    )
    if years:
        params.setdefault("jaar", str(years[-1]))
    params.setdefault("referentie", "group")
    params.setdefault("kleur", "composite")
    form = ScanForm(params, years=years, colour_choices=_colour_choices())
    state = MapState(form=form)
    if form.is_valid():
        data = form.cleaned_data
        state.level, state.gemeente, state.year = data["niveau"], data["gemeente"], data["jaar"]
        state.reference, state.colour = data["referentie"], data["kleur"] or "composite"
        state.base_year = data.get("basisjaar")
    return state


def _map_rows(state: MapState) -> tuple[list[dict[str, Any]], list[str], Any]:
    panel, result = selectors.scan_run(
        level=state.level,
        gemeente_code=state.gemeente,
        year=state.year,
        reference=state.reference,
        base_year=state.base_year,
    )
    profile = result.profile
    estimates = profile["composite"] * np.nan  # the shrunk estimate beside a published rate
    if state.colour == "composite":
        scores, values, unit = profile["composite"], profile["composite"], ""
    elif state.colour.startswith("theme_"):
        scores = profile.get(state.colour, profile["composite"] * np.nan)
        values, unit = scores, ""
    else:
        if state.colour not in result.scores.columns:
            scores = values = profile["composite"] * np.nan
        else:
            scores, values = result.scores[state.colour], result.values[state.colour]
            spec = result.config.specs.get(state.colour)
            state.context = spec is None or spec.direction == "context"
            estimates = result.estimates[state.colour].where(result.shrinkage[state.colour].notna())
        unit = "waarde"
    bands = band_of(scores.to_numpy(dtype=float), result.config.bands, result.config.band_labels)
    rows = []
    for i, (code, record) in enumerate(profile.iterrows()):
        score = scores.iloc[i]
        has_score = score is not None and not math.isnan(float(score))
        rows.append(
            {
                "code": code,
                "name": record["name"] or code,
                "score": float(score) if has_score else None,
                "score_text": _number(score, 0),
                "value_text": _number(values.iloc[i]),
                "estimate_text": "" if math.isnan(estimates.iloc[i]) else _number(estimates.iloc[i]),
                "band": bands[i],
                "colour": band_colour(_band_index(bands[i])),
                "rank": None if math.isnan(record["rank"]) else int(record["rank"]),
                "incomplete": bool(record["incomplete"]),
                "not_ranked_reason": record["not_ranked_reason"],
                "inwoners": _number(record["inwoners"], 0),
                "interval": (
                    f"{_number(record['composite_low'], 0)}–{_number(record['composite_high'], 0)}"
                    if state.colour == "composite" and has_score
                    else ""
                ),
                "url": reverse("areas:detail", args=[code]),
            }
        )
    rows.sort(key=lambda row: (row["score"] is None, -(row["score"] or 0)))
    return rows, result.notes, unit


@login_required
@permission_required(VIEW, raise_exception=True)
def map_view(request: HttpRequest) -> HttpResponse:
    state = _map_state(request)
    rows, notes, unit = ([], [], "")
    if state.form.is_valid():
        try:
            rows, notes, unit = _map_rows(state)
        except (LookupError, KeyError) as exc:
            state.form.add_error(None, str(exc))
    legend = [
        {"label": label, "colour": colour}
        for label, colour in zip(DEFAULT_BAND_LABELS, BAND_COLOURS, strict=True)
    ]
    with_geometry = Area.objects.filter(code__in=[r["code"] for r in rows], geometry__isnull=False).count()
    return render(
        request,
        "areas/map.html",
        {
            "form": state.form,
            "rows": rows,
            "notes": notes,
            "legend": legend,
            "unit": unit,
            "data_url": f"{reverse('areas:map_data')}?{request.GET.urlencode()}",
            "with_geometry": with_geometry,
            "basemap_url": settings.BASEMAP_URL,
            "colour_label": dict(state.form.fields["kleur"].choices).get(state.colour, ""),
            "context_colour": state.context,
            # nothing to scan yet for this level and gemeente: say what to do instead of a bare error
            "no_figures": not state.form.fields["jaar"].choices,
        },
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def map_data(request: HttpRequest) -> JsonResponse:
    state = _map_state(request)
    if not state.form.is_valid():
        return JsonResponse(
            {"type": "FeatureCollection", "features": [], "errors": state.form.errors}, status=400
        )
    try:
        rows, _notes, _unit = _map_rows(state)
    except (LookupError, KeyError) as exc:
        return JsonResponse(
            {"type": "FeatureCollection", "features": [], "errors": {"__all__": [str(exc)]}}, status=400
        )
    geometry = dict(
        Area.objects.filter(code__in=[r["code"] for r in rows], geometry__isnull=False).values_list(
            "code", "geometry"
        )
    )
    features = [
        {
            "type": "Feature",
            "geometry": geometry[row["code"]],
            "properties": {
                k: row[k] for k in ("code", "name", "score_text", "value_text", "band", "colour", "url")
            },
        }
        for row in rows
        if row["code"] in geometry
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


def _area_scan(area: Area, year: int | None, reference: str, base_year: int | None):
    return selectors.scan_run(
        level=area.level,
        gemeente_code=area.scan_gemeente_code,
        year=year,
        reference=reference,
        base_year=base_year,
    )


def area_profile_context(
    area: Area, *, year: int | None, reference: str, base_year: int | None = None
) -> dict[str, Any]:
    """Everything the area page, the CSV and the report show (one computation for all three)."""
    panel, result = _area_scan(area, year, reference, base_year)
    code = area.code
    if code not in result.profile.index:
        raise LookupError("geen gegevens voor dit gebied in de scan")
    profile = result.profile.loc[code]
    catalogue = {indicator.key: indicator for indicator in selectors.indicators_active()}
    position = int(np.searchsorted(panel.codes.astype(str), code))
    trends = (
        result.trends[result.trends["code"] == code].set_index("indicator") if len(result.trends) else None
    )
    level_years = selectors.scan_years(level=area.level, gemeente_code=area.scan_gemeente_code)
    indicators = []
    for key in result.indicators:
        indicator = catalogue.get(key)
        if indicator is None:
            continue
        series = [
            None if math.isnan(v) else float(v)
            for v in panel.values[position, :, panel.indicators.index(key)]
        ]
        if all(v is None for v in series) and math.isnan(result.values.at[code, key]):
            continue
        trend = trends.loc[key] if trends is not None and key in trends.index else None
        score = result.scores.at[code, key]
        estimate = result.estimates.at[code, key]
        weight = result.shrinkage.at[code, key]
        shrunk = not math.isnan(weight)
        variance = result.estimate_variance.at[code, key]
        half = 1.96 * math.sqrt(variance) if shrunk else math.nan  # a rate is never negative
        band = (
            None
            if indicator.direction == "context" or math.isnan(score)
            else band_of([score], result.config.bands, result.config.band_labels)[0]
        )
        indicators.append(
            {
                "key": key,
                "label": indicator.label,
                "unit": indicator.unit,
                "theme": THEME_LABELS.get(indicator.theme),
                "direction": indicator.get_direction_display(),
                "is_context": indicator.direction == "context",
                "value": _number(result.values.at[code, key]),
                "shrunk": shrunk,
                "estimate": _number(estimate) if shrunk else "",
                "estimate_low": _number(max(0.0, estimate - half)) if shrunk else "",
                "estimate_high": _number(estimate + half) if shrunk else "",
                "parent_weight": _number(100 * weight, 0) if shrunk else "",
                "raw_estimate": estimate,
                "raw_estimate_low": max(0.0, estimate - half) if shrunk else math.nan,
                "raw_estimate_high": estimate + half if shrunk else math.nan,
                "raw_parent_weight": weight,
                "expected": bool(result.expected.at[code, key]),
                "reference": _number(result.reference.at[code, key]),
                "score": "–" if indicator.direction == "context" else _number(score, 0),
                "band": band,
                "band_colour": band_colour(_band_index(band)),
                "raw_value": result.values.at[code, key],
                "raw_reference": result.reference.at[code, key],
                "raw_score": score,
                "trend": trend["trend"] if trend is not None else "",
                "kentering": trend["kentering_label"] if trend is not None else "",
                "kentering_why": selectors.kentering_explain(
                    trend,
                    [int(y) for y, v in zip(panel.years, series, strict=True) if v is not None],
                    level_years,
                )["lines"]
                if trend is not None
                else [],
                "kentering_inputs": trend if trend is not None else None,
                "sparkline": sparkline(
                    series, label=f"{indicator.label}: {', '.join(_number(v) for v in series)}"
                ),
                "series": list(zip([int(y) for y in panel.years], [_number(v) for v in series], strict=True)),
            }
        )
    themes = []
    for theme in result.themes.columns:
        value = result.themes.at[code, theme]
        label = profile.get(f"band_{theme}")
        themes.append(
            {
                "key": theme,
                "label": THEME_LABELS.get(theme, theme),
                "value": _number(value, 0),
                "raw": value,
                "band": label,
                "colour": band_colour(_band_index(label)),
                # a theme with no indicator expected at this level has no share: a dash, not "–%"
                "coverage": _percent(100 * result.theme_coverage.at[code, theme]),
            }
        )
    theme_chart = bar_chart(
        [Bar(t["label"], None if math.isnan(t["raw"]) else float(t["raw"]), t["colour"]) for t in themes],
        title=_("Theme profile of %(name)s") % {"name": area.name},
    )
    peer_codes = result.peer_group(code)
    peer_names = dict(Area.objects.filter(code__in=peer_codes).values_list("code", "name"))
    peers = result.peers[result.peers["code"] == code].sort_values("peer_rank")
    flavours = result.flavours[result.flavours["code"] == code]
    by_year = result.composite_by_year.loc[code]
    years = [{"year": int(y), "value": _number(v, 0)} for y, v in by_year.items()]
    year_chart = line_chart(
        [
            Series(
                _("Vulnerability index"),
                [(float(y), None if math.isnan(v) else float(v)) for y, v in by_year.items()],
                "#154273",
            )
        ],
        title=_("Vulnerability index per year"),
        height=220,
    )
    return {
        "area": area,
        "result": result,
        "year": result.year,
        "base_year": result.base_year,
        "reference": reference,
        "reference_label": {
            "group": _("the group average"),
            "gemeente": _("the municipality"),
            "national": _("the Netherlands"),
        }[reference],
        "profile": profile,
        "composite": _number(profile["composite"], 0),
        "band": profile["band"],
        "band_colour": band_colour(_band_index(profile["band"])),
        "rank": None if math.isnan(profile["rank"]) else int(profile["rank"]),
        "n_ranked": int(result.profile["rank"].notna().sum()),
        "coverage": _number(100 * profile["coverage"], 0),
        "n_present": int(profile["n_indicators"]),
        "n_expected": int(profile["n_indicators_total"]),
        "incomplete": bool(profile["incomplete"]),
        "composite_raw": _number(profile["composite_raw"], 0),
        "composite_low": _number(profile["composite_low"], 0),
        "composite_high": _number(profile["composite_high"], 0),
        "inwoners": _number(profile["inwoners"], 0),
        "min_population": _number(result.config.min_population, 0),
        "not_ranked_reason": profile["not_ranked_reason"],
        "missing_themes": profile["missing_themes"],
        "diagnosis_complete": bool(profile["diagnosis_complete"]),
        "missing_indicators": [
            catalogue[key].label
            for key in result.indicators
            if key in catalogue
            and bool(result.expected.at[code, key])
            and math.isnan(result.scores.at[code, key])
        ],
        "themes": themes,
        "theme_chart": theme_chart,
        "indicators": indicators,
        "peers": [
            {
                "code": p.peer_code,
                "name": peer_names.get(p.peer_code, p.peer_code),
                "distance": _number(p.distance, 2),
                "url": reverse("areas:detail", args=[p.peer_code]),
            }
            for p in peers.itertuples()
        ],
        "flavours": [{"flavour": f.flavour, "reason": f.reason} for f in flavours.itertuples()],
        "year_rows": years,
        "year_chart": year_chart,
        "notes": result.notes,
        "lineage": selectors.area_lineage(area=area),
    }


def _detail_params(request: HttpRequest, area: Area) -> tuple[int | None, str, int | None, list[int]]:
    years = selectors.scan_years(level=area.level, gemeente_code=area.scan_gemeente_code)
    try:
        year = int(request.GET.get("jaar", "")) if request.GET.get("jaar") else (years[-1] if years else None)
    except ValueError:
        year = years[-1] if years else None
    if years and year not in years:
        year = years[-1]
    reference = request.GET.get("referentie", "gemeente" if area.level in {"wijk", "buurt"} else "group")
    if reference not in {"group", "gemeente", "national"}:
        reference = "group"
    base_year = request.GET.get("basisjaar", "")
    base_year = int(base_year) if base_year.isdigit() and int(base_year) in years else None
    return year, reference, base_year, years


def _get_area(code: str) -> Area:
    try:
        return selectors.area_get(code=code)
    except Area.DoesNotExist as exc:
        raise Http404 from exc


@login_required
@permission_required(VIEW, raise_exception=True)
def detail(request: HttpRequest, code: str) -> HttpResponse:
    area = _get_area(code)
    successor = selectors.one_to_one_crosswalk().get(area.code)
    if successor:
        return redirect(f"{reverse('areas:detail', args=[successor])}?vorige_code={area.code}")
    year, reference, base_year, years = _detail_params(request, area)
    context = {
        "area": area,
        "years": years,
        "selected_year": year,
        "selected_reference": reference,
        "selected_base_year": base_year,
        "previous_code": request.GET.get("vorige_code", ""),
    }
    if area.level == AreaLevel.CUSTOM:
        context["members"] = area.members.order_by("name")
        context.update(custom_figures_context(area))
        return render(request, "areas/detail.html", context)
    try:
        context.update(area_profile_context(area, year=year, reference=reference, base_year=base_year))
    except (LookupError, KeyError) as exc:
        context["error"] = str(exc)
    return render(request, "areas/detail.html", context)


def _profile_or_404(request: HttpRequest, code: str) -> dict[str, Any]:
    area = _get_area(code)
    year, reference, base_year, _years = _detail_params(request, area)
    try:
        return area_profile_context(area, year=year, reference=reference, base_year=base_year)
    except (LookupError, KeyError) as exc:
        raise Http404(str(exc)) from exc


@login_required
@permission_required(VIEW, raise_exception=True)
def detail_csv(request: HttpRequest, code: str) -> HttpResponse:
    custom = _get_area(code)
    if custom.level == AreaLevel.CUSTOM:
        return _custom_csv(custom)
    context = _profile_or_404(request, code)
    area, reference = context["area"], context["reference"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="wijkscan_{area.code}_{context["year"]}.csv"'
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            "gebied",
            "code",
            "jaar",
            "referentie",
            "indicator",
            "label",
            "eenheid",
            "thema",
            "richting",
            "waarde",
            "schatting",
            "schatting_laag",
            "schatting_hoog",
            "referentiewaarde",
            "score",
            "band",
            "trend",
            "kentering",
        ]
    )
    for row in context["indicators"]:
        writer.writerow(
            [
                area.name,
                area.code,
                context["year"],
                reference,
                row["key"],
                row["label"],
                row["unit"],
                row["theme"],
                row["direction"],
                row["value"],
                row["estimate"],
                row["estimate_low"],
                row["estimate_high"],
                row["reference"],
                row["score"],
                row["band"] or "",
                row["trend"],
                row["kentering"],
            ]
        )
    writer.writerow([])
    writer.writerow(
        [
            "kwetsbaarheidsindex",
            context["composite"],
            "95%-interval",
            context["composite_low"],
            context["composite_high"],
        ]
    )
    writer.writerow(["index uit gepubliceerde waarden", context["composite_raw"]])
    writer.writerow(["rang", context["rank"] or "", "van", context["n_ranked"], context["not_ranked_reason"]])
    writer.writerow(["dekking", f"{context['n_present']} van {context['n_expected']} verwachte indicatoren"])
    writer.writerow(["inwoners", context["inwoners"]])
    if not context["diagnosis_complete"]:
        writer.writerow(["onvolledige diagnose: geen cijfers voor", context["missing_themes"]])
    writer.writerow(["Bron: CBS, Kerncijfers wijken en buurten (CC BY 4.0); berekening: Smaakmaker wijkscan"])
    return response


def _custom_csv(area: Area) -> HttpResponse:
    figures = selectors.custom_area_figures(area=area)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="eigen_gebied_{area.code}.csv"'
    writer = csv.writer(response, delimiter=";")
    writer.writerow(["gebied", "code", "indicator", "label", "eenheid", "jaar", "schatting", "gemeente"])
    for row in figures.rows:
        for year, value in row["series"]:
            if value is None:
                continue
            reference = row["reference"] if year == row["latest_year"] else None
            writer.writerow(
                [
                    area.name,
                    area.code,
                    row["key"],
                    row["label"],
                    row["unit"],
                    year,
                    _number(value, 0 if row["is_count"] else 1),
                    "" if reference is None else _number(reference, 0 if row["is_count"] else 1),
                ]
            )
    writer.writerow([])
    writer.writerow([f"Let op: {figures.caveat}."])
    writer.writerow(["Bron: CBS, Kerncijfers wijken en buurten (CC BY 4.0); berekening: Smaakmaker"])
    return response


@login_required
@permission_required(VIEW, raise_exception=True)
def report(request: HttpRequest, code: str) -> HttpResponse:
    area = _get_area(code)
    if area.level == AreaLevel.CUSTOM:
        return render(request, "areas/report.html", _custom_report_context(area))
    return render(request, "areas/report.html", _profile_or_404(request, code))


def _custom_report_context(area: Area) -> dict[str, Any]:
    """A custom area's wijkanalyse: its estimated figures with their caveat, never a score or a rank
    (ADR 0020, 0027)."""
    context = {"area": area, "members": area.members.order_by("name"), "in_report": True}
    context.update(custom_figures_context(area))
    context["year"] = context["figures"].latest_year or "–"
    return context


@login_required
@permission_required(VIEW, raise_exception=True)
def report_pdf(request: HttpRequest, code: str) -> HttpResponse:
    from smaakmaker.areas.report_pdf import custom_area_pdf, wijkanalyse_pdf

    custom = _get_area(code)
    if custom.level == AreaLevel.CUSTOM:
        response = HttpResponse(
            custom_area_pdf(_custom_report_context(custom)), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'attachment; filename="wijkanalyse_{custom.code}.pdf"'
        return response
    context = _profile_or_404(request, code)
    area = context["area"]
    response = HttpResponse(wijkanalyse_pdf(context), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="wijkanalyse_{area.code}_{context["year"]}.pdf"'
    return response


@login_required
@permission_required("areas.add_area", raise_exception=True)
def custom_area_new(request: HttpRequest) -> HttpResponse:
    from smaakmaker.access.audit import origin_of

    form = CustomAreaForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            area = services.custom_area_create(
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                geometry=form.cleaned_data["boundary"],
                buurt_codes=form.cleaned_data["buurt_codes"],
                actor=request.user,
                origin=origin_of(request),
            )
        except ValueError as exc:
            form.add_error("buurt_codes" if form.cleaned_data["buurt_codes"] else "drawn", str(exc))
        else:
            return redirect("areas:detail", code=area.code)
    return render(
        request,
        "areas/custom_area_form.html",
        {"form": form, "basemap_url": settings.BASEMAP_URL, "buurten_url": _draw_buurten_url()},
    )


def _draw_buurten_url() -> str:
    """The buurten shown under the drawing: those of the gemeente with the most buurt boundaries."""
    from django.db.models import Count

    most = (
        Area.objects.filter(level=AreaLevel.BUURT, geometry__isnull=False)
        .exclude(gemeente_code="")
        .values("gemeente_code")
        .annotate(n=Count("id"))
        .order_by("-n", "gemeente_code")
        .first()
    )
    gemeente = most["gemeente_code"] if most else "GM0363"
    return f"{reverse('areas:map_data')}?niveau=buurt&gemeente={gemeente}"


def custom_figures_context(area: Area) -> dict[str, Any]:
    """The apportioned figures of a custom area for its page (ADR 0020), with their caveat."""
    figures = selectors.custom_area_figures(area=area)
    rows = []
    for row in figures.rows:
        decimals = 0 if row["is_count"] else 1
        rows.append(
            {
                **row,
                "latest_text": _number(row["latest"], decimals),
                "reference_text": _number(row["reference"], decimals),
                "theme_label": THEME_LABELS.get(row["theme"], row["theme"]),
                "series_text": ", ".join(
                    f"{year}: {_number(value, decimals)}"
                    for year, value in row["series"]
                    if value is not None
                ),
                "sparkline": sparkline(
                    [value for _year, value in row["series"]],
                    label=f"{row['label']}: "
                    + ", ".join(_number(value, decimals) for _year, value in row["series"]),
                ),
            }
        )
    return {"figures": figures, "figure_rows": rows}


def method(request: HttpRequest) -> HttpResponse:
    """The method page is public now (``/methode/``); the old address keeps working."""
    return redirect("web:method", permanent=True)


#: the kinds of import, as the list of imports names them
IMPORT_KINDS = {
    "grenzen": "grenzen (Wijk- en buurtkaart)",
    "cbs_csv": "CBS-cijfers (bestand)",
    "cbs_odata": "CBS-cijfers (CBS-API)",
    "geojson": "gemeentegrenzen",
    "addresses-bag": "adressen (LVBAG-extract)",
    "addresses-bag-gpkg": "adressen (BAG-GeoPackage)",
    "addresses-lijst": "adressen (eigen lijst)",
}

#: what the beheerder needs to upload area files in the web (access/policies.py: SET_UP_INSTANCE, IMPORT_AREAS)
IMPORT_PERMISSIONS = [
    "areas.add_homegemeente",
    "areas.add_importbatch",
    "areas.add_area",
    "areas.change_indicator",
]


@login_required
@permission_required(IMPORT_PERMISSIONS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """The first run: upload the boundaries and the CBS figures of the own gemeente (or load the figures
    from the CBS API). Each import is all or nothing and audited; a bad file names file, line and field."""
    from django.contrib import messages

    from smaakmaker.access.audit import origin_of
    from smaakmaker.areas.forms import BoundaryUploadForm, FiguresUploadForm, OdataForm
    from smaakmaker.common.uploads import request_too_large, too_large_message, upload_saved

    home = selectors.home_gemeente()
    # which form: in the address (?soort=), so that a body over the limit is refused unread
    action = request.GET.get("soort", "") if request.method == "POST" else ""
    too_large = request.method == "POST" and request_too_large(request)
    data = files = None
    if request.method == "POST" and not too_large:
        data, files = request.POST, request.FILES
    forms_ = {
        "grenzen": BoundaryUploadForm(
            data if action == "grenzen" else None, files if action == "grenzen" else None, prefix="grenzen"
        ),
        "cijfers": FiguresUploadForm(
            data if action == "cijfers" else None, files if action == "cijfers" else None, prefix="cijfers"
        ),
        "cbs-api": OdataForm(data if action == "cbs-api" else None, prefix="api"),
    }
    status, refused = 200, ""
    if too_large:
        refused, status = too_large_message(), 413
    elif request.method == "POST":
        form = forms_.get(action)
        if form is None:
            return HttpResponse(status=400)
        if home is None:
            form.add_error(None, _("Name your municipality first (on the first-run page)."))
            status = 400
        elif form.is_valid():
            origin = origin_of(request)
            try:
                if action == "cbs-api":
                    result = services.figures_load_odata(
                        table_id=form.cleaned_data["table"],
                        gemeente=home.code,
                        actor=request.user,
                        origin=origin,
                    )
                else:
                    with upload_saved(form.cleaned_data["file"]) as path:
                        if action == "grenzen":
                            result = services.boundaries_import(
                                path=path,
                                year=form.cleaned_data["year"],
                                gemeenten=[home.code],
                                actor=request.user,
                                origin=origin,
                            )
                        else:
                            result = services.figures_import(
                                path=path,
                                year=form.cleaned_data["year"],
                                gemeente=home.code,
                                actor=request.user,
                                origin=origin,
                            )
            except services.ImportError_ as exc:
                form.add_error("table" if action == "cbs-api" else "file", str(exc))
                status = 400
            else:
                for line in result.lines():
                    messages.success(request, line)
                return redirect(reverse("areas:upload") + f"#{action}")
        else:
            status = 400
    context = {
        "home": home,
        "refused": refused,
        "forms": forms_,
        "api_form": forms_["cbs-api"],
        "boundaries": selectors.boundary_years_of(gemeente_code=home.code) if home else {},
        "figures": selectors.figure_years_of(gemeente_code=home.code) if home else {},
        "batches": [
            (batch, IMPORT_KINDS.get(batch.kind, batch.kind))
            for batch in ImportBatch.objects.order_by("-created")[:20]
        ],
    }
    return render(request, "areas/upload.html", context, status=status)
