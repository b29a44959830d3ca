# SPDX-License-Identifier: EUPL-1.2
"""``smaakmaker apitoken``: create an organisation-bound API token for a partner system."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from smaakmaker.access.models import Organisation
from smaakmaker.access.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token bound to an organisation, acting as one of its users. Prints the secret once."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="What the token is for, e.g. the partner system.")
        parser.add_argument("--user", required=True, help="User name the token acts as.")
        parser.add_argument("--organisation", required=True, help="Exact organisation name.")
        parser.add_argument("--days", type=int, default=365, help="Validity in days (default 365).")

    def handle(self, *args, name, user, organisation, days, **options):
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"Unknown user {user!r}.")
        org = Organisation.objects.filter(name=organisation).first()
        if org is None:
            raise CommandError(f"Unknown organisation {organisation!r}.")
        try:
            token, secret = api_token_create(name=name, user=account, organisation=org, valid_days=days)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Token {token.prefix} geldig tot {token.expires:%Y-%m-%d}. Geheim (eenmalig getoond):"
        )
        self.stdout.write(secret)
