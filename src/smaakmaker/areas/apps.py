# SPDX-License-Identifier: EUPL-1.2
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AreasConfig(AppConfig):
    name = "smaakmaker.areas"
    label = "areas"
    verbose_name = _("Areas")

    def ready(self) -> None:
        # The access policy reads which covenant areas are unions of whole CBS areas (it imports no domain).
        from smaakmaker.access import policies
        from smaakmaker.areas.selectors import custom_area_unions

        policies.custom_area_unions = custom_area_unions
