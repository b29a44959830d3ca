# SPDX-License-Identifier: EUPL-1.2
"""Sign-in as a municipality's security officer expects it: lock-out, second factor, time-outs."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from smaakmaker.access.demo import DEMO_PASSWORD
from smaakmaker.access.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from smaakmaker.access.models import Membership

pytestmark = pytest.mark.django_db

LOGIN = "/inloggen/"
DASHBOARD = "/"


def _login(client, username, password=DEMO_PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def _current_token(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_demo_user_signs_in_with_password_only_in_demo_mode(client, demo_users):
    response = _login(client, "regisseur")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:dashboard")
    page = client.get(DASHBOARD)
    assert page.status_code == 200
    assert "Welkom, Rosa" in page.content.decode()


def test_wrong_password_shows_dutch_error_and_does_not_sign_in(client, demo_users):
    response = _login(client, "regisseur", "verkeerd-wachtwoord")
    assert response.status_code == 200
    assert "De gebruikersnaam of het wachtwoord klopt niet." in response.content.decode()
    assert client.get(DASHBOARD).status_code == 302


def test_lockout_after_repeated_failures_even_with_the_right_password(client, demo_users, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "analist", "fout")
    response = _login(client, "analist")
    assert response.status_code == 429
    assert "Account tijdelijk geblokkeerd" in response.content.decode()
    assert client.get(DASHBOARD).status_code == 302
    # Another user from the same address is not locked out.
    assert _login(client, "bestuurder").status_code == 302


def test_user_without_active_membership_cannot_sign_in(client, demo_users):
    Membership.objects.filter(user=demo_users["bestuurder"]).update(
        valid_until=timezone.now() - timedelta(days=1), valid_from=timezone.now() - timedelta(days=9)
    )
    response = _login(client, "bestuurder")
    assert response.status_code == 200
    assert "geen actief lidmaatschap" in response.content.decode()


def test_second_factor_is_enforced_when_required(client, demo_users, settings):
    settings.OTP_REQUIRED = True
    response = _login(client, "regisseur")
    assert response.status_code == 302
    # Signed in with a password only: every page leads to setting up the second factor.
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("access:otp_setup"))
    # The API does not accept the unverified session either.
    assert client.get("/api/v1/me").status_code == 401

    setup = client.get(reverse("access:otp_setup"))
    assert setup.status_code == 200
    assert "<svg" in setup.content.decode()
    device = TOTPDevice.objects.get(user=demo_users["regisseur"], confirmed=False)

    wrong = client.post(
        reverse("access:otp_setup"), {"token": "000000" if _current_token(device) != "000000" else "111111"}
    )
    assert wrong.status_code == 200
    assert "Deze code klopt niet" in wrong.content.decode()
    # A wrong code throttles the device for a moment; an immediate retry is refused.
    throttled = client.post(reverse("access:otp_setup"), {"token": _current_token(device)})
    assert "Te veel pogingen" in throttled.content.decode()
    device.refresh_from_db()
    device.throttle_reset()

    done = client.post(reverse("access:otp_setup"), {"token": _current_token(device)})
    assert done.status_code == 302
    assert client.get(DASHBOARD).status_code == 200
    assert client.get("/api/v1/me").json()["second_factor_verified"] is True

    # Next sign-in asks for the code of the confirmed device.
    client.post(reverse("access:logout"))
    _login(client, "regisseur")
    response = client.get(DASHBOARD)
    assert response["Location"].startswith(reverse("access:otp_verify"))
    device.refresh_from_db()
    device.last_t = -1  # allow the same time step again in this test
    device.save()
    verified = client.post(reverse("access:otp_verify"), {"token": _current_token(device), "next": DASHBOARD})
    assert verified.status_code == 302
    assert verified["Location"] == DASHBOARD
    assert client.get(DASHBOARD).status_code == 200


def test_user_with_a_device_is_asked_for_the_code_even_in_demo_mode(client, demo_users):
    TOTPDevice.objects.create(user=demo_users["analist"], name="app", confirmed=True)
    _login(client, "analist")
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("access:otp_verify"))


def test_idle_timeout_signs_out(client, demo_users, settings):
    _login(client, "regisseur")
    assert client.get(DASHBOARD).status_code == 200
    session = client.session
    session[SESSION_SEEN_KEY] = time.time() - settings.SESSION_IDLE_TIMEOUT.total_seconds() - 5
    session.save()
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("access:login"))
    assert client.get(DASHBOARD).status_code == 302
    assert "Uw sessie is verlopen" in client.get(response["Location"]).content.decode()


def test_absolute_timeout_signs_out_an_active_user(client, demo_users, settings):
    _login(client, "regisseur")
    session = client.session
    session[SESSION_STARTED_KEY] = time.time() - settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds() - 5
    session[SESSION_SEEN_KEY] = time.time()
    session.save()
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("access:login"))


def test_activity_within_the_idle_window_keeps_the_session(client, demo_users, settings):
    _login(client, "regisseur")
    session = client.session
    session[SESSION_SEEN_KEY] = time.time() - settings.SESSION_IDLE_TIMEOUT.total_seconds() + 60
    session.save()
    assert client.get(DASHBOARD).status_code == 200
    assert client.session[SESSION_SEEN_KEY] > time.time() - 5


def test_logout_needs_post_and_ends_the_session(client, demo_users):
    _login(client, "regisseur")
    # a GET (a bookmark of the sign-out address) signs nobody out: it is sent on to the dashboard
    response = client.get(reverse("access:logout"))
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get(DASHBOARD).status_code == 200
    response = client.post(reverse("access:logout"))
    assert response.status_code == 302
    assert client.get(DASHBOARD).status_code == 302


@pytest.mark.parametrize("password", ["kort", "12345678901234", "password12345"])
def test_password_rules_reject_weak_passwords(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_password_rules_accept_a_long_passphrase():
    validate_password("lantaarnpaal-fietsbel-Zoutzuur-42")


def test_open_redirect_after_second_factor_is_refused(client, demo_users, settings):
    settings.OTP_REQUIRED = True
    _login(client, "regisseur")
    client.get(reverse("access:otp_setup"))
    device = TOTPDevice.objects.get(user=demo_users["regisseur"])
    response = client.post(
        reverse("access:otp_setup"), {"token": _current_token(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("web:dashboard")
