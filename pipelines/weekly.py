"""The weekly flow: score new reports → weekly counts per area × category → detectors → alerts → brief.

Weeks are replayed in order, each seeing only its past, so a first run over two years of history
raises the alerts that would have been raised week by week.
"""
from __future__ import annotations

import datetime as dt
import sys

import polars as pl
from prefect import flow, task
from prefect.cache_policies import NO_CACHE  # inputs are big frames: hashing them for a cache key costs more than the work

from features.entities import mentions_key

from . import registry, reviews, scoring, settings, warehouse
from .pool import LocalPool, run_chunks
from .files import publish_snapshot, write_brief  # Prefect tasks, retried with backoff
from .detection import RUN_WEEKS, Params, find_mentions, fold_week, lookback, replay_signals
from .taxonomy import taxonomy
from .wording import count

SCORE_CHUNK = 20_000


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def default_through(latest: dt.datetime | None, today: dt.date) -> dt.date:
    """Up to this Monday (exclusive): only whole weeks, and none past the data."""
    this_monday = monday(today)
    if latest is None:
        return this_monday
    return min(this_monday, monday(latest.date()) + dt.timedelta(days=7))


def detect_through(asked: dt.date | None, latest: dt.datetime | None, today: dt.date) -> tuple[dt.date, str | None]:
    """The Monday before which a run detects: the one asked for, but never past ``default_through``
    (a week detected before its reports arrive would stay detected without them: a run detects
    only the weeks after the last one done); and why the asked one was not kept, if it was not."""
    last_whole = default_through(latest, today)
    if asked is None or asked <= last_whole:
        return asked or last_whole, None
    ends = f"the reports end {latest:%Y-%m-%d}" if latest else "there are no reports"
    return last_whole, (f"weeks before {asked} were asked for, but {ends} and today is {today}: "
                        f"detecting the weeks before {last_whole}")


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def score_reports(model_version: str, model_path: str, through: dt.date, dask: bool = False,
                  words: tuple[str, ...] = ()) -> int:
    """Score every report not yet scored by this model version, in chunks that run on local worker
    processes (SHAOBING_WORKERS) or, with ``dask``, as tasks of the flow's Dask task runner; this
    process reads the chunks and stores what comes back, one chunk while the next ones compute.
    Then the weekly counts of the weeks those reports fall in are recounted. ``words``: the
    gazetteer's names the model was trained with (``registry.model_words``), segmented as words."""
    path = str(registry.resolve(model_path))  # absolute: a Dask worker has another working folder
    with warehouse.open_warehouse(settings.warehouse_path()) as con, \
            _scoring_pool(con, model_version, path, through, dask, words) as pool:
        todo = warehouse.unscored_reports(con, model_version, through, documents=True)  # keyed in DuckDB
        all_keys, all_texts = todo["doc_key"].to_list(), todo["doc_text"]
        todo = todo.select("report_id", "received_at")          # the texts are in all_texts now
        # the texts, chunk by chunk, each let go once its chunk is stored: held whole, a million of
        # them (0.33 GB) stayed in this process until the run's end, when DuckDB's cache is fullest too
        by_chunk = [all_texts[start:start + SCORE_CHUNK].to_list() for start in range(0, todo.height, SCORE_CHUNK)]
        del all_texts
        # one look at the cache's keys: a first run has none of its texts there and reads nothing more
        present = registry.cached_keys(con, all_keys, words)
        # texts that come again in this run (not cached before): their documents are kept in memory once
        # segmented, instead of read back from the table being written (5 s of a first million-report run)
        again, kept = registry.repeated(all_keys) - present, {}

        def chunks():
            for i, start in enumerate(range(0, todo.height, SCORE_CHUNK)):
                end = start + SCORE_CHUNK
                keys = all_keys[start:end]
                cached = registry.document_inputs(con, keys, present, kept, words)
                # every text goes, cached or not: explain() shows a word pair only where the text has
                # its words together (a cached document lacks the stop words and marks between them)
                texts = by_chunk[i]
                by_chunk[i] = None
                yield model_version, path, todo["report_id"][start:end].to_list(), texts, cached, words, keys

        if dask:   # (workers on other machines: each checks it segments as this process does)
            segmenter = registry.tokenizer(words).version
            outcomes = run_chunks(chunks(), lambda *a: score_chunk.submit(*a[:6], segmenter), lambda f: f.result(),
                                  ahead=8)
        else:
            outcomes = run_chunks(chunks(), lambda *a: pool.submit(*a[:6]), pool.result, ahead=pool.workers)
        done = _store_chunks(con, outcomes, todo.height, present, kept, again, words)
        weeks = todo.select(pl.col("received_at").dt.truncate("1w").dt.date().unique())["received_at"].to_list()
        warehouse.refresh_weekly_counts(con, model_version, through, weeks)
        warehouse.mark_scored_batches(con, model_version, through, settings.now())
        # kept: the champion's documents, and today's gazetteer's, which the next retrain reads
        warehouse.prune_tokens(con, [registry.tokenizer(words).version,
                                     registry.tokenizer(registry.area_words(con)).version])
    return done


def _scoring_pool(con, model_version: str, path: str, through: dt.date, dask: bool,
                  words: tuple[str, ...] = ()) -> LocalPool:
    """The local workers of a run, started before its reports are read: they load the model and
    build the segmenter meanwhile. As many as SHAOBING_WORKERS, fewer for fewer chunks (one: the
    chunks run in this process); none on Dask."""
    at_most = 0 if dask else warehouse.unscored_at_most(con, model_version, through)
    workers = min(settings.get_int("SHAOBING_WORKERS"), -(-at_most // SCORE_CHUNK))
    return LocalPool(workers, scoring.score_chunk,
                     prepare=("pipelines.scoring:prepare", (model_version, path, words))).start()


def _store_chunks(con, outcomes, total: int, present: set[str], kept: dict[str, str], again: set[str],
                  words: tuple[str, ...] = ()) -> int:
    done = 0
    for args, (scores, fresh) in outcomes:
        warehouse.store_scores(con, scores)
        registry.keep_tokens(con, args[6], fresh, present, kept, again, words)  # a text twice in the run is stored once
        done += len(args[2])
        progress(f"  scored {done:,}/{total:,} reports")
    return done


def _worth_retrying(task, task_run, state) -> bool:
    """A lost worker's chunk is worth retrying; one that segments otherwise than the flow is not."""
    try:
        state.result()
    except scoring.SegmenterMismatch:
        return False
    except BaseException:
        return True
    return True


@task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 8], retry_condition_fn=_worth_retrying)
def score_chunk(model_version: str, path: str, report_ids: list[str], texts: list[str],
                cached: list[str | None], words: tuple[str, ...] = (), tokenizer: str | None = None):
    """One chunk on a Dask worker (retried: a worker may be lost mid-chunk)."""
    return scoring.score_chunk(model_version, path, report_ids, texts, cached, words, tokenizer)


def detection_params(con=None) -> Params:
    """The settings' detection parameters; with a warehouse, the pooled detectors' pools are the
    areas' levels in its gazetteer (without one, ``detect_week`` reads them from the codes)."""
    return Params(min_count=settings.get_int("SHAOBING_MIN_COUNT"), budget=settings.get_int("SHAOBING_ALERT_BUDGET"),
                  cluster_weeks=settings.get_int("SHAOBING_CLUSTER_WEEKS"),
                  cluster_reporters=settings.get_int("SHAOBING_CLUSTER_REPORTERS"),
                  quiet_weeks=settings.get_int("SHAOBING_ALERT_QUIET_WEEKS"),
                  detector={} if con is None else {"pools": warehouse.area_pools(con)})


def detection_inputs(con, model_version: str, through: dt.date, first: dt.date | None = None,
                     params: Params | None = None,
                     keep: bool = False) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, dict]:
    """Counts, flagged reports per lineage area, flagged reports with their names, area names,
    for detecting the weeks from ``first`` (None: all) to ``through``.

    The counts are the whole history (the detectors need it; they are small). The reports are only
    those the weeks from ``first`` can look at: for the reports behind a CUSUM's run the RUN_WEEKS
    before it, for the clusters and the evidence the window and history before it — so a weekly
    run reads its recent weeks, not years. The names of the reports are those kept in the
    warehouse where it has them (``report_mentions``, under the gazetteer's and the code's key),
    found for the others, and, with ``keep`` (the weekly flow, which holds the warehouse), kept:
    a weekly run finds the names of its new week's reports only, not of the weeks it looks back on.
    """
    params = params or detection_params()
    names = warehouse.area_names(con)
    counts = warehouse.weekly_counts(con, model_version)
    since = None if first is None else first - lookback(params)
    runs = None if first is None else first - dt.timedelta(weeks=RUN_WEEKS - 1)
    lineage = warehouse.flagged_with_lineage(con, model_version, through, runs)
    # (a warehouse made before report_mentions, opened read-only by a backtest, has none kept)
    key = mentions_key(names.values()) if warehouse.has_table(con, "report_mentions") else None
    flagged, fresh = find_mentions(warehouse.flagged_reports(con, model_version, through, since, key), names,
                                   workers=settings.get_int("SHAOBING_WORKERS"))
    if keep and key:
        warehouse.store_mentions(con, key, fresh)
    return counts, lineage, flagged, names


@task(cache_policy=NO_CACHE)
def detect_weeks(model_version: str, through: dt.date) -> dict:
    """Replay detection for every week not yet done, in order, and store signals and alerts."""
    categories = {c.key: c.name for c in taxonomy().categories}
    with warehouse.open_warehouse(settings.warehouse_path()) as con:
        params = detection_params(con)
        done = warehouse.last_done_week(con)
        first = None if done is None else done + dt.timedelta(weeks=1)
        counts, lineage, flagged, names = detection_inputs(con, model_version, through, first, params, keep=True)
        # reports placed in no area still cluster by the places and organisations they name
        starts = [f["week"].min() for f in (counts, flagged) if not f.is_empty()]
        if not starts:
            return {"weeks": 0, "signals": 0, "new_alerts": 0, "last_week": None}
        weeks = [w for w in pl.date_range(min(starts), through - dt.timedelta(days=1), "1w", eager=True).to_list()
                 if done is None or w > done]
        total = {"weeks": len(weeks), "signals": 0, "new_alerts": 0, "last_week": max(weeks) if weeks else None}
        found = replay_signals(weeks, counts, lineage, flagged, params, settings.get_int("SHAOBING_WORKERS"),
                               scratch=settings.home())
        for i, (week, week_found) in enumerate(zip(weeks, found), 1):
            warehouse.expire_quiet_alerts(con, week - dt.timedelta(weeks=params.quiet_weeks))
            out = fold_week(week_found, warehouse.open_alerts(con), warehouse.closed_alerts(con), names, categories,
                            params)
            signals = out.signals.with_columns(
                pl.lit(model_version).alias("model_version"),
                (pl.lit(f"S-{week:%Y%m%d}-") + pl.col("detector") + "-"
                 + pl.coalesce(pl.col("place"), pl.col("area_code"), pl.lit("-")) + "-" + pl.col("category")).alias("signal_id"))
            warehouse.store_week(con, week, model_version, signals, out.alerts, out.links, out.new)
            total["signals"] += signals.height
            total["new_alerts"] += out.new
            if i % 10 == 0 or i == len(weeks):
                progress(f"  week {week} ({i}/{len(weeks)}): {count(signals.height, 'signal')}, {count(out.new, 'new alert')}")
    return total


def not_ready() -> str | None:
    """Why a weekly run cannot start (no model, no reports), or None: the CLI says it before the
    flow starts, so that Prefect does not log the stop as a crashed flow run."""
    with warehouse.open_warehouse(settings.warehouse_path()) as con:
        champ = warehouse.champion(con)
        first, _ = warehouse.report_week_span(con)
    if champ is None:
        return NO_MODEL
    return NO_REPORTS if first is None else None


NO_MODEL = "no model yet: run `shaobing retrain` first (it trains on the loaded reports)"
NO_REPORTS = "no reports yet: run `shaobing ingest FILE...` first"


@flow(name="weekly")
def weekly_flow(through: dt.date | None = None) -> dict:
    """Score, count, detect and brief every week up to `through` (default: the last whole week)."""
    with warehouse.open_warehouse(settings.warehouse_path()) as con:
        reviews.fold_into(con)  # the board's decisions and label corrections since the last flow
        champ = warehouse.champion(con)
        first, latest = warehouse.report_week_span(con)
    if champ is None:
        raise SystemExit(NO_MODEL)
    if first is None:
        raise SystemExit(NO_REPORTS)
    through, why = detect_through(through, latest, settings.now().date())
    if why:
        progress(f"weekly: {why}")
    progress(f"weekly: model {champ['version']}, weeks before {through}")
    scored = score_reports(champ["version"], champ["path"], through, dask=_on_dask(), words=registry.model_words(champ))
    result = detect_weeks(champ["version"], through)
    brief_week = result["last_week"] or (monday(through) - dt.timedelta(days=7))
    path = write_brief(brief_week)
    with warehouse.open_warehouse(settings.warehouse_path()) as con:
        result.update(warehouse.summary(con))
    publish_snapshot()
    result.update({"scored": scored, "brief": str(path), "model_version": champ["version"], "through": str(through)})
    return result


def _on_dask() -> bool:
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    return ctx is not None and type(ctx.task_runner).__name__ == "DaskTaskRunner"


def weekly(dask_address: str | None = None):
    """The weekly flow, its heavy steps on the Dask cluster at ``dask_address`` (else
    SHAOBING_DASK_ADDRESS; neither: local processes)."""
    address = dask_address or settings.get("SHAOBING_DASK_ADDRESS")
    if not address:
        return weekly_flow
    from prefect_dask import DaskTaskRunner

    return weekly_flow.with_options(task_runner=DaskTaskRunner(address=address))
