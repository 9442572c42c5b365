"""Every quarantine reason ingest writes reads in Chinese on the board (pipelines.reasons)."""
from __future__ import annotations

import datetime as dt
import json
import re

import openpyxl
import polars as pl

from pipelines import ingest
from pipelines.areas import read_areas
from pipelines.reasons import in_chinese, kind_in_chinese
from pipelines.sources import read_raw
from pipelines.validate import COMPARED, dedupe
from tests.conftest import SAMPLE

NOW = dt.datetime(2026, 12, 1)
HOTLINE = ["工单编号", "来电时间", "诉求标题", "诉求内容"]


def quarantined(path, monkeypatch, stored=None) -> list[dict]:
    monkeypatch.setenv("SHAOBING_WORKERS", "1")
    raw = read_raw(path)
    _, reports, check = ingest.prepare_batch.fn(raw, read_areas(SAMPLE / "areas.csv")[0], "B1", "salt", NOW)
    dedupe(reports, stored if stored is not None else pl.DataFrame(schema={"report_id": pl.Utf8, "row_hash": pl.Utf8}),
           check)
    return check.rows


def every_reason(tmp_path, monkeypatch) -> list[dict]:
    rows = []
    csv = tmp_path / "hotline.csv"
    lines = [",".join(HOTLINE),
             "GD1,2025-01-13 09:00:00,欠薪,工资没发",
             ",2025-01-13 09:00:00,无编号,工资没发",                 # empty id
             "GD3,2025-01-13 09:00:00,无内容,",                      # empty text
             "GD4,,无日期,工资没发",                                 # empty date
             "GD5,下周一,坏日期,工资没发",                            # unreadable date
             "GD6,2099-01-01 08:00:00,未来,工资没发",                 # in the future
             "GD7,1985-01-01 08:00:00,太早,工资没发",                 # before 1990
             "GD8,2025-02-30 08:00:00,无此日,工资没发",               # no such day
             "GD1,2025-01-13 09:00:00,欠薪,工资没发",                # the same record again
             "GD1,2025-01-14 09:00:00,另一件,房子漏水",              # its id, other content
             "GD10,2025-01-13 09:00:00,多一列,工资没发,多余",         # a field too many
             'GD11,2025-01-13 09:00:00,"引号没有闭合,工资没发',       # a quote never closed
             "GD12,2025-01-13 09:00:00,乱码,工资\ufffd没发",          # bytes the encoding does not hold
             "2.02501E+12,2025-01-13 09:00:00,科学计数,工资没发",      # an id Excel showed as a float
             "工单编号,来电时间,诉求标题,诉求内容",                     # the header again, under a page break
             "合计,,,共13件",                                         # a totals row
             "制表人：张三"]                                           # a sign-off line, shorter than the header
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stored = pl.DataFrame({"report_id": ["hotline:GD1"], "row_hash": ["other"]})
    rows += quarantined(csv, monkeypatch)
    rows += quarantined(csv, monkeypatch, stored)                   # id loaded before with other content
    _, reports, _ = ingest.prepare_batch.fn(read_raw(csv), read_areas(SAMPLE / "areas.csv")[0], "B1", "salt", NOW)
    same = reports.filter(pl.col("report_id") == "hotline:GD1").select("report_id", "row_hash").head(1)
    rows += quarantined(csv, monkeypatch, same)                     # the same record loaded before
    first = reports.filter(pl.col("report_id") == "hotline:GD1").head(1)
    loaded = first.select("report_id", *COMPARED).with_columns(pl.lit("other").alias("row_hash"),
                                                               pl.lit("B0").alias("batch_id"), pl.lit("old.csv").alias("file_name"))
    rows += quarantined(csv, monkeypatch, loaded)                   # written otherwise, the same values
    rows += quarantined(csv, monkeypatch, loaded.with_columns(pl.lit("房子漏水").alias("text")))  # naming what differs
    dates = tmp_path / "dates.csv"
    dates.write_text("\n".join([",".join(HOTLINE), "GD1,8/9/2019,a,工资没发"]) + "\n", encoding="utf-8")
    rows += quarantined(dates, monkeypatch)                         # day and month cannot be told apart
    dates.write_text("\n".join([",".join(HOTLINE), "GD1,8/19/2019,a,工资没发", "GD2,8/20/2019,a,工资没发",
                                "GD3,19/8/2019,a,工资没发"]) + "\n", encoding="utf-8")
    rows += quarantined(dates, monkeypatch)                         # against the file's order
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["信访件编号", "登记日期", "信访人数", "信访事项"])
    sheet.append(["XF1", "2025-01-13", "3O人", "集体讨薪"])          # not a head count (a letter O)
    sheet.append(["XF2", "2025-01-13", "3", "讨薪", None, "多出一格"])  # a value beyond the header
    book.save(tmp_path / "petitions.xlsx")
    rows += quarantined(tmp_path / "petitions.xlsx", monkeypatch)
    jsonl = tmp_path / "grid.jsonl"
    jsonl.write_text("\n".join([json.dumps({"event_id": "E1", "reported_at": "2025-01-13", "description": "讨薪"},
                                           ensure_ascii=False), '{"event_id": "E2", ', "[1, 2]",
                                '{"event_id": "E3", "description": "讨薪的工人说工'])  # cut off
                     + "\n",
                     encoding="utf-8")
    rows += quarantined(jsonl, monkeypatch)
    return rows


def test_every_reason_ingest_writes_reads_in_chinese(tmp_path, monkeypatch):
    rows = every_reason(tmp_path, monkeypatch)
    reasons = {r["reason"] for r in rows}
    assert len(reasons) >= 21, sorted(reasons)                      # every kind of reason was met
    for reason in reasons:
        zh = in_chinese(reason)
        assert zh != reason, f"no Chinese for {reason!r}"
        # what is left in latin letters is only what the reason quotes (a cell, a parser's message)
        quoted = re.sub(r"'[^']*'|\([^)]*\)|（[^）]*）|JSON|Excel|GD\d+", "", zh)
        assert not re.search(r"[A-Za-z]{3,}", quoted), f"{reason!r} -> {zh!r}"
    assert {kind_in_chinese(r["kind"]) for r in rows} == {"无效", "重复", "编号冲突", "合计或落款行"}


def test_a_day_that_does_not_exist_and_a_cut_off_json_line_are_named_as_such(tmp_path, monkeypatch):
    reasons = {r["reason"] for r in every_reason(tmp_path, monkeypatch)}
    assert "'2025-02-30 08:00:00' is no date: month 2 of 2025 has no day 30" in reasons
    assert in_chinese("'2025-02-30 08:00:00' is no date: month 2 of 2025 has no day 30") == \
        "'2025-02-30 08:00:00' 不是存在的日期：2025 年 2 月没有 30 日"
    cut = next(r for r in reasons if "Unterminated" in r)
    assert cut == "not valid JSON (Unterminated string starting at character 35)"   # the quote's place, 1-based
    assert in_chinese(cut) == "不是有效的 JSON：第 35 个字符处开始的字符串没有闭合（这一行可能被截断了）"


def test_reasons_keep_the_values_they_quote():
    assert in_chinese("same record as row 12 above") == "与上方第 12 行是同一条记录"
    assert in_chinese("empty: expected the report's text") == "为空：应填诉求内容"
    assert "'下周一'" in in_chinese("cannot read '下周一' as a date (expected e.g. 2025-01-13 09:31:07)")
    assert "月/日/年" in in_chinese("cannot read '19/8/2019' as a date in this file's order, month/day/year"
                                  " (expected e.g. 2025-01-13 09:31:07)")
    assert in_chinese("same record as row 3 of sheet '1月' above") == "与上方工作表 '1月' 第 3 行是同一条记录"
    assert in_chinese("id XF1 already used by row 3 of sheet '1月' with other content") == \
        "编号 XF1 已被工作表 '1月' 第 3 行使用，内容却不同"
    assert in_chinese("sheet '2月': has values in column(s) [5] beyond the header's 3 columns") == \
        "工作表 '2月'：第 [5] 列有值，超出表头的 3 列"
    assert in_chinese("a totals/footer row (合计), not a report") == "表格的合计或落款行（合计），不是一条报告"
    assert in_chinese("a reason an older version wrote") == "a reason an older version wrote"
    assert in_chinese(None) is None


def test_a_file_ingest_cannot_read_is_said_in_chinese_on_the_board(tmp_path):
    # the messages as the readers raise them, on files a data clerk uploads by mistake
    from pipelines.reasons import error_in_chinese
    from pipelines.sources import SourceError, detect_channel

    def read_file(path):
        try:
            detect_channel(read_raw(path).header, path)
        except SourceError as exc:
            return exc

    book = openpyxl.Workbook()
    book.active.append(["信访件编号", "登记日期", "信访事项"])
    book.save(tmp_path / "whole.xlsx")
    data = (tmp_path / "whole.xlsx").read_bytes()
    files = {"empty.csv": b"", "cut.xlsx": data[: len(data) // 2], "notes.pdf": b"%PDF-1.4",
             "odd.csv": "甲,乙\n1,2\n".encode(), "lacking.csv": "工单编号,来电时间\nGD1,2025-01-13\n".encode()}
    said = {}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
        error = read_file(tmp_path / name)
        assert isinstance(error, SourceError), name
        said[name] = error_in_chinese(str(error))
    assert said["empty.csv"] == f"{tmp_path / 'empty.csv'}：文件是空的"
    assert "不是可读的 XLSX 工作簿，或文件已损坏" in said["cut.xlsx"]
    assert "不支持的文件类型 '.pdf'" in said["notes.pdf"]
    assert "对不上任何渠道的导出格式" in said["odd.csv"]
    assert "像是12345热线导出文件，但缺少" in said["lacking.csv"]
    for name, text in said.items():
        rest = text.split("：", 1)[1]
        if name == "cut.xlsx":                       # the workbook reader's own words, quoted
            rest = re.sub(r"（[^）]*）$", "", rest)
        # what is left in latin letters is only what is quoted: the file's cells, names of formats
        # and files, a channel's own column names (grid's are English)
        rest = re.sub(r"'[^']*'|\[[^]]*\]|XLSX|\.[a-z]+\b|event_id|reported_at|description", "", rest)
        assert not re.search(r"[A-Za-z]{2,}", rest), text
    assert "缺少 诉求内容（或 " in said["lacking.csv"] and " (or " not in said["lacking.csv"]
    assert "12345热线：工单编号、来电时间、诉求内容；信访：" in said["odd.csv"]
    assert error_in_chinese("something else went wrong") == "something else went wrong"
    cut_json = "x.jsonl: no JSON object on any line; line 1: not valid JSON (Expecting value at character 1)"
    assert error_in_chinese(cut_json) == "x.jsonl：没有一行是 JSON 对象；第 1 行：不是有效的 JSON：第 1 个字符处缺少一个值"
    hidden = "a.xlsx: the workbook's sheets are empty (its hidden sheet(s) 'Sheet2' are not loaded)"
    assert error_in_chinese(hidden) == "a.xlsx：工作簿的可见工作表都是空的（隐藏的工作表 'Sheet2' 不导入）"
    assert in_chinese("already loaded by batch B1 (file unknown)") == "批次 B1（文件不明）已导入这条记录"
