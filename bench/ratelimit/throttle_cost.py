# SPDX-License-Identifier: EUPL-1.2
"""What the API limits cost per request, in one process, without HTTP: the two DRF throttles
(per address, per token) and the lock-out check, on the database the environment names.

    SMAAKMAKER_VAR_DIR=/tmp/x .venv/bin/python bench/ratelimit/throttle_cost.py          # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/db .venv/bin/python bench/ratelimit/throttle_cost.py

The database must be migrated (the cache table is made by migration access.0007). Limits are set so
high that every call is counted and none refused; the cache table gets ``--clients`` address and token
entries (the table's size is what ``SELECT COUNT(*)`` in Django's DatabaseCache.set scans). Medians of
``--rounds`` rounds of ``--calls`` calls, each round from an empty history (so 0 to ``--calls``
entries, as one client at up to ``--calls`` a minute). Not collected by pytest.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smaakmaker.conf.settings")
for name in ("API_RATE_PER_TOKEN", "API_RATE_PER_ADDRESS", "API_LOCKOUT_FAILURES"):
    os.environ[f"SMAAKMAKER_{name}"] = "100000000"

import django  # noqa: E402

django.setup()

from django.core.cache import caches  # noqa: E402
from django.db import connection  # noqa: E402
from rest_framework.test import APIRequestFactory  # noqa: E402

from smaakmaker.access import throttling  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=1000, help="other entries in the cache table")
    args = parser.parse_args()

    from smaakmaker.access.models import ApiToken

    factory = APIRequestFactory()

    def request(i: int):
        drf = factory.get("/api/v1/me", REMOTE_ADDR=f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}")
        drf.auth = ApiToken(pk=10_000_000 + i)  # an unsaved token: only its pk is used
        return drf

    cache = caches[throttling.API_LIMITS_CACHE]
    cache.clear()
    for i in range(args.clients):  # a table with other clients' entries
        r = request(i)
        throttling.AddressRateThrottle().allow_request(r, None)
        throttling.TokenRateThrottle().allow_request(r, None)

    me = request(args.clients + 1)
    steps = {
        "lock-out check (cache get)": lambda: throttling.api_lockout_wait(request=me),
        "per-address throttle (locked read-modify-write)": lambda: (
            throttling.AddressRateThrottle().allow_request(me, None)
        ),
        "per-token throttle (locked read-modify-write)": lambda: throttling.TokenRateThrottle().allow_request(
            me, None
        ),
    }
    results = {}
    for name, step in steps.items():
        rounds = []
        for _ in range(args.rounds):
            for throttle in (throttling.AddressRateThrottle(), throttling.TokenRateThrottle()):
                cache.delete(throttle.get_cache_key(me, None))  # histories of 0 to --calls entries, not more
            started = time.perf_counter()
            for _ in range(args.calls):
                step()
            rounds.append(1000 * (time.perf_counter() - started) / args.calls)
        results[name] = rounds
    cache.clear()
    print(
        f"{connection.vendor}: {args.clients:,} other clients' entries in the cache table; medians of "
        f"{args.rounds} rounds × {args.calls} calls\n"
    )
    print("| step | ms per request (median) | min–max |")
    print("|---|---:|---:|")
    for name, rounds in results.items():
        print(f"| {name} | {statistics.median(rounds):.2f} | {min(rounds):.2f}–{max(rounds):.2f} |")
    total = sum(statistics.median(r) for r in results.values())
    print(f"| **all three, a bearer-token request** | **{total:.2f}** | |")


if __name__ == "__main__":
    sys.exit(main())
