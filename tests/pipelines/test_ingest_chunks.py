"""A big file is validated, mapped and masked in chunks on worker processes: the outcome must be
the same as in one piece in this process (same reports in the same order, same quarantine)."""
from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines import ingest
from pipelines.areas import read_areas
from pipelines.sources import read_raw
from tests.conftest import SAMPLE


def prepared(raw, areas, monkeypatch, chunk: int, workers: int):
    monkeypatch.setattr(ingest, "PREPARE_CHUNK", chunk)
    monkeypatch.setattr(ingest, "PREPARE_PARALLEL", 1)
    monkeypatch.setenv("SHAOBING_WORKERS", str(workers))
    channel, reports, check = ingest.prepare_batch.fn(raw, areas, "B1", "salt", dt.datetime(2026, 12, 1))
    return channel, reports, check.frame().sort("row_number", "column", "reason")


def test_chunks_on_two_processes_give_what_one_piece_gives(monkeypatch):
    raw = read_raw(SAMPLE / "hotline.csv")
    # rows that must be quarantined, in several chunks: no date, no text, a date in the future
    column = {name: i for i, name in enumerate(raw.header)}
    for at, (name, value) in zip((5, 900, 1700), (("工单编号", None), ("诉求内容", None), ("来电时间", "2099-01-01 08:00:00"))):
        bad = list(raw.rows[at])
        bad[column[name]] = value
        raw.rows.insert(at * 5, bad)
    raw.row_numbers = list(range(2, len(raw.rows) + 2))
    areas = read_areas(SAMPLE / "areas.csv")[0]
    whole = prepared(raw, areas, monkeypatch, chunk=10**9, workers=1)
    chunked = prepared(raw, areas, monkeypatch, chunk=len(raw.rows) // 5, workers=2)
    assert whole[0] == chunked[0]
    assert whole[1].height + whole[2].height == len(raw.rows) and whole[2].height >= 3
    assert whole[1].equals(chunked[1]), "the reports differ"
    assert whole[2].equals(chunked[2]), "the quarantine differs"
    assert chunked[1]["row_number"].is_sorted(), "the reports are not in file order"
