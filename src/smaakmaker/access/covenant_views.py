# SPDX-License-Identifier: EUPL-1.2
"""Covenant pages (list, detail, new, edit, activities, reuse decisions, status) and the privacy
officer's audit browser with CSV export."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from smaakmaker.access import covenant_selectors as selectors
from smaakmaker.access import services
from smaakmaker.access.audit import audit_record, origin_of
from smaakmaker.access.covenant_forms import (
    ActivityForm,
    CovenantForm,
    GrantFormSet,
    ReuseDecisionForm,
    add_service_errors,
)
from smaakmaker.access.models import AuditRecord, Covenant, CovenantStatus, ProcessingLogRecord

PAGE_SIZE = 50
AUDIT_FILTERS = ("action", "actor", "result", "trace_id", "object_id")


@login_required
@permission_required("access.view_covenant", raise_exception=True)
def covenant_list(request: HttpRequest) -> HttpResponse:
    return render(request, "access/covenants.html", {"covenants": selectors.covenants_list()})


def _covenant(uuid) -> Covenant:
    covenant = selectors.covenant_get(uuid=uuid)
    if covenant is None:
        raise Http404
    return covenant


def _detail_page(
    request: HttpRequest,
    covenant: Covenant,
    *,
    reuse_form: ReuseDecisionForm | None = None,
    status_errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    activities = list(covenant.activities.all())
    may_decide_reuse = (
        request.user.has_perm("access.add_reusedecision")
        and covenant.status != CovenantStatus.ENDED
        and len(activities) > 1
    )
    if reuse_form is None and may_decide_reuse:
        reuse_form = ReuseDecisionForm(covenant=covenant)
    context = {
        "covenant": covenant,
        "activities": activities,
        "reuse_decisions": selectors.reuse_decisions_of(covenant=covenant),
        # A posted form is shown again with its errors, also when no new decision can be made.
        "reuse_form": reuse_form if may_decide_reuse or (reuse_form and reuse_form.is_bound) else None,
        "status_errors": status_errors or {},
        "is_draft": covenant.status == CovenantStatus.DRAFT,
    }
    return render(request, "access/covenant_detail.html", context, status=status)


@login_required
@permission_required("access.view_covenant", raise_exception=True)
def covenant_detail(request: HttpRequest, uuid) -> HttpResponse:
    return _detail_page(request, _covenant(uuid))


def _covenant_values(form: CovenantForm) -> dict:
    data = form.cleaned_data
    return {name: data[name] for name in services.COVENANT_EDITABLE_FIELDS}


@login_required
@permission_required(["access.view_covenant", "access.add_covenant"], raise_exception=True)
@require_http_methods(["GET", "POST"])
def covenant_new(request: HttpRequest) -> HttpResponse:
    """A new covenant in draft; activities and activation follow on its page."""
    form = CovenantForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                covenant = services.covenant_create(
                    actor=request.user, origin=origin_of(request), **_covenant_values(form)
                )
            except services.CovenantError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The covenant was saved as a draft."))
                return HttpResponseRedirect(reverse("access:covenant_detail", args=[covenant.uuid]))
        return render(request, "access/covenant_form.html", {"form": form, "covenant": None}, status=400)
    return render(request, "access/covenant_form.html", {"form": form, "covenant": None})


def _not_a_draft(request: HttpRequest, covenant: Covenant, message: str) -> HttpResponse:
    messages.error(request, message)
    return HttpResponseRedirect(reverse("access:covenant_detail", args=[covenant.uuid]))


@login_required
@permission_required(["access.view_covenant", "access.change_covenant"], raise_exception=True)
@require_http_methods(["GET", "POST"])
def covenant_edit(request: HttpRequest, uuid) -> HttpResponse:
    """Change a draft covenant. The service refuses an active or ended one (also on a stale page)."""
    covenant = _covenant(uuid)
    if request.method == "POST":
        form = CovenantForm(request.POST)
        if form.is_valid():
            try:
                services.covenant_update(
                    actor=request.user, covenant=covenant, origin=origin_of(request), **_covenant_values(form)
                )
            except services.CovenantError as exc:
                for messages_ in add_service_errors(form, exc).values():
                    form.add_error(None, messages_)
            else:
                messages.success(request, _("The covenant was saved."))
                return HttpResponseRedirect(reverse("access:covenant_detail", args=[covenant.uuid]))
        elif covenant.status != CovenantStatus.DRAFT:
            form.add_error(
                None, _("Only a draft covenant can be changed; an active covenant can only be ended.")
            )
        return render(request, "access/covenant_form.html", {"form": form, "covenant": covenant}, status=400)
    if covenant.status != CovenantStatus.DRAFT:
        return _not_a_draft(
            request,
            covenant,
            _("Only a draft covenant can be changed; an active covenant can only be ended."),
        )
    form = CovenantForm(initial=CovenantForm.initial_for(covenant))
    return render(request, "access/covenant_form.html", {"form": form, "covenant": covenant})


@login_required
@permission_required(
    ["access.view_covenant", "access.add_processingactivity", "access.add_processinggrant"],
    raise_exception=True,
)
@require_http_methods(["GET", "POST"])
def activity_new(request: HttpRequest, uuid) -> HttpResponse:
    """Add a processing activity with its recipients (grants) to a draft covenant."""
    covenant = _covenant(uuid)
    if request.method == "POST":
        form = ActivityForm(request.POST)
        grants = GrantFormSet(request.POST, prefix="grants")
        grant_errors: list[str] = []
        if form.is_valid() and grants.is_valid():
            data = form.cleaned_data
            try:
                services.processing_activity_create(
                    actor=request.user,
                    covenant=covenant,
                    code=data["code"],
                    name=data["name"],
                    purpose=data["purpose"],
                    avg_ground=data["avg_ground"],
                    legal_basis=data["legal_basis"],
                    data_categories=data["data_categories"],
                    compartment=data["compartment"],
                    retention_days=data["retention_days"],
                    allows_names=data["allows_names"],
                    grants=grants.grants(),
                    origin=origin_of(request),
                )
            except services.CovenantError as exc:
                rest = add_service_errors(form, exc)
                grant_errors = rest.pop("grants", [])
                for messages_ in rest.values():
                    form.add_error(None, messages_)
            else:
                messages.success(request, _("The processing activity was added."))
                return HttpResponseRedirect(reverse("access:covenant_detail", args=[covenant.uuid]))
        context = {"form": form, "grants": grants, "grant_errors": grant_errors, "covenant": covenant}
        return render(request, "access/activity_form.html", context, status=400)
    if covenant.status != CovenantStatus.DRAFT:
        return _not_a_draft(
            request, covenant, _("Processing activities can only be added while the covenant is a draft.")
        )
    context = {"form": ActivityForm(), "grants": GrantFormSet(prefix="grants"), "covenant": covenant}
    return render(request, "access/activity_form.html", context)


@login_required
@permission_required(["access.view_covenant", "access.add_reusedecision"], raise_exception=True)
@require_POST
def reuse_new(request: HttpRequest, uuid) -> HttpResponse:
    """Record on the covenant page that data of one activity may be read under another."""
    covenant = _covenant(uuid)
    form = ReuseDecisionForm(request.POST, covenant=covenant)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.reuse_decision_record(
                actor=request.user,
                source=data["source"],
                target=data["target"],
                legal_basis=data["legal_basis"],
                motivation=data["motivation"],
                origin=origin_of(request),
            )
        except services.CovenantError as exc:
            for messages_ in add_service_errors(form, exc).values():
                form.add_error(None, messages_)
        else:
            messages.success(request, _("The reuse decision was recorded."))
            return HttpResponseRedirect(reverse("access:covenant_detail", args=[covenant.uuid]))
    return _detail_page(request, covenant, reuse_form=form, status=400)


@login_required
@permission_required(["access.view_covenant", "access.change_covenant"], raise_exception=True)
@require_POST
def covenant_status(request: HttpRequest, uuid) -> HttpResponse:
    """Activate or end; when refused, the page shows why next to the facts concerned."""
    covenant = _covenant(uuid)
    action = request.POST.get("action")
    try:
        if action == "activate":
            services.covenant_activate(actor=request.user, covenant=covenant, origin=origin_of(request))
            messages.success(request, _("The covenant is active."))
        elif action == "end":
            services.covenant_end(actor=request.user, covenant=covenant, origin=origin_of(request))
            messages.success(request, _("The covenant has ended."))
        else:
            return HttpResponseBadRequest()
    except services.CovenantError as exc:
        return _detail_page(request, _covenant(uuid), status_errors=exc.errors, status=400)
    return HttpResponseRedirect(reverse("access:covenant_detail", args=[covenant.uuid]))


def _filtered(request, model):
    qs = model.objects.all().order_by("-id")
    for name in AUDIT_FILTERS:
        value = request.GET.get(name, "").strip()
        if value and name in {f.name for f in model._meta.fields}:
            qs = qs.filter(**{name: value})
    return qs


@login_required
@permission_required("access.view_auditrecord", raise_exception=True)
def audit_browser(request: HttpRequest) -> HttpResponse:
    log = request.GET.get("log", "audit")
    model = ProcessingLogRecord if log == "processing" else AuditRecord
    page = Paginator(_filtered(request, model), PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {name: request.GET.get(name, "") for name in AUDIT_FILTERS}
    return render(request, "access/audit.html", {"page": page, "log": log, "filters": filters})


class _Echo:
    def write(self, value):
        return value


@login_required
@permission_required("access.view_auditrecord", raise_exception=True)
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    """CSV of the (filtered) audit or processing log; the export itself is audited."""
    log = request.GET.get("log", "audit")
    model = ProcessingLogRecord if log == "processing" else AuditRecord
    fields = [f.name for f in model._meta.fields]
    audit_record(
        actor=request.user, action=f"{log}_log.export", reason="Export door FG", origin=origin_of(request)
    )
    writer = csv.writer(_Echo())
    rows = _filtered(request, model).order_by("id").values_list(*fields)

    def stream():
        yield writer.writerow(fields)
        for row in rows.iterator(chunk_size=2000):
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{log}-log.csv"'
    return response
