"""Each source: recognised from its columns, header variants accepted, a missing column and a
wrongly encoded file get a clear error naming the file."""
from __future__ import annotations

import json

import pytest

from pipelines.sources import SourceError, detect_channel, read_raw

HOTLINE = "工单编号,来电时间,来电号码,所属区县,所属街道,所属社区,详细地址,诉求标题,诉求内容,诉求类型\n" \
          "GD1,2025-01-13 09:31:07,13812345678,溪山县,青石镇,桃园村,桃园村三组,欠薪,包工头拖欠工资三个月,劳动保障/拖欠工资\n"
PETITION_HEADER = ["信访件编号", "登记日期", "信访形式", "信访人数", "信访人", "身份证号", "联系电话", "问题属地",
                   "被反映对象", "信访事项", "内容分类"]
GRID = {"event_id": "WG1", "reported_at": "2025-01-13T15:20:00", "grid_code": "369901003002-004", "grid_worker": "李四",
        "event_type": "矛盾纠纷-邻里纠纷", "description": "巡查发现楼上漏水引发邻里纠纷", "lon": 115.9, "lat": 28.5, "status": "已受理"}


def write_xlsx(path, header, rows):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for r in rows:
        sheet.append(r)
    book.save(path)


def test_an_online_message_board_export_is_read_as_the_hotline_s_web_channel(tmp_path, monkeypatch):
    """网上留言 / 市长信箱 exports (留言编号, 留言用户, 留言主题, 留言时间, 留言详情): the 12345
    platform's web channel. The writer's account is personal: withheld, and only its salted hash
    is kept, so that one writer's messages meet as a repeat reporter's."""
    import datetime as dt

    from pipelines import ingest
    from pipelines.areas import read_areas
    from tests.conftest import SAMPLE

    monkeypatch.setenv("SHAOBING_WORKERS", "1")
    path = tmp_path / "留言.csv"
    path.write_text("留言编号,留言用户,留言主题,留言时间,留言详情,一级标签\n"
                    "24,A00074011,西湖小区开发商逾期交房,2020/1/6 12:09:38,开发商逾期两年不交房,城乡建设\n"
                    "37,A00074011,再次反映交房问题,2020/3/4 11:17:46,业主仍未收房,城乡建设\n"
                    "38,U0008473,工资拖欠,2020/3/5 08:00:00,包工头拖欠工资三个月,劳动和社会保障\n"
                    "39,U0008474,无日期,,留言缺日期,其他\n", encoding="utf-8")
    raw = read_raw(path)
    module, found = detect_channel(raw.header, path)
    assert module.CHANNEL == "hotline"
    assert found == {"source_id": "留言编号", "account": "留言用户", "title": "留言主题", "received_at": "留言时间",
                     "text": "留言详情", "source_category": "一级标签"}
    _, reports, check = ingest.prepare_batch.fn(raw, read_areas(SAMPLE / "areas.csv")[0], "B1", "salt",
                                                dt.datetime(2026, 12, 1))
    assert reports["report_id"].to_list() == ["hotline:24", "hotline:37", "hotline:38"]
    assert reports["title"][0] == "西湖小区开发商逾期交房" and reports["source_category"][2] == "劳动和社会保障"
    keys = reports["reporter_key"].to_list()
    assert keys[0] == keys[1] != keys[2] and None not in keys
    quarantined = check.frame()
    assert quarantined["row_number"].to_list() == [5] and "U0008474" not in quarantined["raw"][0]


def test_a_message_board_account_keys_a_writer_apart_from_phones_and_placeholders_key_no_one():
    from features.pii import reporter_key

    assert reporter_key("s", None, account="ａ00074011 ") == reporter_key("s", None, account="A00074011")
    assert reporter_key("s", None, account="13812345678") != reporter_key("s", "13812345678")
    assert reporter_key("s", "13812345678", account="A00074011") == reporter_key("s", "13812345678")
    assert reporter_key("s", None, account="匿名网友") is None and reporter_key("s", None, account="A1") is None
    assert reporter_key("s", None, account="热心市民") is None and reporter_key("s", None, account="微信用户") is None


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_hotline_csv_is_read_in_each_encoding(tmp_path, encoding):
    path = tmp_path / "h.csv"
    path.write_bytes(HOTLINE.encode(encoding))
    raw = read_raw(path)
    module, found = detect_channel(raw.header, path)
    assert module.CHANNEL == "hotline"
    assert raw.rows[0][raw.header.index("诉求内容")] == "包工头拖欠工资三个月"


def test_hotline_header_variants_are_accepted(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("工单号,受理时间,来电内容,工单类型\nGD1,2025-01-13,工资没发,其他\n", encoding="utf-8")
    raw = read_raw(path)
    module, found = detect_channel(raw.header, path)
    assert module.CHANNEL == "hotline" and found["text"] == "来电内容"


def test_petition_xlsx_is_recognised(tmp_path):
    path = tmp_path / "p.xlsx"
    write_xlsx(path, PETITION_HEADER, [["XF1", "2025-03-04", "来访", 32, "张某某等32人", "", "", "溪山县白沙镇", "聚财宝", "集资款无法兑付", "经济管理-非法集资"]])
    raw = read_raw(path)
    assert detect_channel(raw.header, path)[0].CHANNEL == "petition"


def test_grid_jsonl_is_recognised(tmp_path):
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps(GRID, ensure_ascii=False) + "\n", encoding="utf-8")
    raw = read_raw(path)
    assert detect_channel(raw.header, path)[0].CHANNEL == "grid"


@pytest.mark.parametrize("name, content, missing", [
    ("h.csv", "工单编号,来电时间,来电号码,诉求标题,诉求类型\nGD1,2025-01-13,138,标题,其他\n", "诉求内容"),
    ("g.jsonl", json.dumps({k: v for k, v in GRID.items() if k != "reported_at"}, ensure_ascii=False) + "\n", "reported_at"),
])
def test_a_missing_column_is_named(tmp_path, name, content, missing):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    raw = read_raw(path)
    with pytest.raises(SourceError, match=missing) as err:
        detect_channel(raw.header, path)
    assert str(path) in str(err.value)


def test_petition_missing_column_is_named(tmp_path):
    path = tmp_path / "p.xlsx"
    header = [h for h in PETITION_HEADER if h != "信访事项"]
    write_xlsx(path, header, [["XF1", "2025-03-04", "来访", 1, "张三", "", "", "溪山县", "", "其他"]])
    raw = read_raw(path)
    with pytest.raises(SourceError, match="信访事项"):
        detect_channel(raw.header, path)


@pytest.mark.parametrize("name, data", [
    ("h.csv", bytes(range(256)) * 40),                       # random bytes, no encoding fits
    ("g.jsonl", b"\x80\x81\xfe\xff" * 500),
])
def test_an_undecodable_file_is_refused_with_its_name(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(SourceError) as err:
        read_raw(path)
    assert str(path) in str(err.value)


def test_a_truncated_xlsx_is_refused_with_its_name(tmp_path):
    good = tmp_path / "p.xlsx"
    write_xlsx(good, PETITION_HEADER, [["XF1"] + [""] * 10])
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(good.read_bytes()[:300])
    with pytest.raises(SourceError, match="bad.xlsx"):
        read_raw(bad)


def test_a_file_that_is_no_workbook_says_so(tmp_path):
    fake = tmp_path / "导出.xlsx"
    fake.write_text("工单编号,来电时间\nGD1,2025-01-13\n", encoding="utf-8")  # a CSV saved under .xlsx
    with pytest.raises(SourceError, match=r"导出\.xlsx: not a readable XLSX workbook.*not an Excel or OpenDocument file"):
        read_raw(fake)


def test_a_password_protected_workbook_says_so(tmp_path):
    import io

    from msoffcrypto.format.ooxml import OOXMLFile

    plain = tmp_path / "p.xlsx"
    write_xlsx(plain, PETITION_HEADER, [["XF1"] + [""] * 10])
    locked = io.BytesIO()
    with plain.open("rb") as fh:
        OOXMLFile(fh).encrypt("密码123", locked)
    (tmp_path / "加密.xlsx").write_bytes(locked.getvalue())
    with pytest.raises(SourceError, match=r"加密\.xlsx: the workbook is password-protected; save it without a password"):
        read_raw(tmp_path / "加密.xlsx")


def test_an_old_excel_97_xls_export_is_read_like_its_xlsx(tmp_path, monkeypatch):
    """Older case systems export .xls (BIFF8): its rows, dates and numbers come out as the .xlsx's."""
    import datetime as dt

    import xlwt

    monkeypatch.setenv("SHAOBING_WORKERS", "1")
    rows = [["XF1", dt.datetime(2025, 1, 13, 9, 30), "来信", 3, "张三", "", "13812345678", "溪山县青石镇桃园村", "",
             "包工头拖欠工资三个月，电话13812345678", "劳动社保-拖欠工资"],
            ["XF2", dt.date(2025, 1, 14), "走访", 12.0, "李四", "", "", "溪山县", "", "楼上漏水", "民政-婚姻家庭"]]
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("信访登记")
    sheet.write(0, 0, "溪山县信访局登记表")  # a title above the header
    when = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm")
    for j, name in enumerate(PETITION_HEADER):
        sheet.write(1, j, name)
    for i, row in enumerate(rows, start=2):
        for j, value in enumerate(row):
            sheet.write(i, j, value, when) if isinstance(value, dt.date) else sheet.write(i, j, value)
    book.save(str(tmp_path / "信访登记.xls"))
    write_xlsx(tmp_path / "信访登记.xlsx", PETITION_HEADER, rows)
    old, new = read_raw(tmp_path / "信访登记.xls"), read_raw(tmp_path / "信访登记.xlsx")
    assert old.encoding == "xls" and old.row_numbers == [3, 4] and any("title" in n for n in old.notes)
    assert (old.header, old.rows) == (new.header, new.rows)
    assert old.rows[0][1] == "2025-01-13 09:30:00" and old.rows[1][1] == "2025-01-14 00:00:00" and old.rows[0][3] == "3"
    _, reports, quarantine = prepared(tmp_path / "信访登记.xls")
    assert reports["source_id"].to_list() == ["XF1", "XF2"] and quarantine.height == 0
    assert reports["people_count"].to_list() == [3, 12]
    assert "13812345678" not in reports["text"][0] and "13812345678" not in reports["raw"][0]


def test_workbook_cells_read_as_openpyxl_read_them(tmp_path):
    """A row's hash recognises a second delivery of a stored report, so a workbook's cells must
    read as they did with the reader before calamine (openpyxl): dates, times, numbers, booleans."""
    import datetime as dt

    import openpyxl

    from pipelines.sources import _cell

    row = [dt.datetime(2024, 1, 5, 9, 30), dt.date(2024, 1, 5), dt.time(9, 30), 12345678901234, 3.5, True, False,
           2.0, 0.1 + 0.2, "  文字 ", None, "", dt.datetime(2024, 1, 5, 9, 30, 15)]
    write_xlsx(tmp_path / "t.xlsx", [f"c{i}" for i in range(len(row))], [row])
    expected = [_cell(v) for v in next(openpyxl.load_workbook(tmp_path / "t.xlsx", read_only=True, data_only=True)
                                       .active.iter_rows(min_row=2, values_only=True))]
    assert read_raw(tmp_path / "t.xlsx").rows == [expected]


def test_a_gb18030_file_with_one_damaged_row_keeps_the_rest(tmp_path):
    path = tmp_path / "h.csv"
    good = HOTLINE.encode("gb18030")
    damaged = "GD2,2025-01-14 10:00:00,,溪山县,,,,标题,".encode("gb18030") + b"\x81\x20\x81" + ",其他\n".encode("gb18030")
    path.write_bytes(good + damaged)
    raw = read_raw(path)
    assert len(raw.rows) == 2 and "\ufffd" in "".join(c or "" for c in raw.rows[1])


def test_a_ragged_csv_row_is_kept_as_broken(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text(HOTLINE + "GD3,2025-01-15,only,three\n", encoding="utf-8")
    raw = read_raw(path)
    assert len(raw.rows) == 1 and raw.broken[0][0] == 3 and "fields" in raw.broken[0][1]


def test_xlsx_cells_beyond_the_header_make_the_row_broken_not_lost(tmp_path):
    path = tmp_path / "p.xlsx"
    write_xlsx(path, ["信访件编号", "登记日期", "信访事项"],
               [["X1", "2025-01-13", "拖欠工资"], ["X2", "2025-01-14", "拖欠工资", "多出来的一格"]])
    raw = read_raw(path)
    assert [r[0] for r in raw.rows] == ["X1"]
    (number, reason, text), = raw.broken
    assert number == 3 and "beyond the header" in reason and "多出来的一格" in text


def test_a_jsonl_file_of_only_bad_lines_names_the_first_problem(tmp_path):
    path = tmp_path / "grid.jsonl"
    path.write_text('{"event_id": "E1", "reported_at": \n[1, 2]\n', encoding="utf-8")
    with pytest.raises(SourceError, match=r"grid.jsonl: no JSON object on any line; line 1: not valid JSON"):
        read_raw(path)


# ---------------------------------------------------------------- workbooks of several sheets
def prepared(path):
    import datetime as dt

    import polars as pl

    from pipelines import ingest
    from pipelines.validate import dedupe

    raw = read_raw(path)
    empty = pl.DataFrame(schema={"area_code": pl.Utf8, "name": pl.Utf8, "level": pl.Utf8, "parent_code": pl.Utf8})
    _, reports, check = ingest.prepare_batch.fn(raw, empty, "B1", "salt", dt.datetime(2026, 12, 1))
    fresh = dedupe(reports, pl.DataFrame(schema={"report_id": pl.Utf8, "row_hash": pl.Utf8}), check)
    return raw, fresh, check.frame()


def test_every_data_sheet_of_a_workbook_is_read_and_other_sheets_are_named(tmp_path, monkeypatch):
    import openpyxl

    monkeypatch.setenv("SHAOBING_WORKERS", "1")
    header = ["信访件编号", "登记日期", "信访事项"]
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "填表说明"
    notes.append(["本表每月一页，请勿修改表头"])
    jan = book.create_sheet("1月")
    jan.append(["2025年1月信访登记"])  # a title above the header
    jan.append(header)
    jan.append(["XF101", "2025-01-13", "工资没发"])
    feb = book.create_sheet("2月")
    feb.append(header)
    feb.append(["XF201", "2025-02-03", "房子漏水"])
    feb.append(["XF202", "不是日期", "借钱不还"])
    feb.append(["XF101", "2025-01-13", "工资没发"])  # the January row again
    book.save(tmp_path / "信访登记.xlsx")
    raw, reports, quarantine = prepared(tmp_path / "信访登记.xlsx")
    assert sorted(reports["source_id"].to_list()) == ["XF101", "XF201"]
    assert len(raw.rows) == 4 and reports.height + quarantine.height == 4, "a sheet's rows were lost"
    rows = {r["reason"]: r for r in quarantine.to_dicts()}
    bad_date = next(r for reason, r in rows.items() if "'不是日期'" in reason)
    assert (bad_date["file_name"], bad_date["row_number"]) == ("信访登记.xlsx [2月]", 3)
    assert "same record as row 3 of sheet '1月' above" in rows
    assert any("填表说明" in n and "match no channel" in n for n in raw.notes)
    assert any("1月" in n and "title" in n for n in raw.notes)


def test_a_header_below_a_title_is_found_and_one_sheet_keeps_plain_file_names(tmp_path, monkeypatch):
    import openpyxl

    monkeypatch.setenv("SHAOBING_WORKERS", "1")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["溪山县信访局"])
    sheet.append([])
    sheet.append(["信访件编号", "登记日期", "信访事项"])
    sheet.append(["XF1", "不是日期", "工资没发"])
    book.save(tmp_path / "p.xlsx")
    raw, reports, quarantine = prepared(tmp_path / "p.xlsx")
    assert raw.header == ["信访件编号", "登记日期", "信访事项"] and raw.sheets is None
    assert quarantine.select("file_name", "row_number").row(0) == ("p.xlsx", 4)


def test_sheets_of_different_columns_are_refused_with_a_clear_error(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["信访件编号", "登记日期", "信访事项"])
    book.active.append(["XF1", "2025-01-13", "工资没发"])
    other = book.create_sheet("热线")
    other.append(["工单编号", "来电时间", "诉求内容"])
    other.append(["GD1", "2025-01-13", "工资没发"])
    book.save(tmp_path / "mixed.xlsx")
    with pytest.raises(SourceError, match=r"mixed\.xlsx: sheets .* different columns; save each sheet"):
        read_raw(tmp_path / "mixed.xlsx")


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_sheet_is_not_loaded_and_is_named(tmp_path, monkeypatch, state):
    import openpyxl

    monkeypatch.setenv("SHAOBING_WORKERS", "1")
    header = ["信访件编号", "登记日期", "信访事项"]
    book = openpyxl.Workbook()
    book.active.title = "信访登记"
    book.active.append(header)
    book.active.append(["XF1", "2025-01-13", "工资没发"])
    deleted = book.create_sheet("已删除")  # the same columns: registrations struck off, kept out of sight
    deleted.append(header)
    deleted.append(["XF9", "2025-01-13", "【作废】测试数据"])
    deleted.sheet_state = state
    book.save(tmp_path / "p.xlsx")
    raw, reports, quarantine = prepared(tmp_path / "p.xlsx")
    assert reports["source_id"].to_list() == ["XF1"] and quarantine.height == 0 and raw.sheets is None
    assert "sheet '已删除' not loaded: it is hidden (unhide it and load the file again if it holds reports)" in raw.notes


def test_a_workbook_whose_visible_sheets_hold_no_reports_names_its_hidden_ones(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["本表由系统导出"])
    data = book.create_sheet("登记")
    data.append(["信访件编号", "登记日期", "信访事项"])
    data.append(["XF1", "2025-01-13", "工资没发"])
    data.sheet_state = "hidden"
    book.save(tmp_path / "p.xlsx")
    with pytest.raises(SourceError, match=r"p\.xlsx: no visible sheet holds reports; hidden sheet\(s\) '登记' do, and a hidden "
                                          r"sheet is not loaded: unhide it"):
        read_raw(tmp_path / "p.xlsx")
    data.title = "下拉选项"  # a hidden list for drop-downs, under an empty visible sheet
    data.delete_rows(1, 2)
    data.append(["来信"])
    book.remove(book.worksheets[0])
    book.create_sheet("登记", 0)
    book.save(tmp_path / "p.xlsx")
    with pytest.raises(SourceError, match=r"p\.xlsx: the workbook's sheets are empty \(its hidden sheet\(s\) '下拉选项' are not"):
        read_raw(tmp_path / "p.xlsx")


@pytest.mark.parametrize("above", ["12345热线工单导出 2025年1月\n", "\n\n", "导出时间：2025-02-01\n\n"])
def test_a_csv_header_below_a_title_or_blank_lines_is_found(tmp_path, monkeypatch, above):
    monkeypatch.setenv("SHAOBING_WORKERS", "1")
    path = tmp_path / "h.csv"
    path.write_text(above + "工单编号;来电时间;诉求内容\nGD1;2025-01-13 09:00;工资没发\nGD2;不是日期;欠薪\n", encoding="utf-8")
    raw, reports, quarantine = prepared(path)
    assert raw.header == ["工单编号", "来电时间", "诉求内容"]
    assert reports["source_id"].to_list() == ["GD1"]
    lines = above.count("\n")
    assert quarantine.select("row_number").item() == lines + 3  # the file's own line number
    assert bool(raw.notes) == bool(above.strip())


def test_ids_keep_their_digits_through_a_spreadsheet_s_escapes(tmp_path, monkeypatch):
    monkeypatch.setenv("SHAOBING_WORKERS", "1")
    path = tmp_path / "h.csv"
    path.write_text('工单编号,来电时间,来电号码,诉求内容\n'
                    '="2025011300011",2025-01-13 09:00,="13812345678",公式包裹的编号\n'
                    "'2025011300013,2025-01-13 09:00,13812345670,单引号前缀的编号\n"
                    '"=""2025011300014""",2025-01-13 09:00,13812345671,带引号的公式编号\n'
                    '2025011300003.0,2025-01-13 09:00,13812345672,存成小数的编号\n'
                    '2.02501E+12,2025-01-13 09:00,13812345673,科学计数法的编号\n', encoding="utf-8")
    raw, reports, quarantine = prepared(path)
    assert reports["source_id"].to_list() == ["2025011300011", "2025011300013", "2025011300014", "2025011300003"]
    assert reports["reporter_key"].null_count() == 0
    (q,) = quarantine.to_dicts()
    assert q["row_number"] == 6 and q["column"] == "工单编号" and "scientific notation" in q["reason"]


def test_nested_json_values_are_kept_as_json_and_invisible_text_is_empty(tmp_path, monkeypatch):
    monkeypatch.setenv("SHAOBING_WORKERS", "1")
    path = tmp_path / "grid.jsonl"
    rows = [{"event_id": "E1", "reported_at": "2025-01-13", "description": {"text": "小区烂尾交房难", "images": 2}},
            {"event_id": "E2", "reported_at": "2025-01-13", "description": ["数组描述一", "数组描述二"], "urgent": True},
            {"event_id": "E3", "reported_at": "2025-01-13", "description": "\u200b\ufeff \u200d"}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    raw, reports, quarantine = prepared(path)
    assert reports["text"].to_list() == ['{"text": "小区烂尾交房难", "images": 2}', '["数组描述一", "数组描述二"]']
    assert raw.rows[1][raw.header.index("urgent")] == "true"
    (q,) = quarantine.to_dicts()
    assert q["row_number"] == 3 and q["reason"] == "empty: expected the report's text"


@pytest.mark.parametrize("indent", [None, 2])  # compact on one line, and pretty-printed
@pytest.mark.parametrize("wrap, where", [
    (lambda rows: rows, "a JSON array"),
    (lambda rows: {"code": 0, "msg": "ok", "data": rows}, "the JSON array at $.data"),
    # as export tools write it: two levels down, beside a count; the records' own arrays are values
    (lambda rows: {"code": 200, "msg": "success", "data": {"total": 3, "pageNo": 1, "list": rows}},
     "the JSON array at $.data.list"),
    (lambda rows: {"结果": {"事件列表": rows, "tags": ["a", "b"]}}, "the JSON array at $.结果.事件列表"),
])
def test_a_json_document_holding_an_array_of_records_is_read(tmp_path, monkeypatch, wrap, where, indent):
    monkeypatch.setenv("SHAOBING_WORKERS", "1")
    rows = [{**GRID, "event_id": "WG1", "photos": [{"url": "a.jpg"}]}, {**GRID, "event_id": "WG2", "reported_at": "不是日期"},
            "not a record"]
    path = tmp_path / "grid.json"
    path.write_text(json.dumps(wrap(rows), ensure_ascii=False, indent=indent), encoding="utf-8")
    raw, reports, quarantine = prepared(path)
    assert reports["source_id"].to_list() == ["WG1"]
    assert sorted(quarantine["row_number"].to_list()) == [2, 3]   # the records' numbers
    assert raw.notes[0] == f"read as {where} of 3 records (row numbers count the records)"


def test_a_json_object_holding_two_arrays_of_records_is_refused_naming_both(tmp_path):
    path = tmp_path / "grid.json"
    document = {"data": {"rows": [GRID, GRID]}, "errors": [{"row": 3, "msg": "字段缺失"}]}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SourceError, match=r"grid\.json: the JSON object holds 2 arrays of records \(\$\.errors: 1 record, "
                                          r"\$\.data\.rows: 2 records\) and which of them holds the reports cannot be told"):
        read_raw(path)


def test_a_pretty_printed_json_object_is_one_record(tmp_path):
    path = tmp_path / "grid.json"
    path.write_text(json.dumps(GRID, ensure_ascii=False, indent=2), encoding="utf-8")
    raw = read_raw(path)
    assert raw.rows[0][raw.header.index("event_id")] == "WG1" and len(raw.rows) == 1 and raw.broken == []


def test_headers_with_a_required_mark_or_a_note_in_brackets_and_an_unused_repeated_column_load(tmp_path, monkeypatch):
    monkeypatch.setenv("SHAOBING_WORKERS", "1")
    path = tmp_path / "h.csv"
    path.write_text("*工单编号,来电时间（受理）,诉求内容(详情),备注,备注\nGD1,2025-01-13 09:00,工资没发,甲,乙\n", encoding="utf-8")
    raw, reports, quarantine = prepared(path)
    assert reports["source_id"].to_list() == ["GD1"] and reports["text"].to_list() == ["工资没发"]
    assert raw.header[-2:] == ["备注", "备注 [column 5]"]
    path.write_text("工单编号,来电时间,诉求内容,诉求内容\nGD1,2025-01-13 09:00,工资没发,欠薪\n", encoding="utf-8")
    with pytest.raises(SourceError, match="column '诉求内容' appears twice .columns 3, 4.: keep one"):
        detect_channel(read_raw(path).header, path)


@pytest.mark.parametrize("note", ["（受理）", "(受理)", "【受理】", "〔受理〕", "［受理］"])
def test_a_note_in_any_bracket_after_a_header_still_matches_its_column(tmp_path, note):
    path = tmp_path / "h.csv"
    path.write_text(f"工单编号,来电时间{note},诉求内容\nGD1,2025-01-13 09:00,工资没发\n", encoding="utf-8")
    module, found = detect_channel(read_raw(path).header, path)
    assert module.CHANNEL == "hotline" and found["received_at"] == f"来电时间{note}"


def test_json_lines_with_a_byte_order_mark_on_every_line_all_load(tmp_path):
    path = tmp_path / "grid.jsonl"
    lines = [json.dumps({**GRID, "event_id": f"WG{i}"}, ensure_ascii=False) for i in range(3)]
    path.write_bytes(b"\r\n".join(b"\xef\xbb\xbf" + line.encode("utf-8") for line in lines))  # parts of joined exports
    raw = read_raw(path)
    assert raw.broken == [] and [r[0] for r in raw.rows] == ["WG0", "WG1", "WG2"] and raw.row_numbers == [1, 2, 3]


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_a_carriage_return_inside_a_cell_does_not_cut_its_row_in_two(tmp_path, end):
    # Some systems write a line break in a text as a bare \r without quoting the cell: read as a line
    # end it loaded the first half of the report and quarantined the rest as a row of its own.
    path = tmp_path / "h.csv"
    path.write_bytes(("工单编号,来电时间,诉求内容" + end + "GD1,2026-11-02 09:00,工资\r拖欠三个月" + end
                      + 'GD2,2026-11-02 10:00,"引号里\r也一样"' + end + "GD3,2026-11-02\r太短" + end).encode())
    raw = read_raw(path)
    assert raw.rows == [["GD1", "2026-11-02 09:00", "工资\r拖欠三个月"], ["GD2", "2026-11-02 10:00", "引号里\r也一样"]]
    assert raw.row_numbers == [2, 3]
    assert raw.broken == [(4, "has 2 fields, the header has 3", '["GD3", "2026-11-02\\r太短"]')]  # as written


def test_a_file_whose_lines_end_in_carriage_returns_alone_is_read_line_by_line(tmp_path):
    path = tmp_path / "h.csv"
    path.write_bytes("工单编号,来电时间,诉求内容\rGD1,2026-11-02 09:00,工资拖欠\rGD2,2026-11-02 10:00,噪音\r".encode())
    assert [r[0] for r in read_raw(path).rows] == ["GD1", "GD2"]


def test_a_tab_separated_file_whose_texts_hold_as_many_commas_is_read_by_its_tabs(tmp_path):
    # found by the property test: the tie between two commas and two tabs a line went to the comma
    path = tmp_path / "h.csv"
    path.write_text("工单编号\t来电时间\t诉求内容\nA1\t2026-11-02 09:00\t,,\nA2\t2026-11-02 10:00\t,,\n", encoding="utf-8")
    raw = read_raw(path)
    assert raw.header == ["工单编号", "来电时间", "诉求内容"] and [r[0] for r in raw.rows] == ["A1", "A2"]


def test_lines_ending_in_a_doubled_carriage_return_still_read(tmp_path):
    # a \r\n file saved again in text mode: \r\r\n (its first \r is no cell's)
    path = tmp_path / "h.csv"
    path.write_bytes("工单编号,来电时间,诉求内容\r\r\nGD1,2026-11-02 09:00,工资拖欠\r\r\n".encode())
    raw = read_raw(path)
    assert raw.header == ["工单编号", "来电时间", "诉求内容"] and raw.rows == [["GD1", "2026-11-02 09:00", "工资拖欠"]]


def test_an_old_mac_file_with_a_line_break_quoted_in_a_cell_reads_its_rows(tmp_path):
    # lines end in \r, and Excel writes a break inside a cell as a quoted \n
    path = tmp_path / "h.csv"
    path.write_bytes('工单编号,来电时间,诉求内容\rGD1,2026-11-02 09:00,"第一行\n第二行"\rGD2,2026-11-02 10:00,噪音\r'.encode())
    raw = read_raw(path)
    assert raw.rows == [["GD1", "2026-11-02 09:00", "第一行\n第二行"], ["GD2", "2026-11-02 10:00", "噪音"]]
