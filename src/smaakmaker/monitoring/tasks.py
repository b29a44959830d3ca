# SPDX-License-Identifier: EUPL-1.2
"""Background tasks of the monitoring domain (run by ``smaakmaker worker``; see common/background.py)."""

from __future__ import annotations

from django_tasks import task

from smaakmaker.common.background import durable
from smaakmaker.monitoring import services


@durable(attempts=2, abandoned=services.evaluation_abandoned)
@task()
def evaluation_task(evaluation_id: int) -> str:
    """Run a queued effect evaluation and store its result (or its Dutch error) on its row."""
    return services.evaluation_execute(evaluation_id=evaluation_id).status
