"""What a new user's hand-made exports found (issue 6, bad input tried): ids stored as numbers that
lost their digits, and personal data in quarantine rows."""
from __future__ import annotations

import datetime as dt
import gc
import json

import openpyxl
import polars as pl
import pytest

from pipelines import ingest, sources
from pipelines.areas import read_areas
from pipelines.sources import read_raw
from tests.conftest import SAMPLE

NOW = dt.datetime(2026, 12, 1)


def prepared(path, monkeypatch):
    monkeypatch.setenv("SHAOBING_WORKERS", "1")
    _, reports, check = ingest.prepare_batch.fn(read_raw(path), read_areas(SAMPLE / "areas.csv")[0], "B1", "salt", NOW)
    return reports, check.frame()


def test_an_id_a_workbook_stored_as_a_number_beyond_its_float_digits_is_quarantined_not_changed(tmp_path, monkeypatch):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["信访件编号", "登记日期", "信访人数", "信访事项"])
    sheet.append([202403051234567890, "2025-01-13", 1, "讨薪"])   # 18 digits: the float is ...904
    sheet.append([202403051234567891, "2025-01-13", 1, "另一件"])  # the same float: was a "conflict"
    sheet.append([12345678, "2025-01-13", 1, "短编号"])            # a number that is its digits
    book.save(tmp_path / "p.xlsx")
    reports, quarantine = prepared(tmp_path / "p.xlsx", monkeypatch)
    assert reports["source_id"].to_list() == ["12345678"]
    assert quarantine.height == 2
    assert all("scientific notation" in r and "lost its digits" in r for r in quarantine["reason"])


def test_a_json_id_written_with_an_exponent_is_quarantined_not_rounded(tmp_path, monkeypatch):
    path = tmp_path / "grid.jsonl"
    rows = ['{"event_id": 1.2345678901234567e+17, "reported_at": "2025-01-13", "description": "讨薪"}',
            '{"event_id": 2.02501e12, "reported_at": "2025-01-13", "description": "讨薪"}',
            json.dumps({"event_id": 202403051234567890, "reported_at": "2025-01-13", "description": "讨薪",
                        "amount": 2.5}, ensure_ascii=False)]  # an integer keeps its digits, a fraction stays
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    reports, quarantine = prepared(path, monkeypatch)
    assert reports["source_id"].to_list() == ["202403051234567890"]
    assert quarantine.height == 2 and all("lost its digits" in r for r in quarantine["reason"])


def test_a_reason_that_quotes_a_cell_is_masked_like_the_row(tmp_path, monkeypatch):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["信访件编号", "登记日期", "信访人数", "信访事项"])
    sheet.append(["XF1", "2025-01-13", 13812345678, "讨薪"])        # a phone number typed as the head count
    book.save(tmp_path / "p.xlsx")
    _, quarantine = prepared(tmp_path / "p.xlsx", monkeypatch)
    assert quarantine.height == 1
    reason, raw = quarantine.row(0, named=True)["reason"], quarantine.row(0, named=True)["raw"]
    assert "13812345678" not in reason and "13812345678" not in raw
    assert "[手机号]" in reason and "number of people" in reason


def test_a_row_that_cannot_be_split_keeps_no_names(tmp_path, monkeypatch):
    csv = tmp_path / "hotline.csv"
    csv.write_text("\n".join(["工单编号,来电时间,来电人姓名,诉求内容",
                              "GD1,2025-01-13 09:00:00,王小明,工资没发",
                              'GD2,2025-01-13 09:00:00,李秀英,"他说""工钱月底给,可是',   # a quote never closed
                              "GD3,2025-01-13 09:00:00,陈建国,工资没发,多余"]) + "\n",   # a field too many
                   encoding="utf-8")
    reports, quarantine = prepared(csv, monkeypatch)
    assert reports.height + quarantine.height == 3
    raws = quarantine["raw"].to_list()
    assert not any(name in raw for raw in raws for name in ("王小明", "李秀英", "陈建国")), raws
    assert any("工资没发" in raw and "[已隐去]" in raw for raw in raws)  # the cells known are kept, the name withheld


def test_a_file_without_personal_columns_keeps_its_broken_rows_as_they_were(tmp_path, monkeypatch):
    csv = tmp_path / "hotline.csv"
    csv.write_text("工单编号,来电时间,诉求内容\nGD1,2025-01-13 09:00:00,工资没发,多余\n", encoding="utf-8")
    _, quarantine = prepared(csv, monkeypatch)
    assert json.loads(quarantine["raw"][0]) == ["GD1", "2025-01-13 09:00:00", "工资没发", "多余"]


def test_reading_pauses_the_cycle_collector_and_switches_it_back(tmp_path, monkeypatch):
    seen = []
    real = sources._read_csv
    monkeypatch.setattr(sources, "_read_csv", lambda *a: seen.append(gc.isenabled()) or real(*a))
    csv = tmp_path / "hotline.csv"
    csv.write_text("工单编号,来电时间,诉求内容\nGD1,2025-01-13 09:00:00,工资没发\n", encoding="utf-8")
    assert gc.isenabled()
    read_raw(csv)
    assert seen == [False] and gc.isenabled()
    monkeypatch.setattr(sources, "_read_csv", lambda *a: 1 / 0)
    try:
        read_raw(csv)
    except ZeroDivisionError:
        pass
    assert gc.isenabled()  # after a failure too
    gc.disable()
    try:
        monkeypatch.setattr(sources, "_read_csv", real)
        read_raw(csv)
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()


def test_weekly_without_a_model_says_so_before_any_flow_runs(tmp_path, monkeypatch, capsys):
    from pipelines import cli, weekly

    monkeypatch.setenv("SHAOBING_HOME", str(tmp_path))
    ran = []
    monkeypatch.setattr(weekly, "weekly", lambda *a: ran.append(a))  # a flow would log a "crash"
    assert cli.main(["weekly"]) == 1
    assert ran == []
    assert "error: no model yet: run `shaobing retrain` first" in capsys.readouterr().err


def test_a_report_of_another_county_gets_no_area_from_its_town_or_text(tmp_path, monkeypatch):
    csv = tmp_path / "hotline.csv"
    csv.write_text("\n".join(["工单编号,来电时间,所属区县,所属街道,所属社区,诉求内容",
                              "GD1,2025-01-13 09:00:00,溪山县,城关街道,文昌社区,工资没发",    # ours
                              "GD2,2025-01-13 09:00:00,青山县,城关街道,文昌社区,城关街道文昌社区工资没发",
                              "GD3,2025-01-13 09:00:00,溪山,城关街道,文昌社区,工资没发"]) + "\n",  # ours by its stem
                   encoding="utf-8")
    reports, quarantine = prepared(csv, monkeypatch)
    assert quarantine.height == 0
    assert reports["area_code"].to_list() == ["369901001001", None, "369901001001"]


# ---------------------------------------------------------------- second trial: how files are read
def test_nul_characters_are_removed_from_cells_and_nul_padding_is_not_a_row(tmp_path, monkeypatch):
    csv = tmp_path / "hotline.csv"
    csv.write_bytes("工单编号,来电时间,诉求内容\r\nGD1,2025-01-13 09:00:00,工资三个\x00月没发\r\nGD2,2025-01-13 09:00:00,欠薪\r\n"
                    .encode("utf-8") + b"\x00" * 64)  # a file padded to its block with NULs
    raw = read_raw(csv)
    assert raw.rows[0][2] == "工资三个月没发" and raw.broken == []
    assert raw.notes == ["65 NUL character(s) removed (padding or damage, never text)"]
    reports, quarantine = prepared(csv, monkeypatch)
    assert reports["text"].to_list() == ["工资三个月没发", "欠薪"] and quarantine.height == 0


def test_a_nul_escaped_in_json_is_removed_but_an_escaped_backslash_before_u0000_is_text(tmp_path):
    path = tmp_path / "grid.jsonl"
    path.write_text('{"event_id": "E1", "reported_at": "2025-01-13", "description": "工资\\u0000没发"}\n'
                    '{"event_id": "E2", "reported_at": "2025-01-13", "description": "路径C:\\\\u0000"}\n', encoding="utf-8")
    raw = read_raw(path)
    assert [r[2] for r in raw.rows] == ["工资没发", "路径C:\\u0000"] and raw.notes == [
        "1 NUL character(s) removed (padding or damage, never text)"]


def test_a_nul_in_an_old_excel_cell_is_removed(tmp_path):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("信访登记")
    for row, cells in enumerate([["信访件编号", "登记日期", "信访事项"], ["XF1", "2025-01-13", "工资\x00没发"]]):
        for col, value in enumerate(cells):
            sheet.write(row, col, value)
    book.save(str(tmp_path / "p.xls"))
    assert read_raw(tmp_path / "p.xls").rows == [["XF1", "2025-01-13", "工资没发"]]


def test_a_vertically_merged_cell_s_value_belongs_to_every_row_it_spans(tmp_path, monkeypatch):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "信访登记"
    # from column B, below a title merged across: calamine's rows start at the sheet's first column
    sheet["B1"] = "溪山县信访登记表"
    sheet.merge_cells("B1:E1")
    for col, name in zip("BCDE", ["信访件编号", "登记日期", "问题属地", "信访事项"]):
        sheet[f"{col}2"] = name
    for row, (sid, text) in enumerate([("XF1", "欠薪"), ("XF2", "漏水"), ("XF3", "借款"), ("XF4", "征地")], start=3):
        sheet[f"B{row}"], sheet[f"E{row}"] = sid, text
    sheet["C3"], sheet["D3"] = "2025-01-13", "溪山县城关镇"
    sheet.merge_cells("C3:C5")    # one day's registrations
    sheet.merge_cells("D3:D4")    # one place's
    sheet["C6"] = "2025-01-14"    # below the merge: its own date
    book.save(tmp_path / "p.xlsx")
    raw = read_raw(tmp_path / "p.xlsx")
    assert [r[1] for r in raw.rows] == ["2025-01-13", "2025-01-13", "2025-01-13", "2025-01-14"]
    assert [r[2] for r in raw.rows] == ["溪山县城关镇", "溪山县城关镇", None, None]
    assert raw.notes[-1] == "sheet '信访登记': the value of each merged cell (C3:C5, D3:D4) read in every row it spans"
    reports, quarantine = prepared(tmp_path / "p.xlsx", monkeypatch)
    assert quarantine.height == 0 and reports["source_id"].to_list() == ["XF1", "XF2", "XF3", "XF4"]


def test_a_merged_cell_of_an_old_excel_file_is_read_in_every_row_it_spans(tmp_path):
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("信访登记")
    for col, name in enumerate(["信访件编号", "登记日期", "信访事项"]):
        sheet.write(0, col, name)
    for row in (1, 2, 3):
        sheet.write(row, 0, f"XF{row}")
    sheet.write(3, 2, "欠薪")
    sheet.write_merge(1, 2, 1, 2, "2025-01-13")  # two rows down and two columns across
    book.save(str(tmp_path / "p.xls"))
    rows = read_raw(tmp_path / "p.xls").rows
    assert [r[1] for r in rows] == ["2025-01-13", "2025-01-13", None]
    assert [r[2] for r in rows] == [None, None, "欠薪"]  # down its first column only: one value, not one per column


HOTLINE_ROWS = ["工单编号,来电时间,所属区县,诉求内容"] + [f"GD{i},2025-01-13 09:00:00,溪山县,包工头拖欠工资三个月未发，工人多次讨要无果。"
                                                  for i in range(1, 7)]


def test_gbk_bytes_after_a_utf8_byte_order_mark_are_read_as_gb18030(tmp_path, monkeypatch):
    csv = tmp_path / "hotline.csv"
    csv.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(HOTLINE_ROWS).encode("gbk"))  # a tool put a BOM on a GBK file
    raw = read_raw(csv)
    assert raw.encoding == "gb18030 (after a UTF-8 BOM)" and raw.header == HOTLINE_ROWS[0].split(",")
    reports, quarantine = prepared(csv, monkeypatch)
    assert reports.height == 6 and quarantine.height == 0 and reports["text"][0].startswith("包工头")


def test_a_big5_file_is_read_as_big5_not_as_gbk(tmp_path):
    csv = tmp_path / "hotline.csv"
    header = ["工單編號", "來電時間", "來電號碼", "所屬區縣", "詳細地址", "訴求內容"]
    rows = [[f"GD{i}", "2024-11-25 09:10:00", "13912345678", "溪山縣", "城關街道文昌社區建設路8號",
             "包工頭拖欠工資三個月未發，工人多次討要無果。"] for i in range(3)]
    csv.write_bytes("\r\n".join(",".join(r) for r in [header, *rows]).encode("big5"))
    raw = read_raw(csv)
    assert raw.encoding == "big5" and raw.header == header and raw.rows[0][5] == rows[0][5]


def test_a_header_line_in_another_encoding_is_named_as_unreadable(tmp_path):
    csv = tmp_path / "hotline.csv"
    csv.write_bytes("工单编号,来电时间,诉求内容\r\n".encode("gbk") + "GD1,2025-01-13 09:00,工资没发放\r\n".encode("utf-8"))
    with pytest.raises(sources.SourceError, match=r"hotline\.csv: its column names \[.*\] do not read as text in utf-8 "
                                                  r"\(damaged bytes\): the file is in another encoding, or its header line is"):
        read_raw(csv)


def test_a_small_utf8_file_with_two_gbk_lines_quarantines_just_those(tmp_path, monkeypatch):
    csv = tmp_path / "hotline.csv"
    csv.write_bytes(b"".join(line.encode("gbk" if i in (3, 4) else "utf-8") + b"\r\n"  # joined from two systems
                             for i, line in enumerate(HOTLINE_ROWS)))
    assert read_raw(csv).encoding == "utf-8 (damaged bytes)"
    reports, quarantine = prepared(csv, monkeypatch)
    assert reports["source_id"].to_list() == ["GD1", "GD2", "GD5", "GD6"]
    assert quarantine["row_number"].to_list() == [4, 5]
    assert set(quarantine["reason"]) == {"holds bytes that are not valid in the file's encoding"}


def test_a_file_mostly_in_neither_encoding_is_still_refused(tmp_path):
    csv = tmp_path / "hotline.csv"
    csv.write_bytes(HOTLINE_ROWS[0].encode("utf-8") + b"\r\n" + b"".join(line.encode("utf-8")[:-2] + b"\xff\xfe\r\n"
                                                                          for line in HOTLINE_ROWS[1:]))
    with pytest.raises(sources.SourceError, match=r"cannot decode the file as UTF-8 or GB18030: 6 of its 7 lines hold bytes"):
        read_raw(csv)


# ---------------------------------------------------------------- second trial: how rows are validated
def test_dates_as_chinese_english_and_java_exports_write_them_are_read(tmp_path, monkeypatch):
    csv = tmp_path / "hotline.csv"
    csv.write_text("\n".join(["工单编号,来电时间,诉求内容",
                              "GD1,2024年03月05日 15时,工资没发",
                              "GD2,3/15/2024 3:15:00 PM,工资没发",   # month-first: the file's order, from its 15
                              "GD3,3/5/2024 9:05 AM,工资没发",
                              "GD4,2024/3/5 15:00,工资没发"]) + "\n", encoding="utf-8")
    reports, quarantine = prepared(csv, monkeypatch)
    assert quarantine.height == 0
    assert reports["received_at"].to_list() == [dt.datetime(2024, 3, 5, 15), dt.datetime(2024, 3, 15, 15, 15),
                                                dt.datetime(2024, 3, 5, 9, 5), dt.datetime(2024, 3, 5, 15)]
    jsonl = tmp_path / "grid.jsonl"
    jsonl.write_text("\n".join(json.dumps({"event_id": f"E{i}", "reported_at": at, "description": "讨薪"}) for i, at in
                               enumerate(["Mon Nov 25 10:15:00 CST 2024", "2024-11-25T10:15:00+08:00[Asia/Shanghai]"])),
                     encoding="utf-8")
    reports, quarantine = prepared(jsonl, monkeypatch)
    assert quarantine.height == 0
    assert reports["received_at"].to_list() == [dt.datetime(2024, 11, 25, 10, 15)] * 2


def test_totals_and_sign_off_rows_under_the_data_are_quarantined_as_footers(tmp_path, monkeypatch):
    csv = tmp_path / "hotline.csv"
    csv.write_text("\n".join(["工单编号,来电时间,诉求内容", "GD1,2025-01-13 09:00:00,工资没发", "合计,,共1件",
                              "总计：1件,,", "制表人：张三,审核人：李四,导出时间：2025-01-14 10:00",
                              "制表日期：2025年1月14日"]) + "\n", encoding="utf-8")   # (a line of one cell)
    reports, quarantine = prepared(csv, monkeypatch)
    assert reports["source_id"].to_list() == ["GD1"]
    assert quarantine.sort("row_number")["reason"].to_list() == [f"a totals/footer row ({label}), not a report"
                                                                 for label in ("合计", "总计", "制表人", "制表日期")]
    assert set(quarantine["kind"]) == {"footer"}
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["信访件编号", "登记日期", "信访人数", "信访事项"])
    sheet.append(["XF1", "2025-01-13", 3, "村民反映合计被拖欠工资五万元"])
    sheet.append(["合计", None, "=SUM(C2:C2)", "共1件"])
    sheet.append(["制表人：张三", None, None, "制表日期：2025年1月14日"])
    book.save(tmp_path / "p.xlsx")
    reports, quarantine = prepared(tmp_path / "p.xlsx", monkeypatch)
    assert reports["source_id"].to_list() == ["XF1"]
    assert quarantine.sort("row_number")["reason"].to_list() == ["a totals/footer row (合计), not a report",
                                                                 "a totals/footer row (制表人), not a report"]


@pytest.mark.parametrize("name", ["p.xlsx", "h.csv"])
def test_a_file_with_a_header_and_no_rows_prepares_nothing_and_says_so(name, home, tmp_path, monkeypatch, prefect_harness):
    # a workbook's empty columns had no type: validating them failed with an internal error
    path = tmp_path / name
    if name.endswith(".xlsx"):
        book = openpyxl.Workbook()
        book.active.append(["信访件编号", "登记日期", "信访人数", "信访事项"])
        book.save(path)
    else:
        path.write_text("工单编号,来电时间,诉求内容\n", encoding="utf-8")
    reports, quarantine = prepared(path, monkeypatch)
    assert reports.height == 0 and quarantine.height == 0
    monkeypatch.setattr(ingest, "prepare_batch", ingest.prepare_batch.fn)   # outside a flow run
    done = ingest._prepare(str(path), read_areas(SAMPLE / "areas.csv")[0], "salt")
    assert done.rows_in == 0 and "the file has its header but no rows under it" in done.notes


def _two_row_header_book(path, vertical=True):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["信访件编号", "登记日期", "信访人信息", None, None, "信访事项"])
    sheet.append([None, None, "信访人", "身份证号", "联系电话", None])
    sheet.merge_cells("C1:E1")
    if vertical:   # the other names merged down both rows, as such a sheet is usually drawn
        for column in "ABF":
            sheet.merge_cells(f"{column}1:{column}2")
    sheet.append(["X1", "2025-01-13", "张三", "110101199003071234", "13800138000", "工地拖欠工资"])
    sheet.append(["X2", "2025-01-14", "李四", "110101198805051234", "13900139000", "借款不还"])
    book.save(path)
    return path


@pytest.mark.parametrize("vertical", [True, False])
def test_a_header_over_two_rows_is_read_as_one(vertical, tmp_path, monkeypatch):
    # 信访人信息 merged over 信访人 / 身份证号 / 联系电话: the second header row was a quarantined
    # "report", and the three columns were lost (no reporter key, so no repeat petitioners)
    raw = read_raw(_two_row_header_book(tmp_path / "p.xlsx", vertical))
    assert raw.header == ["信访件编号", "登记日期", "信访人", "身份证号", "联系电话", "信访事项"]
    assert raw.row_numbers == [3, 4] and not raw.broken
    assert raw.notes[0] == "sheet 'Sheet': its header spans rows 1 and 2; read as one (信访人信息: 信访人/身份证号/联系电话)"
    reports, quarantine = prepared(tmp_path / "p.xlsx", monkeypatch)
    assert reports.height == 2 and quarantine.height == 0
    assert reports["reporter_key"].null_count() == 0


@pytest.mark.parametrize("title", [False, True])
def test_a_csv_header_over_two_rows_is_read_as_one(title, tmp_path, monkeypatch):
    # The same sheet saved as CSV: the second header row was a quarantined "report" and 信访人,
    # 身份证号 and 联系电话 columns of no name (no reporter key, so no repeat petitioners)
    path = tmp_path / "p.csv"
    path.write_text(("信访登记表\n" if title else "")
                    + "信访件编号,登记日期,信访人信息,,,信访事项\n,,信访人,身份证号,联系电话,\n"
                    "X1,2025-01-13,张三,110101199003071234,13800138000,工地拖欠工资\n"
                    "X2,2025-01-14,李四,110101198805051234,13900139000,借款不还\n", encoding="utf-8")
    raw = read_raw(path)
    assert raw.header == ["信访件编号", "登记日期", "信访人", "身份证号", "联系电话", "信访事项"]
    first = 2 if title else 1
    assert raw.row_numbers == [first + 2, first + 3] and not raw.broken
    assert raw.notes[-1] == f"its header spans lines {first} and {first + 1}; read as one (信访人信息: 信访人/身份证号/联系电话)"
    reports, quarantine = prepared(path, monkeypatch)
    assert reports.height == 2 and quarantine.height == 0
    assert reports["reporter_key"].null_count() == 0


def test_a_csv_whose_first_row_of_data_has_blanks_keeps_its_one_row_header(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("工单编号,来电时间,备注,诉求内容\n,,补充材料,\nGD1,2025-01-13 09:00,,工资拖欠\n", encoding="utf-8")
    raw = read_raw(path)
    assert raw.header == ["工单编号", "来电时间", "备注", "诉求内容"]
    assert raw.row_numbers == [2, 3] and raw.rows[1][0] == "GD1"


def test_a_first_row_of_data_is_not_taken_for_a_second_header_row(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["信访件编号", "登记日期", "信访人", "备注", "信访事项"])
    sheet.append([None, None, None, "补充材料", None])          # one note in a blank-ish first row
    sheet.append(["X1", "2025-01-13", "张三", None, "工地拖欠工资"])
    book.save(tmp_path / "p.xlsx")
    raw = read_raw(tmp_path / "p.xlsx")
    assert raw.header == ["信访件编号", "登记日期", "信访人", "备注", "信访事项"]
    assert raw.row_numbers == [2, 3]


def test_a_group_of_columns_about_someone_else_is_not_taken_for_the_reporters(tmp_path, monkeypatch):
    # 被反映人信息 over 姓名 / 联系电话 before 信访人信息 over 信访人 / 联系电话: the accused's phone
    # must not become the petitioner's (three petitioners would share one reporter key)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["信访件编号", "登记日期", "被反映人信息", None, "信访人信息", None, "信访事项"])
    sheet.append([None, None, "姓名", "联系电话", "信访人", "联系电话", None])
    sheet.merge_cells("C1:D1")
    sheet.merge_cells("E1:F1")
    for i, (name, phone) in enumerate([("张三", "13800138001"), ("李四", "13800138002"), ("王五", "13800138003")]):
        sheet.append([f"X{i}", "2025-01-13", "刘某某", "13900000000", name, phone, "包工头刘某某拖欠工资"])
    book.save(tmp_path / "p.xlsx")
    raw = read_raw(tmp_path / "p.xlsx")
    assert raw.header == ["信访件编号", "登记日期", "被反映人信息姓名", "被反映人信息联系电话", "信访人", "联系电话", "信访事项"]
    reports, _ = prepared(tmp_path / "p.xlsx", monkeypatch)
    assert reports["reporter_key"].n_unique() == 3
