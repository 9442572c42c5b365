"""Jobs started from the board run the CLI in processes of their own, one at a time, waiting while a
flow holds the warehouse, with their output and outcome recorded."""
from __future__ import annotations

import time

import duckdb
import polars as pl
import pytest

from pipelines import jobs, reviews, settings
from tests.dashboards.conftest import build_warehouse

WHO = {"user": "staff", "role": "data_staff"}


@pytest.fixture
def wh(home):
    build_warehouse(settings.warehouse_path())
    return settings.warehouse_path()


def wait_for(job_id: int, states=("succeeded", "failed", "lost"), timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = jobs.jobs(50).filter(pl.col("job_id") == job_id).row(0, named=True)
        if job["state"] in states:
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} still {job['state']}: {jobs.log_tail(job_id)}")


def test_a_job_runs_the_cli_and_records_its_output_and_outcome(wh):
    job_id = jobs.start("promote", "no-such-version", **WHO)
    job = wait_for(job_id)
    assert (job["state"], job["returncode"]) == ("failed", 1)
    assert "no model version 'no-such-version'" in jobs.log_tail(job_id)
    assert jobs.summary(job) == "任务失败（退出码 1）：no model version 'no-such-version' (see `shaobing models list`)"
    assert [a for a in reviews.audit_log()["action"].to_list()] == ["job.promote.finished", "job.promote"]
    assert reviews.audit_log()["target"].to_list() == ["no-such-version"] * 2   # the version, start and end
    wait_for(jobs.start("rollback", None, **WHO))
    assert reviews.audit_log(1)["target"].to_list() == [None]   # not its subcommand's name


def test_a_job_waits_while_a_flow_holds_the_warehouse(wh):
    flow = duckdb.connect(str(wh))  # this process now holds the write lock, as a running flow would
    try:
        job_id = jobs.start("promote", "v1", **WHO)
        deadline = time.monotonic() + 30
        while "等待" not in jobs.log_tail(job_id) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert "等待" in jobs.log_tail(job_id)
        assert wait_for(job_id, states=("queued",))["state"] == "queued"
    finally:
        flow.close()
    job = wait_for(job_id)
    assert job["state"] == "failed" and "models/v1" in jobs.log_tail(job_id)  # ran: v1's file does not exist here


def test_a_second_job_of_the_same_kind_waits_for_the_first_to_finish(wh):
    flow = duckdb.connect(str(wh))
    try:
        first = jobs.start("rollback", None, **WHO)
        with pytest.raises(jobs.JobError, match="已有"):
            jobs.start("rollback", None, **WHO)
    finally:
        flow.close()
    wait_for(first)


def test_an_unknown_job_is_refused(home):
    with pytest.raises(jobs.JobError):
        jobs.start("drop_everything", None, **WHO)


def test_an_upload_keeps_its_name_in_a_folder_of_its_own(home):
    path = jobs.save_upload("../../12345 热线.csv", b"x", "staff")
    assert path.name == "12345_热线.csv" and path.parent.parent == settings.home() / "uploads"


def _finished(job_id: int, state: str = "succeeded", code: int = 0) -> dict:
    return {"job_id": job_id, "state": state, "returncode": code}


def test_the_board_words_in_chinese_what_each_job_s_command_did(home, monkeypatch, capsys):
    """The command a job runs writes what it did ($SHAOBING_JOB_RESULT, set by the job's runner);
    the data page shows it as a sentence in Chinese above the command's own (English) output."""
    from pipelines import cli, ingest, retrain, weekly

    monkeypatch.setattr(cli, "_flows", lambda server=True: None)
    monkeypatch.setattr(cli.prefect_server, "ready", lambda: None)

    def run(job_id, argv, state="succeeded", code=0):
        monkeypatch.setenv(cli.JOB_RESULT, str(jobs.result_path(job_id)))
        assert cli.main(argv) == code
        said = capsys.readouterr()   # the runner sends both to the job's log
        (jobs.jobs_dir() / f"{job_id}.log").write_text(said.out + said.err, "utf-8")
        return jobs.summary(_finished(job_id, state, code))

    monkeypatch.setattr(ingest, "ingest_flow", lambda paths: [
        ingest.BatchResult("a.csv", "loaded", "hotline, utf-8", 1200, 1198, 2),
        ingest.BatchResult("b.xlsx", "skipped", "already loaded as batch B1 (2026-03-02)")])
    assert run(1, ["ingest", "a.csv", "b.xlsx"]) == (
        "导入 2 个文件：载入 1,198 条报告，隔离 2 行，1 个文件此前已导入，跳过。隔离原因见「数据批次」。")
    monkeypatch.setattr(ingest, "ingest_flow", lambda paths: [
        ingest.BatchResult("c.csv", "failed", "c.csv: cannot read the file (Permission denied)")])
    assert run(2, ["ingest", "c.csv"], "failed", 1) == (
        "导入 1 个文件：载入 0 条报告，隔离 0 行，1 个文件未能导入。"
        "任务失败（退出码 1）：c.csv：无法读取文件（Permission denied）")

    monkeypatch.setattr(weekly, "not_ready", lambda: None)
    monkeypatch.setattr(weekly, "weekly", lambda dask: lambda through: {
        "scored": 9615, "model_version": "m3", "weeks": 1, "signals": 12, "new_alerts": 3, "reports": 1, "quarantined": 0,
        "alerts": 40, "open_alerts": 17, "brief": "brief.xlsx"})
    assert run(3, ["weekly"]) == ("每周研判完成：模型 m3 评分 9,615 条报告，检测 1 周，信号 12 个，新预警 3 条（未结预警共 17 条）。")

    monkeypatch.setattr(retrain, "retrain_flow", lambda promote, margin: {
        "version": "m2", "macro_f1": 0.82764, "champion_macro_f1": 0.82801, "test_rows": 4913, "train_rows": 20059,
        "promoted": False, "per_label": {"debt": 0.8}, "brier": {}})
    assert run(4, ["retrain"]) == ("新模型 m2：在 4,913 条留出报告上 macro-F1 0.8276（冠军 0.8280），训练用 20,059 条；"
                                   "保留为挑战者，未启用。")
    monkeypatch.setattr(retrain, "retrain_flow", lambda promote, margin: {
        "version": "m1", "cold_start": True, "categories": ["debt"], "labelled_reports": 3, "macro_f1": None})
    assert run(5, ["retrain"]) == ("已标注的报告仅 3 条，不足以训练模型：模型 m1 先用风险分类词表评分（冷启动），已启用为冠军。")

    # nothing written (the command failed before it knew anything), a job still running, a lost one
    (jobs.jobs_dir() / "6.log").write_text("$ shaobing weekly\nerror: no champion model yet\n", "utf-8")
    assert jobs.summary(_finished(6, "failed", 1)) == "任务失败（退出码 1）：no champion model yet"
    assert jobs.summary(_finished(7, "running")) is None
    assert jobs.summary(_finished(8, "lost")).startswith("任务进程已中断")
