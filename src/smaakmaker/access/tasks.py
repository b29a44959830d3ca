# SPDX-License-Identifier: EUPL-1.2
"""Scheduled work of the access domain (declared in ``conf/schedule.py``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from smaakmaker.access.audit import ChainBrokenError, chain_verify, log_retention_cutoff, logs_purge
from smaakmaker.access.models import AuditRecord, ProcessingLogRecord


def audit_verify_job() -> dict:
    """Recompute both hash chains; a break fails the run, which alerts the privacy role."""
    breaks = chain_verify()
    audit_count, log_count = AuditRecord.objects.count(), ProcessingLogRecord.objects.count()
    if breaks:
        message = _("Chain broken: %(count)d problem(s) found, the first in %(table)s row %(row)d.") % {
            "count": len(breaks),
            "table": breaks[0].table,
            "row": breaks[0].row_id,
        }
    else:
        message = _("Chains intact: %(audit)d audit records, %(log)d processing-log records.") % {
            "audit": audit_count,
            "log": log_count,
        }
    return {
        "ok": not breaks,
        "audit_records": audit_count,
        "log_records": log_count,
        "breaks": [f"{b.table} {b.row_id}: {b.problem}" for b in breaks[:20]],
        "message": message,
    }


def log_retention_job() -> dict:
    """Remove audit and processing-log records past their term, with a signed checkpoint (ADR 16)."""
    cutoff, days = log_retention_cutoff()
    try:
        report = logs_purge(older_than=cutoff)
    except ChainBrokenError as exc:
        return {
            "ok": False,
            "days": days,
            "message": _("Nothing removed: the chains do not verify (%(problem)s).") % {"problem": exc},
        }
    audit = report.removed.get(AuditRecord._meta.db_table, 0)
    log = report.removed.get(ProcessingLogRecord._meta.db_table, 0)
    return {
        "ok": True,
        "days": days,
        "older_than": cutoff.isoformat(),
        "audit_removed": audit,
        "log_removed": log,
        "checkpoints": report.checkpoints,
        "message": _(
            "%(audit)d audit records and %(log)d processing-log records older than %(days)d days removed; "
            "%(checkpoints)d signed checkpoint(s) written."
        )
        % {"audit": audit, "log": log, "days": days, "checkpoints": len(report.checkpoints)},
    }
