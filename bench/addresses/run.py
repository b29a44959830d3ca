# SPDX-License-Identifier: EUPL-1.2
"""Benchmark of the BAG address import on SQLite and PostgreSQL.

1. ``build``: a national set of buurt polygons (the real 2022 gemeente boundaries of data/cbs/nl,
   each cut into Voronoi buurten, about 14,000 in all, edges densified to a vertex every 25 m) and an
   LVBAG 2.0 extract of N verblijfsobjecten in Kadaster's structure: ``BAGNLDL-01012025.zip`` holding
   ``9999WPL/OPR/NUM/VBO/LIG/STA01012025.zip`` (each with parts ``9999VBO01012025-000001.xml`` … of
   10,000 voorkomens, compact like Kadaster's files), ``GEM-WPL-RELATIE-01012025.zip`` and the
   Leveringsdocument; 20 % of nummeraanduidingen and verblijfsobjecten with an earlier voorkomen.
   And a mutation extract ``BAGNLDL-01022025.zip`` changing 1 % of the addresses: 40 % a new postcode
   (a new voorkomen), 15 % withdrawn by status (a new voorkomen "Verblijfsobject ingetrokken"),
   15 % gone from the extract, 30 % new verblijfsobjecten.
2. ``bench``: per database: migrate, load the buurten, import the extract (in a child process: peak
   memory is its maximum resident set), import it again, import the mutation extract, check that
   exactly the mutated addresses changed, and the naive baseline (per-address polygon test over all
   buurten, per-address ORM save) on a sample, extrapolated.

    .venv/bin/python bench/addresses/run.py build --n 1000000 --out /tmp/bench-addresses
    .venv/bin/python bench/addresses/run.py bench --db sqlite --dir /tmp/bench-addresses
    .venv/bin/python bench/addresses/run.py bench --db postgres --dir /tmp/bench-addresses

Not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
SMAAKMAKER = str(ROOT / ".venv" / "bin" / "smaakmaker")
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = os.environ.get("BENCH_PG_DB", "smaakmaker_bench_addresses")
STAND = "2025-01-01"
MUTATION_STAND = "2025-02-01"
YEAR = 2024
PART = 10_000

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<sl-bag-extract:bagStand xmlns:DatatypenNEN3610="www.kadaster.nl/schemas/lvbag/imbag/datatypennen3610/v20200601" '
    'xmlns:Objecten="www.kadaster.nl/schemas/lvbag/imbag/objecten/v20200601" xmlns:gml="http://www.opengis.net/gml/3.2" '
    'xmlns:Historie="www.kadaster.nl/schemas/lvbag/imbag/historie/v20200601" '
    'xmlns:Objecten-ref="www.kadaster.nl/schemas/lvbag/imbag/objecten-ref/v20200601" '
    'xmlns:nen5825="www.kadaster.nl/schemas/lvbag/imbag/nen5825/v20200601" '
    'xmlns:KenmerkInOnderzoek="www.kadaster.nl/schemas/lvbag/imbag/kenmerkinonderzoek/v20200601" '
    'xmlns:selecties-extract="http://www.kadaster.nl/schemas/lvbag/extract-selecties/v20200601" '
    'xmlns:sl-bag-extract="http://www.kadaster.nl/schemas/lvbag/extract-deelbestand-lvc/v20200601" '
    'xmlns:sl="http://www.kadaster.nl/schemas/standlevering-generiek/1.0" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
    'xsi:schemaLocation="http://www.kadaster.nl/schemas/lvbag/extract-deelbestand-lvc/v20200601 '
    'http://www.kadaster.nl/schemas/bag-verstrekkingen/extract-deelbestand-lvc/v20200601/BagvsExtractDeelbestandExtractLvc-2.1.0.xsd">\n'
    "  <sl-bag-extract:bagInfo>\n    <selecties-extract:Gebied-Registratief>\n"
    "      <selecties-extract:Gebied-NLD/>\n    </selecties-extract:Gebied-Registratief>\n"
    "    <selecties-extract:LVC-Extract>\n"
    "      <selecties-extract:StandTechnischeDatum>{stand}</selecties-extract:StandTechnischeDatum>\n"
    "    </selecties-extract:LVC-Extract>\n  </sl-bag-extract:bagInfo>\n  <sl:standBestand>\n"
    "    <sl:dataset>LVBAG</sl:dataset>\n    <sl:inhoud>\n      <sl:gebied>Nederland</sl:gebied>\n"
    "      <sl:leveringsId>0000000001</sl:leveringsId>\n      <sl:objectTypen>\n"
    "        <sl:objectType>{kind}</sl:objectType>\n      </sl:objectTypen>\n    </sl:inhoud>"
)
FOOTER = "\n  </sl:standBestand>\n</sl-bag-extract:bagStand>\n"


def _vk(number: int, begin: str, end: str | None) -> str:
    ended = f"<Historie:eindGeldigheid>{end}</Historie:eindGeldigheid>" if end else ""
    registered = f"<Historie:tijdstipRegistratie>{begin}T10:00:00.000</Historie:tijdstipRegistratie>"
    end_registered = f"<Historie:eindRegistratie>{end}T10:00:00.000</Historie:eindRegistratie>" if end else ""
    lv_end = (
        f"<Historie:tijdstipEindRegistratieLV>{end}T10:05:00.000</Historie:tijdstipEindRegistratieLV>"
        if end
        else ""
    )
    return (
        "<Objecten:voorkomen><Historie:Voorkomen>"
        f"<Historie:voorkomenidentificatie>{number}</Historie:voorkomenidentificatie>"
        f"<Historie:beginGeldigheid>{begin}</Historie:beginGeldigheid>{ended}{registered}{end_registered}"
        f"<Historie:BeschikbaarLV><Historie:tijdstipRegistratieLV>{begin}T10:05:00.000</Historie:tijdstipRegistratieLV>"
        f"{lv_end}</Historie:BeschikbaarLV></Historie:Voorkomen></Objecten:voorkomen>"
    )


def _stand(body: str) -> str:
    return f"<sl:stand><sl-bag-extract:bagObject>{body}</sl-bag-extract:bagObject></sl:stand>"


def num_xml(nid, number, letter, addition, postcode, opr, status, vk) -> str:
    parts = [
        f'<Objecten:Nummeraanduiding><Objecten:identificatie domein="NL.IMBAG.Nummeraanduiding">{nid}</Objecten:identificatie>',
        f"<Objecten:huisnummer>{number}</Objecten:huisnummer>",
    ]
    if letter:
        parts.append(f"<Objecten:huisletter>{letter}</Objecten:huisletter>")
    if addition:
        parts.append(f"<Objecten:huisnummertoevoeging>{addition}</Objecten:huisnummertoevoeging>")
    parts.append(
        f"<Objecten:postcode>{postcode}</Objecten:postcode>"
        "<Objecten:typeAdresseerbaarObject>Verblijfsobject</Objecten:typeAdresseerbaarObject>"
        f"<Objecten:status>{status}</Objecten:status><Objecten:geconstateerd>N</Objecten:geconstateerd>"
        "<Objecten:documentdatum>2009-01-20</Objecten:documentdatum><Objecten:documentnummer>BAG/NUM2009</Objecten:documentnummer>"
        f'{vk}<Objecten:ligtAan><Objecten-ref:OpenbareRuimteRef domein="NL.IMBAG.Openbareruimte">{opr}</Objecten-ref:OpenbareRuimteRef>'
        "</Objecten:ligtAan></Objecten:Nummeraanduiding>"
    )
    return _stand("".join(parts))


def vbo_xml(vid, nid, x, y, uses, status, vk) -> str:
    doelen = "".join(f"<Objecten:gebruiksdoel>{u}</Objecten:gebruiksdoel>" for u in uses)
    return _stand(
        "<Objecten:Verblijfsobject><Objecten:heeftAlsHoofdadres>"
        f'<Objecten-ref:NummeraanduidingRef domein="NL.IMBAG.Nummeraanduiding">{nid}</Objecten-ref:NummeraanduidingRef>'
        f'</Objecten:heeftAlsHoofdadres>{vk}<Objecten:identificatie domein="NL.IMBAG.Verblijfsobject">{vid}</Objecten:identificatie>'
        '<Objecten:geometrie><Objecten:punt><gml:Point srsName="urn:ogc:def:crs:EPSG::28992" srsDimension="3">'
        f"<gml:pos>{x:.3f} {y:.3f} 0.0</gml:pos></gml:Point></Objecten:punt></Objecten:geometrie>{doelen}"
        f"<Objecten:oppervlakte>84</Objecten:oppervlakte><Objecten:status>{status}</Objecten:status>"
        "<Objecten:geconstateerd>N</Objecten:geconstateerd><Objecten:documentdatum>2011-03-08</Objecten:documentdatum>"
        "<Objecten:documentnummer>BAG/VBO2011</Objecten:documentnummer><Objecten:maaktDeelUitVan>"
        f'<Objecten-ref:PandRef domein="NL.IMBAG.Pand">{vid[:4]}10{vid[6:]}</Objecten-ref:PandRef>'
        "</Objecten:maaktDeelUitVan></Objecten:Verblijfsobject>"
    )


def place_xml(kind, element, pid, nid, x, y, vk) -> str:
    ring = f"{x - 5:.3f} {y - 3:.3f} {x + 5:.3f} {y - 3:.3f} {x + 5:.3f} {y + 3:.3f} {x - 5:.3f} {y + 3:.3f} {x - 5:.3f} {y - 3:.3f}"
    return _stand(
        f"<Objecten:{element}><Objecten:heeftAlsHoofdadres>"
        f'<Objecten-ref:NummeraanduidingRef domein="NL.IMBAG.Nummeraanduiding">{nid}</Objecten-ref:NummeraanduidingRef>'
        f'</Objecten:heeftAlsHoofdadres>{vk}<Objecten:identificatie domein="NL.IMBAG.{element}">{pid}</Objecten:identificatie>'
        "<Objecten:status>Plaats aangewezen</Objecten:status><Objecten:geometrie>"
        '<gml:Polygon srsName="urn:ogc:def:crs:EPSG::28992" srsDimension="2"><gml:exterior><gml:LinearRing>'
        f'<gml:posList count="5">{ring}</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></Objecten:geometrie>'
        "<Objecten:geconstateerd>N</Objecten:geconstateerd><Objecten:documentdatum>2010-01-26</Objecten:documentdatum>"
        f"<Objecten:documentnummer>BRA/{kind}2010</Objecten:documentnummer></Objecten:{element}>"
    )


def opr_xml(oid, name, wpl) -> str:
    return _stand(
        f'<Objecten:OpenbareRuimte><Objecten:identificatie domein="NL.IMBAG.Openbareruimte">{oid}</Objecten:identificatie>'
        f"<Objecten:naam>{name}</Objecten:naam><Objecten:type>Weg</Objecten:type>"
        "<Objecten:status>Naamgeving uitgegeven</Objecten:status><Objecten:geconstateerd>N</Objecten:geconstateerd>"
        "<Objecten:documentdatum>2009-01-20</Objecten:documentdatum><Objecten:documentnummer>BAG/OBR2009</Objecten:documentnummer>"
        f'<Objecten:ligtIn><Objecten-ref:WoonplaatsRef domein="NL.IMBAG.Woonplaats">{wpl}</Objecten-ref:WoonplaatsRef></Objecten:ligtIn>'
        f"{_vk(1, '2009-01-20', None)}</Objecten:OpenbareRuimte>"
    )


def wpl_xml(wid, name, ring) -> str:
    return _stand(
        f'<Objecten:Woonplaats><Objecten:identificatie domein="NL.IMBAG.Woonplaats">{wid}</Objecten:identificatie>'
        f'<Objecten:naam>{name}</Objecten:naam><Objecten:geometrie><Objecten:vlak><gml:Polygon srsName="urn:ogc:def:crs:EPSG::28992" srsDimension="2">'
        f'<gml:exterior><gml:LinearRing><gml:posList count="{len(ring) // 2}">{" ".join(f"{v:.3f}" for v in ring)}</gml:posList>'
        "</gml:LinearRing></gml:exterior></gml:Polygon></Objecten:vlak></Objecten:geometrie>"
        "<Objecten:status>Woonplaats aangewezen</Objecten:status><Objecten:geconstateerd>N</Objecten:geconstateerd>"
        "<Objecten:documentdatum>2009-01-20</Objecten:documentdatum><Objecten:documentnummer>BRA/WPL2009</Objecten:documentnummer>"
        f"{_vk(1, '2009-01-20', None)}</Objecten:Woonplaats>"
    )


def gwr_xml(pairs, stand) -> str:
    records = "".join(
        "<gwr-product:GemeenteWoonplaatsRelatie><gwr-product:tijdvakgeldigheid>"
        "<bagtypes:begindatumTijdvakGeldigheid>2010-01-01</bagtypes:begindatumTijdvakGeldigheid></gwr-product:tijdvakgeldigheid>"
        f"<gwr-product:gerelateerdeWoonplaats><gwr-product:identificatie>{w}</gwr-product:identificatie></gwr-product:gerelateerdeWoonplaats>"
        f"<gwr-product:gerelateerdeGemeente><gwr-product:identificatie>{g}</gwr-product:identificatie></gwr-product:gerelateerdeGemeente>"
        "<gwr-product:status>definitief</gwr-product:status></gwr-product:GemeenteWoonplaatsRelatie>"
        for w, g in pairs
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gwr-bestand:BAG-GWR-Deelbestand-LVC '
        'xmlns:gwr-bestand="www.kadaster.nl/schemas/lvbag/gem-wpl-rel/gwr-deelbestand-lvc/v20200601" '
        'xmlns:selecties-extract="http://www.kadaster.nl/schemas/lvbag/extract-selecties/v20200601" '
        'xmlns:bagtypes="www.kadaster.nl/schemas/lvbag/gem-wpl-rel/bag-types/v20200601" '
        'xmlns:gwr-product="www.kadaster.nl/schemas/lvbag/gem-wpl-rel/gwr-producten-lvc/v20200601">'
        f"<gwr-bestand:SelectieGegevens><selecties-extract:StandTechnischeDatum>{stand}</selecties-extract:StandTechnischeDatum>"
        f"</gwr-bestand:SelectieGegevens><gwr-bestand:Product><gwr-product:GemeenteWoonplaatsRelatieProduct>{records}"
        "</gwr-product:GemeenteWoonplaatsRelatieProduct></gwr-bestand:Product></gwr-bestand:BAG-GWR-Deelbestand-LVC>\n"
    )


# --- build ---------------------------------------------------------------------------------------


def build_buurten(target: int, seed: int):
    """Voronoi buurten inside the real 2022 gemeente boundaries (RD New), edges densified to 25 m."""
    import numpy as np
    import pyproj
    import shapely

    rng = np.random.default_rng(seed)
    features = json.loads(
        (ROOT / "data" / "cbs" / "nl" / "gemeenten_2022_gegeneraliseerd.geojson").read_text()
    )["features"]
    to_rd = pyproj.Transformer.from_crs(4326, 28992, always_xy=True)
    gemeenten = []
    for feature in features:
        shape = shapely.make_valid(shapely.from_geojson(json.dumps(feature["geometry"])))
        shape = shapely.transform(shape, lambda xy: np.column_stack(to_rd.transform(xy[:, 0], xy[:, 1])))
        gemeenten.append((feature["properties"]["statcode"], feature["properties"]["statnaam"], shape))
    total = sum(g[2].area for g in gemeenten)
    buurten = []
    for code, name, shape in gemeenten:
        count = max(3, round(target * shape.area / total))
        minx, miny, maxx, maxy = shape.bounds
        seeds = []
        while len(seeds) < count:
            xs = rng.uniform(minx, maxx, count * 4)
            ys = rng.uniform(miny, maxy, count * 4)
            inside = shapely.contains_xy(shape, xs, ys)
            seeds.extend(zip(xs[inside], ys[inside], strict=True))
        seeds = seeds[:count]
        cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=shape.envelope)
        number = 0
        for cell in shapely.get_parts(cells):
            piece = shapely.make_valid(shapely.intersection(cell, shape))
            piece = shapely.segmentize(piece, 25.0)
            if piece.is_empty or piece.area < 1:
                continue
            wijk, buurt = divmod(number, 10)
            buurten.append((f"BU{code[2:]}{wijk:02d}{buurt:02d}", f"{name} {number + 1}", code, name, piece))
            number += 1
    return gemeenten, buurten


def build(args) -> None:
    import numpy as np
    import pyproj
    import shapely

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    gemeenten, buurten = build_buurten(args.buurten, args.seed)
    to_wgs = pyproj.Transformer.from_crs(28992, 4326, always_xy=True)
    vertices = int(sum(shapely.get_num_coordinates(b[4]) for b in buurten))
    with open(out / "buurten.json", "w") as sink:
        json.dump(
            [
                {
                    "code": code,
                    "name": name,
                    "gemeente": gm,
                    "gemeente_name": gm_name,
                    "geometry": json.loads(
                        shapely.to_geojson(
                            shapely.transform(
                                piece, lambda xy: np.column_stack(to_wgs.transform(xy[:, 0], xy[:, 1]))
                            )
                        )
                    ),
                }
                for code, name, gm, gm_name, piece in buurten
            ],
            sink,
        )
    print(
        f"{len(buurten)} buurten in {len(gemeenten)} gemeenten, {vertices / len(buurten):.0f} vertices per buurt on average"
    )
    # Points: uniform over the buurten's area, plus 0.2 % at sea (in no buurt).
    rng = np.random.default_rng(args.seed + 1)
    shapes = [b[4] for b in buurten]
    tree = shapely.STRtree(shapes)
    minx, miny, maxx, maxy = shapely.total_bounds(shapes)
    n = args.n
    at_sea = n // 500
    xs_all, ys_all, owner = [], [], []
    have = 0
    while have < n - at_sea:
        xs = rng.uniform(minx, maxx, n)
        ys = rng.uniform(miny, maxy, n)
        points, polygons = tree.query(shapely.points(xs, ys), predicate="within")
        first = np.unique(points, return_index=True)
        keep = first[0][: n - at_sea - have]
        xs_all.append(xs[keep])
        ys_all.append(ys[keep])
        owner.append(polygons[first[1][: len(keep)]])
        have += len(keep)
    xs = np.concatenate([*xs_all, rng.uniform(10_000, 60_000, at_sea)])
    ys = np.concatenate([*ys_all, rng.uniform(560_000, 620_000, at_sea)])
    gemeente_index = {code: i for i, (code, _n, _s) in enumerate(gemeenten)}
    buurt_gemeente = np.array([gemeente_index[b[2]] for b in buurten])
    gm_of_point = np.concatenate(
        [buurt_gemeente[np.concatenate(owner)], np.full(at_sea, gemeente_index["GM0518"])]
    )
    order = np.argsort(gm_of_point, kind="stable")
    xs, ys, gm_of_point = xs[order], ys[order], gm_of_point[order]
    print(f"{n} points in {time.perf_counter() - t0:.0f} s")
    # Attributes per address, deterministic.
    codes = [g[0][2:] for g in gemeenten]
    names = [g[1] for g in gemeenten]
    letters = np.where(rng.random(n) < 0.10, rng.integers(0, 26, n), -1)
    additions = np.where(rng.random(n) < 0.05, rng.integers(1, 99, n), -1)
    use_draw = rng.random(n)
    history = rng.random(n) < 0.20
    per_gemeente_seq = np.zeros(n, dtype=np.int64)
    counts = np.bincount(gm_of_point, minlength=len(gemeenten))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    per_gemeente_seq = np.arange(n) - starts[gm_of_point]
    streets_per_gemeente = np.maximum(5, counts // 40)
    street_of = per_gemeente_seq // 40
    # Mutation: 1 % of the addresses.
    k = n // 100
    picked = rng.choice(n, size=k - int(k * 0.30), replace=False)
    changed = set(picked[: int(k * 0.40)].tolist())
    status_withdrawn = set(picked[int(k * 0.40) : int(k * 0.55)].tolist())
    gone = set(picked[int(k * 0.55) :].tolist())
    new_count = k - len(changed) - len(status_withdrawn) - len(gone)

    def ident(i: int, kind: str) -> str:
        return f"{codes[gm_of_point[i]]}{kind}{per_gemeente_seq[i]:010d}"

    def postcode(i: int, bump: int = 0) -> str:
        g, s = gm_of_point[i], street_of[i]
        return f"{1000 + (g * 23 + s) % 8999}{chr(65 + (s + bump) % 26)}{chr(65 + (s // 26 + per_gemeente_seq[i] // 15) % 26)}"

    uses_table = (["woonfunctie"], ["winkelfunctie"], ["kantoorfunctie"], ["winkelfunctie", "woonfunctie"])

    def uses(i: int):
        u = use_draw[i]
        return uses_table[0 if u < 0.85 else 1 if u < 0.93 else 2 if u < 0.98 else 3]

    def write_extract(path: Path, stand: str, mutate: bool) -> None:
        date_compact = stand[8:10] + stand[5:7] + stand[:4]

        def parts(kind: str, stands):
            buffer, number = [], 0
            with zipfile.ZipFile(
                tmp / f"9999{kind}{date_compact}.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=1
            ) as inner:
                for xml in stands:
                    buffer.append(xml)
                    if len(buffer) == PART:
                        number += 1
                        inner.writestr(
                            f"9999{kind}{date_compact}-{number:06d}.xml",
                            HEADER.format(stand=stand, kind=kind) + "".join(buffer) + FOOTER,
                        )
                        buffer = []
                if buffer or number == 0:
                    number += 1
                    inner.writestr(
                        f"9999{kind}{date_compact}-{number:06d}.xml",
                        HEADER.format(stand=stand, kind=kind) + "".join(buffer) + FOOTER,
                    )

        def wpl():
            for g, (_code, name, shape) in enumerate(gemeenten):
                ring = np.asarray(shapely.get_exterior_ring(shapely.convex_hull(shape)).coords).ravel()
                yield wpl_xml(f"{1000 + g}", name, ring)

        def opr():
            for g, code in enumerate(codes):
                for s in range(streets_per_gemeente[g] + 1):
                    yield opr_xml(f"{code}30{s:010d}", f"{names[g]}straat {s + 1}", f"{1000 + g}")

        def num_items(i: int, current: int):
            nid = ident(i, "20")
            opr = f"{codes[gm_of_point[i]]}30{street_of[i]:010d}"
            letter = chr(97 + letters[i]) if letters[i] >= 0 else ""
            addition = str(additions[i]) if additions[i] >= 0 else ""
            number = int(per_gemeente_seq[i] % 40) + 1
            out_items = []
            vk = 1
            if history[i]:
                out_items.append(
                    num_xml(
                        nid,
                        number,
                        letter,
                        addition,
                        postcode(i, 1),
                        opr,
                        "Naamgeving uitgegeven",
                        _vk(1, "2005-03-01", "2012-06-01"),
                    )
                )
                vk = 2
            begin = "2012-06-01" if history[i] else "2005-03-01"
            if mutate and i in changed:
                out_items.append(
                    num_xml(
                        nid,
                        number,
                        letter,
                        addition,
                        postcode(i),
                        opr,
                        "Naamgeving uitgegeven",
                        _vk(vk, begin, "2025-01-15"),
                    )
                )
                out_items.append(
                    num_xml(
                        nid,
                        number,
                        letter,
                        addition,
                        postcode(i, 7),
                        opr,
                        "Naamgeving uitgegeven",
                        _vk(vk + 1, "2025-01-15", None),
                    )
                )
            else:
                out_items.append(
                    num_xml(
                        nid,
                        number,
                        letter,
                        addition,
                        postcode(i),
                        opr,
                        "Naamgeving uitgegeven",
                        _vk(vk, begin, None),
                    )
                )
            return out_items

        def num():
            for i in range(n):
                if mutate and i in gone:
                    continue
                yield from num_items(i, 0)
            if mutate:
                for j in range(new_count):
                    g = j % len(codes)
                    yield num_xml(
                        f"{codes[g]}21{j:010d}",
                        j + 1,
                        "",
                        "",
                        f"{1000 + g}ZZ",
                        f"{codes[g]}30{0:010d}",
                        "Naamgeving uitgegeven",
                        _vk(1, "2025-01-20", None),
                    )
            for j in range(400):
                g = j % len(codes)
                yield num_xml(
                    f"{codes[g]}22{j:010d}",
                    j + 1,
                    "",
                    "",
                    f"{1000 + g}WA",
                    f"{codes[g]}30{0:010d}",
                    "Naamgeving uitgegeven",
                    _vk(1, "2008-01-01", None),
                )

        def vbo():
            for i in range(n):
                if mutate and i in gone:
                    continue
                vid, nid = ident(i, "01"), ident(i, "20")
                vk = 1
                if history[i]:
                    yield vbo_xml(
                        vid,
                        nid,
                        xs[i],
                        ys[i],
                        uses(i),
                        "Verblijfsobject gevormd",
                        _vk(1, "2005-03-01", "2006-09-01"),
                    )
                    vk = 2
                begin = "2006-09-01" if history[i] else "2005-03-01"
                if mutate and i in status_withdrawn:
                    yield vbo_xml(
                        vid,
                        nid,
                        xs[i],
                        ys[i],
                        uses(i),
                        "Verblijfsobject in gebruik",
                        _vk(vk, begin, "2025-01-10"),
                    )
                    yield vbo_xml(
                        vid,
                        nid,
                        xs[i],
                        ys[i],
                        uses(i),
                        "Verblijfsobject ingetrokken",
                        _vk(vk + 1, "2025-01-10", None),
                    )
                else:
                    yield vbo_xml(
                        vid, nid, xs[i], ys[i], uses(i), "Verblijfsobject in gebruik", _vk(vk, begin, None)
                    )
            if mutate:
                for j in range(new_count):
                    g = j % len(codes)
                    i = int(np.searchsorted(gm_of_point, g))  # a point in that gemeente
                    yield vbo_xml(
                        f"{codes[g]}05{j:010d}",
                        f"{codes[g]}21{j:010d}",
                        xs[i] + 7,
                        ys[i] + 7,
                        ["woonfunctie"],
                        "Verblijfsobject in gebruik",
                        _vk(1, "2025-01-20", None),
                    )

        def places(kind: str, element: str, offset: int):
            for j in range(offset, offset + 200):
                g = j % len(codes)
                i = int(np.searchsorted(gm_of_point, g))
                yield place_xml(
                    kind,
                    element,
                    f"{codes[g]}{'02' if kind == 'LIG' else '03'}{j:010d}",
                    f"{codes[g]}22{j:010d}",
                    xs[i] + 11,
                    ys[i] - 11,
                    _vk(1, "2008-01-01", None),
                )

        with tempfile.TemporaryDirectory(dir=out) as tmp_name:
            tmp = Path(tmp_name)
            parts("WPL", wpl())
            parts("OPR", opr())
            parts("NUM", num())
            parts("VBO", vbo())
            parts("LIG", places("LIG", "Ligplaats", 0))
            parts("STA", places("STA", "Standplaats", 200))
            with zipfile.ZipFile(
                tmp / f"GEM-WPL-RELATIE-{date_compact}.zip", "w", zipfile.ZIP_DEFLATED
            ) as inner:
                inner.writestr(
                    f"GEM-WPL-RELATIE-{date_compact}-000001.xml",
                    gwr_xml([(1000 + g, c) for g, c in enumerate(codes)], stand),
                )
            (tmp / "Leveringsdocument-BAG-Extract.xml").write_text(
                f'<?xml version="1.0" encoding="UTF-8"?><xb:BAG-Extract-Levering xmlns:xb="http://www.kadaster.nl/schemas/lvbag/extract-levering/v20200601">'
                f"<xb:StandTechnischeDatum>{stand}</xb:StandTechnischeDatum></xb:BAG-Extract-Levering>\n"
            )
            with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as outer:
                for member in sorted(tmp.iterdir()):
                    outer.write(member, member.name)

    t1 = time.perf_counter()
    write_extract(out / f"BAGNLDL-{STAND[8:10]}{STAND[5:7]}{STAND[:4]}.zip", STAND, mutate=False)
    print(f"extract written in {time.perf_counter() - t1:.0f} s")
    t1 = time.perf_counter()
    write_extract(
        out / f"BAGNLDL-{MUTATION_STAND[8:10]}{MUTATION_STAND[5:7]}{MUTATION_STAND[:4]}.zip",
        MUTATION_STAND,
        mutate=True,
    )
    print(f"mutation extract written in {time.perf_counter() - t1:.0f} s")
    expected = {
        "n": n,
        "addresses": n + 400,
        "mutation": {
            "changed": sorted(ident(i, "20") for i in changed),
            "withdrawn_by_status": sorted(ident(i, "20") for i in status_withdrawn),
            "gone": sorted(ident(i, "20") for i in gone),
            "new": new_count,
        },
        "at_sea": at_sea,
        "buurten": len(buurten),
        "vertices_per_buurt": vertices / len(buurten),
    }
    (out / "expected.json").write_text(json.dumps(expected))


# --- children (run inside Django) ----------------------------------------------------------------


def _django() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smaakmaker.conf.settings")
    import django

    django.setup()


def child_load_buurten(path: str) -> dict:
    _django()
    from smaakmaker.areas.models import Area, AreaLevel

    items = json.loads(Path(path).read_text())
    gemeenten = {i["gemeente"]: i["gemeente_name"] for i in items}
    Area.objects.bulk_create(
        [
            Area(
                code=c,
                level=AreaLevel.GEMEENTE,
                name=n,
                gemeente_code=c,
                classification_year=YEAR,
                last_year=YEAR,
            )
            for c, n in gemeenten.items()
        ],
        batch_size=1000,
    )
    ids = dict(Area.objects.filter(level=AreaLevel.GEMEENTE).values_list("code", "id"))
    wijken = {}
    for item in items:
        wijk = "WK" + item["code"][2:8]
        wijken.setdefault(wijk, item["gemeente"])
    Area.objects.bulk_create(
        [
            Area(
                code=w,
                level=AreaLevel.WIJK,
                name=w,
                gemeente_code=g,
                parent_id=ids[g],
                classification_year=YEAR,
                last_year=YEAR,
            )
            for w, g in wijken.items()
        ],
        batch_size=1000,
    )
    ids = dict(Area.objects.filter(level=AreaLevel.WIJK).values_list("code", "id"))
    Area.objects.bulk_create(
        [
            Area(
                code=i["code"],
                level=AreaLevel.BUURT,
                name=i["name"],
                gemeente_code=i["gemeente"],
                parent_id=ids["WK" + i["code"][2:8]],
                classification_year=YEAR,
                last_year=YEAR,
                geometry=i["geometry"],
            )
            for i in items
        ],
        batch_size=500,
    )
    return {"buurten": len(items), "wijken": len(wijken), "gemeenten": len(gemeenten)}


class _TreeMemory:
    """The peak resident memory of this process and its children together (the parse workers),
    sampled every 0.2 s from /proc (``ru_maxrss`` of a spawned child counts the parent's memory at
    fork time, before exec, so it overstates them)."""

    def __init__(self):
        import threading

        self.peak = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    @staticmethod
    def rss(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.wait(0.2):
            children = []
            for task in os.listdir(f"/proc/{me}/task"):
                try:
                    with open(f"/proc/{me}/task/{task}/children") as listed:
                        children.extend(int(c) for c in listed.read().split())
                except OSError:
                    pass
            self.peak = max(self.peak, self.rss(me) + sum(self.rss(c) for c in children))

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


def child_import(path: str) -> dict:
    _django()
    from smaakmaker.cases import address_imports

    start = time.perf_counter()
    cpu = time.process_time()
    load = os.getloadavg()[0]
    with _TreeMemory() as memory:
        result = address_imports.bag_extract_import(paths=[path])
    seconds = time.perf_counter() - start
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "seconds": seconds,
        "cpu": time.process_time() - cpu,
        # the parse workers (spawned by this process and ended when the import ends)
        "workers_cpu": children.ru_utime + children.ru_stime,
        "workers_maxrss_mib": children.ru_maxrss / 1024,
        "load": max(load, os.getloadavg()[0]),
        "load_after": os.getloadavg(),
        "read": result.read,
        "created": result.created,
        "updated": result.updated,
        "withdrawn": result.withdrawn,
        "unchanged": result.unchanged,
        "in_buurt": result.in_buurt.get(YEAR, 0),
        "outside": sum(result.outside.get(YEAR, {}).values()),
        "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "tree_peak_mib": memory.peak / 1024,
        "warnings": result.warnings,
    }


def child_state(since: str) -> dict:
    _django()
    from datetime import datetime

    from smaakmaker.cases.models import Address, AddressArea

    moment = datetime.fromisoformat(since)
    touched = Address.objects.filter(updated__gte=moment)
    return {
        "addresses": Address.objects.count(),
        "areas": AddressArea.objects.count(),
        "touched": sorted(touched.values_list("bag_nummeraanduiding_id", flat=True)),
        "withdrawn": Address.objects.exclude(withdrawn_on=None).count(),
    }


def child_baseline(path: str, sample: int) -> dict:
    """The naive way: per address a polygon test over every buurt (unprepared, no index) and an ORM
    save of the address and its area (autocommit), on the first ``sample`` addresses of the extract."""
    _django()
    import pyproj
    import shapely
    from django.db import transaction

    from smaakmaker.areas.models import Area, AreaLevel
    from smaakmaker.cases.models import Address, AddressArea
    from smaakmaker.cases.sources import lvbag

    transformer = pyproj.Transformer.from_crs(28992, 4326, always_xy=True)
    buurten = [
        (code, shapely.from_geojson(json.dumps(geometry)))
        for code, geometry in Area.objects.filter(level=AreaLevel.BUURT).values_list("code", "geometry")
    ]
    start = time.perf_counter()
    records = lvbag.read_extract(path)
    first = next(records)
    to_first = time.perf_counter() - start
    loop_start = time.perf_counter()
    loop_cpu = time.process_time()
    done = 0
    record = first
    while True:
        lon, lat = transformer.transform(record.x, record.y)
        point = shapely.Point(lon, lat)
        buurt = next((code for code, polygon in buurten if polygon.contains(point)), "")
        address = Address(
            bag_nummeraanduiding_id=record.nummeraanduiding_id,
            bag_verblijfsobject_id=record.object_id,
            street=record.street,
            house_number=record.house_number,
            house_letter=record.house_letter,
            house_number_addition=record.addition,
            postcode=record.postcode,
            city=record.city,
            buurt_code=buurt,
            gebruiksdoelen=record.gebruiksdoelen,
            bag_status=record.status,
            rd_x=record.x,
            rd_y=record.y,
            longitude=lon,
            latitude=lat,
        )
        address.save()
        AddressArea(address=address, year=YEAR, buurt_code=buurt).save()
        done += 1
        if done >= sample:
            break
        record = next(records)
    loop = time.perf_counter() - loop_start
    loop_cpu = time.process_time() - loop_cpu
    with transaction.atomic():
        AddressArea.objects.all().delete()
        Address.objects.all().delete()
    return {
        "sample": done,
        "to_first": to_first,
        "loop": loop,
        "loop_cpu": loop_cpu,
        "load": os.getloadavg()[0],
    }


# --- the bench -----------------------------------------------------------------------------------


def env_for(db: str, var_dir: Path) -> dict:
    env = dict(os.environ)
    env["SMAAKMAKER_VAR_DIR"] = str(var_dir)
    env["SMAAKMAKER_LOG_LEVEL"] = "WARNING"
    env["DJANGO_SETTINGS_MODULE"] = "smaakmaker.conf.settings"
    if db == "postgres":
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
    else:
        env.pop("DATABASE_URL", None)
    return env


def run_child(env: dict, *args) -> dict:
    done = subprocess.run(
        [PYTHON, __file__, "_child", *map(str, args)], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"child {args[0]} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench(args) -> None:
    directory = Path(args.dir)
    expected = json.loads((directory / "expected.json").read_text())
    full = directory / f"BAGNLDL-{STAND[8:10]}{STAND[5:7]}{STAND[:4]}.zip"
    mutation = directory / f"BAGNLDL-{MUTATION_STAND[8:10]}{MUTATION_STAND[5:7]}{MUTATION_STAND[:4]}.zip"
    var_dir = Path(tempfile.mkdtemp(prefix=f"bench-addresses-{args.db}-"))
    env = env_for(args.db, var_dir)
    if args.db == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
            conn.execute(f"CREATE DATABASE {PG_DB}")
    subprocess.run([SMAAKMAKER, "migrate", "-v0"], env=env, check=True)
    loaded = run_child(env, "load_buurten", directory / "buurten.json")
    print(f"[{args.db}] buurten loaded: {loaded}", flush=True)
    rows = []
    # The baseline reads a smaller extract of the same build (--baseline-dir): its time to the first
    # address (woonplaatsen, openbare ruimten, all nummeraanduidingen) grows linearly with N.
    small = Path(args.baseline_dir) if args.baseline_dir else directory
    small_expected = json.loads((small / "expected.json").read_text())
    baseline = run_child(env, "baseline", small / full.name, args.sample)
    per_address = baseline["loop"] / baseline["sample"]
    extrapolated = (
        baseline["to_first"] * expected["addresses"] / small_expected["addresses"]
        + per_address * expected["addresses"]
    )
    print(f"[{args.db}] baseline: {baseline}", flush=True)
    first = run_child(env, "import", full)
    print(f"[{args.db}] first import: { {k: v for k, v in first.items() if k != 'warnings'} }", flush=True)
    moment = time.time()
    from datetime import UTC, datetime

    since = datetime.fromtimestamp(moment, UTC).isoformat()
    second = run_child(env, "import", full)
    state = run_child(env, "state", since)
    print(
        f"[{args.db}] second import: { {k: v for k, v in second.items() if k != 'warnings'} }, rows touched: {len(state['touched'])}",
        flush=True,
    )
    since = datetime.fromtimestamp(time.time(), UTC).isoformat()
    third = run_child(env, "import", mutation)
    after = run_child(env, "state", since)
    m = expected["mutation"]
    expected_touched = set(m["changed"]) | set(m["withdrawn_by_status"]) | set(m["gone"])
    touched = set(after["touched"])
    new_touched = {t for t in touched if t[4:6] == "21"}
    exact = touched - new_touched == expected_touched and len(new_touched) == m["new"]
    print(
        f"[{args.db}] mutation import: { {k: v for k, v in third.items() if k != 'warnings'} }; exactly the mutated rows: {exact}",
        flush=True,
    )
    baseline_cpu = baseline["loop_cpu"] / baseline["sample"] * expected["addresses"]
    rows.append(
        (
            "naive baseline (per-address polygon test + ORM save)",
            f"{baseline['sample']:,} sampled, extrapolated",
            extrapolated,
            None,
            baseline_cpu,
            None,
            baseline.get("load"),
        )
    )
    for name, run, what in (
        ("first import", first, f"{first['read']:,} read, {first['created']:,} new"),
        (
            "same extract again",
            second,
            f"{second['read']:,} read, {second['created'] + second['updated'] + second['withdrawn']} changed, "
            f"{len(state['touched'])} rows touched",
        ),
        (
            "1 % mutation extract",
            third,
            f"{third['read']:,} read: {third['created']} new, {third['updated']} changed, {third['withdrawn']} "
            f"withdrawn; exactly the mutated rows: {'yes' if exact else 'NO'}",
        ),
    ):
        rows.append((name, what, run["seconds"], run["cpu"], run["workers_cpu"], run, run["load"]))
    print()
    print(
        f"### {args.db}: {expected['addresses']:,} addresses, {loaded['buurten']:,} buurten ({expected['vertices_per_buurt']:.0f} vertices each on average)"
    )
    print()
    print(
        "| run | addresses | wall s | addresses/s (wall) | CPU s: import process + parse workers "
        "| addresses per CPU-second | peak memory MiB: import process / with workers | load (1 min) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    n = expected["addresses"]
    for name, what, seconds, cpu, workers, run, load in rows:
        if run is None:  # the baseline: CPU of its per-address loop, extrapolated
            print(
                f"| {name} | {what} | ≈ {seconds:,.0f} | ≈ {n / seconds:,.0f} | ≈ {workers:,.0f} (loop only) | ≈ {n / workers:,.0f} | | {f'{load:.1f}' if load else ''} |"
            )
            continue
        total = cpu + workers
        print(
            f"| {name} | {what} | {seconds:,.1f} | {run['read'] / seconds:,.0f} | {cpu:,.1f} + {workers:,.1f} = {total:,.1f} "
            f"| {run['read'] / total:,.0f} | {run['maxrss_mib']:,.0f} / {run['tree_peak_mib']:,.0f} | {load:.1f} |"
        )
    print()
    print(
        f"First import: {first['in_buurt']:,} in a buurt, {first['outside']:,} in no buurt (expected at sea: {expected['at_sea']:,})."
    )
    print("Warnings of the first import:", *first["warnings"], sep="\n  ")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("--n", type=int, default=1_000_000)
    b.add_argument("--buurten", type=int, default=14_000)
    b.add_argument("--seed", type=int, default=13)
    b.add_argument("--out", required=True)
    r = sub.add_parser("bench")
    r.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    r.add_argument("--dir", required=True)
    r.add_argument("--sample", type=int, default=1000, help="addresses for the naive baseline")
    r.add_argument("--baseline-dir", help="a smaller build of the same kind for the baseline's reading")
    c = sub.add_parser("_child")
    c.add_argument("what")
    c.add_argument("rest", nargs="*")
    args = parser.parse_args()
    if args.command == "build":
        build(args)
    elif args.command == "bench":
        bench(args)
    else:
        handlers = {
            "load_buurten": lambda: child_load_buurten(args.rest[0]),
            "import": lambda: child_import(args.rest[0]),
            "state": lambda: child_state(args.rest[0]),
            "baseline": lambda: child_baseline(args.rest[0], int(args.rest[1])),
        }
        print(json.dumps(handlers[args.what]()))


if __name__ == "__main__":
    main()
