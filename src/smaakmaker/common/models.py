# SPDX-License-Identifier: EUPL-1.2
"""The tiny shared kernel: a base model with a public UUID and timestamps."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class WorkerBeat(models.Model):
    """A running ``smaakmaker worker``: where it runs and when it was last seen (its heartbeat)."""

    worker_id = models.CharField(_("worker id"), max_length=64, unique=True)
    hostname = models.CharField(_("host name"), max_length=200)
    pid = models.IntegerField(_("process id"))
    started_at = models.DateTimeField(_("started at"))
    seen_at = models.DateTimeField(_("last seen at"))

    class Meta:
        verbose_name = _("background worker")
        verbose_name_plural = _("background workers")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


class InstanceStart(models.Model):
    """How this installation was started: ``without_demo`` when ``smaakmaker setup`` ran with
    ``SMAAKMAKER_DEMO=0`` (the gemeente's own data). The fictional demo is never loaded into such a
    database (``smaakmaker demo`` refuses), whatever the user names in it."""

    without_demo = models.BooleanField(_("started without the demo"), default=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("start of the installation")
        verbose_name_plural = _("start of the installation")

    def __str__(self) -> str:
        return f"zonder demo sinds {self.created:%Y-%m-%d}" if self.without_demo else "met demo"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    OK = "ok", _("finished")
    FAILED = "failed", _("failed")


class ScheduledRun(models.Model):
    """One run of a scheduled job (``conf/schedule.py``): its slot, progress and result."""

    job = models.CharField(_("job"), max_length=64)
    slot = models.DateTimeField(_("scheduled for"))
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.FloatField(_("progress"), default=0.0)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        ordering = ["-slot", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="common_scheduledrun_one_per_slot")
        ]
        indexes = [models.Index(fields=["job", "-slot"], name="common_sched_job_slot")]

    def __str__(self) -> str:
        return f"{self.job} {self.slot:%Y-%m-%d %H:%M} {self.status}"
