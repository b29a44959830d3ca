# SPDX-License-Identifier: EUPL-1.2
"""Background tasks of the monitoring domain (run by ``smaakmaker worker``; see common/background.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_tasks import task

from smaakmaker.common.background import durable
from smaakmaker.monitoring import services


@durable(attempts=2, abandoned=services.evaluation_abandoned)
@task()
def evaluation_task(evaluation_id: int) -> str:
    """Run a queued effect evaluation and store its result (or its Dutch error) on its row."""
    return services.evaluation_execute(evaluation_id=evaluation_id).status


def radar_job() -> dict:
    """Scheduled (conf/schedule.py): the kentering radar over every loaded area and year, and the
    repeated evaluation of every approach whose area has new figures."""
    run = services.radar_run(reevaluate=True)
    message = _(
        "%(series)d series scanned, %(flags)d turning points, %(new)d new; %(reevaluated)d evaluations repeated."
    ) % {"series": run.series, "flags": run.flags, "new": run.new_flags, "reevaluated": run.reevaluated}
    return {
        "ok": True,
        "series": run.series,
        "flags": run.flags,
        "new_flags": run.new_flags,
        "reevaluated": run.reevaluated,
        "message": message,
    }
