"""The pooled NB test (models.pooled): each series against its share of its pool's current total."""
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest
from scipy.stats import nbinom

from models.detectors import detect_matrix, detect_week
from models.pooled import PooledNB, pooled_dispersion, pooled_expectation, pooled_nb

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
