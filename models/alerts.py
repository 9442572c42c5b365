"""Alerts: one open alert per key, updated week by week from signals.

A key is an area × category (count detectors) or a named place/organisation × category (cluster
signals, ``place`` set). Each alert carries ``score`` (the detector's strength, decaying while it
lasts) and ``rank`` (0–100: strength, growth, cross-channel agreement, severity and recency
combined), by which analysts see the strongest first.
"""
from __future__ import annotations

import hashlib
import math
import re
from datetime import date, datetime, timedelta

import polars as pl

from models.clusters import related

# Lifecycle: new → reviewing → confirmed | dismissed → dispatched → resolved; a `new` alert nobody
# reviewed and that had no signal for some weeks lapses to `expired`; an alert merged into another
# by an analyst is `merged` (its reports then belong to the other).
STATUS_NAMES = {"new": "新发现", "reviewing": "研判中", "confirmed": "已确认", "dismissed": "已排除",
                "dispatched": "已交办", "resolved": "已办结", "expired": "已过期", "merged": "已合并"}
OPEN_STATUSES = ("new", "reviewing", "confirmed", "dispatched")
CLOSED_STATUSES = ("dismissed", "resolved", "expired", "merged")
ALERT_SCHEMA = {
    "alert_id": pl.String, "area_code": pl.String, "category": pl.String,
    "first_week": pl.Date, "last_week": pl.Date, "status": pl.String, "score": pl.Float64,
    "observed": pl.Int64, "expected": pl.Float64, "explanation": pl.String,
    "created_at": pl.Datetime("us"), "updated_at": pl.Datetime("us"),
    "place": pl.String, "rank": pl.Float64,
}
CHANNEL_NAMES = {"hotline": "12345热线", "grid": "网格", "petition": "信访"}
DETECTOR_NAMES = {"ears_c1": "EARS C1", "ears_c2": "EARS C2", "ears_c3": "EARS C3",
                  "farrington": "Farrington–Noufaily", "cusum": "负二项累积和检测", "cusum_nb": "负二项累积和检测",
                  "pooled_nb": "同类地区对比", "pooled_cusum": "同类地区对比累积和检测",
                  "glrnb": "负二项广义似然比检测", "cluster": "地点聚集"}
CHART_DETECTORS = ("cusum", "cusum_nb", "pooled_cusum", "glrnb")   # detectors that add up weeks
COLLECTIVE = 5          # people on one report from which it is a collective petition (集体访)
COPIES = 3              # people sending petitions written alike from whom they are a campaign
MERGED_NOTE = "（并入："  # starts the note an alert carries on the evidence of alerts merged into it
_STREAK = re.compile(r"连续第 (\d+) 周预警")
_PERIOD = re.compile(r"」近 (\d+) 周 \d+ 件")   # an explanation's head over several weeks (``explain``)

Key = tuple[str, str]


def alert_id(area_code: str, category: str, first_week: date, place: str | None = None) -> str:
    if place:
        return f"A-P{hashlib.sha1(place.encode('utf-8')).hexdigest()[:10]}-{category}-{first_week:%Y%m%d}"
    return f"A-{area_code}-{category}-{first_week:%Y%m%d}"


def rank_shown(rank: float | None, score: float) -> int:
    """The alert's 综合评分 as the board and the briefs show it: its 0–100 rank, whole (the
    detector's statistic for an alert stored before alerts had a rank, as the board shows it).
    Halves round up, as the board's table does (Python's round takes 30.5 to 30, the board 31)."""
    return math.floor((score if rank is None else rank) + 0.5)


def rank_shown_expr(rank: str = "rank", score: str = "score") -> pl.Expr:
    """``rank_shown`` of every row of a frame, for the board's tables."""
    return (pl.col(rank).fill_null(pl.col(score)) + 0.5).floor().cast(pl.Int64)


def key_of(row: dict) -> Key:
    """An alert's or signal's key: (area_code, category), or ("place:" + name, category)."""
    place = row.get("place")
    return (f"place:{place}" if place else row["area_code"], row["category"])


def severity(people: int = 0, escalations: int = 0, repeat_reporters: int = 0, copies: int = 0) -> float:
    """0–1: how likely the matter is to turn collective or violent.

    A collective petition (≥ COLLECTIVE people on one report) weighs most, more so the more people;
    escalation words (跳楼, 堵路, 拉横幅 …) in the reports next; then petitions written alike by
    ``copies`` people (≥ COPIES: organised, as a collective petition is), more so by twice as many;
    reporters who write again and again last.
    """
    collective = 0.0 if people < COLLECTIVE else min(1.0, 0.5 + 0.5 * math.log10(people / COLLECTIVE))
    campaign = 0.0 if copies < COPIES else (0.15 if copies < 2 * COPIES else 0.25)
    return round(min(1.0, 0.45 * collective + 0.2 * min(escalations, 3) + campaign
                     + 0.1 * min(repeat_reporters, 2)), 3)


def rank_score(strength: float, observed: float, expected: float | None, channels: int = 1,
               severity_: float = 0.0) -> float:
    """0–100 ranking of one week's evidence: 35 strength (detector statistic, capped at 10),
    25 growth (log2 observed/expected, capped at ×8), 15 cross-channel agreement, 25 severity.
    Recency enters as the weekly decay of an alert's rank while no new evidence comes."""
    growth = math.log2((observed + 1) / ((expected or 0) + 1))
    parts = (0.35 * min(max(strength, 0), 10) / 10, 0.25 * min(max(growth, 0), 3) / 3,
             0.15 * min(max(channels - 1, 0), 2) / 2, 0.25 * min(max(severity_, 0), 1))
    return round(100 * sum(parts), 1)


def update_alerts(open_alerts: pl.DataFrame, signals: pl.DataFrame, week: date,
                  area_names: dict[str, str], category_names: dict[str, str],
                  evidence: dict[Key, dict], *, closed_alerts: pl.DataFrame | None = None,
                  max_new: int | None = None, now: datetime | None = None,
                  decay: float = 0.8, dismissed_weeks: int = 26,
                  dismissed_rise: float = 1.5) -> tuple[pl.DataFrame, int]:
    """Fold ``week``'s signals into the alerts; return the changed and new rows and the new count.

    A signal on a key with an open alert updates it (score and rank = max(new, decay^w × old), w
    the weeks since its last evidence); otherwise it opens a ``new`` alert, unless a closed
    (dismissed/resolved/expired) alert on that key already covers ``week``, or an analyst
    dismissed an alert on that key within ``dismissed_weeks`` and the reports per week have not
    risen to ``dismissed_rise`` × those of the dismissed alert (a CUSUM's run or a cluster's
    window covers several weeks): the same evidence does not come back. A place's key includes
    the variants of its name (福寿康 / 福寿康养老), open or closed. At most ``max_new`` new alerts a
    week, strongest first; updates are never held back. Signals of other weeks are ignored;
    several detectors on one key count as their strongest. Should two open alerts share a key (one
    reopened by an analyst), the one with the latest evidence is updated.

    An alert an analyst merged into another (``closed_alerts``' ``merge_into``, see
    ``merge_redirects``) hands its key on: new evidence on it keeps the open alert it was merged
    into alive (last week, score and rank; its own count and explanation stay, with a note of what
    the merged key brought), and counts as dismissed where that alert was dismissed.
    """
    now = now or datetime.combine(week, datetime.min.time())
    latest_last = open_alerts.sort("last_week", "first_week", "alert_id") if open_alerts.height else open_alerts
    open_by_key = {key_of(r): r for r in latest_last.iter_rows(named=True)}
    closed_until = _closed_until(closed_alerts)
    redirects, merged_dismissed = _merge_ends(open_alerts, closed_alerts)
    dismissed = _last_dismissed(closed_alerts)
    for k, row in merged_dismissed.items():   # the later of a key's own dismissal and its merge target's
        if k not in dismissed or row["last_week"] > dismissed[k]["last_week"]:
            dismissed[k] = row
    closed_places: dict[str, list[Key]] = {}   # the closed place keys of each category
    for k in closed_until:
        if k[0].startswith("place:"):
            closed_places.setdefault(k[1], []).append(k)
    updated, fresh, touched = [], [], {}
    keyed = [(_open_key(sig, open_by_key), sig) for sig in _strongest_per_key(signals, week).iter_rows(named=True)]
    # an alert's own evidence first: a merged key's, even if stronger, only adds a note to it
    keyed.sort(key=lambda pair: pair[0] not in open_by_key)
    for key, sig in keyed:
        names = (_where(sig, area_names), category_names.get(sig["category"], sig["category"]))
        ev = evidence.get(key_of(sig), {})
        target = None
        if key in open_by_key:
            target = open_by_key[key]
        elif merged := _closed_keys(sig, redirects, closed_places):
            target = redirects[max(merged, key=lambda k: (redirects[k]["last_week"], redirects[k]["alert_id"]))]
        if target is not None:
            handed = key_of(target) != key
            if target["alert_id"] in touched:
                # a weaker variant of a place, or a merged key, on an alert updated this week
                done = touched[target["alert_id"]]
                if handed and MERGED_NOTE not in done["explanation"]:
                    done["explanation"] += _merged_note(done, sig, week, names, ev, own_last=week)
                continue
            row = _updated(target, sig, week, now, decay, names, ev, merged=handed)
            if row is not None:
                updated.append(row)
                touched[target["alert_id"]] = row
        elif sig.get("place") and any(f["place"] and f["category"] == sig["category"]
                                      and related(f["place"], sig["place"]) for f in fresh):
            continue  # a weaker variant of a place that opened an alert this week
        elif max((closed_until[k] for k in _closed_keys(sig, closed_until, closed_places)), default=date.min) < week:
            last = max((dismissed[k] for k in _closed_keys(sig, dismissed, closed_places)),
                       key=lambda r: r["last_week"], default=None)
            if last is None or week > last["last_week"] + timedelta(weeks=dismissed_weeks):
                fresh.append(_new(sig, week, now, names, ev))
            elif sig["observed"] / signal_weeks(sig, ev) >= dismissed_rise * (last["observed"] or 0) / alert_weeks(last):
                own = key_of(last) in _closed_keys(sig, {key_of(last): last}, closed_places)
                fresh.append(_new(sig, week, now, names, ev, dismissed=last,
                                  merged_into=None if own else _where(last, area_names)))
    fresh.sort(key=lambda r: (-r["rank"], -r["score"], r["area_code"] or "", r["category"], r["place"] or ""))
    fresh = fresh if max_new is None else fresh[:max_new]
    return pl.DataFrame(updated + fresh, schema=ALERT_SCHEMA, orient="row"), len(fresh)


def _open_key(sig: dict, open_by_key: dict[Key, dict]) -> Key:
    """The signal's key, or that of an open alert on a variant of its place (福寿康 / 福寿康养老):
    the words a week's reports use for a place shift, the alert should not."""
    key = key_of(sig)
    place = sig.get("place")
    if key in open_by_key or not place:
        return key
    variants = [k for k, row in open_by_key.items()
                if row.get("place") and k[1] == sig["category"] and related(place, row["place"])]
    return min(variants, key=lambda k: open_by_key[k]["first_week"]) if variants else key


def merge_redirects(open_alerts: pl.DataFrame, closed_alerts: pl.DataFrame | None) -> dict[Key, dict]:
    """The keys of merged alerts whose merge (followed through alerts merged in turn) ends at an
    open alert, and that alert's row: evidence on them belongs to it (``closed_alerts`` with a
    ``merge_into`` column, as ``pipelines.warehouse.closed_alerts`` reads it)."""
    return _merge_ends(open_alerts, closed_alerts)[0]


def _merge_ends(open_alerts: pl.DataFrame, closed_alerts: pl.DataFrame | None) -> tuple[dict[Key, dict], dict[Key, dict]]:
    """(merged keys ending at an open alert → its row, merged keys ending at a dismissed alert →
    its row). A key with alerts of its own closed later than the merge (an alert of the key
    raised and dismissed again) keeps to them, and one with an open alert of its own (reopened;
    for a place, on a variant of its name) to that."""
    if closed_alerts is None or closed_alerts.is_empty() or "merge_into" not in closed_alerts.columns:
        return {}, {}
    closed = list(_with_place(closed_alerts.with_columns(pl.col("last_week").cast(pl.Date)))
                  .sort("last_week", "alert_id").iter_rows(named=True))
    latest = {key_of(r): r for r in closed}   # each key's latest closed alert
    rows = {r["alert_id"]: r for r in closed}
    still_open = list(_with_place(open_alerts).iter_rows(named=True)) if open_alerts.height else []
    rows.update({r["alert_id"]: r for r in still_open})
    open_by_key = {key_of(r): r for r in still_open}
    to_open, to_dismissed = {}, {}
    for key, r in latest.items():
        if r["status"] != "merged" or _open_key(r, open_by_key) in open_by_key:
            continue
        end, seen = r, set()
        while end is not None and end["status"] == "merged" and end["alert_id"] not in seen:
            seen.add(end["alert_id"])
            end = rows.get(end.get("merge_into") or "")
        if end is None or key_of(end) == key:
            continue
        if end["status"] in OPEN_STATUSES:
            to_open[key] = end
        elif end["status"] == "dismissed":
            to_dismissed[key] = end
    return to_open, to_dismissed


def _closed_keys(sig: dict, by_key: dict[Key, object], places: dict[str, list[Key]]) -> list[Key]:
    """The keys of ``by_key`` (closed alerts' keys) that are the signal's: its own, and for a place
    those of the variants of its name among ``places`` (closed place keys by category)."""
    key = key_of(sig)
    place = sig.get("place")
    if not place:
        return [key] if key in by_key else []
    return [k for k in places.get(sig["category"], ()) if k in by_key
            and (k == key or related(place, k[0].removeprefix("place:")))]


def signal_weeks(sig: dict, ev: dict | None = None) -> int:
    """The weeks a signal's count covers: a CUSUM's run, a cluster's window, else one."""
    return int(sig.get("weeks") or ((ev or {}).get("window", 4) if sig.get("detector") == "cluster" else 1))


def alert_weeks(alert: dict) -> int:
    """The weeks an alert's ``observed`` covers, as its explanation says (近 N 周 …; else one)."""
    found = _PERIOD.search(_head(alert))
    return int(found.group(1)) if found else 1


def _head(alert: dict) -> str:
    """An alert's explanation without the note of what merged keys brought (``MERGED_NOTE``)."""
    return (alert.get("explanation") or "").split(MERGED_NOTE)[0]


_OWN_LAST = re.compile(r"以上为 (\d{4}-\d{2}-\d{2}) 当周的统计")


def _merged_note(old: dict, sig: dict, week: date, names, ev, own_last: date | None = None) -> str:
    """The note an alert carries on the evidence a merged key brought in ``week``, after its own
    count of ``own_last`` (else the week of its own last evidence, kept from an earlier note)."""
    if own_last is None:
        kept = _OWN_LAST.search((old.get("explanation") or "").partition(MERGED_NOTE)[2])
        own_last = date.fromisoformat(kept.group(1)) if kept else old["last_week"]
    weeks = signal_weeks(sig, ev)
    return (f"{MERGED_NOTE}以上为 {own_last:%Y-%m-%d} 当周的统计；{week:%Y-%m-%d} {names[0]}「{names[1]}」"
            f"{'本周' if weeks == 1 else f'近 {weeks} 周'} {int(sig['observed'])} 件，预期 {sig['expected']:.1f} 件"
            f"（{DETECTOR_NAMES.get(sig.get('detector'), sig.get('detector'))} {sig['score']:.1f}），"
            f"该处的预警此前已合并入本预警，其新报告计入本预警。）")


def _where(row: dict, area_names: dict[str, str]) -> str:
    """How the explanation names the key: the area, or the place (and the area most of it is in)."""
    area = area_names.get(row["area_code"], row["area_code"]) if row.get("area_code") else None
    if row.get("place"):
        return f"「{row['place']}」" + (f"（{area}一带）" if area else "")
    return area or "未定位地区"


def _with_place(frame: pl.DataFrame) -> pl.DataFrame:
    return frame if "place" in frame.columns else frame.with_columns(pl.lit(None, pl.String).alias("place"))


def _strongest_per_key(signals: pl.DataFrame, week: date) -> pl.DataFrame:
    signals = _with_place(signals)
    if "week" in signals.columns:
        signals = signals.filter(pl.col("week").cast(pl.Date) == week)
    return (signals.sort(["score", "area_code", "category"], descending=[True, False, False], nulls_last=True)
            .with_columns(pl.when(pl.col("place").is_not_null()).then(pl.lit("place:") + pl.col("place"))
                          .otherwise(pl.col("area_code")).alias("_key"))
            .unique(["_key", "category"], keep="first", maintain_order=True).drop("_key"))


def _closed_until(closed_alerts: pl.DataFrame | None) -> dict[Key, date]:
    """The last week each key's closed alerts covered: no new alert up to and including it."""
    if closed_alerts is None or closed_alerts.is_empty():
        return {}
    out: dict[Key, date] = {}
    for r in _with_place(closed_alerts).iter_rows(named=True):
        key, last = key_of(r), r["last_week"]
        last = last.date() if isinstance(last, datetime) else last
        out[key] = max(out.get(key, date.min), last)
    return out


def _last_dismissed(closed_alerts: pl.DataFrame | None) -> dict[Key, dict]:
    """Each key's latest dismissed alert (its last week and the count the analyst saw)."""
    if closed_alerts is None or closed_alerts.is_empty():
        return {}
    rows = (_with_place(closed_alerts).filter(pl.col("status") == "dismissed")
            .with_columns(pl.col("last_week").cast(pl.Date)).sort("last_week"))
    return {key_of(r): r for r in rows.iter_rows(named=True)}


def _updated(old: dict, sig: dict, week: date, now, decay, names, ev, merged: bool = False) -> dict | None:
    if week < old["last_week"]:
        return None  # a re-run of an older week must not move an alert backwards
    rerun = week == old["last_week"]
    # The old strength decays by each week without evidence since; a re-run of the same week must
    # not decay it a second time or extend the streak.
    fade = decay ** ((week - old["last_week"]).days // 7)
    score = max(sig["score"], fade * old["score"])
    streak = ev.get("streak") or _next_streak(old, week, rerun)
    fresh_rank = _rank(sig, ev)
    old_rank = old.get("rank") or 0.0
    rank = max(fresh_rank, fade * old_rank)
    if merged:
        # Evidence on the key of an alert merged into this one: the alert keeps its own count, area
        # and explanation, dated, and says what the merged key brought (the latest such note only).
        text = _head(old) + _merged_note(old, sig, week, names, ev)
        return {**{k: old.get(k) for k in ALERT_SCHEMA}, "last_week": week, "score": float(score),
                "explanation": text, "updated_at": now, "rank": float(rank)}
    text = explain(*names, sig["observed"], sig["expected"], sig["upper"], sig["score"],
                   streak=streak, evidence=ev, detector=sig.get("detector", "ears_c2"),
                   first_week=old["first_week"], weeks=sig.get("weeks"))
    # a place's alert follows where its reports come from now; an area's alert keeps its area
    area = sig["area_code"] if sig.get("place") else old["area_code"]
    return {**{k: old.get(k) for k in ALERT_SCHEMA}, "area_code": area, "last_week": week, "score": float(score),
            "observed": int(sig["observed"]), "expected": float(sig["expected"]),
            "explanation": text, "updated_at": now, "rank": float(rank)}


def _rank(sig: dict, ev: dict) -> float:
    return rank_score(sig["score"], sig["observed"], sig["expected"], len(ev.get("channels") or {}) or 1,
                      ev.get("severity", 0.0))


def _next_streak(old: dict, week: date, rerun: bool) -> int:
    """Consecutive alarming weeks, carried in the explanation (the alert row has no column for it)."""
    found = _STREAK.search(_head(old))
    previous = int(found.group(1)) if found else 1
    if rerun:
        return previous
    return previous + 1 if old["last_week"] == week - timedelta(weeks=1) else 1


def _new(sig: dict, week: date, now, names, ev, dismissed: dict | None = None,
         merged_into: str | None = None) -> dict:
    """A new alert; ``dismissed``: the dismissed alert whose evidence it rose above (of its own
    key, or — named ``merged_into`` — the alert an earlier alert of its key was merged into)."""
    text = explain(*names, sig["observed"], sig["expected"], sig["upper"], sig["score"],
                   streak=ev.get("streak") or 1, evidence=ev, detector=sig.get("detector", "ears_c2"),
                   weeks=sig.get("weeks"),
                   first_week=None if dismissed is None or merged_into else dismissed["first_week"])
    if dismissed is not None:
        before, now_weeks = alert_weeks(dismissed), signal_weeks(sig, ev)
        text += (f"（此处此前的预警曾并入{merged_into}的预警；" if merged_into else "（") + (
                 f"{dismissed['last_week']:%Y-%m-%d} 的预警"
                 f"（{'当周' if before == 1 else f'近 {before} 周'} {dismissed['observed']} 件，"
                 f"每周 {(dismissed['observed'] or 0) / before:.1f} 件）曾被排除；"
                 f"现每周 {sig['observed'] / now_weeks:.1f} 件，明显上升，重新提出。）")
    return {"alert_id": alert_id(sig["area_code"], sig["category"], week, sig.get("place")),
            "area_code": sig["area_code"], "category": sig["category"],
            "first_week": week, "last_week": week, "status": "new", "score": float(sig["score"]),
            "observed": int(sig["observed"]), "expected": float(sig["expected"]),
            "explanation": text, "created_at": now, "updated_at": now,
            "place": sig.get("place"), "rank": _rank(sig, ev)}


def explain(area_name: str, category_name: str, observed: int, expected: float, upper: float,
            statistic: float, *, streak: int = 1, evidence: dict | None = None,
            detector: str = "ears_c2", first_week: date | None = None, weeks: int | None = None) -> str:
    """The alert's Chinese explanation: counts against expectation, then the evidence.

    e.g. 青石镇桃园村「劳资欠薪」本周 7 件，预期 1.2 件（上限 3.8，EARS C2 统计量 4.1）；连续第 3 周预警。
    高频词：欠薪、包工头、工地；涉及：滨江一号项目工地；渠道：12345热线 5、网格 2。
    ``weeks``: the weeks the counts cover (a CUSUM's run, a cluster's window); 本周 when 1.
    """
    ev = evidence or {}
    weeks = signal_weeks({"weeks": weeks, "detector": detector}, ev)
    period = "本周" if weeks == 1 else f"近 {weeks} 周"
    measure = "意外度" if detector == "cluster" else "统计量"
    reporters = f"，来自 {ev['reporters']} 位反映人" if detector == "cluster" and ev.get("reporters") else ""
    name = DETECTOR_NAMES.get(detector, detector)
    # A chart's upper bound is the count that would have alarmed this week alone, given what it had
    # added up before: beside a count over several weeks (近 2 周 3 件，上限 3.0) it read as if the
    # alert should not be. A chart says what it is: small excesses added up over the line.
    bound = (f"{name} 累积统计量 {statistic:.1f}，逐周累积的超出已越过报警线" if detector in CHART_DETECTORS
             else f"上限 {upper:.1f}，{name} {measure} {statistic:.1f}")
    head = (f"{area_name}「{category_name}」{period} {int(observed)} 件{reporters}，预期 {expected:.1f} 件"
            f"（{bound}）；")
    if streak > 1:
        head += f"连续第 {streak} 周预警。"
    elif first_week is not None:
        head += f"再次预警（首次 {first_week:%Y-%m-%d}）。"
    else:
        head += "首次预警。"
    return head + _evidence_text(ev)


def _evidence_text(ev: dict) -> str:
    parts = []
    if ev.get("top_terms"):
        parts.append("高频词：" + "、".join(map(str, ev["top_terms"][:5])))
    if ev.get("places"):
        parts.append("涉及：" + "、".join(map(str, ev["places"][:3])))
    if ev.get("channels"):
        ranked = sorted(ev["channels"].items(), key=lambda kv: -kv[1])
        parts.append("渠道：" + "、".join(f"{CHANNEL_NAMES.get(c, c)} {n}" for c, n in ranked))
    risk = []
    if (ev.get("people_max") or 0) >= COLLECTIVE:
        risk.append(f"集体反映（单件最多 {ev['people_max']} 人）")
    if ev.get("escalation"):
        risk.append("出现" + "、".join(map(str, ev["escalation"][:4])) + "等激化言辞")
    if (ev.get("copies") or 0) >= COPIES:
        risk.append(f"{ev['copies']} 人的信访内容雷同（疑似联名或有组织反映）")
    if ev.get("repeat_reporters"):
        risk.append(f"{ev['repeat_reporters']} 人反复反映")
    if risk:
        parts.append("风险升级迹象：" + "，".join(risk))
    if ev.get("examples"):
        shown = [f"「{e[:30]}{'…' if len(e) > 30 else ''}」" for e in map(str, ev["examples"][:3])]
        parts.append("例：" + "".join(shown))
    return "；".join(parts) + ("。" if parts else "")
