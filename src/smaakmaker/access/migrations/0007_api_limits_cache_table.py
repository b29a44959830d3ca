# SPDX-License-Identifier: EUPL-1.2
"""The table of the ``api_limits`` cache (Django's DatabaseCache): API rate limits and lock-outs.

``migrate`` makes it, so ``scripts/run`` and a fresh installation need no separate
``createcachetable``; it is Django's own command, which skips a table that already exists.
"""

from django.core.cache import caches
from django.core.management import call_command
from django.db import migrations

ALIAS = "api_limits"  # smaakmaker.access.throttling.API_LIMITS_CACHE


def create(apps, schema_editor):
    table = caches[ALIAS]._table  # the settings' LOCATION
    call_command("createcachetable", table, database=schema_editor.connection.alias, verbosity=0)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(caches[ALIAS]._table)}")


class Migration(migrations.Migration):
    dependencies = [("access", "0006_covenant_end_reason")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
