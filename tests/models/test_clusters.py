"""Cluster signals: the same place or organisation named by several reporters within a few weeks."""
from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import given, settings, strategies as st

from features.entities import named_in
from models.clusters import MENTION_COLUMNS, canonical_names, cluster_signals, reports_behind

W = date(2026, 1, 5)


def mentions(*rows):
    """rows: (report_id, week, category, area_code, channel, reporter_key, names)"""
    return pl.DataFrame([dict(zip(MENTION_COLUMNS, r)) for r in rows],
                        schema={"report_id": pl.String, "week": pl.Date, "category": pl.String, "area_code": pl.String,
                                "channel": pl.String, "reporter_key": pl.String, "names": pl.List(pl.String)})


@pytest.mark.parametrize("variants", [
    ["锦绣华庭小区业主反映开发商延期交房", "锦绣华庭二期的房子迟迟不交", "莲塘镇锦绣华庭项目烂尾了"],
    ["溪山县恒晟建筑劳务有限公司拖欠工资", "恒晟建筑劳务公司欠我们工钱", "恒晟建筑劳务的老板跑了"],
])
def test_name_variants_meet_under_one_name(variants):
    names = [n for text in variants for n in named_in(text, None, ["溪山县", "莲塘镇"])]
    canonical = canonical_names(pl.Series("n", names))
    assert len({canonical[n] for n in names}) == 1


def test_a_shorter_name_meets_its_one_longer_form_but_not_several():
    canonical = canonical_names(pl.Series("n", ["物流园", "白沙物流园", "白沙物流园", "恒晟", "恒晟建筑劳务",
                                                "鞋厂", "博远鞋厂", "天成鞋厂"]))
    assert canonical["物流园"] == canonical["白沙物流园"] == "白沙物流园"
    assert canonical["恒晟"] == "恒晟建筑劳务"
    assert canonical["鞋厂"] == "鞋厂" and canonical["博远鞋厂"] != canonical["天成鞋厂"]


def pairwise_canonical_names(names: pl.Series) -> dict[str, str]:
    """The rule of ``canonical_names`` applied to every pair of names (how it was first written;
    quadratic, so it cost minutes a week at 100,000 reports): the reference for the fast lookup."""
    from models.clusters import _shares_beginning

    counts = names.value_counts(sort=True)
    freq = dict(zip(counts[names.name].to_list(), counts["count"].to_list()))
    parent = {n: n for n in freq}

    def find(n):
        while parent[n] != n:
            n = parent[n]
        return n

    by_length = sorted(freq, key=len)
    for i, short in enumerate(by_length):
        longer = by_length[i + 1:]
        for other in longer:
            if other.startswith(short) or _shares_beginning(short, other):
                parent[find(short)] = find(other)
        ending = [n for n in longer if len(n) > len(short) and n.endswith(short) and not n.startswith(short)]
        if ending and all(a in b for a, b in zip(ending, ending[1:])):
            for other in ending:
                parent[find(short)] = find(other)
    groups = {}
    for n in freq:
        groups.setdefault(find(n), []).append(n)
    return {m: max(ms, key=lambda x: (freq[x], len(x), [-ord(c) for c in x])) for ms in groups.values() for m in ms}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="甲乙丙丁戊", min_size=1, max_size=9), min_size=1, max_size=40))
def test_the_fast_name_lookup_groups_names_as_the_pairwise_rule_does(names):
    series = pl.Series("n", names)
    assert canonical_names(series) == pairwise_canonical_names(series)


def site_burst(week=W):
    """Five workers from three villages on two channels name one site in one week."""
    return mentions(*[(f"hotline:{i}" + ("" if week == W else f"@{week}"), week, "wage_arrears", f"36990100500{i % 3 + 1}",
                       "hotline" if i % 2 else "grid", f"r{i}", ["白沙物流园"]) for i in range(5)])


def test_a_burst_of_reports_naming_one_site_signals_even_when_no_village_stands_out():
    (sig,) = cluster_signals(site_burst(), W).to_dicts()
    assert (sig["place"], sig["category"], sig["detector"]) == ("白沙物流园", "wage_arrears", "cluster")
    assert (sig["observed"], sig["reporters"], sig["channels"], sig["this_week"]) == (5, 5, 2, 5)
    assert sig["observed"] > sig["upper"] and sig["score"] > 3


def test_one_reporter_writing_five_times_is_not_a_cluster():
    one = site_burst().with_columns(pl.lit("same").alias("reporter_key"), pl.lit("hotline").alias("channel"))
    assert cluster_signals(one, W).is_empty()


def test_two_reporters_on_two_channels_suffice():
    two = mentions(("hotline:1", W, "wage_arrears", "a", "hotline", "r1", ["白沙物流园"]),
                   ("grid:1", W, "wage_arrears", "a", "grid", "g1", ["白沙物流园"]))
    assert cluster_signals(two, W, alpha=0.05)["place"].to_list() == ["白沙物流园"]


def test_a_name_mentioned_every_week_is_not_a_signal():
    steady = pl.concat([site_burst(W - timedelta(weeks=k)) for k in range(20)])
    assert cluster_signals(steady, W).is_empty()


def test_no_report_this_week_no_signal():
    assert cluster_signals(site_burst(W - timedelta(weeks=1)), W).is_empty()


def test_the_reports_behind_a_cluster_are_its_window():
    rows = pl.concat([site_burst(), site_burst(W - timedelta(weeks=10))])
    sigs = cluster_signals(rows, W, alpha=0.01)
    assert sorted(reports_behind(rows, sigs, W)["report_id"].to_list()) == [f"hotline:{i}" for i in range(5)]


def test_the_week_must_be_a_monday():
    with pytest.raises(ValueError, match="Monday"):
        cluster_signals(site_burst(), W + timedelta(days=2))
