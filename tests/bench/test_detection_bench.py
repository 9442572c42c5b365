"""Smoke tests of bench/detection.py on its tiny configuration (the full benchmark takes seconds more)."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "detection.py"


@pytest.fixture(scope="module")
def detection():
    spec = importlib.util.spec_from_file_location("bench_detection", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_tiny_run_prints_every_method_and_column_for_both_seed_groups(detection, capsys):
    assert detection.main(["--tiny", "--seeds", "3,4"]) == 0
    out = capsys.readouterr().out
    head = next(line for line in out.splitlines() if line.startswith("history"))
    for column in ("history", "method", "pod", "pod_wk1", "fpr", "ppv", "delay", "half", *detection.SHAPES):
        assert column in head.split()
    for method in (*detection.METHODS, "combined", "oracle", "oracle_cusum", "ceiling"):
        assert f" {method} " in out
    tuning = ",".join(map(str, detection.TUNING_SEEDS))
    assert "evaluation seeds 3,4 " in out and f"tuning seeds {tuning} " in out
    assert out.count("target vs ears_c3") == 4  # two regimes, two seed groups
    assert "seed   3: <2y" in out and "seed   4: <2y" in out  # the gain seed by seed


def test_bad_seeds_are_a_usage_error(detection, capsys):
    with pytest.raises(SystemExit) as exit_:
        detection.main(["--tiny", "--seeds", "1,x"])
    assert exit_.value.code == 2 and "--seeds" in capsys.readouterr().err


def test_tiny_tuning_lists_candidates_within_the_fpr_budget(detection, capsys):
    assert detection.main(["--tiny", "--tune"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("tuning seeds " + ",".join(map(str, detection.TUNING_SEEDS)))
    assert all(line.startswith("mean pod") for line in lines[1:]) and len(lines) > 1


def test_score_counts_outbreaks_first_week_hits_false_alarms_and_delay(detection):
    # Two series, 6 weeks: outbreak 0 in series 0 weeks 1-3, outbreak 1 in series 1 weeks 2-3.
    outbreak = np.full((2, 6), -1)
    outbreak[0, 1:4], outbreak[1, 2:4] = 0, 1
    sim = detection.Simulation(counts=np.zeros((2, 6)), mean=np.ones((2, 6)), outbreak=outbreak,
                               shapes=["burst", "shift"], starts=np.array([1, 2]))
    alarm = np.zeros((2, 6), dtype=bool)
    alarm[0, 2] = True   # outbreak 0 found one week late
    alarm[1, 5] = True   # after outbreak 1: a false alarm
    alarm[0, 0] = True   # another false alarm
    row = detection.score(alarm, sim, slice(0, None))
    assert row["pod"] == 0.5 and row["pod_wk1"] == 0.0 and row["delay"] == 1.0
    assert row["half"] == np.inf  # delays 1 and never: the median of the two is never
    assert row["fpr"] == pytest.approx(2 / 7) and row["ppv"] == pytest.approx(1 / 3)
    assert row["burst"] == 1.0 and row["shift"] == 0.0


def test_summary_adds_simulations_up_before_taking_ratios(detection):
    # One simulation finds 1 of 1 outbreak with no false alarm, the other 0 of 3 with 2 of 10
    # series-weeks: pooled, 1 of 4 (not the mean of 1.0 and 0.0) and 2 false of 10 + 8.
    found = {"planted": 1, "delays": [2], "false": 0, "negatives": 8, "true": 1, "alarms": 1}
    missed = {"planted": 3, "delays": [], "false": 2, "negatives": 10, "true": 0, "alarms": 2}
    shapes = {f"{s}_{k}": 0 for s in detection.SHAPES for k in ("planted", "found")}
    row = detection.summary([{**found, **shapes}, {**missed, **shapes}])
    assert row["pod"] == 0.25 and row["fpr"] == pytest.approx(2 / 18)
    assert row["ppv"] == pytest.approx(1 / 3) and row["delay"] == 2.0
    assert row["half"] == np.inf  # one found (in week 2) of four: half are never found
    two_of_three = {**found, "planted": 3, "delays": [0, 2]}
    assert detection.summary([{**two_of_three, **shapes}])["half"] == 2.0  # weeks 0, 2, never
