# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from smaakmaker.areas.models import AreaLevel
from smaakmaker.common.forms import DesignSystemFormMixin

REFERENCE_CHOICES = [
    ("group", _("the areas shown (group average)")),
    ("gemeente", _("the municipality")),
    ("national", _("the Netherlands")),
]
LEVEL_CHOICES = [
    (value, label) for value, label in AreaLevel.choices if value in {"gemeente", "wijk", "buurt"}
]


class SearchForm(DesignSystemFormMixin, forms.Form):
    q = forms.CharField(label=_("Name or CBS code"), required=False, max_length=100)
    niveau = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("all levels")), *AreaLevel.choices]
    )


class ScanForm(DesignSystemFormMixin, forms.Form):
    """Parameters of a scan or map; every choice is explicit and shown to the user."""

    niveau = forms.ChoiceField(label=_("Level"), choices=LEVEL_CHOICES, initial="wijk")
    gemeente = forms.RegexField(
        label=_("Municipality (CBS code)"),
        regex=r"^GM\d{4}$",
        required=False,
        max_length=6,
        error_messages={"invalid": _("A municipality code looks like GM0363.")},
    )
    jaar = forms.TypedChoiceField(label=_("Year"), coerce=int, choices=[])
    referentie = forms.ChoiceField(
        label=_("Reference (scores 100)"), choices=REFERENCE_CHOICES, initial="group"
    )
    kleur = forms.ChoiceField(label=_("Colour the map by"), choices=[], required=False)

    def __init__(self, *args, years: list[int], colour_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jaar"].choices = [(year, str(year)) for year in years]
        self.fields["kleur"].choices = colour_choices
        if years:
            self.fields["jaar"].initial = years[-1]

    def clean(self):
        data = super().clean()
        if data.get("niveau") in {"wijk", "buurt"} and not data.get("gemeente"):
            self.add_error("gemeente", _("Choose a municipality for wijken and buurten."))
        return data
