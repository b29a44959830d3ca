# SPDX-License-Identifier: EUPL-1.2
"""Mapping from CBS column names (every table, year and dialect) to stable indicator ids.

Each :class:`IndicatorSpec` has a stable ``id`` (used in the database, the API and the scan), a Dutch
label, a unit, a theme, a direction and the source columns it is read from. Source columns are
matched on a *normalised key* (see :func:`column_key`), so the same alias matches the R ``write.csv``
header ``Bevolking.Aantal.inwoners..aantal.``, the StatLine CSV header
``Bevolking/Aantal inwoners (aantal)`` and, after the OData suffix is stripped, ``AantalInwoners_5``.

Direction:

* ``worse`` — a higher value means a more vulnerable area (e.g. share of low-income households);
* ``better`` — a higher value means a less vulnerable area (e.g. average income);
* ``context`` — describes the area but is not good or bad (inhabitants, density, tenure): it is shown,
  used to find peers, but never enters a vulnerability index.

Some KWB tables publish counts where others publish rates (e.g. persons on bijstand); a
:class:`Derivation` turns a count into a rate ``numerator / denominator * factor`` when no direct
column is present. No column about migration background, ethnicity or nationality is mapped (the
parser drops those columns before anything else sees them).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

Direction = Literal["worse", "better", "context"]

#: Theme ids with their Dutch labels, in display order.
THEMES: dict[str, str] = {
    "inkomen": "Inkomen & bestaanszekerheid",
    "wonen": "Wonen",
    "veiligheid": "Veiligheid",
    "voorzieningen": "Voorzieningen",
    "zorg_jeugd": "Zorg & jeugd",
    "bevolking": "Bevolking (context)",
}


@dataclass(frozen=True)
class SourceColumn:
    """One CBS column name as it appears in a header, with the tables/years where it was seen."""

    column: str
    tables: tuple[str, ...] = ()


@dataclass(frozen=True)
class Derivation:
    """Compute an indicator from a count when a table has no direct rate column.

    ``value = numerator / denominator * factor``; the numerator is matched against source column aliases,
    the denominator is another indicator id or a tuple of column aliases.
    """

    numerator: tuple[str, ...]
    denominator: str | tuple[str, ...]
    factor: float = 1.0


@dataclass(frozen=True)
class IndicatorSpec:
    """A stable indicator: id, Dutch label, unit, theme, direction and its CBS source columns."""

    id: str
    label: str
    unit: str
    theme: str
    direction: Direction
    sources: tuple[SourceColumn, ...]
    derivation: Derivation | None = None
    note: str = ""
    aliases: frozenset[str] = field(default=frozenset(), repr=False)

    def __post_init__(self) -> None:
        if self.theme not in THEMES:
            raise ValueError(f"unknown theme {self.theme!r} for indicator {self.id}")
        object.__setattr__(self, "aliases", frozenset(column_key(s.column) for s in self.sources))


_ODATA_SUFFIX = re.compile(r"_\d+$")
_R_X_PREFIX = re.compile(r"^X(?=[.\d])")


def column_key(name: str) -> str:
    """Normalised key of a column header: accents removed, lower case, only letters and digits.

    R's ``make.names`` prefix ``X`` (``X.Inwoners`` → ``Inwoners``) is removed first. The OData
    suffix (``_5`` in ``AantalInwoners_5``) is *not* removed here; see :func:`column_keys`.
    """
    text = unicodedata.normalize("NFKD", str(name).strip().lstrip("\ufeff"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _R_X_PREFIX.sub("", text)
    return re.sub(r"[^0-9a-z]", "", text.lower())


def column_keys(name: str) -> tuple[str, str]:
    """``(full key, key without OData numeric suffix)`` of a header, for alias matching."""
    stripped = _ODATA_SUFFIX.sub("", str(name).strip())
    return column_key(name), column_key(stripped)


def _s(*columns: str, tables: tuple[str, ...] = ()) -> tuple[SourceColumn, ...]:
    return tuple(SourceColumn(c, tables) for c in columns)


KWB17 = "83765NED KWB 2017"
KWB19 = "84583NED KWB 2019"
KWB21 = "85039NED KWB 2021 (gemeente-extract)"
KWB_EN = "KWB 2020/2023/2024 (Engelse kolomnamen)"
KAART17 = "Wijk- en buurtkaart 2017"
NABIJ = "Nabijheid voorzieningen 2020/2024"
SES19 = "85163NED SES-WOA 2019"
ODATA = "StatLine OData (typed dataset)"
KWB_R = (KWB17, KWB19)

INDICATORS: tuple[IndicatorSpec, ...] = (
    # --- inkomen & bestaanszekerheid -----------------------------------------------------------------
    IndicatorSpec(
        "laag_inkomen_hh",
        "Aandeel huishoudens met laag inkomen",
        "%",
        "inkomen",
        "worse",
        _s("Inkomen.Inkomen.van.huishoudens.Huishoudens.met.een.laag.inkomen....", tables=KWB_R)
        + _s("Inkomen/Inkomen van huishoudens/Huishoudens met een laag inkomen (%)", tables=("StatLine",))
        + _s("HuishoudensMetEenLaagInkomen", tables=(ODATA,))
        + _s("Pct_Low_Income_Households", tables=(KWB_EN,))
        + _s("Inequality: Low income threshold (%)", tables=(KWB21,)),
    ),
    IndicatorSpec(
        "sociaal_minimum_hh",
        "Aandeel huishoudens onder of rond sociaal minimum",
        "%",
        "inkomen",
        "worse",
        _s("Inkomen.Inkomen.van.huishoudens.Huish..onder.of.rond.sociaal.minimum....", tables=KWB_R)
        + _s("HuishOnderOfRondSociaalMinimum", tables=(ODATA,))
        + _s("Inequality: At-or-below social minimum (%)", tables=(KWB21,)),
    ),
    IndicatorSpec(
        "tot_120_sociaal_minimum_hh",
        "Aandeel huishoudens tot 120% van sociaal minimum",
        "%",
        "inkomen",
        "worse",
        _s("Inkomen.Inkomen.van.huishoudens.Huishoudens.tot.120..van.sociaal.minimum....", tables=(KWB19,))
        + _s("HuishoudensTot120VanSociaalMinimum", tables=(ODATA,))
        + _s("Pct_Below_120Pct_Social_Min", tables=(KWB_EN,))
        + _s("Inequality: Near-poverty 120% (%)", "WelfareCare: Near-poverty 120% (%)", tables=(KWB21,)),
    ),
    IndicatorSpec(
        "laagste_40_inkomen_hh",
        "Aandeel huishoudens in de laagste 40% inkomens",
        "%",
        "inkomen",
        "worse",
        _s("Inkomen.Inkomen.van.huishoudens.40..huishoudens.met.laagste.inkomen....", tables=KWB_R)
        + _s("k_40HuishoudensMetLaagsteInkomen", tables=(ODATA,))
        + _s("Pct_Lowest_40Pct_Income", tables=(KWB_EN,)),
        note="Het gemeente-extract 2021 noemt niet of het om personen of huishoudens gaat: niet gekoppeld.",
    ),
    IndicatorSpec(
        "inkomen_per_inwoner",
        "Gemiddeld inkomen per inwoner",
        "x 1.000 euro",
        "inkomen",
        "better",
        _s("Inkomen.Inkomen.van.personen.Gemiddeld.inkomen.per.inwoner...x.1.000.euro.", tables=KWB_R)
        + _s("GemiddeldInkomenPerInwoner", tables=(ODATA,))
        + _s("Avg_Income_Per_Inhabitant_1000EUR", tables=(KWB_EN,))
        + _s("IncomeWealth: Avg income per inhabitant (x€1k)", tables=(KWB21,)),
    ),
    IndicatorSpec(
        "gestandaardiseerd_inkomen_hh",
        "Gemiddeld gestandaardiseerd inkomen van huishoudens",
        "x 1.000 euro",
        "inkomen",
        "better",
        _s(
            "Inkomen.Inkomen.van.huishoudens.Gem..gestandaardiseerd.inkomen.van.huish..x.1.000.euro.",
            tables=(KWB19,),
        )
        + _s("GemGestandaardiseerdInkomenVanHuish", tables=(ODATA,))
        + _s("Avg_Std_Household_Income_1000EUR", tables=(KWB_EN,))
        + _s("IncomeWealth: Avg household income (x€1k)", tables=(KWB21,)),
    ),
    IndicatorSpec(
        "mediaan_vermogen_hh",
        "Mediaan vermogen van particuliere huishoudens",
        "x 1.000 euro",
        "inkomen",
        "better",
        _s(
            "Inkomen.Inkomen.van.huishoudens.Mediaan.vermogen.van.particuliere.huish...x.1.000.euro.",
            tables=(KWB19,),
        )
        + _s("MediaanVermogenVanParticuliereHuish", tables=(ODATA,))
        + _s("IncomeWealth: Median household wealth (x€1k)", tables=(KWB21,)),
    ),
    IndicatorSpec(
        "nettoarbeidsparticipatie",
        "Nettoarbeidsparticipatie",
        "%",
        "inkomen",
        "better",
        _s("Arbeid.Nettoarbeidsparticipatie....", tables=(KWB19,))
        + _s("Nettoarbeidsparticipatie", tables=(ODATA,))
        + _s("HumanCapital: Labour participation (%)", tables=(KWB21,)),
    ),
    IndicatorSpec(
        "bijstand_per_1000",
        "Personen met bijstandsuitkering per 1.000 inwoners",
        "per 1.000 inwoners",
        "inkomen",
        "worse",
        _s(
            "Inequality: Bijstand recipients (per 1k)",
            "WelfareCare: Bijstand recipients (per 1k)",
            tables=(KWB21,),
        ),
        derivation=Derivation(
            (
                "Sociale.zekerheid.Personen.per.soort.uitkering..Bijstand..aantal.",
                "PersonenPerSoortUitkeringBijstand",
            ),
            "inwoners",
            1000.0,
        ),
    ),
    IndicatorSpec(
        "ao_per_1000",
        "Personen met arbeidsongeschiktheidsuitkering per 1.000 inwoners",
        "per 1.000 inwoners",
        "inkomen",
        "worse",
        _s("WelfareCare: Disability benefit (per 1k)", tables=(KWB21,)),
        derivation=Derivation(
            ("Sociale.zekerheid.Personen.per.soort.uitkering..AO..aantal.", "PersonenPerSoortUitkeringAO"),
            "inwoners",
            1000.0,
        ),
    ),
    IndicatorSpec(
        "ww_per_1000",
        "Personen met WW-uitkering per 1.000 inwoners",
        "per 1.000 inwoners",
        "inkomen",
        "worse",
        (),
        derivation=Derivation(
            ("Sociale.zekerheid.Personen.per.soort.uitkering..WW..aantal.", "PersonenPerSoortUitkeringWW"),
            "inwoners",
            1000.0,
        ),
    ),
    # --- wonen -------------------------------------------------------------------------------------------
    IndicatorSpec(
        "woz_waarde",
        "Gemiddelde WOZ-waarde van woningen",
        "x 1.000 euro",
        "wonen",
        "better",
        _s("Wonen.Gemiddelde.WOZ.waarde.van.woningen..x.1.000.euro.", tables=KWB_R)
        + _s("GemiddeldeWOZWaardeVanWoningen", tables=(ODATA,))
        + _s("Avg_Property_Value_1000EUR", tables=(KWB_EN,))
        + _s("Housing: Avg WOZ value (x€1k)", tables=(KWB21,)),
    ),
    IndicatorSpec(
        "onbewoond_pct",
        "Aandeel onbewoonde woningen",
        "%",
        "wonen",
        "worse",
        _s("Wonen.Woningen.naar.bewoning.Percentage.onbewoond....", tables=KWB_R)
        + _s("PercentageOnbewoond", tables=(ODATA,))
        + _s("Pct_Unoccupied_Homes", tables=(KWB_EN,))
        + _s("Housing: Vacancy rate (%)", tables=(KWB21,)),
    ),
    IndicatorSpec(
        "koopwoningen_pct",
        "Aandeel koopwoningen",
        "%",
        "wonen",
        "context",
        _s("Wonen.Woningen.naar.eigendom.Koopwoningen....", tables=KWB_R)
        + _s("Koopwoningen", tables=(ODATA,))
        + _s("Pct_Owner_Occupied", tables=(KWB_EN,))
        + _s("Housing: Owner-occupied (%)", tables=(KWB21,)),
    ),
    IndicatorSpec(
        "huurwoningen_pct",
        "Aandeel huurwoningen",
        "%",
        "wonen",
        "context",
        _s("Wonen.Woningen.naar.eigendom.Huurwoningen.Huurwoningen.totaal....", tables=KWB_R)
        + _s("HuurwoningenTotaal", tables=(ODATA,))
        + _s("Pct_Rental", tables=(KWB_EN,))
        + _s("Housing: Rental homes (%)", tables=(KWB21,)),
    ),
    IndicatorSpec(
        "corporatiewoningen_pct",
        "Aandeel huurwoningen van een woningcorporatie",
        "%",
        "wonen",
        "context",
        _s("Wonen.Woningen.naar.eigendom.Huurwoningen.In.bezit.woningcorporatie....", tables=KWB_R)
        + _s("InBezitWoningcorporatie", tables=(ODATA,))
        + _s("Housing: Social housing (%)", tables=(KWB21,)),
    ),
    IndicatorSpec(
        "particuliere_huur_pct",
        "Aandeel huurwoningen van overige verhuurders",
        "%",
        "wonen",
        "context",
        _s("Wonen.Woningen.naar.eigendom.Huurwoningen.In.bezit.overige.verhuurders....", tables=KWB_R)
        + _s("InBezitOverigeVerhuurders", tables=(ODATA,)),
    ),
    # --- veiligheid ------------------------------------------------------------------------------------
    IndicatorSpec(
        "diefstal_woning_per_1000",
        "Diefstal uit woning, schuur e.d. per 1.000 inwoners",
        "per 1.000 inwoners",
        "veiligheid",
        "worse",
        _s("Criminaliteit.Totaal.diefstal.uit.woning.schuur.e.d...per.1.000.inwoners.", tables=(KWB17,))
        + _s("TotaalDiefstalUitWoningSchuurED", tables=(ODATA,)),
    ),
    IndicatorSpec(
        "vernieling_per_1000",
        "Vernieling en misdrijven tegen de openbare orde per 1.000 inwoners",
        "per 1.000 inwoners",
        "veiligheid",
        "worse",
        _s("Criminaliteit.Vernieling..misdrijf.tegen.openbare.orde..per.1.000.inwoners.", tables=(KWB17,))
        + _s("VernielingMisdrijfTegenOpenbareOrde", tables=(ODATA,)),
    ),
    IndicatorSpec(
        "geweld_per_1000",
        "Gewelds- en seksuele misdrijven per 1.000 inwoners",
        "per 1.000 inwoners",
        "veiligheid",
        "worse",
        _s("Criminaliteit.Gewelds..en.seksuele.misdrijven..per.1.000.inwoners.", tables=(KWB17,))
        + _s("GeweldsEnSeksueleMisdrijven", tables=(ODATA,)),
    ),
    # --- voorzieningen -----------------------------------------------------------------------------------
    IndicatorSpec(
        "afstand_huisarts_km",
        "Afstand tot huisartsenpraktijk",
        "km",
        "voorzieningen",
        "worse",
        _s("Nabijheid.voorzieningen.Afstand.tot.huisartsenpraktijk..km.", tables=KWB_R)
        + _s("AfstandTotHuisartsenpraktijk", tables=(ODATA,))
        + _s("Services: Distance to GP (km)", tables=(KWB21,)),
    ),
    IndicatorSpec(
        "afstand_supermarkt_km",
        "Afstand tot grote supermarkt",
        "km",
        "voorzieningen",
        "worse",
        _s("Nabijheid.voorzieningen.Afstand.tot.grote.supermarkt..km.", tables=KWB_R)
        + _s("AfstandTotGroteSupermarkt", tables=(ODATA,))
        + _s("Services: Distance to supermarket (km)", tables=(KWB21,)),
    ),
    IndicatorSpec(
        "afstand_kinderdagverblijf_km",
        "Afstand tot kinderdagverblijf",
        "km",
        "voorzieningen",
        "worse",
        _s("Nabijheid.voorzieningen.Afstand.tot.kinderdagverblijf..km.", tables=KWB_R)
        + _s("AfstandTotKinderdagverblijf", tables=(ODATA,))
        + _s("Services: Distance to daycare (km)", tables=(KWB21,)),
    ),
    IndicatorSpec(
        "afstand_basisschool_km",
        "Afstand tot basisschool",
        "km",
        "voorzieningen",
        "worse",
        _s("Nabijheid.voorzieningen.Basisonderwijs.Afstand.tot.school..km.", tables=KWB_R)
        + _s("AfstandTotSchool", tables=(ODATA,))
        + _s("distance_to_primary_school", tables=(NABIJ,))
        + _s("Services: Distance to school (km)", tables=(KWB21,)),
    ),
    IndicatorSpec(
        "afstand_voortgezet_km",
        "Afstand tot school voortgezet onderwijs",
        "km",
        "voorzieningen",
        "worse",
        _s("distance_to_secondary_school", tables=(NABIJ,)),
    ),
    IndicatorSpec(
        "afstand_treinstation_km",
        "Afstand tot treinstation",
        "km",
        "voorzieningen",
        "worse",
        _s("DistanceToTrainStationAllTypes", tables=(NABIJ,)),
    ),
    IndicatorSpec(
        "supermarkten_1km",
        "Aantal supermarkten binnen 1 km",
        "gemiddeld aantal",
        "voorzieningen",
        "better",
        _s("supermarkets_within_1km", tables=(NABIJ,)),
    ),
    IndicatorSpec(
        "scholen_3km",
        "Aantal basisscholen binnen 3 km",
        "gemiddeld aantal",
        "voorzieningen",
        "better",
        _s("Nabijheid.voorzieningen.Basisonderwijs.Scholen.binnen.3.km..aantal.", tables=KWB_R)
        + _s("ScholenBinnen3Km", tables=(ODATA,))
        + _s("Services: Schools within 3km", tables=(KWB21,)),
    ),
    # --- zorg & jeugd ----------------------------------------------------------------------------------
    IndicatorSpec(
        "jeugdzorg_pct",
        "Aandeel jongeren met jeugdzorg",
        "%",
        "zorg_jeugd",
        "worse",
        _s("Zorg.Percentage.jongeren.met.jeugdzorg....", tables=(KWB19,))
        + _s("PercentageJongerenMetJeugdzorg", tables=(ODATA,))
        + _s("Inequality: Youth welfare (%)", "WelfareCare: Youth welfare (%)", tables=(KWB21,)),
    ),
    IndicatorSpec(
        "wmo_per_1000",
        "Wmo-cliënten per 1.000 inwoners",
        "per 1.000 inwoners",
        "zorg_jeugd",
        "worse",
        _s("Zorg.Wmo.cliënten.relatief..per.1.000.inwoners.", tables=(KWB19,))
        + _s("WmoClientenRelatief", tables=(ODATA,))
        + _s("WelfareCare: Wmo care clients (per 1k)", tables=(KWB21,)),
    ),
    # --- bevolking (context only) --------------------------------------------------------------------
    IndicatorSpec(
        "inwoners",
        "Aantal inwoners",
        "aantal",
        "bevolking",
        "context",
        _s("Bevolking.Aantal.inwoners..aantal.", tables=KWB_R)
        + _s("Bevolking/Aantal inwoners (aantal)", tables=("StatLine",))
        + _s("AantalInwoners", tables=(ODATA,))
        + _s("Population_Total", tables=(KWB_EN,))
        + _s("AANT_INW", tables=(KAART17,))
        + _s("aantal_inwoners", tables=(KWB21,)),
    ),
    IndicatorSpec(
        "bevolkingsdichtheid",
        "Bevolkingsdichtheid",
        "inwoners per km²",
        "bevolking",
        "context",
        _s("Bevolking.Bevolkingsdichtheid..aantal.inwoners.per.km..", tables=KWB_R)
        + _s("Bevolkingsdichtheid", tables=(ODATA,))
        + _s("BEV_DICHTH", tables=(KAART17,))
        + _s("Demographics: Population density (per km²)", tables=(KWB21,)),
    ),
    IndicatorSpec(
        "aandeel_0_14",
        "Aandeel inwoners van 0 tot 15 jaar",
        "%",
        "bevolking",
        "context",
        _s("P_00_14_JR", tables=(KAART17,)) + _s("Demographics: Under 15 years (%)", tables=(KWB21,)),
        derivation=Derivation(
            ("Bevolking.Leeftijdsgroepen.0.tot.15.jaar..aantal.", "k_0Tot15Jaar", "Pop_Age_0_15"),
            "inwoners",
            100.0,
        ),
    ),
    IndicatorSpec(
        "aandeel_65_plus",
        "Aandeel inwoners van 65 jaar of ouder",
        "%",
        "bevolking",
        "context",
        _s("P_65_EO_JR", tables=(KAART17,)) + _s("Demographics: 65+ years (%)", tables=(KWB21,)),
        derivation=Derivation(
            ("Bevolking.Leeftijdsgroepen.65.jaar.of.ouder..aantal.", "k_65JaarOfOuder", "Pop_Age_65_Plus"),
            "inwoners",
            100.0,
        ),
    ),
    IndicatorSpec(
        "huishoudensgrootte",
        "Gemiddelde huishoudensgrootte",
        "personen",
        "bevolking",
        "context",
        _s("Bevolking.Particuliere.huishoudens.Gemiddelde.huishoudensgrootte..aantal.", tables=KWB_R)
        + _s("GemiddeldeHuishoudensgrootte", tables=(ODATA,))
        + _s("Avg_Household_Size", tables=(KWB_EN,))
        + _s("GEM_HH_GR", tables=(KAART17,))
        + _s("Demographics: Avg household size", tables=(KWB21,)),
    ),
    IndicatorSpec(
        "eenpersoonshuishoudens_pct",
        "Aandeel eenpersoonshuishoudens",
        "%",
        "bevolking",
        "context",
        _s("P_EENP_HH", tables=(KAART17,))
        + _s("Demographics: Single-person households (%)", tables=(KWB21,)),
        derivation=Derivation(
            ("Bevolking.Particuliere.huishoudens.Eenpersoonshuishoudens..aantal.", "Eenpersoonshuishoudens"),
            (
                "Bevolking.Particuliere.huishoudens.Huishoudens.totaal..aantal.",
                "HuishoudensTotaal",
                "AANTAL_HH",
            ),
            100.0,
        ),
    ),
    IndicatorSpec(
        "stedelijkheid",
        "Mate van stedelijkheid (1 = zeer sterk, 5 = niet stedelijk)",
        "klasse",
        "bevolking",
        "context",
        _s("Stedelijkheid.Mate.van.stedelijkheid..code.", tables=KWB_R)
        + _s("MateVanStedelijkheid", tables=(ODATA,))
        + _s("Urbanization_Level", tables=(KWB_EN,))
        + _s("STED", tables=(KAART17,))
        + _s("Services: Degree of urbanisation (1–5)", tables=(KWB21,)),
    ),
    IndicatorSpec(
        "omgevingsadressendichtheid",
        "Omgevingsadressendichtheid",
        "adressen per km²",
        "bevolking",
        "context",
        _s("Stedelijkheid.Omgevingsadressendichtheid..per.km..", tables=KWB_R)
        + _s("Omgevingsadressendichtheid", tables=(ODATA,))
        + _s("OAD", tables=(KAART17,)),
    ),
    IndicatorSpec(
        "opleiding_laag_pct",
        "Aandeel inwoners met laag opleidingsniveau",
        "%",
        "bevolking",
        "context",
        _s("Opleidingsniveau/Laag/Waarde (%)", tables=(SES19,))
        + _s("HumanCapital: Low education (%)", tables=(KWB21,)),
    ),
    IndicatorSpec(
        "ses_woa_score",
        "SES-WOA totaalscore (sociaal-economische status)",
        "score",
        "bevolking",
        "context",
        _s("SES-WOA/Totaalscore/Gemiddelde score (Getal)", tables=(SES19,)),
        note="Intervalschaal rond 0; niet te schalen als verhouding, daarom alleen context.",
    ),
)

INDICATORS_BY_ID: dict[str, IndicatorSpec] = {spec.id: spec for spec in INDICATORS}

#: Column-name fragments (on :func:`column_key`) that mark migration-background, ethnicity or
#: nationality columns. Such columns are dropped at parse time and never returned.
FORBIDDEN_KEY_FRAGMENTS: tuple[str, ...] = (
    "migratie",
    "migration",
    "westers",
    "western",
    "westal",  # P_WEST_AL (Wijk- en buurtkaart)
    "pnwal",  # P_N_W_AL
    "overnw",  # P_OVER_NW
    "allochto",
    "autochto",
    "herkomst",
    "marokk",
    "morocc",
    "turkije",
    "turkey",
    "turkish",
    "surinam",
    "antill",
    "antaru",  # P_ANT_ARU
    "aruba",
    "nationalit",
    "etnisch",
    "etnici",
    "ethnic",
    "geboorteland",
    "background",
)


def is_forbidden_column(name: str) -> bool:
    """True for a column about migration background, ethnicity or nationality (never returned)."""
    key = column_key(name)
    return any(fragment in key for fragment in FORBIDDEN_KEY_FRAGMENTS)


def indicator_for_column(name: str) -> IndicatorSpec | None:
    """The indicator whose direct source matches header ``name`` (exact key, then without OData suffix)."""
    full, stripped = column_keys(name)
    for key in (full, stripped):
        for spec in INDICATORS:
            if key in spec.aliases:
                return spec
    return None
