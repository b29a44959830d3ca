# SPDX-License-Identifier: EUPL-1.2
"""Writes of the plans domain: catalogue seed, approaches and their phase, plan interventions, their
status and start weeks (append-only history), scheduler runs and the regisseur's decision on them.

Every write that touches an address-level intervention checks the register's visibility for the
actor and writes an audit record (with processing-log entries) in the same transaction.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta

import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from smaakmaker.access.audit import Origin, Processing, audit_record
from smaakmaker.access.models import Covenant, Organisation
from smaakmaker.access.policies import organisation_ids_of
from smaakmaker.common.background import enqueue

from . import rules, scheduling, selectors
from .catalogue import CATALOGUE
from .models import (
    ALLOWED_TRANSITIONS,
    STATUS_TRANSITIONS,
    Approach,
    ApproachPartner,
    DependencyKind,
    InterventionEvent,
    InterventionType,
    Level,
    Phase,
    PhaseChange,
    PlanDependency,
    PlanIntervention,
    RunDecision,
    RunState,
    SchedulerRun,
)

log = structlog.get_logger(__name__)

MANAGE_PERMISSION = "plans.change_planintervention"
STATUS_PERMISSION = "plans.change_intervention_status"
RUN_PERMISSION = "plans.add_schedulerrun"
DECIDE_PERMISSION = "plans.change_schedulerrun"


class PlanError(ValueError):
    """A refused write; ``field`` names the offending input (for forms and problem details)."""

    def __init__(self, message: str, *, field: str = "nonFieldErrors", code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class PlanConflict(PlanError):
    """Refused because of the current state, not the input (an intervention's status that does not allow
    the change, a proposal that is stale or decided, a run already going): the API answers 409."""


class PlanForbidden(PermissionError):
    """The actor may not do this (403), or may not see the object (answered as 404 by callers)."""


# --- catalogue ----------------------------------------------------------------------------------------


def catalogue_seed() -> int:
    """Load the real Dutch catalogue; existing entries (maybe edited in beheer) are left alone."""
    created = 0
    for spec in CATALOGUE:
        _, made = InterventionType.objects.get_or_create(code=spec["code"], defaults=dict(spec))
        created += int(made)
    return created


# --- approaches --------------------------------------------------------------------------------------


@transaction.atomic
def approach_create(
    *,
    actor,
    area,
    name: str,
    start_date: date,
    goals: str = "",
    horizon_weeks: int = 52,
    partners: list[tuple[Organisation, int]] = (),
    covenant: Covenant | None = None,
) -> Approach:
    approach = Approach.objects.create(
        area=area,
        name=name,
        goals=goals,
        start_date=start_date,
        horizon_weeks=horizon_weeks,
        covenant=covenant,
        created_by=actor,
    )
    for organisation, capacity in partners:
        ApproachPartner.objects.create(approach=approach, organisation=organisation, weekly_capacity=capacity)
    PhaseChange.objects.create(approach=approach, from_phase="", to_phase=approach.phase, actor=actor)
    audit_record(actor=actor, action="approach.create", obj=approach, reason=name)
    return approach


@transaction.atomic
def approach_phase_change(*, actor, approach: Approach, to_phase: str, note: str = "") -> Approach:
    approach = Approach.objects.select_for_update().get(pk=approach.pk)
    if to_phase not in ALLOWED_TRANSITIONS.get(approach.phase, ()):
        raise PlanConflict(
            f"Van fase '{Phase(approach.phase).label}' kan niet naar '{to_phase}'.",
            field="phase",
            code="transition",
        )
    PhaseChange.objects.create(
        approach=approach, from_phase=approach.phase, to_phase=to_phase, note=note[:500], actor=actor
    )
    approach.phase = to_phase
    approach.save(update_fields=["phase", "updated"])
    audit_record(actor=actor, action="approach.phase", obj=approach, reason=f"{to_phase}: {note}"[:500])
    return approach


def approach_diagnosis_refresh(*, approach: Approach, year: int | None = None) -> dict[str, float]:
    """Store a snapshot of the wijkscan's flavour diagnosis for the approach's area."""
    from smaakmaker.areas.selectors import scan_run

    area = approach.area
    gemeente = area.scan_gemeente_code
    _, result = scan_run(level=area.level, gemeente_code=gemeente, year=year)
    weights, reasons = selectors.diagnosis_from_scan(result.flavours, area.code)
    approach.flavour_diagnosis = weights
    approach.diagnosis_reasons = reasons
    approach.diagnosis_year = int(result.year)
    basis = {"present": 0, "expected": 0, "missing_themes": []}
    if area.code in result.profile.index:
        row = result.profile.loc[area.code]
        basis = {
            "present": int(row["n_indicators"]),
            "expected": int(row["n_indicators_total"]),
            "missing_themes": [t for t in str(row["missing_themes"]).split(", ") if t],
        }
    approach.diagnosis_basis = basis
    approach.save(
        update_fields=[
            "flavour_diagnosis",
            "diagnosis_reasons",
            "diagnosis_year",
            "diagnosis_basis",
            "updated",
        ]
    )
    return weights


# --- interventions -----------------------------------------------------------------------------------


def _address_processing(iv: PlanIntervention) -> list[Processing]:
    return selectors.address_processing([iv])


def _check_address_visible(actor, address) -> None:
    if address is None:
        return
    if not selectors.visible_address_ids(user=actor, address_ids=[address.pk]):
        raise PlanForbidden("address not visible")


def _next_ref(approach: Approach) -> str:
    refs = approach.interventions.values_list("ref", flat=True)
    numbers = [int(r[2:]) for r in refs if r.startswith("I-") and r[2:].isdigit()]
    return f"I-{(max(numbers) + 1) if numbers else 1:03d}"


def _validate_intervention(
    *,
    approach: Approach,
    intervention_type: InterventionType,
    owner: Organisation,
    level: str,
    street: str,
    complex: str,
    address,
    start_week: int | None,
) -> None:
    """The checks shared by adding and changing an intervention (``PlanError`` names the field)."""
    if level not in Level.values:
        raise PlanError("Onbekend niveau.", field="level")
    if intervention_type.levels and level not in intervention_type.levels:
        raise PlanError(
            f"{intervention_type.name} kan niet op niveau '{Level(level).label}' worden ingezet.",
            field="level",
        )
    if (level == Level.ADRES) != (address is not None):
        raise PlanError("Een interventie op adresniveau heeft een adres, en alleen die.", field="address")
    if level == Level.STRAAT and not street:
        raise PlanError("Geef de straat op.", field="street")
    if level == Level.COMPLEX and not complex:
        raise PlanError("Geef het complex op.", field="complex")
    if not approach.partner_rows.filter(organisation=owner).exists():
        raise PlanError("De eigenaar is geen partner van deze aanpak.", field="owner")
    if start_week is not None and start_week >= approach.horizon_weeks:
        raise PlanError("De startweek ligt na het einde van het plan.", field="startWeek")


@transaction.atomic
def intervention_add(
    *,
    actor,
    approach: Approach,
    intervention_type: InterventionType,
    owner: Organisation,
    level: str,
    street: str = "",
    complex: str = "",
    address=None,
    start_week: int | None = None,
    duration_weeks: int | None = None,
    degree: int | None = None,
    coordinator: Organisation | None = None,
    exit_criteria: str = "",
    status: str = "concept",
    title: str = "",
    priority: int = 1,
    release_week: int = 0,
    due_week: int | None = None,
    origin: Origin | None = None,
    check_visibility: bool = True,
) -> PlanIntervention:
    _validate_intervention(
        approach=approach,
        intervention_type=intervention_type,
        owner=owner,
        level=level,
        street=street,
        complex=complex,
        address=address,
        start_week=start_week,
    )
    if check_visibility:
        _check_address_visible(actor, address)
    iv = PlanIntervention.objects.create(
        approach=approach,
        ref=_next_ref(approach),
        intervention_type=intervention_type,
        title=title,
        flavour=intervention_type.flavour,
        level=level,
        street=street if level != Level.ADRES else (street or address.street),
        complex=complex,
        address=address,
        start_week=start_week,
        duration_weeks=duration_weeks
        if duration_weeks is not None
        else intervention_type.typical_duration_weeks,
        degree=degree if degree is not None else intervention_type.default_degree,
        owner=owner,
        coordinator=coordinator,
        status=status,
        exit_criteria=exit_criteria,
        priority=priority,
        release_week=release_week,
        due_week=due_week,
        visible=intervention_type.visible,
        outflow=intervention_type.outflow,
        is_care_offer=intervention_type.is_care_offer,
    )
    InterventionEvent.objects.create(
        intervention=iv, kind=InterventionEvent.Kind.CREATED, new=status, actor=actor
    )
    if iv.address_id:
        audit_record(
            actor=actor,
            action="plan.intervention.create",
            obj=iv,
            origin=origin,
            processing=_address_processing(iv),
        )
    return iv


#: The fields of an intervention the regisseur edits (status has its own workflow, ref never changes).
EDITABLE_FIELDS = (
    "intervention_type",
    "title",
    "level",
    "street",
    "complex",
    "address",
    "start_week",
    "duration_weeks",
    "degree",
    "owner",
    "coordinator",
    "exit_criteria",
    "priority",
    "release_week",
    "due_week",
)


@transaction.atomic
def intervention_update(
    *,
    actor,
    intervention: PlanIntervention,
    intervention_type: InterventionType,
    owner: Organisation,
    level: str,
    street: str = "",
    complex: str = "",
    address=None,
    start_week: int | None = None,
    duration_weeks: int | None = None,
    degree: int | None = None,
    coordinator: Organisation | None = None,
    exit_criteria: str = "",
    title: str = "",
    priority: int = 1,
    release_week: int = 0,
    due_week: int | None = None,
    note: str = "",
    origin: Origin | None = None,
) -> PlanIntervention:
    """Change an intervention. The history gets a start-week revision (when the start moved) and a
    "details changed" event naming the changed fields; an address-level change (before or after) is
    audited with processing-log entries for each address involved."""
    iv = (
        PlanIntervention.objects.select_for_update(of=("self",))
        .select_related("approach", "address", "intervention_type")
        .get(pk=intervention.pk)
    )
    _check_address_visible(actor, iv.address)  # the current address: not visible means not there
    _validate_intervention(
        approach=iv.approach,
        intervention_type=intervention_type,
        owner=owner,
        level=level,
        street=street,
        complex=complex,
        address=address,
        start_week=start_week,
    )
    _check_address_visible(actor, address)
    processing_before = _address_processing(iv)
    values = {
        "intervention_type": intervention_type,
        "title": title,
        "level": level,
        "street": street if level != Level.ADRES else (street or address.street),
        "complex": complex,
        "address": address,
        "start_week": start_week,
        "duration_weeks": duration_weeks
        if duration_weeks is not None
        else intervention_type.typical_duration_weeks,
        "degree": degree if degree is not None else intervention_type.default_degree,
        "owner": owner,
        "coordinator": coordinator,
        "exit_criteria": exit_criteria,
        "priority": priority,
        "release_week": release_week,
        "due_week": due_week,
    }

    def key(value):
        return getattr(value, "pk", value)

    changed = [name for name, value in values.items() if key(getattr(iv, name)) != key(value)]
    if not changed:
        return iv
    old_start = iv.start_week
    for name, value in values.items():
        setattr(iv, name, value)
    iv.flavour = intervention_type.flavour
    iv.visible = intervention_type.visible
    iv.outflow = intervention_type.outflow
    iv.is_care_offer = intervention_type.is_care_offer
    iv.save()
    if "start_week" in changed:
        InterventionEvent.objects.create(
            intervention=iv,
            kind=InterventionEvent.Kind.START,
            old="" if old_start is None else str(old_start),
            new="" if start_week is None else str(start_week),
            note=note[:500],
            actor=actor,
        )
    others = [name for name in changed if name != "start_week"]
    if others:
        InterventionEvent.objects.create(
            intervention=iv,
            kind=InterventionEvent.Kind.CHANGED,
            new=", ".join(others)[:32],
            note=(", ".join(others) + (f": {note}" if note else ""))[:500],
            actor=actor,
        )
    processing = processing_before + [p for p in _address_processing(iv) if p not in processing_before]
    if processing:
        audit_record(
            actor=actor,
            action="plan.intervention.change",
            obj=iv,
            reason=", ".join(changed)[:500],
            origin=origin,
            processing=processing,
        )
    return iv


def may_change_status(actor, iv: PlanIntervention) -> bool:
    """Who may move an intervention along (it must also be shown to them in full)."""
    if actor.has_perm(MANAGE_PERMISSION):
        return True
    return actor.has_perm(STATUS_PERMISSION) and iv.owner_id in organisation_ids_of(actor)


@transaction.atomic
def intervention_status_change(
    *, actor, intervention: PlanIntervention, to_status: str, note: str = "", origin: Origin | None = None
) -> PlanIntervention:
    """Move an intervention along its life cycle (regisseur: any; a partner: its own organisation's)."""
    iv = (
        PlanIntervention.objects.select_for_update(of=("self",))
        .select_related("address", "intervention_type")
        .get(pk=intervention.pk)
    )
    if not selectors.shown_ids(user=actor, items=[iv]):
        raise PlanForbidden("not shown in full")
    if not may_change_status(actor, iv):
        raise PlanForbidden("not the owner")
    if to_status not in STATUS_TRANSITIONS.get(iv.status, ()):
        raise PlanConflict(
            f"Van status '{iv.get_status_display()}' kan niet naar '{to_status}'.",
            field="status",
            code="transition",
        )
    if to_status == "lopend" and iv.start_week is None:
        raise PlanConflict("Plan eerst een startweek.", field="status", code="no_start_week")
    InterventionEvent.objects.create(
        intervention=iv,
        kind=InterventionEvent.Kind.STATUS,
        old=iv.status,
        new=to_status,
        note=note[:500],
        actor=actor,
    )
    iv.status = to_status
    iv.save(update_fields=["status", "updated"])
    audit_record(
        actor=actor,
        action="plan.intervention.status",
        obj=iv,
        reason=to_status,
        origin=origin,
        processing=_address_processing(iv),
    )
    return iv


def _dependency_processing(*ivs: PlanIntervention) -> list[Processing]:
    out: list[Processing] = []
    for iv in ivs:
        out += [p for p in _address_processing(iv) if p not in out]
    return out


@transaction.atomic
def dependency_add(
    *,
    actor,
    first: PlanIntervention,
    second: PlanIntervention,
    kind: str = "voor",
    lag_weeks: int = 0,
    window_weeks: int | None = None,
    origin: Origin | None = None,
    check_visibility: bool = True,
) -> PlanDependency:
    """Tie two interventions of one plan (before / together with / after); audited when an address-level
    intervention is involved, refused (as not found) when the actor may not see one of them."""
    if first.approach_id != second.approach_id or first.pk == second.pk:
        raise PlanError(
            "Een afhankelijkheid verbindt twee verschillende interventies van één plan.", field="second"
        )
    if kind not in DependencyKind.values:
        raise PlanError("Onbekende soort afhankelijkheid.", field="kind")
    if check_visibility:
        _check_address_visible(actor, first.address)
        _check_address_visible(actor, second.address)
    if PlanDependency.objects.filter(first=first, second=second, kind=kind).exists():
        raise PlanConflict("Deze afhankelijkheid bestaat al.", field="second", code="duplicate")
    dependency = PlanDependency.objects.create(
        approach_id=first.approach_id,
        first=first,
        second=second,
        kind=kind,
        lag_weeks=lag_weeks,
        window_weeks=window_weeks,
    )
    processing = _dependency_processing(first, second)
    if processing:
        audit_record(
            actor=actor,
            action="plan.dependency.create",
            obj=dependency,
            reason=f"{first.ref} {kind} {second.ref}",
            origin=origin,
            processing=processing,
        )
    return dependency


@transaction.atomic
def dependency_remove(*, actor, dependency: PlanDependency, origin: Origin | None = None) -> None:
    """Remove a dependency (the plan's current agreements; audited when an address is involved)."""
    dependency = (
        PlanDependency.objects.select_for_update(of=("self",))
        .select_related(
            "first__address", "first__intervention_type", "second__address", "second__intervention_type"
        )
        .get(pk=dependency.pk)
    )
    _check_address_visible(actor, dependency.first.address)
    _check_address_visible(actor, dependency.second.address)
    processing = _dependency_processing(dependency.first, dependency.second)
    if processing:
        audit_record(
            actor=actor,
            action="plan.dependency.delete",
            obj=dependency,
            reason=f"{dependency.first.ref} {dependency.kind} {dependency.second.ref}",
            origin=origin,
            processing=processing,
        )
    dependency.delete()


# --- scheduler runs ---------------------------------------------------------------------------------


def _current_starts(approach: Approach) -> dict[str, int | None]:
    return dict(approach.interventions.values_list("ref", "start_week"))


def _objective_dict(obj: scheduling.ObjectiveBreakdown | None) -> dict | None:
    return None if obj is None else asdict(obj)


#: How long the solver may spend explaining an infeasible plan after the time limit.
EXPLAIN_LIMIT_S = 10.0
#: Extra time a run may take (start-up, reading the plan, storing the result) before it counts as stale.
STALE_MARGIN_S = 60.0


def run_deadline(run: SchedulerRun):
    """When a queued or running run must have finished: its time limit plus the explanation limit and a
    margin, counted from its start (or from its request when it never started)."""
    begin = run.started_at or run.created
    return begin + timedelta(seconds=run.time_limit_s + EXPLAIN_LIMIT_S + STALE_MARGIN_S)


def runs_expire_stale(*, approach: Approach) -> int:
    """Mark the approach's runs that are still queued or running past their deadline as failed (e.g. the
    server restarted during the run), so they no longer block a new run. Returns how many."""
    now = timezone.now()
    expired = 0
    for run in approach.runs.filter(state__in=[RunState.QUEUED, RunState.RUNNING]):
        if run_deadline(run) >= now:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            message = gettext(
                "The scheduler stopped without a result (for example because the server restarted "
                "during the run); ask for a new proposal."
            )
        expired += SchedulerRun.objects.filter(
            pk=run.pk, state__in=[RunState.QUEUED, RunState.RUNNING]
        ).update(state=RunState.FAILED, progress=1.0, finished_at=now, message=message)
        log.warning("plan_schedule_stale", run=str(run.uuid), state=run.state)
    return expired


def run_get(*, approach: Approach, uuid) -> SchedulerRun | None:
    """One run of the approach (pages and API alike), after expiring stale runs, so a run whose server
    died is never shown as still running."""
    runs_expire_stale(approach=approach)
    return SchedulerRun.objects.filter(approach=approach, uuid=uuid).first()


@transaction.atomic
def run_create(*, actor, approach: Approach, time_limit_s: float = 10.0) -> SchedulerRun:
    runs_expire_stale(approach=approach)
    if approach.runs.filter(state__in=[RunState.QUEUED, RunState.RUNNING]).exists():
        raise PlanConflict("Er loopt al een planningsvoorstel voor deze aanpak.", field="run", code="busy")
    run = SchedulerRun.objects.create(
        approach=approach,
        requested_by=actor,
        time_limit_s=max(1.0, min(float(time_limit_s), 120.0)),
        base_starts=_current_starts(approach),
    )
    audit_record(actor=actor, action="plan.schedule.request", obj=run, reason=approach.name)
    return run


def run_progress(run: SchedulerRun) -> float:
    """Progress between 0 and 1: the share of the time limit used (CP-SAT stops at the limit)."""
    if run.state in (RunState.FINISHED, RunState.FAILED):
        return 1.0
    if run.started_at is None:
        return 0.0
    elapsed = (timezone.now() - run.started_at).total_seconds()
    return round(min(0.97, max(0.02, elapsed / max(run.time_limit_s, 0.1))), 3)


def run_execute(*, run_id: int) -> SchedulerRun:
    """Run the scheduler for a queued run and store its proposal (in the web: on the background queue)."""
    run = SchedulerRun.objects.select_related("approach", "approach__area").get(pk=run_id)
    started = SchedulerRun.objects.filter(pk=run.pk, state=RunState.QUEUED).update(
        state=RunState.RUNNING, started_at=timezone.now(), progress=0.01
    )
    if not started:  # declared stale (failed) before it could start: leave it so
        run.refresh_from_db()
        return run
    # The result is stored only while the run is still "running": a run declared stale stays failed.
    current_run = SchedulerRun.objects.filter(pk=run.pk, state=RunState.RUNNING)
    found = [0]

    def on_solution(_seconds: float, solutions: int, _objective: float) -> None:
        # Runs in a solver thread: no database access here (progress is derived from the start time).
        found[0] = solutions

    try:
        plan = selectors.plan_domain(run.approach)
        config = scheduling.SchedulerConfig(
            time_limit_s=run.time_limit_s, workers=2, explain_time_limit_s=EXPLAIN_LIMIT_S
        )
        result = scheduling.schedule_plan(plan, config, on_solution=on_solution)
        current = None
        if all(iv.start_week is not None for iv in plan.interventions if iv.status != "gestopt"):
            current = _objective_dict(
                scheduling.schedule_objective(
                    plan,
                    {iv.id: iv.start_week for iv in plan.interventions if iv.start_week is not None},
                    config,
                )
            )
        current_run.update(
            state=RunState.FINISHED,
            progress=1.0,
            finished_at=timezone.now(),
            solver_status=result.status.value,
            message=result.message,
            objective=_objective_dict(result.objective),
            current_objective=current,
            proposed_starts=dict(result.starts),
            conflicts=[asdict(c) for c in result.conflicts],
            solutions=result.solutions,
            wall_time_s=result.wall_time_s,
        )
        log.info("plan_schedule_finished", run=str(run.uuid), status=result.status.value)
    except scheduling.PlanningInputError as exc:
        current_run.update(state=RunState.FAILED, finished_at=timezone.now(), progress=1.0, message=str(exc))
    except Exception:  # noqa: BLE001 - a failed run must be reported, not left "running"
        log.exception("plan_schedule_failed", run=str(run.uuid))
        current_run.update(
            state=RunState.FAILED,
            finished_at=timezone.now(),
            progress=1.0,
            message="De planner is onverwacht gestopt; zie het applicatielog.",
        )
    run.refresh_from_db()
    return run


def run_start_background(*, run: SchedulerRun) -> None:
    """Put the run on the background queue (in the caller's transaction, if any); its progress is
    stored on the run row, which the page polls. A worker that dies during the run is detected by
    ``smaakmaker worker`` (common/background.py): the run is retried once, then failed with a reason."""
    from smaakmaker.plans.tasks import scheduler_run_task

    enqueue(scheduler_run_task, run.pk)


def run_abandoned(run_id: int, *, retry: bool, reason: str) -> None:
    """The worker of a run died: queue it again (``retry``) or fail it with ``reason``. Its result is
    stored in one statement at the end, so nothing of a lost run was stored."""
    unfinished = SchedulerRun.objects.filter(pk=run_id, state__in=[RunState.QUEUED, RunState.RUNNING])
    if retry:
        unfinished.update(state=RunState.QUEUED, started_at=None, progress=0.0)
    else:
        unfinished.update(state=RunState.FAILED, progress=1.0, finished_at=timezone.now(), message=reason)


@transaction.atomic
def run_accept(
    *, actor, run: SchedulerRun, note: str = "", origin: Origin | None = None
) -> list[InterventionEvent]:
    """Accept a proposal: write the new start weeks as append-only revisions, audited."""
    run = SchedulerRun.objects.select_for_update(of=("self",)).select_related("approach").get(pk=run.pk)
    if run.decision != RunDecision.OPEN or not run.has_proposal:
        raise PlanConflict("Dit voorstel kan niet (meer) worden aangenomen.", field="run", code="state")
    approach = run.approach
    items = {iv.ref: iv for iv in approach.interventions.select_related("address", "intervention_type")}
    current = {ref: iv.start_week for ref, iv in items.items()}
    if current != run.base_starts:
        raise PlanConflict(
            "Het plan is veranderd sinds dit voorstel is gemaakt; vraag een nieuw voorstel.",
            field="run",
            code="stale",
        )
    full = selectors.shown_ids(user=actor, items=items.values()) if actor is not None else set()
    events, changed = [], []
    for ref, week in run.proposed_starts.items():
        iv = items.get(ref)
        if iv is None or iv.start_week == week:
            continue
        events.append(
            InterventionEvent(
                intervention=iv,
                kind=InterventionEvent.Kind.START,
                old="" if iv.start_week is None else str(iv.start_week),
                new=str(week),
                note=note[:500],
                run=run,
                actor=actor,
            )
        )
        iv.start_week = int(week)
        iv.save(update_fields=["start_week", "updated"])
        changed.append(iv)
    # What the regisseur sees in full is logged under its activity; the start weeks of the others were
    # changed without their content being shown (logged as the address's plan, "-").
    processing = selectors.address_processing(
        [iv for iv in changed if iv.pk in full], [iv for iv in changed if iv.pk not in full]
    )
    for event in events:
        event.save()
    run.decision = RunDecision.ACCEPTED
    run.decided_by = actor
    run.decided_at = timezone.now()
    run.decision_note = note[:500]
    run.save(update_fields=["decision", "decided_by", "decided_at", "decision_note", "updated"])
    approach.runs.filter(decision=RunDecision.OPEN).exclude(pk=run.pk).update(decision=RunDecision.SUPERSEDED)
    audit_record(
        actor=actor,
        action="plan.schedule.accept",
        obj=run,
        reason=f"{len(events)} startweken gewijzigd. {note}"[:500],
        origin=origin,
        processing=processing,
    )
    return events


@transaction.atomic
def run_reject(*, actor, run: SchedulerRun, note: str = "", origin: Origin | None = None) -> SchedulerRun:
    run = SchedulerRun.objects.select_for_update().get(pk=run.pk)
    if run.decision != RunDecision.OPEN or run.state in (RunState.QUEUED, RunState.RUNNING):
        raise PlanConflict("Over dit voorstel is al besloten of het loopt nog.", field="run", code="state")
    run.decision = RunDecision.REJECTED
    run.decided_by = actor
    run.decided_at = timezone.now()
    run.decision_note = note[:500]
    run.save(update_fields=["decision", "decided_by", "decided_at", "decision_note", "updated"])
    audit_record(actor=actor, action="plan.schedule.reject", obj=run, reason=note, origin=origin)
    return run


def check_summary(approach: Approach) -> dict:
    """Counts per severity and the simultaneity measure (aggregates only; for the CLI and dashboards)."""
    plan = selectors.plan_domain(approach)
    warnings = rules.check_plan(plan)
    m = rules.simultaneity(plan)
    return {
        "warnings": warnings,
        "simultaneity": m,
        "by_severity": {
            s: sum(1 for w in warnings if w.severity.value == s) for s in ("fout", "waarschuwing", "info")
        },
    }


__all__ = [
    "PlanConflict",
    "PlanError",
    "PlanForbidden",
    "approach_create",
    "approach_diagnosis_refresh",
    "approach_phase_change",
    "catalogue_seed",
    "dependency_add",
    "dependency_remove",
    "intervention_add",
    "intervention_status_change",
    "intervention_update",
    "run_accept",
    "run_create",
    "run_execute",
    "runs_expire_stale",
    "run_reject",
    "run_abandoned",
    "run_start_background",
]
