# SPDX-License-Identifier: EUPL-1.2
"""Pages that only show data answer GET and HEAD; any other method gets the site's 405 page (the
API: problem details), and changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from smaakmaker.access.models import AuditRecord, Covenant

pytestmark = pytest.mark.django_db


def _read_views(covenant: Covenant) -> list[str]:
    return [
        reverse("access:index"),
        reverse("access:covenants"),
        reverse("access:covenant_detail", args=[covenant.uuid]),
        reverse("access:audit_export"),
        reverse("web:dashboard"),
        reverse("web:accessibility"),
    ]


@pytest.fixture
def covenant(demo_users):
    from datetime import date

    from smaakmaker.access.models import Organisation
    from smaakmaker.access.services import covenant_create

    return covenant_create(
        actor=demo_users["regisseur"],
        name="Convenant Leesbuurt (test)",
        area_codes=["GM0363"],
        partners=list(Organisation.objects.filter(is_demo=True)),
        valid_from=date(2025, 1, 1),
    )


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_read_views_refuse_other_methods_with_405(signed_in, covenant, method):
    client = signed_in("privacy")  # may read all of these
    before = AuditRecord.objects.count()
    for url in _read_views(covenant):
        assert client.get(url).status_code == 200, url
        assert client.head(url).status_code == 200, url
        response = getattr(client, method)(url, {"name": "x"} if method == "post" else None)
        assert response.status_code == 405, (method, url)
        assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}, url
        html = response.content.decode()
        assert "Methode niet toegestaan" in html and 'href="/"' in html, url  # the site's page, in Dutch
    # only the GET and HEAD of the export wrote something (the record of an export)
    assert list(AuditRecord.objects.order_by("id").values_list("action", flat=True))[before:] == [
        "audit_log.export",
        "audit_log.export",
    ]


def test_the_audit_browser_takes_its_filter_by_post_but_nothing_else(signed_in):
    client = signed_in("privacy")
    audit = reverse("access:audit")
    assert client.head(audit).status_code == 200
    for method in ("put", "patch", "delete"):
        response = getattr(client, method)(audit)
        assert response.status_code == 405 and "Methode niet toegestaan" in response.content.decode()


def test_api_read_views_answer_405_as_problem_details(signed_in):
    client = signed_in("privacy")
    for method in ("post", "put", "delete"):
        response = getattr(client, method)("/api/v1/me", content_type="application/json")
        assert response.status_code == 405, method
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == 405


def test_a_bare_405_under_the_api_is_problem_details_too(rf):
    from django.http import HttpResponseNotAllowed

    from smaakmaker.web.middleware import MethodNotAllowedMiddleware

    request = rf.post("/api/v1/something")
    response = MethodNotAllowedMiddleware(lambda _request: HttpResponseNotAllowed(["GET"]))(request)
    assert response.status_code == 405 and response["Content-Type"] == "application/problem+json"
    assert response["Allow"] == "GET"
