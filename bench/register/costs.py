# SPDX-License-Identifier: EUPL-1.2
"""Where one request of the register benchmark spends its time: SQL statements and Python.

Runs the floor (``GET /api/v1/me``), the address dossier and the 50-row case list in process, through
Django's test client (the full middleware and DRF stack, no network), on a database loaded by
``run.py`` (``--reuse VAR_DIR``), and prints per measure: statements per request, median wall time,
and, with ``--pyinstrument``, a profile of the slowest parts.

    .venv/bin/python bench/register/costs.py --pg-db smaakmaker_bench_register --var-dir /tmp/bench-register-XXXX
    .venv/bin/python bench/register/costs.py ... --show-sql dossier     # the statements of one dossier
    .venv/bin/python bench/register/costs.py ... --pyinstrument dossier

Not collected by pytest.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-db", required=True)
    parser.add_argument("--var-dir", required=True)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--show-sql", choices=["floor", "dossier", "case_list"])
    parser.add_argument("--pyinstrument", choices=["floor", "dossier", "case_list"])
    parser.add_argument(
        "--cprofile", choices=["floor", "dossier", "case_list"], help="CPU time (process_time) per function"
    )
    args = parser.parse_args()

    import run  # the benchmark's own loader and token maker
    from procstat import cpu_seconds

    run._use_database(args.pg_db)
    env = run.env_for("postgres", Path(args.var_dir))
    for name in run.LIMIT_SETTINGS:  # as run.py's default (--rate-limits off)
        env[f"SMAAKMAKER_{name}"] = "0"
    os.environ.update(env)
    sample = run.reuse_sample(env)
    token = run.make_token(env)

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_PURPOSE="benchmark", HTTP_HOST="127.0.0.1")
    rng = random.Random(1)
    paths = {
        "floor": lambda: "/api/v1/me",
        "dossier": lambda: f"/api/v1/addresses/{rng.choice(sample)}",
        "case_list": lambda: f"/api/v1/cases?buurtCode={rng.choice(run.BUURTEN)}&pageSize=50",
    }
    print(
        "| measure | statements per request | Python CPU ms, median | database CPU ms, mean | wall ms, median "
        "| wall ms, min |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, path in paths.items():
        for _ in range(5):  # warm-up: imports, prepared statements, policy snapshot
            assert client.get(path()).status_code == 200
        counts = []
        for _ in range(10):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path())
            assert response.status_code == 200, response.content[:300]
            counts.append(len(queries))
            statements = list(queries.captured_queries)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        times, cpu = [], []
        database_started = cpu_seconds(backend)
        for _ in range(args.repeat):  # timed without the query capture (it costs time itself)
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(path())
            times.append(1000 * (time.perf_counter() - started))
            cpu.append(1000 * (time.process_time() - started_cpu))
        database_ms = 1000 * (cpu_seconds(backend) - database_started) / args.repeat
        print(
            f"| {name} | {statistics.median(counts):.0f} | {statistics.median(cpu):.1f} | {database_ms:.1f} "
            f"| {statistics.median(times):.1f} | {min(times):.1f} |"
        )
        if args.show_sql == name:
            for query in statements:
                print(f"  [{query['time']}] {query['sql'][:400]}")
    if args.cprofile:
        import cProfile
        import pstats

        profiler = cProfile.Profile(time.process_time)
        path = paths[args.cprofile]
        profiler.enable()
        for _ in range(args.repeat):
            client.get(path())
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(30)
    if args.pyinstrument:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        path = paths[args.pyinstrument]
        with profiler:
            for _ in range(args.repeat):
                client.get(path())
        print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    sys.exit(main())
