# SPDX-License-Identifier: EUPL-1.2
"""``smaakmaker plans check|schedule``: the coherence rules and the scheduler from the command line.

Output is what a plan reader without covenant grants sees (``plans.selectors.plan_view`` with no
user): warnings and conflicts that involve an address-level intervention keep their rule and severity
but lose their message and those references; addresses appear nowhere.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.table import Table

from smaakmaker.plans import scheduling, selectors, services
from smaakmaker.plans.models import Approach


def _approach(name_or_uuid: str | None) -> Approach:
    approaches = Approach.objects.all()
    if name_or_uuid:
        found = [a for a in approaches if str(a.uuid) == name_or_uuid or a.name == name_or_uuid]
    else:
        found = list(approaches)
    if len(found) != 1:
        raise CommandError(
            "Geef één aanpak op (naam of UUID). Aanwezig: " + ", ".join(a.name for a in approaches) or "geen"
        )
    return found[0]


class Command(BaseCommand):
    help = "Check a plan against the coherence rules, or let the scheduler propose start weeks."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser(
            "check", help="Run the coherence rules; exit code 1 when a hard rule is broken."
        )
        check.add_argument("approach", nargs="?", help="Name or UUID of the approach (optional if only one).")
        schedule = sub.add_parser(
            "schedule", help="Propose a schedule (stored as a run awaiting a decision)."
        )
        schedule.add_argument("approach", nargs="?")
        schedule.add_argument("--time-limit", type=float, default=10.0, help="Seconds (default 10).")
        schedule.add_argument(
            "--accept", action="store_true", help="Accept the proposal at once (as system)."
        )

    def handle(self, *args, **options):
        console = Console(file=self.stdout, width=140)
        approach = _approach(options.get("approach"))
        if options["action"] == "check":
            return self._check(console, approach)
        return self._schedule(console, approach, options["time_limit"], options["accept"])

    def _check(self, console, approach):
        summary = services.check_summary(approach)
        m = summary["simultaneity"]
        console.print(
            f"{approach.name}: {len(summary['warnings'])} waarschuwingen "
            f"(fout {summary['by_severity']['fout']}, waarschuwing {summary['by_severity']['waarschuwing']}, "
            f"info {summary['by_severity']['info']}); {m.simultaneous_weeks} van {m.active_weeks} actieve weken "
            "met minstens drie smaken."
        )
        table = Table("ernst", "regel", "interventies", "melding")
        for w in selectors.plan_view(user=None, approach=approach, audit=False).warnings:
            table.add_row(w.severity_label, w.rule_id, ", ".join(w.refs), w.message)
        console.print(table)
        if summary["by_severity"]["fout"]:
            raise SystemExit(1)

    def _schedule(self, console, approach, time_limit, accept):
        run = services.run_create(actor=None, approach=approach, time_limit_s=time_limit)
        with console.status("Planner zoekt een planning…"):
            run = services.run_execute(run_id=run.pk)
        console.print(f"Status: {run.solver_status or run.state} — {run.message}")
        if run.objective:
            current = run.current_objective or {}
            console.print(
                f"Doelfunctie: voorstel {run.objective['total']} (weken met ≥3 smaken "
                f"{run.objective['simultaneous_weeks']}), huidig plan {current.get('total', '–')}"
            )
        area_refs = {
            iv.ref
            for iv in selectors.interventions_shown(
                user=None, items=selectors.plan_interventions(approach)
            ).full
        }
        for conflict in selectors.conflicts_for_user(run.conflicts, full_refs=area_refs):
            console.print(f"- conflict: {conflict['message']}")
        changed = {r: w for r, w in run.proposed_starts.items() if run.base_starts.get(r) != w}
        if changed:
            table = Table("interventie", "huidige startweek", "voorgestelde startweek")
            for ref, week in sorted(changed.items()):
                old = run.base_starts.get(ref)
                table.add_row(ref, "–" if old is None else str(old + 1), str(week + 1))
            console.print(table)
        console.print(f"Voorstel {run.uuid}: {len(changed)} startweken anders.")
        if accept and run.has_proposal:
            events = services.run_accept(actor=None, run=run, note="Aangenomen via de opdrachtregel")
            console.print(f"Aangenomen: {len(events)} startweken gewijzigd.")
        if run.solver_status == scheduling.SolveStatus.INFEASIBLE.value:
            raise SystemExit(2)
