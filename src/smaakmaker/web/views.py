# SPDX-License-Identifier: EUPL-1.2
"""Dashboard, accessibility statement and error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_safe

from smaakmaker.access import selectors as access_selectors
from smaakmaker.api.problems import problem_response


@require_safe
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/dashboard.html",
        {
            "memberships": access_selectors.memberships_active(user=request.user),
            "roles": access_selectors.roles_of(user=request.user),
            # why a partner's user sees less, or nothing: covenants of their organisations that ended
            "ended_covenants": access_selectors.covenants_ended_for(user=request.user),
        },
    )


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "web/toegankelijkheid.html")


def _error(request: HttpRequest, status: int, template: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem_response(request, status)
    return render(request, template, status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return _error(request, 400, "400.html")


@requires_csrf_token
def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return _error(request, 403, "403.html")


@requires_csrf_token
def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _error(request, 404, "404.html")


def method_not_allowed(request: HttpRequest, allowed: str = "") -> HttpResponse:
    """The site's 405: problem details for the API, a page for the rest (``Allow`` kept)."""
    if request.path.startswith("/api/"):
        response = problem_response(request, 405)
    else:
        response = render(request, "405.html", status=405)
    if allowed:
        response["Allow"] = allowed
    return response


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem_response(request, 500)
    # No context processors that touch the database: the error may be the database itself.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render({}), status=500)


@requires_csrf_token
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(request, 403, "403_csrf.html")
