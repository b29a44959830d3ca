# SPDX-License-Identifier: EUPL-1.2
"""Amsterdam's Basisbestand Gebieden (data/bbga_amsterdam): gebieden as an area level, their long series,
and the kentering rule on every series with enough observations."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from smaakmaker.areas import selectors, services
from smaakmaker.areas.bundled import bbga_dir
from smaakmaker.areas.kentering import KenteringRule
from smaakmaker.areas.models import Area, AreaLevel, ImportBatch, IndicatorValue
from smaakmaker.areas.sources import bbga

pytestmark = pytest.mark.django_db


def _source_value(area: str, variable: str, year: int) -> str:
    with (bbga_dir() / bbga.REGISTERED_FILE).open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if (row["area_code"], row["variable"], row["year"]) == (area, variable, str(year)):
                return row["value"]
    raise KeyError((area, variable, year))


def test_gebieden_hang_under_their_stadsdeel_without_invented_shapes(bundled_areas):
    gebieden = Area.objects.filter(level=AreaLevel.GEBIED)
    assert gebieden.count() == 22
    assert set(Area.objects.filter(level=AreaLevel.STADSDEEL).values_list("code", flat=True)) == {
        f"SD0363{letter}" for letter in "AEFKMNT"
    }
    geuzenveld = Area.objects.get(code="DX06")
    assert geuzenveld.name == "Geuzenveld/Slotermeer" and geuzenveld.parent.name == "Nieuw-West"
    assert geuzenveld.parent.parent.code == "GM0363" and geuzenveld.gemeente_code == "GM0363"
    assert not gebieden.exclude(geometry=None).exists()  # the files hold no polygons; none is made up
    assert not Area.objects.filter(code__in=["ZX99", "SD0363Z", "SD0363B"]).exists()


def test_values_are_the_published_ones_and_reimport_changes_nothing(bundled_areas):
    for area, variable, key, year in [
        ("DX06", "BEVTOTAAL", "inwoners", 2018),
        ("DX16", "IHHINK_GEM", "bbga_besteedbaar_inkomen_hh", 2002),
        ("DX21", "IWWB_P", "bbga_bijstand_pct", 2018),
    ]:
        stored = IndicatorValue.objects.get(area__code=area, indicator__key=key, year=year)
        assert stored.value == float(_source_value(area, variable, year))
        assert stored.source == f"BBGA {variable}"
    before = IndicatorValue.objects.count()
    again = services.bbga_import(directory=bbga_dir())
    assert again.kind == "bbga" and ImportBatch.objects.filter(kind="bbga").count() == 1
    assert IndicatorValue.objects.count() == before


def test_no_migration_background_is_read():
    variables = {v.variable for v in bbga.REGISTERED + bbga.PERCEIVED}
    with (bbga_dir() / bbga.VARIABLES_FILE).open(encoding="utf-8") as handle:
        meta = {row["variable"]: row for row in csv.DictReader(handle)}
    assert variables <= set(meta)
    for variable in variables:
        text = f"{meta[variable]['label']} {meta[variable]['definition']}".lower()
        assert not any(word in text for word in ("migratie", "westers", "herkomst", "etnic", "nationalit")), (
            variable
        )


def test_bad_file_names_file_line_and_column(tmp_path):
    for name in (bbga.AREAS_FILE, bbga.REGISTERED_FILE, bbga.VARIABLES_FILE, bbga.SURVEY_FILE):
        (tmp_path / name).write_bytes((bbga_dir() / name).read_bytes())
    path = tmp_path / bbga.REGISTERED_FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if ",DX06," in line and ",BEVTOTAAL," in line)
    lines[number] = lines[number].rsplit(",", 1)[0] + ",veel\n"
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(
        services.ImportError_, match=rf"regel {number + 1}, kolom value: 'veel' is geen getal"
    ):
        services.bbga_import(directory=tmp_path)
    assert not ImportBatch.objects.filter(kind="bbga", source=tmp_path.name).exists()


def test_kentering_gives_a_signal_with_its_inputs_for_every_long_gebied_series(bundled_areas):
    assert selectors.scan_years(level="gebied", gemeente_code="GM0363")[-1] == 2018
    panel, result = selectors.scan_run(level="gebied", gemeente_code="GM0363", year=2018)
    assert len(result.profile) == 22
    trends = result.trends[result.trends["code"].str.startswith("DX")]
    rule = KenteringRule()
    enough = trends[trends["n_years"] >= rule.needed]
    assert len(enough) > 250  # 22 gebieden x the long registered series
    assert enough["kentering"].notna().all()  # a signal or a clear "geen kentering" for every one
    assert set(enough["kentering_label"]) <= {"kentering ten goede", "kentering ten kwade", "geen kentering"}
    for column in ("slope_before", "slope_recent", "t_before", "t_recent", "noise"):
        assert np.isfinite(enough[column]).all(), column
    short = trends[trends["n_years"] < rule.needed]
    assert (short["kentering_label"] == "onvoldoende gegevens").all()
    found = enough[enough["kentering"] != 0]
    assert len(found) > 0 and found["turn_year"].between(2005, 2016).all()
    # The gebied scan of 2018 scores the gebieden on their own indicators.
    assert not math.isnan(result.profile.loc["DX06", "composite"])
