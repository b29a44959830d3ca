# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smaakmaker.cases import workflow
from smaakmaker.cases.models import POSTCODE_RE, Flavour, SignalKind, normalise_postcode
from smaakmaker.common.forms import DesignSystemFormMixin

STATUS_LABELS = {
    workflow.NEW: _("New"),
    workflow.TO_DISCUSS: _("To discuss"),
    workflow.IN_PROGRESS: _("In progress"),
    workflow.MONITORING: _("Monitoring"),
    workflow.CLOSED: _("Closed"),
}


class PurposeForm(DesignSystemFormMixin, forms.Form):
    purpose = forms.CharField(
        label=_("Purpose of opening this dossier"),
        help_text=_("Why do you need this information now? Your answer is recorded in the audit log."),
        min_length=3,
        max_length=500,
    )


class SearchForm(DesignSystemFormMixin, forms.Form):
    postcode = forms.CharField(label=_("Postcode"), max_length=7)
    house_number = forms.IntegerField(label=_("House number"), min_value=1, max_value=99999)

    def clean_postcode(self):
        value = normalise_postcode(self.cleaned_data["postcode"])
        if not POSTCODE_RE.fullmatch(value):
            raise forms.ValidationError(_("A postcode looks like 1064AB."))
        return value


class CaseFilterForm(DesignSystemFormMixin, forms.Form):
    buurt_code = forms.ChoiceField(label=_("Area (buurt)"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + list(STATUS_LABELS.items())
    )

    def __init__(self, *args, buurt_codes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buurt_code"].choices = [("", _("All areas"))] + [(code, code) for code in buurt_codes]


class NamesConfirmationForm(DesignSystemFormMixin, forms.Form):
    """A form with free text recorded under a processing activity: where the activity allows no names and
    the text looks like one, the service asks for a confirmation; the page then shows this checkbox
    (``asks_names``), last in the form. The services decide, the form only carries the answer."""

    confirm_no_names = forms.BooleanField(
        label=_("I confirm that this text contains no name of a resident"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "utrecht-checkbox utrecht-checkbox--html-input"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm_no_names"] = self.fields.pop("confirm_no_names")
        self.asks_names = bool(self.data.get("confirm_no_names"))


class SignalForm(NamesConfirmationForm):
    kind = forms.ModelChoiceField(label=_("Kind of signal"), queryset=SignalKind.objects.none())
    observed_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(
        label=_("Short description"),
        max_length=500,
        required=False,
        help_text=_("Facts only, no opinions; at most 500 characters."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = kinds if kinds is not None else SignalKind.objects.none()

    def clean_observed_on(self):
        value = self.cleaned_data["observed_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date lies in the future."))
        return value


class DecisionForm(NamesConfirmationForm):
    what = forms.CharField(label=_("Decision"), max_length=300)
    flavour = forms.ChoiceField(label=_("Flavour"), choices=Flavour.choices, required=False)
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=200)
    motivation = forms.CharField(label=_("Motivation"), widget=forms.Textarea(attrs={"rows": 3}))
    milder_alternative = forms.CharField(
        label=_("Milder alternative considered"),
        help_text=_("Which lighter measure did you weigh, and why is it not enough?"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TransitionForm(NamesConfirmationForm):
    to_status = forms.ChoiceField(label=_("New status"))
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [
            (status, STATUS_LABELS[status])
            for status in workflow.STATUSES
            if status in workflow.ALLOWED_TRANSITIONS[current]
        ]


class CaseOpenForm(NamesConfirmationForm):
    activity = forms.ModelChoiceField(label=_("Processing activity"), queryset=None)
    summary = forms.CharField(label=_("Summary"), max_length=300, required=False)
    participants = forms.ModelMultipleChoiceField(
        label=_("Participating organisations"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, organisations=None, activities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = organisations
        self.fields["activity"].queryset = activities


class InzageForm(DesignSystemFormMixin, forms.Form):
    bag_nummeraanduiding_id = forms.RegexField(
        label=_("BAG nummeraanduiding id"),
        regex=r"^\d{16}$",
        error_messages={"invalid": _("A BAG id has exactly 16 digits (leading zeros included).")},
    )
    purpose = forms.CharField(label=_("Reference of the request"), max_length=500, min_length=3)
