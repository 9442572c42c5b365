"""Scoring reports in chunks, wherever the chunks run: in this process, in local worker processes,
or on the workers of a Dask cluster (through prefect-dask's task runner).

A chunk carries its reports' ids, texts and the tokens the cache already has; it comes back with
the scores and the tokens it had to segment, which the flow — the warehouse's one writer — stores.
Workers load the champion once per process (by version) and never open the warehouse.
"""
from __future__ import annotations

import numpy as np
import polars as pl

from . import registry
from .columns import string_lists

_models: dict[tuple[str, str], object] = {}


def model(version: str, path: str):
    """The model of ``version``, loaded once per process."""
    key = (version, path)
    if key not in _models:
        _models.clear()  # one model at a time: a new champion replaces the old one
        _models[key] = registry.load(path)
    return _models[key]


def prepare(version: str, path: str, words: tuple[str, ...] = ()) -> None:
    """A worker's start (``LocalPool``'s ``prepare``): the model loaded and the segmenter built
    before its first chunk comes (2.5 s of a million-report run's workers, on the core the flow
    leaves idle while it reads the reports)."""
    model(version, path)
    registry.tokenizer(words).tokenize("预热")


class SegmenterMismatch(RuntimeError):
    """A worker that segments otherwise than the flow (no retry makes it right)."""


def score_chunk(version: str, path: str, report_ids: list[str], texts: list[str],
                cached: list[str | None], words: tuple[str, ...] = (),
                tokenizer: str | None = None) -> tuple[pl.DataFrame, list[str | None]]:
    """Scores of a chunk (see ``score_frame``) and the documents (space-joined tokens) of the texts
    not cached before; ``texts``: every report's text, cached or not (explain() reads it to show a
    word pair only where its words stand together); ``cached``: each report's cached document, or
    None; ``words``: the warehouse's ``registry.area_words``, which a worker cannot read (the flow
    holds the warehouse). ``tokenizer``: the flow's segmenter version, which a worker of another
    machine must have too: its documents are cached under that version (a Dask worker with another
    jieba, dictionary or Shaobing would cut the texts otherwise, unseen)."""
    tok = registry.tokenizer(words)
    if tokenizer is not None and tok.version != tokenizer:
        import socket

        raise SegmenterMismatch(f"worker {socket.gethostname()}: its segmenter is {tok.version}, the flow's "
                                f"{tokenizer}; give every worker the same SHAOBING_SEGMENTER and install the same "
                                "Shaobing and jieba on it")
    fresh = [" ".join(tok.tokenize(text)) if have is None else None for text, have in zip(texts, cached)]
    docs = [have if have is not None else new for have, new in zip(cached, fresh)]
    return score_frame(model(version, path), version, report_ids, docs, texts), fresh


def score_frame(model, model_version: str, report_ids: list[str], docs: list[str],
                texts: list[str] | None = None) -> pl.DataFrame:
    """Long frame (report × category): probability, flag, and the terms behind each flag (a word
    pair among them only where the report's text has its words together, given ``texts``)."""
    proba, flags, why = model.score(docs, top=5, texts=texts)  # the terms of the flagged categories only
    cats = list(model.classes_)
    n, k = proba.shape
    terms = [why[i].get(c) if flags[i, j] else None for i in range(n) for j, c in enumerate(cats)]
    return pl.DataFrame({
        "report_id": np.repeat(report_ids, k), "model_version": [model_version] * (n * k),
        "category": cats * n, "probability": proba.reshape(-1), "flagged": flags.reshape(-1)}) \
        .with_columns(string_lists("top_terms", terms))
