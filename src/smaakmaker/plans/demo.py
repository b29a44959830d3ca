# SPDX-License-Identifier: EUPL-1.2
"""Demo: the area approach of the Dobbebuurt (BU0363FD04, the buurt of the register demo) with a
realistic four-flavour plan that deliberately triggers some coherence warnings: the flavours run
partly "achter elkaar", a Zuur measure at a care address starts before its Zout offer, a street's
out-flow completes before its screening starts, a partner is over capacity in some weeks, one
address has two coordinators and a few interventions lack exit criteria.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from smaakmaker.access.models import Covenant, Organisation, OrganisationKind
from smaakmaker.areas.models import Area, AreaLevel
from smaakmaker.cases.demo import BUURT_CODE, BUURT_NAME, COVENANT_NAME, STREETS
from smaakmaker.cases.models import Address, Case

from . import selectors, services
from .models import Approach, InterventionType, PlanIntervention

APPROACH_NAME = f"Wijkaanpak {BUURT_NAME} (demo)"
COMPLEXES = ("Complex Fictiefstraat 1-40", "Complex Verzinselkade 2-36")

DIAGNOSIS = {"zuur": 3.0, "zout": 2.0, "bitter": 2.0, "zoet": 2.0}


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _area() -> Area:
    area = Area.objects.filter(code=BUURT_CODE).first()
    if area is None:  # the bundled CBS data are not loaded (e.g. a bare test database)
        area = Area.objects.create(
            code=BUURT_CODE, level=AreaLevel.BUURT, name=BUURT_NAME, gemeente_code="GM0363"
        )
    return area


def _orgs() -> dict[str, list[Organisation]]:
    out: dict[str, list[Organisation]] = {}
    for organisation in Organisation.objects.filter(is_demo=True).order_by("name"):
        out.setdefault(organisation.kind, []).append(organisation)
    return out


def _plan_addresses(count: int = 8) -> list[Address]:
    """Addresses with a case in the register demo: care addresses first (so the Zout rule matters)."""
    ids = list(
        Case.objects.filter(address__buurt_code=BUURT_CODE)
        .order_by("id")
        .values_list("address_id", flat=True)
    )
    ids = list(dict.fromkeys(ids))
    care = selectors.care_flags(ids)
    ordered = [i for i in ids if i in care][: count // 2] + [i for i in ids if i not in care]
    chosen = ordered[:count]
    by_id = Address.objects.in_bulk(chosen)
    return [by_id[i] for i in chosen]


def demo_load(*, stdout=None) -> Approach | None:
    """Create the demo approach and its plan; running it again changes nothing."""
    services.catalogue_seed()
    existing = Approach.objects.filter(name=APPROACH_NAME).first()
    if existing is not None:
        if stdout is not None:
            stdout.print("Demo wijkaanpak: al aanwezig")
        return existing
    orgs = _orgs()
    if not orgs.get(OrganisationKind.GEMEENTE):
        if stdout is not None:
            stdout.print("Demo wijkaanpak: eerst de demo-partners laden")
        return None
    gem = orgs[OrganisationKind.GEMEENTE][0]
    corp = orgs[OrganisationKind.WONINGCORPORATIE]
    pol = orgs[OrganisationKind.POLITIE][0]
    zorg = orgs[OrganisationKind.ZORG_WELZIJN][0]
    regisseur = get_user_model().objects.filter(username="regisseur").first()
    types = {t.code: t for t in InterventionType.objects.all()}
    with transaction.atomic():
        approach = services.approach_create(
            actor=regisseur,
            area=_area(),
            name=APPROACH_NAME,
            goals=(
                "Overlast en criminele uitstraling in de Fictiefstraat en Verzinselkade terugdringen.\n"
                "Kwetsbare bewoners tijdig hulp bieden.\n"
                "Vrijkomende woningen aan huurders die de buurt versterken.\n"
                "Welwillende bewoners zien binnen een jaar een schonere, veiligere buurt."
            ),
            start_date=_monday(date.today()),
            horizon_weeks=52,
            partners=[(gem, 16), (corp[0], 8), (corp[1], 8), (pol, 6), (zorg, 8)],
            covenant=Covenant.objects.filter(name=COVENANT_NAME).first(),
        )
        try:
            services.approach_diagnosis_refresh(approach=approach)
        except LookupError:  # no CBS data loaded: an example diagnosis, marked as such
            approach.flavour_diagnosis = dict(DIAGNOSIS)
            approach.diagnosis_reasons = [
                "Voorbeelddiagnose (demo): laad de CBS-gegevens en ververs de diagnose met de wijkscan."
            ]
            approach.save(update_fields=["flavour_diagnosis", "diagnosis_reasons"])
        for phase in ("analyse", "convenant", "uitvoering"):
            services.approach_phase_change(actor=regisseur, approach=approach, to_phase=phase, note="Demo")

        def add(code, owner, level, start, *, exit="", coordinator=None, **kw):
            return services.intervention_add(
                actor=regisseur,
                approach=approach,
                intervention_type=types[code],
                owner=owner,
                level=level,
                start_week=start,
                exit_criteria=exit,
                coordinator=coordinator,
                status="gepland",
                check_visibility=False,
                **kw,
            )

        s1, s2, s3, s4 = STREETS[0], STREETS[1], STREETS[2], STREETS[3]
        # Zoet: visible actions in the streets and the area (some late: "achter elkaar").
        add("schoon-heel-veilig", gem, "straat", 2, street=s1, exit="Schouw met bewoners: 80 % tevreden")
        add("schoon-heel-veilig", gem, "straat", 30, street=s2, exit="Verlichting en groen hersteld")
        add("schoon-heel-veilig", gem, "straat", 34, street=s3, exit="Buurtschouw zonder gebreken")
        add(
            "complex-opknappen",
            corp[0],
            "complex",
            36,
            complex=COMPLEXES[0],
            street=s1,
            exit="Entrees en bergingen opgeleverd",
        )
        add("uitdaagrecht", gem, "gebied", 26, exit="Bewonersgroep beheert het groen")
        add("bewonersinitiatief-subsidie", gem, "gebied", 28, exit="Vijf initiatieven uitgevoerd")
        add("buurtbemiddeling", zorg, "straat", 38, street=s4)
        # Bitter: screening, partly too late for the out-flow in the streets.
        add(
            "wbmgp-8-inkomenseis",
            gem,
            "gebied",
            20,
            duration_weeks=32,
            exit="Aanwijzing van kracht; evaluatie na een jaar",
        )
        add("wbmgp-10-screening", gem, "straat", 0, street=s1, exit="Alle vrijkomende woningen gescreend")
        add(
            "wbmgp-9-voorrang",
            corp[1],
            "complex",
            22,
            complex=COMPLEXES[1],
            street=s2,
            exit="Toewijzing volgens de kenmerken",
        )
        add("wet-goed-verhuurderschap", gem, "straat", 24, street=s3, exit="Alle verhuurders vergund")
        # Per address: Zuur measures and Zout offers (the register demo's addresses with a case).
        addresses = _plan_addresses(8)
        zuur_plan = (
            ("opiumwet-13b-sluiting", gem, 0),
            ("gemeentewet-174a-sluiting", gem, 2),
            ("gemeentewet-151d-woonoverlast", gem, 4),
            ("woningwet-13b-sluiting", gem, 6),
            ("gemeentewet-151d-woonoverlast", gem, 8),
            ("opiumwet-13b-sluiting", gem, 10),
        )
        zout_plan = (
            ("wmo-melding-keukentafel", zorg, 8),
            ("wgs-3a-vroegsignalering", gem, 0),
            ("wmo-maatwerk-begeleiding", zorg, 20),
            ("wpg-bemoeizorg", zorg, 12),
            ("wgs-schuldhulptraject", gem, 16),
            ("wmo-melding-keukentafel", zorg, 2),
            ("wmo-maatwerk-begeleiding", zorg, 24),
            ("wgs-3a-vroegsignalering", gem, 30),
        )
        first_zuur = None
        for k, address in enumerate(addresses):
            coordinator = gem if k != 2 else corp[0]
            if k < len(zuur_plan):
                code, owner, start = zuur_plan[k]
                zuur = add(
                    code,
                    owner,
                    "adres",
                    start,
                    address=address,
                    coordinator=coordinator,
                    exit="" if k == 3 else "Overlast gestopt; woning weer in gebruik",
                )
                first_zuur = first_zuur or zuur
            code, owner, start = zout_plan[k]
            add(
                code,
                owner,
                "adres",
                start,
                address=address,
                coordinator=gem if k != 2 else zorg,
                exit="Hulp loopt of is afgerond",
            )
        if first_zuur is not None:
            ontbinding = add(
                "bw-7-231-ontbinding",
                corp[0],
                "adres",
                12,
                address=first_zuur.address,
                coordinator=gem,
                exit="Woning ontruimd en opnieuw verhuurd",
            )
            services.dependency_add(actor=regisseur, first=first_zuur, second=ontbinding, kind="voor")
            add(
                "wbmgp-10-screening",
                gem,
                "adres",
                28,
                address=first_zuur.address,
                coordinator=gem,
                exit="Nieuwe huurder gescreend",
            )
        add("wet-bibob-toets", gem, "complex", 14, complex=COMPLEXES[1], street=s2, exit="Besluit genomen")
        add("schoon-heel-veilig", gem, "straat", 40, street=STREETS[4], exit="Schouw zonder gebreken")
        add("buurtbemiddeling", zorg, "complex", 6, complex=COMPLEXES[0], street=s1, exit="Conflict opgelost")
    approach.refresh_from_db()
    if stdout is not None:
        count = PlanIntervention.objects.filter(approach=approach).count()
        warnings = len(selectors.plan_warnings(approach))
        stdout.print(f"Demo wijkaanpak: {APPROACH_NAME}, {count} interventies, {warnings} waarschuwingen")
    return approach
