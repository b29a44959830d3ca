# SPDX-License-Identifier: EUPL-1.2
"""A refused permission that remembers which permission it was, so that the 403 page can say which
roles may do this (issue 16, point 5: "a page that says who can, not a bare 403")."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied


class PermissionMissing(PermissionDenied):
    def __init__(self, permission: str, message: str = ""):
        super().__init__(message or permission)
        self.permission = permission


def permission_required(
    permission: str | list[str] | tuple[str, ...], login_url=None, raise_exception: bool = True
):
    """Like Django's decorator of that name (used under ``login_required``; one permission or all of a
    list), but the refusal carries the (first missing) permission."""
    permissions = (permission,) if isinstance(permission, str) else tuple(permission)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            for needed in permissions:
                if not request.user.has_perm(needed):
                    raise PermissionMissing(needed)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
