# SPDX-License-Identifier: EUPL-1.2
"""Benchmark of the shared address register on PostgreSQL and SQLite.

Loads N fictional addresses and M signals (PostgreSQL: COPY; SQLite: executemany in large
transactions; never the ORM), plus cases with participants, under the demo covenant widened to the
whole gemeente. Then starts a real server process (``smaakmaker runserver`` on 127.0.0.1, threaded,
no autoreload), and measures with 32 concurrent API clients (organisation-bound token, X-Purpose):

* the address dossier ``GET /api/v1/addresses/{uuid}`` (visibility, flags, alerts, audit + log),
* the case list ``GET /api/v1/cases?buurtCode=…&pageSize=50`` (50 per page, audit + one log record per row),
* bulk ingestion ``POST /api/v1/signals`` in batches of 1,000 (one client, all-or-nothing).

    .venv/bin/python bench/register/run.py --db postgres                      # 1M / 5M
    .venv/bin/python bench/register/run.py --db sqlite --addresses 100000 --signals 500000

The server is stopped at the end; it only listens on the loopback interface. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from procstat import CpuProbe  # noqa: E402 - next to this script

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
SMAAKMAKER = str(ROOT / ".venv" / "bin" / "smaakmaker")
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = os.environ.get("BENCH_PG_DB", "smaakmaker_bench_register")  # --pg-db
BUURTEN = [
    f"BU0363{w}{b:02d}" for w in ("FA", "FB", "FC", "FD", "FE", "FF", "FG", "FH") for b in range(1, 61)
]


def _use_database(name: str) -> None:
    global PG_DB  # noqa: PLW0603 - one database per run, chosen on the command line
    PG_DB = name


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
                "0363",
                "",
                "",
                "",
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

    address_cols = (
        "uuid, created, updated, bag_nummeraanduiding_id, bag_verblijfsobject_id, street, house_number, "
        "house_letter, house_number_addition, postcode, city, buurt_code, bag_gemeente_code, bag_status, "
        "gebruiksdoelen, source"
    )
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
            "'Amsterdam', (%s::text[])[i %% %s + 1], '0363', '', '', '' FROM generate_series(0, %s - 1) AS i",
            [BUURTEN, len(BUURTEN), n_addresses],
        )
        conn.commit()
    else:
        cur.executemany(
            f"INSERT INTO cases_address ({address_cols}) VALUES ({','.join('?' * 16)})", address_rows()
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
    if db == "postgres":  # the steady state autovacuum reaches: visibility map set, statistics fresh
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE")
    else:
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


def start_server(env: dict, port: int, server: str, workers: int, threads: int = 1) -> subprocess.Popen:
    """gunicorn (the production server: ``workers`` processes, sync or with ``threads`` threads each)
    or runserver (one process, a thread per request)."""
    log = open(Path(env["SMAAKMAKER_VAR_DIR"]) / "server.log", "w")  # noqa: SIM115
    if server == "gunicorn":
        command = [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "smaakmaker.conf.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--backlog=256",
        ]
        if threads > 1:
            command += ["--worker-class=gthread", f"--threads={threads}", "--keep-alive=30"]
    else:
        command = [SMAAKMAKER, "runserver", f"127.0.0.1:{port}", "--noreload"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)
    for _ in range(120):
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.5)
    process.terminate()
    raise RuntimeError("server did not start")


WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local counter = 0
local auth, purpose = os.getenv("BENCH_AUTH"), os.getenv("BENCH_PURPOSE")
function setup(thread) thread:set("offset", counter); counter = counter + 7919 end
function init(args) n = offset end
function request()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1], {["Authorization"] = auth, ["X-Purpose"] = purpose})
end
function done(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %f %f %f\\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def measure_wrk(
    base: str, paths: list[str], headers: dict, clients: int, seconds: int, probe: CpuProbe | None = None
) -> dict:
    """Closed loop with wrk: ``clients`` connections, each sending its next request on the answer.
    With ``probe``: the CPU time the server and its database spent per request of the measured run."""
    work = Path(tempfile.mkdtemp(prefix="bench-wrk-"))
    (work / "paths.txt").write_text("\n".join(paths) + "\n")
    (work / "script.lua").write_text(WRK_SCRIPT)
    env = dict(
        os.environ,
        BENCH_PATHS=str(work / "paths.txt"),
        BENCH_AUTH=headers["Authorization"],
        BENCH_PURPOSE=headers["X-Purpose"],
    )
    common = [
        "wrk",
        f"-t{min(2, clients)}",
        f"-c{clients}",
        "--timeout=30s",
        "-s",
        str(work / "script.lua"),
        base,
    ]
    subprocess.run([*common[:3], "-d3s", *common[3:]], env=env, check=True, capture_output=True)  # warm-up
    before = probe.sample() if probe else {}
    out = subprocess.run(
        [*common[:3], f"-d{seconds}s", *common[3:]], env=env, check=True, capture_output=True
    )
    spent = probe.spent(before, probe.sample()) if probe else float("nan")
    line = next(x for x in out.stdout.decode().splitlines() if x.startswith("RESULT"))
    n, bad_status, socket_errors, duration_us, p50, p95, p99 = line.split()[1:]
    if int(bad_status) or int(socket_errors):
        raise RuntimeError(f"{bad_status} responses not 2xx/3xx, {socket_errors} socket errors")
    return {
        "p50_ms": float(p50) / 1000,
        "p95_ms": float(p95) / 1000,
        "p99_ms": float(p99) / 1000,
        "rps": int(n) / (int(duration_us) / 1e6),
        "n": int(n),
        "cpu_ms": 1000 * spent / max(1, int(n)),
    }


def measure_threads(
    base: str, paths: list[str], headers: dict, clients: int, seconds: int, probe: CpuProbe | None = None
) -> dict:
    """Fallback when wrk is not installed: Python threads (costs the server CPU on a small machine)."""
    local = threading.local()
    deadline = [0.0]

    def one(path):
        if time.perf_counter() > deadline[0]:
            return None
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.headers.update(headers)
        started = time.perf_counter()
        response = session.get(base + path, timeout=60)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
        return elapsed

    many = paths * (1 + 200_000 // len(paths))
    with ThreadPoolExecutor(clients) as pool:
        deadline[0] = time.perf_counter() + 3
        list(pool.map(one, many[: clients * 4]))  # warm-up
        deadline[0] = time.perf_counter() + seconds
        before = probe.sample() if probe else {}
        wall = time.perf_counter()
        latencies = sorted(x for x in pool.map(one, many) if x is not None)
        wall = time.perf_counter() - wall
        spent = probe.spent(before, probe.sample()) if probe else float("nan")
    return {
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[int(0.95 * len(latencies)) - 1],
        "p99_ms": 1000 * latencies[int(0.99 * len(latencies)) - 1],
        "rps": len(latencies) / wall,
        "n": len(latencies),
        "cpu_ms": 1000 * spent / max(1, len(latencies)),
    }


def bench_address(i: int) -> tuple[str, dict]:
    """The BAG id and public address data of generated address ``i`` (as ``generate`` loads them)."""
    return f"0363{i:012d}", {
        "street": f"Fictiefstraat {i % 400}",
        "house_number": i % 300 + 1,
        "postcode": f"10{64 + i % 30}X{chr(65 + i % 26)}",
        "city": "Amsterdam",
        "buurt_code": BUURTEN[i % len(BUURTEN)],
    }


SIGNAL_KINDS = ("overlast", "overbewoning", "verwaarlozing")


def signal_items(addresses: list[tuple[str, dict]], batch: int, size: int) -> list[dict]:
    """Batch number ``batch`` of ``size`` signal items for ``POST /api/v1/signals``."""
    return [
        {
            "bag_nummeraanduiding_id": addresses[(batch * size + i) % len(addresses)][0],
            "address": addresses[(batch * size + i) % len(addresses)][1],
            "kind": SIGNAL_KINDS[i % 3],
            "observed_on": date.today().isoformat(),
            "description": "bench",
        }
        for i in range(size)
    ]


def ingest(
    base: str,
    headers: dict,
    addresses: list[tuple[str, dict]],
    batches: int,
    size: int = 1000,
    first_batch: int = 0,
) -> dict:
    session = requests.Session()
    session.headers.update(headers)
    started = time.perf_counter()
    for b in range(first_batch, first_batch + batches):
        response = session.post(
            f"{base}/api/v1/signals",
            json={"signals": signal_items(addresses, b, size)},
            headers={"Idempotency-Key": f"bench-{b}-{uuid.uuid4()}"},
            timeout=120,
        )
        if response.status_code != 201:
            raise RuntimeError(f"ingestion: {response.status_code} {response.text[:300]}")
    wall = time.perf_counter() - started
    return {"signals_per_s": batches * size / wall, "batch_s": wall / batches}


MEASURES = ("floor", "dossier", "dossier_1", "case_list", "ingestion")
LIMIT_SETTINGS = ("API_RATE_PER_TOKEN", "API_RATE_PER_ADDRESS", "API_LOCKOUT_FAILURES")


def compare_rate_limits(args, env: dict, token: str, addresses: list[tuple[str, dict]]) -> None:
    """Bulk ingestion with the API limits at the settings' defaults next to the limits off, in one run.

    Two gunicorn servers (``--workers`` each) on the same database, one with every limit 0 (baseline),
    one with the defaults (no SMAAKMAKER_API_* variable set). ``--repeat`` rounds of ``--batches``
    batches each, alternating which server goes first, so drift (the growing signal table, a noisy
    machine) falls on both alike; the table shows medians over the rounds. A 429 stops the run.
    """
    off = dict(env, **{f"SMAAKMAKER_{name}": "0" for name in LIMIT_SETTINGS})
    on = {key: value for key, value in env.items() if not key.startswith("SMAAKMAKER_API_")}
    servers = {"off": (off, args.port), "on": (on, args.port + 1)}
    started = {
        mode: start_server(e, port, "gunicorn", args.workers, args.threads)
        for mode, (e, port) in servers.items()
    }
    runs: dict[str, list[dict]] = {"off": [], "on": []}
    auth = {"Authorization": f"Bearer {token}"}
    try:
        for _e, port in servers.values():  # warm-up: every worker imports, connects, plans
            ingest(f"http://127.0.0.1:{port}", auth, addresses, args.workers, first_batch=10_000)
        batch = 0
        for rep in range(args.repeat):
            for mode in ("off", "on") if rep % 2 == 0 else ("on", "off"):
                port = servers[mode][1]
                runs[mode].append(
                    ingest(f"http://127.0.0.1:{port}", auth, addresses, args.batches, first_batch=batch)
                )
                batch += args.batches
            print(
                f"  round {rep + 1}/{args.repeat}: off {runs['off'][-1]['signals_per_s']:.0f}, "
                f"on {runs['on'][-1]['signals_per_s']:.0f} signals/s",
                flush=True,
            )
    finally:
        for process in started.values():
            process.terminate()
        for process in started.values():
            process.wait(timeout=30)
    defaults = subprocess.run(
        [
            SMAAKMAKER,
            "shell",
            "-c",
            f"from django.conf import settings as s; print(*[getattr(s, n) for n in {LIMIT_SETTINGS!r}])",
        ],
        env=on,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-len(LIMIT_SETTINGS) :]
    per_token, per_address, _failures = (int(x) for x in defaults)
    size = 1000
    label = f"gunicorn, {args.workers} processes" + (
        f" × {args.threads} threads" if args.threads > 1 else " (sync)"
    )
    print()
    print(
        f"{args.db}: {args.addresses:,} addresses, {args.signals:,} signals loaded; bulk ingestion "
        f"`POST /api/v1/signals`, {size:,} per request, 1 client; {args.repeat} rounds of {args.batches} "
        f"batches per setting, alternating; medians (min–max) over the rounds"
    )
    print()
    print("| API rate limits | server | per batch ms | signals/s (median) | min–max | rounds | target |")
    print("|---|---|---:|---:|---:|---:|---|")
    rows = (
        ("off", "off (baseline: every SMAAKMAKER_API_* limit 0)"),
        ("on", f"on, defaults ({per_token}/min per token, {per_address}/min per address, lock-out on)"),
    )
    medians = {}
    for mode, name in rows:
        rates = [r["signals_per_s"] for r in runs[mode]]
        batch_ms = statistics.median(1000 * r["batch_s"] for r in runs[mode])
        medians[mode] = statistics.median(rates)
        print(
            f"| {name} | {label} | {batch_ms:.0f} | **{medians[mode]:,.0f}** | {min(rates):,.0f}–{max(rates):,.0f} "
            f"| {len(rates)} | ≥ 2,000 signals/s |"
        )
    print(
        f"\nlimits on / off: {medians['on'] / medians['off']:.3f}. What the per-token limit allows one "
        f"token: {per_token}/min × {size:,} per batch = {per_token * size / 60:,.0f} signals/s (per address: "
        f"{per_address * size / 60:,.0f}); at the measured median a token uses "
        f"{60 * medians['on'] / size:.0f} of its {per_token} requests a minute."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--addresses", type=int, default=1_000_000)
    parser.add_argument("--signals", type=int, default=5_000_000)
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=20, help="measuring time per read measure")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per gunicorn worker (1: sync workers)"
    )
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the baseline (one runserver process)"
    )
    parser.add_argument(
        "--measures",
        default=",".join(MEASURES),
        help=f"comma-separated subset of {','.join(MEASURES)}",
    )
    parser.add_argument(
        "--rate-limits",
        choices=["off", "on", "counted", "compare"],
        default="off",
        help="off (default): the read measures send far more than one token's limit; on: the settings' "
        "defaults (with --measures ingestion); counted: limits so high that every request is counted "
        "and none refused (what the counting costs); compare: bulk ingestion only, limits at the "
        "defaults next to limits off, --repeat rounds, one table of medians",
    )
    parser.add_argument("--repeat", type=int, default=5, help="--rate-limits compare: rounds per setting")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="gunicorn: run the measures this many times (alternating their order); the table holds medians",
    )
    parser.add_argument(
        "--reuse",
        metavar="VAR_DIR",
        help="PostgreSQL only: measure again on the loaded database (skip the load)",
    )
    parser.add_argument(
        "--pg-db", default=PG_DB, help="PostgreSQL database name (dropped and created unless --reuse)"
    )
    args = parser.parse_args()
    _use_database(args.pg_db)
    measures = args.measures.split(",")
    if set(measures) - set(MEASURES):
        parser.error(f"--measures: choose from {','.join(MEASURES)}")

    var_dir = Path(args.reuse) if args.reuse else Path(tempfile.mkdtemp(prefix="bench-register-"))
    env = env_for(args.db, var_dir)
    for key in [key for key in env if key.startswith("SMAAKMAKER_API_")]:
        del env[key]  # "on" and "compare" mean the settings' defaults, whatever this shell exports
    limits = {"off": "0", "counted": "100000000"}.get(args.rate_limits)
    if limits is not None:
        for name in LIMIT_SETTINGS:
            env[f"SMAAKMAKER_{name}"] = limits
    t0 = time.perf_counter()
    if args.reuse:
        load = {"addresses_s": float("nan"), "signals_s": float("nan"), "sample": reuse_sample(env)}
    else:
        prepare_database(args.db, env)
        load = generate(args.db, env, args.addresses, args.signals, args.cases)
    print(
        f"loaded {args.addresses:,} addresses in {load['addresses_s']:.1f} s, "
        f"{args.signals:,} signals in {load['signals_s']:.1f} s ({var_dir})",
        flush=True,
    )
    token = make_token(env)
    measure = measure_wrk if shutil.which("wrk") else measure_threads
    client = "wrk" if measure is measure_wrk else "Python threads (install wrk for a lighter client)"
    base = f"http://127.0.0.1:{args.port}"
    headers = {"Authorization": f"Bearer {token}", "X-Purpose": "benchmark"}
    rng = random.Random(1)
    dossier_paths = [f"/api/v1/addresses/{rng.choice(load['sample'])}" for _ in range(5000)]
    list_paths = [f"/api/v1/cases?buurtCode={rng.choice(BUURTEN)}&pageSize=50" for _ in range(2000)]
    bag_addresses = [bench_address(i) for i in range(0, min(args.addresses, 200_000), 7)]
    reads = {  # paths, headers, clients, seconds
        "floor": (["/api/v1/me"], headers, args.clients, max(5, args.seconds // 2)),
        "dossier": (dossier_paths, headers, args.clients, args.seconds),
        "dossier_1": (dossier_paths, headers, 1, max(5, args.seconds // 2)),
        "case_list": (list_paths, headers, args.clients, args.seconds),
    }
    if args.rate_limits == "compare":
        compare_rate_limits(args, env, token, bag_addresses)
        print(f"\ntotal {time.perf_counter() - t0:.0f} s")
        return
    results = {}
    runs = [("gunicorn", args.workers)] + ([] if args.no_baseline else [("runserver", 1)])
    for server_kind, workers in runs:
        server = start_server(env, args.port, server_kind, workers, args.threads)
        try:
            rounds: dict[str, list[dict]] = {}
            for number in range(args.rounds if server_kind == "gunicorn" else 1):
                # alternate the order, so drift (the machine's other work) falls on every measure alike
                for key in measures if number % 2 == 0 else measures[::-1]:
                    if key == "ingestion":
                        batches = args.batches if server_kind == "gunicorn" else 3
                        one = ingest(base, {"Authorization": f"Bearer {token}"}, bag_addresses, batches)
                    else:
                        probe = CpuProbe(server.pid, PG_DB if args.db == "postgres" else None)
                        one = measure(base, *reads[key], probe=probe)
                    rounds.setdefault(key, []).append(one)
                if args.rounds > 1:
                    print(
                        f"  round {number + 1}/{args.rounds}, load average {os.getloadavg()[0]:.1f}",
                        flush=True,
                    )
            found = {
                key: {name: statistics.median(r[name] for r in runs) for name in runs[0]}
                for key, runs in rounds.items()
            }
        finally:
            server.terminate()
            server.wait(timeout=30)
        results[server_kind] = found
        print(f"measured on {server_kind}", flush=True)

    label = {
        "gunicorn": f"gunicorn, {args.workers} processes"
        + (f" × {args.threads} threads" if args.threads > 1 else " (sync)"),
        "runserver": "baseline: runserver, 1 process",
    }
    print()
    print(
        f"{args.db}: {args.addresses:,} addresses, {args.signals:,} signals; load client: {client}; "
        f"{args.seconds} s closed-loop runs (floor and 1 client: {max(5, args.seconds // 2)} s), "
        f"gunicorn: medians over {args.rounds} round(s); API rate limits {args.rate_limits}"
    )
    print()
    print(
        "| measure | server | p50 ms | p95 ms | p99 ms | throughput | server + database CPU ms per request "
        "| target |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|")
    rows = (
        ("floor", f"floor: authenticated `GET /api/v1/me`, {args.clients} clients", ""),
        ("dossier", f"address dossier, {args.clients} clients", "≥ floor / 1.7"),
        ("dossier_1", "address dossier, 1 client", "p50 ≤ 20 ms"),
        ("case_list", f"case list (50 rows), {args.clients} clients", "≤ 2 × the dossier's cost"),
    )
    for key, name, target in rows:
        for server_kind, found in results.items():
            if key not in found:
                continue
            r = found[key]
            print(
                f"| {name} | {label[server_kind]} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['p99_ms']:.0f} "
                f"| {r['rps']:.0f} req/s | {r['cpu_ms']:.1f} | {target} |"
            )
    for server_kind, found in results.items():
        if "ingestion" not in found:
            continue
        r = found["ingestion"]
        print(
            f"| bulk ingestion (1,000 per request, 1 client) | {label[server_kind]} | "
            f"{1000 * r['batch_s']:.0f} per batch | | | {r['signals_per_s']:.0f} signals/s | ≥ 2,000 signals/s |"
        )
    point7(results.get("gunicorn", {}))
    print(
        f"\ntotal {time.perf_counter() - t0:.0f} s; load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )


def point7(found: dict) -> None:
    """The three figures of issue 14 point 7, from one run, beside the floor of that run."""
    if not {"floor", "dossier", "dossier_1", "case_list"} <= set(found):
        return
    floor, dossier, one, listed = (found[k] for k in ("floor", "dossier", "dossier_1", "case_list"))

    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    print()
    print("| issue 14, point 7 | measured (throughput) | measured (CPU per request) | target |")
    print("|---|---:|---:|---|")
    print(
        f"| dossier cost / floor cost | {floor['rps'] / dossier['rps']:.2f} "
        f"({dossier['rps']:.0f} vs {floor['rps']:.0f} req/s) "
        f"| {dossier['cpu_ms'] / floor['cpu_ms']:.2f} ({dossier['cpu_ms']:.1f} vs {floor['cpu_ms']:.1f} ms) "
        f"| ≤ 1.7: {verdict(floor['rps'] / dossier['rps'] <= 1.7)} / "
        f"{verdict(dossier['cpu_ms'] / floor['cpu_ms'] <= 1.7)} |"
    )
    print(
        f"| dossier, 1 client, p50 | {one['p50_ms']:.1f} ms | {one['cpu_ms']:.1f} ms | ≤ 20 ms: {verdict(one['p50_ms'] <= 20)} |"
    )
    print(
        f"| case list (50 rows) cost / dossier cost | {dossier['rps'] / listed['rps']:.2f} "
        f"({listed['rps']:.0f} vs {dossier['rps']:.0f} req/s) "
        f"| {listed['cpu_ms'] / dossier['cpu_ms']:.2f} ({listed['cpu_ms']:.1f} vs {dossier['cpu_ms']:.1f} ms) "
        f"| ≤ 2: {verdict(dossier['rps'] / listed['rps'] <= 2)} / "
        f"{verdict(listed['cpu_ms'] / dossier['cpu_ms'] <= 2)} |"
    )


if __name__ == "__main__":
    sys.exit(main())
