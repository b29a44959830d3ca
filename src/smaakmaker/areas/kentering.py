# SPDX-License-Identifier: EUPL-1.2
"""Kentering: a documented rule for a *lasting* change of direction in a time series (pure numpy).

Used by the wijkscan (per area and indicator) and reusable by the monitoring domain. All functions work
on many series at once: ``values`` has shape ``(n_series, n_times)``; NaN means "no observation".

The rule (:class:`KenteringRule`, defaults in brackets)
--------------------------------------------------------
For each series, take its observed points in time order.

1. **Segments.** The *recent* segment is the last ``recent`` observations [3]. The *before* segment is
   every earlier observation; its last point is the turning point (``turn_year``). The before segment
   needs at least ``min_before`` observations [3], so at least ``min_before + recent`` [6] observations
   in all; otherwise the signal is "onvoldoende gegevens" (``NaN``).
2. **Slopes.** An ordinary least-squares slope is fitted to each segment (value units per year).
3. **Noise.** ``sigma`` is the pooled residual standard deviation of the two line fits (degrees of
   freedom ``n_before - 2 + n_recent - 2``), floored at ``relative_noise_floor`` [0.01] × the mean
   absolute level of the series, and at ``noise_floor`` [0]. So a perfectly straight series still has a
   noise level and tiny wiggles are not turning points.
4. **Beyond the noise.** Each slope's t-value is ``slope / (sigma / sqrt(Sxx))`` (``Sxx`` = the sum of
   squared year deviations in the segment). Both ``|t_before|`` and ``|t_recent|`` must be at least
   ``min_t`` [2.0].
5. **Opposite sign.** ``sign(slope_recent) == -sign(slope_before)``.
6. **Lasting.** The last ``min_hold`` [2] consecutive year-on-year changes all have the sign of the recent
   slope (the new direction held for at least two consecutive observations, not one lucky year).

If 1–6 hold, there is a kentering at the last observation before the recent segment (``turn_year``).
Its *signal* is
expressed in vulnerability terms with ``direction`` (+1 = higher is worse, −1 = higher is better):
``+1`` = kentering ten goede (a worsening trend turned into improvement), ``-1`` = ten kwade, ``0`` = no
kentering, ``NaN`` = too few observations. With ``direction = 0`` (context) the signal is the sign of the
recent slope (+1 up, −1 down).

All inputs of the rule are returned beside the signal (:class:`KenteringResult`), so a user can see
why a signal was or was not given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class KenteringRule:
    """Parameters of the kentering rule (see the module docstring)."""

    recent: int = 3
    min_before: int = 3
    min_t: float = 2.0
    min_hold: int = 2
    relative_noise_floor: float = 0.01
    noise_floor: float = 0.0

    def __post_init__(self) -> None:
        if self.recent < self.min_hold + 1:
            raise ValueError("recent must be at least min_hold + 1 observations")
        if self.min_before < 2 or self.recent < 2:
            raise ValueError("each segment needs at least 2 observations")

    @property
    def needed(self) -> int:
        """Observations a series needs before the rule can give a signal (``min_before + recent``)."""
        return self.min_before + self.recent

    def describe(self) -> str:
        """The rule in plain Dutch (for reports and the Algoritmeregister description)."""
        return (
            f"Kentering: de helling over de laatste {self.recent} waarnemingen heeft het "
            "tegengestelde teken "
            f"van de helling daarvoor (minstens {self.min_before} waarnemingen, tot en met het keerpunt); "
            f"beide hellingen liggen minstens {self.min_t:g} keer hun standaardfout "
            "boven de ruis van de reeks; "
            f"en de laatste {self.min_hold} opeenvolgende veranderingen gaan allemaal de nieuwe kant op."
        )


@dataclass
class KenteringResult:
    """Signal and the rule's inputs, one entry per series (arrays of length ``n_series``)."""

    signal: np.ndarray  # +1 ten goede, -1 ten kwade, 0 geen, NaN onvoldoende gegevens
    turn_year: np.ndarray  # time of the turning point (NaN if none)
    slope_before: np.ndarray
    slope_recent: np.ndarray
    t_before: np.ndarray
    t_recent: np.ndarray
    noise: np.ndarray
    n_before: np.ndarray
    n_recent: np.ndarray
    held: np.ndarray  # bool: last min_hold changes go the new way
    opposite: np.ndarray  # bool: slopes have opposite signs
    beyond_noise: np.ndarray  # bool: both |t| >= min_t

    def to_frame(self, index: pd.Index | None = None) -> pd.DataFrame:
        """All fields as a DataFrame (one row per series)."""
        return pd.DataFrame({k: getattr(self, k) for k in self.__dataclass_fields__}, index=index)


def _fit_from_sums(
    n: np.ndarray, st: np.ndarray, stt: np.ndarray, sy: np.ndarray, sty: np.ndarray, syy: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """OLS slope, Sxx and residual sum of squares from the sums of a masked fit (centred time).

    A slope within rounding error of zero (correlation below 1e-10 in absolute value) is exactly zero,
    so a flat series is "stabiel" however its sums were rounded.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        sxx = stt - st * st / n
        sxy = sty - st * sy / n
        sxx = np.where(sxx > 1e-12, sxx, 0.0)
        syy_c = np.maximum(syy - sy * sy / n, 0.0)
        sxy = np.where(np.abs(sxy) <= 1e-10 * np.sqrt(sxx * syy_c), 0.0, sxy)
        slope = np.where(sxx > 0, sxy / sxx, np.nan)
        rss = np.maximum(syy - sy * sy / n - np.nan_to_num(slope) * sxy, 0.0)
    return slope, sxx, rss


def _segment_fit(t: np.ndarray, y: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, ...]:
    """Masked OLS per row (``t`` shared by all rows): slope, n, Sxx, residual sum of squares."""
    t1 = np.asarray(t, dtype=float)
    t1 = t1[0] if t1.ndim == 2 else t1
    tc = t1 - t1.mean()  # centred time for numerical stability
    w = mask.astype(float)
    y0 = np.where(mask, y, 0.0)
    n = w.sum(axis=1)
    slope, sxx, rss = _fit_from_sums(
        n, w @ tc, w @ (tc * tc), y0.sum(axis=1), y0 @ tc, np.einsum("ij,ij->i", y0, y0)
    )
    return slope, n, sxx, rss


def _patterns(observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Observation patterns of time-major ``observed`` (n_times × n_series).

    Returns ``(pattern id per series, patterns as bool rows)``. With up to 16 time points the id is the
    bit pattern itself (a lookup table of at most 65,536 rows); otherwise the distinct patterns.
    """
    n_times = observed.shape[0]
    packed = np.packbits(observed, axis=0, bitorder="little")  # (ceil(T/8), n_series) uint8
    if n_times <= 16:
        ids = packed[0].astype(np.int64)
        if packed.shape[0] > 1:
            ids |= packed[1].astype(np.int64) << 8
        table = (np.arange(1 << n_times)[:, None] >> np.arange(n_times)[None, :]) & 1
        return ids, table.astype(bool)
    rows = np.ascontiguousarray(packed.T)
    keys = rows.view(np.dtype((np.void, rows.shape[1]))).ravel()
    uniq, ids = np.unique(keys, return_inverse=True)
    table = np.unpackbits(
        uniq.view(np.uint8).reshape(len(uniq), -1), axis=1, count=n_times, bitorder="little"
    )
    return ids.reshape(-1), table.astype(bool)


@dataclass
class _SeriesAnalysis:
    """Kentering result plus the whole-series fit and first/last observation (used by the wijkscan)."""

    kentering: KenteringResult
    slope: np.ndarray  # OLS slope over all observations
    n: np.ndarray  # number of observations
    first_pos: np.ndarray  # time index of the first / last observation (-1: none)
    last_pos: np.ndarray
    first_value: np.ndarray
    last_value: np.ndarray


def _analyse(
    y: np.ndarray, times: np.ndarray, direction: np.ndarray | float, rule: KenteringRule
) -> _SeriesAnalysis:
    """The kentering rule and the whole-series fit for time-major ``y`` (n_times × n_series).

    Everything that depends only on *which* points are observed (counts, time sums, the positions of
    the last observations, the segments) is computed once per observation pattern and looked up; the
    value sums need a few passes over ``y``. Values are shifted by each series' last observation before
    summing (slopes and residuals do not change; rounding does, for the better).
    """
    n_times, n_series = y.shape
    t = np.asarray(times, dtype=float)
    tc = t - t.mean() if n_times else t  # centred time for numerical stability
    direction = np.broadcast_to(np.asarray(direction, dtype=float), (n_series,))
    observed = np.isfinite(y)
    ids, pat = _patterns(observed)

    # Per pattern: rank from the end, segments, counts and time sums, positions of the last points.
    rank = np.cumsum(pat[:, ::-1], axis=1)[:, ::-1] * pat
    recent_p = pat & (rank <= rule.recent)
    before_p = pat & (rank > rule.recent)
    n_keep = max(rule.recent, rule.min_hold + 1) + 1
    p_pos = np.full((n_keep, len(pat)), -1, dtype=np.int64)
    for j in range(n_keep):  # a short fixed window: ranks 1 .. n_keep from the end
        hit = rank == j + 1
        p_pos[j] = np.where(hit.any(axis=1), hit.argmax(axis=1), -1)
    p_first = np.where(pat.any(axis=1), pat.argmax(axis=1), -1)

    def sums(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        w = mask.astype(float)
        return w.sum(axis=1)[ids], (w @ tc)[ids], (w @ (tc * tc))[ids]

    n_all, st_all, stt_all = sums(pat)
    n_r, st_r, stt_r = sums(recent_p)
    n_b, st_b, stt_b = sums(before_p)
    pos = p_pos[:, ids]  # n_keep × n_series: time index of the j-th last observation (-1: none)
    first_pos = p_first[ids]

    cols = np.arange(n_series)
    vals = np.where(pos >= 0, y[np.maximum(pos, 0), cols[None, :]], np.nan)  # newest first
    shift = np.where(pos[0] >= 0, vals[0], 0.0)
    ys = np.where(observed, y - shift, 0.0)
    sy = ys.sum(axis=0)
    sty = tc @ ys
    syy = np.einsum("ij,ij->j", ys, ys)
    sy_r = np.zeros(n_series)
    sty_r = np.zeros(n_series)
    syy_r = np.zeros(n_series)
    for j in range(rule.recent):  # the recent segment is the last `recent` observations
        ok = pos[j] >= 0
        v = np.where(ok, vals[j] - shift, 0.0)
        sy_r += v
        sty_r += v * np.where(ok, tc[np.maximum(pos[j], 0)], 0.0)
        syy_r += v * v

    slope_all, _, _ = _fit_from_sums(n_all, st_all, stt_all, sy, sty, syy)
    slope_r, sxx_r, rss_r = _fit_from_sums(n_r, st_r, stt_r, sy_r, sty_r, syy_r)
    slope_b, sxx_b, rss_b = _fit_from_sums(n_b, st_b, stt_b, sy - sy_r, sty - sty_r, syy - syy_r)
    enough = (n_r >= rule.recent) & (n_b >= rule.min_before)

    dof = np.maximum(n_b - 2, 0) + np.maximum(n_r - 2, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = np.sqrt(np.where(dof > 0, (rss_b + rss_r) / dof, 0.0))
        level_sum = np.where(observed, np.abs(y), 0.0).sum(axis=0)
        level = np.where(n_all > 0, level_sum / np.maximum(n_all, 1), 0.0)
        floor = np.maximum(rule.relative_noise_floor * level, rule.noise_floor)
        noise = np.maximum(sigma, floor)
        t_b = np.where(noise > 0, slope_b * np.sqrt(sxx_b) / noise, np.sign(slope_b) * np.inf)
        t_r = np.where(noise > 0, slope_r * np.sqrt(sxx_r) / noise, np.sign(slope_r) * np.inf)

    # Last min_hold consecutive changes between observed points (oldest .. newest).
    pts = vals[: rule.min_hold + 1][::-1]
    changes = np.diff(pts, axis=0)
    with np.errstate(invalid="ignore"):
        held = np.all(np.sign(changes) == np.sign(slope_r)[None, :], axis=0) & (np.sign(slope_r) != 0)
        opposite = (np.sign(slope_r) * np.sign(slope_b)) < 0
        beyond = (np.abs(t_b) >= rule.min_t) & (np.abs(t_r) >= rule.min_t)
    turn = opposite & beyond & held & enough

    # Signal in vulnerability terms: a worse-indicator turning down is good (+1).
    vuln_sign = np.where(direction != 0, -np.sign(slope_r) * np.sign(direction), np.sign(slope_r))
    signal = np.where(turn, vuln_sign, 0.0).astype(float)
    signal[~enough] = np.nan
    turn_pos = pos[rule.recent]
    turn_year = np.where(turn & (turn_pos >= 0), t[np.maximum(turn_pos, 0)] if n_times else np.nan, np.nan)
    kentering = KenteringResult(
        signal=signal,
        turn_year=turn_year,
        slope_before=np.where(enough, slope_b, np.nan),
        slope_recent=np.where(enough, slope_r, np.nan),
        t_before=np.where(enough, t_b, np.nan),
        t_recent=np.where(enough, t_r, np.nan),
        noise=np.where(enough, noise, np.nan),
        n_before=n_b.astype(int),
        n_recent=n_r.astype(int),
        held=held & enough,
        opposite=opposite & enough,
        beyond_noise=beyond & enough,
    )
    first_value = np.where(first_pos >= 0, y[np.maximum(first_pos, 0), cols], np.nan) if n_times else vals[0]
    return _SeriesAnalysis(
        kentering=kentering,
        slope=slope_all,
        n=n_all,
        first_pos=first_pos,
        last_pos=pos[0],
        first_value=first_value,
        last_value=vals[0],
    )


def detect_kentering(
    values: np.ndarray,
    times: np.ndarray,
    direction: np.ndarray | float = 1.0,
    rule: KenteringRule | None = None,
) -> KenteringResult:
    """Apply the kentering rule to every row of ``values`` (shape ``(n_series, n_times)``).

    ``times`` (length ``n_times``, increasing, e.g. years) are shared by all series; NaN values are
    skipped. ``direction`` is +1 (higher is worse), −1 (higher is better) or 0 (context), per series or
    one for all. Fully vectorised: no Python loop over series (only over a short fixed window of ranks).
    """
    rule = rule or KenteringRule()
    y = np.atleast_2d(np.asarray(values, dtype=float))
    return _analyse(np.ascontiguousarray(y.T), times, direction, rule).kentering


def kentering_for_series(
    series: pd.Series, direction: float = 1.0, rule: KenteringRule | None = None
) -> dict[str, float | bool]:
    """Convenience for one series indexed by year; returns the result fields as a dict."""
    series = series.sort_index()
    result = detect_kentering(
        series.to_numpy(dtype=float)[None, :], series.index.to_numpy(dtype=float), direction, rule
    )
    return {k: v.item() for k, v in result.to_frame().iloc[0].items()}


#: Why a series has no kentering (codes; the pages word them in Dutch). In the order the rule checks them.
REASON_TOO_FEW = "too_few"
REASON_NOT_OPPOSITE = "not_opposite"
REASON_BEFORE_IN_NOISE = "before_in_noise"
REASON_RECENT_IN_NOISE = "recent_in_noise"
REASON_NOT_HELD = "not_held"


def kentering_needs(
    observed_years: Iterable[float], years: Iterable[float], rule: KenteringRule | None = None
) -> dict[str, object]:
    """What the rule has and needs for one series.

    ``observed_years`` are the years with a value, ``years`` every year loaded for the series' area level.
    Returns the number of observations, the number the rule needs, how many are short (0 when enough),
    and the missing years: the years in ``years`` from the series' first observation on that have no
    value (a series that starts later is not missing the years before it).
    """
    rule = rule or KenteringRule()
    observed = sorted({int(y) for y in observed_years})
    start = observed[0] if observed else None
    missing = sorted({int(y) for y in years if start is None or int(y) >= start} - set(observed))
    n = len(observed)
    return {
        "n_observations": n,
        "needed": rule.needed,
        "short_by": max(rule.needed - n, 0),
        "observed_years": observed,
        "missing_years": missing,
        "before_needed": rule.min_before,
        "recent_needed": rule.recent,
    }


def kentering_reasons(info: Mapping[str, object], rule: KenteringRule | None = None) -> list[str]:
    """Why the rule gave no kentering for one series (``info`` as from :func:`kentering_for_series`).

    The scan's trend rows (signal in ``kentering``, no ``opposite``) work as well. Empty when there is
    a kentering. Otherwise the codes of every condition that failed, in the order of
    the rule: too few observations (then nothing else is checked), slopes not opposite, the slope before
    or the recent slope within the noise (``|t| < min_t``), the new direction not held.
    """
    rule = rule or KenteringRule()
    signal = float(info["signal"] if "signal" in info else info["kentering"])  # type: ignore[arg-type]
    if signal != signal:  # NaN
        return [REASON_TOO_FEW]
    if signal != 0:
        return []
    reasons = []
    opposite = info.get("opposite")
    if opposite is None:  # the scan's trend rows carry the slopes, not the flag
        opposite = np.sign(float(info["slope_recent"])) * np.sign(float(info["slope_before"])) < 0  # type: ignore[arg-type]
    if not opposite:
        reasons.append(REASON_NOT_OPPOSITE)
    if not abs(float(info["t_before"])) >= rule.min_t:  # type: ignore[arg-type]
        reasons.append(REASON_BEFORE_IN_NOISE)
    if not abs(float(info["t_recent"])) >= rule.min_t:  # type: ignore[arg-type]
        reasons.append(REASON_RECENT_IN_NOISE)
    if not info["held"]:
        reasons.append(REASON_NOT_HELD)
    return reasons


# --- radar: every series, every year ---------------------------------------------------------------------


RADAR_COLUMNS = (
    "series",
    "as_of",
    "signal",
    "turn_year",
    "slope_before",
    "slope_recent",
    "t_before",
    "t_recent",
    "noise",
    "n_before",
    "n_recent",
    "new",
)


@dataclass
class RadarScan:
    """Result of :func:`kentering_radar`.

    ``flags``: one row per series and year in which a figure arrived and the rule then gave a kentering
    (``signal`` ±1), with the rule's inputs as they were that year; ``new`` is True when the series had
    no kentering with this signal at its previous figure (a kentering that still holds a year later is
    not new again; its turning point moves on with the recent segment). ``latest``: the rule on
    the whole series (the state after the last loaded year), for every series. ``as_of_years``: the years
    scanned.
    """

    flags: pd.DataFrame
    latest: KenteringResult
    as_of_years: list[int]


def kentering_radar(
    values: np.ndarray,
    times: np.ndarray,
    direction: np.ndarray | float = 1.0,
    rule: KenteringRule | None = None,
) -> RadarScan:
    """Apply the kentering rule to every series (rows of ``values``) as it stood after each year.

    For every year ``Y`` from the first in which a series can have ``rule.needed`` observations, the rule
    runs on all series cut off after ``Y`` (what was known once the figures of ``Y`` arrived). A series is
    flagged in ``Y`` only when it has a figure for ``Y`` (otherwise nothing new was learnt about it). The
    loop is over years only; each step is the vectorised rule over all series.
    """
    rule = rule or KenteringRule()
    y = np.atleast_2d(np.asarray(values, dtype=float))
    t = np.asarray(times, dtype=float)
    n_series, n_times = y.shape
    y_tm = np.ascontiguousarray(y.T)
    observed = np.isfinite(y_tm)
    direction = np.broadcast_to(np.asarray(direction, dtype=float), (n_series,))
    prev_signal = np.zeros(n_series)
    frames = []
    latest = None
    as_of_years = []
    for j in range(min(rule.needed, n_times) - 1, n_times):
        result = _analyse(y_tm[: j + 1], t[: j + 1], direction, rule).kentering
        latest = result
        as_of_years.append(int(t[j]))
        signal = np.nan_to_num(result.signal, nan=0.0)
        flagged = (signal != 0) & observed[j]
        if flagged.any():
            idx = np.flatnonzero(flagged)
            same = prev_signal[idx] == signal[idx]
            frames.append(
                pd.DataFrame(
                    {
                        "series": idx,
                        "as_of": int(t[j]),
                        "signal": signal[idx],
                        "turn_year": result.turn_year[idx],
                        "slope_before": result.slope_before[idx],
                        "slope_recent": result.slope_recent[idx],
                        "t_before": result.t_before[idx],
                        "t_recent": result.t_recent[idx],
                        "noise": result.noise[idx],
                        "n_before": result.n_before[idx],
                        "n_recent": result.n_recent[idx],
                        "new": ~same,
                    }
                )
            )
        prev_signal = np.where(observed[j], signal, prev_signal)
    if latest is None:  # fewer years than the rule needs: every series is "onvoldoende gegevens"
        latest = _analyse(y_tm, t, direction, rule).kentering
    flags = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame({c: pd.Series(dtype=float) for c in RADAR_COLUMNS})
    )
    flags = flags.astype({"series": np.int64, "as_of": np.int64, "new": bool})
    return RadarScan(flags=flags[list(RADAR_COLUMNS)], latest=latest, as_of_years=as_of_years)


SIGNAL_LABELS = {1.0: "kentering ten goede", -1.0: "kentering ten kwade", 0.0: "geen kentering"}


def signal_label(signal: float) -> str:
    """Dutch label of a signal value."""
    if signal != signal:  # NaN
        return "onvoldoende gegevens"
    return SIGNAL_LABELS[float(signal)]
