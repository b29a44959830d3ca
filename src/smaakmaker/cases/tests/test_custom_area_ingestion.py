# SPDX-License-Identifier: EUPL-1.2
"""Bulk ingestion under a covenant that names only a drawn custom area (ADR 0020, 0027): the API batch
and a partner file accept a signal at an address inside the boundary exactly as recording by hand
does, refuse one outside it (in a buurt the area overlaps), and answer for a hidden address as for an
address the register does not know."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from smaakmaker.access.models import Membership, Organisation
from smaakmaker.access.services import api_token_create
from smaakmaker.areas import services as area_services
from smaakmaker.cases import partner_files, services
from smaakmaker.cases.demo import covenant_setup
from smaakmaker.cases.errors import RegisterError
from smaakmaker.cases.models import Address, AddressCustomArea, Signal, SignalKind
from smaakmaker.cases.tests.test_custom_areas import _drawn, _groningen
from smaakmaker.cases.tests.test_partner_files import HEADER, MAPPING, xlsx

UNKNOWN_BAG = "0014200000999977"


@pytest.fixture
def park(demo_users):
    """The bundled Groningen buurten and addresses, a drawn area, and the demo covenant for that area
    only; with an address inside and one outside it in a buurt the area overlaps."""
    _groningen()
    area = area_services.custom_area_create(name="Binnenstad getekend", kind="overig", geometry=_drawn())
    covenant_setup(area_codes=[area.code], name="Convenant Binnenstad getekend (demo)")
    inside_ids = set(
        AddressCustomArea.objects.filter(area_code=area.code).values_list("address_id", flat=True)
    )
    candidates = Address.objects.exclude(buurt_code="").order_by("pk")
    inside = outside = None
    for address in candidates.filter(pk__in=inside_ids):
        outside = candidates.filter(buurt_code=address.buurt_code).exclude(pk__in=inside_ids).first()
        if outside is not None:
            inside = address
            break
    assert inside is not None and outside is not None, "the rectangle cuts a buurt"
    # The bundled list holds verblijfsobjecten only; give the two their nummeraanduiding as the BAG has.
    for number, address in enumerate((inside, outside), start=1):
        if not address.bag_nummeraanduiding_id:
            address.bag_nummeraanduiding_id = f"00142000009{number:05d}"
            address.save(update_fields=["bag_nummeraanduiding_id"])
    return {"code": area.code, "inside": inside, "outside": outside, "users": demo_users}


def _api(user) -> Client:
    membership = Membership.objects.filter(user=user).first()
    _token, secret = api_token_create(
        name=f"test-{user.username}", user=user, organisation=membership.organisation
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_X_PURPOSE="toets eigen gebied")


def _item(address: Address | None, *, bag_id: str = "", buurt_code: str = "") -> dict:
    return {
        "bag_nummeraanduiding_id": bag_id or address.bag_nummeraanduiding_id,
        "address": {
            "street": address.street if address else "Onbekendeweg",
            "house_number": address.house_number if address else 7,
            "postcode": address.postcode if address else "9711AA",
            "city": address.city if address else "Groningen",
            "buurt_code": buurt_code or address.buurt_code,
        },
        "kind": "overlast",
        "observed_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "description": "",
    }


def _ingest(client: Client, items: list[dict], key: str):
    return client.post(
        "/api/v1/signals", {"signals": items}, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )


def _hidden_signal(address: Address) -> None:
    """A signal of another organisation (the police's compartment): nothing the corporation may see."""
    kind = SignalKind.objects.get(code="hennep-drugs")
    Signal.objects.create(
        address=address,
        kind=kind,
        activity=kind.activity,
        source_organisation=Organisation.objects.get(kind="politie", is_demo=True),
        observed_on=timezone.localdate() - timedelta(days=3),
    )


@pytest.mark.django_db
def test_by_hand_and_by_api_batch_the_same_rule_inside_yes_outside_no(park):
    professional = park["users"]["professional"]
    inside, outside = park["inside"], park["outside"]
    kind = SignalKind.objects.get(code="overlast")
    # By hand (the rule the bulk paths must follow).
    services.signal_record(actor=professional, address=inside, kind=kind, observed_on=timezone.localdate())
    with pytest.raises(RegisterError):
        services.signal_record(
            actor=professional, address=outside, kind=kind, observed_on=timezone.localdate()
        )

    client = _api(professional)
    before = Signal.objects.count()
    response = _ingest(client, [_item(inside)], "eigen-1")
    assert response.status_code == 201, response.content
    assert Signal.objects.count() == before + 1
    assert Signal.objects.filter(address=inside, source_organisation__kind="woningcorporatie").count() == 2

    refused = _ingest(client, [_item(inside), _item(outside)], "eigen-2")
    assert refused.status_code == 400
    assert [(p["name"], p["code"]) for p in refused.json()["invalidParams"]] == [
        ("signals.1.kind", "no_processing_activity")
    ]
    assert Signal.objects.count() == before + 1, "all or nothing"


@pytest.mark.django_db
def test_api_batch_answers_for_a_hidden_address_as_for_an_unknown_one(park):
    inside, outside = park["inside"], park["outside"]
    _hidden_signal(outside)
    _hidden_signal(inside)
    client = _api(park["users"]["professional"])
    # Outside the area: a registered address with hidden data, and a BAG id the register does not know.
    hidden = _ingest(client, [_item(outside)], "verborgen")
    unknown = _ingest(client, [_item(outside, bag_id=UNKNOWN_BAG)], "onbekend")
    assert hidden.status_code == unknown.status_code == 400
    assert hidden.json() == unknown.json()
    assert not Address.objects.filter(bag_nummeraanduiding_id=UNKNOWN_BAG).exists()
    # Inside the area: accepted whether or not someone else holds data there (the point is BAG data).
    assert _ingest(client, [_item(inside)], "binnen").status_code == 201


@pytest.mark.django_db
def test_a_partner_file_under_an_area_only_covenant(park):
    police = park["users"]["wijkagent"]
    inside, outside = park["inside"], park["outside"]
    day = timezone.localdate() - timedelta(days=2)
    rows = [
        [inside.bag_nummeraanduiding_id, "", "", "", "hennep-drugs", day, "Hennepgeur"],
        [outside.bag_nummeraanduiding_id, "", "", "", "hennep-drugs", day, "Hennepgeur"],
        [UNKNOWN_BAG, "", "", "", "hennep-drugs", day, "Hennepgeur"],
    ]
    organisation = partner_files.organisations_for_upload(police)[0]

    def run(content, commit):
        return partner_files.partner_file_import(
            actor=police,
            organisation=organisation,
            file_name="meldingen.xlsx",
            content=content,
            commit=commit,
            columns=MAPPING,
        )

    report = run(xlsx(rows, header=HEADER), False).report
    assert report["accepted"] == 1 and report["not_found"] == 2
    # The address outside the area and the unknown BAG id: the same line, column and reason.
    assert [(p["line"], p["column"], p["reason"]) for p in report["problems"]] == [
        (3, "BAG-id", partner_files.NOT_FOUND),
        (4, "BAG-id", partner_files.NOT_FOUND),
    ]
    before = Signal.objects.count()
    done = run(xlsx(rows[:1], header=HEADER), True)
    assert done.signals_added == 1 and Signal.objects.count() == before + 1
    assert Signal.objects.filter(address=inside, source_organisation=organisation).count() == 1
    # Visible to the police under the area's covenant; to the corporation not (another compartment).
    stored = Signal.objects.filter(address=inside, source_organisation=organisation)
    assert Signal.objects.visible_to(police).filter(pk__in=stored.values("pk")).count() == 1
    assert (
        not Signal.objects.visible_to(park["users"]["professional"])
        .filter(pk__in=stored.values("pk"))
        .exists()
    )


@pytest.mark.django_db
def test_a_union_of_whole_buurten_in_a_covenant_grants_what_naming_its_buurten_grants(demo_users):
    """A custom area made of whole buurten (no boundary) is decided by the address's buurt, like its
    buurten named one by one: by hand, in the register's visibility, through the API batch (a registered
    and an unregistered BAG id answered alike), and at once when an address moves to another buurt."""
    _groningen()
    buurten = list(
        Address.objects.exclude(buurt_code="")
        .values_list("buurt_code", flat=True)
        .distinct()
        .order_by("buurt_code")
    )
    members, other = buurten[:2], buurten[2]
    area = area_services.custom_area_create(name="Twee buurten", kind="overig", buurt_codes=members)
    covenant_setup(area_codes=[area.code], name="Convenant twee buurten (demo)")
    professional = demo_users["professional"]
    kind = SignalKind.objects.get(code="overlast")
    inside = Address.objects.filter(buurt_code=members[1]).order_by("pk").first()
    outside = Address.objects.filter(buurt_code=other).order_by("pk").first()
    services.signal_record(actor=professional, address=inside, kind=kind, observed_on=timezone.localdate())
    with pytest.raises(RegisterError):
        services.signal_record(
            actor=professional, address=outside, kind=kind, observed_on=timezone.localdate()
        )
    visible = set(Address.objects.visible_to(professional).values_list("pk", flat=True))
    assert inside.pk in visible and outside.pk not in visible
    assert visible <= set(Address.objects.filter(buurt_code__in=members).values_list("pk", flat=True))

    # The API batch: a BAG id another partner registered in a member buurt, and one nobody registered.
    registered = Address.objects.filter(buurt_code=members[0]).exclude(pk=inside.pk).order_by("pk").first()
    registered.bag_nummeraanduiding_id = "0014200000912345"
    registered.save(update_fields=["bag_nummeraanduiding_id"])
    _hidden_signal(registered)
    client = _api(professional)
    known = _ingest(client, [_item(registered)], "unie-bekend")
    unknown = _ingest(client, [_item(registered, bag_id=UNKNOWN_BAG)], "unie-onbekend")
    assert known.status_code == unknown.status_code, (known.content, unknown.content)

    # The address moves to a buurt outside the union (a new year's boundaries): access follows at once.
    Address.objects.filter(pk=inside.pk).update(buurt_code=other)
    inside.refresh_from_db()
    assert not Address.objects.visible_to(professional).filter(pk=inside.pk).exists()
    with pytest.raises(RegisterError):
        services.signal_record(
            actor=professional, address=inside, kind=kind, observed_on=timezone.localdate()
        )
