"""What a new user's trial of the command line found: placeholders shown as reasons, figures
that round alike, the brief's score and times, events outside a backtest, and unclear messages."""
from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines import detection

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
