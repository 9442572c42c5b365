"""What a new user's trial of the command line found: placeholders shown as reasons, figures
that round alike, the brief's score and times, events outside a backtest, and unclear messages."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pipelines import backtest, cli, detection

WEEK = dt.date(2026, 6, 1)


def test_an_alerts_top_terms_leave_out_placeholders_stored_with_older_scores():
    behind = pl.DataFrame({"report_id": ["r1", "r2"], "category": ["wage_arrears"] * 2,
                           "area_code": ["A"] * 2, "place": [None, None]}, schema_overrides={"place": pl.String})
    flagged = pl.DataFrame({
        "report_id": ["r1", "r2"], "category": ["wage_arrears"] * 2, "area_code": ["A"] * 2, "week": [WEEK] * 2,
        "probability": [0.9, 0.8], "reporter_key": ["k1", "k2"], "channel": ["hotline", "grid"],
        "title": [None, None], "text": ["工友一共35人讨薪", "包工头欠薪"], "people_count": [35, 1],
        # scored before explain() left placeholders out: the most frequent "terms" are placeholders
        "top_terms": [["一共<num>", "<num>", "工友", "[手机号]"], ["一共<num>", "<num>", "欠薪"]],
        "names": [[], []], "escalation": [[], []],
    }, schema_overrides={"title": pl.String, "names": pl.List(pl.String), "escalation": pl.List(pl.String)})
    ev = detection.evidence(behind, flagged, WEEK, 1, pl.DataFrame())
    assert ev[("A", "wage_arrears")]["top_terms"] == ["工友", "欠薪"]


@pytest.mark.parametrize("new, champion, shown", [
    (0.8276, 0.8280, ("0.8276", "0.8280 (the challenger is 0.0004 lower)")),  # both 0.828 at three decimals
    (0.8281, 0.82849, ("0.8281", "0.8285 (the challenger is 0.0004 lower)")),
    (0.9, 0.8, ("0.900", "0.800 (the challenger is 0.100 higher)")),
    (0.828, 0.828, ("0.828", "0.828 (the same)")),
    (0.8279999996, 0.828, ("0.828", "0.828 (the challenger is less than 0.000001 lower)")),
])
def test_a_challenger_and_its_champion_are_shown_with_the_decimals_that_tell_them_apart(new, champion, shown):
    assert cli.side_by_side(new, champion) == shown


def test_retrain_says_by_how_much_a_challenger_that_rounds_like_the_champion_lost(monkeypatch, capsys):
    from pipelines import retrain

    monkeypatch.setattr(cli, "_flows", lambda server=True: None)
    monkeypatch.setattr(cli.prefect_server, "ready", lambda: None)
    monkeypatch.setattr(retrain, "retrain_flow", lambda promote, margin: {
        "version": "m2", "macro_f1": 0.82764, "champion_macro_f1": 0.82801, "test_rows": 4913, "train_rows": 20059,
        "promoted": False, "per_label": {"debt": 0.8}, "brier": {}})
    assert cli.main(["retrain"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "model m2: macro-F1 0.8276 on 4,913 held-out reports (trained on 20,059); "
        "champion was 0.8280 (the challenger is 0.0004 lower); kept as challenger")


@pytest.mark.parametrize("first_week, last_week, inside", [
    ("2026-05-25", "2026-05-25", False),  # ended the week before the window
    ("2026-05-25", "2026-06-01", True),   # runs into its first week
    ("2026-06-08", "2026-08-10", True),
    ("2026-06-14", "2026-06-21", True),   # starts on the Sunday of the last week replayed
    ("2026-06-15", "2026-06-22", False),  # starts the Monday after
])
def test_events_are_timed_only_when_their_weeks_meet_the_replayed_weeks(first_week, last_week, inside):
    events = pl.DataFrame({"kind": ["e"], "first_week": [first_week], "last_week": [last_week], "row": [2]}) \
        .with_columns(pl.col("first_week", "last_week").str.to_date())
    timed, outside = backtest.split_events(events, dt.date(2026, 6, 1), dt.date(2026, 6, 8))
    assert (timed.height, outside.height) == ((1, 0) if inside else (0, 1))
