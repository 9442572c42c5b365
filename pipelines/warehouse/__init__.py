"""The one door to the database: schema, connections and every SQL statement (parameters bound).

DuckDB allows one writing process per file, and no reader in another process while it writes.
So flows write ``warehouse.duckdb`` and, when they finish, publish a copy (``board.duckdb``) that the
board opens read-only: the board never blocks a flow and a flow never breaks the board.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb
import polars as pl

from models.alerts import CLOSED_STATUSES, OPEN_STATUSES

from ..settings import StorageError, duckdb_memory, get_int, process_alive, storage_error

SCHEMA = """
create table if not exists areas (
    area_code varchar primary key, name varchar not null, level integer not null,
    parent_code varchar, lat double, lon double);
create table if not exists batches (
    batch_id varchar primary key, file_name varchar not null, file_hash varchar not null,
    channel varchar, encoding varchar, rows_in integer not null, rows_loaded integer not null,
    rows_quarantined integer not null, started_at timestamp not null, finished_at timestamp);
create table if not exists reports (
    report_id varchar primary key, channel varchar not null, source_id varchar not null,
    received_at timestamp not null, area_code varchar, address varchar, title varchar,
    text varchar not null, subject varchar, people_count integer, reporter_key varchar,
    source_category varchar, content_hash varchar not null, near_duplicate_of varchar,
    row_hash varchar not null, batch_id varchar not null, ingested_at timestamp not null,
    given_grid varchar, given_county varchar, given_town varchar, given_village varchar);
create table if not exists quarantine (
    batch_id varchar not null, file_name varchar not null, row_number integer, "column" varchar,
    kind varchar not null, reason varchar not null, raw varchar);
-- a report's tokens, space-joined (the document the classifier reads), under the sha1 of its title
-- and text and the tokenizer's version. No primary key: the scoring run stores each key once
-- (registry.keep_tokens); an index over a million keys cost more than writing the rows.
create table if not exists token_cache (
    content_hash varchar not null, tokenizer varchar not null, tokens varchar not null);
-- the places and organisations a flagged report names and its escalation words, found once
-- (features.entities.names_and_escalation) under the key of the gazetteer and the code that found
-- them (mentions_key): a weekly run finds those of its new reports, not of the 29 weeks it looks back
-- on. No primary key, as token_cache: the one writer stores each report once per key.
create table if not exists report_mentions (
    report_id varchar not null, mention_key varchar not null, names varchar[] not null,
    escalation varchar[] not null);
create table if not exists labels (
    report_id varchar not null, labels varchar[] not null, source varchar not null,
    labelled_by varchar, labelled_at timestamp not null);
create table if not exists model_versions (
    version varchar primary key, created_at timestamp not null, path varchar not null,
    train_hash varchar not null, train_rows integer not null, params json, metrics json,
    code_version varchar, status varchar not null);
-- No primary key: a report is scored only while it has no score of this model (unscored_reports),
-- by the one process that holds the warehouse. An index over five rows a report tripled the cost
-- of storing them (65 of the 122 s of scoring a million reports).
create table if not exists report_scores (
    report_id varchar not null, model_version varchar not null, category varchar not null,
    probability double not null, flagged boolean not null, top_terms varchar[]);
create table if not exists score_marks (
    model_version varchar not null, batch_id varchar not null, marked_at timestamp not null,
    primary key (model_version, batch_id));
create table if not exists weekly_counts (
    week date not null, area_code varchar not null, category varchar not null,
    model_version varchar not null, n integer not null,
    primary key (week, area_code, category, model_version));
create table if not exists signals (
    signal_id varchar primary key, week date not null, area_code varchar, category varchar not null,
    detector varchar not null, observed double not null, expected double, upper double,
    score double not null, model_version varchar not null, place varchar, weeks integer);
create table if not exists alerts (
    alert_id varchar primary key, area_code varchar, category varchar not null,
    first_week date not null, last_week date not null, status varchar not null,
    score double not null, observed double, expected double, explanation varchar,
    created_at timestamp not null, updated_at timestamp not null, place varchar, rank double);
create table if not exists alert_reports (
    alert_id varchar not null, report_id varchar not null, week date not null,
    primary key (alert_id, report_id));
create table if not exists weekly_runs (
    week date not null, model_version varchar not null, ran_at timestamp not null,
    signals integer not null, new_alerts integer not null, primary key (week, model_version));
-- columns added since the first release: warehouses made before them gain them here
alter table signals add column if not exists place varchar;
alter table signals add column if not exists weeks integer;
alter table alerts add column if not exists place varchar;
alter table alerts add column if not exists rank double;
alter table quarantine add column if not exists report_id varchar;
alter table reports add column if not exists given_grid varchar;
alter table reports add column if not exists given_county varchar;
alter table reports add column if not exists given_town varchar;
alter table reports add column if not exists given_village varchar;
alter table reports add column if not exists extra varchar;
"""


def frame(con, query: str, params: list) -> pl.DataFrame:
    """The rows of a query with parameters, as a frame. ``con.sql(query, params=…).pl()`` gives the
    same frame but, with parameters, DuckDB 1.x first materialises the result and then converts that
    copy: 6.5 s instead of 0.7 s for the texts of a million reports. (``execute(…).pl()`` is there
    up to DuckDB 1.x, which pyproject pins.)"""
    return con.execute(query, params).pl()


@contextmanager
def registered(con, **frames: pl.DataFrame) -> Iterator[None]:
    """Expose frames to the SQL inside the block under these names (DuckDB scans them in place)."""
    for name, frame in frames.items():
        con.register(name, frame)
    try:
        yield
    finally:
        for name in frames:
            con.unregister(name)


class NoWarehouse(FileNotFoundError):
    """Reading a warehouse that was never made: one line for the user (the CLI prints it)."""


def connect(path: Path | str, read_only: bool = False, wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, waiting (with backoff, up to ``wait`` seconds: SHAOBING_LOCK_WAIT) while
    another process holds its lock — a flow holds it for minutes, and DuckDB lets one process in at
    a time. Saying so once it has waited a few seconds, and giving up with one line (a StorageError)."""
    path = Path(path)
    if read_only and not path.exists():
        raise NoWarehouse(f"no warehouse at {path}: run `shaobing ingest` first")
    wait = get_int("SHAOBING_LOCK_WAIT") if wait is None else wait
    memory = duckdb_memory()
    start, delay, told = time.monotonic(), 0.05, False
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only, config={"memory_limit": memory})
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            held = re.search(r"held in (.+?) \(PID (\d+)\)", str(exc))
            holder = f" ({held.group(1).rsplit('/', 1)[-1]}, PID {held.group(2)})" if held else ""
            waited = time.monotonic() - start
            if waited >= wait:
                raise StorageError(f"the warehouse {path} is in use by another process{holder}; waited {waited:.0f} s:"
                                   " run this again when it has finished (SHAOBING_LOCK_WAIT sets the wait)") from None
            if not told and waited >= 2:
                print(f"waiting for the warehouse: another process{holder} is using it …", file=sys.stderr, flush=True)
                told = True
            time.sleep(min(delay, max(wait - waited, 0.01)))
            delay = min(delay * 2, 1.0)
    if not read_only:
        _drop_list_token_cache(con)
        con.execute(SCHEMA)
    return con


def _drop_list_token_cache(con) -> None:
    """Warehouses made before the tokens were kept as one string held them as a list: that cache is
    of an older tokenizer version anyway (nothing would read it), so it is dropped and made anew."""
    old = con.sql("""select 1 from information_schema.columns where table_name = 'token_cache'
                     and column_name = 'tokens' and data_type like '%[]'""").fetchone()
    if old:
        con.execute("drop table token_cache")


@contextmanager
def open_warehouse(path: Path | str, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection for the block. A full disk or a file we may not write ends the run with one
    clear line (settings.StorageError); DuckDB has rolled back what the failed statement began."""
    try:
        con = connect(path, read_only=read_only)
        try:
            yield con
        finally:
            con.close()
    except duckdb.OutOfMemoryException as exc:
        raise StorageError(f"{path}: DuckDB needed more memory than SHAOBING_DUCKDB_MEMORY={duckdb_memory()} allows "
                           f"({str(exc).splitlines()[0]}); raise it (e.g. 4GB) and run this again") from exc
    except (duckdb.Error, OSError) as exc:
        problem = storage_error(exc, path)
        if problem is None:
            raise
        raise problem from exc


@contextmanager
def transaction(con) -> Iterator[None]:
    """All of the block or none of it. DuckDB ends the transaction itself when a commit fails (a
    full disk): rolling back then would raise anew and hide that first error."""
    con.execute("begin transaction")
    try:
        yield
        con.execute("commit")
    except BaseException:
        try:
            con.execute("rollback")
        except duckdb.TransactionException:
            pass  # no transaction is active any more
        raise


def publish_snapshot(warehouse: Path, snapshot: Path) -> None:
    """Copy the checkpointed warehouse beside the snapshot and rename it over the snapshot: the board
    sees the old file or the new one, never half of one, and a run killed while copying leaves only
    a temporary file, removed by the next publication.

    The copy is made while holding a connection, that is DuckDB's write lock: another flow that
    starts meanwhile waits instead of writing into a half-copied file.
    """
    tmp = snapshot.with_name(f"{snapshot.name}.{os.getpid()}.tmp")
    try:
        with open_warehouse(warehouse) as con:
            remove_stale_temps(snapshot)
            con.execute("checkpoint")
            _copy(warehouse, tmp, snapshot)
        os.replace(tmp, snapshot)
    finally:
        tmp.unlink(missing_ok=True)


def _copy(source: Path, tmp: Path, target: Path) -> None:
    """Copy ``source`` to ``tmp`` and flush it to disk; a full disk is reported for ``target``."""
    try:
        shutil.copyfile(source, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
    except OSError as exc:
        problem = storage_error(exc, target)
        if problem is None:
            raise
        raise problem from exc


def remove_stale_temps(path: Path) -> None:
    """Delete ``<name>.<pid>.tmp`` files beside ``path`` left by processes that are gone (killed
    while writing); a live writer's file stays."""
    for tmp in path.parent.glob(f"{path.name}.*.tmp"):
        pid = tmp.name[len(path.name) + 1:-len(".tmp")]
        if pid.isdigit() and not process_alive(int(pid)):
            tmp.unlink(missing_ok=True)


# ---------------------------------------------------------------- areas
def upsert_areas(con, areas: pl.DataFrame) -> int:
    with registered(con, new_areas=areas):
        con.execute("insert or replace into areas select area_code, name, level, parent_code, lat, lon from new_areas")
    return areas.height


def areas(con) -> pl.DataFrame:
    return con.sql("select * from areas order by area_code").pl()


def unplaced_reports(con) -> pl.DataFrame:
    """Reports without an area (loaded before the gazetteer knew their place, or of another
    county), with what may place them: the place columns as given, the address, title and text."""
    return con.sql(f"select report_id, {', '.join(GIVEN_PLACE_COLUMNS)}, address, title, text "
                   "from reports where area_code is null").pl()


def import_areas(con, gazetteer: pl.DataFrame, place) -> tuple[int, int, int]:
    """Store a gazetteer (codes already stored are replaced) and give the reports without an area
    the areas ``place(unplaced reports, all areas)`` finds for them, in one transaction: an import
    that fails or is killed leaves the warehouse as it was. ``place`` gives each unplaced report's
    area_code (null if none) and whether its county column names a county the gazetteer does not
    hold (outside). Returns (reports without an area, reports placed, reports of other counties);
    weekly counts pick the placed ones up on the next run."""
    with transaction(con):
        upsert_areas(con, gazetteer)
        unplaced = unplaced_reports(con)
        if not unplaced.height:
            return 0, 0, 0
        found = place(unplaced, areas(con))
        placed = found.drop_nulls("area_code").select("report_id", "area_code")
        with registered(con, placed=placed):
            con.execute("update reports set area_code = placed.area_code from placed "
                        "where reports.report_id = placed.report_id and reports.area_code is null")
        if placed.height:  # the counts of the weeks these reports fall in change: recount everything next run
            con.execute("delete from weekly_counts")
    return unplaced.height, placed.height, int(found["outside"].sum())


# ---------------------------------------------------------------- batches, reports, quarantine
def batch_for_file_hash(con, file_hash: str) -> tuple | None:
    return con.sql("select batch_id, file_name, finished_at from batches where file_hash = ? and finished_at is not null",
                   params=[file_hash]).fetchone()


def existing_reports(con, report_ids: list[str], columns: tuple[str, ...] = ()) -> pl.DataFrame:
    """report_id, row_hash, the batch (id and file) that loaded it and its ``columns`` (those a second
    delivery is compared by, ``validate.COMPARED``), of those of the given ids already stored, once per id (a file may carry an id several times: joined as given, a stored
    id came back once per copy, and its copies were quarantined more than once)."""
    ids = pl.DataFrame({"report_id": report_ids}, schema={"report_id": pl.Utf8}).unique()
    with registered(con, ids=ids):
        out = con.sql(f"""select r.report_id, r.row_hash, r.batch_id, b.file_name
                                 {''.join(f', r.{c}' for c in columns)}
                          from reports r join ids using (report_id) left join batches b using (batch_id)""").pl()
    return out


def first_report_by_content(con, hashes: list[str]) -> pl.DataFrame:
    """For each content hash already stored, the earliest report carrying it."""
    h = pl.DataFrame({"content_hash": hashes}, schema={"content_hash": pl.Utf8})
    with registered(con, h=h):
        out = con.sql("""select content_hash, arg_min(report_id, received_at) as first_report
                         from reports join h using (content_hash) group by content_hash""").pl()
    return out


GIVEN_PLACE_COLUMNS = ("given_grid", "given_county", "given_town", "given_village")
REPORT_COLUMNS = ["report_id", "channel", "source_id", "received_at", "area_code", "address", "title", "text",
                  "subject", "people_count", "reporter_key", "source_category", "content_hash",
                  "near_duplicate_of", "row_hash", "batch_id", "ingested_at",
                  # the place columns as the file gave them (grid code, county, town, village): an
                  # ``areas import`` places the reports left without an area by them (areas.place)
                  *GIVEN_PLACE_COLUMNS,
                  # the row's filled cells of columns no field reads (备注, 办理状态 …), masked, as JSON
                  "extra"]
QUARANTINE_COLUMNS = ["batch_id", "file_name", "row_number", "column", "kind", "reason", "raw", "report_id"]

# What became of a quarantined row ``q`` (of batch ``qb``; ``quarantine_state``), from the report
# stored under its id (``later``, written by batch ``lb``): ``loaded`` where a batch written after
# the row's loaded it — the row was mended and ingested again —; ``stored`` where the record is
# stored otherwise (a second delivery of it, or the same file's or an earlier batch's good copy of
# the id); ``not_report`` for a totals or sign-off line; else ``open``: still to mend. A conflict (an
# id stored with other content) stays open whatever is stored: which version is right is for a
# person to say. Batches are ordered by when they were written (finished_at, set inside the write),
# not begun: two ingests may read at once. Rows quarantined by versions before report_id was kept
# have none and stay open.
def quarantine_state(con) -> str:
    """The FROM clause of quarantined rows ``q`` with what ``QUARANTINE_STATE_COLUMN`` needs. A
    warehouse or snapshot written before quarantine kept report ids (opened read-only, so not yet
    given the column) reads as having none."""
    source = "quarantine" if "report_id" in con.table("quarantine").columns else \
        "(select *, null::varchar as report_id from quarantine)"
    return f"""
    from {source} q left join batches qb on qb.batch_id = q.batch_id
    left join reports later on later.report_id = q.report_id
    left join batches lb on lb.batch_id = later.batch_id"""


QUARANTINE_STATE_COLUMN = """case when q.kind = 'duplicate' then 'stored' when q.kind = 'footer' then 'not_report'
    when q.kind = 'conflict' or later.batch_id is null then 'open'
    when later.batch_id <> q.batch_id and lb.finished_at > qb.finished_at then 'loaded' else 'stored' end"""


def write_batch(con, batch: dict, reports: pl.DataFrame, quarantine: pl.DataFrame) -> None:
    """Store one file's outcome in one transaction: all of it or nothing."""
    with transaction(con):
        if reports.height:
            columns = ", ".join(REPORT_COLUMNS)
            with registered(con, new_reports=reports.select(REPORT_COLUMNS)):
                con.execute(f"insert into reports ({columns}) select {columns} from new_reports")
        if quarantine.height:
            columns = ", ".join(f'"{c}"' for c in QUARANTINE_COLUMNS)
            with registered(con, new_q=quarantine.select(QUARANTINE_COLUMNS)):
                con.execute(f"insert into quarantine ({columns}) select {columns} from new_q")
        con.execute(
            "insert into batches values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [batch["batch_id"], batch["file_name"], batch["file_hash"], batch["channel"], batch["encoding"],
             batch["rows_in"], batch["rows_loaded"], batch["rows_quarantined"], batch["started_at"], batch["finished_at"]],
        )


def batches(con) -> pl.DataFrame:
    return con.sql("select * from batches order by started_at desc").pl()


# ---------------------------------------------------------------- tokens
def cached_keys(con, hashes: list[str], tokenizer: str) -> set[str]:
    """Which of these cache keys the token cache holds (keys only: one scan of the cache's keys)."""
    h = pl.DataFrame({"content_hash": hashes}, schema={"content_hash": pl.Utf8}).unique()
    with registered(con, h=h):
        return {r[0] for r in con.sql("select content_hash from token_cache join h using (content_hash) "
                                      "where tokenizer = ?", params=[tokenizer]).fetchall()}


def cached_tokens(con, hashes: list[str], tokenizer: str) -> pl.DataFrame:
    h = pl.DataFrame({"content_hash": hashes}, schema={"content_hash": pl.Utf8}).unique()
    with registered(con, h=h):
        out = frame(con, "select content_hash, tokens from token_cache join h using (content_hash) where tokenizer = ?",
            [tokenizer])
    return out


def store_tokens(con, tokens: pl.DataFrame, tokenizer: str) -> None:
    """Add (content_hash, space-joined tokens) rows the cache does not hold (the caller knows which)."""
    if not tokens.height:
        return
    with registered(con, t=tokens.select("content_hash", "tokens")):
        con.execute("insert into token_cache select content_hash, ?, tokens from t", [tokenizer])


def prune_tokens(con, keep: list[str]) -> int:
    """Let go of the token cache's documents of other tokenizer versions than ``keep`` (a gazetteer,
    an engine or a dictionary since replaced: each kept a copy of every document). Returns how
    many rows went."""
    return con.execute("delete from token_cache where not list_contains(?::varchar[], tokenizer)",
                       [list(keep)]).fetchone()[0]


# ---------------------------------------------------------------- labels and training data
def labelled_reports(con) -> pl.DataFrame:
    """Reports with their latest explicit label (labels table) and their export's category."""
    return con.sql("""
        select r.report_id, r.title, r.text, r.content_hash, r.source_category, r.received_at,
               l.labels as labels
        from reports r
        left join (select report_id, arg_max(labels, labelled_at) as labels from labels group by report_id) l
          using (report_id)
        order by r.report_id""").pl()


def latest_labels(con) -> pl.DataFrame:
    """Every report (by time received) with its export's category and its latest explicit label:
    labels, source, labelled_by, labelled_at (nulls where it has none)."""
    return con.sql("""
        select r.report_id, r.channel, r.received_at, r.title, r.text, r.source_category,
               l.labels, l.source, l.labelled_by, l.labelled_at
        from reports r left join (
            select report_id, arg_max(labels, labelled_at) as labels, arg_max(source, labelled_at) as source,
                   arg_max(labelled_by, labelled_at) as labelled_by, max(labelled_at) as labelled_at
            from labels group by report_id) l using (report_id)
        order by r.received_at, r.report_id""").pl()


def insert_labels(con, labels: pl.DataFrame) -> int:
    with registered(con, l=labels.select("report_id", "labels", "source", "labelled_by", "labelled_at")):
        con.execute("insert into labels select report_id, labels, source, labelled_by, labelled_at from l")
    return labels.height


def report_ids_matching(con, numbers: list[str]) -> dict[str, list[str]]:
    """For each number, the stored reports it names: ours (hotline:GD…) or the source system's
    (GD…), in any case, as the board finds them. A source number two channels share names both."""
    h = pl.DataFrame({"number": list(dict.fromkeys(numbers))}, schema={"number": pl.Utf8})
    with registered(con, h=h):
        # two equi-joins (hash joins), not one join on an "or" (a nested loop over every report)
        rows = con.sql("""select number, report_id from (
                              select h.number, r.report_id from h join reports r on lower(r.report_id) = lower(h.number)
                              union
                              select h.number, r.report_id from h join reports r on lower(r.source_id) = lower(h.number))
                          order by number, lower(report_id) = lower(number) desc, report_id""").fetchall()
    out: dict[str, list[str]] = {}
    for number, report_id in rows:
        out.setdefault(number, []).append(report_id)
    # our own id names one report, whatever else shares its source number; of stored ids that differ
    # only in case the one whose source number is written as given, else all of them (the caller
    # refuses a number that names several)
    result = {}
    for n, ids in out.items():
        own = [i for i in ids if i.lower() == n.lower()]
        exact = [i for i in own if i.partition(":")[2] == n.partition(":")[2]]   # (the channel in any case)
        result[n] = exact or own or ids
    return result


def report_ids_by_text(con, texts: list[str]) -> pl.DataFrame:
    """Stored reports whose masked text equals one of these texts."""
    t = pl.DataFrame({"text": texts}, schema={"text": pl.Utf8})
    with registered(con, t=t):
        out = con.sql("select distinct text, report_id from reports join t using (text)").pl()
    return out


# ---------------------------------------------------------------- model versions
def add_model_version(con, row: dict) -> None:
    con.execute("insert into model_versions values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [row["version"], row["created_at"], row["path"], row["train_hash"], row["train_rows"],
                 row["params"], row["metrics"], row["code_version"], row["status"]])


def set_champion(con, version: str) -> None:
    with transaction(con):
        con.execute("update model_versions set status = 'retired' where status = 'champion'")
        con.execute("update model_versions set status = 'champion' where version = ?", [version])


def champion(con) -> dict | None:
    rel = con.sql("select * from model_versions where status = 'champion'")
    row = rel.fetchone()
    return dict(zip(rel.columns, row)) if row else None


def model_versions(con) -> pl.DataFrame:
    return con.sql("select * from model_versions order by created_at desc").pl()


# ---------------------------------------------------------------- scoring
# A report's title and text as the one string it is segmented from and its tokens are cached
# under (by its SHA-1): registry.document_texts builds the same string in polars.
DOCUMENT_SQL = "(coalesce(r.title, '') || '。' || r.text)"


def unscored_reports(con, model_version: str, through, documents: bool = False) -> pl.DataFrame:
    """Reports received before ``through`` that ``model_version`` has not scored yet.

    Only batches not yet wholly scored by this model are looked at (``score_marks``), so a weekly
    run reads the new batches, not the history; a new model has no marks and reads everything.
    With ``documents``, each report's title and text as the one string the token cache keys
    (``doc_text``) and that key (``doc_key``), instead of title, text and content hash: DuckDB
    joins and hashes them on its own threads (``registry.document_texts`` does the same in Python;
    at a million reports that took 4 s of the flow before its workers had their first chunk).
    """
    columns = (f"{DOCUMENT_SQL} as doc_text, sha1({DOCUMENT_SQL}) as doc_key" if documents else
               "r.title, r.text, r.content_hash")
    open_batches = _open_batches(con, model_version)
    if not open_batches:
        schema = {"doc_text": pl.String, "doc_key": pl.String} if documents else \
            {"title": pl.String, "text": pl.String, "content_hash": pl.String}
        return pl.DataFrame(schema={"report_id": pl.String, **schema, "received_at": pl.Datetime("us")})
    keys = ", ".join("?" * len(open_batches))  # a constant list: DuckDB filters the scan with it
    return frame(con, f"""
        select r.report_id, {columns}, r.received_at from reports r
        where r.batch_id in ({keys}) and r.received_at < ? and not exists (
            select 1 from report_scores s where s.report_id = r.report_id and s.model_version = ?)
        order by r.report_id""", [*open_batches, through, model_version])


def _open_batches(con, model_version: str) -> list[str]:
    """Batches that ``model_version`` has not wholly scored yet (no score mark)."""
    return [r[0] for r in con.sql("""select batch_id from batches b where not exists (
        select 1 from score_marks m where m.batch_id = b.batch_id and m.model_version = ?)""",
                                  params=[model_version]).fetchall()]


def unscored_at_most(con, model_version: str, through) -> int:
    """An upper bound of ``unscored_reports``' rows, known before reading them: the reports of the
    open batches received before ``through`` (some of them may be scored already)."""
    open_batches = _open_batches(con, model_version)
    if not open_batches:
        return 0
    keys = ", ".join("?" * len(open_batches))
    return con.sql(f"select count(*) from reports where batch_id in ({keys}) and received_at < ?",
                   params=[*open_batches, through]).fetchone()[0]


def mark_scored_batches(con, model_version: str, through, now) -> int:
    """Record the batches whose every report ``model_version`` has scored (none received on or
    after ``through`` is left), so that later runs skip them. Returns how many were marked."""
    return con.execute("""
        insert or ignore into score_marks
        select ?, b.batch_id, ? from batches b
        where not exists (select 1 from score_marks m where m.batch_id = b.batch_id and m.model_version = ?)
          and not exists (select 1 from reports r where r.batch_id = b.batch_id and r.received_at >= ?)""",
                       [model_version, now, model_version, through]).fetchone()[0]


def store_scores(con, scores: pl.DataFrame) -> None:
    """Add the scores of reports this model has not scored (``unscored_reports``): a plain insert."""
    if not scores.height:
        return
    with registered(con, s=scores.select("report_id", "model_version", "category", "probability", "flagged", "top_terms")):
        con.execute("insert into report_scores select * from s")


# ---------------------------------------------------------------- weekly counts and detection
def refresh_weekly_counts(con, model_version: str, through, weeks: list | None = None) -> None:
    """Counts of flagged reports per week × area (village and each ancestor) × category.

    ``weeks`` (Mondays): recount only these, the weeks of the reports just scored, so a weekly run
    costs what its new reports cost. Everything is recounted when ``weeks`` is None or this model
    has no counts yet (a new model, or an areas import that placed old reports).
    """
    if weeks is not None and not con.sql("select 1 from weekly_counts where model_version = ? limit 1",
                                         params=[model_version]).fetchall():
        weeks = None
    if weeks is not None:  # a run killed after storing some scores left their batches unmarked: their weeks too
        weeks = sorted(set(weeks) | set(_unmarked_weeks(con, model_version, through)))
    if weeks is not None and not weeks:
        return
    since = min(weeks) if weeks else None
    only = [] if weeks is None else weeks
    # the received_at bound lets the scans skip old row groups; the week list says which weeks exactly
    chosen = """(?::timestamp is null or r.received_at >= ?::timestamp)
                and (len(?::date[]) = 0 or list_contains(?::date[], date_trunc('week', r.received_at)::date))"""
    with transaction(con):
        con.execute("""delete from weekly_counts where model_version = ?
                       and (len(?::date[]) = 0 or list_contains(?::date[], week))""", [model_version, only, only])
        con.execute(f"""
            insert into weekly_counts
            with recursive lineage(report_id, area_code) as (
                select r.report_id, r.area_code from reports r where r.area_code is not null and {chosen}
                union all
                select l.report_id, a.parent_code from lineage l join areas a on a.area_code = l.area_code
                where a.parent_code is not null)
            select date_trunc('week', r.received_at)::date as week, l.area_code, s.category, s.model_version,
                   count(*)::integer as n
            from report_scores s join reports r using (report_id) join lineage l using (report_id)
            where s.model_version = ? and s.flagged and r.received_at < ? and {chosen}
            group by all""", [since, since, only, only, model_version, through, since, since, only, only])


def _unmarked_weeks(con, model_version: str, through) -> list:
    """Weeks of the reports in batches this model has not marked as wholly scored."""
    return [r[0] for r in con.sql("""
        select distinct date_trunc('week', r.received_at)::date from reports r
        where r.received_at < ? and r.batch_id in (select b.batch_id from batches b where not exists (
            select 1 from score_marks m where m.batch_id = b.batch_id and m.model_version = ?))""",
                                  params=[through, model_version]).fetchall()]


def weekly_counts(con, model_version: str) -> pl.DataFrame:
    return frame(con, """select week, area_code, category, n from weekly_counts where model_version = ?
                      order by area_code, category, week""", [model_version])


def last_done_week(con):
    """The last week detection ran for, by any model: a new champion scores history again but
    does not rewrite the alerts of weeks already reviewed (replays are the backtest's job)."""
    return con.sql("select max(week) from weekly_runs").fetchall()[0][0]


def report_week_span(con) -> tuple:
    return con.sql("select min(date_trunc('week', received_at))::date, max(received_at) from reports").fetchone()


def reports_received(con, start, end) -> int:
    """How many reports were received in [start, end)."""
    return con.sql("select count(*) from reports where received_at >= ? and received_at < ?",
                   params=[start, end]).fetchone()[0]


def flagged_reports_for(con, model_version: str, week, area_code: str, category: str) -> list[str]:
    """Flagged reports of one week in an area or any of its descendants."""
    return [r[0] for r in con.sql("""
        with recursive sub(area_code) as (
            select ?::varchar union all select a.area_code from areas a join sub on a.parent_code = sub.area_code)
        select s.report_id from report_scores s join reports r using (report_id)
        where s.model_version = ? and s.category = ? and s.flagged
          and date_trunc('week', r.received_at)::date = ? and r.area_code in (select area_code from sub)
        order by s.probability desc""", params=[area_code, model_version, category, week]).fetchall()]


def open_alerts(con) -> pl.DataFrame:
    return frame(con, "select * from alerts where status in (select unnest(?))", [list(OPEN_STATUSES)])


def expire_quiet_alerts(con, before) -> None:
    """`new` alerts nobody reviewed whose last signal came before `before` lapse to `expired`."""
    con.execute("update alerts set status = 'expired', updated_at = now() where status = 'new' and last_week < ?",
                [before])


def store_week(con, week, model_version: str, signals: pl.DataFrame, alerts: pl.DataFrame,
               alert_reports: pl.DataFrame, new_alerts: int) -> None:
    """One week's detection outcome, all at once: a run stopped half-way resumes after the last
    week stored (``last_done_week``)."""
    with transaction(con):
        if signals.height:
            with registered(con, sig=signals):
                con.execute("insert or replace into signals by name select * from sig")
        if alerts.height:
            with registered(con, al=alerts):
                con.execute("insert or replace into alerts by name select * from al")
        if alert_reports.height:
            with registered(con, ar=alert_reports):
                con.execute("insert or ignore into alert_reports by name select * from ar")
        con.execute("insert or replace into weekly_runs values (?, ?, now(), ?, ?)",
                    [week, model_version, signals.height, new_alerts])


def week_alerts(con, week) -> pl.DataFrame:
    """Alerts alive in a week, for the brief."""
    return frame(con, """
        select a.alert_id, a.area_code, ar.name as area_name, a.place, a.category, a.first_week, a.last_week,
               a.status, a.score, a.rank, a.observed, a.expected, a.explanation,
               (select count(*) from alert_reports x where x.alert_id = a.alert_id) as reports,
               (select count(*) from alert_reports x where x.alert_id = a.alert_id and x.week = ?) as reports_this_week
        from alerts a left join areas ar using (area_code)
        where a.last_week = ? order by a.rank desc nulls last, a.score desc""", [week, week])


def summary(con) -> dict:
    one = lambda q: con.sql(q).fetchall()[0][0]  # noqa: E731
    return {
        "reports": one("select count(*) from reports"),
        "quarantined": one("select count(*) from quarantine"),
        "quarantine_open": one(f"select count(*) {quarantine_state(con)} where {QUARANTINE_STATE_COLUMN} = 'open'"),
        "rows_in": one("select coalesce(sum(rows_in), 0) from batches"),
        "alerts": one("select count(*) from alerts"),
        "open_alerts": one("select count(*) from alerts where status in ('new', 'reviewing', 'confirmed', 'dispatched')"),
    }


def flagged_with_lineage(con, model_version: str, through, since=None) -> pl.DataFrame:
    """Every flagged (report, category) received in [since, through) once per area on its lineage
    (village, town, county): week, area_code, category, report_id (the texts are in
    ``flagged_reports``, once per report: here they would be read three times over)."""
    return frame(con, """
        with recursive lineage(report_id, area_code) as (
            select r.report_id, r.area_code from reports r
            where r.area_code is not null and r.received_at < ? and (?::timestamp is null or r.received_at >= ?::timestamp)
            union all
            select l.report_id, a.parent_code from lineage l join areas a on a.area_code = l.area_code
            where a.parent_code is not null)
        select date_trunc('week', r.received_at)::date as week, l.area_code, s.category, s.report_id
        from report_scores s join reports r using (report_id) join lineage l using (report_id)
        where s.model_version = ? and s.flagged""", [through, since, since, model_version])


# A petition's words are its writer's own (a hotline's are an operator's summary, a grid event's a
# grid worker's). Petitions whose texts begin alike over their first COPY_CHARS Chinese characters
# (Han only: numbers of any width, letters, punctuation, spaces, marks and masked personal data
# such as [手机号] left out) share a copy key: one letter sent by many, a room, an amount, a date
# or a signature at its end changed. Independent writers do not write 80 such characters alike;
# texts with under COPY_MIN_CHARS of them have no key (short texts coincide by chance).
COPY_CHARS, COPY_MIN_CHARS = 80, 30
_SKELETON = r"regexp_replace(regexp_replace(r.text, '\[[^\]]*\]', '', 'g'), '[^\p{Han}]', '', 'g')"
COPY_KEY = (f"case when r.channel = 'petition' and length({_SKELETON}) >= {COPY_MIN_CHARS}"
            f" then md5(left({_SKELETON}, {COPY_CHARS})) end")


def flagged_reports(con, model_version: str, through, since=None, mention_key: str | None = None) -> pl.DataFrame:
    """Every flagged (report, category) received in [since, through) once, in its own area, with
    what clusters and severity need (``copy_key``: see COPY_KEY). With ``mention_key``, also the
    names and escalation words stored under it (``report_mentions``), and ``mentioned``: whether
    they were (else both null)."""
    stored = ", m.names, m.escalation, m.report_id is not null as mentioned" if mention_key else ""
    joined = "left join report_mentions m on m.report_id = s.report_id and m.mention_key = ?" if mention_key else ""
    return frame(con, f"""
        select date_trunc('week', r.received_at)::date as week, r.area_code, s.category, s.report_id,
               s.probability, s.top_terms, r.channel, r.reporter_key, r.title, r.text, r.subject, r.people_count,
               {COPY_KEY} as copy_key{stored}
        from report_scores s join reports r using (report_id) {joined}
        where s.model_version = ? and s.flagged and r.received_at < ?
          and (?::timestamp is null or r.received_at >= ?::timestamp)""",
                 [*([mention_key] if mention_key else []), model_version, through, since, since])


def store_mentions(con, mention_key: str, found: pl.DataFrame) -> None:
    """Keep reports' names and escalation words (report_id, names, escalation) under ``mention_key``;
    those kept under another key (an older gazetteer or extraction) are let go."""
    with transaction(con):
        con.execute("delete from report_mentions where mention_key <> ?", [mention_key])
        if found.height:
            with registered(con, found=found.select("report_id", "names", "escalation")):
                con.execute("insert into report_mentions select report_id, ?, names, escalation from found", [mention_key])


def closed_alerts(con) -> pl.DataFrame:
    """The closed alerts, each merged one with the alert it was last merged into (``merge_into``)."""
    merged = ("(select arg_max(v.merge_into, v.review_id) from alert_reviews v"
              " where v.alert_id = a.alert_id and v.action = 'merge')" if has_table(con, "alert_reviews") else "null::varchar")
    return frame(con, f"select a.*, {merged} as merge_into from alerts a where a.status in (select unnest(?))",
                 [list(CLOSED_STATUSES)])


def has_table(con, name: str) -> bool:
    return con.execute("select count(*) from information_schema.tables where table_name = ?", [name]).fetchone()[0] > 0


def area_names(con) -> dict[str, str]:
    return dict(con.sql("select area_code, name from areas").fetchall())


def area_pools(con) -> dict[str, str]:
    """Each area's pool for the pooled detectors: its level in the gazetteer (villages with
    villages, towns with towns), in the form of ``models.detectors.area_level``."""
    return dict(con.sql("select area_code, 'level ' || level from areas where level is not null").fetchall())


def alert_reports_of_week(con, week, most: int = 100) -> pl.DataFrame:
    """The reports linked to the alerts of ``week`` (their 关联报告数), newest first, with the week
    that linked each: at most ``most`` an alert (a county's alert may hold thousands), each row with
    its alert's ``total``."""
    return frame(con, """
        select ar.alert_id, r.report_id, r.channel, r.received_at, r.area_code, n.name as area_name, r.title, r.text,
               ar.week as linked_week, count(*) over (partition by ar.alert_id) as total
        from alert_reports ar join alerts a using (alert_id) join reports r using (report_id)
             left join areas n on n.area_code = r.area_code
        where a.last_week = ?
        qualify row_number() over (partition by ar.alert_id order by r.received_at desc, r.report_id) <= ?
        order by ar.alert_id, r.received_at desc, r.report_id""", [week, most])


# ---------------------------------------------------------------- reviews made on the board (pipelines.reviews)
REVIEW_SCHEMA = """
create table if not exists alert_reviews (
    review_id bigint primary key, alert_id varchar not null, action varchar not null,
    status_before varchar not null, status_after varchar not null, category varchar, note varchar,
    reason varchar, merge_into varchar, department varchar, due_date date, reviewer varchar not null,
    role varchar not null, created_at timestamp not null);
create table if not exists review_folds (
    source varchar primary key, last_id bigint not null, folded_at timestamp not null);
"""


def review_watermarks(con) -> dict[str, int]:
    """The last review and label correction already folded in (0 before the first fold)."""
    con.execute(REVIEW_SCHEMA)
    marks = dict(con.sql("select source, last_id from review_folds").fetchall())
    return {"reviews": marks.get("reviews", 0), "label_corrections": marks.get("label_corrections", 0)}


def report_label_basis(con, alert_ids: list[str]) -> pl.DataFrame:
    """Each report of these alerts with the alert's category, the report's latest explicit labels,
    its export's category and the categories the model of the last weekly run flagged."""
    ids = pl.DataFrame({"alert_id": alert_ids}, schema={"alert_id": pl.Utf8})
    with registered(con, ids=ids):
        out = con.sql("""
            with model as (select coalesce(
                (select model_version from weekly_runs order by ran_at desc limit 1),
                (select version from model_versions where status = 'champion' order by created_at desc limit 1)) as version)
            select x.alert_id, a.category, x.report_id, r.source_category, l.labels,
                   (select list(s.category order by s.category) from report_scores s
                    where s.report_id = x.report_id and s.flagged and s.model_version = (select version from model)) as flagged
            from alert_reports x join ids using (alert_id) join alerts a using (alert_id) join reports r using (report_id)
            left join (select report_id, arg_max(labels, labelled_at) as labels from labels group by report_id) l
              using (report_id)
            order by x.alert_id, x.report_id""").pl()
    return out


def alert_category(con, alert_id: str) -> str | None:
    """An alert's category (None for an alert the warehouse does not hold)."""
    row = con.sql("select category from alerts where alert_id = ?", params=[alert_id]).fetchone()
    return row[0] if row else None


def fold_reviews(con, reviews: pl.DataFrame, labels: pl.DataFrame, last_review: int | None,
                 last_correction: int | None) -> None:
    """Apply board decisions in one transaction with the watermarks: statuses, history, merged
    alerts' reports joined to their target, labels. A crash applies none of it."""
    con.execute(REVIEW_SCHEMA)
    with transaction(con):
        if reviews.height:
            with registered(con, rv=reviews):
                con.execute("insert or ignore into alert_reviews by name select * from rv")
                con.execute("""
                    update alerts set status = s.status_after, updated_at = s.created_at
                    from (select alert_id, arg_max(status_after, review_id) as status_after,
                                 max(created_at) as created_at from rv group by alert_id) s
                    where alerts.alert_id = s.alert_id and alerts.status != s.status_after""")
                # a1 → a2 and a2 → a3 in one fold: a1's reports reach a3 on the second pass
                for _ in range(reviews.height):
                    added = con.execute("""
                        insert or ignore into alert_reports
                        select m.merge_into, x.report_id, x.week from alert_reports x
                        join (select alert_id, arg_max(merge_into, review_id) as merge_into,
                                     arg_max(action, review_id) as action from rv group by alert_id) m using (alert_id)
                        where m.action = 'merge' and m.merge_into is not null""").fetchone()[0]
                    if not added:
                        break
        if labels.height:
            insert_labels(con, labels)
        for source, last in (("reviews", last_review), ("label_corrections", last_correction)):
            if last is not None:
                con.execute("insert or replace into review_folds values (?, ?, now())", [source, int(last)])
