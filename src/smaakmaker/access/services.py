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
from django.utils import timezone

from smaakmaker.access.models import ApiToken, Membership, Organisation
from smaakmaker.access.policies import ROLES, ROLES_BY_NAME

log = structlog.get_logger(__name__)

TOKEN_PREFIX_LENGTH = 8


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
    """The valid token for a raw ``prefix.secret`` string, or None. Records the last use."""
    prefix, _sep, secret = raw.partition(".")
    if not secret:
        return None
    token = ApiToken.objects.select_related("user", "organisation").filter(prefix=prefix).first()
    if token is None or not secrets.compare_digest(token.secret_hash, _hash_secret(secret)):
        return None
    now = timezone.now()
    if token.revoked is not None or token.expires <= now or not token.user.is_active:
        return None
    if not Membership.objects.active().filter(user=token.user, organisation=token.organisation).exists():
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    return token


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked__isnull=True).update(revoked=timezone.now())
    log.info("api_token_revoked", token=token.prefix)
