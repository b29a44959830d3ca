# SPDX-License-Identifier: EUPL-1.2
"""``smaakmaker signals import-file …``: a partner's file of signals (CSV or XLSX), checked and imported.

Without ``--vastleggen`` it is the dry run: what an import would do (rows accepted, rows rejected with
line, column and reason, addresses not found). With it, the file is imported all or nothing, under the
covenant of the user and organisation it is imported for. The column mapping is saved for the
organisation: the next file needs no ``--kolom`` when its columns are named the same.

Examples::

    smaakmaker signals import-file meldingen.xlsx --gebruiker wijkagent
    smaakmaker signals import-file meldingen.csv --gebruiker wijkagent --kolom nummeraanduiding_id=BAG \\
        --kolom date=Meldingsdatum --soortwaarde "Drugsoverlast=hennep-drugs" --vastleggen
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rich.console import Console

from smaakmaker.access.audit import Origin
from smaakmaker.cases import partner_files
from smaakmaker.cases.errors import NotPermitted, RegisterError
from smaakmaker.cases.models import PartnerFileStatus
from smaakmaker.cases.sources.partner_file import FIELDS


def _pairs(values: list[str], option: str, example: str) -> dict[str, str]:
    out = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise CommandError(f"{option} {item}: schrijf {example}.")
        out[name.strip()] = value.strip()
    return out


class Command(BaseCommand):
    help = "Signalen: een bestand van een partner (CSV of XLSX) controleren en inlezen."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import-file",
            help="Een bestand met signalen controleren (proefinlezen) en met --vastleggen inlezen.",
        )
        imp.add_argument("bestand")
        imp.add_argument(
            "--gebruiker", required=True, help="Namens deze gebruiker (zijn convenant geldt voor elke regel)."
        )
        imp.add_argument(
            "--organisatie", help="Voor deze organisatie (naam); nodig als de gebruiker er meer heeft."
        )
        imp.add_argument(
            "--kolom",
            action="append",
            default=[],
            metavar="VELD=KOLOM",
            help=f"Koppeling van een veld aan een kolom; velden: {', '.join(FIELDS)}.",
        )
        imp.add_argument("--soort", help="Eén soort signaal (code) voor het hele bestand.")
        imp.add_argument(
            "--soortwaarde",
            action="append",
            default=[],
            metavar="WAARDE=CODE",
            help="Een eigen woord in de kolom soort, vertaald naar de code van een soort signaal.",
        )
        imp.add_argument(
            "--bevestig-geen-namen",
            action="store_true",
            help="Ik bevestig dat de omschrijvingen geen namen van bewoners bevatten.",
        )
        imp.add_argument("--vastleggen", action="store_true", help="Inlezen (zonder: alleen proefinlezen).")

    def handle(self, *args, action, **options):
        console = Console(file=self.stdout._out, width=140)
        try:
            actor = get_user_model().objects.get(username=options["gebruiker"])
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"Gebruiker '{options['gebruiker']}' bestaat niet.") from exc
        organisations = list(partner_files.organisations_for_upload(actor))
        if options["organisatie"]:
            organisations = [o for o in organisations if o.name == options["organisatie"]]
        if len(organisations) != 1:
            names = ", ".join(o.name for o in partner_files.organisations_for_upload(actor)) or "geen"
            raise CommandError(
                f"Kies met --organisatie één organisatie waarvoor {actor.get_username()} signalen mag "
                f"vastleggen ({names})."
            )
        path = Path(options["bestand"])
        if not path.is_file():
            raise CommandError(f"'{path}' bestaat niet.")
        columns = _pairs(options["kolom"], "--kolom", "VELD=KOLOM, bijvoorbeeld date=Meldingsdatum")
        kind_values = _pairs(
            options["soortwaarde"], "--soortwaarde", "WAARDE=CODE, bijvoorbeeld Drugs=hennep-drugs"
        )
        try:
            file_import = partner_files.partner_file_import(
                actor=actor,
                organisation=organisations[0],
                file_name=path.name,
                content=path.read_bytes(),
                columns=columns or None,
                kind_values=kind_values or None,
                default_kind=options["soort"],
                confirm_no_names=options["bevestig_geen_namen"],
                commit=options["vastleggen"],
                origin=Origin(channel="cli"),
            )
        except (NotPermitted, RegisterError) as exc:
            raise CommandError(getattr(exc, "message", str(exc))) from exc
        report = partner_files.FileReport(**file_import.report)
        for line in report.lines():
            console.print(line, highlight=False, soft_wrap=True)
        status = file_import.status
        if status == PartnerFileStatus.COMMITTED:
            console.print(f"Ingelezen: {file_import.signals_added} signalen toegevoegd.", highlight=False)
        elif status == PartnerFileStatus.ALREADY:
            console.print(file_import.message, highlight=False)
        elif options["vastleggen"]:
            raise CommandError(file_import.message or "Er is niets ingelezen: verbeter de afgekeurde regels.")
        elif report.importable:
            console.print("Proefinlezen: er is nog niets vastgelegd (gebruik --vastleggen).", highlight=False)
        else:
            raise CommandError("Proefinlezen: met deze fouten wordt niets ingelezen.")
