# SPDX-License-Identifier: EUPL-1.2
"""Issue 16 points 3 and 6 without a browser: Dutch words and numbers, a favicon, server-side form checks."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from smaakmaker.areas.models import Area, AreaLevel
from smaakmaker.cases.forms import SearchForm, SignalForm, house_number_parse
from smaakmaker.cases.models import Address, SignalKind
from smaakmaker.cases.tests.conftest import world  # noqa: F401  (fixture)
from smaakmaker.common.forms import EMPTY_CHOICE

pytestmark = pytest.mark.django_db


def test_favicon_is_served_by_the_app(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO header


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("5", (5, "", "")),
        ("5A", (5, "A", "")),
        ("5 a", (5, "A", "")),
        ("12-2", (12, "", "2")),
        ("5A-1", (5, "A", "1")),
        ("5 bis", (5, "", "BIS")),
        ("0", None),
        ("abc", None),
        ("5AB-CDEFG", None),
    ],
)
def test_house_number_with_letter_and_addition(text, parsed):
    assert house_number_parse(text) == parsed


def test_search_form_takes_5a_and_says_what_is_wrong_in_dutch():
    form = SearchForm({"postcode": "1064 xa", "house_number": "5A"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"postcode": "1064XA", "house_number": 5, "house_letter": "A"}
    form = SearchForm({"postcode": "1064XA", "house_number": "vijf"})
    assert not form.is_valid()
    assert form.errors["house_number"] == [
        "Een huisnummer is een getal van 1 tot en met 99999, met een huisletter of toevoeging als die er is "
        "(5A, 12-2)."
    ]
    assert " required" not in str(form["postcode"])  # no browser pop-up: the server says it, in Dutch


def test_search_finds_the_letter_address_and_a_get_goes_back_to_the_register(world, signed_in):  # noqa: F811
    a1 = world.addresses["A1"]
    Address.objects.filter(pk=a1.pk).update(house_letter="A")
    client = signed_in("regisseur")

    def found(number: str) -> bool:
        response = client.post(reverse("cases:search"), {"postcode": "1064XA", "house_number": number})
        assert response.status_code == 200
        return f'href="{reverse("cases:dossier", args=[a1.uuid])}"' in response.content.decode()

    assert found("1A") and found("1 a") and found("1")
    assert not found("1B") and not found("1A-2")
    response = client.get(reverse("cases:search"))
    assert response.status_code == 302 and response["Location"] == reverse("cases:index")


def test_signal_before_the_covenant_or_in_the_future_is_refused(world):  # noqa: F811
    kind = SignalKind.objects.select_related("activity__covenant").get(code="overlast")
    start = kind.activity.covenant.valid_from
    kinds = SignalKind.objects.filter(pk=kind.pk)
    form = SignalForm({"kind": kind.pk, "observed_on": "1900-01-01"}, kinds=kinds)
    assert not form.is_valid()
    assert form.errors["observed_on"][0].startswith("De datum ligt vóór de ingang van het convenant")
    assert str(start.year) in form.errors["observed_on"][0] and "-" not in form.errors["observed_on"][0]
    form = SignalForm({"kind": kind.pk, "observed_on": date(2999, 1, 1).isoformat()}, kinds=kinds)
    assert not form.is_valid()
    form = SignalForm({"kind": kind.pk, "observed_on": start.isoformat()}, kinds=kinds)
    assert form.is_valid(), form.errors


def test_no_dashes_as_empty_choice(world):  # noqa: F811
    form = SignalForm(kinds=SignalKind.objects.all())
    html = str(form["kind"])
    assert "---------" not in html and str(EMPTY_CHOICE) == "— kies —" and "— kies —" in html


def test_area_names_beside_codes_and_plurals(world, signed_in):  # noqa: F811
    Area.objects.get_or_create(
        code="BU0363FD04",
        defaults={"level": AreaLevel.BUURT, "name": "Dobbebuurt", "gemeente_code": "GM0363"},
    )
    client = signed_in("regisseur")
    page = client.get(reverse("cases:index")).content.decode()
    assert "Dobbebuurt (BU0363FD04)" in page
    agenda = client.get(reverse("cases:agenda")).content.decode()
    assert (
        "van minstens" in agenda
        and "minstens 1 partners" not in agenda
        and "minstens 1 signalen" not in agenda
    )


def test_solver_state_in_dutch():
    from smaakmaker.plans.models import SchedulerRun

    assert SchedulerRun(solver_status="FEASIBLE").solver_status_label == "haalbaar (niet bewezen optimaal)"
    assert SchedulerRun(solver_status="").solver_status_label == ""


def test_spreadsheet_upload_says_save_as_csv(signed_in):
    from smaakmaker.monitoring.services import _parse_csv

    rows, problems = _parse_csv("beleving.xlsx", b"PK\x03\x04rest-of-a-zip")
    assert rows == [] and "sla het bestand op als CSV" in problems[0].message


# --- the dashboard: a starting point per role ---------------------------------------------------------


def _steps_of(html: str) -> list[str]:
    import re

    return re.findall(r'data-step="([a-z]+)"', html)


def test_dashboard_steps_in_the_method_order_with_counts_only_where_the_role_may_look(world, signed_in):  # noqa: F811
    from smaakmaker.cases.models import Case

    regisseur = signed_in("regisseur").get("/").content.decode()
    assert _steps_of(regisseur) == ["onderzoek", "convenant", "adressen", "plan", "meten"]
    visible = Case.objects.visible_to(world.users["regisseur"]).count()
    assert f"{visible} open casus" in regisseur  # the live count, through visible_to
    assert 'href="/adressen/casusoverleg/"' in regisseur and "/beheer/" not in regisseur

    analist = signed_in("analist").get("/").content.decode()
    assert _steps_of(analist) == ["onderzoek", "convenant", "adressen", "plan", "meten"]
    assert "open casus" not in analist and "op de agenda" not in analist  # no count of hidden data
    assert "Uw rol opent dit onderdeel niet; dit doet:" in analist

    beheerder = signed_in("beheerder").get("/").content.decode()
    assert 'href="/beheer/"' in beheerder
    assert "open casus" not in beheerder


def test_dashboard_counts_follow_need_to_know(world, signed_in):  # noqa: F811
    from smaakmaker.cases.models import Case

    for username in ("professional", "consulent", "wijkagent", "wijkteam"):
        html = signed_in(username).get("/").content.decode()
        n = Case.objects.visible_to(world.users[username]).exclude(status="closed").count()
        assert f">{n} open casus" in html, username


def test_a_refused_page_says_who_can(signed_in):
    from smaakmaker.access.policies import roles_with

    response = signed_in("regisseur").get(reverse("areas:custom_new"))
    assert response.status_code == 403
    html = response.content.decode()
    who = [str(r.label) for r in roles_with("areas.add_area")]
    assert who and f"Wie dit wel mag: {', '.join(who)}." in html
    assert "Uw rollen:" in html
    response = signed_in("analist").get(reverse("cases:index"))  # the register's own refusal
    assert response.status_code == 403 and "Wie dit wel mag:" in response.content.decode()
    response = signed_in("analist").get(reverse("plans:approach_new"))
    assert response.status_code == 403 and "Wie dit wel mag:" in response.content.decode()


def test_new_address_with_its_first_signal(world, signed_in, monkeypatch):  # noqa: F811
    from smaakmaker.cases.models import Signal

    Area.objects.get_or_create(
        code="BU0363FD04",
        defaults={"level": AreaLevel.BUURT, "name": "Dobbebuurt", "gemeente_code": "GM0363"},
    )
    client = signed_in("regisseur")
    page = client.get(reverse("cases:address_new"))
    assert page.status_code == 200 and "Nieuw adres" in page.content.decode()
    kind = SignalKind.objects.get(code="overlast")
    data = {
        "bag_nummeraanduiding_id": "0363200000077777",
        "street": "Fictiefstraat",
        "house_number": "7B-2",
        "postcode": "1064 xa",
        "city": "Amsterdam",
        "buurt_code": "bu0363fd04",
        "kind": kind.pk,
        "observed_on": date.today().isoformat(),
        "description": "Eerste melding",
    }
    bad = client.post(reverse("cases:address_new"), {**data, "bag_nummeraanduiding_id": "123"})
    assert bad.status_code == 400 and "precies 16 cijfers" in bad.content.decode()
    assert not Address.objects.filter(bag_nummeraanduiding_id="0363200000077777").exists()
    response = client.post(reverse("cases:address_new"), data)
    address = Address.objects.get(bag_nummeraanduiding_id="0363200000077777")
    assert (address.house_number, address.house_letter, address.house_number_addition) == (7, "B", "2")
    assert response.status_code == 302 and response["Location"] == reverse(
        "cases:dossier", args=[address.uuid]
    )
    assert Signal.objects.filter(address=address, description="Eerste melding").count() == 1
    # a refused signal leaves no address behind (one transaction)
    from smaakmaker.cases import services as case_services
    from smaakmaker.cases.errors import RegisterError

    def refuse(**kwargs):
        raise RegisterError("Signaal geweigerd.", field="description")

    monkeypatch.setattr(case_services, "signal_record", refuse)
    again = client.post(reverse("cases:address_new"), {**data, "bag_nummeraanduiding_id": "0363200000077778"})
    assert again.status_code == 400 and "Signaal geweigerd." in again.content.decode()
    assert not Address.objects.filter(bag_nummeraanduiding_id="0363200000077778").exists()
    # a role without the register's write permission is told who can
    refused = signed_in("analist").get(reverse("cases:address_new"))
    assert refused.status_code == 403 and "Wie dit wel mag:" in refused.content.decode()


def test_the_beheerder_adds_partners_users_and_memberships_from_toegang(signed_in):
    html = signed_in("beheerder").get(reverse("access:index")).content.decode()
    # the product's own screens, not Django's admin
    for name in ("access:organisation_new", "access:users", "access:user_new", "access:membership_new"):
        assert f'href="{reverse(name)}"' in html
    assert 'href="/beheer/' not in html
    assert 'data-testid="day-one"' not in signed_in("regisseur").get(reverse("access:index")).content.decode()


def test_notices_name_indicators_and_leave_plain_words_alone(db):
    """Issue 16: keys become catalogue labels; a key that is a plain word (inwoners) is not replaced inside
    a label, which made "per 1.000 Aantal inwoners"."""
    from smaakmaker.areas.models import Indicator
    from smaakmaker.areas.templatetags.area_labels import indicator_words

    Indicator.objects.update_or_create(key="inwoners", defaults={"label": "Aantal inwoners"})
    Indicator.objects.update_or_create(
        key="bijstand_per_1000", defaults={"label": "Personen met bijstandsuitkering per 1.000 inwoners"}
    )
    assert indicator_words("Geen cijfers voor: bijstand_per_1000.") == (
        "Geen cijfers voor: Personen met bijstandsuitkering per 1.000 inwoners."
    )
