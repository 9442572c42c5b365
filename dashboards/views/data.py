"""数据与模型 — the data staff's page: batches and what was quarantined, uploading a file to ingest,
label corrections on single reports, model versions compared, retrain / promote / roll back.

Anything that writes the warehouse (ingest, retrain, promote, roll back) runs as a `shaobing`
process of its own (``pipelines.jobs``): the board never holds the warehouse's write lock, and a
flow already running makes the job wait instead of failing. Every action is audited.
"""
from __future__ import annotations

import json
from pathlib import PurePath

import altair as alt
import polars as pl
import streamlit as st

from dashboards import auth, common, metrics, names
from pipelines import jobs, reasons, reviews
from pipelines.sources import FORMATS
from pipelines.taxonomy import taxonomy
from pipelines.wording import received

user = auth.require("data")
UPLOAD_TYPES = [suffix.lstrip(".") for suffix in FORMATS]  # every kind of file ingest reads (.xls too)


# ---------------------------------------------------------------- batches and quarantine
def batches_tab() -> None:
    b = common.query("batches")
    if b.is_empty():
        st.info("还没有导入过数据。")
        return
    pending = common.query("quarantine_open")
    b = b.join(pending, on="batch_id", how="left").with_columns(pl.col("open").fill_null(0))
    cols = st.columns(4)
    cols[0].metric("读入行数", f"{b['rows_in'].sum():,}", border=True)
    cols[1].metric("入库", f"{b['rows_loaded'].sum():,}", border=True)
    cols[2].metric("隔离", f"{b['rows_quarantined'].sum():,}", border=True, help="未入库的行，原因见下表")
    cols[3].metric("待处理", f"{b['open'].sum():,}", border=True,
                   help="隔离行中尚待处理的（修正后重新导入）：不含此后已由其他批次以同一编号导入的行、编号已有入库记录的行和合计行")
    b = b.with_columns(pl.col("file_name").map_elements(lambda f: PurePath(f).name, return_dtype=pl.String))
    st.dataframe(b.select(
        pl.col("file_name").alias("文件"), pl.col("channel").replace_strict(names.CHANNEL_NAMES, default=pl.col("channel")).alias("渠道"),
        pl.col("encoding").alias("格式或编码"), pl.col("rows_in").alias("读入"), pl.col("rows_loaded").alias("入库"),
        pl.col("rows_quarantined").alias("隔离"), pl.col("open").alias("待处理"),
        pl.col("started_at").alias("开始时间"), pl.col("batch_id").alias("批次号")),
        key="batches", hide_index=True,
        column_config={"开始时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})
    labels = {r["batch_id"]: f"{r['file_name']}（隔离 {r['rows_quarantined']} 行，待处理 {r['open']} 行）"
              for r in b.iter_rows(named=True)}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    batch = left.selectbox("查看隔离行", list(labels), format_func=labels.get, key="batch", index=None,
                           placeholder="全部批次")
    open_only = right.toggle("只看待处理", key="quarantine_open",
                             help="修正后的行放进一个文件（带表头）重新导入，入库后即不再列为待处理")
    q = common.query("quarantine", batch, 500, open_only)
    st.markdown(f"**{'待处理的' if open_only else ''}隔离行及原因**（{q.height} 行{'，最多显示 500 行' if q.height == 500 else ''}；"
                "姓名、电话、身份证号列已隐去，其余号码已脱敏）")
    if q.is_empty():   # rather than an empty table, which Streamlit labels "empty" in English
        st.caption("没有" + ("待处理的" if open_only else "") + "隔离行。")
        return
    st.dataframe(common.dashes(q.select(
                     pl.col("file_name").alias("文件"), pl.col("row_number").alias("行号"),
                     pl.col("column").alias("列"),
                     pl.col("kind").map_elements(reasons.kind_in_chinese, return_dtype=pl.String).alias("类型"),
                     pl.struct("state", "kind", "loaded_by", "loaded_from").map_elements(
                         _state_in_chinese, return_dtype=pl.String).alias("处理情况"),
                     pl.col("reason").map_elements(reasons.in_chinese, return_dtype=pl.String).alias("原因"),
                     pl.col("raw").alias("原始内容")), "列"),
                 key="quarantine", hide_index=True, column_config={"原因": st.column_config.TextColumn(width="large"),
                                                                  "原始内容": st.column_config.TextColumn(width="medium")})


QUARANTINE_STATES = {"open": "待处理", "stored": "无需处理：该编号已有入库记录", "not_report": "无需处理：合计或落款行"}


def _state_in_chinese(row: dict) -> str:
    """What became of a quarantined row (``warehouse.QUARANTINE_STATE_COLUMN``), in Chinese."""
    if row["state"] == "loaded":
        return f"已修正：{PurePath(row['loaded_from'] or '').name or '—'} 导入（批次 {row['loaded_by']}）"
    if row["state"] == "open" and row["kind"] == "conflict":
        return "待处理：请核对两版内容（已保留先入库的一版）"
    return QUARANTINE_STATES.get(row["state"], row["state"])


# ---------------------------------------------------------------- upload
def _start(kind: str, arg: str | None = None) -> None:
    try:
        job_id = jobs.start(kind, arg, user=user.username, role=user.role)
    except jobs.JobError as exc:
        st.session_state["job_error"] = str(exc)
        return
    st.session_state["job_started"] = f"已提交任务 #{job_id}：{jobs.KINDS[kind]}。进度见「后台任务」。"
    if kind in ("promote", "rollback"):
        st.session_state["model_confirm"] = False   # each promotion or rollback is confirmed anew


def _upload_key() -> str:
    # a new key empties the uploader once its file is handed to a job (its value cannot be set)
    return f"upload{st.session_state.get('upload_round', 0)}"


def _ingest_upload() -> None:
    upload = st.session_state.get(_upload_key())
    if upload is None:
        st.session_state["job_error"] = "请先选择文件。"
        return
    path = jobs.save_upload(upload.name, upload.getvalue(), user.username)
    _start("ingest", str(path))
    st.session_state["upload_round"] = st.session_state.get("upload_round", 0) + 1


def _uploader_in_chinese() -> None:
    """Streamlit writes the uploader's button (Upload) and its hint (200MB per file • CSV, …) in
    English and has no parameter to change them (streamlit/streamlit#13500): CSS hides those words
    and shows Chinese in their place. The accepted formats are in the text above it."""
    limit = st.get_option("server.maxUploadSize")
    st.html(f"""<style>
    [data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p {{font-size: 0}}
    [data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after {{
        content: "选择文件"; font-size: 0.875rem}}
    [data-testid="stFileUploaderDropzoneInstructions"] span {{font-size: 0}}
    [data-testid="stFileUploaderDropzoneInstructions"] span::after {{
        content: "可将文件拖到此处，单个文件不超过 {limit}MB"; font-size: 0.875rem}}
    </style>""")


def upload_tab() -> None:
    st.markdown("上传 12345 热线、信访或网格事件导出文件（CSV；Excel 工作簿 xlsx、xls 及 xlsb、ods；JSON Lines；UTF-8 或 GB18030），"
                "系统按列名识别渠道，校验、脱敏、去重后入库；有问题的行进入隔离区并注明原因。"
                "同一文件重复导入不会重复入库。")
    st.file_uploader("选择文件", type=UPLOAD_TYPES, key=_upload_key())
    _uploader_in_chinese()
    st.button("开始导入", key="ingest_upload", type="primary", on_click=_ingest_upload, icon=":material/upload:")
    st.caption("导入在后台进行，完成后自动发布新快照；新数据在下次每周研判后进入预警。")


# ---------------------------------------------------------------- label corrections
def _correct(report_id: str, shown: list[str] | None = None, by_hand: bool = False) -> None:
    """Record the labels chosen for a report. ``shown``: its labels as the form showed them;
    ``by_hand``: whether a person gave those (saving them unchanged then records nothing, while
    saving labels inferred from the export's category confirms them by hand)."""
    s = st.session_state
    chosen = s.get("correct_labels") or []
    if by_hand and shown is not None and sorted(chosen) == sorted(shown):
        s["label_error"] = "标签未改变：该诉求已是这些人工标签，无需保存。"
        return
    try:
        reviews.record_correction(report_id, s.get("correct_labels") or [], user=user.username, role=user.role,
                                  note=s.get("correct_note", ""))
    except reviews.ReviewError as exc:
        s["label_error"] = str(exc)
        return
    s["correct_note"] = ""  # the labels stay chosen: they are the report's labels now
    s["label_done"] = f"已记录 {report_id} 的标签修正，将在下次训练前并入。"


def labels_tab() -> None:
    if msg := st.session_state.pop("label_done", None):
        st.success(msg)
    if msg := st.session_state.pop("label_error", None):
        st.error(msg)
    text = st.text_input("按诉求编号或关键词查找诉求", key="report_query", placeholder="如 GD20261122000020 或 欠薪")
    pending = reviews.corrections(common.watermark("label_corrections"))
    if text.strip():
        found = common.query("find_reports", text.strip(), 30)
        if found.is_empty():
            st.info("没有找到匹配的诉求。")
        else:
            one_report(found, {r["report_id"]: json.loads(r["labels"]) for r in pending.iter_rows(named=True)})
    st.markdown(f"**待并入的标签修正**（{pending.height} 条；每周研判或重新训练开始时并入标签库）")
    if pending.height:
        known = names.people()
        st.dataframe(pending.select(
            pl.col("report_id").alias("诉求编号"),
            pl.col("labels").map_elements(lambda s: "、".join(map(names.category_name, json.loads(s))) or "均不属于",
                                          return_dtype=pl.String).alias("修正为"),
            pl.col("labelled_by").map_elements(lambda u: names.person(u, known), return_dtype=pl.String).alias("修正人"),
            pl.col("created_at").alias("时间"), pl.col("note").alias("备注")),
            key="pending_labels", hide_index=True)


def one_report(found: pl.DataFrame, corrected: dict[str, list[str]]) -> None:
    """One report of those found, with the labels saved for it here and not yet in the snapshot
    (``corrected``, the latest per report) over the snapshot's."""
    options = {r["report_id"]: f"{r['report_id']} · {(r['title'] or r['text'])[:30]}" for r in found.iter_rows(named=True)}
    if st.session_state.get("report_pick") not in options:   # another search: its first report, told to the box
        st.session_state["report_pick"] = next(iter(options))
    report_id = st.selectbox(f"找到 {found.height} 条（最多 30 条）", list(options), format_func=options.get, key="report_pick")
    r = found.filter(pl.col("report_id") == report_id).row(0, named=True)
    if report_id in corrected:
        r["labels"] = corrected[report_id]
    now = reviews.current_labels(r, taxonomy())
    # with no label and no export category that says anything, a report is unlabelled: it is not in
    # the training data until someone labels it (the form starts from what the model flagged)
    origin = ("人工修正，待并入" if report_id in corrected else "人工标注" if r["labels"] is not None
              else "按导出分类推断" if taxonomy().weak_labels(r["source_category"]) is not None else None)
    labels = ("未标注（导出未给出可用分类，不用于训练）" if origin is None
              else f"{'、'.join(map(names.category_name, now)) or '均不属于'}（{origin}）")
    flagged = ("、".join(map(names.category_name, r["flagged"] or [])) or "无") if r.get("scored") else "尚未评分"
    st.markdown(f"**{r['title'] or '（无标题）'}**　{names.channel_name(r['channel'])} · {received(r['received_at'], r['channel'])}"
                f" · 原分类：{r['source_category'] or '—'}")
    st.text(r["text"])
    st.caption(f"当前标签：{labels}；模型判定：{flagged}")
    # A keyed widget keeps its value whatever its default: start it from the labels shown whenever
    # the report or its labels change (another report picked, a correction saved).
    if st.session_state.get("correct_basis") != [report_id, now]:
        st.session_state["correct_basis"] = [report_id, now]
        st.session_state["correct_labels"] = now
    with st.form("label_form"):
        st.multiselect("正确的风险类别（可多选；不选表示不属于任何风险类别）", taxonomy().keys,
                       format_func=names.category_name, key="correct_labels", placeholder="不选即均不属于", select_all=False)
        st.text_input("备注", key="correct_note")
        st.form_submit_button("保存标签修正", type="primary", key="correct_submit", on_click=_correct,
                              args=(report_id, now, origin in ("人工修正，待并入", "人工标注")))


# ---------------------------------------------------------------- models
MODEL_STATUS_NAMES = {"champion": "冠军（在用）", "challenger": "挑战者", "retired": "已退役"}


def _version_label(row: dict) -> str:
    return f"{row['version']} · {MODEL_STATUS_NAMES.get(row['status'], row['status'])}"


def _status(row: dict) -> str:
    """A version's state, and whether it is the cold-start lexicon (no model trained yet)."""
    status = MODEL_STATUS_NAMES.get(row["status"], row["status"])
    return status + ("，冷启动：按词表打分" if metrics.parse(row["metrics"]).get("cold_start") else "")


def models_tab() -> None:
    versions = common.query("model_versions")
    if versions.is_empty():
        st.info("还没有模型版本：请先重新训练。")
    else:
        table = versions.with_columns(
            pl.col("metrics").map_elements(lambda m: metrics.parse(m).get("macro_f1"), return_dtype=pl.Float64).alias("macro"),
            pl.col("metrics").map_elements(lambda m: metrics.parse(m).get("test_rows"), return_dtype=pl.Int64).alias("test"))
        st.dataframe(table.select(
            pl.col("version").alias("版本"),
            pl.struct("status", "metrics").map_elements(_status, return_dtype=pl.String).alias("状态"),
            pl.col("created_at").alias("训练时间"), pl.col("train_rows").alias("训练样本"), pl.col("test").alias("测试样本"),
            pl.col("macro").alias("宏平均F1"), pl.col("train_hash").alias("训练数据指纹"), pl.col("code_version").alias("代码版本")),
            key="versions", hide_index=True, column_config={
                "训练时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
                "宏平均F1": st.column_config.NumberColumn(format="%.3f")})
        compare(versions)
    model_actions(versions)


def compare(versions: pl.DataFrame) -> None:
    st.markdown("#### 版本对比")
    ids = versions["version"].to_list()
    labels = {r["version"]: _version_label(r) for r in versions.iter_rows(named=True)}
    champion = next((r["version"] for r in versions.iter_rows(named=True) if r["status"] == "champion"), ids[0])
    other = next((v for v in ids if v != champion), champion)
    c1, c2 = st.columns(2)
    a = c1.selectbox("版本 A", ids, index=ids.index(champion), format_func=labels.get, key="model_a")
    b = c2.selectbox("版本 B", ids, index=ids.index(other), format_func=labels.get, key="model_b")
    ma, mb = (metrics.per_category(versions.filter(pl.col("version") == v)["metrics"][0]) for v in (a, b))
    both = pl.concat([ma.with_columns(pl.lit(f"A {a}").alias("版本")), mb.with_columns(pl.lit(f"B {b}").alias("版本"))])
    both = both.with_columns(pl.col("category").map_elements(names.category_name, return_dtype=pl.String).alias("类别"))
    st.altair_chart(alt.Chart(both).mark_bar().encode(
        x=alt.X("类别:N", title=None, axis=alt.Axis(labelAngle=0)), xOffset="版本:N",
        y=alt.Y("f1:Q", title="F1", scale=alt.Scale(domain=[0, 1])), color=alt.Color("版本:N", legend=alt.Legend(orient="top")),
        tooltip=["版本:N", "类别:N", alt.Tooltip("f1:Q", format=".3f"), alt.Tooltip("precision:Q", title="精确率", format=".3f"),
                 alt.Tooltip("recall:Q", title="召回率", format=".3f")]).properties(height=260), key="f1_chart")
    st.caption("各版本的指标是其训练时在冻结测试集（按诉求编号哈希抽取的五分之一）上的结果；测试样本数不同说明期间标签有增减。"
               "混淆计数：TP 判对的本类、FP 误判为本类、FN 漏判的本类、TN 正确排除。")
    left, right = st.columns(2)
    for column, version, frame in ((left, a, ma), (right, b, mb)):
        column.markdown(f"**{version}**")
        column.dataframe(confusion_table(frame), key=f"confusion_{'a' if column is left else 'b'}", hide_index=True,
                         column_config={"F1": st.column_config.NumberColumn(format="%.3f")})


def confusion_table(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col("category").map_elements(names.category_name, return_dtype=pl.String).alias("类别"),
        pl.col("support").alias("样本"), pl.col("f1").alias("F1"), pl.col("tp").alias("TP"), pl.col("fp").alias("FP"), pl.col("fn").alias("FN"),
        pl.col("tn").alias("TN"))


def model_actions(versions: pl.DataFrame) -> None:
    st.markdown("#### 模型操作")
    c1, c2, c3 = st.columns(3)
    with c1:
        st.button("开始重新训练", key="retrain", on_click=_start, args=("retrain",), icon=":material/model_training:")
        st.caption("用全部标签训练挑战者，与冠军在同一测试集上比较，不差于冠军时自动启用。")
    confirm = c3.checkbox("我已核对，确认执行启用或回滚", key="model_confirm")
    with c2:
        candidates = [v for v, s in zip(versions["version"], versions["status"]) if s != "champion"] if versions.height else []
        version = st.selectbox("启用版本", candidates, key="promote_version", index=None, placeholder="选择版本")
        st.button("启用所选版本", key="promote", disabled=not (confirm and version), on_click=_start,
                  args=("promote", version))
    c3.button("回滚到上一冠军", key="rollback", disabled=not confirm, on_click=_start, args=("rollback",))


# ---------------------------------------------------------------- jobs
def jobs_panel() -> None:
    if msg := st.session_state.pop("job_started", None):
        st.success(msg)
    if msg := st.session_state.pop("job_error", None):
        st.error(msg)
    recent = jobs.jobs(10)
    running = recent.filter(pl.col("state").is_in(["queued", "running"]))["job_id"].to_list() if recent.height else []
    # while a job runs its output refreshes on its own; otherwise nothing polls
    st.fragment(run_every=3 if running else None)(_jobs_list)(running)


def _jobs_list(running: list | None = None) -> None:
    """The last jobs and their output. ``running``: the jobs running when the page was drawn; once
    one of them has ended, the whole page is drawn again, so that the batches, labels and models
    above show what it did (they waited for a click before)."""
    recent = jobs.jobs(10)
    if running and recent.filter(pl.col("job_id").is_in(running) & ~pl.col("state").is_in(["queued", "running"])).height:
        st.rerun(scope="app")
    st.markdown("#### 后台任务")
    if recent.is_empty():
        st.caption("还没有任务。")
        return
    known = names.people()
    for i, j in enumerate(recent.iter_rows(named=True)):
        state = jobs.STATE_NAMES.get(j["state"], j["state"])
        head = (f"#{j['job_id']} {jobs.KINDS.get(j['kind'], j['kind'])} · {state} · {names.person(j['started_by'], known)}"
                f" · {j['created_at']}")
        with st.expander(head, expanded=i == 0):
            log = jobs.log_tail(j["job_id"])
            if said := jobs.summary(j, log):
                (st.success if j["state"] == "succeeded" else st.error)(said)
            if log:   # the command's own words, for whoever looks into a problem: wrapped, not cut at the edge
                st.caption("命令输出（英文原文，供排查问题时查看）")
            st.code(log or "（暂无输出）", language=None, wrap_lines=True)


def main() -> None:
    st.title("数据与模型")
    if not common.has_data(alerts=False):
        st.info("还没有看板快照：先导入数据（下方上传，或 `shaobing ingest`），再训练模型并运行每周研判。")
        upload_tab()
        model_actions(pl.DataFrame(schema={"version": pl.String, "status": pl.String}))
        jobs_panel()
        return
    tabs = st.tabs(["数据批次", "导入文件", "标签修正", "模型版本"])
    with tabs[0]:
        batches_tab()
    with tabs[1]:
        upload_tab()
    with tabs[2]:
        labels_tab()
    with tabs[3]:
        models_tab()
    jobs_panel()


main()
