# SPDX-License-Identifier: EUPL-1.2
"""Background and scheduled work of the cases domain: the import of a partner file (run by ``smaakmaker
worker``; see common/background.py) and retention (declared in ``conf/schedule.py``; by hand:
``smaakmaker retention``)."""

from __future__ import annotations

from dataclasses import asdict

from django.utils.translation import gettext as _
from django_tasks import task

from smaakmaker.cases import address_uploads, partner_files
from smaakmaker.cases.services import retention_run
from smaakmaker.common.background import durable


def retention_job() -> dict:
    """Apply the retention periods (one transaction: all of it or nothing)."""
    report = asdict(retention_run())
    report["message"] = _(
        "%(deleted)d signals deleted, %(anonymised)d anonymised, %(cases)d cases anonymised, "
        "%(residents)d residents deleted; %(held)d under legal hold."
    ) % {
        "deleted": report["signals_deleted"],
        "anonymised": report["signals_anonymised"],
        "cases": report["cases_anonymised"],
        "residents": report["residents_deleted"],
        "held": report["held"],
    }
    return report


@durable(attempts=2, abandoned=partner_files.partner_file_abandoned)
@task()
def partner_file_task(import_id: int) -> str:
    """Import a checked partner file of signals, all or nothing (its progress on its row)."""
    return partner_files.partner_file_execute(import_id=import_id).status


@durable(attempts=2, abandoned=address_uploads.address_upload_abandoned)
@task()
def address_upload_task(upload_id: int) -> str:
    """Import a file of addresses uploaded in the web, all or nothing (its progress on its row)."""
    return address_uploads.address_upload_execute(upload_id=upload_id).status
