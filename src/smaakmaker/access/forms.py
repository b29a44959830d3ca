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


def _roles_field() -> forms.MultipleChoiceField:
    """The roles as checkboxes (their choices are set per form instance: ``_role_choices``)."""
    return forms.MultipleChoiceField(
        label=_("Roles"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "utrecht-checkbox utrecht-checkbox--html-input"}),
        help_text=_("A role opens screens; what a role sees of personal data is decided by the covenant."),
        error_messages={"required": _("Choose at least one role.")},
    )


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
    roles = _roles_field()
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


# --- Invitations, a user's roles, the end of a membership (issue 13, point 5) ----------------------------


class InvitationForm(DesignSystemFormMixin, forms.Form):
    first_name = forms.CharField(
        label=_("First name"), max_length=150, error_messages={"required": _("Enter the first name.")}
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, error_messages={"required": _("Enter the last name.")}
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=150,
        help_text=_("The invitation is sent here, and it becomes the user name to sign in with."),
        error_messages={
            "required": _("Enter the e-mail address the invitation goes to."),
            "invalid": _("Enter an e-mail address such as naam@organisatie.nl."),
        },
    )
    organisation = forms.ModelChoiceField(
        label=_("Partner organisation"),
        queryset=None,
        error_messages={"required": _("Choose the organisation this person works for.")},
    )
    function_title = forms.CharField(label=_("Function title"), max_length=200, required=False)
    roles = _roles_field()
    valid_days = forms.IntegerField(
        label=_("Link valid for (days)"),
        initial=7,
        min_value=1,
        max_value=30,
        help_text=_("The link works once, for this many days. You can send a new link later."),
        error_messages={
            "required": _("Enter how many days the link is valid."),
            "invalid": _("Enter a whole number of days."),
            "min_value": _("Choose between 1 and 30 days."),
            "max_value": _("Choose between 1 and 30 days."),
        },
    )

    def __init__(self, *args, **kwargs):
        from smaakmaker.access.models import Organisation

        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.all()
        self.fields["roles"].choices = _role_choices()

    def _clean_name(self, name: str) -> str:
        value = " ".join(self.cleaned_data[name].split())
        if not value:
            raise ValidationError(self.fields[name].error_messages["required"])
        return value

    def clean_first_name(self) -> str:
        return self._clean_name("first_name")

    def clean_last_name(self) -> str:
        return self._clean_name("last_name")


class InvitationAcceptForm(DesignSystemFormMixin, forms.Form):
    """The invitee's password, twice, checked by Django's password validators against their own data."""

    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Choose a password.")},
    )
    password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Enter the password a second time.")},
    )

    def __init__(self, *args, invitation, **kwargs):
        from django.contrib.auth import password_validation

        super().__init__(*args, **kwargs)
        self.invitation = invitation
        self.fields["password1"].help_text = password_validation.password_validators_help_text_html()

    def clean(self):
        from django.contrib.auth import password_validation
        from django.contrib.auth.models import User

        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
        elif first:
            probe = User(
                username=self.invitation.email,
                first_name=self.invitation.first_name,
                last_name=self.invitation.last_name,
                email=self.invitation.email,
            )
            try:
                password_validation.validate_password(first, user=probe)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class UserRolesForm(DesignSystemFormMixin, forms.Form):
    roles = _roles_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = _role_choices()


class MembershipEndForm(DesignSystemFormMixin, forms.Form):
    valid_until = forms.DateField(
        label=_("End date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty to end it now. On a later date it ends at the start of that day."),
        error_messages={"invalid": _("Enter a date such as 2027-01-31.")},
    )
