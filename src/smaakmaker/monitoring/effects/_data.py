# SPDX-License-Identifier: EUPL-1.2
"""Specification of a synthetic-control analysis and conversion of a long panel into matrices.

The specification mirrors the options of R's ``Synth::dataprep`` (and pysyncon's ``Dataprep``):
regular predictors averaged over ``predictors_times`` (``predictors_op``), special predictors
``(variable, times, op)``, the periods whose outcome fit is optimised (``time_optimize_ssr``) and
the periods that are reported (``time_plot``).

Missing values: a year in which a variable is missing for *every* unit of the analysis is treated
as "not measured" and skipped inside an averaging window (e.g. schooling measured every five
years); this is reported in ``SyntheticControlData.notes``. Any other missing value in a used
predictor or in the outcome is an error: silently averaging over different years for different
units would compare unlike with unlike.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ._errors import EffectEvaluationError, _short_list

AggregationOp = Literal["mean", "median"]
_OPS: tuple[str, ...] = ("mean", "median")


def _times_label(times: Sequence[object]) -> str:
    """Compact label for a list of periods: ``1980-1988`` for a run of consecutive integers."""
    values = list(times)
    if len(values) == 1:
        return str(values[0])
    try:
        ints = [int(t) for t in values]  # type: ignore[call-overload]
        if ints == list(range(ints[0], ints[0] + len(ints))) and all(float(t) == int(t) for t in values):  # type: ignore[arg-type]
            return f"{ints[0]}-{ints[-1]}"
    except (TypeError, ValueError):
        pass
    return ",".join(str(t) for t in values)


@dataclass(frozen=True)
class SpecialPredictor:
    """A predictor measured over its own periods, e.g. ``SpecialPredictor("cigsale", (1975,))``."""

    variable: str
    times: tuple[Hashable, ...]
    op: AggregationOp = "mean"

    def __post_init__(self) -> None:
        object.__setattr__(self, "times", tuple(self.times))
        if self.op not in _OPS:
            raise EffectEvaluationError(
                "invalid_specification",
                f"Onbekende bewerking '{self.op}' voor voorspeller {self.variable}; kies 'mean' of 'median'.",
            )
        if not self.times:
            raise EffectEvaluationError(
                "invalid_specification", f"Voor voorspeller {self.variable} zijn geen periodes opgegeven."
            )

    @property
    def label(self) -> str:
        """Name of the predictor in results, e.g. ``cigsale (1975)``."""
        return f"{self.variable} ({_times_label(self.times)})"


def _as_special(item: SpecialPredictor | Sequence[object]) -> SpecialPredictor:
    if isinstance(item, SpecialPredictor):
        return item
    variable, times, *rest = item
    if isinstance(times, str | bytes) or not isinstance(times, Iterable):
        times = [times]
    return SpecialPredictor(str(variable), tuple(times), str(rest[0]) if rest else "mean")  # type: ignore[arg-type]


@dataclass(frozen=True)
class SyntheticControlSpec:
    """What to fit: treated unit, treatment time, outcome, predictors and periods.

    Attributes:
        treated: identifier of the treated unit (value of ``unit_column``).
        treatment_time: first period in which the intervention can have an effect. Periods before
            it form the pre-period; this period and later ones the post-period.
        outcome: outcome column.
        predictors: columns averaged over ``predictors_times`` with ``predictors_op``.
        predictors_times: periods for the regular predictors (default: all pre-periods).
        special_predictors: ``SpecialPredictor`` objects or ``(variable, times, op)`` tuples.
        time_optimize_ssr: periods whose outcome fit chooses V (default: all pre-periods).
        time_plot: periods reported in the synthetic and gap paths (default: all periods).
        donors: donor pool (default: every other unit in the panel).
        unit_column, time_column: names of the identifier columns of the long panel.
        skip_missing_in_windows: average a predictor over the periods a unit *has* in the window (as
            R's Synth and pysyncon do, ``na.rm = TRUE``) instead of raising an error. Off by default;
            every unit that needed it is listed in the notes.
    """

    treated: Hashable
    treatment_time: float
    outcome: str
    predictors: tuple[str, ...] = ()
    predictors_times: tuple[Hashable, ...] | None = None
    predictors_op: AggregationOp = "mean"
    special_predictors: tuple[SpecialPredictor, ...] = ()
    time_optimize_ssr: tuple[Hashable, ...] | None = None
    time_plot: tuple[Hashable, ...] | None = None
    donors: tuple[Hashable, ...] | None = None
    unit_column: str = "unit"
    time_column: str = "time"
    skip_missing_in_windows: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "predictors", tuple(self.predictors))
        object.__setattr__(self, "special_predictors", tuple(_as_special(s) for s in self.special_predictors))
        for name in ("predictors_times", "time_optimize_ssr", "time_plot", "donors"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, tuple(value))
        if self.predictors_op not in _OPS:
            raise EffectEvaluationError(
                "invalid_specification",
                f"Onbekende bewerking '{self.predictors_op}' voor de voorspellers; kies 'mean' of 'median'.",
            )
        if not self.predictors and not self.special_predictors:
            raise EffectEvaluationError(
                "invalid_specification", "Geef ten minste één voorspeller op (gewone of speciale)."
            )

    def replace(self, **changes: object) -> SyntheticControlSpec:
        """Copy with some fields changed (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @property
    def predictor_labels(self) -> tuple[str, ...]:
        """Names of the predictors in the order of the rows of X (and of V)."""
        return self.predictors + tuple(s.label for s in self.special_predictors)


@dataclass(frozen=True)
class SyntheticControlData:
    """The matrices of one synthetic-control problem (unscaled).

    Shapes: ``x_treated`` (k,), ``x_donors`` (k, J), ``z_treated`` (T_fit,), ``z_donors`` (T_fit, J),
    ``y_treated`` (T,), ``y_donors`` (T, J). ``times`` are the reported periods, ``fit_times`` the
    periods whose fit chooses V.
    """

    treated: Hashable
    donors: tuple[Hashable, ...]
    treatment_time: float
    predictor_names: tuple[str, ...]
    x_treated: np.ndarray
    x_donors: np.ndarray
    fit_times: np.ndarray
    z_treated: np.ndarray
    z_donors: np.ndarray
    times: np.ndarray
    y_treated: np.ndarray
    y_donors: np.ndarray
    notes: tuple[str, ...] = field(default=())

    @classmethod
    def from_arrays(
        cls,
        *,
        x_treated: Sequence[float] | np.ndarray,
        x_donors: Sequence[Sequence[float]] | np.ndarray,
        y_treated: Sequence[float] | np.ndarray,
        y_donors: Sequence[Sequence[float]] | np.ndarray,
        times: Sequence[float] | np.ndarray,
        treatment_time: float,
        fit_times: Sequence[float] | np.ndarray | None = None,
        donors: Sequence[Hashable] | None = None,
        treated: Hashable = "behandeld",
        predictor_names: Sequence[str] | None = None,
    ) -> SyntheticControlData:
        """Build the problem from matrices (predictors already aggregated).

        ``x_donors`` is (k, J) and ``y_donors`` is (T, J); ``fit_times`` defaults to all periods before
        ``treatment_time``. The outcome rows for ``fit_times`` are taken from ``y_*``.
        """
        x1 = np.asarray(x_treated, dtype=float).reshape(-1)
        x0 = np.asarray(x_donors, dtype=float)
        if x0.ndim == 1:
            x0 = x0.reshape(x1.size, -1)
        y1 = np.asarray(y_treated, dtype=float).reshape(-1)
        y0 = np.asarray(y_donors, dtype=float)
        if y0.ndim == 1:
            y0 = y0.reshape(y1.size, -1)
        t = np.asarray(times)
        if (
            x0.shape[0] != x1.size
            or y0.shape[0] != y1.size
            or t.size != y1.size
            or x0.shape[1] != y0.shape[1]
        ):
            raise EffectEvaluationError(
                "invalid_specification",
                "De afmetingen van de matrices passen niet bij elkaar "
                f"(X behandeld {x1.shape}, X donors {x0.shape}, Y behandeld {y1.shape}, Y donors {y0.shape}, "
                f"periodes {t.shape}).",
            )
        n_donors = x0.shape[1]
        donor_ids = tuple(donors) if donors is not None else tuple(f"donor_{i}" for i in range(n_donors))
        if len(donor_ids) != n_donors:
            raise EffectEvaluationError(
                "invalid_specification", "Het aantal donornamen past niet bij het aantal kolommen."
            )
        fit = t[t < treatment_time] if fit_times is None else np.asarray(fit_times)
        position = {tt: i for i, tt in enumerate(t.tolist())}
        missing = [tt for tt in fit.tolist() if tt not in position]
        if missing:
            raise EffectEvaluationError(
                "invalid_specification",
                f"Pasperiodes {_short_list(missing)} komen niet voor in de opgegeven periodes.",
            )
        rows = np.array([position[tt] for tt in fit.tolist()], dtype=np.intp)
        names = (
            tuple(predictor_names)
            if predictor_names is not None
            else tuple(f"voorspeller_{i + 1}" for i in range(x1.size))
        )
        return cls(
            treated=treated,
            donors=donor_ids,
            treatment_time=treatment_time,
            predictor_names=names,
            x_treated=x1,
            x_donors=x0,
            fit_times=fit,
            z_treated=y1[rows],
            z_donors=y0[rows],
            times=t,
            y_treated=y1,
            y_donors=y0,
        )

    @property
    def n_donors(self) -> int:
        return len(self.donors)

    @property
    def pre_mask(self) -> np.ndarray:
        """Reported periods before the treatment time."""
        return self.times < self.treatment_time

    @property
    def post_mask(self) -> np.ndarray:
        """Reported periods from the treatment time on (the treatment period is post)."""
        return self.times >= self.treatment_time

    def with_treated_donor(self, index: int, donor_indices: np.ndarray | None = None) -> SyntheticControlData:
        """Placebo problem: donor ``index`` plays the treated unit against ``donor_indices``
        (default: all other donors; the real treated unit is never a donor)."""
        if donor_indices is None:
            donor_indices = np.delete(np.arange(self.n_donors), index)
        return dataclasses.replace(
            self,
            treated=self.donors[index],
            donors=tuple(self.donors[i] for i in donor_indices),
            x_treated=self.x_donors[:, index],
            x_donors=self.x_donors[:, donor_indices],
            z_treated=self.z_donors[:, index],
            z_donors=self.z_donors[:, donor_indices],
            y_treated=self.y_donors[:, index],
            y_donors=self.y_donors[:, donor_indices],
        )

    def without_donors(self, drop: Iterable[Hashable]) -> SyntheticControlData:
        """Same problem with some donors removed (leave-one-out)."""
        dropped = set(drop)
        keep = np.array([i for i, d in enumerate(self.donors) if d not in dropped], dtype=np.intp)
        return dataclasses.replace(
            self,
            donors=tuple(self.donors[i] for i in keep),
            x_donors=self.x_donors[:, keep],
            z_donors=self.z_donors[:, keep],
            y_donors=self.y_donors[:, keep],
        )


def _normalise_times(series: pd.Series) -> pd.Series:
    """Float periods that are whole numbers (1955.0) become integers, so 1969 == 1969.0 in labels."""
    if pd.api.types.is_float_dtype(series) and series.notna().all():
        values = series.to_numpy()
        if np.all(np.equal(np.mod(values, 1), 0)):
            return series.astype(np.int64)
    return series


def build_matrices(panel: pd.DataFrame, spec: SyntheticControlSpec) -> SyntheticControlData:
    """Convert a long panel (one row per unit and period) into the matrices of ``spec``.

    Raises:
        EffectEvaluationError: unknown columns or units, duplicate (unit, period) rows or donors,
            an empty donor pool, missing values in a used predictor or in the outcome.
    """
    uc, tc = spec.unit_column, spec.time_column
    variables = list(
        dict.fromkeys([spec.outcome, *spec.predictors, *(s.variable for s in spec.special_predictors)])
    )
    absent = [c for c in [uc, tc, *variables] if c not in panel.columns]
    if absent:
        raise EffectEvaluationError(
            "unknown_column",
            f"Kolommen ontbreken in de gegevens: {_short_list(absent)}.",
            {"columns": absent},
        )
    frame = panel[[uc, tc, *variables]].copy()
    frame[tc] = _normalise_times(frame[tc])

    dup_mask = frame.duplicated([uc, tc], keep=False)
    if dup_mask.any():
        dup_units = list(dict.fromkeys(frame.loc[dup_mask, uc].tolist()))
        raise EffectEvaluationError(
            "duplicate_units",
            f"Eenheden komen meer dan eens voor in dezelfde periode: {_short_list(dup_units)}. "
            "Elke eenheid mag per periode maar één rij hebben.",
            {"units": dup_units},
        )

    all_units = list(dict.fromkeys(frame[uc].tolist()))
    if spec.treated not in set(all_units):
        raise EffectEvaluationError(
            "unknown_unit", f"De behandelde eenheid '{spec.treated}' komt niet voor in de gegevens."
        )
    if spec.donors is None:
        donors = [u for u in all_units if u != spec.treated]
    else:
        donors = list(spec.donors)
        seen: set[Hashable] = set()
        dups = [d for d in donors if d in seen or seen.add(d)]  # type: ignore[func-returns-value]
        if dups:
            raise EffectEvaluationError(
                "duplicate_units",
                f"De donorpool bevat eenheden dubbel: {_short_list(dict.fromkeys(dups))}.",
                {"units": dups},
            )
        if spec.treated in seen:
            raise EffectEvaluationError(
                "duplicate_units",
                f"De behandelde eenheid '{spec.treated}' staat ook in de donorpool; "
                "een eenheid kan niet met zichzelf vergeleken worden.",
            )
        unknown = [d for d in donors if d not in set(all_units)]
        if unknown:
            raise EffectEvaluationError(
                "unknown_unit",
                f"Donors komen niet voor in de gegevens: {_short_list(unknown)}.",
                {"units": unknown},
            )
    if not donors:
        raise EffectEvaluationError(
            "empty_donor_pool",
            "De donorpool is leeg: er zijn geen vergelijkingseenheden om een synthetische controle mee "
            "te maken.",
        )
    units = [spec.treated, *donors]
    frame = frame[frame[uc].isin(set(units))]
    wide = frame.set_index([tc, uc])[variables].unstack(uc).sort_index()
    all_times = wide.index.to_numpy()
    pre_times = [t for t in all_times.tolist() if t < spec.treatment_time]
    notes: list[str] = []

    def block(variable: str) -> pd.DataFrame:
        return wide[variable].reindex(columns=units)

    def aggregate(variable: str, times: Sequence[Hashable], op: str, label: str) -> np.ndarray:
        data = block(variable).reindex(list(times))
        unmeasured = data.index[data.isna().all(axis=1)].tolist()
        data = data.drop(index=unmeasured)
        if data.empty:
            raise EffectEvaluationError(
                "missing_values",
                f"Voorspeller {label} heeft geen enkele waarneming in de periodes {_times_label(list(times))}.",
                {"predictor": label},
            )
        if unmeasured:
            notes.append(f"{label}: periodes zonder waarnemingen overgeslagen ({_times_label(unmeasured)}).")
        bad_units = data.columns[data.isna().any(axis=0)].tolist()
        if bad_units and spec.skip_missing_in_windows:
            empty = data.columns[data.isna().all(axis=0)].tolist()
            if not empty:
                notes.append(
                    f"{label}: gemiddelde over de beschikbare periodes voor {_short_list(bad_units)}."
                )
                values = data.to_numpy(dtype=float)
                return np.nanmean(values, axis=0) if op == "mean" else np.nanmedian(values, axis=0)
            bad_units = empty
        if bad_units:
            raise EffectEvaluationError(
                "missing_values",
                f"Ontbrekende waarden in voorspeller {label} voor {_short_list(bad_units)}. "
                "Vul ze aan, kies andere periodes of laat deze eenheden uit de donorpool.",
                {"predictor": label, "units": bad_units},
            )
        values = data.to_numpy(dtype=float)
        return values.mean(axis=0) if op == "mean" else np.median(values, axis=0)

    rows: list[np.ndarray] = []
    predictor_times = list(spec.predictors_times) if spec.predictors_times is not None else pre_times
    for variable in spec.predictors:
        rows.append(aggregate(variable, predictor_times, spec.predictors_op, variable))
    for sp in spec.special_predictors:
        rows.append(aggregate(sp.variable, sp.times, sp.op, sp.label))
    x = np.vstack(rows)

    outcome = block(spec.outcome)
    fit_times = list(spec.time_optimize_ssr) if spec.time_optimize_ssr is not None else pre_times
    plot_times = list(spec.time_plot) if spec.time_plot is not None else all_times.tolist()

    def outcome_rows(times: list[Hashable], what: str) -> np.ndarray:
        absent_times = [t for t in times if t not in outcome.index]
        if absent_times:
            raise EffectEvaluationError(
                "missing_values",
                f"De uitkomst {spec.outcome} ontbreekt voor alle eenheden in {what} {_short_list(absent_times)}.",
            )
        data = outcome.loc[times]
        if data.isna().to_numpy().any():
            bad_units = data.columns[data.isna().any(axis=0)].tolist()
            bad_times = data.index[data.isna().any(axis=1)].tolist()
            raise EffectEvaluationError(
                "missing_values",
                f"Ontbrekende waarden in de uitkomst {spec.outcome} voor {_short_list(bad_units)} "
                f"(periodes {_short_list(bad_times)}). Een synthetische controle heeft een volledige reeks nodig.",
                {"units": bad_units, "times": bad_times},
            )
        return data.to_numpy(dtype=float)

    z = outcome_rows(fit_times, "de pasperiode")
    y = outcome_rows(plot_times, "de periodes")
    return SyntheticControlData(
        treated=spec.treated,
        donors=tuple(donors),
        treatment_time=spec.treatment_time,
        predictor_names=spec.predictor_labels,
        x_treated=x[:, 0],
        x_donors=x[:, 1:],
        fit_times=np.asarray(fit_times),
        z_treated=z[:, 0],
        z_donors=z[:, 1:],
        times=np.asarray(plot_times),
        y_treated=y[:, 0],
        y_donors=y[:, 1:],
        notes=tuple(notes),
    )
