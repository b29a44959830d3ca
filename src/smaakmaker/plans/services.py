# SPDX-License-Identifier: EUPL-1.2
"""Writes of the plans domain: catalogue seed, approaches and their phase, plan interventions, their
status and start weeks (append-only history), scheduler runs and the regisseur's decision on them.

Every write that touches an address-level intervention checks the register's visibility for the
actor and writes an audit record (with processing-log entries) in the same transaction.
"""

from __future__ import annotations

import threading
from dataclasses import asdict
from datetime import date

import structlog
from django.db import connection, transaction
from django.utils import timezone

from smaakmaker.access.audit import Origin, Processing, audit_record
from smaakmaker.access.models import Covenant, Membership, Organisation

from . import rules, scheduling, selectors
from .catalogue import CATALOGUE
from .models import (
    ALLOWED_TRANSITIONS,
    STATUS_TRANSITIONS,
    Approach,
    ApproachPartner,
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
        raise PlanError(
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
    gemeente = "" if area.level == "gemeente" else area.gemeente_code
    _, result = scan_run(level=area.level, gemeente_code=gemeente, year=year)
    weights, reasons = selectors.diagnosis_from_scan(result.flavours, area.code)
    approach.flavour_diagnosis = weights
    approach.diagnosis_reasons = reasons
    approach.diagnosis_year = int(result.year)
    approach.save(update_fields=["flavour_diagnosis", "diagnosis_reasons", "diagnosis_year", "updated"])
    return weights


# --- interventions -----------------------------------------------------------------------------------


def _address_processing(iv: PlanIntervention) -> list[Processing]:
    if not iv.address_id:
        return []
    code = iv.intervention_type.activity_code or "casusoverleg"
    return [Processing(activity_code=code, subject_type="address", subject_id=str(iv.address.uuid))]


def _check_address_visible(actor, address) -> None:
    if address is None:
        return
    if not selectors.visible_address_ids(user=actor, address_ids=[address.pk]):
        raise PlanForbidden("address not visible")


def _next_ref(approach: Approach) -> str:
    refs = approach.interventions.values_list("ref", flat=True)
    numbers = [int(r[2:]) for r in refs if r.startswith("I-") and r[2:].isdigit()]
    return f"I-{(max(numbers) + 1) if numbers else 1:03d}"


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


def _actor_organisations(actor) -> set[int]:
    return set(Membership.objects.active().filter(user=actor).values_list("organisation_id", flat=True))


def may_change_status(actor, iv: PlanIntervention) -> bool:
    if actor.has_perm(MANAGE_PERMISSION):
        return True
    return actor.has_perm(STATUS_PERMISSION) and iv.owner_id in _actor_organisations(actor)


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
    if iv.address_id and iv.address_id not in selectors.visible_address_ids(
        user=actor, address_ids=[iv.address_id]
    ):
        raise PlanForbidden("address not visible")
    if not may_change_status(actor, iv):
        raise PlanForbidden("not the owner")
    if to_status not in STATUS_TRANSITIONS.get(iv.status, ()):
        raise PlanError(
            f"Van status '{iv.get_status_display()}' kan niet naar '{to_status}'.", field="status"
        )
    if to_status == "lopend" and iv.start_week is None:
        raise PlanError("Plan eerst een startweek.", field="status")
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


@transaction.atomic
def dependency_add(
    *,
    actor,
    first: PlanIntervention,
    second: PlanIntervention,
    kind: str = "voor",
    lag_weeks: int = 0,
    window_weeks: int | None = None,
) -> PlanDependency:
    if first.approach_id != second.approach_id or first.pk == second.pk:
        raise PlanError(
            "Een afhankelijkheid verbindt twee verschillende interventies van één plan.", field="second"
        )
    return PlanDependency.objects.create(
        approach_id=first.approach_id,
        first=first,
        second=second,
        kind=kind,
        lag_weeks=lag_weeks,
        window_weeks=window_weeks,
    )


# --- scheduler runs ---------------------------------------------------------------------------------


def _current_starts(approach: Approach) -> dict[str, int | None]:
    return dict(approach.interventions.values_list("ref", "start_week"))


def _objective_dict(obj: scheduling.ObjectiveBreakdown | None) -> dict | None:
    return None if obj is None else asdict(obj)


@transaction.atomic
def run_create(*, actor, approach: Approach, time_limit_s: float = 10.0) -> SchedulerRun:
    if approach.runs.filter(state__in=[RunState.QUEUED, RunState.RUNNING]).exists():
        raise PlanError("Er loopt al een planningsvoorstel voor deze aanpak.", field="run", code="busy")
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
    """Run the scheduler for a queued run and store its proposal (in the web: in a background thread)."""
    run = SchedulerRun.objects.select_related("approach", "approach__area").get(pk=run_id)
    SchedulerRun.objects.filter(pk=run.pk).update(
        state=RunState.RUNNING, started_at=timezone.now(), progress=0.01
    )
    found = [0]

    def on_solution(_seconds: float, solutions: int, _objective: float) -> None:
        # Runs in a solver thread: no database access here (progress is derived from the start time).
        found[0] = solutions

    try:
        plan = selectors.plan_domain(run.approach)
        config = scheduling.SchedulerConfig(
            time_limit_s=run.time_limit_s, workers=2, explain_time_limit_s=10.0
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
        SchedulerRun.objects.filter(pk=run.pk).update(
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
        SchedulerRun.objects.filter(pk=run.pk).update(
            state=RunState.FAILED, finished_at=timezone.now(), progress=1.0, message=str(exc)
        )
    except Exception:  # noqa: BLE001 - a failed run must be reported, not left "running"
        log.exception("plan_schedule_failed", run=str(run.uuid))
        SchedulerRun.objects.filter(pk=run.pk).update(
            state=RunState.FAILED,
            finished_at=timezone.now(),
            progress=1.0,
            message="De planner is onverwacht gestopt; zie het applicatielog.",
        )
    run.refresh_from_db()
    return run


#: Set by tests to run scheduler runs inline instead of in a thread.
RUN_INLINE = False


def run_start_background(*, run: SchedulerRun) -> None:
    """Start the run in a background thread; its progress is stored on the run row (polled by the page).

    A thread and a database row keep the embedded default free of a separate worker process; see
    docs/plans.md for the choice and for moving this onto a django-tasks database queue.
    """
    if RUN_INLINE:
        run_execute(run_id=run.pk)
        return

    def target() -> None:
        try:
            run_execute(run_id=run.pk)
        finally:
            connection.close()

    transaction.on_commit(
        lambda: threading.Thread(target=target, name=f"plan-run-{run.pk}", daemon=True).start()
    )


@transaction.atomic
def run_accept(
    *, actor, run: SchedulerRun, note: str = "", origin: Origin | None = None
) -> list[InterventionEvent]:
    """Accept a proposal: write the new start weeks as append-only revisions, audited."""
    run = SchedulerRun.objects.select_for_update(of=("self",)).select_related("approach").get(pk=run.pk)
    if run.decision != RunDecision.OPEN or not run.has_proposal:
        raise PlanError("Dit voorstel kan niet (meer) worden aangenomen.", field="run", code="state")
    approach = run.approach
    items = {iv.ref: iv for iv in approach.interventions.select_related("address", "intervention_type")}
    current = {ref: iv.start_week for ref, iv in items.items()}
    if current != run.base_starts:
        raise PlanError(
            "Het plan is veranderd sinds dit voorstel is gemaakt; vraag een nieuw voorstel.",
            field="run",
            code="stale",
        )
    events, processing = [], []
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
        processing += _address_processing(iv)
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
        raise PlanError("Over dit voorstel is al besloten of het loopt nog.", field="run", code="state")
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
    "PlanError",
    "PlanForbidden",
    "approach_create",
    "approach_diagnosis_refresh",
    "approach_phase_change",
    "catalogue_seed",
    "dependency_add",
    "intervention_add",
    "intervention_status_change",
    "run_accept",
    "run_create",
    "run_execute",
    "run_reject",
    "run_start_background",
]
