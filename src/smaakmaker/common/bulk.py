# SPDX-License-Identifier: EUPL-1.2
"""Fast appends of many new rows: ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere.

For large append-only writes (signal ingestion, processing-log records), where building an
``INSERT`` with tens of thousands of parameters costs more than the database work itself. The
rows get no primary key back; give them UUIDs.
"""

from __future__ import annotations

from django.db import connection, models
from django.utils import timezone


def insert_values(model: type[models.Model], rows: list[dict], *, batch_size: int = 1000) -> None:
    """Insert new rows given as ``{attname: value}`` (all with the same keys); missing fields get their
    defaults (``auto_now`` fields the current time). On PostgreSQL no model instances are built."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    now = timezone.now()
    missing = {
        f.attname: (now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else None)
        for f in fields
        if f.attname not in rows[0]
    }
    defaults = {f.attname: f for f in fields if f.attname in missing and missing[f.attname] is None}
    if connection.vendor != "postgresql":
        objects = []
        for row in rows:
            values = {**missing, **row}
            for name, field in defaults.items():
                values[name] = field.get_default()
            objects.append(model(**values))
        model._base_manager.bulk_create(objects, batch_size=batch_size)
        return
    for field in fields:
        if isinstance(field, models.JSONField):
            raise ValueError("insert_values does not prepare JSON fields")
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    attnames = [f.attname for f in fields]
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            values = {**missing, **row}
            for name, field in defaults.items():
                values[name] = field.get_default()
            copy.write_row([values[name] for name in attnames])
