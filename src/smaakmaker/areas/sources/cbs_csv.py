# SPDX-License-Identifier: EUPL-1.2
"""Parse CBS StatLine CSV files, in every dialect we meet, into tidy pandas data (Django-free).

Dialects handled (all seen in ``shared/data/cbs/``):

* delimiter ``,`` or ``;`` (or tab), detected from the header line; optional UTF-8 BOM; cp1252 fallback;
* decimal point or decimal comma (``"2,1"``), decided per cell, so mixed columns also work;
* CBS secrecy and missing marks — ``.``, ``x``, ``-``, ``?``, empty, ``NA`` and the Wijk- en
  buurtkaart sentinels ``-99999999`` … ``-99999990`` — become *missing*, never zero. (CBS uses ``-``
  for "nihil"; we still treat it as missing because a zero we cannot verify is worse than a gap.)
  Every value comes with an explicit missing mask;
* padded codes (``"GM0363    "`` → ``GM0363``) and padded numbers (``"     5.6"``);
* header styles: StatLine labels (``Bevolking/Aantal inwoners (aantal)``), R ``write.csv`` names
  (``Bevolking.Aantal.inwoners..aantal.``, ``X.Inwoners``), OData names (``AantalInwoners_5``),
  the Wijk- en buurtkaart short names (``AANT_INW``) and renamed English columns (``Population_Total``);
  the mapping to stable indicator ids lives in :mod:`.cbs_columns`;
* leading row-number columns (R/pandas ``""``, ``Unnamed: 0``, StatLine ``ID``) are dropped.

Columns about migration background, ethnicity or nationality are dropped at parse time and never
returned; :attr:`CbsTable.notes` says so.

Bad input raises :class:`CbsCsvError` with a Dutch message naming the file and the 1-based line and
column of the first problems (unknown delimiter, missing code column, invalid or duplicate codes,
text in a number column, ragged or truncated lines).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from smaakmaker.common.codes import ANY_CODE_PATTERN

from .cbs_columns import INDICATORS, IndicatorSpec, column_key, column_keys, is_forbidden_column
from .codes import clean_codes, parent_code_frame, valid_code_mask

#: Cell contents (after stripping) that mean "missing / secret" in CBS exports.
MISSING_TOKENS: frozenset[str] = frozenset(
    {
        "",
        ".",
        "..",
        "x",
        "X",
        "-",
        "–",
        "?",
        "*",
        "NA",
        "N/A",
        "n/a",
        "na",
        "nan",
        "NaN",
        "null",
        "NULL",
        "None",
    }
)
#: Numeric sentinels CBS uses for "secret / not applicable" in the Wijk- en buurtkaart attribute tables.
SECRET_NUMBERS: frozenset[float] = frozenset(float(-99999990 - i) for i in range(10)) | frozenset(
    float(-99990 - i) for i in range(10)
)
MAX_PROBLEMS = 5
_CHUNK_ROWS = 50_000
_DELIMITERS = (";", ",", "\t")
_ROW_NUMBER_KEYS = {"", "unnamed0", "id", "rownames"}
_TEXT_KEY_FRAGMENTS = ("naam", "name", "soortregio", "omschrijving", "geometr", "wkt", "districttype")
_PERIOD_KEYS = {"perioden", "periods", "jaar", "year"}
_NAME_KEYS = (
    "wijkenenbuurten",
    "districttype",
    "regionaam",
    "bunaam",
    "buurtnaam",
    "buurtnaam2022",
    "wknaam",
    "wijknaam",
)
_GEMEENTE_NAME_KEYS = ("gemeentenaam", "gmnaam", "municipalityname", "regioaanduidinggemeentenaamnaam")


@dataclass(frozen=True)
class CsvProblem:
    """One problem in a CSV file, with a 1-based line and (when known) a 1-based column."""

    line: int
    column: int | None
    column_name: str | None
    message: str

    def describe(self) -> str:
        """Dutch description, e.g. ``regel 5, kolom 3 (Inwoners): tekst 'veel' in een getalkolom``."""
        where = f"regel {self.line}"
        if self.column is not None:
            where += f", kolom {self.column}"
            if self.column_name:
                where += f" ({self.column_name})"
        return f"{where}: {self.message}"


class CbsCsvError(ValueError):
    """A CBS CSV file could not be read; the message (Dutch) names file, line and column."""

    def __init__(self, path: str | Path, problems: Sequence[CsvProblem]) -> None:
        self.path = str(path)
        self.problems = list(problems)[:MAX_PROBLEMS]
        name = Path(self.path).name
        details = "; ".join(p.describe() for p in self.problems)
        more = len(problems) - len(self.problems)
        suffix = f" (en nog {more} andere problemen)" if more > 0 else ""
        super().__init__(f"Het CBS-bestand '{name}' kan niet worden ingelezen: {details}{suffix}.")

    @property
    def first(self) -> CsvProblem:
        """The first problem (lowest line)."""
        return self.problems[0]


@dataclass(frozen=True)
class Dialect:
    """What the parser detected about a file."""

    delimiter: str
    encoding: str
    decimal_comma_columns: tuple[str, ...]
    header_style: str


@dataclass
class CbsTable:
    """A parsed CBS table: numeric values with an explicit missing mask, plus area metadata.

    ``values`` and ``missing`` share the index ``(code, year)`` and the numeric columns (original header
    names, cleaned of padding). ``values`` is float64 with NaN where ``missing`` is True; a missing
    value is *never* zero. ``areas`` holds name, level, gemeente/wijk parents and the source line.
    """

    path: str
    table_id: str | None
    year: int | None
    values: pd.DataFrame
    missing: pd.DataFrame
    areas: pd.DataFrame
    text: pd.DataFrame
    dialect: Dialect
    dropped_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        """Number of data rows (areas × periods)."""
        return len(self.values)

    def value(self, code: str, column: str, year: int | None = None) -> float:
        """One value by code and column (NaN when missing); ``year`` needed only for multi-period files."""
        frame = self.values.xs(code, level="code")
        if year is not None:
            frame = frame.loc[[year]]
        if len(frame) != 1:
            raise KeyError(f"{code} komt {len(frame)} keer voor; geef een jaar op")
        return float(frame[column].iloc[0])

    def indicator_columns(self, specs: Iterable[IndicatorSpec] = INDICATORS) -> dict[str, str]:
        """Which header column feeds which indicator id (direct sources only, first match wins)."""
        found: dict[str, str] = {}
        keyed = [(col, *column_keys(col)) for col in self.values.columns]
        for spec in specs:
            for col, full, stripped in keyed:
                if full in spec.aliases or stripped in spec.aliases:
                    found[spec.id] = col
                    break
        return found

    def indicators(self, specs: Iterable[IndicatorSpec] = INDICATORS) -> pd.DataFrame:
        """Tidy long frame: ``code, year, indicator, value, missing, source`` for every mapped indicator.

        Direct source columns win; otherwise a :class:`~.cbs_columns.Derivation` computes a rate from
        counts (missing numerator or denominator, or a zero denominator, gives missing).
        """
        specs = list(specs)
        direct = self.indicator_columns(specs)
        parts: list[pd.DataFrame] = []
        by_key = {}
        for col in self.values.columns:
            for key in column_keys(col):
                by_key.setdefault(key, col)

        def lookup(aliases: Sequence[str]) -> str | None:
            for alias in aliases:
                col = by_key.get(column_key(alias))
                if col is not None:
                    return col
            return None

        resolved: dict[str, tuple[pd.Series, str]] = {}
        for spec in specs:
            if spec.id in direct:
                col = direct[spec.id]
                resolved[spec.id] = (self.values[col], col)
        for spec in specs:
            if spec.id in resolved or spec.derivation is None:
                continue
            der = spec.derivation
            num_col = lookup(der.numerator)
            if num_col is None:
                continue
            if isinstance(der.denominator, str):
                if der.denominator not in resolved:
                    continue
                den, den_name = resolved[der.denominator]
            else:
                den_name = lookup(der.denominator)
                if den_name is None:
                    continue
                den = self.values[den_name]
            den = den.where(den != 0)
            resolved[spec.id] = (self.values[num_col] / den * der.factor, f"{num_col} / {den_name}")
        for ind_id, (series, source) in resolved.items():
            parts.append(
                pd.DataFrame(
                    {
                        "code": series.index.get_level_values("code"),
                        "year": series.index.get_level_values("year"),
                        "indicator": ind_id,
                        "value": series.to_numpy(dtype=float),
                        "missing": series.isna().to_numpy(),
                        "source": source,
                    }
                )
            )
        if not parts:
            return pd.DataFrame(columns=["code", "year", "indicator", "value", "missing", "source"])
        return pd.concat(parts, ignore_index=True)


# --- reading -----------------------------------------------------------------------------------------


def _decode(raw: bytes) -> tuple[str, str]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("cp1252 decodes every byte")  # pragma: no cover


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == char and not quoted:
            count += 1
    return count


def _detect_delimiter(text: str, path: str, delimiter: str | None) -> str:
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if not lines:
        raise CbsCsvError(path, [CsvProblem(1, None, None, "het bestand is leeg")])
    header = lines[0]
    if delimiter is not None:
        if _count_outside_quotes(header, delimiter) == 0:
            raise CbsCsvError(
                path,
                [
                    CsvProblem(
                        1,
                        1,
                        None,
                        f"met scheidingsteken {delimiter!r} is er maar één kolom: verkeerd scheidingsteken",
                    )
                ],
            )
        return delimiter
    counts = {d: _count_outside_quotes(header, d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        raise CbsCsvError(
            path,
            [CsvProblem(1, 1, None, "scheidingsteken niet herkend (verwacht komma, puntkomma of tab)")],
        )
    # Prefer a delimiter whose field count is stable over the first lines (a comma can occur inside
    # an unquoted label while the real delimiter is ';').
    ranked = sorted((d for d in _DELIMITERS if counts[d] > 0), key=lambda d: -counts[d])
    for cand in ranked:
        sample = list(csv.reader(io.StringIO("\n".join(lines[:20])), delimiter=cand))
        if len({len(r) for r in sample[:-1] or sample}) == 1:
            return cand
    return best


def _header_style(columns: Sequence[str]) -> str:
    joined = " ".join(columns)
    if "/" in joined and "(" in joined:
        return "statline"
    if re.search(r"\w\.\w", joined) and ".." in joined:
        return "r-make-names"
    if re.search(r"_\d+\b", joined) and re.search(r"[a-z][A-Z]", joined):
        return "odata"
    if re.search(r"\b[A-Z]{2,}_[A-Z]{2,}", joined):
        return "wijkbuurtkaart"
    return "renamed"


def _to_numbers(cells: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Vectorised conversion of raw cells: (values, missing, is_text, used_decimal_comma)."""
    stripped = cells.str.strip()
    missing = stripped.isin(MISSING_TOKENS).to_numpy()
    has_comma = stripped.str.contains(",", regex=False).to_numpy(dtype=bool)
    candidate = stripped.str.replace(",", ".", regex=False) if has_comma.any() else stripped
    numbers = _plain_decimals(candidate, missing)
    if numbers is None:
        numbers = pd.to_numeric(candidate.where(~missing), errors="coerce").to_numpy(dtype=float)
    is_text = ~missing & ~np.isfinite(numbers)
    secret = np.isin(numbers, list(SECRET_NUMBERS))
    missing = missing | secret
    numbers = np.where(missing | is_text, np.nan, numbers)
    return numbers, missing, is_text, bool((has_comma & ~missing & ~is_text).any())


_PLAIN_DECIMAL = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"


def _plain_decimals(candidate: pd.Series, missing: np.ndarray) -> np.ndarray | None:
    """Arrow-backed fast conversion, or ``None`` to use ``pandas.to_numeric``.

    Used only when every non-missing cell is a plain decimal literal (``-12.5``, ``3``, ``1e5``); for
    those, Arrow's cast and ``pandas.to_numeric`` give the same correctly rounded double. Anything else
    (text, ``inf``, thousands separators, …) goes the general way, so the result never differs.
    """
    array = getattr(candidate, "array", None)
    chunked = getattr(array, "_pa_array", None)
    if chunked is None or not len(candidate):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        present = pc.if_else(pa.array(missing), None, chunked)
        if not pc.all(pc.match_substring_regex(present, _PLAIN_DECIMAL), skip_nulls=True).as_py():
            return None
        return pc.cast(present, pa.float64()).to_numpy(zero_copy_only=False).astype(float)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):  # pragma: no cover - defensive
        return None


def _fast_records(text: str, delim: str, n_fields: int) -> list[object] | None:
    """Tokenise the data records with ``pyarrow.csv`` when the file is plainly regular, else ``None``.

    "Plainly regular" means the fast reader cannot disagree with ``csv.reader(strict=True)``: no blank
    lines, no NUL, carriage returns only in ``\r\n`` line ends, and every quote opens a field right
    after a delimiter or line start and closes it right before a delimiter or line end, with no quote
    or line break inside. Then record *r* is on line *r* + 2. Any parse error (ragged lines, …) also
    returns ``None``: the exact reader then finds the problem and reports its line and column.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if "\x00" in text or "\n\n" in text or "\n\r\n" in text or text.startswith(("\n", "\r")):
        return None
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None
    data = text.encode("utf-8")
    if b'"' in data:
        buf = np.frombuffer(data, dtype=np.uint8)
        quotes = np.flatnonzero(buf == ord('"'))
        if len(quotes) % 2:
            return None
        opens, closes = quotes[0::2], quotes[1::2]
        d, nl, cr = ord(delim), ord("\n"), ord("\r")
        before = np.where(opens > 0, buf[np.maximum(opens - 1, 0)], nl)
        after = np.where(closes + 1 < len(buf), buf[np.minimum(closes + 1, len(buf) - 1)], nl)
        newline_count = np.cumsum(buf == nl)
        if not (
            np.isin(before, (d, nl)).all()
            and np.isin(after, (d, nl, cr)).all()
            and (newline_count[opens] == newline_count[closes]).all()
        ):
            return None
    first_break = data.find(b"\n")
    if first_break < 0:
        return None
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data[first_break + 1 :]),
            read_options=pacsv.ReadOptions(
                column_names=[f"c{i}" for i in range(n_fields)], block_size=1 << 24
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delim,
                quote_char='"',
                double_quote=True,
                newlines_in_values=False,
                ignore_empty_lines=False,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(n_fields)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows == 0 or table.num_columns != n_fields:
        return None
    if table.num_rows != data.count(b"\n", first_break + 1) + (0 if data.endswith(b"\n") else 1):
        return None  # pragma: no cover - a record the checks above did not foresee
    return list(table.columns)


def _convert_columns(
    columns: dict[int, pd.Series],
) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, bool]]:
    """:func:`_to_numbers` for many columns; large files use two threads (Arrow releases the GIL)."""
    total = sum(len(c) for c in columns.values())
    if total < 200_000 or len(columns) < 2:
        return {i: _to_numbers(c) for i, c in columns.items()}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(_to_numbers, columns.values())
        return dict(zip(columns, results, strict=True))


def read_cbs_csv(
    path: str | Path,
    *,
    year: int | None = None,
    table_id: str | None = None,
    delimiter: str | None = None,
) -> CbsTable:
    """Parse one CBS CSV file into a :class:`CbsTable`.

    ``year`` is taken from a ``Perioden`` column when present, else from this argument, else from a
    single four-digit year in the file name. ``table_id`` (e.g. ``84583NED``) defaults to the one in the
    file name. ``delimiter`` overrides detection. Raises :class:`CbsCsvError` on malformed input.
    """
    text, encoding = _decode(Path(path).read_bytes())
    return parse_cbs_text(
        text, path=str(path), year=year, table_id=table_id, delimiter=delimiter, encoding=encoding
    )


def parse_cbs_text(
    text: str,
    *,
    path: str = "<tekst>",
    year: int | None = None,
    table_id: str | None = None,
    delimiter: str | None = None,
    encoding: str = "utf-8",
) -> CbsTable:
    """Same as :func:`read_cbs_csv` for text already in memory (``path`` is used in messages)."""
    text = text.lstrip("\ufeff")
    delim = _detect_delimiter(text, path, delimiter)
    reader = csv.reader(io.StringIO(text), delimiter=delim, strict=True)

    # Header (first non-blank record).
    try:
        header = next(r for r in reader if r)
    except StopIteration:
        raise CbsCsvError(path, [CsvProblem(1, None, None, "het bestand is leeg")]) from None
    except csv.Error as exc:
        raise CbsCsvError(
            path, [CsvProblem(reader.line_num, None, None, f"kopregel onleesbaar ({exc})")]
        ) from None
    n_fields = len(header)
    names = [h.strip().lstrip("\ufeff") for h in header]

    # Column roles.
    keep = [i for i, n in enumerate(names) if column_key(n) not in _ROW_NUMBER_KEYS]
    dropped_idx = [i for i in keep if is_forbidden_column(names[i])]
    keep = [i for i in keep if i not in dropped_idx]
    dropped = [names[i] for i in dropped_idx]
    mapped_keys: set[str] = set()
    for spec in INDICATORS:
        mapped_keys |= spec.aliases
        if spec.derivation is not None:
            mapped_keys |= {column_key(a) for a in spec.derivation.numerator}
            if not isinstance(spec.derivation.denominator, str):
                mapped_keys |= {column_key(a) for a in spec.derivation.denominator}

    fast = _fast_records(text, delim, n_fields) if reader.line_num == 1 else None
    if fast is not None:
        record_count = len(fast[0])
        line_numbers = np.arange(2, record_count + 2, dtype=np.int64)
        cells = {i: pd.Series(pd.array(fast[i], dtype="string")) for i in keep}
    else:
        cells, line_numbers, record_count = _read_records(reader, path, names, n_fields, keep)

    def line_of(records: np.ndarray) -> list[int]:
        return [int(x) for x in line_numbers[np.asarray(records, dtype=np.int64)]]

    # Code column: the column whose values are CBS region codes (most distinct codes wins).
    # Code column: the column whose values are CBS region codes (most distinct codes wins).
    code_idx: int | None = None
    best_distinct = -1
    for i in keep:
        head = clean_codes(cells[i].iloc[:200]).dropna()
        if len(head) and valid_code_mask(head[head != ""]).mean() < 0.5:
            continue  # cheap pre-check on the first rows
        cleaned = clean_codes(cells[i])
        present = ~cleaned.isna() & (cleaned != "")
        n_present = int(present.sum())
        if n_present == 0:
            continue
        share = valid_code_mask(cleaned[present]).mean()
        if share >= 0.9:
            distinct = cleaned[present].nunique()
            if distinct > best_distinct:
                code_idx, best_distinct = i, distinct
    if code_idx is None:
        raise CbsCsvError(
            path,
            [
                CsvProblem(
                    1, None, None, "geen kolom met CBS-gebiedscodes (GM####, WK######, BU########) gevonden"
                )
            ],
        )
    codes = clean_codes(cells[code_idx])

    invalid = np.flatnonzero(~valid_code_mask(codes))
    if invalid.size:
        lines = line_of(invalid[:MAX_PROBLEMS])
        raise CbsCsvError(
            path,
            [
                CsvProblem(
                    ln,
                    code_idx + 1,
                    names[code_idx],
                    f"ongeldige gebiedscode {str(cells[code_idx].iloc[r])!r}",
                )
                for ln, r in zip(lines, invalid[:MAX_PROBLEMS], strict=False)
            ],
        )

    # Period column.
    period_idx = next((i for i in keep if column_key(names[i]) in _PERIOD_KEYS), None)
    if table_id is None:
        m = re.search(r"\d{5}NED", Path(path).name, flags=re.IGNORECASE)
        table_id = m.group(0).upper() if m else None
    if period_idx is not None:
        years = pd.to_numeric(cells[period_idx].str.strip().str[:4], errors="coerce")
        bad_years = np.flatnonzero(years.isna().to_numpy())
        if bad_years.size:
            lines = line_of(bad_years[:MAX_PROBLEMS])
            raise CbsCsvError(
                path,
                [
                    CsvProblem(ln, period_idx + 1, names[period_idx], "periode is geen jaartal")
                    for ln in lines
                ],
            )
        year_series = years.astype("Int64")
        distinct_years = year_series.unique()
        file_year = int(distinct_years[0]) if len(distinct_years) == 1 else None
    else:
        if year is None:
            found = set(re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", Path(path).name))
            year = int(found.pop()) if len(found) == 1 else None
        year_series = pd.Series([year] * record_count, dtype="Int64")
        file_year = year

    # Duplicates within a year.
    key_frame = pd.DataFrame({"code": codes.to_numpy(), "year": year_series.to_numpy()})
    dup = np.flatnonzero(key_frame.duplicated(keep="first").to_numpy())
    if dup.size:
        lines = line_of(dup[:MAX_PROBLEMS])
        first_of = (
            key_frame.assign(_rec=np.arange(record_count))
            .groupby(["code", "year"], dropna=False)["_rec"]
            .transform("min")
            .to_numpy()
        )
        first_lines = line_of(first_of[dup[:MAX_PROBLEMS]])
        raise CbsCsvError(
            path,
            [
                CsvProblem(
                    ln,
                    code_idx + 1,
                    names[code_idx],
                    f"gebiedscode {codes.iloc[d]} komt dubbel voor in hetzelfde jaar (eerder op regel {fl})",
                )
                for ln, d, fl in zip(lines, dup[:MAX_PROBLEMS], first_lines, strict=True)
            ],
        )

    # Classify and convert the other columns.
    numeric: dict[str, np.ndarray] = {}
    missing: dict[str, np.ndarray] = {}
    text_cols: dict[str, pd.Series] = {}
    comma_cols: list[str] = []
    text_errors: list[tuple[int, int]] = []  # (record, column index)
    roles: dict[int, tuple[bool, bool]] = {}  # column → (forced numeric, forced text)
    for i in keep:
        if i in (code_idx, period_idx):
            continue
        full, stripped = column_keys(names[i])
        forced_numeric = full in mapped_keys or stripped in mapped_keys
        roles[i] = (forced_numeric, not forced_numeric and any(f in full for f in _TEXT_KEY_FRAGMENTS))
    to_convert = [i for i, (_, forced_text) in roles.items() if not forced_text]
    converted = _convert_columns({i: cells[i] for i in to_convert})
    for i, (forced_numeric, forced_text) in roles.items():
        name = names[i]
        if forced_text:
            text_cols[name] = cells[i].str.strip()
            continue
        values, miss, is_text, comma = converted[i]
        n_text, n_num = int(is_text.sum()), int((~miss & ~is_text).sum())
        if not forced_numeric and n_text > n_num:
            text_cols[name] = cells[i].str.strip()
            continue
        if n_text:
            text_errors.extend((int(r), i) for r in np.flatnonzero(is_text)[:MAX_PROBLEMS])
        numeric[name] = values
        missing[name] = miss
        if comma:
            comma_cols.append(name)
    if text_errors:
        text_errors.sort()
        text_errors = text_errors[:MAX_PROBLEMS]
        lines = line_of(np.array([r for r, _ in text_errors]))
        raise CbsCsvError(
            path,
            [
                CsvProblem(ln, i + 1, names[i], f"tekst {str(cells[i].iloc[r]).strip()!r} in een getalkolom")
                for ln, (r, i) in zip(lines, text_errors, strict=True)
            ],
        )

    index = pd.MultiIndex.from_arrays(
        [codes.astype(object).to_numpy(), year_series.to_numpy()], names=["code", "year"]
    )
    values_df = pd.DataFrame(numeric, index=index) if numeric else pd.DataFrame(index=index)
    missing_df = pd.DataFrame(missing, index=index) if missing else pd.DataFrame(index=index)
    text_df = pd.DataFrame({k: v.to_numpy() for k, v in text_cols.items()}, index=index)

    areas = parent_code_frame(pd.Series(codes.to_numpy(), index=index, dtype="string"))
    areas["name"] = _area_names(text_cols, areas["level"], index)
    areas["line"] = line_numbers
    areas = areas[["name", "level", "gemeente_code", "wijk_code", "line"]]

    notes: list[str] = []
    if dropped:
        notes.append(
            f"{len(dropped)} kolommen over migratieachtergrond of herkomst zijn bewust niet ingelezen "
            "(Smaakmaker verwerkt geen gegevens over etniciteit, nationaliteit of migratieachtergrond)."
        )
    if comma_cols:
        notes.append(f"Decimale komma herkend in {len(comma_cols)} kolommen.")
    n_missing = int(missing_df.to_numpy().sum()) if len(missing_df.columns) else 0
    if n_missing:
        notes.append(
            f"{n_missing} waarden ontbreken of zijn geheim (CBS-teken '.', leeg e.d.); "
            "ze blijven leeg, niet 0."
        )

    return CbsTable(
        path=path,
        table_id=table_id,
        year=file_year,
        values=values_df,
        missing=missing_df,
        areas=areas,
        text=text_df,
        dialect=Dialect(
            delimiter=delim,
            encoding="utf-8" if encoding == "utf-8-sig" else encoding,
            decimal_comma_columns=tuple(comma_cols),
            header_style=_header_style(names),
        ),
        dropped_columns=dropped,
        notes=notes,
    )


def _read_records(
    reader: Iterable[list[str]], path: str, names: list[str], n_fields: int, keep: list[int]
) -> tuple[dict[int, pd.Series], np.ndarray, int]:
    """The exact reader: every record via ``csv.reader(strict=True)``, with 1-based start lines.

    Raises :class:`CbsCsvError` for ragged, truncated or badly quoted records and for a file without
    data records.
    """
    raw_cols: dict[int, list[pd.Series]] = {i: [] for i in keep}
    record_count = 0
    ragged: list[tuple[int, int]] = []  # (record index, field count)
    chunk: list[list[str]] = []

    def flush() -> None:
        nonlocal chunk
        if not chunk:
            return
        lengths = np.fromiter((len(r) for r in chunk), dtype=np.int64, count=len(chunk))
        bad = np.flatnonzero(lengths != n_fields)
        for b in bad[: MAX_PROBLEMS - len(ragged)]:
            ragged.append((record_count - len(chunk) + int(b), int(lengths[b])))
        if bad.size:
            chunk = [r if len(r) == n_fields else (r + [""] * n_fields)[:n_fields] for r in chunk]
        columns = list(zip(*chunk, strict=True))
        for i in keep:
            raw_cols[i].append(pd.Series(columns[i], dtype=object))
        chunk = []

    starts: list[int] = []  # 1-based start line of every data record
    prev = reader.line_num
    try:
        for row in reader:
            if row:
                chunk.append(row)
                starts.append(prev + 1)
                record_count += 1
                if len(chunk) >= _CHUNK_ROWS:
                    flush()
            prev = reader.line_num
        flush()
    except csv.Error as exc:
        raise CbsCsvError(
            path,
            [
                CsvProblem(
                    prev + 1,
                    None,
                    None,
                    f"regel onvolledig of afgebroken (aanhalingsteken niet gesloten: {exc})",
                )
            ],
        ) from None
    line_numbers = np.asarray(starts, dtype=np.int64)

    if ragged:
        problems = []
        for rec, count in ragged:
            is_last = rec == record_count - 1
            what = "afgebroken laatste regel" if is_last and count < n_fields else "verkeerd aantal velden"
            col = count + 1 if count < n_fields else n_fields + 1
            colname = names[col - 1] if col <= n_fields else None
            problems.append(
                CsvProblem(
                    int(line_numbers[rec]), col, colname, f"{what}: {count} velden in plaats van {n_fields}"
                )
            )
        raise CbsCsvError(path, problems)
    if record_count == 0:
        raise CbsCsvError(path, [CsvProblem(2, None, None, "het bestand bevat geen gegevensregels")])

    cells = {i: pd.concat(parts, ignore_index=True).astype("string") for i, parts in raw_cols.items()}
    return cells, line_numbers, record_count


def _area_names(text_cols: dict[str, pd.Series], levels: pd.Series, index: pd.MultiIndex) -> np.ndarray:
    keyed = {column_key(n): s for n, s in text_cols.items()}
    for key in _NAME_KEYS:
        if key in keyed:
            return keyed[key].to_numpy(dtype=object)
    if (levels == "gemeente").all():
        for key in _GEMEENTE_NAME_KEYS:
            if key in keyed:
                return keyed[key].to_numpy(dtype=object)
    return np.full(len(index), None, dtype=object)


def is_code_like(values: pd.Series) -> bool:
    """True when at least 90% of the non-empty values are CBS region codes."""
    cleaned = clean_codes(values).dropna()
    cleaned = cleaned[cleaned != ""]
    return bool(len(cleaned)) and bool(cleaned.str.fullmatch(ANY_CODE_PATTERN).mean() >= 0.9)
