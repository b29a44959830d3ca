# SPDX-License-Identifier: EUPL-1.2
"""The buurt of a case's address on the case itself, kept in step by database triggers.

A buurt's case list (``selectors.cases_list``) found its cases by probing the case index for every
address of the buurt (about 2,000 on the benchmark's data for some 100 cases); with the buurt on the
case it reads the buurt's cases from one index. The value is never written by the application: the
triggers set it on every insert and update of a case (from its address), and follow the address when
its buurt changes (a BAG import, a boundary import, an edit; by the ORM, ``QuerySet.update`` or raw
SQL alike). On SQLite a later migration that rebuilds ``cases_case`` or ``cases_address`` drops their
triggers and must make them again (``triggers_create``); ``test_case_buurt`` fails when they are gone.
"""

from django.db import migrations, models

PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION smaakmaker_case_buurt() RETURNS trigger AS $$
BEGIN
    NEW.buurt_code := COALESCE((SELECT buurt_code FROM cases_address WHERE id = NEW.address_id), '');
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION smaakmaker_address_buurt_moved() RETURNS trigger AS $$
BEGIN
    UPDATE cases_case SET buurt_code = NEW.buurt_code
     WHERE address_id = NEW.id AND buurt_code IS DISTINCT FROM NEW.buurt_code;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""

PG_TRIGGERS = (
    "CREATE TRIGGER cases_case_buurt BEFORE INSERT OR UPDATE ON cases_case "
    "FOR EACH ROW EXECUTE FUNCTION smaakmaker_case_buurt()",
    "CREATE TRIGGER cases_address_buurt_moved AFTER UPDATE OF buurt_code ON cases_address "
    "FOR EACH ROW WHEN (OLD.buurt_code IS DISTINCT FROM NEW.buurt_code) "
    "EXECUTE FUNCTION smaakmaker_address_buurt_moved()",
)

_ADDRESS_BUURT = "COALESCE((SELECT buurt_code FROM cases_address WHERE id = NEW.address_id), '')"
SQLITE_TRIGGERS = (
    # SQLite cannot change NEW in a BEFORE trigger: the row is corrected right after it is written
    # (recursive triggers are off, and the WHEN clause stops once the value is right).
    "CREATE TRIGGER cases_case_buurt_insert AFTER INSERT ON cases_case "
    f"BEGIN UPDATE cases_case SET buurt_code = {_ADDRESS_BUURT} WHERE id = NEW.id; END",
    "CREATE TRIGGER cases_case_buurt_update AFTER UPDATE ON cases_case "
    f"WHEN NEW.buurt_code IS NOT {_ADDRESS_BUURT} "
    f"BEGIN UPDATE cases_case SET buurt_code = {_ADDRESS_BUURT} WHERE id = NEW.id; END",
    "CREATE TRIGGER cases_address_buurt_moved AFTER UPDATE OF buurt_code ON cases_address "
    "WHEN OLD.buurt_code IS NOT NEW.buurt_code "
    "BEGIN UPDATE cases_case SET buurt_code = NEW.buurt_code WHERE address_id = NEW.id; END",
)
SQLITE_NAMES = ("cases_case_buurt_insert", "cases_case_buurt_update", "cases_address_buurt_moved")


def triggers_create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTIONS, params=None)
        for statement in PG_TRIGGERS:
            schema_editor.execute(statement)
    elif vendor == "sqlite":
        for name in SQLITE_NAMES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)
    # the cases opened before this migration
    schema_editor.execute(
        "UPDATE cases_case SET buurt_code = COALESCE("
        "(SELECT a.buurt_code FROM cases_address a WHERE a.id = cases_case.address_id), '')"
    )


def triggers_drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS cases_case_buurt ON cases_case")
        schema_editor.execute("DROP TRIGGER IF EXISTS cases_address_buurt_moved ON cases_address")
        schema_editor.execute("DROP FUNCTION IF EXISTS smaakmaker_case_buurt()")
        schema_editor.execute("DROP FUNCTION IF EXISTS smaakmaker_address_buurt_moved()")
    elif vendor == "sqlite":
        for name in SQLITE_NAMES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_first_run"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="buurt_code",
            field=models.CharField(
                blank=True, default="", editable=False, max_length=10, verbose_name="buurt code"
            ),
        ),
        migrations.RunPython(triggers_create, triggers_drop),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["buurt_code", "-created"], name="case_buurt_created"),
        ),
    ]
