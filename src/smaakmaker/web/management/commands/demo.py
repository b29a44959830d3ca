# SPDX-License-Identifier: EUPL-1.2
"""``smaakmaker demo``: load the fictional demo partners, users and data."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from smaakmaker.access.demo import DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = "Load the demo partner organisations and one demo user per role (fictional data)."

    def handle(self, *args, **options):
        if not settings.DEMO:
            raise CommandError("Demo data can only be loaded with SMAAKMAKER_DEMO on (never in production).")
        users = demo_load()
        table = Table(title="Demo log-ins (wachtwoord voor allemaal: " + DEMO_PASSWORD + ")")
        table.add_column("gebruikersnaam")
        table.add_column("rol")
        table.add_column("organisatie")
        for user in users:
            table.add_row(user.username, user.role, user.organisation)
        Console(file=self.stdout._out, width=120).print(table)
