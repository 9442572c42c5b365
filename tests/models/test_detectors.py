from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from models.detectors import detect_week, ears_c2

W0 = date(2024, 1, 1)  # a Monday


def week(i: int) -> date:
    return W0 + timedelta(weeks=i)


def counts(rows):
    return pl.DataFrame(rows, schema={"week": pl.Date, "area_code": pl.String,
                                      "category": pl.String, "n": pl.Int64}, orient="row")


def test_c2_on_a_hand_computed_series():
    y = np.array([2, 4, 2, 4, 2, 4, 2, 9, 9, 10])
    # t=9: baseline = weeks t-9..t-3 = [2,4,2,4,2,4,2] (the 9s at t-2, t-1 are the guard band)
    # mean = 20/7 = 2.857143; squared deviations 4*(6/7)^2 + 3*(8/7)^2 = 336/49 = 6.857143
    # sd = sqrt(6.857143/6) = 1.069045; C2 = (10 - 2.857143)/1.069045 = 6.6815
    # upper = 2.857143 + qnorm(0.999)=3.090232 * 1.069045 = 6.160743 -> alarm
    out = ears_c2(y)
    assert out["expected"][9] == pytest.approx(2.857143, abs=1e-6)
    assert out["statistic"][9] == pytest.approx(6.6815, abs=1e-4)
    assert out["upper"][9] == pytest.approx(6.160743, abs=1e-5)
    assert out["alarm"].tolist() == [False] * 9 + [True]
    assert np.isnan(out["expected"][:9]).all()  # no baseline yet


@pytest.mark.parametrize("y_t, min_count, sd_floor, alarm", [
    (2, 3, 0.5, False),  # upper = 0 + 3.09*0.5 = 1.55 < 2, but fewer than min_count reports
    (3, 3, 0.5, True),
    (1, 1, 0.5, False),  # one report on a zero baseline: the sd floor holds it below 1.55
    (1, 1, 0.0, True),   # surveillance's own behaviour (minSigma=0): sd 0, upper 0, alarm
])
def test_min_count_and_sd_floor_on_an_all_zero_baseline(y_t, min_count, sd_floor, alarm):
    y = np.array([0] * 9 + [y_t])
    assert ears_c2(y, min_count=min_count, sd_floor=sd_floor)["alarm"][-1] == alarm


def test_detect_week_zero_fills_missing_weeks_like_the_dense_series():
    dense = [2, 0, 1, 0, 3, 0, 1, 0, 0, 8]
    rows = [(week(i), "A", "debt", n) for i, n in enumerate(dense) if n]
    out = detect_week(counts(rows), week(9), methods=("ears_c2",))
    expected = ears_c2(np.array(dense))
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["observed"], row["detector"]) == (8, "ears_c2")
    assert row["expected"] == pytest.approx(expected["expected"][-1])
    assert row["upper"] == pytest.approx(expected["upper"][-1])
    assert row["score"] == pytest.approx(expected["statistic"][-1])


def test_a_first_ever_burst_alarms_against_the_zero_history_with_a_capped_score():
    rows = [(week(0), "A", "debt", 1), (week(9), "B", "finance", 6)]
    out = detect_week(counts(rows), week(9), methods=("ears_c2",))
    # B's baseline is all zeros: sd floored to 0.5, C2 = 6/0.5 = 12, capped at 10
    assert out.select("area_code", "category", "score").rows() == [("B", "finance", 10.0)]


def test_detect_week_needs_a_full_baseline_and_ignores_quiet_series():
    rows = [(week(0), "A", "debt", 5), (week(8), "A", "debt", 9), (week(9), "C", "debt", 2)]
    assert detect_week(counts(rows), week(8)).is_empty()  # only 8 weeks of history
    assert detect_week(counts(rows), week(9)).is_empty()  # A has 0 this week, C only 2 < min_count


def test_detect_week_does_not_change_its_input():
    frame = counts([(week(0), "A", "debt", 1), (week(9), "A", "debt", 5)])
    before = frame.clone()
    detect_week(frame, week(9))
    assert frame.equals(before)


def test_detect_week_rejects_a_week_that_is_not_a_monday():
    with pytest.raises(ValueError, match="Monday"):
        detect_week(counts([]), date(2024, 1, 3))


# -- every method ---------------------------------------------------------------------------------
from models.cusum import CusumNB, nb_cusum  # noqa: E402
from models.detectors import CHARTS, COMBINED, METHODS, SIGNAL_SCHEMA, detect_matrix  # noqa: E402
from models.farrington import Farrington, glm_quasipoisson, reference_design  # noqa: E402

# Weeks of history (since the start of the data) each method needs before week t.
NEEDS = {"ears_c1": 7, "ears_c2": 9, "ears_c3": 11, "cusum_nb": 17, "farrington": 107, "pooled_nb": 10,
         "pooled_cusum": 10}


def sparse_years(seed: int = 0, series: int = 40, weeks: int = 160) -> np.ndarray:
    """Seeded sparse overdispersed counts with a few bursts: what the weekly flow sees."""
    rng = np.random.default_rng(seed)
    mean = rng.gamma(1.5, 0.8, size=(series, 1)) * rng.gamma(4, 0.25, size=(series, weeks))
    y = rng.poisson(mean).astype(float)
    y[rng.integers(series, size=30), rng.integers(weeks - 60, weeks, size=30)] += 8
    return y


def frame(matrix: np.ndarray) -> pl.DataFrame:
    rows = [(week(int(t)), f"A{s:02d}", "debt", int(matrix[s, t])) for s, t in zip(*np.nonzero(matrix))]
    return counts(rows)


@pytest.mark.parametrize("method", METHODS)
def test_each_method_waits_for_the_history_it_needs(method):
    y = np.tile(np.r_[np.ones(NEEDS[method]), 9.0], (1, 1))
    y[0, ::3] = 2  # some spread, so that every method has a finite bound
    y[0, -1] = 9 if method != "farrington" else 40
    needed = NEEDS[method]
    early = detect_matrix(y[:, :needed], [needed - 1], (method,), min_count=0)[method]
    assert np.isnan(early["expected"]).all() and not early["alarm"].any()
    ready = detect_matrix(y, [needed], (method,), min_count=0, farrington_params=Farrington(limit54=(0, 4)))
    assert np.isfinite(ready[method]["expected"]).all()


@pytest.mark.parametrize("method", sorted(set(METHODS) - set(CHARTS)))
def test_no_method_alarms_below_min_count(method):
    y = np.zeros((1, 160))
    y[0, 150:] = 2.0  # a rise that every method would flag, but only two reports a week
    found = detect_matrix(y, np.arange(160), (method,), min_count=3)[method]
    assert not found["alarm"].any()
    assert detect_matrix(y, np.arange(160), (method,), min_count=2)[method]["alarm"].any()


@pytest.mark.parametrize("method", CHARTS)
def test_a_chart_counts_its_minimum_over_its_run(method):
    # cusum_nb's default threshold needs five reports at once in a quiet series: lower it here
    charts = {"cusum": CusumNB(threshold=1.0)}

    def detect(y, min_count):
        return detect_matrix(y, np.arange(160), (method,), min_count=min_count, **charts)[method]

    y = np.zeros((6, 160))
    y[1:] = 1.0      # the rest of the pool: a report a week each
    y[0, 150] = 2.0  # two reports in a quiet series: a big likelihood ratio, too few reports
    assert not detect(y, 3)["alarm"][0].any()
    assert detect(y, 2)["alarm"][0, 150]
    y[0, 151] = 2.0  # two more the next week: four in the run, an alarm at min_count 3
    run = detect(y, 3)
    assert np.flatnonzero(run["alarm"][0]).tolist() == [151]
    assert run["observed"][0, 151] == 4 and run["weeks"][0, 151] == 2
    # the run's expected reports are the baseline summed over its two weeks
    assert run["expected"][0, 151] > run["expected"][0, 150] > 0
    # the run total that would have alarmed: the two of week 150 and one more (the minimum count)
    assert run["upper"][0, 151] == 3


def test_all_zero_series_raise_nothing_and_stay_finite_where_evaluated():
    found = detect_matrix(np.zeros((3, 160)), np.arange(160), METHODS, min_count=0)
    for method, result in found.items():
        assert not result["alarm"].any(), method
        assert not np.isinf(result["expected"]).any(), method


def test_detect_week_on_no_series_this_week_is_empty_with_the_schema():
    out = detect_week(counts([(week(0), "A", "debt", 1)]), week(200))
    assert out.is_empty() and out.schema == pl.Schema(SIGNAL_SCHEMA)


@pytest.mark.parametrize("sd_floor", [0.5, 0.0])
def test_signals_are_nan_free_for_every_method(sd_floor):
    data = frame(sparse_years())
    weeks = [week(t) for t in range(110, 160, 7)]
    out = pl.concat([detect_week(data.filter(pl.col("week") <= w), w, methods=METHODS,
                                 sd_floor=sd_floor) for w in weeks])
    assert set(out["detector"]) == set(METHODS)
    for column in ("expected", "upper", "score"):
        assert out[column].is_finite().all(), column


def test_detect_week_reports_each_alarming_method_as_the_matrix_does():
    y = sparse_years(seed=1)
    data = frame(y)
    out = detect_week(data, week(159), methods=METHODS)
    keys = {f"A{s:02d}": s for s in range(len(y))}
    found = detect_matrix(y, [159], METHODS)
    expected = {(f"A{s:02d}", m) for m in METHODS for s in np.flatnonzero(found[m]["alarm"][:, 0])}
    assert set(zip(out["area_code"], out["detector"])) == expected
    for row in out.iter_rows(named=True):
        assert row["score"] == pytest.approx(found[row["detector"]]["score"][keys[row["area_code"]], 0])
    assert out["score"].to_list() == sorted(out["score"].to_list(), reverse=True)


def test_detect_week_defaults_to_the_combined_methods_and_rejects_unknown_ones():
    assert set(COMBINED) <= set(METHODS)
    out = detect_week(frame(sparse_years(seed=2)), week(159))
    assert set(out["detector"]) <= set(COMBINED)
    with pytest.raises(ValueError, match="unknown detection methods"):
        detect_week(frame(sparse_years()), week(159), methods=("ears_c9",))


def test_a_floored_farrington_score_is_capped():
    y = np.zeros((1, 160))
    y[0, -1] = 6  # nothing in three years, then six reports: μ0 ≈ 0
    found = detect_matrix(y, [159], ("farrington",), farrington_params=Farrington(limit54=(0, 4)))
    assert found["farrington"]["alarm"][0, 0]
    assert found["farrington"]["score"][0, 0] == 10.0


# -- the NB CUSUM ---------------------------------------------------------------------------------
def test_cusum_baseline_is_the_guarded_moving_mean_with_a_floor():
    y = np.arange(10, dtype=float)
    mu0 = CusumNB(guard=2, window=3, mu_floor=1.5).baseline(y)[0]
    assert np.isnan(mu0[:5]).all()
    assert mu0[5] == 1.5  # mean of weeks 0-2 is 1, floored
    assert mu0[9] == pytest.approx((4 + 5 + 6) / 3)


def test_cusum_accumulates_small_excesses_and_restarts_after_an_alarm():
    y = np.array([[2.0, 2, 2, 2, 2, 2, 2, 2]])
    mu0 = np.ones_like(y)
    kappa, alpha = np.log(2), 0.3
    z = kappa * 2 + (2 + 1 / alpha) * np.log((1 + alpha) / (1 + alpha * 2))  # each week's evidence
    out = nb_cusum(y, mu0, kappa=kappa, dispersion=alpha, threshold=3 * z - 1e-9)
    np.testing.assert_allclose(out["statistic"][0, :3], [z, 2 * z, 3 * z])
    assert out["alarm"][0].tolist() == [False, False, True, False, False, True, False, False]
    assert out["statistic"][0, 3] == pytest.approx(z)  # restarted from 0


# -- Farrington pieces ----------------------------------------------------------------------------
def test_reference_design_has_ten_levels_and_leaves_out_the_last_half_year():
    offsets, levels = reference_design(b=2, w=3, no_periods=10, past_weeks_not_included=26)
    assert offsets.min() == -107 and offsets.max() == -27
    assert (levels == 10).sum() == 14  # two reference windows of 2w+1 weeks
    between = np.bincount(levels[offsets < -52])[1:10]
    assert between.tolist() == [5] * 9  # 45 weeks between windows in 9 blocks


def test_quasipoisson_glm_with_one_level_fits_the_mean():
    y = np.array([[1.0, 3, 2, 6, 0, 4]])
    fit = glm_quasipoisson(np.ones((6, 1)), y, np.ones_like(y))
    assert fit["converged"][0]
    assert np.exp(fit["beta"][0, 0]) == pytest.approx(y.mean())
    assert fit["dispersion"][0] == pytest.approx(((y - 8 / 3) ** 2 / (8 / 3)).sum() / 5)
