# SPDX-License-Identifier: EUPL-1.2
"""Demo: a fictional approach in a real Amsterdam buurt (Dobbebuurt, BU0363FD04, Slotermeer-Noordoost,
Nieuw-West). The buurt code and name are real (CBS); every address, resident, signal and case is
generated and recognisably fictional (street names like "Fictiefstraat", BAG ids in a made-up range).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from smaakmaker.access import covenant_template
from smaakmaker.access import services as access_services
from smaakmaker.access.audit import Origin, audit_record
from smaakmaker.access.models import (
    Compartment,
    Covenant,
    GrantLevel,
    GrantScope,
    Organisation,
    OrganisationKind,
    ProcessingActivity,
)
from smaakmaker.cases import workflow
from smaakmaker.cases.models import (
    Address,
    AlertRule,
    Case,
    CaseEvent,
    CaseParticipant,
    Decision,
    Flavour,
    Resident,
    Signal,
    SignalKind,
)
from smaakmaker.cases.signal_kinds import USUAL_KINDS

BUURT_CODE = "BU0363FD04"
BUURT_NAME = "Dobbebuurt"
COVENANT_NAME = "Convenant aanpak Dobbebuurt (demo)"
STREETS = ("Fictiefstraat", "Verzinselkade", "Denkbeeldlaan", "Proefpad", "Voorbeeldhof", "Namaakplein")

GEM, CORP, POL, ZORG = (
    OrganisationKind.GEMEENTE,
    OrganisationKind.WONINGCORPORATIE,
    OrganisationKind.POLITIE,
    OrganisationKind.ZORG_WELZIJN,
)
PRO, REG = "partner-professional", "regisseur"
AREA, PART = GrantScope.AREA, GrantScope.PARTICIPATION
R, W = GrantLevel.READ, GrantLevel.WRITE

#: The demo covenant's activities and reuse decisions: the covenant template's own (access/covenant_template.py).
#: Participation is per case: a case opened under "casusoverleg" opens the casusoverleg's own data and
#: what a reuse decision makes readable under it. Only the general compartment is shared this way;
#: corporation, care and police data stay in their compartments (a coarse flag for the others).
ACTIVITIES = tuple(covenant_template.activity(code) for code in covenant_template.DEMO_CODES)
REUSE = covenant_template.REUSE

KINDS = USUAL_KINDS  # the usual kinds of the method (cases/signal_kinds.py)

RULES = (
    {
        "code": "twee-partners-90-dagen",
        "name": "Meerdere partners zien iets",
        "description": "Twee of meer signalen van twee of meer partners binnen 90 dagen: bespreken in het casusoverleg.",
        "min_signals": 2,
        "min_partners": 2,
        "window_days": 90,
        "action": "Bespreken in casusoverleg",
    },
    {
        "code": "aanhoudende-overlast",
        "name": "Aanhoudende overlast",
        "description": "Drie of meer signalen in het algemene compartiment binnen 60 dagen: wijkconsulent gaat op huisbezoek.",
        "min_signals": 3,
        "min_partners": 1,
        "window_days": 60,
        "compartments": [Compartment.ALGEMEEN],
        "action": "Huisbezoek plannen",
    },
)


def _user(username):
    return get_user_model().objects.filter(username=username).first()


@transaction.atomic
def covenant_setup(*, area_codes=(BUURT_CODE,), name: str = COVENANT_NAME) -> Covenant:
    """The demo covenant with its activities, grants, signal kinds and alert rules (idempotent)."""
    covenant = Covenant.objects.filter(name=name).first()
    if covenant is not None:
        return covenant
    regisseur = _user("regisseur")
    partners = list(Organisation.objects.filter(is_demo=True))
    covenant = access_services.covenant_create(
        actor=regisseur,
        name=name,
        area_codes=list(area_codes),
        partners=partners,
        valid_from=date(2024, 1, 1),
        valid_until=None,
        document_reference="Convenant Dobbebuurt 2024, versie 1.0 (fictief)",
        dpia_reference="DPIA-2023-017 (fictief)",
        dpia_date=date(2023, 11, 20),
        privacy_officer=_user("privacy"),
    )
    for spec in ACTIVITIES:
        spec = dict(spec)
        access_services.processing_activity_create(actor=regisseur, covenant=covenant, **spec)
    activities = {a.code: a for a in covenant.activities.all()}
    for source, target, legal_basis, motivation in REUSE:
        access_services.reuse_decision_record(
            actor=regisseur,
            source=activities[source],
            target=activities[target],
            legal_basis=legal_basis,
            motivation=motivation,
        )
    access_services.covenant_activate(actor=regisseur, covenant=covenant)
    for code, label, activity_code, flavour in KINDS:
        SignalKind.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "activity": ProcessingActivity.objects.get(code=activity_code),
                "flavour": flavour,
            },
        )
    for rule in RULES:
        AlertRule.objects.get_or_create(code=rule["code"], defaults=rule)
    return covenant


KIND_SOURCES = {
    "overlast": (GEM, CORP, POL),
    "overbewoning": (GEM,),
    "verwaarlozing": (CORP, ZORG),
    "woonfraude": (CORP,),
    "huurachterstand": (CORP,),
    "zorgsignaal": (ZORG,),
    "hennep-drugs": (POL,),
    "criminele-uitstraling": (POL,),
}


def _bag_id(number: int) -> str:
    return f"0363200{number:09d}"


def demo_load(*, stdout=None, addresses: int = 300, seed: int = 20240501) -> None:
    """Generate the fictional approach; running it again changes nothing."""
    if Address.objects.filter(bag_nummeraanduiding_id=_bag_id(1)).exists():
        if stdout is not None:
            stdout.print("Demo adresregister: al aanwezig")
        return
    with transaction.atomic():
        covenant_setup()
        rng = random.Random(seed)  # noqa: S311 - demo data only
        today = timezone.localdate()
        rows = []
        for i in range(addresses):
            street = STREETS[i % len(STREETS)]
            number = i // len(STREETS) + 1
            rows.append(
                Address(
                    bag_nummeraanduiding_id=_bag_id(i + 1),
                    street=street,
                    house_number=number,
                    house_letter="" if i % 7 else "A",
                    postcode=f"1064{chr(88 + (i % len(STREETS)) // 3)}{chr(65 + number % 20)}",
                    city="Amsterdam",
                    buurt_code=BUURT_CODE,
                )
            )
        Address.objects.bulk_create(rows)
        addresses_list = list(Address.objects.filter(buurt_code=BUURT_CODE).order_by("id"))
        kinds = {k.code: k for k in SignalKind.objects.select_related("activity")}
        orgs_by_kind: dict[str, list[Organisation]] = {}
        for organisation in Organisation.objects.filter(is_demo=True):
            orgs_by_kind.setdefault(organisation.kind, []).append(organisation)
        zorg_activity = ProcessingActivity.objects.get(code="zorgsignalen")
        residents = []
        for i, address in enumerate(addresses_list[:40]):
            if i % 3 == 0:
                residents.append(
                    Resident(
                        address=address,
                        activity=zorg_activity,
                        source_organisation=orgs_by_kind[ZORG][0],
                        name=f"Bewoner {chr(65 + i % 26)}. Fictief (demo)",
                        description="Hoofdbewoner",
                    )
                )
        Resident.objects.bulk_create(residents)
        resident_by_address = {r.address_id: r for r in Resident.objects.filter(address__in=addresses_list)}
        descriptions = {
            "overlast": [
                "Geluidsoverlast in de nacht",
                "Afval naast de container",
                "Samenscholing bij portiek",
            ],
            "overbewoning": ["Veel naambordjes op de deur", "Matrassen bij het grofvuil"],
            "verwaarlozing": ["Tuin en gevel verwaarloosd", "Ramen langdurig afgeplakt"],
            "woonfraude": ["Vermoeden onderhuur", "Hoofdhuurder niet aangetroffen"],
            "huurachterstand": ["Huurachterstand drie maanden", "Betalingsregeling niet nagekomen"],
            "zorgsignaal": ["Bewoner vereenzaamd", "Zorgen over zelfredzaamheid"],
            "hennep-drugs": ["Hennepgeur en warmte op dak", "Veel kortdurend bezoek"],
            "criminele-uitstraling": ["Dure auto's bij laag inkomen", "Intimidatie van buren"],
        }
        signals = []
        hot = addresses_list[:60]  # more signals at fewer addresses
        for n in range(420):
            address = rng.choice(hot) if n % 2 else rng.choice(addresses_list)
            code = rng.choice(list(KIND_SOURCES))
            kind = kinds[code]
            candidates = orgs_by_kind[rng.choice(KIND_SOURCES[code])]
            source = candidates[n % len(candidates)]
            signals.append(
                Signal(
                    address=address,
                    resident=resident_by_address.get(address.pk) if code == "zorgsignaal" else None,
                    kind=kind,
                    activity=kind.activity,
                    source_organisation=source,
                    observed_on=today - timedelta(days=rng.randint(0, 300)),
                    description=rng.choice(descriptions[code]),
                )
            )
        Signal.objects.bulk_create(signals)
        case_activity = ProcessingActivity.objects.get(code="casusoverleg")
        gemeente = orgs_by_kind[GEM][0]
        regisseur = _user("regisseur")
        statuses = [
            workflow.NEW,
            workflow.TO_DISCUSS,
            workflow.IN_PROGRESS,
            workflow.MONITORING,
            workflow.CLOSED,
        ]
        decisions = (
            (
                "Gesprek met bewoner en hulpaanbod wijkteam",
                Flavour.ZOUT,
                "Wmo 2015 art. 2.3.2",
                "Zorgsignalen en huurachterstand wijzen op een kwetsbare bewoner.",
                "Alleen een waarschuwingsbrief.",
            ),
            (
                "Waarschuwing overlast (Gemeentewet 151d)",
                Flavour.ZUUR,
                "Gemeentewet art. 151d",
                "Aanhoudende ernstige overlast ondanks eerdere gesprekken.",
                "Buurtbemiddeling; is eerder geprobeerd.",
            ),
            (
                "Woning met voorrang toewijzen na vertrek",
                Flavour.BITTER,
                "Wbmgp art. 9",
                "Nieuwe huurder screenen voorkomt herhaling.",
                "Reguliere toewijzing zonder screening.",
            ),
            (
                "Buurtschoonmaak en betere verlichting",
                Flavour.ZOET,
                "Gemeentewet art. 160",
                "Zichtbare verbetering voor welwillende bewoners naast de handhaving.",
                "Niets doen.",
            ),
        )
        for i, address in enumerate(hot[:30]):
            case = Case.objects.create(
                address=address,
                activity=case_activity,
                regie_organisation=gemeente,
                summary="Meerdere signalen van verschillende partners",
                opened_by=regisseur,
                status=statuses[i % len(statuses)],
                closed_at=timezone.now() if statuses[i % len(statuses)] == workflow.CLOSED else None,
            )
            partners = {gemeente, orgs_by_kind[CORP][i % 2], orgs_by_kind[ZORG][0]}
            if i % 2 == 0:
                partners.add(orgs_by_kind[POL][0])
            for organisation in partners:
                CaseParticipant.objects.create(case=case, organisation=organisation, added_by=regisseur)
            CaseEvent.objects.create(case=case, kind="opened", to_status=workflow.NEW, actor=regisseur)
            if case.status != workflow.NEW:
                CaseEvent.objects.create(
                    case=case, kind="status", from_status=workflow.NEW, to_status=case.status, actor=regisseur
                )
            what, flavour, basis, motivation, milder = decisions[i % len(decisions)]
            Decision.objects.create(
                case=case,
                activity=case_activity,
                decided_by=regisseur,
                organisation=gemeente,
                decided_on=today - timedelta(days=rng.randint(0, 60)),
                what=what,
                flavour=flavour,
                legal_basis=basis,
                motivation=motivation,
                milder_alternative=milder,
            )
        audit_record(
            actor=None,
            action="demo.load",
            object_type="cases",
            object_id=BUURT_CODE,
            reason="Fictieve demogegevens geladen",
            origin=Origin(channel="cli"),
        )
    if stdout is not None:
        stdout.print(
            f"Demo adresregister: {BUURT_NAME} ({BUURT_CODE}), {len(addresses_list)} fictieve adressen, "
            f"{len(signals)} signalen, {Case.objects.count()} casussen"
        )
