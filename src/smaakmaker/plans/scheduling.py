# SPDX-License-Identifier: EUPL-1.2
"""Umami scheduler: propose start weeks for a four-flavour plan with OR-Tools CP-SAT (no Django).

Hard constraints (a returned schedule meets all of them):

- each intervention runs its whole duration inside its window: ``release_week <= start`` and
  ``start + duration <= min(due_week, horizon)``; started or finished interventions keep their start;
- dependencies: BEFORE / AFTER (with a lag) and TOGETHER (overlap, optionally a start window);
- partner capacity per week: the sum of ``degree`` of a partner's active interventions never exceeds
  its weekly capacity (cumulative constraint, capacity may vary by week);
- coherence rules that can be hard: ``bitter-voor-zuur`` (a Bitter screening covering the address,
  complex, street or area is active when a Zuur out-flow completes), ``zout-bij-zuur`` (a Zout care
  offer on the address starts no later than the Zuur measure on an address with a care signal), and,
  when switched on, ``zoet-bij-zuur``.

Objective (maximised, the same function scores the greedy baseline, see :func:`schedule_objective`)::

    simultaneity_weight × (weeks with >= k flavours active) + relief_weight × Σ priority × (H − end)

When no schedule exists, every constraint group gets an assumption literal and CP-SAT's
``sufficient_assumptions_for_infeasibility`` names a conflicting set, which is then shrunk by deletion
(each group is dropped in turn; if the rest is still infeasible it stays dropped). The result names
the conflicting agreements in Dutch.
"""

from __future__ import annotations

import heapq
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from ortools.sat.python import cp_model

from .domain import (
    FLAVOUR_INDEX,
    FLAVOURS,
    Dependency,
    DependencyKind,
    Flavour,
    Intervention,
    Level,
    Plan,
    Status,
)
from .rules import RuleConfig, zuur_location_keys

__all__ = [
    "Conflict",
    "GreedyResult",
    "ObjectiveBreakdown",
    "PlanningInputError",
    "ScheduleResult",
    "SchedulerConfig",
    "SolveStatus",
    "apply_schedule",
    "explain_infeasibility",
    "greedy_schedule",
    "schedule_objective",
    "schedule_plan",
]


class PlanningInputError(ValueError):
    """The plan cannot be given to the scheduler (e.g. an intervention without a duration)."""


class SolveStatus(StrEnum):
    """Outcome of a scheduler run."""

    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"
    INFEASIBLE = "INFEASIBLE"
    UNKNOWN = "UNKNOWN"
    MODEL_INVALID = "MODEL_INVALID"

    @property
    def label(self) -> str:
        """Dutch display name."""
        return {
            "OPTIMAL": "optimaal",
            "FEASIBLE": "haalbaar (niet bewezen optimaal)",
            "INFEASIBLE": "onhaalbaar",
            "UNKNOWN": "onbekend (tijdslimiet bereikt zonder planning)",
            "MODEL_INVALID": "ongeldig model",
        }[self.value]


@dataclass(frozen=True, slots=True)
class SchedulerConfig:
    """Settings of the scheduler and of the hard coherence rules it enforces."""

    time_limit_s: float = 10.0
    workers: int = 2
    seed: int = 0
    rules: RuleConfig = field(default_factory=RuleConfig)
    enforce_bitter_before_zuur: bool = True
    enforce_zout_with_zuur: bool = True
    enforce_zoet_with_zuur: bool = False
    #: Objective weight of one week in which at least ``rules.simultaneity_min_flavours`` flavours run.
    simultaneity_weight: int = 1000
    #: Objective weight of one priority-week of relief (completion before the horizon).
    relief_weight: int = 1
    #: Per flavour and week, how many interventions the model may use to witness that the flavour is
    #: active (``None`` = all, exact). A limit keeps big models small; the simultaneity the solver
    #: counts is then a lower bound and the reported objective is recomputed exactly.
    cover_candidates: int | None = 24
    #: Use the start weeks already in the plan as a solution hint.
    hint_planned_starts: bool = True
    #: Seed the solver with the greedy baseline's schedule as a hint.
    hint_greedy: bool = False
    #: Explain infeasibility (assumption literals and a deletion-based shrink of the conflict set).
    explain_infeasibility: bool = True
    explain_time_limit_s: float = 20.0
    log_search_progress: bool = False


@dataclass(frozen=True, slots=True)
class ObjectiveBreakdown:
    """The scheduler's objective for one schedule, and its parts."""

    simultaneous_weeks: int
    relief: int
    total: int


@dataclass(frozen=True, slots=True)
class Conflict:
    """One agreement (constraint group) that takes part in making the plan infeasible."""

    group: str
    kind: str
    message: str
    intervention_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ScheduleResult:
    """What :func:`schedule_plan` found."""

    status: SolveStatus
    starts: Mapping[str, int]
    objective: ObjectiveBreakdown | None
    solver_objective: float | None
    best_bound: float | None
    time_to_first_s: float | None
    time_to_best_s: float | None
    wall_time_s: float
    solutions: int
    conflicts: tuple[Conflict, ...] = ()
    message: str = ""
    exact_simultaneity_model: bool = True

    @property
    def has_schedule(self) -> bool:
        """True when ``starts`` holds a schedule meeting all hard constraints."""
        return self.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


@dataclass(frozen=True, slots=True)
class GreedyResult:
    """What :func:`greedy_schedule` found: starts for what it could place, reasons for the rest."""

    starts: Mapping[str, int]
    unplaced: Mapping[str, str]
    objective: ObjectiveBreakdown
    wall_time_s: float


# --------------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------------


def _wk(week: int) -> str:
    return f"week {week + 1}"


def _schedulable(plan: Plan) -> list[Intervention]:
    """Interventions the scheduler places (all but stopped ones); validates durations."""
    items = [iv for iv in plan.interventions if iv.status is not Status.GESTOPT]
    missing = [iv.id for iv in items if iv.duration_weeks is None or iv.duration_weeks <= 0]
    if missing:
        shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
        raise PlanningInputError(
            f"Deze interventies hebben geen duur en kunnen niet worden ingepland: {shown}"
        )
    bad_degree = [iv.id for iv in items if iv.degree < 0 or iv.priority < 0]
    if bad_degree:
        raise PlanningInputError(f"Negatieve intensiteit of prioriteit bij: {', '.join(bad_degree[:10])}")
    ids = [iv.id for iv in items]
    if len(set(ids)) != len(ids):
        raise PlanningInputError("Interventie-id's moeten uniek zijn.")
    return items


def _dependencies(plan: Plan, ids: set[str]) -> list[Dependency]:
    all_ids = {iv.id for iv in plan.interventions}
    unknown = [d.key for d in plan.dependencies if d.first not in all_ids or d.second not in all_ids]
    if unknown:
        raise PlanningInputError(
            f"Afhankelijkheden verwijzen naar onbekende interventies: {', '.join(unknown[:10])}"
        )
    return [d for d in plan.dependencies if d.first in ids and d.second in ids]


def _upper_end(iv: Intervention, horizon: int) -> int:
    return horizon if iv.due_week is None else min(iv.due_week, horizon)


def _fixed_start(iv: Intervention) -> int | None:
    return iv.start_week if iv.status.is_fixed and iv.start_week is not None else None


def _location_groups(items: list[Intervention]) -> dict[tuple[str, str], list[int]]:
    """Bitter interventions per location key they screen."""
    out: dict[tuple[str, str], list[int]] = defaultdict(list)
    for k, iv in enumerate(items):
        if iv.flavour is not Flavour.BITTER:
            continue
        if iv.level is Level.GEBIED:
            key = ("gebied", "")
        elif iv.level is Level.STRAAT:
            key = ("straat", iv.street_key() or "")
        elif iv.level is Level.COMPLEX:
            key = ("complex", iv.complex_key() or "")
        else:
            key = ("adres", iv.address_key() or "")
        out[key].append(k)
    return out


@dataclass(slots=True)
class _Coherence:
    """Hard coherence pairings: for each Zuur (by position), the candidate partners."""

    bitter: dict[int, list[int]]
    zout: dict[int, list[int]]
    zoet: dict[int, list[int]]


def _coherence(plan: Plan, items: list[Intervention], config: SchedulerConfig) -> _Coherence:
    bitter_by_loc = _location_groups(items)
    zout_by_addr: dict[str, list[int]] = defaultdict(list)
    zoet_by_street: dict[str, list[int]] = defaultdict(list)
    zoet_area: list[int] = []
    for k, iv in enumerate(items):
        if iv.flavour is Flavour.ZOUT and iv.is_care_offer and iv.address_key():
            zout_by_addr[iv.address_key() or ""].append(k)
        elif iv.flavour is Flavour.ZOET and iv.visible:
            if iv.street_key():
                zoet_by_street[iv.street_key() or ""].append(k)
            elif iv.level is Level.GEBIED:
                zoet_area.append(k)
    coh = _Coherence({}, {}, {})
    for k, iv in enumerate(items):
        if iv.flavour is not Flavour.ZUUR:
            continue
        if config.enforce_bitter_before_zuur and iv.outflow and iv.level is not Level.GEBIED:
            keys = zuur_location_keys(iv.address_key(), iv.complex_key(), iv.street_key())
            coh.bitter[k] = [b for key in keys for b in bitter_by_loc.get(key, [])]
        if config.enforce_zout_with_zuur and plan.needs_care_offer(iv):
            coh.zout[k] = list(zout_by_addr.get(iv.address_key() or iv.target, []))
        if config.enforce_zoet_with_zuur and iv.visible and iv.street_key() and iv.level is not Level.GEBIED:
            cands = list(zoet_by_street.get(iv.street_key() or "", []))
            if config.rules.zoet_area_counts:
                cands += zoet_area
            coh.zoet[k] = cands
    return coh


def schedule_objective(
    plan: Plan, starts: Mapping[str, int], config: SchedulerConfig | None = None
) -> ObjectiveBreakdown:
    """Score a schedule exactly: simultaneous weeks within the horizon and priority-weighted relief.

    Interventions absent from ``starts`` (e.g. not placed by the greedy baseline) count for nothing.
    """
    config = config or SchedulerConfig()
    h = plan.horizon_weeks
    diff = np.zeros((len(FLAVOURS), h + 1), dtype=np.int64)
    relief = 0
    for iv in plan.interventions:
        s = starts.get(iv.id)
        if s is None or not iv.duration_weeks:
            continue
        e = s + iv.duration_weeks
        relief += iv.priority * max(0, h - e)
        lo, hi = min(max(s, 0), h), min(max(e, 0), h)
        if lo < hi:
            f = FLAVOUR_INDEX[iv.flavour]
            diff[f, lo] += 1
            diff[f, hi] -= 1
    active = np.cumsum(diff, axis=1)[:, :h] > 0
    sim = int((active.sum(axis=0) >= config.rules.simultaneity_min_flavours).sum())
    return ObjectiveBreakdown(
        simultaneous_weeks=sim,
        relief=int(relief),
        total=int(config.simultaneity_weight * sim + config.relief_weight * relief),
    )


def apply_schedule(plan: Plan, starts: Mapping[str, int]) -> Plan:
    """Return a copy of ``plan`` whose interventions carry the proposed start weeks."""
    ivs = tuple(
        replace(iv, start_week=starts[iv.id]) if iv.id in starts and not iv.status.is_fixed else iv
        for iv in plan.interventions
    )
    return replace(plan, interventions=ivs)


# --------------------------------------------------------------------------------------------------
# CP-SAT model
# --------------------------------------------------------------------------------------------------


class _Model:
    """CP-SAT model of a plan.

    In normal mode constraints are posted unconditionally with tight start domains. In explain mode
    every constraint group is enforced by its own literal (used as an assumption) and start domains
    are wide enough that the model without any group is feasible.
    """

    def __init__(self, plan: Plan, items: list[Intervention], config: SchedulerConfig, *, explain: bool):
        self.plan = plan
        self.items = items
        self.config = config
        self.explain = explain
        self.model = cp_model.CpModel()
        self.group_lits: dict[str, cp_model.IntVar] = {}
        self.groups: dict[str, Conflict] = {}
        self.horizon = plan.horizon_weeks
        self.exact_simultaneity = True
        pos = {iv.id: k for k, iv in enumerate(items)}
        self.pos = pos
        self.deps = _dependencies(plan, set(pos))
        self._build_vars()
        self._windows()
        self._capacity()
        self._dependency_constraints()
        self._coherence_constraints()
        if not explain:
            self._objective()

    # -- groups ------------------------------------------------------------------------------------

    def _group(self, group: str, kind: str, message: str, ids: Iterable[str]) -> list[cp_model.IntVar]:
        """Register a constraint group; return the enforcement literals to use (none in normal mode)."""
        if group not in self.groups:
            self.groups[group] = Conflict(
                group=group, kind=kind, message=message, intervention_ids=tuple(ids)
            )
        if not self.explain:
            return []
        lit = self.group_lits.get(group)
        if lit is None:
            lit = self.model.new_bool_var(group)
            self.group_lits[group] = lit
        return [lit]

    # -- variables ---------------------------------------------------------------------------------

    def _build_vars(self) -> None:
        m = self.model
        h = self.horizon
        items = self.items
        total = sum(iv.duration_weeks or 0 for iv in items) + sum(d.lag_weeks for d in self.plan.dependencies)
        far = max([h] + [iv.release_week for iv in items] + [iv.start_week or 0 for iv in items]) + total + 1
        self.far = far
        self.starts: list[cp_model.IntVar] = []
        self.ends: list[cp_model.LinearExpr] = []
        self.domain: list[tuple[int, int]] = []
        for iv in items:
            d = iv.duration_weeks or 0
            if self.explain:
                lo, hi = 0, far - d
            else:
                fixed = _fixed_start(iv)
                if fixed is not None:
                    lo = hi = fixed
                else:
                    lo, hi = max(iv.release_week, 0), _upper_end(iv, h) - d
                if hi < lo:  # empty window: post an infeasible model, the explain pass names it
                    lo = hi = max(lo, 0)
                    m.add_bool_or([])
            s = m.new_int_var(lo, hi, f"s_{iv.id}")
            self.starts.append(s)
            self.ends.append(s + d)
            self.domain.append((lo, hi))

    def _windows(self) -> None:
        m = self.model
        h = self.horizon
        for k, iv in enumerate(self.items):
            d = iv.duration_weeks or 0
            s = self.starts[k]
            fixed = _fixed_start(iv)
            if fixed is not None:
                lits = self._group(
                    f"vast:{iv.id}",
                    "vast",
                    f"{iv.display} is al gestart in {_wk(fixed)} "
                    f"(status {iv.status.label.lower()}) en ligt vast.",
                    [iv.id],
                )
                if self.explain:
                    m.add(s == fixed).only_enforce_if(lits)
            upper = _upper_end(iv, h)
            due_txt = (
                f"klaar vóór {_wk(upper)}"
                if iv.due_week is not None and iv.due_week < h
                else (f"klaar binnen de planperiode van {h} weken")
            )
            lits = self._group(
                f"venster:{iv.id}",
                "venster",
                f"{iv.display} duurt {d} weken en moet starten vanaf {_wk(iv.release_week)} en {due_txt}.",
                [iv.id],
            )
            if self.explain:
                m.add(s >= iv.release_week).only_enforce_if(lits)
                m.add(s + d <= upper).only_enforce_if(lits)
            if fixed is not None and not self.explain and not (iv.release_week <= fixed <= upper - d):
                m.add_bool_or([])  # fixed start outside its window: infeasible, explained later

    def _capacity(self) -> None:
        m = self.model
        h = self.horizon
        partners = self.plan.partner_by_id()
        by_owner: dict[str, list[int]] = defaultdict(list)
        for k, iv in enumerate(self.items):
            if iv.owner in partners and iv.degree > 0:
                by_owner[iv.owner].append(k)
        for pid, members in by_owner.items():
            partner = partners[pid]
            caps = partner.capacity_array(h)
            last = partner.capacity_in_week(h)
            cap_max = max(caps + [last, 0])
            heavy = [self.items[k].display for k in members if self.items[k].degree > cap_max]
            extra = f" {heavy[0]} alleen vraagt al meer." if heavy else ""
            lits = self._group(
                f"capaciteit:{pid}",
                "capaciteit",
                f"{partner.display} kan per week hoogstens {min(caps) if caps else last}–{cap_max} "
                f"eenheden inzetten.{extra}",
                [self.items[k].id for k in members],
            )
            intervals = []
            demands = []
            for k in members:
                iv = self.items[k]
                d = iv.duration_weeks or 0
                if self.explain:
                    itv = m.new_optional_fixed_size_interval_var(
                        self.starts[k], d, lits[0], f"i_{iv.id}_{pid}"
                    )
                else:
                    itv = m.new_fixed_size_interval_var(self.starts[k], d, f"i_{iv.id}_{pid}")
                intervals.append(itv)
                demands.append(iv.degree)
            # Weeks with less than the maximum capacity are filled with fixed dummy demand.
            blocks: list[tuple[int, int, int]] = []
            w = 0
            while w < h:
                gap = cap_max - caps[w]
                v = w
                while v < h and cap_max - caps[v] == gap:
                    v += 1
                if gap > 0:
                    blocks.append((w, v - w, gap))
                w = v
            if cap_max - last > 0:
                blocks.append((h, self.far + 1 - h, cap_max - last))
            for b_start, b_len, gap in blocks:
                if self.explain:
                    itv = m.new_optional_fixed_size_interval_var(
                        b_start, b_len, lits[0], f"cap_{pid}_{b_start}"
                    )
                else:
                    itv = m.new_fixed_size_interval_var(b_start, b_len, f"cap_{pid}_{b_start}")
                intervals.append(itv)
                demands.append(gap)
            m.add_cumulative(intervals, demands, cap_max)

    def _dependency_constraints(self) -> None:
        m = self.model
        by_id = {iv.id: iv for iv in self.items}
        for dep in self.deps:
            a, b = self.pos[dep.first], self.pos[dep.second]
            ia, ib = by_id[dep.first], by_id[dep.second]
            lag = f" (met minstens {dep.lag_weeks} weken ertussen)" if dep.lag_weeks else ""
            if dep.kind is DependencyKind.BEFORE:
                msg = f"{ia.display} moet klaar zijn voordat {ib.display} begint{lag}."
            elif dep.kind is DependencyKind.AFTER:
                msg = f"{ia.display} mag pas beginnen als {ib.display} klaar is{lag}."
            else:
                win = (
                    f", met starts hoogstens {dep.window_weeks} weken uit elkaar"
                    if dep.window_weeks is not None
                    else ""
                )
                msg = f"{ia.display} en {ib.display} moeten tegelijk lopen{win}."
            lits = self._group(
                f"{dep.kind.value}:{dep.first}:{dep.second}", dep.kind.value, msg, [ia.id, ib.id]
            )
            prec = dep.as_precedence()
            cts = []
            if prec is not None:
                x, y = self.pos[prec[0]], self.pos[prec[1]]
                cts.append(m.add(self.ends[x] + dep.lag_weeks <= self.starts[y]))
            else:
                cts.append(m.add(self.starts[a] <= self.ends[b] - 1))
                cts.append(m.add(self.starts[b] <= self.ends[a] - 1))
                if dep.window_weeks is not None:
                    cts.append(m.add(self.starts[a] - self.starts[b] <= dep.window_weeks))
                    cts.append(m.add(self.starts[b] - self.starts[a] <= dep.window_weeks))
            if lits:
                for ct in cts:
                    ct.only_enforce_if(lits)

    def _pairing(self, group: str, kind: str, message: str, z: int, cands: list[int], make) -> None:
        """Post 'at least one candidate satisfies ``make``' for Zuur ``z``, as one constraint group."""
        m = self.model
        ids = [self.items[z].id] + [self.items[c].id for c in cands]
        lits = self._group(group, kind, message, ids)
        choices = []
        for c in cands:
            lit = m.new_bool_var(f"{group}:{self.items[c].id}")
            for ct in make(c):
                m.add(ct).only_enforce_if(lit)
            choices.append(lit)
        ct = m.add_bool_or(choices)
        if lits:
            ct.only_enforce_if(lits)

    def _coherence_constraints(self) -> None:
        coh = _coherence(self.plan, self.items, self.config)
        rc = self.config.rules
        for z, cands in coh.bitter.items():
            iv = self.items[z]
            none = (
                ""
                if cands
                else " Er is geen Bitter-interventie voor dit adres, complex, deze straat of het gebied."
            )
            self._pairing(
                f"bitter-voor-zuur:{iv.id}",
                "bitter-voor-zuur",
                f"Als de uitstroom van {iv.display} is afgerond, moet een Bitter-screening actief "
                f"zijn.{none}",
                z,
                cands,
                lambda b, z=z: (
                    self.starts[b] + rc.bitter_lead_weeks <= self.ends[z] - 1,
                    self.ends[b] >= self.ends[z],
                ),
            )
        for z, cands in coh.zout.items():
            iv = self.items[z]
            addr = iv.address_key() or iv.target
            none = "" if cands else " Er is geen Zout-hulpaanbod op dit adres."
            self._pairing(
                f"zout-bij-zuur:{iv.id}",
                "zout-bij-zuur",
                f"{iv.display} op adres {addr} (zorgsignaal) vraagt een Zout-hulpaanbod vóór of "
                f"tegelijk met de handhaving.{none}",
                z,
                cands,
                lambda o, z=z: (self.starts[o] <= self.starts[z] + rc.zout_alongside_weeks,),
            )
        for z, cands in coh.zoet.items():
            iv = self.items[z]
            n = rc.zoet_pairing_weeks
            none = "" if cands else " Er is geen zichtbare Zoet-actie in deze straat."
            self._pairing(
                f"zoet-bij-zuur:{iv.id}",
                "zoet-bij-zuur",
                f"{iv.display} in straat {iv.street_key()} vraagt binnen {n} weken een zichtbare Zoet-actie "
                f"in die straat.{none}",
                z,
                cands,
                lambda o, z=z, n=n: (
                    self.starts[o] <= self.starts[z] + n,
                    self.ends[o] >= self.starts[z] - n + 1,
                ),
            )

    # -- objective ---------------------------------------------------------------------------------

    def _objective(self) -> None:
        m = self.model
        cfg = self.config
        h = self.horizon
        k_min = cfg.rules.simultaneity_min_flavours
        limit = cfg.cover_candidates
        # Which interventions can be active in week w (given their start domain), per flavour.
        cover_lits: dict[tuple[int, int], cp_model.IntVar] = {}
        sim_terms = []
        can_cover: list[list[list[int]]] = [[[] for _ in range(h)] for _ in FLAVOURS]
        for k, iv in enumerate(self.items):
            lo, hi = self.domain[k]
            d = iv.duration_weeks or 0
            f = FLAVOUR_INDEX[iv.flavour]
            for w in range(max(lo, 0), min(hi + d, h)):
                can_cover[f][w].append(k)
        if k_min <= len(FLAVOURS) and cfg.simultaneity_weight > 0:
            for w in range(h):
                acts = []
                for f in range(len(FLAVOURS)):
                    cands = can_cover[f][w]
                    if not cands:
                        continue
                    if limit is not None and len(cands) > limit:
                        self.exact_simultaneity = False
                        cands = sorted(cands, key=lambda k, w=w: self._cover_rank(k, w))[:limit]
                    lits = []
                    for k in cands:
                        lit = cover_lits.get((k, w))
                        if lit is None:
                            lo, hi = self.domain[k]
                            d = self.items[k].duration_weeks or 0
                            if lo == hi:  # fixed: covers w for sure (w is within its weeks)
                                lit = m.new_constant(1)
                            else:
                                lit = m.new_bool_var(f"c_{k}_{w}")
                                m.add(self.starts[k] <= w).only_enforce_if(lit)
                                m.add(self.starts[k] >= w - d + 1).only_enforce_if(lit)
                            cover_lits[(k, w)] = lit
                        lits.append(lit)
                    act = m.new_bool_var(f"act_{f}_{w}")
                    m.add_bool_or(lits).only_enforce_if(act)
                    acts.append(act)
                if len(acts) >= k_min:
                    y = m.new_bool_var(f"sim_{w}")
                    m.add(sum(acts) >= k_min).only_enforce_if(y)
                    sim_terms.append(y)
        relief = sum(iv.priority * (h - self.ends[k]) for k, iv in enumerate(self.items) if iv.priority)
        m.maximize(cfg.simultaneity_weight * sum(sim_terms) + cfg.relief_weight * relief)

    def _cover_rank(self, k: int, w: int) -> tuple[int, int, int]:
        lo, hi = self.domain[k]
        iv = self.items[k]
        fixed = 0 if lo == hi else 1
        return (fixed, -(iv.duration_weeks or 0), zlib.crc32(f"{iv.id}:{w}:{self.config.seed}".encode()))

    def add_hint(self, starts: Mapping[str, int]) -> None:
        for k, iv in enumerate(self.items):
            s = starts.get(iv.id)
            lo, hi = self.domain[k]
            if s is not None and lo <= s <= hi:
                self.model.add_hint(self.starts[k], s)


class _Progress(cp_model.CpSolverSolutionCallback):
    """Records when solutions arrive and how good they are."""

    def __init__(self, t0: float, on_solution: Callable[[float, int, float], None] | None = None) -> None:
        super().__init__()
        self.t0 = t0
        self.times: list[float] = []
        self.objectives: list[float] = []
        self.on_solution = on_solution

    def on_solution_callback(self) -> None:
        self.times.append(time.perf_counter() - self.t0)
        self.objectives.append(self.objective_value)
        if self.on_solution is not None:
            self.on_solution(self.times[-1], len(self.times), self.objective_value)


_STATUS = {
    cp_model.OPTIMAL: SolveStatus.OPTIMAL,
    cp_model.FEASIBLE: SolveStatus.FEASIBLE,
    cp_model.INFEASIBLE: SolveStatus.INFEASIBLE,
    cp_model.UNKNOWN: SolveStatus.UNKNOWN,
    cp_model.MODEL_INVALID: SolveStatus.MODEL_INVALID,
}


def schedule_plan(
    plan: Plan,
    config: SchedulerConfig | None = None,
    *,
    on_solution: Callable[[float, int, float], None] | None = None,
) -> ScheduleResult:
    """Propose start weeks meeting all hard constraints and maximising simultaneity and early relief.

    Returns the solver status, the starts (for OPTIMAL/FEASIBLE), the exact objective, timings (to the
    first and to the best solution) and, for INFEASIBLE plans, a small set of conflicting agreements.
    Raises :class:`PlanningInputError` for interventions without a duration or unknown dependencies.
    ``on_solution(seconds, solutions, solver_objective)`` is called for every improving solution
    (e.g. to report progress); keep it quick, it runs inside the search.
    """
    config = config or SchedulerConfig()
    t0 = time.perf_counter()
    items = _schedulable(plan)
    built = _Model(plan, items, config, explain=False)
    if config.hint_greedy:
        built.add_hint(greedy_schedule(plan, config).starts)
    elif config.hint_planned_starts:
        built.add_hint({iv.id: iv.start_week for iv in items if iv.start_week is not None})
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(config.time_limit_s - (time.perf_counter() - t0), 0.01)
    solver.parameters.num_workers = config.workers
    solver.parameters.random_seed = config.seed
    solver.parameters.log_search_progress = config.log_search_progress
    progress = _Progress(t0, on_solution)
    code = solver.solve(built.model, progress)
    status = _STATUS.get(code, SolveStatus.UNKNOWN)
    starts: dict[str, int] = {}
    objective = None
    solver_objective = best_bound = None
    if status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        starts = {iv.id: int(solver.value(built.starts[k])) for k, iv in enumerate(items)}
        objective = schedule_objective(plan, starts, config)
        solver_objective = float(solver.objective_value)
        best_bound = float(solver.best_objective_bound)
    first = progress.times[0] if progress.times else None
    best = None
    if progress.objectives:
        top = max(progress.objectives)
        best = next(t for t, o in zip(progress.times, progress.objectives, strict=True) if o >= top)
    conflicts: tuple[Conflict, ...] = ()
    if status is SolveStatus.INFEASIBLE and config.explain_infeasibility:
        conflicts = explain_infeasibility(plan, config, items=items)
    wall = time.perf_counter() - t0
    return ScheduleResult(
        status=status,
        starts=starts,
        objective=objective,
        solver_objective=solver_objective,
        best_bound=best_bound,
        time_to_first_s=first,
        time_to_best_s=best,
        wall_time_s=wall,
        solutions=len(progress.times),
        conflicts=conflicts,
        message=_summary(status, objective, conflicts, len(items)),
        exact_simultaneity_model=built.exact_simultaneity,
    )


def _summary(
    status: SolveStatus, objective: ObjectiveBreakdown | None, conflicts: tuple[Conflict, ...], n: int
) -> str:
    if status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE) and objective is not None:
        return (
            f"Planning voor {n} interventies gevonden ({status.label}): {objective.simultaneous_weeks} weken "
            f"met meerdere smaken tegelijk, verlichting {objective.relief} prioriteitsweken."
        )
    if status is SolveStatus.INFEASIBLE:
        if not conflicts:
            return "Er bestaat geen planning die aan alle harde regels voldoet."
        # Only the count: the conflicts name interventions, and who may read which of them is decided
        # where they are shown (plans.selectors), never in a stored text that everyone sees.
        return (
            f"Er bestaat geen planning. Deze {len(conflicts)} afspraken gaan niet samen; "
            "zie de lijst van conflicten."
        )
    return f"Geen planning gevonden: {status.label}."


def explain_infeasibility(
    plan: Plan, config: SchedulerConfig | None = None, *, items: list[Intervention] | None = None
) -> tuple[Conflict, ...]:
    """Name a small set of constraint groups that together make the plan infeasible.

    Uses one assumption literal per group, CP-SAT's ``sufficient_assumptions_for_infeasibility``
    (single worker, no objective, as the solver requires for cores), then drops groups one at a time
    while the remainder stays infeasible. Returns ``()`` when no conflict could be proven in time.
    """
    config = config or SchedulerConfig()
    items = items if items is not None else _schedulable(plan)
    deadline = time.perf_counter() + config.explain_time_limit_s
    built = _Model(plan, items, config, explain=True)
    lit_group = {lit.index: g for g, lit in built.group_lits.items()}

    def solve(groups: list[str]) -> tuple[int, list[str]]:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return cp_model.UNKNOWN, groups
        built.model.clear_assumptions()
        built.model.add_assumptions([built.group_lits[g] for g in groups])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = remaining
        solver.parameters.random_seed = config.seed
        code = solver.solve(built.model)
        if code != cp_model.INFEASIBLE:
            return code, groups
        core = [lit_group[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in lit_group]
        return code, core or groups

    code, core = solve(list(built.group_lits))
    if code != cp_model.INFEASIBLE:
        return ()
    # Deletion-based shrinking towards a minimal conflicting set.
    k = 0
    while k < len(core):
        trial = core[:k] + core[k + 1 :]
        code, smaller = solve(trial)
        if code == cp_model.INFEASIBLE:
            keep = set(smaller)
            core = [g for g in trial if g in keep]
        else:
            k += 1
    return tuple(built.groups[g] for g in core)


# --------------------------------------------------------------------------------------------------
# Greedy list-scheduling baseline
# --------------------------------------------------------------------------------------------------


def greedy_schedule(plan: Plan, config: SchedulerConfig | None = None) -> GreedyResult:
    """Priority-order list scheduling: each intervention gets its earliest feasible start.

    Respects windows, fixed starts, BEFORE/AFTER dependencies (an intervention is placed only after its
    predecessors), TOGETHER with already placed partners, partner capacity per week and the hard
    coherence rules against already placed interventions (Bitter and Zout are placed before the Zuur
    they cover when the dependencies allow it). What cannot be placed is listed with a Dutch reason.
    """
    config = config or SchedulerConfig()
    t0 = time.perf_counter()
    items = _schedulable(plan)
    n = len(items)
    h = plan.horizon_weeks
    pos = {iv.id: k for k, iv in enumerate(items)}
    deps = _dependencies(plan, set(pos))
    preds: list[list[tuple[int, int]]] = [[] for _ in range(n)]  # (pred, lag)
    succs: list[list[int]] = [[] for _ in range(n)]
    together: list[list[tuple[int, int | None]]] = [[] for _ in range(n)]
    for dep in deps:
        prec = dep.as_precedence()
        if prec is None:
            a, b = pos[dep.first], pos[dep.second]
            together[a].append((b, dep.window_weeks))
            together[b].append((a, dep.window_weeks))
        else:
            x, y = pos[prec[0]], pos[prec[1]]
            preds[y].append((x, dep.lag_weeks))
            succs[x].append(y)
    coh = _coherence(plan, items, config)
    # Soft placement order: coherence partners before the Zuur they serve (not a time constraint).
    soft_preds: list[set[int]] = [set() for _ in range(n)]
    for table in (coh.bitter, coh.zout, coh.zoet):
        for z, cands in table.items():
            soft_preds[z].update(cands)
    soft_succs: list[list[int]] = [[] for _ in range(n)]
    for z in range(n):
        for c in soft_preds[z]:
            soft_succs[c].append(z)

    partners = plan.partner_by_id()
    pidx = {p: i for i, p in enumerate(partners)}
    slack = np.asarray([p.capacity_array(h) for p in plan.partners], dtype=np.int64).reshape(len(partners), h)
    starts: dict[int, int] = {}
    unplaced: dict[int, str] = {}
    hard_left = [len(p) for p in preds]
    soft_left = [len(s) for s in soft_preds]
    done = [False] * n

    def key(k: int) -> tuple[int, int, int]:
        iv = items[k]
        return (-iv.priority, iv.release_week, k)

    ready: list[tuple[tuple[int, int, int], int]] = []
    waiting_soft: list[tuple[tuple[int, int, int], int]] = []
    for k in range(n):
        if hard_left[k] == 0:
            heapq.heappush(ready if soft_left[k] == 0 else waiting_soft, (key(k), k))

    def finish(k: int) -> None:
        done[k] = True
        for y in succs[k]:
            hard_left[y] -= 1
            if hard_left[y] == 0:
                heapq.heappush(ready if soft_left[y] == 0 else waiting_soft, (key(y), y))
        for z in soft_succs[k]:
            soft_left[z] -= 1
            if soft_left[z] == 0 and hard_left[z] == 0 and not done[z]:
                heapq.heappush(ready, (key(z), z))

    rc = config.rules
    while ready or waiting_soft:
        if ready:
            _, k = heapq.heappop(ready)
        else:  # only soft-blocked items left (a cycle through coherence pairings): take the best one
            _, k = heapq.heappop(waiting_soft)
        if done[k]:
            continue
        iv = items[k]
        d = iv.duration_weeks or 0
        reason = None
        lo = max(iv.release_week, 0)
        hi = _upper_end(iv, h) - d
        for p, lag in preds[k]:
            if p in starts:
                lo = max(lo, starts[p] + (items[p].duration_weeks or 0) + lag)
            else:
                reason = f"een voorganger ({items[p].display}) kon niet worden ingepland"
        fixed = _fixed_start(iv)
        if fixed is not None:
            lo, hi = max(lo, fixed), min(hi, fixed)
        if reason is None and hi < lo:
            reason = "het tijdvenster (met volgorde-afspraken) is te krap"
        if reason is None:
            ok = np.zeros(h, dtype=bool)
            ok[lo : hi + 1] = True
            for j, win in together[k]:
                if j in starts:
                    sj, ej = starts[j], starts[j] + (items[j].duration_weeks or 0)
                    allowed = np.zeros(h, dtype=bool)
                    a_lo, a_hi = max(sj - d + 1, 0), ej - 1
                    if win is not None:
                        a_lo, a_hi = max(a_lo, sj - win), min(a_hi, sj + win)
                    allowed[max(a_lo, 0) : max(a_hi + 1, 0)] = True
                    ok &= allowed
            ok = _coherence_mask(ok, k, d, items, starts, coh, rc, h)
            if iv.owner in pidx and iv.degree > 0:
                p = pidx[iv.owner]
                if d <= h:
                    window_min = sliding_window_view(slack[p], d).min(axis=1)
                    fits = np.zeros(h, dtype=bool)
                    fits[: len(window_min)] = window_min >= iv.degree
                    ok &= fits
                else:
                    ok[:] = False
            candidates = np.flatnonzero(ok)
            if len(candidates):
                s = int(candidates[0])
                starts[k] = s
                if iv.owner in pidx:
                    slack[pidx[iv.owner], s : s + d] -= iv.degree
            else:
                reason = "geen startweek binnen het venster past bij capaciteit en samenhangregels"
        if reason is not None:
            unplaced[k] = reason
        finish(k)
    for k in range(n):
        if k not in starts and k not in unplaced:
            unplaced[k] = "zit in een kring van volgorde-afspraken"
    by_id = {items[k].id: s for k, s in starts.items()}
    return GreedyResult(
        starts=by_id,
        unplaced={items[k].id: r for k, r in unplaced.items()},
        objective=schedule_objective(plan, by_id, config),
        wall_time_s=time.perf_counter() - t0,
    )


def _coherence_mask(
    ok: np.ndarray,
    k: int,
    d: int,
    items: list[Intervention],
    starts: Mapping[int, int],
    coh: _Coherence,
    rc: RuleConfig,
    h: int,
) -> np.ndarray:
    """Restrict the possible starts of Zuur ``k`` to those meeting the hard coherence rules."""
    if k in coh.bitter:
        allowed = np.zeros(h, dtype=bool)
        for b in coh.bitter[k]:
            if b in starts:
                sb, eb = starts[b], starts[b] + (items[b].duration_weeks or 0)
                # sb + lead <= s + d - 1  and  eb >= s + d
                a_lo, a_hi = max(sb + rc.bitter_lead_weeks - d + 1, 0), eb - d
                if a_hi >= a_lo:
                    allowed[a_lo : a_hi + 1] = True
        ok = ok & allowed
    if k in coh.zout:
        placed = [starts[o] for o in coh.zout[k] if o in starts]
        allowed = np.zeros(h, dtype=bool)
        if placed:
            allowed[max(min(placed) - rc.zout_alongside_weeks, 0) :] = True
        ok = ok & allowed
    if k in coh.zoet:
        allowed = np.zeros(h, dtype=bool)
        n = rc.zoet_pairing_weeks
        for o in coh.zoet[k]:
            if o in starts:
                so, eo = starts[o], starts[o] + (items[o].duration_weeks or 0)
                # so <= s + n  and  eo >= s - n + 1
                a_lo, a_hi = max(so - n, 0), eo - 1 + n
                if a_hi >= a_lo:
                    allowed[a_lo : min(a_hi, h - 1) + 1] = True
        ok = ok & allowed
    return ok
