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


@pytest.fixture
def grown_copy(grown, tmp_path, monkeypatch):
    """A writable copy of the grown home, as $SHAOBING_HOME, with its champion and the week its
    weekly run detected up to."""
    home = tmp_path / "home"
    shutil.copytree(grown["home"], home)
    monkeypatch.setenv("SHAOBING_HOME", str(home))
    with warehouse.open_warehouse(home / "warehouse.duckdb", read_only=True) as con:
        champ = warehouse.champion(con)["version"]
    return home / "warehouse.duckdb", champ, grown["through"]


def counting_names(monkeypatch) -> list[int]:
    """Record how many texts each call of names_and_escalation is given (the one the flow calls)."""
    from features.entities import names_and_escalation
    from pipelines import detection

    calls: list[int] = []

    def counted(texts, subjects, areas):
        calls.append(len(texts))
        return names_and_escalation(texts, subjects, areas)

    monkeypatch.setattr(detection, "names_and_escalation", counted)
    return calls


def flagged_ids(con, champ, through) -> int:
    return con.execute("""select count(distinct s.report_id) from report_scores s join reports r using (report_id)
                          where s.model_version = ? and s.flagged and r.received_at < ?""", [champ, through]).fetchone()[0]


def test_names_are_found_once_per_report_and_kept(grown_copy, monkeypatch):
    from pipelines import weekly

    path, champ, through = grown_copy
    with warehouse.open_warehouse(path) as con:
        kept = con.execute("select count(*), count(distinct report_id), count(distinct mention_key)"
                           " from report_mentions").fetchone()
        flagged = flagged_ids(con, champ, through)
        assert flagged > 100
        assert kept == (flagged, flagged, 1)  # the two weekly runs kept each flagged report's names once
        calls = counting_names(monkeypatch)
        _, _, reused, _ = weekly.detection_inputs(con, champ, through, keep=True)
        assert sum(calls) == 0, "names found again although they were kept"
        monkeypatch.setattr(warehouse, "has_table", lambda con, name: False)  # as a warehouse that keeps none
        _, _, found, _ = weekly.detection_inputs(con, champ, through)
        assert sum(calls) == flagged
        assert con.execute("select count(*) from report_mentions").fetchone()[0] == flagged  # nothing added
    order = ["report_id", "category"]
    assert reused["names"].list.len().sum() > 0, "the sample's flagged reports name places: nothing kept"
    assert reused.sort(order).equals(found.sort(order)), "kept names differ from names found anew"


def test_a_new_gazetteer_has_the_names_found_again(grown_copy, monkeypatch):
    from pipelines import weekly

    path, champ, through = grown_copy
    with warehouse.open_warehouse(path) as con:
        before = con.execute("select any_value(mention_key) from report_mentions").fetchone()[0]
        con.execute("update areas set name = name || '新区' where area_code = (select min(area_code) from areas)")
        calls = counting_names(monkeypatch)
        weekly.detection_inputs(con, champ, through, keep=True)
        keys = con.execute("select list(distinct mention_key), count(*) from report_mentions").fetchone()
        assert sum(calls) == flagged_ids(con, champ, through)
    assert keys[0] != [before] and len(keys[0]) == 1  # the old key's names let go, the new ones kept
    assert keys[1] == sum(calls)


def test_a_backtest_reads_kept_names_and_keeps_none(grown_copy, monkeypatch):
    from pipelines import weekly

    path, champ, through = grown_copy
    with warehouse.open_warehouse(path) as con:
        con.execute("delete from report_mentions where report_id in (select report_id from report_mentions limit 5)")
    calls = counting_names(monkeypatch)
    with warehouse.open_warehouse(path, read_only=True) as con:  # as `shaobing backtest` opens it
        weekly.detection_inputs(con, champ, through)
        assert sum(calls) == 5


@pytest.mark.parametrize("asked, latest, today, through, refused", [
    (None, dt.datetime(2026, 11, 18, 9), dt.date(2026, 12, 2), dt.date(2026, 11, 23), False),  # the data's last week
    (None, dt.datetime(2026, 11, 30, 9), dt.date(2026, 12, 2), dt.date(2026, 11, 30), False),  # not this unfinished one
    (dt.date(2026, 11, 9), dt.datetime(2026, 11, 18, 9), dt.date(2026, 12, 2), dt.date(2026, 11, 9), False),
    (dt.date(2030, 1, 7), dt.datetime(2026, 11, 18, 9), dt.date(2026, 12, 2), dt.date(2026, 11, 23), True),
    (dt.date(2026, 12, 7), dt.datetime(2026, 12, 1, 9), dt.date(2026, 12, 2), dt.date(2026, 11, 30), True),
])
def test_a_run_never_detects_weeks_its_reports_have_not_reached(asked, latest, today, through, refused):
    # (a week detected before its reports arrive would never be detected again with them)
    from pipelines.weekly import detect_through

    got, why = detect_through(asked, latest, today)
    assert got == through and (why is not None) == refused
    if refused:
        assert f"weeks before {asked} were asked for" in why and f"detecting the weeks before {through}" in why
