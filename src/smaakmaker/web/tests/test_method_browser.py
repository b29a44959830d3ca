# SPDX-License-Identifier: EUPL-1.2
"""In real Chromium, without signing in: the public method page and a printable Algoritmeregister record
have zero axe-core WCAG 2.1 A/AA violations."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_public_method_page_and_export_are_accessible_without_a_session(page, axe):
    from smaakmaker.areas.models import Area, AreaLevel, ImportBatch, Indicator, IndicatorValue
    from smaakmaker.cases.models import AlertRule

    batch = ImportBatch.objects.create(source="test.csv", sha256="1" * 64, kind="csv")
    indicator, _ = Indicator.objects.update_or_create(
        key="laag_inkomen_hh",
        defaults={
            "label": "Aandeel huishoudens met laag inkomen",
            "unit": "%",
            "theme": "inkomen",
            "direction": "worse",
        },
    )
    area = Area.objects.create(
        code="BU0363ZZ01", level=AreaLevel.BUURT, name="Testbuurt", gemeente_code="GM0363"
    )
    IndicatorValue.objects.create(area=area, indicator=indicator, year=2023, value=12.5, batch=batch)
    AlertRule.objects.update_or_create(
        code="browser-regel",
        defaults={
            "name": "Samenloop",
            "description": "Meerdere partners.",
            "min_signals": 3,
            "min_partners": 2,
            "window_days": 90,
            "action": "agenderen",
        },
    )

    page.goto("/methode/")
    assert "/inloggen/" not in page.url
    page.get_by_role("heading", level=1, name="Hoe Smaakmaker werkt").wait_for()
    for heading in [
        "Hoe de wijkscan werkt",
        "De kenteringregel",
        "Signaleringsregels",
        "Wat de software nooit doet",
    ]:
        assert page.get_by_role("heading", level=2, name=heading).is_visible()
    assert all(cookie["name"] != "sessionid" for cookie in page.context.cookies())
    assert axe(page) == []

    page.get_by_role("link", name="afdrukbare pagina").first.click()
    page.get_by_role("heading", level=1, name="Wijkscan: gebieden scoren en indelen").wait_for()
    assert axe(page) == []
