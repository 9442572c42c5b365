"""Label corrections from data staff: a CSV of report_id (or the report's text) and labels."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from features.pii import mask_pii
from . import settings, warehouse
from .sources import SourceError, read_raw
from .taxonomy import taxonomy


def parse_labels(value: str | None, known: list[str]) -> list[str]:
    """'wage_arrears;debt' → ['wage_arrears', 'debt']; 'none' or empty → []; unknown → ValueError."""
    parts = [p.strip() for p in (value or "").replace(",", ";").split(";") if p.strip() and p.strip().lower() != "none"]
    unknown = [p for p in parts if p not in known]
    if unknown:
        raise ValueError(f"unknown label(s) {unknown}; expected some of {known} or none")
    return parts


def import_labels(path: Path, who: str) -> tuple[int, list[str]]:
    try:
        raw = read_raw(path)
    except SourceError as exc:
        return 0, [str(exc)]
    header = [h.strip().lower() for h in raw.header]
    label_col = next((header.index(c) for c in ("labels", "label") if c in header), None)
    key_col = next((header.index(c) for c in ("report_id", "text") if c in header), None)
    if label_col is None or key_col is None:
        return 0, [f"{path}: expected columns report_id (or text) and labels (or label); found {raw.header}"]
    known, problems, keys, labels, rows = taxonomy().keys, [], [], [], []
    for number, cells in zip(raw.row_numbers, raw.rows):
        try:
            labels.append(parse_labels(cells[label_col], known))
            keys.append((cells[key_col] or "").strip())
            rows.append(number)
        except ValueError as exc:
            problems.append(f"{path}: row {number}, column {raw.header[label_col]}: {exc}")
    by_text = header[key_col] == "text"
    with warehouse.open_warehouse(settings.warehouse_path()) as con:
        if by_text:
            found = warehouse.report_ids_by_text(con, [mask_pii(k) for k in keys])
            ids = dict(zip(found["text"].to_list(), found["report_id"].to_list()))
            pairs = [(ids.get(mask_pii(k)), lab, k) for k, lab in zip(keys, labels)]
        else:
            known_ids = warehouse.report_ids_known(con, keys)
            pairs = [(k if k in known_ids else None, lab, k) for k, lab in zip(keys, labels)]
        problems += [f"{path}: row {n}, column {raw.header[key_col]}: no stored report matches {mask_pii(k)[:40]!r}"
                     for n, (rid, _, k) in zip(rows, pairs) if rid is None]
        good = [(rid, lab) for rid, lab, _ in pairs if rid is not None]
        frame = pl.DataFrame({"report_id": [g[0] for g in good], "labels": [g[1] for g in good],
                              "source": ["import"] * len(good), "labelled_by": [who] * len(good),
                              "labelled_at": [settings.now()] * len(good)},
                             schema_overrides={"labels": pl.List(pl.Utf8)})
        n = warehouse.insert_labels(con, frame) if good else 0
    warehouse.publish_snapshot(settings.warehouse_path(), settings.snapshot_path())
    return n, problems
