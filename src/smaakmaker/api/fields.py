# SPDX-License-Identifier: EUPL-1.2
"""Serializer fields of the API plumbing."""

from __future__ import annotations

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
