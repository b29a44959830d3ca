# SPDX-License-Identifier: EUPL-1.2
"""Query parameters of the API: camelCase names, and nothing undeclared.

* ``QuerySerializer`` declares a view's query parameters with Python (snake_case) field names and
  publishes them in lower camelCase (``buurt_code`` is ``?buurtCode=``; NL API Design Rules
  /core/naming-query-keys); ``validated_data`` keeps the Python names.
* A view declares its query parameters with ``query_serializer`` (for GET and HEAD); when it pages
  (``smaakmaker.api.pagination.Pages``), it takes ``page`` and ``pageSize`` too: DRF list views on GET and
  HEAD, other views for the methods they name in ``paged_methods`` (a search pages its POST). ``allowed_query_parameters`` is that declaration;
  ``StrictQueryMiddleware`` answers every other query parameter with 400 problem details naming it, before
  the view runs, whoever asks; the OpenAPI document is generated from the same declaration
  (``smaakmaker.api.schema.AutoSchema``), and a test holds the two equal for every operation.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from rest_framework import serializers

SAFE_METHODS = frozenset({"GET", "HEAD"})


def camel(name: str) -> str:
    """``buurt_code`` -> ``buurtCode``."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


CAMEL_RE = re.compile(r"^[a-z][a-zA-Z0-9]*$")


class QuerySerializer(serializers.Serializer):
    """Query parameters: fields are declared in snake_case and named in camelCase on the wire.

    The query is validated as a plain mapping (its last value per key), not as form input: DRF reads an
    empty form value of an optional field as absent, so ``?q=`` would pass although the document says a
    value has at least one character; here it is refused like any other invalid value."""

    def __init__(self, instance=None, data=serializers.empty, **kwargs):
        if hasattr(data, "dict") and callable(data.dict):  # a QueryDict
            data = data.dict()
        super().__init__(instance, data=data, **kwargs)

    def get_fields(self):
        fields = {}
        for name, field in super().get_fields().items():
            key = camel(name)
            if key != name and field.source is None:
                field.source = name
            fields[key] = field
        return fields


def paged_methods(view_class) -> frozenset[str]:
    """The methods whose answer ``view_class`` pages: ``paged_methods`` where the view says (a search
    that pages its POST), else GET and HEAD of a DRF list view."""
    from rest_framework.mixins import ListModelMixin

    declared = getattr(view_class, "paged_methods", None)
    if declared is not None:
        return frozenset(declared)
    if issubclass(view_class, ListModelMixin) and getattr(view_class, "pagination_class", None) is not None:
        return SAFE_METHODS
    return frozenset()


def allowed_query_parameters(view_class, method: str) -> set[str]:
    """The query parameters ``view_class`` takes for ``method`` (upper case)."""
    from smaakmaker.api.pagination import Pages

    names: set[str] = set()
    query = getattr(view_class, "query_serializer", None)
    if query is not None and method in SAFE_METHODS:
        names |= set(query().fields)
    if method in paged_methods(view_class):
        names |= set(Pages.query_names)
    return names


def unknown_query_errors(view_class, method: str, keys) -> dict[str, list[str]]:
    """``invalidParams``-style errors for every key ``view_class`` does not take."""
    allowed = allowed_query_parameters(view_class, method)
    unknown = sorted(set(keys) - allowed)
    if not unknown:
        return {}
    if allowed:
        reason = _("Unknown query parameter; this operation takes: %(names)s.") % {
            "names": ", ".join(sorted(allowed))
        }
    else:
        reason = _("Unknown query parameter; this operation takes none.")
    return {key: [reason] for key in unknown}
