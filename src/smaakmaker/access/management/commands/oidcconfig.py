# SPDX-License-Identifier: EUPL-1.2
"""``smaakmaker oidcconfig ISSUER``: the endpoint variables from the provider's discovery document."""

from __future__ import annotations

import requests
from django.core.management.base import BaseCommand, CommandError

from smaakmaker.access.discovery import discovery_url, settings_from_discovery


class Command(BaseCommand):
    help = (
        "Read ISSUER/.well-known/openid-configuration and print the SMAAKMAKER_OIDC_* endpoint variables "
        "for the environment (warnings on stderr). Client id and secret come from the provider's admin."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "issuer", help="The provider's issuer, e.g. https://login.example.nl/realms/gemeente"
        )

    def handle(self, *args, issuer, **options):
        url = discovery_url(issuer)
        try:
            response = requests.get(url, timeout=15)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise CommandError(f"Could not read {url}: {exc}") from exc
        if not isinstance(document, dict):
            raise CommandError(f"{url} is not a discovery document (a JSON object).")
        lines, warnings = settings_from_discovery(document, issuer=issuer)
        for line in lines:
            self.stdout.write(line)
        for warning in warnings:
            self.stderr.write(f"warning: {warning}")
