"""SQL injection tried on the board: every query that takes what a user typed or put in a link binds
it as a parameter. Run against a *writable* copy of the warehouse, so that an injected statement
would really drop or change something, then through the pages with the strings in the links."""
from __future__ import annotations

import shutil
from datetime import datetime

import duckdb
import pytest

from pipelines import reviews, settings
from pipelines.warehouse import board as board_sql
from tests.dashboards.conftest import LAST_WEEK, WEEK, board

INJECTIONS = [
    "'; drop table reports; --",
    "' or 1=1 --",
    "' OR '1'='1",
    "a1' --",
    "a1'); delete from alerts; --",
    '"; drop table alerts; --',
    "\\",
    "\\'; drop table areas; --",
    "''",
    "%",                                   # LIKE wildcards must match themselves only
    "_",
    "?",
    "$1",
    "欠薪' union select report_id, channel, received_at, title, text, source_category from reports --",
    "\u02bc or 1=1 --",                   # modifier letter apostrophe
    "＇；ｄｒｏｐ　ｔａｂｌｅ　ｒｅｐｏｒｔｓ；－－",  # full-width, as an IME types it
    "a1\x00' or '1'='1",
    "a1\u2028' or '1'='1",
]
QUOTED = "老板说'明天'发工资，结果又拖了\\一个月"


def fingerprint(con) -> dict:
    """Every table of the attached warehouse and its rows, as a comparable value."""
    names = [r[0] for r in con.sql("select table_name from information_schema.tables "
                                   "where table_catalog = 'snapshot' and table_type = 'BASE TABLE'").fetchall()]
    return {n: con.sql(f'select * from snapshot.main."{n}" order by all').fetchall() for n in sorted(names)}


@pytest.fixture
def writable(snapshot, tmp_path):
    """The board's queries on a writable copy of the tiny warehouse, with one report whose text
    holds quotes and a backslash."""
    path = tmp_path / "writable.duckdb"
    shutil.copy(settings.warehouse_path(), path)
    con = duckdb.connect()
    con.execute(f"attach '{path}' as snapshot")
    con.execute("""insert into snapshot.main.reports (report_id, channel, source_id, received_at, area_code, title,
                   text, content_hash, row_hash, batch_id, ingested_at)
                   values ('hotline:9', 'hotline', '9', ?, '110101001001', '拖欠工资', ?, 'q', 'q', 'b1', now())""",
                [datetime(2024, 5, 16, 9), QUOTED])
    cur = board_sql.cursor(con)
    yield cur
    cur.close()
    con.close()


def calls(s: str):
    """(name, query call, what it must return) for each way ``s`` reaches a board query."""
    return [
        ("week_alerts categories", lambda c: board_sql.week_alerts(c, WEEK, [s]), "empty"),
        ("week_alerts statuses", lambda c: board_sql.week_alerts(c, WEEK, None, [s]), "empty"),
        ("week_alerts area", lambda c: board_sql.week_alerts(c, WEEK, None, None, s), "empty"),
        ("week_alerts channels", lambda c: board_sql.week_alerts(c, WEEK, None, None, None, [s]), "empty"),
        ("alert", lambda c: board_sql.alert(c, s), "empty"),
        ("alert_reports", lambda c: board_sql.alert_reports(c, s, [s]), "empty"),
        ("alert_series", lambda c: board_sql.alert_series(c, s), "empty"),
        ("merge_targets", lambda c: board_sql.merge_targets(c, s)["alert_id"].to_list(), ["a1", "a2"]),
        ("open_on_key", lambda c: board_sql.open_on_key(c, s), "empty"),
        ("brief_reports", lambda c: board_sql.brief_reports(c, [s]), "empty"),
        ("headline categories", lambda c: board_sql.headline(c, WEEK, LAST_WEEK, [s])["open"].item(), 0),
        ("headline town", lambda c: board_sql.headline(c, WEEK, LAST_WEEK, None, s)["open"].item(), 0),
        ("hotspot_areas categories", lambda c: board_sql.hotspot_areas(c, [s]), "empty"),
        ("hotspot_areas town", lambda c: board_sql.hotspot_areas(c, None, s), "empty"),
        ("top_hotspots categories", lambda c: board_sql.top_hotspots(c, [s]), "empty"),
        ("top_hotspots town", lambda c: board_sql.top_hotspots(c, None, s), "empty"),
        ("category_trends town", lambda c: board_sql.category_trends(c, 13, s)["n"].sum(), 0),
        ("category_trends categories", lambda c: board_sql.category_trends(c, 13, None, [s]), "empty"),
        ("quarantine", lambda c: board_sql.quarantine(c, s), "empty"),
        ("find_reports", lambda c: board_sql.find_reports(c, s), "empty"),
        ("review_watermark", lambda c: board_sql.review_watermark(c, s), 0),
    ]


# (one fixture for all the strings, in loops: setting up the tiny warehouse costs a second or two)
def test_every_board_query_binds_what_a_user_typed(writable):
    before = fingerprint(writable)
    assert before["reports"] and before["alerts"]
    for s in INJECTIONS:
        for name, call, expected in calls(s):
            got = call(writable)
            if expected == "empty":
                assert got.is_empty(), f"{name}({s!r}) returned rows:\n{got}"
            else:
                assert got == expected, f"{name}({s!r}) returned {got!r}"
        assert fingerprint(writable) == before, s


def test_quotes_and_backslashes_are_searched_for_literally(writable):
    for needle in ("'明天'", "说'明", "\\一个月", "'发"):  # (one character alone is no search)
        assert board_sql.find_reports(writable, needle)["report_id"].to_list() == ["hotline:9"], needle
    assert board_sql.find_reports(writable, "hotline:9")["text"].to_list() == [QUOTED]


def test_the_audit_log_filters_bind_what_an_admin_typed(home):
    reviews.audit("analyst", "analyst", "review.confirm", "a1", {"note": "属实"})
    for s in INJECTIONS:
        assert reviews.audit_log(100, s).is_empty() and reviews.audit_log(100, None, s).is_empty(), s
    assert reviews.audit_log(100)["action"].to_list() == ["review.confirm"]


# ---------------------------------------------------------------- the pages, with the strings in links and boxes
ATTACKS = ["'; drop table reports; --", "' or 1=1 --", "\\'; delete from alerts; --"]


def stored() -> tuple[dict, dict]:
    """The warehouse's and the snapshot's tables and rows."""
    out = []
    for path in (settings.warehouse_path(), settings.snapshot_path()):
        con = duckdb.connect()
        con.execute(f"attach '{path}' as snapshot (read_only)")
        out.append(fingerprint(con))
        con.close()
    return tuple(out)


def test_the_report_search_box_takes_an_injection_as_text(snapshot, people):
    before = stored()
    at = board("data_staff")
    for s in ATTACKS:
        at.text_input(key="report_query").input(s).run()
        assert not at.exception
        assert any("没有找到匹配的诉求" in i.value for i in at.info), s
    assert stored() == before


def test_the_queues_link_filters_ignore_an_injection(snapshot, people):
    before = stored()
    for s in ATTACKS:
        at = board("analyst", week=s, category=s, status=s, area=s, channel=s, alert=s)
        assert not at.exception
        table = next(d.value for d in at.dataframe if "区域" in d.value.columns)
        assert table["区域"].tolist() == ["多福巷社区", "银闸社区"]  # a bad link shows everything
        assert at.selectbox(key="alert").value == "a1"
    assert stored() == before


def test_the_hotspot_links_and_the_audit_box_ignore_an_injection(snapshot, people):
    before = stored()
    for s in ATTACKS:
        at = board("leader", category=s, town=s, weeks=s)
        assert not at.exception
        table = next(d.value for d in at.dataframe if "区域或地点" in d.value.columns)
        assert table["区域或地点"].tolist() == ["多福巷社区", "银闸社区"]
    at = board("admin", page="admin")
    for s in ATTACKS:
        at.text_input(key="audit_user").input(s).run()
        assert not at.exception and at.dataframe[1].value.empty, s
    assert stored() == before
