"""What a hunt with messy real-world exports found: columns no field reads were dropped without a
word, a field's other column (a JSON Lines export whose keys changed partway) was not read, ids and
headers with invisible or full-width characters did not meet their plain form, and an ID number
Excel had turned into 3.69901E+17 made different petitioners one repeat reporter."""
from __future__ import annotations

import csv
import datetime as dt
import json

import openpyxl
import polars as pl

from features.pii import reporter_key
from pipelines import ingest
from pipelines.areas import read_areas
from pipelines.sources import read_raw
from tests.conftest import SAMPLE

NOW = dt.datetime(2026, 12, 1)
HOTLINE = ["工单编号", "来电时间", "来电号码", "诉求标题", "诉求内容"]


def prepared(path, monkeypatch):
    """The reports, the quarantine and the file's notes, as ingest prepares them."""
    monkeypatch.setenv("SHAOBING_WORKERS", "1")
    raw = read_raw(path)
    _, reports, check = ingest.prepare_batch.fn(raw, read_areas(SAMPLE / "areas.csv")[0], "B1", "salt", NOW)
    return reports, check.frame(), raw.notes


def write_csv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_columns_no_field_reads_are_kept_with_each_report_and_named(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "h.csv", [*HOTLINE, "办理状态", "备注", "家属电话"], [
        ["GD1", "2025-01-13 09:00", "13800138000", "讨薪", "工地拖欠工资", "已办结", "", "13912345678"],
        ["GD2", "2025-01-13 10:00", "13800138001", "讨薪", "又来电", "", "", ""]])
    reports, quarantine, notes = prepared(path, monkeypatch)
    assert quarantine.is_empty()
    assert [json.loads(e) if e else None for e in reports["extra"]] == [{"办理状态": "已办结"}, None]
    assert any("not used by the analysis: 办理状态" in n for n in notes)
    assert not any("家属电话" in n or "备注" in n for n in notes)  # a person's column is withheld; an empty one unsaid


def test_a_petition_keeps_its_form_and_reads_a_collective_visits_head_count(tmp_path, monkeypatch):
    book = openpyxl.Workbook()
    book.active.append(["信访件编号", "登记日期", "信访形式", "集体访人数", "信访事项"])
    book.active.append(["XF1", "2025-01-13", "集体访", 30, "三十名农民工讨薪"])
    book.save(tmp_path / "p.xlsx")
    reports, _, notes = prepared(tmp_path / "p.xlsx", monkeypatch)
    assert reports["people_count"].to_list() == [30]
    assert json.loads(reports["extra"].item()) == {"信访形式": "集体访"}
    assert any("信访形式" in n for n in notes)


def test_json_lines_whose_keys_change_partway_are_read_by_each_lines_own_keys(tmp_path, monkeypatch):
    lines = [{"event_id": f"E{i}", "reported_at": "2025-01-13 09:00", "description": "楼道堆物"} for i in range(3)]
    lines += [{"事件编号": f"E{i}", "上报时间": "2025-01-14 09:00", "事件描述": "邻里噪音纠纷", "网格员": "邓兰刚"}
              for i in range(3, 6)]
    path = tmp_path / "g.jsonl"
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    reports, quarantine, _ = prepared(path, monkeypatch)
    assert quarantine.is_empty()
    assert reports["source_id"].to_list() == [f"E{i}" for i in range(6)]
    assert reports["text"].to_list()[3:] == ["邻里噪音纠纷"] * 3
    assert "邓兰刚" not in reports.write_json()


def test_ids_with_invisible_characters_are_their_plain_form_and_full_width_ones_stay_as_written(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "h.csv", HOTLINE, [
        ["GD1\u200b", "2025-01-13 09:00", "", "讨薪", "工地拖欠工资"],
        ["京信（2024）12号", "2025-01-13 09:00", "", "讨薪", "工地拖欠工资"],   # as stored before: no second report
        ["GD1", "2025-01-13 09:00", "", "讨薪", "工地拖欠工资"]])
    reports, _, _ = prepared(path, monkeypatch)
    # (the third row then repeats the first: loading keeps one, ``validate.dedupe``)
    assert reports["report_id"].to_list() == ["hotline:GD1", "hotline:京信（2024）12号", "hotline:GD1"]


def test_a_header_with_a_zero_width_space_or_a_bom_inside_still_names_its_column(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "h.csv", ["工单编号", "来电\u200b时间", "诉求内容\ufeff"],
                     [["GD1", "2025-01-13 09:00", "工地拖欠工资"]])
    reports, quarantine, _ = prepared(path, monkeypatch)
    assert reports["text"].to_list() == ["工地拖欠工资"] and quarantine.is_empty()


def test_an_id_number_excel_wrote_in_scientific_notation_recognises_nobody(tmp_path, monkeypatch):
    assert reporter_key("s", "3.69901E+17", "13911112222") == reporter_key("s", "13911112222")
    assert reporter_key("s", "3.69901e17") is None
    header = ["信访件编号", "登记日期", "信访人", "身份证号", "联系电话", "信访事项"]
    path = write_csv(tmp_path / "p.csv", header, [
        ["XF1", "2025-01-13", "王五", "3.69901E+17", "13911112222", "拖欠工资三万元"],
        ["XF2", "2025-01-13", "赵六", "3.69901E+17", "13733334444", "邻居占用通道"]])
    reports, _, notes = prepared(path, monkeypatch)
    assert reports["reporter_key"].n_unique() == 2
    assert any("身份证号: 2 cells in scientific notation" in n for n in notes)


def test_a_delimiter_after_the_last_cell_of_every_line_or_of_the_header_costs_no_row(tmp_path):
    every = tmp_path / "every.csv"
    every.write_text("工单编号,来电时间,诉求标题,诉求内容\r\n" + "".join(
        f"GD{i},2025-01-13 09:00,讨薪,工地拖欠工资{i},\r\n" for i in range(3)), encoding="utf-8")
    header_only = tmp_path / "header.csv"
    header_only.write_text("工单编号,来电时间,诉求标题,诉求内容,\r\n" + "".join(
        f"GD{i},2025-01-13 09:00,讨薪,工地拖欠工资{i}\r\n" for i in range(3)), encoding="utf-8")
    for path in (every, header_only):
        raw = read_raw(path)
        assert not raw.broken and [r[3] for r in raw.rows] == [f"工地拖欠工资{i}" for i in range(3)]
    filled = tmp_path / "filled.csv"   # a cell past the header's end that holds something is still refused
    filled.write_text("工单编号,来电时间,诉求标题,诉求内容\r\nGD1,2025-01-13 09:00,讨薪,工地拖欠工资,多出\r\n", encoding="utf-8")
    assert [why for _, why, _ in read_raw(filled).broken] == ["has 5 fields, the header has 4"]


def test_a_report_delivered_again_is_a_duplicate_when_only_its_writing_changed_and_a_conflict_names_what_did(
        tmp_path, monkeypatch):
    from pipelines.validate import COMPARED, Checker, dedupe

    path = write_csv(tmp_path / "h.csv", [*HOTLINE, "办理状态"],
                     [["GD1", "2024/3/5 14:05", "", "讨薪", "工地拖欠工资", "已办结"]])
    reports, _, _ = prepared(path, monkeypatch)
    # loaded before from an export that wrote the date 2024-03-05 14:05:00 (another row hash, the same values)
    stored = reports.select("report_id", *COMPARED).with_columns(
        pl.lit("other").alias("row_hash"), pl.lit("B0").alias("batch_id"), pl.lit("old.csv").alias("file_name"))

    def outcome(stored):
        check = Checker("h.csv", "B1", {"source_id": "工单编号", "text": "诉求内容"}, "hotline")
        assert dedupe(reports, stored, check).is_empty()
        (row,) = check.rows
        return row["kind"], row["reason"]

    assert outcome(stored) == ("duplicate", "already loaded by batch B0 (old.csv), written otherwise (the same values)")
    changed = stored.with_columns(pl.lit("工地拖欠工资两个月").alias("text"), pl.lit('{"办理状态": "办理中"}').alias("extra"))
    assert outcome(changed) == ("conflict", "id already loaded by batch B0 (old.csv) with other content"
                                            " (诉求内容, 办理状态 differ)")
    # a review found another phone called "the same values": the reporter and the place columns count too
    assert outcome(stored.with_columns(pl.lit("k-other").alias("reporter_key")))[0] == "conflict"
    # the extra cells as values: a NULL stored before reports kept them, or the same cells reordered, are the same
    assert outcome(stored.with_columns(pl.lit(None, pl.Utf8).alias("extra")))[0] == "duplicate"


def test_a_paged_exports_page_marks_and_repeated_header_are_not_reports_to_mend(tmp_path, monkeypatch):
    book = openpyxl.Workbook()
    for row in (HOTLINE, ["GD1", "2025-01-13 09:00", "", "讨薪", "工地拖欠工资"], ["第1页 共2页"], HOTLINE,
                ["GD2", "2025-01-14 09:00", "", "讨薪", "又来电"], ["以下空白"]):
        book.active.append(row)
    book.save(tmp_path / "h.xlsx")
    reports, quarantine, _ = prepared(tmp_path / "h.xlsx", monkeypatch)
    assert reports["source_id"].to_list() == ["GD1", "GD2"]
    assert quarantine["kind"].to_list() == ["footer"] * 3   # not "to mend": a date that was 来电时间, a text that was empty
    assert sorted(quarantine["reason"].to_list()) == [
        "a totals/footer row (以下空白), not a report", "a totals/footer row (第1页共2页), not a report",
        "the header repeated (a page break of the export), not a report"]


def test_extra_cells_are_the_json_of_the_filled_ones_exactly():
    from pipelines.validate import extra_json

    header = ["办理状态", "备注", "lon", "photos"]
    columns = [["已办结", None, " "], ["", "说\"明\"\n", None], [118.5, None, 0], [["a.jpg"], None, None]]
    rows = [dict(zip(header, r)) for r in zip(*columns)]
    expected = [json.dumps({h: c for h, c in r.items() if c is not None and not (isinstance(c, str) and not c.strip())},
                           ensure_ascii=False) for r in rows]
    assert extra_json(header, columns, 3) == [e if e != "{}" else None for e in expected]


def test_no_persons_column_reaches_the_reports_extra_cells(tmp_path, monkeypatch):
    # a review found names and a landline in clear under headers the first list did not know
    path = write_csv(tmp_path / "h.csv", [*HOTLINE, "留言人", "网民昵称", "家庭地址", "QQ号", "来电号码", "办理状态"],
                     [["GD1", "2025-01-13 09:00", "", "讨薪", "工地拖欠工资", "张三丰", "王小二", "幸福路8号", "12345678",
                       "87654321", "已办结"]])
    reports, _, _ = prepared(path, monkeypatch)
    assert json.loads(reports["extra"].item()) == {"办理状态": "已办结"}
    lines = tmp_path / "g.jsonl"
    lines.write_text(json.dumps({"event_id": "E1", "reported_at": "2025-01-13 09:00", "description": "楼道堆物",
                                 "reporter": "邓兰刚", "name": "王五", "上报人": "刘六", "status": "已处置"},
                                ensure_ascii=False) + "\n", encoding="utf-8")
    reports, _, _ = prepared(lines, monkeypatch)
    assert json.loads(reports["extra"].item()) == {"status": "已处置"}


def test_another_persons_phone_or_a_database_id_never_stands_in_for_a_field(tmp_path, monkeypatch):
    header = ["信访件编号", "登记日期", "联系电话", "电话（被反映人）", "信访事项"]
    path = write_csv(tmp_path / "p.csv", header, [["XF1", "2025-01-13", "", "13911112222", "拖欠工资"],
                                                 ["XF2", "2025-01-13", "", "13911112222", "邻居占道"]])
    reports, _, _ = prepared(path, monkeypatch)
    assert reports["reporter_key"].to_list() == [None, None]   # not the accused's phone, shared by both
    lines = tmp_path / "g.jsonl"
    lines.write_text(json.dumps({"id": 102, "event_id": None, "reported_at": "2025-01-13 09:00", "description": "堆物"})
                     + "\n", encoding="utf-8")
    reports, quarantine, _ = prepared(lines, monkeypatch)
    assert reports.is_empty() and quarantine["reason"].to_list() == ["empty: expected an id"]


def test_a_line_with_a_comma_too_many_or_a_cell_too_few_is_still_refused_where_lines_end_in_a_delimiter(tmp_path):
    # fitting each row alone loaded 工地拖欠工资 as the text and sent the rest into other columns
    good = [f"GD{i},2025-01-13 09:00,讨薪,工地拖欠工资{i},已办结,\r\n" for i in range(10)]
    path = tmp_path / "h.csv"
    path.write_text("工单编号,来电时间,诉求标题,诉求内容,办理状态\r\n" + "".join(good[:5])
                    + "GX1,2025-01-13 09:00,讨薪,工地拖欠工资,已三个月未发,已办结,\r\n"   # a comma in the text
                    + "GX2,2025-01-13 09:00,楼上漏水,已办结,\r\n"                       # a cell too few
                    + "".join(good[5:]), encoding="utf-8")
    raw = read_raw(path)
    assert [r[0] for r in raw.rows] == [f"GD{i}" for i in range(10)]
    assert [why for _, why, _ in raw.broken] == [
        "has 7 fields, the header has 5",
        "has 5 fields where this file's lines have 6 (a delimiter after the last cell): a cell is missing"]
    from pipelines.reasons import in_chinese
    assert in_chinese(raw.broken[1][1]) == "本行有 5 个字段，本文件其他各行（行末多一个分隔符）有 6 个：缺了一格"
