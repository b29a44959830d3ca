# SPDX-License-Identifier: EUPL-1.2
"""A small, exact plan world: the demo covenant, two addresses whose visibility per demo user is known,
and an approach with six interventions that trigger known warnings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from django.utils import timezone

from smaakmaker.access.models import Organisation, ProcessingActivity
from smaakmaker.areas.models import Area, AreaLevel
from smaakmaker.cases.demo import covenant_setup
from smaakmaker.cases.models import Address, Case, CaseParticipant, Signal, SignalKind
from smaakmaker.plans import services
from smaakmaker.plans.models import Approach, InterventionType, PlanIntervention

GEMEENTE = "Gemeente Voorbeeldstad (demo)"
CORP1 = "Woonstichting De Fictieve Haven (demo)"  # the organisation of the demo user "professional"
POLITIE = "Politie Eenheid Voorbeeld (demo)"
WIJKTEAM = "Wijkteam Voorbeeldwijk (demo)"
LABEL_A1 = "Fictiefstraat 1"
LABEL_A2 = "Fictiefstraat 2"


@dataclass
class PlanWorld:
    users: dict
    approach: Approach
    a1: Address
    a2: Address
    ivs: dict[str, PlanIntervention]


def _address(number: int) -> Address:
    return Address.objects.create(
        bag_nummeraanduiding_id=f"03632000001{number:05d}",
        street="Fictiefstraat",
        house_number=number,
        postcode="1064XA",
        city="Amsterdam",
        buurt_code="BU0363FD04",
    )


@pytest.fixture
def plan_world(demo_users) -> PlanWorld:
    covenant_setup()
    services.catalogue_seed()  # transactional tests flush the seeded catalogue
    org = {o.name: o for o in Organisation.objects.all()}
    kinds = {k.code: k for k in SignalKind.objects.select_related("activity")}
    today = timezone.localdate()
    a1, a2 = _address(1), _address(2)
    # A1: nuisance reported by the gemeente, a care signal of the wijkteam, a case with CORP1 taking part.
    for address, kind, source in (
        (a1, "overlast", GEMEENTE),
        (a1, "zorgsignaal", WIJKTEAM),
        (a2, "overlast", GEMEENTE),
    ):
        Signal.objects.create(
            address=address,
            kind=kinds[kind],
            activity=kinds[kind].activity,
            source_organisation=org[source],
            observed_on=today,
            description="Testsignaal (inhoud mag nooit in het plan verschijnen)",
        )
    case = Case.objects.create(
        address=a1,
        activity=ProcessingActivity.objects.get(code="casusoverleg"),
        regie_organisation=org[GEMEENTE],
        summary="Test",
    )
    CaseParticipant.objects.create(case=case, organisation=org[CORP1])
    area = Area.objects.create(
        code="BU0363FD04", level=AreaLevel.BUURT, name="Dobbebuurt", gemeente_code="GM0363"
    )
    regisseur = demo_users["regisseur"]
    approach = services.approach_create(
        actor=regisseur,
        area=area,
        name="Testaanpak",
        start_date=date(2026, 1, 5),
        horizon_weeks=30,
        partners=[(org[GEMEENTE], 10), (org[CORP1], 6), (org[WIJKTEAM], 6), (org[POLITIE], 4)],
    )
    approach.flavour_diagnosis = {"zuur": 2, "zout": 2, "zoet": 1, "bitter": 1}
    approach.save()
    types = {t.code: t for t in InterventionType.objects.all()}

    def add(code, owner, level, start, **kw):
        return services.intervention_add(
            actor=regisseur,
            approach=approach,
            intervention_type=types[code],
            owner=org[owner],
            level=level,
            start_week=start,
            exit_criteria=kw.pop("exit", "Klaar"),
            status="gepland",
            **kw,
        )

    ivs = {
        "zuur_a1": add("opiumwet-13b-sluiting", GEMEENTE, "adres", 0, address=a1, coordinator=org[GEMEENTE]),
        # the gemeente's Wmo desk owns the melding, so the regisseur sees it in full (test_need_to_know.py
        # covers care interventions of the wijkteam, which the regisseur sees only as a flag)
        "zout_a1": add(
            "wmo-melding-keukentafel", GEMEENTE, "adres", 4, address=a1, coordinator=org[GEMEENTE]
        ),
        "zuur_a2": add(
            "gemeentewet-151d-woonoverlast", GEMEENTE, "adres", 2, address=a2, coordinator=org[GEMEENTE]
        ),
        "bitter": add("wbmgp-10-screening", GEMEENTE, "straat", 0, street="Fictiefstraat", duration_weeks=26),
        "zoet_complex": add(
            "complex-opknappen", CORP1, "complex", 0, complex="Complex Fictief", street="Fictiefstraat"
        ),
        "zoet_street": add("schoon-heel-veilig", GEMEENTE, "straat", 0, street="Fictiefstraat"),
    }
    return PlanWorld(users=demo_users, approach=approach, a1=a1, a2=a2, ivs=ivs)
