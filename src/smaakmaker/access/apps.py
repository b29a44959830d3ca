# SPDX-License-Identifier: EUPL-1.2
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "smaakmaker.access"
    label = "access"
    verbose_name = _("Access and covenant")

    def ready(self) -> None:
        from smaakmaker.access import audit, signals
        from smaakmaker.access.api import schema  # noqa: F401 - registers the OpenAPI auth extensions

        signals.connect()
        audit.connect_sqlite_guard()
