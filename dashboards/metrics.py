"""Model versions' recorded metrics as tables: per-category precision, recall, F1 and confusion counts."""
from __future__ import annotations

import json

import polars as pl

SCHEMA = {"category": pl.String, "support": pl.Int64, "precision": pl.Float64, "recall": pl.Float64,
          "f1": pl.Float64, "tp": pl.Int64, "fp": pl.Int64, "fn": pl.Int64, "tn": pl.Int64}


def parse(metrics: str | dict | None) -> dict:
    if isinstance(metrics, dict):
        return metrics
    try:
        return json.loads(metrics or "{}")
    except ValueError:
        return {}


def per_category(metrics: str | dict | None) -> pl.DataFrame:
    """One row per category; the confusion counts as recorded, else worked back from support,
    precision and recall on the test rows (exact up to rounding; FP unknown where precision is 0)."""
    m = parse(metrics)
    n = m.get("test_rows") or m.get("n")
    rows = []
    for category, v in (m.get("labels") or {}).items():
        support, precision, recall = int(v.get("support", 0)), v.get("precision", 0.0), v.get("recall", 0.0)
        if all(k in v for k in ("tp", "fp", "fn")):
            tp, fp, fn = int(v["tp"]), int(v["fp"]), int(v["fn"])
        else:
            tp = round(recall * support)
            fn = support - tp
            fp = round(tp / precision) - tp if precision > 0 else None
        tn = v.get("tn", n - tp - fp - fn if n is not None and fp is not None else None)
        rows.append((category, support, precision, recall, v.get("f1", 0.0), tp, fp, fn, tn))
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")
