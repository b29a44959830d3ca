# SPDX-License-Identifier: EUPL-1.2
"""Scheduled work of the areas domain (declared in ``conf/schedule.py``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from smaakmaker.areas import selectors
from smaakmaker.areas.models import Area, AreaLevel, IndicatorValue


def scans_refresh_job() -> dict:
    """Compute the wijkscan of every gemeente with data, per level, for its latest year, with the data
    and indicator catalogue as they are now; report what each covers and which failed.

    The scan is cached per process until the data or the catalogue change; this run finds a scan that
    no longer computes (e.g. after an import or a catalogue edit) before a user does.
    """
    gemeenten = sorted(
        set(
            Area.objects.filter(level__in=[AreaLevel.WIJK, AreaLevel.BUURT], values__isnull=False)
            .values_list("gemeente_code", flat=True)
            .distinct()
        )
        - {""}
    )
    scans, areas, failed = 0, 0, []
    for gemeente in gemeenten:
        for level in (AreaLevel.WIJK, AreaLevel.BUURT):
            if not IndicatorValue.objects.filter(area__level=level, area__gemeente_code=gemeente).exists():
                continue
            try:
                _panel, result = selectors.scan_run(level=level, gemeente_code=gemeente)
            except (LookupError, ValueError) as exc:
                failed.append(f"{gemeente}/{level}: {exc}"[:200])
                continue
            scans += 1
            areas += len(result.scores.index)
    message = _("%(scans)d scans computed (%(areas)d areas).") % {"scans": scans, "areas": areas}
    if failed:
        message += " " + _("%(count)d failed.") % {"count": len(failed)}
    return {"ok": not failed, "scans": scans, "areas": areas, "failed": failed[:20], "message": message}
