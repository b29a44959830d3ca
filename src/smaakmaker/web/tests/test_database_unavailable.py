# SPDX-License-Identifier: EUPL-1.2
"""A database that is away or locked answers 503 with Retry-After (problem+json for the API, a page for
the rest), not a 500; other errors stay 500. The real outages are in common/tests/test_faults.py and
test_postgres_outage.py."""

from __future__ import annotations

import pytest
from django.db.utils import InterfaceError, OperationalError

from smaakmaker.access import selectors as access_selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def failing_dashboard(monkeypatch):
    def fail_with(exc):
        def raiser(**kwargs):
            raise exc

        monkeypatch.setattr(access_selectors, "memberships_active", raiser)

    return fail_with


@pytest.mark.parametrize(
    "exc", [OperationalError("database is locked"), InterfaceError("connection already closed")]
)
def test_page_with_the_database_away_is_a_503_page(signed_in, failing_dashboard, exc):
    client = signed_in("regisseur")
    client.raise_request_exception = False
    failing_dashboard(exc)
    response = client.get("/")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    text = response.content.decode()
    assert "Tijdelijk niet beschikbaar" in text and "Traceback" not in text


def test_other_errors_stay_500(signed_in, failing_dashboard):
    client = signed_in("regisseur")
    client.raise_request_exception = False
    failing_dashboard(ValueError("a bug"))
    response = client.get("/")
    assert response.status_code == 500 and "Retry-After" not in response


def test_api_with_the_database_away_is_503_problem_json(signed_in, monkeypatch):
    from smaakmaker.api import views

    def broken(self, request):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(views.HealthView, "get", broken)
    client = signed_in("regisseur")
    client.raise_request_exception = False
    response = client.get("/api/v1/health")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 503
