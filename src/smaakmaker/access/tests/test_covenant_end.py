# SPDX-License-Identifier: EUPL-1.2
"""Ending a covenant cuts every partner off at once: it needs a reason and an explicit confirmation
(page and API), the reason is kept and audited, and the partners' users read on their dashboard why
they see nothing any more."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from smaakmaker.access import selectors, services
from smaakmaker.access.models import AuditRecord, Covenant, CovenantStatus, Organisation, PolicyVersion

pytestmark = pytest.mark.django_db

JSON = "application/json"
REASON = "De gemeenteraad heeft de aanpak Dobbebuurt beëindigd (test)."
DASHBOARD = reverse("web:dashboard")
MONTHS = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]


def _active(demo_users, *, name="Convenant Eindbuurt (test)", partners=None, kinds=("woningcorporatie",)):
    regisseur = demo_users["regisseur"]
    partners = partners if partners is not None else list(Organisation.objects.filter(is_demo=True))
    covenant = services.covenant_create(
        actor=regisseur,
        name=name,
        area_codes=["BU0363FD04"],
        partners=partners,
        valid_from=date(2024, 1, 1),
        dpia_reference="DPIA-END-1",
        dpia_date=date(2023, 12, 1),
        privacy_officer=demo_users["privacy"],
    )
    services.processing_activity_create(
        actor=regisseur,
        covenant=covenant,
        name=f"Signalen {name}",
        purpose="Signalen per adres delen.",
        avg_ground="6.1.e",
        legal_basis="Gemeentewet 151d",
        data_categories=["adres", "soort signaal"],
        compartment="algemeen",
        retention_days=365,
        grants=[(kind, "partner-professional", "participation", "write") for kind in kinds],
    )
    return services.covenant_activate(actor=regisseur, covenant=covenant)


def _ends() -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(action="covenant.end"))


# --- the page --------------------------------------------------------------------------------------


def test_the_page_asks_for_a_reason_and_a_confirmation(signed_in, demo_users):
    covenant = _active(demo_users)
    client = signed_in("regisseur")
    url = reverse("access:covenant_status", args=[covenant.uuid])
    detail = client.get(reverse("access:covenant_detail", args=[covenant.uuid])).content.decode()
    assert 'name="reason"' in detail and 'name="confirm"' in detail and 'type="checkbox"' in detail

    for data, fields in [
        ({"action": "end"}, {"reason", "confirm"}),
        ({"action": "end", "reason": REASON}, {"confirm"}),
        ({"action": "end", "reason": "  te kort ", "confirm": "on"}, {"reason"}),
    ]:
        response = client.post(url, data)
        html = response.content.decode()
        assert response.status_code == 400, data
        for field in fields:  # the Dutch error next to its field, linked to it
            assert f'id="{field}_error"' in html, (data, field)
            assert f'aria-describedby="{field}_error"' in html, (data, field)
        assert ('id="confirm_error"' in html) == ("confirm" in fields)
        if "confirm" in fields:
            assert "Bevestig dat u het convenant wilt beëindigen." in html
        if "reason" in fields:
            assert "ten minste 10 tekens" in html
    covenant.refresh_from_db()
    assert covenant.status == CovenantStatus.ACTIVE and covenant.ended is None and _ends() == []

    response = client.post(url, {"action": "end", "reason": f"  {REASON} ", "confirm": "on"})
    assert response.status_code == 302
    covenant.refresh_from_db()
    assert covenant.status == CovenantStatus.ENDED and covenant.end_reason == REASON
    assert covenant.ended is not None and timezone.now() - covenant.ended < timedelta(minutes=1)
    [ended] = _ends()
    assert ended.reason == REASON and ended.object_id == str(covenant.uuid) and ended.origin.startswith("web")
    page = client.get(reverse("access:covenant_detail", args=[covenant.uuid])).content.decode()
    assert REASON in page and 'name="confirm"' not in page


# --- the API ---------------------------------------------------------------------------------------


def _invalid(response) -> dict[str, str]:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    return {param["name"]: param["reason"] for param in response.json()["invalidParams"]}


def test_the_api_asks_for_a_reason_and_confirm_true(signed_in, demo_users):
    covenant = _active(demo_users)
    client = signed_in("regisseur")
    url = f"/api/v1/covenants/{covenant.uuid}/end"
    assert set(_invalid(client.post(url, content_type=JSON))) == {"reason", "confirm"}
    assert set(_invalid(client.post(url, {"reason": REASON}, content_type=JSON))) == {"confirm"}
    refused = _invalid(client.post(url, {"reason": REASON, "confirm": False}, content_type=JSON))
    assert set(refused) == {"confirm"} and refused["confirm"]
    too_short = client.post(url, {"reason": "kort", "confirm": True}, content_type=JSON)
    assert set(_invalid(too_short)) == {"reason"}
    covenant.refresh_from_db()
    assert covenant.status == CovenantStatus.ACTIVE and _ends() == []

    ended = client.post(url, {"reason": REASON, "confirm": True}, content_type=JSON)
    assert ended.status_code == 200, ended.content
    body = ended.json()
    assert body["status"] == "ended" and body["end_reason"] == REASON and body["ended"]
    [record] = _ends()
    assert record.reason == REASON and record.origin.startswith("api")


def test_the_service_refuses_without_a_reason_and_changes_nothing(demo_users):
    covenant = _active(demo_users)
    with pytest.raises(services.CovenantError) as refused:
        services.covenant_end(actor=demo_users["regisseur"], covenant=covenant, reason=" ")
    assert set(refused.value.errors) == {"reason"}
    covenant.refresh_from_db()
    assert covenant.status == CovenantStatus.ACTIVE and _ends() == []


# --- the dashboard ---------------------------------------------------------------------------------


def test_the_dashboard_of_every_cut_off_user_says_which_covenant_ended_when_and_why(signed_in, demo_users):
    corporation = Organisation.objects.get(name="Woonstichting De Fictieve Haven (demo)")
    covenant = _active(demo_users, partners=[corporation, Organisation.objects.get(kind="gemeente")])
    assert 'data-testid="covenant-ended"' not in signed_in("professional").get(DASHBOARD).content.decode()

    services.covenant_end(actor=demo_users["regisseur"], covenant=covenant, reason=REASON)
    covenant.refresh_from_db()
    html = signed_in("professional").get(DASHBOARD).content.decode()  # corporation: a partner
    assert 'data-testid="covenant-ended"' in html
    local = timezone.localtime(covenant.ended)
    when = f"{local.day} {MONTHS[local.month - 1]} {local.year} om {local:%H:%M}"
    assert f"Het convenant “{covenant.name}” is beëindigd op {when}." in html
    assert REASON in html and "Opgegeven reden:" in html
    assert "ziet u de adressen, signalen en casussen die onder dit convenant werden gedeeld niet meer" in html
    # the regisseur's municipality was a partner too; the police and the other corporation were not
    assert covenant.name in signed_in("regisseur").get(DASHBOARD).content.decode()
    for username in ("wijkagent", "consulent"):
        assert 'data-testid="covenant-ended"' not in signed_in(username).get(DASHBOARD).content.decode()


def _ended_for(username: str) -> list[str]:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)  # fresh: a request's user, no kept grants
    return [covenant.name for covenant in selectors.covenants_ended_for(user=user)]


def test_the_notice_stays_while_the_user_sees_nothing_and_fades_once_they_see_again(demo_users):
    old = _active(demo_users, name="Convenant Oud (test)")
    services.covenant_end(actor=demo_users["regisseur"], covenant=old, reason=REASON)
    assert _ended_for("professional") == [old.name]

    # Long ago: still the reason this user sees nothing ...
    long_ago = timezone.now() - timedelta(days=selectors.ENDED_NOTICE_DAYS + 10)
    Covenant.objects.filter(pk=old.pk).update(ended=long_ago)
    assert _ended_for("professional") == [old.name]
    # ... until a new covenant gives them a grant again.
    _active(demo_users, name="Convenant Nieuw (test)")
    assert _ended_for("professional") == []
    # A recent end is always shown to its partners' users.
    Covenant.objects.filter(pk=old.pk).update(ended=timezone.now() - timedelta(days=2))
    assert _ended_for("professional") == [old.name]


def test_an_inactive_membership_or_an_anonymous_user_gets_no_notice(demo_users):
    from django.contrib.auth.models import AnonymousUser

    covenant = _active(demo_users)
    services.covenant_end(actor=demo_users["regisseur"], covenant=covenant, reason=REASON)
    assert _ended_for("professional") == [covenant.name]
    demo_users["professional"].memberships.update(valid_until=timezone.now())
    assert _ended_for("professional") == []
    assert selectors.covenants_ended_for(user=AnonymousUser()) == []


def test_a_change_to_a_covenant_still_renews_the_policy_version(demo_users):
    """Migration 0006 rebuilds the covenant table on SQLite; its policy-version triggers are kept."""
    covenant = _active(demo_users)
    before = PolicyVersion.objects.get().value
    Covenant.objects.filter(pk=covenant.pk).update(status=CovenantStatus.ENDED)
    assert PolicyVersion.objects.get().value != before


# --- in the browser --------------------------------------------------------------------------------


def _sign_in(page, username: str) -> None:
    from smaakmaker.access.demo import DEMO_PASSWORD

    page.context.clear_cookies()
    page.goto("/inloggen/")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("heading", level=1).wait_for()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_ending_in_the_browser_and_the_partners_dashboard_are_accessible(page, axe, demo_users):
    covenant = _active(demo_users)
    _sign_in(page, "regisseur")
    page.goto(reverse("access:covenant_detail", args=[covenant.uuid]))
    page.get_by_test_id("end").click()  # nothing filled in
    assert "Bevestig dat u het convenant wilt beëindigen." in page.locator("#confirm_error").inner_text()
    assert "ten minste 10 tekens" in page.locator("#reason_error").inner_text()
    assert page.get_by_label("Reden van beëindiging").get_attribute("aria-describedby") == "reason_error"
    assert axe(page) == []
    assert Covenant.objects.get().status == CovenantStatus.ACTIVE

    page.get_by_label("Reden van beëindiging").fill(REASON)
    page.get_by_label("Ik begrijp dat alle partners direct geen toegang meer hebben").check()
    page.get_by_test_id("end").click()
    page.get_by_test_id("end-reason").wait_for()
    assert Covenant.objects.get().status == CovenantStatus.ENDED

    _sign_in(page, "professional")
    notice = page.get_by_test_id("covenant-ended")
    assert covenant.name in notice.inner_text() and REASON in notice.inner_text()
    assert axe(page) == []
