# SPDX-License-Identifier: EUPL-1.2
"""The steering-group report as a PDF (reportlab), from ``views.report_context``; counts are suppressed."""

from __future__ import annotations

import io
from typing import Any

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.lib import colors
from reportlab.lib.units import cm
from reportlab.platypus import Spacer, Table, TableStyle

from smaakmaker.common.pdf import a4_document, para

TABLE_STYLE = TableStyle(
    [
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def _path_drawing(result: dict) -> Drawing:
    drawing = Drawing(16 * cm, 6 * cm)
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 1.5 * cm, 1 * cm, 13.5 * cm, 4.5 * cm
    years = result["years"]
    lines = [
        [(y, v) for y, v in zip(years, result["observed"], strict=True) if v is not None],
        [(y, v) for y, v in zip(years, result["synthetic"], strict=True) if v is not None],
    ]
    plot.data = lines
    plot.lines[0].strokeColor = colors.HexColor("#154273")
    plot.lines[0].strokeWidth = 2
    plot.lines[1].strokeColor = colors.HexColor("#c0392b")
    plot.lines[1].strokeDashArray = [4, 3]
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = min(years), max(years)
    plot.xValueAxis.valueSteps = years
    plot.xValueAxis.labelTextFormat = "%d"
    plot.xValueAxis.labels.fontSize = 7
    plot.yValueAxis.labels.fontSize = 7
    drawing.add(plot)
    span = (max(years) - min(years)) or 1
    x = plot.x + (result["treatment_year"] - 0.5 - min(years)) / span * plot.width
    drawing.add(Line(x, plot.y, x, plot.y + plot.height, strokeDashArray=[2, 2]))
    drawing.add(String(x + 2, plot.y + plot.height - 8, "start", fontSize=7))
    drawing.add(String(plot.x, 0.2 * cm, "blauw: gebied, rood gestreept: synthetische controle", fontSize=7))
    return drawing


def steering_report_pdf(context: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    area = context["area"]
    document, styles = a4_document(buffer, title=f"Stuurgroeprapportage {area.name}")
    body, small = styles.body, styles.small
    story: list[Any] = [
        para(f"Stuurgroeprapportage: {area.name} ({area.code})", styles.title),
        para("Wat is gedaan", styles.heading),
    ]
    data = context["bookkeeping"]
    story.append(para("; ".join(f"{label}: {cell.display}" for label, cell in data.headline), body))
    for table in data.tables:
        if not table.rows:
            continue
        rows = [["Groep", *table.columns, "Totaal"]]
        rows += [[para(r.label, small), *[c.display for c in r.cells], r.total.display] for r in table.rows]
        story += [
            Spacer(1, 0.2 * cm),
            para(table.caption, styles.subheading),
            Table(rows, repeatRows=1, style=TABLE_STYLE),
        ]
    story.append(para("Aantallen van 1 tot en met 9 staan als '< 10' vermeld.", small))
    story.append(para("Effectevaluatie", styles.heading))
    ec = context.get("evaluation_context") or {}
    if ec:
        r = ec["r"]
        story += [
            para(f"{r['indicator_label']}, eerste jaar met mogelijk effect {r['treatment_year']}.", body),
            _path_drawing(r),
            para(
                f"Gemiddeld verschil na de start: {ec['att']} ({r['unit']}); p-waarde placebotoets {ec['p_value']} "
                f"(plaats {r['placebo']['rank']} van {r['placebo']['n_placebos'] + 1}); pasvorm vóór de start "
                f"(RMSPE) {ec['rmspe_pre']}.",
                body,
            ),
        ]
        comparison = ec.get("comparison")
        if comparison and comparison["lead"]:
            story.append(
                para(
                    f"Schatters naast elkaar. Dit rapport gaat uit van {comparison['lead']['label']}; die keuze "
                    "lag vast in de werkwijze voordat de cijfers bekend waren.",
                    body,
                )
            )
            table_rows = [["Schatter", "Effect", "Standaardfout", "95%-interval", "Pasvorm vóór (RMSE)"]]
            table_rows += [
                [para(e["label"], small), e["estimate"], e["standard_error"], e["interval"], e["pre_rmse"]]
                if not e["error"]
                else [para(e["label"], small), para(e["error"], small), "", "", ""]
                for e in comparison["rows"]
            ]
            story += [Table(table_rows, repeatRows=1, style=TABLE_STYLE), Spacer(1, 0.2 * cm)]
            if not comparison["signs_agree"]:
                story.append(para("De schatters zijn het niet eens over de richting van het effect.", body))
        if ec["few_pre"]:
            story.append(
                para(
                    f"Let op: maar {r['n_pre']} gemeten jaren vóór de start. De uitkomst is een aanwijzing, "
                    "geen bewijs.",
                    body,
                )
            )
        for text in [r["explanation"], r["placebo"]["explanation"], r["did"]["explanation"]]:
            story.append(para(text, small))
        story.append(
            para(
                "Dit is geen causaal bewijs: alles wat tegelijk in het gebied veranderde, zit in hetzelfde verschil. "
                "Een p-waarde is niet de kans dat de aanpak werkt.",
                small,
            )
        )
        rows = [["Jaar", r["treated_name"], "Synthetische controle", "Verschil"]]
        rows += [[str(x["year"]), x["observed"], x["synthetic"], x["gap"]] for x in ec["rows"]]
        story += [Spacer(1, 0.2 * cm), Table(rows, style=TABLE_STYLE)]
        rows = [["Gebied", "Gewicht (%)"]] + [
            [para(f"{w['name']} ({w['code']})", small), w["pct"]] for w in ec["weights"]
        ]
        story += [Spacer(1, 0.2 * cm), Table(rows, style=TABLE_STYLE)]
    else:
        story.append(para("Geen afgeronde effectevaluatie voor dit gebied.", body))
    story.append(para("Indicatoren en kentering", styles.heading))
    rows = [["Indicator", "Soort", "Waarden", "Kentering"]]
    for item in [*context["perceived"], *context["registered"]]:
        s = item["series"]
        rows.append(
            [
                para(f"{s.label} ({s.unit})" if s.unit else s.label, small),
                "beleefd" if s.kind == "perceived" else "geregistreerd",
                para(", ".join(f"{y}: {v}" for y, v in item["values"]), small),
                para(s.kentering_label, small),
            ]
        )
    story.append(Table(rows, colWidths=[5.5 * cm, 2.2 * cm, 6 * cm, 3 * cm], repeatRows=1, style=TABLE_STYLE))
    story.append(
        para(
            "Alleen geaggregeerde gegevens. Bron geregistreerde indicatoren: CBS, Kerncijfers wijken en buurten "
            "(CC BY 4.0); berekening: Smaakmaker.",
            small,
        )
    )
    document.build(story)
    return buffer.getvalue()
