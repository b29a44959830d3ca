# SPDX-License-Identifier: EUPL-1.2
"""The authorization matrix, generated from the URL configuration and the committed OpenAPI document.

Every page, API operation and export (every URL pattern outside the Django admin, and every operation
of ``docs/api/openapi.json``) must have an entry in :data:`ROUTES`; a new endpoint without one fails
:func:`test_every_endpoint_is_in_the_matrix`. Each entry is then requested by every demo role, against a
world with personal data of every compartment and of other organisations (the register world of
``cases/tests/conftest.py`` plus plan interventions of every compartment at one shared address). Each
piece of personal data carries a unique marker; the test asserts

- the status each role gets (derived from the role table in ``access/policies.py``),
- that no response shows a marker the role may not see (for the personal-data endpoints: exactly the
  markers it may see),
- that the processing log records exactly the activities of what was shown, and nothing for a role
  that was shown nothing.

Expected visibility is written out by hand from the covenant of ``cases/demo.py`` (EXPECTED_* below and
in ``cases/tests/test_authorization.py``), not computed by the code under test.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from smaakmaker.access.models import Organisation, ProcessingLogRecord
from smaakmaker.access.policies import ROLES_BY_NAME
from smaakmaker.cases.tests.conftest import CORP1, GEMEENTE, WIJKTEAM, api, world  # noqa: F401  (fixtures)
from smaakmaker.cases.tests.test_authorization import (
    ALL_USERS,
    EXPECTED_ADDRESSES,
    EXPECTED_CASES,
    EXPECTED_RESIDENTS,
    EXPECTED_SIGNALS,
)

pytestmark = pytest.mark.django_db

OPENAPI = Path(__file__).resolve().parents[1] / "docs" / "api" / "openapi.json"
ROLE_OF = {
    "regisseur": "regisseur",
    "professional": "partner-professional",
    "consulent": "partner-professional",
    "wijkagent": "partner-professional",
    "wijkteam": "partner-professional",
    "analist": "analist",
    "bestuurder": "bestuurder",
    "privacy": "privacy-officer",
    "beheerder": "beheerder",
}

# --- the plan part of the world: one intervention per compartment at the shared address A1 ----------
#: marker -> (intervention type, owning organisation)
INTERVENTIONS = {
    "iv-zorg-A1": ("wmo-melding-keukentafel", WIJKTEAM),  # zorgsignalen
    "iv-politie-A1": ("opiumwet-13b-sluiting", GEMEENTE),  # politie-informatie
    "iv-corporatie-A1": ("bw-7-231-ontbinding", CORP1),  # woonfraude-huurachterstand
    "iv-algemeen-A1": ("gemeentewet-151d-woonoverlast", GEMEENTE),  # signalering-leefbaarheid
}
AREA_MARKER = "iv-gebied"
#: who sees which address-level intervention in full: the owner, or a grant for its activity (the
#: participation grants of corporation 1 and the wijkteam reach the general one through the casusoverleg
#: at A1 and the reuse decision leefbaarheid -> casusoverleg)
EXPECTED_FULL = {
    "regisseur": {"iv-politie-A1", "iv-algemeen-A1"},
    "professional": {"iv-corporatie-A1", "iv-algemeen-A1"},
    "consulent": set(),
    "wijkagent": set(),
    "wijkteam": {"iv-zorg-A1", "iv-algemeen-A1"},
}
ACTIVITY = {
    "iv-zorg-A1": "zorgsignalen",
    "iv-politie-A1": "politie-informatie",
    "iv-corporatie-A1": "woonfraude-huurachterstand",
    "iv-algemeen-A1": "signalering-leefbaarheid",
}
PLAN_READERS = {u for u, r in ROLE_OF.items() if "plans.view_approach" in ROLES_BY_NAME[r].permissions}
ADDRESS_READERS = {
    u for u, r in ROLE_OF.items() if "plans.view_address_interventions" in ROLES_BY_NAME[r].permissions
}


def has(username: str, permission: str) -> bool:
    return permission in ROLES_BY_NAME[ROLE_OF[username]].permissions


@pytest.fixture
def matrix_world(world):  # noqa: F811
    from datetime import date

    from smaakmaker.areas.models import Area, AreaLevel
    from smaakmaker.plans import services
    from smaakmaker.plans.models import InterventionType

    services.catalogue_seed()
    org = {o.name: o for o in Organisation.objects.all()}
    area = Area.objects.get_or_create(
        code="BU0363FD04",
        defaults={"level": AreaLevel.BUURT, "name": "Dobbebuurt", "gemeente_code": "GM0363"},
    )[0]
    regisseur = world.users["regisseur"]
    approach = services.approach_create(
        actor=regisseur,
        area=area,
        name="Matrixaanpak",
        start_date=date(2026, 1, 5),
        horizon_weeks=30,
        partners=[(o, 10) for o in org.values() if o.is_demo],
    )
    types = {t.code: t for t in InterventionType.objects.all()}
    ivs = {}
    for week, (marker, (code, owner)) in enumerate(INTERVENTIONS.items()):
        ivs[marker] = services.intervention_add(
            actor=regisseur,
            approach=approach,
            intervention_type=types[code],
            owner=org[owner],
            level="adres",
            address=world.addresses["A1"],
            start_week=week,
            title=marker,
            exit_criteria=f"exit-{marker}",
        )
    ivs[AREA_MARKER] = services.intervention_add(
        actor=regisseur,
        approach=approach,
        intervention_type=types["schoon-heel-veilig"],
        owner=org[GEMEENTE],
        level="gebied",
        start_week=1,
        title=AREA_MARKER,
    )
    world.approach = approach
    world.ivs = ivs
    # A partner file of the police, checked (not imported): its name and the text of its rejected row are
    # seen by its uploader alone.
    from smaakmaker.cases import partner_files

    police = world.users["wijkagent"]
    world.partner_file = partner_files.partner_file_import(
        actor=police,
        organisation=partner_files.organisations_for_upload(police)[0],
        file_name=f"{PARTNER_FILE_MARKER}.csv",
        content=f"nummeraanduiding;soort;datum\n{world.addresses['A1'].bag_nummeraanduiding_id};"
        f"{PARTNER_FILE_ROW_MARKER};2024-06-01\n".encode(),
    )
    return world


# --- markers ------------------------------------------------------------------------------------------


#: the name of a partner file of the police, and a value in its rejected row (shown in the reason)
PARTNER_FILE_MARKER = "partnerbestand-politie"
PARTNER_FILE_ROW_MARKER = "soort-uit-partnerbestand"
PARTNER_FILE_UPLOADER = "wijkagent"


def partner_file_markers(username: str, *, listed: bool = False) -> set[str]:
    """What a role sees of the partner file: its uploader sees it (the list shows only its name)."""
    if username != PARTNER_FILE_UPLOADER:
        return set()
    return {PARTNER_FILE_MARKER} if listed else {PARTNER_FILE_MARKER, PARTNER_FILE_ROW_MARKER}


def signal_marker(key: str) -> str:
    return f"omschrijving-{key}"


ALL_MARKERS = (
    {signal_marker(k) for k in ("overlast_pol_A1", "woonfraude_corp2_A1", "zorg_R1_A1", "zorg_R2_A1")}
    | {signal_marker(k) for k in ("hennep_A1", "overlast_corp1_A2", "huur_corp2_A2", "overlast_gem_A3")}
    | {signal_marker("overlast_gem_A4"), "casus-A1", "besluit-A1", "motivering-A1"}
    | {"Bewoner Een (demo)", "Bewoner Twee (demo)"}
    | set(INTERVENTIONS)
    | {f"exit-{m}" for m in INTERVENTIONS}
    | {PARTNER_FILE_MARKER, PARTNER_FILE_ROW_MARKER}
)


def visible_markers(username: str) -> set[str]:
    """Every marker this role may see somewhere (the union over all endpoints)."""
    out = {signal_marker(k) for k in EXPECTED_SIGNALS.get(username, set())}
    if EXPECTED_CASES.get(username):
        out |= {"casus-A1", "besluit-A1", "motivering-A1"}
    out |= {
        {"R1": "Bewoner Een (demo)", "R2": "Bewoner Twee (demo)"}[r]
        for r in EXPECTED_RESIDENTS.get(username, ())
    }
    for marker in EXPECTED_FULL.get(username, set()) if username in ADDRESS_READERS else ():
        out |= {marker, f"exit-{marker}"}
    return out | partner_file_markers(username)


def plan_markers(username: str) -> set[str]:
    full = EXPECTED_FULL.get(username, set()) if username in ADDRESS_READERS else set()
    return full | {f"exit-{m}" for m in full}


def plan_activities(username: str) -> set[str]:
    """Activities logged when a role reads the plan: what it sees in full, and '-' for A1 shown with flags."""
    if username not in ADDRESS_READERS:
        return set()
    full = {ACTIVITY[m] for m in EXPECTED_FULL.get(username, set())}
    flags = set(INTERVENTIONS) - EXPECTED_FULL.get(username, set())
    sees_a1 = "A1" in EXPECTED_ADDRESSES.get(username, set())
    return full | ({"-"} if flags and sees_a1 and not full else set())


def plan_activities_full(username: str) -> set[str]:
    """The API's list of interventions shown in full logs only their activities."""
    if username not in ADDRESS_READERS:
        return set()
    return {ACTIVITY[m] for m in EXPECTED_FULL.get(username, set())}


def plan_activities_flags(username: str) -> set[str]:
    """The API's list of flags logs only the bare fact ('-') for A1, where a role sees flags there."""
    if username not in ADDRESS_READERS:
        return set()
    flags = set(INTERVENTIONS) - EXPECTED_FULL.get(username, set())
    return {"-"} if flags and "A1" in EXPECTED_ADDRESSES.get(username, set()) else set()


# --- the routes ---------------------------------------------------------------------------------------

MISSING = "00000000-0000-4000-8000-000000000000"


K_NONE: Callable = lambda w: {}  # noqa: E731


def K_COVENANT(w):  # noqa: N802
    from smaakmaker.access.models import Covenant

    return {"uuid": Covenant.objects.get().uuid}


K_APPROACH = lambda w: {"uuid": w.approach.uuid}  # noqa: E731
K_A1 = lambda w: {"uuid": w.addresses["A1"].uuid}  # noqa: E731
K_CASE = lambda w: {"uuid": w.case.uuid}  # noqa: E731
K_AREA = lambda w: {"code": "BU0363FD04"}  # noqa: E731
K_MISSING = lambda w: {"uuid": MISSING}  # noqa: E731
K_PLAN_A1 = lambda w: {"uuid": w.approach.uuid, "address_uuid": w.addresses["A1"].uuid}  # noqa: E731
K_IV_ZORG = lambda w: {"uuid": w.approach.uuid, "ref": w.ivs["iv-zorg-A1"].ref}  # noqa: E731
K_RUN = lambda w: {"uuid": w.approach.uuid, "run_uuid": w.run.uuid}  # noqa: E731
K_DEPENDENCY = lambda w: {"uuid": w.approach.uuid, "dependency_uuid": MISSING}  # noqa: E731
K_SLUG = lambda w: {"slug": "signaleringsregels"}  # noqa: E731
K_PARTNER_FILE = lambda w: {"uuid": w.partner_file.uuid}  # noqa: E731


def partner_file_status(u: str) -> int:
    """A partner file's pages: its uploader; 404 for others who record signals; 403 for other roles."""
    if u == PARTNER_FILE_UPLOADER:
        return 200
    return 404 if has(u, "cases.add_signal") else 403


@dataclass
class Route:
    """One endpoint of the matrix: how to address it, which methods it has, what each role gets."""

    kwargs: Callable = K_NONE
    methods: tuple[str, ...] = ("GET",)
    #: GET status per role (a function of the user name)
    status: Callable[[str], int] = lambda u: 200
    #: the exact markers each role must see in the answer (None: any subset of what the role may see)
    markers: Callable[[str], set[str]] | None = None
    #: the exact processing activities logged for the read (None: a subset of what the role may see)
    activities: Callable[[str], set[str]] | None = None
    query: str = ""
    api: bool = False
    notes: str = ""
    extra: dict = field(default_factory=dict)


def perm(permission: str, yes: int = 200, no: int = 403) -> Callable[[str], int]:
    return lambda u: yes if has(u, permission) else no


def every(status: int) -> Callable[[str], int]:
    return lambda u: status


REGISTER = "cases.view_address"
VIEW_COVENANT = "access.view_covenant"
VIEW_PLANS = "plans.view_approach"
VIEW_MONITORING = "monitoring.view_effectevaluation"
POST_ONLY = every(405)
#: a GET of a page that only takes a form's POST is sent on to the page it belongs to
PAGE_POST_ONLY = every(302)


def dossier_status(u: str) -> int:
    """One object: visible or 404, whoever asks (lists and searches answer 403 without the register)."""
    return 200 if "A1" in EXPECTED_ADDRESSES.get(u, set()) else 404


def dossier_markers(u: str) -> set[str]:
    shown = {signal_marker(k) for k in EXPECTED_SIGNALS.get(u, set()) if k.endswith("A1")}
    if EXPECTED_CASES.get(u):
        shown |= {"casus-A1", "besluit-A1", "motivering-A1"}
    names = {"R1": "Bewoner Een (demo)", "R2": "Bewoner Twee (demo)"}
    return shown | {names[r] for r in EXPECTED_RESIDENTS.get(u, ())}


def plan_status(u: str) -> int:
    return 200 if u in PLAN_READERS else 403


def plan_address_status(u: str) -> int:
    if u not in ADDRESS_READERS:
        return 403 if u in PLAN_READERS or not has(u, VIEW_PLANS) else 404
    sees = EXPECTED_FULL.get(u) or "A1" in EXPECTED_ADDRESSES.get(u, set())
    return 200 if sees else 404


def full_interventions(u: str) -> set[str]:
    return plan_markers(u)


def plan_titles(u: str) -> set[str]:
    """Pages that list interventions by title only (no exit criteria)."""
    return {m for m in plan_markers(u) if not m.startswith("exit-")}


def COVENANT_POST(u: str) -> int:  # noqa: N802
    return 405 if has(u, VIEW_COVENANT) else 403


#: the matrix world loads no area figures: these aggregate endpoints answer 404 for everyone alike
NO_FIGURES = every(404)


#: Every endpoint: URL name -> Route. Django admin (``/beheer/``) is left out: it is staff-only and its
#: personal-data models are read-only or absent there (see access/admin.py, cases/admin.py).
ROUTES: dict[str, Route] = {
    # API plumbing and access
    "api:health": Route(api=True),
    "api:openapi": Route(api=True, notes="not in its own document"),
    "api:me": Route(api=True),
    "api:organisations": Route(api=True, methods=("GET", "POST")),
    "api:covenants": Route(api=True, methods=("GET", "POST"), status=perm(VIEW_COVENANT)),
    "api:covenant-detail": Route(
        api=True, kwargs=K_COVENANT, methods=("GET", "PATCH"), status=perm(VIEW_COVENANT)
    ),
    "api:covenant-activate": Route(api=True, kwargs=K_COVENANT, methods=("POST",), status=COVENANT_POST),
    "api:covenant-end": Route(api=True, kwargs=K_COVENANT, methods=("POST",), status=COVENANT_POST),
    "api:covenant-activities": Route(api=True, kwargs=K_COVENANT, methods=("POST",), status=COVENANT_POST),
    "api:covenant-reuse-decisions": Route(
        api=True, kwargs=K_COVENANT, methods=("POST",), status=COVENANT_POST
    ),
    # areas: aggregates only
    "api:areas": Route(api=True),
    "api:area": Route(api=True, kwargs=K_AREA),
    "api:area-profile": Route(api=True, kwargs=K_AREA, status=NO_FIGURES),
    "api:indicators": Route(api=True),
    "api:indicator-values": Route(api=True),
    # the register
    "api:addresses": Route(api=True, methods=("POST",), status=POST_ONLY),
    "api:address-search": Route(api=True, methods=("POST",), status=POST_ONLY),
    "api:address-dossier": Route(
        api=True,
        kwargs=K_A1,
        status=dossier_status,
        markers=lambda u: dossier_markers(u) if dossier_status(u) == 200 else set(),
    ),
    "api:cases": Route(
        api=True,
        methods=("GET", "POST"),
        status=perm("cases.view_case"),
        markers=lambda u: {"casus-A1"} if EXPECTED_CASES.get(u) else set(),
    ),
    "api:case-search": Route(api=True, methods=("POST",), status=POST_ONLY),
    "api:case-detail": Route(
        api=True,
        kwargs=K_CASE,
        status=lambda u: 200 if EXPECTED_CASES.get(u) else 404,
        markers=lambda u: {"casus-A1", "besluit-A1", "motivering-A1"} if EXPECTED_CASES.get(u) else set(),
    ),
    "api:case-transitions": Route(api=True, kwargs=K_CASE, methods=("POST",), status=POST_ONLY),
    "api:case-decisions": Route(api=True, kwargs=K_CASE, methods=("POST",), status=POST_ONLY),
    "api:signals": Route(api=True, methods=("POST",), status=POST_ONLY),
    # a partner file: visible to its uploader alone (cases/tests/test_partner_files.py); 404 for a missing one
    "api:signal-files": Route(api=True, methods=("POST",), status=POST_ONLY),
    "api:signal-file": Route(
        api=True,
        kwargs=K_PARTNER_FILE,
        status=lambda u: 200 if u == PARTNER_FILE_UPLOADER else 404,
        markers=lambda u: partner_file_markers(u),
    ),
    "api:signal-kinds": Route(api=True, notes="published configuration"),
    "api:alert-rules": Route(api=True, notes="published configuration"),
    "api:agenda": Route(api=True, status=perm(REGISTER)),
    "api:inzage": Route(api=True, methods=("POST",), status=POST_ONLY),
    # monitoring: aggregates
    "api:evaluations": Route(api=True, methods=("GET", "POST"), status=perm(VIEW_MONITORING)),
    "api:evaluation": Route(api=True, kwargs=K_MISSING, status=perm(VIEW_MONITORING, yes=404)),
    "api:bookkeeping": Route(api=True, status=perm("monitoring.view_bookkeeping")),
    "api:what-works": Route(
        api=True,
        status=lambda u: 200 if has(u, VIEW_MONITORING) and has(u, "monitoring.view_bookkeeping") else 403,
        markers=lambda u: set(),
        notes="aggregates per approach only, as the page",
    ),
    "api:perceived-values": Route(api=True, methods=("POST",), status=POST_ONLY),
    # plans
    "api:intervention-types": Route(api=True, status=perm("plans.view_interventiontype")),
    "api:plans": Route(api=True, status=plan_status),
    "api:plan-detail": Route(api=True, kwargs=K_APPROACH, status=plan_status),
    "api:plan-interventions": Route(
        api=True,
        kwargs=K_APPROACH,
        methods=("GET", "POST"),
        status=plan_status,
        markers=full_interventions,
        activities=plan_activities_full,
    ),
    "api:plan-intervention-flags": Route(
        api=True,
        kwargs=K_APPROACH,
        status=plan_status,
        markers=lambda u: set(),
        activities=plan_activities_flags,
    ),
    "api:plan-intervention-status": Route(api=True, kwargs=K_IV_ZORG, methods=("POST",), status=POST_ONLY),
    "api:plan-warnings": Route(api=True, kwargs=K_APPROACH, status=plan_status),
    "api:plan-runs": Route(api=True, kwargs=K_APPROACH, methods=("POST",), status=POST_ONLY),
    "api:plan-run": Route(
        api=True, kwargs=K_RUN, status=perm("plans.view_schedulerrun"), markers=lambda u: set()
    ),
    "api:plan-run-decision": Route(api=True, kwargs=K_RUN, methods=("POST",), status=POST_ONLY),
    # pages: access
    "access:login": Route(status=every(302), notes="signed in already: on to the dashboard"),
    "access:otp_verify": Route(status=every(302)),
    "access:otp_setup": Route(status=every(200)),
    "access:logout": Route(methods=("POST",), status=PAGE_POST_ONLY),
    # sign-in through the identity provider: off in the matrix world (no SMAAKMAKER_OIDC_CLIENT_ID), so
    # both answer 404 to everyone; with it on they only redirect to the provider or sign in
    # (access/tests/test_oidc*.py). The mappings give roles in organisations, no personal data: beheerder only.
    "access:oidc_init": Route(status=every(404), notes="OIDC off"),
    "access:oidc_callback": Route(status=every(404), notes="OIDC off"),
    "access:oidc_mappings": Route(status=perm("access.view_oidcrolemapping"), markers=lambda u: set()),
    "access:oidc_mapping_delete": Route(kwargs=K_MISSING, methods=("POST",), status=PAGE_POST_ONLY),
    "access:index": Route(),
    # the beheerder's screens for partner organisations, users and memberships: accounts of the people who
    # work with the product, never data of residents
    "access:organisation_new": Route(status=perm("access.add_organisation"), markers=lambda u: set()),
    "access:users": Route(status=perm("auth.view_user"), markers=lambda u: set()),
    "access:user_new": Route(
        status=lambda u: 200 if has(u, "auth.add_user") and has(u, "access.add_membership") else 403,
        markers=lambda u: set(),
    ),
    "access:membership_new": Route(status=perm("access.add_membership"), markers=lambda u: set()),
    "access:membership_end": Route(kwargs=K_MISSING, status=perm("access.change_membership", yes=404)),
    "access:user_roles": Route(
        kwargs=lambda w: {"pk": w.users["professional"].pk},
        status=perm("auth.change_user"),
        markers=lambda u: set(),
    ),
    # invitations: only the beheerder makes, sees, sends again and revokes them
    "access:invitations": Route(status=perm("access.view_invitation"), markers=lambda u: set()),
    "access:invitation_new": Route(status=perm("access.add_invitation"), markers=lambda u: set()),
    "access:invitation": Route(kwargs=K_MISSING, status=perm("access.view_invitation", yes=404)),
    "access:invitation_resend": Route(kwargs=K_MISSING, methods=("POST",), status=PAGE_POST_ONLY),
    "access:invitation_revoke": Route(kwargs=K_MISSING, methods=("POST",), status=PAGE_POST_ONLY),
    "access:invitation_accept": Route(
        kwargs=lambda w: {"token": "x" * 43},
        status=every(404),
        markers=lambda u: set(),
        notes="anyone holding a working link gets its form and, on accepting, exactly the invited account; "
        "a link that does not work is a Dutch page (404/410), counted towards the lock-out",
    ),
    "access:covenants": Route(status=perm(VIEW_COVENANT)),
    "access:covenant_new": Route(status=perm("access.add_covenant")),
    "access:covenant_template": Route(
        status=lambda u: (
            200 if has(u, "access.add_covenant") and has(u, "access.add_processingactivity") else 403
        ),
        markers=lambda u: set(),
        notes="the method's usual processing activities: published configuration, no personal data",
    ),
    "access:covenant_detail": Route(kwargs=K_COVENANT, status=perm(VIEW_COVENANT)),
    # an active covenant is not edited: the pages send the regisseur back to it
    "access:covenant_edit": Route(kwargs=K_COVENANT, status=perm("access.change_covenant", yes=302)),
    "access:activity_new": Route(kwargs=K_COVENANT, status=perm("access.add_processingactivity", yes=302)),
    "access:reuse_new": Route(
        kwargs=K_COVENANT, methods=("POST",), status=perm("access.add_reusedecision", yes=302)
    ),
    "access:covenant_status": Route(
        kwargs=K_COVENANT, methods=("POST",), status=perm("access.change_covenant", yes=302)
    ),
    "access:audit": Route(status=perm("access.view_auditrecord")),
    "access:audit_export": Route(status=perm("access.view_auditrecord")),
    # scheduled jobs and their results (no personal data): the privacy role only
    "access:maintenance": Route(status=perm("access.view_auditrecord")),
    # pages: areas (aggregates)
    "areas:index": Route(),
    "areas:map": Route(),
    "areas:map_data": Route(status=every(400), notes="needs its query (level, year): aggregate"),
    "areas:method": Route(status=every(301), notes="moved to the public web:method"),
    "areas:custom_new": Route(status=perm("areas.add_area")),
    "areas:upload": Route(status=perm("areas.add_homegemeente"), markers=lambda u: set()),
    "areas:detail": Route(kwargs=K_AREA),
    "areas:detail_csv": Route(kwargs=K_AREA, status=NO_FIGURES),
    "areas:report": Route(kwargs=K_AREA, status=NO_FIGURES),
    "areas:report_pdf": Route(kwargs=K_AREA, status=NO_FIGURES),
    # pages: the register
    "cases:index": Route(status=perm(REGISTER)),
    "cases:search": Route(methods=("POST",), status=PAGE_POST_ONLY),
    "cases:address_new": Route(status=perm("cases.add_signal"), markers=lambda u: set()),
    "cases:agenda": Route(status=perm(REGISTER)),
    "cases:inzage": Route(status=perm("cases.export_inzage")),
    # partner files: the upload page lists the user's own files only; a file's pages answer 404 to
    # everyone but its uploader (tests in cases/tests/test_partner_files.py), 403 without add_signal
    "cases:partner_files": Route(
        status=perm("cases.add_signal"), markers=lambda u: partner_file_markers(u, listed=True)
    ),
    "cases:partner_file": Route(
        kwargs=K_PARTNER_FILE, status=partner_file_status, markers=lambda u: partner_file_markers(u)
    ),
    "cases:partner_file_commit": Route(kwargs=K_PARTNER_FILE, methods=("POST",), status=PAGE_POST_ONLY),
    "cases:partner_file_progress": Route(
        kwargs=K_PARTNER_FILE, status=partner_file_status, markers=lambda u: set()
    ),
    # BAG addresses uploaded by the beheerder (public data, counts): the importer of addresses only
    "cases:address_upload": Route(status=perm("cases.import_addresses"), markers=lambda u: set()),
    "cases:address_upload_status": Route(
        kwargs=K_MISSING, status=perm("cases.import_addresses", yes=404), markers=lambda u: set()
    ),
    "cases:address_upload_progress": Route(
        kwargs=K_MISSING, status=perm("cases.import_addresses", yes=404), markers=lambda u: set()
    ),
    # the catalogue of signal kinds (configuration, no personal data); adding the usual kinds is a POST
    "cases:signal_kinds": Route(status=perm("cases.view_signalkind"), markers=lambda u: set()),
    "cases:dossier": Route(kwargs=K_A1, status=dossier_status, markers=lambda u: set()),  # the purpose form
    "cases:signal_create": Route(
        kwargs=K_A1,
        status=lambda u: dossier_status(u) if has(u, "cases.add_signal") else 403,
        markers=lambda u: set(),
    ),
    "cases:case_open": Route(
        kwargs=K_A1,
        status=lambda u: dossier_status(u) if has(u, "cases.add_case") else 403,
        markers=lambda u: set(),
    ),
    "cases:decision_create": Route(
        kwargs=K_CASE,
        status=lambda u: 200 if EXPECTED_CASES.get(u) else (404 if has(u, "cases.add_decision") else 403),
        markers=lambda u: set(),
    ),
    "cases:case_transition": Route(
        kwargs=K_CASE,
        status=lambda u: (200 if EXPECTED_CASES.get(u) else 404) if has(u, "cases.change_case") else 403,
    ),
    # pages: plans
    "plans:index": Route(status=plan_status),
    "plans:catalogue": Route(status=perm("plans.view_interventiontype")),
    "plans:approach_new": Route(status=perm("plans.add_approach")),
    "plans:approach": Route(kwargs=K_APPROACH, status=plan_status, markers=full_interventions),
    "plans:addresses": Route(
        kwargs=K_APPROACH,
        status=perm("plans.view_address_interventions"),
        markers=lambda u: plan_titles(u),
        activities=plan_activities,
    ),
    "plans:address": Route(
        kwargs=K_PLAN_A1, status=plan_address_status, markers=full_interventions, activities=plan_activities
    ),
    "plans:phase": Route(kwargs=K_APPROACH, methods=("POST",), status=PAGE_POST_ONLY),
    "plans:diagnosis_refresh": Route(kwargs=K_APPROACH, methods=("POST",), status=PAGE_POST_ONLY),
    "plans:intervention_new": Route(kwargs=K_APPROACH, methods=("POST",), status=PAGE_POST_ONLY),
    "plans:intervention_edit": Route(
        kwargs=K_IV_ZORG,
        status=lambda u: (
            (200 if "iv-zorg-A1" in plan_markers(u) else 404)
            if has(u, "plans.change_planintervention")
            else 403
        ),
    ),
    "plans:dependency_new": Route(kwargs=K_APPROACH, methods=("POST",), status=PAGE_POST_ONLY),
    "plans:dependency_delete": Route(kwargs=K_DEPENDENCY, methods=("POST",), status=PAGE_POST_ONLY),
    "plans:status": Route(kwargs=K_IV_ZORG, methods=("POST",), status=PAGE_POST_ONLY),
    "plans:run_create": Route(kwargs=K_APPROACH, methods=("POST",), status=PAGE_POST_ONLY),
    "plans:run": Route(
        kwargs=K_RUN, status=perm("plans.view_schedulerrun"), markers=lambda u: plan_titles(u)
    ),
    "plans:run_status": Route(kwargs=K_RUN, status=perm("plans.view_schedulerrun"), markers=lambda u: set()),
    "plans:run_decide": Route(kwargs=K_RUN, methods=("POST",), status=PAGE_POST_ONLY),
    # pages: monitoring (aggregates)
    "monitoring:index": Route(status=perm(VIEW_MONITORING)),
    "monitoring:evaluation-new": Route(status=perm("monitoring.add_effectevaluation")),
    "monitoring:evaluation": Route(kwargs=K_MISSING, status=perm(VIEW_MONITORING, yes=404)),
    "monitoring:evaluation-progress": Route(kwargs=K_MISSING, status=perm(VIEW_MONITORING, yes=404)),
    "monitoring:area-search": Route(status=perm(VIEW_MONITORING, yes=302)),
    "monitoring:area": Route(kwargs=K_AREA, status=perm(VIEW_MONITORING)),
    "monitoring:report": Route(kwargs=K_AREA, status=perm(VIEW_MONITORING)),
    "monitoring:report-pdf": Route(kwargs=K_AREA, status=perm(VIEW_MONITORING)),
    "monitoring:perceived": Route(status=perm("monitoring.add_perceivedvalue")),
    # the kentering radar: turning points of area figures only (no addresses, cases or persons)
    "monitoring:radar": Route(status=perm(VIEW_MONITORING)),
    "monitoring:bookkeeping": Route(status=perm("monitoring.view_bookkeeping")),
    "monitoring:what-works": Route(
        status=lambda u: 200 if has(u, VIEW_MONITORING) and has(u, "monitoring.view_bookkeeping") else 403,
        markers=lambda u: set(),
        notes="aggregates per approach only: no intervention, address or person of any compartment, for any role",
    ),
    # web shell
    "web:dashboard": Route(),
    # the first run (no personal data: the own gemeente and its public files): the beheerder only
    "web:first_run": Route(status=perm("areas.add_homegemeente"), markers=lambda u: set()),
    "web:accessibility": Route(),
    # the public method page and the Algoritmeregister export: published rules, never data about persons
    "web:method": Route(markers=lambda u: set(), notes="public: no personal data for anyone"),
    "web:algorithms-json": Route(markers=lambda u: set(), notes="public"),
    "web:algorithm-json": Route(kwargs=K_SLUG, markers=lambda u: set(), notes="public"),
    "web:algorithm": Route(kwargs=K_SLUG, markers=lambda u: set(), notes="public"),
    "web:favicon": Route(notes="public, no data"),
}


def _url_names(patterns=None, namespace=None, prefix=""):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern).startswith("beheer/"):
                continue
            yield from _url_names(p.url_patterns, p.namespace or namespace, prefix + str(p.pattern))
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}:{p.name}" if namespace else p.name, prefix + str(p.pattern)


def _openapi_operations() -> set[tuple[str, str]]:
    document = json.loads(OPENAPI.read_text())
    base = urlsplit(document["servers"][0]["url"]).path  # the paths are relative to the server URL
    return {
        (method.upper(), base + path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_every_endpoint_is_in_the_matrix():
    names = dict(_url_names())
    missing = sorted(set(names) - set(ROUTES))
    assert not missing, f"endpoints without an entry in the authorization matrix: {missing}"
    assert not sorted(set(ROUTES) - set(names)), "matrix entries for endpoints that no longer exist"
    # every OpenAPI operation is covered by an API route of the matrix with that method
    covered = set()
    for name, route in ROUTES.items():
        if route.api and name != "api:openapi":
            path = "/" + names[name].replace("<uuid:", "{").replace("<str:", "{").replace(">", "}")
            covered |= {(m, path) for m in route.methods}
    operations = _openapi_operations()
    assert not sorted(operations - covered), (
        f"OpenAPI operations without a matrix entry: {sorted(operations - covered)}"
    )
    assert not sorted(covered - operations), (
        f"matrix methods the OpenAPI document lacks: {sorted(covered - operations)}"
    )


def _activities_logged_since(last_id: int) -> set[str]:
    return set(ProcessingLogRecord.objects.filter(id__gt=last_id).values_list("activity_id", flat=True))


def _last_log_id() -> int:
    last = ProcessingLogRecord.objects.order_by("-id").first()
    return last.id if last else 0


#: a scheduler conflict about the care intervention: only who sees it in full reads the message
CONFLICT_MARKER = "conflict-marker-zorg"


@pytest.fixture
def full_world(matrix_world, api):  # noqa: F811
    from smaakmaker.plans.models import RunState, SchedulerRun

    w = matrix_world
    starts = {iv.ref: iv.start_week for iv in w.approach.interventions.all()}
    zorg_ref = w.ivs["iv-zorg-A1"].ref
    w.run = SchedulerRun.objects.create(
        approach=w.approach,
        requested_by=w.users["regisseur"],
        state=RunState.FINISHED,
        progress=1.0,
        base_starts=starts,
        proposed_starts={ref: (week or 0) + 1 for ref, week in starts.items()},
        conflicts=[
            {"group": "g", "kind": "volgorde", "message": CONFLICT_MARKER, "intervention_ids": [zorg_ref]}
        ],
        objective={"total": 1, "simultaneous_weeks": 1, "relief": 1},
        current_objective={"total": 0, "simultaneous_weeks": 0, "relief": 0},
    )
    w.api = api
    return w


@pytest.mark.parametrize("username", ALL_USERS)
def test_matrix_every_endpoint_every_role(full_world, client, username):
    """GET every endpoint as every role: status, markers shown, processing activities logged."""
    problems = _route_problems(full_world, client, username, [(n, n, r) for n, r in ROUTES.items()])
    assert not problems, f"{username}:\n" + "\n".join(problems)


#: A custom area drawn as a boundary (ADR 0020, 0027): its code where a buurt code is taken, under the same
#: policy. The register's filters list exactly what the role sees of the addresses inside (A1 lies
#: inside, so the case of A1 for who sees it, nothing else; a police user nothing of care); the area's
#: profile (no figures in this world: 404 as the buurt's), printable page, PDF and monitoring are aggregates.
K_CUSTOM = lambda w: {"code": CUSTOM_AREA}  # noqa: E731
CUSTOM_AREA = "EG0001"
CUSTOM_ROUTES: list[tuple[str, str, Route]] = [
    (
        "api:cases?buurtCode=EG",
        "api:cases",
        Route(
            api=True,
            query=f"?buurtCode={CUSTOM_AREA}",
            status=perm("cases.view_case"),
            markers=lambda u: {"casus-A1"} if EXPECTED_CASES.get(u) else set(),
        ),
    ),
    (
        "api:agenda?buurtCode=EG",
        "api:agenda",
        Route(api=True, query=f"?buurtCode={CUSTOM_AREA}", status=perm(REGISTER)),
    ),
    ("api:area-profile EG", "api:area-profile", Route(api=True, kwargs=K_CUSTOM, status=NO_FIGURES)),
    ("areas:detail EG", "areas:detail", Route(kwargs=K_CUSTOM, markers=lambda u: set())),
    ("areas:report EG", "areas:report", Route(kwargs=K_CUSTOM, markers=lambda u: set())),
    ("areas:detail_csv EG", "areas:detail_csv", Route(kwargs=K_CUSTOM, markers=lambda u: set())),
    ("areas:report_pdf EG", "areas:report_pdf", Route(kwargs=K_CUSTOM, markers=lambda u: set())),
    ("monitoring:area EG", "monitoring:area", Route(kwargs=K_CUSTOM, status=perm(VIEW_MONITORING))),
    (
        "cases:index?buurt_code=EG",
        "cases:index",
        Route(
            query=f"?buurt_code={CUSTOM_AREA}",
            status=perm(REGISTER),
            markers=lambda u: set(),  # the list shows addresses, no summaries (its cases: api:cases above)
        ),
    ),
]


def _drawn_area():
    """The drawn custom area CUSTOM_AREA (A1 is placed inside it by hand)."""
    from smaakmaker.cases.tests.conftest import drawn_area

    return drawn_area(CUSTOM_AREA)


@pytest.mark.parametrize("username", ALL_USERS)
def test_matrix_a_custom_area_where_a_buurt_code_is_taken(full_world, client, username):
    from smaakmaker.cases.models import AddressCustomArea

    _drawn_area()
    # A1 lies inside (as the point-in-polygon assignment stores it); the other addresses outside.
    AddressCustomArea.objects.create(address=full_world.addresses["A1"], area_code=CUSTOM_AREA)
    problems = _route_problems(full_world, client, username, CUSTOM_ROUTES)
    assert not problems, f"{username}:\n" + "\n".join(problems)


def _route_problems(w, client, username, routes) -> list[str]:
    user = w.users[username]
    client.force_login(user)
    api_client = w.api(username)
    allowed = visible_markers(username)
    if "iv-zorg-A1" in plan_markers(username):
        allowed = allowed | {CONFLICT_MARKER}
    problems = []
    for name, url_name, route in routes:
        url = reverse(url_name, kwargs=route.kwargs(w)) + route.query
        before = _last_log_id()
        response = (api_client if route.api else client).get(url)
        expected = route.status(username)
        if response.status_code != expected:
            problems.append(f"{name}: status {response.status_code}, expected {expected}")
            continue
        body = b"".join(response) if response.streaming else response.content
        text = body.decode("utf-8", errors="replace")
        shown = {m for m in ALL_MARKERS | {CONFLICT_MARKER} if m in text}
        if shown - allowed:
            problems.append(f"{name}: shows {sorted(shown - allowed)} it must not")
        if route.markers is not None and response.status_code == 200:
            want = route.markers(username)
            if name in {"plans:run", "api:plan-run"} and "iv-zorg-A1" in plan_markers(username):
                want = want | {CONFLICT_MARKER}
            if shown != want:
                problems.append(f"{name}: shows {sorted(shown)}, expected exactly {sorted(want)}")
        logged = _activities_logged_since(before)
        may_log = {ACTIVITY[m] for m in plan_markers(username) if m in ACTIVITY} | {"-", "casusoverleg"}
        may_log |= {
            "signalering-leefbaarheid",
            "woonfraude-huurachterstand",
            "zorgsignalen",
            "politie-informatie",
        } & {
            {
                "overlast": "signalering-leefbaarheid",
                "woonfraude": "woonfraude-huurachterstand",
                "zorg": "zorgsignalen",
                "hennep": "politie-informatie",
                "huur": "woonfraude-huurachterstand",
            }[k.split("_")[0]]
            for k in EXPECTED_SIGNALS.get(username, set())
        }
        if route.activities is not None and response.status_code == 200:
            if logged != route.activities(username):
                problems.append(
                    f"{name}: logged {sorted(logged)}, expected exactly {sorted(route.activities(username))}"
                )
        elif logged - may_log:
            problems.append(f"{name}: logged {sorted(logged - may_log)} for a role that was not shown it")
        if response.status_code != 200 and logged - {"-"}:
            problems.append(f"{name}: answered {response.status_code} but logged {sorted(logged)}")
    return problems


#: Writes on one object: who may see it (else 404 whatever the body, exactly as for an absent one).
WRITES_ON_ONE_OBJECT = {
    "api:plan-intervention-status": (
        K_IV_ZORG,
        lambda w: {"uuid": w.approach.uuid, "ref": "I-999"},
        lambda u: "iv-zorg-A1" in plan_markers(u),
        "plans.view_approach",
    ),
    "plans:status": (
        K_IV_ZORG,
        lambda w: {"uuid": w.approach.uuid, "ref": "I-999"},
        lambda u: "iv-zorg-A1" in plan_markers(u),
        "plans.view_approach",
    ),
}


def _comparable(content: bytes, url: str) -> bytes:
    import re

    content = content.replace(url.encode(), b"URL")
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"csrf", content)


BODIES = ({}, {"status": "nonsense"}, {"status": "lopend", "note": "x" * 600})


@pytest.mark.parametrize("username", ALL_USERS)
def test_matrix_writes_on_hidden_objects_answer_404_whatever_the_body(full_world, client, username):
    w = full_world
    client.force_login(w.users[username])
    api_client = w.api(username)
    problems = []
    for name, (kwargs, absent_kwargs, sees, gate) in WRITES_ON_ONE_OBJECT.items():
        if sees(username) or not has(username, gate):
            continue
        http = api_client if name.startswith("api:") else client
        for body in BODIES:
            before = _last_log_id()
            hidden_url, absent_url = reverse(name, kwargs=kwargs(w)), reverse(name, kwargs=absent_kwargs(w))
            hidden = http.post(hidden_url, body, content_type="application/json")
            absent = http.post(absent_url, body, content_type="application/json")
            if hidden.status_code != 404:
                problems.append(f"{name} {body}: {hidden.status_code}, expected 404")
            # the problem's "instance" repeats the caller's own URL; apart from that, byte for byte
            # (and a page's CSRF token is masked anew for every answer)
            same = _comparable(hidden.content, hidden_url) == _comparable(absent.content, absent_url)
            if hidden.status_code != absent.status_code or not same:
                problems.append(f"{name} {body}: a hidden and an absent intervention answer differently")
            if sorted(hidden.headers) != sorted(absent.headers):
                problems.append(f"{name} {body}: headers differ")
            if _activities_logged_since(before) - {"-"}:
                problems.append(f"{name} {body}: logged {_activities_logged_since(before)}")
    w.ivs["iv-zorg-A1"].refresh_from_db()
    assert w.ivs["iv-zorg-A1"].status == "concept"
    assert not problems, f"{username}:\n" + "\n".join(problems)


# --- a custom area's profile, with figures ----------------------------------------------------------

#: The custom areas' profile, printable wijkanalyse and PDF where figures exist (apportioned from the
#: Dobbebuurt): every role gets them, aggregates only (no marker, no street, no address's uuid).
K_UNION = lambda w: {"code": UNION_AREA}  # noqa: E731
UNION_AREA = "EG0002"
PROFILE_ROUTES: list[tuple[str, str, Route]] = [
    (f"{name} {code}", name, Route(api=name.startswith("api:"), kwargs=kwargs, markers=lambda u: set()))
    for code, kwargs in ((CUSTOM_AREA, K_CUSTOM), (UNION_AREA, K_UNION))
    for name in ("api:area-profile", "areas:detail", "areas:report", "areas:report_pdf")
]


@pytest.mark.parametrize("username", ALL_USERS)
def test_matrix_a_custom_areas_profile_with_figures_every_role(full_world, client, username):
    from smaakmaker.areas.models import Area, AreaLevel, CustomKind, ImportBatch, Indicator, IndicatorValue
    from smaakmaker.cases.models import AddressCustomArea

    buurt = Area.objects.get(code="BU0363FD04")
    indicator = Indicator.objects.create(
        key="test_overlast", label="Overlastmeldingen (test)", unit="per 1000", theme="veiligheid"
    )
    batch = ImportBatch.objects.create(source="test", sha256="x", kind="test")
    for year, value in ((2022, 12.0), (2023, 10.0)):
        IndicatorValue.objects.create(area=buurt, indicator=indicator, year=year, value=value, batch=batch)
    drawn = _drawn_area()
    drawn.members.set([buurt])
    AddressCustomArea.objects.create(address=full_world.addresses["A1"], area_code=CUSTOM_AREA)
    union = Area.objects.create(
        code=UNION_AREA,
        level=AreaLevel.CUSTOM,
        name="Hele buurt",
        gemeente_code="GM0363",
        custom_kind=CustomKind.values[0],
    )
    union.members.set([buurt])
    problems = _route_problems(full_world, client, username, PROFILE_ROUTES)
    api_client = full_world.api(username)
    for code in (CUSTOM_AREA, UNION_AREA):
        response = api_client.get(reverse("api:area-profile", kwargs={"code": code}))
        body = response.json()
        values = {i["indicator"]: i["value"] for i in body["indicators"]}
        if not (body["estimated"] and values.get("test_overlast") == 10.0 and body["year"] == 2023):
            problems.append(f"{code}: the profile holds no estimated figures: {body}")
        text = response.content.decode()
        private = ["Fictiefstraat"] + [str(a.uuid) for a in full_world.addresses.values()]
        if any(p in text for p in private):
            problems.append(f"{code}: the profile names an address")
    assert not problems, f"{username}:\n" + "\n".join(problems)


# --- POST /signals under a covenant that names only a custom area ------------------------------------

#: The signal kinds each demo user's organisation may record under the demo covenant (its write grants:
#: access/covenant_template.py), written out by hand; the other roles have no ``cases.add_signal``.
WRITES = {
    "regisseur": {"overlast"},
    "professional": {"overlast", "woonfraude"},
    "consulent": {"overlast", "woonfraude"},
    "wijkagent": {"overlast", "hennep-drugs"},
    "wijkteam": {"overlast", "zorgsignaal"},
}
SIGNAL_KINDS = ("overlast", "woonfraude", "zorgsignaal", "hennep-drugs")
UNKNOWN_BAG = "0363200000099999"


@pytest.fixture
def area_only_world(demo_users):
    """The demo covenant naming only a drawn custom area (ADR 0020, 0027): A1 lies inside it, A2 in the
    same buurt outside it and holds the police's data; a BAG id the register does not know."""
    from smaakmaker.cases.demo import covenant_setup
    from smaakmaker.cases.models import Address, AddressCustomArea, Signal, SignalKind
    from smaakmaker.cases.tests.conftest import _address

    _drawn_area()
    covenant_setup(area_codes=[CUSTOM_AREA], name="Convenant getekend gebied (demo)")
    inside, outside = _address("A1", 1), _address("A2", 2)
    AddressCustomArea.objects.create(address=inside, area_code=CUSTOM_AREA)
    kind = SignalKind.objects.get(code="hennep-drugs")
    Signal.objects.create(
        address=outside,
        kind=kind,
        activity=kind.activity,
        source_organisation=Organisation.objects.get(kind="politie", is_demo=True),
        observed_on=date.today(),
        description="omschrijving-verborgen",
    )
    assert not Address.objects.filter(bag_nummeraanduiding_id=UNKNOWN_BAG).exists()
    return {"users": demo_users, "inside": inside, "outside": outside}


def _signal_item(address, kind: str, bag_id: str = "") -> dict:
    return {
        "bag_nummeraanduiding_id": bag_id or address.bag_nummeraanduiding_id,
        "address": {
            "street": address.street,
            "house_number": address.house_number,
            "postcode": address.postcode,
            "city": address.city,
            "buurt_code": address.buurt_code,
        },
        "kind": kind,
        "observed_on": date.today().isoformat(),
        "description": "",
    }


@pytest.mark.parametrize("username", ALL_USERS)
def test_matrix_api_signals_under_a_covenant_naming_only_a_custom_area(area_only_world, username):
    """Who may record through ``POST /signals`` under a covenant naming only a drawn area: the
    organisations with a write grant for the kind's activity, at an address inside the boundary; every
    refusal (a kind it may not record, an address outside with another partner's data) answers exactly
    as the same item at a BAG id the register does not know, and stores nothing."""
    from smaakmaker.cases.models import Address, Signal
    from smaakmaker.cases.tests.test_custom_area_ingestion import _api

    w = area_only_world
    client = _api(w["users"][username])
    problems = []

    def post(item, key):
        return client.post(
            "/api/v1/signals",
            {"signals": [item]},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"{username}-{key}",
        )

    for kind in SIGNAL_KINDS:
        before = Signal.objects.count()
        answers = {
            "inside": post(_signal_item(w["inside"], kind), f"{kind}-inside"),
            "outside": post(_signal_item(w["outside"], kind), f"{kind}-outside"),
            "unknown": post(_signal_item(w["outside"], kind, UNKNOWN_BAG), f"{kind}-unknown"),
        }
        if not has(username, "cases.add_signal"):
            statuses = {name: r.status_code for name, r in answers.items()}
            if set(statuses.values()) != {403}:
                problems.append(f"{kind}: {statuses}, expected 403 without cases.add_signal")
            continue
        writes = kind in WRITES.get(username, set())
        expected = {"inside": 201 if writes else 400, "outside": 400, "unknown": 400}
        for name, response in answers.items():
            if response.status_code != expected[name]:
                problems.append(f"{kind} {name}: {response.status_code}, expected {expected[name]}")
        unknown = answers["unknown"]
        for name in ("outside",) + (() if writes else ("inside",)):
            refused = answers[name]
            if (refused.status_code, refused.json()) != (unknown.status_code, unknown.json()):
                problems.append(f"{kind} {name}: refused unlike an unknown address: {refused.content}")
            if sorted(refused.headers) != sorted(unknown.headers):
                problems.append(f"{kind} {name}: headers differ from an unknown address's")
        if Signal.objects.count() != before + (1 if writes else 0):
            problems.append(f"{kind}: stored {Signal.objects.count() - before} signals")
        if "omschrijving-verborgen" in b"".join(r.content for r in answers.values()).decode():
            problems.append(f"{kind}: an answer shows the hidden signal")
    if Address.objects.filter(bag_nummeraanduiding_id=UNKNOWN_BAG).exists():
        problems.append("the unknown BAG id was registered")
    assert not problems, f"{username}:\n" + "\n".join(problems)


@pytest.mark.parametrize("username", ALL_USERS)
def test_matrix_api_address_registration_under_a_covenant_naming_only_a_custom_area(
    area_only_world, username
):
    """``POST /addresses`` under a covenant naming only a drawn area: the request carries no point, so the
    point of the address the register holds for the BAG id decides (the same areas as ``POST /signals``).
    Inside: registered (201, the data sent) for whoever records signals; an address outside the area and a
    BAG id the register does not know: refused alike, byte for byte, and nothing is stored."""
    from smaakmaker.cases.models import Address
    from smaakmaker.cases.tests.test_custom_area_ingestion import _api
    from smaakmaker.cases.tests.test_oracles import _address_body, _same

    w = area_only_world
    client = _api(w["users"][username])
    count = Address.objects.count()

    def post(bag_id):
        return client.post(
            "/api/v1/addresses", _address_body(bag_id, "BU0363FD04"), content_type="application/json"
        )

    inside = post(w["inside"].bag_nummeraanduiding_id)
    outside = post(w["outside"].bag_nummeraanduiding_id)
    unknown = post(UNKNOWN_BAG)
    writes = username in WRITES
    assert has(username, "cases.add_signal") == writes
    assert (inside.status_code, outside.status_code, unknown.status_code) == (
        (201 if writes else 403),
        403,
        403,
    ), (inside.content, outside.content)
    if writes:
        assert inside.json()["uuid"] == str(w["inside"].uuid) and inside.json()["street"] == "Fictiefstraat"
    _same(outside, unknown)
    assert Address.objects.count() == count
    assert "omschrijving-verborgen" not in outside.content.decode()
