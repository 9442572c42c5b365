"""Chunks of work on local worker processes, results in order, a few chunks in flight: scoring
(``pipelines.scoring``) and the validation of big files (``pipelines.ingest``) use it."""
from __future__ import annotations

import importlib
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor


Submit = Callable[..., "Future | object"]


def run_chunks(chunks: Iterable[tuple], submit: Submit, result: Callable, ahead: int) -> Iterator[tuple]:
    """Submit argument tuples through ``submit``, keeping ``ahead`` in flight, and
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
    """``workers`` spawned processes that run ``fn`` on chunks (spawn, not fork: flows run tasks in
    threads, and a child forked while another thread holds a lock would hang). With one worker,
    chunks run in this process. ``fn`` must be a module-level function: the workers import it by
    name (this module imports nothing heavy, so a worker starts in a fraction of a second)."""

    def __init__(self, workers: int, fn: Callable, prepare: tuple[str, tuple] | None = None) -> None:
        """``prepare``: ("module:function", its arguments) that each worker runs as it starts, e.g.
        loading a model, so that it is ready when its first chunk comes (see ``start``). Named, not
        passed: the worker imports it after its environment is set (POLARS_MAX_THREADS below)."""
        self.workers = max(1, workers)
        self.fn = fn
        self._pool = None
        if self.workers > 1:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_init_worker, initargs=(dict(os.environ), prepare))

    def start(self) -> "LocalPool":
        """Start every worker now (they start on the first chunks otherwise), so that they import
        and prepare on the other core while this process still reads what they will work on."""
        if self._pool:
            for _ in range(self.workers):  # a task while no worker is idle starts one more (spawn)
                self._pool.submit(_started)
        return self

    def submit(self, *args):
        return self._pool.submit(self.fn, *args) if self._pool else self.fn(*args)

    @staticmethod
    def result(fut):
        return fut.result() if isinstance(fut, Future) else fut

    def __enter__(self) -> "LocalPool":
        return self

    def __exit__(self, *exc) -> None:
        if self._pool:
            self._pool.shutdown(cancel_futures=True)


def _started() -> None:
    return None


def _init_worker(environ: dict, prepare: tuple[str, tuple] | None = None) -> None:
    os.environ.update(environ)  # SHAOBING_HOME and the rest, as the flow sees them
    # The workers share the cores already, one each: polars (imported after this, with the chunk's
    # function) runs on one thread, instead of a pool per worker as wide as the machine (threads
    # that competed for the same cores and each kept memory of their own).
    os.environ.setdefault("POLARS_MAX_THREADS", "1")
    if prepare is not None:
        name, args = prepare
        module, function = name.split(":")
        try:
            getattr(importlib.import_module(module), function)(*args)
        except Exception:  # noqa: BLE001 - not this worker's end: its first chunk meets the error again
            pass           # and reports it as that chunk's own, as without preparing
