# SPDX-License-Identifier: EUPL-1.2
"""Monitoring: effect evaluations (synthetic control) and perceived indicators imported from surveys.

Nothing here is about persons: evaluations and perceived indicators are area statistics. The
bookkeeping of what was done is computed on the fly from the register and the plans (``selectors.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from smaakmaker.common.models import BaseModel


class EvaluationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    FAILED = "failed", _("Failed")


class DonorPoolKind(models.TextChoices):
    PEERS = "peers", _("Comparable areas from the wijkscan (peers)")
    GEMEENTE = "gemeente", _("All areas of the same level in the municipality")


class EffectEvaluation(BaseModel):
    """One synthetic-control evaluation of an area on one indicator, with its stored result.

    ``donors`` records the pool that was used and every candidate that was left out with its reason;
    ``result`` holds the fit, the placebo test, the robustness checks and the plain-Dutch explanation
    (JSON, so the page shows it without recomputing).
    """

    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("treated area")
    )
    approach = models.ForeignKey(
        "plans.Approach",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approach"),
    )
    indicator = models.ForeignKey(
        "areas.Indicator", on_delete=models.PROTECT, related_name="+", verbose_name=_("indicator")
    )
    treatment_year = models.PositiveSmallIntegerField(_("first year with possible effect"))
    donor_pool = models.CharField(
        _("donor pool"), max_length=10, choices=DonorPoolKind.choices, default=DonorPoolKind.PEERS
    )
    peers_k = models.PositiveSmallIntegerField(_("number of peers"), default=30)
    exclude_approaches = models.BooleanField(_("leave out areas with their own approach"), default=True)
    exclude_adjacent = models.BooleanField(_("leave out adjacent areas (spill-over)"), default=False)
    excluded_codes = models.JSONField(_("areas left out by hand"), default=list, blank=True)
    covariates = models.JSONField(_("extra predictors"), default=list, blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EvaluationStatus.choices, default=EvaluationStatus.QUEUED
    )
    progress = models.FloatField(_("progress"), default=0.0)
    step = models.CharField(_("current step"), max_length=200, blank=True)
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    message = models.TextField(_("message"), blank=True)
    donors = models.JSONField(_("donor pool"), default=dict, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("repeats the evaluation"),
    )

    class Meta:
        ordering = ["-created"]
        verbose_name = _("effect evaluation")
        verbose_name_plural = _("effect evaluations")
        permissions = [
            ("view_bookkeeping", _("Can see the bookkeeping of interventions (aggregate)")),
            ("view_exact_counts", _("Can see small counts without suppression")),
        ]

    def __str__(self) -> str:
        return f"{self.area.code} {self.indicator.key} {self.treatment_year}"

    @property
    def done(self) -> bool:
        return self.status in {EvaluationStatus.FINISHED, EvaluationStatus.FAILED}


class PerceivedImport(BaseModel):
    """One imported CSV file of perceived indicators (all rows or none)."""

    source = models.CharField(_("file"), max_length=300)
    sha256 = models.CharField(_("content hash"), max_length=64, db_index=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created"]
        verbose_name = _("perceived indicator import")
        verbose_name_plural = _("perceived indicator imports")

    def __str__(self) -> str:
        return self.source


class PerceivedValue(models.Model):
    """A perceived indicator (from a survey, e.g. ``veiligheidsbeleving``) for one area in one year."""

    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+", verbose_name=_("area"))
    indicator = models.SlugField(_("indicator"), max_length=64)
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.FloatField(_("value"))
    batch = models.ForeignKey(PerceivedImport, on_delete=models.PROTECT, related_name="values")

    class Meta:
        ordering = ["area", "indicator", "year"]
        verbose_name = _("perceived indicator value")
        verbose_name_plural = _("perceived indicator values")
        constraints = [
            models.UniqueConstraint(fields=["area", "indicator", "year"], name="perceived_value_unique")
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year}"


class RadarRun(BaseModel):
    """One run of the kentering radar: every loaded area and indicator, every year (area statistics only)."""

    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    seconds = models.FloatField(_("duration (s)"), default=0.0)
    areas = models.PositiveIntegerField(_("areas"), default=0)
    series = models.PositiveIntegerField(_("series"), default=0)
    years = models.JSONField(_("years scanned"), default=list, blank=True)
    flags = models.PositiveIntegerField(_("turning points flagged"), default=0)
    new_flags = models.PositiveIntegerField(_("new turning points"), default=0)
    reevaluated = models.PositiveIntegerField(_("evaluations repeated"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("kentering radar run")
        verbose_name_plural = _("kentering radar runs")

    def __str__(self) -> str:
        return f"radar {self.started_at:%Y-%m-%d %H:%M}"


class SeriesKind(models.TextChoices):
    REGISTERED = "registered", _("registered")
    PERCEIVED = "perceived", _("perceived")


class KenteringFlag(models.Model):
    """A turning point the radar flagged: the area, the indicator, the year whose figure raised it, and the
    rule's inputs at that moment. ``first_run`` is the radar run that found it first ("nieuw")."""

    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="+", verbose_name=_("area"))
    indicator = models.CharField(_("indicator"), max_length=64)
    kind = models.CharField(_("kind"), max_length=10, choices=SeriesKind.choices)
    as_of_year = models.PositiveSmallIntegerField(_("flagged with the figures of"))
    turn_year = models.PositiveSmallIntegerField(_("turning point"))
    signal = models.SmallIntegerField(_("signal"))  # +1 ten goede, -1 ten kwade (vulnerability terms)
    inputs = models.JSONField(_("inputs of the rule"), default=dict)
    first_run = models.ForeignKey(
        RadarRun, on_delete=models.CASCADE, related_name="found", verbose_name=_("found by")
    )

    class Meta:
        ordering = ["-as_of_year", "area__code", "indicator"]
        verbose_name = _("flagged kentering")
        verbose_name_plural = _("flagged kenteringen")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "indicator", "kind", "as_of_year"], name="kentering_flag_unique"
            )
        ]
        indexes = [models.Index(fields=["first_run", "as_of_year"])]

    def __str__(self) -> str:
        return f"{self.indicator} {self.turn_year}"
