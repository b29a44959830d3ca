# SPDX-License-Identifier: EUPL-1.2
"""Words where people expect words: an area's name beside its CBS code, an indicator's label instead of
its key. The look-ups are made once per rendered template (kept in its render context).

    {% load area_labels %}
    {% area_label address.buurt_code %}        -> "Dobbebuurt (BU0363FD04)"
    {% area_labels covenant.area_codes %}      -> "Dobbebuurt (BU0363FD04), …"
    {{ note|indicator_words }}                  -> "Geen gegevens in 2024 voor: Bijstand per 1000 inwoners, …"
"""

from __future__ import annotations

import re

from django import template
from django.utils.translation import gettext as _

from smaakmaker.areas import selectors

register = template.Library()

#: an indicator key as code: snake_case. Keys that are plain Dutch words (inwoners) are left alone, or the
#: word "inwoners" in a label ("per 1.000 inwoners") became "per 1.000 Aantal inwoners".
_WORD = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_CODE = re.compile(r"\b(?:BU\d{4}[0-9A-Z]{4}|WK\d{4}[0-9A-Z]{2}|GM\d{4})\b")
#: an English decimal in a computed sentence ("p = 0.455", "1.58 keer"); not part of a code, date or version
_DECIMAL = re.compile(r"(?<![\w.,])(-?\d+)\.(\d+)(?![\w.]|,\d)")


def _names(context, codes) -> dict[str, str]:
    cache = context.render_context.setdefault("area_labels_names", {})
    missing = [c for c in codes if c and c not in cache]
    if missing:
        found = selectors.area_names(codes=missing)
        cache.update({c: found.get(c, "") for c in missing})
    return cache


def label_for(code: str, name: str) -> str:
    if not code:
        return ""
    return f"{name} ({code})" if name else _("unknown area (%(code)s)") % {"code": code}


@register.simple_tag(takes_context=True)
def area_label(context, code) -> str:
    """``Name (CODE)``; a code that names no known area says so."""
    return label_for(code, _names(context, [code]).get(code, ""))


@register.simple_tag(takes_context=True)
def area_labels(context, codes) -> str:
    codes = list(codes or ())
    names = _names(context, codes)
    return ", ".join(label_for(code, names.get(code, "")) for code in codes)


@register.filter
def indicator_words(text) -> str:
    """Replace every indicator key in a notice by the catalogue's label."""
    labels = selectors.indicator_labels()
    return _WORD.sub(lambda m: labels.get(m.group(0), m.group(0)), str(text))


@register.filter
def readable(text) -> str:
    """A computed sentence (an evaluation's explanation, a warning) as a reader expects it: indicator
    labels for keys, an area's name beside its CBS code, decimal commas. Sentences stored by earlier runs
    are shown the same way."""
    text = indicator_words(text)
    codes = set(_CODE.findall(text))
    if codes:
        names = selectors.area_names(codes=codes)

        def named(match: re.Match) -> str:
            code, name = match.group(0), names.get(match.group(0))
            if not name or match.string[: match.start()].endswith(f"{name} ("):  # already named
                return code
            return f"{name} ({code})"

        text = _CODE.sub(named, text)
    return _DECIMAL.sub(r"\1,\2", text)
