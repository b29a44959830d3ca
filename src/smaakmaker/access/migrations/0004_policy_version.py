# SPDX-License-Identifier: EUPL-1.2
"""The policy version row and the triggers that renew it on every change to what decides access.

``access.policies.policy_snapshot`` keeps a user's permissions and covenant grants per process for as
long as this value is unchanged (and at most a minute). The triggers fire on every insert, update and
delete in the tables the snapshot is computed from, including changes made with ``QuerySet.update``
or raw SQL, so no code path can change access without renewing the version.
"""

from django.db import migrations, models

TABLES = (
    "auth_user",
    "auth_user_groups",
    "auth_user_user_permissions",
    "auth_group",
    "auth_group_permissions",
    "access_organisation",
    "access_membership",
    "access_covenant",
    "access_covenant_partners",
    "access_processingactivity",
    "access_processinggrant",
    "access_reusedecision",
)

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION smaakmaker_policy_changed() RETURNS trigger AS $$
BEGIN
    UPDATE access_policyversion SET value = md5(random()::text || clock_timestamp()::text) WHERE id = 1;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    schema_editor.execute("INSERT INTO access_policyversion (id, value) VALUES (1, 'initial')")
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_policy_changed AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION smaakmaker_policy_changed()"
            )
        elif vendor == "sqlite":
            for operation in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_policy_{operation.lower()} AFTER {operation} ON {table} "
                    "BEGIN UPDATE access_policyversion SET value = lower(hex(randomblob(16))) WHERE id = 1; END"
                )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_policy_changed ON {table}")
        elif vendor == "sqlite":
            for operation in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_policy_{operation}")


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0003_append_only_triggers"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name="PolicyVersion",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("value", models.CharField(default="initial", max_length=64)),
            ],
            options={"verbose_name": "policy version"},
        ),
        migrations.RunPython(forwards, backwards),
    ]
