"""The weekly flow on a local Dask cluster of two worker processes scores exactly as the local run."""
from __future__ import annotations

import os
import shutil

import duckdb
import polars as pl
import pytest

from pipelines.cli import main

distributed = pytest.importorskip("distributed")

RESET = ("report_scores", "weekly_counts", "score_marks", "signals", "alerts", "alert_reports", "weekly_runs",
         "token_cache")


def scores(home) -> pl.DataFrame:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.sql("select report_id, category, model_version, probability, flagged, top_terms "
                       "from report_scores order by report_id, category").pl()
    finally:
        con.close()


@pytest.mark.slow
def test_weekly_on_a_two_worker_dask_cluster_gives_the_local_scores(small_warehouse, tmp_path, monkeypatch):
    home = tmp_path / "home"
    shutil.copytree(small_warehouse, home)
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    for table in RESET:  # the warehouse as it was before its weekly run
        con.execute(f"delete from {table}")
    con.close()
    monkeypatch.setenv("SHAOBING_HOME", str(home))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  env={"SHAOBING_HOME": str(home)}) as cluster:
        monkeypatch.setenv("SHAOBING_DASK_ADDRESS", cluster.scheduler_address)
        assert main(["weekly"]) == 0
        with distributed.Client(cluster) as client:
            ran = client.run(os.getpid)
        chunks = [k for k in cluster.scheduler.task_prefixes if "score_chunk" in k]
    assert len(ran) == 2 and os.getpid() not in ran.values()
    assert chunks, "no scoring chunk ran on the cluster"
    local, on_dask = scores(small_warehouse), scores(home)
    assert on_dask.height == local.height > 0
    assert on_dask.select("report_id", "category", "model_version", "flagged", "top_terms").equals(
        local.select("report_id", "category", "model_version", "flagged", "top_terms"))
    assert (on_dask["probability"] - local["probability"]).abs().max() < 1e-12
