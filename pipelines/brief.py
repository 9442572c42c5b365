"""The weekly brief: the week's alerts and the (masked) reports behind them, as an xlsx workbook."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter

from . import warehouse
from .files import atomic_path
from .taxonomy import taxonomy
from .wording import received

from models.alerts import CHANNEL_NAMES as CHANNEL_ZH, STATUS_NAMES as STATUS_ZH, rank_shown


REPORTS_PER_ALERT = 100   # the newest reports of each alert listed; the rest are counted and left to the board


def write_brief(con, week: dt.date, folder: Path) -> Path:
    """Write brief_<week>.xlsx (replacing an older one for the same week, whole) and return its path."""
    path = folder / f"brief_{week.isoformat()}.xlsx"
    with atomic_path(path) as tmp:
        _workbook(con, week, tmp)
    return path


def _workbook(con, week: dt.date, tmp: Path) -> None:
    tax = taxonomy()
    alerts = warehouse.week_alerts(con, week)
    reports = warehouse.alert_reports_of_week(con, week, most=REPORTS_PER_ALERT)
    book = xlsxwriter.Workbook(str(tmp))
    book.set_properties({"title": f"哨兵风险预警周报 {week}", "created": dt.datetime.combine(week, dt.time())})
    head = book.add_format({"bold": True, "bg_color": "#DDE6F0", "border": 1, "text_wrap": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    sheet = book.add_worksheet("预警")
    sheet.write(0, 0, f"哨兵风险预警周报 · {week}（周一）至 {week + dt.timedelta(days=6)}", book.add_format({"bold": True, "font_size": 14}))
    cols = [("排名", 6), ("区域", 16), ("区域代码", 14), ("涉及地点/单位", 16), ("风险类别", 12), ("件数（统计期）", 9), ("预期", 8),
            ("综合评分", 9), ("检测统计量", 9), ("状态", 9), ("首次预警周", 12), ("关联报告数", 10),
            ("本周新关联", 10), ("说明", 80)]
    for j, (name, width) in enumerate(cols):
        sheet.write(2, j, name, head)
        sheet.set_column(j, j, width)
    for i, a in enumerate(alerts.iter_rows(named=True), start=1):
        values = [i, a["area_name"] or a["area_code"] or "", a["area_code"] or "", a["place"] or "",
                  tax.name(a["category"]), a["observed"], round(a["expected"] or 0, 2),
                  rank_shown(a["rank"], a["score"]),
                  round(a["score"], 2), STATUS_ZH.get(a["status"], a["status"]),
                  str(a["first_week"]), a["reports"], a["reports_this_week"], a["explanation"]]
        for j, v in enumerate(values):
            sheet.write(2 + i, j, v, wrap)
    if alerts.is_empty():
        sheet.write(3, 0, "本周无预警。")
    rs = book.add_worksheet("关联报告")
    rcols = [("预警编号", 28), ("报告编号", 26), ("关联周", 12), ("渠道", 10), ("受理时间", 19), ("区域", 16),
             ("区域代码", 14), ("标题", 30), ("内容（已脱敏）", 100)]
    for j, (name, width) in enumerate(rcols):
        rs.write(0, j, name, head)
        rs.set_column(j, j, width)
    i = 0
    for alert, rows in reports.group_by("alert_id", maintain_order=True):
        for r in rows.iter_rows(named=True):
            i += 1
            values = [r["alert_id"], r["report_id"], str(r["linked_week"]), CHANNEL_ZH.get(r["channel"], r["channel"]),
                      received(r["received_at"], r["channel"]), r["area_name"] or "", r["area_code"] or "", r["title"] or "", r["text"]]
            for j, v in enumerate(values):
                rs.write(i, j, v, wrap)
        if rows["total"][0] > rows.height:
            i += 1
            rs.write(i, 0, alert[0], wrap)
            rs.write(i, 1, f"另有 {rows['total'][0] - rows.height} 条较早的关联报告未列出（共 {rows['total'][0]} 条），请在研判工作台查看", wrap)
    book.close()
