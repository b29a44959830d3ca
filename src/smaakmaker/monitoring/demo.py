# SPDX-License-Identifier: EUPL-1.2
"""Demo: an effect evaluation on real CBS data, stored so the page shows it at once.

The Dobbebuurt (BU0363FD04, Amsterdam Nieuw-West; its 2022 code carries the values of its earlier code
through the crosswalk) against comparable Amsterdam buurten from the wijkscan, on the share of households
with a low income, as if an approach had started in 2022. The approach in the plans demo is fictional and
starts later; this evaluation shows what the method does and how honest it must be about three measured
years before the start. Adjacent buurten are left out against spill-over.
"""

from __future__ import annotations

from smaakmaker.areas.models import Area, Indicator
from smaakmaker.monitoring import services
from smaakmaker.monitoring.models import EffectEvaluation

AREA = "BU0363FD04"
INDICATOR = "laag_inkomen_hh"
START = 2022
NOTE = (
    "Demo op echte CBS-cijfers: alsof in 2022 een aanpak startte in de Dobbebuurt (de aanpak in de demo is "
    "fictief). Er zijn maar drie gemeten jaren vóór de start (2017, 2019, 2020) en de inkomenscijfers van 2024 "
    "zijn door CBS grotendeels overgenomen uit 2023, dus na de start is er in feite één meting. Lees de uitkomst "
    "als voorbeeld van de methode, niet als oordeel over de buurt."
)


def demo_load(*, stdout) -> None:
    area = Area.objects.filter(code=AREA).first()
    indicator = Indicator.objects.filter(key=INDICATOR).first()
    if area is None or indicator is None:
        stdout.print("Monitoring: geen CBS-gegevens geladen; demo-evaluatie overgeslagen")
        return
    existing = EffectEvaluation.objects.filter(
        area=area, indicator=indicator, treatment_year=START, note=NOTE
    ).first()
    if existing is not None and existing.status == "finished":
        stdout.print("Monitoring: demo-evaluatie bestaat al")
        return
    if existing is not None:
        existing.delete()
    evaluation = services.evaluation_create(
        actor=None,
        area=area,
        indicator=indicator,
        treatment_year=START,
        donor_pool="peers",
        peers_k=40,
        exclude_adjacent=True,
        covariates=["huurwoningen_pct", "woz_waarde"],
        note=NOTE,
    )
    evaluation = services.evaluation_execute(evaluation_id=evaluation.pk)
    if evaluation.status == "finished":
        r = evaluation.result
        stdout.print(
            f"Monitoring: effectevaluatie {area.name} op '{indicator.label}' (start {START}): "
            f"p = {r['placebo']['p_value']:.3f}, {r['n_donors']} vergelijkingsbuurten, {r['n_pre']} jaren vóór de start"
        )
    else:
        stdout.print(f"Monitoring: demo-evaluatie zonder resultaat: {evaluation.message}")
