"""The data staff's page: batches and quarantine, upload to ingest, label corrections, model versions
side by side, and model actions started as jobs (here recorded instead of spawned)."""
from __future__ import annotations

import json

import pytest

from pipelines import jobs, reviews, settings, warehouse
from tests.dashboards.conftest import board, build_warehouse


@pytest.fixture
def started(monkeypatch):
    """Jobs the page starts, recorded instead of run."""
    calls = []
    monkeypatch.setattr(jobs, "start", lambda kind, arg, **who: calls.append((kind, arg, who["user"])) or len(calls))
    return calls


def table_with(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_batches_show_loaded_and_quarantined_counts_and_the_reasons(snapshot, people):
    at = board("data_staff")
    assert not at.exception and at.title[0].value == "数据与模型"
    assert {m.label: m.value for m in at.metric} == {"读入行数": "4", "入库": "3", "隔离": "1", "待处理": "1"}
    assert table_with(at, "批次号")[["文件", "读入", "入库", "隔离", "待处理"]].values.tolist() == [["calls.csv", 4, 3, 1, 1]]
    q = table_with(at, "原因")
    # stored as ingest writes it (and the CLI prints it), shown in Chinese
    assert q[["行号", "列", "类型", "原因", "处理情况"]].values.tolist() == [
        [5, "来电时间", "无效", "无法把 '不是日期' 读作日期（请写作如 2025-01-13 09:31:07）", "待处理"]]


def test_a_quarantined_row_loaded_later_by_another_batch_is_no_longer_waiting(home, people):
    """The row T9 of calls.csv had a bad date; a later batch of the mended row loaded hotline:T9."""
    build_warehouse(settings.warehouse_path())
    con = warehouse.connect(settings.warehouse_path())
    con.execute("""insert into batches values ('b2', '补录.csv', 'h2', 'hotline', 'utf-8', 1, 1, 0,
                   '2024-05-21 08:00', '2024-05-21 08:01')""")
    con.execute("""insert into reports (report_id, channel, source_id, received_at, text, content_hash, row_hash,
                   batch_id, ingested_at) values ('hotline:T9', 'hotline', 'T9', '2024-05-19', '欠薪', 'c9', 'r9',
                   'b2', '2024-05-21 08:01')""")
    con.close()
    warehouse.publish_snapshot(settings.warehouse_path(), settings.snapshot_path())
    at = board("data_staff")
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["待处理"] == "0"
    assert table_with(at, "原因")["处理情况"].tolist() == ["已修正：补录.csv 导入（批次 b2）"]
    at.toggle(key="quarantine_open").set_value(True).run()
    assert not [d for d in at.dataframe if "原因" in d.value.columns]   # no empty table, which reads "empty"
    assert "没有待处理的隔离行。" in [c.value for c in at.caption]


def test_an_uploaded_file_is_kept_and_ingested_by_a_job(snapshot, people, started):
    at = board("data_staff")
    at.file_uploader(key="upload0").upload("新热线.csv", "工单编号,来电时间,诉求内容\nX1,2024-05-20,欠薪\n".encode(), "text/csv")
    at.run()
    at.button(key="ingest_upload").click().run()
    [(kind, path, who)] = started
    assert (kind, who) == ("ingest", "data_staff") and path.endswith("新热线.csv")
    assert "工单编号" in open(path, encoding="utf-8").read()
    assert "已提交任务 #1：导入数据文件" in at.success[0].value
    assert at.file_uploader(key="upload1").value is None  # emptied, so the same file is not sent twice


def test_the_upload_box_takes_every_kind_of_file_ingest_reads(snapshot, people):
    from pipelines.sources import FORMATS

    at = board("data_staff")
    accepted = {t.lstrip(".") for t in at.file_uploader(key="upload0").proto.type}
    assert accepted == {s.lstrip(".") for s in FORMATS} and "xls" in accepted


def test_a_label_correction_is_recorded_and_waits_to_be_folded(snapshot, people):
    at = board("data_staff")
    at.text_input(key="report_query").input("借款").run()
    assert at.selectbox(key="report_pick").value == "petition:3"
    assert "借款二十万逾期不还" in "\n".join(t.value for t in at.text)
    at.multiselect(key="correct_labels").set_value(["debt"])
    at.text_input(key="correct_note").input("民间借贷")
    at.button(key="correct_submit").click().run()
    assert "已记录 petition:3 的标签修正" in at.success[0].value
    pending = table_with(at, "修正为")
    assert pending[["诉求编号", "修正为", "修正人"]].values.tolist() == [["petition:3", "债务纠纷", "data_staff 测试（data_staff）"]]
    assert reviews.audit_log()["action"].to_list()[0] == "label.correct"


def caption_with(at, start: str) -> str:
    return next(c.value for c in at.caption if c.value.startswith(start))


def test_a_report_is_found_by_its_number_in_the_source_system(snapshot, people):
    at = board("data_staff")
    at.text_input(key="report_query").input("3").run()
    assert at.selectbox(key="report_pick").value == "petition:3"


def test_after_saving_a_correction_the_form_shows_the_saved_labels(snapshot, people):
    at = board("data_staff")
    at.text_input(key="report_query").input("petition:3").run()
    # no label, no export category, not scored: said so (it read 均不属于（按导出分类推断）；模型判定：无)
    assert caption_with(at, "当前标签") == "当前标签：未标注（导出未给出可用分类，不用于训练）；模型判定：尚未评分"
    for chosen, shown in ((["debt"], "债务纠纷"), ([], "均不属于")):  # none: the case that kept the old label
        at.multiselect(key="correct_labels").set_value(chosen)
        at.button(key="correct_submit").click().run()
        assert "已记录 petition:3 的标签修正" in at.success[0].value
        assert caption_with(at, "当前标签").startswith(f"当前标签：{shown}（人工修正，待并入）")
        assert at.multiselect(key="correct_labels").value == chosen
        at.run()  # and on the next click
        assert at.multiselect(key="correct_labels").value == chosen


def test_saving_a_persons_labels_unchanged_records_nothing_while_an_inferred_one_is_confirmed(snapshot, people):
    at = board("data_staff")
    at.text_input(key="report_query").input("hotline:1").run()
    assert caption_with(at, "当前标签").startswith("当前标签：均不属于（按导出分类推断）")
    at.button(key="correct_submit").click().run()          # the export's category, confirmed by a person
    assert "已记录 hotline:1 的标签修正" in at.success[0].value
    at.button(key="correct_submit").click().run()          # the same again: nothing to record
    assert at.error[0].value == "标签未改变：该诉求已是这些人工标签，无需保存。"
    assert reviews.corrections()["report_id"].to_list() == ["hotline:1"]


def test_picking_another_report_shows_its_labels_in_the_form(snapshot, people):
    at = board("data_staff")
    at.text_input(key="report_query").input("工人").run()
    at.selectbox(key="report_pick").set_value("grid:7").run()
    assert at.multiselect(key="correct_labels").value == ["wage_arrears"]  # what the model flagged
    assert caption_with(at, "当前标签") == "当前标签：未标注（导出未给出可用分类，不用于训练）；模型判定：劳资欠薪"
    at.selectbox(key="report_pick").set_value("hotline:1").run()
    assert at.multiselect(key="correct_labels").value == []
    assert caption_with(at, "当前标签") == "当前标签：均不属于（按导出分类推断）；模型判定：劳资欠薪"


def test_two_model_versions_side_by_side_with_confusion_counts(snapshot, people):
    at = board("data_staff")
    assert table_with(at, "宏平均F1")["版本"].tolist() == ["v2", "v1"]
    assert table_with(at, "宏平均F1")["状态"].tolist() == ["冠军（在用）", "已退役"]
    assert at.selectbox(key="model_a").value == "v2" and at.selectbox(key="model_b").value == "v1"
    left = [d.value for d in at.dataframe if "TP" in d.value.columns][1]
    # wage_arrears: support 8, recall 0.5, precision 0.8 on 20 test rows → TP 4, FN 4, FP 1, TN 11
    assert left[["类别", "TP", "FP", "FN", "TN"]].values.tolist() == [["劳资欠薪", 4, 1, 4, 11], ["债务纠纷", 2, 0, 0, 18]]


def test_retrain_starts_a_job_and_promote_needs_a_confirmation(snapshot, people, started):
    at = board("data_staff")
    at.button(key="retrain").click().run()
    assert at.button(key="promote").disabled and at.button(key="rollback").disabled
    at.selectbox(key="promote_version").set_value("v1").run()
    at.checkbox(key="model_confirm").check().run()
    at.button(key="promote").click().run()
    assert not at.checkbox(key="model_confirm").value and at.button(key="rollback").disabled  # confirmed anew
    at.checkbox(key="model_confirm").check().run()
    at.button(key="rollback").click().run()
    assert started == [("retrain", None, "data_staff"), ("promote", "v1", "data_staff"), ("rollback", None, "data_staff")]


def test_jobs_show_their_output(snapshot, people):
    with reviews._writing() as con:
        con.execute("insert into jobs (kind, argv, started_by, role, created_at, state, returncode) values "
                    "('retrain', ?, 'data_staff', 'data_staff', '2024-05-20 09:00:00', 'failed', 1)",
                    [json.dumps(["retrain"])])
    (jobs.jobs_dir() / "1.log").write_text("$ shaobing retrain\nerror: only 3 labelled reports\n", "utf-8")
    at = board("data_staff")
    assert "失败" in at.expander[0].label and "data_staff 测试（data_staff）" in at.expander[0].label
    assert "only 3 labelled reports" in at.code[0].value
    assert "命令输出（英文原文，供排查问题时查看）" in [c.value for c in at.caption]
    assert at.error[0].value == "任务失败（退出码 1）：only 3 labelled reports"


def test_a_finished_job_says_in_chinese_what_it_did(snapshot, people):
    with reviews._writing() as con:
        con.execute("insert into jobs (kind, argv, started_by, role, created_at, state, returncode) values "
                    "('promote', ?, 'data_staff', 'data_staff', '2024-05-20 09:00:00', 'succeeded', 0)",
                    [json.dumps(["models", "promote", "m7"])])
    (jobs.jobs_dir() / "1.log").write_text("$ shaobing models promote m7\nm7 is now the champion\n", "utf-8")
    jobs.result_path(1).write_text(json.dumps({"kind": "promote", "version": "m7"}), "utf-8")
    at = board("data_staff")
    assert at.success[0].value == "模型 m7 现为冠军。"
    assert "m7 is now the champion" in at.code[0].value


def test_before_any_data_the_page_still_offers_the_upload(home, people):
    at = board("data_staff")
    assert not at.exception
    assert "还没有看板快照" in at.info[0].value
    assert at.button(key="ingest_upload")


def test_a_cold_start_champion_is_named_as_such(home, people):
    build_warehouse(settings.warehouse_path())
    con = warehouse.connect(settings.warehouse_path())
    try:
        con.execute("update model_versions set status = 'retired' where status = 'champion'")
        con.execute("""insert into model_versions values ('v3', '2024-05-03', 'models/v3', 'h3', 0, null,
                       '{"cold_start": true, "labelled_reports": 0, "test_rows": 0}', 'c3', 'champion')""")
    finally:
        con.close()
    warehouse.publish_snapshot(settings.warehouse_path(), settings.snapshot_path())
    table = table_with(board("data_staff"), "宏平均F1")
    assert table["状态"].tolist()[0] == "冠军（在用），冷启动：按词表打分"
