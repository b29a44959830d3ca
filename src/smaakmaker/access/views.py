# SPDX-License-Identifier: EUPL-1.2
"""Sign-in with a second factor, sign-out, and the access overview pages."""

from __future__ import annotations

import base64

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from smaakmaker.access import selectors
from smaakmaker.access.forms import OidcRoleMappingForm, SignInForm, TokenForm
from smaakmaker.common.permissions import PermissionMissing, permission_required

SETUP_DEVICE_KEY = "smaakmaker_otp_setup_device"


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "access/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = settings.OIDC_ENABLED
        context["oidc_label"] = settings.OIDC_LABEL or _("Sign in with your organisation account")
        return context


class SignOutView(auth_views.LogoutView):
    """Ends the session; one that came from the identity provider is ended there too (RP-initiated
    logout, ``oidc.end_session_url``)."""

    def post(self, request, *args, **kwargs):
        from smaakmaker.access.oidc import end_session_url

        at_provider = end_session_url(request) if request.session.get("oidc_id_token") else None
        response = super().post(request, *args, **kwargs)
        return HttpResponseRedirect(at_provider) if at_provider else response


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@sensitive_post_parameters("token")
@csrf_protect
@never_cache
@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    devices = list(TOTPDevice.objects.devices_for_user(request.user, confirmed=True))
    if not devices:
        return HttpResponseRedirect(resolve_url("access:otp_setup"))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in devices:
            allowed, _data = device.verify_is_allowed()
            if allowed and device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                return HttpResponseRedirect(_next_url(request))
        form.add_error(
            "token", _("This code is not correct or has expired. Wait for a new code and try again.")
        )
    return render(request, "access/otp_verify.html", {"form": form, "next": _next_url(request)})


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


@sensitive_post_parameters("token")
@csrf_protect
@never_cache
@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    if TOTPDevice.objects.devices_for_user(request.user, confirmed=True).exists():
        return HttpResponseRedirect(resolve_url("access:otp_verify"))
    device = None
    device_id = request.session.get(SETUP_DEVICE_KEY)
    if device_id:
        device = TOTPDevice.objects.filter(pk=device_id, user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name=_("Authenticator app"), confirmed=False)
        request.session[SETUP_DEVICE_KEY] = device.pk
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _data = device.verify_is_allowed()
        if not allowed:
            form.add_error("token", _("Too many attempts. Wait a few seconds for a new code and try again."))
        elif device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            request.session.pop(SETUP_DEVICE_KEY, None)
            otp_login(request, device)
            return HttpResponseRedirect(_next_url(request))
        form.add_error("token", _("This code is not correct. Check the time on your phone and try again."))
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(
        request,
        "access/otp_setup.html",
        {"form": form, "qr_svg": _qr_svg(device.config_url), "secret": secret, "next": _next_url(request)},
    )


@require_safe
@login_required
@permission_required("access.view_organisation", raise_exception=True)
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "access/index.html",
        {
            "organisations": selectors.organisations_list(),
            "my_memberships": selectors.memberships_active(user=request.user),
            "my_roles": selectors.roles_of(user=request.user),
        },
    )


@require_safe
@login_required
@permission_required("access.view_auditrecord", raise_exception=True)
def maintenance(request: HttpRequest) -> HttpResponse:
    """The scheduled jobs (retention, audit-chain verification, …) with their last results."""
    from smaakmaker.common.schedule import last_runs, workers_seen

    return render(
        request,
        "access/maintenance.html",
        {"jobs": last_runs(), "workers": workers_seen()},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@permission_required("access.view_oidcrolemapping", raise_exception=True)
def oidc_mappings(request: HttpRequest) -> HttpResponse:
    """The beheerder's sign-in mappings: which group at the identity provider gives which role where."""
    from smaakmaker.access import services
    from smaakmaker.access.audit import origin_of

    form = OidcRoleMappingForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not request.user.has_perm("access.add_oidcrolemapping"):
            raise PermissionMissing("access.add_oidcrolemapping")
        if form.is_valid():
            try:
                services.oidc_mapping_create(
                    actor=request.user, origin=origin_of(request), **form.cleaned_data
                )
            except services.OidcMappingError as exc:
                form.add_error(exc.field, exc.message)
            else:
                messages.success(request, _("The sign-in mapping is saved."))
                return HttpResponseRedirect(reverse("access:oidc_mappings"))
        status = 400
    return render(
        request,
        "access/oidc_mappings.html",
        {
            "form": form,
            "mappings": selectors.oidc_mappings_list(),
            "oidc_enabled": settings.OIDC_ENABLED,
            "redirect_uri": request.build_absolute_uri(reverse("access:oidc_callback")),
        },
        status=status,
    )


@require_POST
@login_required
@permission_required("access.delete_oidcrolemapping", raise_exception=True)
def oidc_mapping_delete(request: HttpRequest, uuid) -> HttpResponse:
    from smaakmaker.access import services
    from smaakmaker.access.audit import origin_of
    from smaakmaker.access.models import OidcRoleMapping

    mapping = get_object_or_404(OidcRoleMapping, uuid=uuid)
    services.oidc_mapping_delete(actor=request.user, mapping=mapping, origin=origin_of(request))
    messages.success(request, _("The sign-in mapping is removed."))
    return HttpResponseRedirect(reverse("access:oidc_mappings"))


# --- The beheerder's screens: partner organisations, users and memberships (issue 16, point 5) -----------


def _account_form_page(
    request, form, *, save, template: str, success: str, done: str = "access:users"
) -> HttpResponse:
    """GET shows the form; POST checks it, lets ``save`` write through the service and returns to Toegang
    with a message, or shows the Dutch errors next to their fields (status 400)."""
    from smaakmaker.access import services

    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                save(form.cleaned_data)
            except services.AccountError as exc:
                form.add_error(exc.field, exc.message)
            else:
                messages.success(request, success)
                return HttpResponseRedirect(reverse(done))
        status = 400
    return render(request, template, {"form": form}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@permission_required(["access.add_organisation"], raise_exception=True)
def organisation_new(request: HttpRequest) -> HttpResponse:
    from smaakmaker.access import services
    from smaakmaker.access.audit import origin_of
    from smaakmaker.access.forms import OrganisationForm

    form = OrganisationForm(request.POST or None)
    return _account_form_page(
        request,
        form,
        save=lambda data: services.organisation_add(actor=request.user, origin=origin_of(request), **data),
        template="access/organisation_new.html",
        success=_("The partner organisation is added."),
        done="access:index",
    )


@require_safe
@login_required
@permission_required("auth.view_user", raise_exception=True)
def users(request: HttpRequest) -> HttpResponse:
    """The beheerder's overview of accounts, their roles and memberships, with the ways to add them."""
    return render(
        request,
        "access/users.html",
        {"users": selectors.users_list(), "organisations": selectors.organisations_list()},
    )


@sensitive_post_parameters("password")
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@permission_required(["auth.add_user", "access.add_membership"], raise_exception=True)
def user_new(request: HttpRequest) -> HttpResponse:
    from smaakmaker.access import services
    from smaakmaker.access.audit import origin_of
    from smaakmaker.access.forms import UserForm

    form = UserForm(request.POST or None)
    return _account_form_page(
        request,
        form,
        save=lambda data: services.user_add(actor=request.user, origin=origin_of(request), **data),
        template="access/user_new.html",
        success=_("The user is added."),
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@permission_required(["access.add_membership"], raise_exception=True)
def membership_new(request: HttpRequest) -> HttpResponse:
    import datetime as dt

    from django.utils import timezone

    from smaakmaker.access import services
    from smaakmaker.access.audit import origin_of
    from smaakmaker.access.forms import MembershipForm

    def moment(day):
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min)) if day else None

    def save(data):
        today = timezone.localdate()
        start = data["valid_from"]
        services.membership_add(
            actor=request.user,
            origin=origin_of(request),
            user=data["user"],
            organisation=data["organisation"],
            function_title=data["function_title"],
            valid_from=None if start is None or start == today else moment(start),
            valid_until=moment(data["valid_until"]),
        )

    chosen = request.GET.get("gebruiker", "")  # the users overview links here per user
    form = MembershipForm(request.POST or None, initial={"user": chosen} if chosen.isdigit() else None)
    return _account_form_page(
        request,
        form,
        save=save,
        template="access/membership_new.html",
        success=_("The membership is added."),
    )
