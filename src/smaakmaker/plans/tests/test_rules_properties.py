# SPDX-License-Identifier: EUPL-1.2
"""Property tests: the vectorised rules agree with naive pairwise definitions on random plans."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from smaakmaker.plans.domain import Flavour, Intervention, Level, Partner, Plan
from smaakmaker.plans.rules import RuleConfig, check_plan, simultaneity

ADDR = {"a0": ("c0", "s0"), "a1": ("c0", "s0"), "a2": (None, "s0"), "a3": ("c1", "s1")}


@st.composite
def scheduled_plans(draw) -> tuple[Plan, RuleConfig]:
    h = draw(st.integers(4, 16))
    ivs = []
    for k in range(draw(st.integers(0, 14))):
        level = draw(st.sampled_from(list(Level)))
        a = draw(st.sampled_from(sorted(ADDR)))
        c, s = ADDR[a]
        loc = {
            Level.ADRES: ({"address": a, "complex": c, "street": s}, a),
            Level.COMPLEX: ({"complex": "c0", "street": "s0"}, "c0"),
            Level.STRAAT: ({"street": s}, s),
            Level.GEBIED: ({}, "wijk"),
        }[level]
        ivs.append(
            Intervention(
                id=f"i{k}",
                flavour=draw(st.sampled_from(list(Flavour))),
                level=level,
                target=loc[1],
                owner=draw(st.sampled_from(["p0", "p1"])),
                start_week=draw(st.integers(0, h)),
                duration_weeks=draw(st.integers(1, 5)),
                degree=draw(st.integers(0, 3)),
                requires_care_offer=draw(st.booleans()),
                visible=draw(st.booleans()),
                outflow=draw(st.booleans()),
                is_care_offer=draw(st.booleans()),
                **loc[0],
            )
        )
    partners = (Partner("p0", weekly_capacity=draw(st.integers(0, 4))), Partner("p1", weekly_capacity=3))
    config = RuleConfig(
        bitter_lead_weeks=draw(st.integers(0, 2)),
        zout_alongside_weeks=draw(st.integers(0, 2)),
        zoet_pairing_weeks=draw(st.integers(0, 4)),
        zoet_area_counts=draw(st.booleans()),
    )
    return Plan(tuple(ivs), partners=partners, horizon_weeks=h), config


def flagged(plan: Plan, config: RuleConfig, rule: str) -> set[str]:
    return {w.intervention_ids[0] for w in check_plan(plan, config, rule_ids=[rule])}


def active(i: Intervention, w: int) -> bool:
    return i.start_week <= w < i.start_week + i.duration_weeks


@settings(max_examples=150, deadline=None)
@given(scheduled_plans())
def test_vectorised_rules_match_naive_definitions(case):
    plan, cfg = case
    ivs = plan.interventions
    end = {i.id: i.start_week + i.duration_weeks for i in ivs}
    zuur = [i for i in ivs if i.flavour is Flavour.ZUUR]

    def covers(b: Intervention, z: Intervention) -> bool:
        return (
            b.level is Level.GEBIED
            or (b.level is Level.STRAAT and b.street_key() == z.street_key())
            or (b.level is Level.COMPLEX and z.complex_key() == b.complex_key())
            or (b.level is Level.ADRES and z.address_key() == b.address_key())
        )

    naive_bitter = {
        z.id
        for z in zuur
        if z.outflow
        and z.level is not Level.GEBIED
        and not any(
            b.flavour is Flavour.BITTER
            and covers(b, z)
            and b.start_week + cfg.bitter_lead_weeks <= end[z.id] - 1 < end[b.id]
            for b in ivs
        )
    }
    assert flagged(plan, cfg, "bitter-voor-zuur") == naive_bitter

    naive_zout = {
        z.id
        for z in zuur
        if z.requires_care_offer
        and not any(
            o.flavour is Flavour.ZOUT
            and o.is_care_offer
            and o.address_key()
            and o.address_key() == (z.address_key() or z.target)
            and o.start_week <= z.start_week + cfg.zout_alongside_weeks
            for o in ivs
        )
    }
    assert flagged(plan, cfg, "zout-bij-zuur") == naive_zout

    n = cfg.zoet_pairing_weeks
    h = max(plan.horizon_weeks, *end.values()) if ivs else plan.horizon_weeks

    def zoet_near(o: Intervention, z: Intervention) -> bool:
        same = o.street_key() == z.street_key() or (cfg.zoet_area_counts and o.level is Level.GEBIED)
        weeks = range(max(z.start_week - n, 0), min(z.start_week + n + 1, h))
        return o.flavour is Flavour.ZOET and o.visible and same and any(active(o, w) for w in weeks)

    naive_zoet = {
        z.id
        for z in zuur
        if z.visible
        and z.street_key()
        and z.level is not Level.GEBIED
        and not any(zoet_near(o, z) for o in ivs)
    }
    assert flagged(plan, cfg, "zoet-bij-zuur") == naive_zoet

    cap = {w.subject: set(w.weeks) for w in check_plan(plan, cfg, rule_ids=["capaciteit"])}
    for p in plan.partners:
        over = {
            w
            for w in range(h)
            if sum(i.degree for i in ivs if i.owner == p.id and active(i, w)) > p.capacity_in_week(w)
        }
        assert cap.get(p.display, set()) == over

    per_week = [len({i.flavour for i in ivs if active(i, w)}) for w in range(h)]
    m = simultaneity(plan, cfg)
    n_active = sum(1 for x in per_week if x)
    assert m.active_weeks == n_active
    assert m.simultaneous_weeks == sum(1 for x in per_week if x >= 3)
