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

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from smaakmaker.access.models import AuditRecord, ProcessingLogRecord
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


def pseudonym(subject_type: str, subject_id: str) -> str:
    """A keyed, stable pseudonym: the same subject always maps to the same value, without revealing it."""
    key = hashlib.sha256(settings.PSEUDONYM_KEY.encode()).digest()
    return hmac.new(key, f"{subject_type}:{subject_id}".encode(), hashlib.sha256).hexdigest()[:32]


def _value(value) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return "" if value is None else str(value)


def row_hash(previous_hash: str, values: dict) -> str:
    payload = json.dumps({k: _value(v) for k, v in values.items()}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256((previous_hash + "|" + payload).encode()).hexdigest()


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
        rows = []
        previous = log_head
        for item in processing:
            log_values = {
                "trace_id": trace.trace_id,
                "span_id": new_span_id(),
                "parent_span_id": trace.span_id,
                "name": action,
                "start_time": started or now,
                "end_time": now,
                "status_code": "OK" if result == Result.OK else "ERROR",
                "activity_id": item.activity_code,
                "activity_uuid": item.activity_uuid,
                "data_subject_type": item.subject_type,
                "data_subject_id": pseudonym(item.subject_type, item.subject_id) if item.subject_id else "",
                "audit_hash": record.hash,
            }
            digest = row_hash(previous, log_values)
            rows.append({**log_values, "previous_hash": previous, "hash": digest})
            previous = digest
        insert_values(ProcessingLogRecord, rows)
    return record


@dataclass(frozen=True)
class ChainBreak:
    table: str
    row_id: int
    problem: str


def _verify(model, fields: tuple[str, ...], *, batch: int = 5000) -> Iterator[ChainBreak]:
    previous = GENESIS
    last_id = 0
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
    """Recompute both chains; an empty list means nothing was edited, inserted or removed."""
    return [*_verify(AuditRecord, AUDIT_FIELDS), *_verify(ProcessingLogRecord, LOG_FIELDS)]


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
        return 1

    connection.connection.create_function("smaakmaker_audit_locked", 0, locked)


def connect_sqlite_guard() -> None:
    from django.db.backends.signals import connection_created

    connection_created.connect(_register_guard, dispatch_uid="smaakmaker_audit_guard")
