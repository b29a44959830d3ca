# SPDX-License-Identifier: EUPL-1.2
"""Security headers on every response, including error responses."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control


class SecurityHeadersMiddleware:
    """CSP, nosniff, referrer policy, permissions policy; ``no-store`` on anything not static.

    Placed first in MIDDLEWARE so that it also sees the responses built for exceptions.
    Pages and API responses may hold personal data, so only static assets may be cached.
    """

    PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.setdefault("X-Content-Type-Options", "nosniff")
        response.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY)
        response.setdefault("Permissions-Policy", self.PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if not request.path.startswith(settings.STATIC_URL):
            patch_cache_control(response, no_store=True, private=True)
        return response


class MethodNotAllowedMiddleware:
    """Django's bare 405 (``require_safe``, ``require_POST`` …) as the site's 405 page, or as problem
    details under /api/. DRF's own 405 responses are already problem details and pass unchanged."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed) and not response.content:
            if request.method == "GET" and not request.path.startswith("/api/"):
                # a refresh or bookmark of a page that only takes a form's POST: back to the page it
                # belongs to (the nearest enclosing URL), not a dead end
                return HttpResponseRedirect(enclosing_page(request.path))
            from smaakmaker.web.views import method_not_allowed

            return method_not_allowed(request, response.get("Allow", ""))
        return response


def enclosing_page(path: str) -> str:
    """The nearest URL above ``path`` that names a page (``/plannen/<uuid>/fase/`` -> ``/plannen/<uuid>/``)."""
    parts = [p for p in path.split("/") if p]
    while parts:
        parts.pop()
        candidate = "/" + "".join(f"{p}/" for p in parts)
        try:
            resolve(candidate)
        except Resolver404:
            continue
        return candidate
    return "/"
