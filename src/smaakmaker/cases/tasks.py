# SPDX-License-Identifier: EUPL-1.2
"""Scheduled work of the cases domain (declared in ``conf/schedule.py``; by hand: ``smaakmaker retention``)."""

from __future__ import annotations

from dataclasses import asdict

from django.utils.translation import gettext as _

from smaakmaker.cases.services import retention_run


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
