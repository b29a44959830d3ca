# SPDX-License-Identifier: EUPL-1.2
"""Invitations (issue 13, point 5): the beheerder invites a partner's user; the link works once, until it
expires, not after it is revoked; the invitee chooses a password (Django's validators), is signed in and must
set up TOTP; audited; links that do not work are locked out like sign-in. And the beheerder's two other
account actions: change a user's roles, end a membership."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from smaakmaker.access import services
from smaakmaker.access.models import AuditRecord, Invitation, Membership, Organisation

pytestmark = pytest.mark.django_db

PASSWORD = "Fictief-wachtwoord-2027!"
OTHERS = ("regisseur", "professional", "analist", "bestuurder", "privacy")


def _invite(client, **overrides):
    organisation = Organisation.objects.filter(kind="politie").first()
    data = {
        "first_name": "Iris",
        "last_name": "Uitgenodigd (demo)",
        "email": "Iris@Voorbeeld.invalid",
        "organisation": organisation.pk,
        "function_title": "Wijkagent",
        "roles": ["partner-professional"],
        "valid_days": 7,
        **overrides,
    }
    return client.post(reverse("access:invitation_new"), data)


def _link_of(client, invitation: Invitation) -> str:
    page = client.get(reverse("access:invitation", kwargs={"uuid": invitation.uuid})).content.decode()
    return re.search(r'id="invitation-link" type="text" readonly value="([^"]+)"', page).group(1)


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def _current_token(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_beheerder_invites_and_the_invitee_sets_a_password_and_enrols_totp(client, signed_in, settings):
    settings.EMAIL_ENABLED = True
    beheerder = signed_in("beheerder")
    response = _invite(beheerder)
    invitation = Invitation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("access:invitation", kwargs={"uuid": invitation.uuid})
    assert invitation.email == "iris@voorbeeld.invalid" and invitation.roles == ["partner-professional"]
    link = _link_of(beheerder, invitation)
    # stored as a hash only; the page shows the link once
    secret = link.rstrip("/").rsplit("/", 1)[1]
    assert len(secret) >= 40 and secret not in invitation.token_hash
    again = beheerder.get(reverse("access:invitation", kwargs={"uuid": invitation.uuid})).content.decode()
    assert secret not in again and "In afwachting" in again
    # e-mailed through Django's mail backend
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["iris@voorbeeld.invalid"]
    assert link in mail.outbox[0].body and "Smaakmaker" in mail.outbox[0].subject
    audit = AuditRecord.objects.get(action="invitation.create")
    assert audit.actor == "beheerder" and "iris@voorbeeld.invalid" in audit.reason
    listed = beheerder.get(reverse("access:invitations")).content.decode()
    assert "Iris Uitgenodigd (demo)" in listed and 'data-status="pending"' in listed

    beheerder.logout()
    page = client.get(_path(link))
    assert page.status_code == 200
    html = page.content.decode()
    assert "iris@voorbeeld.invalid" in html and "Partnerprofessional" in html
    weak = client.post(_path(link), {"password1": "iris12345", "password2": "iris12345"})
    assert weak.status_code == 400 and 'id="password1_error"' in weak.content.decode()
    differ = client.post(_path(link), {"password1": PASSWORD, "password2": PASSWORD + "x"})
    assert differ.status_code == 400 and "niet hetzelfde" in differ.content.decode()
    assert not get_user_model().objects.filter(username="iris@voorbeeld.invalid").exists()

    done = client.post(_path(link), {"password1": PASSWORD, "password2": PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("access:otp_setup")
    user = get_user_model().objects.get(username="iris@voorbeeld.invalid")
    assert user.check_password(PASSWORD) and not user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == ["partner-professional"]
    assert list(
        Membership.objects.active().filter(user=user).values_list("organisation__kind", flat=True)
    ) == ["politie"]
    invitation.refresh_from_db()
    assert invitation.status == "accepted" and invitation.user == user
    accepted = AuditRecord.objects.get(action="invitation.accept")
    assert accepted.actor == "iris@voorbeeld.invalid" and accepted.object_id == str(invitation.uuid)

    # TOTP is required for this session although SMAAKMAKER_OTP_REQUIRED is off (development)
    assert not settings.OTP_REQUIRED
    blocked = client.get(reverse("web:dashboard"))
    assert blocked.status_code == 302 and blocked["Location"].startswith(reverse("access:otp_setup"))
    assert client.get(reverse("access:otp_setup")).status_code == 200
    device = TOTPDevice.objects.get(user=user)
    confirmed = client.post(reverse("access:otp_setup"), {"token": _current_token(device)})
    assert confirmed.status_code == 302
    assert client.get(reverse("web:dashboard")).status_code == 200

    # the link is used up
    client.logout()
    used = client.get(_path(link))
    assert used.status_code == 410 and "al gebruikt" in used.content.decode()


def test_expired_revoked_and_unknown_links_give_a_dutch_page_and_grant_nothing(client, signed_in):
    beheerder = signed_in("beheerder")
    _invite(beheerder)
    invitation = Invitation.objects.get()
    link = _link_of(beheerder, invitation)
    beheerder.logout()
    Invitation.objects.filter(pk=invitation.pk).update(expires=timezone.now() - timedelta(seconds=1))
    expired = client.get(_path(link))
    assert expired.status_code == 410 and "verlopen" in expired.content.decode()
    posted = client.post(_path(link), {"password1": PASSWORD, "password2": PASSWORD})
    assert posted.status_code == 410
    assert not get_user_model().objects.filter(username="iris@voorbeeld.invalid").exists()
    unknown = client.get(reverse("access:invitation_accept", kwargs={"token": "x" * 43}))
    assert unknown.status_code == 404 and "niet volledig of niet juist" in unknown.content.decode()
    # the link's page opens nothing else: the visitor is still anonymous
    assert client.get(reverse("web:dashboard"))["Location"].startswith(reverse("access:login"))


def test_resend_makes_a_new_link_and_revoke_stops_it(client, signed_in):
    beheerder = signed_in("beheerder")
    _invite(beheerder)
    invitation = Invitation.objects.get()
    first = _link_of(beheerder, invitation)
    Invitation.objects.filter(pk=invitation.pk).update(expires=timezone.now() - timedelta(days=1))
    assert 'data-status="expired"' in beheerder.get(reverse("access:invitations")).content.decode()
    resent = beheerder.post(reverse("access:invitation_resend", kwargs={"uuid": invitation.uuid}))
    assert resent.status_code == 302
    second = _link_of(beheerder, invitation)
    assert second != first
    invitation.refresh_from_db()
    assert invitation.status == "pending" and invitation.times_sent == 2
    assert AuditRecord.objects.filter(action="invitation.resend", object_id=str(invitation.uuid)).count() == 1
    beheerder.post(reverse("access:invitation_revoke", kwargs={"uuid": invitation.uuid}))
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    assert AuditRecord.objects.filter(action="invitation.revoke").count() == 1
    beheerder.logout()
    assert client.get(_path(first)).status_code == 404  # replaced
    revoked = client.get(_path(second))
    assert revoked.status_code == 410 and "ingetrokken" in revoked.content.decode()
    # a revoked invitation cannot be sent again
    with pytest.raises(services.AccountError):
        services.invitation_resend(actor=invitation.invited_by, invitation=invitation)


def test_invitation_form_errors_next_to_fields(signed_in, demo_users):
    beheerder = signed_in("beheerder")
    empty = beheerder.post(reverse("access:invitation_new"), {"valid_days": ""})
    html = empty.content.decode()
    assert empty.status_code == 400
    for message in ("Vul de voornaam in.", "Kies minstens één rol.", "Vul het e-mailadres in"):
        assert message in html
    assert 'id="email_error"' in html and 'id="roles_error"' in html
    too_long = _invite(beheerder, valid_days=31)
    assert too_long.status_code == 400 and "Kies tussen 1 en 30 dagen." in too_long.content.decode()
    taken = _invite(beheerder, email=demo_users["beheerder"].email or "x@y.invalid")
    if demo_users["beheerder"].email:
        assert taken.status_code == 400
    assert _invite(beheerder, email="twee@voorbeeld.invalid").status_code == 302
    twice = _invite(beheerder, email="TWEE@voorbeeld.invalid")
    assert twice.status_code == 400 and "openstaande uitnodiging" in twice.content.decode()


def test_bad_links_are_locked_out_like_sign_in(client, demo_users, settings):
    settings.LOCKOUT_FAILURES = 3
    url = reverse("access:invitation_accept", kwargs={"token": "y" * 43})
    assert [client.get(url).status_code for _ in range(3)] == [404, 404, 429]
    assert AuditRecord.objects.filter(action="invitation.lockout", result="denied").count() == 1
    # while locked out, a working link is refused as well
    invitation, secret = services.invitation_create(
        actor=demo_users["beheerder"],
        first_name="A",
        last_name="B",
        email="ab@voorbeeld.invalid",
        organisation=Organisation.objects.first(),
        roles=["analist"],
    )
    locked = client.get(reverse("access:invitation_accept", kwargs={"token": secret}))
    assert locked.status_code == 429 and "Retry-After" in locked.headers
    assert "minuten" in locked.content.decode()


@pytest.mark.parametrize("username", OTHERS)
def test_only_the_beheerder_invites_changes_roles_and_ends_memberships(signed_in, demo_users, username):
    invitation, _secret = services.invitation_create(
        actor=demo_users["beheerder"],
        first_name="A",
        last_name="B",
        email="ab@voorbeeld.invalid",
        organisation=Organisation.objects.first(),
        roles=["analist"],
    )
    membership = Membership.objects.filter(user=demo_users["professional"]).first()
    client = signed_in(username)
    gets = {
        "access:invitations": {},
        "access:invitation_new": {},
        "access:invitation": {"uuid": invitation.uuid},
        "access:user_roles": {"pk": demo_users["professional"].pk},
        "access:membership_end": {"uuid": membership.uuid},
    }
    for name, kwargs in gets.items():
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 403, name
    posts = {
        "access:invitation_resend": {"uuid": invitation.uuid},
        "access:invitation_revoke": {"uuid": invitation.uuid},
    }
    for name, kwargs in posts.items():
        assert client.post(reverse(name, kwargs=kwargs)).status_code == 403, name
    assert (
        client.post(
            reverse("access:user_roles", kwargs={"pk": demo_users["professional"].pk}),
            {"roles": ["beheerder"]},
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("access:membership_end", kwargs={"uuid": membership.uuid}), {}).status_code == 403
    )
    invitation.refresh_from_db()
    assert invitation.status == "pending" and invitation.times_sent == 1
    assert list(demo_users["professional"].groups.values_list("name", flat=True)) == ["partner-professional"]
    membership.refresh_from_db()
    assert membership.valid_until is None


def test_beheerder_changes_a_users_roles(signed_in, demo_users):
    beheerder = signed_in("beheerder")
    professional = demo_users["professional"]
    url = reverse("access:user_roles", kwargs={"pk": professional.pk})
    page = beheerder.get(url).content.decode()
    assert 'value="partner-professional"' in page and "checked" in page
    none = beheerder.post(url, {"roles": []})
    assert none.status_code == 400 and "Kies minstens één rol." in none.content.decode()
    done = beheerder.post(url, {"roles": ["partner-professional", "analist"]})
    assert done.status_code == 302
    assert sorted(professional.groups.values_list("name", flat=True)) == ["analist", "partner-professional"]
    record = AuditRecord.objects.get(action="user.roles_change")
    assert record.object_id == str(professional.pk)
    assert "partner-professional -> partner-professional, analist" in record.reason
    # the beheerder cannot take the beheerder role from themselves
    own = beheerder.post(
        reverse("access:user_roles", kwargs={"pk": demo_users["beheerder"].pk}), {"roles": ["analist"]}
    )
    assert own.status_code == 400 and "niet van uzelf" in own.content.decode()
    assert list(demo_users["beheerder"].groups.values_list("name", flat=True)) == ["beheerder"]
    # a role given makes is_staff follow the role table
    beheerder.post(url, {"roles": ["beheerder"]})
    professional.refresh_from_db()
    assert professional.is_staff


def test_beheerder_ends_a_membership(client, signed_in, demo_users):
    beheerder = signed_in("beheerder")
    professional = demo_users["professional"]
    membership = Membership.objects.active().get(user=professional)
    url = reverse("access:membership_end", kwargs={"uuid": membership.uuid})
    assert beheerder.get(url).status_code == 200
    past = beheerder.post(url, {"valid_until": "2000-01-01"})
    assert past.status_code == 400 and 'id="valid_until_error"' in past.content.decode()
    done = beheerder.post(url, {"valid_until": ""})
    assert done.status_code == 302
    membership.refresh_from_db()
    assert membership.valid_until is not None and membership.valid_until <= timezone.now()
    assert AuditRecord.objects.filter(action="membership.end", object_id=str(membership.uuid)).count() == 1
    again = beheerder.post(url, {"valid_until": ""})
    assert again.status_code == 400 and "al beëindigd" in again.content.decode()
    listed = beheerder.get(reverse("access:users")).content.decode()
    assert "geen actief lidmaatschap" in listed
    # and with it, sign-in ends
    beheerder.logout()
    refused = client.post(
        reverse("access:login"), {"username": "professional", "password": "demo-smaakmaker"}
    )
    assert refused.status_code == 200 and "geen actief lidmaatschap" in refused.content.decode()


def test_a_later_end_date_ends_at_the_start_of_that_day(signed_in, demo_users):
    beheerder = signed_in("beheerder")
    membership = Membership.objects.active().get(user=demo_users["analist"])
    day = timezone.localdate() + timedelta(days=10)
    beheerder.post(
        reverse("access:membership_end", kwargs={"uuid": membership.uuid}), {"valid_until": day.isoformat()}
    )
    membership.refresh_from_db()
    assert timezone.localtime(membership.valid_until).date() == day
    assert Membership.objects.active().filter(pk=membership.pk).exists()
