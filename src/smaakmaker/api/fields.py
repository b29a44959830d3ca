# SPDX-License-Identifier: EUPL-1.2
"""Serializer fields of the API plumbing."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from django.utils import timezone
from rest_framework import serializers


class UtcDateTimeField(serializers.DateTimeField):
    """A date-time answered in UTC with ``Z`` (NL API Design Rules /core/date-time), e.g.
    ``2026-12-06T09:30:00.123456Z``, whatever ``TIME_ZONE`` the pages use (Europe/Amsterdam).

    Input is parsed as DRF does (an offset is kept; a value without one is read in ``TIME_ZONE``).
    Every ``models.DateTimeField`` of a ``ModelSerializer`` maps to this field (``ApiConfig.ready``);
    declare date-times explicitly with this class, not with ``serializers.DateTimeField``.
    """

    def to_representation(self, value):
        # DRF converts to the active time zone, then writes +00:00 as Z
        with timezone.override(UTC):
            return super().to_representation(value)


def iso_utc(value: datetime | None) -> str | None:
    """``value`` as ISO 8601 in UTC with ``Z`` (for answers built without a serializer)."""
    if value is None:
        return None
    if timezone.is_aware(value):
        value = value.astimezone(UTC)
        return value.isoformat().replace("+00:00", "Z")
    return value.isoformat()


# --- Strict input ----------------------------------------------------------------------------------
#
# DRF is lenient with input: a CharField takes 12 for "12", a BooleanField takes 0, 1, "yes" and "off",
# an IntegerField takes "12" and 12.0, a UUIDField takes an integer and hex without hyphens, a DateField
# takes "20240101", and a CharField trims the spaces around a value *before* it checks the value's
# length and pattern ("  " is then refused as blank although it has a character, " BU0363FD04 " passes
# a pattern that has no room for spaces). The OpenAPI document says what a field takes (``type``,
# ``format``, ``minLength``, ``pattern``), and the API is to take exactly that (NL API Design Rules,
# strict input; schemathesis checks both directions). ``install_strict_input`` (``ApiConfig.ready``)
# makes every DRF field of every API serializer take exactly what the document says:
#
# * JSON bodies: a string field only a JSON string, a boolean only ``true``/``false``, an integer only a
#   JSON integer, a number only a JSON number (never a boolean for either).
# * Query strings (``QuerySerializer``, where every value is text): an integer is ``-?[0-9]+``, a
#   boolean ``true`` or ``false``, a number a JSON number literal.
# * Both: a UUID in its canonical form (8-4-4-4-12 hex digits), a date as ``YYYY-MM-DD``, a choice as
#   one of its values (text, not a number that prints like one).
# * Text is checked as sent: a field that may not be blank must contain a character that is not white
#   space (documented as ``pattern: \S`` next to ``minLength: 1``, ``AutoSchema``), and lengths and
#   patterns apply to the value as sent. The spaces around the text are removed afterwards
#   (``trim_whitespace``), so nothing is stored with them.

UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", re.ASCII)
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
QUERY_INTEGER_RE = re.compile(r"-?[0-9]+", re.ASCII)
QUERY_NUMBER_RE = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?", re.ASCII)
QUERY_BOOLEANS = {"true": True, "false": False}
#: The pattern that documents "not blank": at least one character that is not white space.
NOT_BLANK_PATTERN = r"\S"
#: White space as that pattern means it (ECMAScript's ``\s``, the OpenAPI document's regex dialect):
#: narrower than Python's ``str.isspace`` (which also counts U+0085, U+001C-U+001F as white space).
ECMA_WHITE_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


def in_query(field: serializers.Field) -> bool:
    """Whether ``field`` reads a query string or form data (text only) rather than a JSON body; a form's
    serializer says ``text_input = True``."""
    from smaakmaker.api.query import QuerySerializer

    return isinstance(field.root, QuerySerializer) or getattr(field.root, "text_input", False)


def _is_json_integer(data) -> bool:
    return isinstance(data, int) and not isinstance(data, bool)


def _check_boolean(field, data):
    if in_query(field):
        if data not in QUERY_BOOLEANS:
            field.fail("invalid", input=data)
        return QUERY_BOOLEANS[data]
    if not isinstance(data, bool):
        field.fail("invalid", input=data)
    return data


def _check_integer(field, data):
    if in_query(field):
        if not (isinstance(data, str) and QUERY_INTEGER_RE.fullmatch(data)):
            field.fail("invalid")
    elif not _is_json_integer(data):
        field.fail("invalid")
    return data


def _check_number(field, data):
    if in_query(field):
        if not (isinstance(data, str) and QUERY_NUMBER_RE.fullmatch(data)):
            field.fail("invalid")
    elif isinstance(data, bool) or not isinstance(data, int | float):
        field.fail("invalid")
    return data


def _check_uuid(field, data):
    if not (isinstance(data, str) and UUID_RE.fullmatch(data)):
        field.fail("invalid", value=data)
    return data


def _check_date(field, data):
    if not (isinstance(data, str) and DATE_RE.fullmatch(data)):
        field.fail("invalid", format="YYYY-MM-DD")
    return data


def _check_choice(field, data):
    if not (data == "" and field.allow_blank):
        kinds = {type(value) for value in field.choices}
        if kinds <= {str} and not isinstance(data, str):
            field.fail("invalid_choice", input=data)
    return data


def _check_text(field, data):
    if not isinstance(data, str):
        field.fail("invalid")
    return data


def _strict(cls, check, *, converts: bool = False) -> None:
    """Put ``check`` in front of ``cls.to_internal_value`` (``converts``: its result is what DRF
    converts further, e.g. ``"true"`` from a query string to ``True``)."""
    original = cls.to_internal_value
    if getattr(original, "strict", False):
        return

    def to_internal_value(self, data):
        checked = check(self, data)
        if converts:
            return checked
        return original(self, data)

    to_internal_value.strict = True
    to_internal_value.__doc__ = original.__doc__
    cls.to_internal_value = to_internal_value


def _text_run_validation(self, data=serializers.empty):
    """``CharField.run_validation``, checking the text as sent (see above) and trimming it afterwards."""
    if isinstance(data, str) and not data.strip(ECMA_WHITE_SPACE):  # "" or white space only
        if not self.allow_blank:
            self.fail("blank")
        return ""
    value = serializers.Field.run_validation(self, data)
    if self.trim_whitespace and isinstance(value, str):
        value = value.strip(ECMA_WHITE_SPACE)
    return value


def _text_to_internal_value(self, data):
    return str(_check_text(self, data))


_text_run_validation.strict = True


def install_strict_input() -> None:
    """Make DRF's fields take exactly what the OpenAPI document says (see above). Idempotent."""
    if getattr(serializers.CharField.run_validation, "strict", False):
        return
    serializers.CharField.run_validation = _text_run_validation
    serializers.CharField.to_internal_value = _text_to_internal_value
    _text_to_internal_value.strict = True
    _strict(serializers.BooleanField, _check_boolean, converts=True)
    _strict(serializers.IntegerField, _check_integer)
    _strict(serializers.FloatField, _check_number)
    _strict(serializers.DecimalField, _check_number)
    _strict(serializers.UUIDField, _check_uuid)
    _strict(serializers.DateField, _check_date)
    _strict(serializers.ChoiceField, _check_choice)
