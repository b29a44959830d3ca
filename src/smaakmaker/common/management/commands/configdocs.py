# SPDX-License-Identifier: EUPL-1.2
"""``smaakmaker configdocs``: write (or check) docs/config.md from the declared variables."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from smaakmaker.conf.env import render_markdown


class Command(BaseCommand):
    help = "Write docs/config.md from the environment variables declared in smaakmaker.conf.env."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Fail when docs/config.md is out of date.")

    def handle(self, *args, check, **options):
        target = Path(settings.PROJECT_DIR) / "docs" / "config.md"
        text = render_markdown()
        if check:
            if not target.exists() or target.read_text() != text:
                raise CommandError("docs/config.md is out of date: run `smaakmaker configdocs`.")
            self.stdout.write("docs/config.md is up to date.")
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        self.stdout.write(f"Wrote {target}.")
