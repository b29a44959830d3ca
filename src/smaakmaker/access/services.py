# SPDX-License-Identifier: EUPL-1.2
"""Writes for the access domain. Keyword-only, typed, ``<noun>_<verb>``."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import NoReturn

import structlog
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smaakmaker.access.models import ApiToken, Membership, OidcIdentity, Organisation
from smaakmaker.access.policies import ROLES, ROLES_BY_NAME, is_custom_area_code
from smaakmaker.common.codes import InvalidCodeError, area_code

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
# A covenant is edited only while it is a draft; an active covenant can only be ended. Every write is
# audited in its own transaction. A broken rule raises ``CovenantError`` naming the field(s), so forms
# and the API show the message next to the field; bad input changes nothing.

from typing import Any  # noqa: E402

#: Read access to the audit log is what makes someone able to act as the covenant's privacy officer.
PRIVACY_OFFICER_PERMISSION = "access.view_auditrecord"


class CovenantError(ValueError):
    """A covenant rule was broken; ``field`` names the offending field (for problem details/forms).

    ``errors`` maps every offending field to its messages; for a single error it is ``{field: [message]}``.
    ``conflict`` marks a refusal because of the covenant's state rather than the input (a covenant that is
    no longer a draft, one that lacks what activation needs, a reuse already decided): the API answers
    409 instead of 400.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str = "status",
        errors: dict[str, list[str]] | None = None,
        conflict: bool = False,
        codes: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.field = field
        self.errors = errors or {field: [message]}
        self.conflict = conflict
        self.codes = codes or {}  # field -> error code where it is not "invalid" (e.g. "unique")

    @classmethod
    def from_errors(
        cls, errors: dict[str, list[str]], *, conflict: bool = False, codes: dict[str, str] | None = None
    ) -> CovenantError:
        field = next(iter(errors))
        return cls(
            " ".join(m for messages in errors.values() for m in messages),
            field=field,
            errors=errors,
            conflict=conflict,
            codes=codes,
        )

    @classmethod
    def from_validation(cls, exc, *, default_field: str) -> CovenantError:
        """A Django ``ValidationError`` (from ``full_clean``) as a covenant error; non-field errors go
        to ``default_field``."""
        from django.core.exceptions import NON_FIELD_ERRORS

        errors: dict[str, list[str]] = {}
        for name, messages in exc.message_dict.items():
            errors.setdefault(default_field if name == NON_FIELD_ERRORS else name, []).extend(messages)
        return cls.from_errors(errors)


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


#: Default of ``covenant_update``'s arguments: leave this field as it is.
UNCHANGED: Any = _Unchanged()


def _activity_code_from(slug: str) -> str:
    """A free activity code made from ``slug``: itself, else with ``-2``, ``-3`` … (at most 80 characters)."""
    from smaakmaker.access.models import ProcessingActivity

    base = slug[:80] or "activiteit"
    taken = set(ProcessingActivity.objects.filter(code__startswith=base[:70]).values_list("code", flat=True))
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        suffix = f"-{number}"
        candidate = base[: 80 - len(suffix)] + suffix
    return candidate


def covenant_area_codes_clean(raw_codes) -> list[str]:
    """Normalised CBS codes of gemeenten, wijken or buurten, or codes of custom areas (``EG0001``: the
    addresses inside its boundary), no duplicates, order kept.

    Raises ``CovenantError`` on ``area_codes`` naming every wrong code; the national code NL00 is
    refused, because a covenant is made for a gemeente, wijk or buurt.
    """
    from django.utils.translation import gettext

    codes: list[str] = []
    wrong: list[str] = []
    for raw in raw_codes:
        text = str(raw).strip()
        if not text:
            continue
        if is_custom_area_code(text.upper()):
            if text.upper() not in codes:
                codes.append(text.upper())
            continue
        try:
            code = area_code(text)
        except InvalidCodeError:
            wrong.append(text)
            continue
        if code == "NL00":
            wrong.append(text)
        elif code not in codes:
            codes.append(code)
    if wrong:
        raise CovenantError(
            gettext(
                "Not a CBS code of a gemeente, wijk or buurt: %(codes)s. "
                "Use codes such as GM0363, WK0363FD or BU0363FD04."
            )
            % {"codes": ", ".join(wrong)},
            field="area_codes",
        )
    if not codes:
        raise CovenantError(
            gettext("Give at least one area as a CBS code, such as GM0363, WK0363FD or BU0363FD04."),
            field="area_codes",
        )
    return codes


def _covenant_check(covenant) -> None:
    """Validate a covenant's own fields (model validation plus period, DPIA date and privacy officer)."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext

    errors: dict[str, list[str]] = {}
    try:
        covenant.full_clean()
    except ValidationError as exc:
        errors = CovenantError.from_validation(exc, default_field="name").errors
    period_known = "valid_from" not in errors and "valid_until" not in errors
    if period_known and covenant.valid_until is not None and covenant.valid_until < covenant.valid_from:
        errors["valid_until"] = [gettext("The end of the period lies before its start.")]
    dpia_date_known = "dpia_date" not in errors and covenant.dpia_date is not None
    if dpia_date_known and covenant.dpia_date > timezone.localdate():
        errors["dpia_date"] = [gettext("The DPIA date lies in the future.")]
    officer = covenant.privacy_officer
    if officer is not None and not officer.has_perm(PRIVACY_OFFICER_PERMISSION):
        errors["privacy_officer"] = [
            gettext("The privacy officer must be an active user who may read the audit log.")
        ]
    if errors:
        raise CovenantError.from_errors(errors)


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
    origin=None,
):
    """A new covenant in draft."""
    from smaakmaker.access.audit import audit_record
    from smaakmaker.access.models import Covenant

    covenant = Covenant(
        name=name,
        area_codes=covenant_area_codes_clean(area_codes),
        valid_from=valid_from,
        valid_until=valid_until,
        document_reference=document_reference,
        dpia_reference=dpia_reference,
        dpia_date=dpia_date,
        privacy_officer=privacy_officer,
    )
    _covenant_check(covenant)
    covenant.save()
    covenant.partners.set(partners)
    audit_record(actor=actor, action="covenant.create", obj=covenant, origin=origin)
    log.info("covenant_created", covenant=str(covenant.uuid))
    return covenant


#: what may be changed of a draft covenant (pages, API and ``covenant_update``)
COVENANT_EDITABLE_FIELDS = (
    "name",
    "area_codes",
    "partners",
    "valid_from",
    "valid_until",
    "document_reference",
    "dpia_reference",
    "dpia_date",
    "privacy_officer",
)


@transaction.atomic
def covenant_update(
    *,
    actor,
    covenant,
    name: str = UNCHANGED,
    area_codes: list[str] = UNCHANGED,
    partners: list[Organisation] = UNCHANGED,
    valid_from=UNCHANGED,
    valid_until=UNCHANGED,
    document_reference: str = UNCHANGED,
    dpia_reference: str = UNCHANGED,
    dpia_date=UNCHANGED,
    privacy_officer=UNCHANGED,
    origin=None,
):
    """Change a draft covenant; arguments left ``UNCHANGED`` keep their value.

    Refused for an active or ended covenant (``CovenantError`` on ``status``): an active covenant can
    only be ended. The audit record names the changed fields; nothing changed, nothing written.
    """
    from django.utils.translation import gettext

    from smaakmaker.access.audit import audit_record
    from smaakmaker.access.models import Covenant, CovenantStatus

    covenant = Covenant.objects.select_for_update().get(pk=covenant.pk)
    if covenant.status != CovenantStatus.DRAFT:
        raise CovenantError(
            gettext("Only a draft covenant can be changed; an active covenant can only be ended."),
            field="status",
            conflict=True,
        )
    values = {
        "name": name,
        "area_codes": area_codes,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "document_reference": document_reference,
        "dpia_reference": dpia_reference,
        "dpia_date": dpia_date,
        "privacy_officer": privacy_officer,
    }
    attnames = {"privacy_officer": "privacy_officer_id"}
    before = {field: getattr(covenant, attnames.get(field, field)) for field in values}
    for field, value in values.items():
        if value is UNCHANGED:
            continue
        if field == "area_codes":
            value = covenant_area_codes_clean(value)
        setattr(covenant, field, value)
    _covenant_check(covenant)
    changed = [field for field in values if getattr(covenant, attnames.get(field, field)) != before[field]]
    if partners is not UNCHANGED:
        new_ids = {organisation.pk for organisation in partners}
        if new_ids != set(covenant.partners.values_list("pk", flat=True)):
            changed.append("partners")
    if not changed:
        return covenant
    covenant.save()
    if "partners" in changed:
        covenant.partners.set(partners)
    audit_record(
        actor=actor,
        action="covenant.update",
        obj=covenant,
        reason="changed: " + ", ".join(changed),
        origin=origin,
    )
    log.info("covenant_updated", covenant=str(covenant.uuid), fields=changed)
    return covenant


def _activation_errors(covenant) -> dict[str, list[str]]:
    """Why a covenant cannot become active, per field (empty when it can)."""
    from django.utils.translation import gettext

    from smaakmaker.access.policies import covenant_may_activate

    reasons = covenant_may_activate(
        dpia_reference=covenant.dpia_reference,
        dpia_date=covenant.dpia_date,
        privacy_officer_id=covenant.privacy_officer_id,
    )
    # The rule gives its reasons as text. The ones that remain when a privacy officer is assumed are
    # about the DPIA; the others are about the privacy officer.
    about_dpia = set(
        covenant_may_activate(
            dpia_reference=covenant.dpia_reference, dpia_date=covenant.dpia_date, privacy_officer_id=0
        )
    )
    dpia_field = "dpia_date" if covenant.dpia_reference else "dpia_reference"
    errors: dict[str, list[str]] = {}
    for reason in reasons:
        errors.setdefault(dpia_field if reason in about_dpia else "privacy_officer", []).append(reason)
    if not covenant.partners.exists():
        errors["partners"] = [gettext("A covenant needs at least one partner organisation.")]
    if not covenant.activities.exists():
        errors["activities"] = [gettext("A covenant needs at least one processing activity.")]
    return errors


@transaction.atomic
def covenant_activate(*, actor, covenant, origin=None):
    """Draft → active; refused without a recorded DPIA, a named privacy officer, partners and activities."""
    from django.utils.translation import gettext

    from smaakmaker.access.audit import audit_record
    from smaakmaker.access.models import Covenant, CovenantStatus

    covenant = Covenant.objects.select_for_update().get(pk=covenant.pk)
    if covenant.status != CovenantStatus.DRAFT:
        raise CovenantError(gettext("Only a draft covenant can be activated."), field="status", conflict=True)
    errors = _activation_errors(covenant)
    if errors:  # the request has no input: what is missing is in the covenant
        raise CovenantError.from_errors(errors, conflict=True)
    covenant.status = CovenantStatus.ACTIVE
    covenant.save(update_fields=["status", "updated"])
    audit_record(actor=actor, action="covenant.activate", obj=covenant, origin=origin)
    log.info("covenant_activated", covenant=str(covenant.uuid))
    return covenant


#: a reason for ending a covenant is shown to every partner's users: a few words at least
COVENANT_END_REASON_MIN_LENGTH = 10
COVENANT_END_REASON_MAX_LENGTH = 500


def covenant_end_reason_errors(reason: str) -> list[str]:
    """Why ``reason`` cannot be the reason for ending a covenant (empty when it can)."""
    from django.utils.translation import gettext

    text = (reason or "").strip()
    if len(text) < COVENANT_END_REASON_MIN_LENGTH:
        return [
            gettext(
                "Give the reason for ending the covenant in at least %(min)d characters; "
                "the users of the partner organisations will see it."
            )
            % {"min": COVENANT_END_REASON_MIN_LENGTH}
        ]
    if len(text) > COVENANT_END_REASON_MAX_LENGTH:
        return [
            gettext("Keep the reason to at most %(max)d characters.")
            % {"max": COVENANT_END_REASON_MAX_LENGTH}
        ]
    return []


@transaction.atomic
def covenant_end(*, actor, covenant, reason: str, origin=None):
    """Active → ended: from now on no grant of this covenant gives access to anything.

    Every partner is cut off at once, so a reason is required (``COVENANT_END_REASON_MIN_LENGTH``);
    it is kept on the covenant with the moment of ending, written to the audit record and shown on
    the dashboard of the partners' users (``selectors.covenants_ended_for``).
    """
    from django.utils.translation import gettext

    from smaakmaker.access.audit import audit_record
    from smaakmaker.access.models import Covenant, CovenantStatus

    covenant = Covenant.objects.select_for_update().get(pk=covenant.pk)
    errors: dict[str, list[str]] = {}
    if covenant.status != CovenantStatus.ACTIVE:
        errors["status"] = [gettext("Only an active covenant can be ended.")]
    reason_errors = covenant_end_reason_errors(reason)
    if reason_errors:
        errors["reason"] = reason_errors
    if errors:
        raise CovenantError.from_errors(errors, conflict="reason" not in errors)
    covenant.status = CovenantStatus.ENDED
    covenant.ended = timezone.now()
    covenant.end_reason = reason.strip()
    covenant.save(update_fields=["status", "ended", "end_reason", "updated"])
    audit_record(actor=actor, action="covenant.end", obj=covenant, reason=covenant.end_reason, origin=origin)
    log.info("covenant_ended", covenant=str(covenant.uuid))
    return covenant


def _clean_list(values) -> list[str]:
    cleaned: list[str] = []
    for value in values:
        text = str(value).strip()
        if text and text not in cleaned:
            cleaned.append(text)
    return cleaned


@transaction.atomic
def processing_activity_create(
    *,
    actor,
    covenant,
    name: str,
    purpose: str,
    avg_ground: str,
    legal_basis: str,
    data_categories: list[str],
    compartment: str,
    retention_days: int,
    allows_names: bool = False,
    grants: list[tuple[str, str, str, str]] = (),
    code: str = "",
    origin=None,
):
    """Create an activity of a draft covenant with its grants: ``(organisation_kind, role_name, scope,
    level)``. The code defaults to the name as a slug (numbered when another activity has it; "activiteit"
    when the name has nothing a slug keeps); at least one grant and one data category. A code given that
    another activity has is a conflict (``CovenantError.conflict``)."""
    from django.core.exceptions import ValidationError
    from django.utils.text import slugify
    from django.utils.translation import gettext

    from smaakmaker.access.audit import audit_record
    from smaakmaker.access.models import Covenant, CovenantStatus, ProcessingActivity, ProcessingGrant

    covenant = Covenant.objects.select_for_update().get(pk=covenant.pk)
    if covenant.status != CovenantStatus.DRAFT:
        raise CovenantError(
            gettext("Processing activities can only be added while the covenant is a draft."),
            field="status",
            conflict=True,
        )
    activity = ProcessingActivity(
        covenant=covenant,
        code=code or _activity_code_from(slugify(name)),
        name=name,
        purpose=purpose,
        avg_ground=avg_ground,
        legal_basis=legal_basis,
        data_categories=_clean_list(data_categories),
        compartment=compartment,
        retention_days=retention_days,
        allows_names=allows_names,
    )
    errors: dict[str, list[str]] = {}
    code_taken = False  # by another activity: a conflict with stored data, not invalid input
    try:
        activity.full_clean()
    except ValidationError as exc:
        errors = CovenantError.from_validation(exc, default_field="code").errors
        code_errors = exc.error_dict.get("code", [])
        code_taken = bool(code_errors) and all(error.code == "unique" for error in code_errors)
    if not activity.data_categories and "data_categories" not in errors:
        errors["data_categories"] = [gettext("Name at least one category of data.")]
    if "retention_days" not in errors and not (isinstance(retention_days, int) and retention_days >= 1):
        errors["retention_days"] = [gettext("The retention period is at least one day.")]
    rows = []
    seen = set()
    for kind, role_name, scope, level in grants:
        if role_name not in ROLES_BY_NAME:
            errors.setdefault("grants", []).append(gettext("Unknown role: %(role)s.") % {"role": role_name})
            continue
        if (kind, role_name) in seen:
            errors.setdefault("grants", []).append(
                gettext("The same organisation kind and role appear twice: %(kind)s / %(role)s.")
                % {"kind": kind, "role": role_name}
            )
            continue
        seen.add((kind, role_name))
        rows.append(
            ProcessingGrant(
                organisation_kind=kind, role=Group.objects.get(name=role_name), scope=scope, level=level
            )
        )
    if not grants:
        errors["grants"] = [gettext("Give at least one recipient (organisation kind and role).")]
    for grant in rows:
        try:
            grant.full_clean(exclude=["activity"], validate_constraints=False)
        except ValidationError as exc:
            for messages in exc.message_dict.values():
                errors.setdefault("grants", []).extend(messages)
    if errors:
        # only the code taken: 409 (choose another code); anything else wrong with the input: 400
        raise CovenantError.from_errors(
            errors,
            conflict=code_taken and set(errors) == {"code"},
            codes={"code": "unique"} if code_taken else None,
        )
    activity.save()
    for grant in rows:
        grant.activity = activity
        grant.save()
    audit_record(actor=actor, action="processing_activity.create", obj=activity, origin=origin)
    log.info("processing_activity_created", activity=activity.code, covenant=str(covenant.uuid))
    return activity


@transaction.atomic
def reuse_decision_record(*, actor, source, target, legal_basis: str, motivation: str, origin=None):
    """The explicit decision that data collected under ``source`` may be read under ``target``.

    Both activities belong to the same covenant, which has not ended; one decision per pair.
    """
    from django.utils.translation import gettext

    from smaakmaker.access.audit import audit_record
    from smaakmaker.access.models import CovenantStatus, ReuseDecision

    errors: dict[str, list[str]] = {}
    conflicts: set[str] = set()  # fields refused for the state, not the input
    if not legal_basis.strip():
        errors["legal_basis"] = [gettext("A reuse decision needs a legal basis.")]
    if not motivation.strip():
        errors["motivation"] = [gettext("A reuse decision needs a motivation.")]
    if source.pk == target.pk:
        errors["target"] = [gettext("Data is always readable under the activity it was collected for.")]
    elif source.covenant_id != target.covenant_id:
        errors["target"] = [gettext("Both activities must belong to the same covenant.")]
    elif ReuseDecision.objects.filter(source=source, target=target).exists():
        errors["target"] = [gettext("This reuse has already been decided.")]
        conflicts.add("target")
    if target.covenant.status == CovenantStatus.ENDED:
        errors["status"] = [gettext("The covenant has ended; no new reuse can be decided under it.")]
        conflicts.add("status")
    if errors:
        raise CovenantError.from_errors(errors, conflict=set(errors) <= conflicts)
    decision = ReuseDecision.objects.create(
        source=source,
        target=target,
        decided_by=actor,
        legal_basis=legal_basis.strip(),
        motivation=motivation.strip(),
    )
    audit_record(actor=actor, action="reuse_decision.record", obj=decision, reason=motivation, origin=origin)
    log.info("reuse_decision_recorded", source=source.code, target=target.code)
    return decision


# --- Sign-in through the identity provider (OpenID Connect; the flow is in access/oidc.py) -------------


class OidcRefused(Exception):
    """A sign-in through the identity provider that Smaakmaker refuses; ``code`` says why."""

    MESSAGES = {
        "unmapped": _(
            "Your organisation account was recognised, but none of your groups gives access to Smaakmaker. "
            "Ask the application manager (beheerder) of Smaakmaker to link your group to a role and a "
            "partner organisation."
        ),
        "no_account": _(
            "There is no Smaakmaker account for you yet, and your group does not create one at the first "
            "sign-in. Ask the application manager (beheerder) of Smaakmaker to make your account."
        ),
        "local_account": _(
            "A local Smaakmaker account with your user name already exists and signs in with a password. "
            "Sign in with that account, or ask the application manager (beheerder) to make it an account "
            "for your organisation's sign-in."
        ),
        "inactive": _("Your Smaakmaker account is switched off. Ask the application manager (beheerder)."),
        "claims": _(
            "Your organisation's identity provider did not send what Smaakmaker needs (a user name and a "
            "consistent identity). Ask your IT department to check the provider's settings for Smaakmaker."
        ),
        "provider_error": _(
            "Signing in through your organisation did not succeed: the identity provider gave an error or "
            "could not be reached. Try again in a moment; if it keeps failing, tell your IT department."
        ),
        "failed": _(
            "Signing in through your organisation did not succeed (the sign-in was interrupted or took too "
            "long). Try again."
        ),
    }

    def __init__(self, code: str, *, detail: str = "", subject: str = ""):
        super().__init__(code)
        self.code = code
        self.detail = detail
        self.subject = subject

    @property
    def message(self) -> str:
        return str(self.MESSAGES[self.code])


def oidc_refusal_record(*, refusal: OidcRefused, request=None, origin=None) -> None:
    """The audit record of a refused sign-in through the identity provider, in its own transaction."""
    from smaakmaker.access.audit import Result, audit_record, origin_of

    if origin is None and request is not None:
        origin = origin_of(request)
    with transaction.atomic():
        audit_record(
            actor=None,
            action="signin.oidc",
            object_type="oidc.subject",
            object_id=refusal.subject[:64],
            result=Result.DENIED,
            reason=f"{refusal.code}: {refusal.detail}"[:500],
            origin=origin,
        )
    log.info("oidc_sign_in_refused", code=refusal.code)


def _oidc_refuse(code: str, *, subject: str, detail: str, origin) -> NoReturn:
    refusal = OidcRefused(code, detail=detail, subject=subject)
    oidc_refusal_record(refusal=refusal, origin=origin)
    raise refusal


def _oidc_account(*, issuer: str, subject: str, claims: dict, create: bool):
    """The local account of this identity: linked before, a password-less account of the same user name
    that the beheerder made (linked now), or a new one where ``create``; ``OidcRefused`` otherwise."""
    from django.conf import settings

    identity = OidcIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    if identity is not None:
        return identity.user, identity
    username = str(claims.get(settings.OIDC_USERNAME_CLAIM) or "").strip()
    user_model = get_user_model()
    if not username or len(username) > user_model._meta.get_field("username").max_length:
        raise OidcRefused("claims", subject=subject, detail=f"no usable {settings.OIDC_USERNAME_CLAIM}")
    user = user_model.objects.filter(username=username).first()
    if user is not None:
        if user.has_usable_password() or OidcIdentity.objects.filter(user=user).exists():
            raise OidcRefused("local_account", subject=subject, detail=f"user name {username}")
    elif create:
        user = user_model(username=username)
        user.set_unusable_password()
        try:
            user.full_clean(exclude=["password"])
        except ValidationError as exc:
            raise OidcRefused("claims", subject=subject, detail=f"user name not usable: {username}") from exc
        user.save()
        log.info("user_created", user_id=user.pk, source="oidc")
    else:
        raise OidcRefused("no_account", subject=subject, detail=f"user name {username}")
    identity = OidcIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    return user, identity


def oidc_sign_in(
    *,
    issuer: str,
    subject: str,
    userinfo_subject: str,
    claims: dict,
    groups: list[str],
    mfa: bool,
    origin,
):
    """Let in (or refuse) someone the identity provider authenticated; returns the local user.

    The beheerder's mappings decide: the user's groups must match at least one, which gives its role and
    a membership of its organisation. For an account that signs in this way the mappings are the source
    of truth at every sign-in: its roles become exactly the mapped roles, memberships of organisations no
    mapping gives any more are ended. An account is made only where a matching mapping allows it. Every
    refusal raises ``OidcRefused`` after its audit record; a sign-in writes one too.
    """
    from smaakmaker.access.audit import audit_record
    from smaakmaker.access.models import OidcRoleMapping

    if not issuer or not subject or (userinfo_subject and userinfo_subject != subject):
        _oidc_refuse(
            "claims", subject=subject, detail="sub missing or not the same in userinfo", origin=origin
        )
    mappings = list(OidcRoleMapping.objects.filter(group__in=groups).select_related("organisation", "role"))
    shown_groups = ", ".join(groups)[:300] or "-"
    if not mappings:
        _oidc_refuse("unmapped", subject=subject, detail=f"groups: {shown_groups}", origin=origin)
    try:
        with transaction.atomic():
            user, identity = _oidc_account(
                issuer=issuer,
                subject=subject,
                claims=claims,
                create=any(mapping.creates_accounts for mapping in mappings),
            )
            if not user.is_active:
                raise OidcRefused("inactive", subject=subject, detail=f"user {user.pk}")
            _oidc_account_sync(user=user, claims=claims, mappings=mappings)
            identity.last_sign_in = timezone.now()
            identity.save(update_fields=["last_sign_in", "updated"])
            audit_record(
                actor=user,
                action="signin.oidc",
                object_type="auth.user",
                object_id=str(user.pk),
                reason=(
                    f"groups: {shown_groups}; roles: {', '.join(sorted({m.role.name for m in mappings}))}; "
                    f"mfa at provider: {'yes' if mfa else 'no'}"
                )[:500],
                origin=origin,
            )
    except OidcRefused as refusal:  # recorded after the rollback of what the attempt wrote
        oidc_refusal_record(refusal=refusal, origin=origin)
        raise
    return user


def _oidc_account_sync(*, user, claims: dict, mappings) -> None:
    """Roles and memberships of an account that signs in through the provider, from its mappings."""
    roles = {mapping.role for mapping in mappings}
    organisations = {mapping.organisation for mapping in mappings}
    changed = []
    for field, claim in (("first_name", "given_name"), ("last_name", "family_name"), ("email", "email")):
        value = str(claims.get(claim) or "").strip()[: user._meta.get_field(field).max_length]
        if value and getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    is_staff = user.is_superuser or any(
        ROLES_BY_NAME.get(role.name) and ROLES_BY_NAME[role.name].is_staff for role in roles
    )
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        changed.append("is_staff")
    if changed:
        user.save(update_fields=changed)
    if set(user.groups.all()) != roles:
        user.groups.set(roles)
    now = timezone.now()
    active = list(Membership.objects.active(at=now).filter(user=user))
    have = {membership.organisation_id for membership in active}
    for membership in active:
        if membership.organisation_id not in {o.pk for o in organisations}:
            membership.valid_until = max(now, membership.valid_from + timedelta(microseconds=1))
            membership.save(update_fields=["valid_until", "updated"])
    for organisation in organisations:
        if organisation.pk not in have:
            membership_create(user=user, organisation=organisation, valid_from=now)


class OidcMappingError(ValueError):
    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def oidc_mapping_create(
    *, actor, group: str, organisation: Organisation, role: str, creates_accounts: bool, origin=None
):
    """A sign-in mapping (a group at the provider gives one of our roles in one organisation); audited."""
    from django.utils.translation import gettext

    from smaakmaker.access.audit import audit_record
    from smaakmaker.access.models import OidcRoleMapping

    if role not in ROLES_BY_NAME:
        raise OidcMappingError(gettext("Choose one of the roles of Smaakmaker."), field="role")
    group = group.strip()
    with transaction.atomic():
        role_group = Group.objects.get(name=role)
        if OidcRoleMapping.objects.filter(group=group, organisation=organisation, role=role_group).exists():
            raise OidcMappingError(
                gettext("This group already gives this role in this organisation."), field="group"
            )
        mapping = OidcRoleMapping.objects.create(
            group=group, organisation=organisation, role=role_group, creates_accounts=creates_accounts
        )
        audit_record(
            actor=actor,
            action="oidc_mapping.create",
            obj=mapping,
            reason=f"{group} -> {role} @ {organisation.name}; creates accounts: {creates_accounts}"[:500],
            origin=origin,
        )
    return mapping


def oidc_mapping_delete(*, actor, mapping, origin=None) -> None:
    """Remove a sign-in mapping; its users keep their roles until their next sign-in. Audited."""
    from smaakmaker.access.audit import audit_record

    with transaction.atomic():
        reason = f"{mapping.group} -> {mapping.role.name} @ {mapping.organisation.name}"[:500]
        audit_record(actor=actor, action="oidc_mapping.delete", obj=mapping, reason=reason, origin=origin)
        mapping.delete()


# --- The beheerder's screens: partner organisations, users and memberships (issue 16, point 5) -----------


class AccountError(ValueError):
    """Input the beheerder's screens refuse; ``field`` names the form field the Dutch message belongs to."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def organisation_add(*, actor, name: str, kind: str, origin=None) -> Organisation:
    """A partner organisation added by the beheerder; audited in the same transaction."""
    from django.utils.translation import gettext

    from smaakmaker.access.audit import audit_record

    name = " ".join(name.split())
    with transaction.atomic():
        if Organisation.objects.filter(name__iexact=name).exists():
            raise AccountError(gettext("A partner organisation with this name exists already."), field="name")
        organisation = organisation_create(name=name, kind=kind)
        audit_record(
            actor=actor,
            action="organisation.create",
            obj=organisation,
            reason=f"{name} ({kind})",
            origin=origin,
        )
    return organisation


def user_add(
    *,
    actor,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    roles: list[str],
    organisation: Organisation,
    function_title: str = "",
    password: str | None,
    origin=None,
) -> AbstractBaseUser:
    """A user with roles and a first membership, added by the beheerder; audited in the same transaction.

    Without a password the account has none that works: its holder signs in through the identity provider
    (a sign-in mapping of the organisation), or gets one from the beheerder later."""
    from django.utils.translation import gettext

    from smaakmaker.access.audit import audit_record

    username = username.strip()
    with transaction.atomic():
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise AccountError(gettext("This user name is taken; choose another."), field="username")
        user = user_create(
            username=username,
            password=password or None,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            email=email.strip(),
            roles=roles,
            organisation=organisation,
            function_title=function_title.strip(),
        )
        audit_record(
            actor=actor,
            action="user.create",
            obj=user,
            reason=f"{username}: {', '.join(roles)} @ {organisation.name}"[:500],
            origin=origin,
        )
    return user


def membership_add(
    *,
    actor,
    user: AbstractBaseUser,
    organisation: Organisation,
    function_title: str = "",
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    origin=None,
) -> Membership:
    """A membership (this user works for this organisation in this period), added by the beheerder; a
    period that overlaps an existing membership of the same organisation is refused. Audited."""
    from django.db.models import Q
    from django.utils.translation import gettext

    from smaakmaker.access.audit import audit_record

    start = valid_from or timezone.now()
    if valid_until is not None and valid_until <= start:
        raise AccountError(gettext("The end must come after the start."), field="valid_until")
    with transaction.atomic():
        overlap = Membership.objects.filter(user=user, organisation=organisation).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=start)
        )
        if valid_until is not None:
            overlap = overlap.filter(valid_from__lt=valid_until)
        if overlap.exists():
            raise AccountError(
                gettext("This user already has a membership of this organisation in this period."),
                field="organisation",
            )
        membership = membership_create(
            user=user,
            organisation=organisation,
            function_title=function_title.strip(),
            valid_from=start,
            valid_until=valid_until,
        )
        audit_record(
            actor=actor,
            action="membership.create",
            obj=membership,
            reason=f"{user.get_username()} @ {organisation.name}"[:500],
            origin=origin,
        )
    return membership


# --- Invitations (issue 13, point 5): the beheerder invites; the invitee sets a password and enrols TOTP ------

INVITATION_DAYS_DEFAULT = 7
INVITATION_DAYS_MAX = 30


def _invitation_secret() -> tuple[str, str]:
    """A new link secret (256 random bits) and the hash that is stored of it."""
    secret = secrets.token_urlsafe(32)
    return secret, _hash_secret(secret)


def _roles_checked(roles: list[str]) -> list[str]:
    from django.utils.translation import gettext

    unknown = [name for name in roles if name not in ROLES_BY_NAME]
    if unknown or not roles:
        raise AccountError(gettext("Choose at least one role."), field="roles")
    return [role.name for role in ROLES if role.name in roles]  # the order of the role table


def invitation_create(
    *,
    actor,
    first_name: str,
    last_name: str,
    email: str,
    organisation: Organisation,
    roles: list[str],
    function_title: str = "",
    valid_days: int = INVITATION_DAYS_DEFAULT,
    origin=None,
):
    """An invitation for a person of a partner organisation; returns it and the link's secret, which exists
    only now (the hash is stored). Refused when an account or a pending invitation has this e-mail address.
    Audited: who invited whom, for which roles and organisation."""
    from django.utils.translation import gettext

    from smaakmaker.access.audit import audit_record
    from smaakmaker.access.models import Invitation

    email = email.strip().lower()
    roles = _roles_checked(roles)
    if not 1 <= valid_days <= INVITATION_DAYS_MAX:
        raise AccountError(
            gettext("Choose between 1 and %(max)d days.") % {"max": INVITATION_DAYS_MAX}, field="valid_days"
        )
    now = timezone.now()
    with transaction.atomic():
        users = get_user_model().objects
        if users.filter(username__iexact=email).exists() or users.filter(email__iexact=email).exists():
            raise AccountError(
                gettext("There is an account with this e-mail address already."), field="email"
            )
        pending = Invitation.objects.filter(
            email__iexact=email, accepted__isnull=True, revoked__isnull=True, expires__gt=now
        )
        if pending.exists():
            raise AccountError(
                gettext("This person has a pending invitation already: send that one again instead."),
                field="email",
            )
        secret, digest = _invitation_secret()
        invitation = Invitation(
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            email=email,
            organisation=organisation,
            function_title=function_title.strip(),
            roles=roles,
            token_hash=digest,
            expires=now + timedelta(days=valid_days),
            invited_by=actor,
            sent=now,
        )
        invitation.full_clean()
        invitation.save()
        audit_record(
            actor=actor,
            action="invitation.create",
            obj=invitation,
            reason=f"{email}: {', '.join(roles)} @ {organisation.name}; {valid_days} days"[:500],
            origin=origin,
        )
    log.info("invitation_created", invitation=str(invitation.uuid), roles=roles)
    return invitation, secret


def invitation_resend(*, actor, invitation, valid_days: int = INVITATION_DAYS_DEFAULT, origin=None) -> str:
    """A new link for an invitation not yet accepted nor revoked (pending or expired): the old link stops
    working, the new one runs ``valid_days`` from now. Returns the new secret. Audited."""
    from django.utils.translation import gettext

    from smaakmaker.access.audit import audit_record
    from smaakmaker.access.models import Invitation

    with transaction.atomic():
        current = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if current.accepted is not None or current.revoked is not None:
            raise AccountError(gettext("This invitation was accepted or revoked: it cannot be sent again."))
        secret, digest = _invitation_secret()
        now = timezone.now()
        current.token_hash = digest
        current.expires = now + timedelta(days=valid_days)
        current.sent = now
        current.times_sent += 1
        current.save(update_fields=["token_hash", "expires", "sent", "times_sent", "updated"])
        audit_record(
            actor=actor,
            action="invitation.resend",
            obj=current,
            reason=f"{current.email}: new link, {valid_days} days (sent {current.times_sent} times)",
            origin=origin,
        )
    invitation.refresh_from_db()
    return secret


def invitation_revoke(*, actor, invitation, origin=None) -> None:
    """The link stops working; an accepted invitation cannot be revoked (block the account instead)."""
    from django.utils.translation import gettext

    from smaakmaker.access.audit import audit_record
    from smaakmaker.access.models import Invitation

    with transaction.atomic():
        current = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if current.accepted is not None:
            raise AccountError(gettext("This invitation was accepted already: it cannot be revoked."))
        if current.revoked is None:
            current.revoked = timezone.now()
            current.save(update_fields=["revoked", "updated"])
            audit_record(
                actor=actor, action="invitation.revoke", obj=current, reason=current.email, origin=origin
            )
    invitation.refresh_from_db()


def invitation_accept(*, invitation, password: str, origin=None) -> AbstractBaseUser:
    """The invitee's account: user name and e-mail address the invitation's, the password chosen (checked by
    the form against Django's validators), exactly the invited roles and a membership of the organisation.
    The invitation is used up in the same transaction; a second accept (or one after expiry or revocation)
    is refused. Audited with the new account as actor."""
    from django.utils.translation import gettext

    from smaakmaker.access.audit import audit_record
    from smaakmaker.access.models import Invitation

    with transaction.atomic():
        current = Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
        if current.status != "pending":
            raise AccountError(gettext("This invitation link no longer works."))
        if get_user_model().objects.filter(username__iexact=current.email).exists():
            raise AccountError(gettext("There is an account with this e-mail address already."))
        user = user_create(
            username=current.email,
            password=password,
            first_name=current.first_name,
            last_name=current.last_name,
            email=current.email,
            roles=list(current.roles),
            organisation=current.organisation,
            function_title=current.function_title,
        )
        current.accepted = timezone.now()
        current.user = user
        current.save(update_fields=["accepted", "user", "updated"])
        audit_record(
            actor=user,
            action="invitation.accept",
            obj=current,
            reason=f"{current.email}: {', '.join(current.roles)} @ {current.organisation.name}"[:500],
            origin=origin,
        )
    log.info("invitation_accepted", invitation=str(current.uuid), user_id=user.pk)
    return user


def invitation_mail_send(*, invitation, link: str) -> bool:
    """E-mail the link to the invitee through Django's mail backend, when e-mail is on
    (``settings.EMAIL_ENABLED``). Returns whether it was sent; a failing server is logged, not raised:
    the beheerder still has the link on the page."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    if not settings.EMAIL_ENABLED:
        return False
    context = {"invitation": invitation, "link": link}
    try:
        send_mail(
            subject=render_to_string("access/invitation_email_subject.txt", context).strip(),
            message=render_to_string("access/invitation_email.txt", context),
            from_email=None,
            recipient_list=[invitation.email],
        )
    except OSError as exc:  # smtplib's errors are OSErrors
        log.warning("invitation_mail_failed", invitation=str(invitation.uuid), error=type(exc).__name__)
        return False
    return True


# --- The beheerder changes a user's roles and ends a membership ----------------------------------------------


def user_roles_set(*, actor, user, roles: list[str], origin=None) -> None:
    """Give ``user`` exactly these roles. The beheerder cannot take the beheerder role from themselves (so
    there is always someone who can give it back). Audited with the roles before and after."""
    from django.utils.translation import gettext

    from smaakmaker.access.audit import audit_record
    from smaakmaker.access.policies import roles_with

    roles = _roles_checked(roles)
    managing = {role.name for role in roles_with("auth.change_user")}
    with transaction.atomic():
        before = sorted(user.groups.values_list("name", flat=True))
        if user.pk == actor.pk and managing & set(before) and not managing & set(roles):
            raise AccountError(
                gettext("You cannot take the application manager role from yourself."), field="roles"
            )
        if sorted(roles) == before:
            return
        user.groups.set(Group.objects.filter(name__in=roles))
        staff = user.is_superuser or any(ROLES_BY_NAME[name].is_staff for name in roles)
        if user.is_staff != staff:
            user.is_staff = staff
            user.save(update_fields=["is_staff"])
        audit_record(
            actor=actor,
            action="user.roles_change",
            obj=user,
            reason=f"{user.get_username()}: {', '.join(before) or '-'} -> {', '.join(roles)}"[:500],
            origin=origin,
        )
    log.info("user_roles_changed", user_id=user.pk, roles=roles)


def membership_end(*, actor, membership: Membership, at: datetime | None = None, origin=None) -> Membership:
    """End a membership at ``at`` (default now; not before it started, not later than an end it has). From
    then on its user no longer works for that organisation: no grants through it, no sign-in without
    another active membership. Audited."""
    from django.utils.translation import gettext

    from smaakmaker.access.audit import audit_record

    end = at or timezone.now()
    with transaction.atomic():
        current = (
            Membership.objects.select_for_update()
            .select_related("organisation", "user")
            .get(pk=membership.pk)
        )
        if current.valid_until is not None and current.valid_until <= timezone.now():
            raise AccountError(gettext("This membership has ended already."), field="valid_until")
        if end <= current.valid_from:
            raise AccountError(gettext("The end must come after the start."), field="valid_until")
        if current.valid_until is not None and end > current.valid_until:
            raise AccountError(
                gettext("The membership ends earlier already; choose an earlier end."), field="valid_until"
            )
        current.valid_until = end
        current.full_clean()
        current.save(update_fields=["valid_until", "updated"])
        audit_record(
            actor=actor,
            action="membership.end",
            obj=current,
            reason=f"{current.user.get_username()} @ {current.organisation.name}: ends {end.isoformat()}"[
                :500
            ],
            origin=origin,
        )
    return current


# --- The covenant template (issue 13, point 5): a first covenant with the method's usual activities -------


def covenant_from_template(
    *,
    actor,
    name: str,
    area_codes: list[str],
    partners: list[Organisation],
    valid_from,
    activity_codes: list[str],
    origin=None,
):
    """A draft covenant with the chosen activities of ``covenant_template`` (their grants and the template's
    reuse decisions between chosen activities), in one transaction: all or nothing. An activity keeps the
    template's code where it is free (numbered otherwise, as when another covenant of this installation has
    it). The usual flow follows on the covenant's page: review, DPIA, privacy officer, activate."""
    from django.utils.translation import gettext

    from smaakmaker.access import covenant_template

    chosen = [entry for entry in covenant_template.ACTIVITIES if entry["code"] in set(activity_codes)]
    if not chosen:
        raise CovenantError(gettext("Choose at least one processing activity."), field="activities")
    with transaction.atomic():
        covenant = covenant_create(
            actor=actor,
            name=name,
            area_codes=area_codes,
            partners=partners,
            valid_from=valid_from,
            origin=origin,
        )
        made = {}
        for entry in chosen:
            spec = {key: value for key, value in entry.items() if key != "code"}
            made[entry["code"]] = processing_activity_create(
                actor=actor,
                covenant=covenant,
                code=_activity_code_from(entry["code"]),
                origin=origin,
                **spec,
            )
        for source, target, legal_basis, motivation in covenant_template.REUSE:
            if source in made and target in made:
                reuse_decision_record(
                    actor=actor,
                    source=made[source],
                    target=made[target],
                    legal_basis=legal_basis,
                    motivation=motivation,
                    origin=origin,
                )
    return covenant
