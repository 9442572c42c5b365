"""Work spread in chunks over worker processes gives what one piece in this process gives: a big
file's validation, mapping and masking (same reports in the same order, same quarantine), and the
names and escalation words of flagged reports, and the signals of a replay's weeks."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import polars as pl

from pipelines import detection, ingest
from pipelines.areas import read_areas
from pipelines.sources import RawFile, read_raw
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


def test_names_found_on_two_processes_are_those_found_in_one(monkeypatch):
    raw = read_raw(SAMPLE / "hotline.csv")
    text = raw.header.index("诉求内容")
    texts = [r[text] for r in raw.rows[:600]]
    # one row per flagged (report, category): some reports twice
    flagged = pl.DataFrame({"report_id": [f"hotline:{i}" for i in range(600)] + [f"hotline:{i}" for i in range(0, 600, 7)],
                            "category": ["debt"] * 600 + ["finance"] * len(range(0, 600, 7)),
                            "text": texts + texts[::7], "subject": [None] * (600 + len(range(0, 600, 7)))},
                           schema_overrides={"subject": pl.String})
    names = {"a": "溪山县", "b": "莲塘镇", "c": "白沙村"}
    one = detection.find_mentions(flagged, names, workers=1)[0]
    monkeypatch.setattr(detection, "MENTION_CHUNK", 90)
    two = detection.find_mentions(flagged, names, workers=2)[0]
    assert one.equals(two)
    assert one.select("report_id", "category").equals(flagged.select("report_id", "category"))
    assert one["names"].list.len().sum() > 100, "the sample's texts name places: nothing was found"


def test_a_file_s_date_order_holds_in_every_chunk(monkeypatch):
    # only the last chunk shows that the file writes month first; 8/9/2019 in the first is 9 August
    header = ["工单编号", "来电时间", "诉求内容"]
    rows = [[f"GD{i}", "8/9/2019 10:00", "工资没发"] for i in range(40)] + [["GD40", "8/19/2019 10:00", "工资没发"]]
    raw = RawFile(path=Path("us.csv"), header=header, rows=rows, row_numbers=list(range(2, 43)), encoding="utf-8")
    areas = read_areas(SAMPLE / "areas.csv")[0]
    for chunk, workers in ((10**9, 1), (10, 2)):
        _, reports, quarantined = prepared(raw, areas, monkeypatch, chunk=chunk, workers=workers)
        assert quarantined.is_empty()
        assert reports["received_at"].dt.date().to_list() == [dt.date(2019, 8, 9)] * 40 + [dt.date(2019, 8, 19)]


def test_a_replay_on_two_processes_finds_the_signals_one_process_finds(small_warehouse, tmp_path, monkeypatch):
    from pipelines import settings, warehouse, weekly

    monkeypatch.setenv("SHAOBING_HOME", str(small_warehouse))
    with warehouse.open_warehouse(settings.warehouse_path(), read_only=True) as con:
        version = warehouse.champion(con)["version"]
        first, latest = warehouse.report_week_span(con)
        through = weekly.monday(latest.date())
        counts, lineage, flagged, _ = weekly.detection_inputs(con, version, through)
    params = weekly.detection_params()
    weeks = pl.date_range(counts["week"].min(), through - dt.timedelta(days=7), "1w", eager=True).to_list()
    assert len(weeks) >= detection.REPLAY_PARALLEL
    # a folder a killed replay left behind (its process is gone), and one of a replay still running
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    abandoned, running = tmp_path / f"replay-{gone.stdout.strip()}-x", tmp_path / f"replay-{os.getpid()}-y"
    abandoned.mkdir()
    running.mkdir()
    one = list(detection.replay_signals(weeks, counts, lineage, flagged, params, workers=1))
    monkeypatch.setattr(detection, "REPLAY_CHUNK", 3)
    two = list(detection.replay_signals(weeks, counts, lineage, flagged, params, workers=2, scratch=tmp_path))
    assert [w.week for w in two] == weeks == [w.week for w in one]
    for a, b in zip(one, two):
        assert a.signals.equals(b.signals), a.week
        assert a.behind.sort(pl.all()).equals(b.behind.sort(pl.all())), a.week
        assert a.evidence == b.evidence, a.week
    assert sum(w.signals.height for w in one) > 20, "the sample raises signals: nothing was compared"
    assert not abandoned.exists() and running.exists()
    assert {p.name for p in tmp_path.iterdir()} == {running.name}, "the replay left its folder behind"


def test_a_pool_prepares_each_worker_as_it_starts_and_a_failed_preparation_is_not_fatal(tmp_path):
    from pipelines.pool import LocalPool

    made = tmp_path / "made"
    # os.makedirs as each worker's preparation: the first worker makes the folder, the second one's
    # fails (it exists) — and the pool still runs every chunk
    with LocalPool(2, len, prepare=("os:makedirs", (str(made),))).start() as pool:
        assert [pool.result(pool.submit(x)) for x in ("ab", "abc", "")] == [2, 3, 0]
    assert made.is_dir() and not os.listdir(made)


def test_the_flow_s_own_call_lets_each_chunk_s_cells_go_and_gets_the_same_reports(monkeypatch):
    """The ingest flow reads a file's cells no more once prepare_batch has them: with ``release`` each
    chunk's are replaced by None as its reports come back (a big export's cells and its reports
    held side by side were most of ingest's peak memory); nothing else changes."""
    raw = read_raw(SAMPLE / "hotline.csv")
    areas = read_areas(SAMPLE / "areas.csv")[0]
    n = len(raw.rows)
    kept = prepared(raw, areas, monkeypatch, chunk=n // 4, workers=1)
    assert all(r is not None for r in raw.rows)          # tests and benches read the rows again
    _, reports, check = ingest.prepare_batch.fn(raw, areas, "B1", "salt", dt.datetime(2026, 12, 1), release=True)
    assert len(raw.rows) == n and all(r is None for r in raw.rows)
    assert reports.equals(kept[1])
    assert check.frame().sort("row_number", "column", "reason").equals(kept[2])


def test_a_chunks_texts_reach_the_explanations(monkeypatch):
    # a word pair is shown only where the text has its words together: the model needs the texts
    import numpy as np

    from pipelines import scoring

    seen = {}

    class Model:
        classes_ = ["debt"]

        def score(self, docs, top, texts=None):
            seen["texts"] = texts
            return np.zeros((len(docs), 1)), np.zeros((len(docs), 1), bool), [{} for _ in docs]

    monkeypatch.setattr(scoring, "model", lambda version, path: Model())
    scoring.score_chunk("v1", "m.skops", ["r1", "r2"], ["对方说，拖欠的事", "新的"], ["对方 拖欠", None])
    assert seen["texts"] == ["对方说，拖欠的事", "新的"]


def test_a_worker_that_segments_otherwise_than_the_flow_refuses_its_chunk(monkeypatch):
    """A Dask worker of another machine with another jieba or dictionary would cache documents
    under the flow's segmenter version that it did not cut: it says so instead."""
    import numpy as np
    import pytest

    from pipelines import registry, scoring

    class Model:
        classes_ = ["debt"]

        def score(self, docs, top, texts=None):
            return np.zeros((len(docs), 1)), np.zeros((len(docs), 1), bool), [{} for _ in docs]

    monkeypatch.setattr(scoring, "model", lambda version, path: Model())
    mine = registry.tokenizer(()).version
    scoring.score_chunk("v1", "m.skops", ["r1"], ["讨薪"], [None], (), mine)   # the same: scored
    with pytest.raises(scoring.SegmenterMismatch, match=f"its segmenter is {mine}, the flow's jieba-0000; give every "
                                                        "worker the same SHAOBING_SEGMENTER"):
        scoring.score_chunk("v1", "m.skops", ["r1"], ["讨薪"], [None], (), "jieba-0000")


def test_a_worker_that_segments_otherwise_is_not_retried_a_lost_one_is():
    from prefect.states import Failed

    from pipelines import scoring, weekly

    assert not weekly._worth_retrying(None, None, Failed(data=scoring.SegmenterMismatch("worker w1: …")))
    assert weekly._worth_retrying(None, None, Failed(data=OSError("connection to the worker lost")))
