# SPDX-License-Identifier: EUPL-1.2
"""Reads for the access domain."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser, Group
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from smaakmaker.access.models import Covenant, CovenantStatus, Membership, Organisation
from smaakmaker.access.policies import ROLES_BY_NAME, grants_for

#: how long the dashboard tells the partners' users that a covenant ended (longer while they see nothing)
ENDED_NOTICE_DAYS = 90


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


def covenants_ended_for(*, user: AbstractBaseUser) -> list[Covenant]:
    """The ended covenants that explain why this user sees less (or nothing), newest end first.

    A covenant counts when one of the user's organisations (active membership) is a partner of it: its
    end cut that organisation off. It is shown for ``ENDED_NOTICE_DAYS`` after the end, and for as long
    as the user has no active covenant grant at all (then it is the reason they see nothing). Each
    covenant has ``ended_at``: the moment it ended (its last change for one ended outside the service).
    """
    if not getattr(user, "is_authenticated", False):
        return []
    organisations = memberships_active(user=user).values("organisation_id")
    covenants = (
        Covenant.objects.filter(status=CovenantStatus.ENDED, partners__in=organisations)
        .annotate(ended_at=Coalesce("ended", "updated"))
        .distinct()
        .order_by("-ended_at", "name")
    )
    if grants_for(user):
        covenants = covenants.filter(ended_at__gte=timezone.now() - timedelta(days=ENDED_NOTICE_DAYS))
    return list(covenants)


def covenants_active_count() -> int:
    """How many covenants are in force today (for the readers of covenants)."""
    today = timezone.localdate()
    return (
        Covenant.objects.filter(status=CovenantStatus.ACTIVE, valid_from__lte=today)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .count()
    )


def oidc_mappings_list():
    """The sign-in mappings with their organisation and role, and each role's Dutch label."""
    from smaakmaker.access.models import OidcRoleMapping

    mappings = list(OidcRoleMapping.objects.select_related("organisation", "role"))
    for mapping in mappings:
        role = ROLES_BY_NAME.get(mapping.role.name)
        mapping.role_label = str(role.label) if role else mapping.role.name
    return mappings


def users_list() -> list[dict]:
    """Every account for the beheerder's overview: name, roles (Dutch labels) and active memberships.

    People who work with the product, not data subjects: no covenant applies, the page needs
    ``auth.view_user``."""
    from django.contrib.auth import get_user_model
    from django.db.models import Prefetch

    active = Membership.objects.active().select_related("organisation")
    users = (
        get_user_model()
        .objects.order_by("username")
        .prefetch_related("groups", Prefetch("memberships", queryset=active, to_attr="active_memberships"))
    )
    return [
        {
            "pk": user.pk,
            "username": user.get_username(),
            "name": user.get_full_name(),
            "is_active": user.is_active,
            "roles": [
                str(ROLES_BY_NAME[g.name].label) if g.name in ROLES_BY_NAME else g.name
                for g in user.groups.all()
            ],
            "memberships": [
                {
                    "uuid": m.uuid,
                    "organisation": m.organisation.name,
                    "function_title": m.function_title,
                    "valid_until": m.valid_until,
                }
                for m in user.active_memberships
            ],
        }
        for user in users
    ]


def invitations_list():
    """Every invitation, newest first, with its organisation, who invited, and the roles' Dutch labels."""
    from smaakmaker.access.models import Invitation

    invitations = list(Invitation.objects.select_related("organisation", "invited_by", "user"))
    for invitation in invitations:
        invitation.role_labels = role_labels(invitation.roles)
    return invitations


def invitation_by_secret(*, secret: str):
    """The invitation whose link holds ``secret`` (whatever its status), or None."""
    import hashlib
    import secrets as _secrets

    from smaakmaker.access.models import Invitation

    if not secret or len(secret) > 100:
        return None
    digest = hashlib.sha256(secret.encode()).hexdigest()
    invitation = Invitation.objects.select_related("organisation").filter(token_hash=digest).first()
    if invitation is None or not _secrets.compare_digest(invitation.token_hash, digest):
        return None
    invitation.role_labels = role_labels(invitation.roles)
    return invitation


def role_labels(names) -> list[str]:
    """The Dutch labels of these role names (for display only)."""
    return [str(ROLES_BY_NAME[name].label) if name in ROLES_BY_NAME else name for name in names]
