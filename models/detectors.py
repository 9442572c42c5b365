"""Count detectors over weekly area × category counts.

EARS C2 as in R's ``surveillance::earsC(method="C2")``: the baseline is the 7 weeks t-9 … t-3
(a 2-week guard band keeps a growing outbreak out of its own baseline), expected = baseline
mean, sd = baseline sd (n-1), C2 = (y_t - mean) / sd, alarm when C2 > qnorm(1 - alpha), that is
when y_t > upper = mean + qnorm(1 - alpha) · sd (surveillance's ``upperbound``).
"""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
from scipy.stats import norm

SIGNAL_SCHEMA = {
    "week": pl.Date, "area_code": pl.String, "category": pl.String, "detector": pl.String,
    "observed": pl.Int64, "expected": pl.Float64, "upper": pl.Float64, "score": pl.Float64,
}


def _c2(base: np.ndarray, y: np.ndarray, alpha: float, min_count: int, sd_floor: float):
    """C2 for rows of baselines (m, baseline) against their current counts y (m,)."""
    z = norm.ppf(1 - alpha)
    expected = base.mean(axis=1)
    raw_sd = base.std(axis=1, ddof=1)
    floored = raw_sd < sd_floor
    sd = np.maximum(raw_sd, sd_floor)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = (y - expected) / sd
    upper = expected + z * sd
    # Compared on counts rather than on C2 so that sd = 0 (sd_floor=0) behaves as surveillance.
    alarm = (y > upper) & (y >= min_count)
    return expected, upper, statistic, alarm, floored


def ears_c2(y: np.ndarray, alpha: float = 0.001, baseline: int = 7, guard: int = 2,
            min_count: int = 3, sd_floor: float = 0.5) -> dict[str, np.ndarray]:
    """EARS C2 over one weekly series: arrays expected, upper, statistic, alarm (and floored).

    The first ``baseline + guard`` weeks have no baseline: NaN and no alarm.
    Deliberate differences from surveillance: an alarm also needs y_t >= ``min_count``, and
    the sd is floored at ``sd_floor`` (surveillance's ``minSigma`` defaults to 0), so that a
    village with an all-zero baseline does not alarm on one or two reports.
    """
    y = np.asarray(y, dtype=float)
    n, lag = len(y), baseline + guard
    out = {k: np.full(n, np.nan) for k in ("expected", "upper", "statistic")}
    out["alarm"] = np.zeros(n, dtype=bool)
    out["floored"] = np.zeros(n, dtype=bool)
    if n <= lag:
        return out
    windows = np.lib.stride_tricks.sliding_window_view(y, baseline)[: n - lag]
    expected, upper, statistic, alarm, floored = _c2(windows, y[lag:], alpha, min_count, sd_floor)
    for key, value in zip(("expected", "upper", "statistic", "alarm", "floored"),
                          (expected, upper, statistic, alarm, floored)):
        out[key][lag:] = value
    return out


def detect_week(counts: pl.DataFrame, week: date, *, alpha: float = 0.001, baseline: int = 7,
                guard: int = 2, min_count: int = 3, sd_floor: float = 0.5,
                floored_score_cap: float = 10.0, start: date | None = None) -> pl.DataFrame:
    """EARS C2 signals of ``week`` for every area × category series in ``counts``.

    ``counts`` (week, area_code, category, n) holds only non-zero rows: a missing week is a zero.
    Weeks count from ``start`` (default: the first week in ``counts``, i.e. where the data
    begins), not from each series' own first report, so that a village's first-ever burst can
    alarm against its zero history. A series needs ``baseline + guard`` weeks before ``week``
    since ``start``. When the sd was floored, score = C2 capped at ``floored_score_cap``: a
    quiet village's burst must not outrank every real rise merely because its sd is tiny.
    Returns the alarming rows (see SIGNAL_SCHEMA), strongest first.
    """
    if week.weekday() != 0:
        raise ValueError(f"week must be a Monday, got {week} ({week:%A})")
    counts = counts.with_columns(pl.col("week").cast(pl.Date))
    if counts.is_empty():
        return pl.DataFrame(schema=SIGNAL_SCHEMA)
    lag = baseline + guard
    first = start or counts["week"].min()
    window_start = week - timedelta(weeks=lag)
    if window_start < first:
        return pl.DataFrame(schema=SIGNAL_SCHEMA)
    # Only series with at least min_count reports this week can alarm: pivot just those.
    current = counts.filter((pl.col("week") == week) & (pl.col("n") >= min_count))
    keys = current.select("area_code", "category").unique(maintain_order=True)
    window = counts.join(keys, on=["area_code", "category"]).filter(
        pl.col("week").is_between(window_start, week))
    matrix = _week_matrix(window, keys, window_start, lag + 1)
    expected, upper, statistic, alarm, floored = _c2(
        matrix[:, :baseline], matrix[:, -1], alpha, min_count, sd_floor)
    score = np.where(floored, np.minimum(statistic, floored_score_cap), statistic)
    return keys.with_columns(
        pl.lit(week, pl.Date).alias("week"), pl.lit("ears_c2").alias("detector"),
        pl.Series("observed", matrix[:, -1].astype(np.int64)), pl.Series("expected", expected),
        pl.Series("upper", upper), pl.Series("score", score), pl.Series("_alarm", alarm),
    ).filter("_alarm").select(list(SIGNAL_SCHEMA)).sort(
        ["score", "area_code", "category"], descending=[True, False, False])


def _week_matrix(window: pl.DataFrame, keys: pl.DataFrame, start: date, width: int) -> np.ndarray:
    """Series × weeks counts (zeros where no row), week 0 being ``start``."""
    matrix = np.zeros((keys.height, width))
    if keys.height == 0:
        return matrix
    rows = keys.with_row_index("_row").join(window, on=["area_code", "category"])
    col = rows.select((pl.col("week") - pl.lit(start, pl.Date)).dt.total_days() // 7).to_series().to_numpy()
    np.add.at(matrix, (rows["_row"].to_numpy(), col), rows["n"].to_numpy())
    return matrix
