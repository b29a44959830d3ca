# SPDX-License-Identifier: EUPL-1.2
"""Forms of the planner's pages: a new approach, an intervention (add and change) and a dependency.

Weeks are shown to people counting from 1 (week 1 is the approach's first week); the models count from
0. The forms convert in one place: :meth:`InterventionForm.service_kwargs` and ``initial_from``.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smaakmaker.access.models import Covenant, Organisation
from smaakmaker.areas.models import Area
from smaakmaker.areas.selectors import areas_search
from smaakmaker.common.forms import DesignSystemFormMixin

from . import selectors
from .models import Approach, DependencyKind, InterventionType, Level, PlanIntervention

MAX_AREA_MATCHES = 8
#: PlanError.field (API spelling) -> form field.
SERVICE_FIELDS = {"startWeek": "start_week"}


def next_monday(today=None):
    today = today or timezone.localdate()
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


class ApproachForm(DesignSystemFormMixin, forms.Form):
    name = forms.CharField(label=_("Name of the approach"), max_length=200)
    area = forms.CharField(
        label=_("Area (name or CBS code)"),
        max_length=100,
        help_text=_("For example Dobbebuurt or BU0363FD04. When several areas match, they are listed."),
    )
    goals = forms.CharField(
        label=_("Goals"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    start_date = forms.DateField(
        label=_("Start of week 1"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    horizon_weeks = forms.IntegerField(
        label=_("Plan horizon (weeks)"), min_value=1, max_value=260, initial=52
    )
    covenant = forms.ModelChoiceField(
        label=_("Covenant (optional)"),
        queryset=Covenant.objects.none(),
        required=False,
        empty_label=_("No covenant yet"),
    )
    partners = forms.ModelMultipleChoiceField(
        label=_("Partners"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one partner.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = list(Organisation.objects.order_by("name"))
        self.fields["partners"].queryset = Organisation.objects.order_by("name")
        self.fields["covenant"].queryset = Covenant.objects.order_by("name")
        self.fields["start_date"].initial = next_monday()
        for org in self.organisations:
            self.fields[f"capacity_{org.pk}"] = forms.IntegerField(
                label=_("Weekly capacity of %(organisation)s") % {"organisation": org.name},
                min_value=1,
                max_value=10000,
                required=False,
                initial=10,
                widget=forms.NumberInput(attrs={"class": "utrecht-textbox utrecht-textbox--html-input"}),
            )

    def partner_rows(self):
        """(checkbox, capacity field) per organisation, for the partners table."""
        boxes = list(self["partners"])
        return [(box, self[f"capacity_{org.pk}"]) for box, org in zip(boxes, self.organisations, strict=True)]

    def clean_area(self) -> Area:
        query = self.cleaned_data["area"].strip()
        exact = Area.objects.filter(code__iexact=query).first()
        if exact is not None:
            return exact
        matches = list(areas_search(query=query)[: MAX_AREA_MATCHES + 1])
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise forms.ValidationError(_("No area matches “%(query)s”.") % {"query": query})
        shown = ", ".join(f"{a.name} ({a.code})" for a in matches[:MAX_AREA_MATCHES])
        more = "…" if len(matches) > MAX_AREA_MATCHES else ""
        raise forms.ValidationError(
            _("Several areas match: %(areas)s%(more)s. Give the CBS code of the one you mean.")
            % {"areas": shown, "more": more}
        )

    def clean(self):
        data = super().clean()
        for org in data.get("partners") or ():
            name = f"capacity_{org.pk}"
            if name not in self.errors and not data.get(name):
                self.add_error(name, _("Give the weekly capacity of this partner."))
        return data

    def partners_with_capacity(self) -> list[tuple[Organisation, int]]:
        return [(org, self.cleaned_data[f"capacity_{org.pk}"]) for org in self.cleaned_data["partners"]]


class InterventionTypeChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: InterventionType) -> str:
        return f"{obj.get_flavour_display()} — {obj.name} ({obj.legal_instrument})"


class InterventionForm(DesignSystemFormMixin, forms.Form):
    """Add or change one intervention of the plan; the services do the final checks."""

    intervention_type = InterventionTypeChoice(label=_("Intervention (catalogue)"), queryset=None)
    title = forms.CharField(
        label=_("Title (optional)"),
        required=False,
        max_length=200,
        help_text=_("Empty: the catalogue name."),
    )
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    street = forms.CharField(
        label=_("Street"),
        required=False,
        max_length=120,
        help_text=_("For the street level (and a complex)."),
    )
    complex = forms.CharField(
        label=_("Complex"), required=False, max_length=120, help_text=_("For the complex level.")
    )
    address = forms.ModelChoiceField(
        label=_("Address"),
        queryset=None,
        required=False,
        empty_label=_("— none —"),
        help_text=_("For the address level: only the addresses the covenant lets you see."),
    )
    start_week = forms.IntegerField(
        label=_("Start week"), required=False, min_value=1, help_text=_("Empty: not planned yet.")
    )
    duration_weeks = forms.IntegerField(
        label=_("Duration (weeks)"),
        required=False,
        min_value=1,
        max_value=520,
        help_text=_("Empty: the catalogue's typical duration."),
    )
    degree = forms.IntegerField(
        label=_("Intensity (units per week)"),
        required=False,
        min_value=1,
        max_value=1000,
        help_text=_("Counts against the owner's weekly capacity. Empty: the catalogue's default."),
    )
    owner = forms.ModelChoiceField(label=_("Owner (partner)"), queryset=None)
    coordinator = forms.ModelChoiceField(
        label=_("Coordinating organisation"), queryset=None, required=False, empty_label=_("— none —")
    )
    exit_criteria = forms.CharField(
        label=_("Exit criteria"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    priority = forms.IntegerField(
        label=_("Priority"),
        min_value=0,
        max_value=10,
        initial=1,
        help_text=_("Higher is more urgent: the scheduler starts it earlier."),
    )
    release_week = forms.IntegerField(label=_("Earliest start week"), required=False, min_value=1)
    due_week = forms.IntegerField(label=_("Finished by week"), required=False, min_value=1)

    def __init__(self, *args, approach: Approach, user, instance: PlanIntervention | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(instance)
        super().__init__(*args, **kwargs)
        self.approach = approach
        self.instance = instance
        horizon = approach.horizon_weeks
        for name in ("start_week", "release_week", "due_week"):
            self.fields[name].max_value = horizon
            self.fields[name].widget.attrs["max"] = horizon
            self.fields[name].validators.append(MaxValueValidator(horizon))
        self.fields["intervention_type"].queryset = selectors.catalogue()
        partners = Organisation.objects.filter(pk__in=approach.partner_rows.values("organisation_id"))
        self.fields["owner"].queryset = partners.order_by("name")
        self.fields["coordinator"].queryset = partners.order_by("name")
        current = [instance.address_id] if instance is not None and instance.address_id else []
        self.fields["address"].queryset = selectors.address_choices(
            user=user, approach=approach, include_ids=current
        )
        if not selectors.may_see_addresses(user):
            del self.fields["address"]
            self.fields["level"].choices = [c for c in Level.choices if c[0] != Level.ADRES]

    @staticmethod
    def initial_from(iv: PlanIntervention) -> dict:
        return {
            "intervention_type": iv.intervention_type_id,
            "title": iv.title,
            "level": iv.level,
            "street": iv.street,
            "complex": iv.complex,
            "address": iv.address_id,
            "start_week": None if iv.start_week is None else iv.start_week + 1,
            "duration_weeks": iv.duration_weeks,
            "degree": iv.degree,
            "owner": iv.owner_id,
            "coordinator": iv.coordinator_id,
            "exit_criteria": iv.exit_criteria,
            "priority": iv.priority,
            "release_week": iv.release_week + 1,
            "due_week": iv.due_week,
        }

    def offered_addresses(self) -> list:
        field = self.fields.get("address")
        return list(field.queryset) if field is not None else []

    def clean(self):
        data = super().clean()
        level = data.get("level")
        if (
            level == Level.ADRES
            and "address" in self.fields
            and not data.get("address")
            and "address" not in self.errors
        ):
            self.add_error("address", _("Choose the address."))
        if level and level != Level.ADRES and data.get("address"):
            self.add_error("address", _("Only an address-level intervention has an address."))
        if level == Level.STRAAT and not data.get("street"):
            self.add_error("street", _("Give the street."))
        if level == Level.COMPLEX and not data.get("complex"):
            self.add_error("complex", _("Give the complex."))
        kind = data.get("intervention_type")
        duration = data.get("duration_weeks") or (kind.typical_duration_weeks if kind else None)
        horizon = self.approach.horizon_weeks
        start, release, due = data.get("start_week"), data.get("release_week"), data.get("due_week")
        if start and duration and "start_week" not in self.errors and start - 1 + duration > horizon:
            self.add_error(
                "start_week" if data.get("duration_weeks") is None else "duration_weeks",
                _("It would end after the plan's last week (week %(horizon)s).") % {"horizon": horizon},
            )
        if start and release and start < release and "start_week" not in self.errors:
            self.add_error("start_week", _("The start week lies before the earliest start week."))
        if due and duration and "due_week" not in self.errors and due < (release or 1) - 1 + duration:
            self.add_error(
                "due_week", _("It cannot be finished by this week, given its earliest start and duration.")
            )
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        start = data.get("start_week")
        level = data["level"]
        return {
            "intervention_type": data["intervention_type"],
            "title": data.get("title", ""),
            "level": level,
            "street": data.get("street", "") if level in (Level.STRAAT, Level.COMPLEX, Level.ADRES) else "",
            "complex": data.get("complex", "") if level == Level.COMPLEX else "",
            "address": data.get("address") if level == Level.ADRES else None,
            "start_week": None if start is None else start - 1,
            "duration_weeks": data.get("duration_weeks"),
            "degree": data.get("degree"),
            "owner": data["owner"],
            "coordinator": data.get("coordinator"),
            "exit_criteria": data.get("exit_criteria", ""),
            "priority": data["priority"],
            "release_week": (data.get("release_week") or 1) - 1,
            "due_week": data.get("due_week"),
        }

    def add_service_error(self, exc) -> None:
        """Show a refusal of the services next to the field it names (or above the form)."""
        field = SERVICE_FIELDS.get(exc.field, exc.field)
        self.add_error(field if field in self.fields else None, exc.message)


KIND_LABELS = {
    DependencyKind.BEFORE: _("ends before the start of"),
    DependencyKind.TOGETHER: _("starts together with"),
    DependencyKind.AFTER: _("starts after the end of"),
}


class RunForm(DesignSystemFormMixin, forms.Form):
    """The scheduler's time limit: a whole number of seconds, 1–120 (not "abc", which used to start a run
    with the default)."""

    time_limit = forms.IntegerField(
        label=_("Time limit (seconds)"),
        initial=10,
        min_value=1,
        max_value=120,
        error_messages={"invalid": _("Enter a whole number of seconds, such as 10.")},
    )


class DependencyForm(DesignSystemFormMixin, forms.Form):
    first = forms.ChoiceField(label=_("Intervention"))
    kind = forms.ChoiceField(label=_("Relation"), choices=list(KIND_LABELS.items()))
    second = forms.ChoiceField(label=_("Other intervention"))
    lag_weeks = forms.IntegerField(
        label=_("Lag (weeks)"),
        min_value=0,
        max_value=260,
        initial=0,
        help_text=_(
            "For before and after: at least this many weeks between the end of one and the start of the other."
        ),
    )
    window_weeks = forms.IntegerField(
        label=_("Start window (weeks, optional)"),
        min_value=0,
        max_value=260,
        required=False,
        help_text=_("For together: the most their start weeks may differ."),
    )

    def __init__(self, *args, interventions: list[PlanIntervention], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (iv.ref, f"{iv.ref} {iv.display_title} ({iv.get_flavour_display()})") for iv in interventions
        ]
        self.fields["first"].choices = choices
        self.fields["second"].choices = choices
        self.by_ref = {iv.ref: iv for iv in interventions}

    def clean(self):
        data = super().clean()
        if data.get("first") and data.get("first") == data.get("second"):
            self.add_error("second", _("Choose a different intervention."))
        return data
