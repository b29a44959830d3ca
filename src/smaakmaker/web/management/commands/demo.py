# SPDX-License-Identifier: EUPL-1.2
"""``smaakmaker demo``: load the bundled open data and the fictional demo, domain by domain.

Each domain may have a ``demo.py`` with ``demo_load(*, stdout) -> None``; they run in the order of
the data flow (access, areas, cases, plans, monitoring). Every step is idempotent.
"""

from __future__ import annotations

import importlib
import importlib.util

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from smaakmaker.access.demo import DEMO_PASSWORD, DEMO_USERS
from smaakmaker.common.models import InstanceStart

DOMAINS = ("access", "areas", "cases", "plans", "monitoring")


def started_without_demo() -> bool:
    """Whether this database was started without the demo (``smaakmaker setup`` with
    ``SMAAKMAKER_DEMO=0`` leaves :class:`~smaakmaker.common.models.InstanceStart`), or, for a database
    started before that mark existed, holds users but none of the demo's: the gemeente's own data, which
    the fictional demo must never be mixed into."""
    if InstanceStart.objects.filter(without_demo=True).exists():
        return True
    users = get_user_model().objects
    return users.exists() and not users.filter(username__in=[u.username for u in DEMO_USERS]).exists()


class Command(BaseCommand):
    help = "Load the bundled open data and the demo partners, users and data (all fictional)."

    def handle(self, *args, **options):
        if not settings.DEMO:
            raise CommandError("Demo data can only be loaded with SMAAKMAKER_DEMO on (never in production).")
        if started_without_demo():
            raise CommandError(
                "Deze database is zonder demo begonnen (smaakmaker setup met SMAAKMAKER_DEMO=0): de "
                "fictieve demo wordt er niet in geladen. Start deze instantie met scripts/run --zonder-demo "
                "of SMAAKMAKER_DEMO=0. Er is niets geladen."
            )
        console = Console(file=self.stdout._out, width=120)
        for domain in DOMAINS:
            name = f"smaakmaker.{domain}.demo"
            if importlib.util.find_spec(name) is None:
                continue
            importlib.import_module(name).demo_load(stdout=console)
        table = Table(title="Demo log-ins (wachtwoord voor allemaal: " + DEMO_PASSWORD + ")")
        table.add_column("gebruikersnaam")
        table.add_column("rol")
        table.add_column("organisatie")
        for user in DEMO_USERS:
            table.add_row(user.username, user.role, user.organisation)
        console.print(table)
