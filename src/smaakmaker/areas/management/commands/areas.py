# SPDX-License-Identifier: EUPL-1.2
"""``smaakmaker areas …``: import CBS data and run the wijkscan from the command line."""

from __future__ import annotations

import math

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from smaakmaker.areas import selectors, services
from smaakmaker.areas.bundled import bundled_load
from smaakmaker.areas.scan import format_nl
from smaakmaker.areas.sources.cbs_csv import CbsCsvError
from smaakmaker.areas.sources.cbs_odata import KWB_TABLES, CbsApiError
from smaakmaker.areas.sources.geometry import GeometryError
from smaakmaker.common.console import progress_bar


class Command(BaseCommand):
    help = "Gebieden: CBS-gegevens inlezen (bestand of CBS-API) en de wijkscan draaien."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="Een CBS StatLine-CSV inlezen (alles of niets).")
        imp.add_argument("bestand")
        imp.add_argument("--jaar", type=int, help="Jaar van de cijfers als het bestand het niet zegt.")
        imp.add_argument("--tabel", help="CBS-tabel, bijvoorbeeld 84583NED.")
        geo = sub.add_parser("geometrie", help="Gemeentegrenzen uit GeoJSON (statcode/statnaam) inlezen.")
        geo.add_argument("bestand")
        geo.add_argument("--jaar", type=int, required=True)
        grenzen = sub.add_parser(
            "import-grenzen",
            help="De CBS Wijk- en buurtkaart van één jaar inlezen (GeoPackage of GeoJSON, alles of niets).",
        )
        grenzen.add_argument(
            "bestand", help="wijkenbuurten_<jaar>.gpkg van PDOK/CBS, of een laag als GeoJSON."
        )
        grenzen.add_argument("--jaar", type=int, help="Jaar van de indeling als het bestand het niet zegt.")
        grenzen.add_argument(
            "--gemeente", action="append", default=[], help="Alleen deze gemeente (GM0014); herhaalbaar."
        )
        grenzen.add_argument(
            "--gebruiker", help="Namens deze gebruiker (zijn rol moet gebieden mogen inlezen)."
        )
        api = sub.add_parser("cbs-api", help="Een KWB-tabel van de CBS open-data-API laden (internet nodig).")
        api.add_argument("--tabel", required=True, choices=sorted(KWB_TABLES))
        api.add_argument("--gemeente", help="Alleen deze gemeente, bijvoorbeeld GM0363.")
        sub.add_parser("laad-gebundeld", help="De meegeleverde open data in data/cbs inlezen.")
        scan = sub.add_parser("scan", help="De wijkscan als gerangschikte tabel.")
        scan.add_argument("--gemeente", default="")
        scan.add_argument("--niveau", default="wijk", choices=["gemeente", "wijk", "buurt"])
        scan.add_argument("--jaar", type=int)
        scan.add_argument("--referentie", default="group", choices=["group", "gemeente", "national"])
        scan.add_argument("--top", type=int, default=20)

    def handle(self, *args, action, **options):
        console = Console(file=self.stdout._out, width=140)
        try:
            if action == "scan":
                self._scan(console, **options)
                return
            if action == "import-grenzen":
                self._boundaries(console, **options)
                return
            with progress_bar(console) as progress:
                if action == "import":
                    batches = [
                        services.cbs_csv_import(
                            path=options["bestand"],
                            year=options["jaar"],
                            table_id=options["tabel"],
                            progress=progress,
                        )
                    ]
                elif action == "geometrie":
                    batches = [
                        services.gemeente_geojson_import(
                            path=options["bestand"], year=options["jaar"], progress=progress
                        )
                    ]
                elif action == "cbs-api":
                    batches = [
                        services.cbs_odata_import(
                            table_id=options["tabel"], gemeente=options["gemeente"], progress=progress
                        )
                    ]
                else:
                    batches = bundled_load(progress=progress)
        except (CbsCsvError, CbsApiError, GeometryError, services.ImportError_, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        for batch in batches:
            console.print(
                f"{batch.source}: {batch.rows} rijen, {batch.values} indicatorwaarden ({batch.kind})."
            )

    def _boundaries(self, console, *, bestand, jaar, gemeente, gebruiker, **options):
        actor = None
        if gebruiker:
            try:
                actor = get_user_model().objects.get(username=gebruiker)
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"Gebruiker '{gebruiker}' bestaat niet.") from exc
        with progress_bar(console) as progress:
            try:
                result = services.boundaries_import(
                    path=bestand, year=jaar, gemeenten=gemeente, actor=actor, progress=progress
                )
            except PermissionDenied as exc:
                raise CommandError(str(exc)) from exc
        for line in result.lines():
            console.print(line, highlight=False, soft_wrap=True)

    def _scan(self, console, *, gemeente, niveau, jaar, referentie, top, **options):
        try:
            _panel, result = selectors.scan_run(
                level=niveau, gemeente_code=gemeente, year=jaar, reference=referentie
            )
        except (LookupError, KeyError) as exc:
            raise CommandError(str(exc)) from exc
        profile = result.profile
        title = (
            f"Wijkscan {niveau} {gemeente or 'NL'} {result.year} (referentie: {referentie} "
            f"{result.base_year} = 100)"
        )
        ranked = profile.sort_values(["rank", "composite"], ascending=[True, False], na_position="last")
        table = Table(title=f"{title}: gerangschikt op de geschatte index")
        for column in (
            "rang",
            "code",
            "naam",
            "inwoners",
            "index (CBS-waarden)",
            "index (schatting)",
            "95%-interval",
            "band",
            "dekking",
            "smaken",
        ):
            table.add_column(
                column, justify="left" if column in {"code", "naam", "band", "smaken"} else "right"
            )
        for code, row in ranked.head(top).iterrows():
            table.add_row(
                "" if math.isnan(row["rank"]) else str(int(row["rank"])),
                code,
                str(row["name"]),
                format_nl(row["inwoners"], 0),
                format_nl(row["composite_raw"], 1),
                format_nl(row["composite"], 1),
                f"{format_nl(row['composite_low'], 0)}–{format_nl(row['composite_high'], 0)}",
                str(row["band"] or ""),
                f"{int(row['n_indicators'])}/{int(row['n_indicators_total'])}",
                str(row["flavours"] or ""),
            )
        console.print(table)
        unranked = profile[profile["rank"].isna()]
        no_data = unranked["not_ranked"] == "no_data"
        skipped = unranked[~no_data].sort_values("composite", ascending=False)
        if len(skipped):
            table = Table(title=f"Getoond maar niet gerangschikt ({len(skipped)})")
            for column in ("code", "naam", "inwoners", "index (CBS-waarden)", "index (schatting)", "waarom"):
                table.add_column(column)
            for code, row in skipped.iterrows():
                table.add_row(
                    code,
                    str(row["name"]),
                    format_nl(row["inwoners"], 0),
                    format_nl(row["composite_raw"], 1),
                    format_nl(row["composite"], 1),
                    str(row["not_ranked_reason"]),
                )
            console.print(table)
        if no_data.any():
            console.print(
                f"Zonder gegevens in {result.year} (niet gerangschikt): {int(no_data.sum())} gebieden."
            )
        for note in result.notes:
            console.print(f"[dim]{note}[/dim]")
