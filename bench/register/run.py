# SPDX-License-Identifier: EUPL-1.2
"""Benchmark of the shared address register on PostgreSQL and SQLite.

Loads N fictional addresses and M signals (PostgreSQL: COPY; SQLite: executemany in large
transactions; never the ORM), plus cases with participants, under the demo covenant widened to the
whole gemeente. Then starts a real server process (``smaakmaker runserver`` on 127.0.0.1, threaded,
no autoreload), and measures with 32 concurrent API clients (organisation-bound token, X-Purpose):

* the address dossier ``GET /api/v1/addresses/{uuid}`` (visibility, flags, alerts, audit + log),
* the case list ``GET /api/v1/cases?buurt_code=…`` (50 per page, audit + one log record per row),
* bulk ingestion ``POST /api/v1/signals`` in batches of 1,000 (one client, all-or-nothing).

    .venv/bin/python bench/register/run.py --db postgres                      # 1M / 5M
    .venv/bin/python bench/register/run.py --db sqlite --addresses 100000 --signals 500000

The server is stopped at the end; it only listens on the loopback interface. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
SMAAKMAKER = str(ROOT / ".venv" / "bin" / "smaakmaker")
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "smaakmaker_bench_register"
BUURTEN = [
    f"BU0363{w}{b:02d}" for w in ("FA", "FB", "FC", "FD", "FE", "FF", "FG", "FH") for b in range(1, 61)
]


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


def prepare_database(db: str, env: dict) -> None:
    if db == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
            conn.execute(f"CREATE DATABASE {PG_DB}")
    subprocess.run([SMAAKMAKER, "migrate", "-v0"], env=env, check=True)
    script = (
        "from smaakmaker.access.demo import demo_load; demo_load();"
        "from smaakmaker.cases.demo import covenant_setup; c = covenant_setup();"
        "from smaakmaker.access.models import Covenant; Covenant.objects.filter(pk=c.pk).update(area_codes=['GM0363'])"
    )
    subprocess.run([SMAAKMAKER, "shell", "-c", script], env=env, check=True, capture_output=True)


def _lookup(cursor, sql):
    cursor.execute(sql)
    return cursor.fetchall()


def generate(db: str, env: dict, n_addresses: int, n_signals: int, n_cases: int, seed: int = 7) -> dict:
    """Bulk load with COPY (PostgreSQL) or executemany (SQLite); returns load timings."""
    rng = random.Random(seed)

    def new_uuid() -> str:  # SQLite stores Django's UUIDField as 32 hex digits
        value = uuid.UUID(int=rng.getrandbits(128), version=4)
        return str(value) if db == "postgres" else value.hex

    now = datetime.now(UTC).isoformat()
    today = date.today()
    if db == "postgres":
        import psycopg

        conn = psycopg.connect(env["DATABASE_URL"])
    else:
        conn = sqlite3.connect(Path(env["SMAAKMAKER_VAR_DIR"]) / "smaakmaker.sqlite3")
    cur = conn.cursor()
    kinds = _lookup(
        cur,
        "SELECT k.id, k.activity_id, a.compartment FROM cases_signalkind k JOIN access_processingactivity a ON a.id = k.activity_id",
    )
    orgs = dict(_lookup(cur, "SELECT kind, id FROM access_organisation"))
    case_activity = _lookup(cur, "SELECT id FROM access_processingactivity WHERE code = 'casusoverleg'")[0][0]
    by_compartment = {
        "algemeen": [orgs["gemeente"], orgs["woningcorporatie"], orgs["politie"]],
        "corporatie": [orgs["woningcorporatie"]],
        "zorg": [orgs["zorg-welzijn"]],
        "politie": [orgs["politie"]],
    }
    timings = {}

    def address_rows():
        for i in range(n_addresses):
            buurt = BUURTEN[i % len(BUURTEN)]
            yield (
                new_uuid(),
                now,
                now,
                f"0363{i:012d}",
                "",
                f"Fictiefstraat {i % 400}",
                i % 300 + 1,
                "",
                "",
                f"10{64 + i % 30}X{chr(65 + i % 26)}",
                "Amsterdam",
                buurt,
            )

    def signal_rows(first_address_id):
        for i in range(n_signals):
            kind_id, activity_id, compartment = kinds[i % len(kinds)]
            yield (
                new_uuid(),
                now,
                now,
                first_address_id + rng.randrange(n_addresses),
                kind_id,
                activity_id,
                rng.choice(by_compartment[compartment]),
                (today - timedelta(days=rng.randrange(730))).isoformat(),
                "Fictief signaal",
                "",
                False,
            )

    address_cols = "uuid, created, updated, bag_nummeraanduiding_id, bag_verblijfsobject_id, street, house_number, house_letter, house_number_addition, postcode, city, buurt_code"
    signal_cols = "uuid, created, updated, address_id, kind_id, activity_id, source_organisation_id, observed_on, description, external_id, legal_hold"
    started = time.perf_counter()
    if db == "postgres":
        # Generated inside the server (generate_series): no Python row loop, no network copy.
        cur.execute("SET synchronous_commit = off")
        cur.execute("SELECT setseed(0.7)")
        cur.execute(
            f"INSERT INTO cases_address ({address_cols}) "
            "SELECT gen_random_uuid(), now(), now(), '0363' || lpad(i::text, 12, '0'), '', "
            "'Fictiefstraat ' || (i %% 400), i %% 300 + 1, '', '', '10' || (64 + i %% 30) || 'X' || chr(65 + i %% 26), "
            "'Amsterdam', (%s::text[])[i %% %s + 1] FROM generate_series(0, %s - 1) AS i",
            [BUURTEN, len(BUURTEN), n_addresses],
        )
        conn.commit()
    else:
        cur.executemany(
            f"INSERT INTO cases_address ({address_cols}) VALUES ({','.join('?' * 12)})", address_rows()
        )
        conn.commit()
    timings["addresses_s"] = time.perf_counter() - started
    first = _lookup(cur, "SELECT min(id) FROM cases_address")[0][0]
    started = time.perf_counter()
    if db == "postgres":
        kind_ids = [k[0] for k in kinds]
        activity_ids = [k[1] for k in kinds]
        sources = [(by_compartment[k[2]] * 3)[:3] for k in kinds]  # three candidates per kind
        chunk = 1_000_000
        for offset in range(0, n_signals, chunk):
            cur.execute(
                f"INSERT INTO cases_signal ({signal_cols}) "
                "SELECT gen_random_uuid(), now(), now(), %s + floor(random() * %s)::int, "
                "(%s::int[])[i %% %s + 1], (%s::int[])[i %% %s + 1], "
                "(%s::int[][])[i %% %s + 1][floor(random() * 3)::int + 1], "
                "current_date - floor(random() * 730)::int, 'Fictief signaal', '', false "
                "FROM generate_series(%s, %s) AS i",
                [
                    first,
                    n_addresses,
                    kind_ids,
                    len(kinds),
                    activity_ids,
                    len(kinds),
                    sources,
                    len(kinds),
                    offset,
                    min(offset + chunk, n_signals) - 1,
                ],
            )
            conn.commit()
            print(f"  signals {min(offset + chunk, n_signals):,}/{n_signals:,}", flush=True)
    else:
        cur.executemany(
            f"INSERT INTO cases_signal ({signal_cols}) VALUES ({','.join('?' * 11)})", signal_rows(first)
        )
        conn.commit()
    timings["signals_s"] = time.perf_counter() - started
    # Cases with participants (gemeente as regie, a corporation and the wijkteam).
    case_rows = [
        (
            new_uuid(),
            now,
            now,
            first + rng.randrange(n_addresses),
            case_activity,
            "in_progress",
            orgs["gemeente"],
            "Fictieve casus",
            False,
        )
        for _ in range(n_cases)
    ]
    case_cols = (
        "uuid, created, updated, address_id, activity_id, status, regie_organisation_id, summary, legal_hold"
    )
    ph = "%s" if db == "postgres" else "?"
    cur.executemany(f"INSERT INTO cases_case ({case_cols}) VALUES ({','.join([ph] * 9)})", case_rows)
    first_case = _lookup(cur, "SELECT min(id) FROM cases_case")[0][0]
    participants = [
        (new_uuid(), now, now, first_case + i, org)
        for i in range(n_cases)
        for org in (orgs["gemeente"], orgs["woningcorporatie"], orgs["zorg-welzijn"])
    ]
    cur.executemany(
        f"INSERT INTO cases_caseparticipant (uuid, created, updated, case_id, organisation_id) VALUES ({','.join([ph] * 5)})",
        participants,
    )
    conn.commit()
    cur.execute("ANALYZE")
    conn.commit()
    sample = [
        str(uuid.UUID(str(r[0])))
        for r in _lookup(
            cur,
            "SELECT a.uuid FROM cases_address a JOIN cases_signal s ON s.address_id = a.id "
            "JOIN access_processingactivity p ON p.id = s.activity_id "
            f"WHERE a.id < {first + 200000} AND p.code = 'signalering-leefbaarheid' LIMIT 5000",
        )
    ]
    conn.close()
    timings["sample"] = sample
    return timings


def reuse_sample(env: dict) -> list[str]:
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT a.uuid FROM cases_address a JOIN cases_signal s ON s.address_id = a.id "
            "JOIN access_processingactivity p ON p.id = s.activity_id "
            "WHERE a.id < 200000 AND p.code = 'signalering-leefbaarheid' LIMIT 5000"
        ).fetchall()
    return [str(row[0]) for row in rows]


def make_token(env: dict) -> str:
    script = (
        "from django.contrib.auth import get_user_model; from smaakmaker.access.models import Membership;"
        "from smaakmaker.access.services import api_token_create;"
        "u = get_user_model().objects.get(username='regisseur');"
        "t, s = api_token_create(name='bench', user=u, organisation=Membership.objects.get(user=u).organisation); print(s)"
    )
    out = subprocess.run(
        [SMAAKMAKER, "shell", "-c", script], env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.strip().splitlines()[-1]


def start_server(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [SMAAKMAKER, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(Path(env["SMAAKMAKER_VAR_DIR"]) / "server.log", "w"),  # noqa: SIM115
    )
    for _ in range(120):
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.5)
    server.terminate()
    raise RuntimeError("server did not start")


def measure(urls: list[str], headers: dict, clients: int) -> dict:
    local = threading.local()

    def one(url):
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.headers.update(headers)
        started = time.perf_counter()
        response = session.get(url, timeout=60)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code} {response.text[:200]}")
        return elapsed

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, urls[: clients * 2]))  # warm-up
        wall = time.perf_counter()
        latencies = sorted(pool.map(one, urls))
        wall = time.perf_counter() - wall
    return {
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[int(0.95 * len(latencies)) - 1],
        "rps": len(latencies) / wall,
        "n": len(latencies),
    }


def ingest(base: str, headers: dict, bag_ids: list[str], batches: int, size: int = 1000) -> dict:
    session = requests.Session()
    session.headers.update(headers)
    kinds = ["overlast", "overbewoning", "verwaarlozing"]
    started = time.perf_counter()
    for b in range(batches):
        items = [
            {
                "bag_nummeraanduiding_id": bag_ids[(b * size + i) % len(bag_ids)],
                "kind": kinds[i % 3],
                "observed_on": date.today().isoformat(),
                "description": "bench",
            }
            for i in range(size)
        ]
        response = session.post(
            f"{base}/api/v1/signals",
            json={"signals": items},
            headers={"Idempotency-Key": f"bench-{b}-{uuid.uuid4()}"},
            timeout=120,
        )
        if response.status_code != 201:
            raise RuntimeError(f"ingestion: {response.status_code} {response.text[:300]}")
    wall = time.perf_counter() - started
    return {"signals_per_s": batches * size / wall, "batch_s": wall / batches}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--addresses", type=int, default=1_000_000)
    parser.add_argument("--signals", type=int, default=5_000_000)
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=1600)
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument(
        "--reuse",
        metavar="VAR_DIR",
        help="PostgreSQL only: measure again on the loaded database (skip the load)",
    )
    args = parser.parse_args()

    var_dir = Path(args.reuse) if args.reuse else Path(tempfile.mkdtemp(prefix="bench-register-"))
    env = env_for(args.db, var_dir)
    t0 = time.perf_counter()
    if args.reuse:
        load = {"addresses_s": float("nan"), "signals_s": float("nan"), "sample": reuse_sample(env)}
    else:
        prepare_database(args.db, env)
        load = generate(args.db, env, args.addresses, args.signals, args.cases)
    print(
        f"loaded {args.addresses:,} addresses in {load['addresses_s']:.1f} s, {args.signals:,} signals in {load['signals_s']:.1f} s"
    )
    token = make_token(env)
    server = start_server(env, args.port)
    base = f"http://127.0.0.1:{args.port}"
    headers = {"Authorization": f"Bearer {token}", "X-Purpose": "benchmark"}
    try:
        rng = random.Random(1)
        dossier_urls = [f"{base}/api/v1/addresses/{rng.choice(load['sample'])}" for _ in range(args.requests)]
        dossier = measure(dossier_urls, headers, args.clients)
        list_urls = [
            f"{base}/api/v1/cases?buurt_code={rng.choice(BUURTEN)}&limit=50"
            for _ in range(args.requests // 2)
        ]
        case_list = measure(list_urls, headers, args.clients)
        bag_ids = [f"0363{i:012d}" for i in range(0, min(args.addresses, 200_000), 7)]
        ingestion = ingest(base, {"Authorization": f"Bearer {token}"}, bag_ids, args.batches)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print()
    print(f"| {args.db} | {args.addresses:,} addresses / {args.signals:,} signals | {args.clients} clients |")
    print("|---|---:|---:|---:|")
    print("| measure | p50 ms | p95 ms | throughput |")
    print(
        f"| address dossier | {dossier['p50_ms']:.0f} | {dossier['p95_ms']:.0f} | {dossier['rps']:.0f} req/s |"
    )
    print(
        f"| case list (50) | {case_list['p50_ms']:.0f} | {case_list['p95_ms']:.0f} | {case_list['rps']:.0f} req/s |"
    )
    print(
        f"| bulk ingestion (1,000/batch) | {1000 * ingestion['batch_s']:.0f} per batch | | {ingestion['signals_per_s']:.0f} signals/s |"
    )
    print(
        f"load: addresses {load['addresses_s']:.1f} s, signals {load['signals_s']:.1f} s; total {time.perf_counter() - t0:.0f} s"
    )


if __name__ == "__main__":
    sys.exit(main())
