"""The analysts' weekly brief as an xlsx workbook: the week's alerts as filtered on the page, with
the decisions taken on them (status, department, due date, who, note), and the masked reports."""
from __future__ import annotations

import io
from datetime import date, datetime

import polars as pl
import xlsxwriter

from dashboards import names
from models.alerts import rank_shown
from pipelines import settings
from pipelines.wording import received


def workbook(week: date, alerts: pl.DataFrame, decisions: pl.DataFrame, reports: pl.DataFrame,
             scope: str, made_by: str, every: bool = False) -> bytes:
    """The brief's bytes; ``scope`` says which filters were in force, ``made_by`` who downloaded it,
    ``every`` whether it holds every open alert (the queue's 全部未结预警) rather than a week's."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.set_properties({"title": f"哨兵风险预警研判周报 {week}", "author": made_by,
                         "created": datetime.combine(week, datetime.min.time())})
    head = book.add_format({"bold": True, "bg_color": "#DDE6F0", "border": 1, "text_wrap": True, "valign": "top"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    _alerts_sheet(book, head, wrap, week, alerts, decisions, scope, made_by, every)
    _reports_sheet(book, head, wrap, reports)
    book.close()
    return out.getvalue()


ALERT_COLUMNS = [("排名", 6), ("预警编号", 30), ("区域", 14), ("上级区域", 14), ("风险类别", 12),
                 ("件数（统计期）", 9), ("预期", 8), ("综合评分", 9), ("检测统计量", 9), ("状态", 9), ("首次预警周", 12),
                 ("关联诉求", 9),
                 ("研判意见", 24), ("承办部门", 18), ("办理期限", 12), ("研判人", 12), ("研判时间", 18),
                 ("说明", 80)]


def _alerts_sheet(book, head, wrap, week, alerts, decisions, scope, made_by, every: bool) -> None:
    sheet = book.add_worksheet("预警")
    title = book.add_format({"bold": True, "font_size": 14})
    sheet.write(0, 0, f"哨兵风险预警研判简报 · 全部未结预警（统计至 {week}（周一）起一周）" if every
                else f"哨兵风险预警研判周报 · {week}（周一）起一周", title)
    sheet.write(1, 0, f"范围：{scope}　导出人：{made_by}　导出时间：{settings.now():%Y-%m-%d %H:%M}")
    for j, (name, width) in enumerate(ALERT_COLUMNS):
        sheet.write(3, j, name, head)
        sheet.set_column(j, j, width)
    latest = {r["alert_id"]: r for r in decisions.iter_rows(named=True)}
    known = names.people()
    for i, a in enumerate(alerts.iter_rows(named=True), start=1):
        d = latest.get(a["alert_id"], {})
        parts = [x for x in (names.action_name(d["action"]) if d else "", names.reason_name(d.get("reason")),
                             (d.get("note") or "").strip(), f"并入 {d['merge_into']}" if d.get("merge_into") else "") if x]
        # a note's own full stop before the next part read 。；
        opinion = "；".join([p.rstrip("。；;.") for p in parts[:-1]] + parts[-1:])
        values = [i, a["alert_id"], a["place"] or a["area_name"] or a["area_code"] or "", a["town_name"] or "",
                  names.category_name(a["category"]), a["observed"], round(a["expected"] or 0, 2),
                  rank_shown(a["rank"], a["score"]), round(a["score"], 2),
                  names.status_name(a["status"]), str(a["first_week"]), a["reports"], opinion,
                  d.get("department") or "", d.get("due_date") or "", names.person(d.get("reviewer"), known),
                  d.get("created_at") or "", a["explanation"] or ""]
        for j, v in enumerate(values):
            sheet.write(3 + i, j, v, wrap)
    if alerts.is_empty():
        sheet.write(4, 0, "无符合条件的未结预警。" if every else "本周无符合条件的预警。")
    sheet.freeze_panes(4, 0)


def _reports_sheet(book, head, wrap, reports) -> None:
    sheet = book.add_worksheet("关联诉求")
    cols = [("预警编号", 30), ("诉求编号", 26), ("渠道", 10), ("受理时间", 19), ("区域", 12), ("标题", 30),
            ("内容（已脱敏）", 100), ("并入自预警", 30)]
    for j, (name, width) in enumerate(cols):
        sheet.write(0, j, name, head)
        sheet.set_column(j, j, width)
    for i, r in enumerate(reports.iter_rows(named=True), start=1):
        values = [r["alert_id"], r["report_id"], names.channel_name(r["channel"]),
                  received(r["received_at"], r["channel"]), r["area_name"] or "", r["title"] or "", r["text"],
                  r.get("merged_from") or ""]
        for j, v in enumerate(values):
            sheet.write(i, j, v, wrap)
    sheet.freeze_panes(1, 0)
