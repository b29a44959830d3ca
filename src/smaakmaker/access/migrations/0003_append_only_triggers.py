# SPDX-License-Identifier: EUPL-1.2
"""Database triggers that refuse UPDATE and DELETE on the audit and processing-log tables.

PostgreSQL: a row trigger raises on UPDATE or DELETE (TRUNCATE is left to the database owner: the
test runner empties tables with it). SQLite: UPDATE always raises; DELETE raises unless the
connection's guard function says otherwise, which it only does for Django's own test databases
(so the test runner can empty them between tests). A connection that does not know the guard
function (the sqlite3 shell, another program) cannot delete either: the trigger fails.
"""

from django.db import migrations

TABLES = ("access_auditrecord", "access_processinglogrecord")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION smaakmaker_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'smaakmaker: % is append-only (% refused)', TG_TABLE_NAME, TG_OP;
END
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(PG_FUNCTION, params=None)
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION smaakmaker_append_only()"
            )
        elif vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'smaakmaker: {table} is append-only'); END"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                "WHEN smaakmaker_audit_locked() "
                f"BEGIN SELECT RAISE(ABORT, 'smaakmaker: {table} is append-only'); END"
            )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")


class Migration(migrations.Migration):
    dependencies = [("access", "0002_covenant_audit")]

    operations = [migrations.RunPython(forwards, backwards)]
