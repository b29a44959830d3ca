# SPDX-License-Identifier: EUPL-1.2
"""Seed the intervention catalogue with the real Dutch set (entries already present are left alone)."""

from django.db import migrations


def seed(apps, schema_editor):
    from smaakmaker.plans.catalogue import CATALOGUE

    InterventionType = apps.get_model("plans", "InterventionType")
    for spec in CATALOGUE:
        InterventionType.objects.get_or_create(code=spec["code"], defaults=dict(spec))


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
