# SPDX-License-Identifier: EUPL-1.2
"""Retention of the audit and processing log (issue 14 point 4): records past the term are removed by
the scheduled job, the one deliberate and audited exception to append-only; a signed checkpoint keeps the
remaining chain verifiable; an inzage still finds everything within the term."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from smaakmaker.access import audit
from smaakmaker.access.audit import Processing, audit_record, chain_verify, logs_purge, records_for_subject
from smaakmaker.access.models import AppendOnlyError, AuditRecord, LogCheckpoint, ProcessingLogRecord

pytestmark = pytest.mark.django_db


def _delete_as_an_attacker(sql: str, params=()):
    """An attacker with database rights (the triggers' DDL is rolled back with the test)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE access_auditrecord DISABLE TRIGGER USER")
        cursor.execute(sql, params)


NOW = timezone.now()


def _read(subject: str, action: str = "case.read"):
    with transaction.atomic():
        return audit_record(
            actor=None,
            action=action,
            object_type="cases.address",
            object_id=subject,
            processing=[Processing("signalering", "", "address", subject)],
        )


def _history():
    """Reads of one address six and three years ago, and last month."""
    for years, label in ((6, "old"), (3, "mid")):
        with time_machine.travel(NOW - timedelta(days=365 * years), tick=False):
            _read("address-1", action=f"case.read.{label}")
    with time_machine.travel(NOW - timedelta(days=30), tick=False):
        _read("address-1", action="case.read.recent")


def test_purge_removes_the_old_prefix_keeps_the_chain_verifiable_and_inzage_complete():
    _history()
    assert chain_verify() == []
    report = logs_purge(older_than=NOW - timedelta(days=1826))
    assert report.removed == {"access_auditrecord": 1, "access_processinglogrecord": 1}
    assert not AuditRecord.objects.filter(action="case.read.old").exists()
    # inzage: everything within the term is still there
    assert [r.name for r in records_for_subject(subject_type="address", subject_id="address-1")] == [
        "case.read.mid",
        "case.read.recent",
    ]
    assert chain_verify() == []  # verifies from the signed checkpoints
    checkpoints = list(LogCheckpoint.objects.order_by("id"))
    assert [c.table for c in checkpoints] == ["access_auditrecord", "access_processinglogrecord"]
    assert checkpoints[1].previous_signature == checkpoints[0].signature  # a chain of their own
    purge = AuditRecord.objects.get(action="audit.purge")  # the purge itself is audited
    assert "1 audit and 1 processing-log records" in purge.reason
    # New records continue the chain; a second purge continues from the checkpoints.
    _read("address-2")
    logs_purge(older_than=NOW - timedelta(days=365 * 2))
    assert chain_verify() == []
    assert [r.name for r in records_for_subject(subject_type="address", subject_id="address-1")] == [
        "case.read.recent"
    ]


def test_a_forged_checkpoint_or_a_removed_row_after_it_is_found():
    _history()
    logs_purge(older_than=NOW - timedelta(days=1826))
    first_kept = AuditRecord.objects.order_by("id").first()
    _delete_as_an_attacker("DELETE FROM access_auditrecord WHERE id = %s", [first_kept.pk])
    problems = chain_verify()
    assert any(p.table == "access_auditrecord" and "previous hash" in p.problem for p in problems)

    forged = LogCheckpoint.objects.order_by("id").first()
    LogCheckpoint(
        at=forged.at,
        table=forged.table,
        up_to_id=forged.up_to_id + 1,
        removed=forged.removed + 1,
        removed_until=forged.removed_until,
        last_hash=first_kept.hash,
        previous_signature=LogCheckpoint.objects.order_by("-id").first().signature,
        signature="0" * 64,
    ).save()
    assert any(p.table == "access_logcheckpoint" and "signature" in p.problem for p in chain_verify())


def test_a_broken_chain_is_not_purged():
    _history()
    _delete_as_an_attacker("DELETE FROM access_auditrecord WHERE action = 'case.read.mid'")
    with pytest.raises(audit.ChainBrokenError):
        logs_purge(older_than=NOW - timedelta(days=1826))
    assert AuditRecord.objects.filter(action="case.read.old").exists()
    assert not LogCheckpoint.objects.exists()


def test_outside_the_purge_the_logs_and_checkpoints_stay_append_only(monkeypatch):
    _history()
    logs_purge(older_than=NOW - timedelta(days=1826))
    for model in (AuditRecord, ProcessingLogRecord, LogCheckpoint):
        with pytest.raises(AppendOnlyError):
            model.objects.all().delete()
        with pytest.raises(AppendOnlyError):
            model.objects.first().delete()
    monkeypatch.setitem(audit._guard, "relaxed_for_test_databases", False)  # as in production
    for table in ("access_auditrecord", "access_processinglogrecord", "access_logcheckpoint"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608


def test_the_term_is_never_shorter_than_the_longest_retention_of_an_activity(settings, demo_users):
    from smaakmaker.access.models import ProcessingActivity

    settings.LOG_RETENTION_DAYS = 30
    longest = max(ProcessingActivity.objects.values_list("retention_days", flat=True), default=0)
    _cutoff, days = audit.log_retention_cutoff(now=NOW)
    assert days == max(30, longest)


def test_the_scheduled_job_purges_and_reports(settings):
    from smaakmaker.common.schedule import run_now

    _history()
    settings.LOG_RETENTION_DAYS = 1826
    run = run_now(name="log_retention")
    run.refresh_from_db()
    assert run.status == "ok", run.message
    assert run.summary["audit_removed"] == 1 and "ondertekend" in run.message
