# SPDX-License-Identifier: EUPL-1.2
"""Background tasks of the plans domain (run by ``smaakmaker worker``; see common/background.py)."""

from __future__ import annotations

from django_tasks import task

from smaakmaker.common.background import durable
from smaakmaker.plans import services


@durable(attempts=2, abandoned=services.run_abandoned)
@task()
def scheduler_run_task(run_id: int) -> str:
    """Run a queued scheduler run and store its proposal on the run row."""
    return services.run_execute(run_id=run_id).state
