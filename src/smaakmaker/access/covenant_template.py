# SPDX-License-Identifier: EUPL-1.2
"""The covenant template: the usual processing activities of the method, as data in one place.

A new gemeente starts its first covenant from these (``services.covenant_from_template``, page
``access:covenant_template``) instead of an empty page; the demo covenant (``cases/demo.py``) is built from
the same entries. Every entry is a starting point for the partners and their privacy officer to review:
purpose, legal basis, data categories, compartment, retention and who receives what (``grants``:
organisation kind, role, scope, level) are the method's usual choices, not legal advice.

Plain data, no Django: the values are those of ``access.models`` (``AvgGround``, ``Compartment``,
``OrganisationKind``, ``GrantScope``, ``GrantLevel``) and the role names of ``access.policies.ROLES``;
``tests/test_covenant_template.py`` checks that they are.
"""

from __future__ import annotations

GEM, CORP, POL, ZORG = "gemeente", "woningcorporatie", "politie", "zorg-welzijn"
PRO, REG = "partner-professional", "regisseur"
AREA, PART = "area", "participation"
R, W = "read", "write"

ACTIVITIES: tuple[dict, ...] = (
    {
        "code": "signalering-leefbaarheid",
        "name": "Signalering overlast en leefbaarheid",
        "purpose": "Signalen over overlast en leefbaarheid per adres delen om samen tijdig in te grijpen.",
        "avg_ground": "6.1.e",
        "legal_basis": "Gemeentewet art. 172 (openbare orde)",
        "data_categories": ["adres", "soort signaal", "datum", "korte omschrijving", "bronorganisatie"],
        "compartment": "algemeen",
        "retention_days": 365,
        "grants": [(GEM, REG, AREA, W), (CORP, PRO, PART, W), (POL, PRO, PART, W), (ZORG, PRO, PART, W)],
    },
    {
        "code": "woonfraude-huurachterstand",
        "name": "Woonfraude, onderhuur en huurachterstand",
        "purpose": "Onrechtmatige bewoning en betalingsachterstanden van huurders van de corporaties aanpakken.",
        "avg_ground": "6.1.f",
        "legal_basis": "Huisvestingswet 2014 art. 33; Wet gemeentelijke schuldhulpverlening art. 3",
        "data_categories": ["adres", "soort signaal", "datum", "korte omschrijving"],
        "compartment": "corporatie",
        "retention_days": 730,
        "grants": [(CORP, PRO, PART, W), (GEM, REG, PART, R)],
    },
    {
        "code": "zorgsignalen",
        "name": "Zorgsignalen en vroegsignalering",
        "purpose": "Kwetsbare bewoners tijdig hulp bieden (zout).",
        "avg_ground": "6.1.e",
        "legal_basis": "Wmo 2015 art. 2.3.2; Wgs art. 3",
        "data_categories": ["adres", "naam bewoner", "zorgsignaal", "datum"],
        "compartment": "zorg",
        "retention_days": 365,
        "allows_names": True,
        "grants": [(ZORG, PRO, PART, W)],
    },
    {
        "code": "politie-informatie",
        "name": "Politie-informatie voor de integrale aanpak",
        "purpose": "Politiegegevens delen voor de gezamenlijke aanpak van ondermijning.",
        "avg_ground": "6.1.c",
        "legal_basis": "Wpg art. 20",
        "data_categories": ["adres", "soort signaal", "datum", "korte omschrijving"],
        "compartment": "politie",
        "retention_days": 365,
        "grants": [(POL, PRO, PART, W)],
    },
    {
        "code": "casusoverleg",
        "name": "Casusoverleg en regie",
        "purpose": "Per adres samen besluiten over een passende, proportionele aanpak.",
        "avg_ground": "6.1.e",
        "legal_basis": "Gemeentewet art. 151d; Gemeentewet art. 174a",
        "data_categories": ["adres", "casusstatus", "besluiten met motivering"],
        "compartment": "algemeen",
        "retention_days": 1095,
        "grants": [(GEM, REG, AREA, W), (CORP, PRO, PART, W), (POL, PRO, PART, W), (ZORG, PRO, PART, W)],
    },
    {
        "code": "screening-nieuwe-huurders",
        "name": "Screening nieuwe huurders",
        "purpose": "Bij het toewijzen van een vrijgekomen woning in het aangewezen gebied nagaan of de "
        "woningzoekende een huisvestingsvergunning krijgt (bitter), zodat een vertrekkende probleemhuurder "
        "niet door een volgende wordt opgevolgd.",
        "avg_ground": "6.1.e",
        "legal_basis": "Wet bijzondere maatregelen grootstedelijke problematiek art. 8, 9 en 10",
        "data_categories": [
            "adres",
            "naam woningzoekende",
            "datum aanvraag",
            "uitkomst (vergunning ja of nee)",
        ],
        "compartment": "corporatie",
        "retention_days": 365,
        "allows_names": True,
        "grants": [(GEM, REG, PART, W), (CORP, PRO, PART, W)],
    },
    {
        "code": "monitoring-aanpak",
        "name": "Monitoring van de aanpak",
        "purpose": "Per adres bijhouden welke interventies zijn uitgevoerd, om de aanpak te verantwoorden en "
        "het effect te meten; aan stuurgroep en raad alleen geaggregeerd gerapporteerd.",
        "avg_ground": "6.1.e",
        "legal_basis": "Gemeentewet art. 160 en art. 213a (onderzoek naar doelmatigheid en doeltreffendheid)",
        "data_categories": ["adres", "interventie", "datum", "status"],
        "compartment": "algemeen",
        "retention_days": 1095,
        "grants": [(GEM, REG, AREA, W), (CORP, PRO, PART, R), (POL, PRO, PART, R), (ZORG, PRO, PART, R)],
    },
)

#: Explicit reuse decisions of the template: (collected under, read under, legal basis, motivation).
#: Only the general compartment is shared this way; corporation, care and police data stay in theirs.
REUSE: tuple[tuple[str, str, str, str], ...] = (
    (
        "signalering-leefbaarheid",
        "casusoverleg",
        "Gemeentewet art. 172; convenant art. 5 (fictief)",
        "Signalen over overlast en leefbaarheid worden in het casusoverleg besproken door de partners "
        "die aan de casus deelnemen.",
    ),
)

#: The activities of the demo covenant (``cases/demo.py``): the template's first five, unchanged.
DEMO_CODES = (
    "signalering-leefbaarheid",
    "woonfraude-huurachterstand",
    "zorgsignalen",
    "politie-informatie",
    "casusoverleg",
)


def activity(code: str) -> dict:
    """The template's entry for ``code``."""
    for entry in ACTIVITIES:
        if entry["code"] == code:
            return entry
    raise KeyError(code)


def organisation_kinds(entry: dict) -> set[str]:
    """The organisation kinds an activity's grants name (an activity none of the partners is of shares
    nothing)."""
    return {kind for kind, _role, _scope, _level in entry["grants"]}
