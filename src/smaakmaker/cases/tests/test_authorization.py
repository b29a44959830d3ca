# SPDX-License-Identifier: EUPL-1.2
"""The authorization matrix: every demo role against every API endpoint and page of the register,
with objects of other organisations and compartments. Exact visible sets, not only status codes."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.urls import reverse

from smaakmaker.cases.models import Address, Case, Decision, Resident, Signal
from smaakmaker.cases.tests.conftest import drawn_area

pytestmark = pytest.mark.django_db

ALL_USERS = (
    "regisseur",
    "professional",
    "consulent",
    "wijkagent",
    "wijkteam",
    "analist",
    "bestuurder",
    "privacy",
    "beheerder",
)
#: roles without the register's permissions: 403 on its lists and searches (test_register_access.py)
NO_REGISTER = {"analist", "bestuurder", "privacy", "beheerder"}

EXPECTED_SIGNALS = {
    # gemeente: general compartment in the whole covenant area; corporation data (a participation grant)
    # only in a case opened under that activity, and the case at A1 is a casusoverleg
    "regisseur": {"overlast_pol_A1", "overlast_corp1_A2", "overlast_gem_A4"},
    # corporation 1 takes part in the casusoverleg at A1: the general signals there (reuse decision
    # leefbaarheid -> casusoverleg), not corporation 2's data; plus its own records
    "professional": {"overlast_pol_A1", "overlast_corp1_A2"},
    # corporation 2 takes part in no case: only its own records
    "consulent": {"woonfraude_corp2_A1", "huur_corp2_A2"},
    # police takes part in no case: only its own records
    "wijkagent": {"overlast_pol_A1", "hennep_A1"},
    # wijkteam takes part at A1: general there, and its own care records
    "wijkteam": {"overlast_pol_A1", "zorg_R1_A1", "zorg_R2_A1"},
}
EXPECTED_ADDRESSES = {
    "regisseur": {"A1", "A2", "A4"},
    "professional": {"A1", "A2"},
    "consulent": {"A1", "A2"},
    "wijkagent": {"A1"},
    "wijkteam": {"A1"},
}
EXPECTED_CASES = {"regisseur": True, "professional": True, "wijkteam": True}
EXPECTED_RESIDENTS = {"wijkteam": {"R1", "R2"}}
EXPECTED_FLAGS_A1 = {
    "regisseur": {"corporatie", "zorg", "politie"},
    "professional": {"corporatie", "zorg", "politie"},
    "consulent": {"algemeen", "zorg", "politie"},
    "wijkagent": {"corporatie", "zorg"},
    "wijkteam": {"corporatie", "politie"},
}


def _names(world, mapping, objects):
    reverse_map = {obj.pk: key for key, obj in mapping.items()}
    return {reverse_map[obj.pk] for obj in objects}


@pytest.mark.parametrize("username", ALL_USERS)
def test_querysets_visible_to_exact_sets(world, username):
    user = world.users[username]
    assert _names(world, world.signals, Signal.objects.visible_to(user)) == EXPECTED_SIGNALS.get(
        username, set()
    )
    assert _names(world, world.addresses, Address.objects.visible_to(user)) == EXPECTED_ADDRESSES.get(
        username, set()
    )
    assert set(Case.objects.visible_to(user)) == ({world.case} if EXPECTED_CASES.get(username) else set())
    assert set(Decision.objects.visible_to(user)) == (
        {world.decision} if EXPECTED_CASES.get(username) else set()
    )
    assert _names(world, world.residents, Resident.objects.visible_to(user)) == EXPECTED_RESIDENTS.get(
        username, set()
    )


@pytest.mark.parametrize("username", ALL_USERS)
def test_api_dossier_per_address(world, api, username):
    client = api(username)
    for key, address in world.addresses.items():
        response = client.get(f"/api/v1/addresses/{address.uuid}")
        if key not in EXPECTED_ADDRESSES.get(username, set()):
            assert response.status_code == 404, (username, key)
            assert response["Content-Type"] == "application/problem+json"
            continue
        assert response.status_code == 200, (username, key, response.content)
        body = response.json()
        descriptions = {s["description"].removeprefix("omschrijving-") for s in body["signals"]}
        expected = {k for k in EXPECTED_SIGNALS[username] if k.endswith(key)}
        assert descriptions == expected, (username, key)
        text = response.content.decode()
        for hidden in set(world.signals) - EXPECTED_SIGNALS[username]:
            assert f"omschrijving-{hidden}" not in text
        if key == "A1":
            assert {f["compartment"] for f in body["hidden_compartments"]} == EXPECTED_FLAGS_A1[username]
            assert {c["summary"] for c in body["cases"]} == (
                {"casus-A1"} if EXPECTED_CASES.get(username) else set()
            )
            assert {d["what"] for d in body["decisions"]} == (
                {"besluit-A1"} if EXPECTED_CASES.get(username) else set()
            )
            names = {r["name"] for r in body["residents"]}
            assert names == (
                {"Bewoner Een (demo)", "Bewoner Twee (demo)"} if username == "wijkteam" else set()
            )


@pytest.mark.parametrize("username", ALL_USERS)
def test_api_case_endpoints(world, api, username):
    client = api(username)
    sees_case = EXPECTED_CASES.get(username, False)
    register = username not in NO_REGISTER
    listing = client.get("/api/v1/cases")
    assert listing.status_code == (200 if register else 403)
    search = client.post("/api/v1/cases/search", {"postcode": "1064XA"}, content_type="application/json")
    assert search.status_code == (200 if register else 403)
    if register:
        cases = {str(world.case.uuid)} if sees_case else set()
        assert {c["uuid"] for c in listing.json()["results"]} == cases
        assert {c["uuid"] for c in search.json()["results"]} == cases
    detail = client.get(f"/api/v1/cases/{world.case.uuid}")
    assert detail.status_code == (200 if sees_case else 404)
    found = client.post("/api/v1/addresses/search", {"postcode": "1064XA"}, content_type="application/json")
    assert found.status_code == (200 if register else 403)
    if register:
        keys = {
            key
            for key, a in world.addresses.items()
            if str(a.uuid) in {x["uuid"] for x in found.json()["results"]}
        }
        assert keys == EXPECTED_ADDRESSES.get(username, set())
    agenda = client.get("/api/v1/agenda")
    assert agenda.status_code == (200 if register else 403)
    if register:
        agenda_keys = {
            key
            for key, a in world.addresses.items()
            if str(a.uuid) in {item["address"]["uuid"] for item in agenda.json()["results"]}
        }
        assert agenda_keys <= EXPECTED_ADDRESSES.get(username, set())
    # Writes on a case the user cannot see answer 404; on a visible one without the permission too.
    transition = client.post(
        f"/api/v1/cases/{world.case.uuid}/transitions",
        {"to_status": "to_discuss"},
        content_type="application/json",
    )
    assert transition.status_code == (200 if username == "regisseur" else 404), username
    decision = client.post(
        f"/api/v1/cases/{world.case.uuid}/decisions",
        {"what": "x", "legal_basis": "y", "motivation": "z", "milder_alternative": "w"},
        content_type="application/json",
    )
    assert decision.status_code == (201 if username in {"regisseur", "professional", "wijkteam"} else 404), (
        username
    )
    inzage = client.post(
        "/api/v1/inzage", {"address": str(world.addresses["A1"].uuid)}, content_type="application/json"
    )
    assert inzage.status_code == (200 if username == "privacy" else 403)


@pytest.mark.parametrize("username", ALL_USERS)
def test_pages_show_exactly_the_visible_data(world, signed_in, username):
    client = signed_in(username)
    index = client.get("/adressen/").content.decode()
    assert ("casus-A1" in index) is False  # the list shows addresses, not summaries
    assert (world.addresses["A1"].label in index) == EXPECTED_CASES.get(username, False)
    for key, address in world.addresses.items():
        url = reverse("cases:dossier", args=[address.uuid])
        first = client.get(url)
        if key not in EXPECTED_ADDRESSES.get(username, set()):
            assert first.status_code == 404, (username, key)
            assert client.post(url, {"purpose": "toets"}).status_code in (302, 404)
            assert client.get(url).status_code == 404
            continue
        assert "Waarom opent u dit dossier?" in first.content.decode()
        client.post(url, {"purpose": "toets van de autorisatie"})
        html = client.get(url).content.decode()
        for name in world.signals:
            assert (f"omschrijving-{name}" in html) == (
                name in EXPECTED_SIGNALS[username] and name.endswith(key)
            ), (
                username,
                key,
                name,
            )
        if key == "A1":
            assert ("Zorgsignaal aanwezig" in html) == ("zorg" in EXPECTED_FLAGS_A1[username])
            assert ("motivering-A1" in html) == EXPECTED_CASES.get(username, False)
            assert ("Bewoner Een (demo)" in html) == (username == "wijkteam")
    decision_url = reverse("cases:decision_create", args=[world.case.uuid])
    status_url = reverse("cases:case_transition", args=[world.case.uuid])
    may_decide = username in {"regisseur", "professional", "consulent", "wijkagent", "wijkteam"}
    expected_decision = 200 if EXPECTED_CASES.get(username) else (404 if may_decide else 403)
    assert client.get(decision_url).status_code == expected_decision, username
    assert client.get(status_url).status_code == (200 if username == "regisseur" else 403), username


def test_object_outside_the_covenant_area_is_invisible_even_for_area_grants(world, api):
    response = api("regisseur").get(f"/api/v1/addresses/{world.addresses['A3'].uuid}")
    assert response.status_code == 404


def test_ended_covenant_hides_everything(world, api):
    from smaakmaker.access.models import Covenant
    from smaakmaker.access.services import covenant_end

    covenant_end(
        actor=world.users["regisseur"],
        covenant=Covenant.objects.get(),
        reason="Samenwerking afgerond (test).",
    )
    assert api("regisseur").get(f"/api/v1/addresses/{world.addresses['A1'].uuid}").status_code == 404


def test_reuse_needs_an_explicit_logged_decision(world):
    from smaakmaker.access.audit import AuditRecord
    from smaakmaker.access.models import ProcessingActivity
    from smaakmaker.access.services import reuse_decision_record

    regisseur = world.users["regisseur"]
    # Corporation data at A2 (no case) is not readable under the gemeente's general, area-wide grant ...
    assert "huur_corp2_A2" not in _names(world, world.signals, Signal.objects.visible_to(regisseur))
    reuse_decision_record(
        actor=regisseur,
        source=ProcessingActivity.objects.get(code="woonfraude-huurachterstand"),
        target=ProcessingActivity.objects.get(code="signalering-leefbaarheid"),
        legal_basis="Huisvestingswet 2014 art. 33",
        motivation="Huurachterstand is nodig om leefbaarheidsproblemen te duiden.",
    )
    # ... until an explicit, logged decision makes it so.
    fresh = type(regisseur).objects.get(pk=regisseur.pk)
    assert _names(world, world.signals, Signal.objects.visible_to(fresh)) == EXPECTED_SIGNALS["regisseur"] | {
        "huur_corp2_A2",
        "woonfraude_corp2_A1",
    }
    assert (
        AuditRecord.objects.filter(action="reuse_decision.record", actor="regisseur").count() == 2
    )  # demo + this


def test_participation_opens_that_case_only(world, api):
    """Taking part in one case at an address opens that case and the data of its activity, not another
    case at the address nor signals of other activities (issue 11, point 3)."""
    from smaakmaker.access.models import Organisation, ProcessingActivity

    from .conftest import CORP1, GEMEENTE

    org = {o.name: o for o in Organisation.objects.all()}
    other = Case.objects.create(
        address=world.addresses["A1"],
        activity=ProcessingActivity.objects.get(code="casusoverleg"),
        regie_organisation=org[GEMEENTE],
        summary="andere-casus-A1",
        opened_by=world.users["regisseur"],
    )
    other.participations.create(organisation=org[GEMEENTE])
    professional = world.users["professional"]  # corporation 1: takes part in world.case only
    assert set(Case.objects.visible_to(professional)) == {world.case}
    assert set(Case.objects.visible_to(world.users["regisseur"])) == {world.case, other}
    assert Decision.objects.visible_to(professional).count() == 1
    # corporation 2's woonfraude signal at A1 is not opened by corporation 1's casusoverleg participation
    visible = _names(world, world.signals, Signal.objects.visible_to(professional))
    assert "woonfraude_corp2_A1" not in visible and "overlast_pol_A1" in visible
    body = api("professional").get(f"/api/v1/addresses/{world.addresses['A1'].uuid}").json()
    assert {c["summary"] for c in body["cases"]} == {"casus-A1"}
    assert "andere-casus-A1" not in str(body) and "omschrijving-woonfraude_corp2_A1" not in str(body)
    listing = api("professional").get("/api/v1/cases").json()["results"]
    assert {c["uuid"] for c in listing} == {str(world.case.uuid)}
    # Joining the other case opens it.
    other.participations.create(organisation=org[CORP1])
    fresh = type(professional).objects.get(pk=professional.pk)
    assert set(Case.objects.visible_to(fresh)) == {world.case, other}


def test_api_token_acts_for_its_organisation_only(world):
    """A user with memberships of two partners: an organisation-bound token reads with the grants of
    that membership alone (issue 11, point 2); the browser session keeps the union."""
    from django.test import Client

    from smaakmaker.access.models import Membership, Organisation
    from smaakmaker.access.services import api_token_create

    from .conftest import POLITIE

    agent = world.users["wijkagent"]
    wijkteam = Organisation.objects.get(name="Wijkteam Voorbeeldwijk (demo)")
    Membership.objects.create(user=agent, organisation=wijkteam)
    police = Organisation.objects.get(name=POLITIE)
    fresh = type(agent).objects.get(pk=agent.pk)
    both = _names(world, world.signals, Signal.objects.visible_to(fresh))
    assert {"hennep_A1", "zorg_R1_A1"} <= both  # the session: police and wijkteam grants together

    def seen(organisation):
        _token, secret = api_token_create(name=f"t-{organisation.pk}", user=agent, organisation=organisation)
        client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_X_PURPOSE="toets van de autorisatie")
        response = client.get(f"/api/v1/addresses/{world.addresses['A1'].uuid}")
        assert response.status_code == 200
        return {s["description"].removeprefix("omschrijving-") for s in response.json()["signals"]}

    assert seen(police) == {"overlast_pol_A1", "hennep_A1"}
    assert seen(wijkteam) == {"overlast_pol_A1", "zorg_R1_A1", "zorg_R2_A1"}


@pytest.mark.parametrize("username", ALL_USERS)
def test_api_searches_by_a_custom_area_code_every_role(world, api, username):
    """The searches take a drawn custom area's code (ADR 0027) under the same policy: every role finds
    exactly what it sees of the addresses inside (A1 here), nothing of the others."""
    from smaakmaker.cases.models import AddressCustomArea

    drawn_area("EG0001")
    AddressCustomArea.objects.create(address=world.addresses["A1"], area_code="EG0001")
    client = api(username)
    register = username not in NO_REGISTER
    body = {"buurt_code": "EG0001"}
    cases = client.post("/api/v1/cases/search", body, content_type="application/json")
    found = client.post("/api/v1/addresses/search", body, content_type="application/json")
    assert cases.status_code == found.status_code == (200 if register else 403)
    if not register:
        return
    expected_case = {str(world.case.uuid)} if EXPECTED_CASES.get(username) else set()
    assert {c["uuid"] for c in cases.json()["results"]} == expected_case
    keys = {
        k for k, a in world.addresses.items() if str(a.uuid) in {x["uuid"] for x in found.json()["results"]}
    }
    assert keys == EXPECTED_ADDRESSES.get(username, set()) & {"A1"}


#: the union's members (FD03: A3, outside the covenant area; FD04: A1, A2, A4; FD05: A5) and a buurt
#: outside it (FD06: A6); the covenant is widened to FD05 and FD06, so A5 and A6 are visible
UNION_MEMBERS = ("BU0363FD03", "BU0363FD04", "BU0363FD05")
OUTSIDE_THE_UNION = "BU0363FD06"


@dataclass
class UnionWorld:
    code: str
    #: per extra address (A5 in the union, A6 outside it): its address and its case
    addresses: dict
    cases: dict


@pytest.fixture
def union_world(world) -> UnionWorld:
    """The world with a custom area made of whole buurten (no boundary, ``UNION_MEMBERS``) and the
    covenant widened to BU0363FD05 and BU0363FD06, each with an address (A5 inside the union, A6 outside)
    that every role of the register sees something of: a case to discuss taken part in by the gemeente,
    corporation 1 and the wijkteam, a police signal and one of corporation 2. A filter that did not
    filter would list A6; one that covered only BU0363FD04 would miss A5."""
    from django.utils import timezone

    from smaakmaker.access.models import Covenant, Organisation, ProcessingActivity
    from smaakmaker.areas import services as area_services
    from smaakmaker.areas.models import Area, AreaLevel
    from smaakmaker.cases import workflow
    from smaakmaker.cases.demo import COVENANT_NAME
    from smaakmaker.cases.models import SignalKind

    from .conftest import CORP1, CORP2, GEMEENTE, POLITIE, WIJKTEAM, _address

    Covenant.objects.filter(name=COVENANT_NAME).update(area_codes=["BU0363FD04", "BU0363FD05", "BU0363FD06"])
    for code in (*UNION_MEMBERS, OUTSIDE_THE_UNION):
        Area.objects.get_or_create(
            code=code, defaults={"level": AreaLevel.BUURT, "name": code, "gemeente_code": "GM0363"}
        )
    union = area_services.custom_area_create(
        name="Drie buurten", kind="overig", buurt_codes=list(UNION_MEMBERS)
    )
    assert union.geometry is None
    org = {o.name: o for o in Organisation.objects.all()}
    kinds = {k.code: k for k in SignalKind.objects.select_related("activity")}
    addresses, cases = {}, {}
    for key, number, buurt in (("A5", 5, "BU0363FD05"), ("A6", 6, OUTSIDE_THE_UNION)):
        address = addresses[key] = _address(key, number, buurt=buurt)
        case = cases[key] = Case.objects.create(
            address=address,
            activity=ProcessingActivity.objects.get(code="casusoverleg"),
            regie_organisation=org[GEMEENTE],
            summary=f"casus-{key}",
            status=workflow.TO_DISCUSS,
            opened_by=world.users["regisseur"],
        )
        for name in (GEMEENTE, CORP1, WIJKTEAM):
            case.participations.create(organisation=org[name])
        for kind, source in (("overlast", POLITIE), ("huurachterstand", CORP2)):
            Signal.objects.create(
                address=address,
                kind=kinds[kind],
                activity=kinds[kind].activity,
                source_organisation=org[source],
                observed_on=timezone.localdate(),
                description=f"omschrijving-{kind}-{key}",
            )
    return UnionWorld(code=union.code, addresses=addresses, cases=cases)


def _found_by_area(client, code: str) -> dict:
    """What each area filter of the API answers for ``code``: status, the rows found (as JSON) and their
    keys (the case's uuid for the case endpoints, the address's uuid for the others)."""
    body = {"buurt_code": code}
    answers = {
        "GET /cases": client.get(f"/api/v1/cases?buurtCode={code}"),
        "GET /agenda": client.get(f"/api/v1/agenda?buurtCode={code}"),
        "POST /cases/search": client.post("/api/v1/cases/search", body, content_type="application/json"),
        "POST /addresses/search": client.post(
            "/api/v1/addresses/search", body, content_type="application/json"
        ),
    }
    found = {}
    for name, response in answers.items():
        if response.status_code != 200:
            found[name] = (response.status_code, None, set())
            continue
        rows = response.json()["results"]
        key = (lambda r: r["address"]["uuid"]) if name == "GET /agenda" else (lambda r: r["uuid"])
        found[name] = (200, sorted(json.dumps(r, sort_keys=True) for r in rows), {key(r) for r in rows})
    return found


def _key_of(union_world, name: str, key: str) -> str:
    """The key ``_found_by_area`` gives the row of address ``key`` (A5, A6) in answer ``name``."""
    if name in ("GET /cases", "POST /cases/search"):
        return str(union_world.cases[key].uuid)
    return str(union_world.addresses[key].uuid)


@pytest.mark.parametrize("username", ALL_USERS)
def test_api_filters_by_a_union_of_whole_buurten_find_what_its_buurten_find_every_role(
    world, union_world, api, username
):
    """A custom area made of whole buurten used as a filter (ADR 0027) finds exactly what naming its
    buurten finds, row for row, through the same visibility: never more than the role may see (the
    police sees nothing of care, A3 outside the covenant area stays hidden from everyone), the rows of
    every member buurt (A5 in BU0363FD05 beside BU0363FD04), and nothing of a buurt outside the union
    (A6), though the role sees it there."""
    client = api(username)
    union = _found_by_area(client, union_world.code)
    by_buurt = [_found_by_area(client, buurt) for buurt in UNION_MEMBERS]
    outside = _found_by_area(client, OUTSIDE_THE_UNION)
    for name, (status, rows, keys) in union.items():
        assert status == (403 if username in NO_REGISTER else 200), name
        if status != 200:
            continue
        assert rows == sorted(r for found in by_buurt for r in found[name][1]), name
        assert keys == set().union(*(found[name][2] for found in by_buurt)), name
        # the role sees A6 in its own buurt (so the filter is what keeps it out) and A5 through the union
        sees = name not in ("GET /cases", "POST /cases/search", "GET /agenda") or EXPECTED_CASES.get(username)
        a5, a6 = _key_of(union_world, name, "A5"), _key_of(union_world, name, "A6")
        assert a6 not in keys, name
        assert (a6 in outside[name][2]) == bool(sees), name
        assert (a5 in keys) == bool(sees), name
        text = " ".join(rows)
        assert "-A6" not in text, name
        assert not {m for m in (f"omschrijving-{k}" for k in world.signals) if m in text} - {
            f"omschrijving-{k}" for k in EXPECTED_SIGNALS.get(username, set())
        }, name
        if username == "wijkagent":
            assert "zorg" not in text and "Bewoner" not in text, name
    if username in NO_REGISTER:
        return
    uuids = {str(a.uuid): k for k, a in (world.addresses | union_world.addresses).items()}
    assert {uuids[u] for u in union["POST /addresses/search"][2]} == EXPECTED_ADDRESSES[username] | {"A5"}
    expected_cases = (
        {str(world.case.uuid), str(union_world.cases["A5"].uuid)} if EXPECTED_CASES.get(username) else set()
    )
    assert union["GET /cases"][2] == union["POST /cases/search"][2] == expected_cases


@pytest.mark.parametrize("username", ["regisseur", "wijkagent"])
def test_case_list_page_filters_by_a_union_of_whole_buurten(world, union_world, client, username):
    """The case list page offers the union where it holds a visible case, and lists what its buurten
    list: the cases of both member buurten with a visible case, none of the buurt outside it."""
    client.force_login(world.users[username])

    def listed(code: str) -> tuple[set[int], dict]:
        response = client.get(reverse("cases:index") + f"?buurt_code={code}")
        assert response.status_code == 200
        return {c.pk for c in response.context["cases"]}, dict(
            response.context["form"].fields["buurt_code"].choices
        )

    cases, choices = listed(union_world.code)
    if EXPECTED_CASES.get(username):
        # (the page offers only areas with a visible case: BU0363FD03 is none, so it is not compared)
        assert {union_world.code, "BU0363FD04", "BU0363FD05", OUTSIDE_THE_UNION} <= set(choices)
        assert cases == listed("BU0363FD04")[0] | listed("BU0363FD05")[0]
        assert cases == {world.case.pk, union_world.cases["A5"].pk}
        assert listed(OUTSIDE_THE_UNION)[0] == {union_world.cases["A6"].pk}
    else:
        assert cases == set()
        assert union_world.code not in choices


def test_case_list_compiles_one_query_for_every_drawn_or_unknown_custom_area(world, union_world, monkeypatch):
    """A drawn or unknown custom area's code is a parameter of the case list's compiled query, not part of
    its cache key: naming many codes (``GET /cases?buurtCode=EG<n>``) compiles once and cannot evict
    everyone's compiled queries from the shared cache; a union compiles once per union (its members are
    in the SQL). The answers stay right for each code."""
    from smaakmaker.cases import selectors
    from smaakmaker.cases.models import AddressCustomArea
    from smaakmaker.common.snapshots import SnapshotCache

    drawn_area("EG9001")
    for address in (world.addresses["A1"], union_world.addresses["A6"]):
        AddressCustomArea.objects.create(address=address, area_code="EG9001")
    cache = SnapshotCache(max_entries=2_000, seconds=3_600)
    monkeypatch.setattr(selectors, "_COMPILED", cache)
    regisseur = world.users["regisseur"]

    def listed(code: str) -> set[int]:
        page, total = selectors.cases_list(user=regisseur, purpose="toets", buurt_code=code)
        assert total == len(page)
        return {case.pk for case in page}

    drawn = {world.case.pk, union_world.cases["A6"].pk}
    assert listed("EG9001") == drawn
    compiled = len(cache)
    for number in range(100):
        assert listed(f"EG{10_000 + number}") == set()  # unknown: nothing, as an unknown buurt
    assert listed("EG9001") == drawn
    assert len(cache) == compiled
    assert listed(union_world.code) == {world.case.pk, union_world.cases["A5"].pk}
    assert len(cache) == compiled + 1
    assert listed(union_world.code) == {world.case.pk, union_world.cases["A5"].pk}
    assert listed("EG10001") == set()
    assert listed("EG9001") == drawn
    assert len(cache) == compiled + 1


def test_custom_area_codes_visible_reads_every_unions_members_at_once(world, union_world):
    """The case list page's choice of custom areas costs the same number of queries however many unions
    of whole buurten the register holds (their members are read in one query), and offers those that
    hold a visible case."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from smaakmaker.areas import services as area_services
    from smaakmaker.cases import selectors

    regisseur = world.users["regisseur"]
    assert selectors.custom_area_codes_visible(user=regisseur) == [union_world.code]
    with CaptureQueriesContext(connection) as one:
        selectors.custom_area_codes_visible(user=regisseur)
    others = [
        area_services.custom_area_create(name=f"Unie {buurt}", kind="overig", buurt_codes=[buurt]).code
        for buurt in ("BU0363FD03", "BU0363FD04", "BU0363FD05", "BU0363FD06")
    ]
    with CaptureQueriesContext(connection) as five:
        codes = selectors.custom_area_codes_visible(user=regisseur)
    assert len(five) == len(one)
    assert codes == sorted([union_world.code, *others[1:]])  # FD03 holds no visible case
