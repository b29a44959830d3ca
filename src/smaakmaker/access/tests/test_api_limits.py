# SPDX-License-Identifier: EUPL-1.2
"""API rate limits and the lock-out after wrong tokens: per token, per client address, shared by processes."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
import time_machine
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client

from smaakmaker.access.audit import chain_verify
from smaakmaker.access.models import AuditRecord, Membership
from smaakmaker.access.services import api_token_create
from smaakmaker.access.throttling import API_LIMITS_CACHE

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"
PROBLEM = "application/problem+json"
ATTACKER = "203.0.113.7"
NEIGHBOUR = "198.51.100.9"
WRONG = "Bearer 0123abcd.not-the-secret"
START = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)  # tokens and memberships start now


@pytest.fixture
def token(demo_users):
    """A function returning the secret of a new organisation-bound token of a demo user."""

    def _token(username: str = "regisseur") -> str:
        user = demo_users[username]
        membership = Membership.objects.filter(user=user).first()
        _token, secret = api_token_create(
            name=f"test-{username}", user=user, organisation=membership.organisation
        )
        return f"Bearer {secret}"

    return _token


@pytest.fixture
def small_lockout(settings):
    settings.API_LOCKOUT_FAILURES = 3
    settings.API_LOCKOUT_WINDOW_MINUTES = 10
    settings.API_LOCKOUT_MINUTES = 15
    return settings


def _get(authorization: str | None, address: str = ATTACKER, path: str = ME, **headers):
    extra = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    return Client().get(path, REMOTE_ADDR=address, **extra, **headers)


def _assert_429(response) -> int:
    assert response.status_code == 429, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 429 and body["title"] and body["detail"]
    retry_after = int(response["Retry-After"])
    assert retry_after >= 1
    return retry_after


def test_200_wrong_tokens_from_one_address_end_in_429_and_lock_out_the_right_token(token):
    right = token()
    failures = settings.API_LOCKOUT_FAILURES
    lockout = settings.API_LOCKOUT_MINUTES * 60
    # The clock stands still, so the Retry-After values are exact however slow the machine: 200 requests
    # can take more than a second on a loaded one, and a ticking clock then answers 899, not 900.
    with time_machine.travel(START, tick=False) as traveller:
        statuses = [_get(WRONG).status_code for _ in range(200)]
        assert statuses[: failures - 1] == [401] * (failures - 1)
        assert set(statuses[failures - 1 :]) == {429}
        last = _get(WRONG)
        assert _assert_429(last) == lockout
        assert "API-tokens" in last.json()["detail"]
        # During the lock-out even the right token from that address is refused ...
        traveller.shift(timedelta(minutes=5))
        assert _assert_429(_get(right)) == lockout - 5 * 60
        # ... while another address is not affected, with a right or a wrong token.
        assert _get(right, address=NEIGHBOUR).status_code == 200
        assert _get(WRONG, address=NEIGHBOUR).status_code == 401
    assert AuditRecord.objects.filter(action="api.lockout").count() == 1


def test_a_full_cache_table_culls_counters_before_lock_outs(token, small_lockout, settings):
    """Above MAX_ENTRIES Django's DatabaseCache deletes the lowest third of the keys in key order; a
    client that makes the table overflow (many addresses) must not so lift the lock-outs."""
    settings.CACHES = {
        **settings.CACHES,
        API_LIMITS_CACHE: {**settings.CACHES[API_LIMITS_CACHE], "OPTIONS": {"MAX_ENTRIES": 6}},
    }
    right = token()
    with time_machine.travel(START, tick=False):
        assert [_get(WRONG).status_code for _ in range(3)] == [401, 401, 429]
        for index in range(30):  # a counter per address, far more than MAX_ENTRIES
            assert _get(None, address=f"192.0.2.{index}", path="/api/v1/health").status_code == 200
        assert caches[API_LIMITS_CACHE]._max_entries == 6
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {caches[API_LIMITS_CACHE]._table}")  # noqa: S608
            assert cursor.fetchone()[0] <= 7  # culled all along
        _assert_429(_get(right))


def test_the_lock_out_ends_after_its_time(token, small_lockout):
    right = token()
    with time_machine.travel(START, tick=False) as traveller:
        assert [_get(WRONG).status_code for _ in range(3)] == [401, 401, 429]
        traveller.move_to(START + timedelta(minutes=14, seconds=59))
        assert _assert_429(_get(right)) == 1
        traveller.move_to(START + timedelta(minutes=15, seconds=1))
        assert _get(right).status_code == 200
        # The count started again: two more wrong tokens are 401s, the third locks again.
        assert [_get(WRONG).status_code for _ in range(3)] == [401, 401, 429]


def test_wrong_tokens_are_counted_within_the_window_only(token, small_lockout):
    with time_machine.travel(START, tick=False) as traveller:
        assert [_get(WRONG).status_code for _ in range(2)] == [401, 401]
        traveller.move_to(START + timedelta(minutes=10, seconds=1))
        assert [_get(WRONG).status_code for _ in range(2)] == [401, 401]
        assert _get(WRONG).status_code == 429


def test_a_right_token_does_not_reset_the_count(token, small_lockout):
    right = token()
    for _ in range(2):
        assert _get(WRONG).status_code == 401
        assert _get(right).status_code == 200
    assert _get(WRONG).status_code == 429


def test_each_lock_out_is_audited_without_the_address_or_the_token(token, small_lockout):
    right = token()
    prefix = right.split()[1].split(".")[0]
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(10):  # one lock-out, then refused requests that do not lock again
            _get(WRONG)
        _get(right)
        traveller.move_to(START + timedelta(minutes=16))
        for _ in range(3):  # a second lock-out after the first ended
            _get(WRONG)
    records = list(AuditRecord.objects.filter(action="api.lockout").order_by("id"))
    assert len(records) == 2
    for record in records:
        assert record.result == "denied"
        assert record.actor == "system" and record.actor_id is None and record.organisation == ""
        assert record.origin == "api"
        assert "3 wrong API tokens" in record.reason and "15 minutes" in record.reason
        text = " ".join(str(getattr(record, field.attname)) for field in AuditRecord._meta.fields)
        for personal in (ATTACKER, "203.0.113", prefix, "0123abcd", "not-the-secret"):
            assert personal not in text
    assert chain_verify() == []


def test_the_lock_out_leaves_a_signed_in_browser_session_from_that_address_alone(signed_in, small_lockout):
    for _ in range(3):
        _get(WRONG)
    browser = signed_in("regisseur")
    assert browser.get(ME, REMOTE_ADDR=ATTACKER).status_code == 200


def test_the_limit_per_token(token, settings):
    settings.API_RATE_PER_TOKEN = 5
    first, second = token("regisseur"), token("analist")
    with time_machine.travel(START, tick=False) as traveller:
        assert [_get(first).status_code for _ in range(5)] == [200] * 5
        assert _assert_429(_get(first)) == 60
        traveller.move_to(START + timedelta(seconds=20))
        assert _assert_429(_get(first, address=NEIGHBOUR)) == 40  # per token, from any address
        assert _get(second).status_code == 200  # another token from the same address is not affected
        traveller.move_to(START + timedelta(seconds=61))
        assert _get(first).status_code == 200


def test_the_limit_per_client_address(token, client, settings):
    settings.API_RATE_PER_ADDRESS = 4
    first, second = token("regisseur"), token("analist")
    with time_machine.travel(START, tick=False):
        assert _get(first).status_code == 200
        assert _get(second).status_code == 200
        assert _get(None, path="/api/v1/health").status_code == 200  # anonymous calls count too
        assert _get(second).status_code == 200
        _assert_429(_get(first))
        _assert_429(_get(None, path="/api/v1/health"))
        assert _get(first, address=NEIGHBOUR).status_code == 200


def test_x_forwarded_for_is_ignored_unless_a_proxy_is_trusted(token, small_lockout, settings):
    right = token()
    proxy = "10.0.0.1"
    # Default: a client cannot choose its address by sending the header.
    for index in range(3):
        _get(WRONG, address=ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{index}")
    _assert_429(_get(right, address=ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.99"))

    # Behind one trusted proxy the address it appended (the last entry) counts, whatever came before it.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for index in range(3):
        _get(WRONG, address=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{index}, {NEIGHBOUR}")
    _assert_429(_get(right, address=proxy, HTTP_X_FORWARDED_FOR=NEIGHBOUR))
    assert _get(right, address=proxy, HTTP_X_FORWARDED_FOR=f"{NEIGHBOUR}, 192.0.2.50").status_code == 200


def test_an_ipv6_client_is_counted_per_64_network(token, small_lockout):
    right = token()
    for suffix in ("1", "2", "3"):
        _get(WRONG, address=f"2001:db8:1:2::{suffix}")
    _assert_429(_get(right, address="2001:db8:1:2:ffff:ffff:ffff:ffff"))
    assert _get(right, address="2001:db8:1:3::1").status_code == 200


def test_sign_in_lock_out_follows_the_same_client_address_rule(demo_users, settings):
    """django-axes uses the same rule: behind a trusted proxy, per forwarded client address."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post(
            "/inloggen/", {"username": "analist", "password": "fout"}, HTTP_X_FORWARDED_FOR=ATTACKER, **proxy
        )
    login = {"username": "analist", "password": "demo-smaakmaker"}
    assert Client().post("/inloggen/", login, HTTP_X_FORWARDED_FOR=ATTACKER, **proxy).status_code == 429
    assert Client().post("/inloggen/", login, HTTP_X_FORWARDED_FOR=NEIGHBOUR, **proxy).status_code == 302


def test_limits_set_to_0_are_off(token, settings, monkeypatch):
    from smaakmaker.access import throttling

    settings.API_RATE_PER_TOKEN = 0
    settings.API_RATE_PER_ADDRESS = 0
    settings.API_LOCKOUT_FAILURES = 0
    right = token()

    def unread():
        raise AssertionError("the limits' cache is read although every limit is off")

    monkeypatch.setattr(throttling, "_cache", unread)
    assert {_get(WRONG).status_code for _ in range(30)} == {401}
    assert {_get(right).status_code for _ in range(30)} == {200}


@pytest.mark.django_db(transaction=True)
def test_the_migration_makes_and_removes_the_cache_table():
    from django.db.migrations.executor import MigrationExecutor

    table = caches[API_LIMITS_CACHE]._table
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("access", "0006_covenant_end_reason")])
        assert table not in connection.introspection.table_names()
    finally:  # back to the latest state, so that the tests after this one find every table
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert table in connection.introspection.table_names()


# --- Server processes on one database ------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(tmp_path: Path, **limits: str) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SMAAKMAKER_") and key not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        target = sqlite3.connect(tmp_path / "smaakmaker.sqlite3")
        connection.ensure_connection()
        connection.connection.backup(target)  # the test database, committed (transaction=True)
        target.close()
    else:
        env["DATABASE_URL"] = (
            f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        )
    env.update(
        {
            "PYTHONPATH": str(Path(settings.PROJECT_DIR) / "src"),  # the code under test
            "SMAAKMAKER_VAR_DIR": str(tmp_path),
            "SMAAKMAKER_SECRET_KEY": "two-processes-" + "k" * 50,  # the same in all, as in production
            "SMAAKMAKER_LOG_LEVEL": "WARNING",
            "SMAAKMAKER_API_RATE_PER_TOKEN": "4",
            "SMAAKMAKER_API_RATE_PER_ADDRESS": "0",
            "SMAAKMAKER_API_LOCKOUT_FAILURES": "3",
            "SMAAKMAKER_API_LOCKOUT_MINUTES": "15",
            **limits,
        }
    )
    return env


@contextmanager
def _servers(tmp_path: Path, env: dict, *, count: int = 1, workers: int = 1):
    """``count`` gunicorn servers with ``workers`` processes each on the test database; their base URLs.

    Each server's access log (``<port>.access``) has one line per request: the answering worker's
    process id and the status.
    """
    ports = [_free_port() for _ in range(count)]
    servers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "smaakmaker.conf.wsgi:application",
                f"--bind=127.0.0.1:{port}",
                f"--workers={workers}",
                f"--access-logfile={tmp_path / f'{port}.access'}",
                "--access-logformat=%(p)s %(s)s",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / f"server-{port}.log").open("w"),
        )
        for port in ports
    ]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for port, base in zip(ports, bases, strict=True):
            deadline = time.monotonic() + 60  # generous: a loaded machine boots slowly; a quick one goes on
            while True:
                try:
                    if requests.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail((tmp_path / f"server-{port}.log").read_text())
                time.sleep(0.1)
        yield bases
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
        caches[API_LIMITS_CACHE].clear()  # PostgreSQL: the servers wrote to the test database itself


def _answering_workers(tmp_path: Path, base: str) -> set[str]:
    port = base.rsplit(":", 1)[1]
    return {line.split()[0] for line in (tmp_path / f"{port}.access").read_text().splitlines() if line}


def _lockouts_audited(tmp_path: Path) -> int:
    """Lock-out audit records in the database the servers wrote (SQLite: their copy of the test database)."""
    if connection.vendor == "sqlite":
        with closing(sqlite3.connect(tmp_path / "smaakmaker.sqlite3")) as database:
            query = f"SELECT COUNT(*) FROM {AuditRecord._meta.db_table} WHERE action = 'api.lockout'"  # noqa: S608
            return database.execute(query).fetchone()[0]
    return AuditRecord.objects.filter(action="api.lockout").count()


def _get_from(base: str, authorization: str) -> requests.Response:
    # A new connection per request (no keep-alive): whichever worker accepts it first answers.
    return requests.get(
        f"{base}{ME}", headers={"Authorization": authorization, "Connection": "close"}, timeout=30
    )


@pytest.mark.django_db(transaction=True)
def test_two_server_processes_share_the_counts(tmp_path, token):
    first, second = token("regisseur"), token("analist")
    with _servers(tmp_path, _server_env(tmp_path), count=2) as (a, b):
        # Four requests per token per minute, whichever process answers them.
        assert [_get_from(base, first).status_code for base in (a, b, a, b)] == [200] * 4
        for base in (a, b):
            refused = _get_from(base, first)
            assert refused.status_code == 429 and refused.headers["Content-Type"] == PROBLEM
            assert 1 <= int(refused.headers["Retry-After"]) <= 60

        # Wrong tokens counted together: the third, on either process, locks the address out of both.
        assert [_get_from(a, WRONG).status_code, _get_from(b, WRONG).status_code] == [401, 401]
        assert _get_from(a, WRONG).status_code == 429
        locked = _get_from(b, second)  # a right token, not yet used
        assert locked.status_code == 429
        assert int(locked.headers["Retry-After"]) > 60  # the lock-out (15 minutes), not the rate limit
        assert _lockouts_audited(tmp_path) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_in_four_workers_are_each_counted(tmp_path, token):
    """No lost update: requests that arrive together in different worker processes all count, so exactly
    the limit passes, and exactly one lock-out follows the configured number of wrong tokens in total."""
    right = token()
    env = _server_env(tmp_path, SMAAKMAKER_API_RATE_PER_TOKEN="10", SMAAKMAKER_API_LOCKOUT_FAILURES="5")
    with _servers(tmp_path, env, workers=4) as (base,), ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda _: _get_from(base, right), range(40)))
        assert Counter(answer.status_code for answer in answers) == {200: 10, 429: 30}
        assert all(
            1 <= int(answer.headers["Retry-After"]) <= 60 for answer in answers if answer.status_code == 429
        )

        answers = list(pool.map(lambda _: _get_from(base, WRONG), range(40)))
        # Four 401s, then the fifth wrong token locks the address; the wrong tokens already on their way
        # get the lock-out's 429 too, and do not start a new count.
        assert Counter(answer.status_code for answer in answers) == {401: 4, 429: 36}
        assert all(int(answer.headers["Retry-After"]) > 60 for answer in answers if answer.status_code == 429)
        assert _get_from(base, right).status_code == 429
        assert len(_answering_workers(tmp_path, base)) >= 2  # the premise: several processes answered
    assert _lockouts_audited(tmp_path) == 1
