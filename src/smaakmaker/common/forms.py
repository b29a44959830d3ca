# SPDX-License-Identifier: EUPL-1.2
"""Form helpers: NL Design System classes and accessible error wiring for every form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

#: the empty choice of a select (Django's default is "---------")
EMPTY_CHOICE = _("— choose —")

TEXT_INPUTS = (
    forms.TextInput,
    forms.PasswordInput,
    forms.EmailInput,
    forms.NumberInput,
    forms.URLInput,
    forms.DateInput,
    forms.DateTimeInput,
)


class DesignSystemFormMixin:
    """Adds Utrecht component classes; marks invalid fields and links them to their error text.

    The server validates, in Dutch, next to the field: no ``required`` attribute for the browser's own
    (English) pop-ups; ``aria-required`` tells assistive technology instead."""

    use_required_attribute = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField) and field.empty_label == "---------":
                field.empty_label = EMPTY_CHOICE
            elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
                choices = list(field.choices)
                if any(value == "" and label == "---------" for value, label in choices):
                    field.choices = [
                        (v, EMPTY_CHOICE if v == "" and lbl == "---------" else lbl) for v, lbl in choices
                    ]
            widget = field.widget
            if field.required and not isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                widget.attrs["aria-required"] = "true"
            css = widget.attrs.get("class", "")
            if isinstance(widget, TEXT_INPUTS):
                css += " utrecht-textbox utrecht-textbox--html-input"
            elif isinstance(widget, forms.Textarea):
                css += " utrecht-textarea utrecht-textarea--html-textarea"
            elif isinstance(widget, forms.Select):
                css += " utrecht-select utrecht-select--html-select"
            widget.attrs["class"] = css.strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self.add_prefix(name)}_error"
                attrs["class"] = attrs.get("class", "") + " utrecht-textbox--invalid"
