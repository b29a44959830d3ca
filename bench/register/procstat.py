# SPDX-License-Identifier: EUPL-1.2
"""CPU time and memory of the server under test, from /proc (Linux): a gunicorn master with its
workers, and the PostgreSQL backends serving one database.

On a machine shared with other work, requests per second say as much about the neighbours as about
the server; the CPU time the server and its database spend per request does not depend on them (much).
"""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from the state on (3rd field of stat(5))


def cpu_seconds(pid: int) -> float:
    fields = _stat(pid)
    return 0.0 if fields is None else (int(fields[11]) + int(fields[12])) / TICKS


def rss_bytes(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (FileNotFoundError, ProcessLookupError):
        return 0


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def server_pids(master: int) -> list[int]:
    """The gunicorn master and its workers (or a runserver process)."""
    return [master, *children(master)]


def pg_backend_pids(database: str) -> list[int]:
    """The PostgreSQL backends connected to ``database`` (this probe's own connection left out)."""
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database]
        ).fetchall()
    return [row[0] for row in rows]


class CpuProbe:
    """Cumulative CPU seconds of the server's processes and its database backends."""

    def __init__(self, master: int, database: str | None):
        self.master = master
        self.database = database

    def sample(self) -> dict[int, float]:
        pids = server_pids(self.master)
        if self.database:
            pids += pg_backend_pids(self.database)
        return {pid: cpu_seconds(pid) for pid in pids}

    @staticmethod
    def spent(before: dict[int, float], after: dict[int, float]) -> float:
        """CPU seconds between two samples (a process started in between counts from its start)."""
        return sum(max(0.0, value - before.get(pid, 0.0)) for pid, value in after.items())
