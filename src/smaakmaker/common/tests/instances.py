# SPDX-License-Identifier: EUPL-1.2
"""Real Smaakmaker instances for the fault and backup tests: their own SQLite database in a temporary
folder, driven through the ``smaakmaker`` command in processes of their own (a worker, a web server),
so a test can kill them with SIGKILL like an operating system would."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

SMAAKMAKER = str(Path(sys.executable).with_name("smaakmaker"))


def instance_env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMAAKMAKER_", "DATABASE_URL"))}
    env.update(
        {
            "SMAAKMAKER_VAR_DIR": str(var_dir),
            "DJANGO_SETTINGS_MODULE": "smaakmaker.conf.settings",
            "SMAAKMAKER_LOG_LEVEL": "WARNING",
            # the fault tests start scheduled work themselves
            "SMAAKMAKER_SCHEDULE_RETENTION_HOURS": "0",
            "SMAAKMAKER_SCHEDULE_AUDIT_VERIFY_HOURS": "0",
            "SMAAKMAKER_SCHEDULE_AREA_SCANS_HOURS": "0",
            "SMAAKMAKER_SCHEDULE_LOG_RETENTION_HOURS": "0",
        }
    )
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Instance:
    var_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return instance_env(self.var_dir, **self.extra_env)

    @property
    def database(self) -> Path:
        return self.var_dir / "smaakmaker.sqlite3"

    def command(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
        result = subprocess.run(  # noqa: S603 - our own console script
            [SMAAKMAKER, *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if check and result.returncode != 0:
            raise AssertionError(f"smaakmaker {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def python(self, code: str) -> dict:
        """Run Django code in the instance; the code sets ``out`` (a JSON-able dict)."""
        wrapped = f"import json\nout = {{}}\n{code}\nprint('@@' + json.dumps(out, default=str))"
        result = self.command("shell", "-c", wrapped)
        line = next(line for line in result.stdout.splitlines() if line.startswith("@@"))
        return json.loads(line[2:])

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        db = sqlite3.connect(self.database, timeout=30)
        try:
            return db.execute(sql, params).fetchall()
        finally:
            db.close()

    def start(self, *args: str, log_name: str) -> subprocess.Popen:
        log = open(self.var_dir / f"{log_name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(  # noqa: S603 - our own console script
            [SMAAKMAKER, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        return process

    def worker(self) -> subprocess.Popen:
        return self.start("worker", "--no-schedule", "--interval", "0.1", log_name="worker")

    def server(self, port: int) -> subprocess.Popen:
        process = self.start("runserver", f"127.0.0.1:{port}", "--noreload", log_name="server")
        wait_for(lambda: _port_open(port), timeout=60, what=f"the web server on port {port}")
        return process

    def log(self, name: str) -> str:
        path = self.var_dir / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def kill9(process: subprocess.Popen) -> None:
    """SIGKILL, as the kernel's OOM killer or a power cut would: no handler, no clean-up."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)  # reaped: its pid is gone


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for(predicate, *, timeout: float, what: str, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy with SQLite's backup API (the seed stays untouched)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    origin, destination = sqlite3.connect(source), sqlite3.connect(target)
    try:
        origin.backup(destination)
    finally:
        destination.close()
        origin.close()
