# SPDX-License-Identifier: EUPL-1.2
"""When and why a covenant was ended.

On SQLite adding ``end_reason`` (not null, default "") rebuilds the table, which drops its triggers;
the policy-version triggers of migration 0004 are made again for ``access_covenant``.
"""

from django.db import migrations, models

TABLE = "access_covenant"


def sqlite_triggers_restore(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for operation in ("INSERT", "UPDATE", "DELETE"):
            name = f"{TABLE}_policy_{operation.lower()}"
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
            schema_editor.execute(
                f"CREATE TRIGGER {name} AFTER {operation} ON {TABLE} "
                "BEGIN UPDATE access_policyversion SET value = lower(hex(randomblob(16))) WHERE id = 1; END"
            )


def forwards(apps, schema_editor):
    """Covenants ended before this migration: the moment of their last change."""
    Covenant = apps.get_model("access", "Covenant")
    for covenant in Covenant.objects.filter(status="ended", ended__isnull=True):
        Covenant.objects.filter(pk=covenant.pk).update(ended=covenant.updated)
    sqlite_triggers_restore(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0005_lean_indexes"),
    ]

    operations = [
        # going back, the fields are removed (the table rebuilt again) before this restores the triggers
        migrations.RunPython(migrations.RunPython.noop, sqlite_triggers_restore),
        migrations.AddField(
            model_name="covenant",
            name="ended",
            field=models.DateTimeField(blank=True, null=True, verbose_name="ended"),
        ),
        migrations.AddField(
            model_name="covenant",
            name="end_reason",
            field=models.CharField(blank=True, max_length=500, verbose_name="reason for ending"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
