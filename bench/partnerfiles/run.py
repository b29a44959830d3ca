# SPDX-License-Identifier: EUPL-1.2
"""Benchmark of partner files of signals (issue 13 point 2): a 100,000-row XLSX imported end to end.

One run, one fresh database (SQLite in a temporary folder, or PostgreSQL database
``smaakmaker_bench_partnerfiles``): the demo partners and covenant (widened to the whole gemeente), N
fictional addresses, and a generated XLSX of N police signals (80 % named by BAG id, 20 % by postcode +
huisnummer + huisletter). Then, in this process, through ``cases.partner_files`` as the web, the API
and the command use it:

* **dry run** — upload, read with python-calamine, every row checked against the register and the
  covenant (what the web page and the API do in the request);
* **import** — the queued task as the worker runs it: the rows checked again, then all signals stored
  with the audit record and processing log in one transaction; the issue's figure (≤ 30 s) is for both;
* **again** — the same file once more: 0 signals to add;
* **3 bad rows** — the same file with three bad cells: nothing to add, exactly those three listed (an
  import of it stores nothing: tests);
* **baseline** — the naive way on the first ``--baseline-rows`` rows: openpyxl (read-only mode) for
  reading and, per row, an address lookup and ``Signal.save()`` through the ORM; extrapolated to N;
* **readers** — reading the whole file with openpyxl's read-only mode beside python-calamine.

    .venv/bin/python bench/partnerfiles/run.py --db sqlite
    .venv/bin/python bench/partnerfiles/run.py --db postgres --rows 100000

Not collected by pytest. Times are wall clock and this process's CPU time (on PostgreSQL the
database's own work is in the wall time only).
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SMAAKMAKER = str(ROOT / ".venv" / "bin" / "smaakmaker")
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "smaakmaker_bench_partnerfiles"
STREETS = ("Fictiefstraat", "Verzinselkade", "Denkbeeldlaan", "Proefpad", "Voorbeeldhof", "Namaakplein")
BUURTEN = [f"BU0363F{w}{b:02d}" for w in "ABCDEFGH" for b in range(1, 13)]
KINDS = ("hennep-drugs", "criminele-uitstraling", "overlast")
TEXTS = ("Hennepgeur bij de voordeur", "Veel kortdurend bezoek", "Dure auto's voor de deur", "")


def _prepare(db: str, var_dir: Path) -> None:
    os.environ["SMAAKMAKER_VAR_DIR"] = str(var_dir)
    os.environ["SMAAKMAKER_LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "smaakmaker.conf.settings"
    if db == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
            conn.execute(f"CREATE DATABASE {PG_DB}")
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
    else:
        os.environ.pop("DATABASE_URL", None)
    subprocess.run([SMAAKMAKER, "migrate", "-v0"], check=True)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def _address(i: int) -> dict:
    """Address i: (postcode, huisnummer, huisletter) unique, 100 numbers per postcode."""
    group = i // 2
    p = group // 50
    return {
        "bag_nummeraanduiding_id": f"0363200{i + 1:09d}",
        "street": STREETS[p % len(STREETS)],
        "house_number": group % 50 + 1,
        "house_letter": "A" if i % 2 else "",
        "postcode": f"{1000 + (p // 100) % 9000}{'ABCDEFGHJK'[(p // 10) % 10]}{'LMNPRSTVWX'[p % 10]}",
        "city": "Amsterdam",
        "buurt_code": BUURTEN[i % len(BUURTEN)],
    }


def _load(n: int, *, custom_area: bool = False) -> list[dict]:
    import uuid

    from smaakmaker.access.demo import demo_load
    from smaakmaker.access.models import Covenant
    from smaakmaker.cases.demo import covenant_setup
    from smaakmaker.cases.models import Address
    from smaakmaker.common.bulk import insert_values

    demo_load()
    covenant = covenant_setup()
    rows = [_address(i) for i in range(n)]
    insert_values(Address, [{**r, "uuid": uuid.uuid4()} for r in rows], batch_size=5000)
    if custom_area:
        # The covenant names only a custom area holding every address (its membership as
        # ``custom_areas_assign`` stores it for a drawn boundary): every row is decided by that area.
        from smaakmaker.cases.models import AddressCustomArea

        Covenant.objects.filter(pk=covenant.pk).update(area_codes=[CUSTOM_AREA])
        insert_values(
            AddressCustomArea,
            [
                {"address_id": pk, "area_code": CUSTOM_AREA}
                for pk in Address.objects.values_list("pk", flat=True)
            ],
            batch_size=5000,
        )
    else:
        Covenant.objects.filter(pk=covenant.pk).update(area_codes=["GM0363"])
    return rows


CUSTOM_AREA = "EG0001"


def _xlsx(addresses: list[dict], *, bad: bool = False) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["BAG-id", "Postcode", "Huisnummer", "Huisletter", "Soort", "Datum", "Omschrijving"])
    today = date.today()
    for i, a in enumerate(addresses):
        day = today - timedelta(days=1 + i % 700)
        row = (
            [a["bag_nummeraanduiding_id"], "", "", ""]
            if i % 5
            else ["", a["postcode"], a["house_number"], a["house_letter"]]
        )
        row += [KINDS[i % 2], day, f"{TEXTS[i % len(TEXTS)]} {i}".strip()]
        if bad and i == 10:
            row[5] = "31-02-2024"
        if bad and i == len(addresses) // 2:
            row[4] = "vuurwerk"
        if bad and i == len(addresses) - 1:
            row[0] = "0363299999999999"
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _timed(function):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


COLUMNS = {
    "nummeraanduiding_id": "BAG-id",
    "postcode": "Postcode",
    "house_number": "Huisnummer",
    "house_letter": "Huisletter",
    "kind": "Soort",
    "date": "Datum",
    "text": "Omschrijving",
}


def _check(user, organisation, content: bytes, name: str):
    """Upload and dry run, as the web page and the API do in the request."""
    from smaakmaker.cases import partner_files

    file_import = partner_files.partner_file_upload(
        actor=user, organisation=organisation, file_name=name, content=content
    )
    return partner_files.partner_file_check(actor=user, file_import=file_import, columns=COLUMNS)


def _commit(user, file_import):
    """The import as the worker runs it: queued, then the task (checks again, stores all or nothing)."""
    from smaakmaker.cases import partner_files

    partner_files.partner_file_commit_start(actor=user, file_import=file_import)
    return partner_files.partner_file_execute(import_id=file_import.pk)


def _baseline(user, organisation, content: bytes, rows: int) -> int:
    """The naive way: openpyxl, and per row an address lookup and an ORM save (no audit, no covenant)."""
    from openpyxl import load_workbook

    from smaakmaker.cases.models import Address, Signal, SignalKind

    kinds = {k.code: k for k in SignalKind.objects.all()}
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    saved = 0
    for values in book.worksheets[0].iter_rows(min_row=2, max_row=rows + 1, values_only=True):
        bag_id, postcode, number, letter, kind, day, text = values
        if bag_id:
            address = Address.objects.get(bag_nummeraanduiding_id=bag_id)
        else:
            address = Address.objects.get(postcode=postcode, house_number=number, house_letter=letter or "")
        kind = kinds[kind]
        Signal(
            address=address,
            kind=kind,
            activity=kind.activity,
            source_organisation=organisation,
            recorded_by=user,
            observed_on=day.date() if hasattr(day, "date") else day,
            description=text or "",
            external_id=f"naive-{saved}",
        ).save()
        saved += 1
    book.close()
    return saved


def _readers(content: bytes) -> tuple[float, float]:
    from openpyxl import load_workbook

    from smaakmaker.cases.sources import tables

    cpu = time.process_time()
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    openpyxl_rows = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    book.close()
    openpyxl_cpu = time.process_time() - cpu
    cpu = time.process_time()
    calamine_rows = len(tables.read_table(content=content, name="x.xlsx").rows) + 1
    calamine_cpu = time.process_time() - cpu
    assert openpyxl_rows == calamine_rows
    return openpyxl_cpu, calamine_cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=5_000)
    parser.add_argument(
        "--eigen-gebied",
        action="store_true",
        help="the covenant names only a custom area (EG0001) that holds every address",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-partnerfiles-") as tmp:
        _prepare(args.db, Path(tmp))
        from django.contrib.auth import get_user_model

        from smaakmaker.cases import partner_files
        from smaakmaker.cases.models import Signal

        t0 = time.perf_counter()
        addresses = _load(args.rows, custom_area=args.eigen_gebied)
        user = get_user_model().objects.get(username="wijkagent")
        organisation = partner_files.organisations_for_upload(user)[0]
        content = _xlsx(addresses)
        bad = _xlsx(addresses, bad=True)
        print(
            f"{args.db}: {args.rows} addresses loaded, XLSX of {len(content) / 1e6:.1f} MB written "
            f"in {time.perf_counter() - t0:.0f} s"
        )
        before = Signal.objects.count()
        refused, bad_wall, bad_cpu = _timed(lambda: _check(user, organisation, bad, "fout.xlsx"))
        assert Signal.objects.count() == before
        listed = [(p["line"], p["column"]) for p in refused.report["problems"]]
        checked, check_wall, check_cpu = _timed(lambda: _check(user, organisation, content, "signalen.xlsx"))
        done, wall, cpu = _timed(lambda: _commit(user, checked))
        added = Signal.objects.count() - before
        assert done.signals_added == added == args.rows, (done.status, done.message)
        again, again_wall, again_cpu = _timed(lambda: _check(user, organisation, content, "signalen.xlsx"))
        assert again.report["earlier"] and again.report["accepted"] == 0
        openpyxl_cpu, calamine_cpu = _readers(content)
        naive, naive_wall, naive_cpu = _timed(
            lambda: _baseline(user, organisation, content, args.baseline_rows)
        )
        scale = args.rows / naive
        rows = f"{args.rows:,}"
        print()
        area = ", covenant area EG0001 only" if args.eigen_gebied else ""
        print(f"| {args.db}{area} | rows | wall s | CPU s (this process) | result |")
        print("|---|---:|---:|---:|---|")
        print(
            f"| dry run (upload, read, check every row) | {rows} | {check_wall:.1f} | {check_cpu:.1f} | {checked.report['accepted']:,} to add |"
        )
        print(
            f"| import (the task: check again, store) | {rows} | {wall:.1f} | {cpu:.1f} | {added:,} signals added |"
        )
        print(
            f"| **dry run + import** | {rows} | **{check_wall + wall:.1f}** | **{check_cpu + cpu:.1f}** | |"
        )
        print(
            f"| the same file again (dry run) | {rows} | {again_wall:.1f} | {again_cpu:.1f} | 0 to add (imported before) |"
        )
        print(
            f"| the file with 3 bad rows (dry run) | {rows} | {bad_wall:.1f} | {bad_cpu:.1f} | 0 to add; listed {listed} |"
        )
        print(
            f"| baseline: openpyxl + ORM save per row | {naive:,} | {naive_wall:.1f} | {naive_cpu:.1f} | "
            f"≈ {naive_wall * scale:.0f} s wall, {naive_cpu * scale:.0f} s CPU for {rows} (extrapolated) |"
        )
        print(f"| reading only: openpyxl read-only | {rows} | | {openpyxl_cpu:.1f} | |")
        print(f"| reading only: python-calamine | {rows} | | {calamine_cpu:.1f} | |")
        from django.db import connection

        connection.close()


if __name__ == "__main__":
    main()
