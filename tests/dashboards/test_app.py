"""The first board page, driven by Streamlit's AppTest against a tiny published snapshot."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).parents[2] / "dashboards" / "app.py"


def run(**query_params) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params.update(query_params)
    return at.run()


def hotspots(at: AppTest):
    return at.dataframe(key="hotspots").value


def reports(at: AppTest):
    return at.dataframe[-1].value  # a read-only table exposes no key to AppTest


def test_page_ranks_this_weeks_hotspots_with_chinese_names(snapshot):
    at = run()
    assert not at.exception
    assert at.title[0].value == "哨兵 · 风险预警"
    table = hotspots(at)
    assert table["区域"].tolist() == ["多福巷社区", "银闸社区"]  # strongest first; a3 ended last week
    assert table["风险类别"].tolist() == ["劳资欠薪", "债务纠纷"]
    assert table["状态"].tolist() == ["新发现", "研判中"]
    assert set(table["所属街道/乡镇"]) == {"东华门街道"}


def test_headline_counts_the_week(snapshot):
    at = run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"本周预警数": "2", "新增": "1", "涉及区域": "2", "累计未结": "2"}


def test_drill_down_shows_explanation_and_masked_reports(snapshot, masked_text):
    at = run()
    assert any("欠薪诉求 6 件" in i.value for i in at.info)
    table = reports(at)
    assert masked_text in table["内容（已脱敏）"].tolist()
    assert set(table["渠道"]) == {"12345热线", "网格"}


def test_choosing_another_alert_shows_its_reports(snapshot):
    at = run()
    at.selectbox(key="alert").set_value("a2").run()
    assert reports(at)["渠道"].tolist() == ["信访"]
    assert at.query_params["alert"] == "a2"


def test_without_a_snapshot_the_page_says_how_to_load_data(home):
    at = run()
    assert not at.exception
    assert "make demo" in at.info[0].value and "shaobing weekly" in at.info[0].value


def test_category_filter_hides_the_other_category_and_goes_into_the_link(snapshot):
    at = run()
    at.multiselect(key="category").select("debt").run()
    assert hotspots(at)["风险类别"].tolist() == ["债务纠纷"]
    assert at.query_params["category"] == "debt"


@pytest.mark.parametrize("params, areas", [
    ({"category": "debt"}, ["银闸社区"]),
    ({"status": "new"}, ["多福巷社区"]),
    ({"category": "no_such_category"}, ["多福巷社区", "银闸社区"]),  # a bad link shows everything
    ({"week": "2024-05-06"}, ["多福巷社区", "银闸社区"]),  # a1 and a3 were alive the week before
])
def test_a_shared_link_sets_the_filters(snapshot, params, areas):
    at = run(**params)
    assert not at.exception
    assert hotspots(at)["区域"].tolist() == areas


def test_a_shared_link_opens_an_alert(snapshot):
    at = run(alert="a2")
    assert at.selectbox(key="alert").value == "a2"
    assert reports(at)["渠道"].tolist() == ["信访"]
