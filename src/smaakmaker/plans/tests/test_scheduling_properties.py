# SPDX-License-Identifier: EUPL-1.2
"""Property tests: on small random plans every schedule meets every hard constraint.

The hard constraints are checked here by a separate, deliberately naive implementation (loops over
weeks and pairs), so that the scheduler and its check cannot share a mistake. On tiny plans the
solver is compared with brute-force enumeration of all start weeks.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smaakmaker.plans.domain import (
    Dependency,
    DependencyKind,
    Flavour,
    Intervention,
    Level,
    Partner,
    Plan,
    Severity,
    Status,
)
from smaakmaker.plans.rules import check_plan
from smaakmaker.plans.scheduling import (
    SchedulerConfig,
    SolveStatus,
    apply_schedule,
    greedy_schedule,
    schedule_objective,
    schedule_plan,
)

PROPS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Addresses and where they are: address -> (complex, street)
ADDRESSES = {"a0": ("c0", "s0"), "a1": ("c0", "s0"), "a2": (None, "s1")}


@st.composite
def plans(draw, max_n: int = 6, min_h: int = 6, max_h: int = 12) -> tuple[Plan, SchedulerConfig]:
    h = draw(st.integers(min_h, max_h))
    n = draw(st.integers(1, max_n))
    partners = (
        Partner("p0", "Partner 0", draw(st.integers(1, 3))),
        Partner("p1", "Partner 1", tuple(draw(st.lists(st.integers(0, 3), min_size=h, max_size=h)))),
    )
    ivs = []
    for k in range(n):
        flavour = draw(st.sampled_from(list(Flavour)))
        level = draw(st.sampled_from([Level.ADRES, Level.ADRES, Level.COMPLEX, Level.STRAAT, Level.GEBIED]))
        addr = draw(st.sampled_from(sorted(ADDRESSES)))
        cplx, street = ADDRESSES[addr]
        if level is Level.ADRES:
            target, location = addr, {"address": addr, "complex": cplx, "street": street}
        elif level is Level.COMPLEX:
            target, location = "c0", {"complex": "c0", "street": "s0"}
        elif level is Level.STRAAT:
            street = draw(st.sampled_from(["s0", "s1"]))
            target, location = street, {"street": street}
        else:
            target, location = "wijk", {}
        d = draw(st.integers(1, 4))
        release = draw(st.integers(0, h // 2))
        due = draw(st.one_of(st.none(), st.integers(release + 1, h + 2)))
        fixed = draw(st.integers(0, 9)) == 0
        ivs.append(
            Intervention(
                id=f"i{k}",
                flavour=flavour,
                level=level,
                target=target,
                owner=draw(st.sampled_from(["p0", "p1", "extern"])),
                duration_weeks=d,
                degree=draw(st.integers(0, 2)),
                status=Status.LOPEND if fixed else Status.CONCEPT,
                start_week=draw(st.integers(0, h - 1)) if fixed else None,
                requires_care_offer=draw(st.booleans()),
                is_care_offer=draw(st.booleans()),
                visible=draw(st.booleans()),
                outflow=draw(st.booleans()),
                priority=draw(st.integers(0, 3)),
                release_week=release,
                due_week=due,
                **location,
            )
        )
    deps = []
    for _ in range(draw(st.integers(0, 3))):
        if n < 2:
            break
        a, b = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))
        kind = draw(st.sampled_from(list(DependencyKind)))
        deps.append(
            Dependency(
                f"i{a}",
                f"i{b}",
                kind,
                lag_weeks=draw(st.integers(0, 2)),
                window_weeks=draw(st.one_of(st.none(), st.integers(0, 3))),
            )
        )
    plan = Plan(tuple(ivs), tuple(deps), partners, horizon_weeks=h)
    config = SchedulerConfig(
        time_limit_s=3.0,
        explain_time_limit_s=5.0,
        enforce_bitter_before_zuur=draw(st.booleans()),
        enforce_zout_with_zuur=draw(st.booleans()),
        enforce_zoet_with_zuur=draw(st.booleans()),
        simultaneity_weight=draw(st.sampled_from([0, 5, 100])),
        cover_candidates=None,
    )
    return plan, config


def violations(plan: Plan, starts: dict[str, int], config: SchedulerConfig) -> list[str]:
    """Naive check of every hard constraint for the interventions in ``starts``."""
    h = plan.horizon_weeks
    rc = config.rules
    items = {i.id: i for i in plan.interventions if i.status is not Status.GESTOPT and i.id in starts}
    out: list[str] = []

    def end(i: Intervention) -> int:
        return starts[i.id] + i.duration_weeks

    for i in items.values():
        s = starts[i.id]
        upper = h if i.due_week is None else min(h, i.due_week)
        if s < i.release_week or end(i) > upper or s < 0:
            out.append(f"window {i.id}")
        if i.status.is_fixed and i.start_week is not None and s != i.start_week:
            out.append(f"fixed {i.id}")
    for d in plan.dependencies:
        if d.first not in items or d.second not in items:
            continue
        a, b = items[d.first], items[d.second]
        if d.kind is DependencyKind.BEFORE and end(a) + d.lag_weeks > starts[b.id]:
            out.append(f"before {d.key}")
        if d.kind is DependencyKind.AFTER and end(b) + d.lag_weeks > starts[a.id]:
            out.append(f"after {d.key}")
        if d.kind is DependencyKind.TOGETHER:
            if not (starts[a.id] < end(b) and starts[b.id] < end(a)):
                out.append(f"overlap {d.key}")
            if d.window_weeks is not None and abs(starts[a.id] - starts[b.id]) > d.window_weeks:
                out.append(f"window {d.key}")
    for p in plan.partners:
        for w in range(h):
            load = sum(i.degree for i in items.values() if i.owner == p.id and starts[i.id] <= w < end(i))
            if load > p.capacity_in_week(w):
                out.append(f"capacity {p.id} week {w}")
    for z in items.values():
        if z.flavour is not Flavour.ZUUR:
            continue
        if config.enforce_bitter_before_zuur and z.outflow and z.level is not Level.GEBIED:
            ok = False
            for b in items.values():
                if b.flavour is not Flavour.BITTER:
                    continue
                covers = (
                    b.level is Level.GEBIED
                    or (b.level is Level.STRAAT and b.street_key() == z.street_key())
                    or (b.level is Level.COMPLEX and b.complex_key() and b.complex_key() == z.complex_key())
                    or (b.level is Level.ADRES and b.address_key() and b.address_key() == z.address_key())
                )
                if covers and starts[b.id] + rc.bitter_lead_weeks <= end(z) - 1 < end(b):
                    ok = True
            if not ok:
                out.append(f"bitter {z.id}")
        if (
            config.enforce_zout_with_zuur
            and plan.needs_care_offer(z)
            and not any(
                o.flavour is Flavour.ZOUT
                and o.is_care_offer
                and o.address_key() == (z.address_key() or z.target)
                and starts[o.id] <= starts[z.id] + rc.zout_alongside_weeks
                for o in items.values()
            )
        ):
            out.append(f"zout {z.id}")
        if config.enforce_zoet_with_zuur and z.visible and z.street_key() and z.level is not Level.GEBIED:
            n = rc.zoet_pairing_weeks
            if not any(
                o.flavour is Flavour.ZOET
                and o.visible
                and o.street_key() == z.street_key()
                and any(starts[o.id] <= w < end(o) for w in range(starts[z.id] - n, starts[z.id] + n + 1))
                for o in items.values()
            ):
                out.append(f"zoet {z.id}")
    return out


@PROPS
@given(plans())
def test_every_returned_schedule_meets_all_hard_constraints(case):
    plan, config = case
    res = schedule_plan(plan, config)
    assert res.status is not SolveStatus.MODEL_INVALID
    if res.has_schedule:
        assert set(res.starts) == {i.id for i in plan.interventions}
        assert violations(plan, dict(res.starts), config) == []
        assert res.objective == schedule_objective(plan, res.starts, config)
    elif res.status is SolveStatus.INFEASIBLE:
        assert res.conflicts, "an infeasible plan must name its conflicting constraints"
        assert all(c.message for c in res.conflicts)
        assert "geen planning" in res.message.lower()


@PROPS
@given(plans(max_n=4, min_h=4, max_h=7))
def test_solver_agrees_with_brute_force_on_tiny_plans(case):
    plan, config = case
    ivs = plan.interventions
    h = plan.horizon_weeks
    best = None
    ranges = [range(0, max(h - i.duration_weeks + 1, 0)) for i in ivs]
    for combo in itertools.product(*ranges):
        starts = {i.id: s for i, s in zip(ivs, combo, strict=True)}
        if not violations(plan, starts, config):
            total = schedule_objective(plan, starts, config).total
            best = total if best is None else max(best, total)
    res = schedule_plan(plan, config)
    if best is None:
        assert res.status is SolveStatus.INFEASIBLE
        assert res.conflicts
    else:
        assert res.status is SolveStatus.OPTIMAL
        assert res.objective.total == best


@PROPS
@given(plans())
def test_greedy_respects_capacity_precedence_and_coherence(case):
    plan, config = case
    res = greedy_schedule(plan, config)
    assert set(res.starts) | set(res.unplaced) == {i.id for i in plan.interventions}
    assert violations(plan, dict(res.starts), config) == []
    for d in plan.dependencies:
        prec = d.as_precedence()
        if prec and prec[0] in res.unplaced:
            assert prec[1] in res.unplaced  # a successor never runs without its predecessor
    assert res.objective == schedule_objective(plan, res.starts, config)


@PROPS
@given(plans())
def test_scheduled_plans_pass_the_hard_coherence_rules(case):
    """The rules module and the scheduler agree on what the hard rules mean."""
    plan, config = case
    res = schedule_plan(plan, config)
    if not res.has_schedule:
        return
    checked = {"capaciteit", "afhankelijkheden"}
    if config.enforce_bitter_before_zuur:
        checked.add("bitter-voor-zuur")
    if config.enforce_zout_with_zuur:
        checked.add("zout-bij-zuur")
    if config.enforce_zoet_with_zuur:
        checked.add("zoet-bij-zuur")
    warnings = check_plan(apply_schedule(plan, res.starts), config.rules, rule_ids=sorted(checked))
    assert [w for w in warnings if w.severity is not Severity.INFO and _counts(w, plan)] == []


def _counts(warning, plan: Plan) -> bool:
    """The rules also judge work outside the horizon and non-covenant owners; the scheduler cannot."""
    if warning.rule_id != "capaciteit":
        return True
    return any(w < plan.horizon_weeks for w in warning.weeks)
