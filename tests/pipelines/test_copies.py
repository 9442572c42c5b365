"""Petitions written alike: the copy key the warehouse gives them, and the evidence it becomes."""
from __future__ import annotations

import duckdb
import pytest

from pipelines.detection import copied
from pipelines.warehouse import COPY_KEY

LETTER = ("尊敬的领导：我们是锦绣华庭{room}室业主，开发商逾期交房已经两年，首付款{money}万元至今没有任何说法，"
          "售楼部换了几批人谁也说不清楚，我们每个月还着房贷还要付房租，全家的积蓄都搭进去了，"
          "恳请政府督促开发商尽快交房！{tail}")


def keys(*rows: tuple[str, str]) -> list[str | None]:
    con = duckdb.connect()
    con.execute("create table r (channel varchar, text varchar)")
    con.executemany("insert into r values (?, ?)", list(rows))
    return [k for (k,) in con.sql(f"select {COPY_KEY} from r order by rowid").fetchall()]


def test_petitions_alike_but_for_numbers_masked_data_and_a_signature_share_a_key():
    a, b, c = keys(("petition", LETTER.format(room="3栋1203", money="50", tail="业主张三，电话[手机号]")),
                   ("petition", LETTER.format(room="5栋602", money="32", tail="")),
                   ("petition", LETTER.format(room="A-9", money="四十", tail="2024年5月1日")))
    assert a == b and a is not None
    assert c != a  # 四十 is words, not a number: the text differs
    # full-width spaces and digits, a no-break space, circled numbers, full-width letters
    d, = keys(("petition", "\u3000\u3000" + LETTER.format(room="５栋６０２\u00a0ＡＢ", money="①", tail="")))
    assert d == a


@pytest.mark.parametrize("rows", [
    (("hotline", LETTER.format(room="3栋1203", money="50", tail="")),),   # an operator's summary
    (("grid", LETTER.format(room="3栋1203", money="50", tail="")),),      # a grid worker's
    (("petition", "反映拖欠工资问题，请求处理，谢谢！"),),                     # too short to tell
])
def test_no_key_where_the_words_are_not_the_writer_s_own_or_too_few(rows):
    assert keys(*rows) == [None]


def test_different_letters_have_different_keys():
    one = LETTER.format(room="1", money="1", tail="")
    other = "尊敬的领导：我们是锦绣华庭的业主，小区物业费一年涨了三次，物业服务却越来越差，电梯经常坏，垃圾没人清，恳请有关部门查一查物业的收费依据！"
    assert len(set(keys(("petition", one), ("petition", other)))) == 2


@pytest.mark.parametrize("copy_keys, reporters, expected", [
    (["k", "k", "k"], ["p1", "p2", "p3"], 3),
    (["k", "k", "k", "k", "j", "j", "j"], ["p1", "p2", "p3", "p4", "p5", "p6", "p7"], 4),
    (["k", "k", "k"], ["p1", "p1", "p1"], 0),           # one person sending it again: a repeat reporter
    (["k", "k", "k"], ["p1", "p1", "p2"], 0),           # two people, one of them twice
    (["k", "k", "k"], [None, None, "p1"], 3),           # reports without a reporter count as one more each
    (["k", "k", None], ["p1", "p2", "p3"], 0),          # two are not a campaign
    ([None, None, None], ["p1", "p2", "p3"], 0),
])
def test_copies_are_the_most_people_sending_one_letter(copy_keys, reporters, expected):
    assert copied(copy_keys, reporters) == expected


def test_an_alert_s_evidence_counts_the_petitions_written_alike_and_rates_them_severe():
    import datetime as dt

    import polars as pl

    from pipelines import detection

    week = dt.date(2026, 6, 1)
    n = 4
    behind = pl.DataFrame({"report_id": [f"r{i}" for i in range(n)], "category": ["real_estate"] * n,
                           "area_code": ["A"] * n, "place": [None] * n}, schema_overrides={"place": pl.String})
    flagged = pl.DataFrame({
        "report_id": [f"r{i}" for i in range(n)], "category": ["real_estate"] * n, "area_code": ["A"] * n,
        "week": [week] * n, "probability": [0.9] * n, "reporter_key": ["p1", "p2", "p3", "p4"],
        "channel": ["petition"] * n, "title": [None] * n, "text": ["逾期交房"] * n, "people_count": [1] * n,
        "top_terms": [["交房"]] * n, "names": [[]] * n, "escalation": [[]] * n,
        "copy_key": ["k", "k", "k", None],
    }, schema_overrides={"title": pl.String, "names": pl.List(pl.String), "escalation": pl.List(pl.String)})
    ev = detection.evidence(behind, flagged, week, 1, pl.DataFrame())[("A", "real_estate")]
    assert ev["copies"] == 3 and ev["severity"] > 0
    plain = detection.evidence(behind, flagged.drop("copy_key"), week, 1, pl.DataFrame())[("A", "real_estate")]
    assert plain["copies"] == 0 and plain["severity"] == 0


def test_an_alert_s_examples_are_three_different_texts_strongest_first():
    """A message sent twice (both kept, linked as near-duplicates) is one example, not two."""
    import datetime as dt

    import polars as pl

    from pipelines import detection

    week = dt.date(2026, 6, 1)
    texts = ["开发商逾期交房两年", "开发商逾期交房两年", "物业乱收停车费", "业主要求退房", "售楼处关门"]
    n = len(texts)
    behind = pl.DataFrame({"report_id": [f"r{i}" for i in range(n)], "category": ["real_estate"] * n,
                           "area_code": ["A"] * n, "place": [None] * n}, schema_overrides={"place": pl.String})
    flagged = pl.DataFrame({
        "report_id": [f"r{i}" for i in range(n)], "category": ["real_estate"] * n, "area_code": ["A"] * n,
        "week": [week] * n, "probability": [0.9, 0.89, 0.8, 0.7, 0.6], "reporter_key": [f"p{i}" for i in range(n)],
        "channel": ["hotline"] * n, "title": [None] * n, "text": texts, "people_count": [1] * n,
        "top_terms": [["交房"]] * n, "names": [[]] * n, "escalation": [[]] * n,
    }, schema_overrides={"title": pl.String, "names": pl.List(pl.String), "escalation": pl.List(pl.String)})
    ev = detection.evidence(behind, flagged, week, 1, pl.DataFrame())[("A", "real_estate")]
    assert ev["examples"] == ["开发商逾期交房两年", "物业乱收停车费", "业主要求退房"]
