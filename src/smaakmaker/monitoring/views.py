# SPDX-License-Identifier: EUPL-1.2
"""Monitoring pages: evaluations, area monitoring, perceived-indicator import, bookkeeping, report."""

from __future__ import annotations

import math
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from smaakmaker.areas.models import Area, AreaLevel, Indicator, Theme
from smaakmaker.areas.scan import format_nl
from smaakmaker.common.charts import Bar, Series, bar_chart, line_chart
from smaakmaker.common.permissions import permission_required
from smaakmaker.monitoring import selectors, services
from smaakmaker.monitoring.forms import BookkeepingFilterForm, EvaluationForm, PerceivedUploadForm
from smaakmaker.monitoring.models import EffectEvaluation, PerceivedImport

COLOURS = {"treated": "#154273", "synthetic": "#c0392b", "placebo": "#b8b8b8"}


def number(value: Any, decimals: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return format_nl(float(value), decimals)


def _area_or_404(code: str) -> Area:
    area = Area.objects.select_related("parent").filter(code=code.strip().upper()).first()
    if area is None:
        raise Http404
    return area


@login_required
@permission_required(selectors.VIEW_EVALUATIONS, raise_exception=True)
def index(request: HttpRequest) -> HttpResponse:
    evaluations = selectors.evaluations_list()[:50]
    return render(
        request,
        "monitoring/index.html",
        {
            "evaluations": evaluations,
            "may_run": request.user.has_perm(selectors.RUN_EVALUATIONS),
            "may_import": request.user.has_perm(selectors.IMPORT_PERCEIVED),
            "may_bookkeeping": request.user.has_perm(selectors.VIEW_BOOKKEEPING),
        },
    )


# --- evaluations ------------------------------------------------------------------------------------------


@login_required
@permission_required(selectors.RUN_EVALUATIONS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def evaluation_new(request: HttpRequest) -> HttpResponse:
    initial = {"area": request.GET.get("gebied", ""), "treatment_year": request.GET.get("jaar", "")}
    form = EvaluationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        from smaakmaker.areas.models import Indicator

        try:
            evaluation = services.evaluation_create(
                actor=request.user,
                area=data["area"],
                indicator=Indicator.objects.get(key=data["indicator"]),
                treatment_year=data["treatment_year"],
                donor_pool=data["donor_pool"],
                peers_k=data["peers_k"],
                exclude_approaches=data["exclude_approaches"],
                exclude_adjacent=data["exclude_adjacent"],
                excluded_codes=data["excluded_codes"],
                covariates=data["covariates"],
                options={"lagged_outcomes": data["lagged_outcomes"]},
            )
        except services.MonitoringError as exc:
            form.add_error(None, exc.message)
        else:
            services.evaluation_start_background(evaluation=evaluation)
            return redirect("monitoring:evaluation", uuid=evaluation.uuid)
    return render(request, "monitoring/evaluation_form.html", {"form": form})


def _gap_chart(result: dict, title: str) -> str:
    years = result["years"]
    series = [
        Series(_("Placebo"), list(zip(years, gaps, strict=True)), COLOURS["placebo"], width=1.0)
        for gaps in result["placebo"]["gaps"].values()
    ]
    series.append(
        Series(result["treated_name"], list(zip(years, result["gap"], strict=True)), COLOURS["treated"], 3.0)
    )
    return line_chart(
        series,
        title=title,
        marker_x=result["treatment_year"] - 0.5,
        marker_label=_("start"),
        y_label=_("gap"),
    )


def evaluation_context(evaluation: EffectEvaluation) -> dict[str, Any]:
    """What the evaluation page and the report show about one finished evaluation."""
    result = evaluation.result or {}
    if not result:
        return {}
    years = result["years"]
    label = result["indicator_label"]
    path_chart = line_chart(
        [
            Series(
                result["treated_name"],
                list(zip(years, result["observed"], strict=True)),
                COLOURS["treated"],
                3.0,
            ),
            Series(
                _("Synthetic control"),
                list(zip(years, result["synthetic"], strict=True)),
                COLOURS["synthetic"],
                2.0,
                dashed=True,
            ),
        ],
        title=_("%(indicator)s: %(area)s and its synthetic control")
        % {"indicator": label, "area": result["treated_name"]},
        marker_x=result["treatment_year"] - 0.5,
        marker_label=_("start"),
        y_label=result["unit"],
    )
    gap_chart = _gap_chart(
        result,
        _("Gap between %(area)s and its synthetic control, with the placebo gaps")
        % {"area": result["treated_name"]},
    )
    weights_chart = bar_chart(
        [Bar(f"{w['name']}", 100 * (w["weight"] or 0), COLOURS["treated"]) for w in result["weights"]],
        title=_("Donor weights (%)"),
        reference=None,
        maximum=100,
    )
    rows = [
        {
            "year": y,
            "observed": number(o),
            "synthetic": number(s),
            "gap": number(g),
            "post": y >= result["treatment_year"],
        }
        for y, o, s, g in zip(years, result["observed"], result["synthetic"], result["gap"], strict=True)
    ]
    placebo_gaps = result["placebo"]["gaps"]
    ratios = result["placebo"]["ratios"]
    names = selectors.area_names(list(placebo_gaps))
    placebo_rows = sorted(
        (
            {
                "code": code,
                "name": names.get(code, code),
                "ratio": ratios.get(code),
                "ratio_display": number(ratios.get(code)),
                "post_gap": number(
                    _mean([g for y, g in zip(years, gaps, strict=True) if y >= result["treatment_year"]])
                ),
            }
            for code, gaps in placebo_gaps.items()
        ),
        key=lambda r: -(r["ratio"] if r["ratio"] is not None else float("inf")),
    )
    p_value = result["placebo"]["p_value"]
    return {
        "r": result,
        "rows": rows,
        "path_chart": mark_safe(path_chart),  # noqa: S308 - built by common.charts, all text escaped
        "gap_chart": mark_safe(gap_chart),  # noqa: S308
        "weights_chart": mark_safe(weights_chart),  # noqa: S308
        "weights": [{**w, "pct": number(100 * (w["weight"] or 0), 1)} for w in result["weights"]],
        "placebo_rows": placebo_rows,
        "p_value": number(p_value, 3),
        "significant": p_value is not None and p_value <= 0.1,
        "smallest_p": number(1 / (result["placebo"]["n_placebos"] + 1), 3),
        "rmspe_pre": number(result["rmspe_pre"]),
        "rmspe_post": number(result["rmspe_post"]),
        "ratio": number(result["rmspe_ratio"]),
        "att": number(result["att"]["estimate"]),
        "did": number(result["did"]["estimate"]),
        "balance": [
            {k: (number(v) if k != "predictor" else v) for k, v in row.items()} for row in result["balance"]
        ],
        "few_pre": result["n_pre"] < 5,
        "pit": result.get("placebo_in_time", {}),
        "loo": result.get("leave_one_out", {}),
        "excluded": evaluation.donors.get("excluded", []),
        "comparison": comparison_context(result),
    }


def estimator_labels() -> dict[str, str]:
    """Dutch (gettext) names of the estimators in the comparison."""
    return {
        "sdid": _("Synthetic difference-in-differences (SDID)"),
        "penalized_sc": _("Penalised synthetic control"),
        "adh_sc": _("Synthetic control with predictors"),
        "did": _("Difference-in-differences"),
    }


def _uncertainty_label(row: dict) -> str:
    if row["uncertainty_method"] == "placebo_random":
        n = (row.get("detail") or {}).get("replications") or 0
        return _("placebo: %(n)s random draws of a comparison area as if it had the approach") % {"n": n}
    return _("placebo: every comparison area once as if it had the approach")


def comparison_context(result: dict) -> dict[str, Any] | None:
    """The estimators side by side (rows in the order of the lead rule) and the leading one."""
    comparison = result.get("comparison")
    if not comparison:
        return None
    labels = estimator_labels()
    rows = []
    for row in comparison["rows"]:
        interval = row.get("interval")
        detail = row.get("detail") or {}
        rows.append(
            {
                "key": row["key"],
                "label": labels.get(row["key"], row["key"]),
                "lead": row["key"] == comparison["lead"],
                "estimate": number(row["estimate"]),
                "standard_error": number(row["standard_error"]),
                "interval": (
                    _("%(low)s to %(high)s") % {"low": number(interval[0]), "high": number(interval[1])}
                    if interval
                    else "–"
                ),
                "pre_rmse": number(row["pre_rmse"]),
                "uncertainty": _uncertainty_label(row),
                "penalty": number(detail["penalty"], 3) if "penalty" in detail else None,
                "error": row.get("error", ""),
            }
        )
    lead = next((r for r in rows if r["lead"]), None)
    sdid = next((r for r in rows if r["key"] == "sdid"), None)
    return {
        "rows": rows,
        "lead": lead,
        "fallback": comparison["fallback"],
        "sdid_error": sdid["error"] if sdid else "",
        "signs_agree": comparison["signs_agree"],
        "order": [labels.get(k, k) for k in comparison["rule"]],
    }


def _mean(values: list) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


@login_required
@permission_required(selectors.VIEW_EVALUATIONS, raise_exception=True)
def evaluation_detail(request: HttpRequest, uuid) -> HttpResponse:
    evaluation = selectors.evaluation_get(uuid=uuid)
    if evaluation is None:
        raise Http404
    context = {"evaluation": evaluation, **evaluation_context(evaluation)}
    if evaluation.previous_id and evaluation.previous is not None:
        change = services.evaluation_change(evaluation, evaluation.previous)
        context["change"] = {
            "previous": evaluation.previous,
            "before_effect": number(change["before"]["effect"]),
            "after_effect": number(change["after"]["effect"]),
            "difference": number(change["difference"]),
            "before_p": number(change["before"]["p_value"], 3),
            "after_p": number(change["after"]["p_value"], 3),
            "new_years": ", ".join(
                str(y) for y in sorted(set(change["after"]["years"]) - set(change["before"]["years"]))
            ),
        }
    return render(request, "monitoring/evaluation.html", context)


@login_required
@permission_required(selectors.VIEW_EVALUATIONS, raise_exception=True)
def evaluation_progress(request: HttpRequest, uuid) -> JsonResponse:
    evaluation = selectors.evaluation_get(uuid=uuid)
    if evaluation is None:
        raise Http404
    return JsonResponse(
        {
            "status": evaluation.status,
            "progress": evaluation.progress,
            "step": evaluation.step,
            "done": evaluation.done,
        }
    )


# --- area monitoring --------------------------------------------------------------------------------------


def area_monitoring_context(area: Area) -> dict[str, Any]:
    marks = selectors.approach_marks(area=area)
    start = marks[0].start_year if marks else None
    series = selectors.area_series(area=area) + selectors.perceived_series(area=area)
    items = []
    for s in series:
        chart = line_chart(
            [
                Series(
                    s.label,
                    s.points,
                    COLOURS["treated"] if s.kind == "registered" else COLOURS["synthetic"],
                    2.5,
                )
            ],
            title=f"{s.label} ({s.unit})" if s.unit else s.label,
            width=420,  # a small multiple: readable at a third of the page
            height=220,
            marker_x=start,
            marker_label=_("start approach") if start else "",
        )
        items.append(
            {
                "series": s,
                "chart": mark_safe(chart),  # noqa: S308 - built by common.charts, all text escaped
                "values": [(y, number(v)) for y, v in s.points],
            }
        )
    evaluations = selectors.evaluations_list().filter(area=area)
    caveat = ""
    if area.level == AreaLevel.CUSTOM:
        from smaakmaker.areas.selectors import custom_area_figures

        caveat = custom_area_figures(area=area).caveat
    return {
        "area": area,
        "caveat": caveat,
        "bbga": area.level in {AreaLevel.GEBIED, AreaLevel.STADSDEEL},
        "marks": marks,
        "registered": [i for i in items if i["series"].kind == "registered"],
        "perceived": [i for i in items if i["series"].kind == "perceived"],
        "evaluations": evaluations,
    }


def theme_groups(items: list[dict], *, only: str = "") -> list[dict[str, Any]]:
    """The registered series as small multiples grouped by the catalogue's themes, in the catalogue's
    order (``only``: one theme)."""
    themes = {i.key: i.theme for i in Indicator.objects.all()}
    groups = []
    for theme, label in Theme.choices:
        members = [i for i in items if themes.get(i["series"].key) == theme]
        if members and (not only or only == theme):
            groups.append({"key": theme, "label": label, "items": members})
    return groups


@login_required
@permission_required(selectors.VIEW_EVALUATIONS, raise_exception=True)
def area_monitoring(request: HttpRequest, code: str) -> HttpResponse:
    code = code.strip().upper()
    if request.GET.get("gebied"):
        return redirect("monitoring:area", code=request.GET["gebied"].strip().upper())
    area = _area_or_404(code)
    context = area_monitoring_context(area)
    all_groups = theme_groups(context["registered"])
    only = request.GET.get("thema", "")
    if only not in {g["key"] for g in all_groups}:
        only = ""
    context.update(
        groups=theme_groups(context["registered"], only=only),
        theme_choices=[(g["key"], g["label"], len(g["items"])) for g in all_groups],
        theme=only,
    )
    return render(request, "monitoring/area.html", context)


@login_required
@permission_required(selectors.VIEW_EVALUATIONS, raise_exception=True)
def area_search(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("gebied", "").strip().upper()
    if code and Area.objects.filter(code=code).exists():
        return redirect("monitoring:area", code=code)
    messages.error(request, _("Unknown area code."))
    return redirect("monitoring:index")


# --- perceived indicators ---------------------------------------------------------------------------------


@login_required
@permission_required(selectors.IMPORT_PERCEIVED, raise_exception=True)
@require_http_methods(["GET", "POST"])
def perceived_import(request: HttpRequest) -> HttpResponse:
    form = PerceivedUploadForm(request.POST or None, request.FILES or None)
    problems = []
    filename = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.perceived_import(actor=request.user, filename=upload.name, content=upload.read())
        except services.PerceivedImportError as exc:
            problems, filename = exc.problems, exc.filename
            status = 400
        else:
            messages.success(
                request,
                ngettext(
                    "%(rows)s value imported from %(file)s.",
                    "%(rows)s values imported from %(file)s.",
                    batch.rows,
                )
                % {"rows": batch.rows, "file": batch.source},
            )
            return redirect("monitoring:perceived")
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "monitoring/perceived_import.html",
        {
            "form": form,
            "problems": problems,
            "filename": filename,
            "imports": PerceivedImport.objects.all()[:20],
        },
        status=status,
    )


# --- bookkeeping ------------------------------------------------------------------------------------------


@login_required
@permission_required(selectors.VIEW_BOOKKEEPING, raise_exception=True)
def bookkeeping(request: HttpRequest) -> HttpResponse:
    form = BookkeepingFilterForm(request.GET or None)
    area_code, granularity = None, "year"
    if form.is_valid():
        area_code = form.cleaned_data["area"].strip().upper() or None
        granularity = form.cleaned_data["granularity"] or "year"
    data = selectors.bookkeeping_for(user=request.user, area_code=area_code, granularity=granularity)
    return render(request, "monitoring/bookkeeping.html", {"form": form, "data": data})


# --- report -----------------------------------------------------------------------------------------------


def report_context(area: Area) -> dict[str, Any]:
    """The steering-group report: always with small-cell suppression (it is meant to be shared)."""
    context = area_monitoring_context(area)
    latest = context["evaluations"].filter(status="finished").first()
    context["evaluation"] = latest
    context["evaluation_context"] = evaluation_context(latest) if latest else {}
    context["bookkeeping"] = selectors.bookkeeping_for(area_code=area.code, force_suppression=True)
    return context


@login_required
@permission_required(selectors.VIEW_EVALUATIONS, raise_exception=True)
def report(request: HttpRequest, code: str) -> HttpResponse:
    area = _area_or_404(code)
    return render(request, "monitoring/report.html", report_context(area))


@login_required
@permission_required(selectors.VIEW_EVALUATIONS, raise_exception=True)
def report_pdf(request: HttpRequest, code: str) -> HttpResponse:
    from smaakmaker.monitoring.report_pdf import steering_report_pdf

    area = _area_or_404(code)
    content = steering_report_pdf(report_context(area))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="stuurgroeprapportage-{area.code}.pdf"'
    return response


def report_url(area: Area) -> str:
    return reverse("monitoring:report", args=[area.code])


# --- what works, across approaches ------------------------------------------------------------------------

FLAVOUR_NAMES = {"zoet": "Zoet", "zuur": "Zuur", "zout": "Zout", "bitter": "Bitter"}


def _interval(low: float, high: float, decimals: int = 2) -> str:
    return _("%(low)s to %(high)s") % {"low": number(low, decimals), "high": number(high, decimals)}


def what_works_context(*, indicator_key: str | None, exact_counts: bool) -> dict[str, Any]:
    """The numbers of :func:`selectors.what_works`, formatted for the page."""
    from smaakmaker.monitoring.effects.meta import FLAVOURS

    data = selectors.what_works(indicator_key=indicator_key, exact_counts=exact_counts)
    rows = []
    for item in data["approaches"]:
        doses = []
        for flavour in FLAVOURS:
            if flavour in item["suppressed"]:
                doses.append(_("fewer than 10 interventions"))
            else:
                doses.append(number(item["dose"][flavour], 1))
        rows.append(
            {
                "label": item["label"],
                "estimate": number(item["estimate"]),
                "interval": _interval(item["ci_low"], item["ci_high"]),
                "doses": doses,
                "first": FLAVOUR_NAMES.get(item["first"] or "", "–"),
            }
        )
    moderators = []
    for item in data["moderators"]:
        label = (
            _("%(flavour)s: interventions per 1,000 addresses")
            if item["kind"] == "dose"
            else _("%(flavour)s started first (yes = 1)")
        )
        row = {
            "label": label % {"flavour": FLAVOUR_NAMES[item["flavour"]]},
            "k": item["k"],
            "reason": item["reason"],
        }
        slope = item["slope"]
        if slope is not None:
            row |= {
                "slope": number(slope["estimate"], 3),
                "interval": _interval(slope["ci_low"], slope["ci_high"], 3),
                "p": number(slope["p_value"], 3),
                "df": slope["df"],
                "r2": None if slope["r2"] is None else number(slope["r2"], 0),
            }
        moderators.append(row)
    pooled = data["pooled"]
    return {
        "indicators": [(i["key"], i["label"], i["approaches"]) for i in data["indicators"]],
        "indicator_key": data["indicator"],
        "indicator_label": data["indicator_label"],
        "rows": rows,
        "flavours": [FLAVOUR_NAMES[f] for f in FLAVOURS],
        "k": data["k"],
        "min_k": data["min_approaches"],
        "reason": data["reason"],
        "pooled": None
        if pooled is None
        else {
            "estimate": number(pooled["estimate"]),
            "interval": _interval(pooled["ci_low"], pooled["ci_high"]),
            "prediction": _interval(pooled["pi_low"], pooled["pi_high"]),
            "p": number(pooled["p_value"], 3),
            "df": pooled["df"],
            "tau2": number(pooled["tau2"], 3),
            "i2": number(pooled["i2"], 0),
            "q": number(pooled["q"]),
            "q_p": number(pooled["q_p_value"], 3),
        },
        "moderators": moderators,
    }


@login_required
@permission_required([selectors.VIEW_EVALUATIONS, selectors.VIEW_BOOKKEEPING], raise_exception=True)
def what_works(request: HttpRequest) -> HttpResponse:
    context = what_works_context(
        indicator_key=request.GET.get("indicator") or None,
        exact_counts=request.user.has_perm(selectors.VIEW_EXACT_COUNTS),
    )
    return render(request, "monitoring/what_works.html", context)


# --- kentering radar --------------------------------------------------------------------------------------

RADAR_LIST_LIMIT = 500


def _flag_rows(flags, labels: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "flag": f,
            "label": labels.get(f.indicator, f.indicator),
            "kind": f.get_kind_display(),
            "direction": _("for the better") if f.signal > 0 else _("for the worse"),
            "slope_before": number(f.inputs.get("slope_before"), 3),
            "slope_recent": number(f.inputs.get("slope_recent"), 3),
            "t_before": number(f.inputs.get("t_before"), 1),
            "t_recent": number(f.inputs.get("t_recent"), 1),
            "n": f"{f.inputs.get('n_before', '–')} + {f.inputs.get('n_recent', '–')}",
        }
        for f in flags
    ]


@login_required
@permission_required(selectors.VIEW_EVALUATIONS, raise_exception=True)
def radar(request: HttpRequest) -> HttpResponse:
    """Nieuwe kenteringen: turning points the last radar run found first, and the repeated evaluations.

    Area aggregates only (indicator values of areas), like the rest of monitoring.
    """
    from smaakmaker.areas.kentering import KenteringRule

    run = selectors.radar_latest()
    new = selectors.radar_flags(run=run) if run is not None else selectors.radar_flags().none()
    earlier = selectors.radar_flags(new_only=False).exclude(first_run=run) if run is not None else new
    new_rows = list(new[:RADAR_LIST_LIMIT])
    earlier_rows = list(earlier[:RADAR_LIST_LIMIT])
    labels = selectors.indicator_labels({f.indicator for f in new_rows + earlier_rows})
    changes = []
    for change in run.summary.get("reevaluations", []) if run else []:
        changes.append(
            {
                **change,
                "before_effect": number(change["before"]["effect"]),
                "after_effect": number(change["after"]["effect"]),
                "before_p": number(change["before"]["p_value"], 3),
                "after_p": number(change["after"]["p_value"], 3),
                "difference": number(change["difference"]),
                "new_years": ", ".join(str(y) for y in change["new_years"]),
            }
        )
    return render(
        request,
        "monitoring/radar.html",
        {
            "run": run,
            "rule": KenteringRule(),
            "seconds": number(run.seconds, 1) if run else "",
            "new": _flag_rows(new_rows, labels),
            "new_count": new.count(),
            "earlier": _flag_rows(earlier_rows, labels),
            "earlier_count": earlier.count(),
            "limit": RADAR_LIST_LIMIT,
            "changes": changes,
            "summary": [
                (_("registered"), run.summary.get("registered")),
                (_("perceived"), run.summary.get("perceived")),
            ]
            if run
            else [],
        },
    )
