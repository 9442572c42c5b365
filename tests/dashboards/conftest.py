"""A tiny published warehouse: two villages of one street, three alerts, a few masked reports."""
from __future__ import annotations

from datetime import date, datetime

import pytest
import streamlit as st

from pipelines import settings, warehouse

WEEK = date(2024, 5, 13)  # a Monday, the latest week with alerts
LAST_WEEK = date(2024, 5, 6)
MASKED = "包工头拖欠二十多名工人三个月工资，联系电话138****5678"

AREAS = [
    ("110101000000", "东城区", 1, None),
    ("110101001000", "东华门街道", 2, "110101000000"),
    ("110101001001", "多福巷社区", 3, "110101001000"),
    ("110101001002", "银闸社区", 3, "110101001000"),
]
# alert_id, area, category, first_week, last_week, status, score, observed, expected, explanation
ALERTS = [
    ("a1", "110101001001", "wage_arrears", LAST_WEEK, WEEK, "new", 5.2, 6, 1.5, "多福巷社区欠薪诉求 6 件，预期 1.5 件"),
    ("a2", "110101001002", "debt", WEEK, WEEK, "reviewing", 3.1, 4, 1.0, "银闸社区借贷纠纷集中"),
    ("a3", "110101001002", "family_neighbour", LAST_WEEK, LAST_WEEK, "resolved", 2.0, 3, 0.5, "邻里漏水纠纷"),
]
# report_id, channel, received_at, area, title, text, alert_id, week
REPORTS = [
    ("hotline:1", "hotline", datetime(2024, 5, 14, 9), "110101001001", "反映欠薪", MASKED, "a1", WEEK),
    ("grid:7", "grid", datetime(2024, 5, 8, 15), "110101001001", "工地讨薪", "工地工人聚集讨要工钱", "a1", LAST_WEEK),
    ("petition:3", "petition", datetime(2024, 5, 15, 10), "110101001002", "借款不还", "借款二十万逾期不还", "a2", WEEK),
]


def build_warehouse(path) -> None:
    con = warehouse.connect(path)
    con.executemany("insert into areas values (?, ?, ?, ?, null, null)", AREAS)
    con.executemany("insert into alerts values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), now())", ALERTS)
    for rid, channel, at, area, title, text, alert_id, week in REPORTS:
        con.execute("""insert into reports (report_id, channel, source_id, received_at, area_code, title, text,
                       content_hash, row_hash, batch_id, ingested_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, 'b1', now())""",
                    [rid, channel, rid.split(":")[1], at, area, title, text, rid, rid])
        con.execute("insert into alert_reports values (?, ?, ?)", [alert_id, rid, week])
    con.execute("""insert into model_versions values ('v1', now(), 'models/v1', 'h', 10, null, null, null, 'champion')""")
    con.execute("insert into report_scores values ('hotline:1', 'v1', 'wage_arrears', 0.93, true, null)")
    con.executemany("insert into weekly_counts values (?, '110101001001', 'wage_arrears', 'v1', ?)",
                    [(date(2024, 4, 22), 1), (LAST_WEEK, 4), (WEEK, 6)])
    con.execute("""insert into signals values ('s1', ?, '110101001001', 'wage_arrears', 'ears', 6, 1.5, 4, 5.2, 'v1')""",
                [WEEK])
    con.close()


@pytest.fixture
def home(home):
    """The fresh $SHAOBING_HOME of tests/conftest.py, with the board's caches emptied."""
    st.cache_data.clear()
    st.cache_resource.clear()
    return home


@pytest.fixture
def snapshot(home):
    build_warehouse(settings.warehouse_path())
    warehouse.publish_snapshot(settings.warehouse_path(), settings.snapshot_path())
    return settings.snapshot_path()


@pytest.fixture
def masked_text() -> str:
    return MASKED
