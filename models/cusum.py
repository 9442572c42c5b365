"""Negative-binomial CUSUM for slow, persistent rises (R's ``surveillance::glrnb`` with ``theta``).

Höhle & Paul (2008): with in-control mean μ0_t, dispersion α (Var = μ + αμ²) and the log rate
ratio κ to detect, each week adds the log likelihood ratio of "rate × e^κ" against "rate":
    z_t = κ·y_t + (y_t + 1/α)·log((1 + αμ0_t) / (1 + αμ0_t·e^κ)),
S_t = max(0, S_{t-1} + z_t), alarm when S_t > c (glrnb's ``c.ARL``), after which S restarts at 0
as glrnb does. Small excesses that a Shewhart chart forgives add up week after week.
``upper`` is glrnb's ``ret="cases"``: the count that would have made S_t reach c.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CusumNB:
    """Parameters: the chart (κ, α, c) and the moving in-control mean μ0 it is run against.

    κ = log 2 looks for a doubling; α = 0.3 is a moderate overdispersion for report counts.
    μ0_t = max(mean of the ``window`` weeks before t - ``guard``, ``mu_floor``): the guard keeps
    a rise out of its own baseline for a while; the floor stops a quiet series from counting every
    single report as evidence. Weeks before ``guard + window`` have no μ0 and do not alarm.
    The threshold and the baseline's length were tuned with ``bench/detection.py --tune``.
    """

    kappa: float = float(np.log(2.0))
    dispersion: float = 0.3
    threshold: float = 3.0
    guard: int = 4
    window: int = 13
    mu_floor: float = 0.25

    def baseline(self, Y: np.ndarray) -> np.ndarray:
        """μ0 for every column of Y (NaN where there is no full window yet)."""
        Y = np.atleast_2d(np.asarray(Y, dtype=float))
        cum = np.concatenate([np.zeros((len(Y), 1)), np.cumsum(Y, axis=1)], axis=1)
        t = np.arange(Y.shape[1])
        hi = t - self.guard
        lo = hi - self.window
        ok = lo >= 0
        mean = (cum[:, np.clip(hi, 0, None)] - cum[:, np.clip(lo, 0, None)]) / self.window
        return np.where(ok, np.maximum(mean, self.mu_floor), np.nan)


def nb_cusum(Y: np.ndarray, mu0: np.ndarray, *, kappa: float, dispersion: float,
             threshold: float) -> dict[str, np.ndarray]:
    """The chart over every column of Y (series × weeks) against μ0 of the same shape.

    Columns where μ0 is NaN are outside the monitored range: NaN, no alarm, S held at 0.
    Returns arrays statistic (S_t), upper (cases needed to alarm) and alarm.
    """
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    mu0 = np.atleast_2d(np.asarray(mu0, dtype=float))
    if dispersion <= 0:
        raise ValueError("dispersion must be > 0 (glrnb's alpha); this chart is the NB one")
    with np.errstate(invalid="ignore"):
        ratio = np.log((1 + dispersion * mu0) / (1 + dispersion * mu0 * np.exp(kappa)))
    statistic, upper = np.full(Y.shape, np.nan), np.full(Y.shape, np.nan)
    alarm = np.zeros(Y.shape, dtype=bool)
    carried = np.zeros(len(Y))
    for t in range(Y.shape[1]):
        live = np.isfinite(mu0[:, t])
        z = kappa * Y[:, t] + (Y[:, t] + 1 / dispersion) * ratio[:, t]
        upper[:, t] = (threshold - carried - ratio[:, t] / dispersion) / (kappa + ratio[:, t])
        statistic[:, t] = np.maximum(0.0, carried + z)
        alarm[:, t] = live & (statistic[:, t] > threshold)
        carried = np.where(alarm[:, t] | ~live, 0.0, statistic[:, t])
    return {"statistic": statistic, "upper": upper, "alarm": alarm}
