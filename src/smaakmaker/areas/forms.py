# SPDX-License-Identifier: EUPL-1.2
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from smaakmaker.areas.models import AreaLevel, CustomKind
from smaakmaker.areas.sources.geometry import GeometryError, area_polygon
from smaakmaker.common.codes import InvalidCodeError, buurt_code
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
    basisjaar = forms.TypedChoiceField(
        label=_("Base year of the reference"), coerce=int, required=False, empty_value=None, choices=[]
    )
    kleur = forms.ChoiceField(label=_("Colour the map by"), choices=[], required=False)

    def __init__(self, *args, years: list[int], colour_choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jaar"].choices = [(year, str(year)) for year in years]
        self.fields["basisjaar"].choices = [
            ("", _("same as the year")),
            *[(year, str(year)) for year in years],
        ]
        self.fields["kleur"].choices = colour_choices
        if years:
            self.fields["jaar"].initial = years[-1]

    def clean(self):
        data = super().clean()
        if data.get("niveau") in {"wijk", "buurt"} and not data.get("gemeente"):
            self.add_error("gemeente", _("Choose a municipality for wijken and buurten."))
        return data


class CustomAreaForm(DesignSystemFormMixin, forms.Form):
    """A holiday park, business park or other area: a boundary (a GeoJSON file, or drawn on the map)
    or a set of buurten. A boundary is validated by ``area_polygon`` (Dutch message next to the field;
    nothing is stored when it is wrong)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=CustomKind.choices)
    geojson = forms.FileField(
        label=_("Boundary (GeoJSON file, RD New or WGS84)"),
        required=False,
        help_text=_("A Polygon or MultiPolygon, a Feature or a FeatureCollection with one feature."),
    )
    drawn = forms.CharField(
        label=_("Or: the boundary drawn on the map (GeoJSON)"),
        required=False,
        max_length=2_000_000,
        help_text=_("Drawing on the map fills this field. Without a mouse: paste a GeoJSON polygon here."),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )
    buurt_codes = forms.CharField(
        label=_("Or: the buurten it consists of (CBS codes, separated by commas or spaces)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_geojson(self):
        upload = self.cleaned_data.get("geojson")
        if not upload:
            return None
        if upload.size > 5_000_000:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        try:
            return area_polygon(upload.read())
        except GeometryError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_drawn(self):
        text = self.cleaned_data.get("drawn", "").strip()
        if not text:
            return None
        try:
            return area_polygon(text)
        except GeometryError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_buurt_codes(self):
        raw = self.cleaned_data.get("buurt_codes", "")
        codes = [part for part in raw.replace(",", " ").split() if part]
        try:
            return [buurt_code(code) for code in codes]
        except InvalidCodeError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean(self):
        data = super().clean()
        if data.get("geojson") and data.get("drawn"):
            self.add_error("drawn", _("Give one boundary: a file or a drawing, not both."))
        if (
            not self.errors
            and not data.get("geojson")
            and not data.get("drawn")
            and not data.get("buurt_codes")
        ):
            raise forms.ValidationError(
                _("Give a boundary file, draw the boundary on the map, or give one or more buurt codes.")
            )
        data["boundary"] = data.get("geojson") or data.get("drawn")
        return data


class HomeGemeenteForm(DesignSystemFormMixin, forms.Form):
    """The gemeente this installation serves (the first step of the first run)."""

    name = forms.CharField(label=_("Name of the municipality"), max_length=200)
    code = forms.RegexField(
        label=_("CBS code of the municipality"),
        regex=r"^GM\d{4}$",
        max_length=6,
        help_text=_("GM and four digits, e.g. GM0014 for Groningen (CBS, Gemeentelijke indeling)."),
        error_messages={"invalid": _("A municipality code looks like GM0363.")},
    )


def _year_field():
    return forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=1995,
        max_value=2100,
        help_text=_("Only when the file does not say it (in its name or a column)."),
    )


class BoundaryUploadForm(DesignSystemFormMixin, forms.Form):
    file = forms.FileField(
        label=_("File with the boundaries"),
        help_text=_(
            "The CBS Wijk- en buurtkaart of one year: the GeoPackage (wijkenbuurten_2023.gpkg) or one layer "
            "(wijken or buurten) as GeoJSON. Only the areas of your municipality are read."
        ),
    )
    year = _year_field()

    def clean_file(self):
        from smaakmaker.common.uploads import upload_check

        return upload_check(
            self.cleaned_data["file"],
            suffixes=(".gpkg", ".geojson", ".json"),
            kinds=_("a GeoPackage or GeoJSON file"),
        )


class FiguresUploadForm(DesignSystemFormMixin, forms.Form):
    file = forms.FileField(
        label=_("File with the CBS figures"),
        help_text=_(
            "Kerncijfers wijken en buurten as CSV, as CBS StatLine exports it (any delimiter), or the attribute "
            "table of the Wijk- en buurtkaart with CBS's short column names (AANT_INW …)."
        ),
    )
    year = _year_field()

    def clean_file(self):
        from smaakmaker.common.uploads import upload_check

        return upload_check(self.cleaned_data["file"], suffixes=(".csv", ".txt"), kinds=_("a CSV file"))


class OdataForm(DesignSystemFormMixin, forms.Form):
    table = forms.ChoiceField(label=_("CBS table"), choices=[])

    def __init__(self, *args, **kwargs):
        from smaakmaker.areas.sources.cbs_odata import KWB_TABLES

        super().__init__(*args, **kwargs)
        self.fields["table"].choices = [
            (table, _("Kerncijfers wijken en buurten %(year)s (%(table)s)") % {"year": year, "table": table})
            for table, year in sorted(KWB_TABLES.items(), key=lambda item: -item[1])
        ]
