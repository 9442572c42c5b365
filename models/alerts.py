"""Alerts: one open alert per key (area_code × category), updated week by week from signals."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import polars as pl

# Lifecycle: new → reviewing → confirmed | dismissed → dispatched → resolved; a `new` alert nobody
# reviewed and that had no signal for some weeks lapses to `expired`.
STATUS_NAMES = {"new": "新发现", "reviewing": "研判中", "confirmed": "已确认", "dismissed": "已排除",
                "dispatched": "已交办", "resolved": "已办结", "expired": "已过期"}
OPEN_STATUSES = ("new", "reviewing", "confirmed", "dispatched")
CLOSED_STATUSES = ("dismissed", "resolved", "expired")
ALERT_SCHEMA = {
    "alert_id": pl.String, "area_code": pl.String, "category": pl.String,
    "first_week": pl.Date, "last_week": pl.Date, "status": pl.String, "score": pl.Float64,
    "observed": pl.Int64, "expected": pl.Float64, "explanation": pl.String,
    "created_at": pl.Datetime("us"), "updated_at": pl.Datetime("us"),
}
CHANNEL_NAMES = {"hotline": "12345热线", "grid": "网格", "petition": "信访"}
DETECTOR_NAMES = {"ears_c2": "EARS C2"}
_STREAK = re.compile(r"连续第 (\d+) 周预警")

Key = tuple[str, str]


def alert_id(area_code: str, category: str, first_week: date) -> str:
    return f"A-{area_code}-{category}-{first_week:%Y%m%d}"


def update_alerts(open_alerts: pl.DataFrame, signals: pl.DataFrame, week: date,
                  area_names: dict[str, str], category_names: dict[str, str],
                  evidence: dict[Key, dict], *, closed_alerts: pl.DataFrame | None = None,
                  max_new: int | None = None, now: datetime | None = None,
                  decay: float = 0.8, dismissed_weeks: int = 26,
                  dismissed_rise: float = 1.5) -> tuple[pl.DataFrame, int]:
    """Fold ``week``'s signals into the alerts; return the changed and new rows and the new count.

    A signal on a key with an open alert updates it (score = max(new, decay × old)); otherwise it
    opens a ``new`` alert, unless a closed (dismissed/resolved/expired) alert on that key already
    covers ``week``, or an analyst dismissed an alert on that key within ``dismissed_weeks`` and
    the count has not risen to ``dismissed_rise`` × the count that was dismissed: the same evidence
    does not come back. At most ``max_new`` new alerts a week, strongest first; updates are never
    held back. Signals of other weeks are ignored; several detectors on one key count as their strongest.
    """
    now = now or datetime.combine(week, datetime.min.time())
    open_by_key = {(r["area_code"], r["category"]): r for r in open_alerts.iter_rows(named=True)}
    closed_until = _closed_until(closed_alerts)
    dismissed = _last_dismissed(closed_alerts)
    updated, fresh = [], []
    for sig in _strongest_per_key(signals, week).iter_rows(named=True):
        key = (sig["area_code"], sig["category"])
        names = (area_names.get(key[0], key[0]), category_names.get(key[1], key[1]))
        ev = evidence.get(key, {})
        if key in open_by_key:
            row = _updated(open_by_key[key], sig, week, now, decay, names, ev)
            if row is not None:
                updated.append(row)
        elif closed_until.get(key, date.min) < week:
            last = dismissed.get(key)
            if last is None or week > last["last_week"] + timedelta(weeks=dismissed_weeks):
                fresh.append(_new(sig, week, now, names, ev))
            elif sig["observed"] >= dismissed_rise * (last["observed"] or 0):
                fresh.append(_new(sig, week, now, names, ev, dismissed=last))
    fresh.sort(key=lambda r: (-r["score"], r["area_code"], r["category"]))
    fresh = fresh if max_new is None else fresh[:max_new]
    return pl.DataFrame(updated + fresh, schema=ALERT_SCHEMA, orient="row"), len(fresh)


def _strongest_per_key(signals: pl.DataFrame, week: date) -> pl.DataFrame:
    if "week" in signals.columns:
        signals = signals.filter(pl.col("week").cast(pl.Date) == week)
    return (signals.sort(["score", "area_code", "category"], descending=[True, False, False])
            .unique(["area_code", "category"], keep="first", maintain_order=True))


def _closed_until(closed_alerts: pl.DataFrame | None) -> dict[Key, date]:
    """The last week each key's closed alerts covered: no new alert up to and including it."""
    if closed_alerts is None or closed_alerts.is_empty():
        return {}
    last = closed_alerts.group_by("area_code", "category").agg(pl.col("last_week").cast(pl.Date).max())
    return {(r["area_code"], r["category"]): r["last_week"] for r in last.iter_rows(named=True)}


def _last_dismissed(closed_alerts: pl.DataFrame | None) -> dict[Key, dict]:
    """Each key's latest dismissed alert (its last week and the count the analyst saw)."""
    if closed_alerts is None or closed_alerts.is_empty():
        return {}
    rows = (closed_alerts.filter(pl.col("status") == "dismissed")
            .with_columns(pl.col("last_week").cast(pl.Date)).sort("last_week")
            .unique(["area_code", "category"], keep="last"))
    return {(r["area_code"], r["category"]): r for r in rows.iter_rows(named=True)}


def _updated(old: dict, sig: dict, week: date, now, decay, names, ev) -> dict | None:
    if week < old["last_week"]:
        return None  # a re-run of an older week must not move an alert backwards
    rerun = week == old["last_week"]
    # A re-run of the same week must not decay the score a second time or extend the streak.
    score = max(sig["score"], old["score"]) if rerun else max(sig["score"], decay * old["score"])
    streak = ev.get("streak") or _next_streak(old, week, rerun)
    text = explain(*names, sig["observed"], sig["expected"], sig["upper"], sig["score"],
                   streak=streak, evidence=ev, detector=sig.get("detector", "ears_c2"),
                   first_week=old["first_week"])
    return {**{k: old[k] for k in ALERT_SCHEMA}, "last_week": week, "score": float(score),
            "observed": int(sig["observed"]), "expected": float(sig["expected"]),
            "explanation": text, "updated_at": now}


def _next_streak(old: dict, week: date, rerun: bool) -> int:
    """Consecutive alarming weeks, carried in the explanation (the alert row has no column for it)."""
    found = _STREAK.search(old.get("explanation") or "")
    previous = int(found.group(1)) if found else 1
    if rerun:
        return previous
    return previous + 1 if old["last_week"] == week - timedelta(weeks=1) else 1


def _new(sig: dict, week: date, now, names, ev, dismissed: dict | None = None) -> dict:
    key = (sig["area_code"], sig["category"])
    text = explain(*names, sig["observed"], sig["expected"], sig["upper"], sig["score"],
                   streak=ev.get("streak") or 1, evidence=ev, detector=sig.get("detector", "ears_c2"))
    if dismissed is not None:
        text += (f"（{dismissed['last_week']:%Y-%m-%d} 当周 {dismissed['observed']} 件的预警曾被排除，"
                 f"本周件数明显上升，重新提出。）")
    return {"alert_id": alert_id(*key, week), "area_code": key[0], "category": key[1],
            "first_week": week, "last_week": week, "status": "new", "score": float(sig["score"]),
            "observed": int(sig["observed"]), "expected": float(sig["expected"]),
            "explanation": text, "created_at": now, "updated_at": now}


def explain(area_name: str, category_name: str, observed: int, expected: float, upper: float,
            statistic: float, *, streak: int = 1, evidence: dict | None = None,
            detector: str = "ears_c2", first_week: date | None = None) -> str:
    """The alert's Chinese explanation: counts against expectation, then the evidence.

    e.g. 青石镇桃园村「劳资欠薪」本周 7 件，预期 1.2 件（上限 3.8，EARS C2 统计量 4.1）；连续第 3 周预警。
    高频词：欠薪、包工头、工地；涉及：滨江一号项目工地；渠道：12345热线 5、网格 2。
    """
    ev = evidence or {}
    head = (f"{area_name}「{category_name}」本周 {int(observed)} 件，预期 {expected:.1f} 件"
            f"（上限 {upper:.1f}，{DETECTOR_NAMES.get(detector, detector)} 统计量 {statistic:.1f}）；")
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
    if ev.get("examples"):
        example = str(ev["examples"][0])
        parts.append(f"例：「{example[:40]}{'…' if len(example) > 40 else ''}」")
    return "；".join(parts) + ("。" if parts else "")
