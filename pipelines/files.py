"""The files flows write — the weekly brief, the board's snapshot, model files — as Prefect tasks
that retry with backoff (a network share or a busy disk may fail once), each written beside its
final name and renamed over it, so a run killed mid-write leaves the old file or the new one.

A full disk or a folder we may not write is not retried: it ends the run with one clear line
(``settings.StorageError``).
"""
from __future__ import annotations

import datetime as dt
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from . import settings, warehouse

RETRIES = 3
BACKOFF = exponential_backoff(backoff_factor=1)  # waits 1, 2, 4 s between the tries
# A task that writes a file: retried with backoff, unless the run was told to stop.
file_task = task(retries=RETRIES, retry_delay_seconds=BACKOFF, cache_policy=NO_CACHE,
                 retry_condition_fn=settings.retry_unless_stopping)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary name beside ``path`` for the block to write; renamed over ``path`` when the block
    ends well, removed when it fails. Temporary files of killed runs are cleared first."""
    warehouse.remove_stale_temps(path)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except Exception as exc:  # xlsxwriter and skops wrap the OSError of a failed write in their own errors
        problem = settings.storage_error(exc, path)
        if problem is None:
            raise
        raise problem from exc
    finally:
        tmp.unlink(missing_ok=True)


@file_task
def write_brief(week: dt.date) -> Path:
    """Write the week's brief from the warehouse (retried with backoff)."""
    from .brief import write_brief as write  # brief writes through atomic_path: imported when used

    with warehouse.open_warehouse(settings.warehouse_path()) as con:
        return write(con, week, settings.briefs_dir())


@file_task
def publish_snapshot() -> Path:
    """Publish the board's snapshot of the warehouse (retried with backoff)."""
    warehouse.publish_snapshot(settings.warehouse_path(), settings.snapshot_path())
    return settings.snapshot_path()


@file_task
def save_model(model, version: str) -> Path:
    """Write a model version's skops file under $SHAOBING_HOME/models (retried with backoff)."""
    import skops.io as sio

    folder = settings.models_dir() / version
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model.skops"
    with atomic_path(path) as tmp:
        sio.dump(model, tmp)
    return path
