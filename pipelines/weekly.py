"""The weekly flow: score new reports → weekly counts per area × category → detectors → alerts → brief.

Weeks are replayed in order, each seeing only its past, so a first run over two years of history
raises the alerts that would have been raised week by week.
"""
from __future__ import annotations

import datetime as dt
import sys

import numpy as np
import polars as pl
from prefect import flow, task
from prefect.cache_policies import NO_CACHE  # inputs are big frames: hashing them for a cache key costs more than the work

from . import registry, reviews, settings, warehouse
from .brief import write_brief
from .detection import Params, mentions, run_week
from .taxonomy import taxonomy

SCORE_CHUNK = 20_000


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def default_through(latest: dt.datetime | None, today: dt.date) -> dt.date:
    """Up to this Monday (exclusive): only whole weeks, and none past the data."""
    this_monday = monday(today)
    if latest is None:
        return this_monday
    return min(this_monday, monday(latest.date()) + dt.timedelta(days=7))


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@task(cache_policy=NO_CACHE)
def score_reports(model_version: str, model_path: str, through: dt.date) -> int:
    """Score every report not yet scored by this model version, in chunks."""
    model = registry.load(model_path)
    with warehouse.open_warehouse(settings.warehouse_path()) as con:
        todo = warehouse.unscored_reports(con, model_version, through)
        for start in range(0, todo.height, SCORE_CHUNK):
            chunk = todo.slice(start, SCORE_CHUNK)
            docs = registry.documents(con, chunk)
            warehouse.store_scores(con, score_frame(model, model_version, chunk["report_id"].to_list(), docs))
            progress(f"  scored {min(start + SCORE_CHUNK, todo.height):,}/{todo.height:,} reports")
        warehouse.refresh_weekly_counts(con, model_version, through)
    return todo.height


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


def detection_params() -> Params:
    return Params(min_count=settings.get_int("SHAOBING_MIN_COUNT"), budget=settings.get_int("SHAOBING_ALERT_BUDGET"),
                  cluster_weeks=settings.get_int("SHAOBING_CLUSTER_WEEKS"),
                  cluster_reporters=settings.get_int("SHAOBING_CLUSTER_REPORTERS"),
                  quiet_weeks=settings.get_int("SHAOBING_ALERT_QUIET_WEEKS"))


def detection_inputs(con, model_version: str, through: dt.date) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, dict]:
    """Counts, flagged reports per lineage area, flagged reports with their names, area names."""
    names = warehouse.area_names(con)
    counts = warehouse.weekly_counts(con, model_version)
    lineage = warehouse.flagged_with_lineage(con, model_version, through).select("week", "area_code", "category", "report_id")
    flagged = mentions(warehouse.flagged_reports(con, model_version, through), names)
    return counts, lineage, flagged, names


@task(cache_policy=NO_CACHE)
def detect_weeks(model_version: str, through: dt.date) -> dict:
    """Replay detection for every week not yet done, in order, and store signals and alerts."""
    categories = {c.key: c.name for c in taxonomy().categories}
    params = detection_params()
    with warehouse.open_warehouse(settings.warehouse_path()) as con:
        counts, lineage, flagged, names = detection_inputs(con, model_version, through)
        if counts.is_empty():
            return {"weeks": 0, "signals": 0, "new_alerts": 0, "last_week": None}
        done = warehouse.last_done_week(con)
        weeks = [w for w in pl.date_range(counts["week"].min(), through - dt.timedelta(days=1), "1w", eager=True).to_list()
                 if done is None or w > done]
        total = {"weeks": len(weeks), "signals": 0, "new_alerts": 0, "last_week": max(weeks) if weeks else None}
        for i, week in enumerate(weeks, 1):
            warehouse.expire_quiet_alerts(con, week - dt.timedelta(weeks=params.quiet_weeks))
            out = run_week(week, counts, lineage, flagged, warehouse.open_alerts(con), warehouse.closed_alerts(con),
                           names, categories, params)
            signals = out.signals.with_columns(
                pl.lit(model_version).alias("model_version"),
                (pl.lit(f"S-{week:%Y%m%d}-") + pl.col("detector") + "-"
                 + pl.coalesce(pl.col("place"), pl.col("area_code"), pl.lit("-")) + "-" + pl.col("category")).alias("signal_id"))
            warehouse.store_week(con, week, model_version, signals, out.alerts, out.links, out.new)
            total["signals"] += signals.height
            total["new_alerts"] += out.new
            if i % 10 == 0 or i == len(weeks):
                progress(f"  week {week} ({i}/{len(weeks)}): {signals.height} signals, {out.new} new alerts")
    return total


@flow(name="weekly")
def weekly_flow(through: dt.date | None = None) -> dict:
    """Score, count, detect and brief every week up to `through` (default: the last whole week)."""
    with warehouse.open_warehouse(settings.warehouse_path()) as con:
        reviews.fold_into(con)  # the board's decisions and label corrections since the last flow
        champ = warehouse.champion(con)
        first, latest = warehouse.report_week_span(con)
    if champ is None:
        raise SystemExit("no model yet: run `shaobing retrain` first (it trains on the loaded reports)")
    if first is None:
        raise SystemExit("no reports yet: run `shaobing ingest FILE...` first")
    through = through or default_through(latest, settings.now().date())
    progress(f"weekly: model {champ['version']}, weeks before {through}")
    scored = score_reports(champ["version"], champ["path"], through)
    result = detect_weeks(champ["version"], through)
    brief_week = result["last_week"] or (monday(through) - dt.timedelta(days=7))
    with warehouse.open_warehouse(settings.warehouse_path()) as con:
        path = write_brief(con, brief_week, settings.briefs_dir())
        result.update(warehouse.summary(con))
    warehouse.publish_snapshot(settings.warehouse_path(), settings.snapshot_path())
    result.update({"scored": scored, "brief": str(path), "model_version": champ["version"], "through": str(through)})
    return result
