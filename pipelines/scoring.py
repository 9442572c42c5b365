"""Scoring reports in chunks, wherever the chunks run: in this process, in local worker processes,
or on the workers of a Dask cluster (through prefect-dask's task runner).

A chunk carries its reports' ids, texts and the tokens the cache already has; it comes back with
the scores and the tokens it had to segment, which the flow — the warehouse's one writer — stores.
Workers load the champion once per process (by version) and never open the warehouse.
"""
from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

import numpy as np
import polars as pl

from . import registry

_models: dict[tuple[str, str], object] = {}


def model(version: str, path: str):
    """The model of ``version``, loaded once per process."""
    key = (version, path)
    if key not in _models:
        _models.clear()  # one model at a time: a new champion replaces the old one
        _models[key] = registry.load(path)
    return _models[key]


def score_chunk(version: str, path: str, report_ids: list[str], texts: list[str],
                tokens: list[list[str] | None]) -> tuple[pl.DataFrame, list[list[str] | None]]:
    """Scores of a chunk (see ``score_frame``) and the tokens of the texts not cached before."""
    tok = registry.tokenizer()
    fresh = [tok.tokenize(text) if have is None else None for text, have in zip(texts, tokens)]
    docs = [" ".join(have if have is not None else new) for have, new in zip(tokens, fresh)]
    return score_frame(model(version, path), version, report_ids, docs), fresh


def score_frame(model, model_version: str, report_ids: list[str], docs: list[str]) -> pl.DataFrame:
    """Long frame (report × category): probability, flag, and the terms behind each flag."""
    proba = np.asarray(model.predict_proba(docs))
    flags = proba >= np.asarray(model.thresholds_)[None, :]
    flagged_rows = np.flatnonzero(flags.any(axis=1))
    why = dict(zip(flagged_rows, model.explain([docs[i] for i in flagged_rows], top=5))) if len(flagged_rows) else {}
    cats = list(model.classes_)
    n, k = proba.shape
    terms = [why.get(i, {}).get(c) if flags[i, j] else None for i in range(n) for j, c in enumerate(cats)]
    return pl.DataFrame({
        "report_id": np.repeat(report_ids, k), "model_version": [model_version] * (n * k),
        "category": cats * n, "probability": proba.reshape(-1), "flagged": flags.reshape(-1),
        "top_terms": terms}, schema_overrides={"top_terms": pl.List(pl.Utf8)})


Submit = Callable[..., "Future | object"]


def run_chunks(chunks: Iterable[tuple], submit: Submit, result: Callable, ahead: int) -> Iterator[tuple]:
    """Submit ``score_chunk`` argument tuples through ``submit``, keeping ``ahead`` in flight, and
    yield (arguments, outcome) in order — so the caller stores one chunk while others compute."""
    pending: deque = deque()
    for args in chunks:
        pending.append((args, submit(*args)))
        if len(pending) > ahead:
            args0, fut = pending.popleft()
            yield args0, result(fut)
    while pending:
        args0, fut = pending.popleft()
        yield args0, result(fut)


class LocalPool:
    """``workers`` spawned processes that score chunks (spawn, not fork: flows run tasks in
    threads, and a child forked while another thread holds a lock would hang). With one worker,
    chunks are scored in this process."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._pool = None
        if self.workers > 1:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_init_worker, initargs=(dict(os.environ),))

    def submit(self, *args):
        return self._pool.submit(_in_worker, *args) if self._pool else score_chunk(*args)

    @staticmethod
    def result(fut):
        return fut.result() if isinstance(fut, Future) else fut

    def __enter__(self) -> "LocalPool":
        return self

    def __exit__(self, *exc) -> None:
        if self._pool:
            self._pool.shutdown(cancel_futures=True)


def _in_worker(*args):
    return score_chunk(*args)  # looked up in the worker: what is sent is this module function's name


def _init_worker(environ: dict) -> None:
    os.environ.update(environ)  # SHAOBING_HOME and the rest, as the flow sees them
