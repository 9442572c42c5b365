"""The ingest flow: read → validate → map to one report schema → mask PII → dedupe → load.

Each file is one batch written in one transaction: all of it or nothing. A file already loaded
(same bytes) is skipped, so loading the same file again changes nothing.
"""
from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import sys
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl
from prefect import flow, task
from prefect.utilities.annotations import quote  # a big argument Prefect should not look into
from prefect.cache_policies import NO_CACHE  # inputs are big frames: hashing them for a cache key costs more than the work

from . import files, settings, warehouse
from .sources import SourceError, detect_channel, other_columns, read_raw
from .pool import LocalPool, run_chunks
from .validate import COMPARED, Checker, column_notes, dedupe, is_records, link_near_duplicates, prepare_rows, slash_order
from .wording import count

PREPARE_CHUNK = 50_000       # rows of a file validated, mapped and masked at a time
PREPARE_PARALLEL = 100_000   # from this many rows, chunks go to SHAOBING_WORKERS processes (below,
                             # starting them costs more than they save)


@dataclass
class BatchResult:
    file: str
    status: str                # loaded | skipped | failed
    message: str
    rows_in: int = 0
    loaded: int = 0
    quarantined: int = 0


# Expected problems with a file come back as SourceError values, not raised: a raised exception
# would make Prefect log a traceback, and users get one clear line instead.
@task(retries=2, retry_delay_seconds=[1, 4], cache_policy=NO_CACHE,
      retry_condition_fn=settings.retry_unless_stopping)
def digest_file(path: str):
    """The file's SHA-256, to skip a file loaded before (retried like reading it)."""
    try:
        return file_digest(Path(path))
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        return SourceError(f"{path}: cannot read the file ({exc.strerror})")


@task(retries=2, retry_delay_seconds=[1, 4], cache_policy=NO_CACHE,
      retry_condition_fn=settings.retry_unless_stopping)
def read_file(path: str):
    """Read one export file into text cells (retried: files may sit on a flaky share)."""
    try:
        return read_raw(Path(path))
    except SourceError as exc:
        return exc


@task(cache_policy=NO_CACHE)
def prepare_batch(raw, areas: pl.DataFrame, batch_id: str, salt: str, now: dt.datetime, release: bool = False):
    """Validate and map one file's rows; returns the reports and the quarantined rows.

    A big file goes in chunks of PREPARE_CHUNK rows over SHAOBING_WORKERS processes: twice as fast
    on two cores, and the per-row Python objects of validation and masking live one chunk at a
    time (a file of 600,000 rows in one piece took more than 4 GB). With ``release`` (the flow's
    own call, which reads the rows no more), each chunk's cells in ``raw.rows`` are replaced by
    None as its reports come back: a 600,000-row export's cells (0.86 GB) and its reports no longer
    sit side by side."""
    if isinstance(raw, quote):  # Prefect unwraps it in a flow run, not when the task is called outside one
        raw = raw.unquote()
    try:
        module, found = detect_channel(raw.header, raw.path)
    except SourceError as exc:
        return exc
    check = Checker(raw.path.name, batch_id, found, module.CHANNEL)
    check.broken(raw)
    raw.notes.extend(column_notes(raw, found, other_columns(raw.header, module, found, records=is_records(raw))))
    tz = settings.get("SHAOBING_TIMEZONE")
    at = raw.header.index(found["received_at"]) if "received_at" in found else None
    slash = slash_order(r[at] for r in raw.rows) if at is not None else None
    starts = range(0, max(len(raw.rows), 1), PREPARE_CHUNK)
    chunks = ((replace(raw, rows=raw.rows[i:i + PREPARE_CHUNK], row_numbers=raw.row_numbers[i:i + PREPARE_CHUNK],
                       sheets=None if raw.sheets is None else raw.sheets[i:i + PREPARE_CHUNK], broken=[], notes=[]), found, module.CHANNEL, areas, batch_id, salt, now, tz, slash) for i in starts)
    parts = []
    workers = settings.get_int("SHAOBING_WORKERS") if len(raw.rows) >= PREPARE_PARALLEL else 1
    with LocalPool(min(workers, len(starts)), prepare_rows) as pool:
        for start, (_, (reports, rejected)) in zip(starts, run_chunks(chunks, pool.submit, pool.result, ahead=pool.workers)):
            if settings.stopping():  # (in ``one_ahead``'s thread, which the signal does not interrupt)
                raise KeyboardInterrupt
            parts.append(reports)
            check.rows.extend(rejected)
            if release:  # the reports and quarantined rows carry the chunk's cells now
                end = min(start + PREPARE_CHUNK, len(raw.rows))
                raw.rows[start:end] = [None] * (end - start)
    return module.CHANNEL, pl.concat(parts, rechunk=True), check


@task(cache_policy=NO_CACHE)
def load_batch(path: str, file_hash: str, channel: str, encoding: str, reports: pl.DataFrame,
               check: Checker, rows_in: int, started: dt.datetime, notes: list[str] = ()) -> BatchResult:
    """Dedupe against the warehouse and store the batch in one transaction."""
    with warehouse.open_warehouse(settings.warehouse_path()) as con:
        done = warehouse.batch_for_file_hash(con, file_hash)
        if done:  # the same file, loaded by another ingest while this one read it
            return BatchResult(path, "skipped", f"already loaded as batch {done[0]} ({done[1]}); nothing changed")
        stored = warehouse.existing_reports(con, reports["report_id"].to_list(), COMPARED)
        fresh = dedupe(reports, stored, check)
        fresh = link_near_duplicates(fresh, warehouse.first_report_by_content(con, fresh["content_hash"].unique().to_list()))
        quarantine = check.frame()
        batch = {"batch_id": check.batch_id, "file_name": str(path), "file_hash": file_hash, "channel": channel,
                 "encoding": encoding, "rows_in": rows_in, "rows_loaded": fresh.height,
                 "rows_quarantined": quarantine.height, "started_at": started, "finished_at": settings.now()}
        if batch["rows_loaded"] + batch["rows_quarantined"] != rows_in:
            raise RuntimeError(f"{path}: {rows_in} rows in but {fresh.height} loaded + {quarantine.height} quarantined")
        warehouse.write_batch(con, batch, fresh, quarantine)
    return BatchResult(str(path), "loaded", "; ".join([f"{channel}, {encoding}", *notes]), rows_in, fresh.height,
                       quarantine.height)


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def guarded(path: str, step, *args):
    """One step of one file, whatever happens: an unexpected failure is reported for this file (its
    batch was never written, so nothing partial stays) and the next files still load."""
    try:
        return step(*args)
    except Exception as exc:  # noqa: BLE001 - one clear line per file, the traceback in the log
        if settings.stopping():  # told to stop: not this file's failure, and no next file
            raise
        problem = settings.storage_error(exc)
        if problem:  # a full disk or a folder we may not write: the next files would fail alike
            raise problem from exc
        log = settings.logs_dir() / "ingest-errors.log"
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"--- {settings.now():%Y-%m-%d %H:%M:%S} {path}\n{traceback.format_exc()}")
        return BatchResult(path, "failed", f"{path}: not loaded, unexpected error ({exc.__class__.__name__}: {exc}); "
                                           f"nothing of this file was stored; details in {log}")


@dataclass
class Prepared:
    """A file read, validated and masked, waiting for its turn to be stored (``_store``)."""
    path: str
    digest: str
    channel: str
    encoding: str
    reports: pl.DataFrame
    check: Checker
    rows_in: int
    started: dt.datetime
    notes: list[str]


def _prepare(path: str, areas: pl.DataFrame, salt: str) -> Prepared | BatchResult:
    started = settings.now()
    digest = digest_file(path)
    if isinstance(digest, SourceError):
        return BatchResult(path, "failed", str(digest))
    with warehouse.open_warehouse(settings.warehouse_path()) as con:
        done = warehouse.batch_for_file_hash(con, digest)
    if done:
        return BatchResult(path, "skipped", f"already loaded as batch {done[0]} ({done[1]}); nothing changed")
    batch_id = f"B{started:%Y%m%d%H%M%S%f}-{digest[:8]}"
    print(f"{path}: reading …", file=sys.stderr, flush=True)
    raw = read_file(path)
    if not isinstance(raw, SourceError):
        unsplit = f", {count(len(raw.broken), 'line')} not readable as a row (to the quarantine)" if raw.broken else ""
        print(f"{path}: {count(len(raw.rows), 'row')} read{unsplit} ({raw.encoding}); validating, masking …",
              file=sys.stderr, flush=True)
    # quote(): Prefect would otherwise walk every cell of the file's rows (a minute at 600,000 rows)
    prepared = raw if isinstance(raw, SourceError) else prepare_batch(quote(raw), areas, batch_id, salt, started, release=True)
    if isinstance(prepared, SourceError):
        return BatchResult(path, "failed", str(prepared))
    channel, reports, check = prepared
    rows_in, encoding = len(raw.rows) + len(raw.broken), raw.encoding
    raw.rows.clear()  # the reports and the quarantine carry every row now (prepare let most cells go already)
    notes = raw.notes + (["the file has its header but no rows under it"] if not rows_in else [])
    return Prepared(path, digest, channel, encoding, reports, check, rows_in, started, notes)


def _store(p: Prepared) -> BatchResult:
    print(f"{p.path}: loading …", file=sys.stderr, flush=True)
    return load_batch(p.path, p.digest, p.channel, p.encoding, p.reports, p.check, p.rows_in, p.started, p.notes)


def one_ahead(items: list, make, use) -> Iterator:
    """``use(make(item))`` for each item in order, ``make`` of the next item running in a thread
    meanwhile (one ahead, no more: two prepared files never wait side by side). Ingest stores a
    file in this process, mostly in DuckDB, while the workers validate the next one: storing left
    a core idle, a fifth of a million-report ingest. The thread carries the flow's context, so its
    tasks are the flow's; it is a daemon and stops between chunks once the run is told to stop, so
    that an interrupted run does not wait for it."""
    if not items:
        return
    box: dict = {}

    def start(item) -> threading.Thread:
        def run():
            try:
                box["value"] = make(item)
            except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
                box["error"] = exc
        thread = threading.Thread(target=contextvars.copy_context().run, args=(run,), name="ingest-ahead", daemon=True)
        thread.start()
        return thread

    thread = start(items[0])
    for i in range(len(items)):
        thread.join()
        if "error" in box:
            raise box.pop("error")
        made = box.pop("value")
        if i + 1 < len(items):
            thread = start(items[i + 1])
        yield use(made)


@flow(name="ingest", log_prints=False)
def ingest_flow(paths: list[str]) -> list[BatchResult]:
    """Load export files into the warehouse, one batch per file, and publish the board's snapshot."""
    with warehouse.open_warehouse(settings.warehouse_path()) as con:
        areas = warehouse.areas(con)
    if areas.is_empty():
        print("warning: no areas loaded yet, so reports get no area_code; run `shaobing areas import FILE` "
              "(it also places the reports loaded before it)", file=sys.stderr, flush=True)
    salt = settings.salt()
    results = list(one_ahead(paths, lambda p: guarded(p, _prepare, p, areas, salt),
                             lambda made: guarded(made.path, _store, made) if isinstance(made, Prepared) else made))
    files.publish_snapshot()
    return results
