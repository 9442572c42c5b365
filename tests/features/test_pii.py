import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import polars as pl

from features.pii import MAY_HOLD_PII, mask_column, mask_pii, reporter_key

RAW_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
RAW_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("我的电话13812345678。", "我的电话[手机号]。"),
        ("手机 138 1234 5678 联系", "手机 [手机号] 联系"),
        ("138-1234-5678", "[手机号]"),
        ("+86 13812345678", "[手机号]"),
        ("8613812345678", "[手机号]"),  # 86 prefix without +
        ("１３８１２３４５６７８", "[手机号]"),  # full-width digits
        ("座机0791-88123456", "座机[电话]"),
        ("(0791)8812345", "[电话]"),
        ("身份证360102199001011234", "身份证[身份证号]"),
        ("36010219900101123x", "[身份证号]"),
        ("老身份证360102900101123", "老身份证[身份证号]"),  # 15-digit ID with a YYMMDD birth date
        ("卡号6222021234567890123", "卡号[银行卡号]"),
        ("6222 0212 3456 7890", "[银行卡号]"),
        ("6222-0212-3456-7890-123", "[银行卡号]"),
        ("GD13812345678", "GD[手机号]"),
        ("身份证 360102 19900101 123X 号", "身份证 [身份证号] 号"),  # grouped 6-8-4
        ("360102-1990-0101-1234", "[身份证号]"),  # grouped 6-4-4-4  # a phone glued to letters is still a phone
        # forms a new user's exports held that were kept in clear
        ("座机0791 8812 3456", "座机[电话]"),
        ("电话 0791-8812-3456", "电话 [电话]"),
        ("电话138.1234.5678", "电话[手机号]"),
        ("手机：1 3 8 1 2 3 4 5 6 7 8", "手机：[手机号]"),
        ("固话 88123456", "固话 [电话]"),
        ("联系电话：8812-3456。", "联系电话：[电话]。"),
        # forms the next new user's exports held in clear: other groupings, dashes an input method types
        ("手机138－1234－5678", "手机[手机号]"),
        ("手机138—1234—5678", "手机[手机号]"),
        ("手机1381 2345 678", "手机[手机号]"),
        ("手机13812 345678", "手机[手机号]"),
        ("手机138/1234/5678", "手机[手机号]"),
        ("座机0591—87654321", "座机[电话]"),
        ("身份证110105 194912 31002X", "身份证[身份证号]"),
        ("卡号622202 1234567890123", "卡号[银行卡号]"),
        # a card number glued to letters: a word says it is a card's, or its Luhn digit and prefix do
        ("银行卡card6222021234567890123", "银行卡card[银行卡号]"),
        ("订单NO4111111111111111", "订单NO[银行卡号]"),
        # other identity documents, told from model numbers by the word before them
        ("证件号码E12345678（港澳通行证）", "证件号码[证件号]（港澳通行证）"),
        ("护照号：E12345678", "护照号：[证件号]"),
        ("港澳通行证CA1234567", "港澳通行证[证件号]"),
        ("台胞证12345678", "台胞证[证件号]"),
        ("香港身份证A123456(7)", "香港身份证[证件号]"),
        ("澳门身份证号码：1234567(8)", "澳门身份证号码：[证件号]"),
    ],
)
def test_mask_pii_masks(raw, expected):
    assert mask_pii(raw) == expected


@pytest.mark.parametrize(
    "text",
    [
        "拖欠工资46800元,另有3万余元",
        "2025年1月13日至20250113",
        "工单GD20250113000123已转办",  # work-order id: letters + 14 digits
        "信访件XF2025-000123",
        "3栋2单元1201室,共32人",
        "1381234567",  # ten digits: not a mobile number
        "面积120.5平方米,房款1380000元",
        "12345热线",
        "13 14 15 16层",  # small numbers in a row, different separators would be needed for a phone
        "号码牌2025年",
        "3.14159265",
        "型号E12345678的设备",  # a model number: no document named before it
        "工单WO6222021234567890123",  # letters + 19 digits that fail the Luhn check: an order id
        "打卡记录GD20250113000123456",
        "证件齐全，欠款12345元",
    ],
)
def test_mask_pii_keeps_ordinary_numbers(text):
    assert mask_pii(text) == text


# Digit-heavy text finds the edge cases; plain random text would almost never build a number.
digit_heavy = st.text(alphabet=st.sampled_from(list("0123456789１３８Xx +-()（）—－/GD元号电话\n")), max_size=60)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=80), digit_heavy))
def test_mask_pii_never_raises_and_leaves_no_raw_number(text):
    masked = mask_pii(text)
    assert not RAW_MOBILE.search(masked)
    assert not RAW_ID.search(masked)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=80), digit_heavy))
def test_mask_pii_is_idempotent(text):
    once = mask_pii(text)
    assert mask_pii(once) == once


def test_reporter_key_normalises_the_phone():
    assert reporter_key("s", "+86 138-1234-5678") == reporter_key("s", "13812345678")
    assert len(reporter_key("s", "13812345678")) == 32


def test_reporter_key_uses_the_first_usable_identifier():
    assert reporter_key("s", None, "", "无", "36010219900101123x") == reporter_key("s", "36010219900101123X")


def test_reporter_key_depends_on_the_salt():
    assert reporter_key("a", "13812345678") != reporter_key("b", "13812345678")


def test_reporter_key_is_none_without_identifier():
    assert reporter_key("s", None, "", "  ") is None


# Every character class the patterns of mask_pii look at, in ASCII, full-width and other scripts,
# and the separators \s means to Python but not to Rust (\x1c-\x1f, U+3000, U+00A0).
number_heavy = st.lists(st.sampled_from(list("0123456789１３８０９٣Xxｘ +-.()（）:：/／\t\n\x1c\x1f\u3000\u00a0\u2014\uff0d")
                                       + ["电话", "固话", "座机", "号码", "联系方式", "86", "+86", "0791", "138",
                                          "护照", "证件", "身份证", "通行证", "号", "E", "CA", "card", "卡号", "62", "4"]),
                        max_size=40).map("".join)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(number_heavy, st.lists(st.sampled_from(["电话", "0", "1", "3", "8", "-", " ", "\x1c", "９", "X"]),
                                        max_size=30).map("".join), st.text(max_size=40)))
def test_the_column_screen_finds_every_cell_mask_pii_would_change(text):
    """MAY_HOLD_PII (polars) is a superset of what mask_pii changes: a cell it passes over is safe."""
    if mask_pii(text) != text:
        assert pl.Series([text]).str.contains(MAY_HOLD_PII)[0], repr(text)


@pytest.mark.parametrize("raw", [
    "我的电话13812345678。", "手机 138 1234 5678 联系", "+86 13812345678", "１３８１２３４５６７８", "座机0791-88123456",
    "(0791)8812345", "36010219900101123x", "老身份证360102900101123", "6222 0212 3456 7890", "身份证 360102 19900101 123X 号",
    "座机0791 8812 3456", "电话138.1234.5678", "手机：1 3 8 1 2 3 4 5 6 7 8", "固话 88123456", "联系电话：8812-3456。",
    "手机\x1c138\x1c1234\x1c5678", "1\x1f3\x1f8\x1f1\x1f2\x1f3\x1f4\x1f5\x1f6\x1f7\x1f8",
    "手机138－1234－5678", "手机13812 345678", "手机138/1234/5678", "座机0591—87654321", "110105 194912 31002X",
    "622202 1234567890123", "银行卡card6222021234567890123", "证件号码E12345678（港澳通行证）", "香港身份证A123456(7)"])
def test_the_column_screen_finds_the_masked_forms(raw):
    assert mask_pii(raw) != raw
    assert mask_column([raw, None, "", "2025-01-13 09:31:07", raw]) == [mask_pii(raw), None, "", "2025-01-13 09:31:07",
                                                                       mask_pii(raw)]


def test_the_column_screen_passes_over_dates_and_ids():
    cells = ["2025-01-13 09:31:07", "2019/8/19", "GD20250113000123", "XF2025-000123", "20250113093107"]
    assert not pl.Series(cells).str.contains(MAY_HOLD_PII).any()
