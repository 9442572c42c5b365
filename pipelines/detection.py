"""One week of detection, as the weekly flow and the backtest both run it.

Count detectors over area × category series, cluster signals over named places and
organisations, evidence and severity per key, then alerts folded week by week. Everything here
works on frames already read from the warehouse; callers decide what is stored.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import polars as pl

from features.entities import names_and_escalation, part_of_name
from features.tokenize import shown_term
from models.alerts import COPIES, key_of, merge_redirects, severity, update_alerts
from models.clusters import HISTORY_WEEKS, canonical_mentions, cluster_signals, related, reports_behind
from models.detectors import detect_week

from .columns import string_lists
from .settings import process_alive
from .pool import LocalPool, run_chunks

EXAMPLE_CHARS = 40  # an example report without a title is shown by its text's beginning, this long
EXAMPLE_POOL = 12  # the strongest reports an alert's three examples are picked from (distinct texts first)
MENTION_CHUNK = 20_000  # flagged reports a worker finds names in at a time
REPEAT_WEEKS = 8  # weeks before a signal's window in which a reporter's earlier reports make them a repeat reporter
REPLAY_PARALLEL = 12  # from this many weeks, a replay computes the weeks' signals on worker processes
REPLAY_CHUNK = 4  # weeks a worker computes at a time
RUN_WEEKS = 13  # a CUSUM signal's reports: those of its run's weeks, at most this many back (a quarter)
SIGNAL_COLUMNS = ["week", "area_code", "category", "detector", "observed", "expected", "upper", "score", "place", "weeks"]


@dataclass
class Params:
    min_count: int = 3
    budget: int | None = 10
    cluster_weeks: int = 4
    cluster_reporters: int = 3
    quiet_weeks: int = 8
    detector: dict = field(default_factory=dict)   # extra keyword arguments of detect_week


@dataclass
class WeekOutcome:
    signals: pl.DataFrame        # SIGNAL_COLUMNS
    alerts: pl.DataFrame         # changed and new alerts (models.alerts.ALERT_SCHEMA)
    links: pl.DataFrame          # alert_id, report_id, week
    new: int


def find_mentions(flagged: pl.DataFrame, area_names: dict[str, str],
                  workers: int = 1) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Flagged reports with the names they mention and their escalation words, their texts cut to
    their first EXAMPLE_CHARS characters; and the names and words found here (report_id, names,
    escalation), for the caller to keep.

    Found once per report, however many categories flag it, and only for the reports whose
    ``mentioned`` column (from ``warehouse.flagged_reports`` with a mention key) is not true: the
    others bring theirs in ``names`` and ``escalation``. From MENTION_CHUNK × 2 reports on, on
    ``workers`` processes."""
    known = tuple(area_names.values())
    stored = "mentioned" in flagged.columns
    columns = ("report_id", "text", "subject", *(("names", "escalation", "mentioned") if stored else ()))
    reports = flagged.select(columns).unique("report_id", maintain_order=True)
    known_before = reports.select(pl.col("mentioned").fill_null(False)).to_series() if stored else None
    todo = reports.filter(~known_before) if stored else reports
    texts, subjects = todo["text"].to_list(), todo["subject"].to_list()
    if workers > 1 and len(texts) >= 2 * MENTION_CHUNK:
        chunks = ((texts[i:i + MENTION_CHUNK], subjects[i:i + MENTION_CHUNK], known)
                  for i in range(0, len(texts), MENTION_CHUNK))
        with LocalPool(workers, names_and_escalation) as pool:
            parts = [out for _, out in run_chunks(chunks, pool.submit, pool.result, ahead=pool.workers)]
        names = [n for part in parts for n in part[0]]
        words = [w for part in parts for w in part[1]]
    else:
        names, words = names_and_escalation(texts, subjects, known)
    fresh = todo.select("report_id").with_columns(string_lists("names", names), string_lists("escalation", words))
    found = pl.concat([reports.filter(known_before).select("report_id", "names", "escalation"), fresh]) if stored else fresh
    # with its names found, a text is only shown by its beginning (``evidence``): the rest is let go
    # (two thirds of the frame, which a replay's workers each read)
    out = flagged.drop("names", "escalation", "mentioned", strict=False) \
        .join(found, on="report_id", how="left", maintain_order="left") \
        .with_columns(pl.col("text").str.slice(0, EXAMPLE_CHARS))
    return out, fresh


def lookback(params: Params) -> dt.timedelta:
    """How far before a week its detection looks at reports: the cluster window and the history
    before it, or the weeks in which earlier reports make a repeat reporter."""
    return dt.timedelta(weeks=params.cluster_weeks - 1 + max(HISTORY_WEEKS, REPEAT_WEEKS))


def week_view(week: dt.date, lineage: pl.DataFrame, flagged: pl.DataFrame, params: Params):
    """The rows of ``lineage`` and ``flagged`` that the detection of ``week`` can see: a replay of
    two years then costs each week its own window, not the whole history again."""
    return (lineage.filter(pl.col("week").is_between(week - dt.timedelta(weeks=RUN_WEEKS - 1), week)),
            flagged.filter(pl.col("week").is_between(week - lookback(params), week)))


@dataclass
class WeekSignals:
    week: dt.date
    signals: pl.DataFrame        # SIGNAL_COLUMNS
    behind: pl.DataFrame         # area_code, category, place, report_id: the reports behind each signal
    evidence: dict               # per signal's key (``evidence``)


def week_signals(week: dt.date, counts: pl.DataFrame, lineage: pl.DataFrame, flagged: pl.DataFrame,
                 params: Params) -> WeekSignals:
    """The signals of ``week``, the reports behind them and their evidence, seeing only data up to
    its end: all of a week's detection that does not depend on the weeks' alerts before it.

    ``counts`` (week, area_code, category, n) and ``lineage`` (flagged reports once per area of
    their lineage) feed the count detectors; ``flagged`` (one row per flagged report and category,
    with names and escalation words from ``find_mentions``) feeds the clusters and the evidence.
    An area signal's reports are those of its weeks (a CUSUM's run, at most RUN_WEEKS back:
    ``lineage`` holds those weeks).
    """
    past = counts.filter(pl.col("week") <= week)
    area = detect_week(past, week, min_count=params.min_count, **params.detector)
    area = area.with_columns(pl.lit(None, pl.String).alias("place"))
    named = canonical_mentions(flagged, week, window=params.cluster_weeks)   # for signals and their reports
    clusters = cluster_signals(flagged, week, window=params.cluster_weeks, min_reporters=params.cluster_reporters,
                               canonical=named)
    signals = pl.concat([area.select(SIGNAL_COLUMNS), clusters.select(SIGNAL_COLUMNS)], how="vertical_relaxed")

    spans = area.group_by("area_code", "category").agg(pl.col("weeks").max())
    behind = pl.concat([
        lineage.filter(pl.col("week") <= week).join(spans, on=["area_code", "category"])
        .filter(pl.col("week") > pl.lit(week) - pl.duration(weeks=pl.col("weeks")))
        .select("area_code", "category", pl.lit(None, pl.String).alias("place"), "report_id").unique(),
        reports_behind(flagged, clusters, week, window=params.cluster_weeks, canonical=named)
        .join(clusters.select("place", "category", "area_code"), on=["place", "category"])
        .select("area_code", "category", "place", "report_id"),
    ], how="vertical_relaxed")
    return WeekSignals(week, signals, behind, evidence(behind, flagged, week, params.cluster_weeks, clusters))


def fold_week(found: WeekSignals, open_alerts: pl.DataFrame, closed_alerts: pl.DataFrame,
              area_names: dict[str, str], category_names: dict[str, str], params: Params) -> WeekOutcome:
    """A week's signals folded into the open alerts (updated, or new within the budget), and the
    alerts linked to the reports behind them."""
    week, behind = found.week, found.behind
    alerts, new = update_alerts(open_alerts, found.signals, week, area_names, category_names, found.evidence,
                                closed_alerts=closed_alerts, max_new=params.budget)
    links = pl.DataFrame(schema={"alert_id": pl.String, "report_id": pl.String, "week": pl.Date})
    if alerts.height:
        keyed = alerts.select("alert_id", "area_code", "category", "place")
        # the reports behind a merged alert's key go to the alert it was merged into
        handed = [(row["alert_id"], None if key.startswith("place:") else key, category,
                   key.removeprefix("place:") if key.startswith("place:") else None)
                  for (key, category), row in merge_redirects(open_alerts, closed_alerts).items()]
        keyed = pl.concat([keyed, pl.DataFrame(handed, schema=keyed.schema, orient="row")
                           .filter(pl.col("alert_id").is_in(keyed["alert_id"].implode()))])
        area_links = keyed.filter(pl.col("place").is_null()).join(
            behind.filter(pl.col("place").is_null()), on=["area_code", "category"])
        place_links = _place_links(keyed.filter(pl.col("place").is_not_null()), behind.filter(pl.col("place").is_not_null()))
        links = pl.concat([area_links.select("alert_id", "report_id"), place_links.select("alert_id", "report_id")]) \
            .unique().with_columns(pl.lit(week).alias("week"))
    return WeekOutcome(found.signals, alerts, links, new)


def replay_signals(weeks: list[dt.date], counts: pl.DataFrame, lineage: pl.DataFrame, flagged: pl.DataFrame,
                   params: Params, workers: int = 1, scratch: Path | None = None) -> Iterator[WeekSignals]:
    """``week_signals`` of each of ``weeks``, in order, each from its own ``week_view``.

    From REPLAY_PARALLEL weeks on, ``workers`` processes compute them REPLAY_CHUNK weeks at a time
    while the caller folds the alerts of the weeks before (the fold is the only part that must
    go in order): a first replay of two years spent 20 s on one core. The frames go to the workers
    as Arrow files in a temporary folder under ``scratch``, not pickled with every chunk."""
    if workers <= 1 or len(weeks) < REPLAY_PARALLEL:
        for week in weeks:
            yield week_signals(week, counts, *week_view(week, lineage, flagged, params), params)
        return
    _remove_abandoned(scratch)
    with tempfile.TemporaryDirectory(prefix=f"replay-{os.getpid()}-", dir=scratch) as folder:
        for name, frame in (("counts", counts), ("lineage", lineage), ("flagged", flagged)):
            frame.write_ipc(Path(folder) / f"{name}.arrow")
        chunks = ((folder, weeks[i:i + REPLAY_CHUNK], params) for i in range(0, len(weeks), REPLAY_CHUNK))
        with LocalPool(workers, signals_of_weeks) as pool:
            for _, found in run_chunks(chunks, pool.submit, pool.result, ahead=pool.workers):
                yield from found


def _remove_abandoned(scratch: Path | None) -> None:
    """Temporary folders of replays whose process was killed (theirs would have removed them)."""
    for folder in Path(scratch or tempfile.gettempdir()).glob("replay-*-*"):
        pid = folder.name.split("-")[1]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def signals_of_weeks(folder: str, weeks: list[dt.date], params: Params) -> list[WeekSignals]:
    """(In a worker.) ``week_signals`` of some weeks, from the frames ``replay_signals`` wrote: the
    counts whole (the detectors read the history), the reports of the weeks these weeks can see
    (``week_view``), read for this chunk only — a worker holds a third of the frames, not all."""
    first, last = min(weeks), max(weeks)

    def rows(name: str, since: dt.date) -> pl.DataFrame:
        return pl.scan_ipc(Path(folder) / f"{name}.arrow").filter(pl.col("week").is_between(since, last)).collect()

    counts = pl.read_ipc(Path(folder) / "counts.arrow")
    lineage = rows("lineage", first - dt.timedelta(weeks=RUN_WEEKS - 1))
    flagged = rows("flagged", first - lookback(params))
    return [week_signals(week, counts, *week_view(week, lineage, flagged, params), params) for week in weeks]


def _place_links(alerts: pl.DataFrame, behind: pl.DataFrame) -> pl.DataFrame:
    """Reports behind each place alert: those of its place or of a variant its signal used."""
    places = behind.select("category", "place").unique()
    pairs = [(a["alert_id"], b["category"], b["place"])
             for a in alerts.iter_rows(named=True) for b in places.iter_rows(named=True)
             if a["category"] == b["category"] and related(a["place"], b["place"])]
    matched = pl.DataFrame(pairs, schema={"alert_id": pl.String, "category": pl.String, "place": pl.String}, orient="row")
    return matched.join(behind, on=["category", "place"]).select("alert_id", "report_id")


def evidence(behind: pl.DataFrame, flagged: pl.DataFrame, week: dt.date, window: int,
             clusters: pl.DataFrame) -> dict:
    """For each signal's key: top terms, places, channels, examples and severity."""
    if behind.is_empty():
        return {}
    start = week - dt.timedelta(weeks=window - 1)
    # each reporter's flagged reports per category over the window and the weeks before it
    earlier = dict(((c, r), n) for c, r, n in
                   flagged.filter(pl.col("week").is_between(start - dt.timedelta(weeks=REPEAT_WEEKS), week)
                                  & pl.col("reporter_key").is_not_null())
                   .group_by("category", "reporter_key").len().iter_rows())
    # one aggregation for every key, each key's reports strongest first
    if "copy_key" not in flagged.columns:
        flagged = flagged.with_columns(pl.lit(None, pl.String).alias("copy_key"))
    groups = (behind.join(flagged.drop("area_code"), on=["report_id", "category"], how="left")
              .sort("probability", descending=True, maintain_order=True)
              .group_by(["area_code", "category", "place"], maintain_order=True)
              .agg("top_terms", "names", "reporter_key", "escalation", "channel", "copy_key",
                   pl.col("title").head(EXAMPLE_POOL).alias("titles"), pl.col("text").head(EXAMPLE_POOL).alias("texts"),
                   pl.col("people_count").fill_null(1).max().alias("people_max"),
                   pl.col("people_count").fill_null(1).sum().alias("people")))
    out = {}
    for group in groups.iter_rows(named=True):
        key = key_of(group)
        named = Counter(n for ns in group["names"] if ns for n in ns)
        places = [p for p, c in named.most_common(4) if c >= 2 and p != group["place"]]
        # reports scored before explain() left placeholders out may still hold 一共<num>; a term
        # that only repeats a name the explanation gives (its place, 涉及) is left to it
        # (features.entities.part_of_name)
        terms = Counter(t for ts in group["top_terms"] if ts for t in ts if shown_term(t))
        names = [*places, group["place"]]
        shown = list(islice((t for t, _ in terms.most_common() if not part_of_name(t, names)), 6))
        reporters = [r for r in group["reporter_key"] if r]
        repeat = sum(1 for r in set(reporters) if earlier.get((group["category"], r), 0) >= 2)
        words = list(dict.fromkeys(w for ws in group["escalation"] if ws for w in ws))
        people = int(group["people_max"] or 1)
        n_reporters = len(set(reporters)) + sum(r is None for r in group["reporter_key"])
        copies = copied(group["copy_key"], group["reporter_key"])
        out[key] = {
            "top_terms": shown,
            "places": places,
            "channels": dict(Counter(group["channel"])),
            # three different texts: a message sent twice (near-duplicates are kept) is shown once
            "examples": list(islice(dict.fromkeys(t or x[:EXAMPLE_CHARS] for t, x in zip(group["titles"], group["texts"])), 3)),
            "people": int(group["people"]),
            "people_max": people,
            "escalation": words,
            "repeat_reporters": repeat,
            "reporters": n_reporters,
            "copies": copies,
            "window": window,
            "severity": severity(people, len(words), repeat, copies),
        }
    return out


def copied(copy_keys: list, reporter_keys: list) -> int:
    """The most people who sent petitions sharing a copy key (``warehouse.COPY_KEY``: written alike)
    if they are at least COPIES, else 0. People are told apart by their reporter key; a petition
    without one counts as one more person. One person sending the same letter again is a repeat
    reporter, not a campaign."""
    by_key: dict[str, list] = {}
    for copy, reporter in zip(copy_keys, reporter_keys):
        if copy:
            by_key.setdefault(copy, []).append(reporter)
    people = [len({r for r in who if r}) + sum(r is None for r in who) for who in by_key.values()]
    return max((n for n in people if n >= COPIES), default=0)
