# SPDX-License-Identifier: EUPL-1.2
"""The one visibility filter of the plans domain: ``PlanIntervention.objects.visible_to(user)``.

An intervention at address level is personal data under its type's processing activity (an
intervention type without one falls under the casusoverleg, :data:`DEFAULT_ACTIVITY_CODE`). It is shown
in full only to a user with ``plans.view_address_interventions`` whose organisation either

- carries it out (the owner; the coordinating organisation directs the partners at the address but
  does not thereby receive the content of another partner's intervention), or
- holds a covenant grant for that activity (or one made readable under it by a reuse decision) whose
  area covers the address; under a participation grant the organisation must take part in a case at
  the address opened under the grant's activity (the register's rule, ``cases/querysets.py``).

Everyone else who may see the plan sees such an intervention at most as a coarse flag (compartment,
responsible partner, week; see ``plans/selectors.py``), never its type, legal instrument, degree or
text. Interventions at area, street and complex level are not about a person and are shown to every
plan reader. The coherence rules and the scheduler work on the full plan inside the server.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce, NullIf

from smaakmaker.access.policies import organisation_ids_of
from smaakmaker.cases.querysets import grant_filter

VIEW_PERMISSION = "plans.view_approach"
ADDRESS_PERMISSION = "plans.view_address_interventions"
#: the processing activity of an address-level intervention whose type names none
DEFAULT_ACTIVITY_CODE = "casusoverleg"


class PlanInterventionQuerySet(models.QuerySet):
    def with_activity_code(self):
        """Annotate ``activity_code``: the type's processing activity, or the casusoverleg."""
        return self.annotate(
            activity_code=Coalesce(
                NullIf("intervention_type__activity_code", Value("")), Value(DEFAULT_ACTIVITY_CODE)
            )
        )

    def visible_to(self, user):
        """The interventions this user may see in full (default deny)."""
        if user is None or not user.is_authenticated or not user.has_perm(VIEW_PERMISSION):
            return self.none()
        q = Q(address__isnull=True)
        if user.has_perm(ADDRESS_PERMISSION):
            organisations = sorted(organisation_ids_of(user))
            q |= Q(owner_id__in=organisations)
            granted = grant_filter(
                user,
                permission=ADDRESS_PERMISSION,
                activity_field="activity_code",
                activity_by_code=True,
                own_field=None,
            )
            if granted is not None:
                q |= Q(address__isnull=False) & granted
        return self.with_activity_code().filter(q)
