# SPDX-License-Identifier: EUPL-1.2
"""``smaakmaker restore FILE``: put a backup made by ``smaakmaker backup`` in place (stop the app first).

The file is checked (integrity, a Smaakmaker database) before anything changes; a database that exists
already is replaced only with ``--force``. Afterwards: ``smaakmaker migrate`` and ``smaakmaker audit
verify``. PostgreSQL: ``pg_restore`` (docs/operations.md).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from smaakmaker.common.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore the embedded SQLite database from a backup (stop the web server and worker first)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A backup written by `smaakmaker backup`.")
        parser.add_argument("--force", action="store_true", help="Replace an existing database.")

    def handle(self, *args, **options):
        try:
            count = backup_restore(source=Path(options["file"]), force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored {options['file']} ({count} audit records). Next: smaakmaker migrate, smaakmaker audit verify."
        )
