# SPDX-License-Identifier: EUPL-1.2
"""Partner API of the register. Personal-data reads need the purpose in the ``X-Purpose`` header;
searches with personal data go by POST; objects that exist but are not visible answer 404.

No existence oracles: the answer never depends on whether the register holds something the caller may
not see. Permission and visibility are decided before the request is validated (a hidden case answers
404 whatever the body), and a hidden object answers exactly like one that does not exist."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from smaakmaker.access.audit import origin_of
from smaakmaker.access.models import Organisation, ProcessingActivity
from smaakmaker.api.pagination import fetched_page, paged
from smaakmaker.api.problems import Conflict
from smaakmaker.api.schema import conflict, stripped_min_length_pattern
from smaakmaker.cases import partner_files, selectors, services
from smaakmaker.cases.api import serializers as s
from smaakmaker.cases.errors import (
    BatchError,
    NotPermitted,
    NotVisible,
    PurposeMissing,
    RegisterConflict,
    RegisterError,
)
from smaakmaker.cases.models import Address, AlertRule, Case, normalise_postcode

PURPOSE_HEADER = "X-Purpose"
PURPOSE_PARAMETER = OpenApiParameter(
    PURPOSE_HEADER,
    # selectors.purpose_check: at least MIN_PURPOSE_LENGTH characters once spaces around it are removed
    {
        "type": "string",
        "minLength": selectors.MIN_PURPOSE_LENGTH,
        "pattern": stripped_min_length_pattern(selectors.MIN_PURPOSE_LENGTH, header=True),
    },
    OpenApiParameter.HEADER,
    required=True,
    description=f"The purpose of this read of personal data (logged with it, its first 500 characters). At "
    f"least {selectors.MIN_PURPOSE_LENGTH} characters besides surrounding spaces; without it the request is "
    f"refused (400 naming `{PURPOSE_HEADER}`).",
)
IDEMPOTENCY_MAX_LENGTH = 200
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_MAX_LENGTH, "pattern": r"^\S(.*\S)?$"},
    OpenApiParameter.HEADER,
    required=True,
    description="A unique key per batch; repeating a batch with the same key returns the first answer "
    "(200, `replayed: true`), the same key with another batch is refused (409).",
)
TAGS = ["register"]
BAD_REQUEST = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="Problem details (application/problem+json): a missing purpose header or an invalid "
    "query parameter; `invalidParams` names it.",
)


def _invalid(field: str, message: str, code: str = "invalid") -> exceptions.ValidationError:
    return exceptions.ValidationError({field: [ErrorDetail(message, code=code)]})


def _purpose(request) -> str:
    value = request.headers.get(PURPOSE_HEADER, "")
    try:
        return selectors.purpose_check(value)
    except RegisterError as exc:
        raise _invalid(PURPOSE_HEADER, exc.message, "required") from exc


class RegisterView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def handle_exception(self, exc):
        if isinstance(exc, NotVisible):
            exc = exceptions.NotFound()
        elif isinstance(exc, NotPermitted):
            exc = exceptions.PermissionDenied(exc.message or None)
        elif isinstance(exc, PurposeMissing):
            exc = _invalid(PURPOSE_HEADER, exc.message, "required")
        elif isinstance(exc, RegisterConflict):
            exc = Conflict({exc.field: [ErrorDetail(exc.message, code=exc.code)]})
        elif isinstance(exc, BatchError):
            exc = exceptions.ValidationError(
                {field: [ErrorDetail(message, code=code)] for field, code, message in exc.errors}
            )
        elif isinstance(exc, RegisterError):
            exc = _invalid(exc.field, exc.message, exc.code)
        return super().handle_exception(exc)

    def valid(self, serializer_class, data):
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class AddressRegisterView(RegisterView):
    @extend_schema(
        summary="Register a BAG address (or find the registered one)",
        description="Needs a covenant grant to record data in the address's buurt, or in a custom area "
        "drawn as a boundary that the point of the address the register holds for this BAG id lies in "
        "(points come from BAG imports only); else 403, alike for an address outside the area and one the "
        "register does not know. The answer is the same whether the register knew the address or not: 201 "
        "with the address's register id and the data you sent, never what the register held before.",
        request=s.AddressRegisterSerializer,
        responses={201: s.AddressSerializer},
        tags=TAGS,
    )
    def post(self, request):
        if not request.user.has_perm("cases.add_signal"):
            raise exceptions.PermissionDenied()
        data = self.valid(s.AddressRegisterSerializer, request.data)
        address = services.address_register(actor=request.user, origin=origin_of(request), **data)
        echo = Address(uuid=address.uuid, **{**data, "postcode": normalise_postcode(data["postcode"])})
        return Response(s.AddressSerializer(echo).data, status=status.HTTP_201_CREATED)


class AddressSearchView(RegisterView):
    paged_methods = {"POST"}

    @extend_schema(
        summary="Search visible addresses (POST: no personal data in URLs)",
        description="Paged by `page` and `pageSize` in the query string; the search itself is in the body. "
        "Only the page answered is logged as read.",
        parameters=[PURPOSE_PARAMETER],
        request=s.AddressSearchSerializer,
        responses=paged(s.AddressSerializer),
        tags=TAGS,
    )
    def post(self, request):
        selectors.register_required(request.user, "cases.view_address")
        purpose = _purpose(request)
        data = self.valid(s.AddressSearchSerializer, request.data)
        fetch = partial(
            selectors.addresses_search_page,
            user=request.user,
            purpose=purpose,
            origin=origin_of(request),
            **data,
        )
        return fetched_page(request, fetch, s.AddressSerializer)


class AddressDossierView(RegisterView):
    @extend_schema(
        summary="The need-to-know dossier of one address",
        parameters=[PURPOSE_PARAMETER],
        responses={200: s.DossierSerializer, 400: BAD_REQUEST},
        tags=TAGS,
    )
    def get(self, request, uuid):
        dossier = selectors.address_dossier(
            user=request.user,
            uuid=uuid,
            purpose=request.headers.get(PURPOSE_HEADER, ""),
            origin=origin_of(request),
        )
        return Response(s.DossierSerializer(dossier).data)


def _cases_page(request, *, purpose: str, buurt_code: str, status: str, address_filter=None) -> Response:
    """One page of visible cases; only the page is logged as read."""
    fetch = partial(
        selectors.cases_list,
        user=request.user,
        purpose=purpose,
        origin=origin_of(request),
        buurt_code=buurt_code,
        status=status,
        address_filter=address_filter,
    )
    return fetched_page(request, fetch, s.CaseSerializer)


class CaseListView(RegisterView):
    query_serializer = s.CaseListQuerySerializer
    paged_methods = {"GET", "HEAD"}

    @extend_schema(
        summary="Visible cases, filtered by buurt and status",
        operation_id="cases_list",
        parameters=[PURPOSE_PARAMETER],
        responses={200: paged(s.CaseSerializer), 400: BAD_REQUEST},
        tags=TAGS,
    )
    def get(self, request):
        selectors.register_required(request.user, "cases.view_case")
        purpose = _purpose(request)
        query = self.valid(s.CaseListQuerySerializer, request.query_params)
        return _cases_page(
            request, purpose=purpose, buurt_code=query.get("buurt_code", ""), status=query.get("status", "")
        )

    @extend_schema(
        summary="Open a case for an address",
        request=s.CaseOpenSerializer,
        responses={201: s.CaseSerializer},
        tags=TAGS,
    )
    def post(self, request):
        if not request.user.has_perm("cases.add_case"):
            raise exceptions.PermissionDenied()
        data = self.valid(s.CaseOpenSerializer, request.data)
        address = Address.objects.visible_one(request.user, uuid=data["address"])
        if address is None:
            raise _invalid("address", "Unknown address.", "unknown_address")
        activity = ProcessingActivity.objects.filter(code=data["processing_activity"]).first()
        if activity is None:
            raise _invalid("processing_activity", "Unknown processing activity.", "no_processing_activity")
        participants = list(Organisation.objects.filter(uuid__in=data["participants"]))
        if len(participants) != len(set(data["participants"])):
            raise _invalid("participants", "Unknown organisation.", "unknown")
        case = services.case_open(
            actor=request.user,
            address=address,
            activity=activity,
            summary=data["summary"],
            participants=participants,
            confirm_no_names=data["confirm_no_names"],
            origin=origin_of(request),
        )
        return Response(s.CaseSerializer(case).data, status=status.HTTP_201_CREATED)


class CaseSearchView(RegisterView):
    paged_methods = {"POST"}

    @extend_schema(
        summary="Search visible cases by address (POST: no personal data in URLs)",
        description="Paged by `page` and `pageSize` in the query string; the search itself is in the body.",
        parameters=[PURPOSE_PARAMETER],
        request=s.CaseSearchSerializer,
        responses=paged(s.CaseSerializer),
        tags=TAGS,
    )
    def post(self, request):
        selectors.register_required(request.user, "cases.view_case")
        purpose = _purpose(request)
        data = dict(self.valid(s.CaseSearchSerializer, request.data))
        status_filter = data.pop("status", "")
        buurt = data.pop("buurt_code", "")
        return _cases_page(
            request, purpose=purpose, buurt_code=buurt, status=status_filter, address_filter=data
        )


class CaseDetailView(RegisterView):
    @extend_schema(
        summary="One case with its decisions and history",
        parameters=[PURPOSE_PARAMETER],
        responses={200: s.CaseDetailSerializer, 400: BAD_REQUEST},
        tags=TAGS,
    )
    def get(self, request, uuid):
        case, decisions, events = selectors.case_detail(
            user=request.user,
            uuid=uuid,
            purpose=request.headers.get(PURPOSE_HEADER, ""),
            origin=origin_of(request),
        )
        return Response(
            s.CaseDetailSerializer({"case": case, "decisions": decisions, "history": events}).data
        )


def _visible_case(request, uuid, *, permission: str) -> Case:
    """The case if it is visible and the user may act on it (both before the body is read), else 404."""
    case = (
        Case.objects.visible_to(request.user).filter(uuid=uuid).select_related("address", "activity").first()
    )
    if case is None or not request.user.has_perm(permission):
        raise NotVisible(uuid)
    return case


class CaseTransitionView(RegisterView):
    @extend_schema(
        summary="Change the status of a case (ALLOWED_TRANSITIONS)",
        request=s.TransitionSerializer,
        responses={
            200: s.CaseSerializer,
            409: conflict("the case's status does not allow this change (`to_status`, code `transition`)."),
        },
        tags=TAGS,
    )
    def post(self, request, uuid):
        case = _visible_case(request, uuid, permission="cases.change_case")
        data = self.valid(s.TransitionSerializer, request.data)
        case = services.case_transition(actor=request.user, case=case, origin=origin_of(request), **data)
        return Response(s.CaseSerializer(case).data)


class DecisionCreateView(RegisterView):
    @extend_schema(
        summary="Record a decision with motivation and the milder alternative",
        request=s.DecisionCreateSerializer,
        responses={201: s.DecisionSerializer},
        tags=TAGS,
    )
    def post(self, request, uuid):
        case = _visible_case(request, uuid, permission="cases.add_decision")
        data = self.valid(s.DecisionCreateSerializer, request.data)
        decision = services.decision_record(actor=request.user, case=case, origin=origin_of(request), **data)
        return Response(s.DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


def _acting_organisation(request) -> Organisation | None:
    """The organisation an API call acts for: the token's, else the user's first membership."""
    token = getattr(request, "api_token", None)
    if token is not None:
        return token.organisation
    return Organisation.objects.filter(memberships__in=request.user.memberships.all()).order_by("pk").first()


class SignalIngestView(RegisterView):
    @extend_schema(
        summary="Bulk signal ingestion (all or nothing, per-item problem details)",
        description="Every item names its address by BAG id and its public BAG data; an address the "
        "register does not know yet is registered from them, a registered one is used as it is, and the "
        "answer does not tell which. An item is stored only under a covenant grant to record its kind's "
        "processing activity in the buurt it gives. Where that activity allows no names, a description "
        "naming a resident of the register is refused (`resident_name`), and one that looks like a name "
        "needs `confirm_no_names: true` (`confirm_no_names`); one refused item stores nothing.",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=s.SignalBatchSerializer,
        responses={
            201: s.SignalBatchResultSerializer,
            200: s.SignalBatchResultSerializer,
            409: conflict("the Idempotency-Key was used for another batch (code `conflict`)."),
        },
        tags=TAGS,
    )
    def post(self, request):
        if not request.user.has_perm("cases.add_signal"):
            raise exceptions.PermissionDenied()
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            raise _invalid("Idempotency-Key", "Send an Idempotency-Key header.", "required")
        data = self.valid(s.SignalBatchSerializer, request.data)
        organisation = _acting_organisation(request)
        if organisation is None:
            raise exceptions.PermissionDenied()
        result = services.signals_ingest(
            actor=request.user,
            organisation=organisation,
            items=data["signals"],
            idempotency_key=key,
            origin=origin_of(request),
        )
        body = {
            "count": len(result.signal_uuids),
            "replayed": result.replayed,
            "signals": result.signal_uuids,
        }
        return Response(body, status=status.HTTP_200_OK if result.replayed else status.HTTP_201_CREATED)


class SignalKindListView(APIView):
    @extend_schema(
        summary="The catalogue of signal kinds",
        description="A short fixed catalogue: not paged.",
        responses=s.SignalKindSerializer(many=True),
        tags=TAGS,
    )
    def get(self, request):
        return Response(s.SignalKindSerializer(selectors.signal_kinds(), many=True).data)


class AlertRuleListView(APIView):
    @extend_schema(
        summary="The published alert rules",
        description="A short fixed catalogue: not paged.",
        responses=s.AlertRuleSerializer(many=True),
        tags=TAGS,
    )
    def get(self, request):
        return Response(s.AlertRuleSerializer(AlertRule.objects.filter(is_published=True), many=True).data)


class AgendaView(RegisterView):
    query_serializer = s.AgendaQuerySerializer
    paged_methods = {"GET", "HEAD"}

    @extend_schema(
        summary="The casusoverleg agenda",
        operation_id="agenda_list",
        description="Only the page answered is logged as read.",
        parameters=[PURPOSE_PARAMETER],
        responses={200: paged(s.AgendaItemSerializer), 400: BAD_REQUEST},
        tags=TAGS,
    )
    def get(self, request):
        selectors.register_required(request.user, "cases.view_signal", "cases.view_case")
        purpose = _purpose(request)
        query = self.valid(s.AgendaQuerySerializer, request.query_params)
        fetch = partial(
            selectors.agenda_page,
            user=request.user,
            purpose=purpose,
            origin=origin_of(request),
            buurt_code=query.get("buurt_code", ""),
        )
        return fetched_page(request, fetch, s.AgendaItemSerializer)


class InzageView(RegisterView):
    @extend_schema(
        summary="Inzage (AVG art. 15): everything about one address or resident, without co-residents",
        parameters=[PURPOSE_PARAMETER],
        request=s.InzageRequestSerializer,
        responses=OpenApiTypes.OBJECT,
        tags=TAGS,
    )
    def post(self, request):
        if not request.user.has_perm("cases.export_inzage"):
            raise exceptions.PermissionDenied()
        purpose = _purpose(request)
        data = self.valid(s.InzageRequestSerializer, request.data)
        with transaction.atomic():
            export = selectors.inzage_export(
                user=request.user,
                purpose=purpose,
                origin=origin_of(request),
                address_uuid=data.get("address"),
                resident_uuid=data.get("resident"),
            )
        return Response(export)


class SignalFileUploadView(RegisterView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Upload a partner file of signals (CSV or XLSX): check it, and import it all or nothing",
        description="The file is checked row by row against the register and your covenant grants, as "
        "signals recorded one by one (the dry run). A file that cannot be read (empty, not CSV or XLSX, a column "
        "named that is not in its first row) answers 400 (`file`), also in a dry run. "
        "With `dry_run=true` the answer is that check (200). "
        "Otherwise a file without rejected rows is put on the import queue (202; follow `Location` for its "
        "progress and result), and a file with a rejected row stores nothing and answers 400 naming every "
        "rejected row and field (`rows.<line>.<field>`, e.g. `rows.12.date`; the reason names the column). The column mapping is saved for your organisation and used "
        "for fields you do not name. The same file twice adds nothing (status `already`), and a row whose "
        "signal your organisation stored before is not stored again. An address the register does not know "
        "and one outside the area where you may record signals of that kind are reported alike.",
        request={"multipart/form-data": s.SignalFileUploadSerializer},
        responses={
            200: s.SignalFileSerializer,
            202: s.SignalFileSerializer,
            403: OpenApiResponse(
                response=OpenApiTypes.OBJECT,
                description="Problem details: your role may not record signals, or the covenant grants your "
                "organisation no processing activity under which it may.",
            ),
        },
        tags=TAGS,
    )
    def post(self, request):
        if not request.user.has_perm("cases.add_signal"):
            raise exceptions.PermissionDenied()
        organisation = _acting_organisation(request)
        if (
            organisation is None
            or not partner_files.organisations_for_upload(request.user).filter(pk=organisation.pk).exists()
        ):
            raise exceptions.PermissionDenied(
                "The covenant grants your organisation no processing activity under which it may record signals."
            )
        serializer = s.SignalFileUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = data["file"]
        origin = origin_of(request)
        file_import = partner_files.partner_file_upload(
            actor=request.user,
            organisation=organisation,
            file_name=upload.name,
            content=upload.read(),
            origin=origin,
        )
        file_import = partner_files.partner_file_check(
            actor=request.user,
            file_import=file_import,
            columns=serializer.columns(),
            default_kind=data.get("kind"),
            confirm_no_names=data["confirm_no_names"],
            origin=origin,
        )
        report = partner_files.FileReport(**file_import.report)
        if report.error:  # nothing could be read: a client error, in a dry run too
            raise _invalid("file", report.error, "unreadable")
        if data["dry_run"]:
            return Response(s.SignalFileSerializer(file_import).data)
        if report.problem_count:
            errors: dict[str, list] = {}
            field_of = {column: name for name, column in report.columns.items()}
            for problem in report.problems:
                where = f"kolom '{problem['column']}': " if problem["column"] else ""
                name = field_of.get(problem["column"], "row")
                errors.setdefault(f"rows.{problem['line']}.{name}", []).append(
                    ErrorDetail(where + problem["reason"], code="rejected_row")
                )
            if report.problem_count > len(report.problems):
                errors["file"] = [
                    ErrorDetail(
                        f"en nog {report.problem_count - len(report.problems)} problemen",
                        code="rejected_rows",
                    )
                ]
            raise exceptions.ValidationError(errors)
        file_import = partner_files.partner_file_commit_start(
            actor=request.user, file_import=file_import, origin=origin
        )
        response = Response(s.SignalFileSerializer(file_import).data, status=status.HTTP_202_ACCEPTED)
        response["Location"] = request.build_absolute_uri(
            reverse("api:signal-file", kwargs={"uuid": file_import.uuid})
        )
        return response


class SignalFileView(RegisterView):
    @extend_schema(
        summary="A partner file you uploaded: its check, progress and result",
        description="Only the user who uploaded the file sees it (404 for everyone else).",
        responses={200: s.SignalFileSerializer},
        tags=TAGS,
    )
    def get(self, request, uuid):
        file_import = partner_files.import_visible(user=request.user, uuid=uuid)
        if file_import is None:
            raise NotVisible(uuid)
        return Response(s.SignalFileSerializer(file_import).data)
