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


def _segment_fit(t: np.ndarray, y: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, ...]:
    """Masked OLS per row (``t`` shared by all rows): slope, n, Sxx, residual sum of squares.

    Uses sums computed with matrix-vector products, so each call makes only a few passes over ``y``.
    """
    t1 = np.asarray(t, dtype=float)
    t1 = t1[0] if t1.ndim == 2 else t1
    tc = t1 - t1.mean()  # centred time for numerical stability
    w = mask.astype(float)
    y0 = np.where(mask, y, 0.0)
    n = w.sum(axis=1)
    st = w @ tc
    stt = w @ (tc * tc)
    sy = y0.sum(axis=1)
    sty = y0 @ tc
    syy = np.einsum("ij,ij->i", y0, y0)
    with np.errstate(invalid="ignore", divide="ignore"):
        sxx = stt - st * st / n
        sxy = sty - st * sy / n
        sxx = np.where(sxx > 1e-12, sxx, 0.0)
        slope = np.where(sxx > 0, sxy / sxx, np.nan)
        rss = np.maximum(syy - sy * sy / n - np.nan_to_num(slope) * sxy, 0.0)
    return slope, n, sxx, rss


def detect_kentering(
    values: np.ndarray,
    times: np.ndarray,
    direction: np.ndarray | float = 1.0,
    rule: KenteringRule | None = None,
) -> KenteringResult:
    """Apply the kentering rule to every row of ``values`` (shape ``(n_series, n_times)``).

    ``times`` (length ``n_times``, increasing, e.g. years) are shared by all series; NaN values are
    skipped. ``direction`` is +1 (higher is worse), −1 (higher is better) or 0 (context), per series or
    one for all. Fully vectorised: no Python loop over series.
    """
    rule = rule or KenteringRule()
    y = np.atleast_2d(np.asarray(values, dtype=float))
    t = np.asarray(times, dtype=float)
    n_series = y.shape[0]
    direction = np.broadcast_to(np.asarray(direction, dtype=float), (n_series,))
    observed = np.isfinite(y)

    # Rank of each observation counted from the end (1 = last observation).
    rank_from_end = np.cumsum(observed[:, ::-1], axis=1)[:, ::-1] * observed
    recent_mask = observed & (rank_from_end <= rule.recent)
    before_mask = observed & (rank_from_end > rule.recent)
    # Positions of the last (recent + 1) observations, oldest first (-1 = not there); one small sort.
    keep = max(rule.recent, rule.min_hold + 1) + 1
    last_pos = np.sort(np.where(observed, np.arange(y.shape[1])[None, :], -1), axis=1)[:, -keep:]
    if last_pos.shape[1] < keep:  # fewer time points than the rule looks at
        last_pos = np.hstack([np.full((n_series, keep - last_pos.shape[1]), -1), last_pos])

    slope_b, n_b, sxx_b, rss_b = _segment_fit(t, y, before_mask)
    slope_r, n_r, sxx_r, rss_r = _segment_fit(t, y, recent_mask)
    enough = (n_r >= rule.recent) & (n_b >= rule.min_before)

    dof = np.maximum(n_b - 2, 0) + np.maximum(n_r - 2, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = np.sqrt(np.where(dof > 0, (rss_b + rss_r) / dof, 0.0))
        n_obs = observed.sum(axis=1)
        level = np.where(
            n_obs > 0, np.where(observed, np.abs(y), 0.0).sum(axis=1) / np.maximum(n_obs, 1), 0.0
        )
        floor = np.maximum(rule.relative_noise_floor * level, rule.noise_floor)
        noise = np.maximum(sigma, floor)
        t_b = np.where(noise > 0, slope_b * np.sqrt(sxx_b) / noise, np.sign(slope_b) * np.inf)
        t_r = np.where(noise > 0, slope_r * np.sqrt(sxx_r) / noise, np.sign(slope_r) * np.inf)

    # Last min_hold consecutive changes between observed points.
    rows = np.arange(n_series)
    pts = np.where(last_pos >= 0, y[rows[:, None], np.maximum(last_pos, 0)], np.nan)  # oldest .. newest
    changes = np.diff(pts[:, -(rule.min_hold + 1) :], axis=1)
    with np.errstate(invalid="ignore"):
        held = np.all(np.sign(changes) == np.sign(slope_r)[:, None], axis=1) & (np.sign(slope_r) != 0)
        opposite = (np.sign(slope_r) * np.sign(slope_b)) < 0
        beyond = (np.abs(t_b) >= rule.min_t) & (np.abs(t_r) >= rule.min_t)
    turn = opposite & beyond & held & enough

    # Signal in vulnerability terms: a worse-indicator turning down is good (+1).
    vuln_sign = np.where(direction != 0, -np.sign(slope_r) * np.sign(direction), np.sign(slope_r))
    signal = np.where(turn, vuln_sign, 0.0).astype(float)
    signal[~enough] = np.nan
    turn_pos = last_pos[:, -(rule.recent + 1)]
    turn_year = np.where(
        turn & (turn_pos >= 0), np.asarray(times, dtype=float)[np.maximum(turn_pos, 0)], np.nan
    )
    return KenteringResult(
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


def kentering_for_series(
    series: pd.Series, direction: float = 1.0, rule: KenteringRule | None = None
) -> dict[str, float | bool]:
    """Convenience for one series indexed by year; returns the result fields as a dict."""
    series = series.sort_index()
    result = detect_kentering(
        series.to_numpy(dtype=float)[None, :], series.index.to_numpy(dtype=float), direction, rule
    )
    return {k: v.item() for k, v in result.to_frame().iloc[0].items()}


SIGNAL_LABELS = {1.0: "kentering ten goede", -1.0: "kentering ten kwade", 0.0: "geen kentering"}


def signal_label(signal: float) -> str:
    """Dutch label of a signal value."""
    if signal != signal:  # NaN
        return "onvoldoende gegevens"
    return SIGNAL_LABELS[float(signal)]
