# SPDX-License-Identifier: EUPL-1.2
"""Demo partners and one demo user per role. All names are fictional and recognisable as such."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from smaakmaker.access.models import Organisation, OrganisationKind
from smaakmaker.access.services import organisation_create, user_create

DEMO_PASSWORD = "demo-smaakmaker"

DEMO_ORGANISATIONS = (
    ("Gemeente Voorbeeldstad (demo)", OrganisationKind.GEMEENTE),
    ("Woonstichting De Fictieve Haven (demo)", OrganisationKind.WONINGCORPORATIE),
    ("Woningcorporatie Verzonnen Wonen (demo)", OrganisationKind.WONINGCORPORATIE),
    ("Politie Eenheid Voorbeeld (demo)", OrganisationKind.POLITIE),
    ("Wijkteam Voorbeeldwijk (demo)", OrganisationKind.ZORG_WELZIJN),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    organisation: str
    function_title: str


DEMO_USERS = (
    DemoUser(
        "regisseur", "Rosa", "Regie (demo)", "regisseur", DEMO_ORGANISATIONS[0][0], "Programmaregisseur"
    ),
    DemoUser(
        "professional",
        "Pim",
        "Partner (demo)",
        "partner-professional",
        DEMO_ORGANISATIONS[1][0],
        "Wijkconsulent",
    ),
    DemoUser("analist", "Anna", "Analyse (demo)", "analist", DEMO_ORGANISATIONS[0][0], "Onderzoeker"),
    DemoUser("bestuurder", "Bert", "Bestuur (demo)", "bestuurder", DEMO_ORGANISATIONS[0][0], "Wethouder"),
    DemoUser(
        "privacy",
        "Fenna",
        "Functionaris (demo)",
        "privacy-officer",
        DEMO_ORGANISATIONS[0][0],
        "Functionaris gegevensbescherming",
    ),
    DemoUser(
        "beheerder", "Bram", "Beheer (demo)", "beheerder", DEMO_ORGANISATIONS[0][0], "Applicatiebeheerder"
    ),
    # Professionals of the other partners, so the compartments of the address register can be shown.
    DemoUser(
        "consulent",
        "Cor",
        "Consulent (demo)",
        "partner-professional",
        DEMO_ORGANISATIONS[2][0],
        "Woonconsulent",
    ),
    DemoUser(
        "wijkagent",
        "Wendy",
        "Wijkagent (demo)",
        "partner-professional",
        DEMO_ORGANISATIONS[3][0],
        "Wijkagent",
    ),
    DemoUser(
        "wijkteam",
        "Willem",
        "Wijkteam (demo)",
        "partner-professional",
        DEMO_ORGANISATIONS[4][0],
        "Wijkteammedewerker",
    ),
)


@transaction.atomic
def demo_load(*, stdout=None) -> list[DemoUser]:
    """Create the demo partners and users; running it again changes nothing."""
    by_name = {}
    for name, kind in DEMO_ORGANISATIONS:
        organisation = Organisation.objects.filter(name=name).first()
        by_name[name] = organisation or organisation_create(name=name, kind=kind, is_demo=True)
    user_model = get_user_model()
    for demo in DEMO_USERS:
        if user_model.objects.filter(username=demo.username).exists():
            continue
        user_create(
            username=demo.username,
            password=DEMO_PASSWORD,
            first_name=demo.first_name,
            last_name=demo.last_name,
            roles=[demo.role],
            organisation=by_name[demo.organisation],
            function_title=demo.function_title,
        )
    if stdout is not None:
        stdout.print(f"Demo: {len(by_name)} partnerorganisaties, {len(DEMO_USERS)} gebruikers")
    return list(DEMO_USERS)
