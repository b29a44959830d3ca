# SPDX-License-Identifier: EUPL-1.2
"""Signal receivers kept thin: they call services."""

from __future__ import annotations

import time

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from smaakmaker.access.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY


@receiver(user_logged_in)
def _mark_session_start(sender, request, user, **kwargs):  # noqa: ARG001
    now = time.time()
    request.session[SESSION_STARTED_KEY] = now
    request.session[SESSION_SEEN_KEY] = now


def sync_roles_after_migrate(sender, **kwargs):  # noqa: ARG001
    """Sync roles once per migrate, after the last app's permissions exist."""
    from django.apps import apps

    from smaakmaker.access.services import roles_sync

    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender.name != with_models[-1].name:
        return

    roles_sync()


def connect() -> None:
    post_migrate.connect(sync_roles_after_migrate, dispatch_uid="smaakmaker_roles_sync")
