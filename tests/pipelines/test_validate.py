"""Typing and validation of raw rows: every row ends as a report or a quarantine row with a reason."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pipelines.sources import RawFile, hotline, petition
from pipelines.sources import find_columns
from pipelines.validate import (WITHHELD, Checker, dedupe, link_near_duplicates, parse_count, parse_datetimes,
                                raw_frame, slash_order, validate)

NOW = dt.datetime(2026, 11, 28)


@pytest.mark.parametrize("text, expected", [
    ("2025-01-13 09:31:07", dt.datetime(2025, 1, 13, 9, 31, 7)),
    ("2019-3-5 9:05:00", dt.datetime(2019, 3, 5, 9, 5)),       # no zero padding, as some exports write
    ("2019/8/19", dt.datetime(2019, 8, 19)),
    ("2019年8月19日", dt.datetime(2019, 8, 19)),
    ("2025-01-13T15:20:00", dt.datetime(2025, 1, 13, 15, 20)),
    ("45678", dt.datetime(2025, 1, 21)),                      # an Excel serial day number
    ("45678.5", dt.datetime(2025, 1, 21, 12)),
    ("20250113", dt.datetime(2025, 1, 13)),
    ("2025-01-13T01:31:07Z", dt.datetime(2025, 1, 13, 9, 31, 7)),        # UTC, read as Beijing time
    ("2025-01-13T09:31:07+08:00", dt.datetime(2025, 1, 13, 9, 31, 7)),
    ("2025-01-13 10:31:07.250+0900", dt.datetime(2025, 1, 13, 9, 31, 7, 250000)),
    ("1736731867", dt.datetime(2025, 1, 13, 9, 31, 7)),                  # Unix seconds
    ("1736731867000", dt.datetime(2025, 1, 13, 9, 31, 7)),               # Unix milliseconds
    ("下周一", None),
    ("2025-13-45", None),
    ("2025年1月13日 上午9:05", dt.datetime(2025, 1, 13, 9, 5)),              # 上午 / 下午, as Chinese Excel writes
    ("2025/1/13 下午 3:05:00", dt.datetime(2025, 1, 13, 15, 5)),
    ("2025年1月13日下午3时5分", dt.datetime(2025, 1, 13, 15, 5)),
    ("2025-01-13 晚上10点", dt.datetime(2025, 1, 13, 22, 0)),
    ("2025-01-13 中午12:30", dt.datetime(2025, 1, 13, 12, 30)),
    ("2025-01-13 下午13:30", dt.datetime(2025, 1, 13, 13, 30)),                # already 24-hour
    ("2024年03月05日 15时", dt.datetime(2024, 3, 5, 15)),                        # an hour alone, in Chinese
    ("2024年3月5日15时30分", dt.datetime(2024, 3, 5, 15, 30)),
    ("2024年3月5日 15点30分5秒", dt.datetime(2024, 3, 5, 15, 30, 5)),
    ("2024年3月5日下午3时", dt.datetime(2024, 3, 5, 15)),
    ("2024-03-05 03:15:00 PM", dt.datetime(2024, 3, 5, 15, 15)),               # AM / PM after a 12-hour time
    ("2024-03-05 12:00:00 AM", dt.datetime(2024, 3, 5, 0, 0)),                 # midnight
    ("2024-03-05 12:30 PM", dt.datetime(2024, 3, 5, 12, 30)),                  # half past noon
    ("2024/3/5 9:05 a.m.", dt.datetime(2024, 3, 5, 9, 5)),
    ("2024-03-05 13:00 PM", None),                                             # no 12-hour time: not guessed
    ("2024-03-05 0:30 AM", None),
    ("Mon Nov 25 10:15:00 CST 2024", dt.datetime(2024, 11, 25, 10, 15)),      # Java's Date: CST is China's, UTC+8
    ("Mon Nov 25 10:15:00 GMT+08:00 2024", dt.datetime(2024, 11, 25, 10, 15)),
    ("Mon Nov 25 02:15:00 UTC 2024", dt.datetime(2024, 11, 25, 10, 15)),
    ("Tue Nov 25 10:15:00 CST 2024", None),                                    # 25 November 2024 was a Monday
    ("Mon Nov 25 10:15:00 EST 2024", None),                                    # another zone's abbreviation
    ("2024-03-05T15:00:00+08:00[Asia/Shanghai]", dt.datetime(2024, 3, 5, 15)),  # Java's ZonedDateTime
    ("2024-03-05T07:00Z[UTC]", dt.datetime(2024, 3, 5, 15)),
    ("2024-03-05T15:00:00[Asia/Shanghai]", None),                              # a zone's name but no offset
    ("２０２４年３月５日 １４：０５", dt.datetime(2024, 3, 5, 14, 5)),            # full-width digits and colon
    ("2024年3月5日 晚上12点", dt.datetime(2024, 3, 6)),                          # midnight at the day's end
    ("2024年3月5日 凌晨12点", dt.datetime(2024, 3, 5)),                          # and at its start
    ("2024-03-05 24:00:00", dt.datetime(2024, 3, 6)),
    ("2024-03-05T24:00:00", dt.datetime(2024, 3, 6)),
    ("2024年3月5日 晚上12点30分", dt.datetime(2024, 3, 6, 0, 30)),              # half past midnight
    ("2024-03-05 14:05:60", None),                                             # no 60th second (read as 14:06)
    ("2024年3月5日 14时05分60秒", None),
])
def test_dates_in_many_forms(text, expected):
    got = pl.DataFrame({"d": [text]}).select(parse_datetimes(pl.col("d"))).item()
    assert got == expected


def test_a_zone_s_abbreviation_or_offset_is_read_as_that_moment_in_the_configured_zone():
    dates = pl.DataFrame({"d": ["Mon Nov 25 10:15:00 CST 2024", "2024-11-25T10:15:00+08:00[Asia/Shanghai]",
                                "2024-11-25 10:15:00"]})
    got = dates.select(parse_datetimes(pl.col("d"), tz="Europe/Berlin")).to_series().to_list()
    assert got == [dt.datetime(2024, 11, 25, 3, 15)] * 2 + [dt.datetime(2024, 11, 25, 10, 15)]  # (local: as written)


def test_year_last_dates_with_am_pm_are_read_in_the_file_s_order():
    check = Checker("us.csv", "B1", {"source_id": "工单编号", "received_at": "来电时间", "text": "诉求内容"})
    good = validate(frame([("GD1", "3/15/2024 3:15:00 PM", "工资没发", 2, "{}"), ("GD2", "3/5/2024 9:05 AM", "工资没发", 3, "{}"),
                           ("GD3", "2024/3/5 15:00", "工资没发", 4, "{}")]), check, NOW)
    # 15 can only be a day: the file is month-first, so 3/5/2024 is 5 March; year-first dates are not affected
    assert good["received_at"].to_list() == [dt.datetime(2024, 3, 15, 15, 15), dt.datetime(2024, 3, 5, 9, 5),
                                             dt.datetime(2024, 3, 5, 15)] and not check.rows
    check = Checker("x.csv", "B1", {"source_id": "工单编号", "received_at": "来电时间", "text": "诉求内容"})
    assert validate(frame([("GD1", "3/5/2024 3:15 PM", "工资没发", 2, "{}")]), check, NOW).is_empty()
    assert "cannot tell the day from the month" in check.rows[0]["reason"]  # AM/PM does not tell the order


@pytest.mark.parametrize("values, order", [
    (["19/8/2019", "8/9/2019"], "dmy"),                         # a day above 12 first: day-first
    (["8/19/2019 9:05", "8/9/2019 14:03:05"], "mdy"),           # as English-language Excel writes them
    (["8/9/2019", "1/2/2020"], None),                           # nothing tells
    (["2019/8/19", "45678", None, ""], None),                   # no year-last dates at all
    (["19/8/2019", "13/1/2020", "1/13/2020"], "dmy"),           # the order most of them show
])
def test_the_order_of_year_last_dates_is_read_from_the_file(values, order):
    assert slash_order(values) == order


def test_year_last_dates_read_in_their_file_order_or_quarantined_when_it_cannot_be_told():
    columns = {"source_id": "工单编号", "received_at": "来电时间", "text": "诉求内容"}
    check = Checker("us.csv", "B1", columns)
    good = validate(frame([("GD1", "8/19/2019 9:05", "工资没发", 2, "{}"), ("GD2", "8/9/2019", "工资没发", 3, "{}"),
                           ("GD3", "19/8/2019", "工资没发", 4, "{}"), ("GD4", "12/25/2019", "工资没发", 5, "{}")]),
                    check, NOW)
    # month-first (two dates only read that way): 8/9/2019 is 9 August; 19/8/2019 contradicts the file
    assert good.sort("source_id")["received_at"].to_list() == [dt.datetime(2019, 8, 19, 9, 5), dt.datetime(2019, 8, 9),
                                                               dt.datetime(2019, 12, 25)]
    (q,) = check.rows
    assert q["row_number"] == 4 and "'19/8/2019'" in q["reason"] and "month/day/year" in q["reason"]
    check = Checker("eu.csv", "B1", columns)
    good = validate(frame([("GD1", "19/8/2019 09:05:00", "工资没发", 2, "{}"), ("GD2", "8/9/2019", "工资没发", 3, "{}")]),
                    check, NOW)
    assert good["received_at"].to_list() == [dt.datetime(2019, 8, 19, 9, 5), dt.datetime(2019, 9, 8)]
    check = Checker("x.csv", "B1", columns)
    assert validate(frame([("GD1", "8/9/2019", "工资没发", 2, "{}")]), check, NOW).is_empty()
    (q,) = check.rows
    assert q["column"] == "来电时间" and "cannot tell the day from the month in '8/9/2019'" in q["reason"]


@pytest.mark.parametrize("text, expected", [
    ("32", 32), ("32人", 32), ("三十二人", 32), ("", None), (None, None), ("2.0", 2),
    # as petition registers write collective visits: lower bounds, and no count for "several"
    ("10余人", 10), ("三十多人", 30), ("约30人", 30), ("近百人", 100), ("2-3人", 2), ("5～8人", 5), ("二至三人", 2),
    ("数十人", 10), ("上百人", 100), ("十几人", 10), ("多人", None), ("若干", None), ("很多", None), ("不详", None),
    # and as they write them too: two neighbouring digits, a noun after the unit, 以上, 人次, men and women
    ("两三人", 2), ("一两个", 1), ("二三十人", 20), ("三四百人", 300), ("七八十人", 70), ("20多名农民工", 20),
    ("30余户村民", 30), ("3人以上", 3), ("十人左右", 10), ("5人次", 5), ("男2女1", 3), ("女3人、男2人", 5),
    ("数人", None), ("几人", None),
])
def test_head_counts(text, expected):
    assert parse_count(text) == expected


@pytest.mark.parametrize("text", ["3O人", "-3", "2.5", "abc", "3人abc", "男2", "2次"])
def test_bad_head_counts_raise(text):
    with pytest.raises((ValueError, TypeError)):
        parse_count(text)


def frame(rows):
    return pl.DataFrame(rows, schema={"source_id": pl.Utf8, "received_at": pl.Utf8, "text": pl.Utf8,
                                      "row_number": pl.Int32, "raw": pl.Utf8}, orient="row")


def test_bad_rows_are_quarantined_with_column_and_reason():
    check = Checker("h.csv", "B1", {"source_id": "工单编号", "received_at": "来电时间", "text": "诉求内容"})
    good = validate(frame([
        ("GD1", "2025-01-13 09:00:00", "工资没发", 2, "{}"),
        ("", "2025-01-13 09:00:00", "无编号", 3, "{}"),
        ("GD3", "下周一", "日期坏了", 4, "{}"),
        ("GD4", "2030-01-01", "未来的日期", 5, "{}"),
        ("GD5", "2025-01-13", "  ", 6, "{}"),
    ]), check, NOW)
    assert good["source_id"].to_list() == ["GD1"]
    q = check.frame().sort("row_number")
    assert q["row_number"].to_list() == [3, 4, 5, 6]
    assert q["column"].to_list() == ["工单编号", "来电时间", "来电时间", "诉求内容"]
    assert "下周一" in q["reason"][1] and "future" in q["reason"][2]


def reports(rows):
    return pl.DataFrame(rows, schema={"report_id": pl.Utf8, "source_id": pl.Utf8, "row_number": pl.Int32,
                                      "row_hash": pl.Utf8, "raw": pl.Utf8, "content_hash": pl.Utf8,
                                      "received_at": pl.Datetime("us")}, orient="row")


def test_same_record_twice_loads_once_and_other_content_is_a_conflict():
    check = Checker("h.csv", "B1", {"source_id": "工单编号"})
    t = dt.datetime(2025, 1, 1)
    new = reports([("hotline:1", "1", 2, "a", "{}", "x", t), ("hotline:1", "1", 3, "a", "{}", "x", t),  # identical row
                   ("hotline:1", "1", 4, "b", "{}", "y", t),                                              # same id, other content
                   ("hotline:2", "2", 5, "c", "{}", "z", t), ("hotline:3", "3", 6, "d", "{}", "w", t)])
    stored = pl.DataFrame({"report_id": ["hotline:2", "hotline:3"], "row_hash": ["c", "other"]})
    kept = dedupe(new, stored, check)
    assert kept["report_id"].to_list() == ["hotline:1"]
    kinds = dict(zip(check.frame()["row_number"].to_list(), check.frame()["kind"].to_list()))
    assert kinds == {3: "duplicate", 4: "conflict", 5: "duplicate", 6: "conflict"}
    reasons = dict(zip(check.frame()["row_number"].to_list(), check.frame()["reason"].to_list()))
    assert reasons[3] == "same record as row 2 above"      # the row it repeats, not itself
    assert "already used by row 2" in reasons[4]


def test_a_record_loaded_before_is_named_with_the_batch_and_file_that_loaded_it():
    check = Checker("h.csv", "B2", {"source_id": "工单编号"})
    t = dt.datetime(2025, 1, 1)
    new = reports([("hotline:2", "2", 5, "c", "{}", "z", t)]).with_columns(pl.lit("B2").alias("batch_id"))
    stored = pl.DataFrame({"report_id": ["hotline:2"], "row_hash": ["c"], "batch_id": ["B1"],
                           "file_name": ["exports/calls-0113.csv"]})
    assert dedupe(new, stored, check).is_empty()
    reason = check.frame()["reason"].to_list()
    assert reason == ["already loaded by batch B1 (exports/calls-0113.csv)"]   # not this batch, B2
    from pipelines.reasons import in_chinese
    assert in_chinese(reason[0]) == "批次 B1（exports/calls-0113.csv）已导入这条记录"


def test_identical_texts_are_all_kept_and_linked_to_the_first():
    t = dt.datetime(2025, 1, 1)
    new = reports([("grid:2", "2", 2, "a", "{}", "same", t + dt.timedelta(hours=1)),
                   ("grid:1", "1", 3, "b", "{}", "same", t), ("grid:3", "3", 4, "c", "{}", "other", t)])
    linked = link_near_duplicates(new, pl.DataFrame({"content_hash": ["other"], "first_report": ["hotline:9"]}))
    got = dict(zip(linked["report_id"].to_list(), linked["near_duplicate_of"].to_list()))
    assert got == {"grid:1": None, "grid:2": "grid:1", "grid:3": "hotline:9"}


def test_a_row_with_blank_optional_cells_is_kept():
    check = Checker("h.csv", "B1", {})
    rows = pl.DataFrame({"source_id": ["GD1"], "received_at": ["2025-01-13"], "text": ["工资没发"],
                         "title": [None], "row_number": [2], "raw": ["{}"]},
                        schema_overrides={"title": pl.Utf8, "row_number": pl.Int32})
    assert validate(rows, check, NOW).height == 1 and not check.rows


def test_a_two_digit_year_is_quarantined_not_read_as_year_25():
    check = Checker("h.csv", "B1", {"source_id": "工单编号", "received_at": "来电时间", "text": "诉求内容"})
    good = validate(frame([("GD1", "25-01-13", "工资没发", 2, "{}"), ("GD2", "2025-01-13", "工资没发", 3, "{}")]),
                    check, NOW)
    assert good["source_id"].to_list() == ["GD2"]
    (row,) = check.frame().to_dicts()
    assert row["row_number"] == 2 and row["column"] == "来电时间" and "four-digit year" in row["reason"]


def test_totals_and_sign_off_rows_are_quarantined_as_such_and_reports_that_mention_totals_are_kept(tmp_path):
    from pathlib import Path

    from pipelines.validate import prepare_rows

    header = ["序号", "工单编号", "来电时间", "诉求内容"]
    rows = [["1", "GD1", "2025-01-13 09:00:00", "合计欠薪五万元，涉及工人12名"],       # a report that mentions 合计
            ["2", "GD2", "2025-01-13 09:00:00", "合计：拖欠三个月工资"],
            ["3", "", "2025-01-13 09:00:00", "合计：拖欠三个月工资"],                # no id: a bad report, not a footer
            ["合  计", None, None, "共2件"],                                          # under 序号, spaced out
            [None, "小计", "2025-01-13 09:00:00", "2"],                               # in the id column, other cells filled
            ["制表人：张三", "审核人：李四", "导出时间：2025-01-14 10:00", None],
            ["填报单位（盖章）：溪山县信访局", None, None, None]]
    raw = RawFile(Path("h.csv"), "utf-8", header, rows, list(range(2, 9)))
    areas = pl.DataFrame(schema={"area_code": pl.Utf8, "name": pl.Utf8, "level": pl.Utf8, "parent_code": pl.Utf8})
    reports, rejected = prepare_rows(raw, find_columns(header, hotline), "hotline", areas, "B1", "salt", NOW, "Asia/Shanghai")
    assert reports["source_id"].to_list() == ["GD1", "GD2"]
    reasons = {r["row_number"]: (r["kind"], r["column"], r["reason"]) for r in rejected}
    assert reasons == {4: ("invalid", "工单编号", "empty: expected an id"),
                       5: ("footer", None, "a totals/footer row (合计), not a report"),
                       6: ("footer", None, "a totals/footer row (小计), not a report"),
                       7: ("footer", None, "a totals/footer row (制表人), not a report"),
                       8: ("footer", None, "a totals/footer row (填报单位), not a report")}


def test_quarantined_rows_keep_no_personal_numbers_or_names(tmp_path):
    header = ["信访件编号", "登记日期", "信访人", "身份证号", "联系电话", "信访事项"]
    rows = [["X1", "不是日期", "张三", "360102199001011234", "13812345678", "老板欠薪，我的卡号6222021234567890123"],
            ["X1", "不是日期", "张三", "360102199001011234", "13900001111", "老板欠薪，我的卡号6222021234567890123"]]
    raw = RawFile(tmp_path / "p.xlsx", "xlsx", header, rows, [2, 3])
    found = find_columns(header, petition)
    frame_ = raw_frame(raw, found)
    stored = " ".join(frame_["raw"].to_list())
    for secret in ("张三", "360102199001011234", "13812345678", "6222021234567890123"):
        assert secret not in stored
    assert WITHHELD in stored and "老板欠薪" in stored and "X1" in stored
    # rows differing only in a withheld cell are still told apart when deduplicating
    assert frame_["row_hash"].n_unique() == 2


def test_columns_no_channel_maps_are_withheld_when_their_header_names_a_person(tmp_path):
    # a hotline export with the caller's name and ID number, and a second contact column of its own
    header = ["工单编号", "来电时间", "来电人姓名", "身份证号码", "紧急联系人", "家庭住址", "诉求内容", "诉求类型"]
    rows = [["GD1", "不详", "王小明", "360102199001011234", "李四", "莲塘镇白沙村8号", "欠薪", "劳动保障 手机13812345678"]]
    raw = RawFile(tmp_path / "h.csv", "utf-8", header, rows, [2])
    stored = raw_frame(raw, find_columns(header, hotline))["raw"].item()
    for secret in ("王小明", "360102199001011234", "李四", "白沙村8号", "13812345678"):
        assert secret not in stored
    assert '"诉求内容": "欠薪"' in stored


def test_the_export_category_is_masked_like_every_text_field():
    from pathlib import Path

    from pipelines.validate import prepare_rows

    header = ["工单编号", "来电时间", "详细地址（含联系电话）", "诉求标题", "诉求内容", "诉求类型"]
    raw = RawFile(Path("h.csv"), "utf-8", header,
                  [["GD1", "2025-01-13 09:00:00", "桃园村3组，电话0791-88123456", "欠薪13812345678",
                    "工资没发，联系13812345678", "劳动保障手机138 1234 5678"]], [2])
    areas = pl.DataFrame(schema={"area_code": pl.Utf8, "name": pl.Utf8, "level": pl.Utf8, "parent_code": pl.Utf8})
    found = find_columns(header, hotline)
    reports, rejected = prepare_rows(raw, found, "hotline", areas, "B1", "salt", NOW, "Asia/Shanghai")
    assert not rejected
    row = reports.row(0, named=True)
    assert row["source_category"] == "劳动保障手机[手机号]"
    assert (row["title"], row["text"]) == ("欠薪[手机号]", "工资没发，联系[手机号]")
    # a report field under a header that names a person (电话) is masked in the report, withheld in raw
    assert found["address"] == "详细地址（含联系电话）" and row["address"] == "桃园村3组，电话[电话]"
    assert '"详细地址（含联系电话）": "[已隐去]"' in row["raw"]
    assert "13812345678" not in row["raw"] and "88123456" not in row["raw"]


def test_an_area_code_written_where_a_name_was_expected_places_the_report():
    from features.places import AreaMatcher
    from pipelines.areas import read_areas
    from pipelines.validate import to_reports
    from tests.conftest import SAMPLE

    areas = read_areas(SAMPLE / "areas.csv")[0]
    village = areas.filter(pl.col("area_code").str.len_chars() == 12)["area_code"][0]
    check = Checker("h.csv", "B1", {"source_id": "工单编号", "received_at": "来电时间", "text": "诉求内容"})
    good = validate(frame([("GD1", "2025-01-13 09:00:00", "工资没发", 2, "{}"), ("GD2", "2025-01-13 09:00:00", "工资没发", 3, "{}")]),
                    check, NOW)
    good = good.with_columns(pl.Series("village", [village, "999999999999"]), pl.lit("h").alias("row_hash"))
    reports = to_reports(good, "hotline", AreaMatcher(areas), "salt", "B1", NOW)
    assert reports["area_code"].to_list() == [village, None]  # an unknown code places nothing
