"""The flows on the committed sample: nothing lost, nothing twice, no PII, planted hotspots caught."""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from contextlib import contextmanager

import duckdb
import polars as pl
import pytest

from pipelines import settings
from pipelines.cli import main
from tests.conftest import ROOT, SAMPLE

FILES = [SAMPLE / "hotline.csv", SAMPLE / "petitions.xlsx", SAMPLE / "grid.jsonl"]
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
IDCARD = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")

pytestmark = pytest.mark.skipif(not (SAMPLE / "hotline.csv").exists(), reason="no sample data: run `shaobing sample`")


@contextmanager
def home_env(path):
    old = os.environ["SHAOBING_HOME"]
    os.environ["SHAOBING_HOME"] = str(path)
    try:
        yield
    finally:
        os.environ["SHAOBING_HOME"] = old


def table_counts(path) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.sql("select table_name from information_schema.tables").fetchall()]
        return {n: con.sql(f'select count(*) from "{n}"').fetchone()[0] for n in names}
    finally:
        con.close()


@pytest.fixture(scope="module")
def demo(prefect_harness, tmp_path_factory):
    """The demo's steps, once, in a private home: areas, ingest twice, retrain, weekly."""
    home = tmp_path_factory.mktemp("demo")
    with home_env(home):
        assert main(["areas", "import", str(SAMPLE / "areas.csv")]) == 0
        assert main(["ingest", *map(str, FILES)]) == 0
        first = table_counts(home / "warehouse.duckdb")
        assert main(["ingest", *map(str, FILES)]) == 0
        second = table_counts(home / "warehouse.duckdb")
        assert main(["retrain"]) == 0
        assert main(["weekly"]) == 0
    yield {"home": home, "first": first, "second": second}


def sql(demo, query, params=None):
    con = duckdb.connect(str(demo["home"] / "warehouse.duckdb"), read_only=True)
    try:
        return con.sql(query, params=params).pl()
    finally:
        con.close()


def test_every_row_is_loaded_or_quarantined(demo):
    b = sql(demo, "select sum(rows_in) i, sum(rows_loaded) l, sum(rows_quarantined) q from batches").row(0)
    n = sql(demo, "select (select count(*) from reports) r, (select count(*) from quarantine) q").row(0)
    assert b[0] == b[1] + b[2] and (b[1], b[2]) == n
    assert b[1] > 20_000


def test_loading_the_same_files_again_changes_nothing(demo):
    assert demo["first"] == demo["second"]


def test_no_raw_phone_or_id_number_is_stored(demo):
    texts = sql(demo, "select coalesce(title,'') || ' ' || text || ' ' || coalesce(address,'') t from reports")["t"]
    assert not [t for t in texts.to_list() if PHONE.search(t) or IDCARD.search(t)]


def test_repeat_callers_share_a_reporter_key(demo):
    repeats = sql(demo, "select reporter_key, count(*) n from reports where reporter_key is not null group by 1 having n > 1")
    assert repeats.height > 0


def test_most_reports_find_their_area(demo):
    share = sql(demo, "select avg((area_code is not null)::int) s from reports").item()
    assert share > 0.95


def test_each_planted_hotspot_has_an_alert_with_its_reports(demo):
    planted = pl.read_csv(SAMPLE / "planted_hotspots.csv", schema_overrides={"area_code": pl.Utf8})
    alerts = sql(demo, """select a.*, (select count(*) from alert_reports x where x.alert_id = a.alert_id) n
                          from alerts a""")
    for p in planted.iter_rows(named=True):
        first, last = dt.date.fromisoformat(p["first_week"]), dt.date.fromisoformat(p["last_week"])
        hit = alerts.filter((pl.col("area_code") == p["area_code"]) & (pl.col("category") == p["category"])
                            & (pl.col("first_week") <= last) & (pl.col("last_week") >= first) & (pl.col("n") > 0))
        assert hit.height, f"planted {p['kind']} in {p['area_code']} ({p['category']}) not caught"


def test_scores_trace_to_the_champion_model(demo):
    champ = sql(demo, "select version from model_versions where status = 'champion'").item()
    versions = sql(demo, "select distinct model_version from report_scores")["model_version"].to_list()
    assert versions == [champ]


def test_the_weekly_brief_is_written(demo):
    briefs = list((demo["home"] / "briefs").glob("brief_*.xlsx"))
    assert briefs
    import openpyxl

    sheet = openpyxl.load_workbook(briefs[0], read_only=True)["预警"]
    header = [c.value for c in next(sheet.iter_rows(min_row=3, max_row=3))]
    assert "风险类别" in header


def test_the_board_snapshot_matches_the_warehouse(demo):
    assert table_counts(demo["home"] / "board.duckdb")["alerts"] == table_counts(demo["home"] / "warehouse.duckdb")["alerts"]


def test_an_unreadable_file_gets_one_clear_line_and_changes_nothing(demo, tmp_path):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    before = table_counts(demo["home"] / "warehouse.duckdb")
    env = {**os.environ, "SHAOBING_HOME": str(demo["home"])}
    out = subprocess.run([sys.executable, "-m", "pipelines.cli", "ingest", str(bad)], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=180)
    assert out.returncode != 0
    assert "broken.xlsx" in out.stderr and "Traceback" not in out.stderr + out.stdout
    assert table_counts(demo["home"] / "warehouse.duckdb") == before


def test_a_file_of_mixed_good_and_bad_rows_loads_the_good_ones(demo, tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text("工单编号,来电时间,来电号码,诉求内容\n"
                    "T1,2025-06-02 10:00:00,13812345678,白沙镇某工地老板拖欠二十多名工人工资，联系电话13812345678\n"
                    "T2,不是日期,,内容\n"
                    "T3,2025-06-03,,\n", encoding="utf-8")
    with home_env(demo["home"]):
        assert main(["ingest", str(path)]) == 0
    q = sql(demo, "select row_number, \"column\", reason from quarantine where file_name = 'calls.csv' order by 1")
    assert q["row_number"].to_list() == [3, 4] and q["column"].to_list() == ["来电时间", "诉求内容"]
    text = sql(demo, "select text from reports where report_id = 'hotline:T1'").item()
    assert "13812345678" not in text


def test_a_cusum_signal_over_several_weeks_links_the_reports_of_its_run(demo):
    runs = sql(demo, """
        select s.week, s.weeks, s.observed, a.alert_id,
               count(distinct r.report_id) filter (where r.received_at < s.week) as earlier
        from signals s
        join alerts a on a.place is null and a.area_code = s.area_code and a.category = s.category
                     and s.week between a.first_week and a.last_week
        join alert_reports x on x.alert_id = a.alert_id and x.week = s.week
        join reports r using (report_id)
        where s.detector = 'pooled_cusum' and s.weeks > 1
        group by all""")
    assert runs.height, "no CUSUM run of several weeks on the sample"
    # reports of the run's earlier weeks are linked when it alarms, not only the alarm week's
    assert (runs["earlier"] > 0).mean() > 0.9
    explained = sql(demo, "select explanation from alerts where explanation like '%近 % 周%累积和检测%'")
    assert explained.height


def test_a_second_weekly_run_changes_no_alert(demo):
    before = sql(demo, "select * from alerts order by alert_id")
    with home_env(demo["home"]):
        assert main(["weekly"]) == 0
    assert sql(demo, "select * from alerts order by alert_id").equals(before)


def test_reports_loaded_before_the_areas_are_placed_when_the_areas_arrive(prefect_harness, tmp_path, capsys):
    path = tmp_path / "calls.csv"
    path.write_text("工单编号,来电时间,详细地址,诉求内容\n"
                    "P1,2025-06-02 10:00:00,城关街道文昌社区3栋,楼下工地欠薪\n"
                    "P2,2025-06-02 11:00:00,,不知道在哪里\n", encoding="utf-8")
    with home_env(tmp_path / "home"):
        assert main(["ingest", str(path)]) == 0
        assert "no areas loaded yet" in capsys.readouterr().err
        assert main(["areas", "import", str(SAMPLE / "areas.csv")]) == 0
        assert "1 of 2 reports without an area placed" in capsys.readouterr().out
    con = duckdb.connect(str(tmp_path / "home" / "warehouse.duckdb"), read_only=True)
    try:
        placed = dict(con.sql("select report_id, area_code from reports").fetchall())
    finally:
        con.close()
    assert placed == {"hotline:P1": "369901001001", "hotline:P2": None}


def test_an_unexpected_failure_in_one_file_leaves_the_others_loaded(prefect_harness, tmp_path, monkeypatch, capsys):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    for p, sid in ((good, "G1"), (bad, "G2")):
        p.write_text(f"工单编号,来电时间,诉求内容\n{sid},2025-06-02 10:00:00,楼下工地欠薪\n", encoding="utf-8")
    from pipelines import validate

    real = validate.to_reports  # a small file is prepared in this process (big ones: in workers)

    def flaky(frame, *args, **kw):
        if frame["source_id"].to_list() == ["G2"]:
            raise RuntimeError("disk hiccup")
        return real(frame, *args, **kw)

    monkeypatch.setattr(validate, "to_reports", flaky)
    with home_env(tmp_path / "home"):
        assert main(["ingest", str(bad), str(good)]) == 1
    err = capsys.readouterr().err
    assert "bad.csv: not loaded, unexpected error (RuntimeError: disk hiccup)" in err and "Traceback" not in err
    assert "disk hiccup" in (tmp_path / "home" / "logs" / "ingest-errors.log").read_text()
    counts = table_counts(tmp_path / "home" / "warehouse.duckdb")
    assert (counts["reports"], counts["batches"]) == (1, 1)


def test_files_are_stored_in_the_order_given_and_the_same_bytes_twice_once(prefect_harness, tmp_path, capsys):
    """The flow validates a file while it stores the one before: a copy of a file, prepared before
    the file itself is stored, is still skipped, and the batches keep the command's order."""
    first, copy, other = tmp_path / "first.csv", tmp_path / "copy.csv", tmp_path / "other.csv"
    first.write_text("工单编号,来电时间,诉求内容\nG1,2025-06-02 10:00:00,楼下工地欠薪\n", encoding="utf-8")
    copy.write_bytes(first.read_bytes())
    other.write_text("工单编号,来电时间,诉求内容\nG2,2025-06-03 10:00:00,邻居漏水纠纷\n", encoding="utf-8")
    with home_env(tmp_path / "home"):
        assert main(["ingest", str(first), str(copy), str(other)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"copy\.csv: already loaded as batch", out), out
    con = duckdb.connect(str(tmp_path / "home" / "warehouse.duckdb"), read_only=True)
    try:
        batches = con.sql("select file_name from batches order by finished_at").fetchall()
        assert [os.path.basename(f) for f, in batches] == ["first.csv", "other.csv"]
        assert con.sql("select count(*) from reports").fetchone()[0] == 2
    finally:
        con.close()


def test_weekly_through_a_midweek_day_detects_only_whole_weeks(demo, capsys, monkeypatch):
    # (the demo has detected every week already: what the flow is asked for is what tells)
    from pipelines import weekly

    asked = []
    real = weekly.weekly

    def spy(dask=None):
        run = real(dask)
        return lambda through: asked.append(through) or run(through)
    monkeypatch.setattr(weekly, "weekly", spy)
    with home_env(demo["home"]):
        assert main(["weekly", "--through", "2026-11-25"]) == 0  # a Wednesday
        assert "weeks before 2026-11-23" in capsys.readouterr().err
        assert asked == [dt.date(2026, 11, 23)]                     # its Monday: the week it opens is not detected
        assert main(["weekly", "--through", "someday"]) == 1
        assert "expected a date" in capsys.readouterr().err


def test_backtest_times_the_planted_hotspots_and_writes_nothing(demo, capsys):
    before = table_counts(demo["home"] / "warehouse.duckdb")
    with home_env(demo["home"]):
        assert main(["backtest", "--from", "2025-06-02", "--to", "2026-11-16",
                     "--events", str(SAMPLE / "planted_hotspots.csv")]) == 0
    out = capsys.readouterr().out
    assert "4/4 events alerted" in out
    site = next(line for line in out.splitlines() if line.startswith("site_burst"))
    assert "2026-01-05  2026-01-12  2026-01-05" in site  # first week, peak, first alert: caught in its first week
    assert table_counts(demo["home"] / "warehouse.duckdb") == before


def test_backtest_lists_events_outside_its_window_apart_instead_of_as_missed(demo, capsys):
    with home_env(demo["home"]):
        assert main(["backtest", "--from", "2026-06-01", "--to", "2026-09-30",
                     "--events", str(SAMPLE / "planted_hotspots.csv")]) == 0
    out = capsys.readouterr().out
    assert "1/1 events alerted" in out  # estate_buyers, 2026-06-08 … 2026-08-10: the only one inside
    assert ("3 events outside the window, not scored: slow_rise (2025-10-13 … 2025-12-01), "
            "site_burst (2026-01-05 … 2026-01-12), collective_petition (2026-04-13 … 2026-04-27)") in out
    assert not [line for line in out.splitlines() if line.startswith(("slow_rise ", "site_burst ", "collective_petition "))]


def test_backtest_of_weeks_without_reports_says_so(demo, capsys):
    with home_env(demo["home"]):
        assert main(["backtest", "--from", "2030-01-01", "--to", "2030-01-31"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: no reports were received in the weeks 2029-12-31 … 2030-02-03, "
                                   "nothing to replay (the warehouse holds reports from ")


def test_a_first_export_without_categories_is_scored_by_the_lexicons(prefect_harness, tmp_path, capsys):
    """Cold start: too few labelled reports to train, no champion yet — retrain makes the taxonomy's
    lexicons the champion, and the weekly run scores and flags with them; once a champion exists,
    too few labels leave it in place."""
    path = tmp_path / "calls.csv"
    rows = [f"C{i},2025-06-{2 + i % 5:02d} 10:00:00,城关街道文昌社区,{text}"
            for i, text in enumerate(["包工头拖欠我们农民工工资三个月，讨薪无门", "楼上邻居装修噪音太大",
                                      "小区路灯坏了没人修"] * 4)]
    path.write_text("工单编号,来电时间,详细地址,诉求内容\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with home_env(tmp_path / "home"):
        assert main(["areas", "import", str(SAMPLE / "areas.csv")]) == 0
        assert main(["ingest", str(path)]) == 0
        capsys.readouterr()
        assert main(["weekly"]) == 1
        assert "no model yet" in capsys.readouterr().err
        assert main(["retrain"]) == 0
        out = capsys.readouterr().out
        assert "cold start" in out and "promoted to champion" in out and "only 0 are" in out
        assert main(["weekly"]) == 0
        con = duckdb.connect(str(tmp_path / "home" / "warehouse.duckdb"), read_only=True)
        try:
            flagged = con.sql("""select r.text, s.category, s.top_terms from report_scores s join reports r using (report_id)
                                 where s.flagged order by all""").fetchall()
            champion = con.sql("select version, metrics from model_versions where status = 'champion'").fetchall()
        finally:
            con.close()
        assert {(text[:3], category) for text, category, _ in flagged} == {("包工头", "wage_arrears"), ("楼上邻", "family_neighbour")}
        assert all(terms for _, _, terms in flagged)  # the lexicon terms behind each flag
        assert '"cold_start": true' in champion[0][1]
        assert main(["retrain"]) == 1
        assert f"the champion {champion[0][0]} stays" in capsys.readouterr().err
