# SPDX-License-Identifier: EUPL-1.2
"""Dashboard, accessibility statement and error pages."""

from __future__ import annotations

import sys

from django.contrib.auth.decorators import login_required
from django.db.utils import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_safe

from smaakmaker.access import selectors as access_selectors
from smaakmaker.api.problems import problem_response
from smaakmaker.common.schedule import failed_alerts


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
            # the privacy role: a scheduled check (audit-chain verification, log retention) that failed
            "job_alerts": failed_alerts() if request.user.has_perm("access.view_auditrecord") else [],
        },
    )


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "web/toegankelijkheid.html")


@require_safe
def method(request: HttpRequest) -> HttpResponse:
    """The public method page: how areas are scored, the rules and estimators, what the software never does."""
    from smaakmaker.areas.selectors import method_facts
    from smaakmaker.web import algoritmeregister
    from smaakmaker.web import method as facts

    first, last = facts.loaded_years()
    return render(
        request,
        "web/method.html",
        {
            **method_facts(),
            "indicator_rows": facts.indicator_rows(),
            "first_year": first,
            "last_year": last,
            "kentering_text": facts.kentering_text(),
            "alert_rules": facts.alert_rule_texts(),
            "coherence_rules": facts.coherence_rules(),
            "estimators": facts.estimators(),
            "never": facts.NEVER,
            "algorithms": facts.ALGORITHMS,
            "standard_version": algoritmeregister.STANDARD_VERSION,
            "standard_source": algoritmeregister.STANDARD_SOURCE,
        },
    )


def _algorithm_or_404(slug: str) -> dict:
    from smaakmaker.web import method as facts

    if slug not in facts.ALGORITHMS_BY_SLUG:
        raise Http404
    return facts.algorithm_record(slug)


@require_safe
def algorithms_json(request: HttpRequest) -> HttpResponse:
    """Every algorithm in the fields of the Algoritmeregister publicatiestandaard, as one JSON list."""
    from smaakmaker.web import method as facts

    return JsonResponse(facts.algorithm_records(), safe=False, json_dumps_params={"ensure_ascii": False})


@require_safe
def algorithm_json(request: HttpRequest, slug: str) -> HttpResponse:
    return JsonResponse(_algorithm_or_404(slug), json_dumps_params={"ensure_ascii": False})


@require_safe
def algorithm_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The same record as a printable page, field by field in the order of the standard."""
    from django.utils.safestring import mark_safe

    from smaakmaker.web import algoritmeregister
    from smaakmaker.web import method as facts

    record = _algorithm_or_404(slug)
    rows = []
    for row in facts.field_rows(record):
        field = next(f for f in algoritmeregister.FIELDS if f.name == row["name"])
        value = row["value"]
        # only the standard's own HTML elements occur (``validate`` checks them); everything from the
        # database was escaped when the record was built
        rows.append({**row, "html": mark_safe(value) if field.html and isinstance(value, str) else None})  # noqa: S308
    return render(
        request,
        "web/algorithm.html",
        {
            "record": record,
            "rows": rows,
            "slug": slug,
            "standard_version": algoritmeregister.STANDARD_VERSION,
            "standard_source": algoritmeregister.STANDARD_SOURCE,
        },
    )


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


#: Seconds a client is asked to wait when the database is unavailable (503).
RETRY_AFTER_SECONDS = 5


def database_unavailable(exc: BaseException | None) -> bool:
    """True for errors that mean the database cannot be reached or is busy (PostgreSQL stopped or
    restarting, a broken connection, SQLite locked past its timeout): the request may succeed later."""
    return isinstance(exc, OperationalError | InterfaceError)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    # Called while the exception is being handled: a database that is away or locked is a 503 with
    # Retry-After (the client may try again), not a 500.
    unavailable = database_unavailable(sys.exc_info()[1])
    status = 503 if unavailable else 500
    if request.path.startswith("/api/"):
        response = problem_response(request, status)
    else:
        # No context processors that touch the database: the error may be the database itself.
        from django.template import loader

        template = "503.html" if unavailable else "500.html"
        response = HttpResponse(loader.get_template(template).render({}), status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@requires_csrf_token
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(request, 403, "403_csrf.html")
