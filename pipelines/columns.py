"""Building polars columns from Python lists where polars' own constructor is slow."""
from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa


def string_lists(name: str, lists: list[list[str] | None]) -> pl.Series:
    """A List(String) series of ``lists`` (None: a null), built through Arrow offsets: polars'
    constructor builds a series per inner list (9 s for 440,000 reports' names and escalation
    words; this, 0.3 s)."""
    lengths = np.fromiter((0 if one is None else len(one) for one in lists), dtype=np.int64, count=len(lists))
    offsets = pa.array(np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(lengths)]))
    values = pa.array([s for one in lists if one is not None for s in one], type=pa.large_string())
    missing = [one is None for one in lists]
    mask = pa.array(missing, type=pa.bool_()) if any(missing) else None
    return pl.Series(name, pa.LargeListArray.from_arrays(offsets, values, mask=mask)).cast(pl.List(pl.String))
