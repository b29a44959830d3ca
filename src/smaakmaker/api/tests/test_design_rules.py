# SPDX-License-Identifier: EUPL-1.2
"""NL API Design Rules in behaviour, over every operation of the committed OpenAPI document: camelCase
query keys, unknown query parameters refused, one pagination, 413 above the body limit, CORS on the
published document only, date-times in UTC, no Server banner."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import resolve

from smaakmaker.api.query import CAMEL_RE, allowed_query_parameters

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
DOCUMENT = json.loads((Path(settings.PROJECT_DIR) / "docs" / "api" / "openapi.json").read_text())
METHODS = ("get", "post", "put", "patch", "delete")
MISSING = "00000000-0000-4000-8000-000000000000"
OPERATIONS = [
    (path, method, op)
    for path, ops in DOCUMENT["paths"].items()
    for method, op in ops.items()
    if method in METHODS
]


def _url(path: str) -> str:
    """The operation's URL with placeholder path parameters (no object is needed: the query is checked
    before anything else)."""
    return "/api/v1" + re.sub(r"\{(\w+)\}", lambda m: "GM0363" if m.group(1) == "code" else MISSING, path)


def _query_names(op) -> set[str]:
    return {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}


def _invalid(response) -> dict[str, str]:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    return {p["name"]: p["reason"] for p in response.json()["invalidParams"]}


def test_the_document_has_operations():
    assert len(OPERATIONS) >= 45


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=[f"{m} {p}" for p, m, _ in OPERATIONS])
def test_documented_query_parameters_are_exactly_what_the_server_takes(path, method, op):
    view_class = resolve(_url(path)).func.cls
    documented = _query_names(op)
    assert documented == allowed_query_parameters(view_class, method.upper())
    assert all(CAMEL_RE.fullmatch(name) for name in documented), documented


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=[f"{m} {p}" for p, m, _ in OPERATIONS])
def test_unknown_query_parameter_is_refused_by_every_operation(client, path, method, op):
    response = getattr(client, method)(_url(path) + "?postcode=1064XA&nonsense=1")
    invalid = _invalid(response)
    assert set(invalid) == {"postcode", "nonsense"} - _query_names(op)
    assert response["API-Version"] == settings.API_VERSION


def test_snake_case_query_keys_are_refused_and_camel_case_ones_work(signed_in):
    client = signed_in("analist")
    assert set(_invalid(client.get("/api/v1/areas?page_size=5"))) == {"page_size"}
    assert client.get("/api/v1/areas?pageSize=5").status_code == 200
    assert set(_invalid(client.get("/api/v1/areas/GM0363/profile?base_year=2019"))) == {"base_year"}


def test_one_pagination_with_links_and_strict_paging(signed_in):
    client = signed_in("beheerder")
    first = client.get("/api/v1/organisations?pageSize=2")
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] > 2 and len(body["results"]) == 2 and body["previous"] is None
    assert body["next"].endswith("/api/v1/organisations?page=2&pageSize=2")
    second = client.get(body["next"]).json()
    assert second["previous"] and not {o["uuid"] for o in second["results"]} & {
        o["uuid"] for o in body["results"]
    }
    for query, name in (
        ("page=abc", "page"),
        ("page=0", "page"),
        ("pageSize=0", "pageSize"),
        ("pageSize=x", "pageSize"),
    ):
        assert set(_invalid(client.get(f"/api/v1/organisations?{query}"))) == {name}, query
    beyond = client.get("/api/v1/organisations?page=999")
    assert beyond.status_code == 404 and beyond["Content-Type"] == PROBLEM


def test_every_list_that_can_grow_is_paged_and_catalogues_say_they_are_not():
    """A GET answering an array is a documented fixed catalogue; every other list has the paged shape."""
    for path, method, op in OPERATIONS:
        schema = (
            op["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
        )
        if schema.get("type") == "array":
            assert method == "get" and "not paged" in op.get("description", ""), path
        name = schema.get("$ref", "").rsplit("/", 1)[-1]
        if name.startswith("Paginated"):
            assert {"page", "pageSize"} <= _query_names(op), path
            assert set(DOCUMENT["components"]["schemas"][name]["properties"]) == {
                "count",
                "next",
                "previous",
                "results",
            }


def test_a_body_above_the_limit_is_413_before_it_is_read(signed_in):
    client = signed_in("regisseur")
    body = b'{"signals": [' + b" " * (20 * 1024 * 1024) + b"]}"
    response = client.post("/api/v1/signals", body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == PROBLEM
    assert str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) in response.json()["detail"]
    small = signed_in("beheerder").post(
        "/api/v1/organisations", {"name": ""}, content_type="application/json"
    )
    assert small.status_code == 400  # under the limit the body is read and validated


def test_cors_on_the_published_document_only(client, signed_in):
    origin = {"HTTP_ORIGIN": "https://developer.overheid.nl"}
    document = client.get("/api/v1/openapi.json", **origin)
    assert document.status_code == 200 and document["Access-Control-Allow-Origin"] == "*"
    assert client.head("/api/v1/openapi.json", **origin)["Access-Control-Allow-Origin"] == "*"
    preflight = client.options("/api/v1/openapi.json", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET", **origin)
    assert (
        preflight["Access-Control-Allow-Origin"] == "*" and "GET" in preflight["Access-Control-Allow-Methods"]
    )
    user = signed_in("regisseur")
    for path in ("/api/v1/me", "/api/v1/cases", "/api/v1/health"):
        assert not user.get(path, **origin).has_header("Access-Control-Allow-Origin"), path
        assert not user.options(path, **origin).has_header("Access-Control-Allow-Origin"), path


def test_date_times_are_answered_in_utc_with_z():
    from django.db import models
    from rest_framework import serializers

    from smaakmaker.api.fields import UtcDateTimeField, iso_utc

    moment = datetime(2026, 12, 6, 10, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))
    assert UtcDateTimeField().to_representation(moment) == "2026-12-06T09:30:00Z"
    assert iso_utc(moment) == "2026-12-06T09:30:00Z"
    assert serializers.ModelSerializer.serializer_field_mapping[models.DateTimeField] is UtcDateTimeField
    assert UtcDateTimeField().to_representation(datetime(2026, 6, 1, tzinfo=UTC)).endswith("Z")


def test_servers_contact_and_no_server_banner(live_server):
    import requests

    assert DOCUMENT["servers"] and DOCUMENT["info"]["contact"]["email"]
    response = requests.get(f"{live_server.url}/api/v1/health", timeout=10)
    assert response.status_code == 200
    assert "Server" not in response.headers


def test_a_method_an_operation_lacks_is_405_whatever_its_query(signed_in):
    client = signed_in("regisseur")
    for method in ("put", "delete", "trace"):
        response = getattr(client, method)("/api/v1/plans?page=1&nonsense=1")
        assert response.status_code == 405, (method, response.content)
    assert client.head("/api/v1/health?nonsense=1").status_code == 400


def test_an_empty_query_value_is_invalid_not_absent(signed_in):
    client = signed_in("analist")
    assert set(_invalid(client.get("/api/v1/areas?q="))) == {"q"}
    assert set(_invalid(client.get("/api/v1/indicator-values?parent="))) == {"parent"}
    assert client.get("/api/v1/areas?q=Dobbe").status_code == 200
