# SPDX-License-Identifier: EUPL-1.2
"""Partner API of the register. Personal-data reads need the purpose in the ``X-Purpose`` header;
searches with personal data go by POST; objects that exist but are not visible answer 404."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.views import APIView

from smaakmaker.access.audit import origin_of
from smaakmaker.access.models import Organisation, ProcessingActivity
from smaakmaker.cases import selectors, services
from smaakmaker.cases.api import serializers as s
from smaakmaker.cases.errors import BatchError, NotVisible, RegisterError
from smaakmaker.cases.models import Address, AlertRule, Case

PURPOSE_HEADER = "X-Purpose"
PURPOSE_PARAMETER = OpenApiParameter(
    PURPOSE_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="The purpose of this read of personal data (logged with it). Requests without it are refused.",
)
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="A unique key per batch; repeating a batch with the same key returns the first answer.",
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
        summary="Register a BAG address",
        request=s.AddressRegisterSerializer,
        responses={201: s.AddressSerializer},
        tags=TAGS,
    )
    def post(self, request):
        data = self.valid(s.AddressRegisterSerializer, request.data)
        if not request.user.has_perm("cases.add_signal"):
            raise exceptions.PermissionDenied()
        if Address.objects.filter(bag_nummeraanduiding_id=data["bag_nummeraanduiding_id"]).exists():
            raise _invalid("bag_nummeraanduiding_id", "This address is already registered.", "unique")
        address = services.address_register(actor=request.user, origin=origin_of(request), **data)
        return Response(s.AddressSerializer(address).data, status=status.HTTP_201_CREATED)


class AddressSearchView(RegisterView):
    @extend_schema(
        summary="Search visible addresses (POST: no personal data in URLs)",
        parameters=[PURPOSE_PARAMETER],
        request=s.AddressSearchSerializer,
        responses=s.AddressSerializer(many=True),
        tags=TAGS,
    )
    def post(self, request):
        purpose = _purpose(request)
        data = self.valid(s.AddressSearchSerializer, request.data)
        found = selectors.addresses_search(
            user=request.user, purpose=purpose, origin=origin_of(request), **data
        )
        return Response(s.AddressSerializer(found, many=True).data)


class AddressDossierView(RegisterView):
    @extend_schema(
        summary="The need-to-know dossier of one address",
        parameters=[PURPOSE_PARAMETER],
        responses={200: s.DossierSerializer, 400: BAD_REQUEST},
        tags=TAGS,
    )
    def get(self, request, uuid):
        purpose = _purpose(request)
        dossier = selectors.address_dossier(
            user=request.user, uuid=uuid, purpose=purpose, origin=origin_of(request)
        )
        return Response(s.DossierSerializer(dossier).data)


class CaseListView(RegisterView):
    @extend_schema(
        summary="Visible cases, filtered by buurt and status",
        operation_id="cases_list",
        parameters=[PURPOSE_PARAMETER, s.CaseListQuerySerializer],
        responses={200: s.CaseListSerializer, 400: BAD_REQUEST},
        tags=TAGS,
    )
    def get(self, request):
        purpose = _purpose(request)
        query = self.valid(s.CaseListQuerySerializer, request.query_params)
        page, total = selectors.cases_list(
            user=request.user,
            purpose=purpose,
            origin=origin_of(request),
            buurt_code=query.get("buurt_code", ""),
            status=query.get("status", ""),
            limit=query["limit"],
            offset=query["offset"],
        )
        return Response(s.CaseListSerializer({"count": total, "results": page}).data)

    @extend_schema(
        summary="Open a case for an address",
        request=s.CaseOpenSerializer,
        responses={201: s.CaseSerializer},
        tags=TAGS,
    )
    def post(self, request):
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
            origin=origin_of(request),
        )
        return Response(s.CaseSerializer(case).data, status=status.HTTP_201_CREATED)


class CaseSearchView(RegisterView):
    @extend_schema(
        summary="Search visible cases by address (POST: no personal data in URLs)",
        parameters=[PURPOSE_PARAMETER],
        request=s.CaseSearchSerializer,
        responses=s.CaseListSerializer,
        tags=TAGS,
    )
    def post(self, request):
        purpose = _purpose(request)
        data = dict(self.valid(s.CaseSearchSerializer, request.data))
        limit, offset = data.pop("limit"), data.pop("offset")
        status_filter = data.pop("status", "")
        buurt = data.pop("buurt_code", "")
        page, total = selectors.cases_list(
            user=request.user,
            purpose=purpose,
            origin=origin_of(request),
            buurt_code=buurt,
            status=status_filter,
            address_filter=data,
            limit=limit,
            offset=offset,
        )
        return Response(s.CaseListSerializer({"count": total, "results": page}).data)


class CaseDetailView(RegisterView):
    @extend_schema(
        summary="One case with its decisions and history",
        parameters=[PURPOSE_PARAMETER],
        responses={200: s.CaseDetailSerializer, 400: BAD_REQUEST},
        tags=TAGS,
    )
    def get(self, request, uuid):
        purpose = _purpose(request)
        case, decisions, events = selectors.case_detail(
            user=request.user, uuid=uuid, purpose=purpose, origin=origin_of(request)
        )
        return Response(
            s.CaseDetailSerializer({"case": case, "decisions": decisions, "history": events}).data
        )


def _visible_case(request, uuid) -> Case:
    case = (
        Case.objects.visible_to(request.user).filter(uuid=uuid).select_related("address", "activity").first()
    )
    if case is None:
        raise NotVisible(uuid)
    return case


class CaseTransitionView(RegisterView):
    @extend_schema(
        summary="Change the status of a case (ALLOWED_TRANSITIONS)",
        request=s.TransitionSerializer,
        responses=s.CaseSerializer,
        tags=TAGS,
    )
    def post(self, request, uuid):
        case = _visible_case(request, uuid)
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
        case = _visible_case(request, uuid)
        data = self.valid(s.DecisionCreateSerializer, request.data)
        decision = services.decision_record(actor=request.user, case=case, origin=origin_of(request), **data)
        return Response(s.DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


class SignalIngestView(RegisterView):
    @extend_schema(
        summary="Bulk signal ingestion (all or nothing, per-item problem details)",
        parameters=[IDEMPOTENCY_PARAMETER],
        request=s.SignalBatchSerializer,
        responses={201: s.SignalBatchResultSerializer, 200: s.SignalBatchResultSerializer},
        tags=TAGS,
    )
    def post(self, request):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            raise _invalid("Idempotency-Key", "Send an Idempotency-Key header.", "required")
        data = self.valid(s.SignalBatchSerializer, request.data)
        token = getattr(request, "api_token", None)
        if token is not None:
            organisation = token.organisation
        else:
            organisation = (
                Organisation.objects.filter(memberships__in=request.user.memberships.all())
                .order_by("pk")
                .first()
            )
        if organisation is None or not request.user.has_perm("cases.add_signal"):
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
        summary="The catalogue of signal kinds", responses=s.SignalKindSerializer(many=True), tags=TAGS
    )
    def get(self, request):
        return Response(s.SignalKindSerializer(selectors.signal_kinds(), many=True).data)


class AlertRuleListView(APIView):
    @extend_schema(summary="The published alert rules", responses=s.AlertRuleSerializer(many=True), tags=TAGS)
    def get(self, request):
        return Response(s.AlertRuleSerializer(AlertRule.objects.filter(is_published=True), many=True).data)


class AgendaView(RegisterView):
    @extend_schema(
        summary="The casusoverleg agenda",
        parameters=[PURPOSE_PARAMETER, OpenApiParameter("buurt_code", OpenApiTypes.STR, required=False)],
        responses={200: s.AgendaItemSerializer(many=True), 400: BAD_REQUEST},
        tags=TAGS,
    )
    def get(self, request):
        purpose = _purpose(request)
        buurt = request.query_params.get("buurt_code", "")
        if buurt:
            s._buurt_field().run_validation(buurt)
        items = selectors.agenda(
            user=request.user, purpose=purpose, origin=origin_of(request), buurt_code=buurt
        )
        return Response(s.AgendaItemSerializer(items, many=True).data)


class InzageView(RegisterView):
    @extend_schema(
        summary="Inzage (AVG art. 15): everything about one address or resident, without co-residents",
        parameters=[PURPOSE_PARAMETER],
        request=s.InzageRequestSerializer,
        responses=OpenApiTypes.OBJECT,
        tags=TAGS,
    )
    def post(self, request):
        purpose = _purpose(request)
        data = self.valid(s.InzageRequestSerializer, request.data)
        if not request.user.has_perm("cases.export_inzage"):
            raise exceptions.PermissionDenied()
        with transaction.atomic():
            export = selectors.inzage_export(
                user=request.user,
                purpose=purpose,
                origin=origin_of(request),
                address_uuid=data.get("address"),
                resident_uuid=data.get("resident"),
            )
        return Response(export)
