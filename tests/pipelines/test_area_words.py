"""The gazetteer's names are words of the segmenter, for training and scoring alike: a county's
places are not cut into pieces that then stand as an alert's terms (溪山县 → 溪 / 山县, 业主溪)."""
from __future__ import annotations

import duckdb

from pipelines import registry


def test_area_names_are_whole_words_and_part_of_the_token_cache_key():
    plain, named = registry.tokenizer(), registry.tokenizer(("溪山县", "玉带社区"))
    assert "溪山县" not in plain.tokenize("我们是购房业主。溪山县金鼎置业")
    assert named.tokenize("我们是购房业主。溪山县金鼎置业")[:3] == ["购房", "业主", "溪山县"]
    assert plain.version != named.version
    assert registry.tokenizer(("溪山县", "玉带社区")) is named


def test_the_flows_segment_and_cache_with_the_warehouse_s_area_names(small_warehouse):
    con = duckdb.connect(str(small_warehouse / "warehouse.duckdb"), read_only=True)
    try:
        words = registry.area_words(con)
        versions = {v for (v,) in con.sql("select distinct tokenizer from token_cache").fetchall()}
        # tokens are stored as one space-joined string
        with_county = con.sql("select count(*) from token_cache where list_contains(string_split(tokens, ' '), '溪山县')").fetchone()[0]
        pieces = con.sql("select count(*) from token_cache where list_contains(string_split(tokens, ' '), '山县')").fetchone()[0]
        model_tokenizer = con.sql("select distinct params::json->>'tokenizer' from model_versions").fetchall()
    finally:
        con.close()
    assert "溪山县" in words and all(len(w) >= 2 for w in words)
    assert versions == {registry.tokenizer(words).version}    # retrain's and weekly's documents alike
    assert model_tokenizer == [(registry.tokenizer(words).version,)]
    assert with_county > 0 and pieces == 0
