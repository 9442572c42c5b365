"""Read-only queries of the board (run against the published snapshot).

Every function takes a connection (a cursor of the snapshot opened ``read_only``), binds its
parameters and returns a polars frame. "The alerts of a week" are the alerts alive in it
(``first_week <= week <= last_week``); their status, score and counts are the alert's current ones.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from models.alerts import CLOSED_STATUSES

# Tables the board reads; a snapshot missing any of them has no data for it yet.
TABLES = ("areas", "reports", "alerts", "alert_reports", "report_scores", "weekly_counts", "signals",
          "model_versions", "weekly_runs")
CLOSED = list(CLOSED_STATUSES)

# The model version whose counts and scores the board shows: the one the last weekly run used (a
# champion promoted since has no counts until the next run), else the champion.
_MODEL = """model as (select coalesce(
    (select model_version from weekly_runs order by ran_at desc limit 1),
    (select version from model_versions where status = 'champion' order by created_at desc limit 1)) as version)"""

_ALERT_COLUMNS = """
    a.alert_id, a.area_code, ar.name as area_name, parent.name as town_name, a.category,
    a.first_week, a.last_week, a.status, a.score, a.observed, a.expected,
    (select count(*) from alert_reports x where x.alert_id = a.alert_id) as reports, a.explanation"""
_ALERT_FROM = """alerts a left join areas ar on ar.area_code = a.area_code
    left join areas parent on parent.area_code = ar.parent_code"""


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


def cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor for one thread (connections are not thread-safe), reading the snapshot."""
    cur = con.cursor()
    cur.execute("use snapshot")
    return cur


def missing_tables(con) -> list[str]:
    """Board tables absent from the snapshot (all of them for an empty file)."""
    present = {r[0] for r in con.sql("select table_name from information_schema.tables "
                                     "where table_catalog = current_database()").fetchall()}
    return [t for t in TABLES if t not in present]


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
    return con.sql("""
        select count(*) filter (where a.first_week <= w.week and a.last_week >= w.week) as alerts,
               count(*) filter (where a.first_week = w.week) as new,
               count(distinct a.area_code) filter (where a.first_week <= w.week and a.last_week >= w.week) as areas,
               count(*) filter (where a.first_week <= w.week and not list_contains(?::varchar[], a.status)) as open
        from alerts a, (select ?::date as week) w""", params=[CLOSED, week]).pl()


def week_alerts(con, week: date, categories: list[str] | None = None,
                statuses: list[str] | None = None) -> pl.DataFrame:
    """The alerts of a week, strongest first; an empty or missing filter keeps every value."""
    return con.sql(f"""
        select {_ALERT_COLUMNS}
        from {_ALERT_FROM}
        where a.first_week <= ? and a.last_week >= ?
          and (len(?::varchar[]) = 0 or list_contains(?::varchar[], a.category))
          and (len(?::varchar[]) = 0 or list_contains(?::varchar[], a.status))
        order by a.score desc, a.alert_id""",
                   params=[week, week, categories or [], categories or [], statuses or [], statuses or []]).pl()


def alert(con, alert_id: str) -> pl.DataFrame:
    """One alert with the same columns as ``week_alerts`` (no rows if unknown)."""
    return con.sql(f"select {_ALERT_COLUMNS} from {_ALERT_FROM} where a.alert_id = ?", params=[alert_id]).pl()


def alert_reports(con, alert_id: str) -> pl.DataFrame:
    """The (PII-masked) reports behind an alert, newest first, with their score for its category."""
    return con.sql(f"""
        with {_MODEL}
        select r.report_id, r.channel, r.received_at, x.week, ar.name as area_name, r.title, r.text,
               s.probability
        from alert_reports x join alerts a using (alert_id) join reports r using (report_id)
        left join areas ar on ar.area_code = r.area_code
        left join report_scores s on s.report_id = r.report_id and s.category = a.category
              and s.model_version = (select version from model)
        where x.alert_id = ?
        order by r.received_at desc, r.report_id""", params=[alert_id]).pl()


def alert_series(con, alert_id: str) -> pl.DataFrame:
    """Weekly counts of the alert's area × category (zeros filled) and the detectors' expectation."""
    return con.sql(f"""
        with {_MODEL},
        k as (select area_code, category from alerts where alert_id = ?),
        span as (select min(week) as lo, max(week) as hi from weekly_counts
                 where model_version = (select version from model)),
        grid as (select unnest(generate_series(lo, hi, interval 7 day))::date as week from span),
        counts as (select c.week, c.n from weekly_counts c join k using (area_code, category)
                   where c.model_version = (select version from model)),
        expect as (select s.week, arg_max(s.expected, s.score) as expected from signals s
                   join k using (area_code, category)
                   where s.model_version = (select version from model) group by s.week)
        select grid.week, coalesce(counts.n, 0) as n, expect.expected
        from grid left join counts using (week) left join expect using (week)
        where exists (select 1 from k)
        order by grid.week""", params=[alert_id]).pl()
