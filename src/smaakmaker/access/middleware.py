# SPDX-License-Identifier: EUPL-1.2
"""Session time-outs and the second-factor requirement."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp.middleware import OTPMiddleware as _DjangoOTPMiddleware

SESSION_STARTED_KEY = "smaakmaker_auth_started"
SESSION_SEEN_KEY = "smaakmaker_last_seen"
#: set at a sign-in through the identity provider: {"user": pk, "mfa": whether the provider asserted MFA}
IDP_SIGN_IN_KEY = "smaakmaker_idp_sign_in"
#: set when an invitation is accepted: {"user": pk}; that session must set up TOTP (access.invitation_views)
INVITATION_SIGN_IN_KEY = "smaakmaker_invitation_sign_in"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class SessionTimeoutMiddleware:
    """Signs a user out after the idle time-out or the absolute time-out, whichever comes first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            started = request.session.get(SESSION_STARTED_KEY, now)
            seen = request.session.get(SESSION_SEEN_KEY, now)
            idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
            absolute = settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
            if now - seen > idle or now - started > absolute:
                logout(request)
                if not _is_api(request):
                    messages.info(request, _("Your session has expired. Please sign in again."))
                    query = urlencode({"next": request.get_full_path()})
                    return HttpResponseRedirect(f"{reverse(settings.LOGIN_URL)}?{query}")
            else:
                request.session[SESSION_STARTED_KEY] = started
                request.session[SESSION_SEEN_KEY] = now
        return self.get_response(request)


class OTPMiddleware(_DjangoOTPMiddleware):
    """django-otp's middleware, plus the second factor asserted by the identity provider.

    A sign-in through the identity provider whose ID token asserts multi-factor authentication (``amr``
    or ``acr``, see ``access.oidc``) counts as verified for that session; one without it must pass the
    local TOTP check, also where ``SMAAKMAKER_OTP_REQUIRED`` is off.
    """

    def _verify_user_sync(self, request, user):
        user = super()._verify_user_sync(request, user)
        _apply_idp_sign_in(request, user)
        return user

    async def _verify_user_async_via_auser(self, request, auser):
        user = await super()._verify_user_async_via_auser(request, auser)
        _apply_idp_sign_in(request, user)
        return user


def _apply_idp_sign_in(request: HttpRequest, user) -> None:
    user.second_factor_required = False
    if not user.is_authenticated or user.otp_device is not None:
        return
    invited = request.session.get(INVITATION_SIGN_IN_KEY)
    if isinstance(invited, dict) and invited.get("user") == user.pk:
        user.second_factor_required = True
        return
    mark = request.session.get(IDP_SIGN_IN_KEY)
    if not isinstance(mark, dict) or mark.get("user") != user.pk:
        return
    if mark.get("mfa"):
        user.is_verified = lambda: True
    else:
        user.second_factor_required = True


def second_factor_needed(user) -> bool:
    """Whether this signed-in user must still pass (or set up) a TOTP check."""
    if not user.is_authenticated or user.is_verified():
        return False
    from django_otp import user_has_device

    return bool(
        settings.OTP_REQUIRED
        or getattr(user, "second_factor_required", False)
        or user_has_device(user, confirmed=True)
    )


class SecondFactorMiddleware:
    """Keeps a signed-in but unverified user on the second-factor pages."""

    ALLOWED_URL_NAMES = ("access:otp_verify", "access:otp_setup", "access:logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and second_factor_needed(user) and not self._allowed(request):
            from django_otp import user_has_device

            target = "access:otp_verify" if user_has_device(user, confirmed=True) else "access:otp_setup"
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse(target)}?{query}")
        return self.get_response(request)

    def _allowed(self, request: HttpRequest) -> bool:
        if _is_api(request) or request.path.startswith(settings.STATIC_URL):
            return True
        return request.path in {reverse(name) for name in self.ALLOWED_URL_NAMES}
