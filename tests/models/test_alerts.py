from datetime import date, datetime, timedelta

import polars as pl
import pytest

from models.alerts import ALERT_SCHEMA, explain, rank_score, severity, update_alerts
from models.detectors import SIGNAL_SCHEMA

W1 = date(2024, 3, 4)
W2, W3 = W1 + timedelta(weeks=1), W1 + timedelta(weeks=2)
AREAS = {"330100001001": "青石镇桃园村", "330100001002": "青石镇李家村"}
CATEGORIES = {"wage_arrears": "劳资欠薪", "debt": "债务纠纷"}


def signals(week, *rows):
    """rows: (area_code, category, observed, score)"""
    return pl.DataFrame([(week, a, c, "ears_c2", o, 1.2, 3.8, s, 1) for a, c, o, s in rows],
                        schema=SIGNAL_SCHEMA, orient="row")


def run(open_alerts, sigs, week, **kw):
    return update_alerts(open_alerts, sigs, week, AREAS, CATEGORIES, {}, **kw)


NO_ALERTS = pl.DataFrame(schema=ALERT_SCHEMA)


def test_a_key_alarming_three_weeks_running_is_one_updated_alert():
    alerts, n_new = run(NO_ALERTS, signals(W1, ("330100001001", "wage_arrears", 5, 4.0)), W1)
    assert n_new == 1 and alerts["alert_id"].to_list() == ["A-330100001001-wage_arrears-20240304"]
    for week, score in [(W2, 2.0), (W3, 6.0)]:
        alerts, n_new = run(alerts, signals(week, ("330100001001", "wage_arrears", 7, score)), week)
        assert n_new == 0 and alerts.height == 1
    row = alerts.row(0, named=True)
    assert (row["first_week"], row["last_week"], row["status"]) == (W1, W3, "new")
    # week 2: max(2.0, 0.8*4.0) = 3.2; week 3: max(6.0, 0.8*3.2) = 6.0
    assert row["score"] == pytest.approx(6.0)
    assert "连续第 3 周预警" in row["explanation"] and row["observed"] == 7
    assert alerts.columns == list(ALERT_SCHEMA)


def test_an_update_keeps_the_analysts_status_and_decays_the_score():
    opened, _ = run(NO_ALERTS, signals(W1, ("330100001001", "debt", 5, 5.0)), W1)
    reviewing = opened.with_columns(status=pl.lit("confirmed"))
    updated, _ = run(reviewing, signals(W2, ("330100001001", "debt", 4, 1.0)), W2)
    assert updated["status"].to_list() == ["confirmed"]
    assert updated["score"].to_list() == pytest.approx([4.0])  # max(1.0, 0.8 * 5.0)
    assert reviewing["last_week"].to_list() == [W1]  # input frame untouched


def test_a_dismissed_alert_is_not_raised_again_for_the_same_week():
    dismissed, _ = run(NO_ALERTS, signals(W1, ("330100001001", "debt", 5, 5.0)), W1)
    dismissed = dismissed.with_columns(status=pl.lit("dismissed"))
    again, n_new = run(NO_ALERTS, signals(W1, ("330100001001", "debt", 5, 5.0)), W1,
                       closed_alerts=dismissed)
    assert (again.height, n_new) == (0, 0)
    same, n_new = run(NO_ALERTS, signals(W2, ("330100001001", "debt", 6, 5.0)), W2,
                      closed_alerts=dismissed)
    assert (same.height, n_new) == (0, 0)  # the same level of evidence next week stays dismissed
    risen, n_new = run(NO_ALERTS, signals(W3, ("330100001001", "debt", 8, 7.0)), W3,
                       closed_alerts=dismissed)
    assert n_new == 1 and risen["alert_id"].to_list() == ["A-330100001001-debt-20240318"]
    assert "曾被排除" in risen["explanation"][0]
    much_later = W1 + timedelta(weeks=27)
    again, n_new = run(NO_ALERTS, signals(much_later, ("330100001001", "debt", 5, 5.0)), much_later,
                       closed_alerts=dismissed)
    assert n_new == 1  # half a year on, the same count is a new episode


def test_a_resolved_alert_may_recur_the_next_week():
    resolved, _ = run(NO_ALERTS, signals(W1, ("330100001001", "debt", 5, 5.0)), W1)
    resolved = resolved.with_columns(status=pl.lit("resolved"))
    later, n_new = run(NO_ALERTS, signals(W2, ("330100001001", "debt", 5, 5.0)), W2, closed_alerts=resolved)
    assert n_new == 1


def test_the_weekly_budget_keeps_the_strongest_new_alerts():
    sigs = signals(W1, ("330100001001", "debt", 4, 3.5), ("330100001002", "debt", 9, 8.0),
                   ("330100001001", "wage_arrears", 6, 5.0))
    alerts, n_new = run(NO_ALERTS, sigs, W1, max_new=2)
    assert n_new == 2 and alerts["score"].to_list() == [8.0, 5.0]


def test_rerunning_a_week_does_not_decay_or_duplicate():
    sig = signals(W1, ("330100001001", "debt", 5, 5.0))
    first, _ = run(NO_ALERTS, sig, W1, now=datetime(2024, 3, 4, 6))
    again, n_new = run(first, sig, W1)
    assert n_new == 0 and again["score"].to_list() == [5.0]
    assert again["created_at"].to_list() == [datetime(2024, 3, 4, 6)]


def test_explanation_reads_like_the_analysts_brief():
    text = explain("青石镇桃园村", "劳资欠薪", 7, 1.2, 3.8, 4.1, streak=3, evidence={
        "top_terms": ["欠薪", "包工头", "工地"], "places": ["滨江一号项目工地"],
        "channels": {"hotline": 5, "grid": 2}})
    assert text == ("青石镇桃园村「劳资欠薪」本周 7 件，预期 1.2 件（上限 3.8，EARS C2 统计量 4.1）；"
                    "连续第 3 周预警。高频词：欠薪、包工头、工地；涉及：滨江一号项目工地；渠道：12345热线 5、网格 2。")


@pytest.mark.parametrize("evidence, tail", [
    ({}, "首次预警。"),  # no evidence at all: the counts sentence alone
    ({"examples": ["工地老板拖欠三个月工资"]}, "首次预警。例：「工地老板拖欠三个月工资」。"),
])
def test_explanation_with_missing_evidence(evidence, tail):
    assert explain("李家村", "债务纠纷", 4, 0.5, 2.0, 5.0, evidence=evidence).endswith(tail)


def place_signal(week, observed, score):
    return pl.DataFrame([{"week": week, "area_code": "330100001001", "category": "wage_arrears", "detector": "cluster",
                          "observed": observed, "expected": 0.3, "upper": 3.0, "score": score, "place": "白沙物流园", "weeks": 4}])


def test_a_place_alerting_three_weeks_running_is_one_alert_whatever_the_area():
    alerts, n_new = run(NO_ALERTS, place_signal(W1, 5, 6.0), W1)
    assert n_new == 1 and alerts["place"].to_list() == ["白沙物流园"]
    for week in (W2, W3):
        # the place's main area may move between weeks; the key is the place
        moved = place_signal(week, 9, 8.0).with_columns(pl.lit("330100001002").alias("area_code"))
        alerts, n_new = run(alerts, moved, week)
        assert n_new == 0 and alerts.height == 1
    row = alerts.row(0, named=True)
    assert (row["first_week"], row["last_week"]) == (W1, W3) and "连续第 3 周预警" in row["explanation"]
    assert row["area_code"] == "330100001002"
    assert row["explanation"].startswith("「白沙物流园」（青石镇李家村一带）「劳资欠薪」近 4 周 9 件")


def test_a_place_alert_and_an_area_alert_on_the_same_area_are_separate():
    both = pl.concat([place_signal(W1, 5, 6.0), signals(W1, ("330100001001", "wage_arrears", 5, 4.0))
                      .with_columns(pl.lit(None, pl.String).alias("place")).select(place_signal(W1, 5, 6.0).columns)])
    alerts, n_new = run(NO_ALERTS, both, W1)
    assert n_new == 2 and sorted(map(str, alerts["place"].to_list())) == ["None", "白沙物流园"]


def test_rank_rewards_growth_channels_and_severity():
    base = rank_score(4.0, 6, 1.0)
    assert 0 < base < 100
    assert rank_score(4.0, 12, 1.0) > base                       # more growth
    assert rank_score(4.0, 6, 1.0, channels=3) > base            # seen on three channels
    assert rank_score(4.0, 6, 1.0, severity_=0.8) > base         # 跳楼, 堵路 …
    assert rank_score(40.0, 60, 0.0, channels=9, severity_=5) == 100.0


def test_severity_grows_with_people_escalation_and_repeats():
    assert severity() == 0.0
    assert severity(people=3) == 0.0 < severity(people=20) < severity(people=200) <= 1.0
    assert severity(escalations=1) < severity(escalations=2)
    assert severity(repeat_reporters=2) > 0
    assert severity(people=500, escalations=5, repeat_reporters=5) == 1.0


def test_the_budget_keeps_the_highest_ranked_new_alerts():
    ev = {("330100001002", "debt"): {"severity": 1.0, "channels": {"hotline": 2, "grid": 2, "petition": 1}}}
    sigs = signals(W1, ("330100001001", "debt", 6, 5.0), ("330100001002", "debt", 5, 4.5))
    alerts, _ = update_alerts(NO_ALERTS, sigs, W1, AREAS, CATEGORIES, ev, max_new=1)
    assert alerts["area_code"].to_list() == ["330100001002"]  # weaker statistic, but severe and cross-channel


def test_a_signal_on_a_variant_of_an_open_place_updates_that_alert():
    opened, _ = run(NO_ALERTS, place_signal(W1, 5, 6.0).with_columns(pl.lit("福寿康养老").alias("place")), W1)
    later, n_new = run(opened, place_signal(W2, 7, 6.0).with_columns(pl.lit("福寿康").alias("place")), W2)
    assert n_new == 0 and later["alert_id"].to_list() == opened["alert_id"].to_list()
    assert later["place"].to_list() == ["福寿康养老"]


def test_variants_of_one_place_in_one_week_open_one_alert():
    both = pl.concat([place_signal(W1, 9, 8.0).with_columns(pl.lit("白沙物流园").alias("place")),
                      place_signal(W1, 5, 6.0).with_columns(pl.lit("物流园").alias("place"))])
    alerts, n_new = run(NO_ALERTS, both, W1)
    assert n_new == 1 and alerts["place"].to_list() == ["白沙物流园"]
    again, n_new = run(alerts, both.with_columns(pl.lit(W2).alias("week")), W2)
    assert n_new == 0 and again.height == 1


def test_the_explanation_names_the_weeks_a_signal_counts():
    run = explain("青石镇桃园村", "劳资欠薪", 6, 1.4, 4.0, 2.3, detector="pooled_cusum", weeks=3)
    assert run.startswith("青石镇桃园村「劳资欠薪」近 3 周 6 件，预期 1.4 件")
    # a chart's bound for this week alone is not set beside a count over several weeks
    assert "（同类地区对比累积和检测 累积统计量 2.3，逐周累积的超出已越过报警线）" in run and "上限" not in run
    week = explain("青石镇桃园村", "劳资欠薪", 6, 1.4, 4.0, 2.3, detector="pooled_cusum", weeks=1)
    assert "」本周 6 件" in week


def test_a_dismissed_place_does_not_come_back_under_a_variant_of_its_name():
    opened, _ = run(NO_ALERTS, place_signal(W1, 5, 6.0).with_columns(pl.lit("福寿康养老").alias("place")), W1)
    dismissed = opened.with_columns(status=pl.lit("dismissed"))
    for name in ("福寿康", "福寿康养老"):
        again, n_new = run(NO_ALERTS, place_signal(W2, 5, 6.0).with_columns(pl.lit(name).alias("place")), W2,
                           closed_alerts=dismissed)
        assert (again.height, n_new) == (0, 0), name
    other, n_new = run(NO_ALERTS, place_signal(W2, 5, 6.0).with_columns(pl.lit("锦绣华庭").alias("place")), W2,
                       closed_alerts=dismissed)
    assert n_new == 1  # another place is another key


def run_signal(week, observed, expected, score, weeks):
    return pl.DataFrame([(week, "330100001001", "debt", "pooled_cusum", observed, expected, 3.0, score, weeks)],
                        schema=SIGNAL_SCHEMA, orient="row")


def test_a_dismissed_alert_comes_back_when_its_reports_per_week_rise_not_its_total_over_more_weeks():
    opened, _ = run(NO_ALERTS, run_signal(W1, 4, 0.6, 1.5, 2), W1)        # 近 2 周 4 件: 2 a week
    dismissed = opened.with_columns(status=pl.lit("dismissed"))
    later = W1 + timedelta(weeks=6)
    slower, n_new = run(NO_ALERTS, run_signal(later, 6, 1.8, 1.3, 6), later, closed_alerts=dismissed)
    assert (slower.height, n_new) == (0, 0)                                 # 近 6 周 6 件: 1 a week
    faster, n_new = run(NO_ALERTS, run_signal(later, 3, 0.3, 2.0, 1), later, closed_alerts=dismissed)
    assert n_new == 1                                                       # 本周 3 件 >= 1.5 x 2
    text = faster["explanation"][0]
    assert "本周 3 件" in text and "再次预警（首次 2024-03-04）" in text and "首次预警" not in text
    assert "（近 2 周 4 件，每周 2.0 件）曾被排除；现每周 3.0 件" in text


def test_an_alert_s_rank_fades_by_every_week_without_evidence():
    opened, _ = run(NO_ALERTS, signals(W1, ("330100001001", "debt", 5, 10.0)), W1)
    rank = opened["rank"][0]
    later = W1 + timedelta(weeks=7)
    weak = signals(later, ("330100001001", "debt", 3, 1.5))
    updated, _ = run(opened, weak, later)
    fresh = run(NO_ALERTS, weak, later)[0]["rank"][0]
    assert updated["rank"][0] == pytest.approx(max(fresh, 0.8 ** 7 * rank))
    assert updated["score"][0] == pytest.approx(max(1.5, 0.8 ** 7 * 10.0))


def test_of_two_open_alerts_on_one_key_the_one_with_the_latest_evidence_is_updated():
    old, _ = run(NO_ALERTS, signals(W1, ("330100001001", "debt", 5, 5.0)), W1)
    later = W1 + timedelta(weeks=12)
    new, _ = run(NO_ALERTS, signals(later, ("330100001001", "debt", 5, 5.0)), later)
    both = pl.concat([new, old.with_columns(status=pl.lit("reviewing"))])   # the old one reopened
    for frame in (both, both.reverse()):
        updated, n_new = run(frame, signals(later + timedelta(weeks=1), ("330100001001", "debt", 6, 6.0)),
                             later + timedelta(weeks=1))
        assert n_new == 0 and updated["alert_id"].to_list() == new["alert_id"].to_list()


def merged(alerts: pl.DataFrame, into: str) -> pl.DataFrame:
    """The alerts closed as merged into ``into`` (as ``warehouse.closed_alerts`` reads them)."""
    return alerts.with_columns(status=pl.lit("merged"), merge_into=pl.lit(into))


def test_evidence_on_a_merged_alert_s_key_updates_the_alert_it_was_merged_into():
    both, _ = run(NO_ALERTS, signals(W1, ("330100001001", "wage_arrears", 5, 4.0), ("330100001002", "wage_arrears", 4, 3.0)), W1)
    target = both.filter(pl.col("area_code") == "330100001001")
    gone = merged(both.filter(pl.col("area_code") == "330100001002"), target["alert_id"][0])
    for closed, expect_new in [(gone.drop("merge_into"), 1), (gone, 0)]:  # without the merge's target: a new alert
        later, n_new = run(target, signals(W2, ("330100001002", "wage_arrears", 6, 5.0)), W2, closed_alerts=closed)
        assert n_new == expect_new
    assert later["alert_id"].to_list() == target["alert_id"].to_list()
    row = later.row(0, named=True)
    # the alert keeps its own area, count and head; a note says what the merged key brought
    assert (row["last_week"], row["observed"], row["area_code"]) == (W2, 5, "330100001001")
    head, note = row["explanation"].split("（并入：")
    assert head == target["explanation"][0] and head.startswith("青石镇桃园村")
    # dated: its own count is of its own last week
    assert note.startswith("以上为 2024-03-04 当周的统计；2024-03-11 青石镇李家村「劳资欠薪」本周 6 件")
    assert "已合并入本预警" in note
    assert row["score"] == pytest.approx(5.0)   # max(5.0, 0.8 × 4.0)
    # a later week's note replaces the earlier one and keeps the date of the alert's own count
    again, _ = run(later, signals(W3, ("330100001002", "wage_arrears", 7, 5.0)), W3, closed_alerts=gone)
    text = again["explanation"][0]
    assert text.count("（并入：") == 1 and "以上为 2024-03-04 当周的统计；2024-03-18 青石镇李家村「劳资欠薪」本周 7 件" in text


def test_an_alert_s_own_evidence_comes_before_a_stronger_merged_key_s_in_the_same_week():
    both, _ = run(NO_ALERTS, signals(W1, ("330100001001", "wage_arrears", 5, 4.0), ("330100001002", "wage_arrears", 4, 3.0)), W1)
    target = both.filter(pl.col("area_code") == "330100001001")
    gone = merged(both.filter(pl.col("area_code") == "330100001002"), target["alert_id"][0])
    week2 = signals(W2, ("330100001002", "wage_arrears", 20, 8.0), ("330100001001", "wage_arrears", 9, 5.0))
    later, n_new = run(target, week2, W2, closed_alerts=gone)
    row = later.row(0, named=True)
    assert n_new == 0 and later.height == 1 and row["observed"] == 9
    head, note = row["explanation"].split("（并入：")
    assert head.startswith("青石镇桃园村「劳资欠薪」本周 9 件") and "连续第 2 周预警" in head
    assert note.startswith("以上为 2024-03-11 当周的统计；2024-03-11 青石镇李家村「劳资欠薪」本周 20 件")


def test_a_merged_note_does_not_make_a_dismissed_alert_easier_to_raise_again():
    both, _ = run(NO_ALERTS, signals(W1, ("330100001001", "debt", 6, 4.0), ("330100001002", "debt", 4, 3.0)), W1)
    target = both.filter(pl.col("area_code") == "330100001001")
    gone = merged(both.filter(pl.col("area_code") == "330100001002"), target["alert_id"][0])
    cusum = signals(W2, ("330100001002", "debt", 12, 5.0)).with_columns(pl.lit(4).alias("weeks"))
    noted, _ = run(target, cusum, W2, closed_alerts=gone)
    assert "近 4 周 12 件" in noted["explanation"][0]           # the note's count is over four weeks
    dismissed = noted.with_columns(status=pl.lit("dismissed"), merge_into=pl.lit(None, pl.String))
    # the dismissed alert's own count is 6 in one week: 7 a week is not 1.5 times that
    same, n_new = run(NO_ALERTS, signals(W3, ("330100001001", "debt", 7, 5.0)), W3, closed_alerts=dismissed)
    assert n_new == 0


def test_the_later_of_a_key_s_own_and_its_merge_target_s_dismissal_counts_and_is_named():
    W0 = W1 - timedelta(weeks=4)
    own, _ = run(NO_ALERTS, signals(W0, ("330100001002", "debt", 3, 3.0)), W0)   # 3 a week, dismissed long ago
    own = own.with_columns(status=pl.lit("dismissed"), merge_into=pl.lit(None, pl.String))
    both, _ = run(NO_ALERTS, signals(W1, ("330100001001", "debt", 6, 4.0), ("330100001002", "debt", 4, 3.0)), W1)
    target = both.filter(pl.col("area_code") == "330100001001").with_columns(
        status=pl.lit("dismissed"), merge_into=pl.lit(None, pl.String))
    gone = merged(both.filter(pl.col("area_code") == "330100001002"), target["alert_id"][0])
    closed = pl.concat([own, target, gone])
    # 6 a week rises above the key's own old 3 × 1.5 but not above the later target's 6 × 1.5
    held, n_new = run(NO_ALERTS, signals(W2, ("330100001002", "debt", 6, 5.0)), W2, closed_alerts=closed)
    assert n_new == 0
    risen, n_new = run(NO_ALERTS, signals(W3, ("330100001002", "debt", 10, 7.0)), W3, closed_alerts=closed)
    assert n_new == 1
    assert "此处此前的预警曾并入青石镇桃园村的预警；2024-03-04 的预警（当周 6 件" in risen["explanation"][0]


def test_a_merge_is_followed_through_alerts_merged_in_turn_and_place_variants():
    first, _ = run(NO_ALERTS, place_signal(W1, 5, 6.0).with_columns(pl.lit("福寿康养老").alias("place")), W1)
    middle, _ = run(NO_ALERTS, signals(W1, ("330100001001", "wage_arrears", 5, 4.0)), W1)
    end, _ = run(NO_ALERTS, signals(W1, ("330100001002", "wage_arrears", 5, 4.0)), W1)
    closed = pl.concat([merged(first, middle["alert_id"][0]), merged(middle, end["alert_id"][0])], how="diagonal_relaxed")
    later, n_new = run(end, place_signal(W2, 7, 6.0).with_columns(pl.lit("福寿康").alias("place")), W2, closed_alerts=closed)
    assert n_new == 0 and later["alert_id"].to_list() == end["alert_id"].to_list()
    # once the key has an open alert of its own again, that one is updated
    own, _ = run(NO_ALERTS, signals(W2, ("330100001001", "wage_arrears", 5, 4.0)), W2)
    both = pl.concat([end, own])
    later, n_new = run(both, signals(W3, ("330100001001", "wage_arrears", 6, 4.0)), W3, closed_alerts=closed)
    assert later["alert_id"].to_list() == own["alert_id"].to_list()


def test_a_merged_key_stays_dismissed_with_the_alert_it_was_merged_into():
    both, _ = run(NO_ALERTS, signals(W1, ("330100001001", "debt", 5, 4.0), ("330100001002", "debt", 4, 3.0)), W1)
    target = both.filter(pl.col("area_code") == "330100001001").with_columns(status=pl.lit("dismissed"))
    gone = merged(both.filter(pl.col("area_code") == "330100001002"), target["alert_id"][0])
    closed = pl.concat([target.with_columns(merge_into=pl.lit(None, pl.String)), gone])
    same, n_new = run(NO_ALERTS, signals(W2, ("330100001002", "debt", 5, 4.0)), W2, closed_alerts=closed)
    assert (same.height, n_new) == (0, 0)
    risen, n_new = run(NO_ALERTS, signals(W3, ("330100001002", "debt", 9, 7.0)), W3, closed_alerts=closed)
    assert n_new == 1 and "曾被排除" in risen["explanation"][0]


def test_petitions_written_alike_by_several_people_raise_severity_and_are_named():
    assert severity(copies=2) == 0.0 < severity(copies=3) < severity(copies=6)
    text = explain("青石镇", "房地产", 8, 2.0, 5.0, 4.0, evidence={"copies": 6})
    assert "6 人的信访内容雷同（疑似联名或有组织反映）" in text
    assert "雷同" not in explain("青石镇", "房地产", 8, 2.0, 5.0, 4.0, evidence={"copies": 2})


def test_a_merged_key_reopened_keeps_its_evidence_and_hands_nothing_on():
    from models.alerts import merge_redirects

    both, _ = run(NO_ALERTS, signals(W1, ("330100001001", "wage_arrears", 5, 4.0), ("330100001002", "wage_arrears", 4, 3.0)), W1)
    target = both.filter(pl.col("area_code") == "330100001001")
    gone = merged(both.filter(pl.col("area_code") == "330100001002"), target["alert_id"][0])
    assert list(merge_redirects(target, gone)) == [("330100001002", "wage_arrears")]
    reopened = gone.with_columns(status=pl.lit("reviewing")).drop("merge_into")
    assert merge_redirects(pl.concat([target, reopened]), gone.filter(pl.lit(False))) == {}
    # the merge is still on record among the closed ones of an older stored state: the open alert wins
    assert merge_redirects(pl.concat([target, reopened]), gone) == {}
    later, _ = run(pl.concat([target, reopened]), signals(W2, ("330100001002", "wage_arrears", 6, 5.0)), W2,
                   closed_alerts=gone)
    assert later["alert_id"].to_list() == reopened["alert_id"].to_list()


def test_the_shown_score_rounds_halves_up_as_the_board_s_table_does():
    # the brief wrote 30 (Python rounds to even) where the board showed 31
    from models.alerts import rank_shown

    assert [rank_shown(r, 0.0) for r in (30.5, 18.5, 18.49, 0.0, 99.5)] == [31, 19, 18, 0, 100]
    assert rank_shown(None, 2.5) == 3


def test_a_petition_at_midnight_shows_its_date_and_a_call_at_midnight_its_time():
    from datetime import datetime

    from pipelines.wording import received

    assert received(datetime(2024, 5, 15), "petition") == "2024-05-15"
    assert received(datetime(2024, 5, 15), "hotline") == "2024-05-15 00:00"
    assert received(datetime(2024, 5, 15, 0, 0, 30), "petition") == "2024-05-15 00:00"


def test_the_tables_show_the_score_the_briefs_write():
    from models.alerts import rank_shown, rank_shown_expr

    frame = pl.DataFrame({"rank": [30.5, 18.5, None, 99.49], "score": [1.0, 1.0, 2.5, 1.0]})
    assert frame.select(rank_shown_expr())["rank"].to_list() == [
        rank_shown(r, s) for r, s in frame.iter_rows()] == [31, 19, 3, 99]
