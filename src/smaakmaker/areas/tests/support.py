# SPDX-License-Identifier: EUPL-1.2
"""Test support: area data loaded once for a test package is removed again when the package is done."""

from __future__ import annotations


def remove_all_area_data() -> None:
    from smaakmaker.areas.models import Area, AreaCrosswalk, ImportBatch, Indicator, IndicatorValue

    IndicatorValue.objects.all().delete()
    AreaCrosswalk.objects.all().delete()
    ImportBatch.objects.all().delete()
    Indicator.objects.all().delete()
    Area.members.through.objects.all().delete()
    Area.objects.update(parent=None)
    Area.objects.all().delete()
