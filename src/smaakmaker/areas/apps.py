# SPDX-License-Identifier: EUPL-1.2
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AreasConfig(AppConfig):
    name = "smaakmaker.areas"
    label = "areas"
    verbose_name = _("Areas")
