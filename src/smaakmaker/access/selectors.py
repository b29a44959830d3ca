# SPDX-License-Identifier: EUPL-1.2
"""Reads for the access domain."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, Group
from django.db.models import QuerySet

from smaakmaker.access.models import Membership, Organisation
from smaakmaker.access.policies import ROLES_BY_NAME


def memberships_active(*, user: AbstractBaseUser) -> QuerySet[Membership]:
    return Membership.objects.active().filter(user=user).select_related("organisation")


def organisations_of(*, user: AbstractBaseUser) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=memberships_active(user=user).values("organisation"))


def organisations_list() -> QuerySet[Organisation]:
    return Organisation.objects.all()


def roles_of(*, user: AbstractBaseUser) -> list[dict[str, str]]:
    """The user's roles with their Dutch labels (for display only, never for decisions)."""
    names = Group.objects.filter(user=user).values_list("name", flat=True)
    return [
        {"name": name, "label": str(ROLES_BY_NAME[name].label) if name in ROLES_BY_NAME else name}
        for name in names
    ]


def user_may_sign_in(*, user: AbstractBaseUser) -> bool:
    """Only active users with an active membership (or superusers) may sign in."""
    return bool(user.is_active and (user.is_superuser or memberships_active(user=user).exists()))
