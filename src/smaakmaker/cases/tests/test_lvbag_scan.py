# SPDX-License-Identifier: EUPL-1.2
"""The byte-level scanner of LVBAG part files (ADR 0026) against the lxml reader: the same rows,
headers and problems record for record where it reads a file, and the lxml path for what it does not
cover. No database."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from smaakmaker.cases.sources import lvbag, lvbag_scan

DOESBURG = Path(settings.PROJECT_DIR) / "data" / "bag" / "doesburg" / "BAGGEM0221L-15092020.zip"
SAMPLES = Path("/work/shared/data/bag/lvbag_samples")


def _member(kind: str) -> bytes:
    """The NUM or VBO part file of the bundled Doesburg extract (a zip in the zip)."""
    with zipfile.ZipFile(DOESBURG) as outer:
        inner_name = next(n for n in outer.namelist() if re.search(rf"9999{kind}\d{{8}}\.zip$", n))
        with zipfile.ZipFile(io.BytesIO(outer.read(inner_name))) as inner:
            name = next(n for n in inner.namelist() if n.endswith(".xml") and "__MACOSX" not in n)
            return inner.read(name)


def _uncommented(data: bytes) -> bytes:
    """The hand-made test file without its comments (the scanner leaves files with comments to lxml)."""
    return re.sub(rb"<!--.*?-->", b"", data, flags=re.S)


def _compact(data: bytes) -> bytes:
    """Kadaster's compact formatting: no whitespace between tags."""
    return re.sub(rb">\s+<", b"><", data)


def _both(tmp_path: Path, kind: str, data: bytes, on: str = ""):
    """The part as the scanner reads it (None when it leaves it to lxml), and as _scan_part gives it
    with and without the scanner."""
    path = tmp_path / f"0221{kind}15092020-000001.xml"
    path.write_bytes(data)
    with path.open("rb") as stream:
        scanned = lvbag_scan.scan(
            stream,
            element=lvbag._ELEMENT[kind],
            fields=lvbag._FIELDS,
            header=lvbag._HEADER,
            on=on,
            name=path.name,
            object_row=lvbag._object_row,
            number_object=kind == "NUM",
        )
    fast = lvbag._scan_part(kind, path.name, str(path), None, on, True)
    slow = lvbag._scan_part(kind, path.name, str(path), None, on, False)
    return scanned, fast, slow


def _variants(kind: str) -> list[bytes]:
    data = _uncommented(_member(kind))
    return [data, _compact(data)]


@pytest.mark.parametrize("kind", ["NUM", "VBO"])
@pytest.mark.parametrize("on", ["", "2020-09-15", "2019-01-01", "2030-01-01"])
def test_doesburg_parts_read_by_the_scanner_equal_the_lxml_reader(tmp_path, kind, on):
    """Pretty-printed and compact; history, two voorkomens of one id, missing postcodes, nevenadressen."""
    for data in _variants(kind):
        scanned, fast, slow = _both(tmp_path, kind, data, on)
        assert scanned is not None  # read by the scanner, not handed to lxml
        assert fast == slow and fast.rows
        assert fast.headers == slow.headers and fast.problems == slow.problems


def test_the_hand_made_doesburg_files_with_comments_go_to_lxml(tmp_path):
    for kind in ("NUM", "VBO"):
        data = _member(kind)
        if b"<!--" not in data:
            continue
        scanned, fast, slow = _both(tmp_path, kind, data)
        assert scanned is None and fast == slow


def test_the_whole_doesburg_extract_reads_the_same_with_and_without_the_scanner():
    here, there = lvbag.Report(), lvbag.Report()
    with_scanner = list(lvbag.read_extract(DOESBURG, report=here, workers=0))
    without = list(lvbag.read_extract(DOESBURG, report=there, workers=0, fast=False))
    assert with_scanner == without and len(with_scanner) == 8
    assert here.warnings == there.warnings and here.counts == there.counts


def test_namespaces_are_found_by_their_uri_not_by_their_prefix(tmp_path):
    for kind in ("NUM", "VBO"):
        data = _uncommented(_member(kind))
        renamed = re.sub(rb"(</?|xmlns:)Objecten(?=[:=])", rb"\1o", data)
        renamed = re.sub(rb"(</?|xmlns:)Historie(?=[:=])", rb"\1h", renamed)
        renamed = re.sub(rb"(</?|xmlns:| )gml(?=[:=])", rb"\1g", renamed)
        assert b"<o:" in renamed and b'xmlns:o="' in renamed
        assert renamed != data
        scanned, fast, slow = _both(tmp_path, kind, renamed)
        assert scanned is not None and fast == slow and fast.rows
        # the usual prefix bound to another namespace: its elements are not Kadaster's
        swapped = data.replace(b'xmlns:Objecten="www.kadaster.nl', b'xmlns:Objecten="example.org/other', 1)
        scanned, fast, slow = _both(tmp_path, kind, swapped)
        assert scanned is None and fast == slow


def test_files_read_in_small_blocks_give_the_same_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(lvbag_scan, "BLOCK", 97)
    for kind in ("NUM", "VBO"):
        for data in _variants(kind):
            scanned, fast, slow = _both(tmp_path, kind, data)
            assert scanned is not None and fast == slow


def _edit_first(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data
    return data.replace(old, new, 1)


FALLBACKS = {
    "comment inside an object": lambda d, k: _edit_first(
        d, b"<Objecten:status>", b"<!-- x --><Objecten:status>"
    ),
    "CDATA in a field": lambda d, k: re.sub(
        rb"<Objecten:status>([^<]*)</", rb"<Objecten:status><![CDATA[\1]]></", d, count=1
    ),
    "an entity in a field": lambda d, k: re.sub(
        rb"<Objecten:status>([^<]*)</", rb"<Objecten:status>\1 &amp; meer</", d, count=1
    ),
    "a character reference": lambda d, k: re.sub(
        rb"<Objecten:status>(.)", rb"<Objecten:status>&#\1;", d, count=1
    ).replace(b"&#", b"&#x4", 1),
    "another encoding declared": lambda d, k: _edit_first(d, b'encoding="UTF-8"', b'encoding="ISO-8859-1"'),
    "UTF-16": lambda d, k: d.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"', 1).encode("utf-16"),
    "a namespace declared on an object": lambda d, k: _edit_first(
        d,
        b"<Objecten:" + lvbag._ELEMENT[k].encode() + b">",
        b"<Objecten:"
        + lvbag._ELEMENT[k].encode()
        + b' xmlns:Objecten="www.kadaster.nl/schemas/lvbag/imbag/objecten/v20200601">',
    ),
    "a default namespace": lambda d, k: _edit_first(d, b" xmlns:gml=", b' xmlns="urn:x" xmlns:gml='),
    "an element inside a field": lambda d, k: _edit_first(
        d, b"<Objecten:status>", b"<Objecten:status><x:y/>"
    ),
    "a field with attributes holding '>'": lambda d, k: _edit_first(
        d, b"<Objecten:status>", b'<Objecten:status a=">">'
    ),
    "a processing instruction": lambda d, k: _edit_first(
        d, b"<Objecten:status>", b"<?pi x?><Objecten:status>"
    ),
    "a truncated file": lambda d, k: d[: len(d) * 2 // 3],
    "something after the last object": lambda d, k: _edit_first(
        d, b"</sl:standBestand>", b"<Objecten:status>x</Objecten:status></sl:standBestand>"
    ),
    "a polygon": lambda d, k: _edit_first(
        d, b"<Objecten:status>", b"<gml:posList>1 2 3 4 1 2</gml:posList><Objecten:status>"
    ),
    "a reference holding an element": lambda d, k: re.sub(
        rb"(<Objecten-ref:\w+Ref[^>]*>)", rb"\1<x:y/>", d, count=1
    ),
}


@pytest.mark.parametrize("case", sorted(FALLBACKS))
@pytest.mark.parametrize("kind", ["NUM", "VBO"])
def test_what_the_scanner_does_not_cover_goes_to_lxml(tmp_path, kind, case):
    data = FALLBACKS[case](_compact(_uncommented(_member(kind))), kind)
    path = tmp_path / f"0221{kind}15092020-000001.xml"
    path.write_bytes(data)
    with path.open("rb") as stream:
        scanned = lvbag_scan.scan(
            stream,
            element=lvbag._ELEMENT[kind],
            fields=lvbag._FIELDS,
            header=lvbag._HEADER,
            on="",
            name=path.name,
            object_row=lvbag._object_row,
            number_object=kind == "NUM",
        )
    assert scanned is None
    try:
        slow = lvbag._scan_part(kind, path.name, str(path), None, "", False)
    except lvbag.LvbagError as exc:  # not XML: the lxml reader's error, with or without the scanner
        with pytest.raises(lvbag.LvbagError) as raised:
            lvbag._scan_part(kind, path.name, str(path), None, "", True)
        assert str(raised.value) == str(exc)
    else:
        assert lvbag._scan_part(kind, path.name, str(path), None, "", True) == slow


def test_the_gdal_excerpts_of_the_national_extract_read_the_same(tmp_path):
    folder = SAMPLES / "gdal_autotest_nl_20201008"
    if not folder.exists():
        pytest.skip("the shared LVBAG samples are not on this machine")
    for name, kind in (("num.xml", "NUM"), ("vbo.xml", "VBO"), ("vbo2.xml", "VBO"), ("vbo3.xml", "VBO")):
        for on in ("", "2030-01-01"):
            scanned, fast, slow = _both(tmp_path, kind, (folder / name).read_bytes(), on)
            assert scanned is not None and fast == slow
