# SPDX-License-Identifier: EUPL-1.2
"""``smaakmaker monitoring evaluate --gebied … --start … --indicator …``: an effect evaluation from the shell.

Prints the donor weights, the pre-period RMSPE, the gap per year and the placebo p-value; the evaluation
is stored, so the page shows it too.

``smaakmaker monitoring radar``: the kentering radar over every loaded area and year (area statistics
only); prints the new turning points and the repeated evaluations. The scheduled job runs the same service.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from smaakmaker.areas.models import Area, Indicator
from smaakmaker.monitoring import services


class Command(BaseCommand):
    help = "Effect evaluation (synthetic control with placebo inference) of an area on one indicator."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        evaluate = sub.add_parser("evaluate", help="Run and store an effect evaluation.")
        evaluate.add_argument("--gebied", required=True, help="CBS code of the area, e.g. BU0363FD04.")
        evaluate.add_argument("--start", required=True, type=int, help="First year with a possible effect.")
        evaluate.add_argument("--indicator", required=True, help="Indicator key, e.g. laag_inkomen_hh.")
        evaluate.add_argument("--donorpool", choices=["peers", "gemeente"], default="peers")
        evaluate.add_argument("--k", type=int, default=30, help="Number of peers (default 30).")
        evaluate.add_argument("--zonder-buren", action="store_true", help="Leave out adjacent areas.")
        evaluate.add_argument("--covariaten", default="", help="Extra predictors, comma separated.")
        evaluate.add_argument("--min-jaren-voor", type=int, default=3, help="Minimum years before the start.")
        radar = sub.add_parser("radar", help="Kentering radar: every loaded area and year.")
        radar.add_argument("--zonder-herhaling", action="store_true", help="Do not repeat evaluations.")
        radar.add_argument("--top", type=int, default=30, help="New turning points to print (default 30).")

    def handle(self, *args, **options):
        console = Console(file=self.stdout, width=120)
        if options["action"] == "radar":
            return self._radar(console, options)
        area = Area.objects.filter(code=options["gebied"].strip().upper()).first()
        if area is None:
            raise CommandError(f"Onbekend gebied: {options['gebied']}")
        indicator = Indicator.objects.filter(key=options["indicator"]).first()
        if indicator is None:
            raise CommandError(f"Onbekende indicator: {options['indicator']}")
        try:
            evaluation = services.evaluation_create(
                actor=None,
                area=area,
                indicator=indicator,
                treatment_year=options["start"],
                donor_pool=options["donorpool"],
                peers_k=options["k"],
                exclude_adjacent=options["zonder_buren"],
                covariates=[c.strip() for c in options["covariaten"].split(",") if c.strip()],
                options={"min_pre_periods": options["min_jaren_voor"]},
            )
        except services.MonitoringError as exc:
            raise CommandError(exc.message) from exc
        with console.status("Effectevaluatie loopt…"):
            evaluation = services.evaluation_execute(evaluation_id=evaluation.pk)
        if evaluation.status != "finished":
            raise CommandError(f"Geen effectschatting: {evaluation.message}")
        r = evaluation.result
        console.print(
            f"[bold]{r['treated_name']} ({r['treated']})[/bold] · {r['indicator_label']} · start {r['treatment_year']}"
        )
        weights = Table(title="Donorgewichten")
        weights.add_column("Gebied")
        weights.add_column("Gewicht", justify="right")
        for w in r["weights"]:
            weights.add_row(f"{w['name']} ({w['code']})", f"{w['weight']:.3f}")
        console.print(weights)
        path = Table(title="Werkelijk, synthetisch en verschil")
        for column in ("Jaar", "Werkelijk", "Synthetisch", "Verschil"):
            path.add_column(column, justify="right")
        for year, obs, syn, gap in zip(r["years"], r["observed"], r["synthetic"], r["gap"], strict=True):
            path.add_row(str(year), f"{obs:.3f}", f"{syn:.3f}", f"{gap:.3f}")
        console.print(path)
        console.print(
            f"RMSPE vóór de start: {r['rmspe_pre']:.4g}; verhouding na/vóór: {r['rmspe_ratio'] or float('inf'):.4g}"
        )
        console.print(
            f"Placebotoets: p = {r['placebo']['p_value']:.3f} (plaats {r['placebo']['rank']} van "
            f"{r['placebo']['n_placebos'] + 1})"
        )
        if r["n_pre"] < 5:
            console.print(
                f"Let op: maar {r['n_pre']} jaren vóór de start; de uitkomst is een aanwijzing, geen bewijs."
            )
        for warning in r["warnings"]:
            console.print(f"Let op: {warning}")
        console.print(f"Opgeslagen als evaluatie {evaluation.uuid}")

    def _radar(self, console: Console, options) -> None:
        from smaakmaker.monitoring import selectors

        with console.status("Kenteringradar loopt…"):
            run = services.radar_run(reevaluate=not options["zonder_herhaling"], progress=console.print)
        years = f"{run.years[0]}–{run.years[-1]}" if run.years else "geen"
        console.print(
            f"Kenteringradar: {run.series} reeksen van {run.areas} gebieden, peiljaren {years}, "
            f"{run.flags} kenteringen, waarvan {run.new_flags} nieuw; {run.seconds:.1f} s"
        )
        flags = list(selectors.radar_flags(run=run)[: options["top"]])
        if flags:
            labels = selectors.indicator_labels({f.indicator for f in flags})
            table = Table(title="Nieuwe kenteringen")
            for column in ("Gebied", "Indicator", "Keerpunt", "Gezien in", "Richting", "t vóór", "t na"):
                table.add_column(column)
            for f in flags:
                table.add_row(
                    f"{f.area.name} ({f.area.code})",
                    labels[f.indicator],
                    str(f.turn_year),
                    str(f.as_of_year),
                    "ten goede" if f.signal > 0 else "ten kwade",
                    f"{f.inputs.get('t_before') or 0:.1f}",
                    f"{f.inputs.get('t_recent') or 0:.1f}",
                )
            console.print(table)
        for change in run.summary.get("reevaluations", []):
            before, after = change["before"], change["after"]
            console.print(
                f"Herhaald: {change['approach']} · {change['indicator_label']} · nieuwe jaren "
                f"{', '.join(map(str, change['new_years']))}: effect {before['effect']} → {after['effect']}, "
                f"p {before['p_value']} → {after['p_value']}"
            )
