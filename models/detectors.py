"""Count detectors over weekly area × category counts, and the weekly detection the flow runs.

Methods (the ``detector`` column of a signal), each gated by the weeks of history before t:
  ears_c1, ears_c2, ears_c3 — EARS (``models.ears``), from 7, 9 and 11 weeks of history;
  farrington — Farrington flexible with Noufaily's improvements (``models.farrington``), from
               ``Farrington.min_years`` (2) years and w weeks (107 weeks), up to b = 3 years back;
  cusum_nb — negative-binomial CUSUM for slow persistent rises (``models.cusum``) against the
             series' own recent mean, from ``CusumNB.guard + window`` (17) weeks;
  pooled_nb — each series against its share of its pool's reports this week (``models.pooled``:
             an empirical-Bayes share over the last 52 weeks behind a 2-week guard, times the
             other series' current total, NB quantile), from 10 weeks;
  pooled_cusum — the NB CUSUM against that pooled expectation (``models.cusum.PooledCusum``),
             from 10 weeks.
A method without enough history stays silent. Every alarm also needs ``min_count`` reports: in
its week for the one-week methods, over the chart's run (the weeks since it last left 0) for the
two CUSUMs, whose signals then report the run (``weeks`` > 1) rather than the week.

``COMBINED`` (detect_week's default) is the pooled CUSUM with Farrington beside it. The pooled
CUSUM carries it: sparse series share their category's seasonality, so their expectation comes
from a long, shrunk share and the pool's current week instead of seven noisy weeks of their own;
and the chart adds up small excesses week after week, so a burst, a slow ramp, a small persistent
shift and the edge of a neighbourhood cluster all build its evidence, counted in reports over the
run. What it is blind to by construction is a rise shared by a whole pool (every area of a
category at once), absorbed as "season": Farrington, once two years exist, judges each week
against the same season of past years and covers it. The thresholds and the choice of methods
were made with ``bench/detection.py --tune`` on its tuning seeds: the most outbreaks found with a
false-positive rate at most EARS C3's, with and without two years of history.

Scores (shown as the detector's statistic): C1/C2 the C statistic, C3 the C3 sum, Farrington the
excess in standard deviations (y - μ0) / sqrt(φ·μ0), the CUSUMs their log likelihood ratio S, the
pooled test (y - μ) / sqrt(μ + φμ²). Where the spread behind a score was floored at ``sd_floor``
the score is capped at ``floored_score_cap``: a quiet village's burst must not outrank every real
rise merely because its spread is tiny.
"""
from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from .cusum import CusumNB, PooledCusum, nb_cusum
from .ears import C3_ALPHA, ears_c3, shewhart
from .farrington import Farrington, farrington
from .pooled import PooledNB, pool_groups, pooled_nb

SIGNAL_SCHEMA = {
    "week": pl.Date, "area_code": pl.String, "category": pl.String, "detector": pl.String,
    "observed": pl.Int64, "expected": pl.Float64, "upper": pl.Float64, "score": pl.Float64,
    "weeks": pl.Int64,
}
METHODS = ("ears_c1", "ears_c2", "ears_c3", "farrington", "cusum_nb", "pooled_nb", "pooled_cusum")
CHARTS = ("cusum_nb", "pooled_cusum")   # methods whose minimum count is over their run
COMBINED = ("farrington", "pooled_cusum")


def detect_matrix(Y: np.ndarray, at, methods=COMBINED, *, alpha: float = 0.001,
                  baseline: int = 7, guard: int = 2, min_count: int = 3, sd_floor: float = 0.5,
                  floored_score_cap: float = 10.0, c3_alpha: float = C3_ALPHA,
                  farrington_params: Farrington = Farrington(),
                  cusum: CusumNB = CusumNB(), pooled: PooledNB = PooledNB(),
                  pooled_cusum: PooledCusum = PooledCusum(),
                  groups=None) -> dict[str, dict[str, np.ndarray]]:
    """Every method of ``methods`` at the columns ``at`` of Y (series × weeks, column 0 = start).

    Returns, per method, series × len(at) arrays observed, weeks, expected, upper, score and
    alarm (alarm already requires ``min_count``): observed and expected are counted over the
    ``weeks`` the signal covers (1 but for the CUSUMs' runs). The parameters are those of
    ``detect_week``; ``groups`` gives each row's pool for ``pooled_nb`` and ``pooled_cusum``
    (default: all rows in one pool).
    """
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    at = np.asarray(at, dtype=int)
    unknown = set(methods) - set(METHODS)
    if unknown:
        raise ValueError(f"unknown detection methods {sorted(unknown)}; known: {METHODS}")
    y = Y[:, at]
    ears = {"alpha": alpha, "baseline": baseline, "sd_floor": sd_floor}
    runs = {
        "ears_c1": lambda: _ears(shewhart(Y, at, guard=0, **ears), floored_score_cap),
        "ears_c2": lambda: _ears(shewhart(Y, at, guard=guard, **ears), floored_score_cap),
        "ears_c3": lambda: _ears(ears_c3(Y, at, baseline=baseline, guard=guard, alpha=c3_alpha,
                                         sd_floor=sd_floor), floored_score_cap),
        "farrington": lambda: _farrington(Y, at, farrington_params, min_count, sd_floor,
                                          floored_score_cap),
        "cusum_nb": lambda: _chart(Y, at, cusum.baseline(Y), cusum.dispersion, cusum, min_count),
        "pooled_nb": lambda: _pooled(Y, at, groups, pooled, sd_floor, floored_score_cap),
        "pooled_cusum": lambda: _chart(Y, at, *pooled_cusum.baseline(Y, pool_groups(groups, len(Y))),
                                       pooled_cusum, min_count),
    }
    out = {}
    for method in methods:
        result = runs[method]()
        result.setdefault("observed", y)
        result.setdefault("weeks", np.ones(y.shape, dtype=int))
        result["alarm"] = result["alarm"] & (result["observed"] >= min_count)
        out[method] = result
    return out


def _ears(result: dict, cap: float) -> dict[str, np.ndarray]:
    """An EARS result as a signal source: its statistic, capped where the sd was floored."""
    score = _capped(result["statistic"], result["floored"], cap)
    return {"expected": result["expected"], "upper": result["upper"], "score": score,
            "alarm": result["alarm"]}


def _farrington(Y, at, params: Farrington, min_count: int, sd_floor: float, cap: float):
    """Farrington with its score: the excess over μ0 in (floored) standard deviations."""
    result = farrington(Y, at, params, min_count=min_count)
    spread = np.sqrt(result["phi"] * result["expected"])
    with np.errstate(invalid="ignore"):
        score = (Y[:, at] - result["expected"]) / np.maximum(spread, sd_floor)
    score = _capped(score, spread < sd_floor, cap)
    return {"expected": result["expected"], "upper": result["upper"], "score": score,
            "alarm": result["alarm"]}


def _chart(Y, at, mu0, dispersion, params, min_count: int):
    """An NB CUSUM over every week (it needs its past), reported at ``at`` as its run: the
    reports, weeks and expected reports since it last left 0, and the run's total that would
    have alarmed (the run before this week plus the cases this week needed)."""
    result = nb_cusum(Y, mu0, kappa=params.kappa, dispersion=dispersion,
                      threshold=params.threshold, min_count=min_count)
    run = result["run"][:, at]
    needed = np.maximum(result["upper"][:, at], min_count - (run - Y[:, at]))
    return {"observed": run, "weeks": result["weeks"][:, at],
            "expected": result["run_expected"][:, at], "upper": run - Y[:, at] + needed,
            "score": result["statistic"][:, at], "alarm": result["alarm"][:, at]}


def _pooled(Y, at, groups, params: PooledNB, sd_floor: float, cap: float):
    """The pooled NB test with its score (y - μ) / sd, capped where the sd is under ``sd_floor``
    (a pool that expected nothing)."""
    result = pooled_nb(Y, at, groups, params)
    return {"expected": result["expected"], "upper": result["upper"],
            "score": _capped(result["statistic"], result["sd"] < sd_floor, cap), "alarm": result["alarm"]}


def _capped(score: np.ndarray, floored: np.ndarray, cap: float) -> np.ndarray:
    """Scores resting on a floored (or zero) spread are capped; NaN stays NaN (no alarm there)."""
    return np.where(floored | np.isinf(score), np.minimum(score, cap), score)


def ears_c2(y: np.ndarray, alpha: float = 0.001, baseline: int = 7, guard: int = 2,
            min_count: int = 3, sd_floor: float = 0.5) -> dict[str, np.ndarray]:
    """EARS C2 over one weekly series: arrays expected, upper, statistic, alarm and floored.

    The first ``baseline + guard`` weeks have no baseline: NaN and no alarm. Deliberate
    differences from surveillance: an alarm also needs y_t >= ``min_count``, and the sd is floored
    at ``sd_floor`` (surveillance's ``minSigma`` defaults to 0), so that a village with an
    all-zero baseline does not alarm on one or two reports.
    """
    y = np.asarray(y, dtype=float)
    out = shewhart(y, np.arange(len(y)), baseline=baseline, guard=guard, alpha=alpha,
                   sd_floor=sd_floor)
    out = {k: v[0] for k, v in out.items() if k != "sd"}
    out["alarm"] = out["alarm"] & (y >= min_count)
    return out


def detect_week(counts: pl.DataFrame, week: date, *, methods=COMBINED, alpha: float = 0.001,
                baseline: int = 7, guard: int = 2, min_count: int = 3, sd_floor: float = 0.5,
                floored_score_cap: float = 10.0, start: date | None = None,
                c3_alpha: float = C3_ALPHA, farrington_params: Farrington = Farrington(),
                cusum: CusumNB = CusumNB(), pooled: PooledNB = PooledNB(),
                pooled_cusum: PooledCusum = PooledCusum(),
                pools: dict[str, str] | None = None) -> pl.DataFrame:
    """Signals of ``week`` for every area × category series in ``counts``, one per alarming method.

    ``counts`` (week, area_code, category, n) holds only non-zero rows: a missing week is a zero.
    Weeks count from ``start`` (default: the first week in ``counts``, i.e. where the data
    begins), not from each series' own first report, so that a village's first-ever burst can
    alarm against its zero history; each method needs its own history since ``start`` (see the
    module docstring). ``alpha``, ``baseline`` and ``guard`` are EARS C1/C2's (C3 uses
    ``c3_alpha``); ``farrington_params``, ``cusum`` and ``pooled`` hold the other methods'
    parameters. ``pooled_nb`` and ``pooled_cusum`` compare each series with the other series of
    its pool: the same category and the same ``pools[area_code]`` (the flows give the areas
    table's level; a code it lacks falls back to ``area_level``), so that a village is compared
    with villages, not with the town and county whose counts contain its own reports; they need
    every series of the pool, not just this week's busy ones.
    Returns the alarming rows (see SIGNAL_SCHEMA), strongest first.
    """
    if week.weekday() != 0:
        raise ValueError(f"week must be a Monday, got {week} ({week:%A})")
    if counts.is_empty():
        return pl.DataFrame(schema=SIGNAL_SCHEMA)
    counts = counts.with_columns(pl.col("week").cast(pl.Date))
    first = start or counts["week"].min()
    if week < first:
        return pl.DataFrame(schema=SIGNAL_SCHEMA)
    window = counts.filter(pl.col("week").is_between(first, week))
    # Series that can alarm: min_count reports this week, or for a CUSUM any report (its run counts).
    least = 1 if set(CHARTS) & set(methods) else min_count
    current = window.filter((pl.col("week") == week) & (pl.col("n") >= max(least, 1)))
    if {"pooled_nb", "pooled_cusum"} & set(methods) and current.height:
        # The pooled test needs every series of the pools of this week's busy ones.
        keys = window.select("area_code", "category").unique().sort("area_code", "category")
        pool = [(pools or {}).get(a) or area_level(a) for a in keys["area_code"]]
        keys = keys.with_columns(pl.Series("_pool", pool, dtype=pl.String))
        keys = keys.join(current.join(keys, on=["area_code", "category"])
                         .select("category", "_pool").unique(), on=["category", "_pool"])
        groups = keys.select(pl.concat_str("category", "_pool", separator="\x1f")
                             ).to_series().to_numpy()
        keys = keys.drop("_pool")
    else:
        # Only series that can alarm this week are pivoted.
        keys = current.select("area_code", "category").unique(maintain_order=True)
        groups = None
    window = window.join(keys, on=["area_code", "category"])
    width = (week - first).days // 7 + 1
    matrix = _week_matrix(window, keys, first, width)
    found = detect_matrix(matrix, [width - 1], methods, alpha=alpha, baseline=baseline,
                          guard=guard, min_count=min_count, sd_floor=sd_floor,
                          floored_score_cap=floored_score_cap, c3_alpha=c3_alpha,
                          farrington_params=farrington_params, cusum=cusum, pooled=pooled,
                          pooled_cusum=pooled_cusum, groups=groups)
    frames = [_signals(keys, week, method, result) for method, result in found.items()]
    return pl.concat([pl.DataFrame(schema=SIGNAL_SCHEMA), *frames]).sort(["score", "area_code", "category", "detector"],
                                  descending=[True, False, False, False])


def area_level(code: str) -> str:
    """The pool of an area code that ``pools`` does not place: a 12-digit 统计用区划代码's level,
    read from its trailing zeros (province 2 digits, city 4, county 6, town 9, village 12), or
    for any other code its length."""
    if len(code) == 12 and code.isdigit():
        for level, digits in ((1, 2), (2, 4), (3, 6), (4, 9)):
            if code[digits:] == "0" * (12 - digits):
                return f"level {level}"
        return "level 5"
    return f"length {len(code)}"


def _signals(keys: pl.DataFrame, week: date, method: str, result: dict[str, np.ndarray]) -> pl.DataFrame:
    """The alarming rows of one method as signals."""
    return keys.with_columns(
        pl.lit(week, pl.Date).alias("week"), pl.lit(method).alias("detector"),
        pl.Series("observed", result["observed"][:, 0].astype(np.int64)),
        pl.Series("weeks", result["weeks"][:, 0].astype(np.int64)),
        *(pl.Series(k, result[k][:, 0], dtype=pl.Float64) for k in ("expected", "upper", "score")),
        pl.Series("_alarm", result["alarm"][:, 0]),
    ).filter("_alarm").select(list(SIGNAL_SCHEMA))


def _week_matrix(window: pl.DataFrame, keys: pl.DataFrame, start: date, width: int) -> np.ndarray:
    """Series × weeks counts (zeros where no row), week 0 being ``start``."""
    matrix = np.zeros((keys.height, width))
    if keys.height == 0:
        return matrix
    rows = keys.with_row_index("_row").join(window, on=["area_code", "category"])
    col = rows.select((pl.col("week") - pl.lit(start, pl.Date)).dt.total_days() // 7).to_series().to_numpy()
    np.add.at(matrix, (rows["_row"].to_numpy(), col), rows["n"].to_numpy())
    return matrix
