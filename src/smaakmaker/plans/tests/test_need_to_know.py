# SPDX-License-Identifier: EUPL-1.2
"""Need to know in the plans domain: who sees an address-level intervention in full, who as a coarse
flag, who not at all, on every surface (pages, timeline, API, scheduler runs, writes, the CLI and the
processing log).

The world below holds address-level interventions of every compartment at shared addresses, each with
a unique marker in its title (``NKT-…``) and exit criteria (``NKX-…``). What each demo role may see is
written out by hand from the covenant of ``cases/demo.py`` (EXPECTED_* below), never computed by the
code under test; the demo test at the end compares the demo plan against an independent reading of
that covenant.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from smaakmaker.access.audit import pseudonym
from smaakmaker.access.models import AuditRecord, Organisation, ProcessingActivity, ProcessingLogRecord
from smaakmaker.areas.models import Area, AreaLevel
from smaakmaker.cases.demo import covenant_setup
from smaakmaker.cases.models import Address, Case, CaseParticipant, Signal, SignalKind
from smaakmaker.plans import services
from smaakmaker.plans.models import InterventionEvent, InterventionType, PlanIntervention

pytestmark = pytest.mark.django_db

GEMEENTE = "Gemeente Voorbeeldstad (demo)"
CORP1 = "Woonstichting De Fictieve Haven (demo)"  # professional
CORP2 = "Woningcorporatie Verzonnen Wonen (demo)"  # consulent
POLITIE = "Politie Eenheid Voorbeeld (demo)"  # wijkagent
WIJKTEAM = "Wijkteam Voorbeeldwijk (demo)"  # wijkteam
STREET = "Kennisstraat"
CUSTOM_TYPE = "nk-adresgesprek"  # an address-level type without an activity: the casusoverleg's

ADDRESS_READERS = ("regisseur", "professional", "consulent", "wijkagent", "wijkteam")
PLAN_READERS = (*ADDRESS_READERS, "analist", "bestuurder")
NO_PLAN = ("privacy", "beheerder")
ALL_USERS = (*PLAN_READERS, *NO_PLAN)

#: key -> (intervention type, owner, address, start week)
ADDRESS_LEVEL = {
    "zorg_A1": ("wmo-melding-keukentafel", WIJKTEAM, "A1", 4),  # zorgsignalen
    "politie_A1": ("opiumwet-13b-sluiting", GEMEENTE, "A1", 0),  # politie-informatie
    "corp_A1": ("bw-7-231-ontbinding", CORP1, "A1", 1),  # woonfraude-huurachterstand
    "alg_A1": ("gemeentewet-151d-woonoverlast", GEMEENTE, "A1", 2),  # signalering-leefbaarheid
    "corp_A2": ("bw-7-231-ontbinding", CORP1, "A2", 3),
    "alg_A2": ("gemeentewet-151d-woonoverlast", GEMEENTE, "A2", 5),
    "politie_A3": ("opiumwet-13b-sluiting", GEMEENTE, "A3", 6),
    "default_A3": (CUSTOM_TYPE, GEMEENTE, "A3", 7),  # casusoverleg (type names none)
}
#: key -> (intervention type, owner, level, start week, extra arguments): seen by every plan reader
AREA_LEVEL = {
    "gebied_bitter": ("wbmgp-8-inkomenseis", GEMEENTE, "gebied", 0, {"duration_weeks": 26}),
    "straat_zoet": ("schoon-heel-veilig", GEMEENTE, "straat", 0, {"street": STREET}),
}
ACTIVITY = {
    "zorg_A1": "zorgsignalen",
    "politie_A1": "politie-informatie",
    "corp_A1": "woonfraude-huurachterstand",
    "alg_A1": "signalering-leefbaarheid",
    "corp_A2": "woonfraude-huurachterstand",
    "alg_A2": "signalering-leefbaarheid",
    "politie_A3": "politie-informatie",
    "default_A3": "casusoverleg",
}
COMPARTMENT = {
    "zorgsignalen": "zorg",
    "politie-informatie": "politie",
    "woonfraude-huurachterstand": "corporatie",
    "signalering-leefbaarheid": "algemeen",
    "casusoverleg": "algemeen",
}
FLAG_LABEL = {
    "zorg": "Zorginterventie gepland",
    "politie": "Interventie met politie-informatie gepland",
    "corporatie": "Interventie met gegevens van de corporatie gepland",
    "algemeen": "Interventie op adresniveau gepland",
}

# The register of this world (signals and cases below):
#   A1: overlast (gemeente), zorgsignaal (wijkteam), hennep (politie); case under casusoverleg with
#       gemeente, corporation 1 and wijkteam taking part; A1 has a care signal.
#   A2: overlast (gemeente), huurachterstand (corporation 2); case under woonfraude-huurachterstand
#       with gemeente and corporation 2.
#   A3: overlast (gemeente), hennep (politie); case under politie-informatie with gemeente and politie.
EXPECTED_REGISTER = {
    "regisseur": {"A1", "A2", "A3"},  # area grant for the leefbaarheid signals
    "professional": {"A1"},  # takes part in the casusoverleg case at A1
    "consulent": {"A2"},  # its own huurachterstand signal
    "wijkagent": {"A1", "A3"},  # its own hennep signals
    "wijkteam": {"A1"},  # its own care signal
}
#: In full: the owner, or a grant for the activity (or one readable under it through the reuse decision
#: leefbaarheid -> casusoverleg) that covers the buurt; a participation grant only where the
#: organisation takes part in a case at the address opened under the grant's own activity.
EXPECTED_FULL = {
    # owner of the gemeente's ones; area grants for leefbaarheid/casusoverleg; its participation (read)
    # grant for woonfraude opens corp_A2 through the woonfraude case at A2, not corp_A1 (casusoverleg case)
    "regisseur": {"politie_A1", "alg_A1", "corp_A2", "alg_A2", "politie_A3", "default_A3"},
    # owner of both ontbindingen; alg_A1 through the casusoverleg case at A1 and the reuse decision
    "professional": {"corp_A1", "alg_A1", "corp_A2"},
    # the woonfraude case at A2 opens the corporation's data there, not the general alg_A2
    "consulent": {"corp_A2"},
    # the politie-informatie case at A3 opens politie_A3; no police case at A1, no casusoverleg at A3
    "wijkagent": {"politie_A3"},
    # owner of the care intervention; alg_A1 through the casusoverleg case at A1
    "wijkteam": {"zorg_A1", "alg_A1"},
    "analist": set(),
    "bestuurder": set(),
}
#: As a flag: not in full, at an address the register shows the user (and only with the permission).
EXPECTED_FLAGGED = {
    "regisseur": {"zorg_A1", "corp_A1"},
    "professional": {"zorg_A1", "politie_A1"},
    "consulent": {"alg_A2"},
    "wijkagent": {"zorg_A1", "politie_A1", "corp_A1", "alg_A1", "default_A3"},
    "wijkteam": {"politie_A1", "corp_A1"},
    "analist": set(),
    "bestuurder": set(),
}
ZUUR_AT_A1 = ("politie_A1", "corp_A1", "alg_A1")  # each starts before the care offer zorg_A1 (week 5)


def _redacted_warning() -> str:
    with override("nl"):
        return gettext("This warning concerns address-level interventions you may not see in full.")


def _redacted_conflict() -> str:
    with override("nl"):
        return gettext("This conflict concerns address-level interventions you may not see in full.")


def title(key: str) -> str:
    return f"NKT-{key}"


def exit_marker(key: str) -> str:
    return f"NKX-{key}"


ALL_KEYS = (*ADDRESS_LEVEL, *AREA_LEVEL)
ALL_MARKERS = {title(k) for k in ALL_KEYS} | {exit_marker(k) for k in ALL_KEYS}
SIGNAL_TEXT = "NKS-signaalinhoud"


def full_keys(username: str) -> set[str]:
    """Everything a role sees in full: its address-level share and, for plan readers, the area level."""
    if username not in PLAN_READERS:
        return set()
    return EXPECTED_FULL[username] | set(AREA_LEVEL)


def not_full(username: str) -> set[str]:
    return set(ADDRESS_LEVEL) - EXPECTED_FULL.get(username, set())


def hidden_keys(username: str) -> set[str]:
    return not_full(username) - EXPECTED_FLAGGED.get(username, set())


# --- the world --------------------------------------------------------------------------------------


@dataclass
class NkWorld:
    users: dict
    org: dict
    approach: object
    addresses: dict
    ivs: dict
    types: dict
    run: object = None

    def ref(self, key: str) -> str:
        return self.ivs[key].ref

    def refs(self, keys) -> set[str]:
        return {self.ivs[k].ref for k in keys}

    def key(self, ref: str) -> str:
        return next(k for k, iv in self.ivs.items() if iv.ref == ref)

    def label(self, address_key: str) -> str:
        return self.addresses[address_key].label

    def address_of(self, key: str) -> str:
        return ADDRESS_LEVEL[key][2]

    def owner_name(self, key: str) -> str:
        return ADDRESS_LEVEL[key][1]

    def type_of(self, key: str) -> InterventionType:
        spec = ADDRESS_LEVEL.get(key) or AREA_LEVEL[key]
        return self.types[spec[0]]


def _address(number: int) -> Address:
    return Address.objects.create(
        bag_nummeraanduiding_id=f"03632000077{number:05d}",
        street=STREET,
        house_number=number,
        postcode="1064XB",
        city="Amsterdam",
        buurt_code="BU0363FD04",
    )


@pytest.fixture
def nk_world(demo_users) -> NkWorld:
    covenant = covenant_setup()
    services.catalogue_seed()
    org = {o.name: o for o in Organisation.objects.all()}
    kinds = {k.code: k for k in SignalKind.objects.select_related("activity")}
    activity = {a.code: a for a in ProcessingActivity.objects.all()}
    today = timezone.localdate()
    addresses = {f"A{n}": _address(n) for n in (1, 2, 3)}
    for address, kind, source in (
        ("A1", "overlast", GEMEENTE),
        ("A1", "zorgsignaal", WIJKTEAM),
        ("A1", "hennep-drugs", POLITIE),
        ("A2", "overlast", GEMEENTE),
        ("A2", "huurachterstand", CORP2),
        ("A3", "overlast", GEMEENTE),
        ("A3", "hennep-drugs", POLITIE),
    ):
        Signal.objects.create(
            address=addresses[address],
            kind=kinds[kind],
            activity=kinds[kind].activity,
            source_organisation=org[source],
            observed_on=today - timedelta(days=3),
            description=SIGNAL_TEXT,
        )
    for address, code, partners in (
        ("A1", "casusoverleg", (GEMEENTE, CORP1, WIJKTEAM)),
        ("A2", "woonfraude-huurachterstand", (GEMEENTE, CORP2)),
        ("A3", "politie-informatie", (GEMEENTE, POLITIE)),
    ):
        case = Case.objects.create(
            address=addresses[address],
            activity=activity[code],
            regie_organisation=org[GEMEENTE],
            summary="NK-casus",
            opened_by=demo_users["regisseur"],
        )
        for name in partners:
            CaseParticipant.objects.create(case=case, organisation=org[name])
    InterventionType.objects.create(
        code=CUSTOM_TYPE,
        name="NK-typenaam adresgesprek",
        flavour="bitter",
        law="NK-wet",
        article="art. 1",
        typical_duration_weeks=4,
        default_degree=1,
        owner_kind="gemeente",
        levels=["adres"],
        activity_code="",
    )
    area = Area.objects.get_or_create(
        code="BU0363FD04",
        defaults={"level": AreaLevel.BUURT, "name": "Dobbebuurt", "gemeente_code": "GM0363"},
    )[0]
    regisseur = demo_users["regisseur"]
    approach = services.approach_create(
        actor=regisseur,
        area=area,
        name="Need-to-know-aanpak",
        start_date=date(2026, 1, 5),
        horizon_weeks=30,
        partners=[(org[name], 100) for name in (GEMEENTE, CORP1, CORP2, POLITIE, WIJKTEAM)],
        covenant=covenant,
    )
    approach.flavour_diagnosis = {"zuur": 2, "zout": 2, "zoet": 1, "bitter": 1}
    approach.save()
    types = {t.code: t for t in InterventionType.objects.all()}
    ivs = {}
    for key, (code, owner, address, start) in ADDRESS_LEVEL.items():
        ivs[key] = services.intervention_add(
            actor=regisseur,
            approach=approach,
            intervention_type=types[code],
            owner=org[owner],
            level="adres",
            address=addresses[address],
            start_week=start,
            coordinator=org[GEMEENTE],
            status="gepland",
            title=title(key),
            exit_criteria=exit_marker(key),
        )
    for key, (code, owner, level, start, extra) in AREA_LEVEL.items():
        ivs[key] = services.intervention_add(
            actor=regisseur,
            approach=approach,
            intervention_type=types[code],
            owner=org[owner],
            level=level,
            start_week=start,
            status="gepland",
            title=title(key),
            exit_criteria=exit_marker(key),
            **extra,
        )
    return NkWorld(users=demo_users, org=org, approach=approach, addresses=addresses, ivs=ivs, types=types)


def _client(w: NkWorld, username: str) -> Client:
    client = Client()
    client.force_login(w.users[username])
    return client


# --- a small DOM for reading pages -------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict
    children: list = field(default_factory=list)

    def text(self) -> str:
        parts = []
        for child in self.children:
            parts.append(child if isinstance(child, str) else child.text())
        return " ".join(" ".join(parts).split())

    def all(self, tag: str | None = None, **attrs) -> list[Node]:
        out = []
        for child in self.children:
            if isinstance(child, Node):
                if (tag is None or child.tag == tag) and all(
                    child.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items()
                ):
                    out.append(child)
                out.extend(child.all(tag, **attrs))
        return out

    def one(self, tag: str | None = None, **attrs) -> Node | None:
        found = self.all(tag, **attrs)
        assert len(found) <= 1, f"{len(found)} <{tag} {attrs}>"
        return found[0] if found else None


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def dom(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def table_refs(root: Node) -> set[str]:
    """The refs in the interventions table(s): the interventions shown in full."""
    out = set()
    for table in root.all("table", data_testid="interventions"):
        out |= {tr.attrs["id"][3:] for tr in table.all("tr") if tr.attrs.get("id", "").startswith("iv-")}
    return out


def flag_rows(root: Node) -> list[tuple]:
    rows = []
    for table in root.all("table", data_testid="flags"):
        for tr in table.all("tr"):
            if "data-compartment" in tr.attrs:
                rows.append((tr.attrs["data-compartment"], *(td.text() for td in tr.all("td"))))
    return sorted(rows)


def svg_refs(node: Node) -> set[str]:
    return {rect.attrs["data-ref"] for rect in node.all("rect") if "data-ref" in rect.attrs}


def lane_labels(node: Node) -> list[str]:
    return [t.text() for t in node.all("text") if "sm-tl-label" in t.attrs.get("class", "")]


def markers_in(text: str) -> set[str]:
    return {m for m in ALL_MARKERS if m in text}


def without_add_form(html: str) -> str:
    """The page without the regisseur's add-intervention form (it lists the whole catalogue and every
    address the register shows the regisseur: its choices, not the plan)."""
    return re.sub(r'<form[^>]*data-testid="add-intervention".*?</form>', "", html, flags=re.S)


def forbidden_words(w: NkWorld, username: str) -> set[str]:
    """Type names, legal instruments and laws of what this role must not see in full, unless a type it
    does see in full has the same (e.g. the regisseur sees one of the two ontbindingen in full)."""
    words = lambda keys: {  # noqa: E731
        s for k in keys for s in (w.type_of(k).name, w.type_of(k).legal_instrument, w.type_of(k).law)
    }
    return words(not_full(username)) - words(full_keys(username))


def expected_flag_rows(w: NkWorld, username: str, *, with_address: bool, at: str | None = None) -> list:
    rows = []
    for key in EXPECTED_FLAGGED.get(username, set()):
        if at is not None and w.address_of(key) != at:
            continue
        compartment = COMPARTMENT[ACTIVITY[key]]
        cells = (FLAG_LABEL[compartment], w.owner_name(key), str(ADDRESS_LEVEL[key][3] + 1))
        rows.append(
            (compartment, w.label(w.address_of(key)), *cells) if with_address else (compartment, *cells)
        )
    return sorted(rows)


def expected_zout_bij_zuur(w: NkWorld, username: str) -> list[tuple]:
    """The three zout-bij-zuur warnings at A1 (each Zuur measure starts before the care offer): in the
    clear only for who sees both interventions in full; else redacted, without the hidden references."""
    full = full_keys(username)
    out = []
    for zuur in ZUUR_AT_A1:
        involved = {zuur, "zorg_A1"}
        out.append((tuple(sorted(w.refs(involved & full))), not involved <= full))
    return sorted(out)


# --- the world is what the expectations assume -------------------------------------------------------


@pytest.mark.parametrize("username", ADDRESS_READERS)
def test_register_and_queryset_follow_the_covenant(nk_world, username):
    w = nk_world
    user = w.users[username]
    by_pk = {a.pk: k for k, a in w.addresses.items()}
    visible = {
        by_pk[pk] for pk in Address.objects.visible_to(user).values_list("pk", flat=True) if pk in by_pk
    }
    assert visible == EXPECTED_REGISTER[username]
    shown = {w.key(ref) for ref in PlanIntervention.objects.visible_to(user).values_list("ref", flat=True)}
    assert shown == EXPECTED_FULL[username] | set(AREA_LEVEL)
    # every flag sits at an address the register shows, every other non-full one at one it does not
    for key in not_full(username):
        assert (key in EXPECTED_FLAGGED[username]) == (w.address_of(key) in EXPECTED_REGISTER[username])


@pytest.mark.parametrize("username", ("analist", "bestuurder", *NO_PLAN))
def test_queryset_without_address_permission_holds_the_area_level_only(nk_world, username):
    w = nk_world
    shown = {
        w.key(r) for r in PlanIntervention.objects.visible_to(w.users[username]).values_list("ref", flat=True)
    }
    assert shown == (set(AREA_LEVEL) if username in PLAN_READERS else set())


# --- pages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", PLAN_READERS)
def test_approach_page_full_flag_or_nothing(nk_world, username):
    w = nk_world
    response = _client(w, username).get(reverse("plans:approach", args=[w.approach.uuid]))
    assert response.status_code == 200
    html = response.content.decode()
    root = dom(html)
    full = full_keys(username)
    assert table_refs(root) == w.refs(full)
    assert flag_rows(root) == expected_flag_rows(w, username, with_address=True)
    assert markers_in(html) == {title(k) for k in full} | {exit_marker(k) for k in full}
    assert SIGNAL_TEXT not in html
    plan_part = without_add_form(html)
    shown_addresses = {w.address_of(k) for k in EXPECTED_FULL[username] | EXPECTED_FLAGGED[username]}
    assert {a for a in w.addresses if w.label(a) in plan_part} == shown_addresses
    leaked = {word for word in forbidden_words(w, username) if word in plan_part}
    assert not leaked, leaked
    if username != "regisseur":  # only the regisseur has the form
        assert plan_part == html
    # the addresses' opaque keys of the system view never reach a page
    assert not {pk for pk in (a.pk for a in w.addresses.values()) if f"#{pk}" in plan_part}


@pytest.mark.parametrize("username", PLAN_READERS)
def test_approach_timeline_draws_only_what_is_shown_in_full(nk_world, username):
    w = nk_world
    html = _client(w, username).get(reverse("plans:approach", args=[w.approach.uuid])).content.decode()
    timeline = dom(html).one("div", data_testid="timeline")
    assert svg_refs(timeline) == w.refs(full_keys(username))
    svg = str(timeline.text())
    assert {m for m in markers_in(svg)} == {title(k) for k in full_keys(username)}  # bar tooltips
    # every intervention not shown in full is only counted in its lane
    hidden = Counter(w.ivs[k].flavour for k in not_full(username))
    expected = []
    for flavour, label in (("zoet", "Zoet"), ("zuur", "Zuur"), ("zout", "Zout"), ("bitter", "Bitter")):
        expected.append(f"{label} (+{hidden[flavour]})" if hidden[flavour] else label)
    assert lane_labels(timeline) == expected


@pytest.mark.parametrize("username", PLAN_READERS)
def test_approach_page_warnings_are_redacted(nk_world, username):
    w = nk_world
    html = _client(w, username).get(reverse("plans:approach", args=[w.approach.uuid])).content.decode()
    rows = []
    for div in dom(html).all("div", data_testid="warning"):
        paragraphs = div.all("p")
        message = paragraphs[1].text()
        refs = tuple(sorted(a.text() for a in div.all("a")))
        assert set(refs) <= w.refs(full_keys(username))
        assert markers_in(message) <= {title(k) for k in full_keys(username)}
        if div.attrs["data-rule"] == "zout-bij-zuur":
            redacted = message == _redacted_warning()
            if not redacted:  # in the clear: names the Zuur measure and the address by its label
                assert {w.key(r) for r in refs} == {"alg_A1", "zorg_A1"}
                assert title("alg_A1") in message
                assert w.label("A1").split(",")[0] in message
            rows.append((refs, redacted))
    assert sorted(rows) == expected_zout_bij_zuur(w, username)


@pytest.mark.parametrize("username", ALL_USERS)
def test_addresses_page(nk_world, username):
    w = nk_world
    response = _client(w, username).get(reverse("plans:addresses", args=[w.approach.uuid]))
    if username not in ADDRESS_READERS:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    html = response.content.decode()
    table = dom(html).one("table", data_testid="addresses")
    got = {}
    for tr in table.all("tr"):
        cells = tr.all("td")
        if len(cells) != 3:
            continue
        flags = sorted(
            (span.attrs["data-compartment"], span.text()) for span in cells[1].all("span", data_testid="flag")
        )
        got[cells[0].text()] = (markers_in(cells[1].text()), flags, cells[2].text())
    expected = {}
    for a in EXPECTED_REGISTER[username] | {w.address_of(k) for k in EXPECTED_FULL[username]}:
        full = {title(k) for k in EXPECTED_FULL[username] if w.address_of(k) == a}
        flags = sorted(
            (
                COMPARTMENT[ACTIVITY[k]],
                f"{FLAG_LABEL[COMPARTMENT[ACTIVITY[k]]]} ({w.owner_name(k)}, week {ADDRESS_LEVEL[k][3] + 1})",
            )
            for k in EXPECTED_FLAGGED[username]
            if w.address_of(k) == a
        )
        expected[w.label(a)] = (full, flags, "Zorgsignaal aanwezig" if a == "A1" else "—")
    assert got == expected
    assert markers_in(html) == {title(k) for k in EXPECTED_FULL[username]}
    leaked = {word for word in forbidden_words(w, username) if word in html}
    assert not leaked, leaked


@pytest.mark.parametrize("username", ALL_USERS)
@pytest.mark.parametrize("address", ("A1", "A2", "A3"))
def test_address_page(nk_world, username, address):
    w = nk_world
    response = _client(w, username).get(
        reverse("plans:address", args=[w.approach.uuid, w.addresses[address].uuid])
    )
    if username not in ADDRESS_READERS:
        assert response.status_code == 403
        return
    full = {k for k in EXPECTED_FULL[username] if w.address_of(k) == address}
    flagged = {k for k in EXPECTED_FLAGGED[username] if w.address_of(k) == address}
    if not full and not flagged:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    html = response.content.decode()
    root = dom(html)
    assert table_refs(root) == w.refs(full)
    assert flag_rows(root) == expected_flag_rows(w, username, with_address=False, at=address)
    assert svg_refs(root) == w.refs(full)
    assert markers_in(html) == {title(k) for k in full} | {exit_marker(k) for k in full}
    leaked = {word for word in forbidden_words(w, username) if word in html}
    assert not leaked, leaked


# --- API ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ALL_USERS)
def test_api_interventions_and_flags(nk_world, username):
    w = nk_world
    client = _client(w, username)
    base = f"/api/v1/plans/{w.approach.uuid}"
    listed = client.get(f"{base}/interventions")
    flags = client.get(f"{base}/intervention-flags")
    if username in NO_PLAN:
        assert (listed.status_code, flags.status_code) == (403, 403)
        return
    assert (listed.status_code, flags.status_code) == (200, 200)
    rows = listed.json()["results"]
    assert {r["ref"] for r in rows} == w.refs(full_keys(username))
    for row in rows:
        key = w.key(row["ref"])
        assert (row["title"], row["exit_criteria"], row["legal_instrument"]) == (
            title(key),
            exit_marker(key),
            w.type_of(key).legal_instrument,
        )
    assert markers_in(listed.content.decode()) == {title(k) for k in full_keys(username)} | {
        exit_marker(k) for k in full_keys(username)
    }
    data = flags.json()["results"]
    assert all(set(f) == {"address", "compartment", "label", "owner", "start_week"} for f in data)
    got = sorted((f["address"], f["compartment"], f["label"], f["owner"], f["start_week"]) for f in data)
    expected = sorted(
        (
            str(w.addresses[w.address_of(k)].uuid),
            COMPARTMENT[ACTIVITY[k]],
            FLAG_LABEL[COMPARTMENT[ACTIVITY[k]]],
            w.owner_name(k),
            ADDRESS_LEVEL[k][3],
        )
        for k in EXPECTED_FLAGGED[username]
    )
    assert got == expected
    body = flags.content.decode()
    assert not markers_in(body)
    leaked = {word for word in forbidden_words(w, username) | set(w.types) if word in body}
    assert not leaked, leaked


@pytest.mark.parametrize("username", ALL_USERS)
def test_api_warnings(nk_world, username):
    w = nk_world
    response = _client(w, username).get(f"/api/v1/plans/{w.approach.uuid}/warnings")
    if username in NO_PLAN:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    data = response.json()
    assert data["hidden_interventions"] == len(not_full(username))
    full_refs = w.refs(full_keys(username))
    rows = []
    for warning in data["warnings"]:
        assert set(warning["refs"]) <= full_refs
        assert markers_in(warning["message"]) <= {title(k) for k in full_keys(username)}
        if warning["redacted"]:
            assert warning["message"] == _redacted_warning()
        if warning["rule_id"] == "zout-bij-zuur":
            rows.append((tuple(sorted(warning["refs"])), warning["redacted"]))
            if not warning["redacted"]:
                assert title("alg_A1") in warning["message"]
                assert w.label("A1") in warning["message"]
                assert f"#{w.addresses['A1'].pk}" not in warning["message"]
    assert sorted(rows) == expected_zout_bij_zuur(w, username)
    assert markers_in(response.content.decode()) <= {title(k) for k in full_keys(username)}


# --- scheduler runs --------------------------------------------------------------------------------


@pytest.fixture
def nk_run(nk_world) -> NkWorld:
    w = nk_world
    run = services.run_create(actor=w.users["regisseur"], approach=w.approach, time_limit_s=3)
    w.run = services.run_execute(run_id=run.pk)
    assert w.run.has_proposal, w.run.message
    assert set(w.run.proposed_starts) == w.refs(ALL_KEYS)  # the scheduler plans the whole plan
    return w


@pytest.mark.parametrize("username", ALL_USERS)
def test_run_page_and_api_propose_only_what_is_shown_in_full(nk_run, username):
    w = nk_run
    client = _client(w, username)
    api = client.get(f"/api/v1/plans/{w.approach.uuid}/runs/{w.run.uuid}")
    page = client.get(reverse("plans:run", args=[w.approach.uuid, w.run.uuid]))
    if username in NO_PLAN:
        assert (api.status_code, page.status_code) == (403, 403)
        return
    assert (api.status_code, page.status_code) == (200, 200)
    full_refs = w.refs(full_keys(username))
    assert set(api.json()["proposed_starts"]) == full_refs
    assert {r: s for r, s in api.json()["proposed_starts"].items()} == {
        r: s for r, s in w.run.proposed_starts.items() if r in full_refs
    }
    assert not markers_in(api.content.decode())
    html = page.content.decode()
    root = dom(html)
    changes = root.one("table", data_testid="changes")
    assert {tr.all("td")[0].text() for tr in changes.all("tr") if tr.all("td")} == full_refs
    assert svg_refs(root.one("div", data_testid="proposal")) == full_refs
    assert svg_refs(root) == full_refs
    assert markers_in(html) == {title(k) for k in full_keys(username)}
    leaked = {word for word in forbidden_words(w, username) if word in html}
    assert not leaked, leaked


def _make_infeasible(w: NkWorld) -> None:
    """Care at A1 can only start in week 11, but the Opiumwet closure there (12 weeks) must be done by
    week 13: with zout-bij-zuur (care no later than the closure) no schedule exists."""
    PlanIntervention.objects.filter(pk=w.ivs["zorg_A1"].pk).update(release_week=10)
    PlanIntervention.objects.filter(pk=w.ivs["politie_A1"].pk).update(due_week=12)


def _address_keys_in(w: NkWorld, text: str) -> set[str]:
    """The system view's opaque address keys (``#<id>``) found in a text."""
    return {k for k, a in w.addresses.items() if re.search(rf"#{a.pk}\b", text)}


@pytest.mark.parametrize("username", PLAN_READERS)
def test_infeasible_run_names_conflicts_only_to_who_sees_them(nk_world, username):
    """The conflicts name the police closure and the care offer at A1; nobody sees both in full. Their
    text, and the run's message built from it, are for who sees every intervention involved."""
    w = nk_world
    _make_infeasible(w)
    run = services.run_create(actor=w.users["regisseur"], approach=w.approach, time_limit_s=3)
    run = services.run_execute(run_id=run.pk)
    assert run.solver_status == "INFEASIBLE" and run.conflicts
    assert {"zorg_A1", "politie_A1"} <= {w.key(r) for c in run.conflicts for r in c["intervention_ids"]}
    client = _client(w, username)
    response = client.get(f"/api/v1/plans/{w.approach.uuid}/runs/{run.uuid}")
    data = response.json()
    for conflict in data["run"]["conflicts"]:
        assert {w.key(r) for r in conflict["intervention_ids"]} <= full_keys(username)
        assert conflict["redacted"] == (
            not {
                w.key(r)
                for r in next(c for c in run.conflicts if c["group"] == conflict["group"])["intervention_ids"]
            }
            <= full_keys(username)
        )
        if conflict["redacted"]:
            assert conflict["message"] == _redacted_conflict()
    assert data["proposed_starts"] == {}
    html = client.get(reverse("plans:run", args=[w.approach.uuid, run.uuid])).content.decode()
    assert len(dom(html).one("ul", data_testid="conflicts").all("li")) == len(run.conflicts)
    allowed = {title(k) for k in full_keys(username)}
    problems = []
    for where, text in (
        ("API run.message", data["run"]["message"]),
        ("API body", response.content.decode()),
        ("run page", html),
    ):
        if markers_in(text) - allowed:
            problems.append(f"{where} shows {sorted(markers_in(text) - allowed)}")
        if _address_keys_in(w, text):
            problems.append(f"{where} shows the address key of {sorted(_address_keys_in(w, text))}")
    assert not problems, f"{username}: " + "; ".join(problems)


def test_cli_schedule_of_an_infeasible_plan_shows_no_address_level_content(nk_world):
    """``smaakmaker plans schedule`` prints what a plan reader without grants sees: conflicts about
    address-level interventions without their text, and no address anywhere."""
    w = nk_world
    _make_infeasible(w)
    out = StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("plans", "schedule", "Need-to-know-aanpak", "--time-limit", "3", stdout=out)
    assert exc.value.code == 2  # infeasible
    flat = " ".join(out.getvalue().split())
    assert flat.count("- conflict: " + _redacted_conflict()) == 3
    leaked = markers_in(flat) - {title(k) for k in AREA_LEVEL}
    assert not leaked and not _address_keys_in(w, flat), (sorted(leaked), _address_keys_in(w, flat), flat)


# --- writes on hidden interventions ---------------------------------------------------------------

BODIES = ({}, {"status": "nonsense"}, {"status": "lopend"}, {"status": "lopend", "note": "x" * 600})


def _comparable(content: bytes, *parts: str) -> bytes:
    for part in parts:
        content = content.replace(part.encode(), b"X")
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"csrf", content)


#: (user, intervention it does not see in full): flagged for the first two, not even flagged for the rest
HIDDEN_WRITES = (
    ("regisseur", "zorg_A1"),
    ("regisseur", "corp_A1"),
    ("wijkagent", "politie_A1"),
    ("consulent", "zorg_A1"),
    ("professional", "alg_A2"),
    ("wijkteam", "politie_A3"),
)


@pytest.mark.parametrize(("username", "key"), HIDDEN_WRITES)
def test_status_change_of_hidden_intervention_answers_404_like_an_absent_one(nk_world, username, key):
    w = nk_world
    assert key in not_full(username)
    client = _client(w, username)
    iv = w.ivs[key]
    events = InterventionEvent.objects.filter(intervention=iv).count()
    audits = AuditRecord.objects.filter(action="plan.intervention.status").count()
    api = lambda ref: f"/api/v1/plans/{w.approach.uuid}/interventions/{ref}/status"  # noqa: E731
    page = lambda ref: reverse("plans:status", args=[w.approach.uuid, ref])  # noqa: E731
    for body in BODIES:
        hidden = client.post(api(iv.ref), body, content_type="application/json")
        absent = client.post(api("I-999"), body, content_type="application/json")
        assert (hidden.status_code, absent.status_code) == (404, 404), body
        # the problem document names the requested path ("instance"): equal but for the ref asked for
        assert _comparable(hidden.content, api(iv.ref)) == _comparable(absent.content, api("I-999")), body
        assert hidden.json()["instance"] == api(iv.ref)
        hidden = client.post(page(iv.ref), body)
        absent = client.post(page("I-999"), body)
        assert (hidden.status_code, absent.status_code) == (404, 404), body
        assert _comparable(hidden.content, page(iv.ref)) == _comparable(absent.content, page("I-999")), body
        assert not markers_in(hidden.content.decode())
    iv.refresh_from_db()
    assert iv.status == "gepland"
    assert InterventionEvent.objects.filter(intervention=iv).count() == events
    assert AuditRecord.objects.filter(action="plan.intervention.status").count() == audits


def test_status_change_of_an_intervention_shown_in_full_is_judged_on_its_body(nk_world):
    """The counterpart: what a user sees in full is validated (400), refused when not its own (403) and
    changed when it is (200)."""
    w = nk_world
    wijkteam = _client(w, "wijkteam")
    url = lambda key: f"/api/v1/plans/{w.approach.uuid}/interventions/{w.ref(key)}/status"  # noqa: E731
    assert (
        wijkteam.post(url("zorg_A1"), {"status": "nonsense"}, content_type="application/json").status_code
        == 400
    )
    assert (
        wijkteam.post(url("alg_A1"), {"status": "lopend"}, content_type="application/json").status_code == 403
    )
    done = wijkteam.post(url("zorg_A1"), {"status": "lopend"}, content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "lopend"
    assert done.json()["title"] == title("zorg_A1")


@pytest.mark.parametrize("key", ("zorg_A1", "corp_A1"))
def test_edit_page_of_hidden_intervention_answers_404(nk_world, key):
    w = nk_world
    reg = _client(w, "regisseur")
    url = lambda ref: reverse("plans:intervention_edit", args=[w.approach.uuid, ref])  # noqa: E731
    hidden = reg.get(url(w.ref(key)))
    absent = reg.get(url("I-999"))
    assert (hidden.status_code, absent.status_code) == (404, 404)
    assert _comparable(hidden.content, url(w.ref(key))) == _comparable(absent.content, url("I-999"))
    posted = reg.post(url(w.ref(key)), {"title": "overschreven", "exit_criteria": "x"})
    assert posted.status_code == 404
    w.ivs[key].refresh_from_db()
    assert (w.ivs[key].title, w.ivs[key].exit_criteria) == (title(key), exit_marker(key))
    shown = reg.get(url(w.ref("politie_A1")))  # the gemeente's own: the regisseur edits it
    assert shown.status_code == 200 and exit_marker("politie_A1") in shown.content.decode()
    assert not markers_in(shown.content.decode()) - {title("politie_A1"), exit_marker("politie_A1")}
    # a role without the edit permission gets 403 for every reference, hidden, own or absent alike
    pro = _client(w, "professional")
    assert {pro.get(url(r)).status_code for r in (w.ref(key), w.ref("corp_A1"), "I-999")} == {403}


# --- the command line -------------------------------------------------------------------------------


def test_cli_check_shows_no_address_level_content(nk_world):
    w = nk_world
    out = StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("plans", "check", "Need-to-know-aanpak", stdout=out)
    assert exc.value.code == 1  # zout-bij-zuur is a hard rule
    text = out.getvalue()
    flat = " ".join(text.split())
    assert flat.count("zout-bij-zuur") == 3
    assert markers_in(text) <= {title(k) for k in AREA_LEVEL} and not markers_in(flat) - {
        title(k) for k in AREA_LEVEL
    }
    words = {
        s for k in ADDRESS_LEVEL for s in (w.type_of(k).name, w.type_of(k).legal_instrument, w.type_of(k).law)
    }
    words |= {w.label(a) for a in w.addresses} | {f"{STREET} {n}" for n in (1, 2, 3)}
    leaked = {word for word in words if word in flat}
    assert not leaked, leaked
    assert not [a for a in w.addresses.values() if re.search(rf"#{a.pk}\b", flat)]
    assert not {w.ref(k) for k in ADDRESS_LEVEL if re.search(rf"\b{w.ref(k)}\b", flat)}


# --- the processing log -----------------------------------------------------------------------------


def _log_id() -> int:
    last = ProcessingLogRecord.objects.order_by("-id").first()
    return last.id if last else 0


def _logged(username: str, since: int, name: str | None = None) -> set[tuple[str, str]]:
    rows = ProcessingLogRecord.objects.filter(
        id__gt=since, audit_hash__in=AuditRecord.objects.filter(actor=username).values("hash")
    )
    if name is not None:
        rows = rows.filter(name=name)
    return set(rows.values_list("activity_id", "data_subject_id"))


def expected_log(w: NkWorld, username: str, shows: str = "both") -> set[tuple[str, str]]:
    """What a read of the plan logs: per address the activity of each intervention shown in full, and
    for an address shown only with flags the bare fact ('-'). ``shows``: what the surface shows, both
    (pages), the interventions in full only (API interventions) or the flags only (API flags)."""
    subject = lambda a: pseudonym("address", str(w.addresses[a].uuid))  # noqa: E731
    full_keys_ = EXPECTED_FULL.get(username, set()) if shows != "flags" else set()
    flag_keys = EXPECTED_FLAGGED.get(username, set()) if shows != "full" else set()
    full = {(ACTIVITY[k], subject(w.address_of(k))) for k in full_keys_}
    full_addresses = {w.address_of(k) for k in full_keys_}
    flags = {("-", subject(w.address_of(k))) for k in flag_keys}
    return full | {f for f in flags if f[1] not in {subject(a) for a in full_addresses}}


#: What each read shows (the API pages its two lists apart and logs only what a page shows).
SHOWS = {"API interventions": "full", "API flags": "flags"}


READS = {
    "approach page": lambda w: reverse("plans:approach", args=[w.approach.uuid]),
    "addresses page": lambda w: reverse("plans:addresses", args=[w.approach.uuid]),
    "API interventions": lambda w: f"/api/v1/plans/{w.approach.uuid}/interventions",
    "API flags": lambda w: f"/api/v1/plans/{w.approach.uuid}/intervention-flags",
    "API warnings": lambda w: f"/api/v1/plans/{w.approach.uuid}/warnings",
}


@pytest.mark.parametrize(
    ("username", "read"),
    # the addresses page answers 403 without address-level interventions (test_addresses_page)
    [(u, r) for u in PLAN_READERS for r in READS if r != "addresses page" or u in ADDRESS_READERS],
)
def test_processing_log_records_only_what_was_shown_in_full(nk_world, username, read):
    w = nk_world
    before = _log_id()
    response = _client(w, username).get(READS[read](w))
    assert response.status_code == 200
    assert _logged(username, before, name="plan.addresses.read") == expected_log(
        w, username, SHOWS.get(read, "both")
    )


def test_processing_log_police_and_care(nk_world):
    """The brief's two cases spelled out: the wijkagent's read of the approach page logs nothing of the
    care or corporation compartments; the wijkteam's exactly what it sees in full."""
    w = nk_world
    before = _log_id()
    assert _client(w, "wijkagent").get(reverse("plans:approach", args=[w.approach.uuid])).status_code == 200
    police = {activity for activity, _subject in _logged("wijkagent", before)}
    assert not police & {"zorgsignalen", "woonfraude-huurachterstand"}
    assert police == {"politie-informatie", "-"}
    before = _log_id()
    assert _client(w, "wijkteam").get(reverse("plans:approach", args=[w.approach.uuid])).status_code == 200
    care = {activity for activity, _subject in _logged("wijkteam", before)}
    assert care == {"zorgsignalen", "signalering-leefbaarheid"}


# --- organisation-bound API tokens ------------------------------------------------------------------


def test_token_organisation_decides_what_is_shown(nk_world):
    """A professional with memberships of corporation 1 and the wijkteam: a browser session acts for
    both, a token for its one organisation only."""
    from smaakmaker.access.services import api_token_create, membership_create, user_create

    w = nk_world
    user = user_create(
        username="tweepet",
        password=None,
        roles=["partner-professional"],
        organisation=w.org[CORP1],
    )
    membership_create(user=user, organisation=w.org[WIJKTEAM])
    expected = {
        "session": ({"zorg_A1", "corp_A1", "alg_A1", "corp_A2"}, {"politie_A1"}),
        CORP1: (EXPECTED_FULL["professional"], EXPECTED_FLAGGED["professional"]),
        WIJKTEAM: (EXPECTED_FULL["wijkteam"], EXPECTED_FLAGGED["wijkteam"]),
    }
    clients = {"session": Client()}
    clients["session"].force_login(user)
    for name in (CORP1, WIJKTEAM):
        _token, secret = api_token_create(name=f"nk-{name}", user=user, organisation=w.org[name])
        clients[name] = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    base = f"/api/v1/plans/{w.approach.uuid}"
    for who, client in clients.items():
        full, flagged = expected[who]
        before = _log_id()
        listed = client.get(f"{base}/interventions")
        assert listed.status_code == 200, who
        assert {r["ref"] for r in listed.json()["results"]} == w.refs(full | set(AREA_LEVEL)), who
        flags = client.get(f"{base}/intervention-flags").json()["results"]
        assert sorted((f["compartment"], f["owner"]) for f in flags) == sorted(
            (COMPARTMENT[ACTIVITY[k]], w.owner_name(k)) for k in flagged
        ), who
        activities = {a for a, _s in _logged("tweepet", before, name="plan.addresses.read")}
        # the two lists are read apart: the flags' read logs the bare fact ('-') for their addresses
        assert activities == {ACTIVITY[k] for k in full} | ({"-"} if flagged else set()), who
        status_answer = client.post(
            f"{base}/interventions/{w.ref('zorg_A1')}/status",
            {"status": "nonsense"},
            content_type="application/json",
        )
        assert status_answer.status_code == (400 if "zorg_A1" in full else 404), who
    page = clients["session"].get(reverse("plans:approach", args=[w.approach.uuid])).content.decode()
    assert table_refs(dom(page)) == w.refs(expected["session"][0] | set(AREA_LEVEL))


# --- the demo -------------------------------------------------------------------------------------


def _policy_oracle(users):
    """What the covenant of cases/demo.py implies for each demo user, read from its specification
    (activities, grants, reuse decisions) and the demo data, without the querysets under test."""
    from smaakmaker.access.demo import DEMO_USERS
    from smaakmaker.access.models import Membership
    from smaakmaker.cases.demo import ACTIVITIES, BUURT_CODE, REUSE
    from smaakmaker.cases.models import Resident

    readable = {spec["code"]: {spec["code"]} for spec in ACTIVITIES}
    for source, target, *_rest in REUSE:
        readable[target].add(source)
    compartment = {spec["code"]: str(spec["compartment"]) for spec in ACTIVITIES}
    role_of = {d.username: d.role for d in DEMO_USERS}
    address_roles = {"regisseur", "partner-professional"}  # plans.view_address_interventions + register
    code_of = dict(ProcessingActivity.objects.values_list("pk", "code"))
    cases = defaultdict(list)  # address id -> [(activity code, participants, regie)]
    parts = defaultdict(set)
    for case_id, org_id in CaseParticipant.objects.values_list("case_id", "organisation_id"):
        parts[case_id].add(org_id)
    for case in Case.objects.all():
        cases[case.address_id].append((code_of[case.activity_id], parts[case.pk], case.regie_organisation_id))
    signals = defaultdict(list)
    for address_id, activity_id, source in Signal.objects.values_list(
        "address_id", "activity_id", "source_organisation_id"
    ):
        signals[address_id].append((code_of[activity_id], source))
    for address_id, activity_id, source in Resident.objects.values_list(
        "address_id", "activity_id", "source_organisation_id"
    ):
        signals[address_id].append((code_of[activity_id], source))
    assert set(Address.objects.values_list("buurt_code", flat=True)) == {BUURT_CODE}  # the covenant's area

    def grants(username):
        kinds = defaultdict(set)
        for m in Membership.objects.filter(user=users[username]).select_related("organisation"):
            kinds[m.organisation.kind].add(m.organisation_id)
        out = []
        for spec in ACTIVITIES:
            for kind, role, scope, _level in spec["grants"]:
                if role == role_of[username] and kinds.get(kind):
                    out.append((spec["code"], str(scope), kinds[kind]))
        return out, set().union(*kinds.values()) if kinds else set()

    def participates(address_id, activity, orgs):
        return any(code == activity and p & orgs for code, p, _regie in cases[address_id])

    def row_visible(address_id, activity, source, user_grants):
        return any(
            activity in readable[code]
            and (scope == "area" or source in orgs or participates(address_id, code, orgs))
            for code, scope, orgs in user_grants
        )

    def address_visible(address_id, user_grants):
        if any(row_visible(address_id, act, src, user_grants) for act, src in signals[address_id]):
            return True
        return any(
            code in readable[g_code] and (scope == "area" or regie in orgs or p & orgs)
            for code, p, regie in cases[address_id]
            for g_code, scope, orgs in user_grants
        )

    def share(username, iv):
        """'full', 'flag' or 'hidden' for one address-level intervention."""
        if role_of[username] not in address_roles:
            return "hidden"
        user_grants, orgs = grants(username)
        activity = iv.intervention_type.activity_code or "casusoverleg"
        if iv.owner_id in orgs or any(
            activity in readable[code] and (scope == "area" or participates(iv.address_id, code, g_orgs))
            for code, scope, g_orgs in user_grants
        ):
            return "full"
        return "flag" if address_visible(iv.address_id, user_grants) else "hidden"

    return share, compartment, role_of


def test_demo_plan_per_role_and_compartment(demo_users):
    from smaakmaker.access.demo import DEMO_USERS
    from smaakmaker.cases.demo import demo_load as cases_demo
    from smaakmaker.plans.demo import demo_load as plans_demo

    cases_demo()
    approach = plans_demo()
    items = list(
        approach.interventions.filter(address__isnull=False).select_related("intervention_type", "address")
    )
    share, compartment, role_of = _policy_oracle(demo_users)
    compartment_of = {
        iv.ref: compartment[iv.intervention_type.activity_code or "casusoverleg"] for iv in items
    }
    totals = Counter(compartment_of.values())
    compartments = ("algemeen", "corporatie", "politie", "zorg")
    base = f"/api/v1/plans/{approach.uuid}"
    table = {}
    for demo in DEMO_USERS:
        username = demo.username
        expected = Counter((compartment_of[iv.ref], share(username, iv)) for iv in items)
        client = _client_for(demo_users[username])
        listed, flags = client.get(f"{base}/interventions"), client.get(f"{base}/intervention-flags")
        if role_of[username] in ("privacy-officer", "beheerder"):
            assert (listed.status_code, flags.status_code) == (403, 403)
            full_c, flag_c = Counter(), Counter()
        else:
            assert (listed.status_code, flags.status_code) == (200, 200)
            full_c = Counter(compartment_of[r["ref"]] for r in listed.json()["results"] if r["address"])
            flag_c = Counter(f["compartment"] for f in flags.json()["results"])
        for c in compartments:
            got = (full_c[c], flag_c[c], totals[c] - full_c[c] - flag_c[c])
            want = (expected[(c, "full")], expected[(c, "flag")], expected[(c, "hidden")])
            assert got == want, f"{username} {c}: (full, flag, hidden) {got}, the covenant implies {want}"
            table[(username, c)] = got
    # the table is not trivial: care stays with the wijkteam, police data with the owner
    assert (
        table[("wijkteam", "zorg")][0]
        == sum(1 for iv in items if compartment_of[iv.ref] == "zorg" and iv.owner.name == WIJKTEAM)
        and table[("regisseur", "zorg")][0] < totals["zorg"]
    )
    assert all(table[(u, c)][0] == 0 for u in ("analist", "bestuurder") for c in compartments)
    print(
        f"\nDemo plan {approach.name}: {len(items)} address-level interventions {dict(sorted(totals.items()))}"
    )
    print(f"{'role':<14}" + "".join(f"{c:>22}" for c in compartments) + "   (full/flag/hidden)")
    for demo in DEMO_USERS:
        cells = "".join(f"{'/'.join(str(n) for n in table[(demo.username, c)]):>22}" for c in compartments)
        print(f"{demo.username:<14}{cells}")


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
