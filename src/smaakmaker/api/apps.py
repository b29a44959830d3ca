# SPDX-License-Identifier: EUPL-1.2
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "smaakmaker.api"
    label = "api"
    verbose_name = _("API")

    def ready(self):
        from django.core.servers import basehttp
        from django.db import models
        from rest_framework import serializers

        from smaakmaker.api.fields import UtcDateTimeField, install_strict_input

        # Date-times in API answers in UTC with Z, for every model date-time a ModelSerializer maps.
        serializers.ModelSerializer.serializer_field_mapping[models.DateTimeField] = UtcDateTimeField
        # Every field takes exactly what the OpenAPI document says (no coercion, text checked as sent).
        install_strict_input()
        # No Server header from the development server (`smaakmaker runserver`, scripts/run): wsgiref
        # writes ``Server: WSGIServer/0.2 CPython/3.x`` only when its handler has a ``server_software``
        # (a documented attribute of wsgiref.handlers.BaseHandler, meant to be set by subclasses). The
        # header is added after every middleware has run, so a middleware cannot strip it. gunicorn
        # always sends ``Server: gunicorn``: the reverse proxy drops it (docs/api/README.md).
        basehttp.ServerHandler.server_software = None
