# SPDX-License-Identifier: EUPL-1.2
"""The one list of effect estimators in the code, with how each was validated (pure, no Django).

The public method page (``/methode/``) and the Algoritmeregister export read the estimators from
:data:`ESTIMATORS`, so a new estimator appears there once it is added here. Every validation names the
test that checks its figures; ``monitoring/tests/test_effects_meta.py`` asserts that each named test
exists, and for the meta-analysis it takes the published figures from this module, so the page cannot
show a figure that the suite does not check.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Figure:
    """One published figure: what it is, the published value, the tolerance the suite allows."""

    label: str
    published: float
    tolerance: float

    @property
    def text(self) -> str:
        """``published ± tolerance`` in Dutch notation (decimal comma, no exponent)."""
        return f"{_nl(self.published)} (± {_nl(self.tolerance)})"


def _nl(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text.replace("-", "−").replace(".", ",")


@dataclass(frozen=True)
class Validation:
    case: str  # the worked example, in Dutch
    source: str  # where the published figures come from
    test: str  # "path/to/test_file.py::test_name"
    figures: tuple[Figure, ...] = ()
    summary: str = ""  # the result in words (Dutch), for figures that are not one number


@dataclass(frozen=True)
class Estimator:
    key: str
    name: str  # Dutch
    reference: str
    what: str  # what it estimates and how (Dutch)
    uncertainty: str  # how the uncertainty is expressed (Dutch)
    module: str  # where it lives
    validations: tuple[Validation, ...] = field(default=())


_TESTS = "src/smaakmaker/monitoring/tests/"

#: Measured share of 1,000 simulated sets of 12 approaches in which the 95 % prediction interval held the
#: effect of a new approach (``test_effects_meta.py`` pins it): below 95 %, and the page says so.
PREDICTION_INTERVAL_COVERAGE = 0.876

SYNTHETIC_CONTROL = Estimator(
    key="synthetic_control",
    name="Synthetische controle",
    reference="Abadie, Diamond & Hainmueller (2010), JASA 105(490); Abadie & Gardeazabal (2003), AER 93(1)",
    what=(
        "Een gewogen combinatie van vergelijkbare gebieden zonder aanpak (de donorpool) volgt het gebied "
        "vóór de start zo goed mogelijk; het verschil erna is de geschatte werking. De gewichten zijn niet "
        "negatief en tellen op tot 1; de voorspellers worden gewogen zodat de jaren vóór de start het best "
        "passen."
    ),
    uncertainty=(
        "Placebotoets in de ruimte: dezelfde schatting voor elk donorgebied alsof dát de aanpak had; de "
        "p-waarde is de rang van het gebied tussen alle placebo's. Daarnaast zonder één donor en een "
        "placebo in de tijd."
    ),
    module="smaakmaker.monitoring.effects._fit",
    validations=(
        Validation(
            case="Proposition 99 (Californië, tabaksverbruik per inwoner, 1989–2000)",
            source="Abadie, Diamond & Hainmueller (2010), tabel 1–2 en figuur 2–4",
            test=_TESTS + "test_effects_replication.py::test_prop99_fit_matches_adh2010",
            figures=(
                Figure("fout vóór de start (RMSPE)", 1.754, 0.01),
                Figure("gemiddeld effect 1989–2000 (pakjes per inwoner)", -19.0, 1.5),
                Figure("verschil in 2000 (pakjes per inwoner)", -26.0, 2.0),
            ),
        ),
        Validation(
            case="Proposition 99: placebotoets",
            source="Abadie, Diamond & Hainmueller (2010), figuur 8",
            test=_TESTS + "test_effects_replication.py::test_prop99_placebo_in_space_california_ranks_first",
            figures=(Figure("p-waarde (Californië op rang 1 van 39)", round(1 / 39, 4), 1e-4),),
        ),
        Validation(
            case="Baskenland (terrorisme en bbp per inwoner)",
            source="Abadie & Gardeazabal (2003); gewichten zoals het R-pakket Synth ze geeft",
            test=_TESTS
            + "test_effects_replication.py::test_basque_synth_regression_start_reproduces_published_weights",
            summary="Gewichten binnen 0,02 van de gepubliceerde; de voorperiodefout gelijk (relatief 10⁻⁴).",
        ),
    ),
)

SYNTHETIC_DID = Estimator(
    key="synthetic_difference_in_differences",
    name="Synthetisch verschil-in-verschillen (SDID)",
    reference="Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021), AER 111(12); R-pakket synthdid",
    what=(
        "Weegt de vergelijkingsgebieden zo dat hun verloop vóór de start dat van het gebied volgt, maar "
        "staat een vast verschil in niveau toe, en weegt de jaren vóór de start die het meest op de jaren "
        "erna lijken. Het rapport gaat van deze schatter uit (vaste regel, ADR 0012); de andere staan "
        "ernaast."
    ),
    uncertainty=(
        "Placebostandaardfout: 200 keer een willekeurig vergelijkingsgebied alsof dát de aanpak had, "
        "opnieuw geschat; 95%-interval als schatting ± 1,96 standaardfout."
    ),
    module="smaakmaker.monitoring.effects._sdid",
    validations=(
        Validation(
            case="Proposition 99 (Californië, 1970–2000): SDID, synthetische controle en verschil-in-verschillen",
            source="Arkhangelsky e.a. (2021), tabel 1 (placebostandaardfouten)",
            test=_TESTS + "test_effects_sdid.py::test_prop99_table_1_is_reproduced",
            figures=(
                Figure("SDID-effect (pakjes per inwoner)", -15.6, 0.2),
                Figure("SDID-standaardfout", 8.4, 1.26),
                Figure("SC-effect", -19.6, 0.2),
                Figure("SC-standaardfout", 9.9, 1.485),
                Figure("DID-effect", -27.3, 0.2),
                Figure("DID-standaardfout", 17.7, 2.655),
            ),
        ),
    ),
)

PENALIZED_SYNTHETIC_CONTROL = Estimator(
    key="penalized_synthetic_control",
    name="Gestrafte synthetische controle",
    reference="Abadie & L'Hour (2021), JASA 116(536)",
    what=(
        "Een synthetische controle op het verloop vóór de start waarin elk vergelijkingsgebied ook op zijn "
        "eigen afstand tot het gebied wordt afgerekend; zo krijgen gebieden die er zelf op lijken het "
        "gewicht en zijn de gewichten eenduidig. De strafparameter wordt gekozen door het laatste derde van "
        "de jaren vóór de start achter te houden en te voorspellen."
    ),
    uncertainty="Standaardfout uit de placebo's: elk vergelijkingsgebied één keer alsof het de aanpak had.",
    module="smaakmaker.monitoring.effects._penalized",
    validations=(
        Validation(
            case="Proposition 99: kruisvalidatie en placebo's",
            source="eigen toets op de gegevens van Abadie, Diamond & Hainmueller (2010)",
            test=_TESTS + "test_effects_sdid.py::test_penalized_sc_on_prop99_and_its_cross_validation",
            summary=(
                "De gekozen strafparameter heeft de kleinste voorspelfout in de achtergehouden jaren; de "
                "gewichten lossen het gestrafte probleem op tot een dualiteitskloof van 10⁻⁹."
            ),
        ),
    ),
)

DIFFERENCE_IN_DIFFERENCES = Estimator(
    key="difference_in_differences",
    name="Verschil-in-verschillen",
    reference="Card & Krueger (1994), AER 84(4); als controle naast de synthetische controle",
    what=(
        "Het verschil tussen het gemiddelde na en vóór de start in het gebied, min hetzelfde verschil in "
        "het gemiddelde van de donorpool."
    ),
    uncertainty="Standaardfout uit de placebo's in de donorpool, met een placebo-p-waarde.",
    module="smaakmaker.monitoring.effects._did",
    validations=(),
)

RANDOM_EFFECTS = Estimator(
    key="random_effects_meta_analysis",
    name="Samenvoegen over aanpakken (random-effects meta-analyse)",
    reference=(
        "REML voor τ² (Viechtbauer 2005); Hartung & Knapp (2001); IntHout, Ioannidis & Borm (2014); "
        "I² (Higgins & Thompson 2002); voorspellingsinterval (Higgins, Thompson & Spiegelhalter 2009)"
    ),
    what=(
        "De geschatte effecten van minstens drie aanpakken op dezelfde indicator worden gewogen "
        "gemiddeld; aanpakken met een preciezere schatting wegen zwaarder, en de echte verschillen tussen "
        "aanpakken (τ²) tellen mee in de onzekerheid."
    ),
    uncertainty=(
        "95%-interval volgens Hartung–Knapp (t-verdeling met k − 1 vrijheidsgraden), I² voor het deel van de "
        "spreiding dat niet door toeval komt, en een voorspellingsinterval voor het effect van een nieuwe "
        "aanpak. Onder de drie aanpakken wordt niets samengevoegd."
    ),
    module="smaakmaker.monitoring.effects.meta",
    validations=(
        Validation(
            case="BCG-vaccin tegen tuberculose, 13 studies, log risicoverhouding (dat.bcg)",
            source='README van het R-pakket metafor (github.com/wviechtb/metafor), rma(yi, vi, test="knha")',
            test=_TESTS + "test_effects_meta.py::test_published_figures_of_the_catalogue",
            figures=(
                Figure("τ² (REML)", 0.3132, 5e-5),
                Figure("I² (%)", 92.22, 5e-3),
                Figure("samengevoegd effect", -0.7145, 5e-5),
                Figure("standaardfout (Hartung–Knapp)", 0.1808, 5e-5),
                Figure("95%-interval ondergrens", -1.1084, 5e-5),
                Figure("95%-interval bovengrens", -0.3206, 5e-5),
            ),
        ),
        Validation(
            case="Simulatie met bekend effect: 1.000 sets van 10 aanpakken",
            source="eigen simulatie, vaste seed",
            test=_TESTS + "test_effects_meta.py::test_simulation_hartung_knapp_intervals_cover_the_truth",
            summary="Het 95%-interval bevat het echte effect in 93–97 % van de sets (de toets eist dat).",
        ),
        Validation(
            case="Simulatie: het voorspellingsinterval voor een nieuwe aanpak (1.000 sets van 12 aanpakken)",
            source="eigen simulatie, vaste seed; bekend verschijnsel (Partlett & Riley 2017)",
            test=_TESTS
            + "test_effects_meta.py::test_simulation_prediction_interval_is_too_narrow_with_few_approaches",
            summary=(
                f"Het 95%-voorspellingsinterval bevatte het effect van een nieuwe aanpak in "
                f"{str(round(PREDICTION_INTERVAL_COVERAGE * 100, 1)).replace('.', ',')} % van de sets: bij weinig aanpakken is het te smal. "
                "Lees het als ondergrens van de onzekerheid."
            ),
        ),
    ),
)

META_REGRESSION = Estimator(
    key="meta_regression",
    name="Meta-regressie op de dosis per smaak",
    reference="Knapp & Hartung (2003), Stat. Med. 22(17); Viechtbauer (2010), J. Stat. Softw. 36(3)",
    what=(
        "Hangt het effect van een aanpak samen met hoeveel er gedaan is: interventies per 1.000 adressen per "
        "smaak, en met welke smaak als eerste begon? Elke maat wordt apart bekeken (mixed-effects, REML)."
    ),
    uncertainty=(
        "Knapp–Hartung-toets (t- en F-verdeling met k − 2 vrijheidsgraden) en 95%-interval van de helling. "
        "Alleen bij minstens vier aanpakken en als de maat tussen aanpakken verschilt; het blijft een "
        "samenhang, geen bewijs van oorzaak."
    ),
    module="smaakmaker.monitoring.effects.meta",
    validations=(
        Validation(
            case="BCG-vaccin: effect naar breedtegraad (dat.bcg, mods = ~ ablat)",
            source='README van het R-pakket metafor, rma(yi, vi, mods = ~ ablat, test="knha")',
            test=_TESTS + "test_effects_meta.py::test_published_figures_of_the_catalogue",
            figures=(
                Figure("τ² rest (REML)", 0.0764, 1e-4),
                Figure("helling per graad", -0.0291, 5e-5),
                Figure("standaardfout helling", 0.0082, 5e-5),
                Figure("F(1, 11)", 12.5905, 1e-3),
            ),
        ),
    ),
)

#: Every estimator, in the order the method page lists them. Add a new estimator here.
ESTIMATORS: tuple[Estimator, ...] = (
    SYNTHETIC_DID,
    SYNTHETIC_CONTROL,
    PENALIZED_SYNTHETIC_CONTROL,
    DIFFERENCE_IN_DIFFERENCES,
    RANDOM_EFFECTS,
    META_REGRESSION,
)
