"""The leaders' hotspot board: headline figures, map, top hotspots and trends, aggregates only."""
from __future__ import annotations

import pytest

import json
from datetime import date, datetime, timedelta

from pipelines import reviews, settings, warehouse
from tests.dashboards.conftest import ALERTS, REPORTS, WEEK, board, build_warehouse, everything_shown


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def top(at):
    return at.dataframe[0].value  # a read-only table exposes no key to AppTest


def test_headline_counts_open_new_confirmed_and_resolved(snapshot, people):
    at = board("leader")
    assert not at.exception
    assert at.title[0].value == "风险热点"
    assert metrics(at) == {"未结预警": "2", "本周新增": "1", "已确认在办": "0", "近26周办结": "1",
                           "办结用时中位数": "2 天"}  # a3: first week 05-06, resolved 05-08


def test_top_hotspots_are_the_open_alerts_strongest_first(snapshot, people):
    table = top(board("leader"))
    assert table["区域或地点"].tolist() == ["多福巷社区", "银闸社区"]
    assert table["风险类别"].tolist() == ["劳资欠薪", "债务纠纷"]
    assert table["状态"].tolist() == ["新发现", "研判中"]
    assert table["最近证据"].tolist() == ["5月13日", "5月13日"]   # how old each one's evidence is


def test_top_hotspots_say_whether_their_area_rose_against_last_week(snapshot, people):
    # 多福巷社区's wage arrears: 4 flagged reports last week, 6 this week; 银闸社区's debt: no weekly counts
    assert top(board("leader"))["较上周"].tolist() == ["↑ 2", "—"]


def test_a_normal_history_gives_no_incomplete_week_warning(snapshot, people):
    assert not board("leader").warning


def test_a_week_far_below_the_weeks_before_it_is_called_incomplete(home, people):
    build_warehouse(settings.warehouse_path())
    con = warehouse.connect(settings.warehouse_path())
    try:  # ten reports in each of the eight weeks before WEEK, which holds the fixture's two
        con.executemany("""insert into reports (report_id, channel, source_id, received_at, area_code, title, text,
                           content_hash, row_hash, batch_id, ingested_at)
                           values (?, 'hotline', ?, ?, '110101001001', '路灯不亮', '小区路灯不亮', ?, ?, 'b1', now())""",
                        [(f"hotline:v{w}-{i}", f"v{w}-{i}", datetime.combine(WEEK, datetime.min.time()) - timedelta(weeks=w)
                          + timedelta(hours=i), f"v{w}-{i}", f"v{w}-{i}") for w in range(1, 9) for i in range(10)])
    finally:
        con.close()
    warehouse.publish_snapshot(settings.warehouse_path(), settings.snapshot_path())
    for role in ("leader", "analyst"):   # the analyst's queue opens on that week too
        at = board(role)
        assert "数据可能不完整：仅 2 件诉求入库（此前8周中位数 10 件）" in at.warning[0].value


def test_a_leader_never_sees_report_texts_titles_subjects_or_explanations(snapshot, people):
    shown = everything_shown(board("leader"))
    for _, _, _, _, title, text, subject, *_ in REPORTS:
        assert text not in shown and title not in shown and (subject is None or subject not in shown)
    for alert in ALERTS:
        assert alert[9] not in shown  # the explanation quotes reports
    assert "多福巷社区" in shown  # area names are what leaders need


def test_the_map_sizes_areas_by_the_same_0_to_100_score_as_the_table(snapshot, people):
    at = board("leader")
    shown = everything_shown(at)
    assert '"mercator"' in shown and "最高综合评分" in shown and "评分合计" not in shown
    assert "银闸社区" in shown and "东华门街道" in shown  # a hotspot and a town label


def test_trends_cover_the_chosen_number_of_weeks(snapshot, people):
    at = board("leader", weeks="13")
    assert at.button_group(key="weeks").value == "13"
    assert at.subheader[-1].value == "各类风险近13周走势"


def test_filters_go_into_the_link(snapshot, people):
    at = board("leader")
    at.multiselect(key="category").select("debt").run()
    at.selectbox(key="town").set_value("110101001000").run()
    assert top(at)["区域或地点"].tolist() == ["银闸社区"]
    assert at.query_params["category"] == "debt" and at.query_params["town"] == "110101001000"


@pytest.mark.parametrize("params, areas, open_", [
    ({"category": "wage_arrears"}, ["多福巷社区"], "1"),
    ({"town": "110101001000"}, ["多福巷社区", "银闸社区"], "2"),
    ({"category": "no_such_category"}, ["多福巷社区", "银闸社区"], "2"),  # a bad link shows everything
])
def test_a_shared_link_sets_the_filters(snapshot, people, params, areas, open_):
    at = board("leader", **params)
    assert not at.exception
    assert top(at)["区域或地点"].tolist() == areas
    assert metrics(at)["未结预警"] == open_


def test_big_screen_mode_comes_from_the_link_and_hides_the_sidebar(snapshot, people):
    at = board("leader", screen="1")
    assert at.toggle(key="screen").value is True
    assert any("stSidebar" in str(h.proto) for h in at.get("html"))


def test_a_decision_shows_at_once_before_any_flow_folds_it(snapshot, people):
    reviews.record_review("a1", "confirm", user="analyst", role="analyst", seen_status="new", base_status="new",
                          category="wage_arrears")
    reviews.record_review("a2", "confirm", user="analyst", role="analyst", seen_status="reviewing",
                          base_status="reviewing", category="debt")
    reviews.record_review("a2", "resolve", user="analyst", role="analyst", seen_status="confirmed",
                          base_status="reviewing", category="debt", note="已调解，双方达成还款协议")
    at = board("leader")
    assert metrics(at)["已确认在办"] == "1" and metrics(at)["近26周办结"] == "2" and metrics(at)["未结预警"] == "1"
    assert top(at)["状态"].tolist() == ["已确认"]


def test_the_trend_axis_labels_the_weeks_on_their_mondays(snapshot, people):
    at = board("leader", weeks="13")
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    ticks = next(s["encoding"]["x"]["axis"]["values"] for s in specs if s.get("mark", {}).get("type") == "line")
    days = [date(t["year"], t["month"], t["date"]) for t in ticks]
    assert days and all(d.weekday() == 0 for d in days) and days == sorted(days)
    assert days[-1] == WEEK and len(days) <= 13


def test_a_place_alert_is_named_by_its_place_as_in_the_queue(home, people):
    """A place alert (a cluster of reports naming one estate) shows its place; one placed in no
    area (a message board's reports naming no gazetteer name) shows it all the same."""
    build_warehouse(settings.warehouse_path())
    con = warehouse.connect(settings.warehouse_path())
    try:
        con.execute("update alerts set place = '翡翠湾', area_code = null where alert_id = 'a2'")
    finally:
        con.close()
    warehouse.publish_snapshot(settings.warehouse_path(), settings.snapshot_path())
    assert top(board("leader"))["区域或地点"].tolist() == ["多福巷社区", "翡翠湾"]


def test_each_category_keeps_one_distinct_colour_in_the_trends(snapshot, people):
    at = board("leader", weeks="13")
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    scale = next(s["encoding"]["color"]["scale"] for s in specs if s.get("mark", {}).get("type") == "line")
    assert scale["domain"] == ["劳资欠薪", "债务纠纷", "婚姻家庭邻里", "金融风险", "房地产"]   # all, whatever is shown
    assert len(set(scale["range"])) == 5
