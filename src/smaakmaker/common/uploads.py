# SPDX-License-Identifier: EUPL-1.2
"""Files the beheerder uploads in the web (boundaries, CBS figures, BAG addresses): the size limit,
the accepted kinds, and a private temporary copy under the original name for the importers."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def request_too_large(request) -> bool:
    """True when the declared body is larger than ``SMAAKMAKER_UPLOAD_MAX_BYTES`` (checked before it is read)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return length > settings.UPLOAD_MAX_BYTES


def too_large_message() -> str:
    return _("The file is larger than %(limit)s, the largest file this page takes.") % {
        "limit": _megabytes(settings.UPLOAD_MAX_BYTES)
    }


def upload_check(upload, *, suffixes: Iterable[str], kinds: str):
    """The upload's name ends in one of ``suffixes`` and it fits the limit; else a Dutch field error."""
    name = upload.name.lower()
    if not name.endswith(tuple(suffixes)):
        raise forms.ValidationError(
            _("'%(name)s' is not a file this page takes: upload %(kinds)s.")
            % {"name": upload.name, "kinds": kinds},
            code="type",
        )
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise forms.ValidationError(too_large_message(), code="size")
    if upload.size == 0:
        raise forms.ValidationError(_("'%(name)s' is empty.") % {"name": upload.name}, code="empty")
    return upload


def safe_name(name: str) -> str:
    """The file's own name without any folder, for messages and for the importers (which read the year
    from it): letters, digits, dot, dash, underscore and space only."""
    base = Path(name.replace("\\", "/")).name
    return re.sub(r"[^\w.\- ]", "_", base)[:150] or "bestand"


@contextmanager
def upload_saved(upload) -> Iterator[Path]:
    """The uploaded file as a private temporary file under its own name; removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="smaakmaker-upload-"))
    try:
        path = folder / safe_name(upload.name)
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)
