# SPDX-License-Identifier: EUPL-1.2
"""Tests for the umami coherence rules: each rule fires when it should and stays silent otherwise."""

from __future__ import annotations

import pytest

from smaakmaker.plans.domain import (
    CoherenceWarning,
    Dependency,
    DependencyKind,
    DiagnosisBasis,
    Flavour,
    Intervention,
    Level,
    Partner,
    Plan,
    Severity,
)
from smaakmaker.plans.rules import (
    RULES,
    RULES_BY_ID,
    RuleConfig,
    check_plan,
    flavour_effort,
    flavour_week_matrix,
    partner_load,
    simultaneity,
)

PARTNERS = (
    Partner("gemeente", "Gemeente", 100),
    Partner("politie", "Politie", 100),
    Partner("corporatie", "Woningcorporatie", 100),
    Partner("wijkteam", "Wijkteam", 100),
)


def iv(
    id: str,
    flavour: Flavour,
    level: Level = Level.ADRES,
    target: str = "a1",
    *,
    start: int | None = 0,
    dur: int | None = 4,
    owner: str = "gemeente",
    street: str | None = "s1",
    complex: str | None = None,
    **kw,
) -> Intervention:
    kw.setdefault("exit_criteria", "Klaar als het doel is bereikt.")
    kw.setdefault("coordinator", "coördinator-1")
    if level is Level.STRAAT:
        street = target
    if level is Level.GEBIED:
        street = None
    return Intervention(
        id=id,
        flavour=flavour,
        level=level,
        target=target,
        owner=owner,
        start_week=start,
        duration_weeks=dur,
        street=street,
        complex=complex,
        **kw,
    )


def plan(*ivs: Intervention, **kw) -> Plan:
    kw.setdefault("partners", PARTNERS)
    return Plan(interventions=tuple(ivs), **kw)


def fired(p: Plan, rule_id: str, config: RuleConfig | None = None) -> list[CoherenceWarning]:
    return check_plan(p, config, rule_ids=[rule_id])


# --------------------------------------------------------------------------------------------------
# registry
# --------------------------------------------------------------------------------------------------


def test_rules_have_unique_ids_and_dutch_explanations():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    for required in (
        "bitter-voor-zuur",
        "zout-bij-zuur",
        "zoet-bij-zuur",
        "tegelijkertijd",
        "smaakbalans",
        "capaciteit",
        "een-coordinator",
        "volledigheid",
    ):
        assert required in RULES_BY_ID
    for r in RULES:
        assert len(r.explanation) > 60
        assert r.title


def test_check_plan_orders_by_severity_and_filters_by_rule():
    p = plan(iv("z1", Flavour.ZUUR, start=0, dur=4, exit_criteria=""))
    ws = check_plan(p)
    ranks = [w.severity.rank for w in ws]
    assert ranks == sorted(ranks, reverse=True)
    assert {w.rule_id for w in ws} >= {"bitter-voor-zuur", "volledigheid"}
    assert {w.rule_id for w in check_plan(p, rule_ids=["volledigheid"])} == {"volledigheid"}


# --------------------------------------------------------------------------------------------------
# 1. bitter-voor-zuur
# --------------------------------------------------------------------------------------------------


def test_bitter_missing_fires_with_zuur_named():
    p = plan(iv("z1", Flavour.ZUUR, start=2, dur=4))
    (w,) = fired(p, "bitter-voor-zuur")
    assert w.severity is Severity.ERROR
    assert w.intervention_ids[0] == "z1"
    assert "Bitter" in w.message and "week 6" in w.message


def test_bitter_ended_before_completion_fires():
    # Zuur active weeks 2..5 (completes at 6); Bitter active 0..4 only.
    p = plan(
        iv("z1", Flavour.ZUUR, start=2, dur=4), iv("b1", Flavour.BITTER, Level.STRAAT, "s1", start=0, dur=5)
    )
    (w,) = fired(p, "bitter-voor-zuur")
    assert "b1" in w.intervention_ids  # the mistimed screening is shown as context


def test_bitter_in_other_street_fires():
    p = plan(
        iv("z1", Flavour.ZUUR, start=2, dur=4), iv("b1", Flavour.BITTER, Level.STRAAT, "s2", start=0, dur=20)
    )
    assert len(fired(p, "bitter-voor-zuur")) == 1


@pytest.mark.parametrize(
    "bitter",
    [
        iv("b", Flavour.BITTER, Level.STRAAT, "s1", start=0, dur=6),  # ends exactly when Zuur completes
        iv("b", Flavour.BITTER, Level.COMPLEX, "c1", start=5, dur=1),  # only the completion week
        iv("b", Flavour.BITTER, Level.GEBIED, "wijk", start=0, dur=52),
        iv("b", Flavour.BITTER, Level.ADRES, "a1", start=3, dur=10),
    ],
)
def test_bitter_covering_completion_does_not_fire(bitter):
    z = iv("z1", Flavour.ZUUR, start=2, dur=4, complex="c1")
    assert fired(plan(z, bitter), "bitter-voor-zuur") == []


def test_bitter_lead_weeks():
    z = iv("z1", Flavour.ZUUR, start=2, dur=4)
    b = iv("b", Flavour.BITTER, Level.STRAAT, "s1", start=5, dur=10)  # starts in the completion week
    assert fired(plan(z, b), "bitter-voor-zuur") == []
    assert len(fired(plan(z, b), "bitter-voor-zuur", RuleConfig(bitter_lead_weeks=2))) == 1


def test_zuur_without_outflow_or_unscheduled_is_ignored():
    p = plan(iv("z1", Flavour.ZUUR, outflow=False), iv("z2", Flavour.ZUUR, start=None))
    assert fired(p, "bitter-voor-zuur") == []


# --------------------------------------------------------------------------------------------------
# 2. zout-bij-zuur
# --------------------------------------------------------------------------------------------------


def test_zout_missing_on_care_address_fires():
    p = plan(iv("z1", Flavour.ZUUR, start=4, requires_care_offer=True))
    (w,) = fired(p, "zout-bij-zuur")
    assert w.severity is Severity.ERROR and w.intervention_ids == ("z1",)
    assert "zorgsignaal" in w.message


def test_zout_too_late_fires_and_names_both():
    p = plan(iv("z1", Flavour.ZUUR, start=4, requires_care_offer=True), iv("o1", Flavour.ZOUT, start=5))
    (w,) = fired(p, "zout-bij-zuur")
    assert set(w.intervention_ids) == {"z1", "o1"}


def test_care_addresses_on_plan_count_as_care_signal():
    p = plan(iv("z1", Flavour.ZUUR, start=4), care_addresses=frozenset({"a1"}))
    assert len(fired(p, "zout-bij-zuur")) == 1


@pytest.mark.parametrize("zout_start", [0, 3, 4])
def test_zout_before_or_alongside_does_not_fire(zout_start):
    p = plan(
        iv("z1", Flavour.ZUUR, start=4, requires_care_offer=True), iv("o1", Flavour.ZOUT, start=zout_start)
    )
    assert fired(p, "zout-bij-zuur") == []


def test_zout_rule_ignores_other_address_non_offer_and_no_signal():
    other = iv("o1", Flavour.ZOUT, target="a2", start=0)
    not_offer = iv("o2", Flavour.ZOUT, start=0, is_care_offer=False)
    z = iv("z1", Flavour.ZUUR, start=4, requires_care_offer=True)
    assert len(fired(plan(z, other, not_offer), "zout-bij-zuur")) == 1
    assert fired(plan(iv("z1", Flavour.ZUUR, start=4)), "zout-bij-zuur") == []


def test_zout_alongside_slack_is_configurable():
    p = plan(iv("z1", Flavour.ZUUR, start=4, requires_care_offer=True), iv("o1", Flavour.ZOUT, start=6))
    assert len(fired(p, "zout-bij-zuur")) == 1
    assert fired(p, "zout-bij-zuur", RuleConfig(zout_alongside_weeks=2)) == []


# --------------------------------------------------------------------------------------------------
# 3. zoet-bij-zuur
# --------------------------------------------------------------------------------------------------


def test_zuur_without_zoet_in_street_fires():
    p = plan(iv("z1", Flavour.ZUUR, start=10), iv("e1", Flavour.ZOET, Level.STRAAT, "s2", start=10))
    (w,) = fired(p, "zoet-bij-zuur")
    assert w.severity is Severity.WARNING and w.subject == "straat s1"


@pytest.mark.parametrize(
    ("zoet_start", "zoet_dur", "fires"), [(15, 2, True), (14, 2, False), (3, 3, True), (3, 4, False)]
)
def test_zoet_pairing_window(zoet_start, zoet_dur, fires):
    # Zuur starts in week 10; N = 4 → Zoet must be active somewhere in weeks 6..14.
    p = plan(
        iv("z1", Flavour.ZUUR, start=10),
        iv("e1", Flavour.ZOET, Level.STRAAT, "s1", start=zoet_start, dur=zoet_dur),
    )
    assert bool(fired(p, "zoet-bij-zuur")) is fires


def test_invisible_zuur_or_zoet():
    p = plan(iv("z1", Flavour.ZUUR, start=10, visible=False))
    assert fired(p, "zoet-bij-zuur") == []
    p = plan(
        iv("z1", Flavour.ZUUR, start=10), iv("e1", Flavour.ZOET, Level.STRAAT, "s1", start=10, visible=False)
    )
    assert len(fired(p, "zoet-bij-zuur")) == 1


def test_area_zoet_counts_only_when_configured():
    p = plan(iv("z1", Flavour.ZUUR, start=10), iv("e1", Flavour.ZOET, Level.GEBIED, "wijk", start=8, dur=6))
    assert len(fired(p, "zoet-bij-zuur")) == 1
    assert fired(p, "zoet-bij-zuur", RuleConfig(zoet_area_counts=True)) == []


# --------------------------------------------------------------------------------------------------
# 4. tegelijkertijd
# --------------------------------------------------------------------------------------------------


def _sequential() -> Plan:
    return plan(
        iv("b", Flavour.BITTER, start=0, dur=4),
        iv("z", Flavour.ZUUR, start=4, dur=4),
        iv("o", Flavour.ZOUT, start=8, dur=4),
        iv("e", Flavour.ZOET, start=12, dur=4),
    )


def test_sequential_plan_fires_with_measure():
    (w,) = fired(_sequential(), "tegelijkertijd")
    assert w.measure == 0.0 and w.threshold == 0.5
    assert "achter elkaar" in w.message
    assert len(w.weeks) == 16


def test_simultaneous_plan_does_not_fire_and_measure_is_exact():
    p = plan(
        iv("b", Flavour.BITTER, start=0, dur=8),
        iv("z", Flavour.ZUUR, start=2, dur=4),
        iv("o", Flavour.ZOUT, start=2, dur=6),
        iv("e", Flavour.ZOET, start=4, dur=6),
    )
    assert fired(p, "tegelijkertijd") == []
    m = simultaneity(p)
    # Active weeks 0..9 (10); >= 3 flavours in weeks 2..7 (6).
    assert (m.active_weeks, m.simultaneous_weeks) == (10, 6)
    assert m.share == pytest.approx(0.6)
    assert len(fired(p, "tegelijkertijd", RuleConfig(simultaneity_threshold=0.7))) == 1


def test_empty_plan_has_no_simultaneity_warning():
    assert fired(plan(), "tegelijkertijd") == []
    assert simultaneity(plan()).share is None


def test_flavour_week_matrix_counts():
    fw = flavour_week_matrix(_sequential())
    assert fw.shape[0] == 4 and fw.sum() == 16


# --------------------------------------------------------------------------------------------------
# 5. smaakbalans
# --------------------------------------------------------------------------------------------------


def test_missing_diagnosed_flavour_fires():
    p = plan(
        iv("z", Flavour.ZUUR, dur=4),
        iv("e", Flavour.ZOET, dur=4),
        flavour_diagnosis={Flavour.ZUUR: 1, Flavour.ZOET: 1, Flavour.ZOUT: 1},
    )
    ws = fired(p, "smaakbalans")
    assert [w.subject for w in ws if w.severity is Severity.WARNING] == ["Zout"]
    assert all(w.rule_id == "smaakbalans" for w in ws)


def test_balanced_plan_does_not_fire():
    p = plan(
        iv("z", Flavour.ZUUR, dur=4, degree=2),
        iv("e", Flavour.ZOET, dur=8),
        flavour_diagnosis={Flavour.ZUUR: 1, Flavour.ZOET: 1},
    )
    assert flavour_effort(p)[Flavour.ZUUR] == 8
    assert fired(p, "smaakbalans") == []
    assert fired(plan(iv("z", Flavour.ZUUR)), "smaakbalans") == []  # no diagnosis, no verdict


def test_under_and_over_weighting():
    p = plan(
        iv("z", Flavour.ZUUR, dur=9),
        iv("e", Flavour.ZOET, dur=1),
        flavour_diagnosis={Flavour.ZUUR: 1, Flavour.ZOET: 1},
    )
    ws = {w.subject: w for w in fired(p, "smaakbalans")}
    assert ws["Zoet"].severity is Severity.WARNING and ws["Zoet"].measure == pytest.approx(0.1)
    assert ws["Zuur"].severity is Severity.INFO


def test_balance_messages_name_the_year_and_coverage_they_rest_on():
    basis = DiagnosisBasis(year=2019, present=20, expected=26)
    p = plan(
        iv("z", Flavour.ZUUR, dur=9),
        iv("e", Flavour.ZOET, dur=1),
        flavour_diagnosis={Flavour.ZUUR: 1, Flavour.ZOET: 1},
        diagnosis_basis=basis,
    )
    ws = {w.subject: w for w in fired(p, "smaakbalans")}
    assert "wijkanalyse 2019, 20 van 26 indicatoren" in ws["Zoet"].message
    assert "wijkanalyse 2019, 20 van 26 indicatoren" in ws["Zuur"].message


def test_incomplete_diagnosis_is_not_compared_as_if_complete():
    """Issue 16: 2024 with only income figures diagnosed "100 % Zout", and the plan then warned that
    Zuur got "meer dan de 0 % die de wijkanalyse vraagt" although safety had no figures at all."""
    basis = DiagnosisBasis(year=2024, present=5, expected=26, missing_themes=("Veiligheid", "Wonen"))
    p = plan(
        iv("z", Flavour.ZUUR, dur=9),
        iv("e", Flavour.ZOET, dur=1),
        flavour_diagnosis={Flavour.ZOUT: 1},
        diagnosis_basis=basis,
    )
    ws = fired(p, "smaakbalans")
    texts = " ".join(w.message for w in ws)
    assert "0 %" not in texts and "0%" not in texts.replace("100%", "")
    assert not any(w.subject == "Zuur" for w in ws)  # Zuur's themes had no data: no verdict on it
    note = next(w for w in ws if w.subject == "diagnose")
    assert note.severity is Severity.INFO
    assert "onvolledig" in note.message and "Veiligheid, Wonen" in note.message and "2024" in note.message
    assert note.measure == pytest.approx(5 / 26)
    # A flavour the incomplete diagnosis does ask for, with nothing planned, is still reported.
    missing = next(w for w in ws if w.subject == "Zout")
    assert (
        missing.severity is Severity.WARNING and "wijkanalyse 2024, 5 van 26 indicatoren" in missing.message
    )
    # The same plan against a complete diagnosis compares the shares as before.
    full = plan(
        *p.interventions, flavour_diagnosis={Flavour.ZOUT: 1}, diagnosis_basis=DiagnosisBasis(2019, 26, 26)
    )
    compared = {w.subject: w for w in fired(full, "smaakbalans")}
    assert "meer dan de 0% die de wijkanalyse 2019, 26 van 26 indicatoren vraagt" in compared["Zuur"].message


# --------------------------------------------------------------------------------------------------
# 6. capaciteit, een-coordinator, volledigheid, afhankelijkheden
# --------------------------------------------------------------------------------------------------


def test_capacity_overload_names_partner_weeks_and_only_overlapping_interventions():
    partners = (Partner("politie", "Politie", 3),)
    p = plan(
        iv("x", Flavour.ZUUR, start=0, dur=4, owner="politie", degree=2),
        iv("y", Flavour.ZUUR, start=2, dur=4, owner="politie", degree=2),
        iv("later", Flavour.ZUUR, start=10, dur=2, owner="politie", degree=3),
        partners=partners,
    )
    (w,) = fired(p, "capaciteit")
    assert w.weeks == (2, 3)
    assert set(w.intervention_ids) == {"x", "y"}
    assert (w.measure, w.threshold) == (4.0, 3.0)
    assert "Politie" in w.message


def test_capacity_exactly_full_does_not_fire_and_weekly_capacity_varies():
    p = plan(
        iv("x", Flavour.ZUUR, start=0, dur=4, owner="politie", degree=2),
        iv("y", Flavour.ZUUR, start=0, dur=4, owner="politie", degree=1),
        partners=(Partner("politie", "Politie", 3),),
    )
    assert fired(p, "capaciteit") == []
    seasonal = Partner("politie", "Politie", (3, 3, 1, 3))  # week 3 onwards uses the last value
    (w,) = fired(plan(*p.interventions, partners=(seasonal,)), "capaciteit")
    assert w.weeks == (2,)
    load, cap = partner_load(plan(*p.interventions, partners=(seasonal,)))
    assert load[0, :5].tolist() == [3, 3, 3, 3, 0] and cap[0, :5].tolist() == [3, 3, 1, 3, 3]


def test_coordinator_rules():
    none = plan(iv("x", Flavour.ZUUR, coordinator=None), iv("y", Flavour.ZOUT, coordinator=None))
    (w,) = fired(none, "een-coordinator")
    assert set(w.intervention_ids) == {"x", "y"} and "geen coördinator" in w.message
    two = plan(iv("x", Flavour.ZUUR, coordinator="ann"), iv("y", Flavour.ZOUT, coordinator="bob"))
    (w,) = fired(two, "een-coordinator")
    assert "2 coördinatoren" in w.message
    one = plan(iv("x", Flavour.ZUUR, coordinator="ann"), iv("y", Flavour.ZOUT, coordinator=None))
    assert fired(one, "een-coordinator") == []
    street_only = plan(iv("s", Flavour.ZOET, Level.STRAAT, "s1", coordinator=None))
    assert fired(street_only, "een-coordinator") == []


def test_completeness():
    p = plan(
        iv("nodur", Flavour.ZOET, dur=None),
        iv("noexit", Flavour.ZOET, exit_criteria="  "),
        iv("unknown", Flavour.ZOET, owner="onbekend"),
        iv("unplanned", Flavour.ZOET, start=None),
        iv("ok", Flavour.ZOET),
    )
    ws = {w.intervention_ids[0]: w for w in fired(p, "volledigheid")}
    assert set(ws) == {"nodur", "noexit", "unknown", "unplanned"}
    assert "duur" in ws["nodur"].message and "exit-criteria" in ws["noexit"].message
    assert ws["unplanned"].severity is Severity.INFO


def test_dependencies_and_windows():
    a, b = iv("a", Flavour.ZOUT, start=0, dur=4), iv("b", Flavour.ZUUR, start=3, dur=2)
    assert len(fired(plan(a, b, dependencies=(Dependency("a", "b"),)), "afhankelijkheden")) == 1
    assert fired(
        plan(a, b, dependencies=(Dependency("b", "a", DependencyKind.AFTER, lag_weeks=0),)),
        "afhankelijkheden",
    )
    assert (
        fired(
            plan(a, b, dependencies=(Dependency("a", "b", DependencyKind.TOGETHER, window_weeks=3),)),
            "afhankelijkheden",
        )
        == []
    )
    assert fired(
        plan(a, b, dependencies=(Dependency("a", "b", DependencyKind.TOGETHER, window_weeks=2),)),
        "afhankelijkheden",
    )
    late = iv("c", Flavour.ZOET, start=5, dur=4, due_week=8)
    assert len(fired(plan(late), "afhankelijkheden")) == 1
    assert (
        fired(plan(iv("c", Flavour.ZOET, start=4, dur=4, due_week=8, release_week=4)), "afhankelijkheden")
        == []
    )
