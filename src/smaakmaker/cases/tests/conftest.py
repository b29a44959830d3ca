# SPDX-License-Identifier: EUPL-1.2
"""A small, exact world for the register tests: the demo covenant plus hand-made objects whose
visibility per demo user is known in advance (see ``EXPECTED_*`` in test_authorization.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from smaakmaker.access.models import Organisation, ProcessingActivity
from smaakmaker.cases.demo import covenant_setup
from smaakmaker.cases.models import (
    Address,
    Case,
    CaseEvent,
    CaseParticipant,
    Decision,
    Resident,
    Signal,
    SignalKind,
)

GEMEENTE = "Gemeente Voorbeeldstad (demo)"
CORP1 = "Woonstichting De Fictieve Haven (demo)"
CORP2 = "Woningcorporatie Verzonnen Wonen (demo)"
POLITIE = "Politie Eenheid Voorbeeld (demo)"
WIJKTEAM = "Wijkteam Voorbeeldwijk (demo)"


@dataclass
class World:
    users: dict
    addresses: dict
    signals: dict
    residents: dict
    case: Case
    decision: Decision


def drawn_area(code: str):
    """A drawn custom area ``code``: a small triangle in Amsterdam. Which addresses lie inside is set by
    the test (``AddressCustomArea`` rows, as the point-in-polygon assignment stores them)."""
    from smaakmaker.areas.models import Area, AreaLevel, CustomKind

    ring = [[4.90, 52.37], [4.91, 52.37], [4.91, 52.38], [4.90, 52.37]]
    return Area.objects.create(
        code=code,
        level=AreaLevel.CUSTOM,
        name="Getekend gebied",
        gemeente_code="GM0363",
        custom_kind=CustomKind.values[0],
        geometry={"type": "Polygon", "coordinates": [ring]},
    )


def _address(key: str, number: int, buurt: str = "BU0363FD04") -> Address:
    return Address.objects.create(
        bag_nummeraanduiding_id=f"03632000000{number:05d}",
        street="Fictiefstraat",
        house_number=number,
        postcode="1064XA",
        city="Amsterdam",
        buurt_code=buurt,
    )


@pytest.fixture
def world(demo_users) -> World:
    covenant_setup()
    org = {o.name: o for o in Organisation.objects.all()}
    kinds = {k.code: k for k in SignalKind.objects.select_related("activity")}
    today = timezone.localdate()
    addresses = {
        "A1": _address("A1", 1),
        "A2": _address("A2", 2),
        "A3": _address("A3", 3, buurt="BU0363FD03"),  # outside the covenant area
        "A4": _address("A4", 4),
    }
    zorg = ProcessingActivity.objects.get(code="zorgsignalen")
    residents = {
        "R1": Resident.objects.create(
            address=addresses["A1"],
            activity=zorg,
            source_organisation=org[WIJKTEAM],
            name="Bewoner Een (demo)",
        ),
        "R2": Resident.objects.create(
            address=addresses["A1"],
            activity=zorg,
            source_organisation=org[WIJKTEAM],
            name="Bewoner Twee (demo)",
        ),
    }

    def signal(key, address, kind, source, resident=None, days=10):
        return Signal.objects.create(
            address=addresses[address],
            kind=kinds[kind],
            activity=kinds[kind].activity,
            source_organisation=org[source],
            observed_on=today - timedelta(days=days),
            description=f"omschrijving-{key}",
            resident=residents.get(resident),
        )

    signals = {
        "overlast_pol_A1": signal("overlast_pol_A1", "A1", "overlast", POLITIE),
        "woonfraude_corp2_A1": signal("woonfraude_corp2_A1", "A1", "woonfraude", CORP2),
        "zorg_R1_A1": signal("zorg_R1_A1", "A1", "zorgsignaal", WIJKTEAM, resident="R1"),
        "zorg_R2_A1": signal("zorg_R2_A1", "A1", "zorgsignaal", WIJKTEAM, resident="R2"),
        "hennep_A1": signal("hennep_A1", "A1", "hennep-drugs", POLITIE),
        "overlast_corp1_A2": signal("overlast_corp1_A2", "A2", "overlast", CORP1),
        "huur_corp2_A2": signal("huur_corp2_A2", "A2", "huurachterstand", CORP2),
        "overlast_gem_A3": signal("overlast_gem_A3", "A3", "overlast", GEMEENTE),
        "overlast_gem_A4": signal("overlast_gem_A4", "A4", "overlast", GEMEENTE),
    }
    case_activity = ProcessingActivity.objects.get(code="casusoverleg")
    case = Case.objects.create(
        address=addresses["A1"],
        activity=case_activity,
        regie_organisation=org[GEMEENTE],
        summary="casus-A1",
        opened_by=demo_users["regisseur"],
    )
    for name in (GEMEENTE, CORP1, WIJKTEAM):
        CaseParticipant.objects.create(case=case, organisation=org[name])
    CaseEvent.objects.create(case=case, kind="opened", to_status=case.status)
    decision = Decision.objects.create(
        case=case,
        activity=case_activity,
        decided_by=demo_users["regisseur"],
        organisation=org[GEMEENTE],
        decided_on=today,
        what="besluit-A1",
        flavour="zout",
        legal_basis="Wmo 2015 art. 2.3.2",
        motivation="motivering-A1",
        milder_alternative="alternatief-A1",
    )
    return World(
        users=demo_users,
        addresses=addresses,
        signals=signals,
        residents=residents,
        case=case,
        decision=decision,
    )


@pytest.fixture
def api(client, world):
    """A function returning an API client acting as a demo user (organisation-bound token)."""
    from django.test import Client

    from smaakmaker.access.models import Membership
    from smaakmaker.access.services import api_token_create

    def _client(username: str) -> Client:
        user = world.users[username]
        membership = Membership.objects.filter(user=user).first()
        _token, secret = api_token_create(
            name=f"test-{username}", user=user, organisation=membership.organisation
        )
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_X_PURPOSE="toets van de autorisatie")

    return _client
