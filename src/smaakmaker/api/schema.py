# SPDX-License-Identifier: EUPL-1.2
"""OpenAPI post-processing: every operation documents its problem+json error responses."""

from __future__ import annotations

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
    "500": "Internal server error.",
}

VERSION_HEADER = {"API-Version": {"schema": {"type": "string"}, "description": "Version of the API."}}


def add_problem_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    reference = {"$ref": "#/components/schemas/Problem"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for response in responses.values():
                response.setdefault("headers", {}).update(VERSION_HEADER)
            for status, description in ERRORS.items():
                if status in responses:
                    continue
                if status == "400" and "requestBody" not in operation and not operation.get("parameters"):
                    continue
                if status in {"401", "403"} and operation.get("security") == [{}]:
                    continue
                responses[status] = {
                    "description": description,
                    "headers": VERSION_HEADER,
                    "content": {"application/problem+json": {"schema": reference}},
                }
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
