"""The weekly run is incremental: a new week's reports are read, segmented and scored once, only
their weeks are recounted, and the result is the same as recounting everything."""
from __future__ import annotations

import csv
import datetime as dt
import os
import shutil

import duckdb
import polars as pl
import pytest

from pipelines import settings, warehouse
from pipelines.cli import main


@pytest.fixture(scope="module")
def grown(small_warehouse, tmp_path_factory):
    """The small warehouse, then one more week of hotline reports ingested and a weekly run."""
    root = tmp_path_factory.mktemp("grown")
    home = root / "home"
    shutil.copytree(small_warehouse, home)
    sample = small_warehouse.parent / "sample"
    with open(sample / "hotline.csv", encoding="gb18030", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    stamps = [dt.datetime.fromisoformat(r[1]) for r in body]
    last = max(stamps)
    source = [r for r, t in zip(body, stamps) if t >= last - dt.timedelta(days=7)]
    shift = dt.timedelta(weeks=1)
    text = max(range(len(header)), key=lambda i: sum(len(r[i]) for r in body))  # the complaint's text
    extra = root / "hotline_next_week.csv"
    with open(extra, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for i, r in enumerate(source):
            r = [f"{r[0]}N", f"{dt.datetime.fromisoformat(r[1]) + shift:%Y-%m-%d %H:%M:%S}", *r[2:]]
            r[text] += f"（本周第{i + 1}次反映）"  # new words: the token cache has not seen them
            w.writerow(r)
    old = os.environ["SHAOBING_HOME"]
    os.environ["SHAOBING_HOME"] = str(home)
    try:
        con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
        before = {t: con.sql(f"select count(*) from {t}").fetchone()[0] for t in ("reports", "token_cache", "score_marks")}
        con.close()
        assert main(["ingest", str(extra)]) == 0
        through = (last + shift).date() - dt.timedelta(days=(last + shift).weekday()) + dt.timedelta(weeks=1)
        assert main(["weekly", "--through", str(through)]) == 0
    finally:
        os.environ["SHAOBING_HOME"] = old
    return {"home": home, "new": len(source), "before": before, "through": through}


def test_only_the_new_reports_are_segmented_and_scored(grown, capsys):
    con = duckdb.connect(str(grown["home"] / "warehouse.duckdb"), read_only=True)
    try:
        reports = con.sql("select count(*) from reports").fetchone()[0]
        tokens = con.sql("select count(*) from token_cache").fetchone()[0]
        distinct = con.sql("select count(distinct (content_hash, tokenizer)) from token_cache").fetchone()[0]
        champ = con.sql("select version from model_versions where status = 'champion'").fetchone()[0]
        per_report = con.sql("select count(*) from report_scores where model_version = ? group by report_id "
                             "having count(*) <> (select count(distinct category) from report_scores)",
                             params=[champ]).fetchall()
        unscored = con.sql("select count(*) from reports r where not exists (select 1 from report_scores s "
                           "where s.report_id = r.report_id and s.model_version = ?)", params=[champ]).fetchone()[0]
        marks = con.sql("select count(*) from score_marks where model_version = ?", params=[champ]).fetchone()[0]
        batches = con.sql("select count(*) from batches").fetchone()[0]
    finally:
        con.close()
    assert reports == grown["before"]["reports"] + grown["new"]
    assert tokens == grown["before"]["token_cache"] + grown["new"]  # each new text segmented once
    assert distinct == tokens
    assert not per_report and unscored == 0
    assert marks == batches  # every batch wholly scored: the next run reads none of them


def test_a_run_with_nothing_new_reads_no_report(grown):
    with warehouse.open_warehouse(grown["home"] / "warehouse.duckdb", read_only=True) as con:
        champ = warehouse.champion(con)["version"]
        assert warehouse.unscored_reports(con, champ, grown["through"]).is_empty()


def test_recounting_only_the_new_weeks_equals_recounting_everything(grown, tmp_path):
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(grown["home"] / "warehouse.duckdb", copy)
    con = duckdb.connect(str(copy))
    try:
        champ = con.sql("select version from model_versions where status = 'champion'").fetchone()[0]
        q = "select week, area_code, category, n from weekly_counts where model_version = ? order by all"
        incremental = con.sql(q, params=[champ]).pl()
        warehouse.refresh_weekly_counts(con, champ, grown["through"], weeks=None)
        full = con.sql(q, params=[champ]).pl()
    finally:
        con.close()
    assert incremental.height > 0
    assert incremental.equals(full)
    assert incremental["week"].max() == grown["through"] - dt.timedelta(weeks=1)
