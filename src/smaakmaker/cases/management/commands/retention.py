# SPDX-License-Identifier: EUPL-1.2
"""``smaakmaker retention``: delete or anonymise data whose retention period has passed.

``smaakmaker worker`` runs the same work daily (``conf/schedule.py``, job ``retention``); this command
runs it by hand.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from smaakmaker.cases.services import retention_run


class Command(BaseCommand):
    help = "Apply the retention periods of the processing activities (legal holds are skipped)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be purged.")

    def handle(self, *args, **options):
        report = retention_run(dry_run=options["dry_run"])
        prefix = "Would purge" if options["dry_run"] else "Purged"
        self.stdout.write(
            f"{prefix}: {report.signals_deleted} signals deleted, {report.signals_anonymised} anonymised, "
            f"{report.cases_anonymised} cases anonymised, {report.residents_deleted} residents deleted; "
            f"{report.held} under legal hold."
        )
