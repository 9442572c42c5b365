"""哨兵 · 风险预警: the week's hotspots ranked, each with why, and the masked reports behind it.

Run from the repository root: ``streamlit run dashboards/app.py``. The page reads only the published
snapshot (``settings.snapshot_path()``, opened read-only), never the warehouse the flows write:
DuckDB allows no reader in another process while one writes.
"""
from __future__ import annotations

import functools
from datetime import date, datetime
from zoneinfo import ZoneInfo

import altair as alt
import duckdb
import polars as pl
import streamlit as st

from dashboards import names
from pipelines import settings
from pipelines.warehouse import board

TITLE = "哨兵 · 风险预警"
NO_DATA = """**还没有可展示的预警数据。**

请先加载数据：
- 试用示例数据：`make demo`
- 导入真实数据：`shaobing ingest <数据文件或目录>`，然后运行 `shaobing weekly`

每周研判流程结束后会自动发布看板快照，届时刷新本页即可。"""


# ---------------------------------------------------------------- data
@st.cache_resource(max_entries=1, show_spinner=False)
def _connection(path: str, mtime: float) -> duckdb.DuckDBPyConnection:
    """The snapshot, read-only; a new mtime opens the newly published file and drops the old one."""
    return board.open_snapshot(path)


@st.cache_data(ttl=60, show_spinner=False)
def _query(snapshot: tuple[str, float], name: str, *args):
    """Run one ``board`` query; results are cached per snapshot version."""
    # One connection serves every browser session, each in its own thread, and a DuckDB
    # connection is not thread-safe: each query gets its own cursor.
    con = board.cursor(_connection(*snapshot))
    try:
        return getattr(board, name)(con, *args)
    finally:
        con.close()


def _snapshot() -> tuple[str, float] | None:
    """Path and mtime of the published snapshot, None before the first flow has published one."""
    path = settings.snapshot_path()
    try:
        return str(path), path.stat().st_mtime
    except FileNotFoundError:
        return None


def _has_alerts(snapshot: tuple[str, float] | None) -> bool:
    return (snapshot is not None and not _query(snapshot, "missing_tables")
            and _query(snapshot, "latest_week") is not None)


# ---------------------------------------------------------------- shareable filters
def _seed(key: str, options: list[str], multi: bool = False) -> None:
    """On a session's first run, take a widget's value from the link (invalid values are ignored)."""
    if key in st.session_state:
        return
    given = [v for v in st.query_params.get_all(key) if v in options]
    if multi:
        st.session_state[key] = list(dict.fromkeys(given))
    elif given:
        st.session_state[key] = given[0]


def _mirror(key: str, value: str | list[str] | None, default: str | None = None) -> None:
    """Keep the link in step with a widget; a default value leaves the link clean."""
    values = value if isinstance(value, list) else ([] if value in (None, default) else [value])
    if values and st.query_params.get_all(key) != values:
        st.query_params[key] = values
    elif not values and key in st.query_params:
        del st.query_params[key]


def _week_label(iso: str) -> str:
    day = date.fromisoformat(iso)
    year, week, _ = day.isocalendar()
    return f"{year}年第{week}周（{day.month}月{day.day}日起）"


def _filters(snapshot) -> tuple[date, list[str], list[str]]:
    weeks = [w.isoformat() for w in _query(snapshot, "weeks")["week"]]
    categories, statuses = names.taxonomy().keys, list(names.STATUS_NAMES)
    _seed("week", weeks)
    _seed("category", categories, multi=True)
    _seed("status", statuses, multi=True)
    left, middle, right = st.columns([1, 2, 2])
    week = left.selectbox("周次", weeks, format_func=_week_label, key="week")
    chosen_categories = middle.multiselect("风险类别", categories, format_func=names.category_name,
                                           key="category", placeholder="全部类别")
    chosen_statuses = right.multiselect("状态", statuses, format_func=names.status_name, key="status",
                                        placeholder="全部状态")
    _mirror("week", week, default=weeks[0])
    _mirror("category", chosen_categories)
    _mirror("status", chosen_statuses)
    return date.fromisoformat(week), chosen_categories, chosen_statuses


# ---------------------------------------------------------------- sections
def _headline(snapshot, week: date) -> None:
    s = _query(snapshot, "week_summary", week).row(0, named=True)
    cols = st.columns(4)
    cols[0].metric("本周预警数", s["alerts"], border=True)
    cols[1].metric("新增", s["new"], border=True, help="本周首次出现的预警")
    cols[2].metric("涉及区域", s["areas"], border=True)
    cols[3].metric("累计未结", s["open"], border=True, help="截至本周尚未排除或办结的预警")


def _hotspot_table(alerts: pl.DataFrame) -> pl.DataFrame:
    return alerts.select(
        pl.int_range(1, pl.len() + 1).alias("排名"),
        pl.coalesce("area_name", "area_code").alias("区域"),
        pl.col("town_name").alias("所属街道/乡镇"),
        pl.col("category").map_elements(names.category_name, return_dtype=pl.Utf8).alias("风险类别"),
        pl.col("observed").alias("本周件数"),
        pl.col("expected").alias("预期"),
        pl.col("score").alias("评分"),
        pl.col("status").map_elements(names.status_name, return_dtype=pl.Utf8).alias("状态"),
        pl.col("first_week").alias("首次预警周"),
        pl.col("reports").alias("关联诉求"),
    )


def _select_row(alert_ids: list[str]) -> None:
    """A row clicked in the hotspot table opens that alert below."""
    rows = st.session_state["hotspots"].selection.rows
    if rows:
        st.session_state["alert"] = alert_ids[rows[0]]


def _hotspots(alerts: pl.DataFrame) -> None:
    st.subheader("预警热点")
    st.dataframe(
        _hotspot_table(alerts), key="hotspots", hide_index=True,
        on_select=functools.partial(_select_row, alerts["alert_id"].to_list()), selection_mode="single-row",
        column_config={
            "本周件数": st.column_config.NumberColumn(format="%d"),
            "预期": st.column_config.NumberColumn(format="%.1f"),
            "评分": st.column_config.NumberColumn(format="%.1f", help="检测评分，越高越异常"),
            "首次预警周": st.column_config.DateColumn(format="YYYY-MM-DD"),
        },
    )


def _alert_label(row: dict) -> str:
    return (f"{row['area_name'] or row['area_code'] or '—'} · {names.category_name(row['category'])}"
            f" · {names.status_name(row['status'])} · 评分 {row['score']:.1f}（自 {row['first_week']}）")


def _pick_alert(alerts: pl.DataFrame) -> str:
    labels = {r["alert_id"]: _alert_label(r) for r in alerts.iter_rows(named=True)}
    ids = list(labels)
    _seed("alert", ids)
    alert_id = st.selectbox("查看预警详情（也可点选上表中的一行）", ids, format_func=labels.get, key="alert")
    _mirror("alert", alert_id, default=ids[0])
    return alert_id


def _series_chart(series: pl.DataFrame, first_week: date, last_week: date) -> alt.LayerChart:
    data = series.with_columns(
        pl.col("week").dt.strftime("%m-%d").alias("周"),
        pl.when(pl.col("week").is_between(first_week, last_week)).then(pl.lit("预警期"))
        .otherwise(pl.lit("其他周")).alias("时段"))
    base = alt.Chart(data).encode(x=alt.X("周:O", sort=None, title="周（起始日）", axis=alt.Axis(labelAngle=0)))
    bars = base.mark_bar().encode(
        y=alt.Y("n:Q", title="件数"),
        color=alt.Color("时段:N", scale=alt.Scale(domain=["其他周", "预警期"], range=["#9aa7b8", "#d9480f"])),
        tooltip=[alt.Tooltip("week:T", title="周", format="%Y-%m-%d"), alt.Tooltip("n:Q", title="件数"),
                 alt.Tooltip("expected:Q", title="预期", format=".1f")])
    expected = base.mark_tick(color="#1c7ed6", thickness=3).encode(y="expected:Q")
    return alt.layer(bars, expected)


def _report_table(reports: pl.DataFrame) -> pl.DataFrame:
    return reports.select(
        pl.col("channel").map_elements(names.channel_name, return_dtype=pl.Utf8).alias("渠道"),
        pl.col("received_at").alias("收到时间"),
        pl.col("area_name").alias("区域"),
        pl.col("title").alias("标题"),
        pl.col("text").alias("内容（已脱敏）"),
        pl.col("probability").alias("类别概率"),
    )


def _drill_down(snapshot, alert_id: str) -> None:
    a = _query(snapshot, "alert", alert_id).row(0, named=True)
    st.subheader(f"{a['area_name'] or a['area_code'] or '—'} · {names.category_name(a['category'])}")
    st.caption(f"{a['town_name'] or ''}　状态：{names.status_name(a['status'])}　"
               f"预警期：{a['first_week']} 至 {a['last_week']}　评分：{a['score']:.1f}")
    st.info(a["explanation"] or "（该预警没有说明）", icon=":material/lightbulb:")
    st.markdown("**每周件数**（柱：件数，橙色为预警期；横线：检测器给出的预期）")
    series = _query(snapshot, "alert_series", alert_id)
    if series.is_empty():
        st.caption("暂无该区域该类别的周度计数。")
    else:
        st.altair_chart(_series_chart(series, a["first_week"], a["last_week"]), key="series")
    reports = _query(snapshot, "alert_reports", alert_id)
    st.markdown(f"**关联诉求**（{reports.height} 件，内容已脱敏）")
    st.dataframe(
        _report_table(reports), key="reports", hide_index=True,
        column_config={
            "收到时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "内容（已脱敏）": st.column_config.TextColumn(width="large"),
            "类别概率": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="%.2f",
                                                    help="模型判定该诉求属于此风险类别的概率"),
        },
    )


def _stamp(mtime: float) -> str:
    return datetime.fromtimestamp(mtime, ZoneInfo(settings.get("SHAOBING_TIMEZONE"))).strftime("%Y-%m-%d %H:%M")


def main() -> None:
    st.set_page_config(page_title=TITLE, layout="wide")
    st.title(TITLE)
    snapshot = _snapshot()
    try:
        if not _has_alerts(snapshot):
            st.info(NO_DATA)
            return
    except duckdb.Error as exc:
        st.error(f"看板快照无法读取：{snapshot[0]}（{exc}）。请重新运行 `shaobing weekly` 以重新发布。")
        return
    st.caption(f"数据快照更新于 {_stamp(snapshot[1])}")
    week, categories, statuses = _filters(snapshot)
    _headline(snapshot, week)
    alerts = _query(snapshot, "week_alerts", week, categories, statuses)
    if alerts.is_empty():
        st.info("本周没有符合筛选条件的预警。")
        return
    _hotspots(alerts)
    _drill_down(snapshot, _pick_alert(alerts))


main()
