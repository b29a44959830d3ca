# SPDX-License-Identifier: EUPL-1.2
"""``smaakmaker audit verify``: recompute the hash chains of the audit and processing logs."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from smaakmaker.access.audit import chain_verify
from smaakmaker.access.models import AuditRecord, ProcessingLogRecord


class Command(BaseCommand):
    help = "Verify the hash chains of the audit log and the processing log (detects edited rows)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **options):
        breaks = chain_verify()
        audit_count, log_count = AuditRecord.objects.count(), ProcessingLogRecord.objects.count()
        if breaks:
            for item in breaks[:50]:
                self.stderr.write(f"{item.table} row {item.row_id}: {item.problem}")
            raise CommandError(f"Chain broken: {len(breaks)} problem(s) found.")
        self.stdout.write(f"Chains intact: {audit_count} audit records, {log_count} processing-log records.")
