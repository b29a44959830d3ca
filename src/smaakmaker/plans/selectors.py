# SPDX-License-Identifier: EUPL-1.2
"""Reads of the plans domain and the mapping of its models to the pure :class:`domain.Plan`.

Two views of one plan:

- the **system view** (:func:`plan_domain`) holds every intervention and is what the coherence rules
  and the scheduler see. Addresses enter it only as opaque keys (``#<id>``), and care information
  only as the coarse flag "a care signal exists at this address" (:func:`care_flags`), never the
  content of a signal;
- the **user view** (:func:`plan_view`) shows a user the interventions at area, street and complex
  level, and address-level interventions only when the user holds
  ``plans.view_address_interventions`` *and* the register shows them the address
  (``Address.objects.visible_to``). Every read of address-level interventions writes an audit record
  with processing-log entries in the same transaction. Warnings that involve an address the user may
  not see are shown without their message.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smaakmaker.access.audit import Origin, Processing, audit_record
from smaakmaker.access.models import Compartment, ProcessingActivity
from smaakmaker.cases.models import Address, Signal

from . import domain, rules
from .models import (
    Approach,
    InterventionType,
    PlanDependency,
    PlanIntervention,
    SchedulerRun,
)
from .querysets import ADDRESS_PERMISSION, DEFAULT_ACTIVITY_CODE, VIEW_PERMISSION

PLAN_PURPOSE = "Wijkaanpak: plan bekijken"
ADDRESS_KEY_RE = re.compile(r"#(\d+)\b")
#: Map the wijkscan's flavour names ("Zoet", …) to the domain's.
SCAN_FLAVOURS = {
    "Zoet": domain.Flavour.ZOET,
    "Zuur": domain.Flavour.ZUUR,
    "Zout": domain.Flavour.ZOUT,
    "Bitter": domain.Flavour.BITTER,
}


def address_key(address_id: int) -> str:
    """The opaque key an address has in the pure plan (and in rule messages)."""
    return f"#{address_id}"


# --- catalogue and approaches ------------------------------------------------------------------------


def catalogue() -> QuerySet[InterventionType]:
    return InterventionType.objects.filter(is_active=True)


def approaches_visible(*, user) -> QuerySet[Approach]:
    if not user.is_authenticated or not user.has_perm(VIEW_PERMISSION):
        return Approach.objects.none()
    return Approach.objects.select_related("area", "covenant").order_by("name")


def approach_get(*, user, uuid) -> Approach | None:
    return approaches_visible(user=user).filter(uuid=uuid).first()


def diagnosis_from_scan(flavours: pd.DataFrame, code: str) -> tuple[dict[str, float], list[str]]:
    """Flavour weights for one area from ``ScanResult.flavours``: the number of scan rules that fired
    per flavour, and their Dutch reasons."""
    if flavours is None or flavours.empty:
        return {}, []
    rows = flavours[flavours["code"] == code]
    counts = Counter(str(f) for f in rows["flavour"])
    weights = {SCAN_FLAVOURS[name].value: float(n) for name, n in counts.items() if name in SCAN_FLAVOURS}
    return weights, [str(r) for r in rows["reason"]]


def diagnosis_basis(approach: Approach) -> domain.DiagnosisBasis | None:
    """What the approach's stored diagnosis rests on (``None`` for one stored before this was kept)."""
    basis = approach.diagnosis_basis or {}
    if not basis:
        return None
    return domain.DiagnosisBasis(
        year=approach.diagnosis_year,
        present=int(basis.get("present", 0)),
        expected=int(basis.get("expected", 0)),
        missing_themes=tuple(basis.get("missing_themes", ())),
    )


# --- model -> domain ---------------------------------------------------------------------------------


def care_flags(address_ids: Iterable[int]) -> set[int]:
    """Addresses (of the given ones) with a care signal, as the coarse flag only: which addresses,
    not what. This is the flag the covenant lets partners see ("zorgsignaal aanwezig")."""
    ids = list(set(address_ids))
    if not ids:
        return set()
    return set(
        Signal.objects.filter(
            address_id__in=ids, activity__compartment=Compartment.ZORG, anonymised__isnull=True
        )
        .values_list("address_id", flat=True)
        .distinct()
    )


def _to_domain_intervention(iv: PlanIntervention, area_code: str) -> domain.Intervention:
    level = domain.Level(iv.level)
    addr = address_key(iv.address_id) if iv.address_id else None
    street = iv.street or (iv.address.street if iv.address_id else "") or None
    target = {
        domain.Level.ADRES: addr or "",
        domain.Level.COMPLEX: iv.complex,
        domain.Level.STRAAT: iv.street,
        domain.Level.GEBIED: area_code,
    }[level]
    return domain.Intervention(
        id=iv.ref,
        flavour=domain.Flavour(iv.flavour),
        level=level,
        target=target or "",
        owner=str(iv.owner_id),
        start_week=iv.start_week,
        duration_weeks=iv.duration_weeks,
        degree=iv.degree,
        status=domain.Status(iv.status),
        exit_criteria=iv.exit_criteria,
        coordinator=iv.coordinator.name if iv.coordinator_id else None,
        title=iv.display_title,
        street=street,
        complex=iv.complex or None,
        address=addr,
        is_care_offer=iv.is_care_offer,
        visible=iv.visible,
        outflow=iv.outflow,
        priority=iv.priority,
        release_week=iv.release_week,
        due_week=iv.due_week,
    )


def plan_interventions(approach: Approach) -> list[PlanIntervention]:
    return list(
        approach.interventions.select_related(
            "intervention_type", "owner", "coordinator", "address"
        ).order_by("start_week", "ref")
    )


def plan_domain(
    approach: Approach,
    *,
    interventions: list[PlanIntervention] | None = None,
    starts: Mapping[str, int] | None = None,
) -> domain.Plan:
    """The system view of the plan as a pure :class:`domain.Plan` (optionally with other start weeks)."""
    items = plan_interventions(approach) if interventions is None else interventions
    area_code = approach.area.code
    ivs = [_to_domain_intervention(iv, area_code) for iv in items]
    if starts:
        ivs = [domain_replace_start(iv, starts.get(iv.id)) for iv in ivs]
    by_pk = {iv.pk: iv.ref for iv in items}
    deps = tuple(
        domain.Dependency(
            first=by_pk[d.first_id],
            second=by_pk[d.second_id],
            kind=domain.DependencyKind(d.kind),
            lag_weeks=d.lag_weeks,
            window_weeks=d.window_weeks,
        )
        for d in PlanDependency.objects.filter(approach=approach)
        if d.first_id in by_pk and d.second_id in by_pk
    )
    partners = tuple(
        domain.Partner(id=str(p.organisation_id), name=p.organisation.name, weekly_capacity=p.weekly_capacity)
        for p in approach.partner_rows.select_related("organisation")
    )
    care = care_flags(iv.address_id for iv in items if iv.address_id)
    diagnosis = {domain.Flavour(k): float(v) for k, v in (approach.flavour_diagnosis or {}).items()}
    return domain.Plan(
        diagnosis_basis=diagnosis_basis(approach),
        interventions=tuple(ivs),
        dependencies=deps,
        partners=partners,
        horizon_weeks=approach.horizon_weeks,
        area=area_code,
        flavour_diagnosis=diagnosis,
        care_addresses=frozenset(address_key(pk) for pk in care),
    )


def domain_replace_start(iv: domain.Intervention, start: int | None) -> domain.Intervention:
    from dataclasses import replace

    return iv if start is None else replace(iv, start_week=int(start))


def plan_warnings(approach: Approach, *, plan: domain.Plan | None = None) -> list[domain.CoherenceWarning]:
    """All coherence warnings of the plan (system view; filter with :func:`warnings_for_user`)."""
    return rules.check_plan(plan or plan_domain(approach))


@dataclass(frozen=True)
class PlansSummary:
    approaches: int
    warnings: int
    first: Approach | None


def plans_summary(*, user) -> PlansSummary | None:
    """How many approaches a plan reader sees and how many coherence warnings they carry (counts only;
    the plan page shows each warning, redacted where it concerns what the reader may not see)."""
    if not user.has_perm(VIEW_PERMISSION):
        return None
    approaches = list(approaches_visible(user=user))
    warnings = sum(len(plan_warnings(a)) for a in approaches)
    return PlansSummary(
        approaches=len(approaches), warnings=warnings, first=approaches[0] if approaches else None
    )


# --- the user view -----------------------------------------------------------------------------------


def may_see_addresses(user) -> bool:
    return user.has_perm(ADDRESS_PERMISSION)


def visible_address_ids(*, user, address_ids: Iterable[int]) -> set[int]:
    """The register's visibility applied to the plan's addresses."""
    ids = list(set(address_ids))
    if not ids or not may_see_addresses(user):
        return set()
    return set(Address.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def shown_ids(*, user, items: Iterable[PlanIntervention]) -> set[int]:
    """Of these interventions, the ids this user may see in full (``PlanIntervention.objects.visible_to``)."""
    items = list(items)
    if not items:
        return set()
    if all(not iv.address_id for iv in items):  # nothing personal: the plan's readers see it all
        return {iv.pk for iv in items} if user is not None and user.has_perm(VIEW_PERMISSION) else set()
    return set(
        PlanIntervention.objects.visible_to(user)
        .filter(pk__in=[iv.pk for iv in items])
        .values_list("pk", flat=True)
    )


@dataclass(frozen=True)
class InterventionFlag:
    """What a user without the grant sees of an address-level intervention: that one is planned, in
    which compartment, by which partner, from which week. Never its type, instrument, degree or text."""

    address: Address
    compartment: str
    label: str
    owner: str
    start_week: int | None

    @property
    def week_label(self) -> int | None:
        return None if self.start_week is None else self.start_week + 1


FLAG_LABELS = {
    Compartment.ZORG: gettext_lazy("Care intervention planned"),
    Compartment.POLITIE: gettext_lazy("Intervention with police information planned"),
    Compartment.CORPORATIE: gettext_lazy("Intervention with housing corporation data planned"),
    Compartment.ALGEMEEN: gettext_lazy("Address-level intervention planned"),
}


def _compartments(approach: Approach, codes: Iterable[str]) -> dict[str, str]:
    """The compartment of each processing activity code, from the approach's covenant first."""
    rows = ProcessingActivity.objects.filter(code__in=set(codes)).values_list(
        "code", "compartment", "covenant_id"
    )
    out: dict[str, str] = {}
    for code, compartment, _covenant in sorted(rows, key=lambda r: r[2] != approach.covenant_id):
        out.setdefault(code, compartment)
    return out


def _activity_code(iv: PlanIntervention) -> str:
    return iv.intervention_type.activity_code or DEFAULT_ACTIVITY_CODE


def _flags(approach: Approach, items: list[PlanIntervention]) -> list[InterventionFlag]:
    compartments = _compartments(approach, (_activity_code(iv) for iv in items))
    out = []
    for iv in items:
        compartment = compartments.get(_activity_code(iv), Compartment.ALGEMEEN)
        out.append(
            InterventionFlag(
                address=iv.address,
                compartment=compartment,
                label=str(FLAG_LABELS.get(compartment, FLAG_LABELS[Compartment.ALGEMEEN])),
                owner=iv.owner.name,
                start_week=iv.start_week,
            )
        )
    return sorted(out, key=lambda f: (f.address.label, f.start_week if f.start_week is not None else -1))


@dataclass
class Shown:
    """One user's share of a list of interventions: in full, as a flag, or not at all."""

    full: list[PlanIntervention]
    flagged: list[PlanIntervention]
    hidden: list[PlanIntervention]
    visible_address_ids: set[int]

    @property
    def full_refs(self) -> set[str]:
        return {iv.ref for iv in self.full}


def interventions_shown(*, user, items: list[PlanIntervention]) -> Shown:
    """The one split every page, API operation, export and command uses: interventions shown in full
    (``visible_to``), address-level ones shown as a coarse flag (at addresses the register shows the
    user), and the rest (counted only)."""
    if user is None:  # the command line: what any plan reader without grants sees
        full_ids = {iv.pk for iv in items if not iv.address_id}
    else:
        full_ids = shown_ids(user=user, items=items)
    others = [iv for iv in items if iv.pk not in full_ids]
    addresses = (
        visible_address_ids(user=user, address_ids=(iv.address_id for iv in others if iv.address_id))
        if user is not None
        else set()
    )
    full, flagged, hidden = [], [], []
    for iv in items:
        if iv.pk in full_ids:
            full.append(iv)
        elif iv.address_id and iv.address_id in addresses:
            flagged.append(iv)
        else:
            hidden.append(iv)
    shown_addresses = addresses | {iv.address_id for iv in full if iv.address_id}
    return Shown(full=full, flagged=flagged, hidden=hidden, visible_address_ids=shown_addresses)


@dataclass
class ShownWarning:
    rule_id: str
    rule_title: str
    severity: str
    severity_label: str
    message: str
    refs: list[str]
    redacted: bool = False


@dataclass
class FlavourBalance:
    flavour: str
    label: str
    planned_share: float
    diagnosed_share: float | None
    effort: float

    @property
    def planned_pct(self) -> int:
        return round(100 * self.planned_share)

    @property
    def diagnosed_pct(self) -> int | None:
        return None if self.diagnosed_share is None else round(100 * self.diagnosed_share)


@dataclass
class PlanView:
    approach: Approach
    interventions: list[PlanIntervention]
    hidden_by_flavour: dict[str, int]
    warnings: list[ShownWarning]
    balance: list[FlavourBalance]
    simultaneity: rules.SimultaneityMeasure
    address_labels: dict[int, str] = field(default_factory=dict)
    flags: list[InterventionFlag] = field(default_factory=list)

    @property
    def hidden_total(self) -> int:
        return sum(self.hidden_by_flavour.values())


def _label_addresses(text: str, labels: Mapping[int, str]) -> str:
    def sub(match: re.Match) -> str:
        pk = int(match.group(1))
        return labels.get(pk, match.group(0))

    return ADDRESS_KEY_RE.sub(sub, text)


def warnings_for_user(
    warnings: list[domain.CoherenceWarning],
    *,
    full_refs: set[str],
    visible_ids: set[int],
    labels: Mapping[int, str],
) -> list[ShownWarning]:
    """Warnings as a user may see them: a warning that involves an intervention the user does not see in
    full, or names an address the user may not see, keeps its rule and severity but loses its message
    and the references of those interventions."""
    out = []
    for w in warnings:
        hidden_refs = [r for r in w.intervention_ids if r not in full_refs]
        subject_ids = [int(m) for m in ADDRESS_KEY_RE.findall(w.message + " " + (w.subject or ""))]
        redacted = bool(hidden_refs) or any(pk not in visible_ids for pk in subject_ids)
        rule = rules.RULES_BY_ID.get(w.rule_id)
        out.append(
            ShownWarning(
                rule_id=w.rule_id,
                rule_title=rule.title if rule else w.rule_id,
                severity=w.severity.value,
                severity_label=w.severity.label,
                message=(
                    _("This warning concerns address-level interventions you may not see in full.")
                    if redacted
                    else _label_addresses(w.message, labels)
                ),
                refs=[r for r in w.intervention_ids if r not in hidden_refs],
                redacted=redacted,
            )
        )
    return out


def _balance(plan: domain.Plan) -> list[FlavourBalance]:
    effort = rules.flavour_effort(plan)
    total = sum(effort.values())
    diag = {f: float(w) for f, w in plan.flavour_diagnosis.items() if w and w > 0}
    total_d = sum(diag.values())
    if plan.diagnosis_basis is not None and not plan.diagnosis_basis.complete:
        total_d = 0.0  # whole themes without figures: no diagnosed shares to show (the page says why)
    return [
        FlavourBalance(
            flavour=f.value,
            label=f.label,
            planned_share=(effort[f] / total) if total else 0.0,
            diagnosed_share=(diag.get(f, 0.0) / total_d) if total_d else None,
            effort=effort[f],
        )
        for f in domain.FLAVOURS
    ]


def address_processing(
    full: Iterable[PlanIntervention], flagged: Iterable[PlanIntervention] = ()
) -> list[Processing]:
    """Processing-log entries for what is shown: the activity of every intervention shown in full, and
    for an address shown only with flags the bare fact that it was shown (``-``, as the register's
    lists do): never the activity of something the user did not see."""
    seen = set()
    out = []
    for iv in full:
        if not iv.address_id:
            continue
        key = (_activity_code(iv), iv.address_id)
        if key not in seen:
            seen.add(key)
            out.append(
                Processing(activity_code=key[0], subject_type="address", subject_id=str(iv.address.uuid))
            )
    shown_addresses = {pk for _code, pk in seen}
    for item in flagged:  # interventions shown as a flag, or the flags themselves
        address = item.address
        if address is not None and address.pk not in shown_addresses:
            shown_addresses.add(address.pk)
            out.append(Processing(activity_code="-", subject_type="address", subject_id=str(address.uuid)))
    return out


def _audit_address_read(
    *,
    user,
    approach: Approach,
    full: Iterable[PlanIntervention],
    flagged: Iterable,
    action: str,
    origin: Origin | None,
) -> None:
    """Audit a read of what is shown: interventions in full, and interventions or flags shown as flags."""
    processing = address_processing(full, flagged)
    if not processing:
        return
    with transaction.atomic():
        audit_record(
            actor=user,
            action=action,
            obj=approach,
            reason=PLAN_PURPOSE,
            origin=origin,
            processing=processing,
        )


def _hidden_by_flavour(items: Iterable[PlanIntervention]) -> dict[str, int]:
    counts = Counter(iv.flavour for iv in items)
    return {f.value: counts.get(f.value, 0) for f in domain.FLAVOURS}


def plan_page_read(
    *,
    user,
    approach: Approach,
    interventions: Iterable[PlanIntervention] = (),
    flags: Iterable[InterventionFlag] = (),
    origin: Origin | None = None,
) -> None:
    """Audit one page of a plan's interventions or flags (the API pages them; take the page from
    ``plan_view(..., audit=False)``): the processing of what the page shows, nothing else."""
    _audit_address_read(
        user=user,
        approach=approach,
        full=interventions,
        flagged=flags,
        action="plan.addresses.read",
        origin=origin,
    )


def plan_view(*, user, approach: Approach, origin: Origin | None = None, audit: bool = True) -> PlanView:
    """What this user may see of the plan, its warnings and its flavour balance (``user=None``: what
    any reader without grants sees, e.g. on the command line)."""
    items = plan_interventions(approach)
    plan = plan_domain(approach, interventions=items)
    warnings = rules.check_plan(plan)
    shown = interventions_shown(user=user, items=items)
    labels = {iv.address_id: iv.address.label for iv in shown.full + shown.flagged if iv.address_id}
    if audit and user is not None:
        _audit_address_read(
            user=user,
            approach=approach,
            full=shown.full,
            flagged=shown.flagged,
            action="plan.addresses.read",
            origin=origin,
        )
    return PlanView(
        approach=approach,
        interventions=shown.full,
        hidden_by_flavour=_hidden_by_flavour(shown.flagged + shown.hidden),
        warnings=warnings_for_user(
            warnings, full_refs=shown.full_refs, visible_ids=shown.visible_address_ids, labels=labels
        ),
        balance=_balance(plan),
        simultaneity=rules.simultaneity(plan),
        address_labels=labels,
        flags=_flags(approach, shown.flagged),
    )


def proposal_warnings(*, user, approach: Approach, starts: Mapping[str, int]) -> list[ShownWarning]:
    """The warnings the plan would carry with a proposal's start weeks, as this user may see them
    (redacted exactly as the plan page redacts the current ones). Reads nothing the plan page of the same
    request did not already read and log."""
    items = plan_interventions(approach)
    plan = plan_domain(approach, interventions=items, starts=starts)
    shown = interventions_shown(user=user, items=items)
    labels = {iv.address_id: iv.address.label for iv in shown.full + shown.flagged if iv.address_id}
    return warnings_for_user(
        rules.check_plan(plan),
        full_refs=shown.full_refs,
        visible_ids=shown.visible_address_ids,
        labels=labels,
    )


@dataclass
class AddressPlan:
    address: Address
    interventions: list[PlanIntervention]
    care_flag: bool
    flags: list[InterventionFlag] = field(default_factory=list)


def plan_by_address(*, user, approach: Approach, origin: Origin | None = None) -> list[AddressPlan]:
    """The plan per address, for the addresses this user may see (audited)."""
    items = [iv for iv in plan_interventions(approach) if iv.address_id]
    shown = interventions_shown(user=user, items=items)
    groups: dict[int, list[PlanIntervention]] = defaultdict(list)
    flagged: dict[int, list[PlanIntervention]] = defaultdict(list)
    for iv in shown.full:
        groups[iv.address_id].append(iv)
    for iv in shown.flagged:
        flagged[iv.address_id].append(iv)
    care = care_flags(set(groups) | set(flagged))
    _audit_address_read(
        user=user,
        approach=approach,
        full=shown.full,
        flagged=shown.flagged,
        action="plan.addresses.read",
        origin=origin,
    )
    out = []
    for pk in set(groups) | set(flagged):
        ivs = groups.get(pk, [])
        flags = _flags(approach, flagged.get(pk, []))
        address = ivs[0].address if ivs else flags[0].address
        out.append(AddressPlan(address=address, interventions=ivs, care_flag=pk in care, flags=flags))
    return sorted(out, key=lambda a: (a.address.street, a.address.house_number, a.address.house_letter))


def address_plan(
    *, user, approach: Approach, address_uuid, origin: Origin | None = None
) -> AddressPlan | None:
    """The interventions at one address, or None when the user may see none of them, not even as a flag
    (audited when shown)."""
    address = Address.objects.filter(uuid=address_uuid).first()
    if address is None:
        return None
    items = [iv for iv in plan_interventions(approach) if iv.address_id == address.pk]
    shown = interventions_shown(user=user, items=items)
    if not shown.full and not shown.flagged:
        return None
    _audit_address_read(
        user=user,
        approach=approach,
        full=shown.full,
        flagged=shown.flagged,
        action="plan.address.read",
        origin=origin,
    )
    return AddressPlan(
        address=address,
        interventions=shown.full,
        care_flag=bool(care_flags([address.pk])),
        flags=_flags(approach, shown.flagged),
    )


def runs_for(approach: Approach) -> QuerySet[SchedulerRun]:
    return approach.runs.all()


# --- choices for the plan's forms ----------------------------------------------------------------------


def area_buurt_prefixes(area) -> list[str]:
    """The buurt-code prefixes an area covers: a buurt itself, the buurten of a wijk or gemeente (their
    codes continue the wijk's or gemeente's digits), or the member buurten of a custom area made of
    whole buurten. A custom area with a boundary covers no whole buurt (see :func:`area_addresses_q`)."""
    if area.level == "buurt":
        return [area.code]
    if area.level in ("wijk", "gemeente"):
        return ["BU" + area.code[2:]]
    if area.level == "eigen" and not area.geometry:
        return sorted({p for m in area.members.all() if m.level != "eigen" for p in area_buurt_prefixes(m)})
    return []


def area_addresses_q(area, *, field: str = "") -> Q:
    """The addresses of an area as a filter (``field``: the path to the address, e.g. ``"address__"``):
    by buurt code, or for a custom area with a boundary, the addresses whose point lies inside it
    (stored by ``cases.address_imports.custom_areas_assign``)."""
    q = Q(pk__in=[])
    if area.level == "eigen" and area.geometry:
        return Q(**{f"{field}custom_areas__area_code": area.code})
    for prefix in area_buurt_prefixes(area):
        q |= Q(**{f"{field}buurt_code__startswith": prefix})
    return q


def address_choices(*, user, approach: Approach, include_ids: Iterable[int] = ()) -> QuerySet[Address]:
    """Addresses in the approach's area that the register lets this user see (``visible_to``), plus the
    given ones when visible (an intervention's current address). Never lists any other address."""
    if not may_see_addresses(user):
        return Address.objects.none()
    in_area = Q(pk__in=list(include_ids)) | area_addresses_q(approach.area)
    return Address.objects.visible_to(user).filter(in_area).order_by("street", "house_number", "house_letter")


def address_choices_audit(
    *, user, approach: Approach, addresses: list[Address], origin: Origin | None = None
) -> None:
    """Offering addresses in a form shows that the register knows them: one audit record with a
    processing-log entry per address offered."""
    if not addresses:
        return
    with transaction.atomic():
        audit_record(
            actor=user,
            action="plan.address.choices",
            obj=approach,
            reason=PLAN_PURPOSE,
            origin=origin,
            processing=[
                Processing(activity_code="casusoverleg", subject_type="address", subject_id=str(a.uuid))
                for a in addresses
            ],
        )


def dependencies_for_user(*, approach: Approach, shown_refs: set[str]) -> tuple[list[PlanDependency], int]:
    """The plan's dependencies between interventions the user sees in full, and how many others there are."""
    rows = list(
        PlanDependency.objects.filter(approach=approach)
        .select_related("first", "second", "first__intervention_type", "second__intervention_type")
        .order_by("first__ref", "second__ref")
    )
    shown = [d for d in rows if d.first.ref in shown_refs and d.second.ref in shown_refs]
    return shown, len(rows) - len(shown)


def intervention_read_audit(*, user, intervention: PlanIntervention, origin: Origin | None = None) -> None:
    """Audit showing one address-level intervention in full (e.g. on its edit page)."""
    _audit_address_read(
        user=user,
        approach=intervention.approach,
        full=[intervention],
        flagged=[],
        action="plan.address.read",
        origin=origin,
    )


def interventions_for_user(*, user, approach: Approach) -> list[PlanIntervention]:
    """The interventions this user may see in full, without showing them (for validating a choice)."""
    items = plan_interventions(approach)
    return interventions_shown(user=user, items=items).full


def conflicts_for_user(conflicts: list[dict], *, full_refs: set[str]) -> list[dict]:
    """A scheduler run's conflicts as a user may see them: one that involves an intervention the user
    does not see in full keeps its kind but loses its message and those references."""
    out = []
    for c in conflicts or ():
        refs = list(c.get("intervention_ids") or ())
        hidden = [r for r in refs if r not in full_refs]
        out.append(
            {
                **c,
                "message": (
                    _("This conflict concerns address-level interventions you may not see in full.")
                    if hidden
                    else c.get("message", "")
                ),
                "intervention_ids": [r for r in refs if r not in hidden],
                "redacted": bool(hidden),
            }
        )
    return out


def intervention_for_user(*, user, approach: Approach, ref: str) -> PlanIntervention | None:
    """One intervention by reference if this user may see it in full, else None (hidden and absent
    alike: the caller answers 404 before looking at anything the request carries)."""
    iv = (
        approach.interventions.select_related("address", "intervention_type", "owner").filter(ref=ref).first()
    )
    if iv is None or iv.pk not in shown_ids(user=user, items=[iv]):
        return None
    return iv
