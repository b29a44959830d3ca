# SPDX-License-Identifier: EUPL-1.2
"""Errors of the register. ``field`` names the offending input, for problem details and forms."""

from __future__ import annotations


class RegisterError(ValueError):
    def __init__(self, message: str, *, field: str = "nonFieldErrors", code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class RegisterConflict(RegisterError):
    """The request conflicts with the current state (a status change the case's status does not allow,
    an idempotency key already used for another batch): the API answers 409."""


class BatchError(ValueError):
    """A batch with one or more bad items: nothing was stored. ``errors`` lists (field, code, message)."""

    def __init__(self, errors: list[tuple[str, str, str]]):
        super().__init__(f"{len(errors)} invalid item(s)")
        self.errors = errors


class PurposeMissing(RegisterError):
    pass


class ResidentNameRefused(RegisterError):
    """A free text names a resident under a processing activity that allows no names (logged)."""


class NotPermitted(PermissionError):
    """The user's role has no access to this part of the register (403, whatever exists)."""

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message


class NotVisible(LookupError):
    """The object does not exist or is not visible to this user (both answer 404)."""
