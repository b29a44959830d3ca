# SPDX-License-Identifier: EUPL-1.2
"""The umami planner: the intervention catalogue, the area approach ("wijkaanpak") with its plan of
interventions, their dependencies, the append-only history of phases and plan changes, and scheduler
runs whose proposals the regisseur accepts or rejects.

The pure planning layer (``domain.py``, ``rules.py``, ``scheduling.py``) knows none of this; the
``services``/``selectors`` modules translate between these models and :class:`domain.Plan`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smaakmaker.access.models import Covenant, Organisation, OrganisationKind
from smaakmaker.common.models import BaseModel

from . import domain
from .querysets import PlanInterventionQuerySet
from .scheduling import SolveStatus


class Flavour(models.TextChoices):
    ZOET = domain.Flavour.ZOET.value, _("Sweet (Zoet)")
    ZUUR = domain.Flavour.ZUUR.value, _("Sour (Zuur)")
    ZOUT = domain.Flavour.ZOUT.value, _("Salt (Zout)")
    BITTER = domain.Flavour.BITTER.value, _("Bitter")


class Level(models.TextChoices):
    GEBIED = domain.Level.GEBIED.value, _("Area")
    STRAAT = domain.Level.STRAAT.value, _("Street")
    COMPLEX = domain.Level.COMPLEX.value, _("Complex")
    ADRES = domain.Level.ADRES.value, _("Address")


class InterventionStatus(models.TextChoices):
    CONCEPT = domain.Status.CONCEPT.value, _("Draft")
    GEPLAND = domain.Status.GEPLAND.value, _("Planned")
    LOPEND = domain.Status.LOPEND.value, _("Running")
    AFGEROND = domain.Status.AFGEROND.value, _("Completed")
    GESTOPT = domain.Status.GESTOPT.value, _("Stopped")


class DependencyKind(models.TextChoices):
    BEFORE = domain.DependencyKind.BEFORE.value, _("before")
    TOGETHER = domain.DependencyKind.TOGETHER.value, _("together with")
    AFTER = domain.DependencyKind.AFTER.value, _("after")


class Phase(models.TextChoices):
    VERKENNING = "verkenning", _("Exploration (verkenning)")
    ANALYSE = "analyse", _("Analysis")
    CONVENANT = "convenant", _("Covenant")
    UITVOERING = "uitvoering", _("Execution (uitvoering)")
    BORGING = "borging", _("Safeguarding or phasing out (borging/afschaling)")


#: The phase workflow as data: from a phase to the phases it may move to.
ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
    Phase.VERKENNING: (Phase.ANALYSE,),
    Phase.ANALYSE: (Phase.VERKENNING, Phase.CONVENANT),
    Phase.CONVENANT: (Phase.ANALYSE, Phase.UITVOERING),
    Phase.UITVOERING: (Phase.CONVENANT, Phase.BORGING),
    Phase.BORGING: (Phase.UITVOERING,),
}

#: Status changes of one intervention (the partner that owns it moves it along).
STATUS_TRANSITIONS: dict[str, tuple[str, ...]] = {
    InterventionStatus.CONCEPT: (InterventionStatus.GEPLAND, InterventionStatus.GESTOPT),
    InterventionStatus.GEPLAND: (
        InterventionStatus.CONCEPT,
        InterventionStatus.LOPEND,
        InterventionStatus.GESTOPT,
    ),
    InterventionStatus.LOPEND: (InterventionStatus.AFGEROND, InterventionStatus.GESTOPT),
    InterventionStatus.AFGEROND: (),
    InterventionStatus.GESTOPT: (InterventionStatus.CONCEPT,),
}


class AppendOnly(models.Model):
    """History rows: inserted once, never changed (the current state is a projection)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError(f"{type(self).__name__} is append-only")
        super().save(*args, **kwargs)


class InterventionType(BaseModel):
    """One entry of the intervention catalogue: what it is, under which law, by whom, in which steps."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    flavour = models.CharField(_("flavour"), max_length=8, choices=Flavour.choices)
    description = models.TextField(_("description"), blank=True)
    law = models.CharField(_("law"), max_length=120, help_text=_('For example "Opiumwet" or "Gemeentewet".'))
    article = models.CharField(
        _("article"), max_length=60, blank=True, help_text=_('For example "art. 13b".')
    )
    preconditions = models.TextField(_("preconditions"), blank=True)
    typical_duration_weeks = models.PositiveSmallIntegerField(
        _("typical duration (weeks)"), validators=[MinValueValidator(1), MaxValueValidator(520)]
    )
    default_degree = models.PositiveSmallIntegerField(
        _("default intensity (units per week)"), default=2, validators=[MinValueValidator(1)]
    )
    owner_kind = models.CharField(
        _("owning organisation kind"), max_length=32, choices=OrganisationKind.choices
    )
    levels = models.JSONField(
        _("levels"), default=list, help_text=_("The levels at which it can be planned.")
    )
    steps = models.JSONField(_("steps"), default=list, blank=True)
    activity_code = models.SlugField(
        _("processing activity (code)"),
        max_length=80,
        blank=True,
        help_text=_("Code of the covenant's processing activity it needs; empty for area-level actions."),
    )
    visible = models.BooleanField(_("visible to residents"), default=True)
    outflow = models.BooleanField(_("frees a dwelling (Zuur)"), default=False)
    is_care_offer = models.BooleanField(_("care offer (Zout)"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["flavour", "name"]
        verbose_name = _("intervention type")
        verbose_name_plural = _("intervention catalogue")

    def __str__(self) -> str:
        return self.name

    @property
    def legal_instrument(self) -> str:
        return f"{self.law} {self.article}".strip()


class Approach(BaseModel):
    """The area approach ("wijkaanpak"): goals, phase, partners and a plan."""

    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="approaches", verbose_name=_("area")
    )
    name = models.CharField(_("name"), max_length=200)
    goals = models.TextField(_("goals"), blank=True)
    phase = models.CharField(_("phase"), max_length=16, choices=Phase.choices, default=Phase.VERKENNING)
    covenant = models.ForeignKey(
        Covenant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approaches",
        verbose_name=_("covenant"),
    )
    partners = models.ManyToManyField(
        Organisation, through="ApproachPartner", related_name="approaches", verbose_name=_("partners")
    )
    start_date = models.DateField(_("start of week 1"))
    horizon_weeks = models.PositiveSmallIntegerField(
        _("plan horizon (weeks)"), default=52, validators=[MinValueValidator(1), MaxValueValidator(260)]
    )
    #: Snapshot of the wijkscan's flavour diagnosis: {"zoet": weight, ...}, with its reasons and year.
    flavour_diagnosis = models.JSONField(_("flavour diagnosis"), default=dict, blank=True)
    diagnosis_reasons = models.JSONField(_("diagnosis reasons"), default=list, blank=True)
    diagnosis_year = models.PositiveSmallIntegerField(_("diagnosis year"), null=True, blank=True)
    #: What the diagnosis rests on: {"present": n, "expected": n, "missing_themes": [Dutch labels]}.
    diagnosis_basis = models.JSONField(_("basis of the diagnosis"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("approach")
        verbose_name_plural = _("approaches")

    def __str__(self) -> str:
        return self.name


class ApproachPartner(models.Model):
    """A partner of the approach and what it can spend per week (capacity units, like ``degree``)."""

    approach = models.ForeignKey(Approach, on_delete=models.CASCADE, related_name="partner_rows")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    weekly_capacity = models.PositiveIntegerField(_("weekly capacity"), default=10)

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("approach partner")
        verbose_name_plural = _("approach partners")
        constraints = [
            models.UniqueConstraint(fields=["approach", "organisation"], name="approach_partner_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.weekly_capacity}/wk)"


class PhaseChange(AppendOnly):
    approach = models.ForeignKey(Approach, on_delete=models.PROTECT, related_name="phase_changes")
    from_phase = models.CharField(_("from"), max_length=16, blank=True)
    to_phase = models.CharField(_("to"), max_length=16)
    note = models.CharField(_("note"), max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]
        verbose_name = _("phase change")
        verbose_name_plural = _("phase changes")

    def __str__(self) -> str:
        return f"{self.from_phase or '-'} -> {self.to_phase}"


class PlanIntervention(BaseModel):
    """One intervention of the plan at area, street, complex or address level."""

    approach = models.ForeignKey(Approach, on_delete=models.CASCADE, related_name="interventions")
    ref = models.CharField(
        _("reference"), max_length=16, help_text=_("Short id within the plan, e.g. I-007.")
    )
    intervention_type = models.ForeignKey(
        InterventionType, on_delete=models.PROTECT, related_name="+", verbose_name=_("intervention type")
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    flavour = models.CharField(_("flavour"), max_length=8, choices=Flavour.choices)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    street = models.CharField(_("street"), max_length=120, blank=True)
    complex = models.CharField(_("complex"), max_length=120, blank=True)
    address = models.ForeignKey(
        "cases.Address",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("address"),
    )
    start_week = models.PositiveSmallIntegerField(_("start week"), null=True, blank=True)
    duration_weeks = models.PositiveSmallIntegerField(
        _("duration (weeks)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    degree = models.PositiveSmallIntegerField(_("intensity (units per week)"), default=1)
    owner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    coordinator = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("coordinating organisation"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=InterventionStatus.choices, default=InterventionStatus.CONCEPT
    )
    exit_criteria = models.TextField(_("exit criteria"), blank=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=1)
    release_week = models.PositiveSmallIntegerField(_("earliest start week"), default=0)
    due_week = models.PositiveSmallIntegerField(_("finished by week"), null=True, blank=True)
    visible = models.BooleanField(_("visible to residents"), default=True)
    outflow = models.BooleanField(_("frees a dwelling"), default=False)
    is_care_offer = models.BooleanField(_("care offer"), default=False)

    objects = PlanInterventionQuerySet.as_manager()

    class Meta:
        ordering = ["approach", "start_week", "ref"]
        verbose_name = _("plan intervention")
        verbose_name_plural = _("plan interventions")
        permissions = [
            ("change_intervention_status", _("Can change the status of own organisation's interventions")),
            (
                "view_address_interventions",
                _("Can see address-level interventions (register visibility applies)"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["approach", "ref"], name="plan_intervention_ref_unique"),
            models.CheckConstraint(
                condition=~Q(level="adres") | Q(address__isnull=False), name="address_level_has_address"
            ),
            models.CheckConstraint(
                condition=Q(level="adres") | Q(address__isnull=True), name="only_address_level_has_address"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.display_title}"

    @property
    def display_title(self) -> str:
        return self.title or self.intervention_type.name

    @property
    def end_week(self) -> int | None:
        if self.start_week is None or self.duration_weeks is None:
            return None
        return self.start_week + self.duration_weeks

    @property
    def is_address_level(self) -> bool:
        return self.level == Level.ADRES


class PlanDependency(BaseModel):
    approach = models.ForeignKey(Approach, on_delete=models.CASCADE, related_name="dependencies")
    first = models.ForeignKey(PlanIntervention, on_delete=models.CASCADE, related_name="dependencies_from")
    second = models.ForeignKey(PlanIntervention, on_delete=models.CASCADE, related_name="dependencies_to")
    kind = models.CharField(
        _("kind"), max_length=8, choices=DependencyKind.choices, default=DependencyKind.BEFORE
    )
    lag_weeks = models.PositiveSmallIntegerField(_("lag (weeks)"), default=0)
    window_weeks = models.PositiveSmallIntegerField(_("start window (weeks)"), null=True, blank=True)

    class Meta:
        verbose_name = _("dependency")
        verbose_name_plural = _("dependencies")
        constraints = [
            models.CheckConstraint(condition=~Q(first=models.F("second")), name="dependency_not_self"),
        ]


class InterventionEvent(AppendOnly):
    """Append-only history of an intervention: creation, start-week revisions, status changes."""

    class Kind(models.TextChoices):
        CREATED = "created", _("created")
        START = "start", _("start week revised")
        STATUS = "status", _("status changed")
        CHANGED = "changed", _("details changed")

    intervention = models.ForeignKey(PlanIntervention, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    old = models.CharField(_("from"), max_length=32, blank=True)
    new = models.CharField(_("to"), max_length=32, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    run = models.ForeignKey("SchedulerRun", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]
        verbose_name = _("intervention event")
        verbose_name_plural = _("intervention events")

    def __str__(self) -> str:
        return f"{self.kind}: {self.old} -> {self.new}"


class RunState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    FAILED = "failed", _("Failed")


class RunDecision(models.TextChoices):
    OPEN = "open", _("Awaiting decision")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    SUPERSEDED = "superseded", _("Superseded")


class SchedulerRun(BaseModel):
    """One run of the CP-SAT scheduler: its progress, its proposal and the regisseur's decision."""

    approach = models.ForeignKey(Approach, on_delete=models.CASCADE, related_name="runs")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    state = models.CharField(_("state"), max_length=10, choices=RunState.choices, default=RunState.QUEUED)
    progress = models.FloatField(_("progress"), default=0.0)
    solutions = models.PositiveIntegerField(_("solutions found"), default=0)
    time_limit_s = models.FloatField(_("time limit (s)"), default=10.0)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    solver_status = models.CharField(_("solver status"), max_length=16, blank=True)
    message = models.TextField(_("message"), blank=True)
    objective = models.JSONField(_("objective of the proposal"), null=True, blank=True)
    current_objective = models.JSONField(_("objective of the current plan"), null=True, blank=True)
    #: {intervention ref: start week} at the moment the run started, and as proposed.
    base_starts = models.JSONField(_("start weeks at the start of the run"), default=dict)
    proposed_starts = models.JSONField(_("proposed start weeks"), default=dict)
    conflicts = models.JSONField(_("conflicts"), default=list, blank=True)
    wall_time_s = models.FloatField(_("wall time (s)"), null=True, blank=True)
    decision = models.CharField(
        _("decision"), max_length=12, choices=RunDecision.choices, default=RunDecision.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("scheduler run")
        verbose_name_plural = _("scheduler runs")

    def __str__(self) -> str:
        return f"{self.approach} {self.created:%Y-%m-%d %H:%M} {self.state}"

    @property
    def solver_status_label(self) -> str:
        """The solver's outcome in Dutch ("haalbaar (niet bewezen optimaal)", not FEASIBLE)."""
        try:
            return SolveStatus(self.solver_status).label
        except ValueError:
            return self.solver_status

    @property
    def has_proposal(self) -> bool:
        return self.state == RunState.FINISHED and bool(self.proposed_starts)
