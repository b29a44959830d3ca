# SPDX-License-Identifier: EUPL-1.2
"""Gemeente Amsterdam's Basisbestand Gebieden (BBGA), late-2018 snapshot: reader and variable mapping.

Pure pandas, no Django. The bundled files (``data/bbga_amsterdam/``, see its README) hold yearly series per
Amsterdam *gebied* (22 GGW-gebieden, layout 2015, OIS codes ``DX01``–``DX22``) and *stadsdeel* (OIS letters),
2001/2005–2018, in long form ``year,area_code,area_name,variable,value``.

Only the variables listed here are read. Registered (administrative) variables become indicator values;
where the definition is the same as a CBS indicator of the catalogue (inhabitants on 1 January, share of
65-plus, one-person households, tenure shares) they use its id, otherwise an id of their own starting with
``bbga_``. Resident-survey variables (Wonen in Amsterdam, Veiligheidsmonitor, OIS) are *perceived*
indicators and are kept apart (the monitoring domain stores them). No variable about migration background
is read.

Area codes in the application: a gebied keeps its OIS code (``DX01``); a stadsdeel is ``SD0363`` + its OIS
letter (``SD0363A`` = Centrum), because a single letter is not a usable code. The residual codes ``ZX99``
(Westpoort, 198 inhabitants) and ``Z`` and the almost empty stadsdeel ``B`` (Westpoort) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

AREAS_FILE = "bbga2018_areas.csv"
VARIABLES_FILE = "bbga2018_variables.csv"
REGISTERED_FILE = "bbga2018_registered_population_housing_income_etc_long.csv"
SURVEY_FILE = "bbga2018_survey_and_indices_long.csv"
LONG_COLUMNS = ("year", "area_code", "area_name", "variable", "value")

GEMEENTE = "GM0363"
STADSDEEL_PREFIX = "SD0363"
LEFT_OUT = frozenset({"ZX99", "Z", "B", "STAD"})
SOURCE = "Bron: Gemeente Amsterdam, OIS, Basisbestand Gebieden Amsterdam (stand eind 2018)"
#: the survey file as the pages name it (earlier imports of perceived values)
SURVEY_SOURCE = "Gemeente Amsterdam, OIS, Basisbestand Gebieden (stand eind 2018): bewonersenquête en indices"


@dataclass(frozen=True)
class BbgaVariable:
    """One BBGA variable as read into the application."""

    variable: str
    id: str
    label: str
    unit: str
    theme: str  # one of the catalogue's themes (registered) or "" (perceived)
    direction: str  # "worse", "better" or "context"


#: Registered variables. Ids without ``bbga_`` are catalogue ids with the same definition.
REGISTERED: tuple[BbgaVariable, ...] = (
    BbgaVariable("BEVTOTAAL", "inwoners", "Aantal inwoners", "aantal", "bevolking", "context"),
    BbgaVariable(
        "BEV65PLUS_P", "aandeel_65_plus", "Aandeel inwoners van 65 jaar of ouder", "%", "bevolking", "context"
    ),
    BbgaVariable(
        "BEVALLEENHH_P",
        "eenpersoonshuishoudens_pct",
        "Aandeel eenpersoonshuishoudens",
        "%",
        "bevolking",
        "context",
    ),
    BbgaVariable("WKOOP_P", "koopwoningen_pct", "Aandeel koopwoningen", "%", "wonen", "context"),
    BbgaVariable(
        "WCORHUUR_P",
        "corporatiewoningen_pct",
        "Aandeel huurwoningen van een woningcorporatie",
        "%",
        "wonen",
        "context",
    ),
    BbgaVariable(
        "WPARTHUUR_P",
        "particuliere_huur_pct",
        "Aandeel huurwoningen van overige verhuurders",
        "%",
        "wonen",
        "context",
    ),
    BbgaVariable(
        "BEV0_17_P",
        "bbga_aandeel_0_17",
        "Aandeel inwoners van 0 tot en met 17 jaar",
        "%",
        "bevolking",
        "context",
    ),
    BbgaVariable(
        "IHHINK_GEM",
        "bbga_besteedbaar_inkomen_hh",
        "Gemiddeld besteedbaar huishoudinkomen",
        "euro",
        "inkomen",
        "better",
    ),
    BbgaVariable(
        "IMINHH120_P",
        "bbga_minimahuishoudens_pct",
        "Aandeel minimahuishoudens (tot 120% van het sociaal minimum, weinig vermogen)",
        "%",
        "inkomen",
        "worse",
    ),
    BbgaVariable(
        "ILAAGHH120_P",
        "bbga_lage_inkomens_pct",
        "Aandeel huishoudens met een inkomen tot 120% van het sociaal minimum",
        "%",
        "inkomen",
        "worse",
    ),
    BbgaVariable(
        "IWWB_P", "bbga_bijstand_pct", "Aandeel 15- tot 65-jarigen met bijstand", "%", "inkomen", "worse"
    ),
    BbgaVariable(
        "PREGWERKL_P",
        "bbga_werkloosheid_pct",
        "Geregistreerde werkloosheid (aandeel 15- tot 65-jarigen)",
        "%",
        "inkomen",
        "worse",
    ),
    BbgaVariable(
        "VBRAND_P",
        "bbga_binnenbranden_per_1000",
        "Binnenbranden per 1.000 woningen",
        "per 1.000 woningen",
        "veiligheid",
        "worse",
    ),
    BbgaVariable(
        "VJEUGDIGE_P",
        "bbga_jeugdige_verdachten_pct",
        "Verdachten van criminaliteit onder 12- tot en met 24-jarigen",
        "%",
        "veiligheid",
        "worse",
    ),
    BbgaVariable(
        "OLSV_P",
        "bbga_laag_opgeleide_schoolverlaters_pct",
        "Aandeel 18- tot en met 22-jarigen dat zonder startkwalificatie van school ging",
        "%",
        "zorg_jeugd",
        "worse",
    ),
    BbgaVariable(
        "WZWELZIJN_1000INW",
        "bbga_welzijnsvoorzieningen_per_1000",
        "Welzijnsvoorzieningen per 1.000 inwoners",
        "per 1.000 inwoners",
        "voorzieningen",
        "better",
    ),
    BbgaVariable(
        "WZGEZOND_1000INW",
        "bbga_zorgvoorzieningen_per_1000",
        "Voorzieningen gezondheidszorg per 1.000 inwoners",
        "per 1.000 inwoners",
        "voorzieningen",
        "better",
    ),
    BbgaVariable(
        "SRSPORT_1000INW",
        "bbga_sportvoorzieningen_per_1000",
        "Sportvoorzieningen per 1.000 inwoners",
        "per 1.000 inwoners",
        "voorzieningen",
        "better",
    ),
)

#: Resident-survey variables (perceived). Scores ``_R`` are report marks 1–10.
PERCEIVED: tuple[BbgaVariable, ...] = (
    BbgaVariable(
        "VVEILIGVOELEN_P",
        "onveiligheidsgevoel_pct",
        "Voelt zich wel eens onveilig in de buurt",
        "%",
        "",
        "worse",
    ),
    BbgaVariable("LSOCCOH_R", "sociale_cohesie", "Sociale samenhang", "schaalscore 1–10", "", "better"),
    BbgaVariable(
        "LBUURT_R", "tevredenheid_buurt", "Tevredenheid met de buurt", "rapportcijfer", "", "better"
    ),
    BbgaVariable(
        "VVEILIGAVOND_R",
        "veiligheid_avond",
        "Veiligheidsgevoel 's avonds in de buurt",
        "rapportcijfer",
        "",
        "better",
    ),
    BbgaVariable(
        "VCRIMINALITEIT_R",
        "overlast_criminaliteit",
        "Overlast van criminaliteit (10 = geen overlast)",
        "rapportcijfer",
        "",
        "better",
    ),
    BbgaVariable(
        "LBURENOVERLAST_R",
        "overlast_buren",
        "Overlast van buren (10 = geen overlast)",
        "rapportcijfer",
        "",
        "better",
    ),
    BbgaVariable(
        "LOVERLASTANDEREGROEPEN_R",
        "overlast_groepen",
        "Overlast van andere groepen (10 = geen overlast)",
        "rapportcijfer",
        "",
        "better",
    ),
    BbgaVariable(
        "MVERVUILING_R",
        "overlast_vervuiling",
        "Overlast van vervuiling (10 = geen overlast)",
        "rapportcijfer",
        "",
        "better",
    ),
    BbgaVariable("ORVERLOED_P", "verloedering", "Verloederingsscore", "score", "", "worse"),
    BbgaVariable("LSPAN_I", "spanningen", "Spanningenindex (Amsterdam 2011 = 100)", "index", "", "worse"),
    BbgaVariable(
        "LVERWACHTINGBUURT_R",
        "verwachting_buurt",
        "Verwachte ontwikkeling van de buurt",
        "rapportcijfer",
        "",
        "better",
    ),
    BbgaVariable(
        "LBETROKKEN_R",
        "betrokkenheid_buurt",
        "Betrokkenheid van buurtbewoners",
        "rapportcijfer",
        "",
        "better",
    ),
)

REGISTERED_BY_VARIABLE = {v.variable: v for v in REGISTERED}
PERCEIVED_BY_VARIABLE = {v.variable: v for v in PERCEIVED}
PERCEIVED_BY_ID = {v.id: v for v in PERCEIVED}


class BbgaError(ValueError):
    """A bundled BBGA file does not have the expected layout; the Dutch message names file, line, column."""


def area_code(ois_code: str, level: str) -> str:
    """The application's code for an OIS area code (``DX01`` stays, stadsdeel ``A`` → ``SD0363A``)."""
    return f"{STADSDEEL_PREFIX}{ois_code}" if level == "stadsdeel" else ois_code


def read_areas(directory: Path) -> pd.DataFrame:
    """Gebieden and stadsdelen: ``code, ois_code, name, level, parent`` (parent = stadsdeel or gemeente)."""
    path = Path(directory) / AREAS_FILE
    frame = _read(path, ("area_code", "area_name", "area_level", "stadsdeel_code"))
    rows = []
    for line, record in zip(range(2, len(frame) + 2), frame.itertuples(index=False), strict=True):
        code = record.area_code.strip()
        if code in LEFT_OUT or not code:
            continue
        level_text = record.area_level.strip()
        if level_text == "stadsdeel":
            level, parent = "stadsdeel", GEMEENTE
        elif level_text.startswith("gebied"):
            level, parent = "gebied", area_code(record.stadsdeel_code.strip(), "stadsdeel")
        else:
            raise BbgaError(f"'{path.name}', regel {line}, kolom area_level: onbekend niveau {level_text!r}.")
        rows.append((area_code(code, level), code, record.area_name.strip(), level, parent))
    return pd.DataFrame(rows, columns=["code", "ois_code", "name", "level", "parent"])


def read_series(directory: Path, kind: str) -> pd.DataFrame:
    """Tidy values ``code, year, indicator, value, source`` of the registered or perceived variables.

    ``kind`` is ``"registered"`` or ``"perceived"``. Rows of left-out areas and unlisted variables are
    skipped; a listed row whose year or value is not a number stops the read with file, line and column.
    """
    mapping = REGISTERED_BY_VARIABLE if kind == "registered" else PERCEIVED_BY_VARIABLE
    path = Path(directory) / (REGISTERED_FILE if kind == "registered" else SURVEY_FILE)
    frame = _read(path, LONG_COLUMNS)
    frame["line"] = np.arange(2, len(frame) + 2)
    frame = frame[frame["variable"].isin(list(mapping)) & ~frame["area_code"].isin(list(LEFT_OUT))]
    areas = read_areas(directory).set_index("ois_code")
    unknown = frame[~frame["area_code"].isin(areas.index)]
    if len(unknown):
        first = unknown.iloc[0]
        raise BbgaError(
            f"'{path.name}', regel {first['line']}, kolom area_code: onbekend gebied {first['area_code']!r}."
        )
    for column in ("year", "value"):
        numbers = pd.to_numeric(frame[column], errors="coerce")
        bad = frame[numbers.isna() | ~np.isfinite(numbers)]
        if len(bad):
            first = bad.iloc[0]
            raise BbgaError(
                f"'{path.name}', regel {first['line']}, kolom {column}: {first[column]!r} is geen getal."
            )
        frame[column] = numbers
    return pd.DataFrame(
        {
            "code": areas.loc[frame["area_code"], "code"].to_numpy(),
            "year": frame["year"].astype(int).to_numpy(),
            "indicator": frame["variable"].map(lambda v: mapping[v].id).to_numpy(),
            "value": frame["value"].astype(float).to_numpy(),
            "source": ("BBGA " + frame["variable"]).to_numpy(),
        }
    )


def _read(path: Path, required) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise BbgaError(f"'{path.name}': het bestand kan niet gelezen worden ({exc}).") from exc
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise BbgaError(f"'{path.name}', regel 1: kolom(men) ontbreken: {', '.join(missing)}.")
    return frame
