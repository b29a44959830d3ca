# SPDX-License-Identifier: EUPL-1.2
"""The planner's forms in the browser-less client: a new approach, adding and changing interventions,
dependencies, refreshing the diagnosis, and stale scheduler runs. Each form: who may use it, what bad
input shows (the error at the field, nothing changed) and the audit record for address-level changes."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pandas as pd
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from smaakmaker.access.models import AuditRecord, Organisation, ProcessingLogRecord
from smaakmaker.areas.models import Area, AreaLevel
from smaakmaker.cases.models import Address
from smaakmaker.plans import services
from smaakmaker.plans.models import (
    Approach,
    InterventionEvent,
    InterventionType,
    PlanDependency,
    PlanIntervention,
    RunState,
    SchedulerRun,
)

from .conftest import GEMEENTE, LABEL_A1, LABEL_A2, POLITIE, WIJKTEAM

pytestmark = pytest.mark.django_db

NOT_MANAGERS = ("professional", "analist", "bestuurder", "privacy", "beheerder")


def _error(html: str, field: str) -> str:
    """The error text shown next to one field (``includes/field.html`` gives it the id <name>_error)."""
    match = re.search(rf'id="{re.escape(field)}_error">(.*?)</div>', html, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


def _orgs() -> dict[str, Organisation]:
    return {o.name: o for o in Organisation.objects.all()}


def _fake_scan(monkeypatch, code: str, year: int = 2024, missing_themes: str = ""):
    flavours = pd.DataFrame(
        {
            "code": [code, code, code, "BU0000XX00"],
            "flavour": ["Zuur", "Zuur", "Zout", "Zoet"],
            "reason": ["Veel overlast", "Drugsincidenten", "Veel zorgvragen", "elders"],
        }
    )
    calls = []

    def scan_run(**kwargs):
        calls.append(kwargs)
        profile = pd.DataFrame(
            {"n_indicators": [20], "n_indicators_total": [26], "missing_themes": [missing_themes]},
            index=pd.Index([code], name="code"),
        )
        return None, SimpleNamespace(flavours=flavours, year=year, profile=profile)

    monkeypatch.setattr("smaakmaker.areas.selectors.scan_run", scan_run)
    return calls


# --- a new approach ------------------------------------------------------------------------------------


def _approach_post(**overrides) -> dict:
    orgs = _orgs()
    data = {
        "name": "Aanpak Fictiefbuurt",
        "area": "BU0363FD04",
        "goals": "Minder overlast",
        "start_date": "2026-03-02",
        "horizon_weeks": "40",
        "covenant": "",
        "partners": [str(orgs[GEMEENTE].pk), str(orgs[POLITIE].pk)],
        f"capacity_{orgs[GEMEENTE].pk}": "12",
        f"capacity_{orgs[POLITIE].pk}": "3",
    }
    data.update(overrides)
    return data


def test_new_approach_only_for_the_regisseur(plan_world, signed_in, client):
    url = reverse("plans:approach_new")
    assert client.get(url).status_code == 302  # sign in first
    for username in NOT_MANAGERS:
        c = signed_in(username)
        assert c.get(url).status_code == 403
        assert c.post(url, _approach_post()).status_code == 403
        if username in ("professional", "analist"):
            assert 'data-testid="new-approach"' not in c.get(reverse("plans:index")).content.decode()
    assert Approach.objects.count() == 1
    reg = signed_in("regisseur")
    assert 'data-testid="new-approach"' in reg.get(reverse("plans:index")).content.decode()
    html = reg.get(url + "?gebied=BU0363FD04").content.decode()
    assert 'value="BU0363FD04"' in html  # an area page can link here with the area filled in


def test_new_approach_created_with_partners_and_diagnosis(plan_world, signed_in, monkeypatch):
    calls = _fake_scan(monkeypatch, "BU0363FD04")
    reg = signed_in("regisseur")
    response = reg.post(reverse("plans:approach_new"), _approach_post(area="dobbebuurt"), follow=True)
    approach = Approach.objects.get(name="Aanpak Fictiefbuurt")
    assert response.redirect_chain[-1][0] == reverse("plans:approach", args=[approach.uuid])
    assert approach.area.code == "BU0363FD04" and approach.horizon_weeks == 40 and approach.covenant is None
    assert {(p.organisation.name, p.weekly_capacity) for p in approach.partner_rows.all()} == {
        (GEMEENTE, 12),
        (POLITIE, 3),
    }
    assert approach.flavour_diagnosis == {"zuur": 2.0, "zout": 1.0} and approach.diagnosis_year == 2024
    assert calls[0]["level"] == "buurt" and calls[0]["gemeente_code"] == "GM0363"
    assert AuditRecord.objects.filter(action="approach.create", object_id=str(approach.uuid)).exists()
    html = response.content.decode()
    assert "Smaakdiagnose overgenomen uit de wijkscan van 2024" in html


def test_new_approach_without_scan_data_still_starts(plan_world, signed_in):
    reg = signed_in("regisseur")
    response = reg.post(reverse("plans:approach_new"), _approach_post(), follow=True)
    approach = Approach.objects.get(name="Aanpak Fictiefbuurt")
    assert approach.flavour_diagnosis == {}
    assert "geen wijkscan met gegevens" in response.content.decode()


def test_new_approach_bad_input_shows_errors_and_keeps_input(plan_world, signed_in):
    Area.objects.create(code="WK0363FD", level=AreaLevel.WIJK, name="Dobbewijk", gemeente_code="GM0363")
    reg = signed_in("regisseur")
    orgs = _orgs()
    url = reverse("plans:approach_new")
    response = reg.post(url, _approach_post(area="Dobbe"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Dobbebuurt (BU0363FD04)" in _error(html, "area") and "Dobbewijk (WK0363FD)" in _error(
        html, "area"
    )
    assert 'value="Aanpak Fictiefbuurt"' in html and "Minder overlast" in html  # nothing lost
    assert "Geen gebied" in _error(reg.post(url, _approach_post(area="Atlantis")).content.decode(), "area")
    html = reg.post(url, _approach_post(partners=[])).content.decode()
    assert "Kies ten minste één partner" in _error(html, "partners")
    html = reg.post(url, _approach_post(**{f"capacity_{orgs[POLITIE].pk}": ""})).content.decode()
    assert "capaciteit" in _error(html, f"capacity_{orgs[POLITIE].pk}")
    html = reg.post(url, _approach_post(horizon_weeks="0", start_date="2026-13-01")).content.decode()
    assert _error(html, "horizon_weeks") and _error(html, "start_date")
    assert Approach.objects.count() == 1  # only the fixture's


# --- adding an intervention ----------------------------------------------------------------------------


def _iv_post(approach, **overrides) -> dict:
    orgs = _orgs()
    data = {
        "iv-intervention_type": str(InterventionType.objects.get(code="schoon-heel-veilig").pk),
        "iv-title": "",
        "iv-level": "straat",
        "iv-street": "Verzinselkade",
        "iv-complex": "",
        "iv-address": "",
        "iv-start_week": "3",
        "iv-duration_weeks": "6",
        "iv-degree": "2",
        "iv-owner": str(orgs[GEMEENTE].pk),
        "iv-coordinator": "",
        "iv-exit_criteria": "Schouw laat verbetering zien",
        "iv-priority": "1",
        "iv-release_week": "",
        "iv-due_week": "",
    }
    data.update({f"iv-{k}": v for k, v in overrides.items()})
    return data


def test_add_intervention_on_street_level(plan_world, signed_in):
    w = plan_world
    url = reverse("plans:intervention_new", args=[w.approach.uuid])
    response = signed_in("regisseur").post(url, _iv_post(w.approach))
    assert response.status_code == 302
    iv = w.approach.interventions.get(ref="I-007")
    # weeks are entered from 1; stored from 0
    assert (iv.level, iv.street, iv.start_week, iv.duration_weeks, iv.degree) == (
        "straat",
        "Verzinselkade",
        2,
        6,
        2,
    )
    assert iv.flavour == "zoet" and iv.status == "concept" and iv.release_week == 0
    assert InterventionEvent.objects.filter(intervention=iv, kind="created").exists()
    assert not AuditRecord.objects.filter(action="plan.intervention.create", object_id=str(iv.uuid)).exists()


def test_add_intervention_at_an_address_is_audited(plan_world, signed_in):
    w = plan_world
    kind = InterventionType.objects.get(code="wmo-melding-keukentafel")
    orgs = _orgs()
    post = _iv_post(
        w.approach,
        intervention_type=str(kind.pk),
        level="adres",
        street="",
        address=str(w.a2.pk),
        owner=str(orgs[WIJKTEAM].pk),
        coordinator=str(orgs[GEMEENTE].pk),
        start_week="1",
        duration_weeks="",
        degree="",
        release_week="1",
        due_week="20",
    )
    assert (
        signed_in("regisseur")
        .post(reverse("plans:intervention_new", args=[w.approach.uuid]), post)
        .status_code
        == 302
    )
    iv = w.approach.interventions.get(ref="I-007")
    assert iv.address == w.a2 and iv.street == "Fictiefstraat" and iv.coordinator == orgs[GEMEENTE]
    assert iv.duration_weeks == kind.typical_duration_weeks and iv.degree == kind.default_degree
    assert iv.due_week == 20 and iv.is_care_offer
    record = AuditRecord.objects.get(action="plan.intervention.create", object_id=str(iv.uuid))
    assert record.actor == "regisseur"
    assert (
        ProcessingLogRecord.objects.filter(audit_hash=record.hash, data_subject_type="address").count() == 1
    )


@pytest.mark.parametrize(
    ("overrides", "field", "needle"),
    [
        ({"street": ""}, "iv-street", "straat"),
        ({"level": "complex", "complex": ""}, "iv-complex", "complex"),
        ({"level": "adres", "street": ""}, "iv-address", "adres"),
        ({"start_week": "28", "duration_weeks": "6"}, "iv-duration_weeks", "na de laatste week"),
        ({"start_week": "31"}, "iv-start_week", "30"),
        ({"start_week": "2", "release_week": "5"}, "iv-start_week", "vroegste"),
        ({"due_week": "4", "duration_weeks": "6"}, "iv-due_week", "niet af"),
        ({"degree": "0"}, "iv-degree", "1"),
        ({"intervention_type": "999999"}, "iv-intervention_type", "geldige keuze"),
        ({"level": "gebied"}, "iv-level", "niveau"),  # the catalogue says: street or complex only
        ({"owner": "999999"}, "iv-owner", "geldige keuze"),
    ],
)
def test_add_intervention_bad_input(plan_world, signed_in, overrides, field, needle):
    w = plan_world
    if overrides.get("level") == "gebied":
        InterventionType.objects.filter(code="schoon-heel-veilig").update(levels=["straat", "complex"])
    before = PlanIntervention.objects.count()
    response = signed_in("regisseur").post(
        reverse("plans:intervention_new", args=[w.approach.uuid]), _iv_post(w.approach, **overrides)
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert needle in _error(html, field), _error(html, field)
    assert PlanIntervention.objects.count() == before
    assert 'value="Schouw laat verbetering zien"' in html or "Schouw laat verbetering zien</textarea>" in html


def test_owner_must_be_a_partner(plan_world, signed_in):
    w = plan_world
    stranger = Organisation.objects.create(name="Geen partner (demo)", kind="overig")
    html = (
        signed_in("regisseur")
        .post(
            reverse("plans:intervention_new", args=[w.approach.uuid]),
            _iv_post(w.approach, owner=str(stranger.pk)),
        )
        .content.decode()
    )
    assert "geldige keuze" in _error(html, "iv-owner") and "Geen partner (demo)" not in html


def test_address_choices_only_visible_addresses(plan_world, signed_in):
    w = plan_world
    hidden = Address.objects.create(
        bag_nummeraanduiding_id="0363200000199999",
        street="Verborgenstraat",
        house_number=9,
        postcode="1064XB",
        city="Amsterdam",
        buurt_code="BU0363FD04",
    )  # nothing recorded here: the register shows it to nobody
    reg = signed_in("regisseur")
    html = reg.get(reverse("plans:approach", args=[w.approach.uuid])).content.decode()
    options = re.search(r'<select name="iv-address".*?</select>', html, re.S).group(0)
    assert LABEL_A1 in options and LABEL_A2 in options and "Verborgenstraat" not in options
    choices = AuditRecord.objects.filter(action="plan.address.choices", actor="regisseur").latest("id")
    assert ProcessingLogRecord.objects.filter(audit_hash=choices.hash).count() == 2
    forged = _iv_post(w.approach, level="adres", street="", address=str(hidden.pk))
    forged["iv-intervention_type"] = str(InterventionType.objects.get(code="wmo-melding-keukentafel").pk)
    response = reg.post(reverse("plans:intervention_new", args=[w.approach.uuid]), forged)
    assert response.status_code == 400 and "geldige keuze" in _error(response.content.decode(), "iv-address")
    assert "Verborgenstraat" not in response.content.decode()
    assert not w.approach.interventions.filter(address=hidden).exists()


@pytest.mark.parametrize("username", NOT_MANAGERS)
def test_add_intervention_forbidden(plan_world, signed_in, username):
    w = plan_world
    client = signed_in(username)
    response = client.post(reverse("plans:intervention_new", args=[w.approach.uuid]), _iv_post(w.approach))
    assert response.status_code == 403
    assert w.approach.interventions.count() == 6
    if username in ("professional", "analist", "bestuurder"):
        html = client.get(reverse("plans:approach", args=[w.approach.uuid])).content.decode()
        assert 'data-testid="add-intervention"' not in html and "Wijzig I-001" not in html
        assert 'data-testid="refresh-diagnosis"' not in html and 'data-testid="add-dependency"' not in html
        assert not AuditRecord.objects.filter(action="plan.address.choices", actor=username).exists()


# --- changing an intervention -----------------------------------------------------------------------------


def test_edit_intervention_records_history_and_audit(plan_world, signed_in):
    w = plan_world
    iv = w.ivs["zout_a1"]
    url = reverse("plans:intervention_edit", args=[w.approach.uuid, iv.ref])
    reg = signed_in("regisseur")
    page = reg.get(url).content.decode()
    assert 'name="start_week" value="5"' in page  # stored week 4 is shown as week 5
    assert AuditRecord.objects.filter(action="plan.address.read", actor="regisseur").exists()
    post = {k.removeprefix("iv-"): v for k, v in _iv_post(w.approach).items()}
    orgs = _orgs()
    post.update(
        intervention_type=str(iv.intervention_type_id),
        level="adres",
        street="",
        address=str(w.a1.pk),
        owner=str(orgs[GEMEENTE].pk),
        coordinator=str(orgs[GEMEENTE].pk),
        start_week="1",
        duration_weeks=str(iv.duration_weeks),
        degree=str(iv.degree),
        exit_criteria="Hulp geaccepteerd",
        note="Eerst zorg",
    )
    assert reg.post(url, post).status_code == 302
    iv.refresh_from_db()
    assert iv.start_week == 0 and iv.exit_criteria == "Hulp geaccepteerd" and iv.address == w.a1
    start = InterventionEvent.objects.get(intervention=iv, kind="start")
    assert (start.old, start.new, start.note, start.actor.username) == ("4", "0", "Eerst zorg", "regisseur")
    changed = InterventionEvent.objects.get(intervention=iv, kind="changed")
    assert "exit_criteria" in changed.note
    record = AuditRecord.objects.get(action="plan.intervention.change", object_id=str(iv.uuid))
    assert "start_week" in record.reason
    assert (
        ProcessingLogRecord.objects.filter(audit_hash=record.hash, data_subject_type="address").count() == 1
    )
    # the zout-bij-zuur warning is gone now that care starts with the Zuur measure
    html = reg.get(reverse("plans:approach", args=[w.approach.uuid])).content.decode()
    assert 'data-rule="zout-bij-zuur"' not in html
    # saving unchanged input writes nothing
    events = InterventionEvent.objects.count()
    assert reg.post(url, post).status_code == 302 and InterventionEvent.objects.count() == events


def test_edit_intervention_bad_input_changes_nothing(plan_world, signed_in):
    w = plan_world
    iv = w.ivs["bitter"]
    url = reverse("plans:intervention_edit", args=[w.approach.uuid, iv.ref])
    post = {k.removeprefix("iv-"): v for k, v in _iv_post(w.approach).items()}
    post.update(
        intervention_type=str(iv.intervention_type_id), street="", start_week="2", exit_criteria="Nieuw"
    )
    response = signed_in("regisseur").post(url, post)
    html = response.content.decode()
    assert response.status_code == 400 and "straat" in _error(html, "street")
    assert "Nieuw</textarea>" in html
    iv.refresh_from_db()
    assert iv.start_week == 0 and iv.street == "Fictiefstraat" and iv.exit_criteria == "Klaar"
    assert not InterventionEvent.objects.filter(intervention=iv).exclude(kind="created").exists()


def test_edit_intervention_forbidden_or_hidden(plan_world, signed_in):
    w = plan_world
    for username in NOT_MANAGERS:
        url = reverse("plans:intervention_edit", args=[w.approach.uuid, w.ivs["bitter"].ref])
        assert signed_in(username).get(url).status_code == 403
    # a manager whose covenant hides the address does not find the intervention there
    pro = w.users["professional"]
    from django.contrib.auth.models import Permission

    pro.user_permissions.add(Permission.objects.get(codename="change_planintervention"))
    client = signed_in("professional")
    hidden_url = reverse("plans:intervention_edit", args=[w.approach.uuid, w.ivs["zuur_a2"].ref])
    assert client.get(hidden_url).status_code == 404
    assert client.post(hidden_url, {}).status_code == 404
    assert client.get(reverse("plans:intervention_edit", args=[w.approach.uuid, "I-999"])).status_code == 404


# --- dependencies --------------------------------------------------------------------------------------


def test_dependency_add_and_remove(plan_world, signed_in):
    w = plan_world
    url = reverse("plans:dependency_new", args=[w.approach.uuid])
    reg = signed_in("regisseur")
    post = {
        "dep-first": w.ivs["zout_a1"].ref,
        "dep-kind": "voor",
        "dep-second": w.ivs["zuur_a1"].ref,
        "dep-lag_weeks": "2",
        "dep-window_weeks": "",
    }
    assert reg.post(url, post).status_code == 302
    dep = PlanDependency.objects.get(approach=w.approach)
    assert (dep.first, dep.second, dep.kind, dep.lag_weeks) == (w.ivs["zout_a1"], w.ivs["zuur_a1"], "voor", 2)
    record = AuditRecord.objects.get(action="plan.dependency.create", object_id=str(dep.uuid))
    assert ProcessingLogRecord.objects.filter(audit_hash=record.hash).count() == 2  # two interventions at A1
    html = reg.get(reverse("plans:approach", args=[w.approach.uuid])).content.decode()
    assert "eindigt vóór de start van" in html and "2 weken ertussen" in html
    # the same again, and an intervention with itself: errors next to the field, nothing added
    html = reg.post(url, post).content.decode()
    assert "bestaat al" in _error(html, "dep-second")
    html = reg.post(url, {**post, "dep-second": post["dep-first"]}).content.decode()
    assert "andere interventie" in _error(html, "dep-second")
    html = reg.post(url, {**post, "dep-lag_weeks": "-1"}).content.decode()
    assert _error(html, "dep-lag_weeks")
    assert PlanDependency.objects.count() == 1
    for username in ("professional", "analist", "bestuurder"):
        c = signed_in(username)
        assert c.post(url, post).status_code == 403
        assert c.post(reverse("plans:dependency_delete", args=[w.approach.uuid, dep.uuid])).status_code == 403
    # a street-level dependency: no personal data, no audit record
    reg = signed_in("regisseur")
    reg.post(
        url,
        {
            **post,
            "dep-first": w.ivs["bitter"].ref,
            "dep-kind": "samen",
            "dep-second": w.ivs["zoet_street"].ref,
            "dep-window_weeks": "3",
        },
    )
    street = PlanDependency.objects.get(kind="samen")
    assert street.window_weeks == 3
    assert not AuditRecord.objects.filter(
        action="plan.dependency.create", object_id=str(street.uuid)
    ).exists()
    assert reg.post(reverse("plans:dependency_delete", args=[w.approach.uuid, dep.uuid])).status_code == 302
    assert not PlanDependency.objects.filter(pk=dep.pk).exists()
    assert AuditRecord.objects.filter(action="plan.dependency.delete", object_id=str(dep.uuid)).exists()


def test_dependency_with_a_hidden_address_stays_hidden(plan_world, signed_in):
    w = plan_world
    dep = services.dependency_add(actor=w.users["regisseur"], first=w.ivs["bitter"], second=w.ivs["zuur_a2"])
    html = signed_in("professional").get(reverse("plans:approach", args=[w.approach.uuid])).content.decode()
    assert "1 andere afhankelijkheid" in html and w.ivs["zuur_a2"].ref not in html
    with pytest.raises(services.PlanForbidden):
        services.dependency_remove(actor=w.users["professional"], dependency=dep)


# --- the diagnosis -------------------------------------------------------------------------------------------


def test_diagnosis_refresh_button(plan_world, signed_in, monkeypatch):
    w = plan_world
    url = reverse("plans:diagnosis_refresh", args=[w.approach.uuid])
    _fake_scan(monkeypatch, "BU0363FD04", year=2023)
    for username in ("professional", "analist", "bestuurder"):
        assert signed_in(username).post(url).status_code == 403
    w.approach.refresh_from_db()
    assert w.approach.diagnosis_year is None
    reg = signed_in("regisseur")
    assert (
        'data-testid="refresh-diagnosis"'
        in reg.get(reverse("plans:approach", args=[w.approach.uuid])).content.decode()
    )
    response = reg.post(url, follow=True)
    w.approach.refresh_from_db()
    assert w.approach.flavour_diagnosis == {"zuur": 2.0, "zout": 1.0} and w.approach.diagnosis_year == 2023
    assert w.approach.diagnosis_reasons == ["Veel overlast", "Drugsincidenten", "Veel zorgvragen"]
    assert "wijkscan van 2023" in response.content.decode()
    # a GET of the POST-only address (refresh, bookmark) goes back to the approach page
    response = reg.get(url)
    assert response.status_code == 302 and response["Location"] == reverse(
        "plans:approach", args=[w.approach.uuid]
    )


def test_incomplete_diagnosis_is_stored_shown_and_not_compared(plan_world, signed_in, monkeypatch):
    """Issue 16: a diagnosis from a year where whole themes have no figures says so, and the plan's
    balance warnings name the year and coverage and do not compare shares with it."""
    w = plan_world
    _fake_scan(monkeypatch, "BU0363FD04", year=2024, missing_themes="Veiligheid, Zorg & jeugd")
    reg = signed_in("regisseur")
    response = reg.post(reverse("plans:diagnosis_refresh", args=[w.approach.uuid]), follow=True)
    w.approach.refresh_from_db()
    assert w.approach.diagnosis_basis == {
        "present": 20,
        "expected": 26,
        "missing_themes": ["Veiligheid", "Zorg & jeugd"],
    }
    html = response.content.decode()
    assert "de smaakdiagnose is onvolledig" in html
    assert 'data-testid="diagnosis-incomplete"' in html and "Veiligheid, Zorg &amp; jeugd" in html
    assert "20 van de 26 verwachte indicatoren" in html
    from smaakmaker.plans.selectors import _balance as balance_rows
    from smaakmaker.plans.selectors import plan_domain

    assert all(row.diagnosed_share is None for row in balance_rows(plan_domain(w.approach)))
    from smaakmaker.plans.selectors import plan_warnings

    balance = [x for x in plan_warnings(w.approach) if x.rule_id == "smaakbalans"]
    assert any(
        x.subject == "diagnose" and "wijkanalyse 2024, 20 van 26 indicatoren" in x.message for x in balance
    )
    assert not any("die de wijkanalyse" in x.message for x in balance)


# --- stale scheduler runs --------------------------------------------------------------------------------


def test_stale_run_is_marked_failed_and_no_longer_blocks(plan_world, signed_in):
    w = plan_world
    now = timezone.now()
    run = SchedulerRun.objects.create(
        approach=w.approach, state=RunState.RUNNING, started_at=now, time_limit_s=10, base_starts={}
    )
    limit = timedelta(seconds=10 + services.EXPLAIN_LIMIT_S + services.STALE_MARGIN_S)
    with time_machine.travel(now + limit - timedelta(seconds=1), tick=False):
        with pytest.raises(services.PlanError, match="loopt al"):
            services.run_create(actor=w.users["regisseur"], approach=w.approach)
        assert services.runs_expire_stale(approach=w.approach) == 0
    run.refresh_from_db()
    assert run.state == RunState.RUNNING
    with time_machine.travel(now + limit + timedelta(seconds=1), tick=False):
        html = signed_in("regisseur").get(reverse("plans:approach", args=[w.approach.uuid])).content.decode()
        run.refresh_from_db()
        assert run.state == RunState.FAILED and run.finished_at is not None
        assert "server opnieuw is gestart" in run.message and "Mislukt" in html
        new = services.run_create(actor=w.users["regisseur"], approach=w.approach, time_limit_s=2)
    assert new.state == RunState.QUEUED
    # a stale run that never started is not started any more, and keeps its reason
    assert services.run_execute(run_id=run.pk).state == RunState.FAILED


def test_stale_queued_run_expires_on_a_new_run(plan_world):
    w = plan_world
    with time_machine.travel(timezone.now() - timedelta(hours=1), tick=False):
        old = SchedulerRun.objects.create(approach=w.approach, time_limit_s=5, base_starts={})
    run = services.run_create(actor=w.users["regisseur"], approach=w.approach, time_limit_s=2)
    old.refresh_from_db()
    assert old.state == RunState.FAILED and run.state == RunState.QUEUED


def test_api_shows_a_stale_run_as_failed(plan_world, signed_in):
    """The API looks a run up the same way as the page: a run whose server died is not 'running'."""
    w = plan_world
    now = timezone.now()
    run = SchedulerRun.objects.create(
        approach=w.approach, state=RunState.RUNNING, started_at=now, time_limit_s=10, base_starts={}
    )
    limit = timedelta(seconds=10 + services.EXPLAIN_LIMIT_S + services.STALE_MARGIN_S)
    with time_machine.travel(now + limit + timedelta(seconds=1), tick=False):
        response = signed_in("regisseur").get(f"/api/v1/plans/{w.approach.uuid}/runs/{run.uuid}")
    assert response.status_code == 200
    assert response.json()["run"]["state"] == RunState.FAILED
