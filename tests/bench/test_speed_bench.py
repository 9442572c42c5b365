"""Smoke test of bench/speed.py on tiny sizes (the full benchmark takes minutes); timings never asserted."""
from __future__ import annotations

import importlib
import json

import pytest

# Imported by its package name, not from its file: the benchmark's segmentation workers are spawned
# and look its functions up by module name.
speed = importlib.import_module("bench.speed")

SEGMENT_STEPS = {speed.PLAIN, "our tokenizer (RiskTokenizer.tokenize_many)"}
SCORE_STEPS = {"full scoring, cold token cache", "full scoring, warm token cache", "  predict_proba alone",
               "  explain (top terms) alone", "  score_frame alone"}
RATIO_STEPS = {"full scoring (cold) / jieba alone", "full scoring (warm) / jieba alone"}


@pytest.fixture(scope="module")
def tiny_run(prefect_harness, tmp_path_factory):  # the session's Prefect server (60 s to start), not one of its own (20 s)
    """The rows of one tiny run: 300 reports scored, a retrain on 2,000 labelled reports (done twice)."""
    return speed.run(speed.parse_args(["--reports", "300", "--train", "2000"]), tmp_path_factory.mktemp("speed"))


@pytest.mark.slow
def test_tiny_run_has_every_row_with_positive_times(tiny_run):
    rows, _ = tiny_run
    steps = {r["step"] for r in rows}
    assert {"retrain on 2,000 labelled reports", "retrain again on 2,000 labelled reports"} <= steps
    assert SEGMENT_STEPS | SCORE_STEPS | RATIO_STEPS <= steps
    for label in SEGMENT_STEPS:  # one row per process count
        assert sorted(r["procs"] for r in rows if r["step"] == label) == [1, 1]  # 300 texts: one process
    assert all(r["seconds"] > 0 for r in rows if r["block"] != "ratio")
    assert all(r["reports_per_s"] > 0 for r in rows if r["block"] in ("segment", "score") and r["reports"])
    assert all(r["mb_per_s"] > 0 for r in rows if r["block"] == "segment")
    assert all(r["ratio"] > 0 for r in rows if r["block"] == "ratio")
    targets = [r for r in rows if r.get("target")]
    assert len(targets) == 2 and all(isinstance(r["met"], bool) for r in targets)


@pytest.mark.slow
def test_table_prints_one_line_per_row_and_the_facts(tiny_run):
    rows, info = tiny_run
    lines = speed.render(rows, info, 1.0).splitlines()
    for r in rows:
        assert any(r["step"] in line for line in lines), r["step"]
    assert "texts: 300 reports" in lines[-3] and lines[-1] == "total 1.0 s"
    json.dumps(rows, default=str)  # what --json prints


def test_options_default_to_the_issue_sizes():
    args = speed.parse_args([])
    assert (args.reports, args.train, args.workers, args.skip_retrain, args.json) == (20_000, 100_000, 2, False, False)
