"""A tiny published warehouse (two villages of one street, three alerts, a few masked reports), one
user per role, and a helper that runs the board as one of them through Streamlit's AppTest."""
from __future__ import annotations

import json
import time
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from pipelines import settings, users, warehouse

APP = Path(__file__).parents[2] / "dashboards" / "app.py"
PAGES = APP.parent / "views"
WEEK = date(2024, 5, 13)  # a Monday, the latest week with alerts
LAST_WEEK = date(2024, 5, 6)
MASKED = "包工头拖欠二十多名工人三个月工资，联系电话138****5678"
PASSWORD = "correct-horse-9"
ROLES = ("leader", "analyst", "data_staff", "admin")

AREAS = [
    ("110101000000", "东城区", 1, None, 39.92, 116.41),
    ("110101001000", "东华门街道", 2, "110101000000", 39.93, 116.40),
    ("110101001001", "多福巷社区", 3, "110101001000", 39.931, 116.401),
    ("110101001002", "银闸社区", 3, "110101001000", 39.929, 116.405),
]
# alert_id, area, category, first_week, last_week, status, score, observed, expected, explanation, rank
ALERTS = [
    ("a1", "110101001001", "wage_arrears", LAST_WEEK, WEEK, "new", 5.2, 6, 1.5, "多福巷社区欠薪诉求 6 件，预期 1.5 件", 60.0),
    ("a2", "110101001002", "debt", WEEK, WEEK, "reviewing", 3.1, 4, 1.0, "银闸社区借贷纠纷集中", 40.0),
    ("a3", "110101001002", "family_neighbour", LAST_WEEK, LAST_WEEK, "resolved", 2.0, 3, 0.5, "邻里漏水纠纷", 20.0),
]
# report_id, channel, received_at, area, title, text, subject, source_category, alert_id, week
REPORTS = [
    ("hotline:1", "hotline", datetime(2024, 5, 14, 9), "110101001001", "反映欠薪", MASKED, None, "劳动保障", "a1", WEEK),
    ("grid:7", "grid", datetime(2024, 5, 8, 15), "110101001001", "工地讨薪", "金鼎建筑工地工人聚集讨要工钱", "金鼎建筑工地",
     None, "a1", LAST_WEEK),
    ("petition:3", "petition", datetime(2024, 5, 15), "110101001002", "借款不还", "借款二十万逾期不还", None, None,
     "a2", WEEK),
]
METRICS = {"labels": {"wage_arrears": {"precision": 0.8, "recall": 0.5, "f1": 0.615, "support": 8},
                      "debt": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2}},
           "macro_f1": 0.81, "test_rows": 20}


def build_warehouse(path) -> None:
    con = warehouse.connect(path)
    con.executemany("insert into areas values (?, ?, ?, ?, ?, ?)", AREAS)
    # each alert last changed two days into its last week (a3 was resolved then)
    con.executemany("""insert into alerts (alert_id, area_code, category, first_week, last_week, status, score, observed,
                       expected, explanation, rank, created_at, updated_at)
                       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::timestamp, ?::timestamp + interval 2 day)""",
                    [(*a, a[3], a[4]) for a in ALERTS])
    for rid, channel, at, area, title, text, subject, source, alert_id, week in REPORTS:
        con.execute("""insert into reports (report_id, channel, source_id, received_at, area_code, title, text, subject,
                       source_category, content_hash, row_hash, batch_id, ingested_at)
                       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'b1', now())""",
                    [rid, channel, rid.split(":")[1], at, area, title, text, subject, source, rid, rid])
        con.execute("insert into alert_reports values (?, ?, ?)", [alert_id, rid, week])
    con.execute("""insert into batches values ('b1', 'calls.csv', 'h', 'hotline', 'utf-8', 4, 3, 1,
                   '2024-05-20 08:00', '2024-05-20 08:01')""")
    con.execute("""insert into quarantine values ('b1', 'calls.csv', 5, '来电时间', 'invalid',
                   'cannot read ''不是日期'' as a date (expected e.g. 2025-01-13 09:31:07)',
                   '{"工单编号": "T9"}', 'hotline:T9')""")
    con.execute("insert into model_versions values ('v1', '2024-05-01', 'models/v1', 'h1', 10, null, ?, 'c1', 'retired')",
                [json.dumps(METRICS)])
    con.execute("insert into model_versions values ('v2', '2024-05-02', 'models/v2', 'h2', 12, null, ?, 'c2', 'champion')",
                [json.dumps({**METRICS, "macro_f1": 0.9})])
    con.execute("insert into weekly_runs values (?, 'v2', now(), 1, 1)", [WEEK])
    con.execute("""insert into report_scores values ('hotline:1', 'v2', 'wage_arrears', 0.93, true, ['欠薪', '包工头']),
                                                    ('grid:7', 'v2', 'wage_arrears', 0.81, true, ['讨薪', '包工头'])""")
    con.executemany("insert into weekly_counts values (?, ?, 'wage_arrears', 'v2', ?)",
                    [(date(2024, 4, 22), "110101001001", 1), (LAST_WEEK, "110101001001", 4), (WEEK, "110101001001", 6),
                     (LAST_WEEK, "110101000000", 4), (WEEK, "110101000000", 6)])
    con.execute("""insert into signals (signal_id, week, area_code, category, detector, observed, expected, upper, score,
                   model_version) values ('s1', ?, '110101001001', 'wage_arrears', 'ears_c2', 6, 1.5, 4, 5.2, 'v2')""",
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
def people(home):
    """One user per role, named after it, all with PASSWORD."""
    for role in ROLES:
        users.add(role, role, PASSWORD, name=f"{role} 测试")
    return ROLES


@pytest.fixture
def masked_text() -> str:
    return MASKED


def signed_in(username: str) -> dict:
    """The session a sign-in of ``username`` (role as the users file says) leaves behind."""
    from pipelines import users

    user = users.get(username)
    return {"username": username, "role": user.role if user else username, "since": time.time(),
            "credential": users.credential(username)}


def board(role: str | None = None, page: str | None = None, **query_params) -> AppTest:
    """The board as a signed-in ``role`` (or a visitor), on its start page or on ``page``."""
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.query_params.update(query_params)
    if role:
        at.session_state["auth"] = signed_in(role)
    at.run()
    if page:
        at.switch_page(f"views/{page}.py").run()
    return at


def page_alone(page: str, role: str | None) -> AppTest:
    """One page's file run on its own, as someone who opened its address directly."""
    at = AppTest.from_file(str(PAGES / f"{page}.py"), default_timeout=30)
    if role:
        at.session_state["auth"] = signed_in(role)
    return at.run()


def everything_shown(at: AppTest) -> str:
    """Every text, value and table cell the page put on screen, as one string."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success", "text",
                 "code", "metric"):
        for el in getattr(at, kind):
            parts.append(str(getattr(el, "value", "")) + str(getattr(el, "label", "")))
    for frame in at.dataframe:
        parts.append(frame.value.to_csv())
    for chart in at.get("vega_lite_chart"):
        parts.append(json.dumps(json.loads(chart.proto.spec), ensure_ascii=False))
        parts += [pa.ipc.open_stream(d.data.data).read_all().to_pandas().to_csv() for d in chart.proto.datasets]
    return "\n".join(parts)
