# SPDX-License-Identifier: EUPL-1.2
"""The public method page and the Algoritmeregister export: what each algorithm does, read from the code.

Nothing here is hand-copied: the indicator list comes from the catalogue (``areas.Indicator``) and the
loaded figures (the years per indicator), the flavour and band rules from ``areas.scan``, the kentering
rule from ``areas.kentering``, the alert rules from the published configuration (``cases.AlertRule``, as
text, no data), the coherence rules from ``plans.rules`` and the estimators from
``monitoring.effects.catalogue``. The web shell may read every domain; no domain reads this module.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max, Min
from django.urls import reverse
from django.utils.html import escape

from smaakmaker.web import algoritmeregister as ar

NEVER = (
    "Geen risicoscores, ranglijsten of voorspellingen over personen of huishoudens: de wijkscan rekent alleen "
    "met cijfers over gebieden, en een signaleringsregel telt meldingen van partners, zonder model of score.",
    "Geen gegevens over etniciteit, migratieachtergrond of nationaliteit: zulke kolommen worden bij het "
    "inlezen van CBS-bestanden weggegooid en nergens gebruikt, ook niet om vergelijkbare gebieden te zoeken.",
    "Geen zelflerend model: elke regel en elke drempel is gepubliceerd (op deze pagina) en in te stellen.",
    "Geen automatische besluiten: een signaleringsregel zet een adres op de agenda van het casusoverleg; "
    "mensen besluiten, met een motivering die wordt vastgelegd.",
    "Geen samengevoegd effect over minder dan drie aanpakken, en geen effect zonder zijn onzekerheid.",
    "Geen persoonsgegevens buiten wat het convenant toestaat: elke inzage wordt gelogd.",
)


def indicator_rows() -> list[dict]:
    """Every active indicator with its theme, direction, unit, CBS source columns and tables, and the years
    for which figures are loaded (with the number of areas that have a value)."""
    from smaakmaker.areas.models import IndicatorValue
    from smaakmaker.areas.selectors import indicators_active

    years: dict[int, list[tuple[int, int]]] = {}
    for indicator_id, year, n in (
        IndicatorValue.objects.filter(value__isnull=False)
        .order_by()
        .values_list("indicator_id", "year")
        .annotate(n=Count("id"))
        .values_list("indicator_id", "year", "n")
    ):
        years.setdefault(indicator_id, []).append((year, n))
    rows = []
    for indicator in indicators_active():
        tables = sorted({t for source in indicator.sources or [] for t in source.get("tables", [])})
        columns = [source.get("column", "") for source in indicator.sources or []]
        rows.append(
            {
                "key": indicator.key,
                "label": indicator.label,
                "theme": indicator.get_theme_display(),
                "direction": indicator.get_direction_display(),
                "unit": indicator.unit,
                "tables": tables,
                "columns": columns[:3],
                "more_columns": max(0, len(columns) - 3),
                "years": sorted(years.get(indicator.pk, [])),
            }
        )
    return rows


def loaded_years() -> tuple[int | None, int | None]:
    from smaakmaker.areas.models import IndicatorValue

    span = IndicatorValue.objects.aggregate(first=Min("year"), last=Max("year"))
    return span["first"], span["last"]


def alert_rule_texts() -> list[dict]:
    """The published alert rules as text: what is counted and what follows. No counts, no addresses."""
    from smaakmaker.cases.models import AlertRule

    out = []
    for rule in AlertRule.objects.filter(is_published=True).order_by("name"):
        partners = (
            f" van minstens {rule.min_partners} verschillende partners" if rule.min_partners > 1 else ""
        )
        scope = f" (alleen meldingen uit: {', '.join(rule.compartments)})" if rule.compartments else ""
        out.append(
            {
                "name": rule.name,
                "description": rule.description,
                "rule": (
                    f"Minstens {rule.min_signals} meldingen{partners} over hetzelfde adres binnen "
                    f"{rule.window_days} dagen{scope} → {rule.action}."
                ),
            }
        )
    return out


def coherence_rules() -> list[dict]:
    from smaakmaker.plans.rules import RULES

    return [
        {"id": r.id, "title": r.title, "explanation": r.explanation, "hard": r.hard_in_scheduler}
        for r in RULES
    ]


def estimators() -> list:
    from smaakmaker.monitoring.effects.catalogue import ESTIMATORS

    return list(ESTIMATORS)


def kentering_text() -> str:
    from smaakmaker.areas.kentering import KenteringRule

    return KenteringRule().describe()


# --- the Algoritmeregister export --------------------------------------------------------------------------


CBS_SERIES = "https://www.cbs.nl/nl-nl/reeksen/kerncijfers-wijken-en-buurten-2004-2023"


@dataclass(frozen=True)
class Algorithm:
    slug: str
    name: str


ALGORITHMS = (
    Algorithm("wijkscan", "Wijkscan: gebieden scoren en indelen"),
    Algorithm("signaleringsregels", "Signaleringsregels: adressen op de agenda van het casusoverleg"),
    Algorithm("planner", "Umami-planner: startweken voor een plan van vier smaken voorstellen"),
    Algorithm("effectevaluatie", "Effectevaluatie: de kentering meten en over aanpakken samenvoegen"),
)
ALGORITHMS_BY_SLUG = {a.slug: a for a in ALGORITHMS}


def _html_list(items: list[str], *, limit: int = 2500, before: str = "") -> str:
    """``before`` and an HTML list of ``items`` (escaped), within ``limit`` characters: items that do not
    fit are counted in a last item ("en N meer")."""
    from django.utils.html import escape

    out = before + "<ul>"
    for i, item in enumerate(items):
        entry = f"<li>{escape(item)}</li>"
        rest = len(items) - i
        if len(out) + len(entry) + len(f"<li>en {rest} meer</li></ul>") > limit and rest > 1:
            return out + f"<li>en {rest} meer</li></ul>"
        out += entry
    return out + "</ul>"


def _fit(text: str, name: str) -> str:
    """A plain text cut at the standard's maximum length for the field."""
    limit = next(f.max_length for f in ar.FIELDS if f.name == name) or len(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _common(algorithm: Algorithm, public_url: str) -> dict:
    return {
        "name": _fit(algorithm.name, "name"),
        "organization": settings.ORGANISATION_NAME,
        "status": "In gebruik",
        "contact_email": settings.API_CONTACT_EMAIL,
        "website": public_url + reverse("web:method"),
        "url": public_url + reverse("web:algorithm-json", kwargs={"slug": algorithm.slug}),
        "provider": "Smaakmaker (open source, EUPL-1.2)",
        "publiccode": "",
        "lang": "nld",
        "standard_version": ar.STANDARD_VERSION,
        "source_id": f"smaakmaker-{algorithm.slug}",
    }


def algorithm_record(slug: str) -> dict:
    """One algorithm, filled in with the fields of the Algoritmeregister publicatiestandaard 1.0.0."""
    algorithm = ALGORITHMS_BY_SLUG[slug]
    public_url = settings.PUBLIC_URL.rstrip("/")
    record = _common(algorithm, public_url)
    cbs = [{"title": "CBS Kerncijfers wijken en buurten", "link": CBS_SERIES}]
    if slug == "wijkscan":
        first, last = loaded_years()
        years = f" (geladen jaren: {first}–{last})" if first else ""
        indicators = indicator_rows()
        record |= {
            "description_short": (
                "Vergelijkt buurten en wijken op openbare CBS-cijfers over inkomen, wonen, veiligheid, "
                "voorzieningen en zorg, en geeft een kwetsbaarheidsindex, een band en een smaakdiagnose per "
                "gebied. Het gaat nooit over personen."
            ),
            "category": ["Wonen", "Openbare orde en veiligheid", "Sociale zekerheid"],
            "publication_category": "Overige algoritmes",
            "goal": (
                "<p>Gemeente en partners kiezen met de wijkscan welke gebieden een wijkaanpak nodig hebben en "
                "met welke mix van de vier smaken (Zoet, Zuur, Zout, Bitter). Bewoners en pers kunnen nagaan "
                "hoe hun gebied is gescoord.</p>"
            ),
            "proportionality": (
                "<p>De scan gebruikt alleen gepubliceerde cijfers over gebieden; een mens kiest de gebieden. "
                "Een index zonder genoeg indicatoren wordt niet gerangschikt.</p>"
            ),
            "human_intervention": (
                "<p>De scan adviseert; de regisseur en de partners besluiten over een aanpak en lichten hun "
                "keuze toe. De drempels en gewichten zijn instelbaar en openbaar.</p>"
            ),
            "risks": (
                "<p>Stigmatisering van een buurt: de pagina toont de onzekerheid en de bron van elk cijfer. "
                "Kleine gebieden: ontbrekende CBS-waarden blijven ontbrekend en worden nooit als nul gelezen.</p>"
            ),
            "lawful_basis": "<p>Gemeentewet, artikel 160 (taken van het college); openbare statistiek (CBS).</p>",
            "impacttoetsen": "<p>Geen DPIA nodig voor de scan zelf: er worden geen persoonsgegevens verwerkt.</p>",
            "source_data": _html_list(
                [f"{r['label']} ({r['unit']})" for r in indicators],
                before=f"<p>Openbare CBS-cijfers per gebied{years}:</p>",
            ),
            "source_data_grouping": cbs,
            "methods_and_models": (
                "<p>Per indicator een score ten opzichte van een referentie (100 = gelijk), per thema het "
                "gemiddelde, een gewogen index met gepubliceerde gewichten en banden; een trend met een "
                "kenteringregel; vergelijkbare gebieden op contextkenmerken. Niet zelflerend.</p><p>"
                + escape(kentering_text())
                + "</p>"
            ),
            "tags": "wijkaanpak, wijkscan, CBS, Zoet Zuur Zout Bitter",
        }
    elif slug == "signaleringsregels":
        rules = alert_rule_texts()
        record |= {
            "description_short": (
                "Zet een adres op de agenda van het casusoverleg als partners binnen een bepaalde tijd genoeg "
                "meldingen over dat adres doen. Geen score of voorspelling: een telling met een gepubliceerde "
                "drempel."
            ),
            "category": ["Openbare orde en veiligheid", "Wonen", "Zorg en gezondheid"],
            "publication_category": "Impactvolle algoritmes",
            "goal": (
                "<p>Partners zien eerder dat meerdere meldingen over hetzelfde adres samenkomen, zodat het "
                "casusoverleg kan bespreken of hulp of handhaving nodig is.</p>"
            ),
            "proportionality": (
                "<p>Een vaste telling is uitlegbaar en controleerbaar; een voorspellend model over personen is "
                "bewust niet gekozen.</p>"
            ),
            "human_intervention": (
                "<p>De regel agendeert alleen. Het casusoverleg besluit, met een vastgelegde motivering; "
                "bewoners kunnen inzage vragen.</p>"
            ),
            "risks": (
                "<p>Meer meldingen in buurten waar meer wordt gekeken: de regel telt alleen meldingen binnen "
                "het convenant en elke inzage wordt gelogd.</p>"
            ),
            "lawful_basis": "<p>Het convenant van de wijkaanpak, met per verwerking de AVG-grondslag.</p>",
            "impacttoetsen": "<p>DPIA op het convenant van de wijkaanpak (door de gemeente uit te voeren).</p>",
            "source_data": "<p>Meldingen van partners over adressen binnen het convenant (soort, datum, partner).</p>",
            "methods_and_models": (
                _html_list([f"{r['name']}: {r['rule']}" for r in rules], limit=5000)
                if rules
                else "<p>Er zijn nog geen signaleringsregels gepubliceerd.</p>"
            ),
            "tags": "signalering, casusoverleg, wijkaanpak",
        }
    elif slug == "planner":
        rules = coherence_rules()
        record |= {
            "description_short": (
                "Stelt startweken voor de interventies van een wijkaanpak voor, zodat de vier smaken "
                "tegelijk en binnen de capaciteit van de partners lopen. De regisseur neemt het voorstel "
                "over of niet."
            ),
            "category": ["Wonen", "Openbare orde en veiligheid"],
            "publication_category": "Overige algoritmes",
            "goal": "<p>Een samenhangend plan: Bitter vóór Zuur, Zout bij Zuur, zichtbaar Zoet erbij.</p>",
            "proportionality": "<p>Een voorstel met gepubliceerde regels, geen besluit.</p>",
            "human_intervention": "<p>Elk voorstel wordt door de regisseur bekeken en aanvaard of verworpen.</p>",
            "risks": "<p>Een onhaalbaar plan: de planner noemt dan de afspraken die elkaar tegenspreken.</p>",
            "lawful_basis": "<p>Het convenant van de wijkaanpak.</p>",
            "impacttoetsen": "<p>Valt onder de DPIA van het convenant.</p>",
            "source_data": "<p>Interventies van het plan (soort, smaak, duur, partner, afhankelijkheden).</p>",
            "methods_and_models": _html_list(
                [f"{r['title']}{' (hard)' if r['hard'] else ''}" for r in rules],
                limit=5000,
                before="<p>Constraint programming (OR-Tools CP-SAT). Samenhangsregels:</p>",
            ),
            "tags": "planning, umami, wijkaanpak",
        }
    else:  # effectevaluatie
        names = [e.name for e in estimators()]
        record |= {
            "description_short": (
                "Meet of een gebied met een wijkaanpak anders ging lopen dan vergelijkbare gebieden zonder "
                "aanpak, en voegt de effecten van aanpakken samen zodra er minstens drie zijn. Altijd met de "
                "onzekerheid erbij."
            ),
            "category": ["Wonen", "Openbare orde en veiligheid"],
            "publication_category": "Overige algoritmes",
            "goal": "<p>Leren wat werkt: welke mix van smaken samenging met een kentering.</p>",
            "proportionality": "<p>Alleen cijfers over gebieden en tellingen van interventies per aanpak.</p>",
            "human_intervention": "<p>Een analist kiest gebied, indicator, startjaar en donorpool en leest de toetsen.</p>",
            "risks": (
                "<p>Toeval bij weinig jaren of aanpakken: placebotoetsen, intervallen en een duidelijke melding "
                "als er te weinig is.</p>"
            ),
            "lawful_basis": "<p>Gemeentewet, artikel 160; openbare statistiek (CBS).</p>",
            "impacttoetsen": "<p>Geen persoonsgegevens: tellingen onder de 10 worden afgeschermd.</p>",
            "source_data": "<p>CBS-cijfers per gebied; per aanpak het aantal interventies per smaak.</p>",
            "source_data_grouping": cbs,
            "methods_and_models": _html_list(names, limit=5000, before="<p>Schatters:</p>"),
            "tags": "effectevaluatie, synthetische controle, meta-analyse",
        }
    return record


def algorithm_records() -> list[dict]:
    return [algorithm_record(a.slug) for a in ALGORITHMS]


def field_rows(record: dict) -> list[dict]:
    """The record as (field name, Dutch title, value) in the order of the standard, for the printable page."""
    return [{"name": f.name, "title": f.title, "value": record.get(f.name)} for f in ar.FIELDS]
