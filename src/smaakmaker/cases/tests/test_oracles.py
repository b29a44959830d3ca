# SPDX-License-Identifier: EUPL-1.2
"""No existence oracles in the register (issue "need-to-know in the address register", points 4 and 5).

A registered address (or case) the caller may not see and one that does not exist get the same answer:
status, body and headers compared in full, after replacing only what the request itself puts there (the
identifier sent, the trace id, a fresh CSRF token, the new signal's id). Visibility is decided before the
request is validated, and an attempt to open a hidden dossier is logged, also before a purpose is given.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse

from smaakmaker.access.models import AuditRecord, ProcessingLogRecord
from smaakmaker.cases.models import Address, Signal

pytestmark = pytest.mark.django_db

UNREGISTERED_BAG = "0363200000099999"
#: headers a request itself decides: its trace id
REQUEST_HEADERS = {"traceparent"}
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _answer(response, *sent: str) -> tuple:
    """Everything the caller receives, with the values it sent itself (and fresh ids) made neutral."""
    body = response.content.decode()
    for value in sent:
        body = body.replace(str(value), "<sent>")
    body = CSRF_RE.sub('name="csrfmiddlewaretoken" value="<csrf>"', UUID_RE.sub("<uuid>", body))
    headers = {k: v for k, v in response.headers.items() if k not in REQUEST_HEADERS}
    if "Content-Length" in headers:  # follows the body; compared through it
        headers.pop("Content-Length")
    cookies = {name: (morsel["path"], morsel["max-age"]) for name, morsel in response.cookies.items()}
    return response.status_code, headers, cookies, body


def _same(first, second, *sent_pairs) -> None:
    a = _answer(first, *[pair[0] for pair in sent_pairs])
    b = _answer(second, *[pair[1] for pair in sent_pairs])
    assert a == b


def _address_body(bag_id: str, buurt: str, street: str = "Fictiefstraat") -> dict:
    return {
        "bag_nummeraanduiding_id": bag_id,
        "street": street,
        "house_number": 99,
        "postcode": "1064XA",
        "city": "Amsterdam",
        "buurt_code": buurt,
    }


def _batch_item(bag_id: str, buurt: str, kind: str = "overlast") -> dict:
    data = _address_body(bag_id, buurt)
    return {
        "bag_nummeraanduiding_id": data.pop("bag_nummeraanduiding_id"),
        "address": data,
        "kind": kind,
        "observed_on": "2024-06-01",
        "description": "Geluidsoverlast in de nacht",
    }


def _ingest(client, item, key):
    return client.post(
        "/api/v1/signals", {"signals": [item]}, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )


# --- POST /api/v1/signals and POST /api/v1/addresses --------------------------------------------


@pytest.mark.parametrize(
    ("username", "address", "kind"),
    [
        ("wijkagent", "A3", "overlast"),  # outside the covenant area: no grant there at all
        ("wijkagent", "A2", "zorgsignaal"),  # in the area, but no grant for this kind's activity
        ("consulent", "A4", "hennep-drugs"),
        ("analist", "A4", "overlast"),  # no permission to record signals
    ],
)
def test_signals_without_a_grant_answer_alike_for_hidden_and_unregistered_addresses(
    world, api, username, address, kind
):
    client = api(username)
    hidden = world.addresses[address]
    assert not Address.objects.visible_to(world.users[username]).filter(pk=hidden.pk).exists()
    before = Signal.objects.count()
    registered = _ingest(client, _batch_item(hidden.bag_nummeraanduiding_id, hidden.buurt_code, kind), "k1")
    unregistered = _ingest(client, _batch_item(UNREGISTERED_BAG, hidden.buurt_code, kind), "k2")
    assert registered.status_code in (400, 403), registered.content
    _same(registered, unregistered)
    assert Signal.objects.count() == before
    assert not Address.objects.filter(bag_nummeraanduiding_id=UNREGISTERED_BAG).exists()


def test_signals_with_a_grant_are_stored_alike_for_hidden_and_unregistered_addresses(world, api):
    """A partner with a write grant in the buurt reports about an address it may not see (A4, another
    partner's signal) and about a new one: both 201 with its own new signal; the new address is registered,
    the registered one is used as it is."""
    client = api("professional")
    hidden = world.addresses["A4"]
    assert not Address.objects.visible_to(world.users["professional"]).filter(pk=hidden.pk).exists()
    item = _batch_item(hidden.bag_nummeraanduiding_id, hidden.buurt_code)
    item["address"]["street"] = "Andere straat"  # the register keeps what it holds
    registered = _ingest(client, item, "k1")
    unregistered = _ingest(client, _batch_item(UNREGISTERED_BAG, hidden.buurt_code), "k2")
    assert registered.status_code == 201, registered.content
    _same(registered, unregistered)
    assert registered.json()["count"] == 1 and "Fictiefstraat" not in registered.content.decode()
    hidden.refresh_from_db()
    assert hidden.street == "Fictiefstraat"
    new = Address.objects.get(bag_nummeraanduiding_id=UNREGISTERED_BAG)
    assert (new.street, new.buurt_code) == ("Fictiefstraat", "BU0363FD04")
    assert Signal.objects.filter(
        address=hidden, source_organisation__name__startswith="Woonstichting"
    ).exists()
    # The reporter still does not see what others recorded there.
    dossier = client.get(f"/api/v1/addresses/{hidden.uuid}").json()
    assert "omschrijving-overlast_gem_A4" not in str(dossier)


@pytest.mark.parametrize(
    ("username", "address"),
    [("wijkagent", "A3"), ("analist", "A4"), ("privacy", "A2")],
)
def test_address_registration_without_a_grant_answers_alike(world, api, username, address):
    client = api(username)
    hidden = world.addresses[address]
    registered = client.post(
        "/api/v1/addresses",
        _address_body(hidden.bag_nummeraanduiding_id, hidden.buurt_code),
        content_type="application/json",
    )
    unregistered = client.post(
        "/api/v1/addresses",
        _address_body(UNREGISTERED_BAG, hidden.buurt_code),
        content_type="application/json",
    )
    assert registered.status_code == 403, registered.content
    assert registered["Content-Type"] == "application/problem+json"
    _same(registered, unregistered)
    assert not Address.objects.filter(bag_nummeraanduiding_id=UNREGISTERED_BAG).exists()


def test_address_registration_with_a_grant_never_discloses_what_the_register_held(world, api):
    client = api("professional")
    hidden = world.addresses["A4"]
    registered = client.post(
        "/api/v1/addresses",
        _address_body(hidden.bag_nummeraanduiding_id, hidden.buurt_code, street="Andere straat"),
        content_type="application/json",
    )
    unregistered = client.post(
        "/api/v1/addresses",
        _address_body(UNREGISTERED_BAG, hidden.buurt_code, street="Andere straat"),
        content_type="application/json",
    )
    assert registered.status_code == 201, registered.content
    _same(
        registered,
        unregistered,
        (hidden.bag_nummeraanduiding_id, UNREGISTERED_BAG),
    )
    assert registered.json()["street"] == "Andere straat"  # what was sent, not what the register held
    assert registered.json()["uuid"] == str(hidden.uuid)  # the register's id, to refer to it
    hidden.refresh_from_db()
    assert hidden.street == "Fictiefstraat"
    records = AuditRecord.objects.filter(action="address.register").order_by("id")
    assert [r.reason for r in records] == ["Adres was al geregistreerd; hergebruikt", ""]
    # Registering the same address again is not an error either.
    again = client.post(
        "/api/v1/addresses",
        _address_body(UNREGISTERED_BAG, hidden.buurt_code, street="Andere straat"),
        content_type="application/json",
    )
    _same(again, unregistered)


# --- Objects by identifier: hidden and non-existent are the same ---------------------------------


def test_dossier_and_case_reads_answer_alike_with_and_without_purpose(world, api):
    client = api("wijkagent")  # sees A1 only, and not the case
    hidden, missing = world.addresses["A2"].uuid, uuid.uuid4()
    for purpose in ("toets", ""):
        for path in ("/api/v1/addresses/{}", "/api/v1/cases/{}"):
            hidden_uuid = hidden if "addresses" in path else world.case.uuid
            first = client.get(path.format(hidden_uuid), HTTP_X_PURPOSE=purpose)
            second = client.get(path.format(missing), HTTP_X_PURPOSE=purpose)
            assert first.status_code == 404, (path, purpose, first.content)
            _same(first, second, (hidden_uuid, missing))


@pytest.mark.parametrize(
    ("endpoint", "body"),
    [
        ("transitions", {"to_status": "no-such-status"}),
        ("transitions", {}),
        ("transitions", "{not json"),
        ("decisions", {"what": ""}),
        ("decisions", {"what": "x", "legal_basis": "y", "motivation": "z", "milder_alternative": "w"}),
    ],
)
@pytest.mark.parametrize("username", ["consulent", "wijkagent", "analist"])
def test_writes_on_a_hidden_case_answer_404_whatever_the_body(world, api, username, endpoint, body):
    client = api(username)
    missing = uuid.uuid4()
    kwargs = {"content_type": "application/json"}
    first = client.post(f"/api/v1/cases/{world.case.uuid}/{endpoint}", body, **kwargs)
    second = client.post(f"/api/v1/cases/{missing}/{endpoint}", body, **kwargs)
    assert first.status_code == 404, first.content
    _same(first, second, (world.case.uuid, missing))


def test_a_visible_case_without_the_permission_answers_404_before_the_body(world, api):
    """professional sees the case but may not change its status: 404 whatever it sends."""
    client = api("professional")
    for body in ({"to_status": "to_discuss"}, {"to_status": "nonsense"}, {}):
        response = client.post(
            f"/api/v1/cases/{world.case.uuid}/transitions", body, content_type="application/json"
        )
        assert response.status_code == 404, body


def test_opening_a_case_at_a_hidden_address_answers_like_an_unknown_one(world, api):
    client = api("regisseur")  # may open cases; A3 lies outside its covenant
    body = {"processing_activity": "casusoverleg", "summary": ""}
    first = client.post(
        "/api/v1/cases", {**body, "address": str(world.addresses["A3"].uuid)}, content_type="application/json"
    )
    second = client.post(
        "/api/v1/cases", {**body, "address": str(uuid.uuid4())}, content_type="application/json"
    )
    assert first.status_code == 400
    _same(first, second)


def test_address_search_answers_alike_for_hidden_and_unregistered_addresses(world, api):
    client = api("professional")
    hidden = world.addresses["A4"]
    first = client.post(
        "/api/v1/addresses/search",
        {"bag_nummeraanduiding_id": hidden.bag_nummeraanduiding_id},
        content_type="application/json",
    )
    second = client.post(
        "/api/v1/addresses/search",
        {"bag_nummeraanduiding_id": UNREGISTERED_BAG},
        content_type="application/json",
    )
    assert first.status_code == 200 and first.json()["results"] == []
    _same(first, second)


def test_pages_answer_alike_for_hidden_and_missing_objects(world, signed_in):
    client = signed_in("wijkagent")
    client.get("/")  # a CSRF cookie, as a browser has one
    hidden, missing = world.addresses["A2"].uuid, uuid.uuid4()
    pages = [
        ("get", "cases:dossier", {}),
        ("post", "cases:dossier", {"purpose": "toets van de autorisatie"}),
        ("post", "cases:dossier", {"purpose": ""}),
        ("get", "cases:signal_create", {}),
        ("post", "cases:signal_create", {"kind": "", "observed_on": "morgen"}),
    ]
    for method, name, data in pages:
        first = getattr(client, method)(reverse(name, args=[hidden]), data)
        second = getattr(client, method)(reverse(name, args=[missing]), data)
        assert first.status_code == 404, (name, method, data, first.status_code)
        _same(first, second)
        assert "Pagina niet gevonden" in first.content.decode()
    consulent = signed_in("consulent")  # may record decisions, but does not see the case
    for name in ("cases:decision_create", "cases:case_transition"):
        data = {"to_status": "nonsense", "what": ""}
        first = consulent.post(reverse(name, args=[world.case.uuid]), data)
        second = consulent.post(reverse(name, args=[missing]), data)
        assert first.status_code in (403, 404), (name, first.status_code)
        _same(first, second)


# --- Point 5: an attempt to open a hidden dossier is logged --------------------------------------


def test_attempt_to_open_a_hidden_dossier_is_logged_before_a_purpose(world, api, signed_in):
    hidden, missing = world.addresses["A2"], uuid.uuid4()
    log_before = ProcessingLogRecord.objects.count()
    client = api("wijkagent")
    assert client.get(f"/api/v1/addresses/{hidden.uuid}", HTTP_X_PURPOSE="").status_code == 404
    assert client.get(f"/api/v1/addresses/{missing}", HTTP_X_PURPOSE="").status_code == 404
    page = signed_in("wijkagent")
    assert page.get(reverse("cases:dossier", args=[hidden.uuid])).status_code == 404
    assert page.get(reverse("cases:dossier", args=[missing])).status_code == 404
    records = list(AuditRecord.objects.filter(action="address.read.denied").order_by("id"))
    assert [(r.actor, r.object_id, r.result, r.origin.split()[0]) for r in records] == [
        ("wijkagent", str(hidden.uuid), "denied", "api"),
        ("wijkagent", str(missing), "not_found", "api"),
        ("wijkagent", str(hidden.uuid), "denied", "web"),
        ("wijkagent", str(missing), "not_found", "web"),
    ]
    assert ProcessingLogRecord.objects.count() == log_before  # nothing was shown


def test_attempt_with_a_purpose_is_logged_with_it(world, api):
    hidden = world.addresses["A2"]
    api("wijkagent").get(f"/api/v1/addresses/{hidden.uuid}", HTTP_X_PURPOSE="Voorbereiding overleg")
    record = AuditRecord.objects.filter(action="address.read.denied").get()
    assert (record.reason, record.result) == ("Voorbereiding overleg", "denied")


def test_a_visible_dossier_still_needs_a_purpose(world, api):
    before = AuditRecord.objects.count()
    response = api("wijkagent").get(f"/api/v1/addresses/{world.addresses['A1'].uuid}", HTTP_X_PURPOSE="")
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["name"] == "X-Purpose"
    assert AuditRecord.objects.count() == before
