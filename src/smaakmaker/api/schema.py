# SPDX-License-Identifier: EUPL-1.2
"""OpenAPI post-processing: servers and contact, and every operation documents its problem+json error
responses (NL API Design Rules: /core/uri-version, /core/doc-openapi-contact, /core/error-handling)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from smaakmaker.api.fields import NOT_BLANK_PATTERN
from smaakmaker.api.query import SAFE_METHODS, paged_methods


class AutoSchema(openapi.AutoSchema):
    """Query parameters from the view's declaration (``smaakmaker.api.query``), the same the server
    enforces: ``query_serializer`` on GET and HEAD, ``page`` and ``pageSize`` where the view pages."""

    def get_override_parameters(self):
        from smaakmaker.api.pagination import PageQuerySerializer

        params = list(super().get_override_parameters())
        view_class = type(self.view)
        method = self.method.upper()
        query = getattr(view_class, "query_serializer", None)
        if query is not None and method in SAFE_METHODS:
            params.append(query)
        if method in paged_methods(view_class):
            params.append(PageQuerySerializer)
        return params

    def _get_pagination_parameters(self):
        return []  # added above, from the one declaration

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        """Text that may not be blank must contain a character that is not white space
        (``smaakmaker.api.fields``: the server checks the text as sent): ``pattern: \\S`` where the field
        has no pattern, enum or format of its own (those leave no room for white space only; a
        ``RegexValidator``'s pattern is added later, by ``_insert_field_validators``)."""
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and not field.allow_blank
            and not field.read_only
            and not any(isinstance(validator, RegexValidator) for validator in field.validators)
            and isinstance(schema, dict)
            and schema.get("type") == "string"
            and not {"pattern", "enum", "format", "$ref", "oneOf", "anyOf", "allOf"} & set(schema)
        ):
            schema["pattern"] = NOT_BLANK_PATTERN
        if (
            direction == "request"
            and isinstance(field, serializers.ListSerializer)
            and isinstance(schema, dict)
            and schema.get("type") == "array"
        ):  # drf-spectacular leaves out a list of objects' bounds
            minimum = max(field.min_length or 0, 0 if field.allow_empty else 1)
            if minimum:
                schema["minItems"] = minimum
            if field.max_length is not None:
                schema["maxItems"] = field.max_length
        return schema

    def _map_basic_serializer(self, serializer, direction):
        """A request body may name what it needs beyond its fields' own rules: ``required_any``, a list
        of field-name groups of which at least one must be given (``anyOf`` of ``required``), and
        ``required_one``, exactly one of the named fields (``oneOf``)."""
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request":
            any_of = getattr(serializer, "required_any", None)
            one_of = getattr(serializer, "required_one", None)
            if any_of:
                schema["anyOf"] = [{"required": [name]} for name in any_of]
            if one_of:
                schema["oneOf"] = [{"required": [name]} for name in one_of]
        return schema

    def _get_request_for_media_type(self, serializer, direction="request"):
        """A body that must name at least one field (``required_any``, ``required_one``) cannot be left
        out either: the server answers 400 to a missing body, so the document marks it required."""
        schema, required = super()._get_request_for_media_type(serializer, direction)
        if getattr(serializer, "required_any", None) or getattr(serializer, "required_one", None):
            required = True
        return schema, required


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "invalidParams": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "code": {"type": "string"},
                    "reason": {"type": "string"},
                },
                "required": ["name", "code", "reason"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}

ERRORS = {
    "400": "Invalid input; `invalidParams` names the fields.",
    "401": "Not authenticated.",
    "403": "Not allowed.",
    "404": "Not found (also for objects that exist but are not visible to you).",
    "405": "Method not allowed.",
    "406": "Not acceptable: the API answers `application/json` (errors `application/problem+json`) only.",
    "413": "The request body is larger than the limit in the API description.",
    "415": "Unsupported media type: send the body as the `Content-Type` documented for this operation.",
    "500": "Internal server error.",
}
#: Only operations with a request body can be refused for their body's size or media type.
BODY_ERRORS = {"413", "415"}


def stripped_min_length_pattern(minimum: int, *, header: bool = False) -> str:
    """A pattern for "at least ``minimum`` (>= 2) characters once the spaces around the text are removed",
    the check the server makes of a purpose or a reason (``len(value.strip()) >= minimum``).

    For a header (``header=True``) without the surrounding spaces: HTTP removes them from a field value
    (RFC 9110 section 5.5), so a client cannot send them."""
    core = r"\S.{" + str(minimum - 2) + r",}\S"
    return f"^{core}$" if header else r"^\s*" + core + r"\s*$"


def conflict(description: str) -> OpenApiResponse:
    """A documented 409 (problem details naming the fields in ``invalidParams``)."""
    return OpenApiResponse(description=f"Conflict with the current state: {description}")


VERSION_HEADER = {"API-Version": {"schema": {"type": "string"}, "description": "Version of the API."}}


def add_problem_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    reference = {"$ref": "#/components/schemas/Problem"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for response in responses.values():
                response.setdefault("headers", {}).update(VERSION_HEADER)
            for status, response in responses.items():
                if status[0] in "45":  # an error documented by the view itself: problem details too
                    response["content"] = {"application/problem+json": {"schema": dict(reference)}}
            for status, description in ERRORS.items():
                if status in responses:
                    continue
                if status == "400" and "requestBody" not in operation and not operation.get("parameters"):
                    continue
                if status in BODY_ERRORS and "requestBody" not in operation:
                    continue
                if status in {"401", "403"} and operation.get("security") == [{}]:
                    continue
                responses[status] = {
                    "description": description,
                    "headers": VERSION_HEADER,
                    "content": {"application/problem+json": {"schema": reference}},
                }
    return result


def add_servers_and_contact(result, generator, request, public):
    """``servers`` with the major version (paths are relative to it), the contact, and the limits.

    From the settings at generation time: the committed document shows the development defaults (a
    relative server URL), the document an installation serves at /api/v1/openapi.json its own public
    URL and contact.
    """
    public = settings.PUBLIC_URL.rstrip("/")
    # Over https (production requires it) the absolute URL; a development instance on plain http gets
    # the URL relative to the document (/core/transport-security: no API is offered over http).
    url = f"{public}/api/v1" if public.startswith("https://") else "/api/v1"
    result["servers"] = [{"url": url, "description": "This installation"}]
    info = result.setdefault("info", {})
    info["contact"] = {
        "name": settings.API_CONTACT_NAME,
        "email": settings.API_CONTACT_EMAIL,
        "url": settings.API_CONTACT_URL or settings.PUBLIC_URL,
    }
    info["description"] = (
        info.get("description", "").rstrip()
        + f"\n\nA request body may be at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes "
        "(`SMAAKMAKER_MAX_REQUEST_BYTES`); a larger one is refused with 413 problem details before it is "
        "read. Date-times are answered in UTC (`Z`)."
    )
    return result


#: Integer limits DRF copies from the database backend (SQLite's int64, PostgreSQL's int32/int16).
BACKEND_INTEGER_LIMITS = {32767, 2147483647, 9223372036854775807}


def drop_backend_integer_limits(result, generator, request, public):
    """Make the document independent of the database: drop the backend's integer ranges.

    DRF derives ``max_value`` of integer model fields from the database backend, so the same code would
    document ``maximum: 32767`` on PostgreSQL and ``9223372036854775807`` (format int64) on SQLite.
    """

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "integer" and node.get("maximum") in BACKEND_INTEGER_LIMITS:
                node.pop("maximum")
                if node.get("format") == "int64":
                    node.pop("format")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result)
    return result
