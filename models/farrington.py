"""Farrington flexible with Noufaily's improvements (R's ``surveillance::farringtonFlexible``).

For week t, a quasi-Poisson log-linear GLM is fitted to the weeks of the past ``b`` years
(a year being 52 weeks): the 2w+1 weeks around t - 52·i (i = 1…b) form one seasonal level, the
weeks between consecutive reference windows are cut into ``no_periods - 1`` further levels
(Noufaily's noPeriods=10), and the last ``past_weeks_not_included`` = 26 weeks are left out so
that a recent rise cannot inflate its own baseline. A linear trend is kept only if ``b >= 3``, it is
significant at 5 % and it does not extrapolate above the largest count fitted. Observations with
Anscombe residuals above ``weights_threshold`` (2.58, Noufaily) are down-weighted and the model is
refitted. The threshold is Noufaily's ``nbPlugin``: the (1 - alpha) quantile of a negative binomial
with mean μ0 = exp(η0) and variance φ·μ0 (Poisson when φ = 1). We chose it over ``muan`` (which
plugs in the upper 1 - alpha confidence limit of μ0 instead) because it is the plug-in Noufaily et
al. recommend, it needs no standard error of η0 — surveillance computes that one with the same
mis-scaled dispersion as its trend test (see ``Farrington``) — and with two or three years of
history μ0's standard error is wide, so ``muan`` would mostly raise the threshold.
As in surveillance, an alarm needs at least ``limit54[0]`` cases in the last ``limit54[1]`` weeks.

Weeks are plain indices (52 per year), as surveillance does for an ``sts`` without dates; the
population offset is not used. The GLM is fitted by IRLS exactly as R's ``glm.fit`` does it
(start μ = y + 0.1, deviance criterion 1e-8, at most 25 iterations), vectorised over many
(series, week) fits that share one design matrix.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import nbinom, poisson
from scipy.stats import t as student_t

YEAR = 52
CHUNK = 2048  # fits per batch: bounds the (fits × weeks × parameters) working array


@dataclass(frozen=True)
class Farrington:
    """Parameters; the defaults are surveillance's Noufaily settings except ``alpha`` and ``b``.

    ``trend_dispersion``: the trend's t-test uses the quasi-Poisson dispersion ("quasi").
    surveillance 1.20 overwrites the model's working weights with the Anscombe weights before its
    test, so its dispersion is Σω((y-μ)/μ)²/df, about 1/μ of the right one: busy series keep
    trends that are not significant. "surveillance" reproduces that, for the reference test and
    for comparisons with other agencies' R output.
    ``alpha`` 0.01: beside the pooled CUSUM in ``models.detectors.COMBINED`` (chosen there with
    ``bench/detection.py --tune``).
    """

    alpha: float = 0.01
    b: int = 3
    min_years: int = 2
    w: int = 3
    no_periods: int = 10
    past_weeks_not_included: int = 26
    weights_threshold: float = 2.58
    reweight: bool = True
    trend: bool = True
    p_trend: float = 0.05
    trend_dispersion: str = "quasi"
    limit54: tuple[int, int] = (5, 4)

    def __post_init__(self):
        if self.trend_dispersion not in ("quasi", "surveillance"):
            raise ValueError(f"trend_dispersion must be 'quasi' or 'surveillance', "
                             f"got {self.trend_dispersion!r}")

    def years(self, t: np.ndarray) -> np.ndarray:
        """Years back usable at week index t (0 where fewer than ``min_years`` exist)."""
        years = np.minimum(self.b, (np.asarray(t) - self.w) // YEAR)
        return np.where(years >= self.min_years, years, 0)


def reference_design(b: int, w: int, no_periods: int, past_weeks_not_included: int):
    """Offsets (weeks relative to t, negative) and seasonal levels of the GLM's observations.

    Mirrors surveillance's ``blocks``: level ``no_periods`` for the reference windows, levels
    1 … no_periods-1 for the blocks between them, the earliest blocks one week longer.
    """
    span = YEAR * b + w
    levels = np.zeros(span + 1, dtype=int)  # index span is week t; 0 = not used
    refs = [span - YEAR * i for i in range(b + 1)]
    for newer, ref in zip(refs, refs[1:]):
        levels[ref - w: ref + w + 1] = no_periods
        period = newer - 2 * w - 1 - ref
        if no_periods > 1:
            if period < no_periods - 1:
                raise ValueError(f"{no_periods} periods do not fit between reference windows")
            lengths = np.full(no_periods - 1, period // (no_periods - 1))
            lengths[: period % (no_periods - 1)] += 1
            levels[ref + w + 1: ref + w + 1 + period] = np.repeat(np.arange(1, no_periods), lengths)
    levels[span - past_weeks_not_included:] = 0
    used = np.flatnonzero(levels)
    return used - span, levels[used]


def farrington(Y: np.ndarray, at: np.ndarray, params: Farrington = Farrington(),
               min_count: int = 0) -> dict[str, np.ndarray]:
    """Farrington–Noufaily at the columns ``at`` of ``Y`` (series × weeks, column 0 = first week).

    Only weeks with enough history (``params.years``), at least ``min_count`` cases and enough
    cases for ``limit54`` are fitted; elsewhere every array is NaN and ``alarm`` False.
    Returns series × len(at) arrays expected (μ0), upper, phi, trend (1 where kept), alarm.
    """
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    at = np.asarray(at, dtype=int)
    y = Y[:, at]
    cases, weeks = params.limit54
    cum = np.concatenate([np.zeros((len(Y), 1)), np.cumsum(Y, axis=1)], axis=1)
    enough = cum[:, at + 1] - cum[:, np.clip(at + 1 - weeks, 0, None)] >= cases
    out = {k: np.full(y.shape, np.nan) for k in ("expected", "upper", "phi", "trend")}
    years = params.years(at)
    for b in np.unique(years[years > 0]):
        rows, cols = np.nonzero((years == b)[None, :] & (y >= min_count) & enough)
        offsets, levels = reference_design(b, params.w, params.no_periods,
                                           params.past_weeks_not_included)
        windows = Y[rows[:, None], at[cols][:, None] + offsets[None, :]]
        for start in range(0, len(rows), CHUNK):
            part = slice(start, start + CHUNK)
            fitted = _fit_and_threshold(windows[part], offsets, levels, b, params)
            for key, value in fitted.items():
                out[key][rows[part], cols[part]] = value
    out["alarm"] = enough & (y > out["upper"]) & (y > 0)
    return out


def _fit_and_threshold(windows, offsets, levels, b, params: Farrington) -> dict[str, np.ndarray]:
    """Fit each row of ``windows`` (fits × weeks) and return μ0, upper bound, φ and trend use.

    As surveillance: fit with a trend, keep it only if ``_trend_kept``, else refit without.
    """
    present = np.unique(levels)
    season = (levels[:, None] == present[None, :]).astype(float)
    now = (present == params.no_periods).astype(float)
    eta0, phi = np.full(len(windows), np.nan), np.full(len(windows), np.nan)
    kept = np.zeros(len(windows), dtype=bool)
    if params.trend and b >= 3:  # surveillance drops any trend with fewer than 3 years
        trended = np.column_stack([season, offsets / YEAR])
        eta, phi_trend, fit = _prediction(trended, np.append(now, 0.0), windows, params)
        kept = _trend_kept(fit, eta, windows, params)
        eta0[kept], phi[kept] = eta[kept], phi_trend[kept]
    todo = np.flatnonzero(~kept)
    eta0[todo], phi[todo], _ = _prediction(season, now, windows[todo], params)
    mu0 = np.exp(eta0)
    return {"expected": mu0, "upper": nb_quantile(1 - params.alpha, mu0, phi), "phi": phi,
            "trend": np.where(np.isnan(mu0), np.nan, kept.astype(float))}


def _prediction(X, x_now, windows, params: Farrington):
    """log μ0 at week t and φ of the flexible fit (NaN where it did not converge), and the fit."""
    fit = _flexible(X, windows, params)
    converged = fit["converged"]
    return (np.where(converged, fit["beta"] @ x_now, np.nan), np.where(converged, fit["phi"], np.nan),
            fit)


def _trend_kept(fit, eta, windows, params: Farrington) -> np.ndarray:
    """surveillance's rule: the trend is significant and μ0 is no larger than any count fitted."""
    se = np.sqrt(fit["cov"][:, -1, -1] * _trend_dispersion(fit, windows, params))
    pvalue = 2 * student_t.sf(np.abs(fit["beta"][:, -1] / se), windows.shape[1] - fit["beta"].shape[1])
    return fit["converged"] & (pvalue < params.p_trend) & (np.exp(eta) <= windows.max(axis=1))


def _trend_dispersion(fit, windows, params: Farrington) -> np.ndarray:
    """The dispersion of the trend's t-test (see ``Farrington.trend_dispersion``)."""
    if params.trend_dispersion == "quasi":
        return fit["dispersion"]
    residual = (windows - fit["mu"]) / fit["mu"]
    return (fit["prior"] * residual ** 2).sum(axis=1) / (windows.shape[1] - fit["beta"].shape[1])


def nb_quantile(q: float, mu: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """The q quantile of a count with mean μ and variance φμ: negative binomial, Poisson at φ=1."""
    mu, phi = np.asarray(mu, dtype=float), np.asarray(phi, dtype=float)
    over = phi > 1
    safe = np.where(over, phi, 2.0)
    with np.errstate(invalid="ignore"):
        return np.where(over, nbinom.ppf(q, mu / (safe - 1), 1 / safe), poisson.ppf(q, mu))


def _flexible(X: np.ndarray, Y: np.ndarray, params: Farrington) -> dict[str, np.ndarray]:
    """surveillance's ``algo.farrington.fitGLM.flexible``: fit, reweight by Anscombe residuals, refit.

    ``converged`` is that of the first fit, as there; ``phi`` = max(dispersion, 1).
    """
    fit = glm_quasipoisson(X, Y, np.ones_like(Y))
    if params.reweight:
        phi = np.maximum(fit["dispersion"], 1.0)
        omega = anscombe_weights(Y, fit, phi, params.weights_threshold)
        fit = {**glm_quasipoisson(X, Y, omega), "converged": fit["converged"]}
    return {**fit, "phi": np.maximum(fit["dispersion"], 1.0)}


def anscombe_weights(Y, fit, phi, threshold) -> np.ndarray:
    """Weights γ·s⁻² for Anscombe residuals s above ``threshold``, γ elsewhere, summing to n."""
    mu, hat = fit["mu"], fit["hat"]
    with np.errstate(divide="ignore", invalid="ignore"):
        s = 1.5 * (Y ** (2 / 3) * mu ** (-1 / 6) - np.sqrt(mu)) / np.sqrt(phi[:, None] * (1 - hat))
        raw = np.where(s > threshold, s ** -2.0, 1.0)
    return raw * (Y.shape[1] / raw.sum(axis=1, keepdims=True))


def glm_quasipoisson(X: np.ndarray, Y: np.ndarray, prior: np.ndarray, maxit: int = 25,
                     epsilon: float = 1e-8) -> dict[str, np.ndarray]:
    """IRLS of a log-link quasi-Poisson GLM for each row of Y, all sharing the design X.

    Follows R's ``glm.fit`` step by step, including that the working weights kept for the
    covariance, hat values and dispersion are those of the last iteration's start. A row stops
    iterating once it converged, as it would alone in R.
    """
    mu = Y + 0.1
    eta = np.log(mu)
    dev_old = _deviance(Y, mu, prior)
    m, p = len(Y), X.shape[1]
    beta, weights, cov = np.zeros((m, p)), np.zeros_like(Y), np.zeros((m, p, p))
    converged = np.zeros(m, dtype=bool)
    for _ in range(maxit):
        rows = np.flatnonzero(~converged)
        if not len(rows):
            break
        w = prior[rows] * mu[rows]
        z = eta[rows] + (Y[rows] - mu[rows]) / mu[rows]
        xtw = (w[:, :, None] * X[None, :, :]).transpose(0, 2, 1)
        # A tiny ridge keeps the solve defined when a seasonal level has only zeros (μ → 0).
        info = xtw @ X + 1e-10 * np.eye(p)
        cov[rows] = np.linalg.inv(info)
        beta[rows] = np.einsum("mpq,mq->mp", cov[rows], np.einsum("mpn,mn->mp", xtw, z))
        eta[rows] = beta[rows] @ X.T
        mu[rows] = np.exp(eta[rows])
        weights[rows] = w
        dev = _deviance(Y[rows], mu[rows], prior[rows])
        converged[rows] = np.abs(dev - dev_old[rows]) / (np.abs(dev) + 0.1) < epsilon
        dev_old[rows] = dev
    hat = weights * np.einsum("np,mpq,nq->mn", X, cov, X)
    dispersion = (weights * ((Y - mu) / mu) ** 2).sum(axis=1) / (Y.shape[1] - p)
    return {"beta": beta, "mu": mu, "cov": cov, "hat": hat, "dispersion": dispersion,
            "converged": converged, "prior": prior}


def _deviance(Y, mu, prior) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        ylogy = np.where(Y > 0, Y * np.log(Y / mu), 0.0)
    return (2 * prior * (ylogy - (Y - mu))).sum(axis=1)
