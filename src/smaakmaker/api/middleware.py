# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

from django.conf import settings


class ApiVersionMiddleware:
    """Adds ``API-Version`` to every API response, errors included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            response["API-Version"] = settings.API_VERSION
        return response


class RequestSizeLimitMiddleware:
    """413 problem details for an API request whose declared body is larger than
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (``SMAAKMAKER_MAX_REQUEST_BYTES``), before anything reads the body.

    Django checks the same limit only when the body is read, for form data without its files, and DRF's
    handling of that exception would answer 400; here every API body counts, multipart uploads
    included. (``problems.exception_handler`` maps Django's ``RequestDataTooBig`` to the same 413.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                from smaakmaker.api.problems import body_limit_detail, problem_response

                return problem_response(request, 413, body_limit_detail())
        return self.get_response(request)


class StrictQueryMiddleware:
    """400 problem details for a query parameter an API operation does not take
    (``smaakmaker.api.query.allowed_query_parameters``), before the view runs: a misspelt filter is an
    error, not silently a wider answer, and nothing rides along in a URL unread. Checked for every caller
    alike (the allowed names are in the public OpenAPI document)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.path.startswith("/api/") or not request.GET:
            return None
        view_class = getattr(view_func, "cls", None) or getattr(view_func, "view_class", None)
        if view_class is None:
            return None
        method = "get" if request.method == "HEAD" else request.method.lower()
        if method == "options" or getattr(view_class, method, None) is None:
            return None  # a method the operation does not have is the view's 405, whatever the query
        from smaakmaker.api.problems import problem_response
        from smaakmaker.api.query import unknown_query_errors

        errors = unknown_query_errors(view_class, request.method, request.GET.keys())
        if errors:
            return problem_response(request, 400, invalid=errors)
        return None
