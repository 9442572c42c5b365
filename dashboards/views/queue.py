"""研判工作台 — the analysts' weekly queue: the week's alerts ranked, each with why, the masked
reports behind it, and the decisions on it (confirm, dismiss, merge, dispatch, resolve, each with a note)."""
from __future__ import annotations

import functools
import hashlib
import json
from collections import Counter
from datetime import date, timedelta

import altair as alt
import polars as pl
import streamlit as st

from dashboards import auth, brief, common, evidence, names
from models.alerts import rank_shown_expr
from models.detectors import ears_c2
from pipelines import reviews, settings
from pipelines.wording import received

user = auth.require("queue")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---------------------------------------------------------------- filters and the queue
ALL_OPEN = "open"   # the 周次 choice that lists every alert open now, whatever its weeks


def filters() -> tuple[date, bool, list[str], list[str], str | None, list[str], str]:
    """The week (the latest one for 全部未结预警), whether every open alert is asked for, the
    filters and the scope they make, in words."""
    weeks = [w.isoformat() for w in common.query("weeks")["week"]]
    choices = [ALL_OPEN] + weeks
    categories, statuses, channels = names.taxonomy().keys, list(names.STATUS_NAMES), list(names.CHANNEL_NAMES)
    areas = common.query("area_choices")
    area_label = {r["area_code"]: (r["name"] if r["level"] <= areas["level"].min() else f"{r['parent_name']} · {r['name']}")
                  for r in areas.iter_rows(named=True)}
    common.seed("week", choices)
    common.seed("category", categories, multi=True)
    common.seed("status", statuses, multi=True)
    common.seed("area", list(area_label))
    common.seed("channel", channels, multi=True)
    c = st.columns([4, 3, 3, 2, 2])   # the week's label whole: 2026年第48周（11月23日起）
    # the latest week unless the link says otherwise: an analyst's Monday starts there
    week = c[0].selectbox("周次", choices, key="week", help="「全部未结预警」列出目前仍未结的全部预警，不论首次预警于哪一周",
                          format_func=lambda w: "全部未结预警" if w == ALL_OPEN else common.week_label(w),
                          **({} if "week" in st.session_state else {"index": 1}))
    chosen_categories = c[1].multiselect("风险类别", categories, format_func=names.category_name, key="category",
                                         placeholder="全部类别", select_all=False)
    chosen_statuses = c[2].multiselect("状态", statuses, format_func=names.status_name, key="status",
                                       placeholder="全部状态", select_all=False)
    area = c[3].selectbox("区域", list(area_label), format_func=area_label.get, key="area", placeholder="全部区域",
                          **({} if "area" in st.session_state else {"index": None}))
    chosen_channels = c[4].multiselect("渠道", channels, format_func=names.channel_name, key="channel",
                                       placeholder="全部渠道", select_all=False)
    common.mirror("week", week, default=weeks[0])
    common.mirror("category", chosen_categories)
    common.mirror("status", chosen_statuses)
    common.mirror("area", area)
    common.mirror("channel", chosen_channels)
    scope = "；".join(p for p in ("、".join(map(names.category_name, chosen_categories)),
                                 "、".join(map(names.status_name, chosen_statuses)), area_label.get(area, ""),
                                 "、".join(map(names.channel_name, chosen_channels))) if p) or "全部预警"
    every = week == ALL_OPEN
    return (date.fromisoformat(weeks[0] if every else week), every, chosen_categories, chosen_statuses, area,
            chosen_channels, scope)


def headline(week: date) -> None:
    s = common.query("week_summary", week).row(0, named=True)
    cols = st.columns(4)
    cols[0].metric("本周预警数", s["alerts"], border=True)
    cols[1].metric("新增", s["new"], border=True, help="本周首次出现的预警")
    cols[2].metric("涉及区域", s["areas"], border=True)
    cols[3].metric("累计未结", s["open"], border=True, help="本周及以前发现、目前仍未排除、合并、办结或过期的预警（按当前状态计，查看往周时也是如此）")


def queue_table(alerts: pl.DataFrame) -> pl.DataFrame:
    return alerts.select(
        pl.int_range(1, pl.len() + 1).alias("排名"),
        pl.coalesce("place", "area_name", "area_code").alias("区域"),
        pl.col("town_name").fill_null("—").alias("上级区域"),
        pl.col("category").map_elements(names.category_name, return_dtype=pl.String).alias("风险类别"),
        pl.col("observed").alias("件数"),
        pl.col("expected").alias("预期"),
        rank_shown_expr().alias("综合评分"),
        pl.col("status").map_elements(names.status_name, return_dtype=pl.String).alias("状态"),
        pl.col("first_week").alias("首次预警周"),
        pl.col("channels").map_elements(lambda cs: "、".join(names.channel_name(c) for c in cs),
                                        return_dtype=pl.String).alias("渠道"),
        pl.col("reports").alias("关联诉求"),
    )


def _select_row(alert_ids: list[str]) -> None:
    """A row clicked in the queue opens that alert below."""
    rows = st.session_state["queue"].selection.rows
    if rows:
        st.session_state["alert"] = alert_ids[rows[0]]


def queue(alerts: pl.DataFrame) -> None:
    st.dataframe(
        queue_table(alerts), key="queue", hide_index=True, selection_mode="single-row",
        on_select=functools.partial(_select_row, alerts["alert_id"].to_list()),
        # narrow number columns: the eleven columns whole at 1440 px (关联诉求 was cut off)
        column_config={
            "排名": st.column_config.NumberColumn(width=50),
            "件数": st.column_config.NumberColumn(
                format="%d", width=50,
                help="检测所统计的件数：一般为本周；累积和检测为其连续累积的几周、地点聚集为其窗口期的合计（见预警说明）"),
            "预期": st.column_config.NumberColumn(format="%.1f", width=50, help="同一统计期内的预期件数"),
            "综合评分": st.column_config.ProgressColumn(min_value=0, max_value=100, format="%.0f", width="small",
                                                    help="强度、增幅、跨渠道、激化迹象综合，0–100"),
            "首次预警周": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "关联诉求": st.column_config.NumberColumn(width=70),
        })


def _alert_label(row: dict) -> str:
    # no status here: a label that changes with a decision would make Streamlit reset the choice
    return (f"{row['place'] or row['area_name'] or row['area_code'] or '—'} · {names.category_name(row['category'])}"
            f"（自 {row['first_week']}）")


def pick_alert(alerts: pl.DataFrame) -> str:
    labels = {r["alert_id"]: _alert_label(r) for r in alerts.iter_rows(named=True)}
    ids = list(labels)
    common.seed("alert", ids)
    if st.session_state.get("alert") not in ids:
        # filtered away (another week, another filter): open the first one instead, said to the widget
        # itself; forgotten instead, the box went on showing the old alert above the first one's page
        st.session_state["alert"] = ids[0]
    alert_id = st.selectbox("查看预警详情（也可点选上表中的一行）", ids, format_func=labels.get, key="alert")
    common.mirror("alert", alert_id, default=ids[0])
    return alert_id


def _brief(week: date, alerts: pl.DataFrame, scope: str, made_by: str, wm: int = 0, every: bool = False) -> bytes:
    """The brief's bytes, with the decisions as they stand when it is made (no Streamlit call: a
    deferred download runs this in a thread of its own); an alert's reports include those of the
    alerts merged into it since the snapshot (``wm``), as its 关联诉求 counts them."""
    reports = common.query_now("brief_reports", alerts["alert_id"].to_list(), reviews.merged_into(wm))
    return brief.workbook(week, alerts, reviews.decisions(), reports, scope, made_by, every)


def download_brief(week: date, alerts: pl.DataFrame, scope: str, every: bool = False, wm: int = 0) -> None:
    """The brief is written when the button is clicked, never on a rerun: even a filtered handful
    of alerts cost a rerun ~0.25 s of xlsx writing at a million reports (bench/board.py: the 区域 and
    渠道 filters took 0.53 s with briefs of up to 1,000 reports written eagerly, 0.29 s without)."""
    if every:   # the brief says which alerts it holds: every open one, then the filters
        scope = "全部未结预警" + (f"；{scope}" if scope != "全部预警" else "")
    make = functools.partial(_brief, week, alerts, scope, names.person(user.username), wm, every)
    st.download_button("下载研判简报（xlsx）", make, file_name=f"brief_{'open_' if every else ''}{week}.xlsx",
                       mime=XLSX, key="brief",
                       icon=":material/download:", on_click=reviews.audit,
                       args=(user.username, user.role, "brief.download", str(week), {"scope": scope}))


# ---------------------------------------------------------------- one alert
def series_chart(series: pl.DataFrame, first_week: date, last_week: date, place: bool = False) -> alt.LayerChart:
    """The weekly bars, the alert's weeks in orange, over a baseline band (EARS C2 of the counts).
    A ``place`` alert's bars are its own reports: every one is its evidence (orange), and there is
    no band (a cluster has no weekly baseline)."""
    band = ears_c2(series["n"].to_numpy())
    if place:
        band = {"expected": [None] * series.height, "upper": [None] * series.height}
    evidence = (pl.col("n") > 0) if place else pl.col("week").is_between(first_week, last_week)
    data = series.with_columns(
        pl.Series("lo", band["expected"], dtype=pl.Float64), pl.Series("hi", band["upper"], dtype=pl.Float64),
        pl.when(evidence).then(pl.lit("预警期")).otherwise(pl.lit("其他周")).alias("时段"))
    data = data.filter(pl.col("week") >= first_week - timedelta(weeks=52))
    x = alt.X("week:T", title="周", axis=alt.Axis(format="%y-%m", labelAngle=0))
    area = alt.Chart(data).mark_area(opacity=0.25, color="#1c7ed6").encode(
        x=x, y=alt.Y("lo:Q", title="件数"), y2="hi:Q")
    bars = alt.Chart(data).mark_bar(size=7).encode(
        x=x, y="n:Q",
        color=alt.Color("时段:N", scale=alt.Scale(domain=["其他周", "预警期"], range=["#9aa7b8", "#d9480f"]),
                        legend=alt.Legend(orient="top", title=None)),
        tooltip=[alt.Tooltip("week:T", title="周", format="%Y-%m-%d"), alt.Tooltip("n:Q", title="件数"),
                 alt.Tooltip("lo:Q", title="基线预期", format=".1f"), alt.Tooltip("hi:Q", title="预期上限", format=".1f"),
                 alt.Tooltip("expected:Q", title="检测器预期", format=".1f")])
    ticks = alt.Chart(data.drop_nulls("expected")).mark_tick(color="#0b3d91", thickness=3, size=14).encode(
        x=x, y="expected:Q")
    return alt.layer(area, bars, ticks).properties(height=280)


def _badges(items: list[tuple[str, int]], colour: str) -> str:
    return " ".join(f":{colour}-badge[{t.replace(']', '')} · {n}]" for t, n in items) or "（无）"


def report_table(reports: pl.DataFrame) -> pl.DataFrame:
    return common.dashes(reports.select(
        pl.col("channel").map_elements(names.channel_name, return_dtype=pl.String).alias("渠道"),
        pl.struct("received_at", "channel").map_elements(lambda r: received(r["received_at"], r["channel"]),
                                                         return_dtype=pl.String).alias("收到时间"),
        pl.col("area_name").alias("区域"),
        pl.col("title").alias("标题"),
        pl.col("text").alias("内容（已脱敏）"),
        pl.Series("人数", [evidence.people(n, t) for n, t in zip(reports["people_count"].to_list(),
                                                                  reports["text"].to_list())], dtype=pl.String),
        pl.col("probability").alias("类别概率"),
    ), "区域", "标题")


def full_text(r: dict) -> None:
    """One report whole: where, when and which (its number, as the brief has it), its title and text
    (as plain text: a report's * or # is no formatting)."""
    with st.container(border=True, key="report_full_text"):
        st.caption(f"{names.channel_name(r['channel'])} · {received(r['received_at'], r['channel'])} · {r['area_name'] or '—'}"
                   f" · 诉求编号 {r['report_id']}")
        if r["title"]:
            st.text(r["title"])
        st.text(r["text"] or "")
        if other := extra_cells(r.get("extra")):   # plain text: a cell's ~ $ [ ] is no formatting
            st.text("导出文件中的其他列：" + "；".join(f"{k}：{v}" for k, v in other.items()))


def extra_cells(extra: str | None) -> dict[str, str]:
    """A report's cells of the columns no field reads (``reports.extra``), in the file's order."""
    if not extra:
        return {}
    try:
        cells = json.loads(extra)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in cells.items()} if isinstance(cells, dict) else {}


def detail(alert_id: str, wm: int) -> None:
    rows = common.query("alert", alert_id)
    if rows.is_empty():
        st.warning("该预警不存在或已不在当前快照中。")
        return
    a = rows.row(0, named=True)
    st.divider()
    st.subheader(f"{a['place'] or a['area_name'] or a['area_code'] or '—'} · {names.category_name(a['category'])}")
    st.caption(f"{a['town_name'] or ''}　状态：**{names.status_name(a['status'])}**　"
               f"预警期：{a['first_week']} 至 {a['last_week']}（首次预警周至最近有新证据的周）　"
               f"检测统计量：{a['score']:.1f}（近几周的最高值，逐周衰减）　编号：{a['alert_id']}")
    st.info(a["explanation"] or "（该预警没有说明）", icon=":material/lightbulb:")
    merged = reviews.merged_into(wm).get(alert_id, [])
    reports = common.query("alert_reports", alert_id, merged)
    left, right = st.columns([3, 2])
    with left:
        if a["place"]:
            st.markdown("**每周件数**（柱：本预警关联诉求按收到的周统计，均为本预警的证据；地点聚集没有逐周基线）")
        else:
            st.markdown("**每周件数与预期范围**（柱：件数，橙色为预警期；蓝色带：基线预期至上限；深蓝短线：检测器当周预期）")
        series = common.query("alert_series", alert_id)
        if series.is_empty():
            st.caption("暂无该区域该类别的周度计数。")
        else:
            st.altair_chart(series_chart(series, a["first_week"], a["last_week"], place=bool(a["place"])), key="series")
    with right:
        terms, named = evidence.clues(reports)
        st.markdown("**关键词**（模型判定依据，按下方关联诉求的件数）")
        st.markdown(_badges(terms, "blue"))
        st.markdown("**涉及地点与单位**")
        st.markdown(_badges(named, "orange"))
        by_channel = Counter(reports["channel"].to_list())
        st.markdown("**渠道**（下方关联诉求）　" + "、".join(f"{names.channel_name(c)} {n}" for c, n in by_channel.most_common()))
    # the explanation counts the detector's window of its latest week; these are every week's
    st.markdown(f"**关联诉求**（预警期内各周关联的全部 {reports.height} 件" + (f"，含合并进来的 {len(merged)} 条预警" if merged else "")
                + "；说明中的件数为最近一周检测窗口内的统计；内容已脱敏；点选一行，在表下阅读全文）")
    # the columns fit at 1440 px (类别概率 ran past the edge); a report's whole text is read below
    # the table, where the cell cut it (a double click showed it, which nothing said)
    # keyed by the reports listed too: a merge or a new snapshot changes the rows, and a row picked
    # by its place in the old list would show another report
    listed = hashlib.sha1("\n".join(reports["report_id"].to_list()).encode()).hexdigest()[:10]
    shown = st.dataframe(report_table(reports), key=f"reports:{alert_id}:{listed}", hide_index=True, on_select="rerun",
                         selection_mode="single-row", column_config={
                             "渠道": st.column_config.TextColumn(width="small"),
                             "收到时间": st.column_config.TextColumn(width=125),
                             "区域": st.column_config.TextColumn(width="small"),
                             "标题": st.column_config.TextColumn(width=140),
                             "内容（已脱敏）": st.column_config.TextColumn(width=300),
                             "人数": st.column_config.TextColumn(width="small", alignment="right"),
                             "类别概率": st.column_config.ProgressColumn(
                                 min_value=0.0, max_value=1.0, format="%.2f", width="small",
                                 help="模型判定该诉求属于此风险类别的概率")})
    picked = shown.selection.rows if shown else []
    if picked and picked[0] < reports.height:
        full_text(reports.row(picked[0], named=True))
    actions(a, wm, reports.height, len(merged))   # what a dismissal as misclassified labels: the reports listed
    history(alert_id)


# ---------------------------------------------------------------- decisions
def _submit(a: dict, wm: int, action: str) -> None:
    """The review form's callback: record the decision, or keep the reason it was refused."""
    s = st.session_state
    department = (s.get("review_department_other") or "").strip() or s.get("review_department")
    target = s.get("review_merge")
    target_base = s.get("_merge_base", {}).get(target)
    others = common.query("open_on_key", a["alert_id"]) if action == "reopen" else None
    try:
        reviews.record_review(
            a["alert_id"], action, user=user.username, role=user.role, seen_status=a["status"],
            base_status=a["base_status"], watermark=wm, category=a["category"], note=s.get("review_note", ""),
            reason=s.get("review_reason") if action == "dismiss" else None,
            merge_into=target if action == "merge" else None, merge_base_status=target_base,
            department=department if action == "dispatch" else None,
            due_date=s.get("review_due") if action == "dispatch" else None,
            open_on_key=None if others is None else dict(zip(others["alert_id"], others["base_status"])))
    except reviews.ReviewError as exc:
        s["review_error"] = str(exc)
        return
    s["review_done"] = f"已记录：{names.action_name(action)}。"
    s.pop("review_action", None)
    for key in ("review_note", "review_department_other", "review_merge"):
        s.pop(key, None)


def actions(a: dict, wm: int, reports: int = 0, merged: int = 0) -> None:
    """The decisions the alert's status allows; ``reports``: how many reports are listed under it,
    ``merged`` alerts' included (those a dismissal as misclassified labels)."""
    st.markdown("#### 研判处置")
    # One container, drawn whether it holds a message or not: a message shown or gone must not move
    # the form (see the form below)
    notice = st.container()
    if msg := st.session_state.pop("review_done", None):
        notice.success(msg, icon=":material/check_circle:")
    if msg := st.session_state.pop("review_error", None):
        notice.error(msg)
    allowed = [k for k, act in reviews.ACTIONS.items() if a["status"] in act.allowed_from]
    if st.session_state.get("review_action") not in allowed:
        st.session_state.pop("review_action", None)
    action = st.segmented_control("操作", allowed, format_func=names.action_name, key="review_action")
    if not action:
        st.caption("选择一项操作后填写并提交；每项决定都会记录操作人和时间。")
        return
    # not cleared on submit: a refused decision keeps what was typed, to be mended (``_submit``
    # empties the fields once a decision is recorded)
    # The fields of each action sit in one container ahead of the note, so that the note keeps its
    # place whatever the action: moved, it was drawn anew beside the old one until the rerun ended,
    # and what was typed into the old one in that moment was lost.
    with st.form("review_form", border=True):
        with st.container():
            if action == "dismiss":
                # no reason chosen for the analyst: a dismissal "as misclassified" labels the reports
                st.selectbox("排除原因", list(reviews.DISMISS_REASONS), format_func=names.reason_name, key="review_reason",
                             index=None, placeholder="选择排除原因")
                st.caption(f"选「模型误判」时，本预警的 {reports} 件关联诉求"
                           + (f"（含合并进来的 {merged} 条预警的）" if merged else "") + "将全部标注为不属于「"
                           f"{names.category_name(a['category'])}」，用于下次训练；只有个别诉求判错时，请在"
                           "「数据与模型 → 标签修正」逐条修正，本预警以其他原因排除。")
            if action in ("confirm", "dispatch") and a["status"] in ("new", "reviewing"):
                # a confirmation labels the reports, as a dismissal as misclassified does: say so before
                st.caption(f"确认后，本预警的 {reports} 件关联诉求"
                           + (f"（含合并进来的 {merged} 条预警的）" if merged else "") + "将全部标注为属于「"
                           f"{names.category_name(a['category'])}」，用于下次训练；其中个别不属于的，请在"
                           "「数据与模型 → 标签修正」逐条修正。")
            if action == "merge":
                targets = common.query("merge_targets", a["alert_id"])
                labels = {r["alert_id"]: f"{r['place'] or r['area_name'] or '—'} · {names.category_name(r['category'])} · "
                          f"{names.status_name(r['status'])}（{r['first_week']} 至 {r['last_week']}）"
                          for r in targets.iter_rows(named=True)}
                st.selectbox("合并到", list(labels), format_func=labels.get, key="review_merge", index=None,
                             placeholder="选择一条未结预警")
                st.caption("合并后，本预警的报告归入所选预警；所选预警未结期间，本预警所在区域（或地点）本类别的新报告也计入所选预警，"
                           "不再另开预警（所选预警排除后，同等程度的新报告也视为已排除）。")
                st.session_state["_merge_base"] = dict(zip(targets["alert_id"].to_list(), targets["status"].to_list()))
            if action == "dispatch":
                c1, c2, c3 = st.columns(3)
                c1.selectbox("承办部门", reviews.DEPARTMENTS, key="review_department")
                c2.text_input("其他部门（填写则以此为准）", key="review_department_other")
                today = settings.now().date()
                # no min_value: the widget refused an earlier date in English and kept its own, so the
                # deadline saved was not the one on screen; record_review refuses a past one in Chinese
                c3.date_input("办理期限", value=today + timedelta(days=7), key="review_due")
        required = action in {"resolve", "reopen", "note"}
        st.text_area("备注" + ("（必填）" if required else ""), key="review_note", max_chars=2000,
                     placeholder={"resolve": "办结情况：如何化解、结果如何", "dispatch": "交办要求"}.get(action, "研判意见"))
        st.form_submit_button(f"提交：{names.action_name(action)}", type="primary", key="review_submit",
                              on_click=_submit, args=(a, wm, action))


def alert_name(alert_id: str) -> str:
    """「区域或地点 · 类别」(编号) of an alert, or its id alone if the snapshot does not know it."""
    found = common.query("alert", alert_id)
    if found.is_empty():
        return alert_id
    a = found.row(0, named=True)
    return f"「{a['place'] or a['area_name'] or a['area_code'] or '—'} · {names.category_name(a['category'])}」（{alert_id}）"


def history(alert_id: str) -> None:
    h = reviews.history(alert_id)
    st.markdown("#### 处置记录")
    if h.is_empty():
        st.caption("尚无研判记录。")
        return
    rows, known = [], names.people()
    for r in h.iter_rows(named=True):
        other = r["alert_id"] != alert_id   # a decision on an alert merged into this one
        details = "；".join(x for x in (
            names.reason_name(r["reason"]) if r["reason"] else "",
            f"承办：{r['department']}，期限 {r['due_date']}" if r["department"] else "",
            f"并入预警{alert_name(r['merge_into'])}" if r["merge_into"] and not other else "",
            f"预警{alert_name(r['alert_id'])}并入本预警（其后该处的新报告计入本预警）" if other else "") if x)
        change = f"{names.status_name(r['status_before'])} → {names.status_name(r['status_after'])}"
        rows.append({"时间": r["created_at"], "操作人": names.person(r["reviewer"], known), "操作": names.action_name(r["action"]),
                     "状态": f"被并入的预警：{change}" if other else change,
                     "详情": details, "备注": r["note"]})
    st.dataframe(pl.DataFrame(rows), key="history", hide_index=True,
                 column_config={"备注": st.column_config.TextColumn(width="large")})


def main() -> None:
    snap = common.require_snapshot()
    st.title("研判工作台")
    st.caption(f"数据快照更新于 {common.stamp(snap)}　·　诉求内容已脱敏，仅供研判使用，请勿外传")
    week, every, categories, statuses, area, channels, scope = filters()
    common.warn_incomplete(week)
    headline(week)
    wm = common.watermark()
    alerts = with_pending_merges(common.query("week_alerts", None if every else week, categories, statuses, area,
                                              channels), wm)
    top, right = st.columns([3, 1], vertical_alignment="bottom")   # the download button's label whole
    top.subheader(f"{'全部未结预警' if every else '本周预警'}（{alerts.height} 条，按综合评分排序）")
    if every:
        top.caption(f"不论首次预警于哪一周，目前仍未结的全部预警"
                    + (f"；筛选：{scope}" if scope != "全部预警" else "")
                    + f"（上方统计数字为{common.week_label(week)}）")
    elif scope != "全部预警":   # the figures above count every alert of the week
        top.caption(f"筛选：{scope}（上方统计数字为本周全部预警，不随筛选变化）")
    with right:
        download_brief(week, alerts, scope, every, wm)
    if alerts.is_empty():
        st.info("没有符合筛选条件的未结预警。" if every else "本周没有符合筛选条件的预警。")
        return
    queue(alerts)
    detail(pick_alert(alerts), wm)


def with_pending_merges(alerts: pl.DataFrame, wm: int) -> pl.DataFrame:
    """关联诉求 (in the queue and the brief) counts the reports of alerts merged into an alert since
    the snapshot, as its page lists them, before the next flow folds the merge in."""
    shown = set(alerts["alert_id"].to_list())
    merged = {target: ids for target, ids in reviews.merged_into(wm).items() if target in shown}
    if not merged:
        return alerts
    counts = {target: common.query("alert_reports", target, ids).height for target, ids in merged.items()}
    return alerts.with_columns(pl.col("alert_id").replace_strict(counts, default=pl.col("reports"),
                                                                 return_dtype=alerts["reports"].dtype).alias("reports"))


main()
