# SPDX-License-Identifier: EUPL-1.2
"""Umami coherence rules: pure, configurable checks of a four-flavour plan (no Django).

Every rule has a stable id, a Dutch title and explanation (publishable, e.g. in the
Algoritmeregister) and a check that returns :class:`~smaakmaker.plans.domain.CoherenceWarning`
objects naming the severity and the interventions involved. Thresholds live in :class:`RuleConfig`.

The checks are linear in the number of interventions: the plan is turned once into numpy columns
(:class:`PlanIndex`), week coverage is computed with difference arrays and cumulative sums per
(location × week) or (partner × week), and interventions are grouped with dicts. No rule compares
all pairs of interventions.

Weeks are 0-based internally; messages show them 1-based ("week 1" is the first plan week).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .domain import (
    FLAVOUR_INDEX,
    FLAVOURS,
    CoherenceWarning,
    DependencyKind,
    Flavour,
    Intervention,
    Level,
    Plan,
    Severity,
)

__all__ = [
    "RULES",
    "RULES_BY_ID",
    "PlanIndex",
    "Rule",
    "RuleConfig",
    "SimultaneityMeasure",
    "check_plan",
    "zuur_location_keys",
    "flavour_effort",
    "flavour_week_matrix",
    "partner_load",
    "simultaneity",
]

_ZOET = FLAVOUR_INDEX[Flavour.ZOET]
_ZUUR = FLAVOUR_INDEX[Flavour.ZUUR]
_ZOUT = FLAVOUR_INDEX[Flavour.ZOUT]
_BITTER = FLAVOUR_INDEX[Flavour.BITTER]


@dataclass(frozen=True, slots=True)
class RuleConfig:
    """Thresholds of the coherence rules (published configuration, not a hidden model)."""

    #: Bitter screening must be active this many weeks before the Zuur out-flow completes (0 = at least
    #: in the completion week itself).
    bitter_lead_weeks: int = 0
    #: A Zout care offer may start at most this many weeks after the Zuur measure starts ("alongside").
    zout_alongside_weeks: int = 0
    #: A visible Zoet action in the same street must be active within this many weeks of a Zuur start.
    zoet_pairing_weeks: int = 4
    #: Whether an area-wide (gebied) Zoet action counts as visible in every street.
    zoet_area_counts: bool = False
    #: Number of flavours that must be active in a week for it to count as simultaneous.
    simultaneity_min_flavours: int = 3
    #: Minimum share of active weeks that must be simultaneous.
    simultaneity_threshold: float = 0.5
    #: Allowed absolute difference between a flavour's planned share of effort and its diagnosed share.
    balance_tolerance: float = 0.15
    #: Maximum number of intervention ids listed as context in one warning.
    max_context_ids: int = 8


def _wk(week: int) -> str:
    """Format a 0-based week index for users (1-based)."""
    return f"week {week + 1}"


def _weeks_text(weeks: Iterable[int], limit: int = 6) -> str:
    ws = sorted(weeks)
    shown = ", ".join(str(w + 1) for w in ws[:limit])
    more = f" en {len(ws) - limit} andere" if len(ws) > limit else ""
    return f"week {shown}{more}" if len(ws) == 1 else f"weken {shown}{more}"


class PlanIndex:
    """Column view of a plan, built once and shared by all rules.

    Arrays have one entry per intervention in plan order. Missing start or duration is ``-1``;
    ``scheduled`` marks interventions with both a start week and a positive duration.
    """

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        ivs = plan.interventions
        self.interventions: tuple[Intervention, ...] = ivs
        self.n = len(ivs)
        self.ids: list[str] = [iv.id for iv in ivs]
        self.flavour = np.fromiter((FLAVOUR_INDEX[iv.flavour] for iv in ivs), dtype=np.int64, count=self.n)
        self.start = np.fromiter(
            (-1 if iv.start_week is None else iv.start_week for iv in ivs), dtype=np.int64, count=self.n
        )
        self.duration = np.fromiter(
            (-1 if iv.duration_weeks is None else iv.duration_weeks for iv in ivs),
            dtype=np.int64,
            count=self.n,
        )
        self.degree = np.fromiter((iv.degree for iv in ivs), dtype=np.int64, count=self.n)
        self.scheduled = (self.start >= 0) & (self.duration > 0)
        self.end = np.where(self.scheduled, self.start + self.duration, -1)
        max_end = int(self.end.max()) if self.n else 0
        #: Number of weeks covered by the arrays: the plan horizon or the last end week, if later.
        self.horizon = max(plan.horizon_weeks, max_end, 1)
        self.partner_ids: list[str] = [p.id for p in plan.partners]
        pidx = {p: k for k, p in enumerate(self.partner_ids)}
        self.owner = np.fromiter((pidx.get(iv.owner, -1) for iv in ivs), dtype=np.int64, count=self.n)
        self.address: list[str | None] = [iv.address_key() for iv in ivs]
        self.complex: list[str | None] = [iv.complex_key() for iv in ivs]
        self.street: list[str | None] = [iv.street_key() for iv in ivs]
        self.level: list[Level] = [iv.level for iv in ivs]

    def of_flavour(self, flavour: int, *, scheduled: bool = True) -> np.ndarray:
        """Indices of interventions of one flavour (only scheduled ones by default)."""
        mask = self.flavour == flavour
        if scheduled:
            mask &= self.scheduled
        return np.flatnonzero(mask)

    def coverage(self, rows: np.ndarray, members: np.ndarray, n_rows: int, lead: int = 0) -> np.ndarray:
        """Active-count matrix ``(n_rows, horizon)``: how many ``members`` are active per row and week.

        ``rows[k]`` is the row of member ``members[k]``; with ``lead`` a member counts only from
        ``lead`` weeks after its start.
        """
        h = self.horizon
        diff = np.zeros((max(n_rows, 1), h + 1), dtype=np.int64)
        if len(members):
            s = np.minimum(self.start[members] + lead, h)
            e = np.minimum(self.end[members], h)
            ok = s < e
            np.add.at(diff, (rows[ok], s[ok]), 1)
            np.add.at(diff, (rows[ok], e[ok]), -1)
        return np.cumsum(diff, axis=1)[:, :h]


def _keys_to_rows(keys: list[str | None], members: np.ndarray, table: dict[str, int]) -> np.ndarray:
    """Map the keys of ``members`` to row numbers in ``table`` (adding new keys); ``-1`` when empty."""
    out = np.full(len(members), -1, dtype=np.int64)
    for k, m in enumerate(members):
        key = keys[m]
        if key:
            out[k] = table.setdefault(key, len(table))
    return out


def _lookup_rows(keys: list[str | None], members: np.ndarray, table: dict[str, int]) -> np.ndarray:
    """Row numbers of the keys of ``members`` in ``table`` without adding keys; ``-1`` when absent."""
    return np.fromiter(
        (table.get(keys[m] or "", -1) for m in members.tolist()), dtype=np.int64, count=len(members)
    )


def _context(index: PlanIndex, groups: Iterable[list[int]], limit: int) -> list[str]:
    out: list[str] = []
    for group in groups:
        for m in group:
            if len(out) >= limit:
                return out
            out.append(index.ids[m])
    return out


# --------------------------------------------------------------------------------------------------
# Rule 1: Bitter before Zuur completes
# --------------------------------------------------------------------------------------------------


def _bitter_key(index: PlanIndex, b: int) -> tuple[str, str]:
    """The location key a Bitter intervention screens (its own level)."""
    level = index.level[b]
    if level is Level.GEBIED:
        return ("gebied", "")
    if level is Level.STRAAT:
        return ("straat", index.street[b] or "")
    if level is Level.COMPLEX:
        return ("complex", index.complex[b] or "")
    return ("adres", index.address[b] or "")


def _bitter_coverage(
    index: PlanIndex, lead: int
) -> tuple[dict[tuple[str, str], int], np.ndarray, dict[tuple[str, str], list[int]]]:
    """Week coverage of Bitter screening per location key, and the Bitter members per key."""
    bitter = index.of_flavour(_BITTER)
    table: dict[tuple[str, str], int] = {}
    members: dict[tuple[str, str], list[int]] = defaultdict(list)
    rows = np.empty(len(bitter), dtype=np.int64)
    for k, b in enumerate(bitter.tolist()):
        key = _bitter_key(index, b)
        rows[k] = table.setdefault(key, len(table))
        members[key].append(b)
    cov = index.coverage(rows, bitter, len(table), lead=lead)
    return table, cov, members


def zuur_location_keys(
    iv_address: str | None, iv_complex: str | None, iv_street: str | None
) -> list[tuple[str, str]]:
    """Location keys under which a Bitter intervention covers a Zuur one (most to least specific)."""
    keys: list[tuple[str, str]] = []
    if iv_address:
        keys.append(("adres", iv_address))
    if iv_complex:
        keys.append(("complex", iv_complex))
    if iv_street:
        keys.append(("straat", iv_street))
    keys.append(("gebied", ""))
    return keys


def _outflow_zuur(index: PlanIndex) -> np.ndarray:
    zuur = index.of_flavour(_ZUUR)
    keep = [z for z in zuur.tolist() if index.interventions[z].outflow and index.level[z] is not Level.GEBIED]
    return np.asarray(keep, dtype=np.int64)


def check_bitter_before_zuur(index: PlanIndex, config: RuleConfig) -> list[CoherenceWarning]:
    """Rule ``bitter-voor-zuur``: screening must be in force when a Zuur out-flow completes."""
    zuur = _outflow_zuur(index)
    if not len(zuur):
        return []
    table, cov, by_loc = _bitter_coverage(index, config.bitter_lead_weeks)
    t = np.minimum(index.end[zuur] - 1, index.horizon - 1)
    covered = np.zeros(len(zuur), dtype=bool)
    if table:
        for kind, keys in (
            ("adres", index.address),
            ("complex", index.complex),
            ("straat", index.street),
        ):
            rows = np.fromiter(
                (table.get((kind, keys[z] or ""), -1) if keys[z] else -1 for z in zuur.tolist()),
                dtype=np.int64,
                count=len(zuur),
            )
            has = rows >= 0
            covered[has] |= cov[rows[has], t[has]] > 0
        g = table.get(("gebied", ""), -1)
        if g >= 0:
            covered |= cov[g, t] > 0
    bad = zuur[~covered]
    if not len(bad):
        return []
    out: list[CoherenceWarning] = []
    for z in bad.tolist():
        iv = index.interventions[z]
        if index.complex[z]:
            place = f"complex {index.complex[z]}"
        elif index.street[z]:
            place = f"straat {index.street[z]}"
        else:
            place = f"adres {index.address[z] or iv.target}"
        keys = zuur_location_keys(index.address[z], index.complex[z], index.street[z])
        nearby = _context(index, (by_loc.get(k, []) for k in keys), config.max_context_ids - 1)
        end = int(index.end[z])
        lead = config.bitter_lead_weeks
        lead_txt = f" (en al {lead} weken daarvoor)" if lead else ""
        out.append(
            CoherenceWarning(
                rule_id="bitter-voor-zuur",
                severity=Severity.ERROR,
                message=(
                    f"{iv.display} ({place}) rondt af in {_wk(end - 1)}, maar dan is er geen "
                    f"Bitter-screening actief voor dit adres, complex, deze straat of het gebied{lead_txt}. "
                    "De vrijgekomen woning kan de volgende probleemhuurder aantrekken."
                ),
                intervention_ids=(iv.id, *nearby),
                subject=place,
                weeks=(end - 1,),
            )
        )
    return out


# --------------------------------------------------------------------------------------------------
# Rule 2: Zout before or with Zuur on care addresses
# --------------------------------------------------------------------------------------------------


def check_zout_with_zuur(index: PlanIndex, config: RuleConfig) -> list[CoherenceWarning]:
    """Rule ``zout-bij-zuur``: a Zuur measure on an address with a care signal needs a Zout offer."""
    plan = index.plan
    zuur = [z for z in index.of_flavour(_ZUUR).tolist() if plan.needs_care_offer(index.interventions[z])]
    if not zuur:
        return []
    first_zout: dict[str, tuple[int, int]] = {}
    for m in index.of_flavour(_ZOUT).tolist():
        iv = index.interventions[m]
        addr = index.address[m]
        if not addr or not iv.is_care_offer:
            continue
        s = int(index.start[m])
        if addr not in first_zout or s < first_zout[addr][0]:
            first_zout[addr] = (s, m)
    out: list[CoherenceWarning] = []
    slack = config.zout_alongside_weeks
    for z in zuur:
        iv = index.interventions[z]
        addr = index.address[z] or iv.target
        s = int(index.start[z])
        found = first_zout.get(addr)
        if found is not None and found[0] <= s + slack:
            continue
        if found is None:
            msg = (
                f"{iv.display} op adres {addr} met een zorgsignaal heeft geen Zout-hulpaanbod op dat adres. "
                "Bied zorg aan vóór of tegelijk met de handhaving (evenredigheid)."
            )
            ids: tuple[str, ...] = (iv.id,)
        else:
            msg = (
                f"{iv.display} op adres {addr} met een zorgsignaal begint in {_wk(s)}, maar het "
                f"Zout-hulpaanbod pas in {_wk(found[0])}. Bied zorg aan vóór of tegelijk met de handhaving."
            )
            ids = (iv.id, index.ids[found[1]])
        out.append(
            CoherenceWarning(
                rule_id="zout-bij-zuur",
                severity=Severity.ERROR,
                message=msg,
                intervention_ids=ids,
                subject=f"adres {addr}",
                weeks=(s,),
            )
        )
    return out


# --------------------------------------------------------------------------------------------------
# Rule 3: every visible Zuur in a street paired with visible Zoet within N weeks
# --------------------------------------------------------------------------------------------------


def check_zoet_with_zuur(index: PlanIndex, config: RuleConfig) -> list[CoherenceWarning]:
    """Rule ``zoet-bij-zuur``: visible Zuur in a street needs visible Zoet there within N weeks."""
    zuur = [
        z
        for z in index.of_flavour(_ZUUR).tolist()
        if index.interventions[z].visible and index.street[z] and index.level[z] is not Level.GEBIED
    ]
    if not zuur:
        return []
    zoet_all = index.of_flavour(_ZOET)
    zoet = np.asarray(
        [m for m in zoet_all.tolist() if index.interventions[m].visible and index.street[m]], dtype=np.int64
    )
    table: dict[str, int] = {}
    rows = _keys_to_rows(index.street, zoet, table)
    cov = index.coverage(rows, zoet, len(table))
    area = np.asarray(
        [m for m in zoet_all.tolist() if index.interventions[m].visible and index.level[m] is Level.GEBIED],
        dtype=np.int64,
    )
    use_area = config.zoet_area_counts and len(area) > 0
    area_cov = index.coverage(np.zeros(len(area), dtype=np.int64), area, 1)[0] if use_area else None
    h = index.horizon
    prefix = np.concatenate([np.zeros((cov.shape[0], 1), dtype=np.int64), np.cumsum(cov > 0, axis=1)], axis=1)
    area_prefix = np.concatenate([[0], np.cumsum(area_cov > 0)]) if area_cov is not None else None
    zuur_arr = np.asarray(zuur, dtype=np.int64)
    s = index.start[zuur_arr]
    n = config.zoet_pairing_weeks
    lo = np.clip(s - n, 0, h)
    hi = np.clip(s + n + 1, 0, h)
    zrows = _lookup_rows(index.street, zuur_arr, table)
    has = zrows >= 0
    paired = np.zeros(len(zuur_arr), dtype=bool)
    paired[has] = (prefix[zrows[has], hi[has]] - prefix[zrows[has], lo[has]]) > 0
    if area_prefix is not None:
        paired |= (area_prefix[hi] - area_prefix[lo]) > 0
    by_street: dict[str, list[int]] = defaultdict(list)
    for m in zoet.tolist():
        by_street[index.street[m] or ""].append(m)
    out: list[CoherenceWarning] = []
    for k in np.flatnonzero(~paired).tolist():
        z = zuur[k]
        iv = index.interventions[z]
        street = index.street[z] or ""
        start = int(s[k])
        context = _context(index, [by_street.get(street, [])], config.max_context_ids - 1)
        out.append(
            CoherenceWarning(
                rule_id="zoet-bij-zuur",
                severity=Severity.WARNING,
                message=(
                    f"{iv.display} in straat {street} begint in {_wk(start)}, maar er is binnen {n} weken "
                    "ervoor of erna geen zichtbare Zoet-actie in die straat. Bewoners moeten ook een "
                    "overheid zien die bouwt (verlichting, schoonmaak, activiteiten)."
                ),
                intervention_ids=(iv.id, *context),
                subject=f"straat {street}",
                weeks=(start,),
            )
        )
    return out


# --------------------------------------------------------------------------------------------------
# Rule 4: simultaneity ("tegelijkertijd" rather than "achter elkaar")
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SimultaneityMeasure:
    """How much the flavours run at the same time.

    ``share`` = weeks with at least ``min_flavours`` flavours active / weeks with any intervention
    active (``None`` when nothing is scheduled).
    """

    share: float | None
    active_weeks: int
    simultaneous_weeks: int
    min_flavours: int
    flavours_per_week: tuple[int, ...] = field(default=())


def flavour_week_matrix(plan: Plan | PlanIndex) -> np.ndarray:
    """Number of active interventions per flavour (rows, in :data:`FLAVOURS` order) and week."""
    index = plan if isinstance(plan, PlanIndex) else PlanIndex(plan)
    members = np.flatnonzero(index.scheduled)
    return index.coverage(index.flavour[members], members, len(FLAVOURS))


def simultaneity(plan: Plan | PlanIndex, config: RuleConfig | None = None) -> SimultaneityMeasure:
    """Compute the simultaneity measure of a plan."""
    config = config or RuleConfig()
    fw = flavour_week_matrix(plan)
    per_week = (fw > 0).sum(axis=0)
    active = per_week > 0
    n_active = int(active.sum())
    n_sim = int((per_week >= config.simultaneity_min_flavours).sum())
    return SimultaneityMeasure(
        share=(n_sim / n_active) if n_active else None,
        active_weeks=n_active,
        simultaneous_weeks=n_sim,
        min_flavours=config.simultaneity_min_flavours,
        flavours_per_week=tuple(int(x) for x in per_week),
    )


def check_simultaneity(index: PlanIndex, config: RuleConfig) -> list[CoherenceWarning]:
    """Rule ``tegelijkertijd``: flag a plan whose flavours run one after another."""
    m = simultaneity(index, config)
    if m.share is None or m.share >= config.simultaneity_threshold:
        return []
    per_week = np.asarray(m.flavours_per_week)
    low = np.flatnonzero((per_week > 0) & (per_week < config.simultaneity_min_flavours))
    k = config.simultaneity_min_flavours
    return [
        CoherenceWarning(
            rule_id="tegelijkertijd",
            severity=Severity.WARNING,
            message=(
                f"In {m.simultaneous_weeks} van de {m.active_weeks} actieve weken ({m.share:.0%}) "
                f"zijn minstens {k} smaken tegelijk actief; de norm is "
                f"{config.simultaneity_threshold:.0%}. De smaken lopen achter elkaar "
                "in plaats van tegelijkertijd. Laat de partners in dezelfde weken werken."
            ),
            subject=index.plan.area or None,
            measure=m.share,
            threshold=config.simultaneity_threshold,
            weeks=tuple(int(w) for w in low),
        )
    ]


# --------------------------------------------------------------------------------------------------
# Rule 5: balance against the area's flavour diagnosis
# --------------------------------------------------------------------------------------------------


def flavour_effort(plan: Plan | PlanIndex) -> dict[Flavour, float]:
    """Planned effort per flavour: the sum of degree × duration (interventions with a duration)."""
    index = plan if isinstance(plan, PlanIndex) else PlanIndex(plan)
    effort = np.zeros(len(FLAVOURS))
    ok = index.duration > 0
    np.add.at(effort, index.flavour[ok], (index.degree[ok] * index.duration[ok]).astype(float))
    return {f: float(effort[FLAVOUR_INDEX[f]]) for f in FLAVOURS}


def check_balance(index: PlanIndex, config: RuleConfig) -> list[CoherenceWarning]:
    """Rule ``smaakbalans``: planned effort per flavour against the diagnosed flavour weights.

    Every message names what the diagnosis rests on (scan year, indicators present / expected). A
    diagnosis from a year in which whole themes had no figures is incomplete: a flavour those themes
    point to cannot show, so its 0 % means "unknown". Then the shares are not compared; the rule says
    so, and only reports a flavour the diagnosis does ask for that has no intervention at all.
    """
    diagnosis = {Flavour(f): float(w) for f, w in index.plan.flavour_diagnosis.items() if w and w > 0}
    total_w = sum(diagnosis.values())
    if total_w <= 0:
        return []
    basis = index.plan.diagnosis_basis
    source = basis.describe() if basis is not None else "wijkanalyse"
    complete = basis is None or basis.complete
    effort = flavour_effort(index)
    total_e = sum(effort.values())
    out: list[CoherenceWarning] = []
    tol = config.balance_tolerance
    if not complete:
        out.append(
            CoherenceWarning(
                rule_id="smaakbalans",
                severity=Severity.INFO,
                message=(
                    f"De smaakdiagnose is onvolledig ({source}): voor {', '.join(basis.missing_themes)} "
                    "waren er dat jaar geen cijfers. De verdeling van de inzet over de smaken wordt daarom "
                    "niet met de diagnose vergeleken; ververs de diagnose met een jaar met alle thema's."
                ),
                subject="diagnose",
                measure=basis.coverage,
                threshold=None,
            )
        )
    for f in FLAVOURS:
        expected = diagnosis.get(f, 0.0) / total_w
        planned = effort[f] / total_e if total_e > 0 else 0.0
        if expected > 0 and planned == 0:
            severity, msg = (
                Severity.WARNING,
                f"De {source} vraagt om {f.label}"
                + (f" ({expected:.0%} van de inzet)" if complete else "")
                + f", maar er is geen {f.label}-interventie met een duur gepland.",
            )
        elif not complete:
            continue
        elif planned < expected - tol:
            severity, msg = (
                Severity.WARNING,
                f"{f.label} krijgt {planned:.0%} van de geplande inzet, terwijl de {source} "
                f"{expected:.0%} vraagt (marge {tol:.0%}).",
            )
        elif planned > expected + tol:
            severity, msg = (
                Severity.INFO,
                f"{f.label} krijgt {planned:.0%} van de geplande inzet, meer dan de {expected:.0%} die de "
                f"{source} vraagt (marge {tol:.0%}).",
            )
        else:
            continue
        out.append(
            CoherenceWarning(
                rule_id="smaakbalans",
                severity=severity,
                message=msg,
                subject=f.label,
                measure=planned,
                threshold=expected if complete else None,
            )
        )
    return out


# --------------------------------------------------------------------------------------------------
# Rule 6: partner capacity, one coordinator per address, completeness
# --------------------------------------------------------------------------------------------------


def partner_load(plan: Plan | PlanIndex) -> tuple[np.ndarray, np.ndarray]:
    """``(load, capacity)`` arrays of shape (partners × weeks): sum of degree per week, and capacity."""
    index = plan if isinstance(plan, PlanIndex) else PlanIndex(plan)
    h = index.horizon
    n_p = len(index.partner_ids)
    members = np.flatnonzero(index.scheduled & (index.owner >= 0))
    diff = np.zeros((max(n_p, 1), h + 1), dtype=np.int64)
    s = np.minimum(index.start[members], h)
    e = np.minimum(index.end[members], h)
    np.add.at(diff, (index.owner[members], s), index.degree[members])
    np.add.at(diff, (index.owner[members], e), -index.degree[members])
    load = np.cumsum(diff, axis=1)[:n_p, :h]
    cap = np.asarray([p.capacity_array(h) for p in index.plan.partners], dtype=np.int64).reshape(n_p, h)
    return load, cap


def check_capacity(index: PlanIndex, config: RuleConfig) -> list[CoherenceWarning]:
    """Rule ``capaciteit``: no partner spends more than its weekly capacity."""
    if not index.partner_ids:
        return []
    load, cap = partner_load(index)
    over = load > cap
    if not over.any():
        return []
    prefix = np.concatenate([np.zeros((over.shape[0], 1), dtype=np.int64), np.cumsum(over, axis=1)], axis=1)
    members = np.flatnonzero(index.scheduled & (index.owner >= 0))
    h = index.horizon
    owner = index.owner[members]
    s = np.minimum(index.start[members], h)
    e = np.minimum(index.end[members], h)
    involved = members[(prefix[owner, e] - prefix[owner, s]) > 0]
    by_partner: dict[int, list[str]] = defaultdict(list)
    for m in involved.tolist():
        by_partner[int(index.owner[m])].append(index.ids[m])
    out: list[CoherenceWarning] = []
    for p in np.flatnonzero(over.any(axis=1)).tolist():
        partner = index.plan.partners[p]
        weeks = np.flatnonzero(over[p])
        excess = load[p] - cap[p]
        worst = int(np.argmax(excess))
        out.append(
            CoherenceWarning(
                rule_id="capaciteit",
                severity=Severity.ERROR,
                message=(
                    f"{partner.display} zet in {_weeks_text(weeks.tolist())} meer in dan de capaciteit; "
                    f"het hoogst in {_wk(worst)}: {int(load[p, worst])} tegen {int(cap[p, worst])} per week."
                ),
                intervention_ids=tuple(by_partner.get(p, [])),
                subject=partner.display,
                measure=float(load[p, worst]),
                threshold=float(cap[p, worst]),
                weeks=tuple(int(w) for w in weeks),
            )
        )
    return out


def check_one_coordinator(index: PlanIndex, config: RuleConfig) -> list[CoherenceWarning]:
    """Rule ``een-coordinator``: every address with interventions has exactly one coordinator."""
    coords: dict[str, set[str]] = defaultdict(set)
    members: dict[str, list[int]] = defaultdict(list)
    for m, addr in enumerate(index.address):
        if not addr:
            continue
        members[addr].append(m)
        c = index.interventions[m].coordinator
        if c:
            coords[addr].add(c)
    out: list[CoherenceWarning] = []
    for addr, ms in members.items():
        names = coords.get(addr, set())
        if len(names) == 1:
            continue
        ids = tuple(index.ids[m] for m in ms)
        if not names:
            msg = (
                f"Adres {addr} heeft {len(ms)} interventie(s) maar geen coördinator. Wijs één "
                "coördinator aan die de partners op dit adres afstemt."
            )
        else:
            msg = (
                f"Adres {addr} heeft {len(names)} coördinatoren ({', '.join(sorted(names))}); "
                "er hoort er precies één te zijn."
            )
        out.append(
            CoherenceWarning(
                rule_id="een-coordinator",
                severity=Severity.WARNING,
                message=msg,
                intervention_ids=ids,
                subject=f"adres {addr}",
                measure=float(len(names)),
                threshold=1.0,
            )
        )
    return out


def check_completeness(index: PlanIndex, config: RuleConfig) -> list[CoherenceWarning]:
    """Rule ``volledigheid``: each intervention has a duration, exit criteria and a known owner."""
    known = set(index.partner_ids)
    out: list[CoherenceWarning] = []
    for iv in index.interventions:
        missing: list[str] = []
        if iv.duration_weeks is None or iv.duration_weeks <= 0:
            missing.append("een duur in weken")
        if not iv.exit_criteria.strip():
            missing.append("exit-criteria (wanneer is de interventie klaar?)")
        if known and iv.owner not in known:
            missing.append(f"een bekende eigenaar (partner {iv.owner!r} staat niet in het convenant)")
        if missing:
            out.append(
                CoherenceWarning(
                    rule_id="volledigheid",
                    severity=Severity.WARNING,
                    message=f"{iv.display} mist " + " en ".join(missing) + ".",
                    intervention_ids=(iv.id,),
                )
            )
        elif iv.start_week is None:
            out.append(
                CoherenceWarning(
                    rule_id="volledigheid",
                    severity=Severity.INFO,
                    message=f"{iv.display} is nog niet ingepland (geen startweek).",
                    intervention_ids=(iv.id,),
                )
            )
    return out


def check_dependencies(index: PlanIndex, config: RuleConfig) -> list[CoherenceWarning]:
    """Rule ``afhankelijkheden``: agreed order and windows are respected by the start weeks."""
    pos = {iid: m for m, iid in enumerate(index.ids)}
    out: list[CoherenceWarning] = []

    def sched(iid: str) -> int | None:
        m = pos.get(iid)
        return m if m is not None and index.scheduled[m] else None

    for dep in index.plan.dependencies:
        a, b = sched(dep.first), sched(dep.second)
        if a is None or b is None:
            continue
        ia, ib = index.interventions[a], index.interventions[b]
        sa, sb, ea, eb = (int(index.start[a]), int(index.start[b]), int(index.end[a]), int(index.end[b]))
        lag = f" (met {dep.lag_weeks} weken ertussen)" if dep.lag_weeks else ""
        msg = None
        if dep.kind is DependencyKind.BEFORE and ea + dep.lag_weeks > sb:
            msg = f"{ia.display} moet klaar zijn vóór {ib.display} begint{lag}, maar loopt tot {_wk(ea - 1)}."
        elif dep.kind is DependencyKind.AFTER and eb + dep.lag_weeks > sa:
            msg = f"{ia.display} mag pas beginnen na {ib.display}{lag}, maar begint al in {_wk(sa)}."
        elif dep.kind is DependencyKind.TOGETHER:
            overlap = sa < eb and sb < ea
            window = dep.window_weeks is None or abs(sa - sb) <= dep.window_weeks
            if not (overlap and window):
                extra = (
                    f" en binnen {dep.window_weeks} weken na elkaar starten"
                    if dep.window_weeks is not None
                    else ""
                )
                msg = f"{ia.display} en {ib.display} moeten tegelijk lopen{extra}."
        if msg:
            out.append(
                CoherenceWarning(
                    rule_id="afhankelijkheden",
                    severity=Severity.ERROR,
                    message=msg,
                    intervention_ids=(ia.id, ib.id),
                )
            )
    for m in np.flatnonzero(index.scheduled).tolist():
        iv = index.interventions[m]
        due = iv.due_week
        if int(index.start[m]) < iv.release_week or (due is not None and int(index.end[m]) > due):
            window = f"vanaf {_wk(iv.release_week)}" + (
                f" en klaar vóór {_wk(due)}" if due is not None else ""
            )
            out.append(
                CoherenceWarning(
                    rule_id="afhankelijkheden",
                    severity=Severity.ERROR,
                    message=f"{iv.display} valt buiten het afgesproken tijdvenster ({window}).",
                    intervention_ids=(iv.id,),
                )
            )
    return out


# --------------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    """A published coherence rule."""

    id: str
    title: str
    explanation: str
    default_severity: Severity
    #: The scheduler enforces this rule as a hard constraint.
    hard_in_scheduler: bool
    check: Callable[[PlanIndex, RuleConfig], list[CoherenceWarning]]


RULES: tuple[Rule, ...] = (
    Rule(
        id="bitter-voor-zuur",
        title="Bitter vóór of tijdens Zuur",
        explanation=(
            "Als een probleemhuurder vertrekt (Zuur), moet voor dat adres, complex, die straat of het hele "
            "gebied een screening van nieuwe huurders (Bitter) actief zijn op het moment dat de uitstroom "
            "is afgerond. Anders trekt de vrijgekomen woning de volgende probleemhuurder aan."
        ),
        default_severity=Severity.ERROR,
        hard_in_scheduler=True,
        check=check_bitter_before_zuur,
    ),
    Rule(
        id="zout-bij-zuur",
        title="Zout vóór of met Zuur bij een zorgsignaal",
        explanation=(
            "Op een adres met een zorgsignaal moet een hulpaanbod (Zout) zijn gedaan vóór of tegelijk met "
            "de handhaving (Zuur). De rechter toetst de evenredigheid van sluitingen en ontruimingen; een "
            "overwogen en vastgelegd zorgaanbod weegt daarin mee."
        ),
        default_severity=Severity.ERROR,
        hard_in_scheduler=True,
        check=check_zout_with_zuur,
    ),
    Rule(
        id="zoet-bij-zuur",
        title="Zichtbaar Zoet bij zichtbaar Zuur",
        explanation=(
            "Elke zichtbare Zuur-actie in een straat gaat samen met een zichtbare Zoet-actie in die straat, "
            "binnen een instelbaar aantal weken. Zo zien welwillende bewoners een overheid die ook bouwt, "
            "en komen vertrouwen en meldingen terug."
        ),
        default_severity=Severity.WARNING,
        hard_in_scheduler=False,
        check=check_zoet_with_zuur,
    ),
    Rule(
        id="tegelijkertijd",
        title="Tegelijkertijd, niet achter elkaar",
        explanation=(
            "De partners werken in dezelfde weken aan alle aspecten van de buurt. Gemeten wordt het aandeel "
            "van de actieve weken waarin minstens drie smaken tegelijk actief zijn; onder de drempel lopen "
            "de smaken achter elkaar."
        ),
        default_severity=Severity.WARNING,
        hard_in_scheduler=False,
        check=check_simultaneity,
    ),
    Rule(
        id="smaakbalans",
        title="Balans met de smaakdiagnose",
        explanation=(
            "De geplande inzet per smaak (intensiteit × duur) wordt vergeleken met de smaken waar de "
            "wijkanalyse om vraagt. Een smaak die veel minder inzet krijgt dan de diagnose vraagt, wordt "
            "gemeld, met het jaar en de dekking van de wijkanalyse. Is de diagnose onvolledig (hele thema's "
            "zonder cijfers), dan wordt de verdeling niet vergeleken."
        ),
        default_severity=Severity.WARNING,
        hard_in_scheduler=False,
        check=check_balance,
    ),
    Rule(
        id="capaciteit",
        title="Binnen de capaciteit van elke partner",
        explanation=(
            "Per week mag de som van de intensiteit van de lopende interventies van een partner niet boven "
            "de capaciteit liggen die de partner in het convenant heeft toegezegd."
        ),
        default_severity=Severity.ERROR,
        hard_in_scheduler=True,
        check=check_capacity,
    ),
    Rule(
        id="een-coordinator",
        title="Eén coördinator per adres",
        explanation=(
            "Elk adres met interventies heeft precies één coördinator die de partners op dat adres afstemt."
        ),
        default_severity=Severity.WARNING,
        hard_in_scheduler=False,
        check=check_one_coordinator,
    ),
    Rule(
        id="volledigheid",
        title="Duur en exit-criteria",
        explanation=(
            "Elke interventie heeft een duur in weken, exit-criteria (wanneer is zij klaar) en een eigenaar "
            "die partner in het convenant is."
        ),
        default_severity=Severity.WARNING,
        hard_in_scheduler=False,
        check=check_completeness,
    ),
    Rule(
        id="afhankelijkheden",
        title="Afgesproken volgorde en tijdvensters",
        explanation=(
            "Interventies die vóór, na of tegelijk met een andere moeten lopen, en interventies met een "
            "vroegste start of uiterste einddatum, worden zo ingepland."
        ),
        default_severity=Severity.ERROR,
        hard_in_scheduler=True,
        check=check_dependencies,
    ),
)

RULES_BY_ID: Mapping[str, Rule] = {r.id: r for r in RULES}


def check_plan(
    plan: Plan,
    config: RuleConfig | None = None,
    *,
    rule_ids: Iterable[str] | None = None,
) -> list[CoherenceWarning]:
    """Run the coherence rules (all, or those in ``rule_ids``) and return their warnings.

    Warnings are ordered by severity (most serious first), then by rule order.
    """
    config = config or RuleConfig()
    selected = RULES if rule_ids is None else tuple(RULES_BY_ID[r] for r in rule_ids)
    index = PlanIndex(plan)
    out: list[CoherenceWarning] = []
    for rule in selected:
        out.extend(rule.check(index, config))
    order = {r.id: k for k, r in enumerate(RULES)}
    out.sort(key=lambda w: (-w.severity.rank, order.get(w.rule_id, 99)))
    return out
