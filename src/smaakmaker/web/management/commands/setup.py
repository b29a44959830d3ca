# SPDX-License-Identifier: EUPL-1.2
"""``smaakmaker setup``: what ``scripts/run`` does after migrating.

With the demo on (``SMAAKMAKER_DEMO``, the default outside production) it loads the demo. Without it the
instance starts empty but for a first beheerder: when none exists yet the command asks for one on the
console (``createadmin``; with ``--beheerder NAME --password-from-env VAR`` without asking), else it says
how to make one. The beheerder signs in and finds the first-run page (``/eerste-start/``).

Why on the console and not a set-up form in the web: whoever can start the server can already make an
account; a web form that makes the first account would be open to whoever reaches the address first,
and a one-time token would have to be printed where logs keep it.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from smaakmaker.common.models import InstanceStart


def first_admin_exists() -> bool:
    return get_user_model().objects.filter(is_superuser=True, is_active=True).exists()


class Command(BaseCommand):
    help = "Load the demo, or (SMAAKMAKER_DEMO=0) make sure the empty instance has a first beheerder."

    def add_arguments(self, parser):
        parser.add_argument(
            "--beheerder", metavar="NAME", help="User name of the first beheerder (without the demo)."
        )
        parser.add_argument(
            "--password-from-env",
            metavar="VARIABLE",
            help="Read the first beheerder's password from this environment variable instead of asking.",
        )

    def handle(self, *args, beheerder, password_from_env, **options):
        _migrated()
        if settings.DEMO:
            if beheerder or password_from_env:
                raise CommandError(
                    "--beheerder en --password-from-env horen bij een instantie zonder demo, maar de demo "
                    "staat aan: zet SMAAKMAKER_DEMO=0 (zoals scripts/run --zonder-demo doet). Er is niets "
                    "geladen."
                )
            call_command("demo", stdout=self.stdout, stderr=self.stderr)
            return
        # Marked before anything else: from now on the demo is refused in this database (smaakmaker demo).
        if not InstanceStart.objects.filter(without_demo=True).exists():
            InstanceStart.objects.create(without_demo=True)
        url = "de pagina Eerste start (/eerste-start/)"
        if first_admin_exists():
            self.stdout.write(f"Zonder demo. Een beheerder bestaat al; na het inloggen volgt {url}.")
            return
        interactive = sys.stdin.isatty()
        if not beheerder and interactive:
            beheerder = input("Er is nog geen beheerder. Gebruikersnaam van de eerste beheerder: ").strip()
        if not beheerder:
            self.stdout.write(
                "Zonder demo: er is nog geen beheerder. Maak de eerste met\n"
                "    .venv/bin/smaakmaker createadmin NAAM\n"
                f"en log daarna in; dan volgt {url}."
            )
            return
        if not password_from_env and not interactive:
            raise CommandError("Give --password-from-env VARIABLE, or run this on a console to be asked.")
        extra = {"password_from_env": password_from_env} if password_from_env else {}
        call_command("createadmin", beheerder, stdout=self.stdout, stderr=self.stderr, **extra)
        self.stdout.write(f"Log in als {beheerder}; daarna volgt {url}.")


def _migrated() -> None:
    """Bring the database up to date first when it is not (a new data folder: ``setup`` run on its own,
    as the README shows for an instance without the demo, rather than after ``scripts/run``'s migrate)."""
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=0)
