# SPDX-License-Identifier: EUPL-1.2
"""``smaakmaker addresses …``: import BAG addresses (extract or GeoPackage) or a gemeente's own list.

Examples::

    smaakmaker addresses import-bag data/bag/doesburg/BAGGEM0221L-15092020.zip
    smaakmaker addresses import-bag BAGNLDL-08112024.zip --gemeente 0363 --gemeente 0014
    smaakmaker addresses import-gpkg bag-light.gpkg --gemeente 0221
    smaakmaker addresses import-list adressen.xlsx --kolom street=Straatnaam --kolom house_number=Nr
    smaakmaker addresses import-list --gebundeld-groningen
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console

from smaakmaker.cases import address_imports
from smaakmaker.cases.errors import NotPermitted
from smaakmaker.common.console import progress_bar

GRONINGEN_2017 = Path("bag") / "groningen" / "verblijfsobjecten_onderwijs_groningen_2017_rd.csv"


class Command(BaseCommand):
    help = "Adressen: het BAG-extract van het Kadaster, de BAG-GeoPackage van PDOK of een eigen adreslijst inlezen."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        bag = sub.add_parser("import-bag", help="Een LVBAG 2.0-extract (zip van zips, map of XML) inlezen.")
        bag.add_argument(
            "bestanden", nargs="+", help="De levering: zip, map met de zips, of losse bestanden."
        )
        gpkg = sub.add_parser("import-gpkg", help="De BAG-GeoPackage van PDOK (bag-light.gpkg) inlezen.")
        gpkg.add_argument("bestand")
        for p in (bag, gpkg):
            p.add_argument(
                "--gemeente",
                action="append",
                default=[],
                help="Alleen deze gemeente (0221 of GM0221); herhaalbaar.",
            )
        lst = sub.add_parser("import-list", help="Een eigen adreslijst (CSV of XLSX) inlezen.")
        lst.add_argument("bestand", nargs="?")
        lst.add_argument(
            "--kolom",
            action="append",
            default=[],
            metavar="VELD=KOLOM",
            help="Koppeling van een veld aan een kolom.",
        )
        lst.add_argument(
            "--gebundeld-groningen",
            action="store_true",
            help="De meegeleverde BAG-adressen van Groningen 2017 (scholen) inlezen.",
        )
        for p in (bag, gpkg, lst):
            p.add_argument(
                "--gebruiker", help="Namens deze gebruiker (zijn rol moet adressen mogen inlezen)."
            )

    def handle(self, *args, action, **options):
        console = Console(file=self.stdout._out, width=140)
        actor = None
        if options.get("gebruiker"):
            try:
                actor = get_user_model().objects.get(username=options["gebruiker"])
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"Gebruiker '{options['gebruiker']}' bestaat niet.") from exc
        with progress_bar(console) as progress:
            try:
                if action == "import-bag":
                    result = address_imports.bag_extract_import(
                        paths=options["bestanden"],
                        actor=actor,
                        gemeenten=options["gemeente"],
                        progress=progress,
                    )
                elif action == "import-gpkg":
                    result = address_imports.bag_geopackage_import(
                        path=options["bestand"], actor=actor, gemeenten=options["gemeente"], progress=progress
                    )
                else:
                    if options["gebundeld_groningen"]:
                        path = Path(settings.PROJECT_DIR) / "data" / GRONINGEN_2017
                    elif options["bestand"]:
                        path = Path(options["bestand"])
                    else:
                        raise CommandError("Geef een bestand op, of --gebundeld-groningen.")
                    mapping = {}
                    for item in options["kolom"]:
                        name, sep, column = item.partition("=")
                        if not sep:
                            raise CommandError(
                                f"--kolom {item}: schrijf VELD=KOLOM, bijvoorbeeld street=Straatnaam."
                            )
                        mapping[name.strip()] = column.strip()
                    result = address_imports.address_list_import(
                        path=path, mapping=mapping, actor=actor, progress=progress
                    )
            except (address_imports.AddressImportError, NotPermitted) as exc:
                raise CommandError(str(exc)) from exc
        for line in result.lines():
            console.print(line, highlight=False, soft_wrap=True)
