# SPDX-License-Identifier: EUPL-1.2
"""The one visibility filter per model: ``Model.objects.visible_to(user)``.

Default deny. A row is visible when the user holds the model's view permission AND one of their
covenant grants (``access.policies.policy_snapshot``) covers (1) the processing activity the row was
collected under (or one made readable by an explicit reuse decision), (2) the area of its address,
and (3) for grants with participation scope: the row comes from the user's own organisation or
belongs to an address with a case the organisation takes part in.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef, Q

from smaakmaker.access.policies import SCOPE_AREA, policy_snapshot

NOTHING = Q(pk__in=[])


def area_q(prefixes: tuple[str, ...], buurt_field: str, custom_areas=(), address_field: str = "") -> Q:
    """The rows whose address lies in these areas: its buurt code (``buurt_field``) starts with one of
    the prefixes, or its point lies in one of the drawn custom areas (``address_field``: the address's
    id). Covenant grants (``grant_filter``) and the register's area filters
    (``cases.selectors._area_filter``) both cover an area through this."""
    q = NOTHING
    for prefix in prefixes:
        q |= Q(**{f"{buurt_field}__startswith": "BU" + prefix})
    if custom_areas:
        # A custom area drawn as a polygon covers the addresses whose point lies inside it.
        from smaakmaker.cases.models import AddressCustomArea

        q |= Q(
            Exists(
                AddressCustomArea.objects.filter(
                    address_id=OuterRef(address_field), area_code__in=sorted(custom_areas)
                )
            )
        )
    return q


def participates_at_address(organisation_ids, address_ref: str, case_activity_ids) -> Q:
    """A correlated EXISTS: one of these organisations takes part in a case at the row's address that
    was opened under one of ``case_activity_ids``.

    Participation is per case: taking part in a case opens data of that case's activity (and of the
    activities an explicit reuse decision makes readable under it), never every record at the address.
    (Correlated, so PostgreSQL probes the case and participant indexes per row.)
    """
    from smaakmaker.cases.models import CaseParticipant

    return Q(
        Exists(
            CaseParticipant.objects.filter(
                organisation_id__in=sorted(organisation_ids),
                case__address_id=OuterRef(address_ref),
                case__activity_id__in=sorted(case_activity_ids),
            )
        )
    )


def participates_in_case(organisation_ids, case_ref: str) -> Q:
    """A correlated EXISTS: one of these organisations takes part in exactly this case."""
    from smaakmaker.cases.models import CaseParticipant

    return Q(
        Exists(
            CaseParticipant.objects.filter(
                organisation_id__in=sorted(organisation_ids), case_id=OuterRef(case_ref)
            )
        )
    )


def grant_filter(
    user,
    *,
    permission: str,
    activity_field: str = "activity_id",
    buurt_field: str = "address__buurt_code",
    address_field: str = "address_id",
    own_field: str | None = "source_organisation_id",
    case_field: str | None = None,
    activity_by_code: bool = False,
) -> Q | None:
    """The Q object for ``visible_to``; None means nothing is visible.

    ``activity_field`` holds the activity's id, or its code with ``activity_by_code`` (plan
    interventions name their activity by code). ``case_field`` names the case a row belongs to (cases, decisions): under a participation grant such
    a row is visible when the organisation takes part in that very case. Other rows (signals, residents)
    are visible under a participation grant when they are the organisation's own, or when it takes part
    in a case at their address opened under the grant's activity.
    """
    if not user.is_authenticated:
        return None
    grants = policy_snapshot(user).grants  # also fills the permission caches used by has_perm
    if not user.has_perm(permission):
        return None
    # Grants that differ only in their activity make one term (a smaller query to plan and compile),
    # except that under participation the case's activity matters: a case opened under activity A
    # opens the data readable under A's grant, not the data of the organisation's other grants.
    terms: dict[tuple, set[int]] = {}
    for grant in grants:
        if not grant.area_prefixes and not grant.custom_areas:
            continue
        per_case_activity = grant.scope != SCOPE_AREA and case_field is None
        key = (
            grant.area_prefixes,
            grant.custom_areas,
            grant.scope,
            grant.organisation_ids,
            grant.activity_id if per_case_activity else None,
        )
        terms.setdefault(key, set()).update(
            grant.readable_activity_codes if activity_by_code else grant.readable_activity_ids
        )
    result = None
    for (area_prefixes, custom_areas, scope, organisation_ids, case_activity), activity_ids in terms.items():
        q = Q(**{f"{activity_field}__in": sorted(activity_ids)}) & area_q(
            area_prefixes, buurt_field, custom_areas, address_field
        )
        if scope != SCOPE_AREA:
            if case_field is not None:
                need = participates_in_case(organisation_ids, case_field)
            else:
                need = participates_at_address(organisation_ids, address_field, [case_activity])
            if own_field:
                need |= Q(**{f"{own_field}__in": sorted(organisation_ids)})
            q &= need
        result = q if result is None else result | q
    return result


class _Visible(models.QuerySet):
    def _visible(self, q):
        return self.none() if q is None else self.filter(q)


class SignalQuerySet(_Visible):
    def visible_to(self, user):
        return self._visible(grant_filter(user, permission="cases.view_signal"))

    def hidden_compartments(self, user, *, address_id):
        """The compartments of the signals at this address that ``visible_to(user)`` leaves out: the user
        sees them only as a coarse flag (only these labels are read)."""
        visible = self.model.objects.visible_to(user).filter(address_id=address_id).values("pk")
        return (
            self.filter(address_id=address_id, anonymised__isnull=True)
            .exclude(pk__in=visible)
            .order_by()
            .values_list("activity__compartment", flat=True)
            .distinct()
        )


class ResidentQuerySet(_Visible):
    def visible_to(self, user):
        return self._visible(grant_filter(user, permission="cases.view_address"))


class CaseQuerySet(_Visible):
    def visible_to(self, user):
        return self._visible(
            grant_filter(
                user,
                permission="cases.view_case",
                own_field="regie_organisation_id",
                address_field="address_id",
                case_field="pk",
            )
        )


class DecisionQuerySet(_Visible):
    def visible_to(self, user):
        from smaakmaker.cases.models import Case

        q = grant_filter(
            user,
            permission="cases.view_case",
            buurt_field="case__address__buurt_code",
            address_field="case__address_id",
            own_field="organisation_id",
            case_field="case_id",
        )
        if q is None:
            return self.none()
        return self.filter(q, case__in=Case.objects.visible_to(user).values("pk"))


class CaseEventQuerySet(_Visible):
    def redact(self, text: str) -> int:
        """The only change ever made to history: retention removes the notes' content."""
        return self.update(note=text)

    def visible_to(self, user):
        from smaakmaker.cases.models import Case

        return self.filter(case__in=Case.objects.visible_to(user).values("pk"))


class AddressQuerySet(_Visible):
    def visible_to(self, user):
        """Addresses with at least one visible signal, resident or case.

        Correlated EXISTS per address (index probes), not ``pk IN (every visible row's address)``: joined
        by OR, those sub-selects are each computed whole, which on millions of signals takes seconds
        even when the caller asks about eight addresses (a plan's)."""
        from smaakmaker.cases.models import Case, Resident, Signal

        return self.filter(
            Exists(Signal.objects.visible_to(user).filter(address_id=OuterRef("pk")))
            | Exists(Case.objects.visible_to(user).filter(address_id=OuterRef("pk")))
            | Exists(Resident.objects.visible_to(user).filter(address_id=OuterRef("pk")))
        )

    def visible_one(self, user, *, uuid):
        """One address by UUID if visible, else None (index lookups only)."""
        from smaakmaker.cases.models import Case, Resident, Signal

        address = self.filter(uuid=uuid).first()
        if address is None:
            return None
        for model in (Case, Signal, Resident):
            if model.objects.visible_to(user).filter(address=address).exists():
                return address
        return None

    @staticmethod
    def visible_through(*visible_rows) -> bool:
        """The rule of ``visible_to`` for a caller that already read the address's visible signals,
        residents and cases: the address is visible when any of them is non-empty."""
        return any(visible_rows)
