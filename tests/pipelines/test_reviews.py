"""The review store: decisions checked and recorded with their audit line, and folded into the
warehouse exactly once, even while other processes keep deciding."""
from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import timedelta

import duckdb
import pytest

import polars as pl

from models.detectors import SIGNAL_SCHEMA
from pipelines import reviews, settings, warehouse
from pipelines.detection import Params, WeekSignals, fold_week
from tests.dashboards.conftest import WEEK, build_warehouse

BY = {"user": "analyst", "role": "analyst"}


@pytest.fixture
def wh(home):
    build_warehouse(settings.warehouse_path())
    return settings.warehouse_path()


def fold(path=None) -> dict:
    with warehouse.open_warehouse(path or settings.warehouse_path()) as con:
        return reviews.fold_into(con)


def sql(query: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse_path()), read_only=True)
    try:
        return con.sql(query, params=params).fetchall()
    finally:
        con.close()


def latest_labels() -> dict[str, tuple[list[str], str]]:
    return {r: (l, s) for r, l, s in sql("""select report_id, arg_max(labels, labelled_at), arg_max(source, labelled_at)
                                            from labels group by report_id""")}


@pytest.mark.parametrize("status, action, allowed", [
    ("new", "review", True),
    ("new", "confirm", True),
    ("reviewing", "confirm", True),
    ("confirmed", "confirm", False),
    ("new", "resolve", False),  # only what was confirmed can be resolved
    ("dispatched", "resolve", True),
    ("dispatched", "dispatch", True),  # handed on to another department
    ("resolved", "dismiss", False),
    ("resolved", "reopen", True),
    ("expired", "reopen", True),
    ("new", "reopen", False),
    ("resolved", "note", True),
])
def test_which_action_each_status_allows(home, status, action, allowed):
    fields = {"note": "说明", "reason": "normal", "merge_into": "x", "merge_base_status": "new",
              "department": "住建局", "due_date": settings.now().date()}
    record = lambda: reviews.record_review("a", action, seen_status=status, base_status=status, **BY, **fields)  # noqa: E731
    if allowed:
        assert record() == 1
    else:
        with pytest.raises(reviews.ReviewError, match="不能"):
            record()


@pytest.mark.parametrize("action, fields, message", [
    ("dismiss", {}, "排除原因"),
    ("dismiss", {"reason": "other"}, "备注"),
    ("merge", {}, "合并"),
    ("merge", {"merge_into": "a"}, "合并"),  # not into itself
    ("merge", {"merge_into": "b", "merge_base_status": "resolved"}, "未结"),
    ("dispatch", {"due_date": None, "department": "住建局"}, "期限"),
    ("dispatch", {"department": " "}, "承办部门"),
    ("resolve", {}, "备注"),
])
def test_a_decision_missing_what_it_needs_is_refused(home, action, fields, message):
    base = "confirmed"
    fields = {"due_date": settings.now().date() + timedelta(days=1), **fields}
    with pytest.raises(reviews.ReviewError, match=message):
        reviews.record_review("a", action, seen_status=base, base_status=base, **BY, **fields)


def test_a_decision_on_a_status_one_did_not_see_is_a_conflict(home):
    reviews.record_review("a", "confirm", seen_status="new", base_status="new", user="li", role="analyst")
    with pytest.raises(reviews.ConflictError, match="li .*已确认"):
        reviews.record_review("a", "dismiss", seen_status="new", base_status="new", reason="normal", **BY)


def test_every_decision_writes_its_audit_line_and_the_log_cannot_be_changed(home):
    reviews.record_review("a", "confirm", seen_status="new", base_status="new", note="属实", **BY)
    row = reviews.audit_log().row(0, named=True)
    assert (row["username"], row["action"], row["target"]) == ("analyst", "review.confirm", "a")
    con = sqlite3.connect(reviews.db_path())
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("update audit set username = 'someone else'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("delete from audit")


def test_the_store_is_private(home):
    reviews.audit("x", None, "sign_in")
    assert reviews.db_path().stat().st_mode & 0o077 == 0


def test_folding_sets_statuses_keeps_the_history_and_labels_the_reports(wh):
    reviews.record_review("a1", "confirm", seen_status="new", base_status="new", category="wage_arrears", **BY)
    reviews.record_review("a2", "dismiss", seen_status="reviewing", base_status="reviewing", category="debt",
                          reason="misclassified", **BY)
    assert fold() == {"reviews": 2, "corrections": 0, "labels": 3}
    assert dict(sql("select alert_id, status from alerts")) == {"a1": "confirmed", "a2": "dismissed", "a3": "resolved"}
    assert sql("select alert_id, action, reviewer from alert_reviews order by review_id") == [
        ("a1", "confirm", "analyst"), ("a2", "dismiss", "analyst")]
    assert latest_labels() == {"hotline:1": (["wage_arrears"], "review"), "grid:7": (["wage_arrears"], "review"),
                               "petition:3": ([], "review")}  # misclassified: not debt after all


def test_a_dismissal_for_another_reason_says_nothing_about_the_reports(wh):
    reviews.record_review("a1", "dismiss", seen_status="new", base_status="new", reason="normal", category="wage_arrears", **BY)
    assert fold()["labels"] == 0


def test_a_confirmation_keeps_the_reports_other_labels(wh):
    w = warehouse.connect(settings.warehouse_path())
    w.execute("insert into labels values ('hotline:1', ['debt'], 'import', 'staff', '2024-05-01')")
    w.close()
    reviews.record_review("a1", "confirm", seen_status="new", base_status="new", category="wage_arrears", **BY)
    fold()
    assert latest_labels()["hotline:1"] == (["wage_arrears", "debt"], "review")


def test_a_merged_alerts_reports_join_its_target(wh):
    reviews.record_review("a2", "merge", seen_status="reviewing", base_status="reviewing", merge_into="a1",
                          merge_base_status="new", **BY)
    fold()
    assert sorted(r for (r,) in sql("select report_id from alert_reports where alert_id = 'a1'")) == [
        "grid:7", "hotline:1", "petition:3"]
    assert sql("select status from alerts where alert_id = 'a2'") == [("merged",)]


@pytest.mark.parametrize("action, extra", [("dismiss", {"reason": "misclassified"}), ("confirm", {})])
def test_a_decision_labels_the_reports_of_alerts_merged_into_it_since_the_last_fold(wh, action, extra):
    # the board lists a2's petition:3 under a1 once a2 is merged into it; a1's decision covered a1's own
    # reports only, and the fold that linked petition:3 to a1 came after its labels were drawn up
    reviews.record_review("a2", "merge", seen_status="reviewing", base_status="reviewing", merge_into="a1",
                          merge_base_status="new", **BY)
    reviews.record_review("a1", action, seen_status="new", base_status="new", category="wage_arrears", **extra, **BY)
    assert fold()["labels"] == 3
    labels = latest_labels()
    assert {r for r, (_, source) in labels.items() if source == "review"} == {"hotline:1", "grid:7", "petition:3"}
    assert ("wage_arrears" in labels["petition:3"][0]) == (action == "confirm")
    assert fold()["labels"] == 0   # once


@pytest.mark.parametrize("action, extra, status", [
    ("confirm", {}, "confirmed"),
    ("dispatch", {"department": "人社局", "due_date": settings.now().date() + timedelta(days=7)}, "dispatched")])
def test_an_alert_merged_into_one_decided_in_an_earlier_fold_takes_its_standing_decision(wh, action, extra, status):
    # merges go into open alerts only, so the standing decision is a confirmation (or a dispatch after one)
    reviews.record_review("a1", action, seen_status="new", base_status="new", **extra, **BY)
    fold()
    reviews.record_review("a2", "merge", seen_status="reviewing", base_status="reviewing", merge_into="a1",
                          merge_base_status=status, user="wang", role="analyst")
    assert fold()["labels"] == 1   # petition:3 only: a1's own reports were labelled by the first fold
    labels, source = latest_labels()["petition:3"]
    assert source == "review" and "wage_arrears" in labels   # a1's category (a2 was debt)
    assert sql("select labelled_by from labels where report_id = 'petition:3'") == [("wang",)]
    assert fold()["labels"] == 0   # once


def test_an_alert_merged_into_one_reopened_since_its_decision_is_not_labelled(wh):
    reviews.record_review("a1", "confirm", seen_status="new", base_status="new", **BY)
    reviews.record_review("a1", "resolve", seen_status="confirmed", base_status="new", note="已协调发放", **BY)
    reviews.record_review("a1", "reopen", seen_status="resolved", base_status="new", note="又有反映", **BY)
    fold()
    reviews.record_review("a2", "merge", seen_status="reviewing", base_status="reviewing", merge_into="a1",
                          merge_base_status="reviewing", **BY)
    assert fold()["labels"] == 0


def test_a_report_of_two_alerts_confirmed_in_one_fold_gets_both_categories(wh):
    w = warehouse.connect(settings.warehouse_path())
    w.execute("insert into alert_reports (alert_id, report_id, week) values ('a2', 'hotline:1', ?)", [WEEK])
    w.close()
    reviews.record_review("a1", "confirm", seen_status="new", base_status="new", **BY)
    reviews.record_review("a2", "confirm", seen_status="reviewing", base_status="reviewing", **BY)
    fold()
    assert sorted(latest_labels()["hotline:1"][0]) == ["debt", "wage_arrears"]   # one was lost, whichever came first


def merge_a2_into_a1_into_a3() -> None:
    """a3 reopened, then a2 merged into a1 and a1 into a3, none of it folded yet."""
    reviews.record_review("a3", "reopen", seen_status="resolved", base_status="resolved", note="又有反映", **BY)
    reviews.record_review("a2", "merge", seen_status="reviewing", base_status="reviewing", merge_into="a1",
                          merge_base_status="new", **BY)
    reviews.record_review("a1", "merge", seen_status="new", base_status="new", merge_into="a3",
                          merge_base_status="resolved", **BY)


def test_a_chain_of_merges_lends_its_reports_to_the_decision_at_its_end(wh):
    merge_a2_into_a1_into_a3()
    reviews.record_review("a3", "confirm", seen_status="reviewing", base_status="resolved", category="debt", **BY)
    fold()
    assert all("debt" in labels for labels, source in latest_labels().values() if source == "review")
    assert {r for r, (_, source) in latest_labels().items() if source == "review"} >= {"hotline:1", "grid:7", "petition:3"}


def test_merges_in_a_chain_folded_at_once_bring_every_report_to_the_end_of_the_chain(wh):
    merge_a2_into_a1_into_a3()
    fold()
    assert sorted(r for (r,) in sql("select report_id from alert_reports where alert_id = 'a3'")) == [
        "grid:7", "hotline:1", "petition:3"]   # a2's petition:3 came by way of a1


def test_evidence_on_a_merged_alerts_key_next_week_updates_its_target_and_joins_its_reports(wh):
    reviews.record_review("a2", "merge", seen_status="reviewing", base_status="reviewing", merge_into="a1",
                          merge_base_status="new", **BY)
    fold()
    week = WEEK + timedelta(weeks=1)
    signal = pl.DataFrame([(week, "110101001002", "debt", "pooled_cusum", 5, 1.0, 3.0, 4.0, 2)],
                          schema=SIGNAL_SCHEMA, orient="row").with_columns(pl.lit(None, pl.String).alias("place"))
    behind = pl.DataFrame({"area_code": ["110101001002"], "category": ["debt"], "place": [None], "report_id": ["grid:7"]},
                          schema={"area_code": pl.String, "category": pl.String, "place": pl.String, "report_id": pl.String})
    with warehouse.open_warehouse(settings.warehouse_path()) as con:
        closed = warehouse.closed_alerts(con)
        assert closed.filter(pl.col("alert_id") == "a2")["merge_into"].to_list() == ["a1"]
        out = fold_week(WeekSignals(week, signal, behind, {}), warehouse.open_alerts(con), closed,
                        warehouse.area_names(con), {"debt": "借贷纠纷"}, Params())
    assert out.new == 0 and out.alerts["alert_id"].to_list() == ["a1"]
    assert out.links.select("alert_id", "report_id").rows() == [("a1", "grid:7")]


def test_label_corrections_become_labels(wh):
    reviews.record_correction("grid:7", ["debt", "wage_arrears"], user="staff", role="data_staff", note="两类都有")
    assert fold()["corrections"] == 1
    assert latest_labels() == {"grid:7": (["wage_arrears", "debt"], "correction")}


def test_nothing_is_folded_twice(wh):
    reviews.record_review("a1", "confirm", seen_status="new", base_status="new", **BY)
    reviews.record_correction("grid:7", [], user="staff", role="data_staff")
    fold()
    assert fold() == {"reviews": 0, "corrections": 0, "labels": 0}
    assert sql("select count(*) from labels") == [(3,)]


def test_a_fold_that_fails_midway_changes_nothing_and_the_next_one_folds_it_all(wh, monkeypatch):
    reviews.record_review("a1", "confirm", seen_status="new", base_status="new", **BY)

    def broken(*args):
        raise OSError("disk full")

    with monkeypatch.context() as patched:
        patched.setattr(warehouse, "insert_labels", broken)
        with pytest.raises(OSError):
            fold()
    assert sql("select status from alerts where alert_id = 'a1'") == [("new",)]
    assert fold()["reviews"] == 1
    assert sql("select status from alerts where alert_id = 'a1'") == [("confirmed",)]


def test_without_any_decision_folding_is_a_no_op(wh):
    assert fold() == {"reviews": 0, "corrections": 0, "labels": 0}


def test_the_board_lays_over_only_what_the_snapshot_has_not_folded(wh):
    first = reviews.record_review("a1", "confirm", seen_status="new", base_status="new", **BY)
    fold()
    second = reviews.record_review("a2", "confirm", seen_status="reviewing", base_status="reviewing", **BY)
    assert reviews.pending(first)["review_id"].to_list() == [second]


def _decide_many(n: int, who: str) -> None:
    for i in range(n):
        reviews.record_review("a1", "note", seen_status="new", base_status="new", note=f"{who} 第 {i} 条",
                              user=who, role="analyst")


def test_no_decision_is_lost_while_people_decide_and_flows_fold_at_once(wh):
    ctx = multiprocessing.get_context("spawn")
    writers = [ctx.Process(target=_decide_many, args=(25, f"analyst{k}")) for k in range(4)]
    for w in writers:
        w.start()
    folds = 0
    while any(w.is_alive() for w in writers) or folds == 0:
        folds += 1
        fold()
    for w in writers:
        w.join()
        assert w.exitcode == 0
    fold()
    ids = [r for (r,) in sql("select review_id from alert_reviews order by review_id")]
    assert ids == list(range(1, 101)) and folds >= 1
    assert len(reviews.audit_log(1000)) == 100


def test_an_alert_is_not_reopened_beside_another_open_alert_on_its_key(home):
    reopen = lambda: reviews.record_review("a3", "reopen", seen_status="resolved", base_status="resolved",  # noqa: E731
                                           note="再看一遍", open_on_key={"a4": "new"}, **BY)
    with pytest.raises(reviews.ReviewError, match="已有未结预警 a4（新发现）"):
        reopen()
    reviews.record_review("a4", "dismiss", seen_status="new", base_status="new", reason="normal", **BY)
    assert reopen() > 0   # a4 dismissed since the snapshot: a3 may be reopened
