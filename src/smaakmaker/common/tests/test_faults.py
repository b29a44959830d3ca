# SPDX-License-Identifier: EUPL-1.2
"""Faults survived (issue 14 point 6), each against a real instance in processes of its own:
``kill -9`` of the worker during a scheduler run and an evaluation, of the web server during a partner's
bulk ingestion, of a BAG import, and a locked SQLite database. (PostgreSQL stopped under load: test_postgres_outage.py.)

Each asserts that the database is consistent afterwards: nothing half written, the job retried or
failed with a reason, never left "running"."""

from __future__ import annotations

import json
import signal
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .instances import copy_database, free_port, kill9, wait_for


def _task_rows(instance, path_suffix: str) -> list[tuple]:
    return instance.query(
        "SELECT status, worker_ids, exception_class_path FROM django_tasks_database_dbtaskresult WHERE task_path LIKE ?",
        (f"%{path_suffix}",),
    )


def test_kill9_during_a_scheduler_run_retries_it_and_keeps_no_half_result(instance):
    out = instance.python(
        "from django.db import transaction\n"
        "from smaakmaker.plans import services\n"
        "from smaakmaker.plans.models import Approach\n"
        "with transaction.atomic():\n"
        "    run = services.run_create(actor=None, approach=Approach.objects.order_by('id').first(), time_limit_s=4)\n"
        "    services.run_start_background(run=run)\n"
        "out['run'] = run.pk"
    )
    run_id = out["run"]

    def state():
        return instance.query(
            "SELECT state, proposed_starts, message FROM plans_schedulerrun WHERE id = ?", (run_id,)
        )[0]

    assert state()[0] == "queued"
    first = instance.worker()
    wait_for(lambda: state()[0] == "running", timeout=60, what="the run to start")
    time.sleep(1.0)  # the solver is busy
    kill9(first)
    assert state()[0] == "running"  # what the killed worker left behind
    assert json.loads(state()[1] or "null") in (None, {})  # no half proposal
    ((status, _workers, _exc),) = _task_rows(instance, "scheduler_run_task")
    assert status == "RUNNING"

    second = instance.worker()  # finds the lost task (its worker's pid is gone) and runs it again
    wait_for(lambda: state()[0] in ("finished", "failed"), timeout=120, what="the retried run to end")
    final_state, proposal, message = state()
    assert final_state == "finished", (message, instance.log("worker"))
    assert json.loads(proposal), "the retried run stored its whole proposal"
    ((status, workers, _exc),) = _task_rows(instance, "scheduler_run_task")
    assert status == "SUCCESSFUL" and len(json.loads(workers)) == 2
    second.terminate()
    second.wait(timeout=30)


def test_kill9_during_every_attempt_of_an_evaluation_fails_it_with_a_reason(instance):
    out = instance.python(
        "from django.db import transaction\n"
        "from smaakmaker.areas.models import Area, Indicator\n"
        "from smaakmaker.monitoring import services\n"
        "from smaakmaker.monitoring.demo import AREA, INDICATOR, START\n"
        "with transaction.atomic():\n"
        "    ev = services.evaluation_create(actor=None, area=Area.objects.get(code=AREA),\n"
        "        indicator=Indicator.objects.get(key=INDICATOR), treatment_year=START, donor_pool='peers',\n"
        "        peers_k=40, exclude_adjacent=True, covariates=['huurwoningen_pct', 'woz_waarde'], note='fault')\n"
        "    services.evaluation_start_background(evaluation=ev)\n"
        "out['id'] = ev.pk"
    )
    evaluation_id = out["id"]

    def row():
        return instance.query(
            "SELECT status, result, error_code, message FROM monitoring_effectevaluation WHERE id = ?",
            (evaluation_id,),
        )[0]

    def attempt_running(n):
        tasks = _task_rows(instance, "evaluation_task")
        return row()[0] == "running" and tasks[0][0] == "RUNNING" and len(json.loads(tasks[0][1])) == n

    for attempt in (1, 2):
        worker = instance.worker()
        wait_for(lambda: attempt_running(attempt), timeout=60, what=f"attempt {attempt} to start", step=0.005)
        kill9(worker)
        assert row()[0] == "running"
        assert json.loads(row()[1] or "null") in (None, {})  # nothing of the result
    instance.worker()  # the third worker finds the task lost twice: failed with the reason
    wait_for(lambda: row()[0] == "failed", timeout=60, what="the evaluation to be failed")
    status, result, error_code, message = row()
    assert error_code == "worker_lost" and "achtergrondverwerker stopte" in message
    assert json.loads(result or "null") in (None, {})
    ((task_status, workers, exception),) = _task_rows(instance, "evaluation_task")
    assert task_status == "FAILED" and exception.endswith("WorkerLost") and len(json.loads(workers)) == 2


def _token_and_items(instance, count: int) -> dict:
    return instance.python(
        "from smaakmaker.access.models import Membership\n"
        "from smaakmaker.access.services import api_token_create\n"
        "from smaakmaker.cases.models import Address\n"
        "from django.contrib.auth import get_user_model\n"
        "user = get_user_model().objects.get(username='professional')\n"
        "m = Membership.objects.filter(user=user).first()\n"
        "_t, secret = api_token_create(name='fault', user=user, organisation=m.organisation)\n"
        "a = Address.objects.filter(buurt_code='BU0363FD04').order_by('id').first()\n"
        "item = {'bag_nummeraanduiding_id': a.bag_nummeraanduiding_id, 'address': {'street': a.street,\n"
        "    'house_number': a.house_number, 'postcode': a.postcode, 'city': a.city, 'buurt_code': a.buurt_code},\n"
        "    'kind': 'overlast', 'observed_on': '2024-06-01'}\n"
        f"out['items'] = [dict(item, description=f'fault {{i}}') for i in range({count})]\n"
        "out['secret'] = secret"
    )


def _post(port: int, path: str, body: dict, headers: dict, timeout: float = 120):
    request = urllib.request.Request(  # noqa: S310 - a local test server
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_kill9_of_the_web_server_during_a_bulk_ingestion_stores_all_or_nothing(instance):
    data = _token_and_items(instance, 5000)
    headers = {
        "Authorization": f"Bearer {data['secret']}",
        "X-Purpose": "toets van een storing",
        "Idempotency-Key": "fault-batch-1",
    }

    def counts():
        return instance.query(
            "SELECT (SELECT count(*) FROM cases_signal WHERE description LIKE 'fault %'), "
            "(SELECT count(*) FROM cases_ingestionbatch WHERE idempotency_key = 'fault-batch-1'), "
            "(SELECT count(*) FROM access_auditrecord WHERE action = 'signal.ingest')"
        )[0]

    before = counts()
    port = free_port()
    server = instance.server(port)
    outcome = {}
    thread = threading.Thread(
        target=lambda: outcome.update(
            result=_safe_post(port, "/api/v1/signals", {"signals": data["items"]}, headers)
        )
    )
    thread.start()
    time.sleep(1.5)  # the request is being read, checked and written
    kill9(server)
    thread.join(timeout=30)
    after_kill = counts()
    stored = after_kill[0] - before[0]
    assert stored in (0, 5000), f"half a batch stored: {stored}"
    assert (after_kill[1], after_kill[2] - before[2]) == ((1, 1) if stored else (0, 0))

    # The partner system retries with the same Idempotency-Key once the server is back: stored once.
    port = free_port()
    instance.server(port)
    status, _headers, body = _post(port, "/api/v1/signals", {"signals": data["items"]}, headers)
    assert status in (200, 201), body[:500]
    assert counts()[0] - before[0] == 5000 and counts()[1] == 1
    problems = instance.command("audit", "verify", check=False)
    assert problems.returncode == 0, problems.stderr


def _safe_post(*args):
    try:
        return _post(*args)
    except (OSError, urllib.error.URLError) as exc:  # the server died under the request
        return exc


def test_a_locked_sqlite_database_gives_503_with_retry_after_not_a_traceback(instance):
    instance.extra_env["SMAAKMAKER_SQLITE_TIMEOUT"] = "1"
    data = _token_and_items(instance, 1)
    port = free_port()
    instance.server(port)
    headers = {
        "Authorization": f"Bearer {data['secret']}",
        "X-Purpose": "toets",
        "Idempotency-Key": "locked-1",
    }
    holder = sqlite3.connect(instance.database, timeout=5, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program holds the write lock
    try:
        status, headers_out, body = _post(port, "/api/v1/signals", {"signals": data["items"]}, headers)
        assert status == 503, body[:500]
        assert headers_out.get("Content-Type") == "application/problem+json"
        assert headers_out.get("Retry-After") == "5"
        problem = json.loads(body)
        assert problem["status"] == 503 and "Traceback" not in body.decode()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    status, _headers, body = _post(port, "/api/v1/signals", {"signals": data["items"]}, headers)
    assert status == 201, body[:500]  # the lock is gone: served again, nothing to restart


DOESBURG = Path(__file__).resolve().parents[4] / "data" / "bag" / "doesburg" / "BAGGEM0221L-15092020.zip"


def _holds_write_lock(database: Path) -> bool:
    """True while another connection holds SQLite's write lock (a transaction that has written)."""
    probe = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    else:
        probe.execute("ROLLBACK")
        return False
    finally:
        probe.close()


def _bag_state(instance) -> tuple:
    return (
        instance.query("SELECT count(*) FROM cases_address")[0][0],
        instance.query("SELECT count(*) FROM cases_addressarea")[0][0],
        instance.query("SELECT count(*) FROM areas_importbatch WHERE kind LIKE 'addresses-%'")[0][0],
        instance.query("SELECT count(*) FROM access_auditrecord WHERE action = 'address.import'")[0][0],
    )


def test_kill9_during_a_bag_import_writes_nothing_and_the_next_import_is_whole(instance):
    """The import is one transaction: killed while it holds the write lock (stopped first with SIGSTOP,
    so that it cannot commit between the check and the kill), the database keeps nothing of it."""
    before = _bag_state(instance)
    untouched = instance.var_dir / "before-import.sqlite3"
    copy_database(instance.database, untouched)
    for _attempt in range(5):
        importer = instance.start("addresses", "import-bag", str(DOESBURG), log_name="bag-import")
        wait_for(
            lambda: importer.poll() is not None or _holds_write_lock(instance.database),  # noqa: B023
            timeout=120,
            what="the import to start writing",
            step=0.002,
        )
        if importer.poll() is None:
            importer.send_signal(signal.SIGSTOP)
            if _holds_write_lock(instance.database):  # stopped inside its transaction
                kill9(importer)
                break
            importer.send_signal(signal.SIGCONT)
        importer.wait(timeout=120)  # it committed between the check and the stop: start again
        copy_database(untouched, instance.database)
    else:
        pytest.fail("five imports in a row committed before they could be stopped inside their transaction")
    assert importer.returncode == -signal.SIGKILL
    assert not _holds_write_lock(instance.database)  # the lock died with the process
    assert _bag_state(instance) == before, "nothing of the killed import may remain"
    assert "Chains intact" in instance.command("audit", "verify").stdout

    result = instance.command("addresses", "import-bag", str(DOESBURG))  # again, to the end
    addresses, areas, batches, audits = _bag_state(instance)
    assert addresses > before[0] and areas > before[1], result.stdout
    assert (batches, audits) == (before[2] + 1, before[3] + 1)
    assert "Chains intact" in instance.command("audit", "verify").stdout
