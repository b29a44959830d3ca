# SPDX-License-Identifier: EUPL-1.2
"""Pages of the address register. Every page with personal data reads through ``selectors`` (which
check the covenant and write the audit and processing log); a dossier first asks the purpose.

Roles without the register get the 403 page on its lists, search and agenda. Visibility comes before
anything else: a dossier or case the user may not see answers the 404 page whatever was sent, exactly
as one that does not exist (and the attempt to open a dossier is logged)."""

from __future__ import annotations

import json
import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from smaakmaker.access.audit import origin_of
from smaakmaker.access.models import Organisation
from smaakmaker.access.policies import grants_for, writable_activity_ids
from smaakmaker.cases import partner_files, selectors, services
from smaakmaker.cases.errors import NotPermitted, NotVisible, RegisterError
from smaakmaker.cases.forms import (
    STATUS_LABELS,
    AddressNewForm,
    CaseFilterForm,
    CaseOpenForm,
    DecisionForm,
    InzageForm,
    PartnerFileMappingForm,
    PartnerFileUploadForm,
    PurposeForm,
    SearchForm,
    SignalForm,
    TransitionForm,
)
from smaakmaker.cases.models import Address, Case, PartnerFileStatus, SignalKind
from smaakmaker.common.permissions import PermissionMissing, permission_required

PURPOSE_SESSION_KEY = "smaakmaker_dossier_purpose"
PURPOSE_MINUTES = 15
LIST_PURPOSE = "Casuslijst bekijken"
SEARCH_PURPOSE = "Adres zoeken"
AGENDA_PURPOSE = "Casusoverleg voorbereiden"


def _purpose_get(request, key: str) -> str:
    stored = request.session.get(PURPOSE_SESSION_KEY, {}).get(key)
    if stored and time.time() - stored[1] < PURPOSE_MINUTES * 60:
        return stored[0]
    return ""


def _purpose_set(request, key: str, purpose: str) -> None:
    purposes = request.session.get(PURPOSE_SESSION_KEY, {})
    purposes[key] = [purpose, time.time()]
    request.session[PURPOSE_SESSION_KEY] = purposes


def _register_required(user, *permissions: str) -> None:
    """The 403 page for roles without the register (``selectors.register_required``)."""
    try:
        selectors.register_required(user, *permissions)
    except NotPermitted as exc:
        raise PermissionMissing(permissions[0], exc.message) from exc


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The case list per area."""
    _register_required(request.user, "cases.view_case")
    context = {
        "status_labels": STATUS_LABELS,
        "search_form": SearchForm(),
        # public BAG data only: whether the register has any address yet (an empty instance says what next)
        "register_empty": not Address.objects.exists(),
    }
    if not grants_for(request.user):
        return render(request, "cases/index.html", {**context, "no_access": True})
    form = CaseFilterForm(
        request.GET or None,
        buurt_codes=selectors.buurt_codes_visible(user=request.user)
        + selectors.custom_area_codes_visible(user=request.user),
    )
    filters = form.cleaned_data if form.is_valid() else {}
    cases, total = selectors.cases_list(
        user=request.user,
        purpose=LIST_PURPOSE,
        origin=origin_of(request),
        buurt_code=filters.get("buurt_code", ""),
        status=filters.get("status", ""),
        limit=200,
    )
    return render(request, "cases/index.html", {**context, "form": form, "cases": cases, "total": total})


@login_required
@require_http_methods(["POST"])
def search(request: HttpRequest) -> HttpResponse:
    """Search by postcode and house number (POST: no personal data in URLs)."""
    _register_required(request.user, "cases.view_address")
    form = SearchForm(request.POST)
    results = None
    if form.is_valid():
        results = selectors.addresses_search(
            user=request.user, purpose=SEARCH_PURPOSE, origin=origin_of(request), **form.cleaned_data
        )
    return render(request, "cases/search.html", {"search_form": form, "results": results})


@login_required
@require_http_methods(["GET", "POST"])
def dossier(request: HttpRequest, uuid) -> HttpResponse:
    key = str(uuid)
    purpose = _purpose_get(request, key) if request.method == "GET" else ""
    if not purpose:
        # Visibility before the purpose: an address the user may not see answers 404 whatever was sent,
        # and the attempt is logged (``address.read.denied``) whether the address exists or not.
        try:
            selectors.address_open_check(user=request.user, uuid=uuid, origin=origin_of(request))
        except NotVisible as exc:
            raise Http404 from exc
    if request.method == "POST":
        form = PurposeForm(request.POST)
        if form.is_valid():
            _purpose_set(request, key, form.cleaned_data["purpose"])
            return HttpResponseRedirect(reverse("cases:dossier", args=[uuid]))
        return render(request, "cases/purpose.html", {"form": form}, status=400)
    if not purpose:
        return render(request, "cases/purpose.html", {"form": PurposeForm()})
    try:
        data = selectors.address_dossier(
            user=request.user, uuid=uuid, purpose=purpose, origin=origin_of(request)
        )
    except NotVisible as exc:
        raise Http404 from exc
    may_record = bool(writable_activity_ids(request.user)) and request.user.has_perm("cases.add_signal")
    return render(
        request,
        "cases/dossier.html",
        {
            "dossier": data,
            "purpose": purpose,
            "status_labels": STATUS_LABELS,
            "may_record": may_record,
            "may_open_case": request.user.has_perm("cases.add_case"),
            "may_change_case": request.user.has_perm("cases.change_case"),
            "may_decide": request.user.has_perm("cases.add_decision"),
        },
    )


def _visible_address(request, uuid) -> Address:
    address = Address.objects.visible_one(request.user, uuid=uuid)
    if address is None:
        raise Http404
    return address


def _visible_case(request, uuid) -> Case:
    case = (
        Case.objects.visible_to(request.user).filter(uuid=uuid).select_related("address", "activity").first()
    )
    if case is None:
        raise Http404
    return case


def _field_error(form, exc: RegisterError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    if exc.code == services.CONFIRM_NO_NAMES:
        form.asks_names = True  # show the checkbox "this text contains no name of a resident"


@login_required
@permission_required("cases.add_signal", raise_exception=True)
@require_http_methods(["GET", "POST"])
def signal_create(request: HttpRequest, uuid) -> HttpResponse:
    address = _visible_address(request, uuid)
    writable = writable_activity_ids(request.user)
    kinds = SignalKind.objects.filter(is_active=True, activity_id__in=writable)
    form = SignalForm(request.POST or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            services.signal_record(
                actor=request.user, address=address, origin=origin_of(request), **form.cleaned_data
            )
        except RegisterError as exc:
            _field_error(form, exc)
        else:
            messages.success(request, _("The signal has been recorded."))
            return HttpResponseRedirect(reverse("cases:dossier", args=[address.uuid]))
    return render(
        request,
        "cases/form.html",
        {"form": form, "title": _("Record a signal"), "address": address, "back": address},
    )


@login_required
@permission_required("cases.add_signal", raise_exception=True)
@require_http_methods(["GET", "POST"])
def address_new(request: HttpRequest) -> HttpResponse:
    """A new address with its first signal (day-one entry): the address is registered (public BAG data,
    reused when it is known) and the signal recorded under the covenant, in one transaction (all or nothing)."""
    writable = writable_activity_ids(request.user)
    kinds = SignalKind.objects.filter(is_active=True, activity_id__in=writable)
    form = AddressNewForm(request.POST or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            address = services.address_with_first_signal_record(
                actor=request.user,
                origin=origin_of(request),
                address_fields=form.address_fields(),
                signal_fields=form.signal_fields(),
            )
        except NotPermitted as exc:
            form.add_error("buurt_code", exc.message)
        except RegisterError as exc:
            _field_error(form, exc)
        else:
            messages.success(request, _("The address and its first signal have been recorded."))
            return HttpResponseRedirect(reverse("cases:dossier", args=[address.uuid]))
    return render(
        request,
        "cases/form.html",
        {
            "form": form,
            "title": _("New address"),
            "lead": _("A new address enters the register with the signal that brings it in."),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@permission_required("cases.add_case", raise_exception=True)
@require_http_methods(["GET", "POST"])
def case_open(request: HttpRequest, uuid) -> HttpResponse:
    address = _visible_address(request, uuid)
    from smaakmaker.access.models import ProcessingActivity

    writable = writable_activity_ids(request.user)
    form = CaseOpenForm(
        request.POST or None,
        organisations=Organisation.objects.filter(covenants__isnull=False).distinct(),
        activities=ProcessingActivity.objects.filter(pk__in=writable, signal_kinds__isnull=True).distinct(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.case_open(
                actor=request.user,
                address=address,
                activity=form.cleaned_data["activity"],
                summary=form.cleaned_data["summary"],
                participants=list(form.cleaned_data["participants"]),
                confirm_no_names=form.cleaned_data["confirm_no_names"],
                origin=origin_of(request),
            )
        except RegisterError as exc:
            _field_error(form, exc)
        else:
            messages.success(request, _("The case has been opened."))
            return HttpResponseRedirect(reverse("cases:dossier", args=[address.uuid]))
    return render(
        request,
        "cases/form.html",
        {"form": form, "title": _("Open a case"), "address": address, "back": address},
    )


@login_required
@permission_required("cases.add_decision", raise_exception=True)
@require_http_methods(["GET", "POST"])
def decision_create(request: HttpRequest, uuid) -> HttpResponse:
    case = _visible_case(request, uuid)
    form = DecisionForm(request.POST or None)
    return _case_form(
        request,
        case,
        form,
        services.decision_record,
        _("The decision has been recorded."),
        _("Record a decision"),
    )


@login_required
@permission_required("cases.change_case", raise_exception=True)
@require_http_methods(["GET", "POST"])
def case_transition(request: HttpRequest, uuid) -> HttpResponse:
    case = _visible_case(request, uuid)
    form = TransitionForm(request.POST or None, current=case.status)
    return _case_form(
        request, case, form, services.case_transition, _("The status has been changed."), _("Change status")
    )


def _case_form(request: HttpRequest, case, form, service, success: str, title: str) -> HttpResponse:
    """A form about one case: call the service, show its refusal next to the field, or go to the dossier."""
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, case=case, origin=origin_of(request), **form.cleaned_data)
        except RegisterError as exc:
            _field_error(form, exc)
        else:
            messages.success(request, success)
            return HttpResponseRedirect(reverse("cases:dossier", args=[case.address.uuid]))
    return render(
        request,
        "cases/form.html",
        {"form": form, "title": title, "address": case.address, "back": case.address},
    )


@login_required
def agenda(request: HttpRequest) -> HttpResponse:
    _register_required(request.user, "cases.view_signal", "cases.view_case")
    if not grants_for(request.user):
        return render(request, "cases/agenda.html", {"no_access": True})
    items = selectors.agenda(user=request.user, purpose=AGENDA_PURPOSE, origin=origin_of(request))
    return render(
        request,
        "cases/agenda.html",
        {"items": items, "rules": selectors.rules_published(), "status_labels": STATUS_LABELS},
    )


@login_required
@permission_required("cases.export_inzage", raise_exception=True)
@require_http_methods(["GET", "POST"])
def inzage(request: HttpRequest) -> HttpResponse:
    form = InzageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = Address.objects.filter(
            bag_nummeraanduiding_id=form.cleaned_data["bag_nummeraanduiding_id"]
        ).first()
        if address is None:
            form.add_error("bag_nummeraanduiding_id", _("This address is not in the register."))
        else:
            data = selectors.inzage_export(
                user=request.user,
                purpose=form.cleaned_data["purpose"],
                origin=origin_of(request),
                address_uuid=address.uuid,
            )
            response = HttpResponse(
                json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
            )
            response["Content-Disposition"] = (
                f'attachment; filename="inzage-{address.bag_nummeraanduiding_id}.json"'
            )
            return response
    return render(request, "cases/form.html", {"form": form, "title": _("Inzage export (AVG art. 15)")})


# --- partner files of signals ----------------------------------------------------------------------------


def _partner_file(request, uuid):
    file_import = partner_files.import_visible(user=request.user, uuid=uuid)
    if file_import is None:
        raise Http404
    return file_import


@login_required
@permission_required("cases.add_signal", raise_exception=True)
@require_http_methods(["GET", "POST"])
def partner_file_list(request: HttpRequest) -> HttpResponse:
    """Upload a file of signals (CSV or XLSX); the user's earlier files with their results."""
    organisations = partner_files.organisations_for_upload(request.user)
    form = PartnerFileUploadForm(request.POST or None, request.FILES or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            file_import = partner_files.partner_file_upload(
                actor=request.user,
                organisation=form.cleaned_data["organisation"],
                file_name=upload.name,
                content=upload.read(),
                origin=origin_of(request),
            )
        except NotPermitted as exc:
            form.add_error("organisation", exc.message)
        except RegisterError as exc:
            form.add_error("file", exc.message)
        else:
            return HttpResponseRedirect(reverse("cases:partner_file", args=[file_import.uuid]))
    return render(
        request,
        "cases/partner_files.html",
        {
            "form": form,
            "organisations": organisations,
            "imports": partner_files.imports_visible(user=request.user).select_related("organisation")[:50],
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@permission_required("cases.add_signal", raise_exception=True)
@require_http_methods(["GET", "POST"])
def partner_file(request: HttpRequest, uuid) -> HttpResponse:
    """The column mapping and the dry run of one file; its progress and result once it is imported."""
    file_import = _partner_file(request, uuid)
    context = {"file_import": file_import, "statuses": PartnerFileStatus}
    checkable = file_import.status in (PartnerFileStatus.UPLOADED, PartnerFileStatus.CHECKED)
    if checkable:
        try:
            headers = partner_files.file_headers(file_import)
        except partner_files.PartnerFileRefused as exc:
            context["unreadable"] = exc.message
            return render(request, "cases/partner_file.html", context, status=400)
        kinds = partner_files.kinds_writable(actor=request.user, organisation=file_import.organisation)
        initial = partner_files.mapping_initial(file_import, headers)
        form = PartnerFileMappingForm(request.POST or None, headers=headers, kinds=kinds, initial=initial)
        if request.method == "POST" and form.is_valid():
            file_import = partner_files.partner_file_check(
                actor=request.user,
                file_import=file_import,
                columns=form.columns(),
                kind_values=form.cleaned_data["kind_values"],
                default_kind=form.cleaned_data["default_kind"],
                confirm_no_names=form.cleaned_data["confirm_no_names"],
                origin=origin_of(request),
            )
            return HttpResponseRedirect(
                reverse("cases:partner_file", args=[file_import.uuid]) + "#proefinlezen"
            )
        context["form"] = form
    if file_import.report:
        context["report"] = partner_files.FileReport(**file_import.report)
    return render(
        request, "cases/partner_file.html", context, status=400 if request.method == "POST" else 200
    )


@require_http_methods(["POST"])
@login_required
@permission_required("cases.add_signal", raise_exception=True)
def partner_file_commit(request: HttpRequest, uuid) -> HttpResponse:
    file_import = _partner_file(request, uuid)
    try:
        partner_files.partner_file_commit_start(
            actor=request.user, file_import=file_import, origin=origin_of(request)
        )
    except (NotPermitted, RegisterError) as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(reverse("cases:partner_file", args=[file_import.uuid]))


@login_required
@permission_required("cases.add_signal", raise_exception=True)
def partner_file_progress(request: HttpRequest, uuid) -> JsonResponse:
    file_import = _partner_file(request, uuid)
    return JsonResponse(
        {
            "status": file_import.status,
            "progress": file_import.progress,
            "step": file_import.step,
            "done": file_import.done,
        }
    )


# --- addresses uploaded by the beheerder (the first run) ------------------------------------------


@login_required
@permission_required("cases.import_addresses", raise_exception=True)
@require_http_methods(["GET", "POST"])
def address_upload(request: HttpRequest) -> HttpResponse:
    """Upload the BAG addresses of the gemeente (or an own list); imported on the background queue."""
    from smaakmaker.areas.selectors import home_gemeente
    from smaakmaker.cases import address_uploads
    from smaakmaker.cases.address_imports import AddressImportError
    from smaakmaker.cases.forms import AddressUploadForm
    from smaakmaker.common.uploads import request_too_large, too_large_message

    home = home_gemeente()
    too_large = request.method == "POST" and request_too_large(request)
    form = AddressUploadForm(
        request.POST if request.method == "POST" and not too_large else None,
        request.FILES if request.method == "POST" and not too_large else None,
    )
    status, refused = 200, ""
    if too_large:
        refused, status = too_large_message(), 413
    elif request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                started = address_uploads.address_upload_start(
                    actor=request.user,
                    file_name=upload.name,
                    content=upload.read(),
                    columns=form.cleaned_data["columns"],
                    gemeente_code=home.code if home else "",
                    origin=origin_of(request),
                )
            except AddressImportError as exc:
                form.add_error("file", str(exc))
            else:
                return HttpResponseRedirect(reverse("cases:address_upload_status", args=[started.uuid]))
    return render(
        request,
        "cases/address_upload.html",
        {
            "form": form,
            "home": home,
            "refused": refused,
            "uploads": address_uploads.uploads_recent(user=request.user),
        },
        status=status,
    )


def _address_upload(uuid):
    from smaakmaker.cases.models import AddressUpload

    upload = AddressUpload.objects.defer("content").select_related("uploaded_by").filter(uuid=uuid).first()
    if upload is None:
        raise Http404
    return upload


@login_required
@permission_required("cases.import_addresses", raise_exception=True)
@require_http_methods(["GET", "HEAD"])
def address_upload_status(request: HttpRequest, uuid) -> HttpResponse:
    upload = _address_upload(uuid)
    report = upload.report or {}
    years = []
    for year in report.get("years", []):
        outside = report.get("outside", {}).get(str(year), {})
        years.append(
            {
                "year": year,
                "in_buurt": report.get("in_buurt", {}).get(str(year), 0),
                "ambiguous": report.get("ambiguous", {}).get(str(year), 0),
                "outside_total": sum(outside.values()),
                "outside": sorted(outside.items(), key=lambda item: (-item[1], item[0])),
            }
        )
    return render(
        request, "cases/address_upload_status.html", {"upload": upload, "report": report, "years": years}
    )


@login_required
@permission_required("cases.import_addresses", raise_exception=True)
@require_http_methods(["GET", "HEAD"])
def address_upload_progress(request: HttpRequest, uuid) -> JsonResponse:
    upload = _address_upload(uuid)
    return JsonResponse(
        {"status": upload.status, "progress": upload.progress, "step": upload.step, "done": upload.done}
    )


# --- the catalogue of signal kinds -------------------------------------------------------------------


@login_required
@permission_required("cases.view_signalkind", raise_exception=True)
@require_http_methods(["GET", "POST"])
def signal_kinds(request: HttpRequest) -> HttpResponse:
    """The signal kinds and the processing activity each falls under; the usual kinds added in one step
    once the covenant's activities exist (an instance without the demo starts without kinds)."""
    from smaakmaker.cases import signal_kinds as usual

    if request.method == "POST":
        if not request.user.has_perm(usual.MANAGE):
            raise PermissionMissing(usual.MANAGE)
        created = usual.signal_kinds_usual_add(actor=request.user, origin=origin_of(request))
        messages.success(
            request,
            _("%(n)s usual signal kinds added.") % {"n": len(created)}
            if created
            else _("Nothing to add: every usual signal kind whose processing activity exists is there."),
        )
        return HttpResponseRedirect(reverse("cases:signal_kinds"))
    return render(
        request,
        "cases/signal_kinds.html",
        {
            "kinds": SignalKind.objects.select_related("activity").order_by("activity__name", "label"),
            "missing": usual.signal_kinds_missing(),
            "may_add": request.user.has_perm(usual.MANAGE),
        },
    )
