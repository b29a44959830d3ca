# SPDX-License-Identifier: EUPL-1.2
"""API plumbing: versions, problem+json, no trailing-slash redirects, OpenAPI, security headers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from smaakmaker.access.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def _assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    assert response["API-Version"] == settings.API_VERSION
    return body


def test_health_is_public_and_versioned(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "version": settings.API_VERSION}
    assert response["API-Version"] == settings.API_VERSION


def test_no_trailing_slash_redirect(client, signed_in):
    for path in ("/api/v1/health/", "/api/v1/me/", "/api/v1/openapi.json/"):
        response = client.get(path)
        assert response.status_code == 404, path
        _assert_problem(response, 404)
    # And no redirect the other way round either.
    assert client.get("/api/v1/health").status_code == 200


def test_openapi_is_public_and_lists_the_endpoints(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    # paths are relative to the server URL, which carries the major version (/core/uri-version)
    assert document["servers"][0]["url"].endswith("/api/v1")
    assert {"/health", "/me", "/organisations"} <= set(document["paths"])


def test_committed_openapi_document_is_current(tmp_path, settings):
    from smaakmaker.conf.env import REGISTRY

    # The committed document shows the development defaults, whatever this machine's environment says.
    settings.PUBLIC_URL = REGISTRY["SMAAKMAKER_PUBLIC_URL"].default
    settings.API_CONTACT_NAME = REGISTRY["SMAAKMAKER_API_CONTACT_NAME"].default
    settings.API_CONTACT_EMAIL = REGISTRY["SMAAKMAKER_API_CONTACT_EMAIL"].default
    settings.API_CONTACT_URL = REGISTRY["SMAAKMAKER_API_CONTACT_URL"].default
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = REGISTRY["SMAAKMAKER_MAX_REQUEST_BYTES"].default
    generated = tmp_path / "openapi.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(generated))
    committed = Path(settings.PROJECT_DIR) / "docs" / "api" / "openapi.json"
    assert json.loads(committed.read_text()) == json.loads(generated.read_text()), (
        "docs/api/openapi.json is stale: run `smaakmaker spectacular --format openapi-json "
        "--file docs/api/openapi.json`"
    )


def test_401_problem_for_anonymous_and_bad_tokens(client):
    body = _assert_problem(client.get("/api/v1/me"), 401)
    assert body["instance"] == "/api/v1/me"
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer abc.def")
    _assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_403_problem_without_permission(signed_in):
    client = signed_in("professional")
    _assert_problem(
        client.post(
            "/api/v1/organisations", {"name": "X", "kind": "overig"}, content_type="application/json"
        ),
        403,
    )


def test_400_problem_names_the_fields(signed_in):
    client = signed_in("beheerder")
    response = client.post(
        "/api/v1/organisations", {"name": "", "kind": "geen-soort"}, content_type="application/json"
    )
    body = _assert_problem(response, 400)
    names = {param["name"] for param in body["invalidParams"]}
    assert names == {"name", "kind"}
    malformed = client.post("/api/v1/organisations", "{not json", content_type="application/json")
    _assert_problem(malformed, 400)


def test_400_duplicate_name_changes_nothing(signed_in, demo_users):
    from smaakmaker.access.models import Organisation

    client = signed_in("beheerder")
    before = Organisation.objects.count()
    response = client.post(
        "/api/v1/organisations",
        {"name": "Gemeente Voorbeeldstad (demo)", "kind": "gemeente"},
        content_type="application/json",
    )
    body = _assert_problem(response, 400)
    assert body["invalidParams"][0]["name"] == "name"
    assert Organisation.objects.count() == before


def test_create_organisation_with_permission(signed_in):
    client = signed_in("beheerder")
    response = client.post(
        "/api/v1/organisations",
        {"name": "Stichting Buurtkracht (demo)", "kind": "overig"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["name"] == "Stichting Buurtkracht (demo)"
    assert response["API-Version"] == settings.API_VERSION


def test_404_and_405_problems(signed_in):
    client = signed_in("regisseur")
    _assert_problem(client.get("/api/v1/does-not-exist"), 404)
    _assert_problem(client.delete("/api/v1/me"), 405)


@pytest.mark.urls("smaakmaker.api.tests.urls_errors")
def test_500_problem_with_version_and_security_headers(db):
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/boom")
    body = _assert_problem(response, 500)
    assert "deliberate" not in json.dumps(body)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_security_headers_on_api_errors(client):
    response = client.get("/api/v1/me")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_api_token_is_bound_to_its_organisation_and_can_be_revoked(client, demo_users):
    from smaakmaker.access.models import Organisation

    organisation = Organisation.objects.get(name="Woonstichting De Fictieve Haven (demo)")
    token, secret = api_token_create(
        name="Partnersysteem", user=demo_users["professional"], organisation=organisation
    )
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert response.json()["api_token_organisation"]["name"] == organisation.name
    api_token_revoke(token=token)
    _assert_problem(client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}"), 401)


def test_api_token_needs_an_active_membership_of_its_organisation(demo_users):
    from smaakmaker.access.models import Organisation

    police = Organisation.objects.get(name="Politie Eenheid Voorbeeld (demo)")
    with pytest.raises(ValueError):
        api_token_create(name="x", user=demo_users["professional"], organisation=police)


def test_me_shows_roles_and_memberships(signed_in):
    body = signed_in("privacy").get("/api/v1/me").json()
    assert [role["name"] for role in body["roles"]] == ["privacy-officer"]
    assert body["memberships"][0]["organisation"]["kind"] == "gemeente"
    assert "access.view_membership" in body["permissions"]
