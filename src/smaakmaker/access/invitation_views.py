# SPDX-License-Identifier: EUPL-1.2
"""Invitations to a partner's users (issue 13, point 5), and the beheerder's other account actions: change a
user's roles, end a membership.

The beheerder invites (name, e-mail address, organisation, roles); the page shows the link once (and it is
e-mailed where e-mail is on). The invitee opens the link, chooses a password, is signed in and set up with
TOTP by the existing enrolment (``access:otp_setup``), required for this session also where
``SMAAKMAKER_OTP_REQUIRED`` is off. A link that does not work gives a Dutch page; such links are counted per
client address and locked out like sign-in (``throttling.invitation_failure_record``).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from smaakmaker.access import selectors, services
from smaakmaker.access.audit import origin_of
from smaakmaker.access.forms import InvitationAcceptForm, InvitationForm, MembershipEndForm, UserRolesForm
from smaakmaker.access.middleware import INVITATION_SIGN_IN_KEY
from smaakmaker.access.models import Invitation, Membership
from smaakmaker.common.permissions import permission_required

#: the link of an invitation just made or sent again, shown once on its page: {uuid: link}
NEW_LINK_KEY = "smaakmaker_invitation_link"


def _link_for(request: HttpRequest, secret: str) -> str:
    return request.build_absolute_uri(reverse("access:invitation_accept", kwargs={"token": secret}))


def _remember_link(request: HttpRequest, invitation: Invitation, secret: str) -> None:
    link = _link_for(request, secret)
    request.session[NEW_LINK_KEY] = {"uuid": str(invitation.uuid), "link": link}
    if services.invitation_mail_send(invitation=invitation, link=link):
        messages.success(
            request, _("The invitation is sent by e-mail to %(email)s.") % {"email": invitation.email}
        )
    else:
        messages.info(
            request,
            _("No e-mail was sent: pass the link below on to %(email)s yourself.")
            % {"email": invitation.email},
        )


@require_safe
@login_required
@permission_required("access.view_invitation", raise_exception=True)
def invitations(request: HttpRequest) -> HttpResponse:
    return render(request, "access/invitations.html", {"invitations": selectors.invitations_list()})


@sensitive_variables("secret")
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@permission_required(["access.add_invitation"], raise_exception=True)
def invitation_new(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                invitation, secret = services.invitation_create(
                    actor=request.user, origin=origin_of(request), **form.cleaned_data
                )
            except services.AccountError as exc:
                form.add_error(exc.field, exc.message)
            else:
                _remember_link(request, invitation, secret)
                return HttpResponseRedirect(reverse("access:invitation", kwargs={"uuid": invitation.uuid}))
        status = 400
    return render(request, "access/invitation_new.html", {"form": form}, status=status)


@never_cache
@require_safe
@login_required
@permission_required("access.view_invitation", raise_exception=True)
def invitation(request: HttpRequest, uuid) -> HttpResponse:
    invitation = get_object_or_404(
        Invitation.objects.select_related("organisation", "invited_by", "user"), uuid=uuid
    )
    invitation.role_labels = selectors.role_labels(invitation.roles)
    new = request.session.get(NEW_LINK_KEY) or {}
    link = None
    if new.get("uuid") == str(invitation.uuid):
        link = new.get("link")
        request.session.pop(NEW_LINK_KEY, None)  # shown once: only its hash is kept
    return render(request, "access/invitation.html", {"invitation": invitation, "link": link})


@sensitive_variables("secret")
@require_POST
@login_required
@permission_required("access.change_invitation", raise_exception=True)
def invitation_resend(request: HttpRequest, uuid) -> HttpResponse:
    invitation = get_object_or_404(Invitation, uuid=uuid)
    try:
        secret = services.invitation_resend(
            actor=request.user, invitation=invitation, origin=origin_of(request)
        )
    except services.AccountError as exc:
        messages.error(request, exc.message)
    else:
        _remember_link(request, invitation, secret)
    return HttpResponseRedirect(reverse("access:invitation", kwargs={"uuid": invitation.uuid}))


@require_POST
@login_required
@permission_required("access.change_invitation", raise_exception=True)
def invitation_revoke(request: HttpRequest, uuid) -> HttpResponse:
    invitation = get_object_or_404(Invitation, uuid=uuid)
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation, origin=origin_of(request))
    except services.AccountError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The invitation is revoked: its link no longer works."))
    return HttpResponseRedirect(reverse("access:invitation", kwargs={"uuid": invitation.uuid}))


def _link_refused(request: HttpRequest, reason: str, status: int) -> HttpResponse:
    from smaakmaker.access.throttling import invitation_failure_record

    locked = invitation_failure_record(request=request)
    if locked is not None:
        return _locked(request, locked)
    return render(request, "access/invitation_refused.html", {"reason": reason}, status=status)


def _locked(request: HttpRequest, seconds: float) -> HttpResponse:
    minutes = max(1, round(seconds / 60))
    response = render(
        request, "access/invitation_refused.html", {"reason": "locked", "minutes": minutes}, status=429
    )
    response["Retry-After"] = str(int(seconds) + 1)
    return response


@sensitive_variables("token")
@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invitee's page: anyone with the link; it gives nothing but the invited account."""
    from smaakmaker.access.throttling import invitation_lockout_wait

    locked = invitation_lockout_wait(request=request)
    if locked is not None:
        return _locked(request, locked)
    invitation = selectors.invitation_by_secret(secret=token)
    if invitation is None:
        return _link_refused(request, "unknown", 404)
    if invitation.status != "pending":
        return _link_refused(request, invitation.status, 410)
    form = InvitationAcceptForm(request.POST if request.method == "POST" else None, invitation=invitation)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user = services.invitation_accept(
                    invitation=invitation, password=form.cleaned_data["password1"], origin=origin_of(request)
                )
            except services.AccountError as exc:
                form.add_error(None, exc.message)
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                # the second factor is set up now, whatever SMAAKMAKER_OTP_REQUIRED says (middleware)
                request.session[INVITATION_SIGN_IN_KEY] = {"user": user.pk}
                messages.success(request, _("Your password is set. Now set up two-step verification."))
                return HttpResponseRedirect(reverse("access:otp_setup"))
        status = 400
    return render(
        request,
        "access/invitation_accept.html",
        {
            "form": form,
            "invitation": invitation,
            "signed_in_as": request.user if request.user.is_authenticated else None,
        },
        status=status,
    )


# --- A user's roles; the end of a membership ---------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@permission_required("auth.change_user", raise_exception=True)
def user_roles(request: HttpRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(get_user_model(), pk=pk)
    current = list(account.groups.values_list("name", flat=True))
    form = UserRolesForm(request.POST if request.method == "POST" else None, initial={"roles": current})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.user_roles_set(
                    actor=request.user,
                    user=account,
                    roles=form.cleaned_data["roles"],
                    origin=origin_of(request),
                )
            except services.AccountError as exc:
                form.add_error(exc.field, exc.message)
            else:
                messages.success(
                    request, _("The roles of %(user)s are saved.") % {"user": account.get_username()}
                )
                return HttpResponseRedirect(reverse("access:users"))
        status = 400
    return render(request, "access/user_roles.html", {"form": form, "account": account}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@permission_required("access.change_membership", raise_exception=True)
def membership_end(request: HttpRequest, uuid) -> HttpResponse:
    membership = get_object_or_404(Membership.objects.select_related("user", "organisation"), uuid=uuid)
    form = MembershipEndForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            day = form.cleaned_data["valid_until"]
            at = None
            if day is not None and day != timezone.localdate():
                at = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
            try:
                services.membership_end(
                    actor=request.user, membership=membership, at=at, origin=origin_of(request)
                )
            except services.AccountError as exc:
                form.add_error(exc.field, exc.message)
            else:
                messages.success(request, _("The membership is ended."))
                return HttpResponseRedirect(reverse("access:users"))
        status = 400
    return render(
        request, "access/membership_end.html", {"form": form, "membership": membership}, status=status
    )
