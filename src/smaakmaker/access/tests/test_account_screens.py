# SPDX-License-Identifier: EUPL-1.2
"""The beheerder's own screens for partner organisations, users and memberships (issue 16, point 5):
what they store, the audit record beside it, the Dutch refusals next to the field, and that no other
role opens them (nor sees the list of accounts)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from smaakmaker.access.models import AuditRecord, Membership, Organisation

pytestmark = pytest.mark.django_db

PAGES = ("access:organisation_new", "access:users", "access:user_new", "access:membership_new")
#: every demo role but the beheerder (one demo user each)
OTHERS = ("regisseur", "professional", "analist", "bestuurder", "privacy")


def test_beheerder_adds_a_partner_organisation(signed_in, demo_users):
    client = signed_in("beheerder")
    assert client.get(reverse("access:organisation_new")).status_code == 200
    response = client.post(
        reverse("access:organisation_new"), {"name": "  Stichting   Fictief Welzijn ", "kind": "zorg-welzijn"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("access:index")
    organisation = Organisation.objects.get(name="Stichting Fictief Welzijn")
    assert (
        AuditRecord.objects.filter(action="organisation.create", object_id=str(organisation.uuid)).count()
        == 1
    )
    assert "Stichting Fictief Welzijn" in client.get(reverse("access:index")).content.decode()
    again = client.post(
        reverse("access:organisation_new"), {"name": "stichting fictief welzijn", "kind": "politie"}
    )
    assert again.status_code == 400
    html = again.content.decode()
    assert "Er is al een partnerorganisatie met deze naam." in html and 'aria-invalid="true"' in html
    empty = client.post(reverse("access:organisation_new"), {"name": " ", "kind": ""})
    assert empty.status_code == 400 and "Kies de soort organisatie." in empty.content.decode()
    assert Organisation.objects.filter(name__iexact="stichting fictief welzijn").count() == 1


def test_beheerder_adds_a_user_with_roles_and_first_membership(signed_in, demo_users):
    client = signed_in("beheerder")
    organisation = Organisation.objects.filter(kind="politie").first()
    page = client.get(reverse("access:user_new")).content.decode()
    assert "Eerste wachtwoord" in page and "Analist" in page
    data = {
        "username": "f.fictief",
        "first_name": "Fenna",
        "last_name": "Fictief",
        "email": "fenna@voorbeeld.invalid",
        "organisation": organisation.pk,
        "function_title": "Wijkagent",
        "roles": ["partner-professional"],
        "password": "kort",
    }
    weak = client.post(reverse("access:user_new"), data)
    assert weak.status_code == 400 and not get_user_model().objects.filter(username="f.fictief").exists()
    assert 'id="password_error"' in weak.content.decode()
    no_role = client.post(reverse("access:user_new"), {**data, "roles": [], "password": ""})
    assert no_role.status_code == 400 and "Kies minstens één rol." in no_role.content.decode()
    response = client.post(reverse("access:user_new"), {**data, "password": "Fictief-wachtwoord-2027!"})
    assert response.status_code == 302 and response["Location"] == reverse("access:users")
    user = get_user_model().objects.get(username="f.fictief")
    assert user.check_password("Fictief-wachtwoord-2027!") and not user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == ["partner-professional"]
    assert list(
        Membership.objects.active().filter(user=user).values_list("organisation", "function_title")
    ) == [(organisation.pk, "Wijkagent")]
    assert AuditRecord.objects.filter(action="user.create", object_id=str(user.pk)).count() == 1
    taken = client.post(reverse("access:user_new"), {**data, "username": "F.Fictief", "password": ""})
    assert taken.status_code == 400 and "Deze gebruikersnaam is al in gebruik" in taken.content.decode()
    # without a password: an account for sign-in through the identity provider
    client.post(reverse("access:user_new"), {**data, "username": "idp.only", "password": ""})
    assert not get_user_model().objects.get(username="idp.only").has_usable_password()
    listing = client.get(reverse("access:users")).content.decode()
    assert "f.fictief" in listing and "Fenna Fictief" in listing and organisation.name in listing
    assert "Partnerprofessional" in listing


def test_beheerder_adds_a_membership_and_overlaps_are_refused(signed_in, demo_users):
    client = signed_in("beheerder")
    user = demo_users["wijkagent"]
    other = Organisation.objects.exclude(memberships__user=user).first()
    page = client.get(reverse("access:membership_new") + f"?gebruiker={user.pk}").content.decode()
    assert f'<option value="{user.pk}" selected>' in page
    start = timezone.localdate() + timedelta(days=7)
    data = {"user": user.pk, "organisation": other.pk, "function_title": "Gedetacheerd", "valid_from": start}
    bad = client.post(reverse("access:membership_new"), {**data, "valid_until": start - timedelta(days=1)})
    assert bad.status_code == 400 and "Het einde moet na het begin liggen." in bad.content.decode()
    response = client.post(reverse("access:membership_new"), data)
    assert response.status_code == 302
    membership = Membership.objects.get(user=user, organisation=other)
    assert timezone.localtime(membership.valid_from).date() == start and membership.valid_until is None
    assert AuditRecord.objects.filter(action="membership.create", object_id=str(membership.uuid)).count() == 1
    overlap = client.post(
        reverse("access:membership_new"), {**data, "valid_from": start + timedelta(days=30)}
    )
    assert overlap.status_code == 400
    assert "al een lidmaatschap van deze organisatie" in overlap.content.decode()
    assert Membership.objects.filter(user=user, organisation=other).count() == 1


@pytest.mark.parametrize("username", OTHERS)
def test_no_other_role_opens_the_account_screens(signed_in, demo_users, username):
    client = signed_in(username)
    for name in PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 403, name
        html = response.content.decode()
        assert "Applicatiebeheerder" in html  # the refusal says who can
        assert "wijkagent" not in html  # no account list behind the refusal
    organisations = Organisation.objects.count()
    users = get_user_model().objects.count()
    memberships = Membership.objects.count()
    organisation = Organisation.objects.first()
    client.post(reverse("access:organisation_new"), {"name": "Binnengeglipt", "kind": "politie"})
    client.post(
        reverse("access:user_new"),
        {"username": "binnen", "organisation": organisation.pk, "roles": ["beheerder"], "password": ""},
    )
    client.post(
        reverse("access:membership_new"), {"user": demo_users[username].pk, "organisation": organisation.pk}
    )
    assert (Organisation.objects.count(), get_user_model().objects.count(), Membership.objects.count()) == (
        organisations,
        users,
        memberships,
    )
    index = client.get(reverse("access:index")).content.decode()
    for name in PAGES:
        assert f'href="{reverse(name)}"' not in index
