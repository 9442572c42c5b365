"""The two briefs, the weekly flow's and the board's: the same 综合评分 as the board's queue, the
detector's statistic under its own name, area names, and times in SHAOBING_TIMEZONE."""
from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl

from dashboards import brief
from pipelines import reviews, settings, warehouse
from pipelines.brief import write_brief
from pipelines.warehouse import board
from tests.dashboards.conftest import WEEK


def rows(sheet, header_row: int) -> list[dict]:
    values = list(sheet.iter_rows(min_row=header_row, values_only=True))
    return [dict(zip(values[0], row)) for row in values[1:]]


def test_the_boards_brief_shows_the_queues_score_and_its_export_time_in_the_setting_s_zone(snapshot, monkeypatch):
    # Kiritimati is UTC+14: a time written in the machine's own zone (UTC here) would be a day off
    monkeypatch.setenv("SHAOBING_TIMEZONE", "Pacific/Kiritimati")
    with board.open_snapshot(snapshot) as con:
        cur = board.cursor(con)
        alerts = board.week_alerts(cur, WEEK)
        reports = board.brief_reports(cur, alerts["alert_id"].to_list())
    book = openpyxl.load_workbook(io.BytesIO(brief.workbook(WEEK, alerts, reviews.decisions(), reports, "全部", "张三")))
    shown = {r["预警编号"]: (r["综合评分"], r["检测统计量"]) for r in rows(book["预警"], 4)}
    assert shown == {"a1": (60, 5.2), "a2": (40, 3.1)}  # the queue's 综合评分 is the rank, 60 and 40
    made = re.search(r"导出时间：(\S+ \S+)", book["预警"]["A2"].value)[1]
    there = datetime.now(ZoneInfo("Pacific/Kiritimati")).replace(tzinfo=None)
    assert abs(datetime.strptime(made, "%Y-%m-%d %H:%M") - there) < timedelta(minutes=2)


def test_the_weekly_brief_shows_the_boards_score_and_names_the_area_of_each_report(snapshot, tmp_path):
    with warehouse.open_warehouse(settings.warehouse_path(), read_only=True) as con:
        path = write_brief(con, WEEK, tmp_path)
    book = openpyxl.load_workbook(path)
    alerts = {r["区域代码"]: (r["综合评分"], r["检测统计量"]) for r in rows(book["预警"], 3)}
    assert alerts == {"110101001001": (60, 5.2), "110101001002": (40, 3.1)}
    reports = {r["报告编号"]: (r["区域"], r["区域代码"], r["关联周"]) for r in rows(book["关联报告"], 1)}
    # every report an alert counts in 关联报告数, those of earlier weeks too (grid:7 came the week before)
    assert reports == {"hotline:1": ("多福巷社区", "110101001001", str(WEEK)),
                       "grid:7": ("多福巷社区", "110101001001", str(WEEK - timedelta(weeks=1))),
                       "petition:3": ("银闸社区", "110101001002", str(WEEK))}
    counts = {r["区域代码"]: (r["关联报告数"], r["本周新关联"]) for r in rows(book["预警"], 3)}
    assert counts == {"110101001001": (2, 1), "110101001002": (1, 1)}
    # to the minute, and the date alone where the register gave a date only (petition:3)
    times = {r["报告编号"]: r["受理时间"] for r in rows(book["关联报告"], 1)}
    assert times == {"hotline:1": "2024-05-14 09:00", "grid:7": "2024-05-08 15:00", "petition:3": "2024-05-15"}


def test_the_weekly_brief_lists_an_alert_s_newest_reports_and_counts_the_rest(snapshot, tmp_path, monkeypatch):
    from pipelines import brief as weekly_brief

    monkeypatch.setattr(weekly_brief, "REPORTS_PER_ALERT", 1)
    with warehouse.open_warehouse(settings.warehouse_path(), read_only=True) as con:
        path = write_brief(con, WEEK, tmp_path)
    listed = [(r["预警编号"], r["报告编号"]) for r in rows(openpyxl.load_workbook(path)["关联报告"], 1)]
    assert listed == [("a1", "hotline:1"), ("a1", "另有 1 条较早的关联报告未列出（共 2 条），请在研判工作台查看"),
                      ("a2", "petition:3")]


def test_the_boards_brief_names_who_decided_as_the_board_names_its_users(snapshot, people):
    """研判人 and 导出人 both read 姓名（用户名）, as the sidebar and 处置记录 name a user."""
    from dashboards import names

    reviews.record_review("a1", "confirm", user="analyst", role="analyst", seen_status="new", base_status="new",
                          note="")
    with board.open_snapshot(snapshot) as con:
        cur = board.cursor(con)
        alerts = board.week_alerts(cur, WEEK)
        reports = board.brief_reports(cur, alerts["alert_id"].to_list())
    made_by = names.person("analyst")
    book = openpyxl.load_workbook(io.BytesIO(brief.workbook(WEEK, alerts, reviews.decisions(), reports, "全部", made_by)))
    assert made_by == "analyst 测试（analyst）" and f"导出人：{made_by}" in book["预警"]["A2"].value
    assert {r["预警编号"]: r["研判人"] for r in rows(book["预警"], 4)} == {"a1": "analyst 测试（analyst）", "a2": None}
    assert names.person("gone") == "gone"   # a user no longer in the users file: the name recorded


def test_the_boards_brief_lists_the_reports_of_alerts_merged_meanwhile_under_their_target(snapshot, people):
    # 关联诉求 of the alerts sheet counts them (as the queue does); the reports sheet listed them
    # under the merged alert, or not at all where it was filtered away
    reviews.record_review("a2", "merge", user="analyst", role="analyst", seen_status="reviewing",
                          base_status="reviewing", category="debt", note="同一借贷人。", merge_into="a1",
                          merge_base_status="new")
    with board.open_snapshot(snapshot) as con:
        cur = board.cursor(con)
        alerts = board.week_alerts(cur, WEEK).filter(alert_id="a1")
        reports = board.brief_reports(cur, ["a1"], reviews.merged_into(0))
    assert reports.select("alert_id", "report_id", "merged_from").rows() == [
        ("a1", "petition:3", "a2"), ("a1", "hotline:1", None), ("a1", "grid:7", None)]   # newest first
    book = openpyxl.load_workbook(io.BytesIO(brief.workbook(WEEK, alerts, reviews.decisions(), reports, "全部", "张三")))
    listed = rows(book["关联诉求"], 1)
    assert [(r["预警编号"], r["诉求编号"], r["并入自预警"]) for r in listed][0] == ("a1", "petition:3", "a2")


def test_a_note_s_own_full_stop_does_not_double_the_brief_s_punctuation(snapshot, people):
    reviews.record_review("a2", "merge", user="analyst", role="analyst", seen_status="reviewing",
                          base_status="reviewing", category="debt", note="同一借贷人，统一研判。", merge_into="a1",
                          merge_base_status="new")
    with board.open_snapshot(snapshot) as con:
        alerts = board.week_alerts(board.cursor(con), WEEK)
    book = openpyxl.load_workbook(io.BytesIO(brief.workbook(WEEK, alerts, reviews.decisions(), alerts.clear(),
                                                            "全部", "张三")))
    opinion = {r["预警编号"]: r["研判意见"] for r in rows(book["预警"], 4)}["a2"]
    assert opinion == "合并到其他预警；同一借贷人，统一研判；并入 a1"


def test_a_report_linked_to_an_alert_and_to_one_merged_into_it_is_listed_once(snapshot, people):
    # a place alert and an area alert share reports: merged, the brief listed the shared ones twice
    con = warehouse.connect(settings.warehouse_path())
    con.execute("insert into alert_reports values ('a2', 'hotline:1', ?)", [WEEK])
    con.close()
    warehouse.publish_snapshot(settings.warehouse_path(), settings.snapshot_path())
    with board.open_snapshot(settings.snapshot_path()) as con:
        reports = board.brief_reports(board.cursor(con), ["a1"], {"a1": ["a2"]})
    assert sorted(reports["report_id"].to_list()) == ["grid:7", "hotline:1", "petition:3"]
    assert reports.filter(report_id="hotline:1")["merged_from"].to_list() == [None]   # its own link first
