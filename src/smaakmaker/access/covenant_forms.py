# SPDX-License-Identifier: EUPL-1.2
"""Forms for covenant management. They only parse and check input; the services decide and write."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from smaakmaker.access import covenant_selectors as selectors
from smaakmaker.access import services
from smaakmaker.access.models import (
    AvgGround,
    Compartment,
    GrantLevel,
    GrantScope,
    OrganisationKind,
    ProcessingActivity,
)
from smaakmaker.common.forms import DesignSystemFormMixin

SEPARATORS = re.compile(r"[,;\n]+")
CHECKBOX = "utrecht-checkbox utrecht-checkbox--html-input"
#: Empty grant rows offered on the "add processing activity" page; unused rows are ignored.
GRANT_ROWS = 4


def split_list(text: str) -> list[str]:
    """``"a, b;c"`` → ``["a", "b", "c"]`` (empty parts dropped)."""
    return [part.strip() for part in SEPARATORS.split(text or "") if part.strip()]


def add_service_errors(form: forms.Form, exc: services.CovenantError) -> dict[str, list[str]]:
    """Show a service error next to the form's fields; returns the errors of fields the form lacks."""
    rest: dict[str, list[str]] = {}
    for field, messages in exc.errors.items():
        if field in form.fields:
            form.add_error(field, list(messages))
        else:
            rest[field] = list(messages)
    return rest


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PrivacyOfficerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        full_name = obj.get_full_name()
        return f"{full_name} ({obj.get_username()})" if full_name else obj.get_username()


class CovenantForm(DesignSystemFormMixin, forms.Form):
    name = forms.CharField(label=_("Name of the covenant"), max_length=200)
    area_codes = forms.CharField(
        label=_("Areas (CBS codes)"),
        max_length=2000,
        help_text=_(
            "CBS codes of gemeenten, wijken or buurten, or the code of a custom area drawn as a "
            "boundary, separated by commas; for example GM0363, WK0363FD, BU0363FD04, EG0001."
        ),
    )
    partners = forms.ModelMultipleChoiceField(
        label=_("Partner organisations"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple(attrs={"class": CHECKBOX}),
        error_messages={"required": _("Choose at least one partner organisation.")},
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty for a covenant without an end date."),
    )
    document_reference = forms.CharField(
        label=_("Document reference"),
        max_length=200,
        required=False,
        help_text=_("Where the signed covenant is kept, for example its registration number."),
    )
    dpia_reference = forms.CharField(
        label=_("DPIA reference"),
        max_length=200,
        required=False,
        help_text=_("The covenant can only become active with a recorded DPIA (reference and date)."),
    )
    dpia_date = forms.DateField(label=_("DPIA date"), required=False, widget=DateInput())
    privacy_officer = PrivacyOfficerChoice(
        label=_("Privacy officer"),
        queryset=None,
        required=False,
        empty_label=_("Not named yet"),
        help_text=_("Someone who may read the audit log; needed before the covenant becomes active."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partners"].queryset = selectors.partner_candidates()
        self.fields["privacy_officer"].queryset = selectors.privacy_officer_candidates()

    @classmethod
    def initial_for(cls, covenant) -> dict:
        return {
            "name": covenant.name,
            "area_codes": ", ".join(covenant.area_codes),
            "partners": list(covenant.partners.all()),
            "valid_from": covenant.valid_from,
            "valid_until": covenant.valid_until,
            "document_reference": covenant.document_reference,
            "dpia_reference": covenant.dpia_reference,
            "dpia_date": covenant.dpia_date,
            "privacy_officer": covenant.privacy_officer,
        }

    def clean_area_codes(self) -> list[str]:
        try:
            return services.covenant_area_codes_clean(split_list(self.cleaned_data["area_codes"]))
        except services.CovenantError as exc:
            raise forms.ValidationError(exc.errors["area_codes"]) from exc

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end of the period lies before its start."))
        return data


class ActivityForm(DesignSystemFormMixin, forms.Form):
    name = forms.CharField(label=_("Name of the processing activity"), max_length=200)
    code = forms.SlugField(
        label=_("Code"),
        max_length=80,
        required=False,
        help_text=_("Short unique code (lower case letters, digits and hyphens); empty: made from the name."),
    )
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}))
    avg_ground = forms.ChoiceField(label=_("Lawful basis (AVG article 6)"), choices=AvgGround.choices)
    legal_basis = forms.CharField(
        label=_("Law and article"),
        max_length=200,
        help_text=_("For example “Gemeentewet 151d” or “Wpg art. 20”."),
    )
    data_categories = forms.CharField(
        label=_("Data categories"),
        max_length=2000,
        help_text=_("Separated by commas; for example: adres, soort signaal, datum."),
    )
    compartment = forms.ChoiceField(
        label=_("Compartment"),
        choices=Compartment.choices,
        help_text=_("Outside its compartment a user sees only a coarse flag of this data."),
    )
    retention_days = forms.IntegerField(
        label=_("Retention period (days)"), min_value=1, max_value=36500, initial=365
    )
    allows_names = forms.BooleanField(
        label=_("Names of residents may be recorded"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": CHECKBOX}),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if code and ProcessingActivity.objects.filter(code=code).exists():
            raise forms.ValidationError(_("Another processing activity already has this code."))
        return code

    def clean_data_categories(self) -> list[str]:
        categories = split_list(self.cleaned_data["data_categories"])
        if not categories:
            raise forms.ValidationError(_("Name at least one category of data."))
        return categories


class GrantForm(DesignSystemFormMixin, forms.Form):
    """One recipient of the activity's data; a row without organisation kind and role is ignored."""

    organisation_kind = forms.ChoiceField(
        label=_("Organisation kind"), required=False, choices=[("", "—"), *OrganisationKind.choices]
    )
    role = forms.ChoiceField(label=_("Role"), required=False)
    scope = forms.ChoiceField(label=_("Scope"), choices=GrantScope.choices, initial=GrantScope.PARTICIPATION)
    level = forms.ChoiceField(label=_("Level"), choices=GrantLevel.choices, initial=GrantLevel.READ)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "—"), *selectors.register_roles()]

    def clean(self):
        data = super().clean()
        if data.get("organisation_kind") or data.get("role"):
            if not data.get("organisation_kind"):
                self.add_error("organisation_kind", _("Choose the kind of organisation."))
            if not data.get("role"):
                self.add_error("role", _("Choose the role."))
        return data

    def grant(self) -> tuple[str, str, str, str] | None:
        data = self.cleaned_data
        if not (data.get("organisation_kind") and data.get("role")):
            return None
        return (data["organisation_kind"], data["role"], data["scope"], data["level"])


class BaseGrantFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        grants = [form.grant() for form in self.forms]
        grants = [grant for grant in grants if grant is not None]
        if not grants:
            raise forms.ValidationError(_("Give at least one recipient (organisation kind and role)."))
        pairs = [(kind, role) for kind, role, _scope, _level in grants]
        if len(set(pairs)) != len(pairs):
            raise forms.ValidationError(_("Each combination of organisation kind and role appears once."))

    def grants(self) -> list[tuple[str, str, str, str]]:
        return [grant for grant in (form.grant() for form in self.forms) if grant is not None]


GrantFormSet = forms.formset_factory(
    GrantForm, formset=BaseGrantFormSet, extra=GRANT_ROWS, max_num=GRANT_ROWS, validate_max=True
)


class ActivityChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.code})"


class ReuseDecisionForm(DesignSystemFormMixin, forms.Form):
    source = ActivityChoice(label=_("Data collected under"), queryset=None)
    target = ActivityChoice(label=_("May be read under"), queryset=None)
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=200)
    motivation = forms.CharField(
        label=_("Motivation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why is this reuse compatible with the purpose the data was collected for?"),
    )

    def __init__(self, *args, covenant, **kwargs):
        super().__init__(*args, **kwargs)
        activities = ProcessingActivity.objects.filter(covenant=covenant).order_by("name")
        self.fields["source"].queryset = activities
        self.fields["target"].queryset = activities

    def clean(self):
        data = super().clean()
        if data.get("source") and data.get("target") and data["source"] == data["target"]:
            self.add_error("target", _("Data is always readable under the activity it was collected for."))
        return data


class CovenantEndForm(DesignSystemFormMixin, forms.Form):
    """Ending cuts every partner off at once: a reason (shown to their users) and an explicit yes."""

    reason = forms.CharField(
        label=_("Reason for ending"),
        # required, with the service's message (how long it must be) rather than "this field is required"
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "aria-required": "true"}),
        max_length=services.COVENANT_END_REASON_MAX_LENGTH,
        help_text=_("The users of the partner organisations see this reason on their dashboard."),
    )
    confirm = forms.BooleanField(
        label=_("I understand that every partner loses access to the shared data at once."),
        widget=forms.CheckboxInput(attrs={"class": CHECKBOX}),
        error_messages={"required": _("Confirm that you want to end the covenant.")},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        errors = services.covenant_end_reason_errors(reason)
        if errors:
            raise forms.ValidationError(errors)
        return reason


AUDIT_RESULTS = [("ok", "ok"), ("denied", "denied"), ("not_found", "not_found"), ("invalid", "invalid")]


class AuditFilterForm(DesignSystemFormMixin, forms.Form):
    """The audit browser's filter. It is posted and kept on the server; the address shows only a token."""

    log = forms.ChoiceField(
        choices=[("audit", "audit"), ("processing", "processing")], widget=forms.HiddenInput
    )
    action = forms.CharField(label=_("Action"), max_length=64, required=False)
    actor = forms.CharField(label=_("Actor"), max_length=150, required=False)
    result = forms.ChoiceField(label=_("Result"), choices=[("", "—"), *AUDIT_RESULTS], required=False)
    object_id = forms.CharField(label=_("Object id"), max_length=64, required=False)
    trace_id = forms.CharField(label=_("Trace id"), max_length=32, required=False)

    #: the filters that apply to each log (fields of its model)
    FIELDS_OF_LOG = {
        "audit": ("action", "actor", "result", "object_id", "trace_id"),
        "processing": ("trace_id",),
    }

    def filters(self) -> dict[str, str]:
        """The non-empty filters that apply to the chosen log."""
        data = self.cleaned_data
        return {name: data[name].strip() for name in self.FIELDS_OF_LOG[data["log"]] if data[name].strip()}


class CovenantTemplateForm(DesignSystemFormMixin, forms.Form):
    """A first covenant from the template: name, area, partners, start, and which of the usual activities."""

    name = forms.CharField(
        label=_("Name of the covenant"),
        max_length=200,
        error_messages={"required": _("Enter the name of the covenant.")},
    )
    area_codes = forms.CharField(
        label=_("Areas (CBS codes)"),
        max_length=2000,
        help_text=_(
            "CBS codes of gemeenten, wijken or buurten, separated by commas; "
            "for example GM0363, WK0363FD, BU0363FD04."
        ),
        error_messages={"required": _("Enter at least one area code.")},
    )
    partners = forms.ModelMultipleChoiceField(
        label=_("Partner organisations"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple(attrs={"class": CHECKBOX}),
        error_messages={"required": _("Choose at least one partner organisation.")},
    )
    valid_from = forms.DateField(
        label=_("Valid from"),
        widget=DateInput(),
        error_messages={"required": _("Enter the date the covenant starts.")},
    )
    activities = forms.MultipleChoiceField(
        label=_("Processing activities"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": CHECKBOX}),
        help_text=_(
            "The usual activities of the method. Leave out what your partners do not do; you can add your "
            "own on the covenant's page while it is a draft."
        ),
        error_messages={"required": _("Choose at least one processing activity.")},
    )

    def __init__(self, *args, **kwargs):
        from smaakmaker.access import covenant_template

        super().__init__(*args, **kwargs)
        self.fields["partners"].queryset = selectors.partner_candidates()
        self.fields["activities"].choices = [
            (entry["code"], entry["name"]) for entry in covenant_template.ACTIVITIES
        ]

    def clean_area_codes(self) -> list[str]:
        """Checked here too, so a wrong code is named also when another field is missing."""
        try:
            return services.covenant_area_codes_clean(split_list(self.cleaned_data["area_codes"]))
        except services.CovenantError as exc:
            raise forms.ValidationError([m for ms in exc.errors.values() for m in ms]) from exc
