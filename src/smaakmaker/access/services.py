# SPDX-License-Identifier: EUPL-1.2
"""Writes for the access domain. Keyword-only, typed, ``<noun>_<verb>``."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import structlog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from smaakmaker.access.models import ApiToken, Membership, Organisation
from smaakmaker.access.policies import ROLES, ROLES_BY_NAME

log = structlog.get_logger(__name__)

TOKEN_PREFIX_LENGTH = 8
LAST_USED_RESOLUTION = timedelta(minutes=1)


class UnknownPermissionError(LookupError):
    pass


def _permission(codename_with_app: str) -> Permission:
    app_label, codename = codename_with_app.split(".", 1)
    try:
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)
    except Permission.DoesNotExist as exc:
        raise UnknownPermissionError(f"policies.py names an unknown permission: {codename_with_app}") from exc


@transaction.atomic
def roles_sync() -> list[Group]:
    """Make the role groups in the database match ``policies.ROLES`` exactly."""
    groups = []
    for role in ROLES:
        group, _created = Group.objects.get_or_create(name=role.name)
        group.permissions.set([_permission(codename) for codename in role.permissions])
        groups.append(group)
    log.info("roles_synced", count=len(groups))
    return groups


@transaction.atomic
def organisation_create(*, name: str, kind: str, is_demo: bool = False) -> Organisation:
    organisation = Organisation(name=name, kind=kind, is_demo=is_demo)
    organisation.full_clean()
    organisation.save()
    log.info("organisation_created", organisation=str(organisation.uuid), kind=kind)
    return organisation


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    roles: list[str],
    organisation: Organisation | None,
    function_title: str = "",
    is_superuser: bool = False,
) -> AbstractBaseUser:
    """Create a user with roles and (optionally) a membership of an organisation."""
    unknown = [name for name in roles if name not in ROLES_BY_NAME]
    if unknown:
        raise ValueError(f"unknown role(s): {', '.join(unknown)}")
    user_model = get_user_model()
    user = user_model(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_superuser=is_superuser,
        is_staff=is_superuser or any(ROLES_BY_NAME[name].is_staff for name in roles),
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.set(Group.objects.filter(name__in=roles))
    if organisation is not None:
        membership_create(user=user, organisation=organisation, function_title=function_title)
    log.info("user_created", user_id=user.pk, roles=roles)
    return user


@transaction.atomic
def membership_create(
    *,
    user: AbstractBaseUser,
    organisation: Organisation,
    function_title: str = "",
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
) -> Membership:
    membership = Membership(
        user=user,
        organisation=organisation,
        function_title=function_title,
        valid_from=valid_from or timezone.now(),
        valid_until=valid_until,
    )
    membership.full_clean()
    membership.save()
    return membership


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, name: str, user: AbstractBaseUser, organisation: Organisation, valid_days: int = 365
) -> tuple[ApiToken, str]:
    """Create a token; returns the token and its secret, which is shown only this once."""
    if not Membership.objects.active().filter(user=user, organisation=organisation).exists():
        raise ValueError("the user has no active membership of this organisation")
    prefix = secrets.token_hex(TOKEN_PREFIX_LENGTH // 2)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name,
        user=user,
        organisation=organisation,
        prefix=prefix,
        secret_hash=_hash_secret(secret),
        expires=timezone.now() + timedelta(days=valid_days),
    )
    log.info("api_token_created", token=prefix, organisation=str(organisation.uuid))
    return token, f"{prefix}.{secret}"


def api_token_check(*, raw: str) -> ApiToken | None:
    """The valid token for a raw ``prefix.secret`` string, or None.

    One query: the token, its user and organisation, and whether the membership is active. The last
    use is recorded at most once per ``LAST_USED_RESOLUTION`` (a write per request would make every
    API call of a partner system wait on the same row).
    """
    prefix, _sep, secret = raw.partition(".")
    if not secret:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user", "organisation")
        .annotate(
            member=Exists(
                Membership.objects.active(at=now).filter(
                    user_id=OuterRef("user_id"), organisation_id=OuterRef("organisation_id")
                )
            )
        )
        .filter(prefix=prefix)
        .first()
    )
    if token is None or not secrets.compare_digest(token.secret_hash, _hash_secret(secret)):
        return None
    if token.revoked is not None or token.expires <= now or not token.user.is_active or not token.member:
        return None
    if token.last_used is None or now - token.last_used >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now
    return token


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked__isnull=True).update(revoked=timezone.now())
    log.info("api_token_revoked", token=token.prefix)


# --- Covenant ------------------------------------------------------------------------------------


class CovenantError(ValueError):
    """A covenant rule was broken; ``field`` names the offending field (for problem details/forms)."""

    def __init__(self, message: str, *, field: str = "status"):
        super().__init__(message)
        self.field = field


@transaction.atomic
def covenant_create(
    *,
    actor,
    name: str,
    area_codes: list[str],
    partners: list[Organisation],
    valid_from,
    valid_until=None,
    document_reference: str = "",
    dpia_reference: str = "",
    dpia_date=None,
    privacy_officer=None,
):
    from smaakmaker.access.audit import audit_record
    from smaakmaker.access.models import Covenant
    from smaakmaker.areas.sources.codes import InvalidCodeError, area_code

    try:
        codes = [area_code(code) for code in area_codes]
    except InvalidCodeError as exc:
        raise CovenantError(str(exc), field="area_codes") from exc
    covenant = Covenant(
        name=name,
        area_codes=codes,
        valid_from=valid_from,
        valid_until=valid_until,
        document_reference=document_reference,
        dpia_reference=dpia_reference,
        dpia_date=dpia_date,
        privacy_officer=privacy_officer,
    )
    covenant.full_clean()
    covenant.save()
    covenant.partners.set(partners)
    audit_record(actor=actor, action="covenant.create", obj=covenant)
    return covenant


@transaction.atomic
def covenant_activate(*, actor, covenant):
    """Draft → active; refused without a recorded DPIA and a named privacy officer."""
    from smaakmaker.access.audit import audit_record
    from smaakmaker.access.models import Covenant, CovenantStatus
    from smaakmaker.access.policies import covenant_may_activate

    covenant = Covenant.objects.select_for_update().get(pk=covenant.pk)
    if covenant.status != CovenantStatus.DRAFT:
        raise CovenantError("Only a draft covenant can be activated.")
    reasons = covenant_may_activate(
        dpia_reference=covenant.dpia_reference,
        dpia_date=covenant.dpia_date,
        privacy_officer_id=covenant.privacy_officer_id,
    )
    if reasons:
        raise CovenantError(
            " ".join(reasons), field="dpia_reference" if "DPIA" in reasons[0] else "privacy_officer"
        )
    if not covenant.activities.exists():
        raise CovenantError("A covenant needs at least one processing activity.", field="activities")
    covenant.status = CovenantStatus.ACTIVE
    covenant.save(update_fields=["status", "updated"])
    audit_record(actor=actor, action="covenant.activate", obj=covenant)
    return covenant


@transaction.atomic
def covenant_end(*, actor, covenant):
    from smaakmaker.access.audit import audit_record
    from smaakmaker.access.models import Covenant, CovenantStatus

    covenant = Covenant.objects.select_for_update().get(pk=covenant.pk)
    if covenant.status != CovenantStatus.ACTIVE:
        raise CovenantError("Only an active covenant can be ended.")
    covenant.status = CovenantStatus.ENDED
    covenant.save(update_fields=["status", "updated"])
    audit_record(actor=actor, action="covenant.end", obj=covenant)
    return covenant


@transaction.atomic
def processing_activity_create(
    *,
    actor,
    covenant,
    code: str,
    name: str,
    purpose: str,
    avg_ground: str,
    legal_basis: str,
    data_categories: list[str],
    compartment: str,
    retention_days: int,
    allows_names: bool = False,
    grants: list[tuple[str, str, str, str]] = (),
):
    """Create an activity with its grants: ``(organisation_kind, role_name, scope, level)``."""
    from smaakmaker.access.audit import audit_record
    from smaakmaker.access.models import ProcessingActivity, ProcessingGrant

    activity = ProcessingActivity(
        covenant=covenant,
        code=code,
        name=name,
        purpose=purpose,
        avg_ground=avg_ground,
        legal_basis=legal_basis,
        data_categories=list(data_categories),
        compartment=compartment,
        retention_days=retention_days,
        allows_names=allows_names,
    )
    activity.full_clean()
    activity.save()
    for kind, role_name, scope, level in grants:
        if role_name not in ROLES_BY_NAME:
            raise ValueError(f"unknown role: {role_name}")
        grant = ProcessingGrant(
            activity=activity,
            organisation_kind=kind,
            role=Group.objects.get(name=role_name),
            scope=scope,
            level=level,
        )
        grant.full_clean()
        grant.save()
    audit_record(actor=actor, action="processing_activity.create", obj=activity)
    return activity


@transaction.atomic
def reuse_decision_record(*, actor, source, target, legal_basis: str, motivation: str):
    """The explicit decision that data collected under ``source`` may be read under ``target``."""
    from smaakmaker.access.audit import audit_record
    from smaakmaker.access.models import ReuseDecision

    if not legal_basis.strip() or not motivation.strip():
        raise CovenantError("A reuse decision needs a legal basis and a motivation.", field="motivation")
    decision = ReuseDecision.objects.create(
        source=source, target=target, decided_by=actor, legal_basis=legal_basis, motivation=motivation
    )
    audit_record(actor=actor, action="reuse_decision.record", obj=decision, reason=motivation)
    return decision
