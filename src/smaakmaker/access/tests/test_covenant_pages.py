# SPDX-License-Identifier: EUPL-1.2
"""Covenant management on the pages: draft, activities, activation rules, ending, reuse decisions.

Every write leaves an audit record; bad input is shown next to its field and saves nothing; users
without the permission get 403 and change nothing.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from smaakmaker.access.models import (
    AuditRecord,
    Covenant,
    CovenantStatus,
    Organisation,
    ProcessingActivity,
    ReuseDecision,
)

pytestmark = pytest.mark.django_db

LIST = reverse("access:covenants")
NEW = reverse("access:covenant_new")


def _url(name: str, covenant: Covenant) -> str:
    return reverse(f"access:{name}", args=[covenant.uuid])


def _actions(action: str) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(action=action).order_by("id"))


def _covenant_data(**overrides) -> dict:
    data = {
        "name": "Convenant Proefbuurt (test)",
        "area_codes": "WK0363FD, bu0363fd04",
        "partners": [o.pk for o in Organisation.objects.filter(is_demo=True)],
        "valid_from": "2025-01-01",
        "valid_until": "",
        "document_reference": "CONV-2025-001 (fictief)",
        "dpia_reference": "",
        "dpia_date": "",
        "privacy_officer": "",
    }
    data.update(overrides)
    return data


def _activity_data(name: str = "Signalering overlast", **overrides) -> dict:
    data = {
        "name": name,
        "code": "",
        "purpose": "Signalen over overlast per adres delen om samen tijdig in te grijpen.",
        "avg_ground": "6.1.e",
        "legal_basis": "Gemeentewet 151d",
        "data_categories": "adres, soort signaal, datum",
        "compartment": "algemeen",
        "retention_days": "365",
        "grants-TOTAL_FORMS": "4",
        "grants-INITIAL_FORMS": "0",
        "grants-MIN_NUM_FORMS": "0",
        "grants-MAX_NUM_FORMS": "4",
        "grants-0-organisation_kind": "gemeente",
        "grants-0-role": "regisseur",
        "grants-0-scope": "area",
        "grants-0-level": "write",
        "grants-1-organisation_kind": "woningcorporatie",
        "grants-1-role": "partner-professional",
        "grants-1-scope": "participation",
        "grants-1-level": "read",
    }
    for row in (2, 3):
        data.update(
            {
                f"grants-{row}-organisation_kind": "",
                f"grants-{row}-role": "",
                f"grants-{row}-scope": "participation",
                f"grants-{row}-level": "read",
            }
        )
    data.update(overrides)
    return data


def _create_draft(client, **overrides) -> Covenant:
    response = client.post(NEW, _covenant_data(**overrides))
    assert response.status_code == 302, response.content.decode()
    return Covenant.objects.get(name=overrides.get("name", "Convenant Proefbuurt (test)"))


def test_regisseur_creates_adds_activity_activates_and_ends_a_covenant(signed_in, demo_users):
    client = signed_in("regisseur")
    listing = client.get(LIST).content.decode()
    assert f'href="{NEW}"' in listing and "Nieuw convenant" in listing
    assert client.get(NEW).status_code == 200

    # 1. A draft, without DPIA and privacy officer yet.
    covenant = _create_draft(client)
    assert covenant.status == CovenantStatus.DRAFT
    assert covenant.area_codes == ["WK0363FD", "BU0363FD04"]
    assert covenant.partners.count() == Organisation.objects.filter(is_demo=True).count()
    [created] = _actions("covenant.create")
    assert created.object_id == str(covenant.uuid) and created.actor == "regisseur"
    assert created.origin.startswith("web")
    page = client.get(_url("covenant_detail", covenant)).content.decode()
    assert f'href="{_url("covenant_edit", covenant)}"' in page and "Bewerken" in page
    assert f'href="{_url("activity_new", covenant)}"' in page and "Verwerking toevoegen" in page

    # 2. A processing activity with two grants.
    assert client.get(_url("activity_new", covenant)).status_code == 200
    response = client.post(_url("activity_new", covenant), _activity_data())
    assert response.status_code == 302, response.content.decode()
    activity = ProcessingActivity.objects.get(covenant=covenant)
    assert activity.code == "signalering-overlast"
    assert activity.data_categories == ["adres", "soort signaal", "datum"]
    assert sorted((g.organisation_kind, g.role.name, g.scope, g.level) for g in activity.grants.all()) == [
        ("gemeente", "regisseur", "area", "write"),
        ("woningcorporatie", "partner-professional", "participation", "read"),
    ]
    assert [r.object_id for r in _actions("processing_activity.create")] == [str(activity.uuid)]

    # 3. Activation is refused without DPIA and privacy officer; the page names both next to the facts.
    refused = client.post(_url("covenant_status", covenant), {"action": "activate"})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'id="dpia_reference_error"' in html and 'id="privacy_officer_error"' in html
    assert "DPIA" in html and "functionaris gegevensbescherming" in html
    covenant.refresh_from_db()
    assert covenant.status == CovenantStatus.DRAFT
    assert _actions("covenant.activate") == []

    # 4. Edit the draft: record the DPIA and name the privacy officer.
    edit_page = client.get(_url("covenant_edit", covenant)).content.decode()
    assert 'value="WK0363FD, BU0363FD04"' in edit_page
    response = client.post(
        _url("covenant_edit", covenant),
        _covenant_data(
            dpia_reference="DPIA-2024-003 (fictief)",
            dpia_date="2024-12-01",
            privacy_officer=demo_users["privacy"].pk,
        ),
    )
    assert response.status_code == 302, response.content.decode()
    covenant.refresh_from_db()
    assert covenant.dpia_reference == "DPIA-2024-003 (fictief)" and covenant.dpia_date == date(2024, 12, 1)
    assert covenant.privacy_officer == demo_users["privacy"]
    [updated] = _actions("covenant.update")
    assert "dpia_reference" in updated.reason and "privacy_officer" in updated.reason

    # 5. Now it can be activated, and then ended.
    assert client.post(_url("covenant_status", covenant), {"action": "activate"}).status_code == 302
    covenant.refresh_from_db()
    assert covenant.status == CovenantStatus.ACTIVE
    assert len(_actions("covenant.activate")) == 1
    page = client.get(_url("covenant_detail", covenant)).content.decode()
    assert f'href="{_url("covenant_edit", covenant)}"' not in page
    assert f'href="{_url("activity_new", covenant)}"' not in page
    end = {"action": "end", "reason": "De samenwerking in de buurt is afgerond (test).", "confirm": "on"}
    assert client.post(_url("covenant_status", covenant), end).status_code == 302
    covenant.refresh_from_db()
    assert covenant.status == CovenantStatus.ENDED
    assert len(_actions("covenant.end")) == 1


def _active_covenant(client, demo_users) -> Covenant:
    covenant = _create_draft(
        client,
        dpia_reference="DPIA-1",
        dpia_date="2024-12-01",
        privacy_officer=demo_users["privacy"].pk,
    )
    assert client.post(_url("activity_new", covenant), _activity_data()).status_code == 302
    assert client.post(_url("covenant_status", covenant), {"action": "activate"}).status_code == 302
    covenant.refresh_from_db()
    assert covenant.status == CovenantStatus.ACTIVE
    return covenant


def test_an_active_covenant_cannot_be_edited_or_extended(signed_in, demo_users):
    client = signed_in("regisseur")
    covenant = _active_covenant(client, demo_users)

    # The edit page sends the user back with the reason.
    response = client.get(_url("covenant_edit", covenant), follow=True)
    assert response.redirect_chain[-1][0] == _url("covenant_detail", covenant)
    assert "Alleen een concept-convenant kan worden gewijzigd" in response.content.decode()

    # A stale form posted anyway is refused by the service and changes nothing.
    refused = client.post(_url("covenant_edit", covenant), _covenant_data(name="Andere naam"))
    assert refused.status_code == 400
    assert "Alleen een concept-convenant kan worden gewijzigd" in refused.content.decode()
    covenant.refresh_from_db()
    assert covenant.name == "Convenant Proefbuurt (test)"
    assert _actions("covenant.update") == []

    # No new processing activity either.
    refused = client.post(_url("activity_new", covenant), _activity_data("Nog een activiteit"))
    assert refused.status_code == 400
    assert covenant.activities.count() == 1
    assert len(_actions("processing_activity.create")) == 1


@pytest.mark.parametrize("username", ["professional", "privacy", "bestuurder"])
def test_users_without_the_permission_get_403_and_change_nothing(signed_in, demo_users, username):
    regisseur = signed_in("regisseur")
    covenant = _create_draft(regisseur)
    before = AuditRecord.objects.count()
    client = signed_in(username)
    for method, url, data in [
        ("get", NEW, None),
        ("post", NEW, _covenant_data(name="Ongeoorloofd")),
        ("get", _url("covenant_edit", covenant), None),
        ("post", _url("covenant_edit", covenant), _covenant_data(name="Ongeoorloofd")),
        ("get", _url("activity_new", covenant), None),
        ("post", _url("activity_new", covenant), _activity_data()),
        ("post", _url("covenant_status", covenant), {"action": "activate"}),
        ("post", _url("reuse_new", covenant), {"legal_basis": "x", "motivation": "y"}),
    ]:
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, (username, method, url)
    covenant.refresh_from_db()
    assert covenant.name == "Convenant Proefbuurt (test)" and covenant.status == CovenantStatus.DRAFT
    assert not Covenant.objects.filter(name="Ongeoorloofd").exists()
    assert covenant.activities.count() == 0
    assert AuditRecord.objects.count() == before
    if username == "bestuurder":  # may not even read covenants
        assert client.get(LIST).status_code == 403
        assert client.get(_url("covenant_detail", covenant)).status_code == 403
    else:  # may read them, but sees no management links
        page = client.get(_url("covenant_detail", covenant)).content.decode()
        assert f'href="{_url("covenant_edit", covenant)}"' not in page
        assert f'href="{NEW}"' not in client.get(LIST).content.decode()


def test_a_bad_area_code_names_the_field_and_saves_nothing(signed_in):
    client = signed_in("regisseur")
    response = client.post(NEW, _covenant_data(area_codes="GM0363, XX12, NL00"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="area_codes_error"' in html
    assert 'aria-describedby="area_codes_error"' in html
    assert "XX12" in html and "NL00" in html
    assert not Covenant.objects.exists()
    assert _actions("covenant.create") == []

    covenant = _create_draft(client)
    response = client.post(_url("covenant_edit", covenant), _covenant_data(area_codes="WK0363"))
    assert response.status_code == 400
    assert 'id="area_codes_error"' in response.content.decode()
    covenant.refresh_from_db()
    assert covenant.area_codes == ["WK0363FD", "BU0363FD04"]
    assert _actions("covenant.update") == []


def test_form_errors_are_shown_next_to_their_fields(signed_in, demo_users):
    client = signed_in("regisseur")
    response = client.post(
        NEW,
        _covenant_data(
            partners=[],
            valid_from="2025-06-01",
            valid_until="2025-01-01",
            privacy_officer=demo_users["professional"].pk,  # may not read the audit log
        ),
    )
    assert response.status_code == 400
    html = response.content.decode()
    for field in ("partners", "valid_until", "privacy_officer"):
        assert f'id="{field}_error"' in html, field
    assert not Covenant.objects.exists()

    covenant = _create_draft(client)
    no_grants = _activity_data(
        **{"grants-0-organisation_kind": "", "grants-0-role": "", "grants-1-organisation_kind": ""}
    )
    no_grants["grants-1-role"] = ""
    response = client.post(_url("activity_new", covenant), no_grants)
    assert response.status_code == 400
    assert 'id="grants_error"' in response.content.decode()
    half_row = _activity_data(**{"grants-1-role": ""}, retention_days="0", data_categories=" , ")
    response = client.post(_url("activity_new", covenant), half_row)
    html = response.content.decode()
    assert response.status_code == 400
    for field in ("grants-1-role", "retention_days", "data_categories"):
        assert f'id="{field}_error"' in html, field
    assert not ProcessingActivity.objects.exists()
    assert _actions("processing_activity.create") == []


def test_reuse_decisions_are_recorded_and_shown_on_the_covenant_page(signed_in):
    client = signed_in("regisseur")
    covenant = _create_draft(client)
    assert (
        client.post(_url("activity_new", covenant), _activity_data("Signalering overlast")).status_code == 302
    )
    assert (
        client.post(
            _url("activity_new", covenant),
            _activity_data(
                "Huurachterstand", compartment="corporatie", legal_basis="Huisvestingswet 2014 art. 33"
            ),
        ).status_code
        == 302
    )
    source = ProcessingActivity.objects.get(code="huurachterstand")
    target = ProcessingActivity.objects.get(code="signalering-overlast")
    page = client.get(_url("covenant_detail", covenant)).content.decode()
    assert f'action="{_url("reuse_new", covenant)}"' in page
    data = {
        "source": source.pk,
        "target": target.pk,
        "legal_basis": "Huisvestingswet 2014 art. 33",
        "motivation": "Huurachterstand helpt overlast te duiden.",
    }
    assert client.post(_url("reuse_new", covenant), data).status_code == 302
    decision = ReuseDecision.objects.get()
    assert (decision.source, decision.target) == (source, target)
    [record] = _actions("reuse_decision.record")
    assert record.object_id == str(decision.uuid) and record.reason == data["motivation"]
    page = client.get(_url("covenant_detail", covenant)).content.decode()
    assert "Huurachterstand helpt overlast te duiden." in page

    # The same decision again, or an empty motivation: the reason next to the field, nothing saved.
    again = client.post(_url("reuse_new", covenant), data)
    assert again.status_code == 400 and 'id="target_error"' in again.content.decode()
    empty = client.post(_url("reuse_new", covenant), {**data, "target": source.pk, "motivation": ""})
    html = empty.content.decode()
    assert empty.status_code == 400 and 'id="motivation_error"' in html and 'id="target_error"' in html
    assert ReuseDecision.objects.count() == 1
    assert len(_actions("reuse_decision.record")) == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_covenant_pages_in_the_browser_are_accessible(page, axe, demo_users):
    """In real Chromium: new covenant with a wrong code, the fix, an activity, a refused activation."""
    from smaakmaker.access.demo import DEMO_PASSWORD

    page.goto("/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("regisseur")
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("heading", level=1).wait_for()

    page.goto(LIST)
    page.get_by_test_id("new-covenant").click()
    page.get_by_role("heading", level=1, name="Nieuw convenant").wait_for()
    assert axe(page) == []
    page.get_by_label("Naam van het convenant").fill("Convenant in de browser")
    page.get_by_label("Gebieden (CBS-codes)").fill("WK0363FD, XX12")
    page.get_by_label("Gemeente Voorbeeldstad (demo)").check()
    page.get_by_label("Woonstichting De Fictieve Haven (demo)").check()
    page.get_by_label("Geldig vanaf").fill("2025-01-01")
    page.get_by_test_id("save-covenant").click()
    error = page.locator("#area_codes_error")
    assert "XX12" in error.inner_text()
    assert page.get_by_label("Gebieden (CBS-codes)").get_attribute("aria-describedby") == "area_codes_error"
    assert axe(page) == []
    assert not Covenant.objects.exists()

    page.get_by_label("Gebieden (CBS-codes)").fill("WK0363FD")
    page.get_by_test_id("save-covenant").click()
    page.get_by_role("heading", level=1, name="Convenant in de browser").wait_for()
    assert axe(page) == []

    page.get_by_test_id("add-activity").click()
    page.get_by_role("heading", level=1, name="Verwerking toevoegen").wait_for()
    assert axe(page) == []
    page.get_by_label("Naam van de verwerkingsactiviteit").fill("Casusoverleg")
    page.get_by_label("Doel").fill("Per adres samen besluiten over een passende aanpak.")
    page.get_by_label("Grondslag (AVG artikel 6)").select_option("6.1.e")
    page.get_by_label("Wet en artikel").fill("Gemeentewet 151d")
    page.get_by_label("Gegevenscategorieën").fill("adres, casusstatus")
    page.get_by_label("Soort organisatie (regel 1)").select_option("gemeente")
    page.get_by_label("Rol (regel 1)").select_option("regisseur")
    page.get_by_test_id("save-activity").click()
    page.get_by_role("heading", level=3, name="Casusoverleg").wait_for()

    page.get_by_test_id("activate").click()
    page.get_by_role("alert").wait_for()
    assert "DPIA" in page.locator("#dpia_reference_error").inner_text()
    assert page.locator("#privacy_officer_error").is_visible()
    assert axe(page) == []
    assert Covenant.objects.get().status == CovenantStatus.DRAFT


def test_the_admin_shows_covenants_but_cannot_change_them(client, demo_users):
    """Changes go through the services (rules and audit); the admin is for looking only."""
    from django.contrib.auth import get_user_model

    from smaakmaker.cases.demo import covenant_setup

    covenant = covenant_setup()
    admin_user = get_user_model().objects.create_superuser("admin-test", "admin@voorbeeld.nl", "x")
    client.force_login(admin_user)
    assert client.get(f"/beheer/access/covenant/{covenant.pk}/change/").status_code == 200
    response = client.post(f"/beheer/access/covenant/{covenant.pk}/change/", {"name": "Gewijzigd"})
    assert response.status_code == 403
    assert client.get("/beheer/access/covenant/add/").status_code == 403
    covenant.refresh_from_db()
    assert covenant.name != "Gewijzigd"
