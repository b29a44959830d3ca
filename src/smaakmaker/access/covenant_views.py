# SPDX-License-Identifier: EUPL-1.2
"""Covenant pages and the privacy officer's audit browser with CSV export."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smaakmaker.access import services
from smaakmaker.access.audit import audit_record, origin_of
from smaakmaker.access.models import AuditRecord, Covenant, ProcessingLogRecord

PAGE_SIZE = 50
AUDIT_FILTERS = ("action", "actor", "result", "trace_id", "object_id")


@login_required
@permission_required("access.view_covenant", raise_exception=True)
def covenant_list(request: HttpRequest) -> HttpResponse:
    covenants = Covenant.objects.prefetch_related("partners").order_by("name")
    return render(request, "access/covenants.html", {"covenants": covenants})


@login_required
@permission_required("access.view_covenant", raise_exception=True)
def covenant_detail(request: HttpRequest, uuid) -> HttpResponse:
    covenant = get_object_or_404(Covenant.objects.select_related("privacy_officer"), uuid=uuid)
    activities = covenant.activities.prefetch_related("grants__role")
    return render(request, "access/covenant_detail.html", {"covenant": covenant, "activities": activities})


@login_required
@permission_required("access.change_covenant", raise_exception=True)
@require_POST
def covenant_status(request: HttpRequest, uuid) -> HttpResponse:
    covenant = get_object_or_404(Covenant, uuid=uuid)
    try:
        if request.POST.get("action") == "activate":
            services.covenant_activate(actor=request.user, covenant=covenant)
            messages.success(request, _("The covenant is active."))
        elif request.POST.get("action") == "end":
            services.covenant_end(actor=request.user, covenant=covenant)
            messages.success(request, _("The covenant has ended."))
    except services.CovenantError as exc:
        messages.error(request, str(exc))
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
