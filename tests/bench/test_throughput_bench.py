"""Smoke test of bench/throughput.py at a tiny size (the real runs take an hour and more); timings
never asserted, only that every row is there and the numbers add up."""
from __future__ import annotations

import contextlib
import csv
import importlib
import io
import json
import math
from datetime import datetime

import pytest

# Imported by its package name, as the benchmark's own child processes are not: they run its file.
throughput = importlib.import_module("bench.throughput")

PIPELINE_STEPS = {"ingest", "scoring", "detection", "weekly: the rest", "weekly process", "end to end"}
N = 1500
TARGET_STEPS = {"end to end / jieba alone", "end to end / rjieba alone", "straightforward script / end to end",
                "week 105 / week 10", "week 105 / week 10, work only", "peak memory of the pipeline"}


@pytest.fixture(scope="module")
def tiny(prefect_harness, tmp_path_factory):
    """The --json output of one run on 1,500 reports in one process each (no workers to spawn), the
    model trained on 800. Its processes report to the test session's Prefect server instead of each
    starting one (which costs seconds)."""
    from prefect.settings import PREFECT_API_URL

    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out):
        mp.setenv("PREFECT_API_URL", PREFECT_API_URL.value())
        assert throughput.main(["--reports", str(N), "--workers", "1", "--model-reports", "800", "--profile-reports",
                                "300", "--home", str(tmp_path_factory.mktemp("throughput")), "--json"]) == 0
    return json.loads(out.getvalue())


def by_step(rows, block):
    return {r["step"]: r for r in rows if r["block"] == block}


@pytest.mark.slow
def test_tiny_run_has_every_stage_timed_with_its_memory(tiny):
    rows = tiny["rows"]
    pipeline = by_step(rows, "pipeline")
    assert PIPELINE_STEPS <= set(pipeline)
    assert set(by_step(rows, "targets")) == TARGET_STEPS
    stages = [pipeline[s] for s in ("ingest", "scoring", "detection", "weekly process", "end to end")]
    stages += [r for r in rows if r.get("kind") in ("floor", "naive", "week 10", "week 105")]
    for r in stages:
        assert r["reports"] > 0 and r["seconds"] > 0 and r["reports_per_s"] > 0, r["step"]
    for r in stages[:2] + stages[3:]:  # detection can be too short to be sampled on so few reports
        assert r["peak_mb"] > 50, r["step"]
    assert all(r["seconds"] >= 0 for r in rows if r["block"] in ("pipeline", "week")), "a part longer than its whole"


@pytest.mark.slow
def test_tiny_run_numbers_add_up(tiny):
    rows = tiny["rows"]
    p = by_step(rows, "pipeline")
    n = p["ingest"]["reports"]
    assert n == N and p["end to end"]["reports"] == n
    assert math.isclose(p["end to end"]["seconds"], p["ingest"]["seconds"] + p["weekly process"]["seconds"])
    assert math.isclose(p["scoring"]["seconds"] + p["detection"]["seconds"] + p["weekly: the rest"]["seconds"],
                        p["weekly process"]["seconds"])
    assert p["end to end"]["peak_mb"] == max(p["ingest"]["peak_mb"], p["weekly process"]["peak_mb"])
    weeks = [r for r in rows if r.get("kind") in ("week 10", "week 105")]
    assert [r["reports"] for r in weeks] == [round(N / 104)] * 2  # every new report loaded
    naive = next(r for r in rows if r.get("kind") == "naive")
    assert naive["reports"] == n and "measured" in naive["note"]  # so few reports: run on all of them
    t = by_step(rows, "targets")
    floor = next(r for r in rows if r.get("kind") == "floor")
    assert math.isclose(t["end to end / jieba alone"]["ratio"], p["end to end"]["seconds"] / floor["seconds"])
    assert math.isclose(t["straightforward script / end to end"]["ratio"], naive["seconds"] / p["end to end"]["seconds"])
    rust = next(r for r in rows if r.get("kind") == "floor rjieba")
    assert rust["reports"] == n and math.isclose(t["end to end / rjieba alone"]["ratio"],
                                                 p["end to end"]["seconds"] / rust["seconds"])
    assert t["end to end / rjieba alone"]["met"] is None  # shown, not a target
    assert all(isinstance(r["met"], bool) for step, r in t.items() if step != "end to end / rjieba alone")


@pytest.mark.slow
def test_table_prints_one_line_per_row_and_the_facts(tiny):
    lines = throughput.render(tiny["rows"], tiny["setup"], 1.0).splitlines()
    for r in tiny["rows"]:
        assert any(r["step"] in line for line in lines), r["step"]
    assert lines[-1] == "total 1.0 s" and "load average" in lines[-2]


def test_the_short_history_is_the_generators_own_first_weeks(tmp_path):
    from pipelines.sample.generator import generate

    generate(tmp_path / "full", reports=3000, seed=5)
    made = throughput.history_sample(tmp_path / "short", 3000, 5, 9)
    for name in ("hotline.csv", "grid.jsonl"):
        short, full = ((tmp_path / d / name).read_bytes() for d in ("short", "full"))
        assert full.startswith(short) and len(short) < len(full)
    times = [row[1] for row in csv.reader(io.StringIO((tmp_path / "short" / "hotline.csv").read_text("gb18030")))][1:]
    assert max(times) < str(throughput.week_start(9)) and made > 0


def test_a_new_week_holds_only_that_week_and_fresh_petition_numbers(tmp_path):
    from openpyxl import load_workbook

    assert throughput.new_week_sample(tmp_path, 104, 300, seed=5) == 300
    start, end = (datetime.combine(throughput.week_start(i), datetime.min.time()) for i in (104, 105))
    grid = [json.loads(line) for line in (tmp_path / "grid.jsonl").read_text("utf-8").splitlines()]
    assert grid and all(start <= datetime.fromisoformat(g["reported_at"]) < end for g in grid)
    ids = [r[0] for r in load_workbook(tmp_path / "petitions.xlsx", read_only=True).worksheets[0].iter_rows(
        min_row=2, values_only=True)]
    assert ids and all(int(i.split("-")[1]) > 900_000 for i in ids)  # the history numbers petitions from 1


def test_a_stage_splits_into_its_probed_steps_and_the_rest():
    spans = {"scoring": [(0, 6)], "detection": [(6, 9)], "store_scores": [(1, 2), (3, 4)], "snapshot": [(9, 9.5)]}
    weekly = {"seconds": 12.0, "peak_mb": 100.0, "spans": spans, "samples": [(1, 80.0), (7, 90.0)]}
    rows = {r["step"]: r for r in throughput.weekly_rows("pipeline", 10, weekly, "2 weeks")}
    assert rows["  store scores (DuckDB)"]["seconds"] == 2
    assert rows["  the rest: segmentation and scoring, Python between"]["seconds"] == 4
    assert rows["weekly: the rest"]["seconds"] == 3 and rows["  process start, imports, Prefect"]["seconds"] == 2.5
    assert (rows["scoring"]["peak_mb"], rows["detection"]["peak_mb"]) == (80, 90)  # the samples taken meanwhile


def test_options_default_to_the_issue_sizes():
    args = throughput.parse_args([])
    assert (args.reports, args.workers, args.naive_sample, args.model_reports, args.json) == (100_000, 2, None, 0, False)
