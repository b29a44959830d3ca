# SPDX-License-Identifier: EUPL-1.2
"""Retention with a frozen clock, inzage completeness without co-residents, bad input, ingestion."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from smaakmaker.access.models import AuditRecord, ProcessingLogRecord
from smaakmaker.cases import selectors, workflow
from smaakmaker.cases.models import Case, Decision, Resident, Signal

pytestmark = pytest.mark.django_db


def test_retention_deletes_signals_without_case_first_and_respects_holds(world):
    s = world.signals
    Signal.objects.filter(pk=s["huur_corp2_A2"].pk).update(legal_hold=True)
    now = timezone.now()
    # 400 days later: the general (365 d) signals without a case have expired; those behind the open
    # case at A1 stay; corporation data (730 d) stay; the legal hold stays.
    with time_machine.travel(now + timedelta(days=400), tick=False):
        call_command("retention")
        remaining = set(Signal.objects.values_list("description", flat=True))
        assert "omschrijving-overlast_corp1_A2" not in remaining
        assert "omschrijving-overlast_gem_A4" not in remaining
        assert {
            "omschrijving-overlast_pol_A1",
            "omschrijving-hennep_A1",
            "omschrijving-huur_corp2_A2",
        } <= remaining
        purge = AuditRecord.objects.get(action="retention.purge")
        assert purge.result == "ok"
        assert ProcessingLogRecord.objects.filter(audit_hash=purge.hash).count() >= 2
    # The case closes; its retention (1095 d) and the signals' periods pass: anonymised, not deleted.
    Case.objects.filter(pk=world.case.pk).update(status=workflow.CLOSED, closed_at=now)
    with time_machine.travel(now + timedelta(days=1200), tick=False):
        call_command("retention")
        case = Case.objects.get(pk=world.case.pk)
        assert case.anonymised is not None and case.summary.startswith("[verwijderd")
        assert Decision.objects.get(pk=world.decision.pk).motivation.startswith("[verwijderd")
        pol = Signal.objects.get(pk=s["overlast_pol_A1"].pk)
        assert pol.anonymised is not None and pol.description.startswith("[verwijderd")
        assert Signal.objects.filter(
            pk=s["huur_corp2_A2"].pk, description="omschrijving-huur_corp2_A2"
        ).exists()


def test_retention_dry_run_changes_nothing(world):
    before = Signal.objects.count()
    with time_machine.travel(timezone.now() + timedelta(days=400), tick=False):
        call_command("retention", "--dry-run")
    assert Signal.objects.count() == before
    assert not AuditRecord.objects.filter(action="retention.purge").exists()


def test_retention_is_a_scheduled_job(world):
    from smaakmaker.common.schedule import run_now
    from smaakmaker.conf.schedule import job_named

    assert job_named("retention").function == "smaakmaker.cases.tasks.retention_job"
    run = run_now(name="retention")  # tests run the queue inline
    run.refresh_from_db()
    assert run.status == "ok" and "signals_deleted" in run.summary, run.message


def test_inzage_for_a_resident_is_complete_and_leaves_out_co_residents(world, api):
    # A read first, so the processing log has something about this address.
    api("regisseur").get(f"/api/v1/addresses/{world.addresses['A1'].uuid}")
    r1, r2 = world.residents["R1"], world.residents["R2"]
    data = selectors.inzage_export(
        user=world.users["privacy"], purpose="Verzoek 2024-01", resident_uuid=r1.uuid
    )
    text = json.dumps(data, ensure_ascii=False)
    assert data["resident"]["name"] == "Bewoner Een (demo)"
    assert "Bewoner Twee" not in text and str(r2.uuid) not in text
    descriptions = {s["description"] for s in data["signals"]}
    assert descriptions == {
        "omschrijving-overlast_pol_A1",
        "omschrijving-woonfraude_corp2_A1",
        "omschrijving-hennep_A1",
        "omschrijving-zorg_R1_A1",
    }
    assert {s["source"] for s in data["signals"]} >= {
        "Politie Eenheid Voorbeeld (demo)",
        "Wijkteam Voorbeeldwijk (demo)",
    }
    assert data["cases"][0]["decisions"][0]["milder_alternative"] == "alternatief-A1"
    assert any(entry["operation"] == "address.read" for entry in data["processing_log"])
    codes = {a["code"] for a in data["processing_activities"]}
    assert codes == {
        "signalering-leefbaarheid",
        "woonfraude-huurachterstand",
        "politie-informatie",
        "zorgsignalen",
        "casusoverleg",
    }
    assert all(a["recipients"] for a in data["processing_activities"])
    assert AuditRecord.objects.filter(action="inzage.export", actor="privacy").count() == 1


def test_inzage_for_an_address_leaves_out_all_resident_data(world, signed_in):
    client = signed_in("privacy")
    response = client.post(
        "/adressen/inzage/",
        {
            "bag_nummeraanduiding_id": world.addresses["A1"].bag_nummeraanduiding_id,
            "purpose": "Verzoek 2024-02",
        },
    )
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    text = response.content.decode()
    assert "Bewoner" not in text and "omschrijving-zorg" not in text
    assert "omschrijving-overlast_pol_A1" in text
    assert signed_in("regisseur").get("/adressen/inzage/").status_code == 403


def _ingest(client, items, key="batch-1"):
    return client.post(
        "/api/v1/signals", {"signals": items}, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )


def _address_data(address, **overrides):
    data = {
        "street": address.street,
        "house_number": address.house_number,
        "postcode": address.postcode,
        "city": address.city,
        "buurt_code": address.buurt_code,
    }
    data.update(overrides)
    return data


def _item(world, **overrides):
    item = {
        "bag_nummeraanduiding_id": world.addresses["A2"].bag_nummeraanduiding_id,
        "address": _address_data(world.addresses["A2"]),
        "kind": "overlast",
        "observed_on": "2024-06-01",
        "description": "nieuw",
    }
    item.update(overrides)
    return item


@pytest.mark.parametrize(
    ("override", "field", "code"),
    [
        (
            {"bag_nummeraanduiding_id": "363200000000002"},
            "signals.1.bag_nummeraanduiding_id",
            "invalid_bag_id",
        ),
        (  # a new address outside the covenant area: no grant to record there
            {
                "bag_nummeraanduiding_id": "0999999999999999",
                "address": {
                    "street": "Elders",
                    "house_number": 1,
                    "postcode": "1064XA",
                    "city": "A",
                    "buurt_code": "BU0363FD03",
                },
            },
            "signals.1.kind",
            "no_processing_activity",
        ),
        ({"address": None}, "signals.1.address", "required"),
        (
            {"address": {"street": "X", "postcode": "1064XA", "city": "A", "buurt_code": "BU0363FD04"}},
            "signals.1.address.house_number",
            "required",
        ),
        ({"confirm_no_names": "ja"}, "signals.1.confirm_no_names", "invalid"),
        ({"kind": "onbekend"}, "signals.1.kind", "unknown_kind"),
        ({"kind": "zorgsignaal"}, "signals.1.kind", "no_processing_activity"),
        ({"observed_on": "gisteren"}, "signals.1.observed_on", "invalid"),
    ],
)
def test_batch_with_one_bad_item_stores_nothing_and_names_the_field(world, api, override, field, code):
    before, audit_before = Signal.objects.count(), AuditRecord.objects.count()
    response = _ingest(api("professional"), [_item(world), _item(world, **override), _item(world)])
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    params = response.json()["invalidParams"]
    assert [(p["name"], p["code"]) for p in params] == [(field, code)]
    assert Signal.objects.count() == before and AuditRecord.objects.count() == audit_before


def test_malformed_json_and_missing_headers(world, api):
    client = api("professional")
    before = Signal.objects.count()
    response = client.post(
        "/api/v1/signals", "{not json", content_type="application/json", HTTP_IDEMPOTENCY_KEY="x"
    )
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    response = client.post("/api/v1/signals", {"signals": [_item(world)]}, content_type="application/json")
    assert response.json()["invalidParams"][0]["name"] == "Idempotency-Key"
    assert Signal.objects.count() == before


def test_invalid_bag_id_and_buurt_code_on_address_registration(world, api):
    response = api("regisseur").post(
        "/api/v1/addresses",
        {
            "bag_nummeraanduiding_id": "12345",
            "street": "X",
            "house_number": 1,
            "postcode": "1064XA",
            "city": "A",
            "buurt_code": "BU0363",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert {p["name"] for p in response.json()["invalidParams"]} == {"bag_nummeraanduiding_id", "buurt_code"}


def test_bulk_ingestion_of_1000_signals_is_all_or_nothing_and_idempotent(world, api):
    client = api("professional")
    items = [_item(world, description=f"bulk {i}") for i in range(1000)]
    response = _ingest(client, items, key="big")
    assert response.status_code == 201, response.content[:500]
    assert response.json()["count"] == 1000
    assert Signal.objects.filter(description__startswith="bulk ").count() == 1000
    record = AuditRecord.objects.get(action="signal.ingest")
    assert ProcessingLogRecord.objects.filter(audit_hash=record.hash).count() == 1000
    again = _ingest(client, items, key="big")
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert Signal.objects.filter(description__startswith="bulk ").count() == 1000
    other = _ingest(client, items[:5], key="big")
    assert other.status_code == 409 and other.json()["invalidParams"][0]["name"] == "Idempotency-Key"


def test_covenant_cannot_activate_without_dpia_and_privacy_officer(world):
    from smaakmaker.access.services import CovenantError, covenant_activate, covenant_create

    covenant = covenant_create(
        actor=world.users["regisseur"],
        name="Zonder DPIA",
        area_codes=["WK0363FD"],
        partners=[],
        valid_from="2024-01-01",
    )
    with pytest.raises(CovenantError, match="DPIA"):
        covenant_activate(actor=world.users["regisseur"], covenant=covenant)
    with pytest.raises(CovenantError):
        covenant_create(
            actor=world.users["regisseur"],
            name="Fout",
            area_codes=["XX12"],
            partners=[],
            valid_from="2024-01-01",
        )


def test_names_only_where_the_activity_allows_them(world):
    from smaakmaker.access.models import ProcessingActivity
    from smaakmaker.cases.errors import RegisterError
    from smaakmaker.cases.services import resident_record

    with pytest.raises(RegisterError):
        resident_record(
            actor=world.users["regisseur"],
            address=world.addresses["A1"],
            activity=ProcessingActivity.objects.get(code="signalering-leefbaarheid"),
            name="Iemand",
        )
    assert not Resident.objects.filter(name="Iemand").exists()


def test_workflow_has_one_transition_table_and_history_is_appended(world, api):
    client = api("regisseur")
    bad = client.post(
        f"/api/v1/cases/{world.case.uuid}/transitions",
        {"to_status": "monitoring"},
        content_type="application/json",
    )
    assert bad.status_code == 409 and bad.json()["invalidParams"][0]["name"] == "to_status"
    ok = client.post(
        f"/api/v1/cases/{world.case.uuid}/transitions",
        {"to_status": "in_progress"},
        content_type="application/json",
    )
    assert ok.status_code == 200
    history = client.get(f"/api/v1/cases/{world.case.uuid}").json()["history"]
    assert [(h["from_status"], h["to_status"]) for h in history] == [("", "new"), ("new", "in_progress")]


def test_no_scores_and_no_forbidden_fields():
    from django.apps import apps

    forbidden = ("score", "risk", "ethnic", "etnic", "nationality", "nationaliteit", "migration", "bsn")
    for model in [*apps.get_app_config("cases").get_models(), *apps.get_app_config("access").get_models()]:
        for field in model._meta.get_fields():
            assert not any(word in field.name.lower() for word in forbidden), (model, field.name)


@pytest.mark.django_db
def test_a_user_of_two_organisations_records_for_either_when_both_hold_the_grant(world):
    """Each organisation's own grant counts: not only the first grant of the user's that matches."""
    from datetime import date

    from django.contrib.auth import get_user_model

    from smaakmaker.access.models import Membership, Organisation
    from smaakmaker.cases import services
    from smaakmaker.cases.models import Signal, SignalKind
    from smaakmaker.cases.tests.conftest import POLITIE, WIJKTEAM

    user = get_user_model().objects.get(username="wijkagent")
    Membership.objects.create(user=user, organisation=Organisation.objects.get(name=WIJKTEAM))
    user = get_user_model().objects.get(pk=user.pk)  # a fresh policy snapshot
    overlast = SignalKind.objects.get(code="overlast")
    for name in (POLITIE, WIJKTEAM):
        organisation = Organisation.objects.get(name=name)
        result = services.signals_ingest(
            actor=user,
            organisation=organisation,
            items=[_item(world, observed_on=date(2024, 6, 1))],
            idempotency_key=f"two-{name}",
        )
        assert Signal.objects.get(uuid=result.signal_uuids[0]).source_organisation == organisation
        signal = services.signal_record(
            actor=user,
            address=world.addresses["A2"],
            kind=overlast,
            observed_on=date(2024, 6, 2),
            organisation=organisation,
        )
        assert signal.source_organisation == organisation
