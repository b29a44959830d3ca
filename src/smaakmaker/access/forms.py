# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from smaakmaker.access.selectors import user_may_sign_in
from smaakmaker.common.forms import DesignSystemFormMixin


class SignInForm(DesignSystemFormMixin, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The user name or password is not correct."),
        "no_membership": _("Your account has no active membership of a partner organisation."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("User name")
        # No autofocus: keyboard and screen-reader users start at the skip link, like on every page.
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["password"].label = _("Password")

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user_may_sign_in(user=user):
            raise ValidationError(self.error_messages["no_membership"], code="no_membership")


class TokenForm(DesignSystemFormMixin, forms.Form):
    token = forms.RegexField(
        label=_("Six-digit code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("Enter the six digits shown in your authenticator app.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].strip()


class OidcRoleMappingForm(DesignSystemFormMixin, forms.Form):
    """A sign-in mapping: a group at the identity provider gives a role in a partner organisation."""

    group = forms.CharField(
        label=_("Group at the identity provider"),
        max_length=200,
        help_text=_(
            "Exactly as the provider sends it in the group claim: a group name (Keycloak, ADFS) or the "
            "group's object id (Entra ID)."
        ),
        error_messages={"required": _("Enter the group as the identity provider sends it.")},
    )
    organisation = forms.ModelChoiceField(
        label=_("Partner organisation"),
        queryset=None,
        error_messages={"required": _("Choose the organisation the group works for.")},
    )
    role = forms.ChoiceField(
        label=_("Role"), error_messages={"required": _("Choose the role the group gets.")}
    )
    creates_accounts = forms.BooleanField(
        label=_("Make an account at the first sign-in"),
        required=False,
        help_text=_(
            "Without this, only people who already have an account (made by you, without a password) can "
            "sign in through this group."
        ),
    )

    def __init__(self, *args, **kwargs):
        from smaakmaker.access.models import Organisation
        from smaakmaker.access.policies import ROLES

        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.all()
        self.fields["role"].choices = [("", _("— choose —"))] + [(role.name, role.label) for role in ROLES]

    def clean_group(self) -> str:
        value = self.cleaned_data["group"].strip()
        if not value:
            raise ValidationError(_("Enter the group as the identity provider sends it."))
        return value
