# SPDX-License-Identifier: EUPL-1.2
"""Every access rule in one place.

Roles are Django Groups holding permission codenames. This module is the only place where role
names appear: code elsewhere checks permissions (``user.has_perm``), never a role or organisation
name. ``roles_sync`` (run after every migrate) makes the groups in the database match this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


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
MANAGE_API_TOKENS = ("access.view_apitoken", "access.add_apitoken", "access.change_apitoken")

ROLES: tuple[Role, ...] = (
    Role(
        name="regisseur",
        label=_("Director (regisseur)"),
        description=_("Creates an approach for an area, its covenant and plan; chairs the partner meeting."),
        permissions=(VIEW_ORGANISATIONS, VIEW_MEMBERSHIPS),
    ),
    Role(
        name="partner-professional",
        label=_("Partner professional"),
        description=_("Records signals, sees the shared picture for their cases, executes interventions."),
        permissions=(VIEW_ORGANISATIONS,),
    ),
    Role(
        name="analist",
        label=_("Analyst"),
        description=_("Runs area scans and effect evaluations on aggregated data only."),
        permissions=(VIEW_ORGANISATIONS,),
    ),
    Role(
        name="bestuurder",
        label=_("Administrator or council member (bestuurder)"),
        description=_("Reads dashboards and reports; no personal data."),
        permissions=(VIEW_ORGANISATIONS,),
    ),
    Role(
        name="privacy-officer",
        label=_("Privacy officer (FG)"),
        description=_("Reads the audit and processing logs and reviews the covenant."),
        permissions=(VIEW_ORGANISATIONS, VIEW_MEMBERSHIPS),
    ),
    Role(
        name="beheerder",
        label=_("Application manager (beheerder)"),
        description=_("Manages organisations, users, memberships and API tokens."),
        permissions=(
            VIEW_ORGANISATIONS,
            *MANAGE_ORGANISATIONS,
            VIEW_MEMBERSHIPS,
            *MANAGE_MEMBERSHIPS,
            *MANAGE_API_TOKENS,
            "auth.view_user",
            "auth.add_user",
            "auth.change_user",
        ),
        is_staff=True,
    ),
)

ROLES_BY_NAME = {role.name: role for role in ROLES}
