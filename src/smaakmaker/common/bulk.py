# SPDX-License-Identifier: EUPL-1.2
"""Fast appends of many new rows: ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere.

For large append-only writes (signal ingestion, processing-log records), where building an
``INSERT`` with tens of thousands of parameters costs more than the database work itself. The
objects get no primary key back; use their UUIDs.
"""

from __future__ import annotations

from django.db import connection, models


def insert_new(model: type[models.Model], objects: list[models.Model], *, batch_size: int = 1000) -> None:
    """Insert new model instances in the current transaction (``auto_now`` fields are filled in)."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model._base_manager.bulk_create(objects, batch_size=batch_size)
        return
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    prepared = [f for f in fields if isinstance(f, models.JSONField)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    attnames = [f.attname for f in fields]
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objects:
            for field in stamped:
                field.pre_save(obj, add=True)
            for field in prepared:
                setattr(obj, field.attname, field.get_db_prep_save(getattr(obj, field.attname), connection))
            copy.write_row([getattr(obj, name) for name in attnames])
