# SPDX-License-Identifier: EUPL-1.2
"""Scheduled work: the one place where periodic jobs are declared.

Each job is a plain function (dotted path) that takes no arguments, does its work in its own
transaction(s) and returns a JSON-able summary dict; a summary with ``"ok": False`` (or an exception)
marks the run failed. ``smaakmaker worker`` creates one run per job and slot (every ``hours`` hours,
counted from midnight UTC) and puts it on the queue; the privacy officer sees the last runs at
``/toegang/onderhoud/`` and a failed run of a job with ``alert=True`` on the dashboard.

To add a job: declare its interval variable below (``docs/config.md`` is regenerated with
``smaakmaker configdocs``) and append a :class:`ScheduledJob` to ``SCHEDULE``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from smaakmaker.conf.env import declare


@dataclass(frozen=True)
class ScheduledJob:
    name: str  # stable key, stored on each run
    function: str  # dotted path of ``() -> dict``
    hours: int  # interval; 0 switches the job off
    title: str  # shown to the privacy officer (translated)
    alert: bool = False  # a failed run is shown on the privacy role's dashboard


def _hours(job: str, what: str) -> int:
    return declare(
        f"SMAAKMAKER_SCHEDULE_{job.upper()}_HOURS",
        default=24,
        kind="int",
        help=f"Hours between two scheduled runs of {what} (run by `smaakmaker worker`; 24: daily, "
        "counted from midnight UTC; 0: never).",
    )


SCHEDULE: tuple[ScheduledJob, ...] = (
    ScheduledJob(
        name="retention",
        function="smaakmaker.cases.tasks.retention_job",
        hours=_hours("retention", "the retention of personal data (`smaakmaker retention`)"),
        title=_("Retention of personal data"),
    ),
    ScheduledJob(
        name="audit_verify",
        function="smaakmaker.access.tasks.audit_verify_job",
        hours=_hours("audit_verify", "the verification of the audit and processing-log hash chains"),
        title=_("Verification of the audit and processing log"),
        alert=True,
    ),
    ScheduledJob(
        name="log_retention",
        function="smaakmaker.access.tasks.log_retention_job",
        hours=_hours("log_retention", "the removal of audit and processing-log records past their term"),
        title=_("Retention of the audit and processing log"),
        alert=True,
    ),
    ScheduledJob(
        name="area_scans",
        function="smaakmaker.areas.tasks.scans_refresh_job",
        hours=_hours("area_scans", "the refresh of the area scans"),
        title=_("Refresh of the area scans"),
    ),
    ScheduledJob(
        name="kentering_radar",
        function="smaakmaker.monitoring.tasks.radar_job",
        hours=_hours(
            "kentering_radar",
            "the kentering radar (`smaakmaker monitoring radar`) and the "
            "repeated evaluation of approaches whose area has new figures",
        ),
        title=_("Kentering radar"),
    ),
)


def job_named(name: str) -> ScheduledJob | None:
    return next((job for job in SCHEDULE if job.name == name), None)
