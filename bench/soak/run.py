# SPDX-License-Identifier: EUPL-1.2
"""Soak: minutes of mixed load on gunicorn and PostgreSQL, then the books are checked.

64 closed-loop clients (each sends its next request when the answer arrived) for ``--minutes`` (5),
each request drawn from a fixed mix: address dossiers, 50-row case lists, bulk signal ingestion,
area profile pages and plan pages (the plan's interventions, address-level ones included), all through
the API with an organisation-bound token of the demo regisseur. Afterwards:

* errors: every answer that is not 2xx, and every connection that failed, per kind of request;
* memory: the resident set (RSS) of the gunicorn master and its workers, sampled every 5 s; the growth
  between minute 1 and the last minute;
* the audit chain: ``smaakmaker audit verify`` on the database afterwards;
* the books: the audit records written during the soak, per action, against the personal-data reads
  the clients were served (a dossier, a case list, a plan page showing address-level interventions)
  and the ingestion batches stored.

The database is the register benchmark's (``bench/register/run.py``; ``--reuse`` its var dir with the
same ``--pg-db``), or a smaller one loaded here (``--addresses`` …). The areas (bundled CBS data) and
the demo plan are loaded into it when missing.

    .venv/bin/python bench/soak/run.py --pg-db smaakmaker_bench_register --reuse /tmp/bench-register-XXXX
    .venv/bin/python bench/soak/run.py --addresses 200000 --signals 1000000 --cases 10000   # build one

The load client is Python asyncio on plain sockets (one connection per request: gunicorn's sync workers
close it after each answer), light enough to share the two cores with the server. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "register"))
import run as register  # noqa: E402 - the register benchmark's loader, token and server
from procstat import rss_bytes, server_pids  # noqa: E402

MIX = {"dossier": 40, "case_list": 15, "signals": 5, "area": 20, "plan": 20}
#: audit action per kind of request whose answer holds personal data (or stores it)
AUDITED = {
    "dossier": "address.read",
    "case_list": "case.list",
    "plan": "plan.addresses.read",
    "signals": "signal.ingest",
}


def _setup_areas_and_plan(env: dict) -> None:
    script = (
        "from smaakmaker.areas.models import Area\n"
        "if not Area.objects.exists():\n"
        "    from rich.console import Console\n"
        "    from smaakmaker.areas.demo import demo_load\n"
        "    demo_load(stdout=Console(stderr=True))\n"
        "from smaakmaker.plans.demo import demo_load as plan_load\n"
        "plan_load()\n"
    )
    subprocess.run([register.SMAAKMAKER, "shell", "-c", script], env=env, check=True, capture_output=True)


def _targets(env: dict) -> dict:
    """Area codes with a profile, and the plans, straight from the database."""
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        areas = [  # buurten and wijken of Amsterdam with figures for the latest year
            row[0]
            for row in conn.execute(
                "SELECT a.code FROM areas_area a WHERE a.level IN ('buurt', 'wijk') AND a.code LIKE %s "
                "AND EXISTS (SELECT 1 FROM areas_indicatorvalue v WHERE v.area_id = a.id "
                "AND v.year = (SELECT max(year) FROM areas_indicatorvalue)) ORDER BY a.code LIMIT 200",
                ["%0363%"],
            )
        ]
        plans = [str(row[0]) for row in conn.execute("SELECT uuid FROM plans_approach ORDER BY id")]
        audit_from = conn.execute("SELECT coalesce(max(id), 0) FROM access_auditrecord").fetchone()[0]
    return {"areas": areas, "plans": plans, "audit_from": audit_from}


async def _request(port: int, method: str, path: str, headers: dict, body: bytes = b"") -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body:
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        answer = await reader.read()
    finally:
        writer.close()
    head, _sep, content = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    return status, content


def _shows_addresses(content: bytes) -> bool:
    """Whether a plan page (paged interventions) holds an address-level intervention."""
    try:
        return any(item.get("address") for item in json.loads(content)["results"])
    except (ValueError, KeyError, TypeError):
        return False


async def _soak(args, port: int, plan: dict, master: int) -> dict:
    token_headers = {"Authorization": f"Bearer {plan['token']}", "X-Purpose": "soak"}
    kinds = list(MIX)
    weights = [MIX[k] for k in kinds]
    served: dict[str, list[tuple[int, float]]] = defaultdict(list)
    personal = Counter()
    failures = Counter()
    memory: list[tuple[float, int]] = []
    started = time.monotonic()
    deadline = started + 60 * args.minutes
    batch_counter = iter(range(10**9))

    def path_for(kind: str, rng: random.Random) -> tuple[str, str, bytes, dict]:
        if kind == "dossier":
            return "GET", f"/api/v1/addresses/{rng.choice(plan['sample'])}", b"", token_headers
        if kind == "case_list":
            return (
                "GET",
                f"/api/v1/cases?buurtCode={rng.choice(register.BUURTEN)}&pageSize=50",
                b"",
                token_headers,
            )
        if kind == "area":
            return "GET", f"/api/v1/areas/{rng.choice(plan['areas'])}/profile", b"", token_headers
        if kind == "plan":
            return (
                "GET",
                f"/api/v1/plans/{rng.choice(plan['plans'])}/interventions?pageSize=50",
                b"",
                token_headers,
            )
        items = register.signal_items(plan["bag_addresses"], next(batch_counter), args.batch)
        body = json.dumps({"signals": items}).encode()
        return "POST", "/api/v1/signals", body, {**token_headers, "Idempotency-Key": f"soak-{uuid.uuid4()}"}

    async def client(number: int) -> None:
        rng = random.Random(number)
        while time.monotonic() < deadline:
            kind = rng.choices(kinds, weights)[0]
            method, path, body, headers = path_for(kind, rng)
            begin = time.perf_counter()
            try:
                status, content = await asyncio.wait_for(_request(port, method, path, headers, body), 120)
            except (TimeoutError, OSError, ValueError, IndexError) as exc:
                failures[(kind, type(exc).__name__)] += 1
                served[kind].append((0, time.perf_counter() - begin))
                continue
            served[kind].append((status, time.perf_counter() - begin))
            if not 200 <= status < 300:
                failures[(kind, str(status))] += 1
            elif kind in ("dossier", "case_list", "signals") or (
                kind == "plan" and _shows_addresses(content)
            ):
                personal[kind] += 1

    async def sampler() -> None:
        while time.monotonic() < deadline:
            memory.append((time.monotonic() - started, sum(rss_bytes(pid) for pid in server_pids(master))))
            await asyncio.sleep(5)

    await asyncio.gather(sampler(), *(client(i) for i in range(args.clients)))
    return {
        "served": served,
        "personal": personal,
        "failures": failures,
        "memory": memory,
        "seconds": time.monotonic() - started,
    }


def _audited(env: dict, after_id: int) -> Counter:
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        rows = conn.execute(
            "SELECT action, count(*) FROM access_auditrecord WHERE id > %s AND result = 'ok' GROUP BY action",
            [after_id],
        ).fetchall()
    return Counter(dict(rows))


def _rss_at(memory: list[tuple[float, int]], second: float) -> int:
    return min(memory, key=lambda sample: abs(sample[0] - second))[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-db", default=register.PG_DB)
    parser.add_argument("--reuse", metavar="VAR_DIR", help="a database loaded by bench/register/run.py")
    parser.add_argument("--addresses", type=int, default=200_000)
    parser.add_argument("--signals", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (sync)")
    parser.add_argument("--batch", type=int, default=100, help="signals per ingestion request")
    parser.add_argument("--port", type=int, default=8851)
    args = parser.parse_args()
    register._use_database(args.pg_db)

    t0 = time.perf_counter()
    var_dir = Path(args.reuse) if args.reuse else Path(tempfile.mkdtemp(prefix="bench-soak-"))
    env = register.env_for("postgres", var_dir)
    for name in register.LIMIT_SETTINGS:  # 64 clients on one token send far more than its limit
        env[f"SMAAKMAKER_{name}"] = "0"
    if args.reuse:
        sample = register.reuse_sample(env)
        size = "the register benchmark's database (reused)"
    else:
        register.prepare_database("postgres", env)
        sample = register.generate("postgres", env, args.addresses, args.signals, args.cases)["sample"]
        size = f"{args.addresses:,} addresses, {args.signals:,} signals, {args.cases:,} cases"
    _setup_areas_and_plan(env)
    plan = _targets(env)
    with __import__("psycopg").connect(env["DATABASE_URL"]) as conn:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM cases_address), (SELECT count(*) FROM cases_signal), "
            "(SELECT count(*) FROM cases_case)"
        ).fetchone()
    size += f": {counts[0]:,} addresses, {counts[1]:,} signals, {counts[2]:,} cases before the soak"
    plan.update(
        token=register.make_token(env),
        sample=sample,
        bag_addresses=[register.bench_address(i) for i in range(0, min(counts[0], 200_000), 7)],
    )
    if not plan["areas"] or not plan["plans"]:
        raise SystemExit("no areas or no plan in the database: the area and plan demo did not load")
    load_before = os.getloadavg()
    server = register.start_server(env, args.port, "gunicorn", args.workers)
    try:
        found = asyncio.run(_soak(args, args.port, plan, server.pid))
    finally:
        server.terminate()
        server.wait(timeout=60)
    load_after = os.getloadavg()
    verify = subprocess.run(
        [register.SMAAKMAKER, "audit", "verify"], env=env, capture_output=True, text=True, check=False
    )
    audited = _audited(env, plan["audit_from"])

    served, failures, memory = found["served"], found["failures"], found["memory"]
    total = sum(len(v) for v in served.values())
    errors = sum(failures.values())
    print()
    print(
        f"Soak: {args.clients} clients, {found['seconds'] / 60:.1f} minutes, gunicorn {args.workers} sync "
        f"workers, PostgreSQL; {size}; API rate limits off; load average before {load_before[0]:.1f}, "
        f"after {load_after[0]:.1f} (2 vCPU shared with other work)"
    )
    print()
    print("| request | mix | served | errors | p50 ms | p95 ms | per second |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind in MIX:
        rows = served.get(kind, [])
        times = sorted(1000 * t for _s, t in rows) or [float("nan")]
        bad = sum(n for (k, _why), n in failures.items() if k == kind)
        print(
            f"| {kind} | {MIX[kind]} % | {len(rows):,} | {bad} | {statistics.median(times):.0f} "
            f"| {times[int(0.95 * (len(times) - 1))]:.0f} | {len(rows) / found['seconds']:.1f} |"
        )
    print(f"| all | | {total:,} | {errors} | | | {total / found['seconds']:.1f} |")
    if failures:
        print("\nerrors: " + ", ".join(f"{k} {why}: {n}" for (k, why), n in sorted(failures.items())))
    minute1 = _rss_at(memory, 60)
    last = _rss_at(memory, memory[-1][0])
    growth = (last - minute1) / minute1
    personal = found["personal"]
    print()
    print("| check | measured | target |")
    print("|---|---|---|")
    print(f"| errors | {errors} of {total:,} | 0 |")
    print(
        f"| server memory (RSS, gunicorn master + {args.workers} workers) | minute 1: {minute1 / 2**20:.0f} MiB, "
        f"minute {memory[-1][0] / 60:.0f}: {last / 2**20:.0f} MiB, growth {100 * growth:+.1f} % | ≤ 10 % |"
    )
    chain = (verify.stdout or verify.stderr).strip().splitlines()[-1:] or ["?"]
    print(
        f"| audit chain afterwards | {'verifies' if verify.returncode == 0 else 'BROKEN'}: {chain[0]} | verifies |"
    )
    for kind, action in AUDITED.items():
        what = "ingestion batches stored" if kind == "signals" else "personal-data reads served"
        print(
            f"| audit records `{action}` = {what} ({kind}) | {audited.get(action, 0):,} = {personal.get(kind, 0):,}"
            f" {'✓' if audited.get(action, 0) == personal.get(kind, 0) else '✗'} | equal |"
        )
    reads = sum(personal.get(k, 0) for k in ("dossier", "case_list", "plan"))
    read_records = sum(audited.get(AUDITED[k], 0) for k in ("dossier", "case_list", "plan"))
    print(f"| all personal-data reads | {read_records:,} audit records = {reads:,} reads served | equal |")
    print(
        "\nmemory samples (s: MiB): "
        + ", ".join(f"{t:.0f}: {rss / 2**20:.0f}" for t, rss in memory[:: max(1, len(memory) // 12)])
    )
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
