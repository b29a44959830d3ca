# SPDX-License-Identifier: EUPL-1.2
"""Runs stored before the fix carry the conflicts' texts (which name interventions) in their message, which
every plan reader sees. Rewrite those messages to the count only; the conflicts themselves stay, shown
redacted per user."""

from django.db import migrations

MARK = "afspraken gaan niet samen: "


def forwards(apps, schema_editor):
    SchedulerRun = apps.get_model("plans", "SchedulerRun")
    for run in SchedulerRun.objects.filter(message__contains=MARK).only("pk", "message", "conflicts"):
        run.message = (
            f"Er bestaat geen planning. Deze {len(run.conflicts or [])} afspraken gaan niet samen; "
            "zie de lijst van conflicten."
        )
        run.save(update_fields=["message"])


class Migration(migrations.Migration):
    dependencies = [("plans", "0003_alter_interventionevent_kind")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
