# SPDX-License-Identifier: EUPL-1.2
"""The wijkanalyse as a PDF (reportlab; no browser or system libraries needed)."""

from __future__ import annotations

import io
import math
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.lib import colors
from reportlab.lib.units import cm
from reportlab.platypus import Spacer, Table, TableStyle

from smaakmaker.common.charts import band_colour
from smaakmaker.common.pdf import a4_document, para


def _theme_drawing(themes: list[dict[str, Any]]) -> Drawing:
    drawing = Drawing(16 * cm, 1.0 * cm * max(len(themes), 1) + 1.2 * cm)
    chart = HorizontalBarChart()
    chart.x, chart.y = 5 * cm, 0.8 * cm
    chart.height = 1.0 * cm * max(len(themes), 1)
    chart.width = 10 * cm
    values = [0 if (t["raw"] is None or math.isnan(t["raw"])) else float(t["raw"]) for t in themes]
    chart.data = [values]
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max([*values, 150]) * 1.05
    chart.categoryAxis.categoryNames = [str(t["label"]) for t in themes]
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontSize = 8
    for index, theme in enumerate(themes):
        chart.bars[(0, index)].fillColor = colors.HexColor(theme["colour"])
    drawing.add(chart)
    x = chart.x + 100 / chart.valueAxis.valueMax * chart.width
    drawing.add(Line(x, chart.y, x, chart.y + chart.height, strokeDashArray=[3, 2]))
    drawing.add(String(x, 0.2 * cm, "100 = referentie", fontSize=7, textAnchor="middle"))
    return drawing


def wijkanalyse_pdf(context: dict[str, Any]) -> bytes:
    """Render the area profile context (see ``views.area_profile_context``) as an A4 PDF."""
    buffer = io.BytesIO()
    area = context["area"]
    document, styles = a4_document(buffer, title=f"Wijkanalyse {area.name}")
    small = styles.small
    story: list[Any] = [
        para(f"Wijkanalyse: {area.name} ({area.code})", styles.title),
        para(
            f"{area.get_level_display()}, jaar {context['year']}. Referentie: {context['reference']} in "
            f"{context['base_year']} (= 100; hoger = kwetsbaarder).",
            styles.body,
        ),
        Spacer(1, 0.3 * cm),
        para(
            f"Kwetsbaarheidsindex {context['composite']} (95 %-interval {context['composite_low']}–"
            f"{context['composite_high']}; uit de gepubliceerde waarden alleen {context['composite_raw']}; "
            f"band {context['band'] or 'geen gegevens'}); "
            + (
                f"rang {context['rank']} van {context['n_ranked']}"
                if context["rank"]
                else f"niet gerangschikt ({context['not_ranked_reason']})"
            )
            + f"; {context['inwoners']} inwoners; {context['coverage']}% van de indicatoren beschikbaar "
            f"({context['n_present']} van {context['n_expected']} verwacht)"
            f"{' (onvolledig)' if context['incomplete'] else ''}. Cijfers per 1.000 inwoners en aandelen "
            "huishoudens zijn empirisch-Bayes-schattingen, naar het hogere gebied getrokken naar gelang hun "
            "ruis; de CBS-waarde staat ernaast.",
            styles.body,
        ),
        Spacer(1, 0.3 * cm),
        para("Themaprofiel", styles.heading),
        _theme_drawing(context["themes"]),
        para("Smaken waar de cijfers om vragen", styles.heading),
    ]
    if not context["diagnosis_complete"]:
        story.append(
            para(
                f"Onvolledige diagnose: in {context['year']} zijn er geen cijfers voor de thema's "
                f"{context['missing_themes']}; de smaken die daaruit volgen kunnen hier niet blijken.",
                styles.body,
            )
        )
    if context["flavours"]:
        for item in context["flavours"]:
            story.append(para(f"{item['flavour']}: {item['reason']}", styles.body))
    else:
        story.append(para("Geen enkele smaakregel slaat aan op dit profiel.", styles.body))
    story += [Spacer(1, 0.3 * cm), para("Indicatoren", styles.heading)]
    rows = [["Indicator", "Waarde (CBS)", "Schatting", "Referentie", "Score", "Trend", "Kentering"]]
    band_rows = []
    for index, row in enumerate(context["indicators"], start=1):
        rows.append(
            [
                para(f"{row['label']} ({row['unit']})", small),
                row["value"],
                row["estimate"] or "zoals gepubliceerd",
                row["reference"],
                row["score"],
                para(row["trend"] or "", small),
                para(row["kentering"] or "", small),
            ]
        )
        if row["band"]:
            band_rows.append(
                (
                    "BACKGROUND",
                    (4, index),
                    (4, index),
                    colors.HexColor(band_colour(["< 70", "70–90", "90–110", "> 110"].index(row["band"]))),
                )
            )
    table = Table(
        rows, colWidths=[4.6 * cm, 1.6 * cm, 1.9 * cm, 1.7 * cm, 1.3 * cm, 2.2 * cm, 2.5 * cm], repeatRows=1
    )
    table.setStyle(_table_style(right_to=4, extra=band_rows))
    story += [table, Spacer(1, 0.3 * cm), para("Vergelijkbare gebieden", styles.heading)]
    story.append(
        para(", ".join(f"{p['name']} ({p['code']})" for p in context["peers"]) or "geen", styles.body)
    )
    story += [
        Spacer(1, 0.3 * cm),
        para(
            "Alleen gebiedsstatistiek, geen gegevens over personen. Ontbrekende waarden blijven ontbrekend. "
            "Bron: CBS, Kerncijfers wijken en buurten (CC BY 4.0); berekening: Smaakmaker wijkscan.",
            small,
        ),
    ]
    document.build(story)
    return buffer.getvalue()


def custom_area_pdf(context: dict[str, Any]) -> bytes:
    """A custom area's wijkanalyse as an A4 PDF: its estimated figures with their caveat and the buurten
    they come from (``views.custom_figures_context``), never a score or a rank (ADR 0020, 0027)."""
    buffer = io.BytesIO()
    area, figures = context["area"], context["figures"]
    document, styles = a4_document(buffer, title=f"Wijkanalyse {area.name}")
    small = styles.small
    inside = f" Er liggen {figures.addresses} adressen binnen de grens." if figures.drawn else ""
    story: list[Any] = [
        para(f"Wijkanalyse: {area.name} ({area.code})", styles.title),
        para(
            f"Eigen gebied ({area.get_custom_kind_display()}), jaar {context['year']}. CBS publiceert er geen "
            f"cijfers voor.{inside}",
            styles.body,
        ),
        para(
            f"Schatting: de cijfers hieronder zijn {figures.caveat}. Ze gaan ervan uit dat een cijfer binnen "
            "elke buurt gelijk verdeeld is; het gebied heeft geen scores en geen rang in de scan.",
            styles.body,
        ),
        Spacer(1, 0.3 * cm),
        para(
            "Buurten die het gebied overlapt" if figures.drawn else "Buurten waaruit het bestaat",
            styles.heading,
        ),
    ]
    by_addresses = figures.basis == "adressen"
    overlaps = [["Buurt", "Adressen van het gebied erin" if by_addresses else "Oppervlakte", "Deel binnen"]]
    overlaps += [
        [
            para(f"{o['name']} ({o['code']})", small),
            o["inside"] if o["inside"] is not None else "–",
            f"{o['share']}%",
        ]
        for o in figures.overlaps
    ]
    story.append(_grid(overlaps, [9 * cm, 4 * cm, 3 * cm]))
    story += [Spacer(1, 0.3 * cm), para("Cijfers (geschat)", styles.heading)]
    rows = [["Indicator", "Thema", "Jaar", "Schatting", "Gemeente"]]
    rows += [
        [
            para(f"{row['label']} ({row['unit']})", small),
            para(str(row["theme_label"]), small),
            row["latest_year"],
            f"ca. {row['latest_text']}",
            row["reference_text"],
        ]
        for row in context["figure_rows"]
    ]
    if len(rows) == 1:
        rows.append(["Geen cijfers voor de buurten die het gebied overlapt.", "", "", "", ""])
    story.append(_grid(rows, [6.6 * cm, 3.4 * cm, 1.4 * cm, 2.3 * cm, 2.3 * cm]))
    story += [
        Spacer(1, 0.3 * cm),
        para(
            "Alleen gebiedsstatistiek, geen gegevens over personen. Bron: CBS, Kerncijfers wijken en buurten "
            f"(CC BY 4.0); berekening: Smaakmaker ({figures.caveat}).",
            small,
        ),
    ]
    document.build(story)
    return buffer.getvalue()


def _table_style(*, right_to: int = -1, extra: list[tuple] | tuple = ()) -> TableStyle:
    """The style of the reports' tables (the wijkanalyse's and a custom area's): small type, a grey header
    row, a grid, and the figures (columns 1 to ``right_to``) aligned right; ``extra`` adds commands (the
    score bands' colours)."""
    return TableStyle(
        [
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("ALIGN", (1, 1), (right_to, -1), "RIGHT"),
            *extra,
        ]
    )


def _grid(rows: list[list[Any]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(_table_style())
    return table
