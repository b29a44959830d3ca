# SPDX-License-Identifier: EUPL-1.2
"""``smaakmaker worker``: run the background queue (django-tasks-db's worker), with a heartbeat, the
recovery of work whose worker died, and the schedule (``conf/schedule.py``).

``scripts/run`` starts one beside the web server; in production run it as its own service, one or more
(each claims tasks with a row lock). Stop it with SIGTERM or Ctrl+C: it finishes the running task first.
"""

from __future__ import annotations

import contextlib
import time

import structlog
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.db.utils import DatabaseError
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from smaakmaker.common import background

log = structlog.get_logger(__name__)


class SmaakmakerWorker(Worker):
    """The database worker, restarted after a database error instead of exiting."""

    def run(self) -> None:
        while self.running:
            try:
                super().run()
                return
            except DatabaseError as exc:
                log.warning("background_worker_database", error=str(exc)[:200])
                with contextlib.suppress(DatabaseError):
                    connection.close()
                time.sleep(max(self.interval, 1.0) * 2)
                close_old_connections()

    def run_task(self, db_task_result) -> None:
        super().run_task(db_task_result)
        if db_task_result.status == "FAILED":  # e.g. stopped by a second Ctrl+C: bring its row in line
            background.task_failed(db_task_result)


class Command(BaseCommand):
    help = "Run background jobs from the queue and the schedule (stop with Ctrl+C or SIGTERM)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between looks at an empty queue."
        )
        parser.add_argument("--no-schedule", action="store_true", help="Do not start scheduled jobs.")
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then stop.")
        parser.add_argument("--worker-id", default="", help="Unique id (default: random).")

    def handle(self, *args, **options):
        worker_id = options["worker_id"] or get_random_string(32)
        background.beat_register(worker_id=worker_id)
        keeper = background.Keeper(worker_id=worker_id, schedule=not options["no_schedule"])
        if options["batch"]:
            keeper.tick()
        else:
            keeper.start()
        self.stdout.write(f"Background worker {worker_id} started.")
        worker = SmaakmakerWorker(
            queue_names=["*"],
            interval=options["interval"],
            batch=options["batch"],
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            keeper.stopping.set()
            with contextlib.suppress(DatabaseError):
                background.beat_remove(worker_id=worker_id)
