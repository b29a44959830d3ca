# SPDX-License-Identifier: EUPL-1.2
"""``smaakmaker createadmin``: create an application manager (beheerder) with a superuser account."""

from __future__ import annotations

import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from smaakmaker.access.services import user_create


class Command(BaseCommand):
    help = "Create an application manager (role beheerder, superuser). Asks for the password."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-from-env",
            metavar="VARIABLE",
            help="Read the password from this environment variable instead of asking (for automation).",
        )

    def handle(self, *args, username, email, password_from_env, **options):
        import os

        if get_user_model().objects.filter(username=username).exists():
            raise CommandError(f"User {username!r} already exists.")
        if password_from_env:
            password = os.environ.get(password_from_env, "")
            if not password:
                raise CommandError(f"Environment variable {password_from_env} is empty.")
        else:
            password = getpass.getpass("Wachtwoord: ")
            if password != getpass.getpass("Wachtwoord (nogmaals): "):
                raise CommandError("The passwords do not match.")
        try:
            validate_password(password, user=get_user_model()(username=username, email=email))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        user_create(
            username=username,
            password=password,
            email=email,
            roles=["beheerder"],
            organisation=None,
            is_superuser=True,
        )
        self.stdout.write(self.style.SUCCESS(f"Beheerder {username} aangemaakt."))
        self.stdout.write("Bij de eerste keer inloggen in productie stelt u tweestapsverificatie in.")
