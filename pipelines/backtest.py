"""`shaobing backtest`: replay detection week by week as it would have run then, and time it.

Each week sees only reports received before its end (the same detection as the weekly flow,
fed the same frames, which it cuts at the week), starting with no alerts at all. Nothing is
written: the warehouse's alerts, reviews and signals are left alone. Scores come from the
serving champion (scored by `shaobing weekly`), so the replay judges detection, not retraining.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl

from models.alerts import ALERT_SCHEMA
from . import settings, warehouse
from .detection import fold_week, replay_signals
from .labels import category_forms
from .sources import SourceError, read_raw
from .taxonomy import taxonomy
from .weekly import detection_inputs, detection_params, monday
from .wording import rows_named

EVENT_COLUMNS = ("area_code", "category", "first_week", "last_week")


def read_events(path: Path, area_codes: set[str] | None = None) -> pl.DataFrame:
    """Events to time (area_code, category, first_week, last_week, optional kind/description).

    A category may be written as its key in any case or its Chinese name (债务纠纷); an area code
    as Excel re-saves it (369901006002.0). Every row that names an area not in ``area_codes`` (the
    gazetteer), an unknown category, an unreadable week or a last week before its first is named,
    with its column and what was expected, and nothing is replayed: a misspelt event would have
    been timed as missed."""
    try:
        raw = read_raw(path)
    except SourceError as exc:
        raise SystemExit(str(exc)) from None
    missing = [c for c in EVENT_COLUMNS if c not in raw.header]
    if missing:
        raise SystemExit(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(EVENT_COLUMNS)} "
                         f"(as in data/sample/planted_hotspots.csv)")
    frame = pl.DataFrame(raw.rows, schema=raw.header, orient="row")
    problems = []
    forms = category_forms()
    codes = [re.sub(r"^(\d+)\.0+$", r"\1", (c or "").strip()) for c in frame["area_code"].to_list()]
    categories = [forms.get((c or "").strip().lower()) for c in frame["category"].to_list()]
    for n, code, given, key in zip(raw.row_numbers, codes, frame["category"].to_list(), categories):
        if area_codes is not None and code not in area_codes:
            problems.append((n, f"{path}: row {n}, column area_code: {code!r} is no area of the gazetteer"
                                " (expected a 12-digit code of `shaobing areas import`)"))
        if key is None:
            problems.append((n, f"{path}: row {n}, column category: {given!r} is no category; expected one of "
                                f"{', '.join(taxonomy().keys)} (or its Chinese name)"))
    frame = frame.with_columns(pl.Series("area_code", codes, dtype=pl.Utf8), pl.Series("category", categories, dtype=pl.Utf8))
    for col in ("first_week", "last_week"):
        parsed = frame[col].str.strip_chars().str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        problems += [(n, f"{path}: row {n}, column {col}: expected a date such as 2026-01-05, got {v!r}")
                     for n, v, bad in zip(raw.row_numbers, frame[col].to_list(), parsed.is_null().to_list()) if bad]
        frame = frame.with_columns(parsed.alias(col))
    problems += [(n, f"{path}: row {n}, column last_week: {last} is before first_week {first}")
                 for n, first, last in zip(raw.row_numbers, frame["first_week"].to_list(), frame["last_week"].to_list())
                 if first is not None and last is not None and last < first]
    if problems:
        raise SystemExit(f"{rows_named(problems)}\nnothing was replayed: mend the events file and run the backtest again")
    return frame.with_columns(pl.Series("row", raw.row_numbers))


def replay(date_from: dt.date, date_to: dt.date) -> tuple[pl.DataFrame, pl.DataFrame, list[int]]:
    """Alerts raised and links made, week by week from ``date_from`` to ``date_to``.

    Returns every alert state ever written (alert_id, week, detector fields), the links of
    alerts to reports per week, and the number of new alerts per week.
    """
    first, last = monday(date_from), monday(date_to)
    with warehouse.open_warehouse(settings.warehouse_path(), read_only=True) as con:
        champ = warehouse.champion(con)
        if champ is None:
            raise SystemExit("no model yet: run `shaobing retrain` and `shaobing weekly` first")
        if not warehouse.reports_received(con, first, last + dt.timedelta(days=7)):
            held, latest = warehouse.report_week_span(con)
            raise SystemExit(f"no reports were received in the weeks {first} … {last + dt.timedelta(days=6)}, "
                             "nothing to replay" + (f" (the warehouse holds reports from {held} to {latest:%Y-%m-%d})"
                                                    if held else " (the warehouse holds no reports)"))
        params = detection_params(con)
        counts, lineage, flagged, names = detection_inputs(con, champ["version"], last + dt.timedelta(days=7), first,
                                                           params)
    if counts.is_empty() and flagged.is_empty():   # (reports placed in no area still cluster by place)
        raise SystemExit(f"no weekly counts for model {champ['version']}: run `shaobing weekly` first")
    categories = {c.key: c.name for c in taxonomy().categories}
    open_alerts = pl.DataFrame(schema=ALERT_SCHEMA)
    closed = pl.DataFrame(schema=ALERT_SCHEMA)
    history, links, new_per_week = [], [], []
    weeks = [first + dt.timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    # (its workers' frames in the system's temporary folder: a backtest writes nothing in the home)
    found = replay_signals(weeks, counts, lineage, flagged, params, settings.get_int("SHAOBING_WORKERS"))
    for week, week_found in zip(weeks, found):
        quiet = (pl.col("status") == "new") & (pl.col("last_week") < week - dt.timedelta(weeks=params.quiet_weeks))
        closed = pl.concat([closed, open_alerts.filter(quiet).with_columns(pl.lit("expired").alias("status"))])
        open_alerts = open_alerts.filter(~quiet)
        out = fold_week(week_found, open_alerts, closed, names, categories, params)
        open_alerts = pl.concat([open_alerts.join(out.alerts.select("alert_id"), on="alert_id", how="anti"), out.alerts])
        history.append(out.alerts.with_columns(pl.lit(week).alias("week")))
        links.append(out.links)
        new_per_week.append(out.new)
    return pl.concat(history), pl.concat(links), new_per_week


def split_events(events: pl.DataFrame, first: dt.date, last: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The events whose weeks meet the replayed weeks (the Mondays ``first`` to ``last``), to be
    timed, and the others: a replay cannot alert on them, so they are neither caught nor missed."""
    meets = (pl.col("first_week") <= last + dt.timedelta(days=6)) & (pl.col("last_week") >= first)
    return events.filter(meets), events.filter(~meets)


def event_name(ev: dict) -> str:
    return ev.get("kind") or f"row {ev['row']}"


def time_events(events: pl.DataFrame, history: pl.DataFrame, links: pl.DataFrame, counts: pl.DataFrame,
                reports: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """For each event: its peak week, the first week an alert of its category covered reports of
    its area (or the area's villages), which detector, and the lead time before the peak."""
    children = _descendants(areas)
    rows = []
    for ev in events.iter_rows(named=True):
        inside = children.get(ev["area_code"], {ev["area_code"]})
        series = counts.filter(pl.col("area_code") == ev["area_code"], pl.col("category") == ev["category"],
                               pl.col("week").is_between(ev["first_week"], ev["last_week"]))
        peak = series.sort(["n", "week"], descending=[True, False])["week"].first() if series.height else None
        hits = (links.join(reports.filter(pl.col("area_code").is_in(list(inside))).select("report_id"), on="report_id")
                .join(history.select("alert_id", "week", "category", "place", "explanation"), on=["alert_id", "week"])
                .filter(pl.col("category") == ev["category"],
                        pl.col("week").is_between(ev["first_week"] - dt.timedelta(weeks=2),
                                                  ev["last_week"] + dt.timedelta(weeks=2)))
                .sort("week"))
        first_alert = hits["week"].first() if hits.height else None
        rows.append({
            "event": event_name(ev), "area_code": ev["area_code"], "category": ev["category"],
            "first_week": ev["first_week"], "peak_week": peak, "first_alert": first_alert,
            "by": (("地点 " + hits["place"].first()) if hits.height and hits["place"].first() else
                   ("区域" if hits.height else "—")),
            "lead_weeks": (peak - first_alert).days // 7 if peak and first_alert else None,
            "in_first_week": first_alert is not None and first_alert <= ev["first_week"],
        })
    return pl.DataFrame(rows, schema={"event": pl.String, "area_code": pl.String, "category": pl.String,
                                      "first_week": pl.Date, "peak_week": pl.Date, "first_alert": pl.Date,
                                      "by": pl.String, "lead_weeks": pl.Int64, "in_first_week": pl.Boolean})


def _descendants(areas: pl.DataFrame) -> dict[str, set[str]]:
    kids: dict[str, list[str]] = {}
    for code, parent in zip(areas["area_code"].to_list(), areas["parent_code"].to_list()):
        kids.setdefault(parent, []).append(code)
    out = {}
    for code in areas["area_code"].to_list():
        seen, todo = {code}, [code]
        while todo:
            for child in kids.get(todo.pop(), []):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        out[code] = seen
    return out


def backtest(date_from: dt.date, date_to: dt.date, events_path: Path | None) -> dict:
    events = None
    if events_path is not None:  # a bad file is refused before the replay
        with warehouse.open_warehouse(settings.warehouse_path(), read_only=True) as con:
            known = set(warehouse.areas(con)["area_code"].to_list())
        events = read_events(events_path, known)
    history, links, new_per_week = replay(date_from, date_to)
    out = {"weeks": len(new_per_week), "new_alerts": sum(new_per_week), "new_per_week": new_per_week,
           "events": None, "outside": None}
    if events is not None:
        events, out["outside"] = split_events(events, monday(date_from), monday(date_to))
        with warehouse.open_warehouse(settings.warehouse_path(), read_only=True) as con:
            champ = warehouse.champion(con)
            counts = warehouse.weekly_counts(con, champ["version"])
            reports = con.sql("select report_id, area_code from reports").pl()
            areas = warehouse.areas(con)
        out["events"] = time_events(events, history, links, counts, reports, areas)
    return out
