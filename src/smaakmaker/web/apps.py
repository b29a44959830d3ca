# SPDX-License-Identifier: EUPL-1.2
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class WebConfig(AppConfig):
    name = "smaakmaker.web"
    label = "web"
    verbose_name = _("Web")


#: Django 5.2's admin has column headers that its own Dutch catalogue does not translate yet (read by
#: screen readers on /beheer/); listed here so that makemessages keeps them in ours, which comes first.
ADMIN_STRINGS = (
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
)
