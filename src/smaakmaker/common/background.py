# SPDX-License-Identifier: EUPL-1.2
"""Background work on one database-backed queue (django-tasks with django-tasks-db's backend).

Every long job is a django-tasks task, enqueued with :func:`enqueue` in the caller's transaction (the
queue row commits or rolls back with the job's own row) and run by ``smaakmaker worker``: the
database worker of django-tasks-db plus a heartbeat, the recovery of work whose worker died and the
schedule (``conf/schedule.py``). ``scripts/run`` starts one beside the web server; production runs it
as its own process (docs/operations.md). The work stores its own progress on its own row (scheduler
run, evaluation, scheduled run), which the page polls (``web/static/smaakmaker/progress.js``).

A worker killed in the middle of a task (``kill -9``, power loss) leaves a queue row "running" with
that worker's id. :func:`recover_lost` finds such rows (the worker's process is gone or its heartbeat
stopped) and retries the task while it has attempts left, else marks it failed with a reason; each
task's ``abandoned`` handler brings its own row in line (back to queued, or failed with the reason).
The data a task writes is written in one transaction, so a killed task leaves nothing half written.

Tests run tasks inline with django-tasks' ImmediateBackend (the root conftest.py); the fault tests
run a real worker process.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import structlog
from django.db import close_old_connections, connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

log = structlog.get_logger(__name__)

#: Seconds between two heartbeats of a worker.
BEAT_SECONDS = 5.0
#: A worker whose heartbeat is older than this counts as gone (another host, or a hung process).
BEAT_STALE_SECONDS = 60.0

LOST_EXCEPTION = "smaakmaker.common.background.WorkerLost"


class WorkerLost(RuntimeError):
    """The worker running a task stopped before the task finished."""


@dataclass(frozen=True)
class Durable:
    """How a task survives the loss of its worker."""

    attempts: int
    abandoned: Callable[..., None] | None


#: task module path -> its survival rules (filled by :func:`durable`)
DURABLE: dict[str, Durable] = {}


def durable(*, attempts: int = 2, abandoned: Callable[..., None] | None = None):
    """Declare how often a task runs at most when its worker dies, and the handler that brings the
    task's own row in line: ``abandoned(*args, retry=bool, reason=str, **kwargs)``."""

    def register(task):
        DURABLE[task.module_path] = Durable(attempts=max(1, attempts), abandoned=abandoned)
        return task

    return register


def requeue_or_fail(unfinished, *, retry: bool, reason: str, queued: str, failed: str, **on_fail) -> None:
    """An ``abandoned`` handler's usual work for an upload row (status, progress, step, message,
    finished_at): back in the queue, or failed with ``reason`` and ``on_fail`` (e.g. the file emptied)."""
    if retry:
        unfinished.update(status=queued, progress=0.0, step="opnieuw in de wachtrij")
    else:
        unfinished.update(
            status=failed,
            progress=1.0,
            step="gestopt",
            message=reason,
            finished_at=timezone.now(),
            **on_fail,
        )


def enqueue(task, *args, **kwargs):
    """Put a task on the queue in the current transaction (the ImmediateBackend of tests runs it now)."""
    return task.enqueue(*args, **kwargs)


def lost_message() -> str:
    from django.conf import settings
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override(settings.LANGUAGE_CODE):
        return gettext(
            "The background worker stopped during this job (for example because its process was "
            "killed or the server restarted); nothing of it was stored."
        )


# --- the worker's heartbeat and the recovery of lost work -----------------------------------------


def beat_register(*, worker_id: str) -> None:
    from smaakmaker.common.models import WorkerBeat

    now = timezone.now()
    WorkerBeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:200],
            "pid": os.getpid(),
            "started_at": now,
            "seen_at": now,
        },
    )


def beat(*, worker_id: str) -> None:
    from smaakmaker.common.models import WorkerBeat

    if not WorkerBeat.objects.filter(worker_id=worker_id).update(seen_at=timezone.now()):
        beat_register(worker_id=worker_id)


def beat_remove(*, worker_id: str) -> None:
    from smaakmaker.common.models import WorkerBeat

    WorkerBeat.objects.filter(worker_id=worker_id).delete()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _worker_gone(worker_id: str, beats: dict, now) -> bool:
    row = beats.get(worker_id)
    if row is None:
        return True
    if row.hostname == socket.gethostname()[:200] and not _process_alive(row.pid):
        return True
    return (now - row.seen_at).total_seconds() > BEAT_STALE_SECONDS


def recover_lost() -> list[str]:
    """Retry or fail the tasks whose worker is gone; returns the ids of the tasks handled."""
    from django_tasks_db.models import DBTaskResult

    from smaakmaker.common.models import WorkerBeat

    now = timezone.now()
    grace = now - timedelta(seconds=BEAT_STALE_SECONDS)
    handled = []
    running = list(DBTaskResult.objects.filter(status="RUNNING"))
    if not running:
        return handled
    beats = {b.worker_id: b for b in WorkerBeat.objects.all()}
    for row in running:
        worker_id = row.worker_ids[-1] if row.worker_ids else ""
        if worker_id not in beats and row.started_at and row.started_at > grace:
            continue  # a worker that has not registered yet (or a plain db_worker): give it time
        if not _worker_gone(worker_id, beats, now):
            continue
        handled.append(str(row.id))
        _recover_one(row.pk, now=now)
    # Heartbeats of workers that are gone are no longer needed.
    for worker_id in list(beats):
        if _worker_gone(worker_id, beats, now) and (now - beats[worker_id].seen_at).total_seconds() > 3600:
            WorkerBeat.objects.filter(worker_id=worker_id).delete()
    return handled


def _recover_one(pk, *, now) -> None:
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        row = DBTaskResult.objects.select_for_update().filter(pk=pk, status="RUNNING").first()
        if row is None:
            return
        try:
            row.task  # noqa: B018 - imports the task's module, which registers its rules
        except Exception:  # noqa: BLE001 - a task that no longer imports is failed below
            log.warning("background_task_unknown", task=row.task_path)
        rules = DURABLE.get(row.task_path, Durable(attempts=1, abandoned=None))
        retry = len(row.worker_ids) < rules.attempts
        reason = lost_message()
        args = row.args_kwargs.get("args", [])
        kwargs = row.args_kwargs.get("kwargs", {})
        if rules.abandoned is not None:
            rules.abandoned(*args, retry=retry, reason=reason, **kwargs)
        if retry:
            DBTaskResult.objects.filter(pk=pk).update(status="READY", started_at=None)
        else:
            DBTaskResult.objects.filter(pk=pk).update(
                status="FAILED",
                finished_at=now,
                exception_class_path=LOST_EXCEPTION,
                traceback=reason,
            )
    log.warning(
        "background_task_lost", task=row.task_path, id=str(pk), retry=retry, attempts=len(row.worker_ids)
    )


def task_failed(row) -> None:
    """A task ended with an exception its own code did not handle: fail its row with a reason."""
    rules = DURABLE.get(row.task_path)
    if rules is None or rules.abandoned is None:
        return
    args = row.args_kwargs.get("args", [])
    kwargs = row.args_kwargs.get("kwargs", {})
    try:
        rules.abandoned(*args, retry=False, reason=lost_message(), **kwargs)
    except DatabaseError:
        log.exception("background_task_failed_unrecorded", task=row.task_path)


class Keeper(threading.Thread):
    """The worker's second thread: heartbeat, recovery of lost work and the schedule."""

    def __init__(self, *, worker_id: str, schedule: bool = True, every: float = BEAT_SECONDS):
        super().__init__(name="smaakmaker-keeper", daemon=True)
        self.worker_id = worker_id
        self.schedule = schedule
        self.every = every
        self.stopping = threading.Event()

    def tick(self) -> None:
        beat(worker_id=self.worker_id)
        recover_lost()
        if self.schedule:
            from smaakmaker.common.schedule import schedule_tick

            schedule_tick()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                close_old_connections()
                self.tick()
            except DatabaseError as exc:  # the database is away: try again on the next tick
                log.warning("background_keeper_database", error=str(exc)[:200])
                connection.close()
            except Exception:  # noqa: BLE001 - the keeper must keep beating
                log.exception("background_keeper_failed")
            self.stopping.wait(self.every)
        connection.close()
