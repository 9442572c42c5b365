"""Smoke test of bench/board.py on a tiny warehouse (the benchmark itself builds a million reports
and takes many minutes): every measurement is taken and printed; timings are never asserted."""
from __future__ import annotations

import importlib
import json

import pytest

board = importlib.import_module("bench.board")

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

MEASUREMENTS = [
    ("leader", "风险热点", "first render (sign-in)"), ("leader", "风险热点", "filter 风险类别"),
    ("leader", "风险热点", "filter 乡镇（街道）"), ("leader", "风险热点", "filter 趋势周数 近13周"),
    ("leader", "风险热点", "filter 趋势周数 近52周"), ("leader", "风险热点", "toggle 大屏模式"),
    ("analyst", "研判工作台", "first render (sign-in)"), ("analyst", "研判工作台", "filter 周次"),
    ("analyst", "研判工作台", "open an alert"), ("analyst", "研判工作台", "filter 风险类别"),
    ("analyst", "研判工作台", "filter 状态"), ("analyst", "研判工作台", "filter 区域"),
    ("analyst", "研判工作台", "filter 渠道"), ("analyst", "风险热点", "first render (menu)"),
    ("data_staff", "数据与模型", "first render (sign-in)"), ("data_staff", "数据与模型", "filter 查看隔离行"),
    ("data_staff", "数据与模型", "search 标签修正 (keyword)"),
    ("admin", "用户与审计", "first render (menu)"), ("admin", "数据与模型", "first render (menu)"),
]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """One pass over a warehouse of 5,000 reports copied from 1,000 the real flows scored."""
    if not board.CHROMIUM.exists():
        pytest.skip("the board benchmark needs Debian's chromium at /usr/bin/chromium "
                    "(apt-get install chromium fonts-wqy-microhei; .ci/run does it)")
    home = tmp_path_factory.mktemp("board-bench") / "home"
    args = board.parse_args(["--reports", "5000", "--pool", "1000", "--repeat", "1", "--warmup", "0",
                             "--home", str(home)])
    return board.run(args)


def test_every_measurement_is_taken_once_with_a_positive_time(tiny_run):
    rows = tiny_run["rows"]
    assert [(r["role"], r["page"], r["what"]) for r in rows] == MEASUREMENTS
    for r in rows:
        assert len(r["runs"]) == 1 and r["median"] > 0 and r["worst"] > 0, r
        assert r["target"] == (2.0 if r["what"].startswith("first render") else 0.5)
        assert isinstance(r["met"], bool)


def test_the_warehouse_is_the_size_asked_for_with_a_year_of_alerts(tiny_run):
    facts, steps = tiny_run["warehouse"], tiny_run["build_seconds"]
    assert facts["reports"] == 5000 and facts["report scores"] == 5000 * 5
    assert facts["weeks"] >= 100 and facts["alert weeks"] >= 40  # two years of weeks, the last of alerts
    assert facts["alerts"] > facts["open alerts"] > 0 and facts["alert reports"] > facts["alerts"]
    assert set(steps) >= {"pool (real flows)", "areas import", "reports and scores", "weekly counts", "alerts",
                          "publish snapshot"} and all(s > 0 for s in steps.values())


def test_the_table_has_a_line_per_measurement_then_the_facts(tiny_run):
    text = board.render(tiny_run["rows"], tiny_run["warehouse"], tiny_run["build_seconds"], tiny_run["info"])
    lines = text.splitlines()
    for role, page, what in MEASUREMENTS:
        assert any(role in line and page in line and what in line for line in lines), what
    assert lines[-3].startswith("warehouse: reports 5,000,") and lines[-2].startswith("built directly in ")
    json.dumps(tiny_run, ensure_ascii=False, default=str)  # what --json prints


def test_options_default_to_the_issue_sizes():
    args = board.parse_args([])
    assert (args.reports, args.pool, args.repeat, args.warmup, args.home, args.json) == (1_000_000, 20_000, 3, 1, None,
                                                                                          False)
    assert board.parse_args(["--reports", "5000"]).pool == 5000
