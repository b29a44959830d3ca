# SPDX-License-Identifier: EUPL-1.2
"""Writes for the areas domain: imports (all or nothing, idempotent), custom areas, the catalogue.

Every import parses and validates its whole input first (pure code in ``sources/``), then writes
inside one transaction. A file whose content was imported before changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
import shapely.geometry
import structlog
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from smaakmaker.areas import selectors
from smaakmaker.areas.models import (
    Area,
    AreaCrosswalk,
    AreaLevel,
    AreaShape,
    CustomKind,
    HomeGemeente,
    ImportBatch,
    Indicator,
    IndicatorValue,
)
from smaakmaker.areas.sources import bbga
from smaakmaker.areas.sources.cbs_columns import INDICATORS
from smaakmaker.areas.sources.cbs_csv import read_cbs_csv
from smaakmaker.areas.sources.cbs_odata import fetch_kwb_table
from smaakmaker.areas.sources.geometry import GeometryError, to_wgs84_geojson, wkt_series_to_geojson
from smaakmaker.common.codes import InvalidCodeError, area_code, buurt_code

log = structlog.get_logger(__name__)

#: ``progress(description, done, total)``; called while an import runs.
Progress = Callable[[str, int, int], None]

BATCH_SIZE = 5000


class ImportError_(ValueError):
    """An import failed; the Dutch message names the file and, where known, line and column."""


def _noop(description: str, done: int, total: int) -> None:
    return None


def _sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


@transaction.atomic
def indicators_sync() -> dict[str, Indicator]:
    """Create catalogue entries that are missing; existing entries (possibly edited in beheer) stay."""
    existing = {indicator.key: indicator for indicator in Indicator.objects.all()}
    new = [
        Indicator(
            key=spec.id,
            label=spec.label,
            unit=spec.unit,
            theme=spec.theme,
            direction=spec.direction,
            sources=[{"column": s.column, "tables": list(s.tables)} for s in spec.sources],
            note=spec.note,
        )
        for spec in INDICATORS
        if spec.id not in existing
    ]
    Indicator.objects.bulk_create(new)
    return {indicator.key: indicator for indicator in Indicator.objects.all()}


def _existing_batch(sha: str, kind: str) -> ImportBatch | None:
    return ImportBatch.objects.filter(sha256=sha, kind=kind).first()


@dataclass
class _AreaRow:
    code: str
    level: str
    name: str
    year: int | None
    gemeente_code: str = ""
    wijk_code: str = ""
    geometry: dict[str, Any] | None = None


def _areas_upsert(rows: Iterable[_AreaRow], progress: Progress) -> dict[str, int]:
    """Create or update areas by code; keeps the earliest classification year; links parents."""
    by_code: dict[str, _AreaRow] = {}
    years: dict[str, list[int]] = {}
    for row in rows:
        by_code[row.code] = row
        if row.year is not None:
            years.setdefault(row.code, []).append(row.year)
    existing = {area.code: area for area in Area.objects.filter(code__in=list(by_code))}
    to_create, to_update = [], []
    for code, row in by_code.items():
        first = min(years[code]) if code in years else None
        last = max(years[code]) if code in years else None
        area = existing.get(code)
        if area is None:
            to_create.append(
                Area(
                    code=code,
                    level=row.level,
                    name=row.name or code,
                    classification_year=first,
                    last_year=last,
                    gemeente_code=row.gemeente_code or (code if row.level == AreaLevel.GEMEENTE else ""),
                    geometry=row.geometry,
                )
            )
        else:
            if row.name:
                area.name = row.name
            if first is not None:
                area.classification_year = min(filter(None, [area.classification_year, first]))
                area.last_year = max(filter(None, [area.last_year, last]))
            if row.geometry is not None:
                area.geometry = row.geometry
            to_update.append(area)
    Area.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    Area.objects.bulk_update(
        to_update, ["name", "classification_year", "last_year", "geometry"], batch_size=BATCH_SIZE
    )
    progress("Gebieden", len(by_code), len(by_code))
    ids = dict(Area.objects.filter(code__in=list(by_code)).values_list("code", "id"))
    # Parents: a buurt hangs under its wijk (or gemeente when the wijk is unknown), a wijk under its gemeente.
    wanted_parents = {r.wijk_code for r in by_code.values() if r.wijk_code} | {
        r.gemeente_code for r in by_code.values() if r.gemeente_code
    }
    parent_ids = dict(Area.objects.filter(code__in=wanted_parents).values_list("code", "id"))
    updates = []
    for code, row in by_code.items():
        parent = parent_ids.get(row.wijk_code) or parent_ids.get(row.gemeente_code)
        if parent and parent != ids[code]:
            updates.append(Area(id=ids[code], parent_id=parent))
    Area.objects.bulk_update(updates, ["parent"], batch_size=BATCH_SIZE)
    return ids


def _values_upsert(
    tidy: pd.DataFrame,
    area_ids: Mapping[str, int],
    indicators: Mapping[str, Indicator],
    batch: ImportBatch,
    progress: Progress,
) -> int:
    tidy = tidy[tidy["code"].isin(list(area_ids))]
    total = len(tidy)
    codes = tidy["code"].to_numpy()
    keys = tidy["indicator"].to_numpy()
    years = tidy["year"].to_numpy()
    values = tidy["value"].to_numpy(dtype=float)
    sources = tidy["source"].astype(str).to_numpy()
    done = 0
    for start in range(0, total, BATCH_SIZE):
        stop = min(start + BATCH_SIZE, total)
        objects = [
            IndicatorValue(
                area_id=area_ids[codes[i]],
                indicator_id=indicators[keys[i]].id,
                year=int(years[i]),
                value=None if np.isnan(values[i]) else float(values[i]),
                source=sources[i][:300],
                batch=batch,
            )
            for i in range(start, stop)
        ]
        IndicatorValue.objects.bulk_create(
            objects,
            update_conflicts=True,
            unique_fields=["area", "indicator", "year"],
            update_fields=["value", "source", "batch"],
        )
        done = stop
        progress("Indicatorwaarden", done, total)
    return total


def _table_import(*, table, source: str, sha: str, kind: str, actor, progress: Progress) -> ImportBatch:
    """Write a parsed CBS table (areas and indicator values) in one transaction."""
    tidy = table.indicators()
    rows = [
        _AreaRow(
            code=code,
            level=str(record.level),
            name=str(record.name) if isinstance(record.name, str) else "",
            year=int(row_year) if row_year is not None and not pd.isna(row_year) else None,
            gemeente_code=str(record.gemeente_code) if isinstance(record.gemeente_code, str) else "",
            wijk_code=str(record.wijk_code) if isinstance(record.wijk_code, str) else "",
        )
        for (code, row_year), record in zip(
            table.areas.index, table.areas.itertuples(index=False), strict=True
        )
    ]
    with transaction.atomic():
        indicators = indicators_sync()
        batch = ImportBatch.objects.create(
            source=source,
            sha256=sha,
            table_id=table.table_id or "",
            kind=kind,
            rows=table.n_rows,
            notes=list(table.notes),
            actor=actor,
        )
        area_ids = _areas_upsert(rows, progress)
        batch.values = _values_upsert(tidy, area_ids, indicators, batch, progress)
        batch.save(update_fields=["values"])
    log.info("cbs_table_imported", source=source, kind=kind, rows=batch.rows, values=batch.values)
    return batch


def cbs_csv_import(
    *,
    path: str | Path,
    year: int | None = None,
    table_id: str | None = None,
    actor=None,
    progress: Progress = _noop,
) -> ImportBatch:
    """Import one CBS StatLine CSV (any dialect): areas and indicator values, all or nothing.

    Raises :class:`~smaakmaker.areas.sources.cbs_csv.CbsCsvError` (file, line, column) before
    anything is written when the file is malformed.
    """
    path = Path(path)
    sha = _sha256(path.read_bytes())
    if (batch := _existing_batch(sha, "cbs_csv")) is not None:
        return batch
    table = read_cbs_csv(path, year=year, table_id=table_id)
    return _table_import(
        table=table, source=path.name, sha=sha, kind="cbs_csv", actor=actor, progress=progress
    )


def cbs_odata_import(
    *,
    table_id: str,
    gemeente: str | None = None,
    actor=None,
    progress: Progress = _noop,
    session=None,
) -> ImportBatch:
    """Load a Kerncijfers wijken en buurten table from the CBS open-data API (needs internet)."""
    table, text = fetch_kwb_table(
        table_id, gemeente=gemeente, session=session, progress=lambda n: progress("CBS-API: rijen", n, 0)
    )
    sha = _sha256(text.encode())
    if (batch := _existing_batch(sha, "cbs_odata")) is not None:
        return batch
    source = f"CBS OData {table_id}" + (f" ({gemeente})" if gemeente else "")
    return _table_import(
        table=table, source=source, sha=sha, kind="cbs_odata", actor=actor, progress=progress
    )


def gemeente_geojson_import(
    *, path: str | Path, year: int, actor=None, progress: Progress = _noop
) -> ImportBatch:
    """Import gemeente boundaries from a GeoJSON FeatureCollection with ``statcode``/``statnaam``."""
    path = Path(path)
    raw = path.read_bytes()
    sha = _sha256(raw)
    if (batch := _existing_batch(sha, "geojson")) is not None:
        return batch
    try:
        collection = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ImportError_(
            f"'{path.name}': geen geldige JSON (regel {exc.lineno}, kolom {exc.colno})."
        ) from exc
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list):
        raise ImportError_(f"'{path.name}': geen GeoJSON FeatureCollection (veld 'features' ontbreekt).")
    rows = []
    for number, feature in enumerate(features, start=1):
        properties = feature.get("properties") or {}
        try:
            code = area_code(properties.get("statcode", ""))
            geometry = to_wgs84_geojson(feature.get("geometry"), repair=True)
        except (InvalidCodeError, GeometryError) as exc:
            raise ImportError_(f"'{path.name}', feature {number}: {exc}") from exc
        rows.append(
            _AreaRow(
                code=code,
                level=AreaLevel.GEMEENTE,
                name=str(properties.get("statnaam", "")),
                year=year,
                geometry=geometry,
            )
        )
        progress("Geometrieën", number, len(features))
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            source=path.name, sha256=sha, kind="geojson", rows=len(rows), actor=actor
        )
        _areas_upsert(rows, progress)
    return batch


def _read_plain_csv(path: Path, required: Iterable[str]) -> list[dict[str, str]]:
    text = path.read_bytes().decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    missing = [column for column in required if column not in (reader.fieldnames or [])]
    if missing:
        raise ImportError_(f"'{path.name}', regel 1: kolom(men) ontbreken: {', '.join(missing)}.")
    return list(reader)


def amsterdam_buurten_import(*, path: str | Path, actor=None, progress: Progress = _noop) -> ImportBatch:
    """Amsterdam's buurt register: 2022 buurten and wijken with polygons, and the 2015→2022 crosswalk.

    The polygons (EWKT in RD New) are those of the 2022 buurten; an old (pre-2022) buurt code gets
    the polygon only when it continues as exactly one new buurt that has no other predecessor.
    """
    path = Path(path)
    raw = path.read_bytes()
    sha = _sha256(raw)
    if (batch := _existing_batch(sha, "crosswalk")) is not None:
        return batch
    required = [
        "BUURTCODE_CBS_2015",
        "BUURTNAAM_2015",
        "BUURTCODE_CBS_2022",
        "BUURTNAAM_2022",
        "WIJKCODE_2022",
        "WIJKNAAM_2022",
        "geometrie",
    ]
    records = _read_plain_csv(path, required)
    try:
        geometries = wkt_series_to_geojson([r["geometrie"] for r in records])
    except GeometryError as exc:
        raise ImportError_(f"'{path.name}', kolom geometrie: {exc}") from exc
    rows: list[_AreaRow] = []
    pairs: list[tuple[str, str]] = []
    for line, (record, geometry) in enumerate(zip(records, geometries, strict=True), start=2):
        try:
            new = buurt_code(record["BUURTCODE_CBS_2022"])
            old = buurt_code(record["BUURTCODE_CBS_2015"])
        except InvalidCodeError as exc:
            raise ImportError_(f"'{path.name}', regel {line}: {exc}") from exc
        wijk = "WK0363" + record["WIJKCODE_2022"].strip().upper()
        rows.append(
            _AreaRow(
                code=wijk,
                level=AreaLevel.WIJK,
                name=record["WIJKNAAM_2022"],
                year=2022,
                gemeente_code="GM0363",
            )
        )
        rows.append(
            _AreaRow(
                code=new,
                level=AreaLevel.BUURT,
                name=record["BUURTNAAM_2022"],
                year=2022,
                gemeente_code="GM0363",
                wijk_code=wijk,
                geometry=geometry,
            )
        )
        pairs.append((old, new))
    successors: dict[str, set[str]] = {}
    predecessors: dict[str, set[str]] = {}
    for old, new in pairs:
        successors.setdefault(old, set()).add(new)
        predecessors.setdefault(new, set()).add(old)
    # A 2022 wijk is the union of its buurten (the register has no wijk polygons of its own).
    wijk_shapes: dict[str, list] = {}
    for row in rows:
        if row.level == AreaLevel.BUURT and row.geometry is not None:
            wijk_shapes.setdefault(row.wijk_code, []).append(shapely.geometry.shape(row.geometry))
    for row in rows:
        if row.level == AreaLevel.WIJK and row.code in wijk_shapes:
            union = shapely.make_valid(shapely.unary_union(wijk_shapes[row.code]))
            row.geometry = json.loads(shapely.to_geojson(shapely.set_precision(union, 1e-6)))
    one_to_one = {
        old for old, news in successors.items() if len(news) == 1 and len(predecessors[next(iter(news))]) == 1
    }
    geometry_of_new = {row.code: row.geometry for row in rows if row.level == AreaLevel.BUURT}
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            source=path.name, sha256=sha, kind="crosswalk", rows=len(records), actor=actor
        )
        _areas_upsert(rows, progress)
        old_rows = [
            _AreaRow(
                code=old,
                level=AreaLevel.BUURT,
                name=record["BUURTNAAM_2015"],
                year=None,
                gemeente_code="GM0363",
                geometry=geometry_of_new[buurt_code(record["BUURTCODE_CBS_2022"])],
            )
            for record in records
            if (old := buurt_code(record["BUURTCODE_CBS_2015"])) in one_to_one
        ]
        existing_old = set(
            Area.objects.filter(code__in=[r.code for r in old_rows]).values_list("code", flat=True)
        )
        _areas_upsert([r for r in old_rows if r.code in existing_old], progress)
        AreaCrosswalk.objects.bulk_create(
            [
                AreaCrosswalk(old_code=o, old_year=2021, new_code=n, new_year=2022, source=path.name)
                for o, n in pairs
            ],
            ignore_conflicts=True,
        )
    return batch


def cbs_wkt_csv_import(*, path: str | Path, actor=None, progress: Progress = _noop) -> ImportBatch:
    """A Wijk- en buurtkaart attribute table with a WKT ``geometry`` column (WGS84): values and polygons."""
    path = Path(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    code_column = next((c for c in ("BU_CODE", "WK_CODE", "GM_CODE") if c in frame.columns), None)
    if code_column is None or "geometry" not in frame.columns:
        raise ImportError_(f"'{path.name}', regel 1: kolommen BU_CODE/WK_CODE en geometry zijn nodig.")
    try:
        geometries = wkt_series_to_geojson(frame["geometry"].tolist(), srid=4326)
        codes = [area_code(c) for c in frame[code_column]]
    except (GeometryError, InvalidCodeError) as exc:
        raise ImportError_(f"'{path.name}', kolom {code_column}/geometry: {exc}") from exc
    with transaction.atomic():
        batch = cbs_csv_import(path=path, actor=actor, progress=progress)
        areas = {a.code: a for a in Area.objects.filter(code__in=codes)}
        for code, geometry in zip(codes, geometries, strict=True):
            if code in areas:
                areas[code].geometry = geometry
        Area.objects.bulk_update(list(areas.values()), ["geometry"], batch_size=BATCH_SIZE)
    return batch


def bbga_import(*, directory: str | Path, actor=None, progress: Progress = _noop) -> ImportBatch:
    """Amsterdam's Basisbestand Gebieden (late-2018 snapshot): gebieden, stadsdelen and registered series.

    Gebieden hang under their stadsdeel, stadsdelen under the gemeente (GM0363); none has a polygon (the
    files hold none). Registered variables listed in :mod:`.sources.bbga` become indicator values
    (``source`` = ``BBGA <variable>``); catalogue entries for the ``bbga_`` ids are created when missing.
    The perceived (survey) series are read by the monitoring domain. All or nothing; the same files
    imported twice change nothing.
    """
    directory = Path(directory)
    raw = b"".join((directory / name).read_bytes() for name in (bbga.AREAS_FILE, bbga.REGISTERED_FILE))
    sha = _sha256(raw)
    if (batch := _existing_batch(sha, "bbga")) is not None:
        return batch
    try:
        areas = bbga.read_areas(directory)
        tidy = bbga.read_series(directory, "registered")
    except bbga.BbgaError as exc:
        raise ImportError_(str(exc)) from exc
    rows = [
        _AreaRow(
            code=record.code,
            level=record.level,
            name=record.name,
            year=None,
            gemeente_code=bbga.GEMEENTE,
            wijk_code=record.parent if record.level == AreaLevel.GEBIED else "",
        )
        for record in areas.itertuples(index=False)
    ]
    with transaction.atomic():
        indicators = indicators_sync()
        missing = [v for v in bbga.REGISTERED if v.id not in indicators]
        Indicator.objects.bulk_create(
            [
                Indicator(
                    key=v.id,
                    label=v.label,
                    unit=v.unit,
                    theme=v.theme,
                    direction=v.direction,
                    sources=[{"column": f"BBGA {v.variable}", "tables": ["BBGA 2018"]}],
                    note=bbga.SOURCE,
                )
                for v in missing
            ]
        )
        indicators = {indicator.key: indicator for indicator in Indicator.objects.all()}
        batch = ImportBatch.objects.create(
            source=directory.name, sha256=sha, kind="bbga", rows=len(tidy), actor=actor
        )
        area_ids = _areas_upsert(rows, progress)
        batch.values = _values_upsert(tidy, area_ids, indicators, batch, progress)
        batch.save(update_fields=["values"])
    log.info("bbga_imported", areas=len(rows), values=batch.values)
    return batch


#: Set by the cases app, which owns the addresses: called with ``[code]`` after a custom area with a
#: boundary was saved, in the same transaction (it stores the addresses inside the boundary).
after_custom_area_saved: list[Callable[[list[str]], Any]] = []
#: Set by the cases app: ``code -> (the area's addresses per buurt, all addresses of those buurten)``,
#: ``None`` when the area holds no addresses (its figures are then apportioned by surface).
custom_area_counts_provider: Callable[[str], Any] | None = None
#: Set by the cases app: ``buurt codes -> addresses per buurt``.
buurt_totals_provider: Callable[[list[str]], dict[str, int]] | None = None


def overlapped_buurten(shape: dict) -> list:
    """The current buurten (not an old code continued or replaced under a new one) that a boundary
    overlaps by more than a sliver, with the overlapping surface (:class:`~smaakmaker.areas.apportion.Overlap`)."""
    from smaakmaker.areas.apportion import overlaps_by_area
    from smaakmaker.areas.pointinpolygon import polygon_from_geojson, polygon_from_geojson_text

    polygon = polygon_from_geojson(shape)
    old = set(AreaCrosswalk.objects.values_list("old_code", flat=True))
    rows = (
        Area.objects.filter(level=AreaLevel.BUURT, geometry__isnull=False)
        .annotate(text=Cast("geometry", output_field=TextField()))
        .values_list("code", "text")
    )
    shapes = {}
    for code, text in rows.iterator(chunk_size=500):
        if code in old:
            continue
        candidate = polygon_from_geojson_text(text)
        if shapely.intersects(candidate, polygon) or not shapely.is_valid(candidate):
            shapes[code] = candidate if shapely.is_valid(candidate) else shapely.make_valid(candidate)
    return overlaps_by_area(polygon, shapes)


@transaction.atomic
def custom_area_create(
    *,
    name: str,
    kind: str,
    geometry: Any = None,
    buurt_codes: Iterable[str] = (),
    code: str | None = None,
    actor=None,
    origin=None,
) -> Area:
    """A holiday park, business park or other area: a boundary (a Polygon or MultiPolygon in GeoJSON,
    RD New or WGS84, validated by :func:`~smaakmaker.areas.sources.geometry.area_polygon`) or a set
    of whole buurten. With a boundary, its addresses are those whose point lies inside it (stored by
    the address register, now and after every later address import); its figures are apportioned
    from the buurten it overlaps (:mod:`smaakmaker.areas.apportion`, ADR 0020)."""
    from smaakmaker.access.audit import audit_record
    from smaakmaker.areas.sources.geometry import area_polygon

    if actor is not None and not actor.has_perm("areas.add_area"):
        raise PermissionDenied("Uw rol mag geen eigen gebieden maken.")
    if kind not in CustomKind.values:
        raise ValueError(f"onbekende soort gebied: {kind}")
    codes = [buurt_code(c) for c in buurt_codes]
    if geometry is None and not codes:
        raise ValueError("geef een polygoon of een of meer buurtcodes op")
    members = list(Area.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {m.code for m in members})
    if unknown:
        raise ValueError(f"onbekende buurtcode(s): {', '.join(unknown)}")
    shape = area_polygon(geometry) if geometry is not None else None
    if code is None:
        taken = set(Area.objects.filter(code__startswith="EG").values_list("code", flat=True))
        number = len(taken) + 1
        while f"EG{number:04d}" in taken:
            number += 1
        code = f"EG{number:04d}"
    if shape is not None and not members:
        # A drawn area hangs on the buurten it overlaps: its figures are apportioned from them.
        overlaps = overlapped_buurten(shape)
        members = list(Area.objects.filter(code__in=[o.code for o in overlaps]))
        biggest = max(overlaps, key=lambda o: o.inside).code if overlaps else ""
        gemeente = next((m.gemeente_code for m in members if m.code == biggest), "")
    else:
        gemeente = members[0].gemeente_code if members else ""
    area = Area.objects.create(
        code=code,
        level=AreaLevel.CUSTOM,
        name=name,
        custom_kind=kind,
        geometry=shape,
        gemeente_code=gemeente,
    )
    area.members.set(members)
    if shape is not None:
        for hook in after_custom_area_saved:
            hook([area.code])
    if actor is not None:
        audit_record(
            actor=actor,
            action="areas.custom_area_create",
            obj=area,
            reason=f"{area.code}: {'getekende of ingelezen rand' if shape else f'{len(members)} buurten'}"[
                :500
            ],
            origin=origin,
        )
    return area


# --- boundaries of every year: the CBS Wijk- en buurtkaart ------------------------------------------

#: Set by the cases app, which owns the addresses (areas imports no other domain):
#: ``(level, old year, new year) -> CountAddresses`` counting the current addresses per area of
#: either year and per pair, from its stored assignments; ``None`` when it holds no addresses.
address_counts_provider: Callable[[str, int, int], Any] | None = None
#: Called after boundaries of a year were imported, inside the same transaction, with that year
#: (the cases app assigns its addresses to the new year's buurten); returns report lines.
after_boundaries_import: list[Callable[[int], list[str]]] = []


@dataclass
class BoundaryImportResult:
    batch: ImportBatch
    year: int
    counts: dict[str, int]
    links: list[AreaCrosswalk]
    already: bool = False
    notes: list[str] = None  # type: ignore[assignment]

    def lines(self) -> list[str]:
        if self.already:
            return [f"{self.batch.source}: dit bestand is al eerder ingelezen; er is niets gewijzigd."]
        return list(self.notes or [])


def _require_areas(actor) -> None:
    from smaakmaker.access.policies import IMPORT_AREAS

    if actor is not None and not actor.has_perms(IMPORT_AREAS):
        raise PermissionDenied("Uw rol mag geen gebieden inlezen.")


def _file_sha(path: Path, extra: str) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    digest.update(extra.encode())
    return digest.hexdigest()


def _loaded_shapes(level: str, year: int, box) -> dict[str, Any]:
    """Shapes of the areas of ``level`` loaded for ``year`` whose stored shape lies in ``box``."""
    from smaakmaker.areas.pointinpolygon import polygon_from_geojson_text

    rows = (
        Area.objects.filter(
            level=level,
            geometry__isnull=False,
            classification_year__lte=year,
            last_year__gte=year,
        )
        .annotate(text=Cast("geometry", output_field=TextField()))
        .values_list("code", "text")
    )
    shapes: dict[str, Any] = {}
    for code, text in rows.iterator(chunk_size=500):
        shapes[code] = polygon_from_geojson_text(text)
    for code, first, last, shape in selectors.earlier_shapes(level=level):
        if code in shapes and first <= year <= last:
            shapes[code] = shape
    for code, shape in list(shapes.items()):
        if not shapely.is_valid(shape):
            shape = shapes[code] = shapely.make_valid(shape)
        if not shapely.intersects(shape, box):
            del shapes[code]
    return shapes


#: a kept code's shape counts as redrawn when the two shapes differ by more than this part of its area
REDRAWN = 0.001


def _earlier_shapes(boundaries, year: int) -> list[AreaShape]:
    """For the codes this year keeps, the shapes to keep as an :class:`AreaShape` because they differ:
    the current shape, for the years it stood for, when this year is newer; this year's shape when it
    is older (or in between)."""
    from smaakmaker.areas.pointinpolygon import polygon_from_geojson

    by_code = {b.code: b for b in boundaries.boundaries}
    areas = list(
        Area.objects.filter(code__in=list(by_code), geometry__isnull=False).exclude(classification_year=None)
    )
    if not areas:
        return []
    current = np.asarray([polygon_from_geojson(a.geometry) for a in areas], dtype=object)
    coming = np.asarray([by_code[a.code].geometry for a in areas], dtype=object)
    same = shapely.equals_exact(current, coming, tolerance=1e-7)
    changed = np.zeros(len(areas), dtype=bool)
    rest = np.flatnonzero(~same)
    if len(rest):
        valid = shapely.make_valid(current[rest])
        difference = shapely.area(shapely.symmetric_difference(valid, coming[rest]))
        scale = np.maximum(shapely.area(valid), shapely.area(coming[rest]))
        changed[rest] = difference > REDRAWN * scale
    covered_until = dict(
        AreaShape.objects.filter(area__in=[a for a, c in zip(areas, changed, strict=True) if c])
        .values("area__code")
        .annotate(last=models.Max("last_year"))
        .values_list("area__code", "last")
    )
    shapes = []
    for area, is_changed in zip(areas, changed, strict=True):
        if not is_changed:
            continue
        if year == area.last_year:
            continue  # a new edition of the latest year: its shape simply replaces the current one
        if year > area.last_year:
            first = max(area.classification_year, covered_until.get(area.code, 0) + 1)
            shapes.append(
                AreaShape(area=area, first_year=first, last_year=area.last_year, geometry=area.geometry)
            )
        else:
            shape = json.loads(shapely.to_geojson(by_code[area.code].geometry))
            shapes.append(AreaShape(area=area, first_year=year, last_year=year, geometry=shape))
    return shapes


def _neighbour_years(level: str, year: int) -> tuple[int | None, int | None]:
    """The nearest loaded classification years of ``level`` before and after ``year``."""
    spans = Area.objects.filter(level=level, geometry__isnull=False).exclude(classification_year=None)
    years = set()
    for first, last in spans.values_list("classification_year", "last_year").distinct():
        years.update(y for y in (first, last) if y)
    before = max((y for y in years if y < year), default=None)
    after = min((y for y in years if y > year), default=None)
    return before, after


@dataclass
class _Comparison:
    level: str
    old_year: int
    new_year: int
    old: dict[str, Any]
    new: dict[str, Any]


def _comparisons(boundaries, year: int) -> list[_Comparison]:
    """This year's shapes beside those of the nearest loaded years, per level; read before the
    import writes (a code kept across years then still has the other year's shape)."""
    found = []
    for level in ("gemeente", "wijk", "buurt"):
        new = {b.code: b.geometry for b in boundaries.of_level(level)}
        if not new:
            continue
        box = shapely.box(*shapely.total_bounds(list(new.values())))
        before, after = _neighbour_years(level, year)
        if before is not None:
            found.append(_Comparison(level, before, year, _loaded_shapes(level, before, box), new))
        if after is not None:
            found.append(_Comparison(level, year, after, new, _loaded_shapes(level, after, box)))
    return found


def _derive_links(
    comparisons: list[_Comparison], source: str, progress: Progress
) -> tuple[list[AreaCrosswalk], list[str]]:
    """Crosswalk links between the years compared, weighed by addresses where they are loaded."""
    from smaakmaker.areas import overlap

    links: list[AreaCrosswalk] = []
    notes: list[str] = []
    for item in comparisons:
        counts = None
        if address_counts_provider is not None:
            counts = address_counts_provider(item.level, item.old_year, item.new_year)
        found = overlap.derive_links(item.old, item.new, addresses=counts)
        progress(f"Codeovergangen {item.level} {item.old_year}→{item.new_year}", len(found), len(found))
        links.extend(
            AreaCrosswalk(
                old_code=link.old_code,
                old_year=item.old_year,
                new_code=link.new_code,
                new_year=item.new_year,
                source=f"geometrie {item.old_year}→{item.new_year} ({source})"[:200],
                share_of_old=link.share_of_old,
                share_of_new=link.share_of_new,
                basis=link.basis,
            )
            for link in found
        )
        if found:
            by_address = sum(1 for link in found if link.basis == overlap.BY_ADDRESSES)
            notes.append(
                f"Codeovergangen {item.level} {item.old_year}→{item.new_year}: {len(found)} koppelingen "
                f"({by_address} gewogen naar adressen, {len(found) - by_address} naar oppervlakte)."
            )
    return links, notes


def boundaries_import(
    *,
    path: str | Path,
    year: int | None = None,
    gemeenten: Iterable[str] = (),
    actor=None,
    origin=None,
    progress: Progress = _noop,
) -> BoundaryImportResult:
    """Import the CBS Wijk- en buurtkaart of one year (GeoPackage or GeoJSON), all or nothing.

    Gemeenten, wijken and buurten with their names, parents and shapes; a code's shape and name are
    those of the latest year loaded. Codes that are gone or new compared with the nearest loaded years
    are linked through :class:`AreaCrosswalk` from the overlap of the shapes, weighed by the addresses
    in each overlap where addresses are loaded (:data:`address_counts_provider`: the addresses' stored buurt of either year), else by area.
    The same file (with the same gemeente filter) twice changes nothing.
    """
    from smaakmaker.access.audit import audit_record
    from smaakmaker.areas.sources.wijkbuurtkaart import WijkBuurtkaartError, read_boundaries

    _require_areas(actor)
    path = Path(path)
    if not path.exists():
        raise ImportError_(f"'{path}' bestaat niet.")
    wanted = sorted({"GM" + g.upper().removeprefix("GM").zfill(4) for g in gemeenten})
    sha = _file_sha(path, f"{year}|{','.join(wanted)}")
    if (batch := _existing_batch(sha, "grenzen")) is not None:
        return BoundaryImportResult(batch, year or 0, {}, [], already=True)
    try:
        boundaries = read_boundaries(path, year=year, gemeenten=wanted, progress=progress)
    except WijkBuurtkaartError as exc:
        raise ImportError_(str(exc)) from exc
    if not boundaries.boundaries:
        raise ImportError_(
            f"'{path.name}': geen gebieden"
            + (f" van {', '.join(wanted)}" if wanted else "")
            + " in het bestand."
        )
    year = boundaries.year
    notes = list(boundaries.notes)
    with transaction.atomic():
        comparisons = _comparisons(boundaries, year)
        codes = [b.code for b in boundaries.boundaries]
        newer = set(Area.objects.filter(code__in=codes, last_year__gt=year).values_list("code", flat=True))
        rows = [
            _AreaRow(
                code=b.code,
                level=b.level,
                # The name and shape of the latest year win; an older year only widens the span.
                name="" if b.code in newer else b.name,
                year=year,
                gemeente_code=b.gemeente_code,
                wijk_code=b.wijk_code,
                geometry=None if b.code in newer else json.loads(shapely.to_geojson(b.geometry)),
            )
            for b in boundaries.boundaries
        ]
        shapes = _earlier_shapes(boundaries, year)
        AreaShape.objects.bulk_create(
            shapes,
            update_conflicts=True,
            unique_fields=["area", "first_year"],
            update_fields=["last_year", "geometry"],
        )
        if shapes:
            notes.append(
                f"Gebieden met dezelfde code maar een andere vorm dan in een ander jaar: {len(shapes)}."
            )
        _areas_upsert(rows, progress)
        for hook in after_boundaries_import:
            notes.extend(hook(year))
        # After the hooks: the addresses now also have this year's buurt, the weights of the links.
        links, link_notes = _derive_links(comparisons, boundaries.source, progress)
        notes.extend(link_notes)
        if links:
            AreaCrosswalk.objects.bulk_create(
                links,
                update_conflicts=True,
                unique_fields=["old_code", "new_code"],
                update_fields=["old_year", "new_year", "source", "share_of_old", "share_of_new", "basis"],
            )
        batch = ImportBatch.objects.create(
            source=path.name[:300],
            sha256=sha,
            kind="grenzen",
            rows=len(rows),
            values=len(links),
            notes=notes,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            actor=actor,
            action="areas.boundaries_import",
            obj=batch,
            reason=f"{path.name}: grenzen {year}, {len(rows)} gebieden, {len(links)} codeovergangen"[:500],
            origin=origin,
        )
    log.info("boundaries_imported", source=path.name, year=year, areas=len(rows), links=len(links))
    return BoundaryImportResult(batch, year, boundaries.counts(), links, notes=notes)


# --- the first run: the own gemeente and its files, uploaded in the web -------------------------------


def home_gemeente_set(*, actor, name: str, code: str, origin=None) -> HomeGemeente:
    """Name the gemeente this installation serves (its CBS code filters the uploads), audited."""
    from smaakmaker.access.audit import audit_record

    _require_areas(actor)
    if actor is not None and not actor.has_perm("areas.add_homegemeente"):
        raise PermissionDenied("Uw rol mag de gemeente van deze installatie niet instellen.")
    code = area_code(code)
    if not code.startswith("GM"):
        raise ImportError_("Een gemeentecode ziet eruit als GM0014.")
    with transaction.atomic():
        home = HomeGemeente.objects.order_by("created").first() or HomeGemeente()
        home.code, home.name = code, name.strip()
        home.named_by = actor if getattr(actor, "is_authenticated", False) else None
        home.save()
        HomeGemeente.objects.exclude(pk=home.pk).delete()
        audit_record(
            actor=actor,
            action="areas.home_gemeente",
            obj=home,
            reason=f"{home.name} ({home.code})",
            origin=origin,
        )
    return home


@dataclass
class FiguresImportResult:
    batch: ImportBatch
    already: bool
    years: list[int]
    #: areas of the own gemeente (and the gemeente itself) with at least one value from this file
    own_areas: int

    def lines(self) -> list[str]:
        if self.already:
            return [f"{self.batch.source}: dit bestand is al eerder ingelezen; er is niets gewijzigd."]
        years = ", ".join(str(y) for y in self.years) or "geen"
        return [
            f"{self.batch.source}: {self.batch.rows} rijen, {self.batch.values} indicatorwaarden "
            f"(jaar {years}); {self.own_areas} gebieden van de eigen gemeente kregen cijfers."
        ]


def _figures_result(batch: ImportBatch, *, already: bool, gemeente: str, actor, origin, action: str):
    from smaakmaker.access.audit import audit_record

    values = IndicatorValue.objects.filter(batch=batch)
    years = sorted(set(values.values_list("year", flat=True)))
    own = values.filter(Q(area__gemeente_code=gemeente) | Q(area__code=gemeente)) if gemeente else values
    result = FiguresImportResult(batch, already, years, own.values("area").distinct().count())
    audit_record(actor=actor, action=action, obj=batch, reason=result.lines()[0][:500], origin=origin)
    return result


def figures_import(
    *,
    path: str | Path,
    year: int | None = None,
    gemeente: str = "",
    actor,
    origin=None,
    progress: Progress = _noop,
) -> FiguresImportResult:
    """A Kerncijfers wijken en buurten file (CBS StatLine CSV, any dialect), uploaded by the beheerder:
    all or nothing, audited; the same file twice changes nothing."""
    from smaakmaker.areas.sources.cbs_csv import CbsCsvError

    _require_areas(actor)
    path = Path(path)
    sha = _sha256(path.read_bytes())
    with transaction.atomic():
        existing = _existing_batch(sha, "cbs_csv")
        batch = existing
        if existing is None:
            try:
                table = read_cbs_csv(path, year=year)
            except CbsCsvError as exc:
                raise ImportError_(str(exc)) from exc
            if table.indicators().empty:
                raise ImportError_(
                    f"'{path.name}': geen kolom met Kerncijfers herkend (kolommen: "
                    f"{', '.join(map(str, [*table.values.columns, *table.dropped_columns])) or 'geen'}); "
                    "er is niets ingelezen."
                )
            batch = _table_import(
                table=table, source=path.name, sha=sha, kind="cbs_csv", actor=actor, progress=progress
            )
        return _figures_result(
            batch,
            already=existing is not None,
            gemeente=gemeente,
            actor=actor,
            origin=origin,
            action="areas.figures_import",
        )


def figures_load_odata(
    *, table_id: str, gemeente: str, actor, origin=None, session=None, progress: Progress = _noop
) -> FiguresImportResult:
    """The same from the CBS open-data API (needs internet), for the own gemeente only."""
    from smaakmaker.areas.sources.cbs_odata import CbsApiError

    _require_areas(actor)
    try:
        table, text = fetch_kwb_table(
            table_id,
            gemeente=gemeente or None,
            session=session,
            progress=lambda n: progress("CBS-API: rijen", n, 0),
        )
    except CbsApiError as exc:
        raise ImportError_(str(exc)) from exc
    sha = _sha256(text.encode())
    with transaction.atomic():
        existing = _existing_batch(sha, "cbs_odata")
        source = f"CBS OData {table_id}" + (f" ({gemeente})" if gemeente else "")
        batch = existing or _table_import(
            table=table, source=source, sha=sha, kind="cbs_odata", actor=actor, progress=progress
        )
        return _figures_result(
            batch,
            already=existing is not None,
            gemeente=gemeente,
            actor=actor,
            origin=origin,
            action="areas.figures_import",
        )
