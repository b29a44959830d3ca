# SPDX-License-Identifier: EUPL-1.2
"""Pages of the umami planner: approaches, the plan as a timeline and a table, the plan per address, the
warnings panel, the flavour balance, and scheduler proposals the regisseur accepts or rejects."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from smaakmaker.access.audit import origin_of

from . import selectors, services
from .models import (
    ALLOWED_TRANSITIONS,
    STATUS_TRANSITIONS,
    InterventionStatus,
    Phase,
    PlanIntervention,
    RunDecision,
    RunState,
    SchedulerRun,
)
from .timeline import Bar, timeline_svg


def _need(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _approach(request: HttpRequest, uuid):
    _need(request, selectors.VIEW_PERMISSION)
    approach = selectors.approach_get(user=request.user, uuid=uuid)
    if approach is None:
        raise Http404
    return approach


@login_required
def index(request: HttpRequest) -> HttpResponse:
    _need(request, selectors.VIEW_PERMISSION)
    return render(
        request, "plans/index.html", {"approaches": selectors.approaches_visible(user=request.user)}
    )


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    _need(request, "plans.view_interventiontype")
    return render(request, "plans/catalogue.html", {"types": selectors.catalogue()})


def _bars(items: list[PlanIntervention], starts: dict | None = None, base: dict | None = None) -> list[Bar]:
    out = []
    for iv in items:
        start = iv.start_week if starts is None else starts.get(iv.ref, iv.start_week)
        if start is None or not iv.duration_weeks:
            continue
        changed = base is not None and base.get(iv.ref) != start
        out.append(
            Bar(iv.ref, iv.display_title, iv.flavour, int(start), iv.duration_weeks, iv.status, changed)
        )
    return out


@login_required
def approach_detail(request: HttpRequest, uuid) -> HttpResponse:
    approach = _approach(request, uuid)
    view = selectors.plan_view(user=request.user, approach=approach, origin=origin_of(request))
    svg = timeline_svg(
        _bars(view.interventions),
        horizon=approach.horizon_weeks,
        label=_("Timeline of the plan per flavour, %(n)s interventions shown")
        % {"n": len(view.interventions)},
        hidden=view.hidden_by_flavour,
    )
    runs = list(selectors.runs_for(approach)[:5])
    user = request.user
    return render(
        request,
        "plans/approach.html",
        {
            "approach": approach,
            "view": view,
            "svg": svg,
            "runs": runs,
            "may_manage": user.has_perm(services.MANAGE_PERMISSION),
            "may_run": user.has_perm(services.RUN_PERMISSION),
            "may_see_addresses": selectors.may_see_addresses(user),
            "may_status": {iv.pk for iv in view.interventions if services.may_change_status(user, iv)},
            "status_transitions": {
                iv.pk: [(s, InterventionStatus(s).label) for s in STATUS_TRANSITIONS.get(iv.status, ())]
                for iv in view.interventions
            },
            "phase_choices": [(p, Phase(p).label) for p in ALLOWED_TRANSITIONS.get(approach.phase, ())],
            "phase_history": approach.phase_changes.select_related("actor"),
            "partners": approach.partner_rows.select_related("organisation"),
        },
    )


@login_required
def addresses(request: HttpRequest, uuid) -> HttpResponse:
    approach = _approach(request, uuid)
    _need(request, selectors.ADDRESS_PERMISSION)
    rows = selectors.plan_by_address(user=request.user, approach=approach, origin=origin_of(request))
    return render(request, "plans/addresses.html", {"approach": approach, "rows": rows})


@login_required
def address_detail(request: HttpRequest, uuid, address_uuid) -> HttpResponse:
    approach = _approach(request, uuid)
    _need(request, selectors.ADDRESS_PERMISSION)
    row = selectors.address_plan(
        user=request.user, approach=approach, address_uuid=address_uuid, origin=origin_of(request)
    )
    if row is None:
        raise Http404
    svg = timeline_svg(
        _bars(row.interventions),
        horizon=approach.horizon_weeks,
        label=_("Timeline of the plan at this address"),
    )
    return render(request, "plans/address.html", {"approach": approach, "row": row, "svg": svg})


@login_required
@require_POST
def phase_change(request: HttpRequest, uuid) -> HttpResponse:
    approach = _approach(request, uuid)
    _need(request, "plans.change_approach")
    try:
        services.approach_phase_change(
            actor=request.user,
            approach=approach,
            to_phase=request.POST.get("phase", ""),
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("The phase was changed."))
    except services.PlanError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("plans:approach", args=[approach.uuid]))


@login_required
@require_POST
def status_change(request: HttpRequest, uuid, ref: str) -> HttpResponse:
    approach = _approach(request, uuid)
    iv = approach.interventions.filter(ref=ref).first()
    if iv is None:
        raise Http404
    try:
        services.intervention_status_change(
            actor=request.user,
            intervention=iv,
            to_status=request.POST.get("status", ""),
            note=request.POST.get("note", ""),
            origin=origin_of(request),
        )
        messages.success(request, _("The status of %(ref)s was changed.") % {"ref": ref})
    except services.PlanForbidden as exc:
        if iv.address_id and not selectors.visible_address_ids(
            user=request.user, address_ids=[iv.address_id]
        ):
            raise Http404 from exc
        raise PermissionDenied from exc
    except services.PlanError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("plans:approach", args=[approach.uuid]) + "#interventies")


@login_required
@require_POST
def run_create(request: HttpRequest, uuid) -> HttpResponse:
    approach = _approach(request, uuid)
    _need(request, services.RUN_PERMISSION)
    try:
        limit = float(request.POST.get("time_limit", "10") or 10)
    except ValueError:
        limit = 10.0
    try:
        run = services.run_create(actor=request.user, approach=approach, time_limit_s=limit)
    except services.PlanError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("plans:approach", args=[approach.uuid]))
    services.run_start_background(run=run)
    return HttpResponseRedirect(reverse("plans:run", args=[approach.uuid, run.uuid]))


def _run(request: HttpRequest, uuid, run_uuid) -> tuple:
    approach = _approach(request, uuid)
    _need(request, "plans.view_schedulerrun")
    run = SchedulerRun.objects.filter(approach=approach, uuid=run_uuid).first()
    if run is None:
        raise Http404
    return approach, run


@login_required
def run_detail(request: HttpRequest, uuid, run_uuid) -> HttpResponse:
    approach, run = _run(request, uuid, run_uuid)
    context = {
        "approach": approach,
        "run": run,
        "running": run.state in (RunState.QUEUED, RunState.RUNNING),
        "progress_pct": round(100 * services.run_progress(run)),
    }
    if run.has_proposal:
        view = selectors.plan_view(user=request.user, approach=approach, origin=origin_of(request))
        refs = {iv.ref for iv in view.interventions}
        rows = [
            {
                "iv": iv,
                "current": run.base_starts.get(iv.ref),
                "proposed": run.proposed_starts.get(iv.ref),
                "changed": run.base_starts.get(iv.ref) != run.proposed_starts.get(iv.ref),
            }
            for iv in view.interventions
        ]
        hidden_changes = sum(
            1
            for ref, week in run.proposed_starts.items()
            if ref not in refs and run.base_starts.get(ref) != week
        )
        context.update(
            rows=rows,
            hidden_changes=hidden_changes,
            changed=sum(1 for r in rows if r["changed"]),
            svg_current=timeline_svg(
                _bars(view.interventions),
                horizon=approach.horizon_weeks,
                label=_("Current plan"),
                hidden=view.hidden_by_flavour,
            ),
            svg_proposed=timeline_svg(
                _bars(view.interventions, run.proposed_starts, run.base_starts),
                horizon=approach.horizon_weeks,
                label=_("Proposed plan"),
                hidden=view.hidden_by_flavour,
            ),
            may_decide=request.user.has_perm(services.DECIDE_PERMISSION) and run.decision == RunDecision.OPEN,
        )
    return render(request, "plans/run.html", context)


@login_required
def run_status(request: HttpRequest, uuid, run_uuid) -> JsonResponse:
    _, run = _run(request, uuid, run_uuid)
    return JsonResponse(
        {
            "state": run.state,
            "progress": services.run_progress(run),
            "solutions": run.solutions,
            "done": run.state in (RunState.FINISHED, RunState.FAILED),
        }
    )


@login_required
@require_http_methods(["POST"])
def run_decide(request: HttpRequest, uuid, run_uuid) -> HttpResponse:
    approach, run = _run(request, uuid, run_uuid)
    _need(request, services.DECIDE_PERMISSION)
    note = request.POST.get("note", "")
    try:
        if request.POST.get("decision") == "accept":
            events = services.run_accept(actor=request.user, run=run, note=note, origin=origin_of(request))
            messages.success(request, _("Proposal accepted: %(n)s start weeks changed.") % {"n": len(events)})
            return HttpResponseRedirect(reverse("plans:approach", args=[approach.uuid]))
        services.run_reject(actor=request.user, run=run, note=note, origin=origin_of(request))
        messages.info(request, _("Proposal rejected; the plan is unchanged."))
    except services.PlanError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("plans:run", args=[approach.uuid, run.uuid]))
