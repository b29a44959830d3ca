# SPDX-License-Identifier: EUPL-1.2
"""BAG and address-list imports against the bundled real data: Doesburg's LVBAG extract as Kadaster
delivers it, and the 2017 BAG school addresses of Groningen against the 2017 buurten."""

from __future__ import annotations

import io
import re
import sqlite3
import struct
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from smaakmaker.access.models import AuditRecord, Organisation
from smaakmaker.areas import services as area_services
from smaakmaker.areas.bundled import data_dir
from smaakmaker.cases import address_imports
from smaakmaker.cases.demo import covenant_setup
from smaakmaker.cases.errors import NotPermitted
from smaakmaker.cases.models import Address, AddressArea, AddressSource, Signal, SignalKind

DATA = Path(settings.PROJECT_DIR) / "data" / "bag"
DOESBURG = DATA / "doesburg" / "BAGGEM0221L-15092020.zip"
GRONINGEN = DATA / "groningen" / "verblijfsobjecten_onderwijs_groningen_2017_rd.csv"


def _rewrite(source: Path, target: Path, edit) -> Path:
    """A copy of the delivery in the same zip-of-zips layout, with ``edit(name, xml) -> xml`` applied
    to every object XML inside the inner zips."""
    with zipfile.ZipFile(source) as outer, zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as new_outer:
        for info in outer.infolist():
            data = outer.read(info)
            if info.filename.endswith(".zip"):
                buffer = io.BytesIO()
                with (
                    zipfile.ZipFile(io.BytesIO(data)) as inner,
                    zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as new_inner,
                ):
                    for member in inner.infolist():
                        content = inner.read(member)
                        if member.filename.endswith(".xml") and not member.filename.startswith("__MACOSX"):
                            content = edit(member.filename, content)
                        new_inner.writestr(member, content)
                data = buffer.getvalue()
            new_outer.writestr(info, data)
    return target


def _drop_stand(xml: bytes, identificatie: str) -> bytes:
    """Remove every voorkomen (``sl:stand``) of one object."""
    text = xml.decode()
    stands = re.findall(r"<sl:stand>.*?</sl:stand>", text, flags=re.S)
    for stand in stands:
        if f">{identificatie}</Objecten:identificatie>" in stand:
            text = text.replace(stand, "")
    return text.encode()


@pytest.mark.django_db
def test_doesburg_extract_imports_end_to_end_from_its_zip():
    result = address_imports.bag_extract_import(paths=[DOESBURG])
    addresses = {a.bag_nummeraanduiding_id: a for a in Address.objects.all()}
    assert len(addresses) == result.created == 8
    assert result.stand_date.isoformat() == "2020-09-15"
    koster = addresses["0221200000330227"]
    assert (koster.street, koster.house_number, koster.postcode, koster.city) == (
        "Kosterstraat",
        4,
        "6981CH",
        "Doesburg",
    )
    # The current voorkomen only: the verblijfsobject's last status, not an earlier one.
    assert koster.bag_verblijfsobject_id == "0221010000330226"
    assert koster.bag_status == "Verbouwing verblijfsobject"
    assert koster.gebruiksdoelen == "woonfunctie"
    assert 6.1 < koster.longitude < 6.15 and 52.0 < koster.latitude < 52.02
    assert all(a.city == "Doesburg" and a.street for a in addresses.values())
    assert all(a.source == AddressSource.BAG and a.bag_gemeente_code == "0221" for a in addresses.values())
    # Ligplaats and standplaats addresses, with a point from their polygon.
    assert addresses["0221200000330153"].street == "Koppenberch" and addresses["0221200000330153"].rd_x
    # The hand-made duplicate voorkomens and the missing postcodes are warnings, not a crash.
    warnings = "\n".join(result.warnings)
    assert "meer dan één geldig voorkomen" in warnings and "0221200000330998" in warnings
    assert "zonder postcode" in warnings
    assert addresses["0221200000330998"].postcode == "" and addresses["0221200000330998"].house_letter == "x"
    assert AuditRecord.objects.filter(action="address.import", object_id="bag:8+0-0").count() == 1


@pytest.mark.django_db
def test_reimport_changes_nothing_and_a_newer_extract_applies_changes(tmp_path, demo_users):
    covenant_setup()
    address_imports.bag_extract_import(paths=[DOESBURG])
    before = dict(Address.objects.values_list("bag_nummeraanduiding_id", "updated"))
    again = address_imports.bag_extract_import(paths=[DOESBURG])
    assert (again.created, again.updated, again.withdrawn, again.unchanged) == (0, 0, 0, 8)
    assert dict(Address.objects.values_list("bag_nummeraanduiding_id", "updated")) == before

    # A signal on the ligplaats that will leave the BAG.
    leaving = Address.objects.get(bag_nummeraanduiding_id="0221200000330153")
    kind = SignalKind.objects.select_related("activity").first()
    Signal.objects.create(
        address=leaving,
        kind=kind,
        activity=kind.activity,
        source_organisation=Organisation.objects.first(),
        observed_on=timezone.localdate() - timedelta(days=3),
    )

    def edit(name: str, xml: bytes) -> bytes:
        if "NUM" in name:  # a new postcode for Kosterstraat 4 (its current voorkomen)
            return xml.replace(
                b"<Objecten:postcode>6981CH</Objecten:postcode>",
                b"<Objecten:postcode>6981CJ</Objecten:postcode>",
            )
        if "LIG" in name:  # ligplaats 0221020000330154 (Koppenberch 20) is gone
            return _drop_stand(xml, "0221020000330154")
        return xml

    newer = _rewrite(DOESBURG, tmp_path / "BAGGEM0221L-15102020.zip", edit)
    result = address_imports.bag_extract_import(paths=[newer])
    assert (result.created, result.updated, result.withdrawn) == (0, 1, 1)
    assert Address.objects.get(bag_nummeraanduiding_id="0221200000330227").postcode == "6981CJ"
    leaving.refresh_from_db()
    assert leaving.withdrawn_on is not None and leaving.signals.count() == 1
    assert Address.objects.count() == 8  # never deleted
    # And back in a later extract: no longer withdrawn.
    back = address_imports.bag_extract_import(paths=[DOESBURG])
    leaving.refresh_from_db()
    assert leaving.withdrawn_on is None and (back.created, back.updated, back.withdrawn) == (0, 2, 0)


def _schema() -> dict:
    """The address and area tables' indexes and constraints as the database describes them."""
    from django.db import connection

    with connection.cursor() as cursor:
        return {
            table: connection.introspection.get_constraints(cursor, table)
            for table in (Address._meta.db_table, AddressArea._meta.db_table)
        }


@pytest.mark.django_db
def test_first_import_into_an_empty_register_is_written_in_bulk_and_puts_everything_back(monkeypatch):
    """An empty register is filled in bulk (non-unique indexes, and on PostgreSQL the area table's
    foreign key, dropped and made again at the end; ids from the table's sequence): afterwards the
    tables' indexes and constraints are what they were, the ids follow on, and a later import is the
    ordinary set-based one."""
    modes = []
    stage = address_imports._Stage

    def spy(*, bulk=False):
        modes.append(bulk)
        return stage(bulk=bulk)

    monkeypatch.setattr(address_imports, "_Stage", spy)
    before = _schema()
    earlier = Address.objects.create(street="Weg", house_number=1, city="Elders", postcode="1234AB")
    used = earlier.id
    earlier.delete()  # the register is empty again, but this id was used
    result = address_imports.bag_extract_import(paths=[DOESBURG])
    assert modes == [True] and result.created == 8
    assert _schema() == before
    ids = sorted(Address.objects.values_list("id", flat=True))
    assert ids[0] > used and ids == list(range(ids[0], ids[0] + 8))
    assert AddressArea.objects.filter(address_id__in=ids).count() == AddressArea.objects.count()
    later = Address.objects.create(street="Weg", house_number=2, city="Elders", postcode="1234AB")
    assert later.id > ids[-1]
    # Not empty any more: the next import stages and writes set-based, and changes nothing.
    again = address_imports.bag_extract_import(paths=[DOESBURG])
    assert modes == [True, False] and (again.created, again.updated, again.unchanged) == (0, 0, 8)
    assert _schema() == before


def _groningen_list_with_ids(tmp_path) -> Path:
    """The bundled Groningen 2017 list with a nummeraanduiding id per row (made up, in Groningen's
    range), so that it is imported by id like a BAG source: 242 addresses, 4 outside the 2017 buurten."""
    lines = GRONINGEN.read_text(encoding="utf-8").splitlines()
    rows = [lines[0] + ",nummeraanduiding_id"]
    rows += [f"{line},{14200000000000 + i:016d}" for i, line in enumerate(lines[1:])]
    path = tmp_path / "lijst-met-ids.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _addresses_with_areas() -> dict:
    areas: dict[int, list] = {}
    for row in AddressArea.objects.values_list(
        "address_id", "year", "buurt_code", "wijk_code", "gemeente_code"
    ):
        areas.setdefault(row[0], []).append(row[1:])
    return {
        a.bag_nummeraanduiding_id: (
            a.street,
            a.house_number,
            a.postcode,
            a.buurt_code,
            a.rd_x,
            a.latitude,
            a.withdrawn_on,
            a.content_hash,
            sorted(areas.get(a.id, [])),
        )
        for a in Address.objects.exclude(bag_nummeraanduiding_id=None)
    }


@pytest.mark.django_db
def test_bulk_import_in_many_chunks_writes_what_the_staged_import_writes(tmp_path, monkeypatch):
    """Over seven chunks (points placed one chunk ahead, the last chunk after the loop), with the 2017
    buurten loaded: the bulk path writes every address, its buurt and its areas exactly as the ordinary
    staged path does."""
    _load_groningen_2017_buurten()
    path = _groningen_list_with_ids(tmp_path)
    monkeypatch.setattr(address_imports, "CHUNK", 37)
    modes = []
    stage = address_imports._Stage

    def spy(*, bulk=False):
        made = stage(bulk=bulk)
        modes.append(made.bulk)
        return made

    monkeypatch.setattr(address_imports, "_Stage", spy)
    with transaction.atomic():
        address_imports.address_list_import(path=path, mapping={})
        in_bulk = _addresses_with_areas()
        transaction.set_rollback(True)
    Address.objects.create(street="Weg", house_number=1, city="Elders", postcode="1234AB")  # not empty
    result = address_imports.address_list_import(path=path, mapping={})
    assert modes == [True, False] and result.created == 242
    staged = _addresses_with_areas()
    assert len(in_bulk) == 242 and sum(1 for a in in_bulk.values() if a[3]) == 238
    assert in_bulk == staged
    assert all(len(value[8]) == 1 for value in in_bulk.values())


@pytest.mark.django_db
def test_a_failing_bulk_import_leaves_the_register_and_its_indexes_as_they_were(tmp_path, monkeypatch):
    _load_groningen_2017_buurten()
    path = _groningen_list_with_ids(tmp_path)
    monkeypatch.setattr(address_imports, "CHUNK", 37)
    before = _schema()
    place, calls = address_imports._place, []

    def fails_on_the_third_chunk(years, records):
        calls.append(len(records))
        if len(calls) == 3:
            raise RuntimeError("kapot")
        return place(years, records)

    monkeypatch.setattr(address_imports, "_place", fails_on_the_third_chunk)
    with pytest.raises(RuntimeError):
        address_imports.address_list_import(path=path, mapping={})
    assert _schema() == before and not Address.objects.exists() and not AddressArea.objects.exists()


@pytest.mark.django_db
def test_a_register_filled_meanwhile_by_another_import_is_imported_the_ordinary_way(tmp_path, monkeypatch):
    """The import saw an empty register, but another import committed one of its addresses before the
    write lock was granted: it looks again under the lock and writes the ordinary way."""
    _load_groningen_2017_buurten()
    path = _groningen_list_with_ids(tmp_path)
    modes = []
    stage = address_imports._Stage

    def spy(*, bulk=False):
        if bulk:  # the other import, just before this one takes its lock
            Address.objects.create(
                bag_nummeraanduiding_id="0014200000000000", street="Elders", house_number=9, city="Groningen"
            )
        made = stage(bulk=bulk)
        modes.append((bulk, made.bulk))
        return made

    monkeypatch.setattr(address_imports, "_Stage", spy)
    before = _schema()
    result = address_imports.address_list_import(path=path, mapping={})
    assert modes == [(True, False)] and (result.created, result.updated) == (241, 1)
    assert Address.objects.get(bag_nummeraanduiding_id="0014200000000000").street != "Elders"
    assert _schema() == before


@pytest.mark.django_db
def test_import_needs_the_permission(demo_users):
    with pytest.raises(NotPermitted):
        address_imports.bag_extract_import(paths=[DOESBURG], actor=demo_users["regisseur"])
    assert not Address.objects.exists()
    result = address_imports.bag_extract_import(paths=[DOESBURG], actor=demo_users["beheerder"])
    assert result.created == 8
    record = AuditRecord.objects.get(action="address.import")
    assert record.actor == demo_users["beheerder"].username


@pytest.mark.django_db
def test_gemeente_filter_and_a_broken_delivery(tmp_path):
    result = address_imports.bag_extract_import(paths=[DOESBURG], gemeenten=["GM0363"])
    assert result.read == 0 and not Address.objects.exists()
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")
    with pytest.raises(address_imports.AddressImportError, match="broken.zip"):
        address_imports.bag_extract_import(paths=[broken])

    def cut(name: str, xml: bytes) -> bytes:
        return xml[: len(xml) // 2] if "VBO" in name else xml

    truncated = _rewrite(DOESBURG, tmp_path / "BAGGEM0221L-cut.zip", cut)
    with pytest.raises(address_imports.AddressImportError, match="VBO.*geen geldige XML"):
        address_imports.bag_extract_import(paths=[truncated])
    assert not Address.objects.exists()  # all or nothing


def _load_groningen_2017_buurten():
    area_services.cbs_wkt_csv_import(path=data_dir() / "groningen" / "wijk_2017_groningen_wkt_wgs84.csv")
    area_services.cbs_wkt_csv_import(path=data_dir() / "groningen" / "buurt_2017_groningen_wkt_wgs84.csv")


@pytest.mark.django_db
def test_groningen_2017_addresses_in_the_2017_buurten_from_the_cli():
    _load_groningen_2017_buurten()
    out = io.StringIO()
    call_command("addresses", "import-list", "--gebundeld-groningen", stdout=out)
    assert Address.objects.count() == 242
    areas = AddressArea.objects.filter(year=2017)
    assert areas.count() == 242
    assert areas.exclude(buurt_code="").count() == 238
    outside = Address.objects.filter(areas__year=2017, areas__buurt_code="")
    assert sorted(set(outside.values_list("city", flat=True))) == ["Eelderwolde", "Haren Gn"]
    assert all(
        a.gemeente_code == "GM0014" and a.wijk_code.startswith("WK0014") for a in areas.exclude(buurt_code="")
    )
    assert Address.objects.exclude(buurt_code="").count() == 238
    text = out.getvalue()
    assert "242 adressen gelezen: 242 nieuw" in text
    assert "4 in geen buurt van 2017, buiten de gemeente(n) van dat jaar" in text
    # The same list again changes nothing.
    out = io.StringIO()
    call_command("addresses", "import-list", "--gebundeld-groningen", stdout=out)
    assert "0 nieuw, 0 gewijzigd, 242 ongewijzigd" in out.getvalue()


@pytest.mark.django_db
def test_address_list_all_or_nothing_with_line_and_column(tmp_path):
    good = "Straatnaam;Nr;Plaats;PC;Nummeraanduiding\nDorpsstraat;1;Ergens;1234AB;0221200000000001\n"
    bad = good + "Dorpsstraat;een;Ergens;1234AB;0221200000000002\nKerkweg;3;Ergens;12345;0221200000000003\n"
    mapping = {
        "street": "Straatnaam",
        "house_number": "Nr",
        "city": "Plaats",
        "postcode": "PC",
        "nummeraanduiding_id": "Nummeraanduiding",
    }
    path = tmp_path / "lijst.csv"
    path.write_text(bad, encoding="cp1252")
    with pytest.raises(address_imports.AddressImportError) as caught:
        address_imports.address_list_import(path=path, mapping=mapping)
    message = str(caught.value)
    assert "regel 3, kolom 'Nr'" in message and "regel 4, kolom 'PC'" in message
    assert not Address.objects.exists()
    path.write_text(good, encoding="utf-8-sig")
    result = address_imports.address_list_import(path=path, mapping=mapping)
    assert result.created == 1 and Address.objects.get().bag_nummeraanduiding_id == "0221200000000001"


@pytest.mark.django_db
def test_address_list_from_xlsx(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["straat", "huisnummer", "woonplaats", "postcode", "x", "y"])
    sheet.append(["Wilgenlaan", 1, "Groningen", "9741BX", 232492.13, 583176.63])
    path = tmp_path / "lijst.xlsx"
    book.save(path)
    result = address_imports.address_list_import(path=path, mapping={})
    address = Address.objects.get()
    assert result.created == 1 and address.bag_nummeraanduiding_id is None
    assert address.street == "Wilgenlaan" and 6.5 < address.longitude < 6.6


def _gpkg_blob_point(x: float, y: float) -> bytes:
    # GeoPackage binary header (magic, version 0, flags: little endian, no envelope), srs_id, then WKB.
    return b"GP" + bytes([0, 0b00000001]) + struct.pack("<i", 28992) + struct.pack("<BIdd", 1, 1, x, y)


@pytest.mark.django_db
def test_bag_geopackage_import(tmp_path):
    """A GeoPackage in PDOK's bag-light layout (tables and columns as documented in sources/bag_gpkg.py)."""
    path = tmp_path / "bag-light.gpkg"
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT, identifier TEXT, srs_id INTEGER);
        CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, geometry_type_name TEXT,
            srs_id INTEGER, z INTEGER, m INTEGER);
        CREATE TABLE verblijfsobject (fid INTEGER PRIMARY KEY, geom BLOB, identificatie TEXT, oppervlakte INTEGER,
            status TEXT, gebruiksdoel TEXT, openbare_ruimte_naam TEXT, openbare_ruimte_naam_kort TEXT,
            huisnummer INTEGER, huisletter TEXT, toevoeging TEXT, postcode TEXT, woonplaats_naam TEXT,
            bouwjaar INTEGER, pand_identificatie TEXT, pandstatus TEXT,
            nummeraanduiding_hoofdadres_identificatie TEXT, openbare_ruimte_identificatie TEXT,
            woonplaats_identificatie TEXT, bronhouder_identificatie TEXT);
        INSERT INTO gpkg_contents VALUES ('verblijfsobject', 'features', 'verblijfsobject', 28992);
        INSERT INTO gpkg_geometry_columns VALUES ('verblijfsobject', 'geom', 'POINT', 28992, 0, 0);
        """
    )
    db.execute(
        "INSERT INTO verblijfsobject (geom, identificatie, status, gebruiksdoel, openbare_ruimte_naam, huisnummer,"
        " huisletter, toevoeging, postcode, woonplaats_naam, nummeraanduiding_hoofdadres_identificatie,"
        " bronhouder_identificatie) VALUES (?, '0221010000330226', 'Verblijfsobject in gebruik',"
        " 'woonfunctie,winkelfunctie', 'Kosterstraat', 4, NULL, NULL, '6981CH', 'Doesburg', '0221200000330227', '0221')",
        (_gpkg_blob_point(206335.699, 447529.842),),
    )
    db.commit()
    db.close()
    result = address_imports.bag_geopackage_import(path=path)
    address = Address.objects.get()
    assert result.created == 1 and address.gebruiksdoelen == "winkelfunctie,woonfunctie"
    assert address.source == AddressSource.BAG_GPKG and 6.1 < address.longitude < 6.15
    # The extract of the same address afterwards updates it in place (one address per nummeraanduiding).
    again = address_imports.bag_extract_import(paths=[DOESBURG])
    assert again.updated == 1 and again.created == 7
