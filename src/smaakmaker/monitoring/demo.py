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
from smaakmaker.monitoring.models import EffectEvaluation, RadarRun

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
    from smaakmaker.areas.bundled import bbga_dir

    perceived = services.bbga_perceived_import(directory=bbga_dir())
    if perceived is not None:
        stdout.print(
            f"Monitoring: {perceived.rows} belevingscijfers van de Amsterdamse gebieden en stadsdelen "
            "(Bron: Gemeente Amsterdam, OIS, Basisbestand Gebieden)"
        )
    demo_evaluation_load(stdout=stdout)
    demo_meta_load(stdout=stdout)
    if not RadarRun.objects.exists():  # the scheduled job would do this; the demo starts with one run
        run = services.radar_run(reevaluate=False)
        stdout.print(
            f"Monitoring: kenteringradar over {run.series} reeksen: {run.flags} kenteringen "
            f"(zie Monitoring → Nieuwe kenteringen)"
        )


def demo_evaluation_load(*, stdout) -> None:
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


# --- "what works": fictional approaches in real buurten, evaluated for real ------------------------------

META_COUNT = 5
META_SEED = 20221003
META_START = 2022
META_PREFIX = "Voorbeeldaanpak"
META_NOTE = (
    "Demo voor 'wat werkt': een fictieve aanpak (verzonnen interventies en adressen) in een echte buurt, "
    "geëvalueerd op de echte CBS-cijfers alsof de aanpak in 2022 begon. Er was geen aanpak: het effect is wat "
    "de methode in gewone cijfers vindt, en laat zien hoe onzeker dat is."
)
#: BAG ids of the fictional addresses of these approaches: a made-up range beside the register demo's
META_BAG_PREFIX = "0363201"


def _meta_buurten(count: int, rng) -> list[Area]:
    """Real Amsterdam buurten (current codes) with the outcome, through the code crosswalk, in every year in
    which at least half of them have it (at least three of those before the start), other than the
    Dobbebuurt."""
    import numpy as np

    from smaakmaker.areas.models import AreaLevel, IndicatorValue
    from smaakmaker.monitoring.selectors import area_selectors

    last = (
        IndicatorValue.objects.filter(indicator__key=INDICATOR, value__isnull=False).order_by("-year").first()
    )
    if last is None:
        return []
    codes = sorted(
        set(
            IndicatorValue.objects.filter(
                indicator__key=INDICATOR,
                year=last.year,
                value__isnull=False,
                area__level=AreaLevel.BUURT,
                area__gemeente_code="GM0363",
            ).values_list("area__code", flat=True)
        )
        - {AREA}
    )
    if not codes:
        return []
    panel = area_selectors.panel_build(codes=codes, indicator_keys=[INDICATOR])
    present = [c for c in codes if c in set(panel.codes.astype(str))]
    values = panel.values[panel.index_of(present)][:, :, list(panel.indicators).index(INDICATOR)]
    used = (~np.isnan(values)).mean(axis=0) >= 0.5  # the years an evaluation uses (as services._prepare)
    years = panel.years.astype(int)[used]
    if int((years < META_START).sum()) < 3:
        return []
    complete = [code for code, row in zip(present, values[:, used], strict=True) if not np.isnan(row).any()]
    chosen = sorted(rng.sample(complete, min(count, len(complete))))
    return list(Area.objects.filter(code__in=chosen).order_by("code"))


def _meta_approach(area: Area, index: int, rng, types: dict, owner, actor) -> None:
    """One fictional approach: fictional addresses, generated interventions, and a real evaluation."""
    from datetime import date

    from smaakmaker.cases.demo import STREETS
    from smaakmaker.cases.models import Address
    from smaakmaker.plans import services as plan_services

    n_addresses = rng.randint(250, 900)
    Address.objects.bulk_create(
        Address(
            bag_nummeraanduiding_id=f"{META_BAG_PREFIX}{index:03d}{i:06d}",
            street=STREETS[i % len(STREETS)],
            house_number=i // len(STREETS) + 1,
            postcode="1099ZZ",
            city="Amsterdam",
            buurt_code=area.code,
        )
        for i in range(n_addresses)
    )
    addresses = list(
        Address.objects.filter(buurt_code=area.code, bag_nummeraanduiding_id__startswith=META_BAG_PREFIX)
    )
    approach = plan_services.approach_create(
        actor=actor,
        area=area,
        name=f"{META_PREFIX} {area.name} (fictief)",
        goals="Fictieve aanpak voor de demo van 'wat werkt'.",
        start_date=date(META_START, 1, 3),
        partners=[(owner, 40)],
    )
    ceilings = {"zoet": 30, "zuur": 10, "zout": 20, "bitter": 8}
    for flavour, ceiling in ceilings.items():
        kinds = types.get(flavour, [])
        if not kinds:
            continue
        first_week = rng.randint(1, 30)
        for _ in range(rng.randint(0, ceiling)):
            kind = rng.choice(kinds)
            level = next(
                lv for lv in ("gebied", "straat", "complex", "adres") if not kind.levels or lv in kind.levels
            )
            plan_services.intervention_add(
                actor=actor,
                approach=approach,
                intervention_type=kind,
                owner=owner,
                level=level,
                street=rng.choice(STREETS) if level in {"straat", "complex"} else "",
                complex=f"Fictief complex {rng.randint(1, 9)}" if level == "complex" else "",
                address=rng.choice(addresses) if level == "adres" else None,
                start_week=first_week + rng.randint(0, 20),
                status="afgerond",
                check_visibility=False,
            )
    evaluation = services.evaluation_create(
        actor=None,
        area=area,
        indicator=Indicator.objects.get(key=INDICATOR),
        treatment_year=META_START,
        donor_pool="peers",
        peers_k=30,
        approach=approach,
        note=META_NOTE,
    )
    services.evaluation_execute(evaluation_id=evaluation.pk)


def demo_meta_load(*, stdout) -> None:
    """Five fictional approaches in real buurten, each with a real evaluation, so 'wat werkt' has data."""
    import random

    from django.contrib.auth import get_user_model

    from smaakmaker.access.models import Organisation, OrganisationKind
    from smaakmaker.plans.models import Approach, InterventionType
    from smaakmaker.plans.services import catalogue_seed

    if Approach.objects.filter(name__startswith=META_PREFIX).exists():
        stdout.print("Monitoring: demo-aanpakken voor 'wat werkt' bestaan al")
        return
    owner = Organisation.objects.filter(is_demo=True, kind=OrganisationKind.GEMEENTE).first()
    if owner is None or not Indicator.objects.filter(key=INDICATOR).exists():
        stdout.print("Monitoring: geen demo-partners of CBS-gegevens; 'wat werkt'-demo overgeslagen")
        return
    rng = random.Random(META_SEED)  # noqa: S311 - demo data only
    buurten = _meta_buurten(META_COUNT, rng)
    if len(buurten) < 3:
        stdout.print("Monitoring: te weinig buurten met cijfers; 'wat werkt'-demo overgeslagen")
        return
    catalogue_seed()
    types: dict[str, list] = {}
    for kind in InterventionType.objects.filter(is_active=True).order_by("code"):
        types.setdefault(kind.flavour, []).append(kind)
    actor = get_user_model().objects.filter(username="regisseur").first()
    for index, area in enumerate(buurten):
        _meta_approach(area, index, rng, types, owner, actor)
    finished = EffectEvaluation.objects.filter(note=META_NOTE, status="finished").count()
    stdout.print(
        f"Monitoring: {len(buurten)} fictieve aanpakken voor 'wat werkt', {finished} evaluaties afgerond"
    )
