# SPDX-License-Identifier: EUPL-1.2
"""The ``smaakmaker`` console script: Django's management commands underneath.

Examples: ``smaakmaker demo``, ``smaakmaker createadmin``, ``smaakmaker migrate``,
``smaakmaker runserver``, ``smaakmaker configdocs``.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smaakmaker.conf.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["smaakmaker", *argv])
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
