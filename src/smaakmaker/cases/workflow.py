# SPDX-License-Identifier: EUPL-1.2
"""The case workflow as data: one table of allowed status transitions (pure, no Django)."""

from __future__ import annotations

NEW = "new"
TO_DISCUSS = "to_discuss"
IN_PROGRESS = "in_progress"
MONITORING = "monitoring"
CLOSED = "closed"

STATUSES = (NEW, TO_DISCUSS, IN_PROGRESS, MONITORING, CLOSED)

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    NEW: frozenset({TO_DISCUSS, IN_PROGRESS, CLOSED}),
    TO_DISCUSS: frozenset({IN_PROGRESS, CLOSED}),
    IN_PROGRESS: frozenset({TO_DISCUSS, MONITORING, CLOSED}),
    MONITORING: frozenset({IN_PROGRESS, CLOSED}),
    CLOSED: frozenset({IN_PROGRESS}),  # reopening is a new, recorded step
}

OPEN_STATUSES = frozenset(STATUSES) - {CLOSED}


class TransitionError(ValueError):
    pass


def transition_check(current: str, target: str) -> None:
    if target not in ALLOWED_TRANSITIONS.get(current, frozenset()):
        raise TransitionError(f"{current} → {target} is not an allowed transition")
