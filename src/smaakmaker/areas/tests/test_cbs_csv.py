# SPDX-License-Identifier: EUPL-1.2
"""Tests for the CBS CSV parser on every shipped file and on malformed files."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from smaakmaker.areas.sources.cbs_columns import (
    INDICATORS,
    column_key,
    indicator_for_column,
    is_forbidden_column,
)
from smaakmaker.areas.sources.cbs_csv import CbsCsvError, parse_cbs_text, read_cbs_csv

DATA = Path("/work/shared/data/cbs")
pytestmark = pytest.mark.skipif(not DATA.exists(), reason="shared CBS data not available")

ROW_COUNTS = {
    "amsterdam/buurten_amsterdam_2015_2022_geometrie_rd.csv": 439,
    "amsterdam/kwb_2017_amsterdam_full_83765NED.csv": 580,
    "amsterdam/kwb_2019_amsterdam_full_84583NED.csv": 580,
    "amsterdam/kwb_2020_amsterdam.csv": 579,
    "amsterdam/kwb_2023_income_amsterdam.csv": 628,
    "amsterdam/kwb_2024_amsterdam.csv": 628,
    "amsterdam/nabijheid_voorzieningen_2020_amsterdam.csv": 579,
    "amsterdam/nabijheid_voorzieningen_2024_amsterdam.csv": 628,
    "amsterdam/ses_woa_2019_amsterdam_85163NED.csv": 579,
    "groningen/buurt_2017_groningen_wkt_wgs84.csv": 108,
    "groningen/wijk_2017_groningen_wkt_wgs84.csv": 15,
    "nl/kwb_2021_gemeente_indicatoren.csv": 352,
}
FORBIDDEN = (
    "migratieachtergrond",
    "westers",
    "allochto",
    "herkomst",
    "marokko",
    "turkije",
    "surinam",
    "antill",
)


def test_every_shipped_csv_is_covered() -> None:
    shipped = {str(p.relative_to(DATA)) for p in DATA.glob("*/*.csv")}
    assert shipped == set(ROW_COUNTS)


@pytest.mark.parametrize("name,rows", sorted(ROW_COUNTS.items()))
def test_every_file_parses_with_right_row_count(name: str, rows: int) -> None:
    table = read_cbs_csv(DATA / name)
    assert table.n_rows == rows
    assert table.values.shape == table.missing.shape
    # missing mask and NaN agree exactly: a missing value is never a number (and never 0)
    assert np.array_equal(table.missing.to_numpy(), np.isnan(table.values.to_numpy()))
    codes = table.values.index.get_level_values("code")
    assert all(c == c.strip() and c.isupper() for c in codes)
    for col in list(table.values.columns) + list(table.text.columns):
        assert not any(f in column_key(col) for f in FORBIDDEN), col


def _raw(name: str, code: str, column: str) -> str:
    """Read one raw cell with the csv module (independent of the parser)."""
    path = DATA / name
    text = path.read_text(encoding="utf-8-sig")
    delim = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    rows = list(csv.reader(text.splitlines(), delimiter=delim))
    header = [h.strip() for h in rows[0]]
    for row in rows[1:]:
        if code in (v.strip() for v in row):
            return row[header.index(column)].strip()
    raise KeyError(code)


def test_amsterdam_inhabitants_2019_equals_csv_value() -> None:
    name = "amsterdam/kwb_2019_amsterdam_full_84583NED.csv"
    table = read_cbs_csv(DATA / name)
    col = "Bevolking.Aantal.inwoners..aantal."
    assert _raw(name, "GM0363", col) == "862965"
    assert table.value("GM0363", col) == 862965
    assert table.year == 2019 and table.table_id == "84583NED"
    ind = table.indicators().set_index(["code", "indicator"])
    assert ind.loc[("GM0363", "inwoners"), "value"] == 862965
    assert ind.loc[("NL00", "inwoners"), "value"] == 17282163


def test_decimal_comma_and_secrecy_2019() -> None:
    table = read_cbs_csv(DATA / "amsterdam/kwb_2019_amsterdam_full_84583NED.csv")
    hh = "Bevolking.Particuliere.huishoudens.Gemiddelde.huishoudensgrootte..aantal."
    assert table.value("NL00", hh) == pytest.approx(2.1)  # "2,1"
    assert table.value("BU03630000", hh) == pytest.approx(1.4)
    low = "Inkomen.Inkomen.van.huishoudens.Huishoudens.met.een.laag.inkomen...."
    assert table.value("BU03630000", low) == pytest.approx(15.3)
    # 'NA' and '' are missing, never 0
    app = "Energie.Gemiddeld.elektriciteitsverbruik.Naar.woningtype.Appartement..kWh."
    assert math.isnan(table.value("BU03639801", app))
    assert table.missing.xs("BU03639801", level="code")[app].iloc[0]
    assert hh in table.dialect.decimal_comma_columns
    assert table.dialect.delimiter == ","
    assert table.dialect.header_style == "r-make-names"


def test_padded_secret_dot_2017_is_missing() -> None:
    table = read_cbs_csv(DATA / "amsterdam/kwb_2017_amsterdam_full_83765NED.csv")
    woz = "Wonen.Gemiddelde.WOZ.waarde.van.woningen..x.1.000.euro."
    assert _raw("amsterdam/kwb_2017_amsterdam_full_83765NED.csv", "BU03639801", woz) == "."
    assert math.isnan(table.value("BU03639801", woz))
    assert table.value("GM0363", woz) == 290  # "     290"
    assert table.value("GM0363", "Bevolking.Aantal.inwoners..aantal.") == 844947
    crime = table.indicators().set_index(["code", "indicator"])
    assert crime.loc[("WK036300", "geweld_per_1000"), "value"] == 53
    assert np.isnan(crime.loc[("NL00", "geweld_per_1000"), "value"])  # '       .'


def test_migration_columns_are_dropped_with_note() -> None:
    table = read_cbs_csv(DATA / "amsterdam/kwb_2017_amsterdam_full_83765NED.csv")
    assert len(table.dropped_columns) == 7
    assert all("migratieachtergrond" in c for c in table.dropped_columns)
    assert any("migratieachtergrond" in n for n in table.notes)
    groningen = read_cbs_csv(DATA / "groningen/buurt_2017_groningen_wkt_wgs84.csv")
    assert set(groningen.dropped_columns) == {
        "P_WEST_AL",
        "P_N_W_AL",
        "P_MAROKKO",
        "P_ANT_ARU",
        "P_SURINAM",
        "P_TURKIJE",
        "P_OVER_NW",
    }
    nl = read_cbs_csv(DATA / "nl/kwb_2021_gemeente_indicatoren.csv")
    assert set(nl.dropped_columns) == {
        "Demographics: Non-Western background (%)",
        "Demographics: Western background (%)",
    }
    for name in ("AantalMetMigratieachtergrond_12", "X.NietWesters", "Herkomst Marokko", "allochtonen"):
        assert is_forbidden_column(name)
    assert not is_forbidden_column("Bevolking.Aantal.inwoners..aantal.")


def test_semicolon_renamed_english_columns_2020_and_2024() -> None:
    t20 = read_cbs_csv(DATA / "amsterdam/kwb_2020_amsterdam.csv")
    assert t20.dialect.delimiter == ";"
    assert t20.value("GM0363", "Population_Total") == 872757
    assert t20.value("GM0363", "Avg_Household_Size") == pytest.approx(1.8)  # "1,8"
    assert t20.value("GM0363", "Avg_Property_Value_1000EUR") == pytest.approx(416.0)  # "416.0"
    t24 = read_cbs_csv(DATA / "amsterdam/kwb_2024_amsterdam.csv")
    assert t24.value("GM0363", "Population_Total") == 931298
    assert t24.areas.loc[("BU0363AA01", 2024), "wijk_code"] == "WK0363AA"
    assert math.isnan(t24.value("BU0363AA01", "Higher_Education_Count"))  # empty cell
    ind = t24.indicators().set_index(["code", "indicator"])
    assert ind.loc[("GM0363", "inkomen_per_inwoner"), "value"] == pytest.approx(38.6)


def test_padded_codes_quoted_numbers_and_odata_names() -> None:
    income = read_cbs_csv(DATA / "amsterdam/kwb_2023_income_amsterdam.csv")
    assert ("GM0363", 2023) in income.values.index  # "GM0363    "
    assert math.isnan(income.value("BU0363AA01", "Avg_Income_Per_Income_Recipient_1000EUR"))
    assert income.value("BU0363AA01", "Pct_Lowest_40Pct_Income") == pytest.approx(57.8)
    n24 = read_cbs_csv(DATA / "amsterdam/nabijheid_voorzieningen_2024_amsterdam.csv")
    assert n24.value("GM0363", "DistanceToTrainStationAllTypes_90") == pytest.approx(2.9)
    assert n24.indicator_columns()["afstand_treinstation_km"] == "DistanceToTrainStationAllTypes_90"
    n20 = read_cbs_csv(DATA / "amsterdam/nabijheid_voorzieningen_2020_amsterdam.csv")
    assert n20.value("GM0363", "supermarkets_within_1km") == pytest.approx(5.6)
    ses = read_cbs_csv(DATA / "amsterdam/ses_woa_2019_amsterdam_85163NED.csv")
    assert ses.year == 2019
    assert ses.value("GM0363", "SES-WOA/Totaalscore/Gemiddelde score (Getal)") == pytest.approx(-0.1)
    assert ses.areas.loc[("WK036300", 2019), "name"] == "Burgwallen-Oude Zijde"


def test_groningen_sentinels_and_national_file() -> None:
    bu = read_cbs_csv(DATA / "groningen/buurt_2017_groningen_wkt_wgs84.csv")
    assert bu.value("BU00140000", "AANT_INW") == 4440
    assert _raw("groningen/buurt_2017_groningen_wkt_wgs84.csv", "BU00140004", "P_00_14_JR") == "-99999999"
    assert math.isnan(bu.value("BU00140004", "P_00_14_JR"))
    assert "geometry" in bu.text.columns
    wk = read_cbs_csv(DATA / "groningen/wijk_2017_groningen_wkt_wgs84.csv")
    assert wk.value("WK001400", "AANT_INW") == 22635
    nl = read_cbs_csv(DATA / "nl/kwb_2021_gemeente_indicatoren.csv")
    assert nl.value("GM0363", "aantal_inwoners") == 873338
    assert nl.areas.loc[("GM0014", 2021), "name"] == "Groningen"
    ind = nl.indicators().set_index(["code", "indicator"])
    assert ind.loc[("GM0363", "laag_inkomen_hh"), "value"] == pytest.approx(11.2)


def test_derived_rates_from_counts() -> None:
    table = read_cbs_csv(DATA / "amsterdam/kwb_2019_amsterdam_full_84583NED.csv")
    ind = table.indicators().set_index(["code", "indicator"])
    assert ind.loc[("GM0363", "bijstand_per_1000"), "value"] == pytest.approx(40340 / 862965 * 1000)
    assert ind.loc[("GM0363", "aandeel_0_14"), "value"] == pytest.approx(125602 / 862965 * 100)


def test_indicator_mapping_is_consistent() -> None:
    ids = [s.id for s in INDICATORS]
    assert len(ids) == len(set(ids))
    assert indicator_for_column("AantalInwoners_5").id == "inwoners"
    assert indicator_for_column("Bevolking/Aantal inwoners (aantal)").id == "inwoners"
    assert indicator_for_column("X.Population_Total").id == "inwoners"
    themes = {s.theme for s in INDICATORS}
    assert themes == {"inkomen", "wonen", "veiligheid", "voorzieningen", "zorg_jeugd", "bevolking"}
    assert all(s.direction == "context" for s in INDICATORS if s.theme == "bevolking")
    for spec in INDICATORS:
        assert not any(is_forbidden_column(src.column) for src in spec.sources)


# --- malformed files ------------------------------------------------------------------------------

GOOD = (
    "Regiocode;Naam;Inwoners;Laag inkomen\n"
    '"GM0363    ";Amsterdam;862965;"12,8"\n'
    "WK036300;Burgwallen;4295;.\n"
    "BU03630000;Kop Zeedijk;1035;15,3\n"
)


def _write(tmp_path: Path, text: str, name: str = "kwb_2019_test.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path, **kwargs: object) -> CbsCsvError:
    with pytest.raises(CbsCsvError) as info:
        read_cbs_csv(path, **kwargs)
    return info.value


def test_good_small_file(tmp_path: Path) -> None:
    table = read_cbs_csv(_write(tmp_path, GOOD))
    assert table.year == 2019
    assert table.value("GM0363", "Laag inkomen") == pytest.approx(12.8)
    assert math.isnan(table.value("WK036300", "Laag inkomen"))
    assert table.areas["line"].tolist() == [2, 3, 4]


def test_wrong_delimiter(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, GOOD.replace(";", "|")))
    assert (err.first.line, err.first.column) == (1, 1)
    assert "scheidingsteken" in str(err) and "kwb_2019_test.csv" in str(err)
    err = _error(_write(tmp_path, GOOD), delimiter=",")
    assert (err.first.line, err.first.column) == (1, 1)
    assert "verkeerd scheidingsteken" in str(err)


def test_missing_code_column(tmp_path: Path) -> None:
    text = "Naam;Inwoners\nAmsterdam;862965\nRotterdam;650000\n"
    err = _error(_write(tmp_path, text))
    assert err.first.line == 1
    assert "geen kolom met CBS-gebiedscodes" in str(err)


def test_duplicate_code_within_year(tmp_path: Path) -> None:
    text = GOOD + "WK036300;Burgwallen;4300;1,0\n"
    err = _error(_write(tmp_path, text))
    assert (err.first.line, err.first.column) == (5, 1)
    assert "WK036300" in str(err) and "regel 3" in str(err)
    # the same code in two periods is fine
    multi = "Perioden;Regiocode;Inwoners\n2019JJ00;GM0363;862965\n2020JJ00;GM0363;872757\n"
    table = read_cbs_csv(_write(tmp_path, multi, "multi.csv"))
    assert table.value("GM0363", "Inwoners", year=2020) == 872757
    assert table.year is None


def test_text_in_number_column(tmp_path: Path) -> None:
    text = GOOD.replace("1035", "veel")
    err = _error(_write(tmp_path, text))
    assert (err.first.line, err.first.column, err.first.column_name) == (4, 3, "Inwoners")
    assert "tekst 'veel' in een getalkolom" in str(err)
    assert "regel 4, kolom 3 (Inwoners)" in str(err)


def test_text_in_mapped_indicator_column_even_if_mostly_text(tmp_path: Path) -> None:
    text = "Regiocode;Population_Total\nGM0363;veel\nWK036300;weinig\nBU03630000;12\n"
    err = _error(_write(tmp_path, text))
    assert (err.first.line, err.first.column) == (2, 2)


def test_truncated_last_line(tmp_path: Path) -> None:
    text = GOOD + "BU03630001;Oude Ke"
    err = _error(_write(tmp_path, text))
    assert (err.first.line, err.first.column) == (5, 3)
    assert "afgebroken laatste regel" in str(err)


def test_ragged_middle_line_and_unclosed_quote(tmp_path: Path) -> None:
    lines = GOOD.splitlines()
    lines[2] += ";extra"
    err = _error(_write(tmp_path, "\n".join(lines) + "\n"))
    assert (err.first.line, err.first.column) == (3, 5)
    err = _error(_write(tmp_path, GOOD + 'BU03630001;"Oude Kerk;4\n'))
    assert err.first.line == 5
    assert "afgebroken" in str(err)


def test_invalid_code_in_code_column(tmp_path: Path) -> None:
    rows = [f"BU0363{i:04d};x;{i}" for i in range(20)] + ["Totaal;x;5"]
    err = _error(_write(tmp_path, "Regiocode;Naam;Inwoners\n" + "\n".join(rows) + "\n"))
    assert (err.first.line, err.first.column) == (22, 1)


def test_blank_lines_do_not_shift_line_numbers(tmp_path: Path) -> None:
    text = GOOD.replace("\nWK036300", "\n\nWK036300").replace("1035", "veel")
    err = _error(_write(tmp_path, text))
    assert err.first.line == 5


def test_parse_text_and_cp1252(tmp_path: Path) -> None:
    table = parse_cbs_text(GOOD, path="x.csv", year=2020)
    assert table.year == 2020
    path = tmp_path / "latin.csv"
    path.write_bytes("Regiocode;Wmo cliënten;Inwoners\nGM0363;5;7\n".encode("cp1252"))
    assert read_cbs_csv(path).dialect.encoding == "cp1252"


# --- fast reader (pyarrow.csv) against the exact reader -------------------------------------------


def _without_fast_path(monkeypatch: pytest.MonkeyPatch, path: Path):
    import smaakmaker.areas.sources.cbs_csv as module

    with monkeypatch.context() as m:
        m.setattr(module, "_fast_records", lambda *args: None)
        return read_cbs_csv(path)


def _assert_same_table(a, b) -> None:
    import pandas as pd

    for name in ("values", "missing", "areas", "text"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    assert (a.dialect, a.notes, a.dropped_columns, a.year, a.table_id) == (
        b.dialect,
        b.notes,
        b.dropped_columns,
        b.year,
        b.table_id,
    )
    pd.testing.assert_frame_equal(a.indicators(), b.indicators(), check_exact=True)


@pytest.mark.parametrize("name", sorted(ROW_COUNTS))
def test_fast_reader_equals_exact_reader_on_shipped_files(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import smaakmaker.areas.sources.cbs_csv as module

    used = []
    original = module._fast_records
    monkeypatch.setattr(module, "_fast_records", lambda *a: used.append(original(*a)) or used[-1])
    fast = read_cbs_csv(DATA / name)
    monkeypatch.undo()
    assert used and used[0] is not None  # the shipped files are regular: the fast reader is used
    _assert_same_table(fast, _without_fast_path(monkeypatch, DATA / name))


@pytest.mark.parametrize(
    "text",
    [
        'Regiocode;Naam;Inwoners\n"GM0363";"Amsterdam; centrum";"862965"\nWK036300;"";4295\n',
        "Regiocode;Naam;Inwoners\r\nGM0363;Amsterdam;862965\r\nWK036300;Burgwallen;4295",
        "Regiocode,Naam,Aandeel\nGM0363,Amsterdam,1e1\nWK036300,Burgwallen,.\nBU03630000,Kop,-0.5\n",
    ],
)
def test_fast_reader_equals_exact_reader_on_regular_text(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import smaakmaker.areas.sources.cbs_csv as module

    n_fields = len(text.splitlines()[0].split(";" if ";" in text else ","))
    assert module._fast_records(text, ";" if ";" in text else ",", n_fields) is not None
    path = _write(tmp_path, text)
    _assert_same_table(read_cbs_csv(path), _without_fast_path(monkeypatch, path))


@pytest.mark.parametrize(
    "text",
    [
        GOOD.replace("\nWK036300", "\n\nWK036300"),  # blank line: line numbers would shift
        GOOD + 'BU03630001;"Oude\nKerk";4;1\n',  # line break inside quotes
        GOOD + 'BU03630001;Oude "Kerk";4;1\n',  # quote inside a field
        GOOD + "BU03630001;Oude Kerk;4\n",  # ragged
        GOOD.replace("\n", "\r"),  # bare carriage returns
    ],
)
def test_fast_reader_declines_irregular_text(text: str) -> None:
    from smaakmaker.areas.sources.cbs_csv import _fast_records

    assert _fast_records(text, ";", 4) is None
