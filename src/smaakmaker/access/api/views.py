# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, permissions, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.views import APIView

from smaakmaker.access import covenant_selectors, selectors, services
from smaakmaker.access.api.serializers import (
    ActivityCreateSerializer,
    ActivitySerializer,
    CovenantDetailSerializer,
    CovenantEndSerializer,
    CovenantSerializer,
    CovenantWriteSerializer,
    CurrentUserSerializer,
    OrganisationSerializer,
    ReuseDecisionCreateSerializer,
    ReuseDecisionSerializer,
)
from smaakmaker.access.audit import origin_of
from smaakmaker.access.models import Covenant, ProcessingActivity
from smaakmaker.api.pagination import paged, paged_response
from smaakmaker.api.problems import Conflict
from smaakmaker.api.schema import conflict


class ModelPermissions(permissions.DjangoModelPermissions):
    """Django model permissions, including ``view_`` for reads."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


class CurrentUserView(APIView):
    @extend_schema(
        summary="The signed-in user, their roles and organisations",
        responses=CurrentUserSerializer,
        tags=["access"],
    )
    def get(self, request):
        user = request.user
        token = getattr(request, "api_token", None)
        data = {
            "username": user.get_username(),
            "full_name": user.get_full_name(),
            "roles": selectors.roles_of(user=user),
            "memberships": selectors.memberships_active(user=user),
            "permissions": sorted(user.get_all_permissions()),
            "second_factor_verified": bool(getattr(request._request.user, "is_verified", lambda: False)()),
            "api_token_organisation": token.organisation if token else None,
        }
        return Response(CurrentUserSerializer(data).data)


@extend_schema(tags=["access"])
class OrganisationListView(generics.ListCreateAPIView):
    serializer_class = OrganisationSerializer
    permission_classes = [permissions.IsAuthenticated, ModelPermissions]

    def get_queryset(self):
        return selectors.organisations_list()

    def perform_create(self, serializer):
        serializer.instance = services.organisation_create(
            name=serializer.validated_data["name"], kind=serializer.validated_data["kind"]
        )


# --- Covenants -----------------------------------------------------------------------------------

COVENANT_TAGS = ["covenants"]


class CovenantPermissions(permissions.DjangoModelPermissions):
    """view_covenant to read; add_covenant to create; change_covenant to change, activate or end."""

    perms_map = {
        "GET": ["access.view_covenant"],
        "HEAD": ["access.view_covenant"],
        "OPTIONS": [],
        "POST": ["access.view_covenant", "access.add_covenant"],
        "PATCH": ["access.view_covenant", "access.change_covenant"],
    }

    def _queryset(self, view):
        return Covenant.objects.none()


class CovenantActionPermissions(CovenantPermissions):
    perms_map = {**CovenantPermissions.perms_map, "POST": ["access.view_covenant", "access.change_covenant"]}


class ActivityPermissions(CovenantPermissions):
    perms_map = {
        **CovenantPermissions.perms_map,
        "POST": ["access.view_covenant", "access.add_processingactivity", "access.add_processinggrant"],
    }


class ReuseDecisionPermissions(CovenantPermissions):
    perms_map = {
        **CovenantPermissions.perms_map,
        "POST": ["access.view_covenant", "access.add_reusedecision"],
    }


class CovenantView(APIView):
    permission_classes = [permissions.IsAuthenticated, CovenantPermissions]

    def handle_exception(self, exc):
        if isinstance(exc, services.CovenantError):
            errors = {
                field: [ErrorDetail(message, code=exc.codes.get(field, "invalid")) for message in messages]
                for field, messages in exc.errors.items()
            }
            exc = Conflict(errors) if exc.conflict else exceptions.ValidationError(errors)
        return super().handle_exception(exc)

    def covenant(self, uuid) -> Covenant:
        covenant = covenant_selectors.covenant_get(uuid=uuid)
        if covenant is None:
            raise exceptions.NotFound()
        return covenant

    def valid(self, serializer):
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def detail(self, uuid, *, status_code=status.HTTP_200_OK) -> Response:
        return Response(CovenantDetailSerializer(self.covenant(uuid)).data, status=status_code)


class CovenantListView(CovenantView):
    paged_methods = {"GET", "HEAD"}

    @extend_schema(
        summary="Covenants",
        operation_id="covenants_list",
        responses=paged(CovenantSerializer),
        tags=COVENANT_TAGS,
    )
    def get(self, request):
        return paged_response(request, covenant_selectors.covenants_list(), CovenantSerializer)

    @extend_schema(
        summary="Create a covenant (draft)",
        description="The covenant starts as a draft; add processing activities, then activate it.",
        request=CovenantWriteSerializer,
        responses={201: CovenantDetailSerializer},
        tags=COVENANT_TAGS,
    )
    def post(self, request):
        data = self.valid(CovenantWriteSerializer(data=request.data))
        covenant = services.covenant_create(actor=request.user, origin=origin_of(request), **data)
        return self.detail(covenant.uuid, status_code=status.HTTP_201_CREATED)


class CovenantDetailView(CovenantView):
    @extend_schema(
        summary="One covenant with its processing activities, grants and reuse decisions",
        responses=CovenantDetailSerializer,
        tags=COVENANT_TAGS,
    )
    def get(self, request, uuid):
        return self.detail(uuid)

    @extend_schema(
        summary="Change a draft covenant",
        description="Only the fields given change. An active or ended covenant cannot be changed "
        "(409 naming `status`); an active covenant can only be ended.",
        request=CovenantWriteSerializer(partial=True),
        responses={200: CovenantDetailSerializer, 409: conflict("the covenant is not a draft (`status`).")},
        tags=COVENANT_TAGS,
    )
    def patch(self, request, uuid):
        covenant = self.covenant(uuid)
        data = self.valid(CovenantWriteSerializer(data=request.data, partial=True))
        services.covenant_update(actor=request.user, covenant=covenant, origin=origin_of(request), **data)
        return self.detail(uuid)


class CovenantActivateView(CovenantView):
    permission_classes = [permissions.IsAuthenticated, CovenantActionPermissions]

    @extend_schema(
        summary="Activate a draft covenant",
        description="Refused (409 naming the fields) when the covenant is not a draft (`status`), or lacks "
        "a recorded DPIA (reference and date), a named privacy officer, at least one partner or at least one "
        "processing activity: the request has no body, what is missing is in the covenant.",
        request=None,
        responses={
            200: CovenantDetailSerializer,
            409: conflict(
                "not a draft (`status`), or not complete (`dpia_reference`, `dpia_date`, "
                "`privacy_officer`, `partners`, `activities`)."
            ),
        },
        tags=COVENANT_TAGS,
    )
    def post(self, request, uuid):
        services.covenant_activate(
            actor=request.user, covenant=self.covenant(uuid), origin=origin_of(request)
        )
        return self.detail(uuid)


class CovenantEndView(CovenantView):
    permission_classes = [permissions.IsAuthenticated, CovenantActionPermissions]

    @extend_schema(
        summary="End an active covenant",
        description="From then on none of its grants gives access to anything: every partner is cut off "
        "at once. Needs a `reason` (kept on the covenant and in the audit log, and shown on the dashboard "
        'of the partners\' users) and `"confirm": true`; without them 400 naming `reason` or `confirm`. '
        "A covenant that is not active cannot be ended (409 naming `status`).",
        request=CovenantEndSerializer,
        responses={200: CovenantDetailSerializer, 409: conflict("the covenant is not active (`status`).")},
        tags=COVENANT_TAGS,
    )
    def post(self, request, uuid):
        covenant = self.covenant(uuid)
        data = self.valid(CovenantEndSerializer(data=request.data))
        services.covenant_end(
            actor=request.user, covenant=covenant, reason=data["reason"], origin=origin_of(request)
        )
        return self.detail(uuid)


class CovenantActivityView(CovenantView):
    permission_classes = [permissions.IsAuthenticated, ActivityPermissions]

    @extend_schema(
        summary="Add a processing activity with its grants to a draft covenant",
        request=ActivityCreateSerializer,
        responses={
            201: ActivitySerializer,
            409: conflict(
                "the covenant is not a draft (`status`), or another processing activity has the `code` given "
                "(a code made from the name is numbered instead)."
            ),
        },
        tags=COVENANT_TAGS,
    )
    def post(self, request, uuid):
        covenant = self.covenant(uuid)
        data = dict(self.valid(ActivityCreateSerializer(data=request.data)))
        grants = [(g["organisation_kind"], g["role"], g["scope"], g["level"]) for g in data.pop("grants")]
        activity = services.processing_activity_create(
            actor=request.user, covenant=covenant, grants=grants, origin=origin_of(request), **data
        )
        activity = ProcessingActivity.objects.prefetch_related("grants__role").get(pk=activity.pk)
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)


class CovenantReuseDecisionView(CovenantView):
    permission_classes = [permissions.IsAuthenticated, ReuseDecisionPermissions]

    @extend_schema(
        summary="Record a reuse decision between two activities of the covenant",
        description="Data collected under `source` may from now on also be read under `target`.",
        request=ReuseDecisionCreateSerializer,
        responses={
            201: ReuseDecisionSerializer,
            409: conflict("this reuse was decided before (`target`), or the covenant has ended (`status`)."),
        },
        tags=COVENANT_TAGS,
    )
    def post(self, request, uuid):
        covenant = self.covenant(uuid)
        data = self.valid(ReuseDecisionCreateSerializer(data=request.data))
        activities = {a.uuid: a for a in covenant.activities.all()}
        errors = {
            name: [_("No processing activity of this covenant.")]
            for name in ("source", "target")
            if data[name] not in activities
        }
        if errors:
            raise exceptions.ValidationError(errors)
        decision = services.reuse_decision_record(
            actor=request.user,
            source=activities[data["source"]],
            target=activities[data["target"]],
            legal_basis=data["legal_basis"],
            motivation=data["motivation"],
            origin=origin_of(request),
        )
        return Response(ReuseDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)
