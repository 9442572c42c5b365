"""pipelines.columns: list columns built through Arrow are the columns polars would build."""
from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.columns import string_lists


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.lists(st.text(max_size=6), max_size=4)), max_size=12))
def test_string_lists_equal_polars_own_constructor(lists):
    built = string_lists("terms", lists)
    assert built.dtype == pl.List(pl.String) and built.name == "terms"
    assert built.to_list() == lists
    assert built.equals(pl.Series("terms", lists, dtype=pl.List(pl.String)))
