# SPDX-License-Identifier: EUPL-1.2
"""Backup and restore of the embedded default (SQLite) with SQLite's online backup API.

The online backup copies a consistent snapshot page by page while the web server and the worker keep
running (WAL mode). A restore checks the file (integrity, a Smaakmaker database) before it replaces the
configured database, through the same API, so a half-copied file never becomes the database.
PostgreSQL: use ``pg_dump``/``pg_restore`` (docs/operations.md).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from django.db import connection

REQUIRED_TABLES = ("django_migrations", "access_auditrecord", "access_processinglogrecord")


class BackupError(Exception):
    """The backup or restore cannot be made; the message says why (nothing was changed)."""


def _require_sqlite() -> Path:
    if connection.vendor != "sqlite":
        raise BackupError(
            "This database is PostgreSQL: back it up with pg_dump and restore it with pg_restore "
            "(docs/operations.md)."
        )
    return Path(connection.settings_dict["NAME"])


def check_file(path: Path) -> int:
    """Integrity and shape of a backup file; returns its number of audit records."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file.")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            problems = db.execute("PRAGMA integrity_check").fetchall()
            if problems != [("ok",)]:
                raise BackupError(f"{path}: the file is damaged ({problems[0][0]}).")
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = [t for t in REQUIRED_TABLES if t not in tables]
            if missing:
                raise BackupError(f"{path}: not a Smaakmaker database (missing {', '.join(missing)}).")
            return db.execute("SELECT count(*) FROM access_auditrecord").fetchone()[0]
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not an SQLite database ({exc}).") from exc


def backup_create(*, target: Path) -> int:
    """Copy the live database to ``target`` (a new file) with the online backup API; returns the number
    of audit records in the copy. The backup is audited (in the copy too)."""
    from smaakmaker.access.audit import Origin, audit_record

    source = _require_sqlite()
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target}: the file exists already; choose a new name.")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    from django.db import transaction

    with transaction.atomic():
        audit_record(
            actor=None,
            action="backup.create",
            object_type="database",
            object_id=source.name,
            reason=f"backup to {target.name}",
            origin=Origin(channel="cli"),
        )
    connection.ensure_connection()
    destination = sqlite3.connect(partial)
    try:
        connection.connection.backup(destination, pages=1024)
    finally:
        destination.close()
    count = check_file(partial)
    os.replace(partial, target)
    return count


def backup_restore(*, source: Path, force: bool = False) -> int:
    """Replace the configured (empty or, with ``force``, existing) database by a checked backup."""
    target = _require_sqlite()
    source = Path(source)
    count = check_file(source)
    connection.close()
    if target.exists() and target.stat().st_size > 0 and not force:
        existing = sqlite3.connect(target)
        try:
            has_tables = existing.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
        finally:
            existing.close()
        if has_tables:
            raise BackupError(
                f"{target} holds a database already; restore into a new instance, or pass --force to replace it."
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    destination = sqlite3.connect(target)
    try:
        origin.backup(destination)
    finally:
        destination.close()
        origin.close()
    return count
