# SPDX-License-Identifier: EUPL-1.2
"""A partner's file of signals (CSV or XLSX), checked row by row. No Django here.

The file is read by ``tables.py`` (the same reading as the gemeente's address list). Per field the
mapping names the column (``FIELDS``); unmapped fields are found by their usual names (``ALIASES``).
An address is named by its BAG nummeraanduiding id, or by postcode + huisnummer (+ huisletter +
toevoeging). The signal kind comes from a column (its code or its label in the catalogue, or a value
the partner mapped to a kind) or is one kind for the whole file. Every problem names the line (as the
spreadsheet numbers it: the header is line 1), the column and the reason, in Dutch.

What needs the register (does the address exist, may this partner record this kind there, is the
signal already there) is decided by ``cases/partner_files.py``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from smaakmaker.cases.sources import tables

FIELDS = {
    "nummeraanduiding_id": "BAG-id van de nummeraanduiding",
    "postcode": "postcode",
    "house_number": "huisnummer",
    "house_letter": "huisletter",
    "addition": "huisnummertoevoeging",
    "kind": "soort signaal",
    "date": "datum",
    "text": "omschrijving",
    "reference": "kenmerk",
}
#: column names recognised without a mapping (lower case)
ALIASES = {
    "nummeraanduiding_id": (
        "nummeraanduiding_id",
        "nummeraanduiding",
        "bag_id",
        "bag-id",
        "bag nummeraanduiding",
        "nummeraanduidingid",
    ),
    "postcode": ("postcode", "pc"),
    "house_number": ("huisnummer", "huisnr", "nr"),
    "house_letter": ("huisletter", "letter"),
    "addition": ("toevoeging", "huisnummertoevoeging", "huisnummer_toevoeging"),
    "kind": ("soort", "soort signaal", "signaalsoort", "soort_signaal", "signaal", "type"),
    "date": ("datum", "datum signaal", "signaaldatum", "waargenomen", "date"),
    "text": ("omschrijving", "tekst", "toelichting", "beschrijving", "opmerking"),
    "reference": ("kenmerk", "referentie", "zaaknummer", "registratienummer", "id"),
}
MAX_TEXT = 500
MAX_REFERENCE = 64
EARLIEST = date(1900, 1, 1)

_POSTCODE = re.compile(r"[1-9]\d{3}[A-Z]{2}", re.ASCII)
_DIGITS = re.compile(r"\d{1,16}", re.ASCII)
_NUMBER = re.compile(r"[1-9]\d{0,4}", re.ASCII)
_LETTER = re.compile(r"[A-Za-z]")
_ADDITION = re.compile(r"[A-Za-z0-9]{1,4}", re.ASCII)
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?", re.ASCII)
_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?: .*)?", re.ASCII)


class PartnerFileError(ValueError):
    """The file as a whole cannot be read (not a table, empty, a mapped column missing)."""


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"regel {self.line}" + (f", kolom '{self.column}'" if self.column else "")
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class PartnerRow:
    """One accepted row: the address as the file names it, the kind's code, the date and the text."""

    line: int
    bag_id: str
    postcode: str
    house_number: int | None
    house_letter: str
    addition: str
    kind: str
    observed_on: date
    text: str
    reference: str

    @property
    def address_key(self) -> tuple:
        if self.bag_id:
            return ("bag", self.bag_id)
        return ("pc", self.postcode, self.house_number, self.house_letter.upper(), self.addition.upper())


@dataclass
class ParsedFile:
    headers: list[str]
    #: field -> column name as in the file's header
    columns: dict[str, str]
    rows: list[PartnerRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: data rows that were not empty
    read: int = 0


def parse_date(text: str) -> date | None:
    """``2024-06-01``, ``2024-06-01 13:45``, ``1-6-2024``, ``01/06/2024``, ``01.06.2024`` (day first)."""
    text = text.strip()
    if len(text) == 10 and text[4] == "-" and text[7] == "-":  # as a workbook's date cell reads
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    match = _ISO.fullmatch(text)
    if match:
        year, month, day = (int(v) for v in match.groups())
    else:
        match = _DMY.fullmatch(text)
        if not match:
            return None
        day, month, year = (int(v) for v in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def resolve_columns(
    headers: list[str], mapping: Mapping[str, str] | None, *, kind_fixed: bool
) -> dict[str, int]:
    """Field → column index; raises ``PartnerFileError`` (line 1) when a needed column is missing."""
    try:
        columns = tables.resolve_columns(headers, dict(mapping or {}), fields=FIELDS, aliases=ALIASES)
    except tables.TableError as exc:
        raise PartnerFileError(str(exc)) from exc
    problems = []
    if "nummeraanduiding_id" not in columns and not {"postcode", "house_number"} <= set(columns):
        problems.append(
            "geen kolom voor het adres: koppel de BAG-id van de nummeraanduiding, of postcode en huisnummer"
        )
    if "kind" not in columns and not kind_fixed:
        problems.append(
            "geen kolom voor de soort signaal: koppel er een, of kies één soort voor het hele bestand"
        )
    if "date" not in columns:
        problems.append(f"geen kolom voor de {FIELDS['date']} (geef een koppeling op)")
    if problems:
        raise PartnerFileError("regel 1: " + "; ".join(problems) + ".")
    return columns


def parse_partner_file(
    table: tables.Table,
    mapping: Mapping[str, str] | None,
    *,
    kinds: Mapping[str, str],
    default_kind: str = "",
    today: date,
) -> ParsedFile:
    """Check every row of the table. ``kinds`` maps a value as written in the file (lower case: a
    kind's code, its label, or a value the partner mapped) to the kind's code; ``default_kind`` is the
    code used for every row when no column holds the kind (or the cell is empty)."""
    columns = resolve_columns(table.headers, mapping, kind_fixed=bool(default_kind))
    headers = table.headers
    parsed = ParsedFile(headers=headers, columns={name: headers[i] for name, i in columns.items()})
    index = {name: columns.get(name) for name in FIELDS}

    def cell(row: list[str], name: str) -> str:
        i = index[name]
        return row[i].strip() if i is not None and i < len(row) else ""

    problems = parsed.problems
    for line, row in enumerate(table.rows, start=2):
        if not any(v.strip() for v in row):
            continue
        parsed.read += 1
        before = len(problems)

        def problem(name: str, reason: str, line=line) -> None:
            problems.append(Problem(line, headers[index[name]] if index[name] is not None else "", reason))

        bag_id = cell(row, "nummeraanduiding_id")
        postcode = cell(row, "postcode").replace(" ", "").upper()
        number_text = cell(row, "house_number")
        letter, addition = cell(row, "house_letter"), cell(row, "addition")
        number = None
        if bag_id:
            if not _DIGITS.fullmatch(bag_id):
                problem("nummeraanduiding_id", f"'{bag_id}' is geen BAG-id (16 cijfers, met voorloopnullen)")
            bag_id = bag_id.zfill(16)
        elif index["postcode"] is None or index["house_number"] is None:
            problem("nummeraanduiding_id", "het adres ontbreekt (geen BAG-id)")
        else:
            if not postcode:
                problem("postcode", "het adres ontbreekt (geen BAG-id en geen postcode)")
            elif not _POSTCODE.fullmatch(postcode):
                problem("postcode", f"postcode '{postcode}' ziet er niet uit als 1234AB")
            if not _NUMBER.fullmatch(number_text):
                problem("house_number", f"huisnummer '{number_text}' is geen positief geheel getal")
            else:
                number = int(number_text)
            if letter and not _LETTER.fullmatch(letter):
                problem("house_letter", f"huisletter '{letter}' is niet één letter")
            if addition and not _ADDITION.fullmatch(addition):
                problem("addition", f"toevoeging '{addition}' heeft hoogstens 4 letters of cijfers")
        kind_text = cell(row, "kind")
        kind = kinds.get(kind_text.lower()) if kind_text else default_kind
        if not kind:
            if kind_text:
                problem("kind", f"onbekende soort signaal '{kind_text}'")
            else:
                problem("kind", "de soort signaal ontbreekt")
        date_text = cell(row, "date")
        observed_on = parse_date(date_text) if date_text else None
        if not date_text:
            problem("date", "de datum ontbreekt")
        elif observed_on is None:
            problem("date", f"'{date_text}' is geen datum (schrijf 2024-06-01 of 1-6-2024)")
        elif observed_on > today:
            problem("date", f"de datum {observed_on:%d-%m-%Y} ligt in de toekomst")
        elif observed_on < EARLIEST:
            problem("date", f"de datum {observed_on:%d-%m-%Y} ligt voor 1900")
        text = cell(row, "text")
        if len(text) > MAX_TEXT:
            problem("text", f"de omschrijving is {len(text)} tekens; hoogstens {MAX_TEXT}")
        reference = cell(row, "reference")
        if len(reference) > MAX_REFERENCE:
            problem("reference", f"het kenmerk is {len(reference)} tekens; hoogstens {MAX_REFERENCE}")
        if len(problems) > before:
            continue
        parsed.rows.append(
            PartnerRow(
                line=line,
                bag_id=bag_id,
                postcode="" if bag_id else postcode,
                house_number=None if bag_id else number,
                house_letter="" if bag_id else letter,
                addition="" if bag_id else addition,
                kind=kind,
                observed_on=observed_on,
                text=text,
                reference=reference,
            )
        )
    if not parsed.read:
        raise PartnerFileError(f"'{table.name}' heeft geen regels met signalen onder de kopregel.")
    return parsed
