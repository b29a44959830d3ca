# SPDX-License-Identifier: EUPL-1.2
"""Scheduled work as django-tasks tasks (enqueue daily, or call ``smaakmaker retention`` from a timer)."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from smaakmaker.cases.services import retention_run


@task()
def retention_task() -> dict:
    return asdict(retention_run())
