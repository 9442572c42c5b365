"""The gazetteer's names are words of the segmenter, for training and scoring alike: a county's
places are not cut into pieces that then stand as an alert's terms (溪山县 → 溪 / 山县, 业主溪). A
model keeps the names it was trained with, and the weekly run scores with those."""
from __future__ import annotations

import json
import shutil

import duckdb
import polars as pl
import pytest

from pipelines import registry
from pipelines.cli import main

RESET = ("report_scores", "weekly_counts", "score_marks", "signals", "alerts", "alert_reports", "weekly_runs",
         "token_cache")


def sql(home, query: str) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.sql(query).fetchall()
    finally:
        con.close()


def sql_row(home, query: str) -> dict:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.sql(query).pl().row(0, named=True)
    finally:
        con.close()


def test_area_names_are_whole_words_and_part_of_the_token_cache_key():
    plain, named = registry.tokenizer(), registry.tokenizer(("溪山县", "玉带社区"))
    assert "溪山县" not in plain.tokenize("我们是购房业主。溪山县金鼎置业")
    assert named.tokenize("我们是购房业主。溪山县金鼎置业")[:3] == ["购房", "业主", "溪山县"]
    assert plain.version != named.version
    assert registry.tokenizer(("溪山县", "玉带社区")) is named
    assert registry.model_words(None) == () == registry.model_words({"params": json.dumps({"C": 4.0})})


def test_the_flows_segment_and_cache_with_the_names_the_model_was_trained_with(small_warehouse):
    con = duckdb.connect(str(small_warehouse / "warehouse.duckdb"), read_only=True)
    try:
        words = registry.area_words(con)
        champion = con.sql("select * from model_versions where status = 'champion'").pl().row(0, named=True)
    finally:
        con.close()
    assert "溪山县" in words and all(len(w) >= 2 for w in words)
    assert registry.model_words(champion) == words
    assert json.loads(champion["params"])["tokenizer"] == registry.tokenizer(words).version
    # retrain's and weekly's documents alike, under the model's segmenter
    assert sql(small_warehouse, "select distinct tokenizer from token_cache") == [(registry.tokenizer(words).version,)]
    with_county = sql(small_warehouse, "select count(*) from token_cache where list_contains(string_split(tokens, ' '), '溪山县')")
    pieces = sql(small_warehouse, "select count(*) from token_cache where list_contains(string_split(tokens, ' '), '山县')")
    assert with_county[0][0] > 0 and pieces == [(0,)]
    # the names say where a report is from, not what it is about: never a reason
    terms = sql(small_warehouse, "select distinct unnest(top_terms) from report_scores where top_terms is not null")
    assert terms and not [t for (t,) in terms if any(w in t for w in words)]


@pytest.mark.slow
def test_a_gazetteer_imported_after_a_retrain_changes_no_score_until_the_next_retrain(small_warehouse, tmp_path, monkeypatch):
    home = tmp_path / "home"
    shutil.copytree(small_warehouse, home)
    areas = pl.read_csv(small_warehouse.parent / "sample" / "areas.csv", infer_schema=False)
    village = areas.filter(pl.col("level") == "5").head(1)   # a village (3 county, 4 town)
    renamed = areas.with_columns(pl.when(pl.col("area_code") == village["area_code"][0]).then(pl.lit("金鼎置业"))
                                 .otherwise(pl.col("name")).alias("name"))
    renamed.write_csv(tmp_path / "areas.csv")
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    for table in RESET:  # the warehouse as it was before its weekly run
        con.execute(f"delete from {table}")
    con.close()
    monkeypatch.setenv("SHAOBING_HOME", str(home))
    assert main(["areas", "import", str(tmp_path / "areas.csv")]) == 0
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        now, texts = registry.area_words(con), [t for (t,) in con.sql("select text from reports where text like '%金鼎置业%'").fetchall()]
    finally:
        con.close()
    # today's gazetteer would segment some texts otherwise than the model's
    before = registry.model_words(sql_row(small_warehouse, "select * from model_versions where status = 'champion'"))
    assert "金鼎置业" in now and texts
    assert any(registry.tokenizer(now).tokenize(t) != registry.tokenizer(before).tokenize(t) for t in texts)
    assert main(["weekly"]) == 0
    query = "select report_id, category, flagged, top_terms, round(probability, 12) from report_scores order by all"
    assert sql(home, query) == sql(small_warehouse, query)
    assert sql(home, "select distinct tokenizer from token_cache") == sql(small_warehouse, "select distinct tokenizer from token_cache")
    # the next retrain trains with today's gazetteer, and judges the champion as it segments
    seen = []
    documents = registry.documents
    monkeypatch.setattr(registry, "documents", lambda con, frame, words=(): seen.append(words) or documents(con, frame, words))
    assert main(["retrain", "--no-promote"]) == 0
    assert seen == [now, before]
    newest = sql_row(home, "select * from model_versions order by created_at desc limit 1")
    assert registry.model_words(newest) == now
    # the cache keeps the champion's documents and today's gazetteer's, and lets go of others
    con = duckdb.connect(str(home / "warehouse.duckdb"))
    con.execute("insert into token_cache values ('old', 'rjieba-0000000000', '旧 分词')")
    con.close()
    assert main(["weekly"]) == 0
    kept = {v for (v,) in sql(home, "select distinct tokenizer from token_cache")}
    assert kept == {registry.tokenizer(before).version, registry.tokenizer(now).version}
