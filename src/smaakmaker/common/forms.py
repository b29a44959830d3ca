# SPDX-License-Identifier: EUPL-1.2
"""Form helpers: NL Design System classes and accessible error wiring for every form."""

from __future__ import annotations

from django import forms

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
    """Adds Utrecht component classes; marks invalid fields and links them to their error text."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
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
