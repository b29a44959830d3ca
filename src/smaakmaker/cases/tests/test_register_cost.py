# SPDX-License-Identifier: EUPL-1.2
"""The register's reads compiled once (issue 14, point 7): the same rows as the visibility querysets,
a bounded number of statements however many rows, and the same answers from the serializers' direct
representations as from their declared fields."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers as drf

from smaakmaker.access.models import Organisation, ProcessingActivity
from smaakmaker.cases import selectors
from smaakmaker.cases.api import serializers as s
from smaakmaker.cases.models import Address, Case, CaseEvent, CaseParticipant, Decision, Resident, Signal
from smaakmaker.common.compiled import CompiledQuery, Slot

pytestmark = pytest.mark.django_db

USERS = ("regisseur", "professional", "consulent", "wijkagent", "wijkteam", "analist")


def _ids(rows) -> list:
    return [row.pk for row in rows]


@pytest.mark.parametrize("username", USERS)
def test_compiled_dossier_reads_are_the_visibility_querysets(world, username):
    user = world.users[username]
    queries = selectors._dossier_queries(user)
    for address in world.addresses.values():
        expected = {
            "signals": Signal.objects.visible_to(user).filter(address=address),
            "residents": Resident.objects.visible_to(user).filter(address=address),
            "cases": Case.objects.visible_to(user).filter(address=address),
            "decisions": Decision.objects.visible_to(user).filter(case__address=address),
            "events": CaseEvent.objects.visible_to(user).filter(case__address=address),
        }
        for name, queryset in expected.items():
            assert _ids(queries[name].run(address=address.pk)) == _ids(queryset), (username, name, address)
        visible = set(Signal.objects.visible_to(user).filter(address=address).values_list("pk", flat=True))
        hidden = {
            signal.activity.compartment
            for signal in Signal.objects.filter(address=address).select_related("activity")
            if signal.pk not in visible
        }
        assert sorted(row[0] for row in queries["hidden"].run(address=address.pk)) == sorted(hidden)


def test_dossier_and_case_list_cost_a_fixed_number_of_statements(world, api):
    client = api("regisseur")
    address = world.addresses["A1"]
    assert client.get(f"/api/v1/addresses/{address.uuid}").status_code == 200  # compiles, fills caches
    assert client.get("/api/v1/cases?buurtCode=BU0363FD04&pageSize=50").status_code == 200

    def statements(path: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, response.content[:300]
        # the API rate limits' own statements (on in tests) and savepoints aside
        return sum(
            1
            for query in queries.captured_queries
            if "smaakmaker_api_limits" not in query["sql"] and "SAVEPOINT" not in query["sql"]
        )

    dossier = statements(f"/api/v1/addresses/{address.uuid}")
    listed = statements("/api/v1/cases?buurtCode=BU0363FD04&pageSize=50")
    # More cases, participants and decisions at the address and in the buurt: no more statements.
    activity = ProcessingActivity.objects.get(code="casusoverleg")
    organisations = list(Organisation.objects.all())
    for _ in range(4):
        case = Case.objects.create(
            address=address,
            activity=activity,
            regie_organisation=world.case.regie_organisation,
            summary="nog een casus",
            opened_by=world.users["regisseur"],
        )
        for organisation in organisations[:3]:
            CaseParticipant.objects.create(case=case, organisation=organisation)
    assert statements(f"/api/v1/addresses/{address.uuid}") == dossier
    assert (
        statements("/api/v1/cases?buurtCode=BU0363FD04&pageSize=50") <= listed + 1
    )  # one compile per page size
    assert statements("/api/v1/cases?buurtCode=BU0363FD04&pageSize=50") == listed
    # token, address, policy version, signals, residents, cases, participants, decisions, events,
    # hidden compartments, alert rules, chain heads, audit record, processing log (+ BEGIN, the plan
    # mode, the chain lock and COMMIT on PostgreSQL); the list: token, policy version, page,
    # participants, audit (4) (+ the same four)
    assert dossier <= 18 and listed <= 12, (dossier, listed)


def test_case_list_counts_past_the_last_page(world, api):
    client = api("regisseur")
    first = client.get("/api/v1/cases?buurtCode=BU0363FD04&pageSize=1").json()
    assert first["count"] == 1 and len(first["results"]) == 1
    assert client.get("/api/v1/cases?buurtCode=BU0363FD04&pageSize=1&page=2").status_code == 404


def test_serializers_answer_what_their_declared_fields_give(world):
    case = Case.objects.select_related("address", "activity", "regie_organisation").get(pk=world.case.pk)
    closed = Case.objects.select_related("address", "activity", "regie_organisation").get(pk=world.case.pk)
    from django.utils import timezone

    closed.closed_at = timezone.now()
    for instance in (case, closed):
        serializer = s.CaseSerializer()
        assert serializer.to_representation(instance) == drf.Serializer.to_representation(
            serializer, instance
        )
    address = Address.objects.get(pk=world.addresses["A1"].pk)
    serializer = s.AddressSerializer()
    assert serializer.to_representation(address) == drf.ModelSerializer.to_representation(serializer, address)


def test_a_compiled_query_refuses_a_value_it_cannot_place(world):
    with pytest.raises(ValueError, match="sentinel"):
        CompiledQuery(Address.objects.filter(pk=1), address=Slot(-5, Address._meta.pk))
    query = CompiledQuery(Address.objects.filter(pk=-5), address=Slot(-5, Address._meta.pk))
    with pytest.raises(TypeError):
        query.run()
    assert _ids(query.run(address=world.addresses["A2"].pk)) == [world.addresses["A2"].pk]


def test_a_compiled_query_keeps_its_constants_and_its_slots_apart(world):
    """On PostgreSQL the constants are written into the SQL (``_constants_inline``); a slot stays a
    parameter, also where the constant text holds a ``%`` (a LIKE prefix)."""
    query = CompiledQuery(
        Address.objects.filter(buurt_code__startswith="BU0363", pk=-5), address=Slot(-5, Address._meta.pk)
    )
    assert _ids(query.run(address=world.addresses["A3"].pk)) == [world.addresses["A3"].pk]
    assert query.run(address=-1) == []
    if connection.vendor == "postgresql":
        assert query.params == [-5] and "BU0363" in query.sql


def test_instances_are_built_as_from_db_builds_them(world):
    """``instance_builder`` skips ``Model.__init__``: the instances hold the same values and state, a
    deferred field still loads on access, and a model with an ``__init__`` receiver keeps ``from_db``."""
    from django.db.models import signals

    from smaakmaker.common.compiled import instance_builder

    queryset = Case.objects.filter(pk=world.case.pk).select_related("address").only("uuid", "address__street")
    query = CompiledQuery(queryset)
    (built,) = query.run()
    (expected,) = list(queryset)
    for ours, theirs in ((built, expected), (built.address, expected.address)):
        mine = {k: v for k, v in ours.__dict__.items() if k != "_state"}
        django = {k: v for k, v in theirs.__dict__.items() if k != "_state"}
        assert mine == django and mine
        assert (
            (ours._state.adding, ours._state.db)
            == (theirs._state.adding, theirs._state.db)
            == (False, "default")
        )
    assert built.summary == world.case.summary  # deferred: read on access
    assert built.get_deferred_fields() == expected.get_deferred_fields() - {"summary"}

    def receiver(sender, instance, **kwargs):
        instance.seen = True

    signals.post_init.connect(receiver, sender=Organisation)
    try:
        build = instance_builder(Organisation, "default", ["id", "name"])
        assert build([1, "x"]).seen is True
    finally:
        signals.post_init.disconnect(receiver, sender=Organisation)
    assert not hasattr(instance_builder(Organisation, "default", ["id", "name"])([1, "x"]), "seen")


def test_case_list_and_dossier_pages_read_a_fixed_number_of_statements(world, signed_in):
    """The page shows the listed fields only: more cases with participants read no more statements (a
    deferred field read per row would add one per case)."""
    from django.urls import reverse

    from smaakmaker.cases.views import PURPOSE_SESSION_KEY

    client = signed_in("regisseur")
    address = world.addresses["A1"]
    pages = {
        "index": reverse("cases:index") + "?buurt_code=BU0363FD04",
        "dossier": reverse("cases:dossier", args=[address.uuid]),
    }
    session = client.session
    session[PURPOSE_SESSION_KEY] = {str(address.uuid): ["toets", time.time()]}
    session.save()

    def statements(page: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(pages[page])
        assert response.status_code == 200, (page, response.status_code)
        return len(queries), response.content.decode()

    statements("index"), statements("dossier")  # compiles, fills caches
    index, _html = statements("index")
    dossier, _html = statements("dossier")
    activity = ProcessingActivity.objects.get(code="casusoverleg")
    organisations = list(Organisation.objects.order_by("name"))
    for number in range(4):
        case = Case.objects.create(
            address=address,
            activity=activity,
            regie_organisation=world.case.regie_organisation,
            summary=f"nog een casus {number}",
            opened_by=world.users["regisseur"],
        )
        for organisation in organisations[:3]:
            CaseParticipant.objects.create(case=case, organisation=organisation)
    statements("index"), statements("dossier")  # a new number of cases: one more compile
    more_index, html = statements("index")
    assert more_index == index
    assert html.count(address.label) == 5
    more_dossier, html = statements("dossier")
    assert more_dossier == dossier
    assert ", ".join(o.name for o in organisations[:3]) in html  # the participants, sorted
