# SPDX-License-Identifier: EUPL-1.2
"""Sign-in through the organisation's identity provider (OpenID Connect, mozilla-django-oidc).

The flow is mozilla-django-oidc's (authorization code with PKCE, nonce, state; ID token signature checked
against the provider's keys). What is ours:

- who may come in: ``services.oidc_sign_in`` matches the provider's groups against the beheerder's
  sign-in mappings (``OidcRoleMapping``), links or (where a mapping allows it) makes the account, and sets
  its roles and memberships; anything else is refused with a Dutch page and an audit record;
- the second factor: a sign-in whose ID token asserts multi-factor authentication (``amr``/``acr``,
  ``claims.mfa_asserted``) counts as verified; any other still needs the local TOTP code
  (``middleware.OTPMiddleware``);
- sign-out: RP-initiated logout at the provider's ``end_session_endpoint`` (``end_session_url``);
- the lock-out: the callback is exempt from django-axes (``axes_exempt``), which keeps counting local
  password sign-ins as before.

Everything here is off unless ``SMAAKMAKER_OIDC_CLIENT_ID`` is set (``settings.OIDC_ENABLED``).
"""

from __future__ import annotations

from urllib.parse import urlencode

import requests
import structlog
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from smaakmaker.access.claims import claim_values, mfa_asserted
from smaakmaker.access.middleware import IDP_SIGN_IN_KEY

log = structlog.get_logger(__name__)

#: request attribute set by the callback view (axes exemption, backend guard)
CALLBACK_MARK = "smaakmaker_oidc_callback"
#: request attribute with what the backend learnt: {"mfa": bool}
RESULT_ATTR = "smaakmaker_oidc_result"
#: request attribute with the refusal (``services.OidcRefused``) when the sign-in was refused
REFUSAL_ATTR = "smaakmaker_oidc_refusal"


def axes_exempt(request, credentials=None) -> bool:  # noqa: ARG001  (django-axes' signature)
    """django-axes leaves the OIDC callback alone: the provider checks the credentials and locks out."""
    return bool(getattr(request, CALLBACK_MARK, False))


class OidcBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend with our account rules; answers only our OIDC callback."""

    def authenticate(self, request, **kwargs):
        if request is None or not settings.OIDC_ENABLED or not getattr(request, CALLBACK_MARK, False):
            return None
        return super().authenticate(request, **kwargs)

    def get_or_create_user(self, access_token, id_token, payload):
        """``payload`` is the verified ID token; the userinfo answer adds the profile and groups."""
        from smaakmaker.access.audit import origin_of
        from smaakmaker.access.services import OidcRefused, oidc_sign_in

        user_info = self.get_userinfo(access_token, id_token, payload)
        groups_claim = settings.OIDC_GROUPS_CLAIM
        groups = claim_values(payload, groups_claim)
        groups += [group for group in claim_values(user_info, groups_claim) if group not in groups]
        mfa = mfa_asserted(payload, amr_values=settings.OIDC_MFA_AMR, acr_values=settings.OIDC_MFA_ACR)
        try:
            user = oidc_sign_in(
                issuer=str(payload.get("iss", "")),
                subject=str(payload.get("sub", "")),
                userinfo_subject=str(user_info.get("sub", "")),
                claims={**user_info, **{k: v for k, v in payload.items() if k not in user_info}},
                groups=groups,
                mfa=mfa,
                origin=origin_of(self.request),
            )
        except OidcRefused as refusal:
            setattr(self.request, REFUSAL_ATTR, refusal)
            raise SuspiciousOperation(f"OIDC sign-in refused: {refusal.code}") from refusal
        setattr(self.request, RESULT_ATTR, {"mfa": mfa})
        return user

    # mozilla-django-oidc's e-mail matching is not used: accounts are found by issuer and sub.
    def filter_users_by_claims(self, claims):  # pragma: no cover - not called (get_or_create_user above)
        return self.UserModel.objects.none()


def _refusal_page(request: HttpRequest, refusal) -> HttpResponse:
    return render(
        request,
        "access/oidc_refused.html",
        {"refusal": refusal, "message": refusal.message},
        status=403,
    )


class OidcSignInView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider (``/oidc/inloggen/``); 404 while OIDC is off."""

    def get(self, request):
        if not settings.OIDC_ENABLED:
            raise Http404
        return super().get(request)


class OidcCallbackView(OIDCAuthenticationCallbackView):
    """The provider sends the browser back here (``/oidc/callback/``, the redirect URI)."""

    def get(self, request):
        from smaakmaker.access.services import OidcRefused, oidc_refusal_record

        if not settings.OIDC_ENABLED:
            raise Http404
        setattr(request, CALLBACK_MARK, True)
        try:
            return super().get(request)
        except requests.RequestException as exc:
            log.warning("oidc_provider_unreachable", error_type=type(exc).__name__)
            refusal = OidcRefused("provider_error", detail=type(exc).__name__)
        except (
            SuspiciousOperation
        ) as exc:  # an unknown or used state: the back button, a second tab, a replay
            log.warning("oidc_callback_refused", reason=str(exc)[:100])
            refusal = OidcRefused("failed", detail=str(exc)[:100])
        oidc_refusal_record(refusal=refusal, request=request)
        return _refusal_page(request, refusal)

    def login_success(self):
        response = super().login_success()
        result = getattr(self.request, RESULT_ATTR, {})
        self.request.session[IDP_SIGN_IN_KEY] = {"user": self.user.pk, "mfa": bool(result.get("mfa"))}
        return response

    def login_failure(self):
        from smaakmaker.access.services import OidcRefused, oidc_refusal_record

        refusal = getattr(self.request, REFUSAL_ATTR, None)
        if refusal is None:  # refused before our rules were reached; theirs is in the audit log already
            error = self.request.GET.get("error", "")
            refusal = OidcRefused("provider_error" if error else "failed", detail=error[:100])
            oidc_refusal_record(refusal=refusal, request=self.request)
        return _refusal_page(self.request, refusal)


def end_session_url(request: HttpRequest) -> str:
    """Where sign-out sends the browser: the provider's end-session endpoint (RP-initiated logout) when the
    session came from the provider and the endpoint is configured, else our sign-in page.

    Also mozilla-django-oidc's ``OIDC_OP_LOGOUT_URL_METHOD``.
    """
    after = request.build_absolute_uri(reverse(settings.LOGOUT_REDIRECT_URL))
    endpoint = settings.OIDC_OP_END_SESSION_ENDPOINT
    id_token = request.session.get("oidc_id_token")
    if not (settings.OIDC_ENABLED and endpoint and id_token):
        return after
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": after,
            "client_id": settings.OIDC_RP_CLIENT_ID,
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
