# SPDX-License-Identifier: EUPL-1.2
"""Reads for covenant management: covenants, their activities, grants and reuse decisions.

Covenants hold no personal data of residents; reading them needs ``access.view_covenant`` (checked by
the pages and the API) and is not audited. Writes go through ``services`` (section "Covenant").
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet

from smaakmaker.access.models import Covenant, Membership, Organisation, ProcessingActivity, ReuseDecision
from smaakmaker.access.policies import ROLES, USE_REGISTER
from smaakmaker.access.services import PRIVACY_OFFICER_PERMISSION


def covenants_list() -> QuerySet[Covenant]:
    return Covenant.objects.select_related("privacy_officer").prefetch_related("partners").order_by("name")


def covenant_get(*, uuid) -> Covenant | None:
    """One covenant with its partners, activities (with grants) and reuse decisions, or None."""
    activities = ProcessingActivity.objects.prefetch_related("grants__role").order_by("name")
    return (
        Covenant.objects.select_related("privacy_officer")
        .prefetch_related("partners", Prefetch("activities", queryset=activities))
        .filter(uuid=uuid)
        .first()
    )


def reuse_decisions_of(*, covenant: Covenant) -> QuerySet[ReuseDecision]:
    """The reuse decisions whose target activity belongs to the covenant, oldest first."""
    return (
        ReuseDecision.objects.filter(target__covenant=covenant)
        .select_related("source", "target", "decided_by")
        .order_by("created")
    )


def partner_candidates() -> QuerySet[Organisation]:
    return Organisation.objects.order_by("name")


def privacy_officer_candidates():
    """Active users with an active membership who may read the audit log (so can review the covenant)."""
    users = get_user_model().objects.with_perm(
        PRIVACY_OFFICER_PERMISSION,
        include_superusers=False,
        backend="django.contrib.auth.backends.ModelBackend",
    )
    members = Membership.objects.active().values("user_id")
    return users.filter(is_active=True, pk__in=members).order_by("last_name", "first_name", "username")


def register_roles() -> list[tuple[str, object]]:
    """(name, label) of the roles that can open the address register: only they can use a grant."""
    return [(role.name, role.label) for role in ROLES if set(USE_REGISTER) & set(role.permissions)]


#: the two logs of the audit browser
AUDIT_LOGS = ("audit", "processing")


def audit_log_records(*, log: str, filters: dict[str, str]) -> QuerySet:
    """Records of the audit log (``log="audit"``) or the processing log, newest first, filtered by exact
    values of their own fields (other names are ignored). Reading them needs ``access.view_auditrecord``."""
    from smaakmaker.access.models import AuditRecord, ProcessingLogRecord

    model = ProcessingLogRecord if log == "processing" else AuditRecord
    names = {field.name for field in model._meta.fields}
    return model.objects.filter(**{name: value for name, value in filters.items() if name in names}).order_by(
        "-id"
    )
