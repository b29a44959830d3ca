# SPDX-License-Identifier: EUPL-1.2
"""Audit and processing log: written in the caller's transaction, hash-chained, append-only.

``audit_record`` writes one audit record and, for every processing activity and data subject the
operation touched, one processing-log record (after the Logboek Dataverwerkingen standard). Both
tables have their own hash chain: each row's hash covers its fields and the previous row's hash, so
an edited, inserted or removed row breaks the chain and ``smaakmaker audit verify`` reports it.

There is no update or delete path: the ORM refuses (``AppendOnlyModel``), the tables have no foreign
keys (nothing cascades into them) and database triggers refuse UPDATE and DELETE (migration 0003).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from smaakmaker.access.models import AuditRecord, LogCheckpoint, ProcessingLogRecord
from smaakmaker.access.tracing import current_trace, new_span_id
from smaakmaker.common.bulk import insert_values

GENESIS = "0" * 64
CHAIN_LOCK_KEY = 7_302_113_001  # PostgreSQL advisory lock serialising both chains

AUDIT_FIELDS = (
    "at",
    "actor_id",
    "actor",
    "organisation",
    "action",
    "object_type",
    "object_id",
    "result",
    "reason",
    "origin",
    "trace_id",
)
LOG_FIELDS = (
    "trace_id",
    "span_id",
    "parent_span_id",
    "name",
    "start_time",
    "end_time",
    "status_code",
    "activity_id",
    "activity_uuid",
    "data_subject_type",
    "data_subject_id",
    "audit_hash",
)


class Result:
    OK = "ok"
    DENIED = "denied"
    NOT_FOUND = "not_found"
    INVALID = "invalid"


@dataclass(frozen=True)
class Processing:
    """One processing operation on one data subject under one processing activity."""

    activity_code: str
    activity_uuid: str = ""
    subject_type: str = ""
    subject_id: str = ""  # the internal id; only its pseudonym is logged


@dataclass
class Origin:
    channel: str = "cli"  # web, api, cli, task
    address: str = ""
    token: str = ""
    extra: dict = field(default_factory=dict)

    def __str__(self) -> str:
        parts = [self.channel]
        if self.address:
            parts.append(self.address)
        if self.token:
            parts.append(f"token:{self.token}")
        return " ".join(parts)[:200]


def origin_of(request) -> Origin:
    from smaakmaker.access.throttling import client_address

    channel = "api" if request.path.startswith("/api/") else "web"
    token = getattr(request, "api_token", None)
    return Origin(channel=channel, address=client_address(request) or "", token=token.prefix if token else "")


@functools.lru_cache(maxsize=8)
def _pseudonym_key(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def pseudonym(subject_type: str, subject_id: str) -> str:
    """A keyed, stable pseudonym: the same subject always maps to the same value, without revealing it."""
    key = _pseudonym_key(settings.PSEUDONYM_KEY)
    return hmac.digest(key, f"{subject_type}:{subject_id}".encode(), "sha256").hex()[:32]


def _value(value) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return "" if value is None else str(value)


def row_hash(previous_hash: str, values: dict) -> str:
    payload = json.dumps({k: _value(v) for k, v in values.items()}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256((previous_hash + "|" + payload).encode()).hexdigest()


_json_text = json.encoder.encode_basestring  # how ``json.dumps(..., ensure_ascii=False)`` writes a str


def row_hashes(previous_hash: str, rows: list[dict]) -> list[str]:
    """The hashes of ``rows`` (all with the same keys) chained after ``previous_hash``: each exactly as
    ``row_hash`` gives it (the same JSON text, built here without ``json.dumps``), with a value the rows
    share (the same object: trace, time stamps, audit hash) converted once instead of once per row."""
    if not rows:
        return []
    keys = sorted(rows[0])
    heads = [_json_text(key) + ": " for key in keys]
    last_value: list = [object()] * len(keys)
    last_text: list = [""] * len(keys)
    hashes = []
    previous = previous_hash
    for row in rows:
        if len(row) != len(keys):
            raise ValueError("rows with other keys")
        parts = []
        for i, key in enumerate(keys):
            value = row[key]
            if value is not last_value[i]:
                last_value[i] = value
                last_text[i] = heads[i] + _json_text(_value(value))
            parts.append(last_text[i])
        previous = hashlib.sha256((previous + "|{" + ", ".join(parts) + "}").encode()).hexdigest()
        hashes.append(previous)
    return hashes


HEADS_SQL = (  # table names from the models, no input
    f"SELECT (SELECT hash FROM {AuditRecord._meta.db_table} ORDER BY id DESC LIMIT 1), "  # noqa: S608
    f"(SELECT hash FROM {ProcessingLogRecord._meta.db_table} ORDER BY id DESC LIMIT 1)"
)


def _lock_chains_and_read_heads() -> tuple[str, str]:
    """Serialise writers of both chains for the rest of the transaction; return both chains' last hashes.

    PostgreSQL: a transaction-level advisory lock (taken in its own statement, so the heads are read
    after it is granted). SQLite: transactions start IMMEDIATE (settings), so writers are serialised.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
        cursor.execute(HEADS_SQL)
        audit_head, log_head = cursor.fetchone()
    return audit_head or GENESIS, log_head or GENESIS


def _actor_parts(actor) -> tuple[int | None, str, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, "system", ""
    from smaakmaker.access.policies import policy_snapshot

    names = policy_snapshot(actor).organisation_names
    return actor.pk, actor.get_username(), names[0] if names else ""


def audit_record(
    *,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    result: str = Result.OK,
    reason: str = "",
    origin: Origin | None = None,
    processing: Iterable[Processing] = (),
    started: datetime | None = None,
) -> AuditRecord:
    """Write the audit record and its processing-log records in the current transaction."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(getattr(obj, "uuid", obj.pk))
    trace = current_trace()
    now = timezone.now()
    actor_id, actor_name, organisation = _actor_parts(actor)
    # No savepoint of its own: when the audit write fails, the caller's whole transaction fails.
    with transaction.atomic(savepoint=False):
        audit_head, log_head = _lock_chains_and_read_heads()
        values = {
            "at": now,
            "actor_id": actor_id,
            "actor": actor_name,
            "organisation": organisation[:200],
            "action": action,
            "object_type": object_type,
            "object_id": object_id[:64],
            "result": result,
            "reason": (reason or "")[:500],
            "origin": str(origin or Origin()),
            "trace_id": trace.trace_id,
        }
        record = AuditRecord(**values, previous_hash=audit_head, hash=row_hash(audit_head, values))
        record.save()
        start_time = started or now
        status_code = "OK" if result == Result.OK else "ERROR"
        rows = [
            {
                "trace_id": trace.trace_id,
                "span_id": new_span_id(),
                "parent_span_id": trace.span_id,
                "name": action,
                "start_time": start_time,
                "end_time": now,
                "status_code": status_code,
                "activity_id": item.activity_code,
                "activity_uuid": item.activity_uuid,
                "data_subject_type": item.subject_type,
                "data_subject_id": pseudonym(item.subject_type, item.subject_id) if item.subject_id else "",
                "audit_hash": record.hash,
            }
            for item in processing
        ]
        previous = log_head
        for row, digest in zip(rows, row_hashes(log_head, rows), strict=True):
            row["previous_hash"], row["hash"] = previous, digest
            previous = digest
        insert_values(ProcessingLogRecord, rows)
    return record


@dataclass(frozen=True)
class ChainBreak:
    table: str
    row_id: int
    problem: str


def _verify(
    model, fields: tuple[str, ...], *, batch: int = 5000, start: str = GENESIS, after_id: int = 0
) -> Iterator[ChainBreak]:
    previous = start
    last_id = after_id
    name = model._meta.db_table
    while True:
        rows = list(
            model.objects.filter(id__gt=last_id)
            .order_by("id")
            .values("id", "previous_hash", "hash", *fields)[:batch]
        )
        if not rows:
            return
        for row in rows:
            if row["previous_hash"] != previous:
                yield ChainBreak(name, row["id"], "previous hash does not match the preceding row")
            expected = row_hash(row["previous_hash"], {key: row[key] for key in fields})
            if expected != row["hash"]:
                yield ChainBreak(name, row["id"], "contents do not match the row's hash (edited)")
            previous = row["hash"]
            last_id = row["id"]


def chain_verify() -> list[ChainBreak]:
    """Recompute both chains; an empty list means nothing was edited, inserted or removed.

    After a purge (:func:`logs_purge`) each chain verifies from its latest checkpoint: the checkpoints'
    signatures (a chain of their own) are checked first, then the remaining rows from the checkpoint's
    last hash on."""
    breaks = list(_verify_checkpoints())
    starts = _chain_starts()
    for model, fields in ((AuditRecord, AUDIT_FIELDS), (ProcessingLogRecord, LOG_FIELDS)):
        start, after_id = starts.get(model._meta.db_table, (GENESIS, 0))
        if after_id and model.objects.filter(id__lte=after_id).exists():
            breaks.append(
                ChainBreak(model._meta.db_table, after_id, "a record the checkpoint removed is still there")
            )
        breaks.extend(_verify(model, fields, start=start, after_id=after_id))
    return breaks


# --- retention of the logs themselves: purge with a signed checkpoint ------------------------------

CHECKPOINT_FIELDS = ("at", "table", "up_to_id", "removed", "removed_until", "last_hash")

_purge = threading.local()


class ChainBrokenError(RuntimeError):
    """The chains do not verify: nothing is purged (the removed part would take the evidence with it)."""


def _checkpoint_key() -> bytes:
    return hashlib.sha256(("smaakmaker-log-checkpoint:" + settings.SECRET_KEY).encode()).digest()


def checkpoint_signature(values: dict, previous_signature: str) -> str:
    payload = json.dumps(
        {**{k: _value(v) for k, v in values.items()}, "previous": previous_signature}, sort_keys=True
    )
    return hmac.new(_checkpoint_key(), payload.encode(), hashlib.sha256).hexdigest()


def _verify_checkpoints() -> Iterator[ChainBreak]:
    previous = ""
    for row in LogCheckpoint.objects.order_by("id").values(
        "id", "previous_signature", "signature", *CHECKPOINT_FIELDS
    ):
        values = {key: row[key] for key in CHECKPOINT_FIELDS}
        if row["previous_signature"] != previous:
            yield ChainBreak(LogCheckpoint._meta.db_table, row["id"], "previous checkpoint does not match")
        if not hmac.compare_digest(checkpoint_signature(values, row["previous_signature"]), row["signature"]):
            yield ChainBreak(
                LogCheckpoint._meta.db_table, row["id"], "signature does not match (edited or forged)"
            )
        previous = row["signature"]


def _chain_starts() -> dict[str, tuple[str, int]]:
    """Per log table: the hash and id the remaining chain continues from (its latest checkpoint)."""
    starts = {}
    for row in LogCheckpoint.objects.order_by("id").values("table", "last_hash", "up_to_id"):
        starts[row["table"]] = (row["last_hash"], row["up_to_id"])
    return starts


def purge_allowed() -> bool:
    """True only inside :func:`logs_purge` (the SQLite delete guard asks)."""
    return getattr(_purge, "active", False)


@contextmanager
def _purging():
    _purge.active = True
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # the triggers let DELETE through for this transaction only
                cursor.execute("SET LOCAL smaakmaker.log_purge = 'on'")
        yield
    finally:
        _purge.active = False
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL smaakmaker.log_purge = 'off'")


@dataclass
class PurgeReport:
    older_than: datetime
    removed: dict[str, int] = field(default_factory=dict)
    checkpoints: list[int] = field(default_factory=list)


def logs_purge(*, older_than: datetime, actor=None, origin: Origin | None = None) -> PurgeReport:
    """Remove the audit and processing-log records older than ``older_than``: the one deliberate, audited
    exception to append-only. In one transaction, with both chains locked: verify the chains (a broken
    chain is not purged: :class:`ChainBrokenError`), delete each chain's oldest prefix, write a signed
    checkpoint per chain (the remaining chain verifies from its last hash), and audit the purge."""
    report = PurgeReport(older_than=older_than)
    with transaction.atomic():
        _lock_chains_and_read_heads()
        breaks = chain_verify()
        if breaks:
            raise ChainBrokenError(
                f"{len(breaks)} problem(s), the first in {breaks[0].table} row {breaks[0].row_id}"
            )
        previous = LogCheckpoint.objects.order_by("-id").values_list("signature", flat=True).first() or ""
        for model, time_field in ((AuditRecord, "at"), (ProcessingLogRecord, "start_time")):
            table = model._meta.db_table
            first_kept = (
                model.objects.filter(**{f"{time_field}__gte": older_than})
                .order_by("id")
                .values_list("id", flat=True)
                .first()
            )
            old = model.objects.all() if first_kept is None else model.objects.filter(id__lt=first_kept)
            last = old.order_by("-id").values("id", "hash").first()
            if last is None:
                report.removed[table] = 0
                continue
            count = old.count()
            with _purging(), connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table} WHERE id <= %s", [last["id"]])  # noqa: S608 - model table name
            values = {
                "at": timezone.now(),
                "table": table,
                "up_to_id": last["id"],
                "removed": count,
                "removed_until": older_than,
                "last_hash": last["hash"],
            }
            signature = checkpoint_signature(values, previous)
            checkpoint = LogCheckpoint(**values, previous_signature=previous, signature=signature)
            checkpoint.save()
            previous = signature
            report.removed[table] = count
            report.checkpoints.append(checkpoint.pk)
        if report.checkpoints:
            audit_record(
                actor=actor,
                action="audit.purge",
                object_type="access.logcheckpoint",
                object_id=",".join(str(pk) for pk in report.checkpoints),
                reason=(
                    f"retention of the logs: {report.removed.get(AuditRecord._meta.db_table, 0)} audit and "
                    f"{report.removed.get(ProcessingLogRecord._meta.db_table, 0)} processing-log records older "
                    f"than {older_than.date().isoformat()} removed"
                ),
                origin=origin or Origin(channel="task"),
            )
    return report


def log_retention_cutoff(*, now: datetime | None = None) -> tuple[datetime, int]:
    """The moment before which log records are removed, and the term in days: the configured term, but
    never shorter than the longest retention period of a processing activity (an inzage must find how
    data was processed for as long as the data itself may exist)."""
    from django.db.models import Max

    from smaakmaker.access.models import ProcessingActivity

    longest = ProcessingActivity.objects.aggregate(longest=Max("retention_days"))["longest"] or 0
    days = max(settings.LOG_RETENTION_DAYS, longest)
    return (now or timezone.now()) - timedelta(days=days), days


def records_for_subject(*, subject_type: str, subject_id: str):
    """The processing-log records about one data subject (for inzage)."""
    return ProcessingLogRecord.objects.filter(
        data_subject_type=subject_type, data_subject_id=pseudonym(subject_type, subject_id)
    ).order_by("id")


# --- SQLite delete guard ------------------------------------------------------------------------

_guard = {"relaxed_for_test_databases": True}


def _is_test_database(conn) -> bool:
    name = str(conn.settings_dict.get("NAME") or "")
    test_name = str((conn.settings_dict.get("TEST") or {}).get("NAME") or "")
    return "memorydb" in name or name.startswith("test_") or (bool(test_name) and name == test_name)


def _register_guard(sender, connection, **kwargs):  # noqa: ARG001
    if connection.vendor != "sqlite":
        return

    def locked() -> int:
        if _guard["relaxed_for_test_databases"] and _is_test_database(connection):
            return 0
        return 0 if purge_allowed() else 1

    def checkpoint_locked() -> int:  # checkpoints are never purged
        if _guard["relaxed_for_test_databases"] and _is_test_database(connection):
            return 0
        return 1

    connection.connection.create_function("smaakmaker_audit_locked", 0, locked)
    connection.connection.create_function("smaakmaker_checkpoint_locked", 0, checkpoint_locked)


def connect_sqlite_guard() -> None:
    from django.db.backends.signals import connection_created

    connection_created.connect(_register_guard, dispatch_uid="smaakmaker_audit_guard")
