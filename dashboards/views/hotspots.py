"""风险热点 — the leaders' board: where risk concentrates now, what is rising, in which category.

Aggregates only: counts, scores and area names; never a report's text, a person or an alert's
explanation (which quotes reports). Readable on a big screen (``?screen=1``), every filter in the link.
"""
from __future__ import annotations

from datetime import timedelta

import altair as alt
import polars as pl
import streamlit as st

from dashboards import auth, common, names
from models.alerts import rank_shown_expr

auth.require("hotspots")
WINDOWS = ["13", "26", "52"]
BIG_SCREEN_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] {display: none;}
[data-testid="stMetricValue"] {font-size: 3.4rem;}
[data-testid="stMetricLabel"] p {font-size: 1.4rem;}
h1 {font-size: 3rem !important;}
.stMainBlockContainer {padding-top: 1.5rem; max-width: 100%;}
</style>"""


def filters(towns: pl.DataFrame) -> tuple[list[str], str | None, int, bool]:
    categories = names.taxonomy().keys
    town_codes = towns["area_code"].to_list()
    town_names = dict(zip(town_codes, towns["name"].to_list()))
    common.seed("category", categories, multi=True)
    common.seed("town", town_codes)
    common.seed("weeks", WINDOWS)
    st.session_state.setdefault("weeks", "26")
    st.session_state.setdefault("screen", st.query_params.get("screen") == "1")
    left, middle, right, last = st.columns([3, 2, 2, 1], vertical_alignment="bottom")
    chosen = left.multiselect("风险类别", categories, format_func=names.category_name, key="category",
                              placeholder="全部类别", select_all=False)
    town = middle.selectbox("乡镇（街道）", town_codes, format_func=town_names.get, key="town",
                            placeholder="全县", **({} if "town" in st.session_state else {"index": None}))
    weeks = right.segmented_control("趋势周数", WINDOWS, format_func=lambda w: f"近{w}周", key="weeks") or "26"
    screen = last.toggle("大屏模式", key="screen")
    common.mirror("category", chosen)
    common.mirror("town", town)
    common.mirror("weeks", weeks, default="26")
    common.mirror("screen", "1" if screen else None)
    return chosen, town, int(weeks), screen


def headline(week, weeks: int, categories, town) -> None:
    h = common.query("headline", week, week - timedelta(weeks=weeks), categories, town).row(0, named=True)
    cols = st.columns(5)
    cols[0].metric("未结预警", h["open"], border=True, help="新发现、研判中、已确认、已交办的预警")
    cols[1].metric("本周新增", h["new"], border=True, help=f"{common.week_label(week)}首次出现的预警")
    cols[2].metric("已确认在办", h["confirmed"], border=True, help="已确认或已分流交办、尚未办结")
    cols[3].metric(f"近{weeks}周办结", h["resolved"], border=True)
    days = "—" if h["median_days"] is None else f"{h['median_days']:.0f} 天"
    cols[4].metric("办结用时中位数", days, border=True, help=f"近{weeks}周办结的预警，自首次预警当周起算")


def hotspot_map(areas: pl.DataFrame, hot: pl.DataFrame, height: int) -> alt.LayerChart:
    """The county drawn from its areas' coordinates (no map tiles: the board runs offline)."""
    backdrop = areas.filter(pl.col("level") == pl.col("level").max())
    towns = areas.filter(pl.col("level") == pl.col("level").max() - 1)
    hot = hot.drop_nulls(["lat", "lon"]).with_columns(
        pl.col("categories").map_elements(lambda cs: "、".join(names.category_name(c) for c in cs),
                                          return_dtype=pl.String).alias("类别"))
    base = alt.Chart(backdrop).mark_circle(size=30, color="#c5ccd6").encode(
        longitude="lon:Q", latitude="lat:Q", tooltip=[alt.Tooltip("name:N", title="村（社区）")])
    labels = alt.Chart(towns).mark_text(fontSize=13, color="#5c6b7a", dy=-14, font="WenQuanYi Micro Hei").encode(
        longitude="lon:Q", latitude="lat:Q", text="name:N")
    spots = alt.Chart(hot).mark_circle(opacity=0.75, stroke="#7a1c00", strokeWidth=1).encode(
        longitude="lon:Q", latitude="lat:Q",
        size=alt.Size("rank:Q", title="最高综合评分", scale=alt.Scale(domain=[0, 100], range=[150, 2500])),
        color=alt.Color("rank:Q", title="最高综合评分", scale=alt.Scale(domain=[0, 100], scheme="orangered")),
        tooltip=[alt.Tooltip("area_name:N", title="区域"), alt.Tooltip("alerts:Q", title="未结预警"),
                 alt.Tooltip("类别:N", title="风险类别"), alt.Tooltip("rank:Q", title="最高综合评分", format=".0f")])
    # the town names drawn last, over the bubbles that would hide them
    return alt.layer(base, spots, labels).project(type="mercator").properties(height=height)


def top_table(top: pl.DataFrame) -> pl.DataFrame:
    """One row per hotspot: where, what, its state, and whether its flagged reports rose against the
    week before (较上周)."""
    return top.select(  # strongest first: the order is the ranking
        pl.coalesce("place", "area_name", "area_code").fill_null("—").alias("区域或地点"),
        pl.col("town_name").fill_null("—").alias("所属"),
        pl.col("category").map_elements(names.category_name, return_dtype=pl.String).alias("风险类别"),
        pl.col("status").map_elements(names.status_name, return_dtype=pl.String).alias("状态"),
        pl.col("observed").alias("件数"),
        # how old its evidence is: an alert quiet for weeks keeps its rank until it expires
        pl.col("last_week").map_elements(lambda d: f"{d.month}月{d.day}日", return_dtype=pl.String).alias("最近证据"),
        pl.struct("now_n", "before_n").map_elements(lambda r: change(r["now_n"], r["before_n"]),
                                                    return_dtype=pl.String).alias("较上周"),
        rank_shown_expr().alias("综合评分"),
    )


def change(now: int | None, before: int | None) -> str:
    """This week's flagged reports against last week's, as a leader reads it: ↑ 2, ↓ 1, 持平; — where
    there is nothing to compare (a place's alert, or no report in either week)."""
    if now is None or before is None or now == before == 0:
        return "—"
    if now == before:
        return "持平"
    return f"↑ {now - before}" if now > before else f"↓ {before - now}"


def _mondays(weeks: pl.Series, most: int = 13) -> list[alt.DateTime]:
    """The weeks to label on a trend's axis: every one, or every n-th back from the latest, so that
    at most ``most`` labels fit (Vega's own time ticks fall on Sundays, d3's weeks)."""
    days = sorted(set(weeks.cast(pl.Date).to_list()))
    step = max(1, -(-len(days) // most))
    return [alt.DateTime(year=d.year, month=d.month, date=d.day) for d in days[::-1][::step][::-1]]


# Tableau's ten: blue, orange, green, red, purple … (distinct in print and for most colour-blind eyes)
CATEGORY_COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7",
                    "#9c755f", "#bab0ac"]


def trends_chart(trends: pl.DataFrame, height: int) -> alt.Chart:
    data = trends.with_columns(
        pl.col("category").map_elements(names.category_name, return_dtype=pl.String).alias("类别"))
    return alt.Chart(data).mark_line(point=True, strokeWidth=3).encode(
        # one tick per week on its Monday (a time axis put ticks on Sundays and between weeks)
        x=alt.X("week:T", title="周", axis=alt.Axis(format="%m-%d", labelAngle=0, values=_mondays(data["week"]))),
        y=alt.Y("n:Q", title="风险诉求件数"),
        color=alt.Color("类别:N", title="风险类别",
                        legend=alt.Legend(orient="bottom", values=[c for c in data["类别"].unique(maintain_order=True)]),
                        # one clearly different hue per category, the same whatever the filter (the theme's
                        # blues and reds told 债务纠纷 from 劳资欠薪 and 婚姻家庭邻里 from 房地产 badly)
                        scale=alt.Scale(domain=(domain := [c.name for c in names.taxonomy().categories]),
                                        range=CATEGORY_COLOURS[: len(domain)] if len(domain) <= len(CATEGORY_COLOURS)
                                        else alt.Undefined)),
        tooltip=[alt.Tooltip("week:T", title="周", format="%Y-%m-%d"), alt.Tooltip("类别:N"),
                 alt.Tooltip("n:Q", title="件数")],
    ).properties(height=height)


def board(snap, categories, town, weeks: int, screen: bool) -> None:
    snap = common.snapshot() or snap  # an automatic refresh may find a newer snapshot
    week = common.query("current_week")
    st.caption(f"数据截至 {common.week_label(week)}　·　快照更新于 {common.stamp(snap)}　·　"
               "仅含汇总数据，不含诉求内容和个人信息")
    common.warn_incomplete(week)
    headline(week, weeks, categories, town)
    tall = 620 if screen else 460
    # the table's seven columns whole at 1400 px, long category names too; stacked in a narrow window
    left, right = st.container(key="pair-map-table").columns([1, 2])   # the table's eight columns whole at 1400 px, sidebar open
    with left:
        st.subheader("未结预警分布")
        hot = common.query("hotspot_areas", categories, town)
        if hot.is_empty():
            st.info("当前没有符合条件的未结预警。")
        st.altair_chart(hotspot_map(common.query("map_areas"), hot, tall), key="map")
    with right:
        st.subheader("重点热点")
        table = top_table(common.query("top_hotspots", categories, town, 10, week))
        st.dataframe(table, key="top", hide_index=True, width="stretch", height=min(tall, 35 * (table.height + 1) + 3),
                     column_config={
            "区域或地点": st.column_config.TextColumn(help="区域的热点写区域名；地点聚集的热点写所涉地点或单位（某小区、工地、公司、平台），"
                                                      "其所在区域见「所属」"),
            "件数": st.column_config.NumberColumn(format="%d", width="small", help="最近一次预警所统计的件数：一般为当周；逐周累积的检测为其连续累积的几周、地点聚集为其窗口期的合计"),
            "最近证据": st.column_config.TextColumn(width="small", help="最近一次有新证据的那一周（周一的日期）；连续数周没有新证据的预警会过期"),
            "较上周": st.column_config.TextColumn(width="small", help="本周风险诉求件数较上周的变化（按区域和类别）：↑ 增加、↓ 减少、"
                                                 "持平 两周件数相同；— 无可比较（地点热点，或两周都没有该类诉求）"),
            "综合评分": st.column_config.ProgressColumn(min_value=0, max_value=100, format="%.0f", width="small")})
    st.subheader(f"各类风险近{weeks}周走势")
    st.altair_chart(trends_chart(common.query("category_trends", weeks, town, categories), 360 if screen else 300),
                    key="trends")


def main() -> None:
    snap = common.require_snapshot()
    st.title("风险热点")
    categories, town, weeks, screen = filters(common.query("towns"))
    if screen:
        st.html(BIG_SCREEN_CSS)
        # a wall display stays current without anyone touching it; the filters above stay as set
        st.fragment(run_every="5m")(board)(snap, categories, town, weeks, screen)
    else:
        board(snap, categories, town, weeks, screen)


main()
