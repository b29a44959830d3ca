# SPDX-License-Identifier: EUPL-1.2
"""Covenant pages (list, detail, new, edit, activities, reuse decisions, status) and the privacy
officer's audit browser with CSV export.

Pages that only show data answer GET and HEAD alone (other methods: 405). No identifying value goes
into an address: the audit browser's filter is posted, kept in the session and named in links by an
opaque token (``?f=…``), also for the next page and the CSV export.
"""

from __future__ import annotations

import csv
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
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
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from smaakmaker.access import covenant_selectors as selectors
from smaakmaker.access import services
from smaakmaker.access.audit import audit_record, origin_of
from smaakmaker.access.covenant_forms import (
    ActivityForm,
    AuditFilterForm,
    CovenantEndForm,
    CovenantForm,
    GrantFormSet,
    ReuseDecisionForm,
    add_service_errors,
)
from smaakmaker.access.models import AuditRecord, Covenant, CovenantStatus, ProcessingLogRecord
from smaakmaker.common.permissions import permission_required

PAGE_SIZE = 50


@require_safe
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
    end_form: CovenantEndForm | None = None,
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
    may_end = request.user.has_perm("access.change_covenant") and covenant.status == CovenantStatus.ACTIVE
    if end_form is None and may_end:
        end_form = CovenantEndForm()
    context = {
        "covenant": covenant,
        "activities": activities,
        "reuse_decisions": selectors.reuse_decisions_of(covenant=covenant),
        # A posted form is shown again with its errors, also when no new decision can be made.
        "reuse_form": reuse_form if may_decide_reuse or (reuse_form and reuse_form.is_bound) else None,
        "end_form": end_form if may_end or (end_form and end_form.is_bound) else None,
        "status_errors": status_errors or {},
        "is_draft": covenant.status == CovenantStatus.DRAFT,
    }
    return render(request, "access/covenant_detail.html", context, status=status)


@require_safe
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
    """Activate, or end with a reason and an explicit confirmation; when refused, the page shows why
    next to the facts or fields concerned."""
    covenant = _covenant(uuid)
    action = request.POST.get("action")
    if action == "activate":
        try:
            services.covenant_activate(actor=request.user, covenant=covenant, origin=origin_of(request))
        except services.CovenantError as exc:
            return _detail_page(request, _covenant(uuid), status_errors=exc.errors, status=400)
        messages.success(request, _("The covenant is active."))
    elif action == "end":
        form = CovenantEndForm(request.POST)
        if not form.is_valid():
            return _detail_page(request, covenant, end_form=form, status=400)
        try:
            services.covenant_end(
                actor=request.user,
                covenant=covenant,
                reason=form.cleaned_data["reason"],
                origin=origin_of(request),
            )
        except services.CovenantError as exc:
            rest = add_service_errors(form, exc)
            return _detail_page(request, _covenant(uuid), end_form=form, status_errors=rest, status=400)
        messages.success(request, _("The covenant has ended."))
    else:
        return HttpResponseBadRequest()
    return HttpResponseRedirect(reverse("access:covenant_detail", args=[covenant.uuid]))


# --- Audit browser ---------------------------------------------------------------------------------
# The filter (user names, object ids, trace ids) never goes into an address, where it would end up in
# browser history, proxy and server logs: it is posted, kept in the session under a random token, and
# the page, its next pages and the CSV export name only that token. A token means nothing outside the
# session that made it.

AUDIT_FILTERS_SESSION_KEY = "smaakmaker_audit_filters"
#: how many filters a session keeps (the oldest is forgotten first)
AUDIT_FILTERS_KEPT = 20
#: the only query parameters of the audit pages: the log, the filter token and the page number
AUDIT_QUERY_PARAMETERS = frozenset({"log", "f", "page"})


def _filter_keep(request: HttpRequest, state: dict) -> str:
    """Keep a filter (``{"log": …, "filters": {…}}``) in the session; returns its token."""
    kept: dict[str, dict] = dict(request.session.get(AUDIT_FILTERS_SESSION_KEY, {}))
    for token, existing in kept.items():
        if existing == state:
            return token
    token = secrets.token_urlsafe(12)
    kept[token] = state
    while len(kept) > AUDIT_FILTERS_KEPT:
        kept.pop(next(iter(kept)))
    request.session[AUDIT_FILTERS_SESSION_KEY] = kept
    return token


class _FilterGone(Exception):
    pass


def _filter_state(request: HttpRequest) -> tuple[str, dict[str, str], str]:
    """(log, filters, query string naming them) of a GET request; raises ``_FilterGone`` for a token
    this session does not know (expired, or from another session)."""
    token = request.GET.get("f", "")
    if token:
        state = request.session.get(AUDIT_FILTERS_SESSION_KEY, {}).get(token)
        if state is None:
            raise _FilterGone
        return state["log"], dict(state["filters"]), f"f={token}"
    log = request.GET.get("log", "audit")
    log = log if log in selectors.AUDIT_LOGS else "audit"
    return log, {}, f"log={log}"


def _foreign_parameters(request: HttpRequest) -> bool:
    return bool(set(request.GET) - AUDIT_QUERY_PARAMETERS)


def _audit_page(request, *, log, filters, query, form=None, query_error=False, status=200) -> HttpResponse:
    records = selectors.audit_log_records(log=log, filters=filters)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    if form is None:
        form = AuditFilterForm(initial={"log": log, **filters})
    context = {
        "page": page,
        "log": log,
        "form": form,
        "filter_fields": [form[name] for name in AuditFilterForm.FIELDS_OF_LOG[log]],
        "filtered": bool(filters),
        "query": query,
        "query_error": query_error,
    }
    return render(request, "access/audit.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@permission_required("access.view_auditrecord", raise_exception=True)
def audit_browser(request: HttpRequest) -> HttpResponse:
    """The audit or processing log, newest first. POST sets the filter and redirects to its token."""
    url = reverse("access:audit")
    if request.method == "POST":
        form = AuditFilterForm(request.POST)
        if not form.is_valid():
            log = request.POST.get("log")
            log = log if log in selectors.AUDIT_LOGS else "audit"
            return _audit_page(request, log=log, filters={}, query=f"log={log}", form=form, status=400)
        filters = form.filters()
        log = form.cleaned_data["log"]
        if not filters:
            return HttpResponseRedirect(f"{url}?log={log}", status=303)
        token = _filter_keep(request, {"log": log, "filters": filters})
        return HttpResponseRedirect(f"{url}?f={token}", status=303)
    if _foreign_parameters(request):
        # An old bookmark or a hand-made address with a filter in it: not honoured, and said so.
        return _audit_page(request, log="audit", filters={}, query="log=audit", query_error=True, status=400)
    try:
        log, filters, query = _filter_state(request)
    except _FilterGone:
        messages.warning(request, _("This filter is no longer available. Set the filter again."))
        return HttpResponseRedirect(url)
    return _audit_page(request, log=log, filters=filters, query=query)


class _Echo:
    def write(self, value):
        return value


@require_safe
@login_required
@permission_required("access.view_auditrecord", raise_exception=True)
def audit_export(request: HttpRequest) -> HttpResponse:
    """CSV of the (filtered) audit or processing log; the export itself is audited, with its filter."""
    if _foreign_parameters(request):
        return render(request, "400.html", status=400)
    try:
        log, filters, _query = _filter_state(request)
    except _FilterGone:
        messages.warning(request, _("This filter is no longer available. Set the filter again."))
        return HttpResponseRedirect(reverse("access:audit"))
    model = ProcessingLogRecord if log == "processing" else AuditRecord
    fields = [f.name for f in model._meta.fields]
    described = ", ".join(f"{name}={value}" for name, value in sorted(filters.items()))
    audit_record(
        actor=request.user,
        action=f"{log}_log.export",
        reason="Export door FG" + (f"; filter: {described}" if described else ""),
        origin=origin_of(request),
    )
    writer = csv.writer(_Echo())
    rows = selectors.audit_log_records(log=log, filters=filters).order_by("id").values_list(*fields)

    def stream():
        yield writer.writerow(fields)
        for row in rows.iterator(chunk_size=2000):
            yield writer.writerow(row)

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{log}-log.csv"'
    return response


@login_required
@permission_required(
    ["access.view_covenant", "access.add_covenant", "access.add_processingactivity"], raise_exception=True
)
@require_http_methods(["GET", "HEAD", "POST"])
def covenant_template(request: HttpRequest) -> HttpResponse:
    """A first covenant from the template of the method's usual processing activities (issue 13, point 5):
    choose the partners, the area and the activities, review each activity here, save as a draft; the
    covenant's page then takes the usual steps (own activities, DPIA, privacy officer, activation)."""
    from django.utils import timezone

    from smaakmaker.access import covenant_template as template
    from smaakmaker.access.covenant_forms import CovenantTemplateForm

    initial = {
        "name": _("Covenant neighbourhood approach"),
        "valid_from": timezone.localdate(),
        "activities": [entry["code"] for entry in template.ACTIVITIES],
    }
    form = CovenantTemplateForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                covenant = services.covenant_from_template(
                    actor=request.user,
                    origin=origin_of(request),
                    name=form.cleaned_data["name"],
                    area_codes=form.cleaned_data["area_codes"],
                    partners=list(form.cleaned_data["partners"]),
                    valid_from=form.cleaned_data["valid_from"],
                    activity_codes=form.cleaned_data["activities"],
                )
            except services.CovenantError as exc:
                for messages_ in add_service_errors(form, exc).values():
                    form.add_error(None, messages_)
            else:
                messages.success(
                    request,
                    _(
                        "The covenant was saved as a draft with the activities of the template. Review them "
                        "with the partners and the privacy officer, then record the DPIA and activate it."
                    ),
                )
                return HttpResponseRedirect(reverse("access:covenant_detail", args=[covenant.uuid]))
        status = 400
    return render(
        request,
        "access/covenant_template.html",
        {"form": form, "entries": _template_entries(form)},
        status=status,
    )


def _template_entries(form) -> list[dict]:
    """Each template activity with its checkbox and its content in Dutch labels, for review on the page."""
    from smaakmaker.access import covenant_template as template
    from smaakmaker.access.models import AvgGround, Compartment, GrantLevel, GrantScope, OrganisationKind
    from smaakmaker.access.policies import ROLES_BY_NAME

    boxes = {box.data["value"]: box for box in form["activities"]}
    entries = []
    for entry in template.ACTIVITIES:
        entries.append(
            {
                "box": boxes[entry["code"]],
                "entry": entry,
                "avg_ground": AvgGround(entry["avg_ground"]).label,
                "compartment": Compartment(entry["compartment"]).label,
                "grants": [
                    {
                        "kind": OrganisationKind(kind).label,
                        "role": ROLES_BY_NAME[role].label,
                        "scope": GrantScope(scope).label,
                        "level": GrantLevel(level).label,
                    }
                    for kind, role, scope, level in entry["grants"]
                ],
            }
        )
    return entries
