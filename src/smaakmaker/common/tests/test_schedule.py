# SPDX-License-Identifier: EUPL-1.2
"""Scheduled jobs (conf/schedule.py), the recovery of work whose worker died, and what the privacy
officer sees. Tasks run inline here (ImmediateBackend); the fault tests run a real worker process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from smaakmaker.access.audit import audit_record
from smaakmaker.common import background
from smaakmaker.common.models import RunStatus, ScheduledRun, WorkerBeat
from smaakmaker.common.schedule import failed_alerts, schedule_tick, scheduled_run_task, slot_of
from smaakmaker.conf.schedule import SCHEDULE, job_named

pytestmark = pytest.mark.django_db


def test_slots_are_counted_from_midnight_utc():
    job = job_named("retention")
    assert job.hours == 24
    assert slot_of(job, datetime(2026, 3, 4, 17, 5, tzinfo=UTC)) == datetime(2026, 3, 4, tzinfo=UTC)


def test_a_tick_runs_each_job_once_per_slot(demo_users):
    created = schedule_tick()
    assert {run.job for run in created} == {job.name for job in SCHEDULE if job.hours}
    runs = {run.job: run for run in ScheduledRun.objects.all()}
    assert runs["audit_verify"].status == RunStatus.OK, runs["audit_verify"].message
    assert runs["audit_verify"].summary["ok"] is True
    assert runs["retention"].status == RunStatus.OK and "signals_deleted" in runs["retention"].summary
    assert schedule_tick() == []  # the same slot: nothing new
    later = schedule_tick(now=timezone.now() + timedelta(days=1))
    assert len(later) == len(created)


def _break_the_chain():
    audit_record(actor=None, action="test.one", object_type="x", object_id="1")
    audit_record(actor=None, action="test.two", object_type="x", object_id="2")
    with connection.cursor() as cursor:  # an attacker with database rights (DDL rolled back with the test)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE access_auditrecord DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM access_auditrecord WHERE action = 'test.one'")


def test_failed_verification_alerts_the_privacy_role_only(signed_in):
    _break_the_chain()
    schedule_tick()
    run = ScheduledRun.objects.get(job="audit_verify")
    assert run.status == RunStatus.FAILED and "Keten verbroken" in run.message
    assert {job.name for job, _ in failed_alerts()} == {
        "audit_verify",
        "log_retention",
    }  # neither purges a broken chain
    page = signed_in("privacy").get(reverse("web:dashboard")).content.decode()
    assert 'data-job="audit_verify"' in page and "Controle van het audit- en verwerkingslog" in page
    other = signed_in("regisseur").get(reverse("web:dashboard")).content.decode()
    assert 'data-testid="job-alert"' not in other


def test_privacy_officer_sees_the_last_results(signed_in):
    schedule_tick()
    page = signed_in("privacy").get(reverse("access:maintenance")).content.decode()
    assert "Geplande taken en hun resultaten" in page
    for job in SCHEDULE:
        assert f'data-job="{job.name}"' in page
    assert "Ketens intact" in page
    assert 'data-testid="no-worker"' in page  # no worker heartbeat in this test
    assert signed_in("regisseur").get(reverse("access:maintenance")).status_code == 403


def _lost_task(worker_id: str, *, attempts: int) -> DBTaskResult:
    """A queue row left 'running' by a worker process that no longer exists."""
    run = ScheduledRun.objects.create(job="retention", slot=timezone.now(), status=RunStatus.RUNNING)
    WorkerBeat.objects.create(
        worker_id=worker_id,
        hostname=background.socket.gethostname(),
        pid=2**22 + 7,  # no such process
        started_at=timezone.now(),
        seen_at=timezone.now(),
    )
    return DBTaskResult.objects.create(
        args_kwargs={"args": [run.pk], "kwargs": {}},
        task_path=scheduled_run_task.module_path,
        backend_name="default",
        run_after=timezone.now(),
        status="RUNNING",
        started_at=timezone.now(),
        worker_ids=[f"w{i}" for i in range(attempts - 1)] + [worker_id],
    )


def test_a_task_whose_worker_died_is_retried_then_failed_with_a_reason():
    first = _lost_task("dead-1", attempts=1)
    assert background.recover_lost() == [str(first.pk)]
    first.refresh_from_db()
    run = ScheduledRun.objects.get(pk=first.args_kwargs["args"][0])
    assert first.status == "READY" and run.status == RunStatus.QUEUED  # retried

    second = _lost_task("dead-2", attempts=2)
    background.recover_lost()
    second.refresh_from_db()
    run = ScheduledRun.objects.get(pk=second.args_kwargs["args"][0])
    assert second.status == "FAILED" and second.exception_class_path == background.LOST_EXCEPTION
    assert run.status == RunStatus.FAILED and "achtergrondverwerker stopte" in run.message


def test_a_live_worker_keeps_its_task():
    row = _lost_task("alive", attempts=1)
    WorkerBeat.objects.filter(worker_id="alive").update(pid=background.os.getpid())
    assert background.recover_lost() == []
    row.refresh_from_db()
    assert row.status == "RUNNING"
