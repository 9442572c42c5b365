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
    out = detect_week(counts(rows), week(9))
    expected = ears_c2(np.array(dense))
    assert out.height == 1
    row = out.row(0, named=True)
    assert (row["observed"], row["detector"]) == (8, "ears_c2")
    assert row["expected"] == pytest.approx(expected["expected"][-1])
    assert row["upper"] == pytest.approx(expected["upper"][-1])
    assert row["score"] == pytest.approx(expected["statistic"][-1])


def test_a_first_ever_burst_alarms_against_the_zero_history_with_a_capped_score():
    rows = [(week(0), "A", "debt", 1), (week(9), "B", "finance", 6)]
    out = detect_week(counts(rows), week(9))
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
