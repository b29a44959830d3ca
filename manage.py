#!/usr/bin/env python
# SPDX-License-Identifier: EUPL-1.2
"""Django's manage.py; the same as the ``smaakmaker`` console script."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from smaakmaker.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
