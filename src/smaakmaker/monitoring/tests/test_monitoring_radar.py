# SPDX-License-Identifier: EUPL-1.2
"""The kentering radar on Amsterdam's gebieden (BBGA): flags with the rule's inputs, "nieuwe kenteringen",
the page per role, the command, and evaluations of approaches repeated when new figures arrive."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command

from smaakmaker.areas import services as area_services
from smaakmaker.areas.bundled import bbga_dir
from smaakmaker.areas.kentering import kentering_for_series
from smaakmaker.areas.models import Area, ImportBatch, Indicator, IndicatorValue
from smaakmaker.monitoring import selectors, services
from smaakmaker.monitoring.models import EffectEvaluation, KenteringFlag, RadarRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def gebieden(db):
    area_services.bbga_import(directory=bbga_dir())
    services.bbga_perceived_import(directory=bbga_dir())


def test_radar_flags_turning_points_with_inputs_and_lists_only_new_ones(gebieden):
    run = services.radar_run()
    assert run.finished_at is not None and run.flags == run.new_flags > 0
    assert run.summary["registered"]["series"] > 250 and run.summary["perceived"]["series"] > 250
    # Minimahuishoudens in Geuzenveld/Slotermeer: up to 2013, down after; flagged once 2016 arrived.
    flag = KenteringFlag.objects.get(area__code="DX06", indicator="bbga_minimahuishoudens_pct")
    assert (flag.turn_year, flag.as_of_year, flag.signal, flag.kind) == (2013, 2016, 1, "registered")
    series = IndicatorValue.objects.filter(area__code="DX06", indicator__key="bbga_minimahuishoudens_pct")
    import pandas as pd

    info = kentering_for_series(pd.Series(dict(series.values_list("year", "value"))), direction=1.0)
    assert flag.inputs["t_before"] == pytest.approx(info["t_before"], rel=1e-5)
    assert flag.inputs["n_before"] + flag.inputs["n_recent"] == 6
    assert KenteringFlag.objects.filter(kind="perceived").exists()
    # Every flag is the onset of a kentering: stored once, with the run that found it.
    again = services.radar_run()
    assert again.new_flags == 0 and again.flags == run.flags
    assert KenteringFlag.objects.count() == run.flags
    assert not selectors.radar_flags(run=again).exists()


def test_radar_page_per_role_shows_area_figures_only(gebieden, signed_in):
    services.radar_run()
    page = signed_in("regisseur").get("/monitoring/kenteringen/").content.decode()
    assert 'data-testid="radar-new"' in page and "Geuzenveld/Slotermeer" in page
    assert "Aandeel minimahuishoudens" in page and "ten goede" in page
    assert signed_in("privacy").get("/monitoring/kenteringen/").status_code == 403
    index = signed_in("regisseur").get("/monitoring/").content.decode()
    assert 'href="/monitoring/kenteringen/"' in index


def test_page_before_the_first_run_says_how_it_runs(signed_in):
    page = signed_in("regisseur").get("/monitoring/kenteringen/").content.decode()
    assert 'data-testid="radar-never"' in page and "smaakmaker monitoring radar" in page


def test_command_prints_new_turning_points(gebieden):
    out = io.StringIO()
    call_command("monitoring", "radar", "--zonder-herhaling", "--top", "5", stdout=out)
    text = out.getvalue()
    assert "Kenteringradar:" in text and "Nieuwe kenteringen" in text and RadarRun.objects.count() == 1


def test_new_figures_repeat_the_evaluation_of_an_approach_with_the_change(gebieden, signed_in):
    from smaakmaker.plans.models import Approach

    area = Area.objects.get(code="DX06")
    indicator = Indicator.objects.get(key="bbga_werkloosheid_pct")
    # As if the figures of 2017 and 2018 had not been published yet (for every gebied and stadsdeel).
    later = IndicatorValue.objects.filter(indicator=indicator, year__gte=2017)
    held_back = list(later.values_list("area_id", "year", "value"))
    later.delete()
    approach = Approach.objects.create(area=area, name="Aanpak Geuzenveld", start_date=date(2015, 1, 5))
    first = services.evaluation_create(
        actor=None,
        area=area,
        indicator=indicator,
        treatment_year=2015,
        donor_pool="gemeente",
        approach=approach,
    )
    first = services.evaluation_execute(evaluation_id=first.pk)
    assert first.status == "finished", first.message
    assert first.result["years"][-1] == 2016
    assert services.radar_run().reevaluated == 0  # nothing new yet
    batch = ImportBatch.objects.create(source="nieuw", sha256="y", kind="test")
    IndicatorValue.objects.bulk_create(
        [
            IndicatorValue(area_id=a, indicator=indicator, year=y, value=v, batch=batch)
            for a, y, v in held_back
        ]
    )
    run = services.radar_run()
    assert run.reevaluated == 1
    change = run.summary["reevaluations"][0]
    assert change["new_years"] == [2017, 2018] and change["approach"] == "Aanpak Geuzenveld"
    repeated = EffectEvaluation.objects.get(uuid=change["after"]["uuid"])
    assert repeated.previous == first and repeated.status == "finished"
    assert repeated.result["years"][-1] == 2018
    assert change["difference"] == pytest.approx(
        repeated.result["att"]["estimate"] - first.result["att"]["estimate"]
    )
    assert services.radar_run().reevaluated == 0  # the repeated one has every year now
    page = signed_in("regisseur").get(f"/monitoring/evaluaties/{repeated.uuid}/").content.decode()
    assert 'data-testid="evaluation-change"' in page and "2017, 2018" in page
    radar = signed_in("regisseur").get("/monitoring/kenteringen/").content.decode()
    assert 'data-testid="radar-none-new"' in radar or 'data-testid="radar-new"' in radar


def test_the_radar_is_a_scheduled_job_that_stores_its_run(gebieden):
    from smaakmaker.common.models import RunStatus, ScheduledRun
    from smaakmaker.common.schedule import schedule_tick
    from smaakmaker.conf.schedule import job_named

    job = job_named("kentering_radar")
    assert job is not None and job.hours == 24
    schedule_tick()
    run = ScheduledRun.objects.get(job="kentering_radar")
    assert run.status == RunStatus.OK, run.message
    radar = RadarRun.objects.get()
    assert run.summary["flags"] == radar.flags > 0
    assert run.summary["new_flags"] == radar.new_flags == KenteringFlag.objects.count()
