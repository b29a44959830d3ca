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
