# SPDX-License-Identifier: EUPL-1.2
"""Tests for the CP-SAT umami scheduler and the greedy baseline on hand-made plans."""

from __future__ import annotations

import pytest

from smaakmaker.plans.domain import (
    Dependency,
    DependencyKind,
    Flavour,
    Intervention,
    Level,
    Partner,
    Plan,
    Status,
)
from smaakmaker.plans.rules import RuleConfig, check_plan
from smaakmaker.plans.scheduling import (
    PlanningInputError,
    SchedulerConfig,
    SolveStatus,
    apply_schedule,
    explain_infeasibility,
    greedy_schedule,
    schedule_objective,
    schedule_plan,
)

FAST = SchedulerConfig(time_limit_s=5.0, explain_time_limit_s=5.0)
HARD = {"bitter-voor-zuur", "zout-bij-zuur", "capaciteit", "afhankelijkheden"}


def iv(id: str, flavour: Flavour, dur: int = 4, **kw) -> Intervention:
    kw.setdefault("level", Level.ADRES)
    kw.setdefault("target", "a1")
    kw.setdefault("owner", "gemeente")
    kw.setdefault("street", "s1")
    kw.setdefault("exit_criteria", "Klaar als het doel is bereikt.")
    kw.setdefault("coordinator", "c1")
    return Intervention(id=id, flavour=flavour, duration_weeks=dur, **kw)


PARTNERS = (
    Partner("gemeente", "Gemeente", 3),
    Partner("politie", "Politie", 2),
    Partner("wijkteam", "Wijkteam", 2),
)


def street_plan(**kw) -> Plan:
    """A small coherent street: screening, an eviction on a care address, care, and a clean-up."""
    ivs = (
        iv("bitter", Flavour.BITTER, 12, level=Level.STRAAT, target="s1"),
        iv("zuur", Flavour.ZUUR, 6, owner="politie", requires_care_offer=True, priority=3),
        iv("zout", Flavour.ZOUT, 4, owner="wijkteam", release_week=2),
        iv("zoet", Flavour.ZOET, 3, level=Level.STRAAT, target="s1", priority=2),
        iv("zoet2", Flavour.ZOET, 2, level=Level.STRAAT, target="s1"),
    )
    kw.setdefault("partners", PARTNERS)
    kw.setdefault("horizon_weeks", 20)
    return Plan(interventions=ivs, **kw)


def test_feasible_plan_is_optimal_and_meets_hard_rules():
    plan = street_plan()
    res = schedule_plan(plan, FAST)
    assert res.status is SolveStatus.OPTIMAL and res.has_schedule
    assert set(res.starts) == {i.id for i in plan.interventions}
    assert res.starts["zout"] <= res.starts["zuur"]  # care before or with enforcement
    assert res.objective is not None and res.solver_objective == res.objective.total
    assert res.time_to_first_s is not None and res.time_to_best_s is not None
    assert res.time_to_first_s <= res.time_to_best_s <= res.wall_time_s
    assert res.exact_simultaneity_model
    warnings = check_plan(apply_schedule(plan, res.starts))
    assert not [w for w in warnings if w.rule_id in HARD], warnings
    assert "Planning voor 5 interventies" in res.message


def test_scheduler_beats_or_matches_greedy_and_prefers_simultaneity():
    plan = street_plan()
    res = schedule_plan(plan, FAST)
    greedy = greedy_schedule(plan, FAST)
    assert not greedy.unplaced
    assert res.objective.total >= greedy.objective.total
    # With weeks of simultaneity worth more than relief, the solver keeps >= 3 flavours together.
    assert res.objective.simultaneous_weeks >= greedy.objective.simultaneous_weeks


def test_objective_is_computed_exactly():
    plan = street_plan()
    starts = {"bitter": 0, "zuur": 2, "zout": 2, "zoet": 4, "zoet2": 18}
    obj = schedule_objective(plan, starts, SchedulerConfig(simultaneity_weight=10, relief_weight=1))
    # bitter 0-11, zuur 2-7, zout 2-5, zoet 4-6 → >= 3 flavours in weeks 2..6 (week 7: only two).
    assert obj.simultaneous_weeks == 5
    # relief: Σ priority × (20 − end): bitter 1×8, zuur 3×12, zout 1×14, zoet 2×13, zoet2 1×0.
    assert obj.relief == 8 + 36 + 14 + 26 + 0
    assert obj.total == 50 + obj.relief


def test_precedence_together_windows_fixed_and_capacity_are_respected():
    ivs = (
        iv("a", Flavour.ZOUT, 3, owner="wijkteam", degree=2),
        iv("b", Flavour.ZOUT, 3, owner="wijkteam", degree=2),
        iv("c", Flavour.ZOET, 2, release_week=5, due_week=12),
        iv("d", Flavour.ZOET, 4, status=Status.LOPEND, start_week=1),
        iv("e", Flavour.ZOET, 2),
    )
    deps = (
        Dependency("a", "c", DependencyKind.BEFORE, lag_weeks=2),
        Dependency("e", "c", DependencyKind.AFTER),
        Dependency("c", "b", DependencyKind.TOGETHER, window_weeks=1),
    )
    plan = Plan(ivs, deps, PARTNERS, horizon_weeks=14)
    res = schedule_plan(plan, FAST)
    assert res.has_schedule
    s = res.starts
    assert s["a"] + 3 + 2 <= s["c"]
    assert s["e"] >= s["c"] + 2
    assert abs(s["c"] - s["b"]) <= 1 and s["c"] < s["b"] + 3 and s["b"] < s["c"] + 2
    assert s["c"] >= 5 and s["c"] + 2 <= 12 and s["d"] == 1
    assert set(range(s["a"], s["a"] + 3)).isdisjoint(range(s["b"], s["b"] + 3))  # 2 + 2 > capacity 2


def test_weekly_capacity_profile_is_respected():
    partners = (Partner("gemeente", "Gemeente", (0, 0, 0, 2)),)  # nobody available in weeks 0-2
    plan = Plan((iv("x", Flavour.ZOET, 2, degree=2),), partners=partners, horizon_weeks=8)
    res = schedule_plan(plan, FAST)
    assert res.starts["x"] == 3
    assert greedy_schedule(plan, FAST).starts["x"] == 3


def test_missing_duration_is_an_input_error():
    plan = Plan(
        (iv("x", Flavour.ZOET, dur=0), Intervention("y", Flavour.ZOET, Level.STRAAT, "s1", "gemeente"))
    )
    with pytest.raises(PlanningInputError, match="geen duur"):
        schedule_plan(plan, FAST)
    with pytest.raises(PlanningInputError):
        greedy_schedule(plan, FAST)


def test_unknown_dependency_is_an_input_error():
    plan = Plan((iv("x", Flavour.ZOET),), (Dependency("x", "ghost"),), PARTNERS)
    with pytest.raises(PlanningInputError, match="onbekende"):
        schedule_plan(plan, FAST)


def test_stopped_interventions_are_not_scheduled():
    plan = Plan((iv("x", Flavour.ZOET), iv("y", Flavour.ZOET, status=Status.GESTOPT)), partners=PARTNERS)
    assert set(schedule_plan(plan, FAST).starts) == {"x"}


# --------------------------------------------------------------------------------------------------
# Infeasible plans name their conflicts
# --------------------------------------------------------------------------------------------------


def groups(res) -> set[str]:
    return {c.group for c in res.conflicts}


def test_precedence_cycle_is_named():
    ivs = (iv("a", Flavour.ZOET), iv("b", Flavour.ZOET), iv("c", Flavour.ZOET), iv("d", Flavour.ZOUT))
    deps = (Dependency("a", "b"), Dependency("b", "c"), Dependency("c", "a"), Dependency("a", "d"))
    res = schedule_plan(Plan(ivs, deps, PARTNERS), FAST)
    assert res.status is SolveStatus.INFEASIBLE
    assert groups(res) == {"voor:a:b", "voor:b:c", "voor:c:a"}
    assert any("moet klaar zijn voordat" in c.message for c in res.conflicts)
    # The run's summary carries only the count: the conflicts name interventions, which is for the
    # redacted list to show, per user.
    assert res.message.startswith("Er bestaat geen planning. Deze 3 afspraken")
    assert "moet klaar zijn voordat" not in res.message


def test_zuur_without_bitter_screening_is_named():
    plan = Plan((iv("z", Flavour.ZUUR, owner="politie"), iv("e", Flavour.ZOET)), partners=PARTNERS)
    res = schedule_plan(plan, FAST)
    assert res.status is SolveStatus.INFEASIBLE
    (c,) = res.conflicts
    assert c.group == "bitter-voor-zuur:z" and "geen Bitter-interventie" in c.message
    # The same plan is feasible when the rule is not enforced.
    relaxed = SchedulerConfig(time_limit_s=5.0, enforce_bitter_before_zuur=False)
    assert schedule_plan(plan, relaxed).has_schedule


def test_zout_after_zuur_conflict_is_named_with_the_dependency():
    ivs = (
        iv("b", Flavour.BITTER, 20, level=Level.GEBIED, target="wijk", street=None),
        iv("z", Flavour.ZUUR, owner="politie", requires_care_offer=True),
        iv("o", Flavour.ZOUT, owner="wijkteam"),
    )
    res = schedule_plan(Plan(ivs, (Dependency("z", "o"),), PARTNERS, horizon_weeks=30), FAST)
    assert res.status is SolveStatus.INFEASIBLE
    assert groups(res) == {"voor:z:o", "zout-bij-zuur:z"}


def test_capacity_and_together_conflict_is_named():
    ivs = (
        iv("x", Flavour.ZUUR, owner="politie", degree=2, outflow=False),
        iv("y", Flavour.ZUUR, owner="politie", degree=1, outflow=False),
    )
    deps = (Dependency("x", "y", DependencyKind.TOGETHER),)
    res = schedule_plan(Plan(ivs, deps, PARTNERS), FAST)
    assert res.status is SolveStatus.INFEASIBLE
    assert groups(res) == {"samen:x:y", "capaciteit:politie"}


def test_too_narrow_window_and_fixed_start_are_named():
    narrow = Plan((iv("x", Flavour.ZOET, 6, release_week=4, due_week=8),), partners=PARTNERS)
    res = schedule_plan(narrow, FAST)
    assert res.status is SolveStatus.INFEASIBLE and groups(res) == {"venster:x"}
    ivs = (
        iv("run", Flavour.ZOUT, 4, status=Status.LOPEND, start_week=2),
        iv("next", Flavour.ZOET, 2, due_week=7),
    )
    res = schedule_plan(Plan(ivs, (Dependency("run", "next"),), PARTNERS), FAST)
    assert res.status is SolveStatus.INFEASIBLE
    assert groups(res) == {"vast:run", "venster:next", "voor:run:next"}


def test_conflict_set_is_minimal():
    """Dropping any named group makes the rest feasible (deletion-minimal)."""
    ivs = (iv("a", Flavour.ZOET), iv("b", Flavour.ZOET), iv("c", Flavour.ZOET, due_week=10))
    deps = (Dependency("a", "b"), Dependency("b", "c"))
    plan = Plan(ivs, deps, PARTNERS)
    conflicts = explain_infeasibility(plan, FAST)
    assert {c.group for c in conflicts} == {"voor:a:b", "voor:b:c", "venster:c"}
    assert all(c.message and c.intervention_ids for c in conflicts)


# --------------------------------------------------------------------------------------------------
# Greedy baseline
# --------------------------------------------------------------------------------------------------


def test_greedy_places_coherence_partners_first_and_reports_unplaceable():
    res = greedy_schedule(street_plan(), FAST)
    assert not res.unplaced
    assert res.starts["zout"] <= res.starts["zuur"]
    assert res.starts["bitter"] <= res.starts["zuur"] + 6 - 1 < res.starts["bitter"] + 12
    lonely = Plan((iv("z", Flavour.ZUUR, owner="politie"),), partners=PARTNERS)
    res = greedy_schedule(lonely, FAST)
    assert "z" in res.unplaced and "samenhang" in res.unplaced["z"]
    assert res.objective.total == 0


def test_greedy_handles_cycles_by_leaving_them_unplaced():
    ivs = (iv("a", Flavour.ZOET), iv("b", Flavour.ZOET), iv("c", Flavour.ZOET))
    res = greedy_schedule(Plan(ivs, (Dependency("a", "b"), Dependency("b", "a")), PARTNERS), FAST)
    assert set(res.unplaced) == {"a", "b"} and set(res.starts) == {"c"}


def test_bitter_screening_covers_the_completion_week_exactly():
    """Relief pulls the screening early; the rule keeps it active in the Zuur's last week."""
    ivs = (
        iv("b", Flavour.BITTER, 2, level=Level.STRAAT, target="s1", priority=5),
        iv("z", Flavour.ZUUR, 2, owner="politie", release_week=4, priority=0),
    )
    plan = Plan(ivs, partners=PARTNERS, horizon_weeks=10)
    res = schedule_plan(plan, FAST)
    assert res.starts["b"] <= res.starts["z"] + 2 - 1 < res.starts["b"] + 2
    # The greedy baseline puts the screening first and then cannot fit the Zuur: it says so.
    greedy = greedy_schedule(plan, FAST)
    assert greedy.starts == {"b": 0} and "z" in greedy.unplaced
    lead = SchedulerConfig(time_limit_s=5.0, rules=RuleConfig(bitter_lead_weeks=1))
    res = schedule_plan(plan, lead)
    assert res.starts["b"] + 1 <= res.starts["z"] + 1 < res.starts["b"] + 2
