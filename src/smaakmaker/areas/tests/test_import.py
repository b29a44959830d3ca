# SPDX-License-Identifier: EUPL-1.2
"""Importing the bundled real CBS data, bad files, idempotency, the OData loader, custom areas."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import responses

from smaakmaker.areas import services
from smaakmaker.areas.bundled import BUNDLED, data_dir
from smaakmaker.areas.models import Area, AreaCrosswalk, ImportBatch, Indicator, IndicatorValue
from smaakmaker.areas.sources.cbs_csv import CbsCsvError

RECORDED = Path(__file__).parent / "recorded"


def _csv_value(path: Path, code: str, column: str) -> str:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        code_index = header.index("Regioaanduiding.Codering..code.")
        value_index = header.index(column)
        for row in reader:
            if row[code_index].strip() == code:
                return row[value_index].strip()
    raise KeyError(code)


def _value(code: str, key: str, year: int):
    return IndicatorValue.objects.get(area__code=code, indicator__key=key, year=year).value


@pytest.mark.django_db
def test_every_bundled_file_imports_with_the_right_row_count(bundled_areas):
    expected_rows = {
        "kwb_2021_gemeente_indicatoren.csv": 352,
        "gemeenten_2022_gegeneraliseerd.geojson": 345,
        "kwb_2017_amsterdam_full_83765NED.csv": 580,
        "kwb_2019_amsterdam_full_84583NED.csv": 580,
        "kwb_2020_amsterdam.csv": 579,
        "kwb_2023_income_amsterdam.csv": 628,
        "kwb_2024_amsterdam.csv": 628,
        "ses_woa_2019_amsterdam_85163NED.csv": 579,
        "nabijheid_voorzieningen_2020_amsterdam.csv": 579,
        "nabijheid_voorzieningen_2024_amsterdam.csv": 628,
        "buurten_amsterdam_2015_2022_geometrie_rd.csv": 439,
        "wijk_2017_groningen_wkt_wgs84.csv": 15,
        "buurt_2017_groningen_wkt_wgs84.csv": 108,
        "bbga_amsterdam": 4959,
    }
    assert {Path(item.path).name for item in BUNDLED} == set(expected_rows)
    for name, rows in expected_rows.items():
        batch = ImportBatch.objects.filter(source=name).exclude(kind="geometry").get()
        assert batch.rows == rows, name


@pytest.mark.django_db
def test_spot_checked_values_equal_the_csv(bundled_areas):
    kwb2019 = data_dir() / "amsterdam" / "kwb_2019_amsterdam_full_84583NED.csv"
    inhabitants = _csv_value(kwb2019, "GM0363", "Bevolking.Aantal.inwoners..aantal.")
    assert _value("GM0363", "inwoners", 2019) == float(inhabitants) == 862965
    woz = _csv_value(kwb2019, "WK036300", "Wonen.Gemiddelde.WOZ.waarde.van.woningen..x.1.000.euro.")
    assert _value("WK036300", "woz_waarde", 2019) == float(woz.replace(",", "."))
    # Secrecy marks stay missing, never zero.
    secret = _csv_value(
        kwb2019, "BU03630002", "Inkomen.Inkomen.van.huishoudens.Huishoudens.met.een.laag.inkomen...."
    )
    if secret == ".":
        assert _value("BU03630002", "laag_inkomen_hh", 2019) is None
    assert not IndicatorValue.objects.filter(value=0, indicator__key="laag_inkomen_hh").exists()
    # Crime per 1,000 exists in 2017.
    assert (
        IndicatorValue.objects.filter(
            indicator__key="geweld_per_1000", year=2017, value__isnull=False
        ).count()
        > 400
    )


@pytest.mark.django_db
def test_areas_hierarchy_geometry_and_crosswalk(bundled_areas):
    amsterdam = Area.objects.get(code="GM0363")
    assert amsterdam.name == "Amsterdam"
    assert amsterdam.geometry["type"] in {"Polygon", "MultiPolygon"}
    new_buurt = Area.objects.get(code="BU0363AE01")
    assert new_buurt.parent.code == "WK0363AE" and new_buurt.parent.parent.code == "GM0363"
    assert new_buurt.geometry["type"] == "Polygon"
    lon, lat = new_buurt.geometry["coordinates"][0][0]
    assert 4.8 < lon < 5.0 and 52.3 < lat < 52.4
    assert AreaCrosswalk.objects.get(old_code="BU03630000").new_code == "BU0363AE01"
    assert Area.objects.filter(level="gemeente").count() >= 345
    assert Area.objects.filter(level="buurt", gemeente_code="GM0014", geometry__isnull=False).count() == 108


@pytest.mark.django_db
def test_no_migration_background_indicator_exists(bundled_areas):
    forbidden = ("migratie", "westers", "allochto", "herkomst", "marokk", "turk", "surinam", "antill")
    for key, label in Indicator.objects.values_list("key", "label"):
        assert not any(word in f"{key} {label}".lower() for word in forbidden), key


@pytest.mark.django_db
def test_reimport_is_idempotent(tmp_path):
    source = data_dir() / "amsterdam" / "kwb_2020_amsterdam.csv"
    first = services.cbs_csv_import(path=source, year=2020)
    counts = (Area.objects.count(), IndicatorValue.objects.count(), ImportBatch.objects.count())
    again = services.cbs_csv_import(path=source, year=2020)
    assert again.pk == first.pk
    assert (Area.objects.count(), IndicatorValue.objects.count(), ImportBatch.objects.count()) == counts
    # The same content under another name is still recognised.
    copy = tmp_path / "kopie.csv"
    copy.write_bytes(source.read_bytes())
    assert services.cbs_csv_import(path=copy, year=2020).pk == first.pk


GOOD = (
    "Wijken.en.buurten,Regioaanduiding.Codering..code.,Bevolking.Aantal.inwoners..aantal.\n"
    "Amsterdam,GM0363,862965\n"
    "Burgwallen-Oude Zijde,WK036300,4295\n"
)
BAD_FILES = {
    "wrong_delimiter": ("Wijken en buurten|Codering|Inwoners\nAmsterdam|GM0363|862965\n", None),
    "missing_code_column": ("Wijken.en.buurten,Bevolking.Aantal.inwoners..aantal.\nAmsterdam,862965\n", None),
    "duplicate_codes": (GOOD + "Amsterdam bis,GM0363,1\n", 4),
    "text_in_number": (GOOD.replace("4295", "veel"), 3),
    "truncated": (GOOD + "Burgwallen-Nieuwe Zijde,WK036301\n", 4),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_malformed_files_give_a_clear_error_and_change_nothing(tmp_path, case):
    services.cbs_csv_import(path=data_dir() / "amsterdam" / "ses_woa_2019_amsterdam_85163NED.csv")
    before = (Area.objects.count(), IndicatorValue.objects.count(), ImportBatch.objects.count())
    text, line = BAD_FILES[case]
    path = tmp_path / f"{case}_2019.csv"
    path.write_text(text)
    with pytest.raises(CbsCsvError) as error:
        services.cbs_csv_import(path=path, year=2019)
    message = str(error.value)
    assert path.name in message
    if line is not None:
        assert error.value.first.line == line
        assert f"regel {line}" in message
    assert (Area.objects.count(), IndicatorValue.objects.count(), ImportBatch.objects.count()) == before


@pytest.mark.django_db
def test_failure_halfway_through_writing_rolls_back_everything(tmp_path, monkeypatch):
    source = data_dir() / "amsterdam" / "kwb_2017_amsterdam_full_83765NED.csv"
    path = tmp_path / "kwb_2017_kopie.csv"
    path.write_bytes(source.read_bytes() + b"\n")  # new content hash: not skipped as imported before
    before = (Area.objects.count(), IndicatorValue.objects.count(), ImportBatch.objects.count())

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_values_upsert", explode)
    with pytest.raises(RuntimeError):
        services.cbs_csv_import(path=path, year=2017)
    assert (Area.objects.count(), IndicatorValue.objects.count(), ImportBatch.objects.count()) == before


@pytest.mark.django_db
@responses.activate
def test_odata_loader_on_recorded_responses():
    base = "https://opendata.cbs.nl/ODataApi/odata/84583NED/TypedDataSet"
    page1 = json.loads((RECORDED / "84583NED_page1.json").read_text())
    page2 = json.loads((RECORDED / "84583NED_page2.json").read_text())
    responses.add(
        responses.GET, base, json=page1, match=[responses.matchers.query_param_matcher({"$format": "json"})]
    )
    responses.add(
        responses.GET,
        base,
        json=page2,
        match=[responses.matchers.query_param_matcher({"$format": "json", "$skiptoken": "Guid'4'"})],
    )
    batch = services.cbs_odata_import(table_id="84583NED", gemeente="GM0363")
    assert batch.kind == "cbs_odata" and batch.table_id == "84583NED"
    assert _value("GM0363", "inwoners", 2019) == 862965
    assert _value("WK036300", "woz_waarde", 2019) == page1["value"][1]["GemiddeldeWOZWaardeVanWoningen_35"]
    assert not IndicatorValue.objects.filter(
        batch=batch, area__code="GM0014"
    ).exists()  # other gemeente dropped
    assert IndicatorValue.objects.filter(batch=batch).values("area").distinct().count() == 6
    assert Area.objects.get(code="BU03630001").parent.code == "WK036300"
    assert len(responses.calls) == 2


@pytest.mark.django_db
@responses.activate
def test_odata_errors_are_clear():
    from smaakmaker.areas.sources.cbs_odata import CbsApiError

    before = ImportBatch.objects.count()
    responses.add(responses.GET, "https://opendata.cbs.nl/ODataApi/odata/84583NED/TypedDataSet", status=503)
    with pytest.raises(CbsApiError, match="503"):
        services.cbs_odata_import(table_id="84583NED")
    with pytest.raises(CbsApiError, match="Onbekende KWB-tabel"):
        services.cbs_odata_import(table_id="12345NED")
    assert ImportBatch.objects.count() == before


@pytest.mark.django_db
def test_custom_areas_from_polygon_or_buurten():
    services.amsterdam_buurten_import(
        path=data_dir() / "amsterdam" / "buurten_amsterdam_2015_2022_geometrie_rd.csv"
    )
    park = services.custom_area_create(
        name="Vakantiepark De Verzonnen Duinen",
        kind="vakantiepark",
        geometry={
            "type": "Polygon",
            "coordinates": [
                [[121000, 487000], [121500, 487000], [121500, 487500], [121000, 487500], [121000, 487000]]
            ],
        },
    )
    lon, lat = park.geometry["coordinates"][0][0]
    assert 4.8 < lon < 5.0 and 52.3 < lat < 52.4  # reprojected from RD New
    business = services.custom_area_create(
        name="Bedrijventerrein Fictief", kind="bedrijventerrein", buurt_codes=["BU0363AE01", "bu0363ae02"]
    )
    assert sorted(business.members.values_list("code", flat=True)) == ["BU0363AE01", "BU0363AE02"]
    assert business.gemeente_code == "GM0363"
    with pytest.raises(ValueError, match="onbekende buurtcode"):
        services.custom_area_create(name="x", kind="overig", buurt_codes=["BU9999ZZ99"])
