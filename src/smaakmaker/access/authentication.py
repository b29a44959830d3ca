# SPDX-License-Identifier: EUPL-1.2
"""API authentication: organisation-bound bearer tokens, and verified browser sessions."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from smaakmaker.access.middleware import second_factor_needed
from smaakmaker.access.policies import act_for_organisation
from smaakmaker.access.services import api_token_check
from smaakmaker.access.throttling import ApiLockedOut, api_lockout_wait, api_token_failure_record


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <prefix>.<secret>``; the request acts as the token's user.

    A client address that sent too many wrong tokens is locked out: while it lasts, every bearer
    token from it, right or wrong, gets 429 with ``Retry-After`` (``access.throttling``).
    """

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _sep, raw = header.partition(" ")
        if keyword != self.keyword:
            return None
        locked = api_lockout_wait(request=request)
        if locked is not None:
            raise ApiLockedOut(wait=locked)
        token = api_token_check(raw=raw.strip())
        if token is None:
            locked = api_token_failure_record(request=request)
            if locked is not None:
                raise ApiLockedOut(wait=locked)
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked API token."))
        request.api_token = token
        act_for_organisation(token.user, token.organisation_id)
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """A browser session counts only once its second factor is verified (where required)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, _auth = result
        if second_factor_needed(user):
            return None
        return result
