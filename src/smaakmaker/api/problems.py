# SPDX-License-Identifier: EUPL-1.2
"""Errors as ``application/problem+json`` (RFC 9457), shaped after the NL API Design Rules."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"

TITLES = {
    400: gettext_noop("Invalid input."),
    401: gettext_noop("Not authenticated."),
    403: gettext_noop("Forbidden."),
    404: gettext_noop("Not found."),
    405: gettext_noop("Method not allowed."),
    406: gettext_noop("Not acceptable."),
    409: gettext_noop("Conflict."),
    413: gettext_noop("Request too large."),
    415: gettext_noop("Unsupported media type."),
    429: gettext_noop("Too many requests."),
    500: gettext_noop("Internal server error."),
    503: gettext_noop("Service temporarily unavailable; try again shortly."),
}


class Conflict(exceptions.ValidationError):
    """409: the request is well-formed but conflicts with the current state of the resource (a covenant
    that is no longer a draft, a proposal that is stale, an idempotency key used for another body).

    Like a validation error it names the fields in ``invalidParams``; the state, not the input, is what
    the client has to look at (re-read the resource, then decide)."""

    status_code = 409
    default_detail = gettext_noop("The request conflicts with the current state of the resource.")
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    """413: the request body is larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (``SMAAKMAKER_MAX_REQUEST_BYTES``)."""

    status_code = 413
    default_code = "too_large"

    def __init__(self):
        super().__init__(body_limit_detail())


def body_limit_detail() -> str:
    return _("The request body is larger than %(limit)s bytes; send less per request.") % {
        "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    }


def problem_body(
    *, status: int, detail: str | None = None, instance: str = "", **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"https://httpstatuses.io/{status}"
        if status not in TITLES
        else f"urn:smaakmaker:problem:{status}",
        "title": _(TITLES.get(status, HTTPStatus(status).phrase)),
        "status": status,
        "detail": detail or _(TITLES.get(status, HTTPStatus(status).phrase)),
        "instance": instance,
    }
    body.update(extra)
    return body


#: The name in ``invalidParams`` of an error of a whole object (DRF's ``NON_FIELD_ERRORS_KEY``).
NON_FIELD_ERRORS = "nonFieldErrors"
#: Other names for it: DRF's and Django's defaults, as code outside the serializers may still use them.
NON_FIELD_ERRORS_ALIASES = frozenset({"non_field_errors", "__all__"})


def _flatten_errors(data: Any, prefix: str = "") -> list[dict[str, str]]:
    """Turn DRF's nested error structure into ``invalidParams`` entries with dotted field names; an error
    of the whole body is named ``nonFieldErrors``, one of a nested object or list by its field (an empty
    ``grants`` list is ``grants``, not ``grants.nonFieldErrors``)."""
    params: list[dict[str, str]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key == NON_FIELD_ERRORS or key in NON_FIELD_ERRORS_ALIASES:
                name = prefix or NON_FIELD_ERRORS  # of a nested object or list: named by its field
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            params.extend(_flatten_errors(value, name))
    elif isinstance(data, list):
        if all(isinstance(item, exceptions.ErrorDetail | str) for item in data):
            for item in data:
                params.append(
                    {
                        "name": prefix or NON_FIELD_ERRORS,
                        "code": getattr(item, "code", "invalid"),
                        "reason": str(item),
                    }
                )
        else:
            for index, item in enumerate(data):
                params.extend(_flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        params.append(
            {
                "name": prefix or NON_FIELD_ERRORS,
                "code": getattr(data, "code", "invalid"),
                "reason": str(data),
            }
        )
    return params


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler returning problem details for every error."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):  # Django's limit hit while DRF read the body
        exc = PayloadTooLarge()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    request = context.get("request")
    instance = request.get_full_path() if request is not None else ""
    status = response.status_code
    if isinstance(exc, exceptions.ValidationError):
        body = problem_body(
            status=status,
            detail=_(Conflict.default_detail)
            if isinstance(exc, Conflict)
            else _("One or more fields are invalid."),
            instance=instance,
            invalidParams=_flatten_errors(exc.detail),
        )
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else None
        body = problem_body(status=status, detail=str(detail) if detail else None, instance=instance)
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_response(
    request: HttpRequest, status: int, detail: str | None = None, invalid: dict[str, list[str]] | None = None
) -> JsonResponse:
    """A problem response for errors raised outside DRF views (URL not found, server error, an unknown
    query parameter); ``invalid`` names fields as a ``ValidationError`` would."""
    extra = {}
    if invalid:
        detail = detail or _("One or more fields are invalid.")
        extra["invalidParams"] = _flatten_errors(
            {
                name: [exceptions.ErrorDetail(reason, code="unknown") for reason in reasons]
                for name, reasons in invalid.items()
            }
        )
    return JsonResponse(
        problem_body(status=status, detail=detail, instance=request.get_full_path(), **extra),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )
