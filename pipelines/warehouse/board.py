"""Read-only queries of the board, run against the published snapshot.

Every function takes a cursor made by ``cursor`` (the snapshot opened ``read_only``), binds its
parameters and returns a polars frame. Alerts are read through the ``alerts_now`` view: the
snapshot's alerts with the status of the reviews not yet folded in laid over them, so a decision
shows at once. "The alerts of a week" are those alive in it (``first_week <= week <= last_week``).

Queries for leaders (``headline``, ``hotspot_areas``, ``top_hotspots``, ``category_trends``) return
counts, scores and area names only: never a report's text, title, subject or an explanation.
"""
from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl

from models.alerts import CLOSED_STATUSES, OPEN_STATUSES
from models.clusters import related

from . import QUARANTINE_STATE_COLUMN, frame, quarantine_state

# Tables the board reads; a snapshot missing any of them has no data for it yet.
TABLES = ("areas", "reports", "alerts", "alert_reports", "report_scores", "weekly_counts", "signals",
          "model_versions", "weekly_runs")
OPEN = list(OPEN_STATUSES)
CLOSED = list(CLOSED_STATUSES) + ["merged"]
OVERLAY_SCHEMA = {"alert_id": pl.String, "status": pl.String, "changed_at": pl.Datetime("us")}
RECENT = timedelta(weeks=8)  # how far back report search looks first (find_reports)

# The model version whose counts and scores the board shows: the one the last weekly run used (a
# champion promoted since has no counts until the next run), else the champion.
_MODEL = """model as (select coalesce(
    (select model_version from weekly_runs order by ran_at desc limit 1),
    (select version from model_versions where status = 'champion' order by created_at desc limit 1)) as version)"""

_ALERT_COLUMNS = """
    a.alert_id, a.area_code, ar.name as area_name, parent.name as town_name, a.category, a.place,
    a.first_week, a.last_week, a.status, a.score, a.rank, a.observed, a.expected,
    (select count(*) from alert_reports x where x.alert_id = a.alert_id) as reports, a.explanation"""
_ALERT_FROM = """alerts_now a left join areas ar on ar.area_code = a.area_code
    left join areas parent on parent.area_code = ar.parent_code"""
_ORDER = "order by coalesce(a.rank, 0) desc, a.score desc, a.alert_id"
# The channel of an alert's report x, from its id (`channel:source_id`, the report schema's key).
_CHANNEL = "split_part(x.report_id, ':', 1)"
# An area and everything under it (villages of a town): ? is the area code.
_SUBTREE = """with recursive sub(area_code) as (
    select ?::varchar union all select a.area_code from areas a join sub on a.parent_code = sub.area_code)"""


def open_snapshot(path: Path | str) -> duckdb.DuckDBPyConnection:
    """Open a published snapshot read-only, in a private in-memory instance of its own.

    ``duckdb.connect(path)`` hands back the process's existing instance of that path while any
    connection to it lives, so a snapshot renamed over the old one would go unseen until every
    old connection closed. Attaching opens the file that is at the path now.
    """
    if not Path(path).exists():
        raise FileNotFoundError(f"no board snapshot at {path}: run `shaobing weekly` first")
    con = duckdb.connect()
    # ATTACH takes no bound parameter in DuckDB 1.x: the path is ours (settings), quoted as a literal
    literal = "'" + str(path).replace("'", "''") + "'"
    con.execute(f"attach {literal} as snapshot (read_only)")
    con.execute("use snapshot")
    return con


def cursor(con: duckdb.DuckDBPyConnection, overlay: pl.DataFrame | None = None) -> duckdb.DuckDBPyConnection:
    """A cursor for one thread (connections are not thread-safe) with ``alerts_now``: the snapshot's
    alerts, their status replaced by ``overlay`` (alert_id, status, changed_at) where it has one."""
    cur = con.cursor()
    cur.execute("use snapshot")
    overlay = pl.DataFrame(schema=OVERLAY_SCHEMA) if overlay is None else overlay.select(list(OVERLAY_SCHEMA)).cast(OVERLAY_SCHEMA)
    cur.register("review_overlay", overlay)
    present = _columns(cur, "alerts")
    if not present:
        return cur
    # Snapshots written before alerts had a place and a rank still open.
    extra = ", ".join(f"null::{t} as {c}" for c, t in (("place", "varchar"), ("rank", "double")) if c not in present)
    cur.execute(f"""create or replace temp view alerts_now as
        select a.* replace (coalesce(o.status, a.status) as status){', ' + extra if extra else ''},
               coalesce(o.changed_at, a.updated_at) as status_changed_at
        from snapshot.main.alerts a left join review_overlay o using (alert_id)""")
    return cur


def _columns(con, table: str) -> set[str]:
    """The columns of a snapshot table, none if it is missing. (Binding the table costs a fraction
    of a millisecond; information_schema on a new cursor some 15 ms, and every query makes one.)"""
    try:
        return set(con.table(f"snapshot.main.{table}").columns)
    except duckdb.CatalogException:
        return set()


def missing_tables(con) -> list[str]:
    """Board tables absent from the snapshot (all of them for an empty file)."""
    present = {r[0] for r in con.sql("select table_name from information_schema.tables "
                                     "where table_catalog = current_database()").fetchall()}
    return [t for t in TABLES if t not in present]


def review_watermark(con, source: str = "reviews") -> int:
    """The last board review (or label correction) folded into this snapshot (0 if none): later
    ones are laid over it."""
    if not _columns(con, "review_folds"):
        return 0
    row = con.sql("select last_id from review_folds where source = ?", params=[source]).fetchone()
    return int(row[0]) if row else 0


# ---------------------------------------------------------------- the analysts' queue
def weeks(con) -> pl.DataFrame:
    """Weeks in which some alert was alive, newest first."""
    return con.sql("""
        select distinct unnest(generate_series(first_week, last_week, interval 7 day))::date as week
        from alerts order by week desc""").pl()


def latest_week(con) -> date | None:
    """The latest week with alerts, or None when there are none."""
    return con.sql("select max(last_week) from alerts").fetchall()[0][0]


def week_summary(con, week: date) -> pl.DataFrame:
    """One row: alerts alive in the week, new in it, areas they cover, alerts still open by then."""
    return frame(con, """
        select count(*) filter (where a.first_week <= w.week and a.last_week >= w.week) as alerts,
               count(*) filter (where a.first_week = w.week) as new,
               count(distinct a.area_code) filter (where a.first_week <= w.week and a.last_week >= w.week) as areas,
               count(*) filter (where a.first_week <= w.week and not list_contains(?::varchar[], a.status)) as open
        from alerts_now a, (select ?::date as week) w""", [CLOSED, week])


def week_alerts(con, week: date | None, categories: list[str] | None = None, statuses: list[str] | None = None,
                area: str | None = None, channels: list[str] | None = None) -> pl.DataFrame:
    """The alerts of a week (``week`` None: every alert open now, whatever its weeks), strongest
    first, with the channels of their reports. An empty or missing filter keeps every value;
    ``area`` keeps alerts in it or anywhere under it."""
    # A report's channel is the head of its id (channel:source_id): no join with every report's row.
    return frame(con, f"""
        {_SUBTREE}
        select {_ALERT_COLUMNS},
               (select list(distinct {_CHANNEL} order by {_CHANNEL}) from alert_reports x
                where x.alert_id = a.alert_id) as channels
        from {_ALERT_FROM}
        where (a.first_week <= ? and a.last_week >= ? or ?::date is null and list_contains(?::varchar[], a.status))
          and (len(?::varchar[]) = 0 or list_contains(?::varchar[], a.category))
          and (len(?::varchar[]) = 0 or list_contains(?::varchar[], a.status))
          and (?::varchar is null or a.area_code in (select area_code from sub))
          and (len(?::varchar[]) = 0 or exists (
                  select 1 from alert_reports x where x.alert_id = a.alert_id and list_contains(?::varchar[], {_CHANNEL})))
        {_ORDER}""", [area, week, week, week, OPEN, categories or [], categories or [], statuses or [], statuses or [],
                  area, channels or [], channels or []])


def alert(con, alert_id: str) -> pl.DataFrame:
    """One alert with the columns of ``week_alerts`` and its status in the snapshot itself
    (``base_status``, before pending reviews); no rows if unknown."""
    return frame(con, f"""select {_ALERT_COLUMNS},
                              (select s.status from alerts s where s.alert_id = a.alert_id) as base_status
                       from {_ALERT_FROM} where a.alert_id = ?""", [alert_id])


def alert_reports(con, alert_id: str, merged: list[str] | None = None) -> pl.DataFrame:
    """The (PII-masked) reports behind an alert and the alerts merged into it, newest first, with
    their score for the alert's category and the terms that made the model flag them."""
    links = frame(con, """select distinct on (report_id) report_id, week from alert_reports
                       where alert_id = ? or list_contains(?::varchar[], alert_id) order by report_id, week""",
                           [alert_id, merged or []])
    category, version = con.sql(f"""with {_MODEL} select (select category from alerts where alert_id = ?),
                                                         (select version from model)""", params=[alert_id]).fetchone()
    # Looked up by key, one bound ? per report, with the category and model as constants: joined
    # instead, the reports table (every text) would be read through for the few of one alert.
    ids = links["report_id"].to_list() or [None]
    keys = ", ".join("?" * len(ids))
    extra = "r.extra" if "extra" in _columns(con, "reports") else "null::varchar as extra"  # (an older snapshot)
    reports = frame(con, f"""select r.report_id, r.channel, r.received_at, ar.name as area_name, r.title, r.text,
                                 r.subject, r.people_count, {extra}
                          from reports r left join areas ar on ar.area_code = r.area_code
                          where r.report_id in ({keys})""", ids)
    scores = frame(con, f"""select report_id, probability, top_terms from report_scores
                         where category = ? and model_version = ? and report_id in ({keys})""",
                             [category, version, *ids])
    return (reports.join(links, on="report_id").join(scores, on="report_id", how="left")
            .select("report_id", "channel", "received_at", "week", "area_name", "title", "text", "subject",
                    "people_count", "probability", "top_terms", "extra")
            .sort(["received_at", "report_id"], descending=[True, False]))


def alert_series(con, alert_id: str) -> pl.DataFrame:
    """Weekly counts of the alert's area × category (for a place's alert: of its own reports, by the
    week they came in; zeros filled) and the detectors' expected
    count and upper bound where a one-week detector signalled that week (a CUSUM's run and a
    place's cluster count several weeks: they are not a week's bar). A snapshot published before
    signals had those columns reads as of one-week signals."""
    present = _columns(con, "signals")
    one_week = " ".join(cond for col, cond in (("place", "and s.place is null"),
                                                ("weeks", "and coalesce(s.weeks, 1) = 1")) if col in present)
    place = (con.sql("select place from alerts where alert_id = ?", params=[alert_id]).fetchone()
             if "place" in _columns(con, "alerts") else None)
    if place and place[0]:
        # A place's alert counts the reports naming it, not its area's: its own reports by the week they
        # came in (the area's series showed another count than the explanation's). No band: a
        # cluster has no weekly baseline.
        return frame(con, f"""
            with {_MODEL},
            span as (select min(week) as lo, max(week) as hi from weekly_counts
                     where model_version = (select version from model)),
            grid as (select unnest(generate_series(lo, hi, interval 7 day))::date as week from span),
            counts as (select date_trunc('week', r.received_at)::date as week, count(*) as n
                       from alert_reports x join reports r using (report_id) where x.alert_id = ? group by 1)
            select grid.week, coalesce(counts.n, 0) as n, null::double as expected, null::double as upper
            from grid left join counts using (week) order by grid.week""", [alert_id])
    return frame(con, f"""
        with {_MODEL},
        k as (select area_code, category from alerts where alert_id = ?),
        span as (select min(week) as lo, max(week) as hi from weekly_counts
                 where model_version = (select version from model)),
        grid as (select unnest(generate_series(lo, hi, interval 7 day))::date as week from span),
        counts as (select c.week, c.n from weekly_counts c join k using (area_code, category)
                   where c.model_version = (select version from model)),
        expect as (select s.week, arg_max(s.expected, s.score) as expected, arg_max(s.upper, s.score) as upper
                   from signals s join k using (area_code, category)
                   where s.model_version = (select version from model) {one_week} group by s.week)
        select grid.week, coalesce(counts.n, 0) as n, expect.expected, expect.upper
        from grid left join counts using (week) left join expect using (week)
        where exists (select 1 from k)
        order by grid.week""", [alert_id])


def area_choices(con) -> pl.DataFrame:
    """Areas under the top level with their parent's name, by code (the analysts' area filter)."""
    return con.sql("""select a.area_code, a.name, a.level, p.name as parent_name from areas a
                      join areas p on p.area_code = a.parent_code order by a.area_code""").pl()


def open_on_key(con, alert_id: str) -> pl.DataFrame:
    """The other open alerts on this alert's key (area × category, or place × category counting
    the variants of the place's name), with their status in the snapshot itself (``base_status``):
    an alert is not reopened beside one of them (``reviews.record_review``)."""
    rows = frame(con, f"""
        select a.alert_id, a.status, a.first_week, a.last_week, a.place, k.place as key_place,
               (select s.status from alerts s where s.alert_id = a.alert_id) as base_status
        from alerts_now a, (select area_code, category, place from alerts_now where alert_id = ?) k
        where a.alert_id != ? and list_contains(?::varchar[], a.status) and a.category = k.category
          and (a.place is null and k.place is null and a.area_code = k.area_code
               or a.place is not null and k.place is not null)
        order by a.last_week desc, a.alert_id""", [alert_id, alert_id, OPEN])
    if rows.height and rows["key_place"][0] is not None:   # a place's key: its name's variants only
        key = rows["key_place"][0]
        rows = rows.filter(pl.col("place").map_elements(lambda p: related(p, key), return_dtype=pl.Boolean))
    return rows.drop("place", "key_place")


def merge_targets(con, alert_id: str) -> pl.DataFrame:
    """Open alerts another alert may be merged into: the same category first, then the strongest."""
    return frame(con, f"""
        select a.alert_id, ar.name as area_name, a.place, a.category, a.first_week, a.last_week, a.status, a.score
        from {_ALERT_FROM}
        where a.alert_id != ? and list_contains(?::varchar[], a.status)
        order by (a.category = (select category from alerts where alert_id = ?)) desc, a.last_week desc, a.score desc
        limit 200""", [alert_id, OPEN, alert_id])


def brief_reports(con, alert_ids: list[str], merged: dict[str, list[str]] | None = None) -> pl.DataFrame:
    """The masked reports behind these alerts, for the downloadable brief: in the order of the
    alerts given, newest first within each, and with each alert those of the alerts ``merged``
    into it since the snapshot (target → merged ids; ``merged_from`` names the one they came from),
    as its page and its 关联诉求 count them."""
    shown, source, pos = [], [], []
    for i, alert_id in enumerate(alert_ids):
        for one in [alert_id, *(merged or {}).get(alert_id, [])]:
            shown.append(alert_id), source.append(one), pos.append(i)
    return frame(con, """
        with p as (select unnest(?::varchar[]) as alert_id, unnest(?::varchar[]) as source, unnest(?::integer[]) as pos)
        select p.alert_id, r.report_id, r.channel, r.received_at, ar.name as area_name, r.title, r.text,
               case when p.source <> p.alert_id then p.source end as merged_from
        from p join alert_reports x on x.alert_id = p.source join reports r using (report_id)
        left join areas ar on ar.area_code = r.area_code
        -- once per alert: a report may also be linked to an alert merged into it (a place alert and
        -- an area alert share reports), or the merge be folded by a snapshot newer than the page's
        qualify row_number() over (partition by p.alert_id, r.report_id order by (p.source = p.alert_id) desc) = 1
        order by p.pos, r.received_at desc, r.report_id""", [shown, source, pos])


# ---------------------------------------------------------------- leaders (aggregates only)
def towns(con) -> pl.DataFrame:
    """The areas one level under the top (towns and streets of a county), by code."""
    return con.sql("""
        select t.area_code, t.name from areas t join areas top on top.area_code = t.parent_code
        where top.parent_code is null or top.parent_code not in (select area_code from areas)
        order by t.area_code""").pl()


def current_week(con) -> date | None:
    """The last week detection ran for (else the latest week with alerts)."""
    return con.sql("select coalesce((select max(week) from weekly_runs), (select max(last_week) from alerts))").fetchall()[0][0]


def headline(con, week: date, since: date, categories: list[str] | None = None, town: str | None = None) -> pl.DataFrame:
    """One row: open alerts now, new in ``week``, confirmed and in hand, resolved since ``since``,
    and the median days from an alert's first week to its resolution (those resolved since ``since``)."""
    return frame(con, f"""
        {_SUBTREE}
        select count(*) filter (where list_contains(?::varchar[], a.status)) as open,
               count(*) filter (where a.first_week = ?) as new,
               count(*) filter (where a.status in ('confirmed', 'dispatched')) as confirmed,
               count(*) filter (where a.status = 'resolved' and a.status_changed_at >= ?) as resolved,
               median(date_diff('day', a.first_week, a.status_changed_at::date))
                   filter (where a.status = 'resolved' and a.status_changed_at >= ?) as median_days
        from alerts_now a
        where (len(?::varchar[]) = 0 or list_contains(?::varchar[], a.category))
          and (?::varchar is null or a.area_code in (select area_code from sub))""",
              [town, OPEN, week, since, since, categories or [], categories or [], town])


def hotspot_areas(con, categories: list[str] | None = None, town: str | None = None) -> pl.DataFrame:
    """Areas with open alerts: where (its own or its parent's coordinates), how many, how strong
    (``rank``: the highest 综合评分 of its open alerts, the 0–100 the board shows), strongest first."""
    return frame(con, f"""
        {_SUBTREE}
        select a.area_code, ar.name as area_name, ar.level, coalesce(parent.name, ar.name) as town_name,
               coalesce(ar.lat, parent.lat) as lat, coalesce(ar.lon, parent.lon) as lon,
               count(*) as alerts, sum(a.score) as score, max(coalesce(a.rank, 0)) as rank,
               list(distinct a.category order by a.category) as categories
        from {_ALERT_FROM}
        where list_contains(?::varchar[], a.status)
          and (len(?::varchar[]) = 0 or list_contains(?::varchar[], a.category))
          and (?::varchar is null or a.area_code in (select area_code from sub))
        group by all order by rank desc, score desc, a.area_code""", [town, OPEN, categories or [], categories or [], town])


def map_areas(con) -> pl.DataFrame:
    """Every area with coordinates: the backdrop of the hotspot map."""
    return con.sql("select area_code, name, level, lat, lon from areas where lat is not null and lon is not null").pl()


def top_hotspots(con, categories: list[str] | None = None, town: str | None = None, limit: int = 10,
                 week: date | None = None) -> pl.DataFrame:
    """The strongest open alerts: where, what, since when, how many reports (counted, never shown),
    and for an area's alert its flagged reports in ``week`` and the week before (``now_n``,
    ``before_n``: whether it is rising; null for a place's alert, which has no weekly counts)."""
    return frame(con, f"""
        {_SUBTREE},
        {_MODEL},
        counts as (select week, area_code, category, n from weekly_counts
                   where model_version = (select version from model) and week in (?::date, ?::date - interval 7 day))
        select a.alert_id, a.area_code, ar.name as area_name, a.place, parent.name as town_name, a.category, a.status,
               a.first_week, a.last_week, a.observed, a.expected, a.score, a.rank,
               (select count(*) from alert_reports x where x.alert_id = a.alert_id) as reports,
               case when a.place is null and a.area_code is not null then coalesce(
                   (select n from counts c where c.area_code = a.area_code and c.category = a.category
                    and c.week = ?::date), 0) end as now_n,
               case when a.place is null and a.area_code is not null then coalesce(
                   (select n from counts c where c.area_code = a.area_code and c.category = a.category
                    and c.week = ?::date - interval 7 day), 0) end as before_n
        from {_ALERT_FROM}
        where list_contains(?::varchar[], a.status)
          and (len(?::varchar[]) = 0 or list_contains(?::varchar[], a.category))
          and (?::varchar is null or a.area_code in (select area_code from sub))
        {_ORDER} limit ?""", [town, week, week, week, week, OPEN, categories or [], categories or [], town, limit])


def week_volumes(con, week: date, weeks: int = 9) -> pl.DataFrame:
    """Reports received per week (all channels, zeros filled) over the ``weeks`` weeks up to ``week``:
    a week far below the ones before it is a late or partial export, not a calm week."""
    return frame(con, """
        with grid as (select unnest(generate_series(?::date - to_weeks(? - 1), ?::date, interval 7 day))::date as week),
        got as (select date_trunc('week', received_at)::date as week, count(*) as n from reports
                where received_at >= ?::date - to_weeks(? - 1) and received_at < ?::date + interval 7 day group by 1)
        select grid.week, coalesce(got.n, 0)::integer as n from grid left join got using (week) order by grid.week""",
            [week, weeks, week, week, weeks, week])


def category_trends(con, weeks: int, town: str | None = None, categories: list[str] | None = None) -> pl.DataFrame:
    """Flagged reports per week × category over the last ``weeks`` weeks of counts, zeros filled,
    for a town (or street) or else the whole top-level area. Reports placed in no area are not
    counted: no area also holds rows of other counties (a county column naming another), which
    would be counted as ours (their place alerts are listed all the same)."""
    return frame(con, f"""
        with {_MODEL},
        scope as (select area_code from areas where area_code = ?::varchar
                  union all select area_code from areas where ?::varchar is null and
                      (parent_code is null or parent_code not in (select area_code from areas))),
        counts as (select c.week, c.category, sum(c.n) as n from weekly_counts c
                   where c.model_version = (select version from model) and c.area_code in (select area_code from scope)
                   group by all),
        span as (select max(week) as hi from weekly_counts where model_version = (select version from model)),
        grid as (select unnest(generate_series(hi - to_weeks(? - 1), hi, interval 7 day))::date as week from span),
        cats as (select distinct category from weekly_counts where model_version = (select version from model))
        select grid.week, cats.category, coalesce(counts.n, 0)::integer as n
        from grid cross join cats left join counts using (week, category)
        where len(?::varchar[]) = 0 or list_contains(?::varchar[], cats.category)
        order by grid.week, cats.category""", [town, town, weeks, categories or [], categories or []])


# ---------------------------------------------------------------- data staff
def batches(con) -> pl.DataFrame:
    return con.sql("""select batch_id, file_name, channel, encoding, rows_in, rows_loaded, rows_quarantined,
                             started_at, finished_at from batches order by started_at desc""").pl()


def quarantine(con, batch_id: str | None = None, limit: int = 500, open_only: bool = False) -> pl.DataFrame:
    """Quarantined rows (of one batch, or all; or only those still to mend) with their file, row,
    column, kind, reason and what became of them (``state``, and the batch and file that loaded a
    mended one)."""
    return frame(con, f"""select q.batch_id, q.file_name, q.row_number, q."column", q.kind, q.reason, q.raw,
                              {QUARANTINE_STATE_COLUMN} as state, later.batch_id as loaded_by,
                              lb.file_name as loaded_from
                       {quarantine_state(con)}
                       where (?::varchar is null or q.batch_id = ?) and (not ? or {QUARANTINE_STATE_COLUMN} = 'open')
                       order by q.file_name, q.row_number limit ?""",
                 [batch_id, batch_id, open_only, limit])


def quarantine_open(con) -> pl.DataFrame:
    """Per batch, how many of its quarantined rows are still to mend."""
    return con.sql(f"""select q.batch_id, count(*) filter (where {QUARANTINE_STATE_COLUMN} = 'open')::integer as open
                       {quarantine_state(con)} group by q.batch_id""").pl()


def model_versions(con) -> pl.DataFrame:
    return con.sql("""select version, status, created_at, train_rows, train_hash, code_version, metrics
                      from model_versions order by created_at desc""").pl()


def find_reports(con, text: str, limit: int = 50) -> pl.DataFrame:
    """Reports whose id is ``text`` (ours, ``hotline:GD…``, or the source system's, ``GD…``) or whose
    title or (masked) text contains it, newest first, with what they are labelled now, what the
    model flagged (null where nothing) and whether the model scored them at all."""
    # Newest first, so the last weeks are searched before the whole history: reports are stored in
    # about the order they came, and a bound cutoff lets the scan skip older row groups. Enough
    # hits there are the newest overall, unless ``text`` is an id (then it must come first).
    # ids are matched whatever their letters' case (gd2026… finds GD2026…)
    latest, exact = con.sql("""select max(received_at),
                                      count(*) filter (where lower(report_id) = lower(?) or lower(source_id) = lower(?))
                               from reports""", params=[text, text]).fetchone()
    for since in ([latest - RECENT] if latest is not None and not exact else []) + [None]:
        hits = frame(con, """
            select report_id, channel, received_at, title, text, source_category from reports r
            where (lower(r.report_id) = lower(?) or lower(r.source_id) = lower(?)
                   or (length(?) >= 2 and (contains(r.text, ?) or contains(coalesce(r.title, ''), ?))))
              and (?::timestamp is null or r.received_at >= ?::timestamp)
            order by (lower(r.report_id) = lower(?) or lower(r.source_id) = lower(?)) desc, r.received_at desc limit ?""",
                [text, text, text, text, text, since, since, text, text, limit])
        if hits.height >= limit:
            break
    # one bound ? per hit: the labels and flags of a few reports, not of every report
    ids = hits["report_id"].to_list() or [None]
    keys = ", ".join("?" * len(ids))
    extra = frame(con, f"""
        with {_MODEL},
        l as (select report_id, arg_max(labels, labelled_at) as labels from labels
              where report_id in ({keys}) group by report_id),
        f as (select report_id, list(category order by category) filter (where flagged) as flagged
              from report_scores where model_version = (select version from model) and report_id in ({keys})
              group by report_id)
        select report_id, l.labels, f.flagged, f.report_id is not null as scored
        from l full join f using (report_id)""", [*ids, *ids])
    return hits.join(extra, on="report_id", how="left").with_columns(pl.col("scored").fill_null(False)).select(
        "report_id", "channel", "received_at", "title", "text", "source_category", "labels", "flagged", "scored")
