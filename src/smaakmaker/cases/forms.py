# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

import re

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from smaakmaker.areas.selectors import area_names
from smaakmaker.cases import workflow
from smaakmaker.cases.models import POSTCODE_RE, Flavour, SignalKind, normalise_postcode
from smaakmaker.common.codes import BUURT_RE
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


#: "5", "5A", "5 a", "5-1", "5A-2", "5 bis": number, then an optional letter, then an optional addition
HOUSE_NUMBER_RE = re.compile(
    r"^(?P<number>\d{1,5})(?:\s*(?P<letter>[A-Za-z])(?![A-Za-z0-9]))?(?:\s*[-\s]?\s*(?P<addition>[A-Za-z0-9]{1,4}))?$"
)


def house_number_parse(value: str) -> tuple[int, str, str] | None:
    """``"5A-1"`` -> ``(5, "A", "1")``; None when it is not a house number (BAG: 1–99999, one letter,
    an addition of at most four letters or digits)."""
    match = HOUSE_NUMBER_RE.fullmatch(value.strip())
    if not match or not 1 <= int(match["number"]) <= 99999:
        return None
    return int(match["number"]), (match["letter"] or "").upper(), (match["addition"] or "").upper()


class SearchForm(DesignSystemFormMixin, forms.Form):
    postcode = forms.CharField(label=_("Postcode"), max_length=7)
    house_number = forms.CharField(
        label=_("House number"),
        max_length=12,
        help_text=_("With letter or addition if there is one, such as 5A or 12-2."),
    )

    def clean_postcode(self):
        value = normalise_postcode(self.cleaned_data["postcode"])
        if not POSTCODE_RE.fullmatch(value):
            raise forms.ValidationError(_("A postcode looks like 1064AB."))
        return value

    def clean_house_number(self):
        parsed = house_number_parse(self.cleaned_data["house_number"])
        if parsed is None:
            raise forms.ValidationError(
                _(
                    "A house number is a number from 1 to 99999, with a letter or addition if there is one (5A, 12-2)."
                )
            )
        return parsed

    def clean(self):
        cleaned = super().clean()
        if isinstance(cleaned.get("house_number"), tuple):
            number, letter, addition = cleaned.pop("house_number")
            cleaned["house_number"] = number
            if letter:
                cleaned["house_letter"] = letter
            if addition:
                cleaned["house_number_addition"] = addition
        return cleaned


class CaseFilterForm(DesignSystemFormMixin, forms.Form):
    buurt_code = forms.ChoiceField(label=_("Area (buurt)"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + list(STATUS_LABELS.items())
    )

    def __init__(self, *args, buurt_codes=(), **kwargs):
        super().__init__(*args, **kwargs)
        names = area_names(codes=buurt_codes)
        self.fields["buurt_code"].choices = [("", _("All areas"))] + [
            (code, f"{names[code]} ({code})" if code in names else code) for code in buurt_codes
        ]


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

    def clean(self):
        cleaned = super().clean()
        kind, observed_on = cleaned.get("kind"), cleaned.get("observed_on")
        if kind is not None and observed_on is not None:
            covenant = kind.activity.covenant
            if observed_on < covenant.valid_from:
                self.add_error(
                    "observed_on",
                    _("The date lies before the covenant “%(name)s” took effect (%(date)s).")
                    % {"name": covenant.name, "date": date_format(covenant.valid_from, "j F Y")},
                )
        return cleaned


class AddressNewForm(SignalForm):
    """A new address (BAG, public data) with its first signal: the register shows an address to those who
    see a signal, case or resident there, so an address is entered together with what brings it in."""

    bag_nummeraanduiding_id = forms.RegexField(
        label=_("BAG nummeraanduiding id"),
        regex=r"^\d{16}$",
        help_text=_("16 digits, leading zeros included (from the BAG viewer)."),
        error_messages={"invalid": _("A BAG id has exactly 16 digits (leading zeros included).")},
    )
    street = forms.CharField(label=_("Street"), max_length=200)
    house_number = forms.CharField(
        label=_("House number"),
        max_length=12,
        help_text=_("With letter or addition if there is one, such as 5A or 12-2."),
    )
    postcode = forms.CharField(label=_("Postcode"), max_length=7)
    city = forms.CharField(label=_("City"), max_length=100)
    buurt_code = forms.CharField(
        label=_("Buurt (CBS code)"), max_length=10, help_text=_("For example BU0363FD04 (Dobbebuurt).")
    )

    field_order = ["bag_nummeraanduiding_id", "street", "house_number", "postcode", "city", "buurt_code"]

    clean_postcode = SearchForm.clean_postcode

    def clean_house_number(self):
        return SearchForm.clean_house_number(self)

    def clean_buurt_code(self):
        value = self.cleaned_data["buurt_code"].strip().upper()
        if not BUURT_RE.fullmatch(value):
            raise forms.ValidationError(_("A buurt code looks like BU0363FD04."))
        if not area_names(codes=[value]):
            raise forms.ValidationError(_("This buurt is not among the areas of Smaakmaker."))
        return value

    def address_fields(self) -> dict:
        number, letter, addition = self.cleaned_data["house_number"]
        return {
            "bag_nummeraanduiding_id": self.cleaned_data["bag_nummeraanduiding_id"],
            "street": self.cleaned_data["street"],
            "house_number": number,
            "house_letter": letter,
            "house_number_addition": addition,
            "postcode": self.cleaned_data["postcode"],
            "city": self.cleaned_data["city"],
            "buurt_code": self.cleaned_data["buurt_code"],
        }

    def signal_fields(self) -> dict:
        keys = ("kind", "observed_on", "description", "confirm_no_names")
        return {k: self.cleaned_data[k] for k in keys if k in self.cleaned_data}


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


# --- partner files of signals --------------------------------------------------------------------------

#: the labels of the fields of a partner file (``sources.partner_file.FIELDS``), for the mapping form
PARTNER_FILE_FIELDS = {
    "nummeraanduiding_id": _("BAG id of the address (nummeraanduiding)"),
    "postcode": _("Postcode"),
    "house_number": _("House number"),
    "house_letter": _("House letter"),
    "addition": _("House number addition"),
    "kind": _("Signal kind"),
    "date": _("Date"),
    "text": _("Description"),
    "reference": _("Your reference of the signal"),
}


class PartnerFileUploadForm(DesignSystemFormMixin, forms.Form):
    file = forms.FileField(
        label=_("File with signals"),
        help_text=_(
            "CSV (any delimiter, UTF-8 or Windows-1252) or Excel (XLSX); the first row names the columns."
        ),
    )
    organisation = forms.ModelChoiceField(label=_("For organisation"), queryset=None)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.only = organisations[0] if len(organisations) == 1 else None
        if self.only is not None:  # nothing to choose
            self.fields["organisation"].required = False
            self.fields["organisation"].widget = forms.HiddenInput()

    def clean_organisation(self):
        return self.cleaned_data.get("organisation") or self.only

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".csv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods")):
            raise forms.ValidationError(_("Upload a CSV or Excel file (.csv or .xlsx)."), code="type")
        return upload


class PartnerFileMappingForm(DesignSystemFormMixin, forms.Form):
    """Per field the column of the file that holds it; the kind for the whole file; the partner's own
    words for signal kinds; the confirmation that descriptions name no resident."""

    default_kind = forms.ChoiceField(
        label=_("Signal kind for the whole file"),
        required=False,
        help_text=_("Only when the file has no column with the signal kind (or the cell is empty)."),
    )
    kind_values = forms.CharField(
        label=_("Your own words for signal kinds"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line: the word in your file = the code of the signal kind, e.g. Drugsoverlast = hennep-drugs."
        ),
    )
    confirm_no_names = forms.BooleanField(
        label=_("I confirm that the descriptions contain no names of residents"), required=False
    )

    def __init__(self, *args, headers: list[str], kinds, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— not in the file —"))] + [(h, h) for h in headers]
        fields = {}
        for name, label in PARTNER_FILE_FIELDS.items():
            fields[f"column_{name}"] = forms.ChoiceField(label=label, choices=choices, required=False)
        self.fields = {**fields, **self.fields}
        self.kinds = {k.code: k for k in kinds}
        self.fields["default_kind"].choices = [("", _("— per row, from the file —"))] + [
            (k.code, f"{k.label} ({k.code})") for k in kinds
        ]
        for name in fields:  # added after the mixin styled the others
            self.fields[name].widget.attrs["class"] = "utrecht-select utrecht-select--html-select"

    def clean_kind_values(self):
        values = {}
        for number, line in enumerate(self.cleaned_data["kind_values"].splitlines(), start=1):
            if not line.strip():
                continue
            word, sep, code = line.partition("=")
            code = code.strip()
            if not sep or not word.strip() or code not in self.kinds:
                raise forms.ValidationError(
                    _(
                        "Line %(line)d: write the word, '=' and the code of a signal kind you may record (%(codes)s)."
                    )
                    % {"line": number, "codes": ", ".join(self.kinds)},
                    code="invalid",
                )
            values[word.strip()] = code
        return values

    def clean(self):
        data = super().clean()
        column = lambda name: data.get(f"column_{name}")  # noqa: E731
        if not column("nummeraanduiding_id") and not (column("postcode") and column("house_number")):
            self.add_error(
                "column_nummeraanduiding_id",
                _("Choose the column with the BAG id, or the columns with postcode and house number."),
            )
        if not column("kind") and not data.get("default_kind"):
            self.add_error(
                "column_kind", _("Choose the column with the signal kind, or one kind for the whole file.")
            )
        if not column("date"):
            self.add_error("column_date", _("Choose the column with the date."))
        chosen = [column(name) for name in PARTNER_FILE_FIELDS if column(name)]
        doubles = {c for c in chosen if chosen.count(c) > 1}
        for name in PARTNER_FILE_FIELDS:
            if column(name) in doubles:
                self.add_error(f"column_{name}", _("This column is chosen for more than one field."))
        return data

    def columns(self) -> dict[str, str]:
        return {
            name: self.cleaned_data[f"column_{name}"]
            for name in PARTNER_FILE_FIELDS
            if self.cleaned_data.get(f"column_{name}")
        }


class AddressUploadForm(DesignSystemFormMixin, forms.Form):
    file = forms.FileField(
        label=_("File with addresses"),
        help_text=_(
            "The LVBAG extract of your municipality as Kadaster delivers it (BAGGEM…L-….zip), the PDOK BAG "
            "GeoPackage (.gpkg), or your own address list (CSV or XLSX; the first row names the columns)."
        ),
    )
    columns = forms.CharField(
        label=_("Columns of an own address list"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Only for a list whose columns do not have the usual names: one FIELD=COLUMN per line, "
            "e.g. street=Straatnaam or house_number=Nr."
        ),
    )

    def clean_file(self):
        from smaakmaker.cases.address_uploads import SUFFIXES
        from smaakmaker.common.uploads import upload_check

        return upload_check(
            self.cleaned_data["file"],
            suffixes=SUFFIXES,
            kinds=_("an LVBAG extract (.zip), a BAG GeoPackage (.gpkg) or an address list (.csv, .xlsx)"),
        )

    def clean_columns(self):
        mapping = {}
        for number, line in enumerate(self.cleaned_data["columns"].splitlines(), start=1):
            if not line.strip():
                continue
            name, sep, column = line.partition("=")
            if not sep or not name.strip() or not column.strip():
                raise forms.ValidationError(
                    _("Line %(n)s: write FIELD=COLUMN, e.g. street=Straatnaam.") % {"n": number},
                    code="mapping",
                )
            mapping[name.strip()] = column.strip()
        return mapping
