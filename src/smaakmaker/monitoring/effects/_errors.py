# SPDX-License-Identifier: EUPL-1.2
"""Errors raised by the effect-evaluation module.

Every error carries a stable machine-readable ``code`` (English) and a user-facing message in Dutch,
so that the web layer can show the message as is and tests can check the code.
"""

from __future__ import annotations

from typing import Literal

ErrorCode = Literal[
    "too_few_pre_periods",
    "missing_values",
    "outside_convex_hull",
    "duplicate_units",
    "empty_donor_pool",
    "unknown_unit",
    "unknown_column",
    "invalid_specification",
]


class EffectEvaluationError(ValueError):
    """An input problem that makes an effect estimate impossible or misleading.

    Attributes:
        code: stable English identifier of the problem (see :data:`ErrorCode`).
        message: explanation in Dutch, meant for the end user.
        details: optional structured context (e.g. the offending units), for logging.
    """

    def __init__(self, code: ErrorCode, message: str, details: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.message = message
        self.details: dict[str, object] = dict(details or {})

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        return f"EffectEvaluationError(code={self.code!r}, message={self.message!r})"


def _short_list(items: object, limit: int = 5) -> str:
    """Render at most ``limit`` items as a Dutch enumeration ("a, b en 3 andere")."""
    values = [str(x) for x in items]  # type: ignore[attr-defined]
    if len(values) <= limit:
        return ", ".join(values)
    return ", ".join(values[:limit]) + f" en {len(values) - limit} andere"
