"""The pooled NB test (models.pooled): each series against its share of its pool's current total."""
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from scipy.stats import nbinom

from models.detectors import area_level, detect_matrix, detect_week
from models.cusum import PooledCusum
from models.pooled import PooledNB, pool_forecast, pooled_dispersion, pooled_expectation, pooled_nb

W0 = date(2024, 1, 1)  # a Monday


def test_equal_shares_give_the_share_times_the_others_current_total():
    # Three series with one report a week each: shares 1/3 exactly (no spread, so the EB prior
    # cannot move them). In week 12 the two others report 4 and 2: μ0 = (1/3)/(2/3) · 6 = 3.
    y = np.ones((3, 13))
    y[1, 12], y[2, 12] = 4, 2
    mu = pooled_expectation(y, np.zeros(3), PooledNB(min_weeks=8, guard=2))
    assert mu[0, 12] == pytest.approx(3.0)
    assert np.isnan(mu[:, :10]).all() and np.isfinite(mu[:, 10:]).all()  # 8 weeks behind a 2-week guard


def test_a_rise_shared_by_the_whole_pool_is_season_a_lone_rise_is_not():
    rng = np.random.default_rng(0)
    y = rng.poisson(2.0, size=(20, 60)).astype(float)
    y[:, 59] = rng.poisson(8.0, size=20)   # every series quadruples: the festival, not an outbreak
    y[3, 58] = 12                          # one series alone: an outbreak
    out = pooled_nb(y, [58, 59], np.zeros(20))
    assert out["alarm"][3, 0]
    assert out["alarm"][:, 1].mean() < 0.2
    assert np.nanmean(out["expected"][:, 1]) == pytest.approx(8.0, rel=0.25)


def test_a_quiet_series_is_shrunk_towards_its_pool_and_pools_stay_apart():
    y = np.full((6, 30), 2.0)
    y[0] = 0.0                             # never reported: the EB prior still expects something
    y[3:] = 20.0                           # another pool, much busier
    mu = pooled_expectation(y, np.array([0, 0, 0, 1, 1, 1]))
    assert 0 < mu[0, 29] < 2.0
    assert mu[1, 29] == pytest.approx(mu[2, 29]) and mu[4, 29] == pytest.approx(20.0)


def test_a_series_alone_in_its_pool_falls_back_to_its_moving_mean():
    y = np.r_[np.ones(20), 9.0][None, :]
    out = pooled_nb(y, [20])
    assert out["expected"][0, 0] == pytest.approx(1.0) and out["alarm"][0, 0]
    phi = pooled_dispersion(y, pooled_expectation(y, [0]), [0])
    assert phi[0, 20] == PooledNB().min_dispersion  # no spread at all: the floor


def test_upper_is_the_nb_quantile_at_the_pooled_dispersion():
    rng = np.random.default_rng(1)
    y = rng.negative_binomial(2, 2 / 3, size=(30, 80)).astype(float)  # mean 1, φ = 0.5
    params = PooledNB(alpha=0.05)
    out = pooled_nb(y, [79], np.zeros(30), params)
    mu, phi = out["expected"][:, 0], out["phi"][:, 0]
    assert 0.2 < phi[0] < 1.0
    size = 1 / phi
    np.testing.assert_allclose(out["upper"][:, 0], nbinom.ppf(0.95, size, size / (size + mu)))
    assert (out["alarm"][:, 0] == (y[:, 79] > out["upper"][:, 0])).all()


def test_groups_must_match_the_series():
    with pytest.raises(ValueError, match="groups"):
        pooled_nb(np.ones((3, 20)), [19], [0, 0])


def test_detect_week_pools_by_category_and_level_and_matches_the_matrix():
    rng = np.random.default_rng(2)
    y = rng.poisson(1.5, size=(8, 40)).astype(float)
    y[0, 39] = 11
    codes = [f"1101{i:02d}" for i in range(8)]  # one level: one pool per category
    rows = [(W0 + timedelta(weeks=int(t)), codes[s], "debt", int(y[s, t])) for s, t in zip(*np.nonzero(y))]
    rows += [(W0 + timedelta(weeks=39), "110100001", "debt", 30)]  # a town of another level
    frame = pl.DataFrame(rows, schema={"week": pl.Date, "area_code": pl.String,
                                       "category": pl.String, "n": pl.Int64}, orient="row")
    out = detect_week(frame, W0 + timedelta(weeks=39), methods=("pooled_nb",))
    found = detect_matrix(y, [39], ("pooled_nb",), groups=np.zeros(8))["pooled_nb"]
    assert set(out["area_code"]) - {"110100001"} == {codes[s] for s in np.flatnonzero(found["alarm"][:, 0])}
    assert codes[0] in set(out["area_code"])
    mine = out.filter(pl.col("area_code") == codes[0])
    assert mine["expected"][0] == pytest.approx(found["expected"][0, 0])
    # An explicit map pooling the town with them: its 30 reports swell the others' total, which
    # now explains the 11 (why levels are kept apart by default).
    pools = {c: "all" for c in [*codes, "110100001"]}
    both = detect_week(frame, W0 + timedelta(weeks=39), methods=("pooled_nb",), pools=pools)
    assert codes[0] not in set(both["area_code"])


def test_twelve_digit_codes_are_pooled_by_their_level_read_from_the_trailing_zeros():
    assert [area_level(c) for c in ("360000000000", "369900000000", "369901000000", "369901001000",
                                    "369901001002")] == [f"level {n}" for n in range(1, 6)]
    assert area_level("110101") == area_level("110102") == "length 6"


def test_a_rise_in_every_village_of_one_town_alarms_the_town_with_12_digit_codes():
    # A county, two towns of four villages each; every report is counted in its village, its town
    # and the county (as warehouse.refresh_weekly_counts counts it). All codes have 12 digits, so
    # pooling by code length would put the county, its towns and villages in one pool, where the
    # county's and the town's own counts (which hold the rise) swell every expectation.
    rng = np.random.default_rng(0)
    county, towns = "369901000000", ["369901001000", "369901002000"]
    villages = [t[:9] + f"{i:03d}" for t in towns for i in range(1, 5)]
    y = rng.poisson(0.6, size=(8, 60)).astype(int)
    y[:4, 57:] += 2                                  # the four villages of the first town, three weeks
    rows = [(W0 + timedelta(weeks=int(t)), area, "debt", int(y[s, t]))
            for s, t in zip(*np.nonzero(y)) for area in (villages[s], villages[s][:9] + "000", county)]
    frame = pl.DataFrame(rows, schema={"week": pl.Date, "area_code": pl.String, "category": pl.String,
                                       "n": pl.Int64}, orient="row").group_by("week", "area_code", "category").sum()
    week = W0 + timedelta(weeks=59)
    out = detect_week(frame, week, methods=("pooled_cusum",))
    assert towns[0] in set(out["area_code"]) and towns[1] not in set(out["area_code"])
    levels = {county: "level 3", **{t: "level 4" for t in towns}, **{v: "level 5" for v in villages}}
    assert detect_week(frame, week, methods=("pooled_cusum",), pools=levels).equals(out)
    mixed = detect_week(frame, week, methods=("pooled_cusum",), pools={a: "one" for a in levels})
    assert towns[0] not in set(mixed["area_code"])   # what the code-length pools did


def test_the_pool_forecast_is_past_years_same_weeks_at_this_years_level():
    weeks = 52 * 3 + 10
    season = 10 + 5 * np.sin(2 * np.pi * np.arange(weeks) / 52)
    total = season * np.where(np.arange(weeks) >= 52 * 2, 2.0, 1.0)  # the third year runs at twice the level
    params = PooledNB(season_half=0)
    forecast = pool_forecast(total, params)
    assert np.isnan(forecast[: 52 * 2 + params.guard + params.level_weeks]).all()  # two years first
    t = np.arange(52 * 2 + 30, 52 * 3)   # last year's same weeks are still of the old level
    assert forecast[t] == pytest.approx(2 * season[t], rel=1e-9)


def test_with_two_years_the_expectation_averages_the_forecast_and_the_current_week():
    y = np.ones((4, 52 * 2 + 20))
    y[1:, -1] = 5.0          # the others jump in the last week; past years had no such jump
    mu = pooled_expectation(y, np.zeros(4))
    # the share is 1/4: from the others' current total alone μ = 1/3 · 15 = 5, from the forecast
    # of the pool's total (4 a week) μ = 1/4 · 4 = 1; the two averaged
    assert mu[0, -1] == pytest.approx((5 + 1) / 2, rel=0.02)
    early = pooled_expectation(y[:, :60].copy(), np.zeros(4))
    assert np.isfinite(early[:, 20:]).all()    # the first two years keep the current-week estimate


def test_the_pooled_cusum_finds_small_persistent_rises_that_one_week_tests_miss():
    # 40 sparse series (0.4 a week); in each of 30 seeds one of them doubles for 12 weeks: about
    # 5 extra reports, rarely 3 in one week. (bench/detection.py compares the methods at equal
    # false-positive rates; this is the behaviour behind it.)
    caught = {"pooled_cusum": 0, "pooled_nb": 0, "ears_c3": 0}
    false = dict.fromkeys(caught, 0)
    for seed in range(30):
        rng = np.random.default_rng(seed)
        mean = np.full((40, 80), 0.4)
        mean[0, 60:72] *= 2
        y = rng.poisson(mean).astype(float)
        found = detect_matrix(y, np.arange(60, 72), tuple(caught), min_count=3, groups=np.zeros(40))
        for method, result in found.items():
            caught[method] += bool(result["alarm"][0].any())
            false[method] += int(result["alarm"][1:].sum())
    assert caught["pooled_cusum"] >= 24                          # at least four in five
    assert max(caught["pooled_nb"], caught["ears_c3"]) <= 15     # the one-week tests: half at most
    assert false["pooled_cusum"] / (39 * 12 * 30) < 0.05         # not by alarming everywhere


def test_a_pooled_cusum_signal_reports_its_run():
    rng = np.random.default_rng(3)
    y = rng.poisson(0.3, size=(12, 40)).astype(float)
    y[0, 30:] = 0
    y[0, 36:40] = [1, 2, 1, 2]                      # a quiet series that keeps writing in
    frame = pl.DataFrame([(W0 + timedelta(weeks=int(t)), f"A{s:02d}", "debt", int(y[s, t]))
                          for s, t in zip(*np.nonzero(y))],
                         schema={"week": pl.Date, "area_code": pl.String, "category": pl.String, "n": pl.Int64},
                         orient="row")
    found = [detect_week(frame, W0 + timedelta(weeks=w), methods=("pooled_cusum",), pools={})
             .filter(pl.col("area_code") == "A00") for w in range(36, 40)]
    alarmed = [f.row(0, named=True) for f in found if f.height]
    assert alarmed and all(a["observed"] >= 3 for a in alarmed)
    first = alarmed[0]
    # six silent weeks before: the run starts in week 36 and holds every report since
    assert first["weeks"] == (first["week"] - (W0 + timedelta(weeks=36))).days // 7 + 1 >= 2
    assert first["observed"] == y[0, 36: 36 + first["weeks"]].sum()
    assert first["expected"] > 0 and first["upper"] <= first["observed"]
    assert PooledCusum().threshold < first["score"]


def test_a_first_burst_in_a_pool_nobody_reported_to_alarms_a_pool_wide_start_does_not():
    y = np.zeros((5, 60))
    y[0, 59] = 6                           # a category nobody in the pool reported for a year
    found = detect_matrix(y, [59], ("pooled_cusum", "pooled_nb"), groups=np.zeros(5))
    for method, result in found.items():
        assert result["alarm"][:, 0].tolist() == [True, False, False, False, False], method
    assert found["pooled_nb"]["score"][0, 0] == 10.0   # nothing expected: the score is capped
    y[1:, 59] = 6                          # the whole pool starts at once (a new source, say)
    found = detect_matrix(y, [59], ("pooled_cusum", "pooled_nb"), groups=np.zeros(5))
    assert not any(result["alarm"].any() for result in found.values())
