# SPDX-License-Identifier: EUPL-1.2
"""Writes of the register's addresses in bulk: the BAG extract, the PDOK BAG GeoPackage and a
gemeente's own address list, and the assignment of addresses to the buurten of every year.

Every import is all or nothing (one transaction), audited in that transaction, and needs
``cases.import_addresses`` (``actor=None`` is the operator at the console). BAG data are public; the
import reads and writes no personal data. The reading is streamed (``sources/``); the writing is
set-based: only new and changed addresses are staged in a temporary table and written with one
``INSERT … SELECT`` / ``UPDATE … FROM`` per chunk, so an import of the same content writes nothing.
An address that left the BAG is never deleted, only marked withdrawn (``withdrawn_on``): its signals,
cases and plan interventions keep pointing at it.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path

import numpy as np
import shapely
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Count, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from smaakmaker.access.audit import Origin, audit_record
from smaakmaker.access.policies import IMPORT_ADDRESSES
from smaakmaker.areas import selectors as area_selectors
from smaakmaker.areas.models import Area, AreaLevel, ImportBatch
from smaakmaker.areas.overlap import AddressCounts, CountAddresses
from smaakmaker.areas.pointinpolygon import PolygonIndex, polygon_from_geojson_text, rd_to_wgs84
from smaakmaker.cases.errors import NotPermitted
from smaakmaker.cases.models import Address, AddressArea, AddressCustomArea, AddressSource
from smaakmaker.cases.sources import address_list, bag_gpkg, lvbag
from smaakmaker.cases.sources.lvbag import AddressRecord

#: ``progress(description, done, total)``; total 0 when unknown
Progress = Callable[[str, int, int], None]
CHUNK = 20_000
SQLITE_CACHE_KIB = 128 * 1024
_BAG_SOURCES = (AddressSource.BAG, AddressSource.BAG_GPKG)


class AddressImportError(ValueError):
    """The input cannot be imported; the Dutch message names the file and, where known, line and field."""


@dataclass
class AddressImportResult:
    source: str
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    stand_date: date | None = None
    years: list[int] = field(default_factory=list)
    #: per year: addresses (of this import's new and changed ones) in exactly one / no buurt
    in_buurt: dict[int, int] = field(default_factory=dict)
    outside: dict[int, Counter] = field(default_factory=dict)
    ambiguous: dict[int, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.withdrawn

    def lines(self) -> list[str]:
        """The report, in Dutch, one line each."""
        out = [
            f"{self.read} adressen gelezen: {self.created} nieuw, {self.updated} gewijzigd, "
            f"{self.unchanged} ongewijzigd, {self.withdrawn} ingetrokken."
        ]
        if not self.years:
            out.append("Er zijn geen buurtgrenzen geladen: adressen zijn aan geen buurt toegewezen.")
        for year in self.years:
            outside = self.outside.get(year, Counter())
            line = f"Buurten {year}: {self.in_buurt.get(year, 0)} adressen in een buurt"
            if self.ambiguous.get(year):
                line += f" ({self.ambiguous[year]} op een grens of in overlappende buurten)"
            total = sum(outside.values())
            if total:
                per_city = ", ".join(f"{city or '?'} {n}" for city, n in outside.most_common(10))
                line += f"; {total} in geen buurt van {year}, buiten de gemeente(n) van dat jaar: {per_city}"
            out.append(line + ".")
        out.extend(self.warnings)
        return out


def _require(actor) -> None:
    if actor is not None and not actor.has_perm(IMPORT_ADDRESSES):
        raise NotPermitted(_("Your role may not import addresses."))


# --- boundaries of every year --------------------------------------------------------------------


@dataclass
class _Year:
    year: int
    index: PolygonIndex
    wijk: list[str]
    gemeente: list[str]
    gemeenten: list[str]


def boundary_years() -> list[_Year]:
    """One polygon index per year whose buurt boundaries are loaded (a buurt counts in every year
    from its first to its last classification year).

    The polygons are read one at a time as GeoJSON text and parsed by shapely (GEOS), never as Python
    lists of coordinates: a national set of buurten stays a few hundred MB smaller that way."""
    return _boundary_build(*_boundary_texts())


def _boundary_texts() -> tuple[list[tuple], list[tuple[str, str]], list[tuple]]:
    """What :func:`boundary_years` reads from the database: the buurten, their GeoJSON texts, and the
    earlier shapes of redrawn ones (read in the caller's thread and transaction)."""
    buurten = Area.objects.filter(level=AreaLevel.BUURT, geometry__isnull=False).order_by("code")
    rows = list(
        buurten.values_list(
            "code", "classification_year", "last_year", "gemeente_code", "parent__code", "parent__level"
        )
    )
    if not rows:
        return [], [], []
    texts = list(
        buurten.annotate(text=Cast("geometry", output_field=TextField()))
        .values_list("code", "text")
        .iterator(chunk_size=500)
    )
    return rows, texts, area_selectors.earlier_shapes(level=AreaLevel.BUURT)


def _boundary_build(
    rows: list[tuple], texts: list[tuple[str, str]], earlier_shapes: list[tuple]
) -> list[_Year]:
    """The polygon indexes of :func:`boundary_years` from what it read; no database, so that an
    import builds them in a thread while its part files are being parsed."""
    years = sorted({y for _c, first, last, *_rest in rows for y in (first, last) if y})
    if not years:
        return []
    shapes: dict[str, shapely.Geometry] = {}
    while texts:  # each text let go once parsed: memory holds the texts or the shapes, not both
        code, text = texts.pop()
        shapes[code] = polygon_from_geojson_text(text)
    invalid = [code for code, shape in shapes.items() if not shapely.is_valid(shape)]
    for code in invalid:
        shapes[code] = shapely.make_valid(shapes[code])
    # A buurt that kept its code while CBS redrew it has its shape of those years on record.
    earlier = [
        (code, first, last, shape if shapely.is_valid(shape) else shapely.make_valid(shape))
        for code, first, last, shape in earlier_shapes
    ]
    result = []
    for year in years:
        then = {code: shape for code, first, last, shape in earlier if first <= year <= last}
        codes, geometries, wijken, gemeenten = [], [], [], []
        for code, first, last, gemeente, parent, parent_level in rows:
            first, last = first or last, last or first
            if not first or not (first <= year <= last):
                continue
            codes.append(code)
            geometries.append(then.get(code, shapes[code]))
            wijken.append(parent if parent_level == AreaLevel.WIJK else "")
            gemeenten.append(gemeente or "")
        if codes:
            result.append(
                _Year(year, PolygonIndex(codes, geometries), wijken, gemeenten, sorted(set(gemeenten)))
            )
    return result


# --- staging and set-based writes ----------------------------------------------------------------

_COLUMNS = (
    "bag_nummeraanduiding_id",
    "bag_verblijfsobject_id",
    "street",
    "house_number",
    "house_letter",
    "house_number_addition",
    "postcode",
    "city",
    "buurt_code",
    "source",
    "gebruiksdoelen",
    "bag_status",
    "bag_gemeente_code",
    "rd_x",
    "rd_y",
    "longitude",
    "latitude",
    "withdrawn_on",
    "content_hash",
)
_STAGE = "smaakmaker_address_stage"
_STAGE_AREA = "smaakmaker_address_area_stage"


class _Stage:
    """Temporary tables for one import; rows are staged per chunk and written set-based.

    ``bulk``: the register holds no address yet (a gemeente's first import, ADR 0029). Then the
    address and area tables' non-unique indexes are dropped (the database's own definitions are kept
    and run again at the end, in the same transaction); on PostgreSQL the tables are locked, the area
    table's foreign key dropped and added again at the end, and the rows ``COPY``d straight into both
    tables with ids from the table's own sequence: no staging, no join. Every row is new, so nothing
    can conflict; the primary keys and unique indexes stay and still check."""

    def __init__(self, *, bulk: bool = False):
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.vendor = self.connection.vendor
        self.now = timezone.now()
        self.cache_size = None
        self.bulk = bulk
        self.restore: list[str] = []  # statements that put back what ``bulk`` dropped
        self.next_id = 0
        with self.connection.cursor() as cursor:
            if self.vendor == "sqlite":
                # A page cache of 128 MiB for this import's connection (SQLite's default is 2 MiB):
                # the address table's indexes (uuid, nummeraanduiding id, buurt) take random inserts.
                # It changes nothing of durability; the size is put back afterwards.
                cursor.execute("PRAGMA cache_size")
                self.cache_size = cursor.fetchone()[0]
                cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
            temp = "TEMPORARY" if self.vendor == "postgresql" else "TEMP"
            cursor.execute(f"DROP TABLE IF EXISTS {_STAGE}")
            cursor.execute(f"DROP TABLE IF EXISTS {_STAGE_AREA}")
            cursor.execute(
                f"CREATE {temp} TABLE {_STAGE} (kind char(1), uuid {self._uuid_type()}, "
                "bag_nummeraanduiding_id varchar(16), bag_verblijfsobject_id varchar(16), street varchar(120), "
                "house_number integer, house_letter varchar(1), house_number_addition varchar(4), "
                "postcode varchar(6), city varchar(80), buurt_code varchar(10), source varchar(10), "
                "gebruiksdoelen varchar(200), bag_status varchar(60), bag_gemeente_code varchar(4), "
                "rd_x double precision, rd_y double precision, longitude double precision, "
                "latitude double precision, withdrawn_on date, content_hash bigint)"
            )
            cursor.execute(
                f"CREATE {temp} TABLE {_STAGE_AREA} (bag_nummeraanduiding_id varchar(16), year integer, "
                "buurt_code varchar(10), wijk_code varchar(8), gemeente_code varchar(6))"
            )
        if bulk:
            self._bulk_begin()

    def _bulk_begin(self) -> None:
        tables = [Address._meta.db_table, AddressArea._meta.db_table]
        with self.connection.cursor() as cursor:
            # Another import may have filled the register since the caller looked: hold the write lock
            # first (a concurrent import commits before it is granted), then look again.
            if self.vendor == "postgresql":
                cursor.execute(f"LOCK TABLE {tables[0]}, {tables[1]} IN SHARE ROW EXCLUSIVE MODE")
            else:
                cursor.execute(f"UPDATE {tables[0]} SET id = id WHERE 0 = 1")  # noqa: S608 - constant table name
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {tables[0]})")  # noqa: S608 - constant table name
            if cursor.fetchone()[0]:
                self.bulk = False
                return
            if self.vendor == "postgresql":
                # Checks an enclosing transaction left pending would forbid the DDL: run them now.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                cursor.execute(f"LOCK TABLE {tables[0]}, {tables[1]} IN ACCESS EXCLUSIVE MODE")
                cursor.execute(
                    "SELECT c.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                    "JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                    "WHERE t.relname = ANY(%s) AND NOT x.indisunique AND NOT x.indisprimary "
                    "AND t.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) "
                    "ORDER BY c.relname",
                    [tables],
                )
                indexes = cursor.fetchall()
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [tables[0]])
                self.sequence = cursor.fetchone()[0]
                cursor.execute("SELECT nextval(%s)", [self.sequence])
                self.next_id = cursor.fetchone()[0]
                # The area table's foreign key too: checked once for all rows when it is added again,
                # not row by row at the commit (whose pending checks would also forbid the indexes).
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                    [tables[1]],
                )
                for name, definition in cursor.fetchall():
                    quoted = self.connection.ops.quote_name(name)
                    cursor.execute(f"ALTER TABLE {tables[1]} DROP CONSTRAINT {quoted}")
                    self.restore.append(f"ALTER TABLE {tables[1]} ADD CONSTRAINT {quoted} {definition}")
            else:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN (%s, %s) "
                    "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%' ORDER BY name",
                    tables,
                )
                indexes = cursor.fetchall()
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [tables[0]])
                found = cursor.fetchone()
                self.next_id = (found[0] if found else 0) + 1
            for name, definition in indexes:
                cursor.execute(f"DROP INDEX {self.connection.ops.quote_name(name)}")
                self.restore.insert(0, definition)

    def finish(self) -> None:
        """After the last chunk: the dropped indexes (and foreign key) back, the id sequence moved on."""
        with self.connection.cursor() as cursor:
            for statement in self.restore:
                cursor.execute(statement)
            self.restore = []
            if self.bulk and self.vendor == "postgresql":
                cursor.execute("SELECT setval(%s, %s, false)", [self.sequence, self.next_id])

    def _uuid_type(self) -> str:
        return "uuid" if self.vendor == "postgresql" else "char(32)"

    @staticmethod
    def _uuids(count: int) -> list[str]:
        """``count`` random (version 4) UUIDs as 32 hex digits, as Django stores them on SQLite and
        as PostgreSQL reads them; from one ``os.urandom`` call rather than ``uuid4()`` per row."""
        raw = np.frombuffer(os.urandom(16 * count), dtype=np.uint8).reshape(count, 16).copy()
        raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
        raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
        text = raw.tobytes().hex()
        return [text[i : i + 32] for i in range(0, 32 * count, 32)]

    def _load(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)  # noqa: S608 - constant table and column names

    def write(self, addresses: list[list], areas: list[list]) -> None:
        """``addresses``: the columns (kind, *_COLUMNS), kind "n" (new) or "c" (changed); ``areas``:
        the columns (position in ``addresses``, year, buurt, wijk, gemeente). See ``_rows``."""
        kinds, *columns = addresses
        positions, *area_values = areas
        count = len(kinds)
        uuids = self._uuids(count)
        area_columns = ("year", "buurt_code", "wijk_code", "gemeente_code")
        if self.bulk and self.vendor == "postgresql":
            first = self.next_id
            self.next_id += count
            now = [self.now] * count
            self._load(
                Address._meta.db_table,
                ("id", "uuid", "created", "updated", *_COLUMNS),
                zip(range(first, self.next_id), uuids, now, now, *columns, strict=True),
            )
            self._load(
                AddressArea._meta.db_table,
                ("address_id", *area_columns),
                zip([first + position for position in positions], *area_values, strict=True),
            )
            return
        self._load(_STAGE, ("kind", "uuid", *_COLUMNS), zip(kinds, uuids, *columns, strict=True))
        ids = columns[0]
        self._load(
            _STAGE_AREA,
            ("bag_nummeraanduiding_id", *area_columns),
            zip([ids[position] for position in positions], *area_values, strict=True),
        )
        table = Address._meta.db_table
        area_table = AddressArea._meta.db_table
        columns = ", ".join(_COLUMNS)
        assign = ", ".join(
            f"{c} = s.{c}"
            for c in _COLUMNS
            if c not in ("bag_nummeraanduiding_id", "buurt_code", "withdrawn_on")
        )
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (uuid, created, updated, {columns}) "  # noqa: S608 - constant table and column names
                f"SELECT uuid, %s, %s, {columns} FROM {_STAGE} WHERE kind = 'n'",
                [self.now, self.now],
            )
            cursor.execute(
                f"UPDATE {table} SET {assign}, updated = %s, "  # noqa: S608 - constant table and column names
                f"buurt_code = CASE WHEN s.buurt_code = '' THEN {table}.buurt_code ELSE s.buurt_code END, "
                f"withdrawn_on = CASE WHEN s.withdrawn_on IS NULL THEN NULL "
                f"ELSE COALESCE({table}.withdrawn_on, s.withdrawn_on) END "
                f"FROM {_STAGE} s WHERE s.kind = 'c' "
                f"AND {table}.bag_nummeraanduiding_id = s.bag_nummeraanduiding_id",
                [self.now],
            )
            if positions:
                cursor.execute(
                    f"INSERT INTO {area_table} (address_id, year, buurt_code, wijk_code, gemeente_code) "  # noqa: S608 - constant table and column names
                    f"SELECT a.id, t.year, t.buurt_code, t.wijk_code, t.gemeente_code FROM {_STAGE_AREA} t "
                    f"JOIN {table} a ON a.bag_nummeraanduiding_id = t.bag_nummeraanduiding_id WHERE true "
                    "ON CONFLICT (address_id, year) DO UPDATE SET buurt_code = excluded.buurt_code, "
                    "wijk_code = excluded.wijk_code, gemeente_code = excluded.gemeente_code"
                )
            cursor.execute(f"DELETE FROM {_STAGE}")  # noqa: S608 - constant table and column names
            cursor.execute(f"DELETE FROM {_STAGE_AREA}")  # noqa: S608 - constant table and column names

    def drop(self) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_STAGE}")
            cursor.execute(f"DROP TABLE IF EXISTS {_STAGE_AREA}")
            if self.cache_size is not None:
                cursor.execute(f"PRAGMA cache_size = {int(self.cache_size)}")


def _existing(source: str) -> dict[int, int]:
    """Every address with a nummeraanduiding id: id → its content hash, 0 when it must be rewritten
    anyway (from another source, or withdrawn because it was absent: then its hash is NULL). One int
    per address keeps ten million of them in well under a GiB."""
    found = {}
    rows = Address.objects.exclude(bag_nummeraanduiding_id=None).values_list(
        "bag_nummeraanduiding_id", "content_hash", "source"
    )
    for key, content_hash, earlier_source in rows.iterator(chunk_size=20_000):
        found[int(key)] = content_hash if content_hash is not None and earlier_source == source else 0
    return found


def _chunks(records: Iterable[AddressRecord], size: int) -> Iterator[list[AddressRecord]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _apply(
    records: Iterable[AddressRecord],
    *,
    source: str,
    result: AddressImportResult,
    stand_date: Callable[[], date | None],
    progress: Progress,
    withdraw_scope: Callable[[], set[str] | None] | None,
) -> None:
    """Write the records that are new or changed; mark those in scope but absent as withdrawn.
    ``withdraw_scope()`` gives the gemeente codes the input covers completely (None: all)."""
    existing = _existing(source)
    # An empty register (a gemeente's first import): written in bulk, see ``_Stage``.
    bulk = not existing and not Address.objects.exists()
    # The polygons are built in a thread while the first part files are parsed (the import waits on
    # the parse workers then); read from the database here, in this transaction. The same thread then
    # places each chunk's points (RD → WGS84, point in polygon: GEOS and PROJ let go of the GIL) while
    # this one writes the chunk before and joins the next.
    geo = ThreadPoolExecutor(1, thread_name_prefix="boundaries")
    building = geo.submit(_boundary_build, *_boundary_texts())
    years: list[_Year] | None = None
    stage: _Stage | None = None
    waiting = None  # the chunk whose points are being placed: (picked, placing, today)

    def write(picked, placing, today) -> None:
        addresses, areas = _rows(
            picked, years, source=source, today=today, result=result, placed=placing.result()
        )
        stage.write(addresses, areas)
        created = sum(1 for kind, *_ in picked if kind == "n")
        result.created += created
        result.updated += len(picked) - created

    try:
        stage = _Stage(bulk=bulk)
        if bulk and not stage.bulk:  # another import filled the register meanwhile
            existing = _existing(source)
        for chunk in _chunks(records, CHUNK):
            if years is None:
                years = building.result()
                result.years = [y.year for y in years]
            result.read += len(chunk)
            picked: list[tuple[str, AddressRecord, int]] = []
            for record in chunk:
                key = int(record.nummeraanduiding_id)
                content_hash = record.content_hash()
                earlier = existing.pop(key, None)
                if earlier is None:
                    picked.append(("n", record, content_hash))
                elif earlier != content_hash:
                    picked.append(("c", record, content_hash))
                else:
                    result.unchanged += 1
            if waiting is not None:
                write(*waiting)
                waiting = None
            if picked:
                placing = geo.submit(_place, years, [record for _kind, record, _hash in picked])
                waiting = (picked, placing, stand_date() or timezone.localdate())
            progress(_("Addresses"), result.read, 0)
        if waiting is not None:
            write(*waiting)
        stage.finish()
        if withdraw_scope is not None:
            # Absent from an input that covers its gemeente: withdrawn, never deleted. Its hash is
            # cleared so that it is rewritten (and no longer withdrawn) when a later input has it again.
            scope = withdraw_scope()
            gone = [f"{key:016d}" for key in existing]
            day = stand_date() or timezone.localdate()
            for start in range(0, len(gone), 5000):
                absent = Address.objects.filter(
                    bag_nummeraanduiding_id__in=gone[start : start + 5000],
                    withdrawn_on__isnull=True,
                    source__in=_BAG_SOURCES,
                )
                if scope is not None:
                    absent = absent.filter(bag_gemeente_code__in=sorted(scope))
                result.withdrawn += absent.update(withdrawn_on=day, content_hash=None, updated=stage.now)
        if years is None:
            result.years = [y.year for y in building.result()]
    finally:
        geo.shutdown(wait=True, cancel_futures=True)
        if stage is not None:
            stage.drop()


def _cut(values: tuple | list, limit: int) -> tuple | list:
    """The values cut to the column's length (a copy only when one is longer)."""
    if max(map(len, values), default=0) <= limit:
        return values
    return [value[:limit] for value in values]


def _place(years: list[_Year], records) -> tuple:
    """The records' points: RD (x, y), WGS84 (lon, lat) and their buurt in each year (see ``_rows``)."""
    count = len(records)
    x = np.fromiter((r.x for r in records), dtype=float, count=count)
    y = np.fromiter((r.y for r in records), dtype=float, count=count)
    lon, lat = rd_to_wgs84(x, y)
    return x, y, lon, lat, [boundary.index.assign(lon, lat) for boundary in years]


def _rows(
    picked,
    years: list[_Year],
    *,
    source: str,
    today: date,
    result: AddressImportResult,
    placed: tuple | None = None,
):
    """The rows to stage for ``picked`` (kind, record, hash), column by column (the records are
    transposed once, the points transformed and assigned as arrays, by ``_place`` unless ``placed``
    gives its answer): the addresses as the columns (kind, *_COLUMNS), and their areas as the columns
    (position in ``picked``, year, buurt, wijk, gemeente). ``zip(*columns)`` gives the rows; a writer
    zips what it needs once."""
    count = len(picked)
    kinds, records, hashes = zip(*picked, strict=True)
    (ids, objects, _types, streets, numbers, letters, additions, postcodes, cities, uses, statuses) = list(
        zip(*records, strict=True)
    )[:11]
    withdrawn = [record.withdrawn for record in records]
    gemeenten = [record.gemeente_code for record in records]
    x, y, lon, lat, assignments = placed if placed is not None else _place(years, records)
    latest = [""] * count
    positions: list[int] = []
    area_years: list[int] = []
    buurten: list[str] = []
    wijken: list[str] = []
    area_gemeenten: list[str] = []
    for boundary, assignment in zip(years, assignments, strict=True):
        found = assignment.index >= 0
        result.in_buurt[boundary.year] = result.in_buurt.get(boundary.year, 0) + int(found.sum())
        result.ambiguous[boundary.year] = result.ambiguous.get(boundary.year, 0) + int(
            (assignment.ambiguous & found).sum()
        )
        outside = result.outside.setdefault(boundary.year, Counter())
        outside.update(cities[position] for position in np.flatnonzero(~found).tolist())
        # position -1 (no buurt) reads the blank appended at the end of each list
        polygons = assignment.index.tolist()
        codes = [*boundary.index.codes, ""]
        these = [codes[polygon] for polygon in polygons]
        buurten.extend(these)
        wijken.extend(map([*boundary.wijk, ""].__getitem__, polygons))
        area_gemeenten.extend(map([*boundary.gemeente, ""].__getitem__, polygons))
        positions.extend(range(count))
        area_years.extend([boundary.year] * count)
        latest = [code or earlier for code, earlier in zip(these, latest, strict=True)]

    def floats(values: np.ndarray) -> list[float | None]:
        return [value if value == value else None for value in values.tolist()]  # NaN → None

    has_point = np.isfinite(x)
    addresses = [
        kinds,
        ids,
        objects,
        _cut(streets, 120),
        numbers,
        _cut(letters, 1),
        _cut(additions, 4),
        _cut(postcodes, 6),
        _cut(cities, 80),
        latest,
        [source] * count,
        _cut(uses, 200),
        _cut(statuses, 60),
        _cut(gemeenten, 4),
        floats(np.where(has_point, x, np.nan)),
        floats(np.where(has_point, y, np.nan)),
        floats(np.where(has_point, lon, np.nan)),
        floats(np.where(has_point, lat, np.nan)),
        [today if gone else None for gone in withdrawn],
        hashes,
    ]
    return addresses, [positions, area_years, buurten, wijken, area_gemeenten]


def _finish(result: AddressImportResult, *, actor, origin: Origin | None, source_name: str, notes: list[str]):
    if result.created or result.updated:
        placed = custom_areas_assign()
        if placed:
            notes = [
                *notes,
                "Eigen gebieden (getekend): "
                + ", ".join(f"{code} {n} adressen" for code, n in sorted(placed.items()))
                + ".",
            ]
    ImportBatch.objects.create(
        source=source_name[:300],
        sha256=hashlib.sha256(source_name.encode()).hexdigest(),
        kind=f"addresses-{result.source}"[:20],
        rows=result.read,
        values=result.changed,
        notes=notes,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action="address.import",
        object_type="cases.address",
        object_id=f"{result.source}:{result.created}+{result.updated}-{result.withdrawn}",
        reason=f"{source_name}: {result.lines()[0]}"[:500],
        origin=origin,
    )


def _noop(description: str, done: int, total: int) -> None:
    return None


# --- the three sources ---------------------------------------------------------------------------


def bag_extract_import(
    *,
    paths: list[str | Path],
    actor=None,
    gemeenten: Iterable[str] = (),
    origin: Origin | None = None,
    progress: Progress = _noop,
) -> AddressImportResult:
    """Import (or update from) a Kadaster LVBAG 2.0 stand extract, all or nothing."""
    _require(actor)
    wanted = {g.removeprefix("GM").zfill(4) for g in gemeenten} or None
    report = lvbag.Report()
    result = AddressImportResult(source=AddressSource.BAG)
    records = lvbag.read_extract(
        paths, gemeenten=wanted, report=report, progress=lambda d, n: progress(d, n, 0)
    )

    def scope() -> set[str] | None:
        if wanted:
            return wanted
        return None if report.area == "NLD" or not report.gemeenten else set(report.gemeenten)

    try:
        with transaction.atomic():
            _apply(
                records,
                source=AddressSource.BAG,
                result=result,
                stand_date=lambda: report.stand_date,
                progress=progress,
                withdraw_scope=scope,
            )
            result.stand_date = report.stand_date
            result.warnings = list(report.warnings)
            names = ", ".join(Path(p).name for p in paths)
            _finish(result, actor=actor, origin=origin, source_name=f"BAG {names}", notes=result.lines())
    except lvbag.LvbagError as exc:
        raise AddressImportError(str(exc)) from exc
    return result


def bag_geopackage_import(
    *,
    path: str | Path,
    actor=None,
    gemeenten: Iterable[str] = (),
    origin: Origin | None = None,
    progress: Progress = _noop,
) -> AddressImportResult:
    """Import (or update from) the PDOK BAG GeoPackage (``bag-light.gpkg``), all or nothing."""
    _require(actor)
    wanted = {g.removeprefix("GM").zfill(4) for g in gemeenten} or None
    result = AddressImportResult(source=AddressSource.BAG_GPKG)
    try:
        reader = bag_gpkg.GeoPackage(path)
    except bag_gpkg.GeoPackageError as exc:
        raise AddressImportError(str(exc)) from exc
    with reader, transaction.atomic():
        _apply(
            reader.addresses(gemeenten=wanted),
            source=AddressSource.BAG_GPKG,
            result=result,
            stand_date=lambda: None,
            progress=progress,
            withdraw_scope=lambda: wanted,
        )
        result.warnings = reader.warnings()
        _finish(
            result,
            actor=actor,
            origin=origin,
            source_name=f"BAG GeoPackage {Path(path).name}",
            notes=result.lines(),
        )
    return result


def address_list_import(
    *,
    path: str | Path,
    mapping: dict[str, str],
    actor=None,
    origin: Origin | None = None,
    progress: Progress = _noop,
) -> AddressImportResult:
    """Import a gemeente's own address list (CSV or XLSX) with a column mapping, all or nothing.

    Rows with a nummeraanduiding id are matched on it; rows without are matched on verblijfsobject
    id, postcode, house number, letter and addition among earlier list rows without one.
    """
    _require(actor)
    path = Path(path)
    try:
        rows = address_list.read_address_list(path, mapping)
    except address_list.AddressListError as exc:
        raise AddressImportError(str(exc)) from exc
    result = AddressImportResult(source=AddressSource.LIST)
    with_id = [row for row in rows if row.nummeraanduiding_id]
    without_id = [row for row in rows if not row.nummeraanduiding_id]
    with transaction.atomic():
        _apply(
            with_id,
            source=AddressSource.LIST,
            result=result,
            stand_date=lambda: None,
            progress=progress,
            withdraw_scope=None,
        )
        if without_id:
            _list_rows_without_id(without_id, result)
        _finish(
            result, actor=actor, origin=origin, source_name=f"Adreslijst {path.name}", notes=result.lines()
        )
    return result


def _list_rows_without_id(rows: list[AddressRecord], result: AddressImportResult) -> None:
    def key(vbo, postcode, number, letter, addition):
        return (vbo or "", postcode or "", int(number), letter or "", addition or "")

    existing = {
        key(a.bag_verblijfsobject_id, a.postcode, a.house_number, a.house_letter, a.house_number_addition): a
        for a in Address.objects.filter(bag_nummeraanduiding_id=None)
    }
    years = boundary_years()
    result.years = [y.year for y in years]
    picked = [("n", row, row.content_hash()) for row in rows]
    columns, area_columns = _rows(
        picked, years, source=AddressSource.LIST, today=timezone.localdate(), result=result
    )
    addresses, areas = list(zip(*columns, strict=True)), list(zip(*area_columns, strict=True))
    by_position: dict[int, list[tuple]] = {}
    for position, *rest in areas:
        by_position.setdefault(position, []).append(rest)
    new, changed = [], []
    area_rows: list[tuple[Address, tuple]] = []
    result.read += len(rows)
    for position, (row, values) in enumerate(zip(rows, addresses, strict=True)):
        fields = dict(zip(_COLUMNS, values[1:], strict=True))
        fields["bag_nummeraanduiding_id"] = None
        address = existing.get(
            key(row.object_id, row.postcode, row.house_number, row.house_letter, row.addition)
        )
        if address is not None and address.content_hash == fields["content_hash"]:
            result.unchanged += 1
            continue
        if address is None:
            address = Address(**fields)
            new.append(address)
        else:
            for name, value in fields.items():
                setattr(address, name, value)
            changed.append(address)
        area_rows.extend((address, area) for area in by_position.get(position, []))
    Address.objects.bulk_create(new, batch_size=2000)
    Address.objects.bulk_update(
        changed, [c for c in _COLUMNS if c != "bag_nummeraanduiding_id"], batch_size=2000
    )
    result.created += len(new)
    result.updated += len(changed)
    touched = [a.pk for a in (*new, *changed)]
    AddressArea.objects.filter(address_id__in=touched).delete()
    AddressArea.objects.bulk_create(
        [
            AddressArea(address=address, year=year, buurt_code=buurt, wijk_code=wijk, gemeente_code=gemeente)
            for address, (year, buurt, wijk, gemeente) in area_rows
        ],
        batch_size=2000,
    )


# --- hooks for the areas domain (which imports no other domain) ----------------------------------


_LEVEL_FIELD = {"buurt": "buurt_code", "wijk": "wijk_code", "gemeente": "gemeente_code"}


def address_counts(level: str, old_year: int, new_year: int) -> CountAddresses | None:
    """The weights of a code crosswalk derived from the geometry: the current (not withdrawn)
    addresses per area of ``old_year`` and of ``new_year`` and per pair of the two, from the stored
    assignment of every address to the areas of every loaded year (one grouped query each).
    ``None`` when no address has an assignment for both years. BAG addresses, no personal data."""
    column = _LEVEL_FIELD[level]
    current = AddressArea.objects.filter(address__withdrawn_on__isnull=True)
    if not current.filter(year=old_year).exists() or not current.filter(year=new_year).exists():
        return None

    def count(old_codes: list[str], new_codes: list[str]) -> AddressCounts:
        pairs = (
            AddressArea.objects.filter(
                Q(year=old_year)
                & Q(address__withdrawn_on__isnull=True)
                & Q(address__areas__year=new_year)
                & (Q(**{f"{column}__in": old_codes}) | Q(**{f"address__areas__{column}__in": new_codes}))
            )
            .values_list(column, f"address__areas__{column}")
            .annotate(n=Count("id"))
        )

        def totals(year: int, codes: list[str]) -> dict[str, int]:
            rows = (
                current.filter(year=year, **{f"{column}__in": codes})
                .values_list(column)
                .annotate(n=Count("id"))
            )
            return dict(rows)

        return AddressCounts(
            {(old, new): n for old, new, n in pairs if old and new},
            totals(old_year, old_codes),
            totals(new_year, new_codes),
        )

    return count


def addresses_assign_year(year: int) -> list[str]:
    """Assign every address with a point to the buurt (wijk, gemeente) of ``year``, after the
    boundaries of that year were imported; returns the report lines. Set-based, in the caller's
    transaction; an address in no buurt of that year gets an empty assignment, as in an import."""
    boundary = next((b for b in boundary_years() if b.year == year), None)
    if boundary is None:
        return []
    latest = year == max(b.year for b in boundary_years())
    found = outside = 0
    rows = Address.objects.filter(longitude__isnull=False, latitude__isnull=False).values_list(
        "id", "longitude", "latitude", "buurt_code"
    )
    ids_all = []
    for chunk in _chunks(rows.iterator(chunk_size=CHUNK), CHUNK):
        ids = [row[0] for row in chunk]
        ids_all.extend(ids)
        lon = np.fromiter((row[1] for row in chunk), dtype=float, count=len(chunk))
        lat = np.fromiter((row[2] for row in chunk), dtype=float, count=len(chunk))
        assignment = boundary.index.assign(lon, lat)
        objects = []
        for address_id, polygon in zip(ids, assignment.index.tolist(), strict=True):
            if polygon < 0:
                outside += 1
                objects.append(AddressArea(address_id=address_id, year=year))
            else:
                found += 1
                objects.append(
                    AddressArea(
                        address_id=address_id,
                        year=year,
                        buurt_code=boundary.index.codes[polygon],
                        wijk_code=boundary.wijk[polygon],
                        gemeente_code=boundary.gemeente[polygon],
                    )
                )
        AddressArea.objects.bulk_create(
            objects,
            batch_size=5000,
            update_conflicts=True,
            unique_fields=["address", "year"],
            update_fields=["buurt_code", "wijk_code", "gemeente_code"],
        )
        if latest:
            current = {row[0]: row[3] for row in chunk}
            moved = [
                Address(id=area.address_id, buurt_code=area.buurt_code)
                for area in objects
                if area.buurt_code and area.buurt_code != current[area.address_id]
            ]
            Address.objects.bulk_update(moved, ["buurt_code"], batch_size=5000)
    if not ids_all:
        return []
    return [f"Adressen aan de buurten van {year} toegewezen: {found} in een buurt, {outside} in geen buurt."]


# --- custom areas drawn as polygons ---------------------------------------------------------------


def _custom_polygons(codes: Iterable[str] | None) -> tuple[list[str], list[shapely.Geometry]]:
    areas = Area.objects.filter(level=AreaLevel.CUSTOM, geometry__isnull=False)
    if codes is not None:
        areas = areas.filter(code__in=list(codes))
    found_codes, shapes = [], []
    for code, text in (
        areas.order_by("code")
        .annotate(text=Cast("geometry", output_field=TextField()))
        .values_list("code", "text")
    ):
        shape = polygon_from_geojson_text(text)
        found_codes.append(code)
        shapes.append(shape if shapely.is_valid(shape) else shapely.make_valid(shape))
    return found_codes, shapes


def custom_areas_assign(codes: Iterable[str] | None = None) -> dict[str, int]:
    """The addresses of custom areas drawn as polygons (all, or those of ``codes``): every address
    whose point lies inside (or on the edge of) the polygon, by the same point-in-polygon index as the
    buurten (:class:`~smaakmaker.areas.pointinpolygon.PolygonIndex`). Replaces the stored membership
    of those areas, in the caller's transaction; returns the number of addresses per area. Only the
    addresses within the polygons' bounding box are read. BAG data, no personal data."""
    wanted, shapes = _custom_polygons(codes)
    if codes is not None:
        AddressCustomArea.objects.filter(area_code__in=list(codes)).delete()
    else:
        AddressCustomArea.objects.exclude(area_code__in=wanted).delete()
        AddressCustomArea.objects.filter(area_code__in=wanted).delete()
    if not wanted:
        return {}
    index = PolygonIndex(wanted, shapes)
    min_lon, min_lat, max_lon, max_lat = shapely.total_bounds(shapes)
    rows = Address.objects.filter(
        longitude__gte=min_lon, longitude__lte=max_lon, latitude__gte=min_lat, latitude__lte=max_lat
    ).values_list("id", "longitude", "latitude")
    counts = dict.fromkeys(wanted, 0)
    for chunk in _chunks(rows.iterator(chunk_size=CHUNK), CHUNK):
        lon = np.fromiter((row[1] for row in chunk), dtype=float, count=len(chunk))
        lat = np.fromiter((row[2] for row in chunk), dtype=float, count=len(chunk))
        points, polygons = index.pairs(lon, lat)
        objects = [
            AddressCustomArea(address_id=chunk[p][0], area_code=wanted[g])
            for p, g in zip(points.tolist(), polygons.tolist(), strict=True)
        ]
        for g in polygons.tolist():
            counts[wanted[g]] += 1
        AddressCustomArea.objects.bulk_create(objects, batch_size=5000)
    return counts


def custom_area_address_counts(code: str) -> tuple[dict[str, int], dict[str, int]] | None:
    """For the apportioning of a custom area's figures (``areas.apportion``): the area's current
    addresses per buurt (of the latest year) and all current addresses of those buurten; ``None`` when
    the buurten hold no addresses (the figures are then apportioned by surface)."""
    current = Address.objects.filter(withdrawn_on__isnull=True).exclude(buurt_code="")
    inside = dict(
        current.filter(custom_areas__area_code=code)
        .values_list("buurt_code")
        .annotate(n=Count("id"))
        .order_by()
    )
    if not inside:
        return None
    totals = dict(
        current.filter(buurt_code__in=list(inside))
        .values_list("buurt_code")
        .annotate(n=Count("id"))
        .order_by()
    )
    return inside, totals


def buurt_address_totals(codes: list[str]) -> dict[str, int]:
    """The current addresses of each of these buurten (the weights of a union of whole buurten)."""
    return dict(
        Address.objects.filter(withdrawn_on__isnull=True, buurt_code__in=codes)
        .values_list("buurt_code")
        .annotate(n=Count("id"))
        .order_by()
    )
