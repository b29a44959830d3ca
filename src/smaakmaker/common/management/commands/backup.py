# SPDX-License-Identifier: EUPL-1.2
"""``smaakmaker backup FILE``: a consistent copy of the embedded SQLite database while it runs.

PostgreSQL: ``pg_dump`` (docs/operations.md).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from smaakmaker.common.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the embedded SQLite database with SQLite's online backup (the app may keep running)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup file to write (must not exist).")

    def handle(self, *args, **options):
        try:
            count = backup_create(target=Path(options["file"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backup written to {options['file']} ({count} audit records, integrity checked).")
