# SPDX-License-Identifier: EUPL-1.2
"""Benchmark of the umami planner: coherence rules, CP-SAT scheduler and the greedy baseline.

Generates a fictional area (default: 2,000 interventions on 500 addresses, 6 partners, 52 weeks) with
a realistic mix of flavours, streets, complexes, care addresses and dependencies, then prints a
markdown table of medians over repeats.

    .venv/bin/python bench/planner/run.py                  # defaults
    .venv/bin/python bench/planner/run.py --time-limit 60 --repeats 5

Not collected by pytest (the file is not called test_*.py).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from smaakmaker.plans.domain import (  # noqa: E402
    Dependency,
    DependencyKind,
    Flavour,
    Intervention,
    Level,
    Partner,
    Plan,
)
from smaakmaker.plans.rules import check_plan, simultaneity  # noqa: E402
from smaakmaker.plans.scheduling import (  # noqa: E402
    SchedulerConfig,
    apply_schedule,
    greedy_schedule,
    schedule_plan,
)

PARTNER_IDS = ("gemeente", "corporatie", "politie", "wijkteam", "ggd", "schuldhulp")
OWNERS = {
    Flavour.BITTER: ("gemeente", "corporatie"),
    Flavour.ZUUR: ("gemeente", "politie", "corporatie"),
    Flavour.ZOUT: ("wijkteam", "ggd", "schuldhulp"),
    Flavour.ZOET: ("gemeente", "corporatie", "wijkteam"),
}


def generate(
    n_interventions: int = 2000,
    n_addresses: int = 500,
    weeks: int = 52,
    seed: int = 1,
    capacity_factor: float = 1.6,
) -> Plan:
    """A fictional area with streets of 20 addresses, complexes of ~8 and 20% care addresses."""
    rng = random.Random(seed)
    n_streets = max(1, n_addresses // 20)
    addresses = [f"adres-{k:04d}" for k in range(n_addresses)]
    street_of = {a: f"straat-{k % n_streets:02d}" for k, a in enumerate(addresses)}
    complex_of: dict[str, str | None] = {}
    for k, a in enumerate(addresses):
        complex_of[a] = (
            f"complex-{street_of[a][-2:]}-{(k // n_streets) // 8}" if (k // n_streets) < 16 else None
        )
    care = {a for a in addresses if rng.random() < 0.2}
    ivs: list[Intervention] = []
    deps: list[Dependency] = []

    def add(flavour: Flavour, level: Level, target: str, d: int, **kw) -> Intervention:
        release = kw.pop("release_week", rng.randint(0, 20))
        release = min(release, weeks - d)
        due = None
        if kw.pop("may_have_due", True) and rng.random() < 0.15:
            due = min(weeks, release + d + rng.randint(6, 24))
        item = Intervention(
            id=f"i{len(ivs):05d}",
            flavour=flavour,
            level=level,
            target=target,
            owner=rng.choice(OWNERS[flavour]),
            duration_weeks=d,
            degree=rng.randint(1, 3),
            exit_criteria="Doel bereikt en vastgelegd in het adresdossier.",
            release_week=release,
            due_week=due,
            priority=kw.pop("priority", rng.randint(1, 2)),
            **kw,
        )
        ivs.append(item)
        return item

    streets = sorted(set(street_of.values()))
    complexes = sorted({c for c in complex_of.values() if c})
    for s in streets:
        for _ in range(2):
            add(
                Flavour.BITTER,
                Level.STRAAT,
                s,
                rng.randint(12, 26),
                street=s,
                release_week=rng.randint(0, 26),
            )
        for _ in range(2):
            add(Flavour.ZOET, Level.STRAAT, s, rng.randint(2, 6), street=s)
    for c in complexes[: len(complexes) // 2]:
        street = "straat-" + c.split("-")[1]
        add(Flavour.BITTER, Level.COMPLEX, c, rng.randint(8, 20), complex=c, street=street)
        add(Flavour.ZOET, Level.COMPLEX, c, rng.randint(2, 6), complex=c, street=street)
    for _ in range(2):
        add(Flavour.ZOET, Level.GEBIED, "wijk", rng.randint(4, 10))

    coordinators = {a: f"coördinator-{rng.randint(1, 12)}" for a in addresses}
    order = addresses[:]
    rng.shuffle(order)
    cursor = 0
    while len(ivs) < n_interventions:
        a = order[cursor % len(order)]  # every address gets interventions
        cursor += 1
        loc = {"address": a, "street": street_of[a], "complex": complex_of[a], "coordinator": coordinators[a]}
        r = rng.random()
        if r < 0.25 and len(ivs) <= n_interventions - 3:  # a problem case: Zuur with its coherence partners
            care_first = a in care and rng.random() < 0.3
            aftercare = rng.random() < 0.1
            z = add(
                Flavour.ZUUR,
                Level.ADRES,
                a,
                rng.randint(4, 12),
                requires_care_offer=a in care,
                priority=rng.randint(2, 5),
                may_have_due=not (care_first or aftercare),
                **loc,
            )
            # Coherence partners are released no later than the Zuur and have no deadline of their own.
            early = {"release_week": max(0, z.release_week - rng.randint(0, 4)), "may_have_due": False}
            if rng.random() < 0.7:
                add(Flavour.BITTER, Level.ADRES, a, rng.randint(4, 10), **early, **loc)
            if a in care:
                o = add(
                    Flavour.ZOUT,
                    Level.ADRES,
                    a,
                    rng.randint(3, 10),
                    priority=rng.randint(3, 5),
                    **early,
                    **loc,
                )
                if care_first:
                    deps.append(Dependency(o.id, z.id, DependencyKind.BEFORE))
            if aftercare:
                e = add(Flavour.ZOET, Level.ADRES, a, rng.randint(2, 6), may_have_due=False, **loc)
                deps.append(Dependency(z.id, e.id, DependencyKind.BEFORE, lag_weeks=rng.randint(0, 2)))
        elif r < 0.6:
            add(Flavour.ZOUT, Level.ADRES, a, rng.randint(3, 10), **loc)
        elif r < 0.85:
            add(Flavour.ZOET, Level.ADRES, a, rng.randint(2, 8), **loc)
        else:
            add(Flavour.BITTER, Level.ADRES, a, rng.randint(4, 12), **loc)
    ivs = ivs[:n_interventions]
    kept = {i.id for i in ivs}
    deps = [d for d in deps if d.first in kept and d.second in kept]
    # Some "together" agreements: a Zuur action with a visible street Zoet action in its street.
    street_zoet = {i.street: i.id for i in ivs if i.flavour is Flavour.ZOET and i.level is Level.STRAAT}
    for z in [i for i in ivs if i.flavour is Flavour.ZUUR][::10]:
        if z.street in street_zoet:
            deps.append(Dependency(z.id, street_zoet.pop(z.street), DependencyKind.TOGETHER, window_weeks=4))
    demand = Counter()
    for i in ivs:
        demand[i.owner] += i.degree * (i.duration_weeks or 0)
    partners = tuple(
        Partner(p, p.capitalize(), max(3, round(capacity_factor * demand[p] / weeks))) for p in PARTNER_IDS
    )
    return Plan(
        interventions=tuple(ivs),
        dependencies=tuple(deps),
        partners=partners,
        horizon_weeks=weeks,
        area="Voorbeeldwijk (fictief)",
        flavour_diagnosis={Flavour.ZUUR: 3, Flavour.ZOUT: 3, Flavour.ZOET: 2, Flavour.BITTER: 2},
        care_addresses=frozenset(care),
    )


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def fmt(x: float | None, unit: str = "s") -> str:
    if x is None or x != x:
        return "–"
    return f"{x:.3f} {unit}" if unit == "s" else f"{x:,.0f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--interventions", type=int, default=2000)
    ap.add_argument("--addresses", type=int, default=500)
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--rule-repeats", type=int, default=7)
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    t = time.perf_counter()
    plan = generate(args.interventions, args.addresses, args.weeks, args.seed)
    gen_s = time.perf_counter() - t
    flavours = Counter(i.flavour.value for i in plan.interventions)
    print(
        f"# Planner benchmark — {date.today().isoformat()} — {platform.node()} — {os.cpu_count()} cores — "
        f"Python {platform.python_version()}\n"
    )
    print(
        f"Instance: {len(plan.interventions)} interventions ({dict(flavours)}), "
        f"{len({i.address for i in plan.interventions if i.address})} addresses, "
        f"{len(plan.partners)} partners, "
        f"{plan.horizon_weeks} weeks, {len(plan.dependencies)} dependencies, "
        f"{len(plan.care_addresses)} care addresses (generated in {gen_s:.2f} s)\n"
    )

    config = SchedulerConfig(time_limit_s=args.time_limit, workers=args.workers, seed=args.seed)
    greedy_runs = [greedy_schedule(plan, config) for _ in range(args.repeats)]
    greedy = greedy_runs[-1]
    cp_runs = []
    for r in range(args.repeats):
        res = schedule_plan(plan, replace(config, seed=args.seed + r))
        print(
            f"  CP-SAT run {r + 1}: {res.status.value}, first {fmt(res.time_to_first_s)}, "
            f"best {fmt(res.time_to_best_s)}, objective {res.objective.total if res.objective else '–'}, "
            f"{res.solutions} solutions",
            flush=True,
        )
        cp_runs.append(res)
    best_run = max((r for r in cp_runs if r.objective), key=lambda r: r.objective.total, default=None)  # type: ignore[union-attr]
    scheduled = apply_schedule(plan, best_run.starts if best_run else greedy.starts)
    rule_times = []
    for _ in range(args.rule_repeats):
        t = time.perf_counter()
        warnings = check_plan(scheduled)
        rule_times.append(time.perf_counter() - t)
    by_rule = Counter(w.rule_id for w in warnings)
    sim = simultaneity(scheduled)

    ok = [r for r in cp_runs if r.objective]
    print()
    print("| measure | CP-SAT scheduler | greedy list scheduling | target |")
    print("|---|---|---|---|")
    print(f"| rule check, all rules (median of {args.rule_repeats}) | {fmt(med(rule_times))} | | ≤ 1 s |")
    print(
        f"| status | {', '.join(sorted({r.status.value for r in cp_runs}))} | "
        f"{len(greedy.unplaced)} of {len(plan.interventions)} not placed | |"
    )
    print(
        f"| time to first feasible (median of {args.repeats}) | "
        f"{fmt(med([r.time_to_first_s for r in ok if r.time_to_first_s is not None]))} | "
        f"{fmt(med([g.wall_time_s for g in greedy_runs]))} (whole run) | ≤ 10 s |"
    )
    print(
        f"| time to best within the {args.time_limit:.0f} s limit | "
        f"{fmt(med([r.time_to_best_s for r in ok if r.time_to_best_s is not None]))} | – | |"
    )
    print(
        f"| objective (median) | {fmt(med([r.objective.total for r in ok]), '')} | "
        f"{fmt(greedy.objective.total, '')} | higher is better |"
    )
    print(
        f"| – weeks with ≥ 3 flavours | {med([r.objective.simultaneous_weeks for r in ok]):.0f} | "
        f"{greedy.objective.simultaneous_weeks} | |"
    )
    print(
        f"| – relief (Σ priority × weeks before horizon) | "
        f"{fmt(med([r.objective.relief for r in ok]), '')} | "
        f"{fmt(greedy.objective.relief, '')} | |"
    )
    if ok:
        print(f"| solver upper bound (best run) | {fmt(best_run.best_bound, '')} | | |")  # type: ignore[union-attr]
    print()
    print(f"Warnings on the best schedule: {dict(by_rule)}; simultaneity share {sim.share:.0%}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
