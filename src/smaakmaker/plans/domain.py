# SPDX-License-Identifier: EUPL-1.2
"""Plain data for the pure planning layer of the ``plans`` domain (no Django).

The umami planner works on these frozen dataclasses; the Django models of the ``plans`` app are
translated into them by a service, and the results (start weeks, warnings) are written back there.

Time is counted in whole weeks, ``0`` being the first week of the plan. An intervention with
``start_week = s`` and ``duration_weeks = d`` is *active* in weeks ``s, s+1, …, s+d-1`` and
*completes* at ``end_week = s + d`` (the first week it is no longer active).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum


class Flavour(StrEnum):
    """The four working principles ("werkprincipes") of the method."""

    ZOET = "zoet"
    ZUUR = "zuur"
    ZOUT = "zout"
    BITTER = "bitter"

    @property
    def label(self) -> str:
        """Dutch display name."""
        return _FLAVOUR_LABELS[self]

    @property
    def description(self) -> str:
        """One-line Dutch description of the working principle."""
        return _FLAVOUR_DESCRIPTIONS[self]


_FLAVOUR_LABELS = {
    Flavour.ZOET: "Zoet",
    Flavour.ZUUR: "Zuur",
    Flavour.ZOUT: "Zout",
    Flavour.BITTER: "Bitter",
}
_FLAVOUR_DESCRIPTIONS = {
    Flavour.ZOET: "Welwillende bewoners ondersteunen",
    Flavour.ZUUR: "Probleemgevallen moeten vertrekken",
    Flavour.ZOUT: "Kwetsbare mensen helpen",
    Flavour.BITTER: "Nieuwe huurders screenen",
}

#: Fixed order used for arrays indexed by flavour.
FLAVOURS: tuple[Flavour, ...] = (Flavour.ZOET, Flavour.ZUUR, Flavour.ZOUT, Flavour.BITTER)
FLAVOUR_INDEX: Mapping[Flavour, int] = {f: i for i, f in enumerate(FLAVOURS)}


class Level(StrEnum):
    """The scale at which an intervention acts."""

    GEBIED = "gebied"
    STRAAT = "straat"
    COMPLEX = "complex"
    ADRES = "adres"

    @property
    def label(self) -> str:
        """Dutch display name."""
        return {"gebied": "Gebied", "straat": "Straat", "complex": "Complex", "adres": "Adres"}[self.value]


class Status(StrEnum):
    """Life cycle of an intervention. Started and finished ones keep their start week."""

    CONCEPT = "concept"
    GEPLAND = "gepland"
    LOPEND = "lopend"
    AFGEROND = "afgerond"
    GESTOPT = "gestopt"

    @property
    def label(self) -> str:
        """Dutch display name."""
        return {
            "concept": "Concept",
            "gepland": "Gepland",
            "lopend": "Lopend",
            "afgerond": "Afgerond",
            "gestopt": "Gestopt",
        }[self.value]

    @property
    def is_fixed(self) -> bool:
        """True when the start week can no longer be moved by the planner."""
        return self in (Status.LOPEND, Status.AFGEROND)


class DependencyKind(StrEnum):
    """How two interventions relate in time."""

    BEFORE = "voor"
    TOGETHER = "samen"
    AFTER = "na"

    @property
    def label(self) -> str:
        """Dutch display name."""
        return {"voor": "vóór", "samen": "tegelijk met", "na": "na"}[self.value]


class Severity(StrEnum):
    """How serious a warning is; ``ERROR`` marks a hard rule that is broken."""

    INFO = "info"
    WARNING = "waarschuwing"
    ERROR = "fout"

    @property
    def label(self) -> str:
        """Dutch display name."""
        return {"info": "Info", "waarschuwing": "Waarschuwing", "fout": "Fout"}[self.value]

    @property
    def rank(self) -> int:
        """Ordering key: higher is more serious."""
        return {"info": 0, "waarschuwing": 1, "fout": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Intervention:
    """One planned measure of one flavour, owned by one partner.

    Location: ``target`` is the key of what the intervention acts on at its ``level`` (an address id,
    complex id, street id or area id). ``address``, ``complex`` and ``street`` place it in the area so
    that coherence rules can relate interventions at different levels; when left empty they are derived
    from ``level`` and ``target`` (see :meth:`address_key`, :meth:`complex_key`, :meth:`street_key`).

    Capacity: ``degree`` is the intensity in capacity units per active week (e.g. hours or visits) that
    the owner partner spends on it.
    """

    id: str
    flavour: Flavour
    level: Level
    target: str
    owner: str
    start_week: int | None = None
    duration_weeks: int | None = None
    degree: int = 1
    status: Status = Status.CONCEPT
    exit_criteria: str = ""
    coordinator: str | None = None
    title: str = ""
    street: str | None = None
    complex: str | None = None
    address: str | None = None
    #: The address has a care signal (zorgsignaal): a Zuur measure there needs a Zout offer first.
    requires_care_offer: bool = False
    #: For Zout: this is a care offer (hulpaanbod) that counts for the Zout-bij-Zuur rule.
    is_care_offer: bool = True
    #: For Zuur and Zoet: residents can see it happen (relevant for the Zoet-bij-Zuur rule).
    visible: bool = True
    #: For Zuur: the measure frees a dwelling (tenant leaves), so the next tenant must be screened.
    outflow: bool = True
    #: Relative urgency for the scheduler's early-relief objective (>= 0).
    priority: int = 1
    #: Earliest week the intervention may start.
    release_week: int = 0
    #: Week by which it must be completed (``end_week <= due_week``); ``None`` = plan horizon.
    due_week: int | None = None

    @property
    def end_week(self) -> int | None:
        """First week after the intervention (``start + duration``), or ``None`` if unscheduled."""
        if self.start_week is None or self.duration_weeks is None:
            return None
        return self.start_week + self.duration_weeks

    def address_key(self) -> str | None:
        """Address this intervention acts on, if any."""
        if self.address:
            return self.address
        return self.target if self.level is Level.ADRES else None

    def complex_key(self) -> str | None:
        """Complex this intervention acts in, if any."""
        if self.complex:
            return self.complex
        return self.target if self.level is Level.COMPLEX else None

    def street_key(self) -> str | None:
        """Street this intervention acts in, if any."""
        if self.street:
            return self.street
        return self.target if self.level is Level.STRAAT else None

    @property
    def display(self) -> str:
        """Short Dutch reference for messages: title (or id) and flavour."""
        name = self.title or self.id
        return f"{name} ({self.flavour.label})"


@dataclass(frozen=True, slots=True)
class Dependency:
    """A temporal relation between two interventions.

    - ``BEFORE``: ``first`` completes at least ``lag_weeks`` weeks before ``second`` starts.
    - ``AFTER``: ``first`` starts at least ``lag_weeks`` weeks after ``second`` completes.
    - ``TOGETHER``: both are active in at least one common week, and when ``window_weeks`` is set
      their start weeks differ by at most that many weeks.
    """

    first: str
    second: str
    kind: DependencyKind = DependencyKind.BEFORE
    lag_weeks: int = 0
    window_weeks: int | None = None

    @property
    def key(self) -> str:
        """Stable identifier used to name the constraint in conflict reports."""
        return f"{self.kind.value}:{self.first}:{self.second}"

    def as_precedence(self) -> tuple[str, str] | None:
        """Return ``(earlier, later)`` for BEFORE/AFTER, ``None`` for TOGETHER."""
        if self.kind is DependencyKind.BEFORE:
            return (self.first, self.second)
        if self.kind is DependencyKind.AFTER:
            return (self.second, self.first)
        return None


@dataclass(frozen=True, slots=True)
class Partner:
    """A covenant partner and what it can spend per week (in the same units as ``degree``).

    ``weekly_capacity`` is either one number for every week or a sequence with one entry per week of
    the plan horizon (weeks beyond the sequence use its last value).
    """

    id: str
    name: str = ""
    weekly_capacity: int | Sequence[int] = 10

    def capacity_in_week(self, week: int) -> int:
        """Capacity available in ``week``."""
        cap = self.weekly_capacity
        if isinstance(cap, int):
            return cap
        if not cap:
            return 0
        return int(cap[min(week, len(cap) - 1)])

    def capacity_array(self, horizon: int) -> list[int]:
        """Capacity per week for weeks ``0 .. horizon-1``."""
        return [self.capacity_in_week(w) for w in range(horizon)]

    @property
    def display(self) -> str:
        """Name for messages."""
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class DiagnosisBasis:
    """What a flavour diagnosis rests on: the scan year, indicators present / expected, and the themes
    with no figure at all that year (then the diagnosis is incomplete: a flavour those themes point to
    cannot show, so a share of 0 % says nothing)."""

    year: int | None = None
    present: int = 0
    expected: int = 0
    missing_themes: tuple[str, ...] = ()

    @property
    def coverage(self) -> float | None:
        return self.present / self.expected if self.expected else None

    @property
    def complete(self) -> bool:
        return not self.missing_themes

    def describe(self) -> str:
        """Dutch: ``"wijkanalyse 2019, 20 van 26 indicatoren"``."""
        year = f" {self.year}" if self.year else ""
        if not self.expected:
            return f"wijkanalyse{year}"
        return f"wijkanalyse{year}, {self.present} van {self.expected} indicatoren"


@dataclass(frozen=True, slots=True)
class Plan:
    """A coherent four-flavour plan for one area.

    ``flavour_diagnosis`` holds the weights the area analysis (wijkscan) gives each flavour
    (e.g. ``{ZUUR: 3, ZOUT: 2, ZOET: 2, BITTER: 1}``); it is compared with the planned effort.
    ``care_addresses`` are addresses with a care signal (equivalent to ``requires_care_offer``).
    """

    interventions: tuple[Intervention, ...]
    dependencies: tuple[Dependency, ...] = ()
    partners: tuple[Partner, ...] = ()
    horizon_weeks: int = 52
    area: str = ""
    flavour_diagnosis: Mapping[Flavour, float] = field(default_factory=dict)
    care_addresses: frozenset[str] = frozenset()
    #: What ``flavour_diagnosis`` rests on (``None``: unknown, e.g. a diagnosis entered by hand).
    diagnosis_basis: DiagnosisBasis | None = None

    def by_id(self) -> dict[str, Intervention]:
        """Interventions keyed by id."""
        return {i.id: i for i in self.interventions}

    def partner_by_id(self) -> dict[str, Partner]:
        """Partners keyed by id."""
        return {p.id: p for p in self.partners}

    def needs_care_offer(self, intervention: Intervention) -> bool:
        """True when a Zuur measure on this intervention's address must be preceded by care."""
        if intervention.requires_care_offer:
            return True
        addr = intervention.address_key()
        return addr is not None and addr in self.care_addresses


@dataclass(frozen=True, slots=True)
class CoherenceWarning:
    """A finding of a coherence rule: which rule, how serious, a Dutch message, who is involved.

    ``measure`` and ``threshold`` carry the number a rule computed (for example the share of
    simultaneous weeks) so the interface can show the rule's inputs beside the signal.
    """

    rule_id: str
    severity: Severity
    message: str
    intervention_ids: tuple[str, ...] = ()
    subject: str | None = None
    measure: float | None = None
    threshold: float | None = None
    weeks: tuple[int, ...] = ()
