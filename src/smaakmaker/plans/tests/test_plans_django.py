# SPDX-License-Identifier: EUPL-1.2
"""The Django side of the plans domain: mapping to the pure plan, visibility and audit, pages, API,
status and phase workflows, scheduler runs and the regisseur's decision, the CLI and the demo."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from smaakmaker.access.models import AuditRecord, Organisation
from smaakmaker.plans import domain, selectors, services
from smaakmaker.plans.models import (
    ALLOWED_TRANSITIONS,
    InterventionEvent,
    InterventionType,
    Phase,
    PhaseChange,
    RunDecision,
    RunState,
    SchedulerRun,
)

from .conftest import LABEL_A1, LABEL_A2

pytestmark = pytest.mark.django_db

VIEWERS = ("regisseur", "professional", "analist", "bestuurder")
NO_PLANS = ("privacy", "beheerder")
CARE_TEXT = "met een zorgsignaal"


# --- catalogue ---------------------------------------------------------------------------------------


def test_catalogue_is_seeded_with_dutch_instruments():
    types = {t.code: t for t in InterventionType.objects.all()}
    assert {t.flavour for t in types.values()} == {"zoet", "zuur", "zout", "bitter"}
    assert types["opiumwet-13b-sluiting"].legal_instrument == "Opiumwet art. 13b"
    assert types["bw-7-231-ontbinding"].legal_instrument == "Burgerlijk Wetboek art. 7:231 lid 2"
    instruments = " ".join(t.legal_instrument for t in types.values())
    for needle in (
        "Gemeentewet art. 174a",
        "Gemeentewet art. 151d",
        "Woningwet art. 13b",
        "art. 8",
        "art. 10",
        "Wet Bibob",
        "Wmo 2015",
        "art. 3a",
    ):
        assert needle in instruments
    assert services.catalogue_seed() == 0  # idempotent


# --- model <-> domain ---------------------------------------------------------------------------------


def test_plan_maps_to_the_pure_domain(plan_world):
    w = plan_world
    plan = selectors.plan_domain(w.approach)
    by_id = plan.by_id()
    zuur = by_id[w.ivs["zuur_a1"].ref]
    assert zuur.flavour is domain.Flavour.ZUUR and zuur.level is domain.Level.ADRES
    assert zuur.address == f"#{w.a1.pk}" and zuur.street == "Fictiefstraat" and zuur.outflow
    assert (
        zuur.duration_weeks == 12
        and zuur.start_week == 0
        and zuur.coordinator == "Gemeente Voorbeeldstad (demo)"
    )
    complex_iv = by_id[w.ivs["zoet_complex"].ref]
    assert complex_iv.target == "Complex Fictief" and complex_iv.level is domain.Level.COMPLEX
    assert by_id[w.ivs["zout_a1"].ref].is_care_offer
    # the coarse care flag only: A1 has a care signal, A2 has none
    assert plan.care_addresses == frozenset({f"#{w.a1.pk}"})
    assert {p.weekly_capacity for p in plan.partners} == {10, 6, 4}
    assert plan.flavour_diagnosis[domain.Flavour.ZUUR] == 2.0
    rule_ids = {x.rule_id for x in selectors.plan_warnings(w.approach)}
    assert "zout-bij-zuur" in rule_ids
    assert "bitter-voor-zuur" not in rule_ids  # the street screening covers both out-flows


def test_dependency_and_start_override_map(plan_world):
    w = plan_world
    dep = services.dependency_add(
        actor=w.users["regisseur"], first=w.ivs["zout_a1"], second=w.ivs["zuur_a1"], kind="voor"
    )
    plan = selectors.plan_domain(w.approach, starts={w.ivs["zuur_a1"].ref: 9})
    assert plan.dependencies == (
        domain.Dependency(
            first=w.ivs["zout_a1"].ref, second=w.ivs["zuur_a1"].ref, kind=domain.DependencyKind.BEFORE
        ),
    )
    assert plan.by_id()[w.ivs["zuur_a1"].ref].start_week == 9
    assert dep.approach_id == w.approach.pk
    with pytest.raises(services.PlanError):
        services.dependency_add(actor=w.users["regisseur"], first=w.ivs["zout_a1"], second=w.ivs["zout_a1"])


def test_intervention_add_validates_level_and_owner(plan_world):
    w = plan_world
    t = InterventionType.objects.get(code="opiumwet-13b-sluiting")
    gem = Organisation.objects.get(name="Gemeente Voorbeeldstad (demo)")
    with pytest.raises(services.PlanError):
        services.intervention_add(
            actor=w.users["regisseur"],
            approach=w.approach,
            intervention_type=t,
            owner=gem,
            level="straat",
            street="X",
        )
    with pytest.raises(services.PlanError):
        services.intervention_add(
            actor=w.users["regisseur"], approach=w.approach, intervention_type=t, owner=gem, level="adres"
        )
    other = Organisation.objects.create(name="Geen partner", kind="overig")
    with pytest.raises(services.PlanError):
        services.intervention_add(
            actor=w.users["regisseur"],
            approach=w.approach,
            intervention_type=t,
            owner=other,
            level="adres",
            address=w.a1,
        )
    # an address the actor may not see cannot be planned by them
    with pytest.raises(services.PlanForbidden):
        services.intervention_add(
            actor=w.users["professional"],
            approach=w.approach,
            intervention_type=t,
            owner=gem,
            level="adres",
            address=w.a2,
        )


# --- pages: who sees what ------------------------------------------------------------------------------


@pytest.mark.parametrize("username", VIEWERS)
def test_approach_page_per_role(plan_world, signed_in, username):
    w = plan_world
    response = signed_in(username).get(reverse("plans:approach", args=[w.approach.uuid]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="warning"' in html and "<svg" in html and 'data-testid="balance"' in html
    assert "Testsignaal" not in html  # signal content never appears
    sees = {"regisseur": (True, True), "professional": (True, False)}.get(username, (False, False))
    assert (LABEL_A1 in html, LABEL_A2 in html) == sees
    if username in ("analist", "bestuurder"):
        assert CARE_TEXT not in html  # the care flag stays with those who may see the address
        assert "Plan per adres" not in html
        assert 'data-testid="run"' not in html
    if username == "regisseur":
        assert 'data-testid="run"' in html and CARE_TEXT in html


@pytest.mark.parametrize("username", NO_PLANS)
def test_pages_forbidden_without_plan_role(plan_world, signed_in, username):
    client = signed_in(username)
    w = plan_world
    for url in (
        reverse("plans:index"),
        reverse("plans:approach", args=[w.approach.uuid]),
        reverse("plans:addresses", args=[w.approach.uuid]),
    ):
        assert client.get(url).status_code == 403


def test_index_and_catalogue_pages(plan_world, signed_in, client):
    assert client.get(reverse("plans:index")).status_code == 302  # anonymous: sign in first
    regisseur = signed_in("regisseur")
    assert "Testaanpak" in regisseur.get(reverse("plans:index")).content.decode()
    html = regisseur.get(reverse("plans:catalogue")).content.decode()
    assert "Opiumwet art. 13b" in html and "Wet Bibob" in html


def test_addresses_pages_follow_register_visibility(plan_world, signed_in):
    w = plan_world
    url_list = reverse("plans:addresses", args=[w.approach.uuid])
    reg = signed_in("regisseur")
    html = reg.get(url_list).content.decode()
    assert LABEL_A1 in html and LABEL_A2 in html and "Zorgsignaal aanwezig" in html
    assert reg.get(reverse("plans:address", args=[w.approach.uuid, w.a2.uuid])).status_code == 200
    pro = signed_in("professional")
    html = pro.get(url_list).content.decode()
    assert LABEL_A1 in html and LABEL_A2 not in html
    assert pro.get(reverse("plans:address", args=[w.approach.uuid, w.a2.uuid])).status_code == 404
    assert pro.get(reverse("plans:address", args=[w.approach.uuid, w.a1.uuid])).status_code == 200
    for username in ("analist", "bestuurder"):
        client = signed_in(username)
        assert client.get(url_list).status_code == 403
        assert client.get(reverse("plans:address", args=[w.approach.uuid, w.a1.uuid])).status_code == 403


def test_address_reads_are_audited(plan_world, signed_in):
    w = plan_world
    before = AuditRecord.objects.filter(action="plan.addresses.read").count()
    signed_in("analist").get(reverse("plans:approach", args=[w.approach.uuid]))
    assert AuditRecord.objects.filter(action="plan.addresses.read").count() == before  # saw no address
    signed_in("regisseur").get(reverse("plans:approach", args=[w.approach.uuid]))
    record = AuditRecord.objects.filter(action="plan.addresses.read").first()
    assert record.actor == "regisseur" and record.object_id == str(w.approach.uuid)
    signed_in("professional").get(reverse("plans:address", args=[w.approach.uuid, w.a1.uuid]))
    assert AuditRecord.objects.filter(action="plan.address.read", actor="professional").exists()


# --- status and phase ----------------------------------------------------------------------------------


def test_status_change_by_owner_only(plan_world, signed_in):
    w = plan_world
    url = lambda key: reverse("plans:status", args=[w.approach.uuid, w.ivs[key].ref])  # noqa: E731
    pro = signed_in("professional")
    assert pro.post(url("zoet_complex"), {"status": "lopend"}).status_code == 302
    w.ivs["zoet_complex"].refresh_from_db()
    assert w.ivs["zoet_complex"].status == "lopend"
    event = InterventionEvent.objects.filter(intervention=w.ivs["zoet_complex"], kind="status").get()
    assert (event.old, event.new, event.actor.username) == ("gepland", "lopend", "professional")
    assert pro.post(url("zoet_street"), {"status": "lopend"}).status_code == 403  # gemeente's
    assert pro.post(url("zuur_a2"), {"status": "lopend"}).status_code == 404  # address not visible
    assert signed_in("bestuurder").post(url("zoet_street"), {"status": "lopend"}).status_code == 403
    reg = signed_in("regisseur")
    assert (
        reg.post(url("zoet_street"), {"status": "afgerond"}).status_code == 302
    )  # not allowed: gepland→afgerond
    w.ivs["zoet_street"].refresh_from_db()
    assert w.ivs["zoet_street"].status == "gepland"
    with pytest.raises(RuntimeError):
        event.save()  # history is append-only


def test_phase_workflow(plan_world, signed_in):
    w = plan_world
    url = reverse("plans:phase", args=[w.approach.uuid])
    assert signed_in("professional").post(url, {"phase": "analyse"}).status_code == 403
    reg = signed_in("regisseur")
    reg.post(url, {"phase": "uitvoering"})  # not allowed from verkenning
    w.approach.refresh_from_db()
    assert w.approach.phase == Phase.VERKENNING
    reg.post(url, {"phase": "analyse", "note": "Wijkscan besproken"})
    w.approach.refresh_from_db()
    assert w.approach.phase == Phase.ANALYSE
    assert list(PhaseChange.objects.filter(approach=w.approach).values_list("to_phase", flat=True)) == [
        "verkenning",
        "analyse",
    ]
    assert set(ALLOWED_TRANSITIONS) == set(Phase.values)


# --- scheduler runs ------------------------------------------------------------------------------------


def _run(client, approach):
    response = client.post(reverse("plans:run_create", args=[approach.uuid]), {"time_limit": "3"})
    assert response.status_code == 302
    return SchedulerRun.objects.filter(approach=approach).latest("created")


def test_run_accept_writes_revisions(plan_world, signed_in):
    w = plan_world
    reg = signed_in("regisseur")
    run = _run(reg, w.approach)
    assert run.state == RunState.FINISHED and run.solver_status in ("OPTIMAL", "FEASIBLE")
    # the proposal meets the hard rules: Zout at A1 starts no later than the Zuur there
    assert run.proposed_starts[w.ivs["zout_a1"].ref] <= run.proposed_starts[w.ivs["zuur_a1"].ref]
    page = reg.get(reverse("plans:run", args=[w.approach.uuid, run.uuid])).content.decode()
    assert 'data-testid="accept"' in page and 'data-testid="proposal"' in page
    status = reg.get(reverse("plans:run_status", args=[w.approach.uuid, run.uuid])).json()
    assert status["done"] and status["progress"] == 1.0
    # others may look, not decide
    assert (
        signed_in("professional")
        .post(reverse("plans:run_decide", args=[w.approach.uuid, run.uuid]), {"decision": "accept"})
        .status_code
        == 403
    )
    changed = {r: s for r, s in run.proposed_starts.items() if run.base_starts[r] != s}
    reg = signed_in("regisseur")  # the test client is shared: sign in again
    reg.post(
        reverse("plans:run_decide", args=[w.approach.uuid, run.uuid]), {"decision": "accept", "note": "ok"}
    )
    run.refresh_from_db()
    assert run.decision == RunDecision.ACCEPTED and run.decided_by.username == "regisseur"
    for iv in w.approach.interventions.all():
        assert iv.start_week == run.proposed_starts[iv.ref]
    events = InterventionEvent.objects.filter(run=run, kind="start")
    assert {e.intervention.ref for e in events} == set(changed)
    assert AuditRecord.objects.filter(action="plan.schedule.accept", object_id=str(run.uuid)).exists()
    assert "zout-bij-zuur" not in {x.rule_id for x in selectors.plan_warnings(w.approach)}
    with pytest.raises(services.PlanError):
        services.run_accept(actor=w.users["regisseur"], run=run)  # decided already


def test_run_reject_and_stale_proposal(plan_world, signed_in):
    w = plan_world
    reg = signed_in("regisseur")
    run = _run(reg, w.approach)
    reg.post(reverse("plans:run_decide", args=[w.approach.uuid, run.uuid]), {"decision": "reject"})
    run.refresh_from_db()
    assert run.decision == RunDecision.REJECTED
    assert w.approach.interventions.get(ref=w.ivs["zout_a1"].ref).start_week == 4  # unchanged
    run2 = _run(reg, w.approach)
    w.approach.interventions.filter(ref=w.ivs["bitter"].ref).update(
        start_week=1
    )  # the plan changed meanwhile
    with pytest.raises(services.PlanError, match="veranderd"):
        services.run_accept(actor=w.users["regisseur"], run=run2)
    assert signed_in("analist").post(reverse("plans:run_create", args=[w.approach.uuid])).status_code == 403


def test_infeasible_plan_names_conflicts(plan_world):
    w = plan_world
    zout = w.ivs["zout_a1"]
    zout.release_week = 10  # care can only start in week 11, but the Zuur measure must end by week 8
    zout.save()
    zuur = w.ivs["zuur_a1"]
    zuur.due_week = 12
    zuur.save()
    run = services.run_create(actor=w.users["regisseur"], approach=w.approach, time_limit_s=3)
    run = services.run_execute(run_id=run.pk)
    assert run.solver_status == "INFEASIBLE" and not run.has_proposal
    assert run.conflicts and any(zuur.ref in c["intervention_ids"] for c in run.conflicts)


# --- API -----------------------------------------------------------------------------------------------


def test_api_lists_per_role(plan_world, signed_in):
    w = plan_world
    refs = {}
    for username in VIEWERS:
        client = signed_in(username)
        plans = client.get("/api/v1/plans").json()
        assert plans["count"] == 1 and plans["results"][0]["name"] == "Testaanpak"
        data = client.get(f"/api/v1/plans/{w.approach.uuid}/interventions").json()
        assert data["count"] == len(data["results"]) and data["next"] is None
        refs[username] = {row["ref"] for row in data["results"]}
        warnings = client.get(f"/api/v1/plans/{w.approach.uuid}/warnings").json()
        care = [x for x in warnings["warnings"] if x["rule_id"] == "zout-bij-zuur"]
        # the care and police interventions at A1 are the corporation's only as flags
        assert care and (care[0]["redacted"] is (username != "regisseur"))
    everything = {iv.ref for iv in w.ivs.values()}
    assert refs["regisseur"] == everything  # the gemeente owns or coordinates all three address-level ones
    assert refs["professional"] == everything - {w.ivs[k].ref for k in ("zuur_a1", "zout_a1", "zuur_a2")}
    assert (
        refs["analist"]
        == refs["bestuurder"]
        == everything - {w.ivs["zuur_a1"].ref, w.ivs["zout_a1"].ref, w.ivs["zuur_a2"].ref}
    )
    for username in NO_PLANS:
        client = signed_in(username)
        assert client.get("/api/v1/plans").status_code == 403
        assert client.get(f"/api/v1/plans/{w.approach.uuid}/warnings").status_code == 403
    assert signed_in("regisseur").get("/api/v1/plans/00000000-0000-0000-0000-000000000000").status_code == 404
    types = signed_in("bestuurder").get("/api/v1/intervention-types").json()
    assert any(t["code"] == "wet-bibob-toets" for t in types)


def test_api_writes(plan_world, signed_in):
    w = plan_world
    base = f"/api/v1/plans/{w.approach.uuid}"
    pro = signed_in("professional")
    ok = pro.post(
        f"{base}/interventions/{w.ivs['zoet_complex'].ref}/status",
        {"status": "lopend"},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "lopend"
    assert (
        pro.post(
            f"{base}/interventions/{w.ivs['zoet_street'].ref}/status",
            {"status": "lopend"},
            content_type="application/json",
        ).status_code
        == 403
    )
    assert (
        pro.post(
            f"{base}/interventions/{w.ivs['zuur_a2'].ref}/status",
            {"status": "lopend"},
            content_type="application/json",
        ).status_code
        == 404
    )
    bad = pro.post(
        f"{base}/interventions/{w.ivs['zoet_complex'].ref}/status",
        {"status": "concept"},
        content_type="application/json",
    )
    assert bad.status_code == 409 and bad["Content-Type"].startswith("application/problem+json")
    gem = Organisation.objects.get(name="Gemeente Voorbeeldstad (demo)")
    body = {
        "intervention_type": "schoon-heel-veilig",
        "owner": str(gem.uuid),
        "level": "straat",
        "street": "Verzinselkade",
        "start_week": 3,
        "exit_criteria": "Schouw",
    }
    assert pro.post(f"{base}/interventions", body, content_type="application/json").status_code == 403
    reg = signed_in("regisseur")
    created = reg.post(f"{base}/interventions", body, content_type="application/json")
    assert created.status_code == 201 and created.json()["ref"] == "I-007"
    pro = signed_in("professional")
    assert pro.post(f"{base}/runs", {}, content_type="application/json").status_code == 403
    reg = signed_in("regisseur")
    run = reg.post(f"{base}/runs", {"time_limit_s": 3}, content_type="application/json")
    assert run.status_code == 202 and run.json()["state"] == "finished"
    run_uuid = run.json()["uuid"]
    detail = signed_in("analist").get(f"{base}/runs/{run_uuid}").json()
    assert w.ivs["zuur_a1"].ref not in detail["proposed_starts"]  # address-level refs hidden from analist
    assert w.ivs["bitter"].ref in detail["proposed_starts"]
    assert (
        signed_in("analist")
        .post(f"{base}/runs/{run_uuid}/decision", {"decision": "accept"}, content_type="application/json")
        .status_code
        == 403
    )
    reg = signed_in("regisseur")
    decided = reg.post(
        f"{base}/runs/{run_uuid}/decision", {"decision": "reject"}, content_type="application/json"
    )
    assert decided.status_code == 200 and decided.json()["decision"] == "rejected"


# --- CLI and demo --------------------------------------------------------------------------------------


def test_cli_check_and_schedule(plan_world, capsys):
    with pytest.raises(SystemExit) as exc:
        call_command("plans", "check", "Testaanpak")
    assert exc.value.code == 1  # zout-bij-zuur is a hard rule
    out = capsys.readouterr().out
    assert "zout-bij-zuur" in out and LABEL_A1 not in out
    call_command("plans", "schedule", "Testaanpak", "--time-limit", "3", "--accept")
    out = capsys.readouterr().out
    assert "Aangenomen" in out
    call_command("plans", "check", "Testaanpak")  # no hard rule broken any more


def test_demo_plan_triggers_warnings(demo_users):
    from smaakmaker.cases.demo import demo_load as cases_demo
    from smaakmaker.plans.demo import demo_load

    cases_demo(addresses=60)
    approach = demo_load()
    assert approach.interventions.count() >= 25
    assert {iv.flavour for iv in approach.interventions.all()} == {"zoet", "zuur", "zout", "bitter"}
    assert approach.partner_rows.count() == 5 and approach.phase == "uitvoering"
    rule_ids = {x.rule_id for x in selectors.plan_warnings(approach)}
    assert {
        "bitter-voor-zuur",
        "zout-bij-zuur",
        "zoet-bij-zuur",
        "een-coordinator",
        "volledigheid",
    } <= rule_ids
    assert demo_load().pk == approach.pk and approach.interventions.count() == 30  # idempotent
