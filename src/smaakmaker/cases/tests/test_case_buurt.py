# SPDX-License-Identifier: EUPL-1.2
"""The buurt on the case (migration cases/0007): kept in step with its address by the database, by
every way of writing, and the buurt's case list is exactly the visible cases whose address lies there."""

from __future__ import annotations

import pytest
from django.db import connection

from smaakmaker.access.models import ProcessingActivity
from smaakmaker.cases import selectors
from smaakmaker.cases.errors import NotPermitted
from smaakmaker.cases.models import Address, Case, CaseParticipant

pytestmark = pytest.mark.django_db

USERS = ("regisseur", "professional", "consulent", "wijkagent", "wijkteam", "analist")


def _stored(case: Case) -> str:
    return Case.objects.values_list("buurt_code", flat=True).get(pk=case.pk)


def _open(world, address: Address) -> Case:
    case = Case.objects.create(
        address=address,
        activity=ProcessingActivity.objects.get(code="casusoverleg"),
        regie_organisation=world.case.regie_organisation,
        summary="casus",
        opened_by=world.users["regisseur"],
    )
    CaseParticipant.objects.create(case=case, organisation=world.case.regie_organisation)
    return case


def test_a_case_takes_its_addresss_buurt_and_follows_it(world):
    a1, a3 = world.addresses["A1"], world.addresses["A3"]
    case = world.case
    assert _stored(case) == "BU0363FD04" == a1.buurt_code
    # The instance the application holds never writes a wrong value back: a save of a stale instance
    # (its buurt_code as created, or changed by hand) is corrected by the database.
    case.buurt_code = "BU0363XX99"
    case.save()
    assert _stored(case) == "BU0363FD04"
    Case.objects.filter(pk=case.pk).update(buurt_code="")
    assert _stored(case) == "BU0363FD04"
    # the address moves: by save(), QuerySet.update, and raw SQL as the BAG import writes
    a1.buurt_code = "BU0363FD05"
    a1.save()
    assert _stored(case) == "BU0363FD05"
    Address.objects.filter(pk=a1.pk).update(buurt_code="BU0363FD06")
    assert _stored(case) == "BU0363FD06"
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_address SET buurt_code = %s WHERE id = %s", ["BU0363FD07", a1.pk])
    assert _stored(case) == "BU0363FD07"
    Address.objects.filter(pk=a1.pk).update(buurt_code="")  # a point in no loaded buurt
    assert _stored(case) == ""
    # the case moves to another address
    Case.objects.filter(pk=case.pk).update(address=a3)
    assert _stored(case) == a3.buurt_code == "BU0363FD03"
    # other cases and addresses are left alone
    other = _open(world, world.addresses["A2"])
    assert _stored(other) == "BU0363FD04"
    Address.objects.filter(pk=a3.pk).update(street="Andere straat")
    assert _stored(case) == "BU0363FD03" and _stored(other) == "BU0363FD04"


def test_boundary_reassignment_moves_the_cases_with_their_addresses(world):
    """``bulk_update`` of the addresses' buurt, as ``address_imports`` writes new boundaries."""
    a1, a2 = world.addresses["A1"], world.addresses["A2"]
    second = _open(world, a2)
    Address.objects.bulk_update(
        [Address(id=a1.pk, buurt_code="BU0363FD09"), Address(id=a2.pk, buurt_code="BU0363FD09")],
        ["buurt_code"],
    )
    assert _stored(world.case) == _stored(second) == "BU0363FD09"


def _expected(user, buurt: str) -> list[int]:
    return list(
        Case.objects.visible_to(user)
        .filter(address__buurt_code=buurt)
        .order_by("-created", "-id")
        .values_list("pk", flat=True)
    )


@pytest.mark.parametrize("username", USERS)
def test_the_buurt_case_list_is_the_visible_cases_at_addresses_in_the_buurt(world, username):
    user = world.users[username]
    if not user.has_perm("cases.view_case"):
        with pytest.raises(NotPermitted):
            selectors.cases_list(user=user, purpose="toets", buurt_code="BU0363FD04")
        return
    for address in world.addresses.values():  # one more case at every address, in and out of the area
        _open(world, address)
    buurten = sorted({a.buurt_code for a in world.addresses.values()} | {"BU0363FD09"})

    def listed(buurt: str) -> list[int]:
        page, total = selectors.cases_list(user=user, purpose="toets", buurt_code=buurt, limit=50)
        assert total == len(page)
        return [case.pk for case in page]

    for buurt in buurten:
        assert listed(buurt) == _expected(user, buurt), (username, buurt)
    # after an address moves (raw SQL, as an import does) the compiled list follows at once
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_address SET buurt_code = %s WHERE id = %s", ["BU0363FD09", world.addresses["A1"].pk]
        )
    for buurt in buurten:
        assert listed(buurt) == _expected(user, buurt), (username, buurt)
