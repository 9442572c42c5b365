"""Our detectors number for number against R's surveillance 1.20 on the same seeded series.

The CSVs in ``reference/`` were written by ``reference/make_reference.R``; R is not needed here.
Our deliberate deviations are switched off to compare (min_count 0, surveillance's minSigma as our
sd floor, surveillance's trend test); C3's bound, where surveillance ignores the current week, is
rebuilt from the parts both compute.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy.stats import norm

from models.cusum import nb_cusum
from models.ears import ears_c3, shewhart
from models.farrington import Farrington, farrington

REF = Path(__file__).parent / "reference"
SERIES = ("steady", "sparse", "trend", "busy", "quiet")


@pytest.fixture(scope="module")
def series() -> pl.DataFrame:
    return pl.read_csv(REF / "series.csv")


def reference(name: str) -> pl.DataFrame:
    return pl.read_csv(REF / name, null_values="NA", schema_overrides={"setting": pl.String})


def counts(series: pl.DataFrame, name: str) -> np.ndarray:
    return series.filter(pl.col("series") == name)["n"].to_numpy().astype(float)


def rows(table: pl.DataFrame, name: str, method: str, setting: str) -> pl.DataFrame:
    picked = table.filter((pl.col("series") == name) & (pl.col("method") == method)
                          & (pl.col("setting") == setting))
    assert picked.height > 0
    return picked


@pytest.mark.parametrize("name", SERIES)
@pytest.mark.parametrize("method, guard", [("C1", 0), ("C2", 2)])
@pytest.mark.parametrize("min_sigma", ["0", "0.5"])
def test_ears_c1_c2_match_surveillance(series, name, method, guard, min_sigma):
    ref = rows(reference("ears.csv"), name, method, min_sigma)
    out = shewhart(counts(series, name), ref["week"].to_numpy(), baseline=7, guard=guard,
                   alpha=0.001, sd_floor=float(min_sigma))
    np.testing.assert_allclose(out["upper"][0], ref["upper"].to_numpy(), rtol=1e-12, atol=1e-12)
    assert out["alarm"][0].tolist() == ref["alarm"].to_list()


@pytest.mark.parametrize("name", SERIES)
@pytest.mark.parametrize("min_sigma", ["0", "0.5"])
def test_ears_c3_shares_baseline_and_lagged_excess_with_surveillance(series, name, min_sigma):
    ref = rows(reference("ears.csv"), name, "C3", min_sigma).drop_nulls("upper")
    y = counts(series, name)
    week = ref["week"].to_numpy()
    out = ears_c3(y, week, alpha=0.025, sd_floor=float(min_sigma))
    # surveillance's bound: y_t + sd_t·(z - lagged), floored at 0 (it leaves out today's C2).
    theirs = np.maximum(0, y[week] + out["sd"][0] * (norm.ppf(0.975) - out["lagged"][0]))
    np.testing.assert_allclose(theirs, ref["upper"].to_numpy(), rtol=1e-12, atol=1e-12)
    assert (y[week] > theirs).tolist() == ref["alarm"].to_list()
    # Whenever surveillance alarms, so do we; we also alarm on a strong current week.
    assert not (ref["alarm"].to_numpy() & ~out["alarm"][0]).any()


def test_ears_c3_alarms_on_the_first_week_of_a_burst_unlike_surveillance():
    y = np.array([2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 20.0])
    out = ears_c3(y, [11])
    z = norm.ppf(0.975)
    assert out["lagged"][0, 0] < z   # nothing unusual before this week …
    assert out["alarm"][0, 0]        # … but 20 against ~2.5 is an alarm
    # surveillance's bound y_t + sd·(z - lagged) exceeds y_t whenever lagged < z: no alarm.
    assert y[11] + out["sd"][0, 0] * (z - out["lagged"][0, 0]) > y[11]


@pytest.mark.parametrize("name", SERIES)
@pytest.mark.parametrize("b", [2, 3])
def test_farrington_noufaily_matches_surveillance(series, name, b):
    ref = rows(reference("farrington.csv"), name, "farringtonFlexible", str(b))
    params = Farrington(alpha=0.05, b=b, min_years=b, trend_dispersion="surveillance")
    out = {k: v[0] for k, v in farrington(counts(series, name), ref["week"].to_numpy(), params).items()}
    fitted = ref["expected"].is_not_null().to_numpy()  # surveillance: NA where limit54 fails
    assert fitted.sum() >= 5
    np.testing.assert_allclose(out["expected"][fitted], ref["expected"].to_numpy()[fitted], rtol=1e-8)
    np.testing.assert_allclose(out["phi"][fitted], ref["phi"].to_numpy()[fitted], rtol=1e-8)
    assert out["upper"][fitted].tolist() == ref["upper"].to_numpy()[fitted].tolist()
    assert out["trend"][fitted].tolist() == ref["trend"].to_numpy()[fitted].tolist()
    assert out["alarm"].tolist() == ref["alarm"].to_list()


def test_farrington_reference_exercises_trends_and_alarms():
    ref = reference("farrington.csv")
    assert ref.filter(pl.col("trend") == 1).height >= 20
    assert ref["alarm"].sum() >= 3


@pytest.mark.parametrize("name", SERIES)
def test_farrington_default_trend_test_differs_from_surveillance_only_in_trend_choices(series, name):
    ref = rows(reference("farrington.csv"), name, "farringtonFlexible", "3").drop_nulls("expected")
    out = farrington(counts(series, name), ref["week"].to_numpy(), Farrington(alpha=0.05, b=3))
    same = out["trend"][0] == ref["trend"].to_numpy()
    np.testing.assert_allclose(out["expected"][0][same], ref["expected"].to_numpy()[same], rtol=1e-8)


@pytest.mark.parametrize("name", SERIES)
@pytest.mark.parametrize("ret, key", [("cases", "upper"), ("value", "statistic")])
def test_nb_cusum_matches_glrnb(series, name, ret, key):
    ref = rows(reference("glrnb.csv"), name, "glrnb", ret)
    one = series.filter(pl.col("series") == name)
    week = ref["week"].to_numpy()
    mu0 = np.where(np.arange(one.height) >= week[0], one["mu0"].to_numpy(), np.nan)
    out = nb_cusum(one["n"].to_numpy(), mu0, kappa=np.log(2), dispersion=0.3, threshold=4)
    np.testing.assert_allclose(out[key][0, week], ref["upper"].to_numpy(), rtol=1e-10)
    assert out["alarm"][0, week].tolist() == ref["alarm"].to_list()
    # the pooled chart's path (a dispersion per week, a run minimum of 0) is the same chart
    per_week = nb_cusum(one["n"].to_numpy(), mu0, kappa=np.log(2), dispersion=np.full(one.height, 0.3),
                        threshold=4, min_count=0)
    np.testing.assert_allclose(per_week[key][0, week], ref["upper"].to_numpy(), rtol=1e-10)
    assert per_week["alarm"][0, week].tolist() == ref["alarm"].to_list()


def test_glrnb_reference_restarts_after_alarms():
    assert reference("glrnb.csv").filter(pl.col("setting") == "value")["alarm"].sum() >= 5
