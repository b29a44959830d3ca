# SPDX-License-Identifier: EUPL-1.2
"""Every access rule in one place.

Roles are Django Groups holding permission codenames. This module is the only place where role
names appear: code elsewhere checks permissions (``user.has_perm``), never a role or organisation
name. ``roles_sync`` (run after every migrate) makes the groups in the database match this table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smaakmaker.common.snapshots import SnapshotCache


@dataclass(frozen=True)
class Role:
    name: str
    label: str
    description: str
    permissions: tuple[str, ...]
    is_staff: bool = False


# Permission codenames as "app_label.codename".
VIEW_ORGANISATIONS = "access.view_organisation"
MANAGE_ORGANISATIONS = ("access.add_organisation", "access.change_organisation")
VIEW_MEMBERSHIPS = "access.view_membership"
MANAGE_MEMBERSHIPS = ("access.add_membership", "access.change_membership")
# Invitations to a partner's users: the link's holder gets exactly the invited roles and membership.
MANAGE_INVITATIONS = ("access.view_invitation", "access.add_invitation", "access.change_invitation")
MANAGE_API_TOKENS = ("access.view_apitoken", "access.add_apitoken", "access.change_apitoken")
# Which group at the identity provider gives which role in which organisation (never a covenant grant).
MANAGE_SIGN_IN_MAPPINGS = (
    "access.view_oidcrolemapping",
    "access.add_oidcrolemapping",
    "access.delete_oidcrolemapping",
)
VIEW_COVENANTS = ("access.view_covenant", "access.view_processingactivity", "access.view_processinggrant")
MANAGE_COVENANTS = (
    "access.add_covenant",
    "access.change_covenant",
    "access.add_processingactivity",
    "access.change_processingactivity",
    "access.add_processinggrant",
    "access.add_reusedecision",
)
VIEW_AUDIT = ("access.view_auditrecord", "access.view_processinglogrecord")
# The address register: these permissions only open the door; the covenant's grants decide what is
# visible behind it (see ``grants_for`` below and ``cases/querysets.py``).
USE_REGISTER = ("cases.view_address", "cases.view_signal", "cases.add_signal", "cases.view_case")
COORDINATE_CASES = ("cases.add_case", "cases.change_case", "cases.add_decision")
MANAGE_CATALOGUE = (
    "cases.view_signalkind",
    "cases.add_signalkind",
    "cases.change_signalkind",
    "cases.view_alertrule",
    "cases.add_alertrule",
    "cases.change_alertrule",
)
RUN_RETENTION = "cases.delete_signal"
# BAG addresses are public data: importing them opens no personal data (and needs no covenant grant).
IMPORT_ADDRESSES = "cases.import_addresses"
EXPORT_INZAGE = "cases.export_inzage"
# Areas hold aggregate statistics only: every role may read them.
VIEW_AREAS = ("areas.view_area", "areas.view_indicator", "areas.view_indicatorvalue")
#: the first run of an instance without the demo: name the own gemeente, upload its files in the web
SET_UP_INSTANCE = ("areas.view_homegemeente", "areas.add_homegemeente", "areas.change_homegemeente")
IMPORT_AREAS = ("areas.view_importbatch", "areas.add_importbatch", "areas.add_area", "areas.change_indicator")
# Plans: everyone with a plan role reads approaches and aggregates; address-level interventions
# additionally need VIEW_PLAN_ADDRESSES and the register's covenant visibility (plans/selectors.py).
VIEW_PLANS = (
    "plans.view_approach",
    "plans.view_planintervention",
    "plans.view_interventiontype",
    "plans.view_schedulerrun",
)
VIEW_PLAN_ADDRESSES = "plans.view_address_interventions"
UPDATE_OWN_INTERVENTIONS = "plans.change_intervention_status"
MANAGE_PLANS = (
    "plans.add_approach",
    "plans.change_approach",
    "plans.add_planintervention",
    "plans.change_planintervention",
    "plans.add_plandependency",
    "plans.delete_plandependency",
    "plans.add_schedulerrun",
    "plans.change_schedulerrun",
)
MANAGE_INTERVENTION_CATALOGUE = ("plans.add_interventiontype", "plans.change_interventiontype")
# Monitoring: evaluations, bookkeeping and perceived indicators are aggregates. Counts below 10 are
# suppressed for everyone without VIEW_EXACT_COUNTS (and always in the printable report).
VIEW_MONITORING = (
    "monitoring.view_effectevaluation",
    "monitoring.view_bookkeeping",
    "monitoring.view_perceivedvalue",
)
RUN_EVALUATIONS = "monitoring.add_effectevaluation"
IMPORT_PERCEIVED = "monitoring.add_perceivedvalue"
VIEW_EXACT_COUNTS = "monitoring.view_exact_counts"

ROLES: tuple[Role, ...] = (
    Role(
        name="regisseur",
        label=_("Director (regisseur)"),
        description=_("Creates an approach for an area, its covenant and plan; chairs the partner meeting."),
        permissions=(
            VIEW_ORGANISATIONS,
            VIEW_MEMBERSHIPS,
            *VIEW_AREAS,
            *VIEW_COVENANTS,
            *MANAGE_COVENANTS,
            *USE_REGISTER,
            *COORDINATE_CASES,
            *MANAGE_CATALOGUE,
            *VIEW_PLANS,
            VIEW_PLAN_ADDRESSES,
            UPDATE_OWN_INTERVENTIONS,
            *MANAGE_PLANS,
            *MANAGE_INTERVENTION_CATALOGUE,
            *VIEW_MONITORING,
            RUN_EVALUATIONS,
            VIEW_EXACT_COUNTS,
        ),
    ),
    Role(
        name="partner-professional",
        label=_("Partner professional"),
        description=_("Records signals, sees the shared picture for their cases, executes interventions."),
        permissions=(
            VIEW_ORGANISATIONS,
            *VIEW_AREAS,
            *VIEW_COVENANTS,
            *USE_REGISTER,
            "cases.add_decision",
            *VIEW_PLANS,
            VIEW_PLAN_ADDRESSES,
            UPDATE_OWN_INTERVENTIONS,
            *VIEW_MONITORING,
        ),
    ),
    Role(
        name="analist",
        label=_("Analyst"),
        description=_("Runs area scans and effect evaluations on aggregated data only."),
        permissions=(
            VIEW_ORGANISATIONS,
            *VIEW_AREAS,
            *IMPORT_AREAS,
            *VIEW_PLANS,
            *VIEW_MONITORING,
            RUN_EVALUATIONS,
            IMPORT_PERCEIVED,
        ),
    ),
    Role(
        name="bestuurder",
        label=_("Administrator or council member (bestuurder)"),
        description=_("Reads dashboards and reports; no personal data."),
        permissions=(VIEW_ORGANISATIONS, *VIEW_AREAS, *VIEW_PLANS, *VIEW_MONITORING),
    ),
    Role(
        name="privacy-officer",
        label=_("Privacy officer (FG)"),
        description=_("Reads the audit and processing logs and reviews the covenant."),
        permissions=(
            VIEW_ORGANISATIONS,
            VIEW_MEMBERSHIPS,
            *VIEW_AREAS,
            *VIEW_COVENANTS,
            *VIEW_AUDIT,
            EXPORT_INZAGE,
        ),
    ),
    Role(
        name="beheerder",
        label=_("Application manager (beheerder)"),
        description=_("Manages organisations, users, memberships and API tokens."),
        permissions=(
            VIEW_ORGANISATIONS,
            *VIEW_AREAS,
            *IMPORT_AREAS,
            *SET_UP_INSTANCE,
            *MANAGE_ORGANISATIONS,
            VIEW_MEMBERSHIPS,
            *MANAGE_MEMBERSHIPS,
            *MANAGE_API_TOKENS,
            *MANAGE_INVITATIONS,
            *MANAGE_SIGN_IN_MAPPINGS,
            "auth.view_user",
            "auth.add_user",
            "auth.change_user",
            RUN_RETENTION,
            IMPORT_ADDRESSES,
            "plans.view_interventiontype",
            *MANAGE_INTERVENTION_CATALOGUE,
        ),
        is_staff=True,
    ),
)

ROLES_BY_NAME = {role.name: role for role in ROLES}


def roles_with(permission: str) -> list[Role]:
    """The roles that hold ``permission`` (to tell a user who can do what they may not)."""
    return [role for role in ROLES if permission in role.permissions]


# --- Covenant checks -----------------------------------------------------------------------------
# A permission opens a door; a covenant grant decides what is behind it. A user receives personal
# data of a processing activity only when (1) a covenant is active today and covers the area,
# (2) the user's organisation is a partner of it, and (3) one of the activity's grants names the
# organisation's kind and one of the user's roles. Default deny: no grant, nothing visible.


SCOPE_AREA = "area"
SCOPE_PARTICIPATION = "participation"
LEVEL_WRITE = "write"


@dataclass(frozen=True)
class Grant:
    """One effective grant of one user, ready to be turned into a query filter."""

    activity_id: int
    activity_code: str
    compartment: str
    #: activity ids whose data may be read under this grant (itself plus explicit reuse decisions)
    readable_activity_ids: frozenset[int]
    #: the codes of those activities (plan interventions name their activity by code)
    readable_activity_codes: frozenset[str]
    #: CBS code bodies (without GM/WK/BU) of the covenant areas: a buurt is covered by prefix
    area_prefixes: tuple[str, ...]
    scope: str
    level: str
    organisation_ids: frozenset[int]
    covenant_id: int
    #: custom areas drawn as polygons (codes such as ``EG0001``) among the covenant areas: an address is
    #: covered when its point lies inside (the register stores which addresses do)
    custom_areas: tuple[str, ...] = ()


def is_custom_area_code(code: str) -> bool:
    """``EG0001``: a custom area (a holiday park, a business park, a drawn area), not a CBS code."""
    return len(code) > 2 and code[:2] == "EG" and code[2:].isdigit()


#: Set by the areas app (``areas.selectors.custom_area_unions``): for the custom-area codes given, those
#: made of whole CBS areas (no boundary) with their members' codes. A covenant naming such an area covers
#: exactly what naming its members covers, decided by the address's buurt like any named buurt; a drawn
#: area is decided by the addresses stored inside its boundary.
custom_area_unions: Callable[[list[str]], dict[str, list[str]]] | None = None


def custom_areas_each(codes: Iterable[str]) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each of these custom-area codes on its own as ``(buurt-code prefixes, drawn custom areas)``, as
    ``covenant_areas`` covers it: a union of whole CBS areas gives its members' prefixes, a drawn (or
    unknown) area its code. The unions' members are read in one query for all codes."""
    custom = list(dict.fromkeys(code for code in codes if is_custom_area_code(code)))
    unions = custom_area_unions(custom) if custom and custom_area_unions is not None else {}
    return {
        code: (tuple(dict.fromkeys(area_prefix(member) for member in unions[code])), ())
        if code in unions
        else ((), (code,))
        for code in custom
    }


def covenant_areas(area_codes: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A covenant's areas as ``(buurt-code prefixes, drawn custom areas)``: CBS codes by their prefix, a
    union of whole CBS areas by its members' prefixes, a drawn area by its code. An unknown custom code
    covers nothing."""
    codes = list(area_codes)
    each = custom_areas_each(codes)
    prefixes = [area_prefix(code) for code in codes if not is_custom_area_code(code)]
    drawn = []
    for code in codes:
        if code in each:
            prefixes.extend(each[code][0])
            drawn.extend(each[code][1])
    return tuple(dict.fromkeys(prefixes)), tuple(drawn)


def area_prefix(cbs_code: str) -> str:
    """``GM0363`` → ``0363``, ``WK0363FD`` → ``0363FD``, ``BU0363FD04`` → ``0363FD04``."""
    return cbs_code[2:]


def area_covers(
    prefixes: tuple[str, ...],
    buurt_code: str,
    *,
    custom_areas: tuple[str, ...] = (),
    address_custom_areas: tuple[str, ...] = (),
) -> bool:
    """Whether covenant areas cover an address: its buurt by prefix, or one of the custom areas its
    point lies in (``address_custom_areas``) among the covenant's ``custom_areas``."""
    body = buurt_code[2:]
    if buurt_code and any(body.startswith(prefix) for prefix in prefixes):
        return True
    return bool(custom_areas) and not set(custom_areas).isdisjoint(address_custom_areas)


@dataclass(frozen=True)
class PolicySnapshot:
    """What one user may do on one day: permissions, covenant grants and organisations."""

    grants: tuple[Grant, ...] = ()
    organisation_names: tuple[str, ...] = ()
    #: the organisations the user acts for now (one for an organisation-bound API token)
    organisation_ids: frozenset[int] = frozenset()
    #: ModelBackend's permission caches (user, group, all), so ``has_perm`` needs no query
    permission_caches: tuple[frozenset[str], frozenset[str], frozenset[str]] | None = None

    def apply_permissions(self, user) -> None:
        if self.permission_caches is None or hasattr(user, "_perm_cache"):
            return
        user._user_perm_cache, user._group_perm_cache, user._perm_cache = (
            set(cache) for cache in self.permission_caches
        )


EMPTY_SNAPSHOT = PolicySnapshot()
#: a snapshot is reused for at most this long (memberships and covenants start and end at a moment)
SNAPSHOT_SECONDS = 60
_snapshots = SnapshotCache(max_entries=10_000, seconds=SNAPSHOT_SECONDS)


def policy_snapshot(user, *, on=None) -> PolicySnapshot:
    """The user's permissions and effective covenant grants.

    Kept on the user object for the request, and per process for as long as the policy version
    (``access.models.PolicyVersion``, renewed by database triggers on every change to what decides
    access) is unchanged, at most ``SNAPSHOT_SECONDS``. Costs one query when kept, about six when not.
    """
    from django.utils import timezone

    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY_SNAPSHOT
    day = on or timezone.localdate()
    acting = acting_organisation_id(user)
    attribute = f"_smaakmaker_policy_{day.isoformat()}_{acting or 'all'}"
    snapshot = getattr(user, attribute, None)
    if snapshot is None:
        version = policy_version()
        key = (user.pk, day, version, acting)
        snapshot = _snapshots.get(key) if version else None
        if snapshot is None:
            snapshot = _snapshot_build(user, day, acting)
            if version:
                _snapshots.put(key, snapshot)
        setattr(user, attribute, snapshot)
    snapshot.apply_permissions(user)
    return snapshot


_ACTING_ATTRIBUTE = "_smaakmaker_acting_organisation_id"


def act_for_organisation(user, organisation_id: int) -> None:
    """From now on this user object acts for one organisation only (an organisation-bound API token):
    its covenant grants are those of that membership alone, never the union of all its memberships."""
    setattr(user, _ACTING_ATTRIBUTE, organisation_id)


def acting_organisation_id(user) -> int | None:
    """The one organisation this user object acts for, or None (a browser session: all memberships)."""
    return getattr(user, _ACTING_ATTRIBUTE, None)


def grants_for(user, *, on=None) -> list[Grant]:
    """The effective covenant grants of a user on a day (today by default)."""
    return list(policy_snapshot(user, on=on).grants)


def _snapshot_build(user, day, acting: int | None = None) -> PolicySnapshot:
    from django.contrib.auth import get_user_model

    from smaakmaker.access.models import CovenantStatus, Membership, ProcessingGrant, ReuseDecision

    # A fresh copy of the user, so the permission caches hold exactly what the database says now.
    fresh = get_user_model().objects.get(pk=user.pk)
    fresh.get_all_permissions()
    permission_caches = tuple(
        frozenset(getattr(fresh, name, ()))
        for name in ("_user_perm_cache", "_group_perm_cache", "_perm_cache")
    )
    memberships = Membership.objects.active().filter(user=user)
    if acting is not None:
        memberships = memberships.filter(organisation_id=acting)
    memberships = list(memberships.select_related("organisation").order_by("organisation__name"))
    org_by_kind: dict[str, set[int]] = {}
    for membership in memberships:
        org_by_kind.setdefault(membership.organisation.kind, set()).add(membership.organisation_id)
    org_ids = {m.organisation_id for m in memberships}
    rows = (
        ProcessingGrant.objects.filter(
            role__in=user.groups.all(),
            organisation_kind__in=list(org_by_kind),
            activity__covenant__status=CovenantStatus.ACTIVE,
            activity__covenant__valid_from__lte=day,
            activity__covenant__partners__in=org_ids,
        )
        .filter(Q(activity__covenant__valid_until__isnull=True) | Q(activity__covenant__valid_until__gte=day))
        .select_related("activity", "activity__covenant")
        .distinct()
    )
    rows = list(rows)
    reuse: dict[int, set[int]] = {}
    codes: dict[int, str] = {}
    if rows:
        for source_id, source_code, target_id in ReuseDecision.objects.values_list(
            "source_id", "source__code", "target_id"
        ):
            reuse.setdefault(target_id, set()).add(source_id)
            codes[source_id] = source_code
    partner_ids: dict[int, set[int]] = {}
    areas: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    grants = []
    for row in rows:
        covenant = row.activity.covenant
        if covenant.pk not in partner_ids:
            partner_ids[covenant.pk] = set(covenant.partners.values_list("pk", flat=True))
            areas[covenant.pk] = covenant_areas(covenant.area_codes)
        organisations = org_by_kind[row.organisation_kind] & partner_ids[covenant.pk]
        if not organisations:
            continue
        readable = frozenset({row.activity_id, *reuse.get(row.activity_id, set())})
        codes[row.activity_id] = row.activity.code
        grants.append(
            Grant(
                activity_id=row.activity_id,
                activity_code=row.activity.code,
                compartment=row.activity.compartment,
                readable_activity_ids=readable,
                readable_activity_codes=frozenset(codes[pk] for pk in readable),
                area_prefixes=areas[covenant.pk][0],
                custom_areas=areas[covenant.pk][1],
                scope=row.scope,
                level=row.level,
                organisation_ids=frozenset(organisations),
                covenant_id=covenant.pk,
            )
        )
    return PolicySnapshot(
        grants=tuple(grants),
        organisation_names=tuple(m.organisation.name for m in memberships),
        organisation_ids=frozenset(org_ids),
        permission_caches=permission_caches,
    )


def policy_version() -> str | None:
    """The current policy version, or None when the row is missing (then nothing is kept)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM access_policyversion WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def organisation_ids_of(user) -> frozenset[int]:
    """The organisations this user acts for today (active memberships; only the token's organisation
    for an organisation-bound API token)."""
    return policy_snapshot(user).organisation_ids


def writable_activity_ids(user) -> set[int]:
    """The processing activities under which this user may record data somewhere."""
    return {grant.activity_id for grant in grants_for(user) if grant.level == LEVEL_WRITE}


def grant_to_write(
    user,
    *,
    activity_id: int,
    buurt_code: str,
    organisation_id: int | None = None,
    custom_areas: tuple[str, ...] = (),
) -> Grant | None:
    """The grant that lets this user record data under an activity at an address (in this buurt and
    these custom areas), or None.

    With ``organisation_id``, only a grant held by that organisation counts: a user who works for two
    organisations records for the one named, whichever of their grants happens to come first."""
    for grant in grants_for(user):
        if (
            grant.activity_id == activity_id
            and grant.level == LEVEL_WRITE
            and area_covers(
                grant.area_prefixes,
                buurt_code,
                custom_areas=grant.custom_areas,
                address_custom_areas=custom_areas,
            )
            and (organisation_id is None or organisation_id in grant.organisation_ids)
        ):
            return grant
    return None


def covenant_may_activate(*, dpia_reference: str, dpia_date, privacy_officer_id) -> list[str]:
    """Reasons why a covenant cannot become active (empty when it can)."""
    reasons = []
    if not dpia_reference or dpia_date is None:
        reasons.append(
            str(_("A covenant needs a recorded DPIA (reference and date) before it becomes active."))
        )
    if privacy_officer_id is None:
        reasons.append(str(_("A covenant needs a named privacy officer before it becomes active.")))
    return reasons
