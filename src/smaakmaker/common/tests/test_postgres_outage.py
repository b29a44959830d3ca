# SPDX-License-Identifier: EUPL-1.2
"""PostgreSQL stopped under load (issue 14 point 6): every request answers 503 problem+json with
``Retry-After`` (never a 500 page), and the app serves again by itself once the database is back.

The test starts a private PostgreSQL cluster of its own (initdb/pg_ctl in a temporary folder, another
port), so it can stop it; it is skipped where the PostgreSQL server binaries are not installed."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from .instances import Instance, free_port, wait_for

pytestmark = pytest.mark.postgres

BINARIES = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))


def _as_postgres(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Run a server binary (initdb refuses to run as root: then as the ``postgres`` user)."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=120, **kwargs)  # noqa: S603


@pytest.fixture
def private_postgres():
    if not BINARIES:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    bin_dir = Path(BINARIES[-1]).parent
    root = Path(tempfile.mkdtemp(prefix="smaakmaker-pg-"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", free_port()
    _as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"])
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"

    def start():
        _as_postgres(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w", "start"]
        )

    def stop():
        _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"])

    start()
    _as_postgres(
        [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "smaakmaker"]
    )
    try:
        yield {"url": f"postgres://postgres@127.0.0.1:{port}/smaakmaker", "start": start, "stop": stop}
    finally:
        subprocess.run(  # noqa: S603
            (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
            + [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)


def _get(port: int, secret: str):
    request = urllib.request.Request(  # noqa: S310 - a local test server
        f"http://127.0.0.1:{port}/api/v1/me", headers={"Authorization": f"Bearer {secret}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_postgresql_stopped_under_load_gives_503_and_recovers(private_postgres, tmp_path):
    instance = Instance(tmp_path / "instance", extra_env={"DATABASE_URL": private_postgres["url"]})
    instance.var_dir.mkdir(parents=True)
    try:
        instance.command("migrate", "--no-input", "-v", "0")
        secret = instance.python(
            "from smaakmaker.access.demo import demo_load\n"
            "from smaakmaker.access.models import Membership\n"
            "from smaakmaker.access.services import api_token_create\n"
            "demo_load()\n"
            "m = Membership.objects.filter(user__username='regisseur').first()\n"
            "out['secret'] = api_token_create(name='load', user=m.user, organisation=m.organisation)[1]"
        )["secret"]
        port = free_port()
        instance.server(port)
        assert _get(port, secret)[0] == 200

        phase = {"name": "up"}
        seen: dict[str, Counter] = {"up": Counter(), "down": Counter(), "back": Counter()}
        bad: list = []
        stop = threading.Event()

        def client():
            while not stop.is_set():
                current = phase["name"]
                status, headers, body = _get(port, secret)
                seen[current][status] += 1
                if status not in (200, 503):
                    bad.append((current, status, body[:300]))
                if status == 503 and (
                    headers.get("Content-Type") != "application/problem+json"
                    or headers.get("Retry-After") != "5"
                    or json.loads(body)["status"] != 503
                ):
                    bad.append((current, "503 without problem details or Retry-After", headers))

        clients = [threading.Thread(target=client) for _ in range(4)]
        for thread in clients:
            thread.start()
        time.sleep(1.5)
        phase["name"] = "down"
        private_postgres["stop"]()
        time.sleep(3)
        private_postgres["start"]()
        phase["name"] = "back"
        # It recovers by itself: no restart of the app.
        wait_for(lambda: seen["back"][200] >= 20, timeout=60, what="requests served again")
        stop.set()
        for thread in clients:
            thread.join(timeout=60)

        assert not bad, bad[:5]
        assert seen["up"][200] > 0
        assert seen["down"][503] > 0, seen  # the outage was seen, as 503s
        assert seen["back"][200] >= 20
    finally:
        instance.stop_all()
