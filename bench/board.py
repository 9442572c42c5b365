"""Board speed benchmark: each page's first render and each filter change, measured in a browser.

Issue target (the board for all three users): with one million reports and a year of alerts in the
warehouse, first render <= 2 s and filter change <= 0.5 s. Timings are printed, never asserted.

**The warehouse is built directly.** Scoring a million reports with the real flows takes the better
part of an hour on two cores, and the board only reads what they leave, so the benchmark makes the
same tables in bulk, through ``pipelines.warehouse`` (its schema and functions) wherever it can:

1. a pool of ``--pool`` reports (default 20,000) made by the real tools in a scratch home:
   ``shaobing sample``, ``areas import``, ``ingest`` and ``retrain``, then the weekly flow's own
   scoring task, so each pooled report has its masked text, area, channel and real scores and terms;
2. ``shaobing areas import data/sample/areas.csv`` into the benchmark's home;
3. ``--reports`` reports copied from the pool in SQL: a copy keeps its pooled report's week (its
   time jittered by up to an hour), channel, title and scores; it gets its own id, reporter key and
   monthly batch, the time in front of its text (no two texts are equal), and half the copies of a
   village's report go to another village of the same town (weekly counts are not multiples of the
   copies); a batch per channel and month with a few quarantined rows; the pool's champion (its
   files copied) with a retired and a challenger version; no token cache (the board never reads it);
4. weekly counts by ``warehouse.refresh_weekly_counts``; a ``weekly_runs`` row per week;
5. a year of alerts (the last 52 weeks): each week the area x category keys whose count stands out
   from their last 8 weeks (EARS C2's statistic above 2) and the places the pooled flagged reports
   name (``features.entities.named_in``, as the weekly flow) signal; a key that signalled within 3
   weeks extends its alert, others open one while ``--alerts-per-week`` lasts (default 50, five
   times ``SHAOBING_ALERT_BUDGET``'s default); reports linked as the weekly flow links them (the
   flagged reports of the area and all under it that week, or those naming the place over the
   cluster window); explanations and ranks by ``models.alerts.explain`` and ``rank_score``; statuses
   by age (recent ones mostly new or under review, older ones resolved, dismissed, expired or
   merged; one open alert per key); a signal per alert week; review labels for decided alerts;
6. ``warehouse.publish_snapshot``, as every flow ends; one user per role by
   ``shaobing users add bench-ROLE --role ROLE --password-stdin``.

**The measurement.** Streamlit serves the board on a free local port (as ``tests/e2e``) and
Playwright drives Debian's headless Chromium (never ``playwright install``). Each measurement runs,
timed inside the browser, from the user's action (the pointer going down on the sign-in button, a
menu link or a filter's option; Enter in a search box) until the page is done: Streamlit idle
(``stApp``'s ``data-test-script-state`` is ``notRunning``, connected, no stale element or
skeleton), the texts the page or filter shows present, the filter's value in the address (the board
mirrors every filter into it while it reruns), every visible chart drawn (vega ``.marks``) and every
visible table's canvas there, all of it holding for 150 ms. A page's first render is measured from
signing in (password check included) and from the menu. Before each user's pass the snapshot's
mtime moves on, as when a flow has just published: the board's query caches start cold, so each
number is what the first visitor after a publish waits. ``--warmup`` passes (default 1) load the
server's modules first; then ``--repeat`` passes, each user in a fresh browser context; the table
shows the median and the worst. An error on the board (``stException``) or a page not done within
3 minutes ends the benchmark with exit status 1 (a screenshot is kept); no ``/usr/bin/chromium``,
exit status 2.

Usage: ``.venv/bin/python bench/board.py [--reports 1000000] [--home DIR] [--keep] [--repeat 3] [--json]``;
building is the slow part: build once with ``--home DIR``, then measure again with the same ``--home``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.tables import block_table  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
AREAS = REPO / "data" / "sample" / "areas.csv"
PASSWORD = "bench-password-1"
FIRST_RENDER, FILTER_CHANGE = 2.0, 0.5
HOLD_MS = 150
WAIT_S = 180
ROLES = ("leader", "analyst", "data_staff", "admin")


def log(msg: str) -> None:
    print(f"[board bench] {msg}", file=sys.stderr, flush=True)


def env_for(home: Path) -> dict:
    return {**os.environ, "SHAOBING_HOME": str(home), "PREFECT_HOME": str(home / "prefect"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PYTHONDONTWRITEBYTECODE": "1"}


def cli(home: Path, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", *args], cwd=REPO, env=env_for(home), input=stdin,
                          text=True, capture_output=True)
    if done.returncode != 0:
        raise SystemExit(f"shaobing {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


# ================================================================= 1. the warehouse
def make_pool(home: Path, reports: int) -> None:
    """(Run in a child process with SHAOBING_HOME=home.) A warehouse of ``reports`` sample reports
    loaded, trained on and scored by the real commands and the weekly flow's scoring task."""
    from pipelines import registry, settings, warehouse
    from pipelines.cli import main

    sample = home.parent / "sample"
    steps = (["sample", "--out", str(sample), "--reports", str(reports)], ["areas", "import", str(sample / "areas.csv")],
             ["ingest", *(str(sample / f) for f in ("hotline.csv", "petitions.xlsx", "grid.jsonl"))], ["retrain"])
    for args in steps:
        if main(args) != 0:
            raise SystemExit(f"pool: shaobing {' '.join(args)} failed")
    from pipelines.weekly import score_reports

    with warehouse.open_warehouse(settings.warehouse_path()) as con:
        champ = warehouse.champion(con)
    score_reports(champ["version"], champ["path"], date(2100, 1, 1), words=registry.model_words(champ))


def build(home: Path, reports: int, pool: int, per_week: int) -> dict:
    """Build ``home`` (see the module's docstring); seconds per step."""
    steps: dict[str, float] = {}
    scratch = Path(tempfile.mkdtemp(prefix="board-bench-pool-", dir=home.parent))
    pool_home = scratch / "home"
    try:
        t = time.perf_counter()
        log(f"pool: {pool:,} sample reports through sample, areas import, ingest, retrain, scoring …")
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "_pool", str(pool_home), str(pool)],
                              cwd=REPO, env=env_for(pool_home), text=True, capture_output=True)
        if done.returncode != 0:
            raise SystemExit(f"building the pool failed ({done.returncode}):\n"
                             f"{done.stdout[-3000:]}\n{done.stderr[-6000:]}")
        steps["pool (real flows)"] = time.perf_counter() - t

        t = time.perf_counter()
        cli(home, "areas", "import", str(AREAS))
        steps["areas import"] = time.perf_counter() - t
        steps.update(fill(home, pool_home, reports, per_week))

        t = time.perf_counter()
        from pipelines import warehouse

        warehouse.publish_snapshot(home / "warehouse.duckdb", home / "board.duckdb")
        steps["publish snapshot"] = time.perf_counter() - t
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return steps


def fill(home: Path, pool_home: Path, n: int, per_week: int) -> dict:
    from pipelines import warehouse

    steps = {}
    with warehouse.open_warehouse(home / "warehouse.duckdb") as con:
        # ATTACH takes no bound parameter: the path is our own scratch directory, quoted as a literal
        con.execute("attach " + "'" + str(pool_home / "warehouse.duckdb").replace("'", "''") + "' as pool (read_only)")
        champ = con.sql("select * from pool.model_versions where status = 'champion'").pl().row(0, named=True)
        version = champ["version"]
        t = time.perf_counter()
        log(f"reports: {n:,} copied from the pool, with their scores …")
        copy_reports(con, n, version)
        steps["reports and scores"] = time.perf_counter() - t
        t = time.perf_counter()
        batches_and_quarantine(con)
        model_versions(con, champ, pool_home, home)
        steps["batches, quarantine, models"] = time.perf_counter() - t
        t = time.perf_counter()
        log("weekly counts (warehouse.refresh_weekly_counts) …")
        last = con.sql("select max(date_trunc('week', received_at))::date from reports").fetchone()[0]
        warehouse.refresh_weekly_counts(con, version, last + timedelta(days=7))
        steps["weekly counts"] = time.perf_counter() - t
        t = time.perf_counter()
        log("a year of alerts …")
        make_alerts(con, version, per_week, last)
        steps["alerts"] = time.perf_counter() - t
        warehouse.review_watermarks(con)  # the review tables the flows create on their first fold
        con.execute("detach pool")
        con.execute("checkpoint")
    return steps


def copy_reports(con, n: int, version: str) -> None:
    from pipelines import settings

    now = settings.now()
    con.execute("create temp table pooled as select row_number() over (order by received_at, report_id) - 1 as j, * "
                "from pool.reports")
    size = con.sql("select count(*) from pooled").fetchone()[0]
    # i-th report: pooled report i % size, copy i // size; times jittered by up to an hour either way
    # (within the pooled report's week)
    # half the copies of a village's report go to another village of the same town: counts stay
    # smooth (not multiples of the copies) while towns and the planted hotspots keep their share
    con.execute("""create temp table siblings as
        select a.area_code, v.area_code as sibling, count(*) over (partition by a.area_code) as m,
               row_number() over (partition by a.area_code order by v.area_code) - 1 as k
        from areas a join areas v on v.parent_code = a.parent_code and v.level = a.level""")
    con.execute("""
        create temp table copies as
        with idx as (select i, i // $size as copy, i % $size as j from range($n) t(i)),
        base as (
            select i, copy, p.* exclude (j),
                   least(greatest(p.received_at + to_seconds((hash(i) % 7201)::bigint - 3600),
                                  date_trunc('week', p.received_at)),
                         date_trunc('week', p.received_at) + interval 7 day - interval 1 second, $now::timestamp) as ts
            from idx join pooled p using (j))
        , picked as (
            select base.*, hash(i, 'sibling') % m.m as k
            from base left join (select distinct area_code, m from siblings) m using (area_code))
        select picked.* exclude (k) replace (case when hash(i, 'area') % 2 = 0 or s.sibling is null
                                                  then picked.area_code else s.sibling end as area_code),
               case channel when 'hotline' then 'GD' when 'petition' then 'XF' else 'WG' end
               || strftime(ts, '%Y%m%d') || lpad(i::varchar, 7, '0') as sid
        from picked left join siblings s on s.area_code = picked.area_code and s.k = picked.k""",
                {"size": size, "n": n, "now": now})
    con.execute("""
        insert into reports (report_id, channel, source_id, received_at, area_code, address, title, text, subject,
                             people_count, reporter_key, source_category, content_hash, near_duplicate_of, row_hash,
                             batch_id, ingested_at)
        select channel || ':' || sid, channel, sid, ts, area_code, address, title, txt, subject, people_count,
               case when reporter_key is null then null else md5(reporter_key || ':' || copy) end,
               source_category, md5(txt), null, md5(channel || sid || txt),
               'B' || strftime(ts, '%Y%m') || '-' || channel,
               least(date_trunc('month', ts) + interval 1 month + interval 2 day + interval 9 hour, $now::timestamp)
        from (select *, strftime(ts, '%m月%d日%H时%M分') || '，' || text as txt from copies)
        order by ts""", {"now": now})
    con.execute("""
        insert into report_scores
        select c.channel || ':' || c.sid, $v, s.category, s.probability, s.flagged, s.top_terms
        from copies c join pool.report_scores s on s.report_id = c.report_id and s.model_version = $v""",
                {"v": version})
    con.execute("create temp table pool_of as select channel || ':' || sid as report_id, report_id as pool_id from copies")
    con.execute("drop table copies")


QUARANTINE_REASONS = {
    "hotline": [("来电时间", "invalid", "cannot read '2025/13/41 25:61' as a date (expected e.g. 2025-01-13 09:31:07)"),
                ("诉求内容", "invalid", "empty: expected the report's text"),
                (None, "duplicate", "same record as row {row} above"),
                ("来电时间", "invalid", "date '25-01-13' reads as a year before 1990: expected a four-digit year")],
    "petition": [("信访人数", "invalid", "cannot read '若干' as a number of people"),
                 ("登记日期", "invalid", "cannot read '2025年13月' as a date (expected e.g. 2025-01-13 09:31:07)"),
                 ("信访件编号", "conflict", "id already loaded by an earlier batch with other content")],
    "grid": [("reported_at", "invalid", "date '2031-02-30 10:00:00' lies in the future"),
             ("description", "invalid", "empty: expected the report's text"),
             (None, "duplicate", "already loaded by an earlier batch")],
}
PREFIX = {"hotline": "GD", "petition": "XF", "grid": "WG"}
FILE_NAMES = {"hotline": ("12345热线工单_{month}.csv", "gb18030"), "petition": ("信访登记_{month}.xlsx", "xlsx"),
              "grid": ("网格事件_{month}.jsonl", "utf-8")}


def batches_and_quarantine(con) -> None:
    """A batch per channel and month, as monthly exports would load; about 0.3 % of rows quarantined."""
    import polars as pl

    rng = random.Random(7)
    groups = con.sql("""select batch_id, channel, min(ingested_at) as started, count(*) as loaded,
                               strftime(min(received_at), '%Y-%m') as month
                        from reports group by all order by started, channel""").pl()
    batch_rows, q_rows = [], []
    for b in groups.iter_rows(named=True):
        name, encoding = FILE_NAMES[b["channel"]]
        file_name = f"/srv/exports/{b['month']}/{name.format(month=b['month'])}"
        quarantined = max(1, round(b["loaded"] * rng.uniform(0.001, 0.005)))
        for k in range(quarantined):
            column, kind, reason = rng.choice(QUARANTINE_REASONS[b["channel"]])
            row = rng.randint(2, b["loaded"] + quarantined)
            earlier = max(1, row - rng.randint(1, 40))
            q_rows.append((b["batch_id"], file_name, row, column, kind, reason.format(row=earlier),
                           f"{PREFIX[b['channel']]}{row:07d},[已隐去],……"))
        rows_in = b["loaded"] + quarantined
        digest = hashlib.sha256(f"{file_name}:{rows_in}".encode()).hexdigest()
        batch_rows.append((b["batch_id"], file_name, digest, b["channel"],
                           encoding, rows_in, b["loaded"], quarantined, b["started"],
                           b["started"] + timedelta(seconds=5 + b["loaded"] / 3000)))
    from pipelines.warehouse import registered

    batches = pl.DataFrame(batch_rows, orient="row", schema=["batch_id", "file_name", "file_hash", "channel", "encoding",
                                                              "rows_in", "rows_loaded", "rows_quarantined", "started_at",
                                                              "finished_at"])
    quarantine = pl.DataFrame(q_rows, orient="row", schema=["batch_id", "file_name", "row_number", "column", "kind",
                                                             "reason", "raw"])
    with registered(con, b=batches, q=quarantine):
        con.execute("insert into batches by name select * from b")
        con.execute("insert into quarantine by name select * from q")


def model_versions(con, champ: dict, pool_home: Path, home: Path) -> None:
    """The pool's champion (its files copied), a retired version before it and a challenger after it."""
    from pipelines import warehouse

    src = pool_home / champ["path"]
    dst = home / champ["path"]
    dst.parent.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(src.parent, dst.parent, dirs_exist_ok=True)
    metrics = json.loads(champ["metrics"])

    def shifted(delta: float) -> str:
        m = json.loads(json.dumps(metrics))
        for v in m["labels"].values():
            v["f1"] = max(0.0, min(1.0, v["f1"] + delta))
        m["macro_f1"] = sum(v["f1"] for v in m["labels"].values()) / len(m["labels"])
        return json.dumps(m)

    created = champ["created_at"]
    warehouse.add_model_version(con, {**champ, "status": "champion"})
    for version, when, delta, status in (("m-bench-retired", created - timedelta(days=120), -0.03, "retired"),
                                         ("m-bench-challenger", created - timedelta(days=10), -0.01, "challenger")):
        warehouse.add_model_version(con, {**champ, "version": version, "created_at": when, "metrics": shifted(delta),
                                          "status": status})


# ---------------------------------------------------------------- alerts
def make_alerts(con, version: str, per_week: int, last: date) -> None:
    import polars as pl

    from pipelines.warehouse import registered

    rng = random.Random(11)
    weeks_all = [r[0] for r in con.sql("select distinct week from weekly_counts where model_version = ? order by week",
                                       params=[version]).fetchall()]
    alert_weeks = weeks_all[-52:]
    signals = area_signals(con, version, weeks_all, alert_weeks)
    scale = (con.sql("select count(*) from reports").fetchone()[0]
             / con.sql("select count(*) from pool.reports").fetchone()[0])
    places = place_signals(con, version, alert_weeks, scale)
    alerts, links_wanted = evolve(signals, places, alert_weeks, per_week)
    con.execute("""create temp table flagged as
        with recursive lineage(report_id, area_code) as (
            select r.report_id, r.area_code from reports r where r.area_code is not null
            union all
            select l.report_id, a.parent_code from lineage l join areas a on a.area_code = l.area_code
            where a.parent_code is not null)
        select date_trunc('week', r.received_at)::date as week, l.area_code, s.category, s.report_id
        from report_scores s join reports r using (report_id) join lineage l using (report_id)
        where s.model_version = ? and s.flagged""", [version])
    area_weeks = pl.DataFrame([w for w in links_wanted if w["place"] is None],
                              schema={"alert_id": pl.String, "area_code": pl.String, "category": pl.String,
                                      "week": pl.Date, "place": pl.String})
    place_weeks = pl.DataFrame([w for w in links_wanted if w["place"] is not None],
                               schema={"alert_id": pl.String, "area_code": pl.String, "category": pl.String,
                                       "week": pl.Date, "place": pl.String})
    with registered(con, aw=area_weeks, pw=place_weeks):
        con.execute("""insert or ignore into alert_reports
                       select aw.alert_id, f.report_id, aw.week from aw
                       join flagged f on f.week = aw.week and f.area_code = aw.area_code and f.category = aw.category""")
        # a place alert: the flagged reports of its category naming the place, over the cluster window
        con.execute("""insert or ignore into alert_reports
                       select pw.alert_id, s.report_id, pw.week from pw
                       join place_mentions m on m.place = pw.place
                       join pool_of o on o.pool_id = m.pool_id
                       join report_scores s on s.report_id = o.report_id and s.category = pw.category and s.flagged
                       join reports r on r.report_id = o.report_id
                       where date_trunc('week', r.received_at)::date between pw.week - interval 21 day and pw.week""")
    alerts = finish_alerts(con, alerts, last, rng)
    frame = pl.DataFrame(alerts, schema={"alert_id": pl.String, "area_code": pl.String, "category": pl.String,
                                         "first_week": pl.Date, "last_week": pl.Date, "status": pl.String,
                                         "score": pl.Float64, "observed": pl.Float64, "expected": pl.Float64,
                                         "explanation": pl.String, "created_at": pl.Datetime("us"),
                                         "updated_at": pl.Datetime("us"), "place": pl.String, "rank": pl.Float64})
    sig = pl.DataFrame([s for a in alerts for s in a["_signals"]], schema={
        "signal_id": pl.String, "week": pl.Date, "area_code": pl.String, "category": pl.String, "detector": pl.String,
        "observed": pl.Float64, "expected": pl.Float64, "upper": pl.Float64, "score": pl.Float64,
        "model_version": pl.String, "place": pl.String}).with_columns(pl.lit(version).alias("model_version"))
    sig = sig.unique("signal_id", keep="first")
    runs = pl.DataFrame({"week": weeks_all}).join(
        sig.group_by("week").agg(pl.len().alias("signals")), on="week", how="left").join(
        frame.group_by(pl.col("first_week").alias("week")).agg(pl.len().alias("new_alerts")), on="week", how="left"
    ).with_columns(pl.lit(version).alias("model_version"),
                   (pl.col("week").cast(pl.Datetime("us")) + pl.duration(days=7, hours=6)).alias("ran_at"),
                   pl.col("signals").fill_null(0).cast(pl.Int32), pl.col("new_alerts").fill_null(0).cast(pl.Int32))
    with registered(con, al=frame, sg=sig, wr=runs):
        con.execute("insert into alerts by name select * from al")
        con.execute("insert into signals by name select * from sg")
        con.execute("insert into weekly_runs by name select week, model_version, ran_at, signals, new_alerts from wr")
    review_labels(con, rng)
    con.execute("drop table flagged")


def area_signals(con, version: str, weeks_all: list[date], alert_weeks: list[date]):
    """Per week, the area x category keys whose count stands out from their last 8 weeks (EARS C2's
    statistic, (n - mean) / (sd + 1), above 2)."""
    import polars as pl

    from pipelines import warehouse

    counts = warehouse.weekly_counts(con, version)
    keys = counts.select("area_code", "category").unique()
    grid = (keys.join(pl.DataFrame({"week": weeks_all}), how="cross")
            .join(counts, on=["week", "area_code", "category"], how="left")
            .with_columns(pl.col("n").fill_null(0))
            .sort("area_code", "category", "week"))
    past = pl.col("n").shift(1)
    grid = grid.with_columns(past.rolling_mean(8).over("area_code", "category").alias("expected"),
                             past.rolling_std(8).over("area_code", "category").alias("sd")).with_columns(
        ((pl.col("n") - pl.col("expected")) / (pl.col("sd") + 1)).alias("z"))
    return (grid.filter(pl.col("week").is_in(alert_weeks) & (pl.col("n") >= 3) & (pl.col("z") > 2.0))
            .drop("sd").with_columns(pl.lit(None, pl.String).alias("place")))


def place_signals(con, version: str, alert_weeks: list[date], scale: float):
    """Places and organisations the pooled flagged reports name (``named_in``, as the weekly flow),
    counted over 4-week windows (times ``scale``, the copies made of each pooled report): the
    clusters a busy week may raise."""
    import polars as pl

    from features.entities import named_in
    from pipelines import warehouse

    names = [r[0] for r in con.sql("select name from areas").fetchall()]
    flagged = warehouse.frame(con, """select p.report_id as pool_id, p.text, p.subject, s.category,
                                date_trunc('week', p.received_at)::date as week, p.area_code
                         from pool.reports p join pool.report_scores s on s.report_id = p.report_id
                         where s.flagged and s.model_version = ?""", [version])
    rows = [(pid, place) for pid, text, subject in zip(flagged["pool_id"], flagged["text"], flagged["subject"])
            for place in named_in(text, subject, names)]
    mentions = pl.DataFrame(rows, schema={"pool_id": pl.String, "place": pl.String}, orient="row").unique()
    con.register("place_mentions_frame", mentions)
    con.execute("create temp table place_mentions as select * from place_mentions_frame")
    con.unregister("place_mentions_frame")
    per_week = flagged.join(mentions, on="pool_id").group_by("week", "place", "category").agg(
        pl.len().alias("n"), pl.col("area_code").drop_nulls().mode().sort().first().alias("area_code"))
    out = []
    for week in alert_weeks:
        window = per_week.filter(pl.col("week").is_between(week - timedelta(weeks=3), week))
        this = window.filter(pl.col("week") == week).select("place", "category").unique()
        keyed = (window.join(this, on=["place", "category"]).group_by("place", "category")
                 .agg(pl.col("n").sum(), pl.col("area_code").drop_nulls().mode().sort().first())
                 .filter(pl.col("n") >= 2).with_columns(pl.lit(week).alias("week")))
        out.append(keyed)
    frame = pl.concat(out) if out else pl.DataFrame()
    return frame.with_columns((pl.col("n").cast(pl.Float64).log1p() * 2).alias("z"),
                              (pl.col("n") * scale).round().alias("n")).with_columns(
        (pl.col("n") * 0.25).alias("expected")).sort("week", "z", descending=[False, True])


def evolve(signals, places, alert_weeks: list[date], per_week: int) -> tuple[list[dict], list[dict]]:
    """Alerts week by week: a signal extends its key's alert if the key alerted in the last 3 weeks,
    else opens a new one while the week's budget lasts: area signals first, the strongest first,
    then place clusters."""
    from models.alerts import alert_id

    alive: dict[tuple, dict] = {}
    alerts, links = [], []
    for week in alert_weeks:
        new = 0
        todays = [*signals.filter(signals["week"] == week).sort("z", descending=True).iter_rows(named=True),
                  *(places.filter(places["week"] == week).iter_rows(named=True) if places.height else [])]
        for s in todays:
            key = ("place:" + s["place"] if s["place"] else s["area_code"], s["category"])
            a = alive.get(key)
            if a is not None and (week - a["last_week"]).days <= 21:
                a["last_week"] = week
            elif new < per_week:
                a = {"alert_id": alert_id(s["area_code"], s["category"], week, s["place"]), "area_code": s["area_code"],
                     "category": s["category"], "place": s["place"], "first_week": week, "last_week": week, "_weeks": []}
                alive[key] = a
                alerts.append(a)
                new += 1
            else:
                continue
            expected = float(s["expected"] or 0.0)
            a.update(observed=float(s["n"]), expected=expected, score=float(min(max(s["z"], 0.5), 20.0)))
            a["_weeks"].append((week, float(s["n"]), expected))
            links.append({"alert_id": a["alert_id"], "area_code": s["area_code"], "category": s["category"],
                          "week": week, "place": s["place"]})
    return alerts, links


STATUS_BY_AGE = (  # (weeks since the alert's last week up to, statuses and their weights)
    (0, {"new": 45, "reviewing": 25, "confirmed": 12, "dispatched": 10, "dismissed": 8}),
    (8, {"new": 10, "reviewing": 8, "confirmed": 8, "dispatched": 14, "resolved": 30, "dismissed": 22, "merged": 4,
         "expired": 4}),
    (10**6, {"expired": 30, "resolved": 40, "dismissed": 24, "merged": 4, "dispatched": 2}),
)
DETECTORS = ("pooled_cusum", "farrington")  # models.detectors.COMBINED


def finish_alerts(con, alerts: list[dict], last: date, rng: random.Random) -> list[dict]:
    """Statuses, times, evidence, explanations, ranks and signals of the alerts."""
    from features.entities import escalation
    from models.alerts import explain, rank_score, severity
    from pipelines import settings
    from pipelines.taxonomy import taxonomy

    names = dict(con.sql("select area_code, name from areas").fetchall())
    tax = taxonomy()
    evidence = alert_evidence(con, alerts)
    now = settings.now()
    by_key: dict[tuple, list[dict]] = {}
    for a in alerts:
        age = (last - a["last_week"]).days // 7
        table = next(t for limit, t in STATUS_BY_AGE if age <= limit)
        a["status"] = rng.choices(list(table), weights=list(table.values()))[0]
        by_key.setdefault((a["place"] or a["area_code"], a["category"]), []).append(a)
    for same in by_key.values():  # one open alert per key: the latest
        open_ = [a for a in sorted(same, key=lambda a: a["last_week"], reverse=True)
                 if a["status"] in ("new", "reviewing", "confirmed", "dispatched")]
        for a in open_[1:]:
            a["status"] = "expired" if a["status"] == "new" else "resolved"
    for a in alerts:
        run = datetime.combine(a["first_week"], datetime.min.time()) + timedelta(days=7, hours=6)
        a["created_at"] = run
        if a["status"] == "new":
            a["updated_at"] = datetime.combine(a["last_week"], datetime.min.time()) + timedelta(days=7, hours=6)
        elif a["status"] == "expired":
            a["updated_at"] = datetime.combine(a["last_week"], datetime.min.time()) + timedelta(weeks=9, hours=6)
        else:
            days = rng.uniform(0.2, 3) if a["status"] == "reviewing" else rng.uniform(1, 45)
            a["updated_at"] = run + timedelta(days=days)
        a["updated_at"] = min(max(a["updated_at"], run), now)
        ev = evidence.get(a["alert_id"], {})
        texts = ev.pop("_texts", [])
        words = list(dict.fromkeys(w for t in texts for w in escalation(t)))
        ev.update(escalation=words, severity=severity(ev.get("people_max", 1), len(words), 0))
        streak = 1
        weeks = [w for w, _, _ in a["_weeks"]]
        while len(weeks) > streak and (weeks[-streak] - weeks[-streak - 1]).days == 7:
            streak += 1
        detector = "cluster" if a["place"] else rng.choice(DETECTORS)
        upper = a["expected"] + 2 * math.sqrt(a["expected"] + 1)
        where = (f"「{a['place']}」" + (f"（{names[a['area_code']]}一带）" if a["area_code"] in names else "")
                 if a["place"] else names.get(a["area_code"], a["area_code"]))
        a["explanation"] = explain(where, tax.name(a["category"]), int(a["observed"]), a["expected"], upper, a["score"],
                                   streak=streak, evidence=ev, detector=detector)
        a["rank"] = rank_score(a["score"], a["observed"], a["expected"], len(ev.get("channels") or {}) or 1,
                               ev["severity"])
        a["_signals"] = [{"signal_id": f"S-{w:%Y%m%d}-{detector}-{a['place'] or a['area_code']}-{a['category']}",
                          "week": w, "area_code": a["area_code"], "category": a["category"], "detector": detector,
                          "observed": n, "expected": e, "upper": e + 2 * math.sqrt(e + 1), "score": a["score"],
                          "model_version": None, "place": a["place"], "weeks": 1} for w, n, e in a["_weeks"]]
    return alerts


def alert_evidence(con, alerts: list[dict]) -> dict[str, dict]:
    """Per alert, from the reports linked in its last week: terms, channels, examples, head counts."""
    import polars as pl

    from pipelines.warehouse import registered

    keys = pl.DataFrame([(a["alert_id"], a["category"]) for a in alerts], orient="row",
                        schema={"alert_id": pl.String, "category": pl.String})
    with registered(con, k=keys):
        rows = con.sql("""
            with last as (select alert_id, max(week) as week from alert_reports group by alert_id)
            select x.alert_id, r.channel, r.title, r.text, r.people_count, s.probability, s.top_terms
            from alert_reports x join last using (alert_id, week) join k using (alert_id)
            join reports r using (report_id)
            join report_scores s on s.report_id = x.report_id and s.category = k.category and s.flagged""").pl()
    out: dict[str, dict] = {}
    for (alert,), g in rows.group_by("alert_id"):
        g = g.sort("probability", descending=True)
        terms = Counter(t for ts in g["top_terms"].to_list() if ts for t in ts)
        out[alert] = {"top_terms": [t for t, _ in terms.most_common(6)],
                      "channels": dict(Counter(g["channel"].to_list())),
                      "examples": list(dict.fromkeys(t or x[:40] for t, x in zip(g["title"], g["text"])))[:3],
                      "people_max": int(g["people_count"].fill_null(1).max() or 1),
                      "_texts": g["text"].to_list()[:200]}
    return out


def review_labels(con, rng: random.Random) -> None:
    """Labels from decided alerts (as the flows fold analysts' decisions in) and a few corrections."""
    con.execute("""
        insert into labels
        select x.report_id, case when a.status = 'dismissed' then []::varchar[] else [a.category] end, 'review',
               'bench-analyst', a.updated_at
        from alerts a join alert_reports x using (alert_id)
        where a.status in ('confirmed', 'dispatched', 'resolved', 'dismissed') and hash(x.report_id) % 5 = 0""")
    con.execute("""
        insert into labels
        select report_id, ['debt'], 'correction', 'bench-data', received_at + interval 30 day
        from reports where hash(report_id) % 2000 = 0""")


def add_users(home: Path) -> None:
    """One user per role, ``bench-<role>``, by the real command (run side by side: users.json is locked)."""
    procs = [subprocess.Popen([sys.executable, "-m", "pipelines.cli", "users", "add", f"bench-{role}", "--role", role,
                               "--password-stdin", "--replace"], cwd=REPO, env=env_for(home), text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for role in ROLES]
    for role, proc in zip(ROLES, procs):
        out, _ = proc.communicate(PASSWORD + "\n")
        if proc.returncode != 0:
            raise SystemExit(f"shaobing users add bench-{role} failed ({proc.returncode}):\n{out}")


def sizes(home: Path) -> dict:
    import duckdb

    con = duckdb.connect(str(home / "board.duckdb"), read_only=True)
    try:
        one = lambda q: con.sql(q).fetchone()[0]  # noqa: E731
        return {"reports": one("select count(*) from reports"),
                "report scores": one("select count(*) from report_scores"),
                "alerts": one("select count(*) from alerts"),
                "open alerts": one("select count(*) from alerts "
                                   "where status in ('new', 'reviewing', 'confirmed', 'dispatched')"),
                "alert reports": one("select count(*) from alert_reports"),
                "weeks": one("select count(distinct week) from weekly_counts"),
                "alert weeks": one("select count(distinct week) from alert_reports"),
                "snapshot MB": round((home / "board.duckdb").stat().st_size / 2**20)}
    finally:
        con.close()


# ================================================================= 2. the board and the browser
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(home: Path, log_name: str = "bench-streamlit.log"):
    """The board served over ``home`` on a free local port (as ``tests/e2e`` serves it too): the
    process, its address and its log file, once ``/_stcore/health`` answers."""
    port = free_port()
    logfile = open(home / log_name, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "dashboards" / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", "--client.toolbarMode", "minimal"],
        cwd=REPO, env=env_for(home), stdout=logfile, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    return proc, url, logfile
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop(proc, logfile)
                raise SystemExit(f"the board did not start:\n{(home / log_name).read_text()[-3000:]}")
            time.sleep(0.3)


def stop(proc, logfile) -> None:
    """Stops the board started by ``serve`` (its own process only) and closes its log."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    logfile.close()


# Installed once per page: the time the pointer goes down (the user's action) once armed, and whether
# a script run was seen since.
ARM = """() => {
  if (!window.__bench) {
    window.__bench = {};
    const start = () => { const b = window.__bench; if (b.armed && b.t0 === null) b.t0 = performance.now(); };
    document.addEventListener('pointerdown', start, true);
    document.addEventListener('keydown', start, true);
    new MutationObserver(() => {
      const b = window.__bench, app = document.querySelector('[data-testid="stApp"]');
      if (b.armed && b.t0 !== null && app && app.getAttribute('data-test-script-state') !== 'notRunning') b.ran = true;
    }).observe(document.documentElement, {attributes: true, subtree: true, attributeFilter: ['data-test-script-state']});
  }
  Object.assign(window.__bench, {armed: true, t0: null, calm: null, ran: false});
}"""
# Polled every animation frame: an error shown, or the seconds from the action until the page was
# done (idle, connected, nothing stale, the wanted address and texts, charts and tables drawn) and
# stayed so for `hold` ms.
DONE = """(want) => {
  const b = window.__bench;
  const err = document.querySelector('[data-testid="stException"]');
  if (err) return {error: err.innerText.slice(0, 3000)};
  const now = performance.now(), app = document.querySelector('[data-testid="stApp"]');
  let ok = !!b && b.t0 !== null && !!app && app.getAttribute('data-test-script-state') === 'notRunning'
    && app.getAttribute('data-test-connection-state') === 'CONNECTED'
    && !document.querySelector('[data-stale="true"], [data-testid="stSkeleton"]');
  if (ok && want.path !== null) ok = location.pathname.replace(/\\/+$/, '') === want.path;
  if (ok) { const q = new URLSearchParams(location.search); ok = want.query.every(([k, v]) => q.getAll(k).includes(v)); }
  if (ok) { const text = document.body.textContent; ok = want.texts.every(t => text.includes(t)); }
  const shown = (sel) => [...document.querySelectorAll(sel)].filter(e => e.checkVisibility());  // not in a hidden tab
  if (ok) ok = shown('[data-testid="stVegaLiteChart"]').every(c => c.querySelector('.marks'));
  if (ok) ok = shown('[data-testid="stDataFrame"]').every(d => d.querySelector('canvas'));
  if (ok && !want.texts.length && !want.query.length && want.path === null) ok = b.ran;
  if (!ok) { if (b) b.calm = null; return false; }
  if (b.calm === null) b.calm = now;
  return now - b.calm >= want.hold ? {seconds: (b.calm - b.t0) / 1000} : false;
}"""


class BoardError(SystemExit):
    pass


def timed(page, act, *, texts=(), query=(), path=None, what="") -> float:
    """Seconds from the pointer going down in ``act`` until the page is done (see DONE)."""
    page.evaluate(ARM)
    act()
    want = {"texts": list(texts), "query": [list(kv) for kv in query], "path": path, "hold": HOLD_MS}
    try:
        out = page.wait_for_function(DONE, arg=want, polling="raf", timeout=WAIT_S * 1000).json_value()
    except Exception as exc:  # a Playwright timeout: say what was awaited, where
        shot = Path(tempfile.gettempdir()) / "board-bench-failed.png"
        page.screenshot(path=str(shot), full_page=True)
        raise BoardError(f"{what}: the page was not done within {WAIT_S} s at {page.url}, waiting for {want} "
                         f"(screenshot {shot}): {exc}") from None
    if "error" in out:
        raise BoardError(f"{what}: the board shows an error at {page.url}:\n{out['error']}")
    return out["seconds"]


def sign_in(page, url: str, role: str, texts: list[str]) -> float:
    page.goto(url)
    page.get_by_label("用户名").fill(f"bench-{role}")
    page.get_by_label("密码").fill(PASSWORD)
    return timed(page, lambda: page.get_by_role("button", name="登录").click(), texts=texts,
                 what=f"{role} signs in")


def _open(page, label: str, option: str):
    """Opens a select box and types the option's name (long lists are virtual: only what is typed
    for is sure to be drawn); the option to click."""
    box = page.get_by_role("combobox", name=label)
    box.click()
    box.press_sequentially(option)
    choice = page.get_by_role("option", name=option, exact=True).first
    choice.wait_for()
    return choice


def pick(page, label: str, option: str, key: str, value: str, texts=()) -> float:
    """Picks an option of a select box or multiselect; seconds until the rerun has drawn."""
    took = timed(page, _open(page, label, option).click, query=[(key, value)], texts=texts, what=f"{label} = {option}")
    page.keyboard.press("Escape")
    return took


def pick_plain(page, label: str, option: str, texts) -> float:
    """A select box whose value is not in the address: done when ``texts`` show."""
    took = timed(page, _open(page, label, option).click, texts=texts, what=f"{label} = {option}")
    page.keyboard.press("Escape")
    return took


def segment(page, group: str, name: str, key: str, value: str) -> float:
    radio = page.get_by_role("radiogroup", name=group).get_by_role("radio", name=name)
    return timed(page, radio.click, query=[(key, value)], what=f"{group} = {name}")


def search(page, tab: str, label: str, words: str) -> float:
    """Types into a text box of a tab and presses Enter: seconds until the reports found show."""
    page.get_by_role("tab", name=tab).click()
    box = page.get_by_label(label)
    box.fill(words)
    return timed(page, lambda: box.press("Enter"), texts=["找到 ", "条（最多 30 条）"], what=f"search {words}")


def menu(page, name: str, path: str, texts: list[str]) -> float:
    link = page.get_by_role("link", name=name)
    return timed(page, link.click, path=path, texts=texts, what=f"menu {name}")


SEARCH_LABEL = "按诉求编号或关键词查找诉求"
HOTSPOTS = ["风险热点", "未结预警分布", "重点热点", "周走势"]
QUEUE = ["研判工作台", "本周预警（", "研判处置"]
DATA = ["数据与模型", "读入行数", "查看隔离行"]
ADMIN = ["用户与审计", "审计日志"]


def week_label(day: date) -> str:
    """The queue's label of a week (``dashboards.common.week_label``, not imported: it would load
    Streamlit's caches outside a server)."""
    year, week, _ = day.isocalendar()
    return f"{year}年第{week}周（{day.month}月{day.day}日起）"


def plan(home: Path) -> dict:
    """What the journeys pick, chosen from the snapshot so that every filter still shows alerts:
    the busiest week, its second alert, then its commonest category, status, town and channel."""
    import polars as pl

    from models.alerts import CHANNEL_NAMES
    from pipelines.reviews import STATUS_NAMES
    from pipelines.taxonomy import taxonomy
    from pipelines.warehouse import board

    tax = taxonomy()
    con = board.open_snapshot(home / "board.duckdb")
    try:
        cur = board.cursor(con)
        towns = board.towns(cur)
        week = board.weeks(cur)["week"].to_list()
        counts = {w: board.week_summary(cur, w)["alerts"][0] for w in week[:26]}
        busy = max(counts, key=lambda w: (counts[w], w))
        alerts = board.week_alerts(cur, busy)
        if alerts.height < 2:
            raise SystemExit("no week of the warehouse has two alerts: build it with more reports")
        second = alerts.row(1, named=True)
        category = alerts["category"].mode().sort()[0]
        mine = alerts.filter(pl.col("category") == category)
        status = mine["status"].mode().sort()[0]
        mine = mine.filter(pl.col("status") == status)
        areas = cur.sql("select area_code, level, parent_code from areas").pl()
        parent = dict(zip(areas["area_code"].to_list(), areas["parent_code"].to_list()))
        town_codes = set(towns["area_code"].to_list())

        def town_of(code):
            while code is not None and code not in town_codes:
                code = parent.get(code)
            return code

        def commonest_town(codes) -> str:
            found = Counter(t for t in map(town_of, codes) if t is not None)
            return max(found, key=lambda t: (found[t], t)) if found else towns["area_code"][0]

        town = commonest_town(mine["area_code"].to_list())
        mine = board.week_alerts(cur, busy, [category], [status], town)
        channel = Counter(c for cs in mine["channels"].to_list() for c in (cs or [])).most_common(1)
        channel = channel[0][0] if channel else "hotline"
        lead_town = commonest_town(board.hotspot_areas(cur, [category], None)["area_code"].to_list())
        batches = board.batches(cur)
        total_q = min(int(batches["rows_quarantined"].sum()), 500)
        batch = next(r for r in batches.iter_rows(named=True) if min(r["rows_quarantined"], 500) != total_q)
        still_open = dict(board.quarantine_open(cur).rows()).get(batch["batch_id"], 0)
    finally:
        con.close()
    town_name = dict(zip(towns["area_code"].to_list(), towns["name"].to_list()))
    label = (f"{second['place'] or second['area_name'] or second['area_code'] or '—'} · {tax.name(second['category'])}"
             f"（自 {second['first_week']}）")
    return {"week": busy.isoformat(), "week_label": week_label(busy), "second": second["alert_id"], "second_label": label,
            "category": category, "category_name": tax.name(category), "status": status,
            "status_name": STATUS_NAMES[status], "town": town, "town_name": town_name[town], "channel": channel,
            "channel_name": CHANNEL_NAMES[channel], "lead_town": lead_town, "lead_town_name": town_name[lead_town],
            "batch_label": f"{Path(batch['file_name']).name}（隔离 {batch['rows_quarantined']} 行，待处理 {still_open} 行）",
            "batch_rows": min(batch["rows_quarantined"], 500), "search": "欠薪"}


def journeys(browser, url: str, p: dict, fresh) -> list[tuple[str, str, str, float]]:
    """One pass: (role, page, what, seconds) for every measurement, each user in a fresh context;
    ``fresh()`` is called before each user (the snapshot published anew: query caches cold)."""
    out = []

    def context():
        fresh()
        ctx = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
        page = ctx.new_page()
        page.set_default_timeout(WAIT_S * 1000)
        return ctx, page

    ctx, page = context()
    add = lambda role, pg, what, s: out.append((role, pg, what, s))  # noqa: E731
    add("leader", "风险热点", "first render (sign-in)", sign_in(page, url, "leader", HOTSPOTS))
    add("leader", "风险热点", "filter 风险类别", pick(page, "风险类别", p["category_name"], "category", p["category"]))
    add("leader", "风险热点", "filter 乡镇（街道）", pick(page, "乡镇（街道）", p["lead_town_name"], "town", p["lead_town"]))
    add("leader", "风险热点", "filter 趋势周数 近13周", segment(page, "趋势周数", "近13周", "weeks", "13"))
    add("leader", "风险热点", "filter 趋势周数 近52周", segment(page, "趋势周数", "近52周", "weeks", "52"))
    add("leader", "风险热点", "toggle 大屏模式", timed(page, page.get_by_text("大屏模式").click, query=[("screen", "1")],
                                                  what="大屏模式"))
    ctx.close()

    ctx, page = context()
    add("analyst", "研判工作台", "first render (sign-in)", sign_in(page, url, "analyst", QUEUE))
    add("analyst", "研判工作台", "filter 周次", pick(page, "周次", p["week_label"], "week", p["week"]))
    add("analyst", "研判工作台", "open an alert", pick(page, "查看预警详情（也可点选上表中的一行）", p["second_label"], "alert",
                                                 p["second"], texts=[f"编号：{p['second']}"]))
    add("analyst", "研判工作台", "filter 风险类别", pick(page, "风险类别", p["category_name"], "category", p["category"]))
    add("analyst", "研判工作台", "filter 状态", pick(page, "状态", p["status_name"], "status", p["status"]))
    add("analyst", "研判工作台", "filter 区域", pick(page, "区域", p["town_name"], "area", p["town"]))
    add("analyst", "研判工作台", "filter 渠道", pick(page, "渠道", p["channel_name"], "channel", p["channel"]))
    add("analyst", "风险热点", "first render (menu)", menu(page, "风险热点", "/hotspots", HOTSPOTS))
    ctx.close()

    ctx, page = context()
    add("data_staff", "数据与模型", "first render (sign-in)", sign_in(page, url, "data_staff", DATA))
    add("data_staff", "数据与模型", "filter 查看隔离行", pick_plain(page, "查看隔离行", p["batch_label"],
                                                          [f"隔离行及原因（{p['batch_rows']} 行"]))
    add("data_staff", "数据与模型", "search 标签修正 (keyword)", search(page, "标签修正", SEARCH_LABEL, p["search"]))
    ctx.close()

    ctx, page = context()
    sign_in(page, url, "admin", QUEUE)
    add("admin", "用户与审计", "first render (menu)", menu(page, "用户与审计", "/admin", ADMIN))
    add("admin", "数据与模型", "first render (menu)", menu(page, "数据与模型", "/data", DATA))
    ctx.close()
    return out


def measure(home: Path, repeat: int, warmup: int) -> list[dict]:
    from playwright.sync_api import sync_playwright

    p = plan(home)
    snapshot = home / "board.duckdb"

    def fresh() -> None:  # as if a flow had just published: a new mtime, so every cached query is stale
        stamp = max(time.time(), snapshot.stat().st_mtime + 1)
        os.utime(snapshot, (stamp, stamp))

    proc, url, logfile = serve(home)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
            try:
                for i in range(warmup):
                    log(f"warm-up pass {i + 1}/{warmup} (the server's first sessions import the pages' modules)")
                    journeys(browser, url, p, fresh)
                runs = []
                for i in range(repeat):
                    log(f"pass {i + 1}/{repeat}")
                    runs.append(journeys(browser, url, p, fresh))
            finally:
                browser.close()
    except BoardError as exc:
        logfile.flush()
        tail = (home / "bench-streamlit.log").read_text(errors="replace")[-4000:]
        raise BoardError(f"{exc.code}\n--- the board's log (end) ---\n{tail}") from None
    finally:
        stop(proc, logfile)
    rows = []
    for j, (role, page_name, what, _) in enumerate(runs[0]):
        times = [run[j][3] for run in runs]
        target = FIRST_RENDER if what.startswith("first render") else FILTER_CHANGE
        median = statistics.median(times)
        rows.append({"block": role, "role": role, "page": page_name, "what": what, "median": median,
                     "worst": max(times), "runs": times, "target": target, "met": median <= target})
    return rows


COLUMNS = [("role", "role", "<"), ("page", "page", "<"), ("what", "measurement", "<"), ("median", "median s", ">"),
           ("worst", "worst s", ">"), ("target", "target s", ">"), ("met", "status", "<")]


def cell(row: dict, key: str) -> str:
    v = row[key]
    if key == "met":
        return "met" if v else "NOT MET"
    if key == "target":
        return f"<= {v:g}"
    if isinstance(v, float):
        return f"{v:.2f}"
    return str(v)


def render(rows: list[dict], facts: dict, steps: dict, info: dict) -> str:
    out = block_table(rows, COLUMNS, cell)
    out.append("warehouse: " + ", ".join(f"{k} {v:,}" for k, v in facts.items()) + f"  ({info['home']})")
    if steps:
        out.append(f"built directly in {sum(steps.values()):.0f} s: "
                   + ", ".join(f"{k} {v:.0f} s" for k, v in steps.items()))
    else:
        out.append("reused a built home (build time: see the run that built it)")
    out.append(f"median and worst of {info['repeat']} passes after {info['warmup']} warm-up pass(es); query caches cold "
               f"(snapshot re-stamped per user); cpus {os.cpu_count()}, load average {info['load']}; "
               f"total {info['total']:.0f} s")
    return "\n".join(out)


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reports", type=int, default=1_000_000, help="reports in the built warehouse (default 1000000)")
    ap.add_argument("--home", type=Path,
                    help="SHAOBING_HOME to build into once (kept) and to reuse when it has a snapshot")
    ap.add_argument("--keep", action="store_true", help="keep the temporary home and print where it is")
    ap.add_argument("--repeat", type=int, default=3, help="measured passes; the table shows their median (default 3)")
    ap.add_argument("--warmup", type=int, default=1, help="passes before measuring, not shown (default 1)")
    ap.add_argument("--pool", type=int, help="sample reports the real flows score, copied to make --reports "
                                             "(default: 20000 or --reports if fewer)")
    ap.add_argument("--alerts-per-week", type=int, default=50, help="most new alerts a week (default 50)")
    ap.add_argument("--json", action="store_true", help="print the rows and facts as JSON")
    args = ap.parse_args(argv)
    if args.repeat < 1 or args.reports < 100:
        ap.error("--repeat must be at least 1 and --reports at least 100")
    args.pool = min(args.pool or 20_000, args.reports)
    return args


def run(args: argparse.Namespace) -> dict:
    """Build (or reuse) the home, measure, and return the rows and facts."""
    t0 = time.perf_counter()
    tmp = None
    if args.home is None:
        tmp = Path(tempfile.mkdtemp(prefix="shaobing-board-bench-"))
        home = tmp / "home"
    else:
        home = args.home.resolve()
    try:
        steps = {}
        if (home / "board.duckdb").exists():
            log(f"reusing {home}")
        else:
            if home.exists() and any(home.iterdir()):
                raise SystemExit(f"{home} holds files but no board.duckdb: give an empty or a built home")
            home.mkdir(parents=True, exist_ok=True)
            steps = build(home, args.reports, args.pool, args.alerts_per_week)
        add_users(home)
        facts = sizes(home)
        rows = measure(home, args.repeat, args.warmup)
    finally:
        if tmp is not None and not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp is not None:
            log(f"kept {home}")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return {"rows": rows, "warehouse": facts, "build_seconds": steps,
            "info": {"home": str(home), "repeat": args.repeat, "warmup": args.warmup, "load": load,
                     "total": time.perf_counter() - t0}}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_pool"]:  # the child process that builds the pool (see build)
        make_pool(Path(argv[1]), int(argv[2]))
        return 0
    args = parse_args(argv)
    if not CHROMIUM.exists():
        print(f"error: {CHROMIUM} is missing: apt-get install chromium fonts-wqy-microhei", file=sys.stderr)
        return 2
    out = run(args)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1, default=str))
    else:
        print(render(out["rows"], out["warehouse"], out["build_seconds"], out["info"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
