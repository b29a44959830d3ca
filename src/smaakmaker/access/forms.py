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


# --- The beheerder's screens (issue 16, point 5): parse and check; the services decide and write ----------


class OrganisationForm(DesignSystemFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        error_messages={"required": _("Enter the name of the organisation.")},
    )
    kind = forms.ChoiceField(
        label=_("Kind"), error_messages={"required": _("Choose the kind of organisation.")}
    )

    def __init__(self, *args, **kwargs):
        from smaakmaker.access.models import OrganisationKind
        from smaakmaker.common.forms import EMPTY_CHOICE

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", EMPTY_CHOICE), *OrganisationKind.choices]

    def clean_name(self) -> str:
        value = " ".join(self.cleaned_data["name"].split())
        if not value:
            raise ValidationError(_("Enter the name of the organisation."))
        return value


def _role_choices():
    from smaakmaker.access.policies import ROLES

    return [(role.name, role.label) for role in ROLES]


class UserForm(DesignSystemFormMixin, forms.Form):
    username = forms.RegexField(
        label=_("User name"),
        regex=r"^[\w.@+-]+$",
        max_length=150,
        help_text=_("Letters, digits and . @ + - _ only; used to sign in."),
        error_messages={
            "required": _("Enter a user name."),
            "invalid": _("Use letters, digits and . @ + - _ only."),
        },
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        error_messages={"invalid": _("Enter an e-mail address such as naam@organisatie.nl.")},
    )
    organisation = forms.ModelChoiceField(
        label=_("Partner organisation"),
        queryset=None,
        error_messages={"required": _("Choose the organisation this person works for.")},
    )
    function_title = forms.CharField(label=_("Function title"), max_length=200, required=False)
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "utrecht-checkbox utrecht-checkbox--html-input"}),
        help_text=_("A role opens screens; what a role sees of personal data is decided by the covenant."),
        error_messages={"required": _("Choose at least one role.")},
    )
    password = forms.CharField(
        label=_("First password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Leave empty for someone who signs in through your organisation's identity provider. A password "
            "set here is for the first sign-in; a second factor is set up then."
        ),
    )

    def __init__(self, *args, **kwargs):
        from smaakmaker.access.models import Organisation

        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.all()
        self.fields["roles"].choices = _role_choices()

    def clean(self):
        from django.contrib.auth import password_validation
        from django.contrib.auth.models import User

        cleaned = super().clean()
        password = cleaned.get("password")
        if password and cleaned.get("username"):
            probe = User(
                username=cleaned["username"],
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                password_validation.validate_password(password, user=probe)
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned


class MembershipForm(DesignSystemFormMixin, forms.Form):
    user = forms.ModelChoiceField(
        label=_("User"), queryset=None, error_messages={"required": _("Choose the user.")}
    )
    organisation = forms.ModelChoiceField(
        label=_("Partner organisation"),
        queryset=None,
        error_messages={"required": _("Choose the organisation this person works for.")},
    )
    function_title = forms.CharField(label=_("Function title"), max_length=200, required=False)
    valid_from = forms.DateField(
        label=_("Valid from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty to start today."),
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty for a membership without an end date."),
    )

    def __init__(self, *args, **kwargs):
        from django.contrib.auth import get_user_model

        from smaakmaker.access.models import Organisation

        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.order_by("username")
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.get_full_name()} ({u.get_username()})" if u.get_full_name() else u.get_username()
        )
        self.fields["organisation"].queryset = Organisation.objects.all()
