# SPDX-License-Identifier: EUPL-1.2
"""Every personal-data endpoint writes an audit record and processing-log records in the same
transaction; the logs are append-only and the chain verifier detects an edited row."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from smaakmaker.access import audit
from smaakmaker.access.models import AppendOnlyError, AuditRecord, ProcessingLogRecord

pytestmark = pytest.mark.django_db

# The catalogue and the rules are published configuration; registering a BAG address is public data
# (audited, but no processing of a data subject).
# A partner file's status is its uploader's own upload (rows named by line and public address data;
# the upload, check and import are audited).
NOT_PERSONAL = {"signal-kinds", "alert-rules", "addresses", "signal-file"}


def _personal_calls(world):
    a1, case = world.addresses["A1"], world.case
    json = "application/json"
    return {
        "address-dossier": ("get", f"/api/v1/addresses/{a1.uuid}", None),
        "address-search": ("post", "/api/v1/addresses/search", {"postcode": "1064XA"}),
        "cases": ("get", "/api/v1/cases", None),
        "case-search": ("post", "/api/v1/cases/search", {"postcode": "1064XA"}),
        "case-detail": ("get", f"/api/v1/cases/{case.uuid}", None),
        "case-transitions": ("post", f"/api/v1/cases/{case.uuid}/transitions", {"to_status": "to_discuss"}),
        "case-decisions": (
            "post",
            f"/api/v1/cases/{case.uuid}/decisions",
            {"what": "a", "legal_basis": "b", "motivation": "c", "milder_alternative": "d"},
        ),
        "signals": (
            "post",
            "/api/v1/signals",
            {
                "signals": [
                    {
                        "bag_nummeraanduiding_id": a1.bag_nummeraanduiding_id,
                        "address": {
                            "street": a1.street,
                            "house_number": a1.house_number,
                            "postcode": a1.postcode,
                            "city": a1.city,
                            "buurt_code": a1.buurt_code,
                        },
                        "kind": "overlast",
                        "observed_on": "2024-05-01",
                    }
                ]
            },
        ),
        "signal-files": ("post", "/api/v1/signal-files", "multipart"),
        "agenda": ("get", "/api/v1/agenda", None),
        "inzage": ("post", "/api/v1/inzage", {"address": str(a1.uuid)}),
    }, json


def test_every_personal_data_endpoint_writes_both_records(world, api):
    calls, content_type = _personal_calls(world)
    from smaakmaker.cases.api.urls import urlpatterns

    register_names = {p.name for p in urlpatterns}
    assert register_names - NOT_PERSONAL == set(calls), "a register endpoint is missing from this test"
    for name, (method, path, body) in calls.items():
        client = api("privacy" if name == "inzage" else "regisseur")
        audit_before, log_before = AuditRecord.objects.count(), ProcessingLogRecord.objects.count()
        kwargs = {"content_type": content_type} if body is not None else {}
        headers = {"HTTP_IDEMPOTENCY_KEY": "k-1"} if name == "signals" else {}
        if body == "multipart":  # a partner file: imported on the (inline) task queue
            from django.core.files.uploadedfile import SimpleUploadedFile

            line = f"{world.addresses['A4'].bag_nummeraanduiding_id};overlast;2024-05-02"
            upload = SimpleUploadedFile("m.csv", f"nummeraanduiding;soort;datum\n{line}\n".encode())
            response = client.post(path, {"file": upload})
        elif body is not None:
            response = getattr(client, method)(path, body, **kwargs, **headers)
        else:
            response = client.get(path)
        assert response.status_code in (200, 201, 202), (name, response.content)
        assert AuditRecord.objects.count() > audit_before, name
        assert ProcessingLogRecord.objects.count() > log_before, name
        record = AuditRecord.objects.order_by("-id").first()
        newest_log = ProcessingLogRecord.objects.order_by("-id").first()
        assert newest_log.audit_hash == record.hash and newest_log.trace_id == record.trace_id, name
        if method == "get" or "search" in name or name == "inzage":
            assert record.reason == "toets van de autorisatie", name
    assert audit.chain_verify() == []


def test_reads_without_purpose_are_refused_and_change_nothing(world, api):
    client = api("regisseur")
    before = AuditRecord.objects.count()
    for path in (f"/api/v1/addresses/{world.addresses['A1'].uuid}", "/api/v1/cases", "/api/v1/agenda"):
        response = client.get(path, HTTP_X_PURPOSE="")
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["invalidParams"][0]["name"] == "X-Purpose"
    assert AuditRecord.objects.count() == before


def test_traceparent_is_accepted_and_propagated(world, api):
    trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    response = api("regisseur").get(
        f"/api/v1/addresses/{world.addresses['A1'].uuid}", HTTP_TRACEPARENT=f"00-{trace}-00f067aa0ba902b7-01"
    )
    assert response["traceparent"].startswith(f"00-{trace}-")
    log = ProcessingLogRecord.objects.filter(trace_id=trace)
    assert log.exists() and AuditRecord.objects.filter(trace_id=trace, action="address.read").count() == 1
    assert all(r.parent_span_id == response["traceparent"].split("-")[2] for r in log)
    # The data subject is pseudonymised: the address UUID never appears in the log.
    assert not ProcessingLogRecord.objects.filter(data_subject_id=str(world.addresses["A1"].uuid)).exists()


def test_not_visible_read_is_audited_as_denied(world, api):
    api("wijkagent").get(f"/api/v1/addresses/{world.addresses['A2'].uuid}")
    record = AuditRecord.objects.order_by("-id").first()
    assert (record.action, record.result, record.actor) == ("address.read.denied", "denied", "wijkagent")


def test_orm_refuses_update_and_delete(world):
    audit.audit_record(actor=world.users["regisseur"], action="test.write")
    record = AuditRecord.objects.order_by("-id").first()
    record.reason = "changed"
    for attempt in (
        record.save,
        record.delete,
        lambda: AuditRecord.objects.all().delete(),
        lambda: AuditRecord.objects.update(reason="x"),
        lambda: ProcessingLogRecord.objects.all().delete(),
    ):
        with pytest.raises(AppendOnlyError):
            attempt()
    # Deleting the actor cannot cascade: the records hold no foreign keys.
    assert not [f for f in AuditRecord._meta.get_fields() if f.is_relation]
    assert not [f for f in ProcessingLogRecord._meta.get_fields() if f.is_relation]


def test_database_triggers_refuse_update_and_delete(world, monkeypatch):
    audit.audit_record(actor=world.users["regisseur"], action="test.write")
    monkeypatch.setitem(audit._guard, "relaxed_for_test_databases", False)
    for sql in ("UPDATE access_auditrecord SET reason = 'x'", "DELETE FROM access_auditrecord"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditRecord.objects.filter(action="test.write").exists()


def _disable_triggers(cursor):
    if connection.vendor == "postgresql":
        cursor.execute("ALTER TABLE access_auditrecord DISABLE TRIGGER USER")
    else:
        cursor.execute("DROP TRIGGER access_auditrecord_no_update")


def test_chain_verifier_detects_an_edited_row(world, api):
    api("regisseur").get(f"/api/v1/addresses/{world.addresses['A1'].uuid}")
    audit.audit_record(actor=world.users["regisseur"], action="test.write", reason="origineel")
    call_command("audit", "verify")
    target = AuditRecord.objects.get(reason="origineel")
    with connection.cursor() as cursor:
        _disable_triggers(cursor)  # the attacker has database rights; DDL is rolled back with the test
        cursor.execute("UPDATE access_auditrecord SET reason = 'vervalst' WHERE id = %s", [target.id])
    breaks = audit.chain_verify()
    assert [(b.table, b.row_id) for b in breaks] == [("access_auditrecord", target.id)]
    with pytest.raises(CommandError, match="Chain broken"):
        call_command("audit", "verify")
