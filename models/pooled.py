"""Pooled negative-binomial test: each series against its share of its pool's current total.

Sparse series (0–3 reports a week) give C1–C3 a 7-week baseline that is mostly noise, and they
share their seasonality: the Spring Festival build-up of unpaid wages or the summer wave moves
every area of a category at once. So the expectation of series s in week t is built from two
precise pieces instead of one noisy one:

  share p_s  — s's part of its pool's reports over the ``window`` weeks before t - ``guard``
               (the guard keeps a rise out of its own baseline), shrunk towards the pool's
               typical share by an empirical-Bayes gamma prior fitted across the pool's series
               by the method of moments (a quiet village with 3 reports in a year is not given
               a share of exactly zero or of its last lucky week);
  others_t   — the reports of the pool's other series in week t itself;

  μ_st = p_s / (1 - p_s) · others_t
(a series alone in its pool, or whose pool had no other report in the baseline, falls back to its
own mean over the baseline; a pool with no report at all in the baseline expects of each series
an equal part of the others' reports this week).

Conditioning on the others' current total (as the space-time permutation scan does) takes the
season, the holiday dip and any common trend out of the expectation without a seasonal model,
from the first weeks of data on. Its price: a rise shared by the whole pool — every area of a
category at once — is absorbed as "season" and left to the other methods (Farrington, the
CUSUM), which is why this test is meant to run beside them. A pool should hold series of one
level and one category (``detect_week`` pools by category and administrative level, so that a town
is not compared with the county that contains it).

Once ``season_years`` years of history exist, the pool's total of week t is also forecast from
the past years (Farrington's idea on the pool's aggregate, which is busy enough to have one):
the mean of the pool's weeks t - 52y ± ``season_half`` over up to ``season_back`` years,
scaled by the pool's last ``level_weeks`` weeks (behind the guard) against the same weeks of
those years. μ_st is then the mean of the two estimates, share × forecast and share × others'
current total: the forecast does not carry this week's noise of the other series (nor their
outbreaks), the current total follows a season that moved (the Spring Festival's week moves by up
to three weeks a year); and half of a rise shared by the whole pool that past years did not have
now shows.

The week is tested against the (1 - ``alpha``) quantile of a negative binomial with mean μ_st and
Var = μ + φμ², φ the pool's dispersion estimated by the method of moments from the residuals of
the ``window`` weeks before t - ``guard`` (clipped to [``min_dispersion``, ``max_dispersion``]).
Weeks with fewer than ``min_weeks`` of baseline have no expectation (NaN, no alarm). The score is (y - μ) / sqrt(μ + φμ²).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import nbinom


@dataclass(frozen=True)
class PooledNB:
    """Parameters. ``alpha`` was chosen with ``bench/detection.py --tune`` on its tuning seed."""

    alpha: float = 0.06
    window: int = 52
    guard: int = 2
    min_weeks: int = 8
    min_dispersion: float = 0.05
    max_dispersion: float = 2.0
    default_dispersion: float = 0.3
    season_years: int = 2
    season_back: int = 3
    season_half: int = 2
    level_weeks: int = 13


def _window_sums(X: np.ndarray, window: int, guard: int) -> tuple[np.ndarray, np.ndarray]:
    """Per column t: the sum of X over columns [t - guard - window, t - guard) and their number."""
    cum = np.concatenate([np.zeros((len(X), 1)), np.cumsum(X, axis=1)], axis=1)
    t = np.arange(X.shape[1])
    hi = np.clip(t - guard, 0, None)
    lo = np.clip(hi - window, 0, None)
    return cum[:, hi] - cum[:, lo], hi - lo


def pooled_expectation(Y: np.ndarray, groups: np.ndarray, params: PooledNB = PooledNB()) -> np.ndarray:
    """μ_st for every column of Y (series × weeks); ``groups`` gives each row's pool."""
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    groups = np.asarray(groups)
    mu = np.full(Y.shape, np.nan)
    for g in np.unique(groups):
        rows = groups == g
        own, weeks = _window_sums(Y[rows], params.window, params.guard)
        total = Y[rows].sum(axis=0)
        pooled = own.sum(axis=0)                           # the pool's reports in each baseline
        with np.errstate(divide="ignore", invalid="ignore"):
            raw = own / pooled                             # series × weeks: raw shares
            # Gamma prior on the share (mean m, variance v) by the method of moments: the spread
            # of raw shares across the pool minus their Poisson noise (about m / pooled).
            m = raw.mean(axis=0)
            v = np.maximum(raw.var(axis=0) - m / pooled, 1e-3 * m ** 2)
            rate = m / v                                   # in "pooled reports" units
            share = (m * rate + own) / (rate + pooled)
            expected = share / (1 - share) * (total - Y[rows])
            forecast = share * pool_forecast(total, params)[None, :]
            expected = np.where(np.isfinite(forecast), (expected + forecast) / 2, expected)
        # Nobody else reported in the baseline (a pool of one series): the plain moving mean.
        alone = (pooled - own <= 0) | (share >= 1)
        expected = np.where(alone, own / np.maximum(weeks, 1), expected)
        # Nobody at all (a category new to the pool, a rare one): each series its equal part of
        # the others' reports this week — none if they are silent too, so a village's first
        # reports stand out, while a pool that starts reporting everywhere at once does not.
        k = int(rows.sum())
        equal = (total - Y[rows]) / (k - 1) if k > 1 else np.zeros_like(expected)
        expected = np.where((pooled == 0)[None, :], equal, expected)
        ok = weeks >= params.min_weeks
        mu[rows] = np.where(ok[None, :] & np.isfinite(expected), expected, np.nan)
    return mu


def pool_forecast(total: np.ndarray, params: PooledNB = PooledNB()) -> np.ndarray:
    """The pool's total of every week forecast from the same weeks of past years (see the module
    docstring); NaN before ``season_years`` years of history."""
    weeks = len(total)
    cum = np.concatenate([[0.0], np.cumsum(total)])
    t = np.arange(weeks)
    h, g, span = params.season_half, params.guard, params.level_weeks

    def between(lo, hi):                                  # sum of total over [lo, hi)
        return cum[np.clip(hi, 0, weeks)] - cum[np.clip(lo, 0, weeks)]

    now = between(t - g - span, t - g)
    refs, levels, years = np.zeros(weeks), np.zeros(weeks), np.zeros(weeks)
    for y in range(1, params.season_back + 1):
        c = t - 52 * y
        ok = c - h - g - span >= 0
        refs += np.where(ok, between(c - h, c + h + 1) / (2 * h + 1), 0.0)
        levels += np.where(ok, between(c - g - span, c - g), 0.0)
        years += ok
    enough = years >= params.season_years
    with np.errstate(divide="ignore", invalid="ignore"):
        forecast = refs / years * now / np.maximum(levels / years, 1.0)
    return np.where(enough, forecast, np.nan)


def pooled_dispersion(Y: np.ndarray, mu: np.ndarray, groups: np.ndarray,
                      params: PooledNB = PooledNB()) -> np.ndarray:
    """φ per series and column: the pool's method-of-moments dispersion over the baseline weeks,
    Σ((y - μ)² - μ) / Σμ², clipped; ``default_dispersion`` where the baseline has no expectation."""
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    known = np.isfinite(mu)
    m = np.where(known, mu, 0.0)
    excess = np.where(known, (Y - m) ** 2 - m, 0.0)
    phi = np.full(Y.shape, params.default_dispersion)
    for g in np.unique(groups):
        rows = groups == g
        num, _ = _window_sums(excess[rows].sum(axis=0, keepdims=True), params.window, params.guard)
        den, _ = _window_sums((m[rows] ** 2).sum(axis=0, keepdims=True), params.window, params.guard)
        with np.errstate(divide="ignore", invalid="ignore"):
            est = np.clip(num / den, params.min_dispersion, params.max_dispersion)
        phi[rows] = np.where(den > 0, est, params.default_dispersion)
    return phi


def pool_groups(groups, series: int) -> np.ndarray:
    """Each series' pool: ``groups`` checked against the number of series, or one pool for all."""
    groups = np.zeros(series, dtype=int) if groups is None else np.asarray(groups)
    if len(groups) != series:
        raise ValueError(f"groups has {len(groups)} entries for {series} series")
    return groups


def pooled_nb(Y: np.ndarray, at, groups=None, params: PooledNB = PooledNB()) -> dict[str, np.ndarray]:
    """The test at the columns ``at`` of Y (series × weeks, column 0 = first week).

    ``groups``: each row's pool (default: one pool). Returns series × len(at) arrays expected
    (μ), upper (the NB quantile), statistic ((y - μ) / sd), phi, sd and alarm (y > upper; the
    caller adds ``min_count``).
    """
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    at = np.asarray(at, dtype=int)
    groups = pool_groups(groups, len(Y))
    # Only the columns up to the last one asked for matter (each week sees only its past).
    Y = Y[:, : at.max() + 1] if at.size else Y
    mu_all = pooled_expectation(Y, groups, params)
    phi = pooled_dispersion(Y, mu_all, groups, params)[:, at]
    mu = mu_all[:, at]
    y = Y[:, at]
    known = np.isfinite(mu)
    safe = np.where(known, np.maximum(mu, 1e-9), 1.0)
    size = 1 / phi
    upper = np.where(known, nbinom.ppf(1 - params.alpha, size, size / (size + safe)), np.nan)
    with np.errstate(invalid="ignore"):
        sd = np.sqrt(safe + phi * safe ** 2)
        statistic = (y - mu) / sd
    return {"expected": mu, "upper": upper, "statistic": statistic, "phi": phi, "sd": sd,
            "alarm": known & (y > np.nan_to_num(upper, nan=np.inf))}
