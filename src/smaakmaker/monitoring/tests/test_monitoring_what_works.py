# SPDX-License-Identifier: EUPL-1.2
"""The "what works" page: effects per approach pooled only from three approaches on, with uncertainty."""

from __future__ import annotations

import html
import json
from datetime import date

import numpy as np
import pytest

from smaakmaker.areas.models import Area, AreaLevel, Indicator
from smaakmaker.areas.scan import format_nl
from smaakmaker.monitoring import selectors
from smaakmaker.monitoring.effects.meta import random_effects
from smaakmaker.monitoring.models import EffectEvaluation

pytestmark = pytest.mark.django_db

YEARS = [2017, 2019, 2020, 2023, 2024]
START = 2022
#: buurt code -> (effect after the start, placebo spread, interventions per flavour)
APPROACHES = {
    "BU0363XA01": (-2.0, 1.0, {"zoet": 12, "zuur": 2, "bitter": 1}),
    "BU0363XA02": (-0.5, 1.5, {"zoet": 3, "zout": 11}),
    "BU0363XA03": (-3.1, 0.8, {"zoet": 20, "zuur": 5, "zout": 4}),
    "BU0363XA04": (0.4, 1.2, {"bitter": 14, "zuur": 6}),
}
ADDRESSES = 40  # per buurt, fictional


def _result(effect: float, spread: float, seed: int) -> dict:
    """A stored evaluation result with the fields the page reads: the effect and the placebo gaps."""
    rng = np.random.default_rng(seed)
    gaps = {}
    for d in range(12):
        pre = rng.normal(0, 0.3, 3)
        post = rng.normal(0, spread, 2)
        gaps[f"BU0363YY{d:02d}"] = [*pre.round(4).tolist(), *post.round(4).tolist()]
    return {
        "att": {"estimate": effect, "standard_error": None, "n": 2},
        "years": YEARS,
        "treatment_year": START,
        "placebo": {"gaps": gaps, "p_value": 0.2},
    }


@pytest.fixture
def approaches(demo_users):
    from smaakmaker.access.models import Organisation
    from smaakmaker.cases.models import Address
    from smaakmaker.plans.models import Approach, InterventionType, PlanIntervention

    indicator, _ = Indicator.objects.get_or_create(
        key="laag_inkomen_hh",
        defaults={
            "label": "Aandeel huishoudens met laag inkomen",
            "unit": "%",
            "theme": "inkomen",
            "direction": "worse",
        },
    )
    owner = Organisation.objects.first()
    kinds = {k.flavour: k for k in InterventionType.objects.all()}
    made = []
    for i, (code, (effect, spread, counts)) in enumerate(APPROACHES.items()):
        area = Area.objects.create(
            code=code, level=AreaLevel.BUURT, name=f"Testbuurt {i + 1}", gemeente_code="GM0363"
        )
        approach = Approach.objects.create(area=area, name=f"Aanpak {i + 1}", start_date=date(2022, 1, 3))
        n = 0
        for week, (flavour, count) in enumerate(counts.items()):
            for _ in range(count):
                n += 1
                PlanIntervention.objects.create(
                    approach=approach,
                    ref=f"I-{n:03d}",
                    title=f"geheimetitel-{code}-{n}",
                    intervention_type=kinds[flavour],
                    flavour=flavour,
                    level="gebied",
                    start_week=1 + 5 * week,
                    duration_weeks=4,
                    owner=owner,
                    status="afgerond",
                )
        PlanIntervention.objects.create(  # a draft does not count
            approach=approach,
            ref="I-999",
            intervention_type=kinds["zoet"],
            flavour="zoet",
            level="gebied",
            start_week=1,
            duration_weeks=4,
            owner=owner,
            status="concept",
        )
        Address.objects.bulk_create(
            Address(
                bag_nummeraanduiding_id=f"036329{i:02d}0000{a:04d}",
                street="Geheimestraat",
                house_number=a + 1,
                postcode="1064AB",
                city="Amsterdam",
                buurt_code=code,
            )
            for a in range(ADDRESSES)
        )
        EffectEvaluation.objects.create(
            area=area,
            approach=approach,
            indicator=indicator,
            treatment_year=START,
            status="finished",
            result=_result(effect, spread, seed=i),
        )
        made.append(approach)
    return made


def _expected_pooled():
    effects = [selectors.evaluation_effect(e.result) for e in EffectEvaluation.objects.order_by("area__code")]
    return random_effects([e for e, _ in effects], [v for _, v in effects])


def test_placebo_variance_of_an_evaluation():
    result = _result(-2.0, 1.0, seed=0)
    estimate, variance = selectors.evaluation_effect(result)
    post_means = [np.mean(g[3:]) for g in result["placebo"]["gaps"].values()]
    assert estimate == -2.0
    assert variance == pytest.approx(np.var(post_means, ddof=1))
    assert selectors.evaluation_effect({"att": {"estimate": 1.0}}) is None
    few = {**result, "placebo": {"gaps": dict(list(result["placebo"]["gaps"].items())[:4])}}
    assert selectors.evaluation_effect(few) is None


def test_doses_and_first_flavour_per_approach(approaches):
    effects = {e.label: e for e in selectors.approach_effects(indicator_key="laag_inkomen_hh")}
    first = effects["Aanpak 1 (Testbuurt 1)"]
    assert first.counts == {"zoet": 12, "zuur": 2, "zout": 0, "bitter": 1}  # the draft is not counted
    assert first.dose["zoet"] == pytest.approx(1000 * 12 / ADDRESSES)
    assert first.first == "zoet"
    assert effects["Aanpak 4 (Testbuurt 4)"].first == "bitter"


def test_pooled_with_uncertainty_for_the_regisseur(approaches, signed_in):
    page = html.unescape(signed_in("regisseur").get("/monitoring/wat-werkt/").content.decode())
    pooled = _expected_pooled()
    assert 'data-testid="pooled"' in page and 'data-testid="too-thin"' not in page
    assert format_nl(pooled.estimate, 2) in page
    assert f"{format_nl(pooled.ci_low, 2)} tot {format_nl(pooled.ci_high, 2)}" in page
    assert f"{format_nl(pooled.pi_low, 2)} tot {format_nl(pooled.pi_high, 2)}" in page
    assert "4 aanpakken met een evaluatie" in page
    assert (
        f">{format_nl(1000 * 2 / ADDRESSES, 1)}<" in page
    )  # exact dose for a role that may see small counts
    assert 'data-testid="moderators"' in page
    for code in APPROACHES:  # aggregates per approach only: no intervention titles, no addresses
        assert f"geheimetitel-{code}" not in page
    assert "Geheimestraat" not in page


def test_small_counts_are_suppressed_for_the_bestuurder(approaches, signed_in):
    page = html.unescape(signed_in("bestuurder").get("/monitoring/wat-werkt/").content.decode())
    assert 'data-testid="pooled"' in page
    assert "minder dan 10 interventies" in page
    assert f">{format_nl(1000 * 2 / ADDRESSES, 1)}<" not in page  # Aanpak 1 had 2 Zuur interventions
    assert f">{format_nl(1000 * 12 / ADDRESSES, 1)}<" in page  # 12 is not small


def test_fewer_than_three_approaches_are_not_pooled(approaches, signed_in):
    EffectEvaluation.objects.filter(area__code__in=["BU0363XA03", "BU0363XA04"]).delete()
    page = html.unescape(signed_in("analist").get("/monitoring/wat-werkt/").content.decode())
    assert 'data-testid="too-thin"' in page
    assert 'data-testid="pooled"' not in page and 'data-testid="moderators"' not in page
    assert "samenvoegen kan pas vanaf 3" in page
    assert "2 aanpakken met een evaluatie" in page


def test_page_without_evaluations_says_so(signed_in):
    page = html.unescape(signed_in("analist").get("/monitoring/wat-werkt/").content.decode())
    assert 'data-testid="too-thin"' in page
    assert "0 aanpakken met een evaluatie" in page


@pytest.mark.parametrize("username", ["privacy", "beheerder"])
def test_roles_without_monitoring_get_403(username, signed_in):
    assert signed_in(username).get("/monitoring/wat-werkt/").status_code == 403


def test_demo_fictional_approaches_are_evaluated_for_real(nieuw_west, demo_users, signed_in):
    """The demo's approaches are fictional (name, interventions, addresses) in real buurten; their
    evaluations are real synthetic-control runs on the CBS figures, and the page pools them."""
    import io

    from rich.console import Console

    from smaakmaker.cases.models import Address
    from smaakmaker.monitoring.demo import META_BAG_PREFIX, META_NOTE, demo_meta_load
    from smaakmaker.plans.models import Approach

    out = io.StringIO()
    console = Console(file=out)
    demo_meta_load(stdout=console)
    demo_meta_load(stdout=console)  # idempotent
    assert "'wat werkt'-demo overgeslagen" not in out.getvalue()
    assert "bestaan al" in out.getvalue()
    approaches = Approach.objects.filter(name__startswith="Voorbeeldaanpak")
    assert approaches.count() == 5, out.getvalue()
    assert all(a.name.endswith("(fictief)") and a.area.code in nieuw_west for a in approaches)
    assert Address.objects.filter(bag_nummeraanduiding_id__startswith=META_BAG_PREFIX).exists()
    evaluations = EffectEvaluation.objects.filter(note=META_NOTE)
    finished = [e for e in evaluations if e.status == "finished"]
    assert len(finished) >= 3
    for evaluation in finished:  # computed: the stored effect is the mean of the stored gaps after the start
        result = evaluation.result
        post = [
            g for y, g in zip(result["years"], result["gap"], strict=True) if y >= result["treatment_year"]
        ]
        assert result["att"]["estimate"] == pytest.approx(sum(post) / len(post), abs=1e-5)
    effects = selectors.approach_effects(indicator_key="laag_inkomen_hh")
    assert len(effects) == len([e for e in finished if selectors.evaluation_effect(e.result)])
    page = html.unescape(signed_in("analist").get("/monitoring/wat-werkt/").content.decode())
    if len(effects) >= 3:
        pooled = random_effects([e.estimate for e in effects], [e.variance for e in effects])
        assert f"{format_nl(pooled.ci_low, 2)} tot {format_nl(pooled.ci_high, 2)}" in page
    else:
        assert 'data-testid="too-thin"' in page


def test_api_gives_the_same_numbers_with_suppression(approaches, signed_in):
    pooled = _expected_pooled()
    body = signed_in("regisseur").get("/api/v1/what-works").json()
    assert body["k"] == 4 and body["indicator"] == "laag_inkomen_hh"
    assert body["pooled"]["estimate"] == pytest.approx(pooled.estimate)
    assert body["pooled"]["ci_low"] == pytest.approx(pooled.ci_low)
    assert body["pooled"]["pi_high"] == pytest.approx(pooled.pi_high)
    first = next(a for a in body["approaches"] if a["label"] == "Aanpak 1 (Testbuurt 1)")
    assert first["dose"]["zuur"] == pytest.approx(1000 * 2 / ADDRESSES) and first["suppressed"] == []
    assert len(body["moderators"]) == 8
    text = json.dumps(body)
    assert "geheimetitel" not in text and "Geheimestraat" not in text
    hidden = signed_in("bestuurder").get("/api/v1/what-works").json()
    first = next(a for a in hidden["approaches"] if a["label"] == "Aanpak 1 (Testbuurt 1)")
    assert first["dose"]["zuur"] is None and set(first["suppressed"]) == {"zuur", "bitter"}
    assert first["dose"]["zoet"] == pytest.approx(1000 * 12 / ADDRESSES)
    bad = signed_in("analist").get("/api/v1/what-works", {"unknown": "1"})
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"
    assert signed_in("privacy").get("/api/v1/what-works").status_code == 403


def test_api_says_why_nothing_is_pooled(approaches, signed_in):
    EffectEvaluation.objects.filter(area__code__in=["BU0363XA03", "BU0363XA04"]).delete()
    body = signed_in("analist").get("/api/v1/what-works", {"indicator": "laag_inkomen_hh"}).json()
    assert body["pooled"] is None and body["moderators"] == [] and body["k"] == 2
    assert "samenvoegen kan pas vanaf 3" in body["reason"]
