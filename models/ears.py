"""EARS C1, C2 and C3 over a series × weeks matrix of counts (R's ``surveillance::earsC``).

C1 and C2 are Shewhart charts on a short moving baseline: expected = mean of ``baseline`` weeks,
sd = their sd (n-1), C = (y_t - mean) / sd, alarm when y_t > upper = mean + qnorm(1 - alpha)·sd.
C1's baseline is t-7 … t-1; C2 keeps a ``guard`` of 2 weeks (t-9 … t-3) so that a growing
outbreak does not hide in its own baseline. C3 = Σ_{i=0..2} max(0, C2(t-i) - 1), alarm when
C3 > qnorm(1 - alpha) (alpha 0.025 as at the CDC): it adds up moderate excesses over three weeks.

``sd_floor`` is surveillance's ``minSigma`` (default 0 there, 0.5 here as Burkom suggests for
sparse data). Deliberate difference from surveillance for C3, see ``ears_c3``.
"""
from __future__ import annotations

import numpy as np
from scipy.stats import norm

C3_ALPHA = 0.025


def shewhart(Y: np.ndarray, at: np.ndarray, *, baseline: int, guard: int, alpha: float,
             sd_floor: float) -> dict[str, np.ndarray]:
    """C1 (guard 0) or C2 (guard 2) at the columns ``at`` of ``Y`` (series × weeks).

    Returns series × len(at) arrays expected, sd (floored), upper, statistic, alarm and floored
    (the raw sd was below the floor). Columns with fewer than ``baseline + guard`` weeks before
    them are NaN, never alarming.
    """
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    at = np.asarray(at, dtype=int)
    lag = baseline + guard
    ok = at >= lag
    # Baseline of column t: columns t-lag … t-guard-1, gathered for every t at once.
    cols = np.clip(at[:, None] - lag + np.arange(baseline)[None, :], 0, None)
    base = Y[:, cols]                                    # series × len(at) × baseline
    expected = base.mean(axis=2)
    raw_sd = base.std(axis=2, ddof=1)
    sd = np.maximum(raw_sd, sd_floor)
    y = Y[:, at]
    upper = expected + norm.ppf(1 - alpha) * sd
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = (y - expected) / sd
    out = {"expected": expected, "sd": sd, "upper": upper, "statistic": statistic}
    out = {k: np.where(ok, v, np.nan) for k, v in out.items()}
    # Compared on counts rather than on C so that sd = 0 (sd_floor=0) behaves as surveillance.
    out["alarm"] = ok & (y > upper)
    out["floored"] = ok & (raw_sd < sd_floor)
    return out


def ears_c3(Y: np.ndarray, at: np.ndarray, *, baseline: int = 7, guard: int = 2,
            alpha: float = C3_ALPHA, sd_floor: float = 0.0) -> dict[str, np.ndarray]:
    """EARS C3 at the columns ``at`` of ``Y``: arrays as ``shewhart`` plus ``lagged``.

    ``lagged`` = max(0, C2(t-2) - 1) + max(0, C2(t-1) - 1); statistic = lagged + max(0, C2(t) - 1);
    upper = the count that brings C3 to qnorm(1 - alpha): mean + sd·(1 + z - lagged), or 0 when
    ``lagged`` alone exceeds z; alarm when y_t > upper (the same as C3 > z for y_t > 0).

    Deviation from surveillance 1.20: its code sets upper = y_t + sd·(z - lagged), so its C3 alarm
    ignores the current week's C2 entirely (it cannot alarm on the first week of a burst) and
    contradicts its own documentation and the CDC definition used here. Both agree on ``lagged``
    and the baseline; the reference test rebuilds surveillance's bound from them.
    """
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    at = np.asarray(at, dtype=int)
    z = norm.ppf(1 - alpha)
    weeks = np.clip(at[:, None] + np.arange(-2, 1)[None, :], 0, None)  # t-2, t-1, t
    c2 = shewhart(Y, weeks.ravel(), baseline=baseline, guard=guard, alpha=alpha, sd_floor=sd_floor)
    c2 = {k: v.reshape(len(Y), len(at), 3) for k, v in c2.items()}
    excess = np.maximum(0.0, c2["statistic"] - 1)
    lagged = excess[..., 0] + excess[..., 1]
    expected, sd = c2["expected"][..., 2], c2["sd"][..., 2]
    with np.errstate(invalid="ignore"):  # sd 0 with an infinite lagged C2 (sd_floor=0): no bound
        upper = np.where(lagged > z, 0.0, expected + sd * (1 + z - lagged))
    ok = at >= baseline + guard + 2
    out = {"expected": expected, "sd": sd, "upper": upper, "statistic": lagged + excess[..., 2],
           "lagged": lagged}
    out = {k: np.where(ok, v, np.nan) for k, v in out.items()}
    out["alarm"] = ok & (Y[:, at] > out["upper"])
    out["floored"] = ok & c2["floored"].any(axis=2)
    return out
