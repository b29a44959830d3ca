# SPDX-License-Identifier: EUPL-1.2
"""Read a Kadaster LVBAG 2.0 "stand" extract as Kadaster delivers it, streaming. No Django here.

The delivery is a zip of zips: ``BAGGEM0221L-15092020.zip`` (or ``BAGNLDL-…``) holds one zip per
object type (``9999NUM15092020.zip`` → ``0221NUM15092020-000001.xml``, ``-000002.xml``, …), the
``GEM-WPL-RELATIE-…zip`` (woonplaats → gemeente) and the ``Leveringsdocument``; ``InOnderzoek``,
``Inactief`` and ``NietBag`` hold no current addresses and are skipped. A folder holding the inner
zips, an inner zip or a single XML file are read as well.

A stand extract holds history: an object comes back once per voorkomen. The current voorkomen is the
one valid on the extract's date (``beginGeldigheid`` ≤ date, no ``eindGeldigheid`` on or before it,
no ``eindRegistratie``). Each XML file is parsed with ``lxml.etree.iterparse`` and every object is
cleared after use, so memory holds the woonplaatsen, openbare ruimten and current nummeraanduidingen,
never a whole file. Woonplaats, OpenbareRuimte and Nummeraanduiding are read first, then the
adresseerbare objecten (Verblijfsobject, Ligplaats, Standplaats) are joined to them as they stream.

What real and test extracts hold and an importer must survive (see data/bag/README.md): two current
voorkomens of one id (hand-made in the Doesburg test set), nummeraanduidingen without postcode,
``__MACOSX`` entries, references that do not resolve, pretty-printed and compact files. Each is
reported as a warning, never a crash.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import struct
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, NamedTuple

from lxml import etree

from smaakmaker.cases.sources import lvbag_scan

#: object types in the order they must be read
TYPES = ("WPL", "OPR", "NUM", "VBO", "LIG", "STA")
_MEMBER_RE = re.compile(
    r"(?:^|/)(?:\d{4}|9999)(NUM|VBO|OPR|WPL|LIG|STA|PND)\d{8}(?:-\d{6})?\.(xml|zip)$", re.I
)
_SKIP_RE = re.compile(r"InOnderzoek|Inactief|NietBag|(?:^|/)\d{4}(?:IO|IA|NB)[A-Z]{3}", re.I)
_ELEMENT = {
    "WPL": "Woonplaats",
    "OPR": "OpenbareRuimte",
    "NUM": "Nummeraanduiding",
    "VBO": "Verblijfsobject",
    "LIG": "Ligplaats",
    "STA": "Standplaats",
}
#: statuses of a current voorkomen that mean the address no longer exists
WITHDRAWN_STATUSES = frozenset(
    {
        "Naamgeving ingetrokken",
        "Verblijfsobject ingetrokken",
        "Niet gerealiseerd verblijfsobject",
        "Verblijfsobject ten onrechte opgevoerd",
        "Plaats ingetrokken",
    }
)
MAX_EXAMPLES = 5


class LvbagError(ValueError):
    """The delivery cannot be read at all (a message naming the file)."""


class AddressRecord(NamedTuple):
    """One address: a nummeraanduiding joined to its object, openbare ruimte and woonplaats."""

    nummeraanduiding_id: str
    object_id: str
    object_type: str  # VBO, LIG or STA
    street: str
    house_number: int
    house_letter: str
    addition: str
    postcode: str
    city: str
    gebruiksdoelen: str
    status: str
    withdrawn: bool
    x: float
    y: float
    gemeente_code: str

    def content_hash(self) -> int:
        """A signed 64-bit hash of everything imported: equal content, equal hash."""
        digest = hashlib.blake2b("\x1f".join(map(str, self)).encode(), digest_size=8).digest()
        return struct.unpack("<q", digest)[0]


@dataclass
class Report:
    """What the reader saw: counts, the extract's date and gemeenten, and warnings (Dutch)."""

    stand_date: date | None = None
    area: str = ""  # "GEM" or "NLD"
    gemeenten: set[str] = field(default_factory=set)
    files: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    _examples: dict[str, list[str]] = field(default_factory=dict)

    def problem(self, kind: str, example: str) -> None:
        self.counts[kind] += 1
        examples = self._examples.setdefault(kind, [])
        if len(examples) < MAX_EXAMPLES:
            examples.append(example)

    def finish(self) -> None:
        for kind, label in _PROBLEMS.items():
            if self.counts[kind]:
                shown = ", ".join(self._examples.get(kind, []))
                more = " …" if self.counts[kind] > MAX_EXAMPLES else ""
                self.warnings.append(f"{label}: {self.counts[kind]} ({shown}{more})")


_PROBLEMS = {
    "conflicting_voorkomens": "Objecten met meer dan één geldig voorkomen (het hoogste voorkomen is gebruikt)",
    "no_postcode": "Nummeraanduidingen zonder postcode (ingelezen zonder postcode)",
    "dangling_opr": "Nummeraanduidingen waarvan de openbare ruimte niet in de levering zit (overgeslagen)",
    "dangling_wpl": "Openbare ruimten of nummeraanduidingen waarvan de woonplaats niet in de levering zit",
    "dangling_num": "Verwijzingen naar een nummeraanduiding die niet (als geldig voorkomen) in de levering zit, of al adres van een ander object is",
    "unaddressed_num": "Geldige nummeraanduidingen zonder geldig verblijfsobject, ligplaats of standplaats (overgeslagen)",
    "no_geometry": "Objecten zonder geometrie (ingelezen zonder punt)",
    "bad_value": "Onleesbare waarden (object overgeslagen)",
    "skipped_member": "Bestanden in de levering die geen adresgegevens bevatten (overgeslagen)",
}


# --- the delivery: nested zips -------------------------------------------------------------------


@dataclass
class _Member:
    type: str
    name: str
    open: Callable[[], IO[bytes]]
    #: where a worker process finds it: a file on disk, and the entry in it when that file is a zip
    path: str = ""
    entry: str | None = None


def _open_source(path: str, entry: str | None) -> IO[bytes]:
    if entry is None:
        return open(path, "rb")  # noqa: SIM115 - closed by the caller's with
    archive = zipfile.ZipFile(path)  # noqa: SIM115 - closed with the member (see _ZipEntry)
    return _ZipEntry(archive, archive.open(entry))


class _ZipEntry:
    """An opened zip entry that closes its archive too."""

    def __init__(self, archive: zipfile.ZipFile, stream: IO[bytes]):
        self.archive, self.stream = archive, stream

    def read(self, size: int = -1) -> bytes:
        return self.stream.read(size)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stream.close()
        self.archive.close()


def _is_junk(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return name.startswith("__MACOSX/") or "/__MACOSX/" in name or base.startswith("._") or not base


@contextmanager
def _members(paths: list[Path], report: Report) -> Iterator[dict[str, list[_Member]]]:
    """Every object XML and relation file of the delivery, by type; nested zips are copied to a
    temporary file one at a time (streamed, never held in memory)."""
    found: dict[str, list[_Member]] = {t: [] for t in (*TYPES, "GWR")}
    with ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="lvbag-"))

        def add_zip(archive: zipfile.ZipFile, label: str) -> None:
            for info in sorted(archive.infolist(), key=lambda i: i.filename):
                name = info.filename
                if info.is_dir() or _is_junk(name):
                    continue
                where = f"{label}!{name}"
                lower = name.lower()
                if _SKIP_RE.search(name):
                    report.problem("skipped_member", name.rsplit("/", 1)[-1])
                    continue
                if lower.endswith(".zip"):
                    target = os.path.join(tmp, f"{len(os.listdir(tmp))}.zip")
                    with archive.open(info) as source, open(target, "wb") as sink:
                        shutil.copyfileobj(source, sink, 1 << 20)
                    add_zip(stack.enter_context(zipfile.ZipFile(target)), where)
                elif lower.endswith(".xml"):
                    add_xml(
                        name,
                        where,
                        lambda archive=archive, info=info: archive.open(info),
                        (str(archive.filename), name),
                    )

        def add_xml(
            name: str, where: str, opener: Callable[[], IO[bytes]], source: tuple[str, str | None]
        ) -> None:
            base = name.rsplit("/", 1)[-1]
            if base.upper().startswith("GEM-WPL-RELATIE"):
                found["GWR"].append(_Member("GWR", where, opener))
                return
            if base.lower().startswith("leveringsdocument"):
                return
            match = _MEMBER_RE.search(base)
            if match is None or match.group(1).upper() == "PND":
                report.problem("skipped_member", base)
                return
            kind = match.group(1).upper()
            found[kind].append(_Member(kind, where, opener, *source))

        for path in paths:
            path = Path(path)
            if path.is_dir():
                for child in sorted(path.iterdir()):
                    if child.suffix.lower() == ".zip" and not _SKIP_RE.search(child.name):
                        add_zip(stack.enter_context(zipfile.ZipFile(child)), child.name)
                    elif child.suffix.lower() == ".xml":
                        add_xml(
                            child.name, child.name, functools.partial(open, child, "rb"), (str(child), None)
                        )
            elif path.suffix.lower() == ".zip":
                try:
                    archive = stack.enter_context(zipfile.ZipFile(path))
                except zipfile.BadZipFile as exc:
                    raise LvbagError(f"'{path.name}' is geen leesbaar zipbestand.") from exc
                add_zip(archive, path.name)
            elif path.suffix.lower() == ".xml":
                add_xml(path.name, path.name, functools.partial(open, path, "rb"), (str(path), None))
            elif not path.exists():
                raise LvbagError(f"'{path}' bestaat niet.")
            else:
                raise LvbagError(f"'{path.name}': verwacht een zip-, XML-bestand of map van de BAG-levering.")
        for kind in found:
            found[kind].sort(key=lambda m: m.name)
        yield found


# --- one XML file --------------------------------------------------------------------------------


def _release(element) -> None:
    """Free a parsed object and the stand around it, and drop the stands already read, so that memory
    stays flat however long the file is."""
    element.clear(keep_tail=False)
    parent = element.getparent()  # the sl-bag-extract:bagObject, inside sl:stand
    stand = parent.getparent() if parent is not None else None
    if stand is not None:
        stand.clear(keep_tail=False)
        container = stand.getparent()
        if container is not None:
            while stand.getprevious() is not None:
                del container[0]


def _local(tag, cache: dict = {}) -> str:  # noqa: B006 - a deliberate shared cache
    """The local name of an element's tag; "" for a comment or processing instruction (their tag is
    a function; the hand-edited test files hold comments inside objects)."""
    name = cache.get(tag)
    if name is None:
        name = cache[tag] = tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
    return name


class _Voorkomen(NamedTuple):
    number: int
    begin: str
    end: str
    end_registration: str


def _voorkomen(element) -> _Voorkomen:
    number, begin, end, end_reg = 0, "", "", ""
    for historie in element:
        for child in historie:
            name = _local(child.tag)
            if name == "voorkomenidentificatie":
                number = int(child.text)
            elif name == "beginGeldigheid":
                begin = child.text or ""
            elif name == "eindGeldigheid":
                end = child.text or ""
            elif name == "eindRegistratie":
                end_reg = child.text or ""
    return _Voorkomen(number, begin, end, end_reg)


def _is_current(vk: _Voorkomen, on: str) -> bool:
    if vk.end_registration:
        return False
    if on and vk.begin[:10] > on:
        return False
    return not vk.end or (bool(on) and vk.end[:10] > on)


def _refs(element) -> list[str]:
    return [(ref.text or "").strip() for ref in element if isinstance(ref.tag, str)]


def _point(geometry) -> tuple[float, float] | None:
    """The point of a VBO (``punt``), or the centroid of the exterior ring of a polygon (``vlak``,
    LIG/STA ``gml:Polygon``): the mean of its vertices is enough to place it in a buurt."""
    for node in geometry.iter():
        name = _local(node.tag)
        if name == "pos":
            values = node.text.split()
            return float(values[0]), float(values[1])
        if name == "posList":
            values = node.text.split()
            dimension = int(node.get("srsDimension") or _dimension(node) or 2)
            xs = [float(v) for v in values[0::dimension]]
            ys = [float(v) for v in values[1::dimension]]
            if len(xs) > 1 and xs[0] == xs[-1] and ys[0] == ys[-1]:
                xs, ys = xs[:-1], ys[:-1]
            return sum(xs) / len(xs), sum(ys) / len(ys)
    return None


def _dimension(node) -> str | None:
    while node is not None:
        if node.get("srsDimension"):
            return node.get("srsDimension")
        node = node.getparent()
    return None


def _iter_objects(member: _Member, report: Report, on_header: Callable[[str, str], None]):
    """Yield (voorkomen, element) for every object of the member's type; the element is cleared after
    the consumer returns."""
    wanted = _ELEMENT[member.type]
    header = {"StandTechnischeDatum", "GemeenteIdentificatie", "Gebied-NLD", "Gebied-GEM"}
    with member.open() as stream:
        try:
            for _event, element in etree.iterparse(
                stream,
                events=("end",),
                tag=[f"{{*}}{wanted}", *(f"{{*}}{h}" for h in header)],
                huge_tree=True,
            ):
                name = _local(element.tag)
                if name != wanted:
                    on_header(name, (element.text or "").strip())
                    continue
                vk = None
                for child in element:
                    if _local(child.tag) == "voorkomen":
                        vk = _voorkomen(child)
                        break
                yield vk, element
                _release(element)
        except etree.XMLSyntaxError as exc:
            raise LvbagError(f"'{member.name}', regel {exc.lineno}: geen geldige XML ({exc.msg}).") from exc
    report.files.append(member.name)


# --- one part file of nummeraanduidingen or adresseerbare objecten, in a worker process -----------

#: the elements read of a Nummeraanduiding, Verblijfsobject, Ligplaats or Standplaats, by local name;
#: the position is the slot of its value while the object is read
_FIELDS = (
    "identificatie",  # 0
    "voorkomen",  # 1
    "voorkomenidentificatie",  # 2
    "beginGeldigheid",  # 3
    "eindGeldigheid",  # 4
    "eindRegistratie",  # 5
    "status",  # 6
    "huisnummer",  # 7
    "huisletter",  # 8
    "huisnummertoevoeging",  # 9
    "postcode",  # 10
    "ligtAan",  # 11: the first reference
    "ligtIn",  # 12: the first reference
    "heeftAlsHoofdadres",  # 13: the first reference
    "heeftAlsNevenadres",  # 14: every reference
    "gebruiksdoel",  # 15: every one
    "pos",  # 16: a point
    "posList",  # 17: a polygon's ring
)
_REFERENCE = frozenset((11, 12, 13, 14))
_HEADER = ("StandTechnischeDatum", "GemeenteIdentificatie", "Gebied-NLD", "Gebied-GEM")
_OBJECT = -1


class _Part(NamedTuple):
    """What one part file holds: the current voorkomens as tuples (see ``_scan_part``), the header
    values in the order met, and problems as (kind, example)."""

    name: str
    rows: list[tuple]
    headers: list[tuple[str, str]]
    problems: list[tuple[str, str]]


def _scan_part(kind: str, name: str, path: str, entry: str | None, on: str, fast: bool = True) -> _Part:
    """Parse one part file: only the elements the import reads raise an event (lxml filters the
    others in C), and each object is cleared when it ends. Current voorkomens on ``on`` (the extract's
    date; the file's own header date when not known yet) become rows:

    - NUM: (voorkomen, id, huisnummer, huisletter, toevoeging, postcode, openbare ruimte, woonplaats,
      status)
    - VBO/LIG/STA: (voorkomen, id, hoofdadres, nevenadressen, gebruiksdoelen, status, point)

    A module-level function of plain values, so that it runs in a worker process."""
    wanted = _ELEMENT[kind]
    slots: dict[str, int] = {}
    rows: list[tuple] = []
    headers: list[tuple[str, str]] = []
    problems: list[tuple[str, str]] = []
    empty = [None] * len(_FIELDS)
    values = empty.copy()
    side: list[str] = []
    uses: list[str] = []
    tags = [f"{{*}}{wanted}", *(f"{{*}}{f}" for f in _FIELDS), *(f"{{*}}{h}" for h in _HEADER)]
    number_object = kind == "NUM"
    if fast and kind in ("NUM", "VBO"):
        with _open_source(path, entry) as stream:
            scanned = lvbag_scan.scan(
                stream,
                element=wanted,
                fields=_FIELDS,
                header=_HEADER,
                on=on,
                name=name,
                object_row=_object_row,
                number_object=number_object,
            )
        if scanned is not None:
            return _Part(name, *scanned)
    with _open_source(path, entry) as stream:
        try:
            for _event, element in etree.iterparse(stream, events=("end",), tag=tags, huge_tree=True):
                tag = element.tag
                try:
                    slot = slots[tag]
                except KeyError:
                    local = _local(tag)
                    if local == wanted:
                        slot = _OBJECT
                    elif local in _FIELDS:
                        slot = _FIELDS.index(local)
                    else:
                        slot = 100 + _HEADER.index(local)
                    slots[tag] = slot
                if slot == _OBJECT:
                    row = _object_row(number_object, values, side, uses, on, problems, name)
                    if row is not None:
                        rows.append(row)
                    values = empty.copy()
                    side = []
                    uses = []
                    _release(element)
                elif slot < 11:
                    values[slot] = element.text if slot != 1 else True
                elif slot in _REFERENCE:
                    refs = [(ref.text or "").strip() for ref in element if isinstance(ref.tag, str)]
                    if slot == 14:
                        side.extend(refs)
                    else:
                        values[slot] = refs
                elif slot == 15:
                    uses.append((element.text or "").strip())
                elif slot < 100:  # pos, posList: the first geometry of the object
                    if values[16] is None and values[17] is None:
                        values[slot] = element.text if slot == 16 else element
                else:
                    value = (element.text or "").strip()
                    headers.append((_HEADER[slot - 100], value))
                    if slot == 100 and value and not on:
                        on = value[:10]
        except etree.XMLSyntaxError as exc:
            raise LvbagError(f"'{name}', regel {exc.lineno}: geen geldige XML ({exc.msg}).") from exc
    return _Part(name, rows, headers, problems)


def _object_row(number_object, values, side, uses, on, problems, name) -> tuple | None:
    """The row of one object (see ``_scan_part``), or None when it is not current or unreadable."""
    if values[1] is None:  # no voorkomen
        return None
    ident = (values[0] or "").strip()
    try:
        int(ident)
        number = values[2]
        begin, end, end_registration = values[3] or "", values[4] or "", values[5] or ""
        if end_registration or (on and begin[:10] > on) or (end and not (on and end[:10] > on)):
            return None  # not current (see _is_current)
        vk = int(number) if number is not None else 0
        status = (values[6] or "").strip()
        if number_object:
            return (
                vk,
                ident,
                int(values[7]) if values[7] is not None else 0,
                (values[8] or "").strip(),
                (values[9] or "").strip(),
                (values[10] or "").strip().replace(" ", "").upper(),
                values[11][0] if values[11] is not None else "",
                values[12][0] if values[12] is not None else "",
                status,
            )
        if values[16] is not None:
            coordinates = values[16].split()
            point = (float(coordinates[0]), float(coordinates[1]))
        elif values[17] is not None:
            point = _point(values[17])
        else:
            point = None
        return (
            vk,
            ident,
            values[13][0] if values[13] is not None else "",
            tuple(side),
            ",".join(sorted(uses)),
            status,
            point,
        )
    except (TypeError, ValueError, IndexError, AttributeError):
        problems.append(("bad_value", ident or name))
        return None


# --- the join ------------------------------------------------------------------------------------


class _Num(NamedTuple):
    vk: int
    house_number: int
    letter: str
    addition: str
    postcode: str
    opr: str
    wpl: str  # ligtIn: a nummeraanduiding in another woonplaats than its openbare ruimte
    status: str


def read_extract(
    paths: list[str | Path] | str | Path,
    *,
    gemeenten: set[str] | None = None,
    progress: Callable[[str, int], None] | None = None,
    report: Report | None = None,
    workers: int | None = None,
    fast: bool = True,
) -> Iterator[AddressRecord]:
    """Stream the addresses of the delivery (current voorkomens only), optionally of some gemeenten
    (four-digit codes, through the GEM-WPL-RELATIE or the nummeraanduiding's own id prefix when it
    is missing). ``report`` collects counts and warnings; it is complete when the iterator ends.
    ``fast=False`` parses every part file with lxml (the scanner of ADR 0026 is then not tried)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    report = report if report is not None else Report()
    tick = progress or (lambda description, done: None)
    on = ""

    def on_header(name: str, value: str) -> None:
        nonlocal on
        if name == "StandTechnischeDatum" and value:
            on = on or value[:10]
            report.stand_date = report.stand_date or date.fromisoformat(value[:10])
        elif name == "GemeenteIdentificatie" and value:
            report.gemeenten.add(value.zfill(4))
            report.area = report.area or "GEM"
        elif name == "Gebied-NLD":
            report.area = "NLD"

    with _members([Path(p) for p in paths], report) as members:
        if not members["NUM"] or not (members["VBO"] or members["LIG"] or members["STA"]):
            raise LvbagError(
                "De levering bevat geen nummeraanduidingen (NUM) of geen verblijfsobjecten, ligplaatsen "
                "en standplaatsen (VBO/LIG/STA); is dit een BAG-extract?"
            )
        # 1. woonplaatsen, and the gemeente of each (GEM-WPL-RELATIE)
        woonplaatsen: dict[str, tuple[int, str]] = {}
        for member in members["WPL"]:
            for vk, element in _iter_objects(member, report, on_header):
                if vk is None or not _is_current(vk, on):
                    continue
                ident = name = ""
                for child in element:
                    local = _local(child.tag)
                    if local == "identificatie":
                        ident = child.text.strip()
                    elif local == "naam":
                        name = (child.text or "").strip()
                _keep(woonplaatsen, ident, (vk.number, name), report)
        gemeente_of = _gemeente_relation(members["GWR"], on)
        tick("Woonplaatsen", len(woonplaatsen))
        # 2. openbare ruimten
        streets: dict[str, tuple[int, str, str]] = {}
        names: dict[str, str] = {}
        for member in members["OPR"]:
            for vk, element in _iter_objects(member, report, on_header):
                if vk is None or not _is_current(vk, on):
                    continue
                ident = name = wpl = ""
                for child in element:
                    local = _local(child.tag)
                    if local == "identificatie":
                        ident = child.text.strip()
                    elif local == "naam":
                        name = (child.text or "").strip()
                    elif local == "ligtIn":
                        wpl = _refs(child)[0]
                name = names.setdefault(name, name)
                _keep(streets, ident, (vk.number, name, wpl), report)
        tick("Openbare ruimten", len(streets))
        # 3. current nummeraanduidingen, and 4. the adresseerbare objecten joined to them as they
        # stream; the part files are parsed in worker processes (in file order), the join is here.
        numbers: dict[int, _Num] = {}
        interned: dict[str, str] = {}
        seen = emitted = 0
        numbers_checked = False
        kinds = ("NUM", "VBO", "LIG", "STA")
        todo = [member for kind in kinds for member in members[kind]]
        with _PartReader(workers if workers is not None else _default_workers(todo), fast) as parts:
            for member, part in zip(todo, parts.scan(todo, lambda: on), strict=True):
                for name, value in part.headers:
                    on_header(name, value)
                for kind, example in part.problems:
                    report.problem(kind, example)
                report.files.append(member.name)
                if member.type == "NUM":
                    seen += len(part.rows)
                    tick("Nummeraanduidingen", seen)
                    for vk, ident, house_number, letter, addition, postcode, opr, wpl, status in part.rows:
                        if gemeenten and not _in_gemeenten(ident, opr, wpl, streets, gemeente_of, gemeenten):
                            continue
                        key = int(ident)
                        earlier = numbers.get(key)
                        if earlier is not None:
                            report.problem("conflicting_voorkomens", ident)
                            if earlier.vk >= vk:
                                continue
                        numbers[key] = _Num(
                            vk,
                            house_number,
                            interned.setdefault(letter, letter),
                            interned.setdefault(addition, addition),
                            interned.setdefault(postcode, postcode),
                            interned.setdefault(opr, opr),
                            interned.setdefault(wpl, wpl),
                            interned.setdefault(status, status),
                        )
                    continue
                if not numbers_checked:
                    numbers_checked = True
                    _no_postcode(numbers, report)
                # Kadaster writes the voorkomens of one object together: conflicts are looked for
                # within a file, and memory holds one file's objects at a time.
                current: dict[int, int] = {}
                pending: dict[str, tuple] = {}
                for vk, ident, main, side, uses, status, point in part.rows:
                    key = int(ident)
                    if key in current:
                        report.problem("conflicting_voorkomens", ident)
                        if current[key] >= vk:
                            continue
                    current[key] = vk
                    pending[ident] = (ident, main, side, uses, status, point)
                for record in _emit(
                    member.type, pending, numbers, streets, woonplaatsen, gemeente_of, report
                ):
                    emitted += 1
                    yield record
                tick("Adressen", emitted)
        if not numbers_checked:
            _no_postcode(numbers, report)
        for key in numbers:
            report.problem("unaddressed_num", f"{key:016d}")
    report.counts["addresses"] = emitted
    report.finish()


def _no_postcode(numbers: dict[int, _Num], report: Report) -> None:
    for key, number in numbers.items():
        if not number.postcode:
            report.problem("no_postcode", f"{key:016d}")


def _default_workers(members: list[_Member]) -> int:
    """Worker processes for parsing: none for a small delivery (starting them costs more than it
    saves), else one per core up to two (the join in this process needs one as well)."""
    if len(members) < 4:
        return 0
    return max(0, min(2, (os.cpu_count() or 1)))


class _PartReader:
    """Parses part files in order, in worker processes (``workers`` > 0) or here; at most a few parts
    ahead of the consumer, so that memory holds a bounded number of parsed parts.

    The workers are started with ``spawn`` (a fork would copy Django's connection and threads), so,
    as always with multiprocessing, a script that imports addresses must guard its main code with
    ``if __name__ == "__main__":`` (the ``smaakmaker`` command, ``manage.py`` and pytest do)."""

    AHEAD = 2  # parts in flight per worker

    def __init__(self, workers: int, fast: bool = True):
        self.workers = workers
        self.fast = fast
        self.pool = None

    def __enter__(self):
        if self.workers > 0:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn, not fork: the parent holds Django's database connection and threads.
            self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def scan(self, members: list[_Member], on: Callable[[], str]) -> Iterator[_Part]:
        if self.pool is None:
            for member in members:
                yield _scan_part(member.type, member.name, member.path, member.entry, on(), self.fast)
            return
        from collections import deque

        window = deque()
        queued = iter(members)
        limit = self.workers * self.AHEAD
        for member in queued:
            window.append(
                self.pool.submit(
                    _scan_part, member.type, member.name, member.path, member.entry, on(), self.fast
                )
            )
            if len(window) >= limit:
                break
        while window:
            part = window.popleft().result()
            member = next(queued, None)
            if member is not None:
                window.append(
                    self.pool.submit(
                        _scan_part, member.type, member.name, member.path, member.entry, on(), self.fast
                    )
                )
            yield part


def _keep(target: dict, ident: str, value: tuple, report: Report) -> None:
    earlier = target.get(ident)
    if earlier is not None:
        report.problem("conflicting_voorkomens", ident)
        if earlier[0] >= value[0]:
            return
    target[ident] = value


def _in_gemeenten(ident, opr, wpl, streets, gemeente_of, gemeenten) -> bool:
    woonplaats = wpl or (streets.get(opr) or (0, "", ""))[2]
    gemeente = gemeente_of.get(woonplaats) or ident[:4]
    return gemeente in gemeenten


def _object(element, report: Report):
    ident, main, side, uses, status, point = "", "", [], [], "", None
    try:
        for child in element:
            local = _local(child.tag)
            if local == "identificatie":
                ident = child.text.strip()
            elif local == "heeftAlsHoofdadres":
                main = _refs(child)[0]
            elif local == "heeftAlsNevenadres":
                side.extend(_refs(child))
            elif local == "gebruiksdoel":
                uses.append((child.text or "").strip())
            elif local == "status":
                status = (child.text or "").strip()
            elif local == "geometrie":
                point = _point(child)
    except (TypeError, ValueError, IndexError, AttributeError):
        report.problem("bad_value", ident or "?")
        return None
    if point is None:
        report.problem("no_geometry", ident)
    return ident, main, side, ",".join(sorted(uses)), status, point


def _emit(kind, pending, numbers, streets, woonplaatsen, gemeente_of, report) -> Iterator[AddressRecord]:
    nan = float("nan")
    for ident, main, side, uses, status, point in pending.values():
        x, y = point if point is not None else (nan, nan)
        for ref in (main, *side):
            try:
                number = numbers.pop(int(ref))
            except (KeyError, ValueError):
                report.problem("dangling_num", ref)
                continue
            street = streets.get(number.opr)
            if street is None:
                report.problem("dangling_opr", ref)
                continue
            woonplaats_id = number.wpl or street[2]
            woonplaats = woonplaatsen.get(woonplaats_id)
            if woonplaats is None:
                report.problem("dangling_wpl", ref)
                city = ""
            else:
                city = woonplaats[1]
            yield AddressRecord(
                nummeraanduiding_id=ref,
                object_id=ident,
                object_type=kind,
                street=street[1],
                house_number=number.house_number,
                house_letter=number.letter,
                addition=number.addition,
                postcode=number.postcode,
                city=city,
                gebruiksdoelen=uses,
                status=status,
                withdrawn=status in WITHDRAWN_STATUSES or number.status in WITHDRAWN_STATUSES,
                x=x,
                y=y,
                gemeente_code=gemeente_of.get(woonplaats_id) or ref[:4],
            )


def _gemeente_relation(members: list[_Member], on: str) -> dict[str, str]:
    """Woonplaats id → gemeente code on the extract's date, from the GEM-WPL-RELATIE file."""
    relation: dict[str, tuple[str, str]] = {}
    for member in members:
        with member.open() as stream:
            for _event, element in etree.iterparse(
                stream, events=("end",), tag="{*}GemeenteWoonplaatsRelatie"
            ):
                begin = end = wpl = gem = status = ""
                for node in element.iter():
                    local = _local(node.tag)
                    if local == "begindatumTijdvakGeldigheid":
                        begin = node.text or ""
                    elif local == "einddatumTijdvakGeldigheid":
                        end = node.text or ""
                    elif local == "identificatie":
                        parent = _local(node.getparent().tag)
                        if parent == "gerelateerdeWoonplaats":
                            wpl = (node.text or "").strip()
                        elif parent == "gerelateerdeGemeente":
                            gem = (node.text or "").strip().zfill(4)
                    elif local == "status":
                        status = node.text or ""
                element.clear(keep_tail=False)
                if not wpl or not gem or (on and (begin[:10] > on or (end and end[:10] <= on))):
                    continue
                earlier = relation.get(wpl)
                if earlier is None or begin > earlier[1] or status == "definitief":
                    relation[wpl] = (gem, begin)
    return {wpl: gem for wpl, (gem, _begin) in relation.items()}
