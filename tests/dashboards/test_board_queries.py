"""The board's SQL (pipelines.warehouse.board) against the tiny snapshot, opened read-only."""
from __future__ import annotations

from datetime import date, datetime

import duckdb
import polars as pl
import pytest

from pipelines import settings, warehouse
from pipelines.warehouse import board
from tests.dashboards.conftest import LAST_WEEK, WEEK


@pytest.fixture
def con(snapshot):
    con = board.open_snapshot(snapshot)
    yield board.cursor(con)
    con.close()


def overlaid(snapshot, **statuses) -> duckdb.DuckDBPyConnection:
    overlay = pl.DataFrame({"alert_id": list(statuses), "status": list(statuses.values()),
                            "changed_at": [datetime(2024, 5, 20)] * len(statuses)})
    return board.cursor(board.open_snapshot(snapshot), overlay)


def test_an_empty_database_lacks_every_board_table():
    assert board.missing_tables(duckdb.connect()) == list(board.TABLES)


def test_a_newly_published_snapshot_is_seen_while_the_old_one_is_still_open(snapshot, con):
    # duckdb.connect(path) would hand back the old file's instance here and show three alerts.
    writer = warehouse.connect(settings.warehouse_path())
    writer.execute("delete from alerts where alert_id = 'a3'")
    writer.close()
    warehouse.publish_snapshot(settings.warehouse_path(), snapshot)
    fresh = board.open_snapshot(snapshot)
    assert fresh.sql("select count(*) from alerts").fetchall() == [(2,)]
    assert con.sql("select count(*) from alerts").fetchall() == [(3,)]  # the old one reads on
    fresh.close()


def test_a_snapshot_is_opened_read_only(con):
    with pytest.raises(duckdb.Error, match="read-only"):
        con.execute("delete from alerts")


def test_weeks_run_from_the_latest_back_through_every_alerts_span(con):
    assert board.weeks(con)["week"].to_list() == [WEEK, LAST_WEEK]
    assert board.latest_week(con) == WEEK and board.current_week(con) == WEEK


@pytest.mark.parametrize("categories, statuses, area, channels, ids", [
    (None, None, None, None, ["a1", "a2"]),
    ([], [], None, [], ["a1", "a2"]),  # an empty filter keeps everything, like no filter
    (["debt"], None, None, None, ["a2"]),
    (None, ["new", "confirmed"], None, None, ["a1"]),
    (["debt"], ["new"], None, None, []),
    (None, None, "110101001000", None, ["a1", "a2"]),  # a street holds both communities
    (None, None, "110101001002", None, ["a2"]),
    (None, None, None, ["grid"], ["a1"]),
])
def test_week_alerts_filter_by_category_status_area_and_channel(con, categories, statuses, area, channels, ids):
    assert board.week_alerts(con, WEEK, categories, statuses, area, channels)["alert_id"].to_list() == ids


def test_pending_decisions_are_laid_over_the_snapshots_statuses(snapshot):
    cur = overlaid(snapshot, a1="confirmed", a3="new")
    assert dict(board.week_alerts(cur, LAST_WEEK).select("alert_id", "status").iter_rows()) == {
        "a1": "confirmed", "a3": "new"}
    assert board.alert(cur, "a1").select("status", "base_status").row(0) == ("confirmed", "new")


def test_every_open_alert_whatever_its_weeks(snapshot):
    # a3 (only alive in the week before) reopened: the latest week does not list it, 全部未结 does
    cur = overlaid(snapshot, a3="new")
    assert board.week_alerts(cur, WEEK)["alert_id"].to_list() == ["a1", "a2"]
    assert board.week_alerts(cur, None)["alert_id"].to_list() == ["a1", "a2", "a3"]
    assert board.week_alerts(cur, None, ["family_neighbour"])["alert_id"].to_list() == ["a3"]
    cur = overlaid(snapshot, a2="dismissed")
    assert board.week_alerts(cur, None)["alert_id"].to_list() == ["a1"]   # closed ones are not


def test_alert_reports_carry_the_models_probability_and_terms(con):
    reports = board.alert_reports(con, "a1")
    assert reports["report_id"].to_list() == ["hotline:1", "grid:7"]
    assert reports["probability"].to_list() == [0.93, 0.81]
    assert reports["top_terms"].to_list() == [["欠薪", "包工头"], ["讨薪", "包工头"]]


def test_alert_reports_include_those_of_alerts_merged_into_it(con):
    assert board.alert_reports(con, "a1", ["a2"])["report_id"].to_list() == ["petition:3", "hotline:1", "grid:7"]


def test_alert_series_fills_quiet_weeks_with_zero(con):
    series = board.alert_series(con, "a1")
    assert series["n"].to_list() == [1, 0, 4, 6]
    assert series["expected"].to_list() == [None, None, None, 1.5]
    assert series["upper"].to_list() == [None, None, None, 4.0]


def test_a_place_alerts_series_counts_its_own_reports_by_the_week_they_came_in(snapshot):
    # it drew its area's series, which the explanation's count (the place's reports) did not match
    writer = warehouse.connect(settings.warehouse_path())
    writer.execute("update alerts set place = '金鼎建筑工地' where alert_id = 'a1'")
    writer.close()
    warehouse.publish_snapshot(settings.warehouse_path(), snapshot)
    series = board.alert_series(board.cursor(board.open_snapshot(snapshot)), "a1")
    assert series["n"].to_list() == [0, 0, 1, 1]   # grid:7 in LAST_WEEK, hotline:1 in WEEK
    assert series["expected"].to_list() == [None] * 4 and series["upper"].to_list() == [None] * 4


def test_the_series_leaves_out_signals_counting_several_weeks(snapshot):
    writer = warehouse.connect(settings.warehouse_path())
    writer.execute("""insert into signals (signal_id, week, area_code, category, detector, observed, expected, upper,
                      score, model_version, weeks) values ('s2', ?, '110101001001', 'wage_arrears', 'pooled_cusum',
                      10, 3.0, 6.0, 9.0, 'v2', 2)""", [WEEK])
    writer.close()
    warehouse.publish_snapshot(settings.warehouse_path(), snapshot)
    cur = board.cursor(board.open_snapshot(snapshot))
    # the stronger signal of the week is a two-week run: not a week's expectation
    assert board.alert_series(cur, "a1")["expected"].to_list() == [None, None, None, 1.5]


def test_a_snapshot_published_before_signals_counted_weeks_still_draws_the_series(snapshot):
    import shutil

    old = snapshot.with_name("old.duckdb")
    shutil.copyfile(snapshot, old)
    writer = duckdb.connect(str(old))
    writer.execute("alter table signals drop column weeks")
    writer.execute("alter table signals drop column place")
    writer.close()
    cur = board.cursor(board.open_snapshot(old))
    assert board.alert_series(cur, "a1")["expected"].to_list() == [None, None, None, 1.5]


def test_an_unknown_alert_has_no_series(con):
    assert board.alert_series(con, "nope").is_empty()


def test_merge_targets_are_other_open_alerts(con):
    assert board.merge_targets(con, "a1")["alert_id"].to_list() == ["a2"]


def test_the_leaders_headline(con):
    h = board.headline(con, WEEK, date(2024, 1, 1)).row(0, named=True)
    assert h == {"open": 2, "new": 1, "confirmed": 0, "resolved": 1, "median_days": 2.0}


def test_hotspot_areas_count_open_alerts_where_they_are_strongest_first(con):
    hot = board.hotspot_areas(con)
    assert hot.select("area_name", "alerts", "rank").rows() == [("多福巷社区", 1, 60.0), ("银闸社区", 1, 40.0)]
    assert hot["lat"].to_list() == [39.931, 39.929]


def test_category_trends_fill_zeros_over_the_window(con):
    trends = board.category_trends(con, 3)
    assert trends.rows() == [(date(2024, 4, 29), "wage_arrears", 0), (LAST_WEEK, "wage_arrears", 4),
                             (WEEK, "wage_arrears", 6)]


def test_leader_queries_return_no_text_columns(con):
    for frame in (board.headline(con, WEEK, WEEK), board.hotspot_areas(con), board.top_hotspots(con),
                  board.category_trends(con, 4)):
        assert not {"text", "title", "subject", "explanation", "address"} & set(frame.columns)


def test_find_reports_by_id_or_words(con):
    assert board.find_reports(con, "grid:7")["report_id"].to_list() == ["grid:7"]
    assert board.find_reports(con, "GRID:7")["report_id"].to_list() == ["grid:7"]  # ids whatever the case
    assert board.find_reports(con, "7")["report_id"].to_list() == ["grid:7"]  # the source's own number, as users see it
    assert board.find_reports(con, "借款")["report_id"].to_list() == ["petition:3"]
    assert board.find_reports(con, "%")["report_id"].to_list() == []  # no wildcard: too short and literal


def test_the_review_watermark_is_zero_before_any_fold(con):
    assert board.review_watermark(con) == 0


def test_open_on_key_names_the_other_open_alerts_of_an_alerts_key_place_variants_included(snapshot):
    writer = warehouse.connect(settings.warehouse_path())
    writer.executemany("""insert into alerts (alert_id, area_code, category, first_week, last_week, status, score,
                          observed, expected, explanation, rank, created_at, updated_at, place)
                          values (?, '110101001002', ?, ?, ?, ?, 3.0, 4, 1.0, '', 30.0, now(), now(), ?)""",
                       [("a4", "family_neighbour", WEEK, WEEK, "new", None),
                        ("p1", "debt", LAST_WEEK, LAST_WEEK, "dismissed", "福寿康养老"),
                        ("p2", "debt", WEEK, WEEK, "new", "福寿康"),
                        ("p3", "debt", WEEK, WEEK, "new", "锦绣华庭")])
    writer.close()
    warehouse.publish_snapshot(settings.warehouse_path(), snapshot)
    con = board.cursor(board.open_snapshot(snapshot))
    assert board.open_on_key(con, "a3").select("alert_id", "base_status").rows() == [("a4", "new")]
    assert board.open_on_key(con, "a4").is_empty()          # a3 is resolved; a2 is another category
    assert board.open_on_key(con, "p1")["alert_id"].to_list() == ["p2"]
    # a decision not yet folded into the snapshot counts: a4 dismissed leaves a3 alone on its key
    assert board.open_on_key(overlaid(snapshot, a4="dismissed"), "a3").is_empty()


def test_open_on_key_reads_a_snapshot_written_before_alerts_had_a_place(tmp_path):
    old = duckdb.connect(str(tmp_path / "old.duckdb"))
    old.execute("""create table alerts (alert_id varchar, area_code varchar, category varchar, first_week date,
                   last_week date, status varchar, score double, observed bigint, expected double, explanation varchar,
                   created_at timestamp, updated_at timestamp)""")
    old.execute("""insert into alerts values ('a1', '1', 'debt', '2025-01-06', '2025-01-06', 'resolved', 3, 4, 1, '', now(), now()),
                                             ('a2', '1', 'debt', '2025-02-03', '2025-02-03', 'new', 3, 4, 1, '', now(), now())""")
    old.close()
    cur = board.cursor(board.open_snapshot(tmp_path / "old.duckdb"))
    assert board.open_on_key(cur, "a1")["alert_id"].to_list() == ["a2"]
