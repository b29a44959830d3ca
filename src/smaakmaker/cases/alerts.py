# SPDX-License-Identifier: EUPL-1.2
"""Alert rules: published configuration evaluated on readable facts. No score, no model (pure, no Django).

A rule reads "at least N signals from at least M partners within D days → action". When it fires, the
alert carries exactly the signals that made it fire, so a human can read and check them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Fact:
    signal_id: int
    kind: str
    organisation_id: int
    organisation: str
    observed_on: date
    compartment: str


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    min_signals: int
    min_partners: int
    window_days: int
    compartments: tuple[str, ...]
    action: str


@dataclass(frozen=True)
class Alert:
    rule: Rule
    facts: tuple[Fact, ...]

    @property
    def partner_count(self) -> int:
        return len({fact.organisation_id for fact in self.facts})


def evaluate(rule: Rule, facts: list[Fact], *, today: date) -> Alert | None:
    """The alert if the facts within the window satisfy the rule, with exactly those facts."""
    start = today - timedelta(days=rule.window_days)
    window = tuple(
        sorted(
            (
                fact
                for fact in facts
                if start < fact.observed_on <= today
                and (not rule.compartments or fact.compartment in rule.compartments)
            ),
            key=lambda fact: (fact.observed_on, fact.signal_id),
        )
    )
    if len(window) >= rule.min_signals and len({f.organisation_id for f in window}) >= rule.min_partners:
        return Alert(rule=rule, facts=window)
    return None


def evaluate_all(rules: list[Rule], facts: list[Fact], *, today: date) -> list[Alert]:
    return [alert for rule in rules if (alert := evaluate(rule, facts, today=today)) is not None]
