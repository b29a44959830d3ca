# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from smaakmaker.access import selectors, services
from smaakmaker.access.api.serializers import CurrentUserSerializer, OrganisationSerializer


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
    queryset = selectors.organisations_list()
    pagination_class = None

    def get_queryset(self):
        return selectors.organisations_list()

    def perform_create(self, serializer):
        serializer.instance = services.organisation_create(
            name=serializer.validated_data["name"], kind=serializer.validated_data["kind"]
        )
