# SPDX-License-Identifier: EUPL-1.2
"""Addresses uploaded in the web by the beheerder (the first run): an LVBAG extract, the PDOK BAG
GeoPackage or an own address list, imported all or nothing on the background queue
(``common/background.py``) by the same importers as ``smaakmaker addresses …`` (``address_imports``).

The upload is audited (``address.upload``), the import writes its own audit record (``address.import``)
in its transaction. A file that cannot be read changes nothing; its upload ends "refused" with the
importer's Dutch message (file, line, field). BAG addresses hold no persons; the file's content is
emptied when the import ends, its report stays.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import structlog
from django.db import connection, connections, transaction
from django.utils import timezone

from smaakmaker.access.audit import Origin, audit_record
from smaakmaker.cases import address_imports
from smaakmaker.cases.address_imports import AddressImportError, AddressImportResult
from smaakmaker.cases.errors import NotPermitted
from smaakmaker.cases.models import AddressUpload, AddressUploadStatus
from smaakmaker.common.background import enqueue, requeue_or_fail
from smaakmaker.common.uploads import safe_name

log = structlog.get_logger(__name__)

#: file name ending -> kind of source
KINDS = {
    ".zip": "bag",
    ".xml": "bag",
    ".gpkg": "gpkg",
    ".csv": "list",
    ".txt": "list",
    ".xlsx": "list",
}
SUFFIXES = tuple(KINDS)


def kind_of(file_name: str) -> str:
    return KINDS.get(Path(file_name.lower()).suffix, "")


def uploads_recent(*, user, limit: int = 10):
    """The latest address uploads (no personal data: BAG addresses and their counts), for importers."""
    if not user.has_perm(address_imports.IMPORT_ADDRESSES):
        return AddressUpload.objects.none()
    return AddressUpload.objects.defer("content").select_related("uploaded_by")[:limit]


def address_upload_start(
    *,
    actor,
    file_name: str,
    content: bytes,
    columns: dict[str, str] | None = None,
    gemeente_code: str = "",
    origin: Origin | None = None,
) -> AddressUpload:
    """Store the upload and put its import on the queue, in one transaction (audited)."""
    address_imports._require(actor)
    if not kind_of(file_name):
        raise AddressImportError(
            f"'{file_name}': geen LVBAG-extract (.zip), BAG-GeoPackage (.gpkg) of adreslijst (CSV, XLSX)."
        )
    from smaakmaker.cases.tasks import address_upload_task

    with transaction.atomic():
        upload = AddressUpload.objects.create(
            uploaded_by=actor,
            file_name=safe_name(file_name),
            file_size=len(content),
            content=content,
            columns=columns or {},
            gemeente_code=gemeente_code,
            step="in de wachtrij",
        )
        audit_record(
            actor=actor,
            action="address.upload",
            obj=upload,
            reason=f"{upload.file_name}, {len(content)} bytes",
            origin=origin,
        )
        enqueue(address_upload_task, upload.pk)
    upload.refresh_from_db()
    return upload


class _ProgressWriter:
    """Writes the import's progress on the upload's row while the import's own transaction is open: on
    PostgreSQL through a second connection (so the page sees it at once); SQLite has one writer at a
    time, so there only the steps before and after the transaction are shown."""

    def __init__(self, upload_id: int):
        self.upload_id = upload_id
        self.last = 0.0
        self.other = None
        if connection.vendor == "postgresql":
            self.other = connections.create_connection("default")

    def __call__(self, description: str, done: int, total: int) -> None:
        if self.other is None:
            return
        fraction = 0.1 + 0.85 * (done / total) if total else 0.1
        now = timezone.now().timestamp()
        if now - self.last < 0.5 and done != total:
            return
        self.last = now
        step = f"{description}: {done}" + (f" van {total}" if total else "")
        with self.other.cursor() as cursor:
            cursor.execute(
                "UPDATE cases_addressupload SET progress = %s, step = %s WHERE id = %s AND status = %s",
                [min(fraction, 0.95), step[:120], self.upload_id, AddressUploadStatus.RUNNING],
            )

    def close(self) -> None:
        if self.other is not None:
            self.other.close()


def _report(result: AddressImportResult) -> dict:
    return {
        "lines": result.lines(),
        "read": result.read,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "withdrawn": result.withdrawn,
        "years": result.years,
        "in_buurt": {str(y): n for y, n in result.in_buurt.items()},
        "outside": {str(y): dict(c.most_common()) for y, c in result.outside.items()},
        "ambiguous": {str(y): n for y, n in result.ambiguous.items()},
        "warnings": list(result.warnings),
    }


def _finish(upload_id: int, **fields) -> None:
    AddressUpload.objects.filter(pk=upload_id).update(
        progress=1.0, finished_at=timezone.now(), content=b"", updated=timezone.now(), **fields
    )


def address_upload_execute(*, upload_id: int) -> AddressUpload:
    """Import a queued upload, all or nothing (the background task)."""
    started = AddressUpload.objects.filter(pk=upload_id, status=AddressUploadStatus.QUEUED).update(
        status=AddressUploadStatus.RUNNING,
        progress=0.05,
        step="bestand lezen en adressen aan buurten toewijzen",
    )
    upload = AddressUpload.objects.select_related("uploaded_by").get(pk=upload_id)
    if not started:
        return upload
    folder = Path(tempfile.mkdtemp(prefix="smaakmaker-addresses-"))
    progress = _ProgressWriter(upload_id)
    try:
        path = folder / upload.file_name
        path.write_bytes(bytes(upload.content))
        actor, origin = upload.uploaded_by, Origin(channel="task")
        gemeenten = [upload.gemeente_code] if upload.gemeente_code else []
        kind = kind_of(upload.file_name)
        if kind == "bag":
            result = address_imports.bag_extract_import(
                paths=[path], actor=actor, gemeenten=gemeenten, origin=origin, progress=progress
            )
        elif kind == "gpkg":
            result = address_imports.bag_geopackage_import(
                path=path, actor=actor, gemeenten=gemeenten, origin=origin, progress=progress
            )
        else:
            result = address_imports.address_list_import(
                path=path, mapping=upload.columns or {}, actor=actor, origin=origin, progress=progress
            )
    except (AddressImportError, NotPermitted) as exc:
        _finish(upload_id, status=AddressUploadStatus.REFUSED, step="afgekeurd", message=str(exc))
    except Exception:  # noqa: BLE001 - a failed import must be reported, not left "running"
        log.exception("address_upload_failed", upload=str(upload.uuid))
        _finish(
            upload_id,
            status=AddressUploadStatus.FAILED,
            step="gestopt",
            message="Het inlezen is onverwacht gestopt; er is niets ingelezen. Zie het applicatielog.",
        )
    else:
        _finish(upload_id, status=AddressUploadStatus.DONE, step="klaar", report=_report(result), message="")
    finally:
        progress.close()
        shutil.rmtree(folder, ignore_errors=True)
    upload.refresh_from_db()
    return upload


def address_upload_abandoned(upload_id: int, *, retry: bool, reason: str) -> None:
    """The worker died during the import: queue it again or fail it; the import is one transaction, so
    nothing of it was stored."""
    unfinished = AddressUpload.objects.filter(
        pk=upload_id, status__in=[AddressUploadStatus.QUEUED, AddressUploadStatus.RUNNING]
    )
    requeue_or_fail(
        unfinished,
        retry=retry,
        reason=reason,
        queued=AddressUploadStatus.QUEUED,
        failed=AddressUploadStatus.FAILED,
        content=b"",
    )
