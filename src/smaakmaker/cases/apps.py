# SPDX-License-Identifier: EUPL-1.2
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "smaakmaker.cases"
    label = "cases"
    verbose_name = _("Address register")
