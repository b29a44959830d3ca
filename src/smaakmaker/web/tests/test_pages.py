# SPDX-License-Identifier: EUPL-1.2
"""The web shell: navigation, demo banner, error pages, security headers on every page."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

DOMAIN_PAGES = ["/gebieden/", "/adressen/", "/plannen/", "/monitoring/", "/toegang/"]


def _assert_security_headers(response):
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_sign_in_page_is_dutch_with_demo_banner_and_headers(client):
    response = client.get("/inloggen/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="nl"' in html
    assert "demo — geen echte gegevens" in html
    assert "Direct naar de inhoud" in html
    assert "Gebruikersnaam" in html and "Wachtwoord" in html
    _assert_security_headers(response)


def test_no_demo_banner_when_demo_is_off(client, settings):
    settings.DEMO = False
    assert "geen echte gegevens" not in client.get("/inloggen/").content.decode()


def test_pages_require_sign_in(client):
    for path in ["/", *DOMAIN_PAGES]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/inloggen/?next=")


def test_dashboard_shows_organisation_and_navigation_for_the_five_domains(signed_in):
    response = signed_in("regisseur").get("/")
    html = response.content.decode()
    assert "Gemeente Voorbeeldstad (demo)" in html
    for label in ["Gebieden", "Adressen", "Plannen", "Monitoring", "Toegang"]:
        assert f">{label}</a>" in html
    assert 'aria-current="page" href="/"' in html
    _assert_security_headers(response)
    assert "no-store" in response["Cache-Control"]


def test_domain_pages_render(signed_in):
    client = signed_in("regisseur")
    for path in DOMAIN_PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"]


def test_access_page_lists_partners_for_those_allowed(signed_in):
    html = signed_in("privacy").get("/toegang/").content.decode()
    assert "Politie Eenheid Voorbeeld (demo)" in html
    assert "Wijkteam Voorbeeldwijk (demo)" in html


def test_accessibility_statement_is_public(client):
    response = client.get("/toegankelijkheid/")
    assert response.status_code == 200
    assert "Toegankelijkheidsverklaring" in response.content.decode()
    assert "2.1 op niveau AA" in response.content.decode()


def test_404_page_in_house_style(signed_in):
    response = signed_in("regisseur").get("/bestaat-niet/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Pagina niet gevonden" in html
    assert "utrecht-heading-1" in html
    _assert_security_headers(response)


def test_403_page_in_house_style(signed_in, demo_users):
    from django.contrib.auth.models import Permission

    user = demo_users["analist"]
    user.groups.first().permissions.remove(Permission.objects.get(codename="view_organisation"))
    response = signed_in("analist").get("/toegang/")
    assert response.status_code == 403
    assert "Geen toegang" in response.content.decode()
    _assert_security_headers(response)


@pytest.mark.urls("smaakmaker.api.tests.urls_errors")
def test_500_page_in_house_style():
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "Er ging iets mis" in response.content.decode()
    _assert_security_headers(response)


def test_static_assets_are_served_by_the_app_and_cacheable(client):
    response = client.get("/static/vendor/utrecht-component-library-css/index.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_management_uses_the_same_sign_in(client):
    response = client.get("/beheer/")
    assert response.status_code == 302
    login = client.get(response["Location"], follow=True)
    assert login.redirect_chain[-1][0].startswith("/inloggen/")


@pytest.mark.parametrize(
    "username", ["regisseur", "wijkagent", "analist", "bestuurder", "privacy", "beheerder"]
)
def test_navigation_and_dashboard_link_only_to_what_the_role_may_open(signed_in, username):
    """No door that answers 403: a role without the register sees no "Adressen" link, and so on."""
    import re

    client = signed_in(username)
    html = client.get("/").content.decode()
    links = set(re.findall(r'href="(/[a-z-]+/)"', html))
    for path in DOMAIN_PAGES:
        status = client.get(path).status_code
        assert (path in links) == (status == 200), (username, path, status)
