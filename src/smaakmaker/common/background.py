# SPDX-License-Identifier: EUPL-1.2
"""Background work for the embedded default: a thread started after the transaction commits.

The work stores its own progress on a database row that the page polls
(``web/static/smaakmaker/progress.js``), so no separate worker process is needed. Moving this onto a
django-tasks database queue only changes this function.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection, transaction


def run_after_commit(work: Callable[[], None], *, name: str, inline: bool = False) -> None:
    """Run ``work`` in a daemon thread once the current transaction commits (``inline``: right now)."""
    if inline:
        work()
        return

    def target() -> None:
        try:
            work()
        finally:
            connection.close()

    transaction.on_commit(lambda: threading.Thread(target=target, name=name, daemon=True).start())
