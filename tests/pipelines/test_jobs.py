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
    assert [a for a in reviews.audit_log()["action"].to_list()] == ["job.promote.finished", "job.promote"]


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
