# SPDX-License-Identifier: EUPL-1.2
"""Partner files of signals: a partner's CSV or XLSX, checked (the dry run) and imported all or nothing.

Flow (the web, the API and ``smaakmaker signals import-file`` alike):

1. :func:`partner_file_upload` keeps the file (its content until the import ends, its SHA-256 for good);
2. :func:`partner_file_check` reads it with the column mapping (saved for the partner organisation, for
   the next file) and reports what an import would do: rows accepted, rows rejected with line, column
   and reason, addresses not found, rows already in the register, duplicate rows;
3. :func:`partner_file_commit_start` puts the import on the background queue (a task of
   ``smaakmaker worker``); :func:`partner_file_execute` checks the file again and, only when no row is
   rejected, stores every signal in one transaction together with the audit record and the processing
   log. A file with one bad row stores nothing.

The same file twice adds nothing: an import of a file whose SHA-256 was imported before by the same
organisation stores nothing (status ``already``), and every signal carries a natural key in
``Signal.external_id`` (the partner's own reference when the file has one, else a hash of address,
kind, date and text), so a later file that repeats rows adds only the new ones.

The audit records name a file by its SHA-256 and size, never by its name (a file name can name a
person; the audit log is read by the privacy officer).

Covenant: every row is checked like a signal recorded by hand (``services.signal_record``): the
uploading user and organisation need a write grant for the kind's processing activity covering the
address (its buurt, or a custom area its point lies in: ``services.BulkWriteCheck``, one query for the
whole file), and free text under an activity without names is checked for residents' names.
No existence oracle beyond ADR 0008's residue: an address that is not in the register and one outside
the area where the partner may record signals of that kind are reported alike ("not found here").
"""

from __future__ import annotations

import hashlib
import uuid as uuid_module
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import NamedTuple

import structlog
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smaakmaker.access.audit import Origin, Processing, audit_record
from smaakmaker.access.models import Organisation
from smaakmaker.access.policies import LEVEL_WRITE, grants_for, organisation_ids_of
from smaakmaker.cases import names
from smaakmaker.cases.errors import NotPermitted, RegisterError
from smaakmaker.cases.models import (
    Address,
    PartnerFileImport,
    PartnerFileMapping,
    PartnerFileStatus,
    Signal,
    SignalKind,
)
from smaakmaker.cases.services import BulkWriteCheck, resident_names_index
from smaakmaker.cases.sources import partner_file, tables
from smaakmaker.common.background import enqueue, requeue_or_fail
from smaakmaker.common.bulk import insert_values

log = structlog.get_logger(__name__)

MAX_FILE_BYTES = 50 * 1024 * 1024
#: an upload not imported within this many days loses its content (retention)
UPLOAD_DAYS = 7
#: problems kept in the report (the count is always exact)
MAX_PROBLEMS = 1000
CHUNK = 5000
NOT_FOUND = "adres niet gevonden in het gebied waar uw organisatie signalen van deze soort mag vastleggen"
ACTION_CHECK = "signal.import_file.check"
ACTION_IMPORT = "signal.import_file"

#: ``progress(fraction, step)``
Progress = Callable[[float, str], None]


def _no_progress(fraction: float, step: str) -> None:
    return None


class PartnerFileRefused(RegisterError):
    """The file as a whole cannot be read or imported (the message names file, line and column)."""


@dataclass
class FileReport:
    """What an import of the file does (or did); stored as JSON on the import."""

    read: int = 0
    accepted: int = 0
    already_present: int = 0
    duplicates: int = 0
    not_found: int = 0
    problem_count: int = 0
    rejected_lines: int = 0
    problems: list[dict] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    headers: list[str] = field(default_factory=list)
    #: the earlier import of the same file by the same organisation: {"uuid", "at", "added"}
    earlier: dict | None = None
    error: str = ""

    @property
    def importable(self) -> bool:
        return not self.error and not self.problem_count

    def lines(self) -> list[str]:
        """The report in Dutch, one line each (CLI)."""
        if self.error:
            return [self.error]
        if self.earlier:
            return [f"Dit bestand is al ingelezen op {self.earlier['at']}: er wordt niets toegevoegd."]
        out = [
            f"{self.read} regels gelezen: {self.accepted} signalen toe te voegen, "
            f"{self.already_present} stonden er al, {self.duplicates} dubbel in het bestand, "
            f"{self.rejected_lines} regels afgekeurd ({self.not_found} met een adres dat niet is gevonden)."
        ]
        out.extend(
            f"regel {p['line']}" + (f", kolom '{p['column']}'" if p["column"] else "") + f": {p['reason']}"
            for p in self.problems
        )
        if self.problem_count > len(self.problems):
            out.append(f"… en nog {self.problem_count - len(self.problems)} problemen.")
        return out


class _Planned(NamedTuple):
    line: int
    address_id: int
    kind: SignalKind
    observed_on: object
    text: str
    key: str


@dataclass
class _Evaluation:
    report: FileReport
    planned: list[_Planned]
    confirmed_names: int = 0


# --- who may -----------------------------------------------------------------------------------------


def organisations_for_upload(actor):
    """The organisations this user may upload partner files for: those it acts for with a write grant."""
    if not actor.has_perm("cases.add_signal"):
        return Organisation.objects.none()
    writing = {o for g in grants_for(actor) if g.level == LEVEL_WRITE for o in g.organisation_ids}
    return Organisation.objects.filter(pk__in=writing & set(organisation_ids_of(actor))).order_by("name")


def _require(actor, organisation: Organisation) -> None:
    if not actor.has_perm("cases.add_signal"):
        raise NotPermitted(_("Your role may not record signals."))
    if organisation.pk not in organisation_ids_of(actor):
        raise NotPermitted(_("You do not act for this organisation."))


def imports_visible(*, user):
    """The partner files this user uploaded (nobody else sees them: the report quotes the file)."""
    if not user.is_authenticated or not user.has_perm("cases.add_signal"):
        return PartnerFileImport.objects.none()
    return PartnerFileImport.objects.filter(uploaded_by=user)


def import_visible(*, user, uuid) -> PartnerFileImport | None:
    return imports_visible(user=user).select_related("organisation").filter(uuid=uuid).first()


# --- the mapping -------------------------------------------------------------------------------------


def mapping_get(*, organisation: Organisation) -> PartnerFileMapping | None:
    return PartnerFileMapping.objects.filter(organisation=organisation).first()


def _mapping_save(*, actor, organisation, columns, kind_values, default_kind) -> None:
    PartnerFileMapping.objects.update_or_create(
        organisation=organisation,
        defaults={
            "columns": columns,
            "kind_values": kind_values,
            "default_kind": default_kind,
            "updated_by": actor,
        },
    )


def kinds_lookup(kind_values: dict[str, str] | None = None) -> dict[str, str]:
    """A value as written in a file (lower case) -> the code of an active signal kind."""
    lookup = {}
    for code, label in SignalKind.objects.filter(is_active=True).values_list("code", "label"):
        lookup[label.lower()] = code
        lookup[code.lower()] = code
    for value, code in (kind_values or {}).items():
        if code in lookup.values():
            lookup[value.strip().lower()] = code
    return lookup


def kinds_writable(*, actor, organisation: Organisation) -> list[SignalKind]:
    """The active signal kinds this user may record for this organisation somewhere (the form's choices)."""
    activities = {
        g.activity_id
        for g in grants_for(actor)
        if g.level == LEVEL_WRITE and organisation.pk in g.organisation_ids
    }
    return list(SignalKind.objects.filter(is_active=True, activity_id__in=activities).order_by("label"))


def mapping_initial(file_import: PartnerFileImport, headers: list[str]) -> dict:
    """The mapping form's start: the import's mapping where its columns are in this file, the usual
    column names for the other fields."""
    present = {h.lower(): h for h in headers}
    saved = {k: present[v.lower()] for k, v in file_import.columns.items() if v.lower() in present}
    initial = {}
    for name, aliases in partner_file.ALIASES.items():
        column = saved.get(name) or next((present[a] for a in aliases if a in present), "")
        initial[f"column_{name}"] = column
    initial["default_kind"] = file_import.default_kind
    initial["kind_values"] = "\n".join(f"{k} = {v}" for k, v in file_import.kind_values.items())
    initial["confirm_no_names"] = file_import.confirm_no_names
    return initial


# --- upload, check ------------------------------------------------------------------------------------


def partner_file_upload(
    *, actor, organisation: Organisation, file_name: str, content: bytes, origin: Origin | None = None
) -> PartnerFileImport:
    """Keep an uploaded file for its check and import; the organisation's saved mapping is its start."""
    _require(actor, organisation)
    if not content:
        raise RegisterError(_("The file is empty."), field="file", code="empty")
    if len(content) > MAX_FILE_BYTES:
        raise RegisterError(
            _("The file is larger than 50 MB; split it into smaller files."), field="file", code="too_large"
        )
    saved = mapping_get(organisation=organisation)
    with transaction.atomic():
        file_import = PartnerFileImport.objects.create(
            organisation=organisation,
            uploaded_by=actor,
            file_name=(file_name or "bestand")[-200:],
            file_sha256=hashlib.sha256(content).hexdigest(),
            file_size=len(content),
            content=content,
            columns=saved.columns if saved else {},
            kind_values=saved.kind_values if saved else {},
            default_kind=saved.default_kind if saved else "",
        )
        audit_record(
            actor=actor,
            action="signal.import_file.upload",
            obj=file_import,
            reason=f"{file_import.file_size} bytes, sha256 {file_import.file_sha256[:16]}",
            origin=origin,
        )
    return file_import


def file_headers(file_import: PartnerFileImport) -> list[str]:
    """The column names in the file's first row (for the mapping form)."""
    try:
        table = tables.read_table(content=bytes(file_import.content), name=file_import.file_name)
    except tables.TableError as exc:
        raise PartnerFileRefused(str(exc), field="file", code="unreadable") from exc
    return [h for h in table.headers if h]


def _earlier(file_import: PartnerFileImport) -> PartnerFileImport | None:
    return (
        PartnerFileImport.objects.filter(
            organisation_id=file_import.organisation_id,
            file_sha256=file_import.file_sha256,
            status=PartnerFileStatus.COMMITTED,
        )
        .exclude(pk=file_import.pk)
        .first()
    )


def partner_file_check(
    *,
    actor,
    file_import: PartnerFileImport,
    columns: dict[str, str] | None = None,
    kind_values: dict[str, str] | None = None,
    default_kind: str | None = None,
    confirm_no_names: bool | None = None,
    origin: Origin | None = None,
) -> PartnerFileImport:
    """The dry run: what an import would do, stored on the import; the mapping is saved for the
    organisation. Nothing is written to the register. ``None`` keeps what the import has."""
    _require(actor, file_import.organisation)
    if file_import.status not in (PartnerFileStatus.UPLOADED, PartnerFileStatus.CHECKED):
        raise RegisterError(
            _("This file's import has ended; upload the file again to check it anew."),
            field="file",
            code="done",
        )
    if columns is not None:
        file_import.columns = {k: v for k, v in columns.items() if v}
    if kind_values is not None:
        file_import.kind_values = {k.strip().lower(): v for k, v in kind_values.items() if k.strip() and v}
    if default_kind is not None:
        file_import.default_kind = default_kind
    if confirm_no_names is not None:
        file_import.confirm_no_names = confirm_no_names
    evaluation = _evaluate(actor=actor, file_import=file_import)
    report = evaluation.report
    with transaction.atomic():
        file_import.report = asdict(report)
        file_import.status = PartnerFileStatus.CHECKED
        file_import.message = report.error
        file_import.save(
            update_fields=[
                "columns",
                "kind_values",
                "default_kind",
                "confirm_no_names",
                "report",
                "status",
                "message",
                "updated",
            ]
        )
        if not report.error:
            _mapping_save(
                actor=actor,
                organisation=file_import.organisation,
                columns=file_import.columns,
                kind_values=file_import.kind_values,
                default_kind=file_import.default_kind,
            )
        audit_record(
            actor=actor,
            action=ACTION_CHECK,
            obj=file_import,
            reason=f"{report.read} regels, {report.accepted} toe te voegen, {report.rejected_lines} afgekeurd",
            origin=origin,
        )
    return file_import


def _evaluate(*, actor, file_import: PartnerFileImport, progress: Progress = _no_progress) -> _Evaluation:
    """Read and check every row against the register and the covenant (reads only)."""
    report = FileReport()
    organisation = file_import.organisation
    earlier = _earlier(file_import)
    if earlier is not None:
        report.earlier = {
            "uuid": str(earlier.uuid),
            "at": timezone.localtime(earlier.finished_at or earlier.updated).strftime("%d-%m-%Y %H:%M"),
            "added": earlier.signals_added,
        }
        return _Evaluation(report=report, planned=[])  # imported before: nothing to check, nothing to add
    progress(0.05, "bestand lezen")
    lookup = kinds_lookup(file_import.kind_values)
    try:
        table = tables.read_table(content=bytes(file_import.content), name=file_import.file_name)
        report.headers = [h for h in table.headers if h]
        parsed = partner_file.parse_partner_file(
            table,
            file_import.columns,
            kinds=lookup,
            default_kind=file_import.default_kind if file_import.default_kind in lookup.values() else "",
            today=timezone.localdate(),
        )
    except (tables.TableError, partner_file.PartnerFileError) as exc:
        report.error = f"'{file_import.file_name}': niets ingelezen. {exc}"
        return _Evaluation(report=report, planned=[])
    report.read = parsed.read
    report.columns = parsed.columns
    problems = list(parsed.problems)
    progress(0.25, "adressen zoeken")
    addresses = _addresses(parsed.rows)
    progress(0.45, "convenant en namen controleren")
    kinds = {k.code: k for k in SignalKind.objects.select_related("activity")}
    # The grants of this user that this organisation holds (a user may work for several).
    grants = [
        g for g in grants_for(actor) if g.level == LEVEL_WRITE and organisation.pk in g.organisation_ids
    ]
    writable = {g.activity_id for g in grants}
    check = BulkWriteCheck(actor, organisation_id=organisation.pk)

    columns = parsed.columns
    address_column = columns.get("nummeraanduiding_id") or columns.get("postcode", "")
    resident_index = None
    name_like: dict[str, bool] = {}
    seen_keys: dict[str, int] = {}
    planned: list[_Planned] = []
    confirmed = 0
    for row in parsed.rows:
        kind = kinds[row.kind]
        if kind.activity_id not in writable:
            problems.append(
                partner_file.Problem(
                    row.line,
                    columns.get("kind", ""),
                    f"uw organisatie mag onder het convenant geen signalen van de soort '{kind.label}' vastleggen",
                )
            )
            continue
        ref = addresses.get(row.address_key)
        if ref is None or not check.may_write(kind.activity_id, ref.buurt_code, address_id=ref.pk):
            report.not_found += 1
            problems.append(partner_file.Problem(row.line, address_column, NOT_FOUND))
            continue
        if row.text and not kind.activity.allows_names:
            if resident_index is None:
                resident_index = resident_names_index()
            if resident_index.in_text(row.text):
                problems.append(
                    partner_file.Problem(
                        row.line,
                        columns.get("text", ""),
                        "de omschrijving noemt de naam van een bewoner; onder deze verwerking zijn namen niet toegestaan",
                    )
                )
                continue
            if row.text not in name_like:  # descriptions repeat in a file
                name_like[row.text] = names.looks_like_name(row.text)
            if name_like[row.text]:
                if not file_import.confirm_no_names:
                    problems.append(
                        partner_file.Problem(
                            row.line,
                            columns.get("text", ""),
                            "de omschrijving lijkt een naam te bevatten; haal de naam weg, of bevestig dat de "
                            "omschrijvingen geen namen van bewoners bevatten",
                        )
                    )
                    continue
                confirmed += 1
        if row.reference:
            key = row.reference
            if key in seen_keys:
                problems.append(
                    partner_file.Problem(
                        row.line,
                        columns.get("reference", ""),
                        f"kenmerk '{key}' staat ook op regel {seen_keys[key]}",
                    )
                )
                continue
        else:
            digest = hashlib.sha256(
                f"{ref.pk}|{kind.code}|{row.observed_on.isoformat()}|{row.text}".encode()
            ).hexdigest()
            key = "pf:" + digest[:40]
            if key in seen_keys:
                report.duplicates += 1
                continue
        seen_keys[key] = row.line
        planned.append(_Planned(row.line, ref.pk, kind, row.observed_on, row.text, key))
    progress(0.6, "bestaande signalen zoeken")
    present = _present_keys(organisation, [p.key for p in planned])
    if present:
        report.already_present = len(present)
        planned = [p for p in planned if p.key not in present]
    problems.sort(key=lambda p: (p.line, p.column))
    report.problem_count = len(problems)
    report.rejected_lines = len({p.line for p in problems})
    report.problems = [asdict(p) for p in problems[:MAX_PROBLEMS]]
    report.accepted = len(planned)
    report.kinds = dict(Counter(p.kind.code for p in planned))
    return _Evaluation(report=report, planned=planned, confirmed_names=confirmed)


class _AddressRef(NamedTuple):
    pk: int
    buurt_code: str


def _rows_where_in(
    model, column: str, values: list, select: tuple[str, ...], *, also: tuple[str, object] | None = None
) -> list[tuple]:
    """``SELECT select FROM model WHERE column IN values``, in chunks, in plain SQL: the ORM prepares
    every parameter of a large ``__in`` one by one (a second per 100,000 values). Text and integer
    columns only (the values are passed as they are)."""
    table = model._meta.db_table
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(f).column) for f in select)
    out: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            sql = (
                f"SELECT {names} FROM {quote(table)} "  # noqa: S608 - names from the model
                f"WHERE {quote(model._meta.get_field(column).column)} IN ({', '.join(['%s'] * len(chunk))})"
            )
            params = list(chunk)
            if also is not None:
                sql += f" AND {quote(model._meta.get_field(also[0]).column)} = %s"
                params.append(also[1])
            cursor.execute(sql, params)
            out.extend(cursor.fetchall())
    return out


def _addresses(rows: list[partner_file.PartnerRow]) -> dict[tuple, _AddressRef]:
    """The register's addresses named by the rows, by the rows' address keys (public BAG data)."""
    found: dict[tuple, _AddressRef] = {}
    bag_ids = sorted({r.bag_id for r in rows if r.bag_id})
    for bag_id, pk, buurt in _rows_where_in(
        Address, "bag_nummeraanduiding_id", bag_ids, ("bag_nummeraanduiding_id", "id", "buurt_code")
    ):
        found[("bag", bag_id)] = _AddressRef(pk, buurt)
    postcodes = sorted({r.postcode for r in rows if not r.bag_id})
    candidates = _rows_where_in(
        Address,
        "postcode",
        postcodes,
        (
            "postcode",
            "house_number",
            "house_letter",
            "house_number_addition",
            "id",
            "buurt_code",
            "bag_nummeraanduiding_id",
        ),
    )
    # An address with a BAG id before one without (a gemeente's own list), then the oldest.
    candidates.sort(key=lambda c: (c[6] is None, c[6] or "", c[4]))
    for postcode, number, letter, addition, pk, buurt, _bag_id in candidates:
        found.setdefault(("pc", postcode, number, letter.upper(), addition.upper()), _AddressRef(pk, buurt))
    return found


def _address_uuids(address_ids: set[int]) -> dict[int, str]:
    """Address id -> its UUID as text (the form the processing log pseudonymises), in plain SQL."""

    def text(value) -> str:
        if isinstance(value, str) and len(value) == 32:  # SQLite keeps a UUID as 32 hex digits
            return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
        return str(value)

    return {
        pk: text(value) for pk, value in _rows_where_in(Address, "id", sorted(address_ids), ("id", "uuid"))
    }


def _present_keys(organisation: Organisation, keys: list[str]) -> set[str]:
    """The keys of ``keys`` that signals of this organisation carry already (index signal_org_reference)."""
    rows = _rows_where_in(
        Signal, "external_id", keys, ("external_id",), also=("source_organisation", organisation.pk)
    )
    return {key for (key,) in rows}


def uploads_expire(*, now=None, dry_run: bool = False) -> int:
    """Uploads checked but not imported within ``UPLOAD_DAYS`` lose their content (it holds personal
    data); they end as failed with the reason. Run by retention (``services.retention_run``)."""
    now = now or timezone.now()
    stale = PartnerFileImport.objects.filter(
        status__in=[PartnerFileStatus.UPLOADED, PartnerFileStatus.CHECKED],
        created__lt=now - timedelta(days=UPLOAD_DAYS),
    )
    if dry_run:
        return stale.count()
    return stale.update(
        status=PartnerFileStatus.FAILED,
        content=b"",
        progress=1.0,
        step="verlopen",
        message=f"Niet ingelezen binnen {UPLOAD_DAYS} dagen na het uploaden: het bestand is verwijderd. "
        "Upload het opnieuw om het in te lezen.",
        finished_at=now,
        updated=now,
    )


# --- the import -----------------------------------------------------------------------------------------


def partner_file_commit_start(*, actor, file_import: PartnerFileImport, origin: Origin | None = None):
    """Put a checked file without problems on the background queue (the page shows its progress)."""
    _require(actor, file_import.organisation)
    report = file_import.report or {}
    if file_import.status != PartnerFileStatus.CHECKED:
        raise RegisterError(_("Check the file first."), field="file", code="not_checked")
    if report.get("error") or report.get("problem_count"):
        raise RegisterError(
            _("The file has rejected rows: nothing is imported. Correct them and upload the file again."),
            field="file",
            code="rejected_rows",
        )
    from smaakmaker.cases.tasks import partner_file_task

    with transaction.atomic():
        started = PartnerFileImport.objects.filter(
            pk=file_import.pk, status=PartnerFileStatus.CHECKED
        ).update(status=PartnerFileStatus.QUEUED, progress=0.0, step="in de wachtrij", updated=timezone.now())
        if not started:
            raise RegisterError(_("This file is being imported already."), field="file", code="busy")
        enqueue(partner_file_task, file_import.pk)
    file_import.refresh_from_db()
    return file_import


def _progress_of(import_id: int) -> Progress:
    def progress(fraction: float, step: str) -> None:
        PartnerFileImport.objects.filter(pk=import_id, status=PartnerFileStatus.RUNNING).update(
            progress=fraction, step=step
        )

    return progress


def _finish(import_id: int, **fields) -> None:
    PartnerFileImport.objects.filter(pk=import_id).update(
        progress=1.0, finished_at=timezone.now(), content=b"", updated=timezone.now(), **fields
    )


def partner_file_execute(*, import_id: int, origin: Origin | None = None) -> PartnerFileImport:
    """Import a queued file: check it again, then store all its signals or none (the background task)."""
    started = PartnerFileImport.objects.filter(pk=import_id, status=PartnerFileStatus.QUEUED).update(
        status=PartnerFileStatus.RUNNING, progress=0.01, step="starten"
    )
    file_import = PartnerFileImport.objects.select_related("organisation", "uploaded_by").get(pk=import_id)
    if not started:  # done, failed or taken by another attempt: leave it so
        return file_import
    origin = origin or Origin(channel="task")
    try:
        _execute(file_import, origin=origin)
    except Exception:  # noqa: BLE001 - a failed import must be reported, not left "running"
        log.exception("partner_file_failed", file=str(file_import.uuid))
        _finish(
            import_id,
            status=PartnerFileStatus.FAILED,
            step="gestopt",
            message="Het inlezen is onverwacht gestopt; er is niets ingelezen. Zie het applicatielog.",
        )
    file_import.refresh_from_db()
    return file_import


def _execute(file_import: PartnerFileImport, *, origin: Origin) -> None:
    actor = file_import.uploaded_by
    progress = _progress_of(file_import.pk)
    evaluation = _evaluate(actor=actor, file_import=file_import, progress=progress)
    report = evaluation.report
    if report.earlier is not None:
        with transaction.atomic():
            _finish(
                file_import.pk,
                status=PartnerFileStatus.ALREADY,
                step="klaar",
                report=asdict(report),
                message=f"Dit bestand is al ingelezen op {report.earlier['at']}; er is niets toegevoegd.",
            )
            audit_record(
                actor=actor,
                action=ACTION_IMPORT,
                obj=file_import,
                reason=f"sha256 {file_import.file_sha256[:16]}: al ingelezen, 0 signalen",
                origin=origin,
            )
        return
    if not report.importable:
        _finish(
            file_import.pk,
            status=PartnerFileStatus.REFUSED,
            step="afgekeurd",
            report=asdict(report),
            message=report.error
            or f"{report.rejected_lines} regels afgekeurd: er is niets ingelezen. Verbeter ze en lees het bestand opnieuw in.",
        )
        return
    progress(0.75, "signalen vastleggen")
    now = timezone.now()
    planned = evaluation.planned
    try:
        with transaction.atomic():
            # Rows stored meanwhile (another file, the API) are not stored twice.
            present = _present_keys(file_import.organisation, [p.key for p in planned])
            if present:
                planned = [p for p in planned if p.key not in present]
                report.already_present += len(present)
                report.accepted = len(planned)
            rows = [
                {
                    "uuid": uuid_module.uuid4(),
                    "address_id": p.address_id,
                    "kind_id": p.kind.pk,
                    "activity_id": p.kind.activity_id,
                    "source_organisation_id": file_import.organisation_id,
                    "recorded_by_id": actor.pk,
                    "observed_on": p.observed_on,
                    "description": p.text,
                    "external_id": p.key,
                    "created": now,
                    "updated": now,
                }
                for p in planned
            ]
            insert_values(Signal, rows)
            # One processing-log record per activity and address (the data subject), not per row.
            subjects = {(p.kind.activity_id, p.address_id): p.kind.activity for p in planned}
            uuids = _address_uuids({address_id for _activity, address_id in subjects})
            processing = [
                Processing(activity.code, str(activity.uuid), "address", uuids[address_id])
                for (_activity_id, address_id), activity in sorted(subjects.items())
            ]
            finished = PartnerFileImport.objects.filter(
                pk=file_import.pk, status=PartnerFileStatus.RUNNING
            ).update(
                status=PartnerFileStatus.COMMITTED,
                progress=1.0,
                step="klaar",
                report=asdict(report),
                signals_added=len(rows),
                message="",
                finished_at=timezone.now(),
                content=b"",
                updated=timezone.now(),
            )
            if not finished:
                raise transaction.TransactionManagementError("the import was taken over")
            reason = f"sha256 {file_import.file_sha256[:16]}: {len(rows)} signalen"
            if evaluation.confirmed_names:
                reason += (
                    f"; Bevestigd: geen naam van een bewoner ({evaluation.confirmed_names} omschrijvingen)"
                )
            audit_record(
                actor=actor,
                action=ACTION_IMPORT,
                obj=file_import,
                reason=reason,
                origin=origin,
                processing=processing,
            )
    except IntegrityError:
        # The same file was imported by a concurrent attempt (partner_file_once): nothing stored here.
        _finish(
            file_import.pk,
            status=PartnerFileStatus.ALREADY,
            step="klaar",
            message="Dit bestand is al ingelezen; er is niets toegevoegd.",
        )
        return
    log.info("partner_file_imported", file=str(file_import.uuid), signals=len(rows))


def partner_file_abandoned(import_id: int, *, retry: bool, reason: str) -> None:
    """The worker of an import died: queue it again or fail it with ``reason``. The signals are stored
    in one transaction at the end, so nothing of a lost import was stored."""
    unfinished = PartnerFileImport.objects.filter(
        pk=import_id, status__in=[PartnerFileStatus.QUEUED, PartnerFileStatus.RUNNING]
    )
    requeue_or_fail(
        unfinished,
        retry=retry,
        reason=reason,
        queued=PartnerFileStatus.QUEUED,
        failed=PartnerFileStatus.FAILED,
        content=b"",
    )


def partner_file_import(
    *,
    actor,
    organisation: Organisation,
    file_name: str,
    content: bytes,
    columns: dict[str, str] | None = None,
    kind_values: dict[str, str] | None = None,
    default_kind: str | None = None,
    confirm_no_names: bool = False,
    commit: bool = False,
    origin: Origin | None = None,
) -> PartnerFileImport:
    """Upload, check and (with ``commit``) import in one go, as the console does: the import runs in this
    process (``enqueue`` with the database queue would leave it to a worker)."""
    file_import = partner_file_upload(
        actor=actor, organisation=organisation, file_name=file_name, content=content, origin=origin
    )
    file_import = partner_file_check(
        actor=actor,
        file_import=file_import,
        columns=columns,
        kind_values=kind_values,
        default_kind=default_kind,
        confirm_no_names=confirm_no_names,
        origin=origin,
    )
    report = file_import.report
    if not commit or report.get("error") or report.get("problem_count"):
        return file_import
    PartnerFileImport.objects.filter(pk=file_import.pk, status=PartnerFileStatus.CHECKED).update(
        status=PartnerFileStatus.QUEUED
    )
    return partner_file_execute(import_id=file_import.pk, origin=origin)
