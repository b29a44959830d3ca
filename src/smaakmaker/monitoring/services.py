# SPDX-License-Identifier: EUPL-1.2
"""Writes for monitoring: create and run effect evaluations, import perceived indicators.

An evaluation runs in a background thread (like the plans scheduler); its progress and step are stored
on the evaluation row and polled by the page (``web/static/smaakmaker/progress.js``) and the API.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import re
from dataclasses import dataclass

import pandas as pd
import structlog
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from smaakmaker.access.audit import audit_record
from smaakmaker.areas.models import Area, Indicator
from smaakmaker.common.background import enqueue
from smaakmaker.monitoring import effects as fx
from smaakmaker.monitoring import selectors
from smaakmaker.monitoring.models import (
    DonorPoolKind,
    EffectEvaluation,
    EvaluationStatus,
    KenteringFlag,
    PerceivedImport,
    PerceivedValue,
    RadarRun,
)

log = structlog.get_logger(__name__)

DEFAULT_OPTIONS = {
    "min_pre_periods": 3,
    "placebo_variant": "fixed_v",
    "lagged_outcomes": False,
    "hull_check": "raise",
}


#: The refitted placebo test uses two processes from this many donors on (below, starting them costs
#: more than it saves).
PARALLEL_PLACEBOS_FROM = 100


def _placebo_jobs(variant: str, n_donors: int) -> int:
    """Worker processes for the placebo test: two for the refitted test of a large pool, else one."""
    if variant != "refit_v" or n_donors < PARALLEL_PLACEBOS_FROM:
        return 1
    return max(1, min(2, os.cpu_count() or 1))


class MonitoringError(ValueError):
    """Bad input for a monitoring service, with a Dutch message and the field it concerns."""

    def __init__(self, message: str, *, field: str = "non_field_errors", code: str = "invalid") -> None:
        super().__init__(message)
        self.message, self.field, self.code = message, field, code


# --- evaluations ------------------------------------------------------------------------------------------


def evaluation_create(
    *,
    actor,
    area: Area,
    indicator: Indicator,
    treatment_year: int,
    donor_pool: str = DonorPoolKind.PEERS,
    peers_k: int = 30,
    exclude_approaches: bool = True,
    exclude_adjacent: bool = False,
    excluded_codes: list[str] | None = None,
    covariates: list[str] | None = None,
    options: dict | None = None,
    approach=None,
    note: str = "",
) -> EffectEvaluation:
    if donor_pool not in DonorPoolKind.values:
        raise MonitoringError("Kies een donorpool: 'peers' of 'gemeente'.", field="donor_pool")
    if not 5 <= int(peers_k) <= 200:
        raise MonitoringError("Het aantal vergelijkbare gebieden ligt tussen 5 en 200.", field="peers_k")
    if not 1990 <= int(treatment_year) <= 2100:
        raise MonitoringError("Geef een jaartal tussen 1990 en 2100.", field="treatment_year")
    covariates = [c for c in (covariates or []) if c and c != indicator.key]
    unknown = sorted(
        set(covariates) - set(Indicator.objects.filter(key__in=covariates).values_list("key", flat=True))
    )
    if unknown:
        raise MonitoringError(f"Onbekende indicatoren: {', '.join(unknown)}.", field="covariates")
    merged = {**DEFAULT_OPTIONS, **(options or {})}
    if merged["placebo_variant"] not in {"fixed_v", "refit_v"}:
        raise MonitoringError("Onbekende placebovariant.", field="options")
    if not 2 <= int(merged["min_pre_periods"]) <= 20:
        raise MonitoringError(
            "Het minimum aantal jaren vóór de ingreep ligt tussen 2 en 20.", field="options"
        )
    with transaction.atomic():
        evaluation = EffectEvaluation.objects.create(
            area=area,
            approach=approach,
            indicator=indicator,
            treatment_year=int(treatment_year),
            donor_pool=donor_pool,
            peers_k=int(peers_k),
            exclude_approaches=exclude_approaches,
            exclude_adjacent=exclude_adjacent,
            excluded_codes=[c.strip().upper() for c in (excluded_codes or []) if c.strip()],
            covariates=covariates,
            options=merged,
            note=note,
            created_by=actor,
        )
        audit_record(
            actor=actor, action="monitoring.evaluation.create", obj=evaluation, reason=str(evaluation)
        )
    return evaluation


def _num(value, digits: int = 6):
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(value) or math.isinf(value):
        return None
    return round(value, digits)


def _nums(values) -> list:
    return [_num(v) for v in values]


def _progress(evaluation_id: int, progress: float, step: str) -> None:
    EffectEvaluation.objects.filter(pk=evaluation_id).update(progress=progress, step=step)


@dataclass
class _Prepared:
    long: pd.DataFrame
    spec: fx.SyntheticControlSpec
    years: list[int]
    dropped: list[dict[str, str]]


def _prepare(evaluation: EffectEvaluation, donors: list[str]) -> _Prepared:
    """The long panel and spec; donors without the outcome in the years used are left out (and listed)."""
    outcome = evaluation.indicator.key
    covariates = list(evaluation.covariates)
    treated = evaluation.area.code
    long = selectors.evaluation_panel(codes=[treated, *donors], variables=[outcome, *covariates])
    name = evaluation.area.name
    if long.loc[(long["unit"] == treated) & long[outcome].notna()].empty:
        raise fx.EffectEvaluationError(
            "missing_values",
            f"Voor {name} ({treated}) zijn geen waarden van '{evaluation.indicator.label}' beschikbaar.",
        )
    share = long.groupby("time")[outcome].apply(lambda s: s.notna().mean())
    years = sorted(int(y) for y, s in share.items() if s >= 0.5)
    long = long[long["time"].isin(years)]
    pre_years = [y for y in years if y < evaluation.treatment_year]
    dropped = []
    keep = []
    complete = long.pivot(index="unit", columns="time", values=outcome).reindex(columns=years)
    for code in donors:
        if code not in complete.index or complete.loc[code].isna().any():
            missing = (
                [] if code not in complete.index else [str(y) for y in years if pd.isna(complete.at[code, y])]
            )
            dropped.append(
                {
                    "code": code,
                    "reason": "ontbrekende waarden voor de uitkomst"
                    + (f" ({', '.join(missing)})" if missing else ""),
                }
            )
            continue
        rows = long[(long["unit"] == code) & long["time"].isin(pre_years)]
        empty = [c for c in covariates if rows[c].isna().all()]
        if empty:
            dropped.append({"code": code, "reason": f"geen waarden vóór de ingreep voor {', '.join(empty)}"})
            continue
        keep.append(code)
    options = evaluation.options
    special = ()
    if options.get("lagged_outcomes"):
        special = tuple(fx.SpecialPredictor(outcome, (y,)) for y in pre_years)
    spec = fx.SyntheticControlSpec(
        treated=treated,
        treatment_time=evaluation.treatment_year,
        outcome=outcome,
        predictors=(outcome, *covariates),
        special_predictors=special,
        donors=tuple(keep),
        skip_missing_in_windows=True,
    )
    return _Prepared(long[long["unit"].isin([treated, *keep])], spec, years, dropped)


def _evaluate(evaluation: EffectEvaluation) -> tuple[dict, dict]:
    step = lambda p, text: _progress(evaluation.pk, p, text)  # noqa: E731
    step(0.05, "donorpool kiezen")
    pool = selectors.donor_pool_select(
        area=evaluation.area,
        pool=evaluation.donor_pool,
        k=evaluation.peers_k,
        exclude_approaches=evaluation.exclude_approaches,
        exclude_adjacent=evaluation.exclude_adjacent,
        excluded_codes=list(evaluation.excluded_codes),
    )
    step(0.15, "gegevens ophalen")
    prepared = _prepare(evaluation, pool.donors)
    excluded = pool.excluded + prepared.dropped
    donors_info = {
        "donors": list(prepared.spec.donors or ()),
        "excluded": excluded,
        "candidates": len(pool.donors) + len(pool.excluded),
    }
    options = evaluation.options
    fit_options = fx.FitOptions(
        min_pre_periods=int(options.get("min_pre_periods", 3)), hull_check=options.get("hull_check", "raise")
    )
    step(0.25, "synthetische controle schatten")
    data = fx.build_matrices(prepared.long, prepared.spec)
    fit = fx.fit_data(data, fit_options)
    step(0.45, "placebotoets over de donorpool")
    variant = options.get("placebo_variant", "fixed_v")
    placebo = fx.placebo_in_space(
        data, result=fit, options=fit_options, variant=variant, n_jobs=_placebo_jobs(variant, data.n_donors)
    )
    step(0.7, "robuustheid: zonder één donor")
    loo_block: dict = {}
    try:
        loo = fx.leave_one_out(data, result=fit, options=fit_options, refit_v=False)
        lo, hi = loo.post_gap_range()
        loo_block = {
            "range": [_num(lo), _num(hi)],
            "gaps": {str(k): _nums(v.to_numpy()) for k, v in loo.gaps.items()},
            "explanation": loo.explanation(),
        }
    except fx.EffectEvaluationError as exc:
        loo_block = {"error": exc.message}
    step(0.8, "placebo in de tijd")
    pre_years = [y for y in prepared.years if y < evaluation.treatment_year]
    pit_block: dict = {}
    if len(pre_years) >= 3:
        fake = pre_years[-1]
        try:
            pit = fx.placebo_in_time(
                prepared.long,
                prepared.spec,
                fake,
                options=fx.FitOptions(min_pre_periods=2, hull_check="off"),
                shift_windows=False,
            )
            pit_block = {
                "fake_year": fake,
                "mean_gap": _num(pit.mean_gap_after_fake),
                "rmspe_ratio": _num(pit.result.rmspe_ratio),
                "years": [int(t) for t in pit.result.gap.index],
                "gap": _nums(pit.result.gap.to_numpy()),
                "explanation": pit.explanation(),
            }
        except fx.EffectEvaluationError as exc:
            pit_block = {"fake_year": fake, "error": exc.message}
    else:
        pit_block = {
            "error": "Te weinig jaren vóór de ingreep voor een placebo in de tijd (minstens 3 nodig)."
        }
    step(0.9, "verschil-in-verschillen")
    did = fx.difference_in_differences(data)
    step(0.93, "schatters naast elkaar")
    comparison = fx.compare_estimators(data, fit, placebo).as_dict()
    names = selectors.area_names([evaluation.area.code, *data.donors])
    weights = fit.nonzero_weights(1e-4)
    att = fit.att()
    years = [int(t) for t in fit.gap.index]
    n_pre = int(sum(1 for y in years if y < evaluation.treatment_year))
    result = {
        "treated": evaluation.area.code,
        "treated_name": evaluation.area.name,
        "indicator": evaluation.indicator.key,
        "indicator_label": evaluation.indicator.label,
        "unit": evaluation.indicator.unit,
        "direction": evaluation.indicator.direction,
        "treatment_year": evaluation.treatment_year,
        "years": years,
        "n_pre": n_pre,
        "n_post": len(years) - n_pre,
        "n_donors": data.n_donors,
        "observed": _nums(fit.observed.to_numpy()),
        "synthetic": _nums(fit.synthetic.to_numpy()),
        "gap": _nums(fit.gap.to_numpy()),
        "weights": [
            {"code": str(code), "name": names.get(str(code), str(code)), "weight": _num(w, 4)}
            for code, w in weights.items()
        ],
        "weights_unique": bool(fit.solver.weights_unique),
        "v": {str(k): _num(v, 4) for k, v in fit.v.items()},
        "balance": [
            {
                "predictor": str(name),
                "treated": _num(row["treated"], 4),
                "synthetic": _num(row["synthetic"], 4),
                "donor_mean": _num(row["donor_mean"], 4),
            }
            for name, row in fit.predictor_balance.iterrows()
        ],
        "loss": _num(fit.loss),
        "rmspe_pre": _num(fit.rmspe_pre),
        "rmspe_post": _num(fit.rmspe_post),
        "rmspe_ratio": _num(fit.rmspe_ratio),
        "perfect_pre_fit": bool(fit.rmspe_pre == 0),
        "att": {
            "estimate": _num(att.estimate),
            "standard_error": _num(att.standard_error),
            "n": att.n_periods,
        },
        "placebo": {
            "variant": placebo.variant,
            "p_value": _num(placebo.p_value, 4),
            "rank": placebo.rank,
            "n_placebos": placebo.n_placebos,
            "ratios": {str(k): _num(v) for k, v in placebo.ratios.items()},
            "gaps": {
                str(k): _nums(placebo.gaps[k].to_numpy()) for k in placebo.gaps.columns if k != fit.treated
            },
            "explanation": placebo.explanation(),
        },
        "leave_one_out": loo_block,
        "placebo_in_time": pit_block,
        "did": {
            "estimate": _num(did.estimate),
            "standard_error": _num(did.standard_error),
            "placebo_standard_error": _num(did.placebo_standard_error),
            "placebo_p_value": _num(did.placebo_p_value, 4),
            "explanation": did.explanation(),
        },
        "comparison": {
            **comparison,
            "rows": [
                {
                    **row,
                    "estimate": _num(row["estimate"]),
                    "standard_error": _num(row["standard_error"]),
                    "interval": _nums(row["interval"]) if row["interval"] else None,
                    "pre_rmse": _num(row["pre_rmse"]),
                }
                for row in comparison["rows"]
            ],
        },
        "warnings": list(fit.warnings),
        "notes": list(fit.notes),
        "explanation": fit.explanation(),
        "solver": {
            "best_start": fit.solver.best_start,
            "n_inner_solves": fit.solver.n_inner_solves,
            "elapsed_seconds": _num(fit.solver.elapsed_seconds, 3),
        },
    }
    return result, donors_info


def evaluation_execute(*, evaluation_id: int) -> EffectEvaluation:
    """Run a queued evaluation and store its result or its Dutch error (in the web: in a thread)."""
    evaluation = EffectEvaluation.objects.select_related("area", "indicator").get(pk=evaluation_id)
    started = EffectEvaluation.objects.filter(pk=evaluation.pk, status=EvaluationStatus.QUEUED).update(
        status=EvaluationStatus.RUNNING, started_at=timezone.now(), progress=0.01, step="starten"
    )
    if not started:  # finished, failed or already taken by another attempt: leave it so
        return evaluation
    try:
        result, donors = _evaluate(evaluation)
        EffectEvaluation.objects.filter(pk=evaluation.pk).update(
            status=EvaluationStatus.FINISHED,
            progress=1.0,
            step="klaar",
            result=result,
            donors=donors,
            error_code="",
            message="",
            finished_at=timezone.now(),
        )
        log.info("monitoring_evaluation_finished", evaluation=str(evaluation.uuid))
    except fx.EffectEvaluationError as exc:
        EffectEvaluation.objects.filter(pk=evaluation.pk).update(
            status=EvaluationStatus.FAILED,
            progress=1.0,
            step="gestopt",
            error_code=exc.code,
            message=exc.message,
            finished_at=timezone.now(),
        )
        log.info("monitoring_evaluation_refused", evaluation=str(evaluation.uuid), code=exc.code)
    except LookupError:
        EffectEvaluation.objects.filter(pk=evaluation.pk).update(
            status=EvaluationStatus.FAILED,
            progress=1.0,
            step="gestopt",
            error_code="missing_values",
            message="Er zijn geen indicatorwaarden voor dit gebied of zijn vergelijkingsgebieden geladen.",
            finished_at=timezone.now(),
        )
    except Exception:  # noqa: BLE001 - a failed run must be reported, not left "running"
        log.exception("monitoring_evaluation_failed", evaluation=str(evaluation.uuid))
        EffectEvaluation.objects.filter(pk=evaluation.pk).update(
            status=EvaluationStatus.FAILED,
            progress=1.0,
            step="gestopt",
            error_code="internal",
            message="De evaluatie is onverwacht gestopt; zie het applicatielog.",
            finished_at=timezone.now(),
        )
    evaluation.refresh_from_db()
    return evaluation


def evaluation_start_background(*, evaluation: EffectEvaluation) -> None:
    """Put the evaluation on the background queue (in the caller's transaction, if any); its progress
    and step are stored on its row, which the page polls. A worker that dies during the evaluation is
    detected by ``smaakmaker worker`` (common/background.py): retried once, then failed with a reason."""
    from smaakmaker.monitoring.tasks import evaluation_task

    enqueue(evaluation_task, evaluation.pk)


def evaluation_abandoned(evaluation_id: int, *, retry: bool, reason: str) -> None:
    """The worker of an evaluation died: queue it again or fail it with ``reason``. The result is stored
    in one statement at the end, so nothing of a lost evaluation was stored."""
    unfinished = EffectEvaluation.objects.filter(
        pk=evaluation_id, status__in=[EvaluationStatus.QUEUED, EvaluationStatus.RUNNING]
    )
    if retry:
        unfinished.update(status=EvaluationStatus.QUEUED, started_at=None, progress=0.0, step="")
    else:
        unfinished.update(
            status=EvaluationStatus.FAILED,
            progress=1.0,
            step="gestopt",
            error_code="worker_lost",
            message=reason,
            finished_at=timezone.now(),
        )


# --- perceived indicators ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportProblem:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return (
            f"regel {self.line}, kolom {self.column}: {self.message}"
            if self.column
            else f"regel {self.line}: {self.message}"
        )


class PerceivedImportError(ValueError):
    def __init__(self, filename: str, problems: list[ImportProblem]) -> None:
        self.filename = filename
        self.problems = problems
        super().__init__(f"{filename}: " + "; ".join(str(p) for p in problems[:5]))


HEADERS = {
    "area": ("gebiedscode", "gebied", "code", "area_code", "area"),
    "year": ("jaar", "year"),
    "indicator": ("indicator",),
    "value": ("waarde", "value"),
}
INDICATOR_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
MAX_PROBLEMS = 20


def _parse_csv(
    filename: str, content: bytes
) -> tuple[list[tuple[str, str, int, float, int]], list[ImportProblem]]:
    problems: list[ImportProblem] = []
    spreadsheet = content.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")) or filename.lower().endswith(
        (".xlsx", ".xls", ".ods")
    )
    if spreadsheet:  # a workbook (zip or OLE container), not text
        return [], [
            ImportProblem(
                1, "", "dit is een spreadsheet, geen CSV: sla het bestand op als CSV (UTF-8) en lees dat in"
            )
        ]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [
            ImportProblem(1, "", "het bestand is geen UTF-8-tekst: sla het bestand op als CSV (UTF-8)")
        ]
    if not text.strip():
        return [], [ImportProblem(1, "", "het bestand is leeg")]
    first = text.splitlines()[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    positions: dict[str, int] = {}
    for key, names in HEADERS.items():
        found = [i for i, h in enumerate(header) if h in names]
        if not found:
            problems.append(
                ImportProblem(
                    1,
                    names[0],
                    f"kolom '{names[0]}' ontbreekt (verwacht: gebiedscode, jaar, indicator, waarde)",
                )
            )
        else:
            positions[key] = found[0]
    if problems:
        return [], problems
    rows = []
    seen: dict[tuple[str, str, int], int] = {}
    for line, record in enumerate(reader, start=2):
        if not any(field.strip() for field in record):
            continue
        if len(record) < len(header):
            problems.append(ImportProblem(line, "", f"{len(record)} kolommen, verwacht {len(header)}"))
            continue
        code = record[positions["area"]].strip().upper()
        indicator = record[positions["indicator"]].strip().lower()
        raw_year = record[positions["year"]].strip()
        raw_value = record[positions["value"]].strip().replace(",", ".")
        if not code:
            problems.append(ImportProblem(line, header[positions["area"]], "gebiedscode ontbreekt"))
        if not INDICATOR_RE.fullmatch(indicator):
            problems.append(
                ImportProblem(
                    line, "indicator", f"'{indicator}' is geen geldige naam (kleine letters, cijfers, _)"
                )
            )
        try:
            year = int(raw_year)
            if not 1990 <= year <= 2100:
                raise ValueError
        except ValueError:
            problems.append(ImportProblem(line, header[positions["year"]], f"'{raw_year}' is geen jaartal"))
            year = 0
        try:
            value = float(raw_value)
            if not math.isfinite(value):
                raise ValueError
        except ValueError:
            problems.append(
                ImportProblem(
                    line, header[positions["value"]], f"'{record[positions['value']]}' is geen getal"
                )
            )
            value = float("nan")
        key = (code, indicator, year)
        if key in seen:
            problems.append(ImportProblem(line, "", f"dubbele rij (ook op regel {seen[key]})"))
        seen[key] = line
        rows.append((code, indicator, year, value, line))
        if len(problems) >= MAX_PROBLEMS:
            break
    if not rows and not problems:
        problems.append(ImportProblem(2, "", "het bestand bevat geen gegevensregels"))
    return rows, problems


def perceived_import(*, actor, filename: str, content: bytes) -> PerceivedImport:
    """Import perceived indicators (CSV: gebiedscode, jaar, indicator, waarde): all rows or none.

    Raises :class:`PerceivedImportError` with the line and column of the first problems; nothing is
    stored then. A value for an area, indicator and year that exists already is replaced.
    """
    rows, problems = _parse_csv(filename, content)
    if not problems:
        codes = {r[0] for r in rows}
        areas = {a.code: a for a in Area.objects.filter(code__in=codes)}
        area_header = "gebiedscode"
        for code, _indicator, _year, _value, line in rows:
            if code and code not in areas:
                problems.append(ImportProblem(line, area_header, f"gebied '{code}' is onbekend"))
                if len(problems) >= MAX_PROBLEMS:
                    break
    if problems:
        raise PerceivedImportError(filename, problems)
    with transaction.atomic():
        batch = PerceivedImport.objects.create(
            source=filename[:300], sha256=hashlib.sha256(content).hexdigest(), rows=len(rows), actor=actor
        )
        for code, indicator, year, value, _line in rows:
            PerceivedValue.objects.update_or_create(
                area=areas[code], indicator=indicator, year=year, defaults={"value": value, "batch": batch}
            )
        audit_record(actor=actor, action="monitoring.perceived.import", obj=batch, reason=filename[:200])
    return batch


def bbga_perceived_import(*, directory, actor=None) -> PerceivedImport | None:
    """The resident-survey series of Amsterdam's Basisbestand Gebieden as perceived values of the gebieden
    and stadsdelen (loaded by the areas domain before). All or nothing; the same file twice changes nothing.

    Returns ``None`` when the areas are not loaded.
    """
    from pathlib import Path

    from smaakmaker.areas.sources import bbga

    path = Path(directory) / bbga.SURVEY_FILE
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    if (batch := PerceivedImport.objects.filter(sha256=sha).first()) is not None:
        return batch
    tidy = bbga.read_series(Path(directory), "perceived")
    areas = dict(Area.objects.filter(code__in=set(tidy["code"])).values_list("code", "id"))
    if not areas:
        return None
    tidy = tidy[tidy["code"].isin(list(areas))]
    with transaction.atomic():
        # named for the reader (the pages list earlier imports), not by its file name: the file is the
        # bundled one, known by its content hash and data/bbga_amsterdam/README.md
        batch = PerceivedImport.objects.create(
            source=bbga.SURVEY_SOURCE, sha256=sha, rows=len(tidy), actor=actor
        )
        PerceivedValue.objects.bulk_create(
            [
                PerceivedValue(
                    area_id=areas[code], indicator=key, year=int(year), value=float(value), batch=batch
                )
                for code, key, year, value in zip(
                    tidy["code"], tidy["indicator"], tidy["year"], tidy["value"], strict=True
                )
            ],
            update_conflicts=True,
            unique_fields=["area", "indicator", "year"],
            update_fields=["value", "batch"],
        )
        audit_record(actor=actor, action="monitoring.perceived.import", obj=batch, reason=path.name)
    return batch


# --- kentering radar ----------------------------------------------------------------------------------------


def radar_run(*, reevaluate: bool = True, progress=None) -> RadarRun:
    """Scan every loaded area and indicator, every year, for turning points; store the new ones; repeat the
    evaluations of every registered approach whose area has new figures since its last evaluation.

    Area statistics only. Each turning point is stored once, at the year whose figure raised it, with the
    rule's inputs at that moment; the run that found it first lists it as new ("nieuwe kenteringen").
    """
    import time

    import numpy as np

    from smaakmaker.areas.kentering import KenteringRule, kentering_radar

    report = progress or (lambda text: None)
    started = time.perf_counter()
    run = RadarRun.objects.create(started_at=timezone.now())
    rule = KenteringRule()
    inputs = selectors.radar_inputs(min_observations=rule.needed)
    report(f"{sum(len(i.values) for i in inputs)} reeksen met minstens {rule.needed} waarnemingen")
    area_ids = dict(
        Area.objects.filter(code__in={c for i in inputs for c in set(i.codes)}).values_list("code", "id")
    )
    existing = set(KenteringFlag.objects.values_list("area_id", "indicator", "kind", "as_of_year"))
    new_flags, n_flags, years, summary = [], 0, set(), {}
    for item in inputs:
        scan = kentering_radar(item.values, item.years, item.directions, rule)
        years.update(scan.as_of_years)
        latest = np.nan_to_num(scan.latest.signal, nan=np.inf)
        summary[item.kind] = {
            "series": int(len(item.values)),
            "areas": int(item.areas),
            "ten_goede": int(np.sum(latest == 1)),
            "ten_kwade": int(np.sum(latest == -1)),
            "geen": int(np.sum(latest == 0)),
            "onvoldoende": int(np.sum(np.isinf(latest))),
        }
        onsets = scan.flags[scan.flags["new"].to_numpy()]
        n_flags += len(onsets)
        for row in onsets.itertuples(index=False):
            key = (
                area_ids[item.codes[row.series]],
                str(item.indicators[row.series]),
                item.kind,
                int(row.as_of),
            )
            if key in existing:
                continue
            new_flags.append(
                KenteringFlag(
                    area_id=key[0],
                    indicator=key[1],
                    kind=item.kind,
                    as_of_year=key[3],
                    turn_year=int(row.turn_year),
                    signal=int(row.signal),
                    inputs={
                        "slope_before": _round(row.slope_before),
                        "slope_recent": _round(row.slope_recent),
                        "t_before": _round(row.t_before),
                        "t_recent": _round(row.t_recent),
                        "noise": _round(row.noise),
                        "n_before": int(row.n_before),
                        "n_recent": int(row.n_recent),
                    },
                    first_run=run,
                )
            )
    with transaction.atomic():
        KenteringFlag.objects.bulk_create(new_flags, batch_size=5000)
    report(f"{n_flags} kenteringen gevonden, {len(new_flags)} nieuw")
    changes = approaches_reevaluate(report=report) if reevaluate else []
    summary["reevaluations"] = changes
    RadarRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(),
        seconds=time.perf_counter() - started,
        areas=sum(i.areas for i in inputs),
        series=sum(len(i.values) for i in inputs),
        years=sorted(years),
        flags=n_flags,
        new_flags=len(new_flags),
        reevaluated=len(changes),
        summary=summary,
    )
    run.refresh_from_db()
    log.info("kentering_radar_finished", flags=n_flags, new=len(new_flags), seconds=run.seconds)
    return run


def _round(value) -> float | None:
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else round(value, 6)


def approaches_reevaluate(*, report=None) -> list[dict]:
    """Repeat the latest finished evaluation of every registered approach (per indicator and start year)
    when its area has figures for years the evaluation did not have; returns what changed."""
    report = report or (lambda text: None)
    try:
        from smaakmaker.plans.models import Approach
    except ImportError:  # pragma: no cover - plans is part of the project
        return []
    changes = []
    for approach in Approach.objects.select_related("area"):
        evaluations = (
            EffectEvaluation.objects.filter(area=approach.area, status=EvaluationStatus.FINISHED)
            .filter(Q(approach=approach) | Q(approach__isnull=True))
            .select_related("area", "indicator")
            .order_by("-created")
        )
        seen = set()
        for old in evaluations:
            key = (old.indicator_id, old.treatment_year)
            if key in seen:
                continue
            seen.add(key)
            had = set((old.result or {}).get("years", []))
            now = set(selectors.indicator_years(area=old.area, indicator=old.indicator))
            arrived = sorted(now - had)
            if not arrived:
                continue
            new = evaluation_create(
                actor=None,
                area=old.area,
                indicator=old.indicator,
                treatment_year=old.treatment_year,
                donor_pool=old.donor_pool,
                peers_k=old.peers_k,
                exclude_approaches=old.exclude_approaches,
                exclude_adjacent=old.exclude_adjacent,
                excluded_codes=old.excluded_codes,
                covariates=old.covariates,
                options=old.options,
                approach=approach,
                note=f"Automatisch herhaald door de kenteringradar: nieuwe cijfers voor {', '.join(map(str, arrived))}.",
            )
            EffectEvaluation.objects.filter(pk=new.pk).update(previous=old)
            new = evaluation_execute(evaluation_id=new.pk)
            report(
                f"{approach.name}: evaluatie op {old.indicator.label} herhaald ({new.get_status_display()})"
            )
            changes.append(evaluation_change(new, old) | {"approach": approach.name, "new_years": arrived})
    return changes


def evaluation_change(new: EffectEvaluation, old: EffectEvaluation) -> dict:
    """What changed between two evaluations of the same question (effect, p-value, years)."""

    def pick(evaluation: EffectEvaluation) -> dict:
        result = evaluation.result or {}
        return {
            "uuid": str(evaluation.uuid),
            "status": evaluation.status,
            "effect": (result.get("att") or {}).get("estimate"),
            "p_value": (result.get("placebo") or {}).get("p_value"),
            "years": result.get("years", []),
        }

    before, after = pick(old), pick(new)
    difference = (
        None if before["effect"] is None or after["effect"] is None else after["effect"] - before["effect"]
    )
    return {
        "area": new.area.code,
        "indicator": new.indicator.key,
        "indicator_label": new.indicator.label,
        "before": before,
        "after": after,
        "difference": difference,
    }
