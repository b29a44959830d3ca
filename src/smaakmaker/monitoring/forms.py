# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from smaakmaker.areas import selectors as area_selectors
from smaakmaker.areas.models import Area
from smaakmaker.common.forms import DesignSystemFormMixin
from smaakmaker.monitoring.models import DonorPoolKind


def _indicator_choices() -> list[tuple[str, str]]:
    return [(i.key, i.label) for i in area_selectors.indicators_active().order_by("label")]


class EvaluationForm(DesignSystemFormMixin, forms.Form):
    area = forms.CharField(
        label=_("Area code"),
        max_length=16,
        help_text=_(
            "For example BU0363FD04 (Dobbebuurt, a buurt) or WK0363FD (Slotermeer-Noordoost, a wijk)."
        ),
    )
    indicator = forms.ChoiceField(label=_("Indicator (outcome)"), choices=())
    treatment_year = forms.IntegerField(
        label=_("First year in which the approach can have an effect"), min_value=1990, max_value=2100
    )
    donor_pool = forms.ChoiceField(label=_("Donor pool"), choices=DonorPoolKind.choices, initial="peers")
    peers_k = forms.IntegerField(
        label=_("Number of comparable areas"), min_value=5, max_value=200, initial=30
    )
    exclude_approaches = forms.BooleanField(
        label=_("Leave out areas with their own approach"), required=False, initial=True
    )
    exclude_adjacent = forms.BooleanField(
        label=_("Leave out adjacent areas (against spill-over)"), required=False, initial=True
    )
    excluded_codes = forms.CharField(
        label=_("Also leave out (codes, separated by commas)"), required=False, max_length=2000
    )
    covariates = forms.MultipleChoiceField(
        label=_("Extra predictors (averaged over the years before)"), choices=(), required=False
    )
    lagged_outcomes = forms.BooleanField(
        label=_("Also match the outcome in every year before (exact fit is likely with few years)"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = _indicator_choices()
        self.fields["indicator"].choices = choices
        self.fields["covariates"].choices = choices

    def clean_area(self) -> Area:
        code = self.cleaned_data["area"].strip().upper()
        area = Area.objects.filter(code=code).first()
        if area is None:
            raise forms.ValidationError(_("Unknown area code."))
        return area

    def clean_excluded_codes(self) -> list[str]:
        raw = self.cleaned_data.get("excluded_codes", "")
        return [c.strip().upper() for c in raw.replace(";", ",").split(",") if c.strip()]


class PerceivedUploadForm(DesignSystemFormMixin, forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Columns: gebiedscode, jaar, indicator, waarde (comma or semicolon separated)."),
    )


class BookkeepingFilterForm(DesignSystemFormMixin, forms.Form):
    area = forms.CharField(label=_("Area code (empty: all)"), required=False, max_length=16)
    granularity = forms.ChoiceField(
        label=_("Period"), choices=[("year", _("Year")), ("quarter", _("Quarter"))], required=False
    )
