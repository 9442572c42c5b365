"""Cluster signals: reports that name the same place or organisation within a few weeks.

Area counts miss a construction site whose workers call the hotline from three villages, or a
housing estate whose buyers write in a few at a time: each area's count is unremarkable. Here the
key is the name (锦绣华庭, 恒晟建筑劳务) × category, counted by distinct reporters and channels over
a rolling window, and judged against how often that name came up before (Poisson surprise).

Input is one row per flagged (report, category) with the names the report mentions (already
normalised by ``features.entities.named_in``); nothing here reads files or databases.
"""
from __future__ import annotations

import bisect
import os
from datetime import date, timedelta

import numpy as np
import polars as pl

CLUSTER_SIGNAL_SCHEMA = {
    "week": pl.Date, "place": pl.String, "category": pl.String, "area_code": pl.String,
    "detector": pl.String, "observed": pl.Int64, "expected": pl.Float64, "upper": pl.Float64,
    "score": pl.Float64, "reporters": pl.Int64, "channels": pl.Int64, "this_week": pl.Int64,
    "weeks": pl.Int64,
}
MENTION_COLUMNS = ("report_id", "week", "category", "area_code", "channel", "reporter_key", "names")

HISTORY_WEEKS = 26  # weeks before the window against which a name's count is judged


def related(a: str, b: str) -> bool:
    """Whether two names are variants of one place: one holds the other (物流园 / 白沙物流园), or they
    share a beginning of at least 3 characters and half the shorter (福寿康养老服务 / 福寿康养老理财)."""
    return a in b or b in a or _shares_beginning(a, b)


def _shares_beginning(a: str, b: str) -> bool:
    common = len(os.path.commonprefix([a, b]))
    return common >= 3 and common * 2 >= min(len(a), len(b))


def _beginning_needed(length: int) -> int:
    """How many first characters a name of ``length`` must share with a longer one to meet it:
    all of it (it begins the other), or at least 3 and half of it (``_shares_beginning``)."""
    return min(length, max(3, -(-length // 2)))


def canonical_names(names: pl.Series) -> dict[str, str]:
    """Variant → the name it is counted under, so that 物流园 meets 白沙物流园 and 恒晟 meets 恒晟建筑劳务.

    Names join one group when one begins the other (恒晟 / 恒晟建筑劳务: one firm, tails vary) or
    shares its beginning (``related``). A name that only *ends* longer names joins them only when
    they are one family: 五金加工厂 ends both 博远五金加工厂 and 天成五金加工厂, two firms, so it
    stays apart. Each group counts under its most mentioned name (ties: the longer, then
    alphabetical), the form people actually use.

    Comparing every pair of names cost minutes a week at 100,000 reports; instead names are looked
    up by their beginnings (in sorted order) and endings (in a dictionary), which finds the same
    pairs (``tests/models/test_clusters.py`` checks it against the pairwise rule).
    """
    counts = names.value_counts(sort=True)
    freq = dict(zip(counts[names.name].to_list(), counts["count"].to_list()))
    parent = {n: n for n in freq}

    def find(n: str) -> str:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    def join(group: list[str]) -> None:
        for other in group[1:]:
            a, b = find(group[0]), find(other)
            if a != b:
                parent[a] = b

    # A name meets every name at least as long that begins with its needed beginning; of the names
    # needing one beginning, the shortest meets all the others, so each beginning is one group.
    shortest: dict[str, int] = {}
    for n in freq:
        start = n[:_beginning_needed(len(n))]
        shortest[start] = min(shortest.get(start, len(n)), len(n))
    ordered = sorted(freq)
    for start, least in shortest.items():
        group = []
        i = bisect.bisect_left(ordered, start)  # (an index, not a slice: a slice copied the list's rest)
        while i < len(ordered) and ordered[i].startswith(start):
            if len(ordered[i]) >= least:
                group.append(ordered[i])
            i += 1
        join(group)
    # A name that ends longer names (and does not begin them) joins them when they nest.
    endings: dict[str, list[str]] = {}
    for n in freq:
        for k in range(1, len(n)):
            if n[k:] in freq:  # only a name's endings are looked up
                endings.setdefault(n[k:], []).append(n)
    for short, longer in endings.items():
        ending = sorted((n for n in longer if not n.startswith(short)), key=len)
        if ending and all(a in b for a, b in zip(ending, ending[1:])):
            join([short, *ending])
    groups: dict[str, list[str]] = {}
    for n in freq:
        groups.setdefault(find(n), []).append(n)
    out = {}
    for members in groups.values():
        if len(members) == 1:  # most names: no variant
            out[members[0]] = members[0]
            continue
        best = max(members, key=lambda m: (freq[m], len(m), [-ord(c) for c in m]))
        out.update(dict.fromkeys(members, best))
    return out


def canonical_mentions(mentions: pl.DataFrame, week: date, *, window: int = 4, history: int = HISTORY_WEEKS) -> pl.DataFrame:
    """One row per (report, category, canonical name) over the window and its history before it."""
    if week.weekday() != 0:
        raise ValueError(f"week must be a Monday, got {week} ({week:%A})")
    past_start = week - timedelta(weeks=window - 1 + history)
    rows = (mentions.select(MENTION_COLUMNS).with_columns(pl.col("week").cast(pl.Date))
            .filter(pl.col("week").is_between(past_start, week))
            .explode("names").drop_nulls("names").rename({"names": "place"}))
    if rows.is_empty():
        return rows.with_columns(pl.lit(None, pl.String).alias("_reporter"))
    canonical = canonical_names(rows["place"])
    return rows.with_columns(pl.col("place").replace_strict(canonical, default=pl.col("place")),
                             pl.coalesce("reporter_key", "report_id").alias("_reporter")) \
        .unique(["report_id", "category", "place"], maintain_order=True)


def reports_behind(mentions: pl.DataFrame, signals: pl.DataFrame, week: date, *, window: int = 4,
                   history: int = HISTORY_WEEKS, canonical: pl.DataFrame | None = None) -> pl.DataFrame:
    """(place, category, report_id) of the reports in each cluster signal's window. ``canonical``:
    ``canonical_mentions`` of the same arguments when the caller has it already."""
    if signals.is_empty():
        return pl.DataFrame(schema={"place": pl.String, "category": pl.String, "report_id": pl.String})
    start = week - timedelta(weeks=window - 1)
    if canonical is None:
        canonical = canonical_mentions(mentions, week, window=window, history=history)
    rows = canonical.filter(pl.col("week") >= start)
    return rows.join(signals.select("place", "category"), on=["place", "category"]).select("place", "category", "report_id")


def cluster_signals(mentions: pl.DataFrame, week: date, *, window: int = 4, history: int = HISTORY_WEEKS,
                    min_reporters: int = 3, min_channels_pair: int = 2, alpha: float = 0.001,
                    floor: float = 0.25, score_cap: float = 10.0,
                    canonical: pl.DataFrame | None = None) -> pl.DataFrame:
    """Signals of ``week`` for names × categories mentioned more than their past suggests.

    ``mentions`` has MENTION_COLUMNS (names: list of strings), one row per flagged (report,
    category), weeks being Mondays. A key signals when, over the ``window`` weeks ending with
    ``week``: at least one report came this week; it has ``min_reporters`` distinct reporters, or
    two reporters on ``min_channels_pair`` channels (a hotline caller and a grid worker naming the
    same site); and its report count exceeds the Poisson upper bound of its expected count (its
    rate over the ``history`` weeks before the window, at least ``floor`` a window). The score is
    the surprise −log10 P(X ≥ observed), capped at ``score_cap``. Reporters without a key count
    as distinct. Strongest first. ``canonical``: as for ``reports_behind``.
    """
    start = week - timedelta(weeks=window - 1)
    rows = canonical_mentions(mentions, week, window=window, history=history) if canonical is None else canonical
    if rows.is_empty():
        return pl.DataFrame(schema=CLUSTER_SIGNAL_SCHEMA)
    recent = rows.filter(pl.col("week") >= start)
    keys = recent.group_by("place", "category").agg(
        pl.len().alias("observed"),
        pl.col("_reporter").n_unique().alias("reporters"),
        pl.col("channel").n_unique().alias("channels"),
        (pl.col("week") == week).sum().alias("this_week"),
        pl.col("area_code").drop_nulls().mode().sort().first().alias("area_code"),
    ).filter((pl.col("this_week") > 0) & (
        (pl.col("reporters") >= min_reporters)
        | ((pl.col("reporters") >= 2) & (pl.col("channels") >= min_channels_pair))))
    if keys.is_empty():
        return pl.DataFrame(schema=CLUSTER_SIGNAL_SCHEMA)
    past = rows.filter(pl.col("week") < start).group_by("place", "category").agg(pl.len().alias("past"))
    keys = keys.join(past, on=["place", "category"], how="left").with_columns(pl.col("past").fill_null(0))
    expected = np.maximum(keys["past"].to_numpy() * window / history, floor)
    observed = keys["observed"].to_numpy()
    # scipy.stats is imported here, not with the module: the warehouse imports this module (for
    # ``related``), and ingest and the board, which never test a cluster, paid 0.8 s for it
    from scipy.stats import poisson

    upper = poisson.ppf(1 - alpha, expected)
    surprise = -np.log10(np.maximum(poisson.sf(observed - 1, expected), 1e-300))
    out = keys.with_columns(
        pl.lit(week, pl.Date).alias("week"), pl.lit("cluster").alias("detector"),
        pl.lit(window, pl.Int64).alias("weeks"), pl.Series("expected", expected), pl.Series("upper", upper),
        pl.Series("score", np.minimum(surprise, score_cap)), pl.Series("_alarm", observed > upper))
    return (out.filter("_alarm").select(list(CLUSTER_SIGNAL_SCHEMA))
            .with_columns(pl.col(c).cast(t) for c, t in CLUSTER_SIGNAL_SCHEMA.items())
            .sort(["score", "place", "category"], descending=[True, False, False]))
