"""The board's SQL (pipelines.warehouse.board) against the same tiny snapshot, opened read-only."""
from __future__ import annotations

from datetime import date

import duckdb
import pytest

from pipelines import settings, warehouse
from pipelines.warehouse import board

WEEK = date(2024, 5, 13)


@pytest.fixture
def con(snapshot):
    con = board.open_snapshot(snapshot)
    yield board.cursor(con)
    con.close()


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
    assert board.weeks(con)["week"].to_list() == [WEEK, date(2024, 5, 6)]
    assert board.latest_week(con) == WEEK


@pytest.mark.parametrize("categories, statuses, ids", [
    (None, None, ["a1", "a2"]),
    ([], [], ["a1", "a2"]),  # an empty filter keeps everything, like no filter
    (["debt"], None, ["a2"]),
    (None, ["new", "confirmed"], ["a1"]),
    (["debt"], ["new"], []),
])
def test_week_alerts_filter_by_category_and_status(con, categories, statuses, ids):
    assert board.week_alerts(con, WEEK, categories, statuses)["alert_id"].to_list() == ids


def test_alert_reports_carry_the_champions_probability_where_scored(con):
    reports = board.alert_reports(con, "a1")
    assert reports["report_id"].to_list() == ["hotline:1", "grid:7"]
    assert reports["probability"].to_list() == [0.93, None]


def test_alert_series_fills_quiet_weeks_with_zero(con):
    series = board.alert_series(con, "a1")
    assert series["n"].to_list() == [1, 0, 4, 6]
    assert series["expected"].to_list() == [None, None, None, 1.5]


def test_an_unknown_alert_has_no_series(con):
    assert board.alert_series(con, "nope").is_empty()
