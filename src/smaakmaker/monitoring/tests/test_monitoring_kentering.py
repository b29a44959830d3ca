# SPDX-License-Identifier: EUPL-1.2
"""The kentering explains itself on the monitoring page; Amsterdam's gebieden (BBGA) give long real series:
registered beside perceived, kentering and synthetic control at gebied level."""

from __future__ import annotations

import html
import re

import pytest

from smaakmaker.areas import services as area_services
from smaakmaker.areas.bundled import bbga_dir
from smaakmaker.areas.models import Area, Indicator
from smaakmaker.monitoring import services
from smaakmaker.monitoring.models import PerceivedValue

pytestmark = pytest.mark.django_db


def _blocks(page: str) -> dict[str, str]:
    """Visible text of every series block on a monitoring page, by series key."""
    parts = re.split(r'data-testid="series-([a-z0-9_]+)"', page)
    return {
        key: re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body.split('class="sm-series"')[0])))
        for key, body in zip(parts[1::2], parts[2::2], strict=True)
    }


def test_dobbebuurt_says_per_indicator_what_the_rule_would_need(nieuw_west, signed_in):
    page = signed_in("regisseur").get("/monitoring/gebied/BU0363FD04/").content.decode()
    blocks = _blocks(page)
    assert len(blocks) >= 10
    for key, text in blocks.items():
        assert re.search(r"\d+ waarnemingen? \(\d{4}–\d{4}\); de regel vraagt er minstens 6", text), key
    # Through the crosswalk the 2022 code carries 2017, 2019 and 2020 of its earlier code.
    low_income = blocks["laag_inkomen_hh"]
    assert "5 waarnemingen (2017–2024)" in low_income
    assert "Nog 1 waarneming nodig" in low_income and "Jaren zonder cijfer: 2018, 2021, 2022." in low_income
    assert "onvoldoende gegevens" in low_income


@pytest.fixture
def gebieden(db):
    area_services.bbga_import(directory=bbga_dir())
    services.bbga_perceived_import(directory=bbga_dir())


def test_gebied_shows_perceived_beside_registered_with_kentering_inputs(gebieden, signed_in):
    assert PerceivedValue.objects.filter(area__code="DX06", indicator="onveiligheidsgevoel_pct").count() == 6
    again = services.bbga_perceived_import(directory=bbga_dir())
    assert again.rows == PerceivedValue.objects.count()
    page = signed_in("regisseur").get("/monitoring/gebied/DX06/").content.decode()
    blocks = _blocks(page)
    perceived = page.split("Belevingsindicatoren")[1].split(
        "Geregistreerde indicatoren (Gemeente Amsterdam)"
    )[0]
    assert "Basisbestand Gebieden" in page
    assert 'data-testid="series-onveiligheidsgevoel_pct"' in perceived
    assert 'data-testid="series-tevredenheid_buurt"' in perceived
    # Minimahuishoudens in Geuzenveld/Slotermeer rose to 2013 and fell after: a kentering with its inputs.
    minima = blocks["bbga_minimahuishoudens_pct"]
    assert "kentering ten goede" in minima
    assert "Kentering na 2013" in minima and "|t| =" in minima
    # A survey series with seven waves gets a clear answer, never "onvoldoende gegevens".
    safety = blocks["veiligheid_avond"]
    assert "7 waarnemingen (2005–2017)" in safety and "onvoldoende gegevens" not in safety
    assert "Jaren zonder cijfer: 2006, 2008" in safety


def test_synthetic_control_at_gebied_level_on_real_series(gebieden):
    evaluation = services.evaluation_create(
        actor=None,
        area=Area.objects.get(code="DX06"),
        indicator=Indicator.objects.get(key="bbga_werkloosheid_pct"),
        treatment_year=2015,
        donor_pool="gemeente",
        peers_k=30,
    )
    evaluation = services.evaluation_execute(evaluation_id=evaluation.pk)
    assert evaluation.status == "finished", evaluation.message
    result = evaluation.result
    assert result["years"] == list(range(2010, 2019)) and result["n_pre"] == 5
    assert {w["code"] for w in result["weights"]} <= {f"DX{n:02d}" for n in range(1, 23)} - {"DX06"}
    assert result["n_donors"] == 21
