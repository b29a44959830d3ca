# SPDX-License-Identifier: EUPL-1.2
"""Roles without the register (no ``cases.view_address`` / ``view_case`` / ``view_signal``) get 403 on
its lists, searches and agenda, in the API as problem details and on the web as the site's 403 page,
not 200 with an empty list (issue "need-to-know in the address register", point 6)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from smaakmaker.access.models import AuditRecord

pytestmark = pytest.mark.django_db

WITHOUT_REGISTER = ("analist", "bestuurder", "privacy", "beheerder")
WITH_REGISTER = ("regisseur", "professional", "consulent", "wijkagent", "wijkteam")
JSON = "application/json"


def _api_calls(client):
    return {
        "cases": client.get("/api/v1/cases"),
        "cases-filtered": client.get("/api/v1/cases?status=nonsense"),  # permission before validation
        "case-search": client.post("/api/v1/cases/search", {"postcode": "1064XA"}, content_type=JSON),
        "address-search": client.post("/api/v1/addresses/search", {"postcode": "1064XA"}, content_type=JSON),
        "address-search-invalid": client.post("/api/v1/addresses/search", {}, content_type=JSON),
        "agenda": client.get("/api/v1/agenda"),
        "agenda-no-purpose": client.get("/api/v1/agenda", HTTP_X_PURPOSE=""),
    }


@pytest.mark.parametrize("username", WITHOUT_REGISTER)
def test_api_lists_and_searches_are_forbidden_without_the_register(world, api, username):
    user = world.users[username]
    assert not any(user.has_perm(p) for p in ("cases.view_address", "cases.view_case", "cases.view_signal"))
    before = AuditRecord.objects.count()
    for name, response in _api_calls(api(username)).items():
        assert response.status_code == 403, (name, response.content)
        assert response["Content-Type"] == "application/problem+json", name
        body = response.json()
        assert body["status"] == 403 and body["detail"] == "Uw rol heeft geen toegang tot het adresregister."
    assert AuditRecord.objects.count() == before  # nothing was read


@pytest.mark.parametrize("username", WITH_REGISTER)
def test_api_lists_and_searches_stay_open_with_the_register(world, api, username):
    calls = _api_calls(api(username))
    for name in ("cases", "case-search", "address-search", "agenda"):
        assert calls[name].status_code == 200, (name, calls[name].content)
    for name in ("cases-filtered", "address-search-invalid", "agenda-no-purpose"):
        assert calls[name].status_code == 400, name


@pytest.mark.parametrize("username", WITHOUT_REGISTER)
def test_pages_are_forbidden_without_the_register(world, signed_in, username):
    client = signed_in(username)
    responses = {
        "index": client.get(reverse("cases:index")),
        "search": client.post(reverse("cases:search"), {"postcode": "1064XA", "house_number": 1}),
        "agenda": client.get(reverse("cases:agenda")),
    }
    for name, response in responses.items():
        assert response.status_code == 403, (name, response.status_code)
        html = response.content.decode()
        assert "Geen toegang" in html, name  # the site's 403 page
        assert world.addresses["A1"].label not in html


@pytest.mark.parametrize("username", WITH_REGISTER)
def test_pages_stay_open_with_the_register(world, signed_in, username):
    client = signed_in(username)
    assert client.get(reverse("cases:index")).status_code == 200
    assert client.post(reverse("cases:search"), {"postcode": "1064XA", "house_number": 1}).status_code == 200
    assert client.get(reverse("cases:agenda")).status_code == 200
