"""Negative-binomial CUSUM for slow, persistent rises (R's ``surveillance::glrnb`` with ``theta``).

Höhle & Paul (2008): with in-control mean μ0_t, dispersion α (Var = μ + αμ²) and the log rate
ratio κ to detect, each week adds the log likelihood ratio of "rate × e^κ" against "rate":
    z_t = κ·y_t + (y_t + 1/α)·log((1 + αμ0_t) / (1 + αμ0_t·e^κ)),
S_t = max(0, S_{t-1} + z_t), alarm when S_t > c (glrnb's ``c.ARL``), after which S restarts at 0
as glrnb does. Small excesses that a Shewhart chart forgives add up week after week.
``upper`` is glrnb's ``ret="cases"``: the count that would have made S_t reach c.

A chart's evidence is its *run*: the weeks since S last left 0. The minimum count of an alarm is
counted over the run (``min_count`` reports in it), not in the alarm's week alone — three wage
complaints over three weeks in a village that has none is the slow rise this chart is for, and a
week's own minimum would silence it. With ``min_count`` 0 the chart is glrnb's exactly; a chart
over its threshold whose run holds too few reports is not an alarm and is not restarted.

Two baselines μ0 are offered: ``CusumNB`` (the series' own recent mean behind a guard) and
``PooledCusum`` (its expected share of its pool's reports, ``models.pooled``: the season and the
pool's current week in, seven noisy weeks of its own out).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .pooled import PooledNB, pooled_dispersion, pooled_expectation


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


@dataclass(frozen=True)
class PooledCusum:
    """The NB chart against the pooled expectation: μ0_st = s's share of its pool's reports times
    the pool's other reports of week t (``models.pooled.pooled_expectation`` with ``pooled``'s
    window and guard), floored at ``mu_floor``; the dispersion is the pool's (``pooled_dispersion``).
    κ = log 2.5 (sparse series' outbreaks are several times their rate) and c = 1.2 were chosen
    with ``bench/detection.py --tune`` on its tuning seeds.
    """

    kappa: float = float(np.log(2.5))
    threshold: float = 1.2
    mu_floor: float = 0.05
    pooled: PooledNB = PooledNB()

    def baseline(self, Y: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """μ0 and the dispersion for every column of Y (μ0 NaN where the pool has no baseline)."""
        mu = pooled_expectation(Y, groups, self.pooled)
        phi = pooled_dispersion(Y, mu, groups, self.pooled)
        return np.where(np.isfinite(mu), np.maximum(mu, self.mu_floor), np.nan), phi


def nb_cusum(Y: np.ndarray, mu0: np.ndarray, *, kappa: float, dispersion, threshold: float,
             min_count: int = 0) -> dict[str, np.ndarray]:
    """The chart over every column of Y (series × weeks) against μ0 of the same shape.

    ``dispersion``: one α, or an array of Y's shape. Columns where μ0 is NaN are outside the
    monitored range: NaN, no alarm, S held at 0. An alarm also needs ``min_count`` reports in
    its run (see the module docstring). Returns arrays statistic (S_t), upper (cases needed this
    week to alarm), alarm, and the run's reports, weeks and expected reports (μ0 summed).
    """
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    mu0 = np.atleast_2d(np.asarray(mu0, dtype=float))
    alpha = np.broadcast_to(np.asarray(dispersion, dtype=float), Y.shape)
    if not (alpha > 0).all():
        raise ValueError("dispersion must be > 0 (glrnb's alpha); this chart is the NB one")
    with np.errstate(invalid="ignore"):
        ratio = np.log((1 + alpha * mu0) / (1 + alpha * mu0 * np.exp(kappa)))
    statistic, upper = np.full(Y.shape, np.nan), np.full(Y.shape, np.nan)
    run, weeks, expected = np.zeros(Y.shape), np.zeros(Y.shape, dtype=int), np.full(Y.shape, np.nan)
    alarm = np.zeros(Y.shape, dtype=bool)
    carried = np.zeros(len(Y))
    before, since, owed = np.zeros(len(Y)), np.zeros(len(Y), dtype=int), np.zeros(len(Y))
    for t in range(Y.shape[1]):
        live = np.isfinite(mu0[:, t])
        y, r = Y[:, t], ratio[:, t]
        z = kappa * y + (y + 1 / alpha[:, t]) * r
        upper[:, t] = (threshold - carried - r / alpha[:, t]) / (kappa + r)
        statistic[:, t] = np.maximum(0.0, carried + z)
        going = carried > 0                       # the run goes on from last week
        run[:, t] = np.where(going, before, 0) + y
        weeks[:, t] = np.where(going, since, 0) + 1
        expected[:, t] = np.where(going, owed, 0) + mu0[:, t]
        alarm[:, t] = live & (statistic[:, t] > threshold) & (run[:, t] >= min_count)
        carried = np.where(alarm[:, t] | ~live, 0.0, statistic[:, t])
        before, since, owed = run[:, t], weeks[:, t], expected[:, t]
    return {"statistic": statistic, "upper": upper, "alarm": alarm, "run": run, "weeks": weeks,
            "run_expected": expected}
