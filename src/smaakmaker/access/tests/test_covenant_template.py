# SPDX-License-Identifier: EUPL-1.2
"""The covenant template (issue 13, point 5): the method's usual processing activities as data in one place;
the regisseur starts a first covenant from it (partners, area, the activities chosen), reviews and saves a
draft, all or nothing; the demo covenant is built from the same entries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from smaakmaker.access import covenant_template as template
from smaakmaker.access.models import (
    AuditRecord,
    AvgGround,
    Compartment,
    Covenant,
    CovenantStatus,
    GrantLevel,
    GrantScope,
    Organisation,
    OrganisationKind,
    ProcessingActivity,
    ReuseDecision,
)
from smaakmaker.access.policies import ROLES_BY_NAME

PAGE = reverse("access:covenant_template")
CODES = {entry["code"] for entry in template.ACTIVITIES}


def test_the_template_is_valid_data_of_the_models():
    assert len(CODES) == len(template.ACTIVITIES) >= 7
    assert {"screening-nieuwe-huurders", "monitoring-aanpak", "casusoverleg"} <= CODES
    for entry in template.ACTIVITIES:
        assert entry["avg_ground"] in AvgGround.values and entry["compartment"] in Compartment.values
        assert entry["retention_days"] >= 1 and entry["data_categories"] and entry["grants"]
        for kind, role, scope, level in entry["grants"]:
            assert kind in OrganisationKind.values and role in ROLES_BY_NAME
            assert scope in GrantScope.values and level in GrantLevel.values
        assert template.organisation_kinds(entry) <= set(OrganisationKind.values)
    for source, target, legal_basis, motivation in template.REUSE:
        assert {source, target} <= CODES and legal_basis and motivation
    assert set(template.DEMO_CODES) <= CODES


def test_the_demo_covenant_is_built_from_the_template():
    from smaakmaker.cases import demo

    assert [entry["code"] for entry in demo.ACTIVITIES] == list(template.DEMO_CODES)
    assert all(entry is template.activity(entry["code"]) for entry in demo.ACTIVITIES)
    assert demo.REUSE is template.REUSE


def _data(**overrides) -> dict:
    partners = Organisation.objects.filter(kind__in=["gemeente", "woningcorporatie", "politie"])
    return {
        "name": "Convenant aanpak Sjabloonbuurt",
        "area_codes": "BU0014AA01, WK0014AA",
        "partners": [o.pk for o in partners],
        "valid_from": "2027-01-01",
        "activities": ["signalering-leefbaarheid", "casusoverleg", "screening-nieuwe-huurders"],
        **overrides,
    }


@pytest.mark.django_db
def test_regisseur_starts_a_draft_covenant_from_the_template(signed_in):
    client = signed_in("regisseur")
    page = client.get(PAGE)
    html = page.content.decode()
    assert page.status_code == 200
    for entry in template.ACTIVITIES:
        assert entry["name"] in html and entry["legal_basis"] in html
    assert html.count("checked") >= len(template.ACTIVITIES)  # all proposed; uncheck what does not apply
    response = client.post(PAGE, _data())
    covenant = Covenant.objects.get(name="Convenant aanpak Sjabloonbuurt")
    assert response.status_code == 302
    assert response["Location"] == reverse("access:covenant_detail", args=[covenant.uuid])
    assert covenant.status == CovenantStatus.DRAFT
    assert covenant.area_codes == ["BU0014AA01", "WK0014AA"]
    assert set(covenant.partners.values_list("kind", flat=True)) == {
        "gemeente",
        "woningcorporatie",
        "politie",
    }
    activities = {a.code: a for a in covenant.activities.all()}
    assert set(activities) == {"signalering-leefbaarheid", "casusoverleg", "screening-nieuwe-huurders"}
    screening = activities["screening-nieuwe-huurders"]
    spec = template.activity("screening-nieuwe-huurders")
    assert (screening.legal_basis, screening.retention_days, screening.allows_names) == (
        spec["legal_basis"],
        spec["retention_days"],
        True,
    )
    assert sorted(
        (g.organisation_kind, g.role.name, g.scope, g.level) for g in screening.grants.select_related("role")
    ) == sorted(spec["grants"])
    assert ReuseDecision.objects.filter(
        source=activities["signalering-leefbaarheid"], target=activities["casusoverleg"]
    ).exists()
    assert AuditRecord.objects.filter(action="covenant.create", object_id=str(covenant.uuid)).count() == 1
    assert AuditRecord.objects.filter(action="processing_activity.create").count() == 3
    # then the usual covenant flow: its page, with the activities of the template
    detail = client.get(response["Location"]).content.decode()
    assert "Screening nieuwe huurders" in detail


@pytest.mark.django_db
def test_a_second_covenant_from_the_template_numbers_the_codes_and_leaves_out_unchosen_reuse(signed_in):
    from smaakmaker.cases.demo import covenant_setup

    covenant_setup()  # the demo covenant holds the template's first five codes
    client = signed_in("regisseur")
    response = client.post(PAGE, _data(activities=["casusoverleg", "monitoring-aanpak"]))
    assert response.status_code == 302
    covenant = Covenant.objects.get(name="Convenant aanpak Sjabloonbuurt")
    assert set(covenant.activities.values_list("code", flat=True)) == {"casusoverleg-2", "monitoring-aanpak"}
    assert not ReuseDecision.objects.filter(target__covenant=covenant).exists()


@pytest.mark.django_db
def test_errors_are_next_to_their_fields_and_nothing_is_saved(signed_in):
    client = signed_in("regisseur")
    before = ProcessingActivity.objects.count()
    none = client.post(PAGE, _data(activities=[]))
    html = none.content.decode()
    assert none.status_code == 400 and 'id="activities_error"' in html
    assert "Kies minstens één verwerkingsactiviteit." in html
    bad_area = client.post(PAGE, _data(area_codes="BU0014AA01, XX12"))
    assert bad_area.status_code == 400 and 'id="area_codes_error"' in bad_area.content.decode()
    no_partner = client.post(PAGE, _data(partners=[]))
    assert no_partner.status_code == 400 and 'id="partners_error"' in no_partner.content.decode()
    assert not Covenant.objects.exists() and ProcessingActivity.objects.count() == before
    assert not AuditRecord.objects.filter(action__startswith="covenant").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["beheerder", "professional", "analist", "bestuurder", "privacy"])
def test_only_who_makes_covenants_starts_one_from_the_template(signed_in, username):
    client = signed_in(username)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, _data()).status_code == 403
    assert not Covenant.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_covenant_template_page_in_the_browser_is_accessible(page, axe, demo_users):
    from smaakmaker.access.demo import DEMO_PASSWORD

    page.goto("/inloggen/")
    page.get_by_label("Gebruikersnaam").fill("regisseur")
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("heading", level=1).wait_for()
    page.goto(reverse("access:covenants"))
    page.get_by_test_id("covenant-from-template").click()
    page.get_by_role("heading", level=1, name="Convenant uit het sjabloon").wait_for()
    assert axe(page) == []
    page.get_by_label("Gebieden (CBS-codes)").fill("XX12")
    page.get_by_test_id("save-template").click()
    page.locator("#area_codes_error").wait_for()
    assert axe(page) == []
    page.get_by_label("Gebieden (CBS-codes)").fill("WK0363FD")
    page.get_by_label("Gemeente Voorbeeldstad (demo)").check()
    page.get_by_label("Politie Eenheid Voorbeeld (demo)").check()
    page.get_by_label("Monitoring van de aanpak").uncheck()
    page.get_by_test_id("save-template").click()
    page.get_by_role("heading", level=3, name="Screening nieuwe huurders").wait_for()
    covenant = Covenant.objects.get()
    assert covenant.activities.count() == len(template.ACTIVITIES) - 1
    assert axe(page) == []
