# SPDX-License-Identifier: EUPL-1.2
"""Effect evaluations end to end on a small real-data panel: service, errors, pages, API and CLI."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command

from smaakmaker.areas.models import Area, Indicator
from smaakmaker.areas.scan import format_nl
from smaakmaker.monitoring import services
from smaakmaker.monitoring.models import EffectEvaluation

pytestmark = pytest.mark.django_db

AREA = "BU0363FD04"
OUTCOME = "laag_inkomen_hh"


def _run(**kwargs) -> EffectEvaluation:
    params = {
        "actor": None,
        "area": Area.objects.get(code=kwargs.pop("code", AREA)),
        "indicator": Indicator.objects.get(key=kwargs.pop("indicator", OUTCOME)),
        "treatment_year": kwargs.pop("treatment_year", 2022),
        "peers_k": 20,
    }
    params.update(kwargs)
    evaluation = services.evaluation_create(**params)
    return services.evaluation_execute(evaluation_id=evaluation.pk)


def test_evaluation_on_real_data_uses_the_crosswalk_and_stores_a_full_result(nieuw_west):
    evaluation = _run(exclude_adjacent=True)
    assert evaluation.status == "finished", evaluation.message
    r = evaluation.result
    # 2017–2020 come from the pre-2022 code through the crosswalk.
    assert r["years"] == [2017, 2019, 2020, 2023, 2024]
    assert r["n_pre"] == 3 and r["n_post"] == 2
    weights = [w["weight"] for w in r["weights"]]
    assert all(w > 0 for w in weights) and sum(weights) == pytest.approx(1, abs=1e-3)
    assert AREA not in evaluation.donors["donors"]
    assert AREA not in {w["code"] for w in r["weights"]}
    assert 0 < r["placebo"]["p_value"] <= 1
    assert r["placebo"]["n_placebos"] == r["n_donors"] == len(evaluation.donors["donors"])
    assert r["placebo"]["p_value"] == pytest.approx(r["placebo"]["rank"] / (r["placebo"]["n_placebos"] + 1))
    # every gap is observed minus synthetic
    for obs, syn, gap in zip(r["observed"], r["synthetic"], r["gap"], strict=True):
        assert gap == pytest.approx(obs - syn, abs=1e-5)
    reasons = {e["reason"] for e in evaluation.donors["excluded"]}
    assert any("grenst aan" in reason for reason in reasons)
    assert "explanation" in r["did"] and r["placebo_in_time"]["fake_year"] == 2020
    # four estimators side by side; the fixed rule leads with SDID (three pre-years are enough for it)
    comparison = r["comparison"]
    assert [row["key"] for row in comparison["rows"]] == ["sdid", "penalized_sc", "adh_sc", "did"]
    assert comparison["lead"] == "sdid" and not comparison["fallback"]
    rows = {row["key"]: row for row in comparison["rows"]}
    assert rows["adh_sc"]["estimate"] == pytest.approx(r["att"]["estimate"], abs=1e-5)
    assert rows["did"]["estimate"] == pytest.approx(r["did"]["estimate"], abs=1e-5)
    for row in rows.values():
        assert not row["error"], row
        assert row["standard_error"] > 0 and row["pre_rmse"] >= 0
        low, high = row["interval"]
        assert low < row["estimate"] < high


def test_adjacent_and_approach_areas_leave_the_donor_pool(nieuw_west, demo_users):
    from smaakmaker.access.models import Organisation
    from smaakmaker.plans.models import Approach

    plain = _run()
    assert plain.status == "finished"
    some_donor = plain.donors["donors"][0]
    Approach.objects.create(
        area=Area.objects.get(code=some_donor), name="Eigen aanpak", start_date=date(2022, 1, 3)
    )
    assert Organisation.objects.exists()
    second = _run()
    assert some_donor not in second.donors["donors"]
    assert {"code": some_donor, "reason": "heeft een eigen aanpak"} in second.donors["excluded"]
    adjacent = _run(exclude_adjacent=True)
    touching = {e["code"] for e in adjacent.donors["excluded"] if "grenst" in e["reason"]}
    assert touching and not touching & set(adjacent.donors["donors"])


def test_too_few_pre_periods_is_a_clear_dutch_error(nieuw_west):
    evaluation = _run(treatment_year=2019)
    assert evaluation.status == "failed"
    assert evaluation.error_code == "too_few_pre_periods"
    assert "vóór de ingreep" in evaluation.message
    assert evaluation.result is None


def test_missing_outcome_for_the_area_is_a_clear_error(nieuw_west):
    indicator = Indicator.objects.get(key=OUTCOME)
    area = Area.objects.create(
        code="BU0363FZ99", level="buurt", name="Zonder cijfers", gemeente_code="GM0363"
    )
    evaluation = services.evaluation_execute(
        evaluation_id=services.evaluation_create(
            actor=None, area=area, indicator=indicator, treatment_year=2022, donor_pool="gemeente"
        ).pk
    )
    assert evaluation.status == "failed"
    assert evaluation.error_code == "missing_values"
    assert "Zonder cijfers" in evaluation.message


def test_area_outside_the_donors_range_is_refused(nieuw_west):
    from smaakmaker.monitoring import selectors

    codes = [
        c
        for c in Area.objects.filter(code__startswith="BU0363F", level="buurt").values_list("code", flat=True)
    ]
    long = selectors.evaluation_panel(codes=codes, variables=[OUTCOME])
    wide = long.pivot(index="unit", columns="time", values=OUTCOME)[[2017, 2019, 2020]].dropna()
    top = wide.rank(ascending=False).eq(1).sum(axis=1)
    highest = top[top >= 2].index[0]
    evaluation = _run(code=highest, donor_pool="gemeente")
    assert evaluation.status == "failed"
    assert evaluation.error_code == "outside_convex_hull"
    assert "buiten het bereik" in evaluation.message


def test_evaluation_page_per_role(nieuw_west, signed_in):
    evaluation = _run()
    for username in ("bestuurder", "analist", "regisseur"):
        response = signed_in(username).get(f"/monitoring/evaluaties/{evaluation.uuid}/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "Dobbebuurt" in html and 'data-testid="p-value"' in html
        assert 'data-testid="few-pre"' in html  # honest about three years before the start
        assert "geen causaal bewijs" in html.lower() or "causaal bewijs" in html
        assert 'data-testid="weights-table"' in html and 'data-testid="path-table"' in html
        table = html.split('data-testid="estimators-table"')[1].split("</table>")[0]
        assert "Synthetisch verschil-in-verschillen (SDID) (leidend)" in table
        assert table.count("data-estimator=") == 4 and "Gestrafte synthetische controle" in table
        assert "Dit rapport gaat uit van Synthetisch verschil-in-verschillen (SDID)." in html
        assert 'data-testid="lead-estimate"' in html
        lead = evaluation.result["comparison"]["rows"][0]["estimate"]
        assert f'data-testid="lead-estimate">{format_nl(lead, 2)}<' in html  # Dutch decimal comma
        assert "<script>" not in html and "style=" not in html
    assert signed_in("privacy").get(f"/monitoring/evaluaties/{evaluation.uuid}/").status_code == 403


def test_failed_evaluation_shows_the_error_on_the_page(nieuw_west, signed_in):
    evaluation = _run(treatment_year=2019)
    html = signed_in("analist").get(f"/monitoring/evaluaties/{evaluation.uuid}/").content.decode()
    assert 'data-testid="evaluation-error"' in html
    assert "vóór de ingreep" in html


def test_new_evaluation_form_runs_it(nieuw_west, signed_in):
    client = signed_in("analist")
    response = client.post(
        "/monitoring/evaluaties/nieuw/",
        {
            "area": AREA.lower(),
            "indicator": OUTCOME,
            "treatment_year": 2022,
            "donor_pool": "peers",
            "peers_k": 20,
            "exclude_approaches": "on",
        },
    )
    assert response.status_code == 302
    evaluation = EffectEvaluation.objects.get()
    assert evaluation.status == "finished" and evaluation.created_by.username == "analist"
    assert signed_in("bestuurder").post("/monitoring/evaluaties/nieuw/", {}).status_code == 403


def test_new_evaluation_form_rejects_an_unknown_area(nieuw_west, signed_in):
    response = signed_in("analist").post(
        "/monitoring/evaluaties/nieuw/",
        {
            "area": "BU9999ZZ99",
            "indicator": OUTCOME,
            "treatment_year": 2022,
            "donor_pool": "peers",
            "peers_k": 20,
        },
    )
    assert response.status_code == 200
    assert not EffectEvaluation.objects.exists()


def test_api_create_run_and_read(nieuw_west, signed_in):
    client = signed_in("analist")
    response = client.post(
        "/api/v1/evaluations",
        {"area": AREA, "indicator": OUTCOME, "treatment_year": 2022, "peers_k": 20},
        content_type="application/json",
    )
    assert response.status_code == 202, response.content
    uuid = response.json()["uuid"]
    assert response["Location"].endswith(uuid)
    data = signed_in("bestuurder").get(f"/api/v1/evaluations/{uuid}").json()
    assert data["status"] == "finished" and data["progress"] == 1.0
    assert data["result"]["placebo"]["p_value"] > 0
    listing = signed_in("bestuurder").get("/api/v1/evaluations").json()
    assert [e["uuid"] for e in listing["results"]] == [uuid]
    denied = signed_in("bestuurder").post(
        "/api/v1/evaluations",
        {"area": AREA, "indicator": OUTCOME, "treatment_year": 2022},
        content_type="application/json",
    )
    assert denied.status_code == 403
    bad = signed_in("analist").post(
        "/api/v1/evaluations",
        {"area": "BU0000XX00", "indicator": OUTCOME, "treatment_year": 2022},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad["Content-Type"].startswith("application/problem+json")
    assert signed_in("privacy").get(f"/api/v1/evaluations/{uuid}").status_code == 403
    assert (
        signed_in("analist").get("/api/v1/evaluations/00000000-0000-0000-0000-000000000000").status_code
        == 404
    )


def test_cli_prints_weights_rmspe_gap_and_p_value(nieuw_west):
    out = io.StringIO()
    call_command(
        "monitoring",
        "evaluate",
        "--gebied",
        AREA,
        "--start",
        "2022",
        "--indicator",
        OUTCOME,
        "--k",
        "20",
        stdout=out,
    )
    text = out.getvalue()
    for expected in ("Donorgewichten", "RMSPE vóór de start", "Verschil", "Placebotoets: p =", "2023"):
        assert expected in text
    assert EffectEvaluation.objects.filter(status="finished").count() == 1


def test_cli_refuses_with_the_dutch_reason(nieuw_west):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="vóór de ingreep"):
        call_command(
            "monitoring",
            "evaluate",
            "--gebied",
            AREA,
            "--start",
            "2019",
            "--indicator",
            OUTCOME,
            stdout=io.StringIO(),
        )


def test_demo_evaluation_is_stored_and_idempotent(nieuw_west):
    from rich.console import Console

    from smaakmaker.monitoring.demo import demo_load

    console = Console(file=io.StringIO())
    demo_load(stdout=console)
    demo_load(stdout=console)
    evaluation = EffectEvaluation.objects.get(approach=None)
    assert evaluation.status == "finished"
    assert "drie gemeten jaren" in evaluation.note


def test_the_refitted_placebo_test_of_a_large_pool_uses_two_processes(monkeypatch) -> None:
    from smaakmaker.monitoring import services

    monkeypatch.setattr(services.os, "cpu_count", lambda: 2)
    assert services._placebo_jobs("refit_v", services.PARALLEL_PLACEBOS_FROM) == 2
    assert services._placebo_jobs("refit_v", services.PARALLEL_PLACEBOS_FROM - 1) == 1
    assert services._placebo_jobs("fixed_v", 1000) == 1
    monkeypatch.setattr(services.os, "cpu_count", lambda: 1)
    assert services._placebo_jobs("refit_v", 1000) == 1
