# SPDX-License-Identifier: EUPL-1.2
"""A gemeente's own address list (CSV or XLSX) with a column mapping. No Django here.

The file is read by ``tables.py`` (shared with the partner files of signals): CSV in UTF-8 (with or
without Excel's BOM) or Windows-1252 with any of the usual delimiters, or the first sheet of an XLSX
workbook. The mapping names, per field, the column holding
it; without a mapping the usual BAG column names are recognised (see ``ALIASES``). Every row is
checked; when any row is wrong, nothing is imported and the errors name the line and column.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pyproj

from smaakmaker.cases.sources import tables
from smaakmaker.cases.sources.lvbag import WITHDRAWN_STATUSES, AddressRecord

FIELDS = {
    "nummeraanduiding_id": "BAG-id van de nummeraanduiding (16 cijfers)",
    "verblijfsobject_id": "BAG-id van het verblijfsobject",
    "street": "straat",
    "house_number": "huisnummer",
    "house_letter": "huisletter",
    "addition": "huisnummertoevoeging",
    "postcode": "postcode",
    "city": "woonplaats",
    "gebruiksdoelen": "gebruiksdoel(en)",
    "status": "status",
    "x": "x (RD)",
    "y": "y (RD)",
    "lon": "lengtegraad (WGS84)",
    "lat": "breedtegraad (WGS84)",
    "gemeente": "gemeentecode",
}
REQUIRED = ("street", "house_number", "city")
#: column names recognised without a mapping (lower case)
ALIASES = {
    "nummeraanduiding_id": ("nummeraanduiding_id", "nummeraanduiding", "num_id", "hoofdadres_identificatie"),
    "verblijfsobject_id": ("verblijfsobject_id", "verblijfsobject", "vbo_id", "identifica", "identificatie"),
    "street": ("straat", "straatnaam", "openbare_ruimte", "openbare_ruimte_naam", "openbare_r", "street"),
    "house_number": ("huisnummer", "huisnr", "house_number"),
    "house_letter": ("huisletter", "house_letter"),
    "addition": ("toevoeging", "huisnummertoevoeging", "huisnummer_toevoeging", "addition"),
    "postcode": ("postcode",),
    "city": ("woonplaats", "woonplaats_naam", "plaats", "city"),
    "gebruiksdoelen": ("gebruiksdoel", "gebruiksdoelen", "gebr_doel"),
    "status": ("status",),
    "x": ("x", "x_rd", "rd_x"),
    "y": ("y", "y_rd", "rd_y"),
    "lon": ("lon", "lng", "longitude", "lengtegraad"),
    "lat": ("lat", "latitude", "breedtegraad"),
    "gemeente": ("gemeente", "gemeentecode", "gm_code"),
}
_POSTCODE = re.compile(r"[1-9]\d{3}[A-Z]{2}", re.ASCII)
_DIGITS = re.compile(r"\d{1,16}", re.ASCII)
MAX_ERRORS = 20


class AddressListError(ValueError):
    """The list cannot be imported; the message lists the first errors with line and column."""


def resolve_mapping(headers: list[str], mapping: dict[str, str] | None) -> dict[str, int]:
    """Field → column index; the mapping's columns must exist, unmapped fields are found by alias."""
    try:
        return tables.resolve_columns(headers, mapping, fields=FIELDS, aliases=ALIASES, required=REQUIRED)
    except tables.TableError as exc:
        raise AddressListError(str(exc)) from exc


def read_address_list(path: str | Path, mapping: dict[str, str] | None = None) -> list[AddressRecord]:
    path = Path(path)
    try:
        table = tables.read_table(path)
    except tables.TableError as exc:
        raise AddressListError(str(exc)) from exc
    headers, rows = table.headers, table.rows
    try:
        columns = resolve_mapping(headers, mapping)
    except AddressListError as exc:
        raise AddressListError(f"'{path.name}', {exc}") from exc
    errors: list[str] = []
    records: list[AddressRecord] = []
    lonlat: list[tuple[int, float, float]] = []

    def cell(row: list[str], name: str) -> str:
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    def error(line: int, name: str, message: str) -> None:
        errors.append(f"regel {line}, kolom '{headers[columns[name]]}': {message}")

    for line, row in enumerate(rows, start=2):
        if not any(v.strip() for v in row):
            continue
        before = len(errors)
        nid = cell(row, "nummeraanduiding_id")
        vid = cell(row, "verblijfsobject_id")
        for name, value in (("nummeraanduiding_id", nid), ("verblijfsobject_id", vid)):
            if value and not _DIGITS.fullmatch(value):
                error(line, name, "een BAG-id bestaat uit cijfers (16, met voorloopnullen)")
        number = cell(row, "house_number")
        if not number.isdigit() or int(number) <= 0:
            error(line, "house_number", f"huisnummer '{number}' is geen positief geheel getal")
        postcode = cell(row, "postcode").replace(" ", "").upper()
        if postcode and not _POSTCODE.fullmatch(postcode):
            error(line, "postcode", f"postcode '{postcode}' ziet er niet uit als 1234AB")
        for name in ("street", "city"):
            if not cell(row, name):
                error(line, name, f"{FIELDS[name]} ontbreekt")
        letter, addition = cell(row, "house_letter"), cell(row, "addition")
        if len(letter) > 1:
            error(line, "house_letter", "een huisletter is één letter")
        if len(addition) > 4:
            error(line, "addition", "een huisnummertoevoeging heeft hoogstens 4 tekens")
        x = y = math.nan
        try:
            if cell(row, "x") and cell(row, "y"):
                x, y = float(cell(row, "x").replace(",", ".")), float(cell(row, "y").replace(",", "."))
            elif cell(row, "lon") and cell(row, "lat"):
                lonlat.append(
                    (
                        len(records),
                        float(cell(row, "lon").replace(",", ".")),
                        float(cell(row, "lat").replace(",", ".")),
                    )
                )
        except ValueError:
            error(line, "x" if "x" in columns else "lon", "coördinaat is geen getal")
        if len(errors) > before:
            if len(errors) >= MAX_ERRORS:
                break
            continue
        status = cell(row, "status")
        records.append(
            AddressRecord(
                nummeraanduiding_id=nid.zfill(16) if nid else "",
                object_id=vid.zfill(16) if vid else "",
                object_type="VBO",
                street=cell(row, "street"),
                house_number=int(number),
                house_letter=letter,
                addition=addition,
                postcode=postcode,
                city=cell(row, "city"),
                gebruiksdoelen=",".join(
                    sorted(u.strip() for u in cell(row, "gebruiksdoelen").split(",") if u.strip())
                ),
                status=status,
                withdrawn=status in WITHDRAWN_STATUSES,
                x=x,
                y=y,
                gemeente_code=cell(row, "gemeente").removeprefix("GM").zfill(4)
                if cell(row, "gemeente")
                else "",
            )
        )
    if errors:
        raise AddressListError(f"'{path.name}': niets ingelezen. " + "; ".join(errors[:MAX_ERRORS]) + ".")
    if lonlat:
        to_rd = pyproj.Transformer.from_crs(4326, 28992, always_xy=True)
        xs, ys = to_rd.transform(np.array([v[1] for v in lonlat]), np.array([v[2] for v in lonlat]))
        for (position, _lon, _lat), rx, ry in zip(lonlat, xs, ys, strict=True):
            records[position] = records[position]._replace(x=float(rx), y=float(ry))
    seen: dict[str, int] = {}
    for position, record in enumerate(records):
        if record.nummeraanduiding_id:
            if record.nummeraanduiding_id in seen:
                raise AddressListError(
                    f"'{path.name}': niets ingelezen. Nummeraanduiding {record.nummeraanduiding_id} staat "
                    "meer dan eens in de lijst."
                )
            seen[record.nummeraanduiding_id] = position
    return records
