# SPDX-License-Identifier: EUPL-1.2
"""The machinery of scheduled work (the jobs themselves are declared in ``conf/schedule.py``).

:func:`schedule_tick` (called by every ``smaakmaker worker`` every few seconds) creates one
:class:`ScheduledRun` per job and slot and enqueues :data:`scheduled_run_task` in the same transaction;
a unique constraint on (job, slot) makes sure two workers never start the same slot twice.
"""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django_tasks import task

from smaakmaker.common.background import durable, enqueue
from smaakmaker.common.models import RunStatus, ScheduledRun
from smaakmaker.conf.schedule import SCHEDULE, ScheduledJob, job_named

log = structlog.get_logger(__name__)


def slot_of(job: ScheduledJob, now: datetime) -> datetime:
    """The start of the job's current slot: ``hours``-wide slots counted from midnight UTC."""
    width = job.hours * 3600
    seconds = int(now.timestamp())
    return datetime.fromtimestamp(seconds - seconds % width, tz=UTC)


def run_create(*, job: ScheduledJob, slot: datetime) -> ScheduledRun | None:
    """Create the run of a slot and put it on the queue; None when the slot already has one."""
    try:
        with transaction.atomic():
            run = ScheduledRun.objects.create(job=job.name, slot=slot)
            enqueue(scheduled_run_task, run.pk)
    except IntegrityError:
        return None
    return run


def schedule_tick(*, now: datetime | None = None) -> list[ScheduledRun]:
    """Start every job whose current slot has no run yet; returns the runs created."""
    now = now or timezone.now()
    created = []
    for job in SCHEDULE:
        if job.hours <= 0:
            continue
        slot = slot_of(job, now)
        if ScheduledRun.objects.filter(job=job.name, slot=slot).exists():
            continue
        run = run_create(job=job, slot=slot)
        if run is not None:
            created.append(run)
            log.info("schedule_run_created", job=job.name, slot=slot.isoformat())
    return created


def run_now(*, name: str) -> ScheduledRun:
    """Start a job outside its schedule (on the queue, like a scheduled run)."""
    job = job_named(name)
    if job is None:
        raise LookupError(name)
    run = run_create(job=job, slot=timezone.now())
    if run is None:  # the same microsecond twice: practically impossible
        raise IntegrityError(name)
    return run


def run_execute(*, run_id: int) -> ScheduledRun:
    """Run one scheduled run: mark it running, call the job, store its summary or its failure."""
    run = ScheduledRun.objects.get(pk=run_id)
    started = ScheduledRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now(), progress=0.05
    )
    if not started:
        return run
    job = job_named(run.job)
    try:
        if job is None:
            raise LookupError(f"no scheduled job named {run.job!r} (conf/schedule.py)")
        with translation.override(settings.LANGUAGE_CODE):  # messages are stored in the UI language
            summary = import_string(job.function)() or {}
        ok = summary.get("ok", True) is not False
        ScheduledRun.objects.filter(pk=run_id).update(
            status=RunStatus.OK if ok else RunStatus.FAILED,
            progress=1.0,
            finished_at=timezone.now(),
            summary=summary,
            message=str(summary.get("message", ""))[:2000],
        )
        log.info("schedule_run_finished", job=run.job, ok=ok)
    except Exception as exc:  # noqa: BLE001 - a failed run is reported, never left "running"
        log.exception("schedule_run_failed", job=run.job)
        ScheduledRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED,
            progress=1.0,
            finished_at=timezone.now(),
            message=f"{type(exc).__name__}: {exc}"[:2000],
        )
    run.refresh_from_db()
    return run


def _run_abandoned(run_id: int, *, retry: bool, reason: str) -> None:
    if retry:
        ScheduledRun.objects.filter(pk=run_id).update(status=RunStatus.QUEUED, progress=0.0, started_at=None)
    else:
        ScheduledRun.objects.filter(pk=run_id).exclude(status__in=[RunStatus.OK, RunStatus.FAILED]).update(
            status=RunStatus.FAILED, progress=1.0, finished_at=timezone.now(), message=reason
        )


@durable(attempts=2, abandoned=_run_abandoned)
@task()
def scheduled_run_task(run_id: int) -> str:
    return run_execute(run_id=run_id).status


def last_runs() -> list[tuple[ScheduledJob, ScheduledRun | None]]:
    """Each declared job with its latest run (for the privacy officer's page)."""
    latest = {}
    for run in ScheduledRun.objects.filter(job__in=[job.name for job in SCHEDULE]).order_by(
        "job", "-slot", "-id"
    ):
        latest.setdefault(run.job, run)
    return [(job, latest.get(job.name)) for job in SCHEDULE]


def workers_seen() -> list:
    """The background workers with a recent heartbeat (none: scheduled jobs are not running)."""
    from datetime import timedelta

    from smaakmaker.common.background import BEAT_STALE_SECONDS
    from smaakmaker.common.models import WorkerBeat

    since = timezone.now() - timedelta(seconds=BEAT_STALE_SECONDS)
    return list(WorkerBeat.objects.filter(seen_at__gte=since).order_by("started_at"))


def failed_alerts() -> list[tuple[ScheduledJob, ScheduledRun]]:
    """Jobs marked ``alert`` whose latest finished run failed (shown on the privacy role's dashboard)."""
    alerts = []
    for job in SCHEDULE:
        if not job.alert:
            continue
        run = (
            ScheduledRun.objects.filter(job=job.name, status__in=[RunStatus.OK, RunStatus.FAILED])
            .order_by("-finished_at", "-id")
            .first()
        )
        if run is not None and run.status == RunStatus.FAILED:
            alerts.append((job, run))
    return alerts
