# SPDX-License-Identifier: EUPL-1.2
"""The public method page (/methode/) and the Algoritmeregister export, without signing in."""

from __future__ import annotations

import html
import json

import pytest
from django.test import Client

from smaakmaker.web import algoritmeregister as ar

pytestmark = pytest.mark.django_db

#: The field names of the Algoritmeregister publicatiestandaard 1.0.0, in its order, typed in from
#: github.com/MinBZK/Algoritmeregister backend/app/schemas/config/v1_0_0.json ("properties"), with the
#: fields that file marks ``"required": true``.
STANDARD_1_0_0 = [
    "name",
    "description_short",
    "organization",
    "category",
    "status",
    "begin_date",
    "end_date",
    "contact_email",
    "website",
    "publication_category",
    "url",
    "goal",
    "proportionality",
    "human_intervention",
    "risks",
    "lawful_basis",
    "lawful_basis_grouping",
    "process_index_url",
    "impacttoetsen_grouping",
    "impacttoetsen",
    "source_data",
    "source_data_grouping",
    "methods_and_models",
    "provider",
    "publiccode",
    "lang",
    "standard_version",
    "source_id",
    "tags",
]
REQUIRED_1_0_0 = {
    "name",
    "description_short",
    "organization",
    "status",
    "contact_email",
    "publication_category",
    "lang",
}
SLUGS = ["wijkscan", "signaleringsregels", "planner", "effectevaluatie"]


@pytest.fixture
def catalogue(db):
    """Two indicators of the catalogue with figures for two years, and one published alert rule."""
    from smaakmaker.areas.models import Area, AreaLevel, ImportBatch, Indicator, IndicatorValue
    from smaakmaker.cases.models import AlertRule

    batch = ImportBatch.objects.create(source="test.csv", sha256="0" * 64, kind="csv")
    low, _ = Indicator.objects.update_or_create(
        key="laag_inkomen_hh",
        defaults={
            "label": "Aandeel huishoudens met laag inkomen",
            "unit": "%",
            "theme": "inkomen",
            "direction": "worse",
            "sources": [
                {"column": "HuishoudensMetEenLaagInkomen", "tables": ["StatLine OData (typed dataset)"]}
            ],
        },
    )
    Indicator.objects.update_or_create(
        key="woz_waarde",
        defaults={
            "label": "Gemiddelde WOZ-waarde van woningen",
            "unit": "x 1.000 euro",
            "theme": "wonen",
            "direction": "better",
        },
    )
    for i in range(3):
        area = Area.objects.create(
            code=f"BU0363ZZ0{i}", level=AreaLevel.BUURT, name=f"Buurt {i}", gemeente_code="GM0363"
        )
        IndicatorValue.objects.create(area=area, indicator=low, year=2019, value=10.0 + i, batch=batch)
        IndicatorValue.objects.create(
            area=area, indicator=low, year=2023, value=None if i else 9.0, batch=batch
        )
    AlertRule.objects.update_or_create(
        code="test-regel",
        defaults={
            "name": "Testregel samenloop",
            "description": "Meerdere partners zien hetzelfde adres.",
            "min_signals": 3,
            "min_partners": 2,
            "window_days": 90,
            "action": "agenderen voor het casusoverleg",
        },
    )


def test_method_page_is_public_and_complete(client: Client, catalogue):
    from smaakmaker.monitoring.effects.catalogue import ESTIMATORS
    from smaakmaker.plans.rules import RULES

    response = client.get("/methode/")
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Hoe Smaakmaker werkt" in page and "Hoe de wijkscan werkt" in page
    # the indicator list from the catalogue and the loaded figures: years with the number of areas
    assert "Aandeel huishoudens met laag inkomen" in page and "Gemiddelde WOZ-waarde van woningen" in page
    assert "2019 (3), 2023 (1)" in page
    assert "HuishoudensMetEenLaagInkomen" in page and "StatLine OData (typed dataset)" in page
    assert "niets geladen" in page  # woz_waarde has no figures
    # the kentering rule, the alert rules as text, the coherence rules, every estimator with its validation
    assert "Kentering: de helling over de laatste" in page
    assert "Testregel samenloop" in page
    assert (
        "Minstens 3 meldingen van minstens 2 verschillende partners over hetzelfde adres binnen 90 dagen"
        in page
    )
    for rule in RULES:
        assert rule.title in page
    for estimator in ESTIMATORS:
        assert f'data-testid="estimator-{estimator.key}"' in page
        assert estimator.name in page
        for validation in estimator.validations:
            assert validation.case in page
    assert "τ² (REML): 0,3132 (± 0,00005)" in page and "samengevoegd effect: −0,7145" in page
    # what the software never does
    assert "Geen risicoscores" in page and "migratieachtergrond" in page
    for slug in SLUGS:
        assert (
            f"/methode/algoritmeregister/{slug}/" in page
            and f"/methode/algoritmeregister/{slug}.json" in page
        )


def test_old_method_address_moves_to_the_public_page(client: Client):
    response = client.get("/gebieden/methode/")
    assert response.status_code == 301 and response["Location"] == "/methode/"


def test_field_list_is_the_standard():
    assert list(ar.FIELD_NAMES) == STANDARD_1_0_0
    assert {f.name for f in ar.FIELDS if f.required} == REQUIRED_1_0_0
    assert ar.STANDARD_VERSION == "1.0.0"


@pytest.mark.parametrize("slug", SLUGS)
def test_each_algorithm_validates_against_the_standard(client: Client, catalogue, slug, settings):
    settings.ORGANISATION_NAME = "Gemeente Amsterdam"
    response = client.get(f"/methode/algoritmeregister/{slug}.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    record = json.loads(response.content)
    assert ar.validate(record) == []
    assert set(record) <= set(STANDARD_1_0_0)
    assert {k for k, v in record.items() if v} >= REQUIRED_1_0_0
    assert record["organization"] == "Gemeente Amsterdam"
    assert record["standard_version"] == "1.0.0" and record["lang"] == "nld"
    assert record["website"].endswith("/methode/")
    # the printable page shows every field of the standard by its Dutch title, in the standard's order
    page = html.unescape(client.get(f"/methode/algoritmeregister/{slug}/").content.decode())
    positions = [page.index(f"<code>{f.name}</code>") for f in ar.FIELDS]
    assert positions == sorted(positions)
    assert record["name"] in page


def test_export_reads_the_code(client: Client, catalogue):
    records = json.loads(client.get("/methode/algoritmeregister.json").content)
    assert [r["source_id"] for r in records] == [f"smaakmaker-{s}" for s in SLUGS]
    by_id = {r["source_id"]: r for r in records}
    assert "Testregel samenloop" in by_id["smaakmaker-signaleringsregels"]["methods_and_models"]
    assert "Aandeel huishoudens met laag inkomen" in by_id["smaakmaker-wijkscan"]["source_data"]
    from smaakmaker.monitoring.effects.catalogue import ESTIMATORS

    for estimator in ESTIMATORS:
        assert estimator.name in by_id["smaakmaker-effectevaluatie"]["methods_and_models"]


def test_unknown_algorithm_is_404(client: Client):
    assert client.get("/methode/algoritmeregister/onbekend.json").status_code == 404
    assert client.get("/methode/algoritmeregister/onbekend/").status_code == 404


def test_an_escaped_alert_rule_name_stays_escaped(client: Client, catalogue):
    from smaakmaker.cases.models import AlertRule

    AlertRule.objects.filter(code="test-regel").update(name="<script>x</script>")
    record = json.loads(client.get("/methode/algoritmeregister/signaleringsregels.json").content)
    assert "<script>" not in record["methods_and_models"] and ar.validate(record) == []
    assert "<script>x" not in client.get("/methode/algoritmeregister/signaleringsregels/").content.decode()
    assert "<script>x" not in client.get("/methode/").content.decode()


def test_validate_names_every_departure():
    good = {
        "name": "Wijkscan",
        "description_short": "Kort.",
        "organization": "Gemeente X",
        "status": "In gebruik",
        "contact_email": "a@example.org",
        "publication_category": "Overige algoritmes",
        "lang": "nld",
    }
    assert ar.validate(good) == []
    assert ar.validate({**good, "name": ""}) == ["name (Naam): verplicht veld ontbreekt"]
    assert ar.validate({**good, "colour": "blauw"}) == ["colour: geen veld van de publicatiestandaard 1.0.0"]
    assert "name: 101 tekens, ten hoogste 100 toegestaan" in ar.validate({**good, "name": "x" * 101})
    assert ar.validate({**good, "status": "Actief"}) == ["status: 'Actief' is geen toegestane waarde"]
    assert ar.validate({**good, "category": ["Wonen", "Sport"]}) == [
        "category: 'Sport' is geen toegestane waarde"
    ]
    assert ar.validate({**good, "category": ["Wonen", "Werk", "Recht", "Economie"]}) == [
        "category: ten hoogste 3 waarden"
    ]
    assert ar.validate({**good, "goal": "<p>ja</p><table></table>"}) == [
        "goal: HTML-elementen die hier niet mogen: table"
    ]
    assert ar.validate({**good, "name": "<b>Wijkscan</b>"}) == ["name: HTML-elementen die hier niet mogen: b"]
    assert ar.validate({**good, "source_data_grouping": [{"title": "CBS"}]}) == [
        "source_data_grouping[0]: precies 'title' en 'link' verwacht"
    ]
    assert ar.validate({**good, "standard_version": "0.4.0"}) == [
        "standard_version: '0.4.0' is geen toegestane waarde"
    ]
