# SPDX-License-Identifier: EUPL-1.2
"""Covenant management through /api/v1/covenants: model permissions, problem+json naming the field,
every write audited, nothing saved on bad input."""

from __future__ import annotations

import pytest
from django.conf import settings

from smaakmaker.access.models import AuditRecord, Covenant, CovenantStatus, Organisation, ReuseDecision

pytestmark = pytest.mark.django_db

API = "/api/v1/covenants"
PROBLEM = "application/problem+json"
JSON = "application/json"


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    assert response["API-Version"] == settings.API_VERSION
    return response.json()


def _invalid(response, status: int = 400) -> dict[str, str]:
    """The field names of a 400 (invalid input) or 409 (conflict with the state) problem, with reasons."""
    body = _problem(response, status)
    return {param["name"]: param["reason"] for param in body["invalidParams"]}


def _actions() -> list[str]:
    return list(AuditRecord.objects.order_by("id").values_list("action", flat=True))


def _covenant_body(**overrides) -> dict:
    body = {
        "name": "Convenant API-buurt (test)",
        "area_codes": ["wk0363fd", "BU0363FD04"],
        "partners": [str(o.uuid) for o in Organisation.objects.filter(is_demo=True).order_by("name")],
        "valid_from": "2025-01-01",
        "document_reference": "CONV-API-1 (fictief)",
    }
    body.update(overrides)
    return body


def _activity_body(name: str = "Signalering overlast", **overrides) -> dict:
    body = {
        "name": name,
        "purpose": "Signalen over overlast per adres delen.",
        "avg_ground": "6.1.e",
        "legal_basis": "Gemeentewet 151d",
        "data_categories": ["adres", "soort signaal", "datum"],
        "compartment": "algemeen",
        "retention_days": 365,
        "grants": [
            {"organisation_kind": "gemeente", "role": "regisseur", "scope": "area", "level": "write"},
            {"organisation_kind": "politie", "role": "partner-professional", "scope": "participation"},
        ],
    }
    body.update(overrides)
    return body


END_BODY = {"reason": "De samenwerking in de buurt is afgerond (test).", "confirm": True}


def _create(client, **overrides) -> dict:
    response = client.post(API, _covenant_body(**overrides), content_type=JSON)
    assert response.status_code == 201, response.content
    return response.json()


def test_create_add_activity_activate_and_end_through_the_api(signed_in, demo_users):
    client = signed_in("regisseur")
    created = _create(client)
    assert created["status"] == "draft"
    assert created["area_codes"] == ["WK0363FD", "BU0363FD04"]
    assert created["privacy_officer"] is None and created["activities"] == []
    url = f"{API}/{created['uuid']}"

    response = client.post(f"{url}/activities", _activity_body(), content_type=JSON)
    assert response.status_code == 201, response.content
    activity = response.json()
    assert activity["code"] == "signalering-overlast"
    assert {(g["organisation_kind"], g["role"], g["level"]) for g in activity["grants"]} == {
        ("gemeente", "regisseur", "write"),
        ("politie", "partner-professional", "read"),
    }

    # Refused without DPIA and privacy officer: both fields are named.
    refused = _invalid(client.post(f"{url}/activate", content_type=JSON), 409)
    assert set(refused) == {"dpia_reference", "privacy_officer"}
    assert "DPIA" in refused["dpia_reference"]
    assert Covenant.objects.get(uuid=created["uuid"]).status == CovenantStatus.DRAFT

    # A DPIA without a date is still not enough; then the date is named.
    client.patch(url, {"dpia_reference": "DPIA-API-1"}, content_type=JSON)
    assert set(_invalid(client.post(f"{url}/activate", content_type=JSON), 409)) == {
        "dpia_date",
        "privacy_officer",
    }

    patched = client.patch(
        url, {"dpia_date": "2024-11-30", "privacy_officer": demo_users["privacy"].username}, content_type=JSON
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["privacy_officer"] == "privacy"
    assert patched.json()["name"] == "Convenant API-buurt (test)"  # untouched by the PATCH

    activated = client.post(f"{url}/activate", content_type=JSON)
    assert activated.status_code == 200 and activated.json()["status"] == "active"

    # An active covenant cannot be changed or extended, only ended.
    assert set(_invalid(client.patch(url, {"name": "Anders"}, content_type=JSON), 409)) == {"status"}
    later = client.post(f"{url}/activities", _activity_body("Later"), content_type=JSON)
    assert set(_invalid(later, 409)) == {"status"}
    ended = client.post(f"{url}/end", END_BODY, content_type=JSON)
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    assert ended.json()["end_reason"] == END_BODY["reason"] and ended.json()["ended"]
    assert set(_invalid(client.post(f"{url}/end", END_BODY, content_type=JSON), 409)) == {"status"}

    covenant = Covenant.objects.get(uuid=created["uuid"])
    assert covenant.name == "Convenant API-buurt (test)" and covenant.activities.count() == 1
    assert _actions() == [
        "covenant.create",
        "processing_activity.create",
        "covenant.update",
        "covenant.update",
        "covenant.activate",
        "covenant.end",
    ]
    assert all(origin.startswith("api") for origin in AuditRecord.objects.values_list("origin", flat=True))
    assert set(AuditRecord.objects.values_list("actor", flat=True)) == {"regisseur"}


def test_list_and_detail_show_activities_grants_and_reuse_decisions(signed_in):
    client = signed_in("regisseur")
    created = _create(client)
    url = f"{API}/{created['uuid']}"
    source = client.post(
        f"{url}/activities", _activity_body("Huurachterstand", compartment="corporatie"), content_type=JSON
    ).json()
    target = client.post(f"{url}/activities", _activity_body(), content_type=JSON).json()
    decision = client.post(
        f"{url}/reuse-decisions",
        {
            "source": source["uuid"],
            "target": target["uuid"],
            "legal_basis": "Huisvestingswet 2014 art. 33",
            "motivation": "Huurachterstand helpt overlast te duiden.",
        },
        content_type=JSON,
    )
    assert decision.status_code == 201, decision.content
    assert ReuseDecision.objects.count() == 1
    assert _actions()[-1] == "reuse_decision.record"

    reader = signed_in("privacy")  # the privacy officer reads, but does not manage
    listing = reader.get(API)
    assert listing.status_code == 200
    assert [c["name"] for c in listing.json()["results"]] == ["Convenant API-buurt (test)"]
    detail = reader.get(url).json()
    assert [a["name"] for a in detail["activities"]] == ["Huurachterstand", "Signalering overlast"]
    assert detail["activities"][0]["grants"][0]["organisation_kind"] == "gemeente"
    [reuse] = detail["reuse_decisions"]
    assert (reuse["source_code"], reuse["target_code"], reuse["decided_by"]) == (
        "huurachterstand",
        "signalering-overlast",
        "regisseur",
    )
    assert {p["name"] for p in detail["partners"]} == set(
        Organisation.objects.filter(is_demo=True).values_list("name", flat=True)
    )


def test_users_without_the_permission_get_403_and_change_nothing(signed_in):
    created = _create(signed_in("regisseur"))
    url = f"{API}/{created['uuid']}"
    before = _actions()
    reader = signed_in("professional")  # may read covenants, not manage them
    assert reader.get(url).status_code == 200
    for response in (
        reader.post(API, _covenant_body(name="Ongeoorloofd"), content_type=JSON),
        reader.patch(url, {"name": "Ongeoorloofd"}, content_type=JSON),
        reader.post(f"{url}/activate", content_type=JSON),
        reader.post(f"{url}/end", END_BODY, content_type=JSON),
        reader.post(f"{url}/activities", _activity_body(), content_type=JSON),
        reader.post(f"{url}/reuse-decisions", {}, content_type=JSON),
    ):
        _problem(response, 403)
    outsider = signed_in("bestuurder")  # may not even read them
    _problem(outsider.get(API), 403)
    _problem(outsider.get(url), 403)
    covenant = Covenant.objects.get()
    assert covenant.name == "Convenant API-buurt (test)" and covenant.activities.count() == 0
    assert _actions() == before


def test_bad_input_names_the_field_and_saves_nothing(signed_in, demo_users):
    client = signed_in("regisseur")
    bad_area = _invalid(client.post(API, _covenant_body(area_codes=["GM0363", "XX12"]), content_type=JSON))
    assert (
        set(bad_area) == {"area_codes.1"} and "CBS" in bad_area["area_codes.1"]
    )  # the code named by its place
    unknown = _invalid(
        client.post(
            API,
            _covenant_body(
                partners=["00000000-0000-0000-0000-000000000000"],
                privacy_officer=demo_users["professional"].username,  # may not read the audit log
                valid_until="2024-01-01",
            ),
            content_type=JSON,
        )
    )
    assert set(unknown) == {"partners", "privacy_officer"}
    period = _invalid(client.post(API, _covenant_body(valid_until="2024-12-31"), content_type=JSON))
    assert set(period) == {"valid_until"}
    assert not Covenant.objects.exists()
    assert _actions() == []

    created = _create(client)
    url = f"{API}/{created['uuid']}"
    assert set(_invalid(client.patch(url, {"area_codes": ["NL00"]}, content_type=JSON))) == {"area_codes.0"}
    duplicate_grant = _activity_body(
        grants=[{"organisation_kind": "gemeente", "role": "regisseur", "scope": "area"}] * 2
    )
    assert set(_invalid(client.post(f"{url}/activities", duplicate_grant, content_type=JSON))) == {"grants"}
    no_grants = _invalid(client.post(f"{url}/activities", _activity_body(grants=[]), content_type=JSON))
    assert set(no_grants) == {"grants"}
    wrong_role = _activity_body(
        grants=[{"organisation_kind": "gemeente", "role": "bestuurder", "scope": "area"}]
    )  # a role without access to the register cannot receive data
    assert set(_invalid(client.post(f"{url}/activities", wrong_role, content_type=JSON))) == {"grants.0.role"}
    covenant = Covenant.objects.get()
    assert covenant.area_codes == ["WK0363FD", "BU0363FD04"] and covenant.activities.count() == 0
    assert _actions() == ["covenant.create"]
    _problem(client.get(f"{API}/00000000-0000-0000-0000-000000000000"), 404)


def test_an_activity_code_taken_is_a_conflict_and_one_made_from_the_name_is_numbered(signed_in):
    client = signed_in("regisseur")
    url = f"{API}/{_create(client)['uuid']}/activities"
    first = client.post(url, _activity_body(), content_type=JSON)
    assert first.status_code == 201 and first.json()["code"] == "signalering-overlast"
    # the same name again, no code given: the code made from it is numbered
    second = client.post(url, _activity_body(), content_type=JSON)
    assert second.status_code == 201 and second.json()["code"] == "signalering-overlast-2"
    # a name a slug keeps nothing of still gets a code
    symbols = client.post(url, _activity_body("§§ ¶¶"), content_type=JSON)
    assert symbols.status_code == 201 and symbols.json()["code"] == "activiteit"
    # a code given that another activity has: 409 naming the code; with other errors too: 400
    taken = client.post(url, _activity_body("Iets anders", code="signalering-overlast"), content_type=JSON)
    assert set(_invalid(taken, 409)) == {"code"}
    grant = {"organisation_kind": "gemeente", "role": "regisseur", "scope": "area"}
    both = _activity_body("Iets anders", code="signalering-overlast", grants=[grant, grant])
    answer = _problem(client.post(url, both, content_type=JSON), 400)
    assert {(p["name"], p["code"]) for p in answer["invalidParams"]} == {
        ("code", "unique"),
        ("grants", "invalid"),
    }
