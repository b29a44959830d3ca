# SPDX-License-Identifier: EUPL-1.2
"""The fields of the Algoritmeregister publicatiestandaard, version 1.0.0, and a check against them (pure).

Source: the field configuration of the Algoritmeregister of the Dutch government (Ministerie van BZK),
``github.com/MinBZK/Algoritmeregister``, file ``backend/app/schemas/config/v1_0_0.json`` (publicatiestandaard
1.0.0; the standard itself is published at ``github.com/MinBZK/Algoritmeregister-Publicatiestandaard``).
Field names, Dutch titles, types, whether a field is required, maximum lengths and permitted values are
taken from that file; nothing is added. (That file marks ``source_data_grouping`` as required ``"false"``,
a string: read as not required.)

:func:`validate` checks a record the way the register's intake does: no unknown fields, every required
field present and non-empty, strings within their maximum length, enumerations and categories from their
permitted values, link groups as lists of ``{"title", "link"}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

STANDARD_VERSION = "1.0.0"
#: as the pages show it: in words (the file's path, with its snake_case name, is in this docstring)
STANDARD_SOURCE = (
    "Algoritmeregister publicatiestandaard 1.0.0 — github.com/MinBZK/Algoritmeregister, "
    "de veldconfiguratie van versie 1.0.0 in de backend"
)

#: HTML that the standard allows in its long text fields (``allowed_html_tags``).
ALLOWED_HTML_TAGS = ("div", "br", "p", "ul", "ol", "li")


@dataclass(frozen=True)
class Field:
    name: str
    title: str
    kind: str  # "string", "enum", "array" (a category list or a group of title/link items)
    required: bool = False
    max_length: int | None = None
    permitted_values: tuple[str, ...] = ()
    max_items: int | None = None
    items: tuple[Field, ...] = field(default=())  # for link groups: title and link
    html: bool = False  # the standard allows ALLOWED_HTML_TAGS in this field


def _group(name: str, title: str, item_title: str, title_max: int | None) -> Field:
    return Field(
        name,
        title,
        "array",
        items=(
            Field("title", item_title, "string", required=True, max_length=title_max),
            Field("link", "Link", "string", required=True, max_length=500),
        ),
    )


CATEGORIES = (
    "Organisatie en bedrijfsvoering",
    "Cultuur en recreatie",
    "Economie",
    "Overheidsfinanciën",
    "Wonen",
    "Internationaal",
    "Migratie en integratie",
    "Natuur en milieu",
    "Onderwijs en wetenschap",
    "Openbare orde en veiligheid",
    "Recht",
    "Ruimte en infrastructuur",
    "Sociale zekerheid",
    "Verkeer",
    "Werk",
    "Zorg en gezondheid",
)

#: The fields of publicatiestandaard 1.0.0, in the order of the standard.
FIELDS: tuple[Field, ...] = (
    Field("name", "Naam", "string", required=True, max_length=100),
    Field("description_short", "Korte omschrijving", "string", required=True, max_length=350),
    Field("organization", "Organisatie", "string", required=True, max_length=100),
    Field("category", "Thema", "array", permitted_values=CATEGORIES, max_items=3),
    Field(
        "status",
        "Status",
        "enum",
        required=True,
        permitted_values=("In ontwikkeling", "In gebruik", "Buiten gebruik"),
    ),
    Field("begin_date", "Begindatum", "string", max_length=7),
    Field("end_date", "Einddatum", "string", max_length=7),
    Field("contact_email", "Contactgegevens", "string", required=True, max_length=500),
    Field("website", "Link naar publiekspagina", "string", max_length=500),
    Field(
        "publication_category",
        "Publicatiecategorie",
        "enum",
        required=True,
        permitted_values=("Hoog-risico AI-systeem", "Impactvolle algoritmes", "Overige algoritmes"),
    ),
    Field("url", "Link naar bronregistratie", "string", max_length=500),
    Field("goal", "Doel en impact", "string", max_length=2500, html=True),
    Field("proportionality", "Afwegingen", "string", max_length=2500, html=True),
    Field("human_intervention", "Menselijke tussenkomst", "string", max_length=2500, html=True),
    Field("risks", "Risicobeheer", "string", max_length=2500, html=True),
    Field("lawful_basis", "Wettelijke basis", "string", max_length=2500, html=True),
    _group("lawful_basis_grouping", "Verwijzingen wettelijke basis", "Titel van wettelijke basis", 100),
    Field("process_index_url", "Link naar verwerkingsregister", "string", max_length=500),
    _group("impacttoetsen_grouping", "Verwijzingen impacttoetsen", "Titel van impacttoets", None),
    Field("impacttoetsen", "Toelichting op impacttoetsen", "string", max_length=2500, html=True),
    Field("source_data", "Gegevens", "string", max_length=2500, html=True),
    _group("source_data_grouping", "Verwijzingen gegevensbronnen", "Titel van gegevensbron", 500),
    Field("methods_and_models", "Technische werking", "string", max_length=5000, html=True),
    Field("provider", "Leverancier", "string", max_length=200),
    Field("publiccode", "Link naar broncode", "string", max_length=500),
    Field("lang", "Taal", "enum", required=True, permitted_values=("nld",)),
    Field("standard_version", "Versie publicatiestandaard", "enum", permitted_values=(STANDARD_VERSION,)),
    Field("source_id", "Bron-ID", "string", max_length=100),
    Field("tags", "Zoektermen", "string", max_length=2500, html=True),
)

FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
_BY_NAME = {f.name: f for f in FIELDS}


def _empty(value) -> bool:
    return value is None or value == "" or value == []


_TAG = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9]*)[^>]*>")


def _check_string(f: Field, value, where: str) -> list[str]:
    if not isinstance(value, str):
        return [f"{where}: tekst verwacht"]
    problems = []
    if f.max_length is not None and len(value) > f.max_length:
        problems.append(f"{where}: {len(value)} tekens, ten hoogste {f.max_length} toegestaan")
    allowed = ALLOWED_HTML_TAGS if f.html else ()
    tags = sorted({t.lower() for t in _TAG.findall(value)} - set(allowed))
    if tags:
        problems.append(f"{where}: HTML-elementen die hier niet mogen: {', '.join(tags)}")
    return problems


def validate(record: dict) -> list[str]:
    """Every way ``record`` departs from publicatiestandaard 1.0.0 (Dutch, one line each); empty if none."""
    problems: list[str] = []
    for name in record:
        if name not in _BY_NAME:
            problems.append(f"{name}: geen veld van de publicatiestandaard {STANDARD_VERSION}")
    for f in FIELDS:
        value = record.get(f.name)
        if _empty(value):
            if f.required:
                problems.append(f"{f.name} ({f.title}): verplicht veld ontbreekt")
            continue
        if f.kind == "string":
            problems += _check_string(f, value, f.name)
        elif f.kind == "enum":
            if value not in f.permitted_values:
                problems.append(f"{f.name}: '{value}' is geen toegestane waarde")
        elif f.items:  # a link group
            if not isinstance(value, list):
                problems.append(f"{f.name}: lijst verwacht")
                continue
            for i, item in enumerate(value):
                if not isinstance(item, dict) or set(item) != {"title", "link"}:
                    problems.append(f"{f.name}[{i}]: precies 'title' en 'link' verwacht")
                    continue
                for sub in f.items:
                    if _empty(item[sub.name]):
                        problems.append(f"{f.name}[{i}].{sub.name}: verplicht")
                    else:
                        problems += _check_string(sub, item[sub.name], f"{f.name}[{i}].{sub.name}")
        else:  # a category list
            if not isinstance(value, list):
                problems.append(f"{f.name}: lijst verwacht")
                continue
            if f.max_items is not None and len(value) > f.max_items:
                problems.append(f"{f.name}: ten hoogste {f.max_items} waarden")
            problems += [
                f"{f.name}: '{v}' is geen toegestane waarde" for v in value if v not in f.permitted_values
            ]
    return problems
