# SPDX-License-Identifier: EUPL-1.2
"""Pages of the umami planner: approaches, the plan as a timeline and a table, the plan per address, the
warnings panel, the flavour balance, and scheduler proposals the regisseur accepts or rejects."""

from __future__ import annotations

import structlog
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from smaakmaker.access.audit import origin_of
from smaakmaker.common.permissions import PermissionMissing

from . import forms, selectors, services
from .models import (
    ALLOWED_TRANSITIONS,
    STATUS_TRANSITIONS,
    InterventionStatus,
    Phase,
    PlanDependency,
    PlanIntervention,
    RunDecision,
    RunState,
)
from .timeline import Bar, timeline_svg

log = structlog.get_logger(__name__)

ADD_APPROACH = "plans.add_approach"
CHANGE_APPROACH = "plans.change_approach"
ADD_INTERVENTION = "plans.add_planintervention"
ADD_DEPENDENCY = "plans.add_plandependency"
REMOVE_DEPENDENCY = "plans.delete_plandependency"


def _need(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionMissing(permission)


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
        request,
        "plans/index.html",
        {
            "approaches": selectors.approaches_visible(user=request.user),
            "may_add_approach": request.user.has_perm(ADD_APPROACH),
        },
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


def _approach_page(
    request: HttpRequest,
    approach,
    *,
    intervention_form: forms.InterventionForm | None = None,
    dependency_form: forms.DependencyForm | None = None,
    run_form: forms.RunForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The approach page; on a refused form it is shown again with that form bound (errors at the
    fields, the input kept) and status 400."""
    services.runs_expire_stale(approach=approach)
    origin = origin_of(request)
    view = selectors.plan_view(user=request.user, approach=approach, origin=origin)
    svg = timeline_svg(
        _bars(view.interventions),
        horizon=approach.horizon_weeks,
        label=_("Timeline of the plan per flavour, %(n)s interventions shown")
        % {"n": len(view.interventions)},
        hidden=view.hidden_by_flavour,
    )
    runs = list(selectors.runs_for(approach)[:5])
    user = request.user
    may_add = user.has_perm(ADD_INTERVENTION)
    if may_add and intervention_form is None:
        intervention_form = forms.InterventionForm(approach=approach, user=user, prefix="iv")
    if may_add:
        selectors.address_choices_audit(
            user=user, approach=approach, addresses=intervention_form.offered_addresses(), origin=origin
        )
    may_add_dependency = user.has_perm(ADD_DEPENDENCY) and len(view.interventions) >= 2
    if may_add_dependency and dependency_form is None:
        dependency_form = forms.DependencyForm(interventions=view.interventions, prefix="dep")
    dependencies, hidden_dependencies = selectors.dependencies_for_user(
        approach=approach, shown_refs={iv.ref for iv in view.interventions}
    )
    return render(
        request,
        "plans/approach.html",
        {
            "approach": approach,
            "view": view,
            "svg": svg,
            "runs": runs,
            "may_manage": user.has_perm(services.MANAGE_PERMISSION),
            "may_change_approach": user.has_perm(CHANGE_APPROACH),
            "may_run": user.has_perm(services.RUN_PERMISSION),
            "run_form": run_form or forms.RunForm(),
            "may_see_addresses": selectors.may_see_addresses(user),
            "may_remove_dependency": user.has_perm(REMOVE_DEPENDENCY),
            "may_status": {iv.pk for iv in view.interventions if services.may_change_status(user, iv)},
            "status_transitions": {
                iv.pk: [(s, InterventionStatus(s).label) for s in STATUS_TRANSITIONS.get(iv.status, ())]
                for iv in view.interventions
            },
            "phase_choices": [(p, Phase(p).label) for p in ALLOWED_TRANSITIONS.get(approach.phase, ())],
            "phase_history": approach.phase_changes.select_related("actor"),
            "partners": approach.partner_rows.select_related("organisation"),
            "intervention_form": intervention_form if may_add else None,
            "dependency_form": dependency_form if may_add_dependency else None,
            "dependencies": dependencies,
            "hidden_dependencies": hidden_dependencies,
            "kind_labels": forms.KIND_LABELS,
        },
        status=status,
    )


@login_required
def approach_detail(request: HttpRequest, uuid) -> HttpResponse:
    return _approach_page(request, _approach(request, uuid))


@login_required
@require_http_methods(["GET", "POST"])
def approach_new(request: HttpRequest) -> HttpResponse:
    """Start a new approach for an area; the area scan's flavour diagnosis is copied in."""
    _need(request, selectors.VIEW_PERMISSION)
    _need(request, ADD_APPROACH)
    if request.method == "POST":
        form = forms.ApproachForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            approach = services.approach_create(
                actor=request.user,
                area=data["area"],
                name=data["name"],
                goals=data["goals"],
                start_date=data["start_date"],
                horizon_weeks=data["horizon_weeks"],
                partners=form.partners_with_capacity(),
                covenant=data["covenant"],
            )
            messages.success(request, _("The approach was started."))
            _refresh_diagnosis(request, approach)
            return HttpResponseRedirect(reverse("plans:approach", args=[approach.uuid]))
        status = 400
    else:
        form = forms.ApproachForm(initial={"area": request.GET.get("gebied", "")[:100]})
        status = 200
    return render(request, "plans/approach_new.html", {"form": form}, status=status)


def _refresh_diagnosis(request: HttpRequest, approach) -> None:
    try:
        weights = services.approach_diagnosis_refresh(approach=approach)
    except (LookupError, ValueError, KeyError):
        log.info("plan_diagnosis_unavailable", approach=str(approach.uuid))
        messages.warning(
            request,
            _("There is no area scan with data for %(area)s; the flavour diagnosis stays empty.")
            % {"area": approach.area.name},
        )
        return
    basis = approach.diagnosis_basis or {}
    if basis.get("missing_themes"):
        messages.warning(
            request,
            _(
                "The area scan of %(year)s has no figures for %(themes)s: the flavour diagnosis is incomplete "
                "and is not compared with the plan's shares."
            )
            % {"year": approach.diagnosis_year, "themes": ", ".join(basis["missing_themes"])},
        )
    if weights:
        messages.info(
            request,
            _("Flavour diagnosis taken from the area scan of %(year)s.") % {"year": approach.diagnosis_year},
        )
    else:
        messages.info(
            request,
            _("The area scan of %(year)s points to no flavour for this area.")
            % {"year": approach.diagnosis_year},
        )


@login_required
@require_POST
def diagnosis_refresh(request: HttpRequest, uuid) -> HttpResponse:
    approach = _approach(request, uuid)
    _need(request, CHANGE_APPROACH)
    _refresh_diagnosis(request, approach)
    return HttpResponseRedirect(reverse("plans:approach", args=[approach.uuid]) + "#smaakprofiel")


@login_required
@require_POST
def intervention_new(request: HttpRequest, uuid) -> HttpResponse:
    approach = _approach(request, uuid)
    _need(request, ADD_INTERVENTION)
    form = forms.InterventionForm(request.POST, approach=approach, user=request.user, prefix="iv")
    if form.is_valid():
        try:
            iv = services.intervention_add(
                actor=request.user, approach=approach, origin=origin_of(request), **form.service_kwargs()
            )
        except services.PlanError as exc:
            form.add_service_error(exc)
        except services.PlanForbidden:
            form.add_error("address", _("Choose an address from the list."))
        else:
            messages.success(request, _("%(ref)s was added to the plan.") % {"ref": iv.ref})
            return HttpResponseRedirect(reverse("plans:approach", args=[approach.uuid]) + f"#iv-{iv.ref}")
    return _approach_page(request, approach, intervention_form=form, status=400)


def _intervention(request: HttpRequest, approach, ref: str) -> PlanIntervention:
    """One intervention the user may see in full; hidden and absent alike answer 404."""
    iv = selectors.intervention_for_user(user=request.user, approach=approach, ref=ref)
    if iv is None:
        raise Http404
    return iv


@login_required
@require_http_methods(["GET", "POST"])
def intervention_edit(request: HttpRequest, uuid, ref: str) -> HttpResponse:
    approach = _approach(request, uuid)
    _need(request, services.MANAGE_PERMISSION)
    iv = _intervention(request, approach, ref)
    origin = origin_of(request)
    status = 200
    if request.method == "POST":
        form = forms.InterventionForm(request.POST, approach=approach, user=request.user, instance=iv)
        if form.is_valid():
            try:
                services.intervention_update(
                    actor=request.user,
                    intervention=iv,
                    note=request.POST.get("note", ""),
                    origin=origin,
                    **form.service_kwargs(),
                )
            except services.PlanError as exc:
                form.add_service_error(exc)
            except services.PlanForbidden:
                form.add_error("address", _("Choose an address from the list."))
            else:
                messages.success(request, _("%(ref)s was changed.") % {"ref": iv.ref})
                return HttpResponseRedirect(reverse("plans:approach", args=[approach.uuid]) + f"#iv-{iv.ref}")
        status = 400
    else:
        form = forms.InterventionForm(approach=approach, user=request.user, instance=iv)
    selectors.intervention_read_audit(user=request.user, intervention=iv, origin=origin)
    selectors.address_choices_audit(
        user=request.user, approach=approach, addresses=form.offered_addresses(), origin=origin
    )
    return render(
        request,
        "plans/intervention_edit.html",
        {"approach": approach, "iv": iv, "form": form, "events": iv.events.select_related("actor")},
        status=status,
    )


@login_required
@require_POST
def dependency_new(request: HttpRequest, uuid) -> HttpResponse:
    approach = _approach(request, uuid)
    _need(request, ADD_DEPENDENCY)
    shown = selectors.interventions_for_user(user=request.user, approach=approach)
    form = forms.DependencyForm(request.POST, interventions=shown, prefix="dep")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.dependency_add(
                actor=request.user,
                first=form.by_ref[data["first"]],
                second=form.by_ref[data["second"]],
                kind=data["kind"],
                lag_weeks=data["lag_weeks"],
                window_weeks=data["window_weeks"],
                origin=origin_of(request),
            )
        except services.PlanError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The dependency was added."))
            return HttpResponseRedirect(reverse("plans:approach", args=[approach.uuid]) + "#afhankelijkheden")
    return _approach_page(request, approach, dependency_form=form, status=400)


@login_required
@require_POST
def dependency_delete(request: HttpRequest, uuid, dependency_uuid) -> HttpResponse:
    approach = _approach(request, uuid)
    _need(request, REMOVE_DEPENDENCY)
    dependency = (
        PlanDependency.objects.filter(approach=approach, uuid=dependency_uuid)
        .select_related("first", "second")
        .first()
    )
    if dependency is None:
        raise Http404
    try:
        services.dependency_remove(actor=request.user, dependency=dependency, origin=origin_of(request))
    except services.PlanForbidden as exc:
        raise Http404 from exc
    messages.success(request, _("The dependency was removed."))
    return HttpResponseRedirect(reverse("plans:approach", args=[approach.uuid]) + "#afhankelijkheden")


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
    _need(request, CHANGE_APPROACH)
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
    iv = _intervention(request, approach, ref)  # visibility first, whatever the request carries
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
        raise PermissionDenied from exc
    except services.PlanError as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("plans:approach", args=[approach.uuid]) + "#interventies")


@login_required
@require_POST
def run_create(request: HttpRequest, uuid) -> HttpResponse:
    approach = _approach(request, uuid)
    _need(request, services.RUN_PERMISSION)
    run_form = forms.RunForm(request.POST)
    if not run_form.is_valid():
        return _approach_page(request, approach, run_form=run_form, status=400)
    try:
        run = services.run_create(
            actor=request.user, approach=approach, time_limit_s=float(run_form.cleaned_data["time_limit"])
        )
    except services.PlanError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("plans:approach", args=[approach.uuid]))
    services.run_start_background(run=run)
    return HttpResponseRedirect(reverse("plans:run", args=[approach.uuid, run.uuid]))


def _run(request: HttpRequest, uuid, run_uuid) -> tuple:
    approach = _approach(request, uuid)
    _need(request, "plans.view_schedulerrun")
    run = services.run_get(approach=approach, uuid=run_uuid)
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
    if run.conflicts:
        full_refs = {iv.ref for iv in selectors.interventions_for_user(user=request.user, approach=approach)}
        context["conflicts"] = selectors.conflicts_for_user(run.conflicts, full_refs=full_refs)
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
            flags=view.flags,
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
            # before the decision: what happens to the warnings (within need-to-know, like the plan page)
            warnings_before=view.warnings,
            warnings_after=selectors.proposal_warnings(
                user=request.user, approach=approach, starts=run.proposed_starts
            ),
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
