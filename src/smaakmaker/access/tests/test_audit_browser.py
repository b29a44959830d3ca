# SPDX-License-Identifier: EUPL-1.2
"""The audit browser keeps identifying values out of addresses: the filter is posted, kept in the
session and named by an opaque token in every link (next page, CSV export); a filter in a query
string is not honoured."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from smaakmaker.access.audit import audit_record
from smaakmaker.access.covenant_views import PAGE_SIZE
from smaakmaker.access.models import AuditRecord

pytestmark = pytest.mark.django_db

AUDIT = reverse("access:audit")
EXPORT = reverse("access:audit_export")
#: a user name that must never appear in an address
WATCHED = "regisseur"


def _records(demo_users, *, watched: int, others: int = 3) -> None:
    with transaction.atomic():
        for number in range(watched):
            audit_record(actor=demo_users[WATCHED], action="case.read", object_id=f"case-{number}")
        for number in range(others):
            audit_record(actor=demo_users["analist"], action="area.read", object_id=f"area-{number}")


def _urls(html: str) -> list[str]:
    """Every address in a page: links, form actions, sources."""
    return [html_lib.unescape(url) for url in re.findall(r'(?:href|action|src)="([^"]*)"', html)]


def _actors(html: str) -> set[str]:
    return set(re.findall(r'<td class="utrecht-table__cell">(\w+) \(', html))


def test_a_filter_by_user_name_never_appears_in_an_address(signed_in, demo_users):
    _records(demo_users, watched=PAGE_SIZE + 5)
    client = signed_in("privacy")

    posted = client.post(AUDIT, {"log": "audit", "actor": WATCHED})
    assert posted.status_code == 303
    location = posted["Location"]
    assert WATCHED not in location and "actor" not in location
    assert set(parse_qs(urlsplit(location).query)) == {"f"}

    page = client.get(location)
    html = page.content.decode()
    assert page.status_code == 200
    assert _actors(html) == {WATCHED}  # the filter works ...
    urls = _urls(html)
    assert not [url for url in urls if WATCHED in url or "actor=" in url]  # ... and is in no address
    token = parse_qs(urlsplit(location).query)["f"][0]
    [next_page] = [url for url in urls if "page=2" in url]
    assert parse_qs(urlsplit(next_page).query) == {"f": [token], "page": ["2"]}
    [export] = [url for url in urls if url.startswith(EXPORT)]
    assert parse_qs(urlsplit(export).query) == {"f": [token]}

    # The next page and the export use the same token, hence the same filter.
    second = client.get(f"{AUDIT}?f={token}&page=2").content.decode()
    assert _actors(second) == {WATCHED}
    response = client.get(export)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == PAGE_SIZE + 5 and {row["actor"] for row in rows} == {WATCHED}
    [exported] = AuditRecord.objects.filter(action="audit_log.export")
    assert f"actor={WATCHED}" in exported.reason  # the audit log says which filter was exported


def test_filters_in_the_query_string_are_not_honoured(signed_in, demo_users):
    _records(demo_users, watched=2)
    client = signed_in("privacy")
    for query in (f"actor={WATCHED}", f"user={WATCHED}", f"log=audit&actor={WATCHED}&page=1"):
        response = client.get(f"{AUDIT}?{query}")
        html = response.content.decode()
        assert response.status_code == 400, query
        assert "analist" in _actors(html)  # not filtered
        assert "niet gebruikt" in html and 'id="query-error"' in html
        assert client.get(f"{EXPORT}?{query}").status_code == 400, query
    assert not AuditRecord.objects.filter(action="audit_log.export").exists()


def test_a_token_is_opaque_and_means_nothing_in_another_session(signed_in, demo_users):
    _records(demo_users, watched=2)
    location = signed_in("privacy").post(AUDIT, {"log": "audit", "actor": WATCHED})["Location"]
    token = parse_qs(urlsplit(location).query)["f"][0]
    assert WATCHED not in token and len(token) >= 16

    other = Client()
    other.force_login(demo_users["privacy"])
    followed = other.get(location, follow=True)
    assert followed.redirect_chain == [(AUDIT, 302)]
    assert "niet meer beschikbaar" in followed.content.decode()
    assert {"analist", WATCHED} <= _actors(followed.content.decode())
    assert other.get(f"{EXPORT}?f={token}").status_code == 302


def test_the_processing_log_and_an_empty_filter(signed_in, demo_users):
    client = signed_in("privacy")
    empty = client.post(AUDIT, {"log": "processing", "trace_id": "  "})
    assert empty.status_code == 303 and empty["Location"] == f"{AUDIT}?log=processing"
    html = client.get(empty["Location"]).content.decode()
    assert 'name="trace_id"' in html and 'name="actor"' not in html  # only the processing log's fields
    invalid = client.post(AUDIT, {"log": "audit", "result": "bogus"})
    assert invalid.status_code == 400 and 'id="result_error"' in invalid.content.decode()


def test_only_the_privacy_officer_may_filter(signed_in):
    assert signed_in("professional").post(AUDIT, {"log": "audit", "actor": WATCHED}).status_code == 403


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_filtering_in_the_browser_keeps_the_name_out_of_the_address(page, axe, demo_users):
    from smaakmaker.access.demo import DEMO_PASSWORD

    _records(demo_users, watched=3)
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))
    page.goto("/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("privacy")
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("heading", level=1).wait_for()
    page.goto(AUDIT)
    assert axe(page) == []
    page.get_by_label("Actor").fill(WATCHED)
    page.get_by_test_id("audit-filter").click()
    page.wait_for_url("**/toegang/audit/?f=*")
    assert _actors(page.content()) == {WATCHED}
    assert page.get_by_label("Actor").input_value() == WATCHED  # the form still shows the filter
    assert axe(page) == []
    assert visited and not [url for url in visited if WATCHED in url]
