# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

from rest_framework import serializers

from smaakmaker.access.models import Organisation, OrganisationKind


class OrganisationSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=OrganisationKind.choices)

    class Meta:
        model = Organisation
        fields = ["uuid", "name", "kind", "is_demo"]
        read_only_fields = ["uuid", "is_demo"]


class RoleSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()


class MembershipSummarySerializer(serializers.Serializer):
    organisation = OrganisationSerializer()
    function_title = serializers.CharField()
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField(allow_null=True)


class CurrentUserSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    roles = RoleSerializer(many=True)
    memberships = MembershipSummarySerializer(many=True)
    permissions = serializers.ListField(child=serializers.CharField())
    second_factor_verified = serializers.BooleanField()
    api_token_organisation = OrganisationSerializer(allow_null=True)
