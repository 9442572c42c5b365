"""The seeded synthetic sample: areas, the three channels in their raw shapes, and the ground truth.

``generate(out_dir)`` writes the committed sample; ``generate(out_dir, reports=N)`` the same shapes
with N reports for benchmarks. Weeks are made one at a time and written as they are made, so a
million reports stay within a few hundred MB. One ``random.Random(seed)`` drives everything.
"""
from __future__ import annotations

import csv
import json
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import xlsxwriter

from pipelines.sample import phrases as P
from pipelines.sample import places as PL
from pipelines.sample import texts as T
from pipelines.sample.planted import PLANTED

START, WEEKS = date(2024, 11, 25), 104
DEFAULT_REPORTS = 27_040
SPRING_FESTIVALS = (date(2025, 1, 29), date(2026, 2, 17))
CATEGORIES = ("wage_arrears", "debt", "family_neighbour", "finance", "real_estate")
CHANNEL_SHARE = {"hotline": 0.6, "grid": 0.3, "petition": 0.1}
# Share of reports by label set; a topic's weight splits its set's share.
LABEL_SHARE = {(): 0.60, ("wage_arrears",): 0.10, ("debt",): 0.065, ("family_neighbour",): 0.095,
               ("finance",): 0.045, ("real_estate",): 0.075, "combo": 0.027}
HOTLINE_HEADER = ["工单编号", "来电时间", "来电号码", "所属区县", "所属街道", "所属社区", "详细地址", "诉求标题", "诉求内容", "诉求类型"]
PETITION_HEADER = ["信访件编号", "登记日期", "信访形式", "信访人数", "信访人", "身份证号", "联系电话", "问题属地", "被反映对象", "信访事项", "内容分类"]
GRID_TYPES = {t for topic in P.TOPICS.values() for t in topic["grid"]} | {"其他"}
UNINFORMATIVE = {"hotline": ("其他", "其他", "咨询/政策"), "petition": ("其他",), "grid": ("其他",)}


@dataclass
class Area:
    code: str
    name: str
    level: int
    parent: str
    lat: float
    lon: float
    town: str = ""
    urban: bool = False
    weight: float = 1.0
    grids: list = field(default_factory=list)


@dataclass
class Report:
    channel: str
    at: datetime
    area: Area
    topic: str
    spec: dict | None = None


# ---------------------------------------------------------------- areas
def build_areas(rng: random.Random) -> list[Area]:
    code, name, lat0, lon0 = PL.COUNTY
    areas = [Area(code, name, 3, "", lat0, lon0)]
    for suffix, town, dlat, dlon, villages in PL.TOWNS:
        tcode = f"369901{suffix}000"
        tlat, tlon = lat0 + dlat, lon0 + dlon
        areas.append(Area(tcode, town, 4, code, round(tlat, 5), round(tlon, 5), town))
        for i, village in enumerate(villages, 1):
            urban = village.endswith("社区")
            vlat, vlon = tlat + rng.uniform(-0.025, 0.025), tlon + rng.uniform(-0.025, 0.025)
            area = Area(f"369901{suffix}{i:03d}", village, 5, tcode, round(vlat, 5), round(vlon, 5), town, urban,
                        rng.uniform(1.2, 1.8) if urban else rng.uniform(0.6, 1.1))
            area.grids = [(f"{area.code}-{g:03d}", T.full_name(rng)) for g in range(1, rng.randint(3, 7))]
            areas.append(area)
    return areas


def write_areas(path: Path, areas: list[Area]) -> int:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["area_code", "name", "level", "parent_code", "lat", "lon"])
        w.writerows([a.code, a.name, a.level, a.parent, a.lat, a.lon] for a in areas)
    return len(areas)


# ---------------------------------------------------------------- calendar and volumes
def week_start(i: int) -> date:
    return START + timedelta(weeks=i)


def week_factor(monday: date) -> float:
    """Relative report volume: fewer in Spring Festival week, a slow upward drift over two years."""
    factor = 1.0 + 0.1 * (monday - START).days / 728
    for sf in SPRING_FESTIVALS:
        weeks = (sf - monday).days // 7
        factor *= {0: 0.55, -1: 0.8, 1: 0.9}.get(weeks, 1.0)
    return factor


def wage_factor(monday: date) -> float:
    """Wage arrears climb to ~3x in the eight weeks before Spring Festival and dip after it."""
    for sf in SPRING_FESTIVALS:
        weeks_before = (sf - monday).days / 7
        if 0 <= weeks_before <= 8:
            return 1.0 + 2.0 * (8 - weeks_before) / 8 + 0.3
        if -3 <= weeks_before < 0:
            return 0.7
    return 1.0


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split a total over weights with whole numbers that add up exactly (largest remainder)."""
    raw = [total * w / sum(weights) for w in weights]
    counts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: counts[i] - raw[i])[: total - sum(counts)]:
        counts[i] += 1
    return counts


def topic_weights(monday: date, urban: bool) -> tuple[list[str], list[float]]:
    """Cumulative weights of the topics in one week and one kind of area."""
    groups: dict = {}
    for key, t in P.TOPICS.items():
        groups.setdefault(t["labels"] if len(t["labels"]) < 2 else "combo", []).append(key)
    keys, cum, acc = [], [], 0.0
    summer = monday.month in (6, 7, 8)
    for group, members in groups.items():
        total = sum(P.TOPICS[k]["weight"] for k in members)
        for k in members:
            t = P.TOPICS[k]
            w = LABEL_SHARE[group] * t["weight"] / total * (t["urban"] if urban else t["rural"])
            w *= wage_factor(monday) if "wage_arrears" in t["labels"] else 1.0
            w *= t.get("summer", 1.0) if summer else 1.0
            acc += w
            keys.append(k)
            cum.append(acc)
    return keys, cum


# ---------------------------------------------------------------- the reports of one week
def planted_reports(rng, monday, by_code, scale) -> list[Report]:
    out = []
    for spec in PLANTED:
        i = (monday - date.fromisoformat(spec["first_week"])).days // 7
        if 0 <= i < len(spec["counts"]):
            for _ in range(spec["counts"][i] * scale):
                channel = rng.choices(list(spec["channels"]), list(spec["channels"].values()))[0]
                out.append(Report(channel, random_time(rng, monday, channel), by_code[spec["area"]],
                                  rng.choice(spec["topics"]), spec))
    return out


def background_reports(rng, monday, n, villages, suppressed) -> list[Report]:
    tables = {u: topic_weights(monday, u) for u in (False, True)}
    weights = [v.weight for v in villages]
    channels, shares = list(CHANNEL_SHARE), list(CHANNEL_SHARE.values())
    out = []
    for area in rng.choices(villages, weights, k=n):
        keys, cum = tables[area.urban]
        topic = rng.choices(keys, cum_weights=cum)[0]
        # Keep the planted categories quiet in their areas so that the planted signals stand out.
        while suppressed.intersection((area.code, c) for c in P.TOPICS[topic]["labels"]) and rng.random() < 0.95:
            topic = rng.choices(keys, cum_weights=cum)[0]
        channel = rng.choices(channels, shares)[0]
        out.append(Report(channel, random_time(rng, monday, channel), area, topic))
    return out


def random_time(rng: random.Random, monday: date, channel: str) -> datetime:
    if channel == "hotline":
        day = rng.choices(range(7), (1.15, 1.1, 1.0, 1.0, 1.0, 0.8, 0.7))[0]
        hour = rng.choices(range(24), [0.1] * 7 + [1, 3, 4, 3.5, 2, 1.5, 2.5, 3, 3, 2.5, 2, 1.5, 1.5, 1.2, 0.8, 0.5, 0.2])[0]
        return datetime.combine(monday + timedelta(days=day), time(hour, rng.randrange(60), rng.randrange(60)))
    if channel == "grid":
        day = rng.choices(range(7), (1, 1, 1, 1, 1, 0.25, 0.15))[0]
        return datetime.combine(monday + timedelta(days=day), time(rng.randint(8, 17), rng.randrange(60)))
    return datetime.combine(monday + timedelta(days=rng.randrange(5)), time(9))


# ---------------------------------------------------------------- reporters and categories
class Reporters:
    """People who report; some report again (same phone, name and ID) about the same matter."""

    def __init__(self, rng: random.Random):
        self.rng, self.pools = rng, {}

    def pick(self, area: Area, topic: str, again: float) -> dict:
        pool = self.pools.setdefault((area.code, topic), [])
        if pool and self.rng.random() < again:
            return self.rng.choice(pool)
        person = {"name": T.full_name(self.rng), "phone": T.phone(self.rng), "id_card": T.id_card(self.rng)}
        pool.append(person)
        del pool[:-20]
        return person


def operator_category(rng: random.Random, topic: dict, channel: str) -> str:
    """What the operator filed it under: mostly right, sometimes wrong, sometimes uninformative."""
    r = rng.random()
    if r < 0.08:
        return rng.choice(UNINFORMATIVE[channel])
    if r < 0.145:
        wrong = [w for w in topic.get("wrong", ()) if _channel_of(w) == channel]
        if wrong:
            return rng.choice(wrong)
        other = rng.choice([t for t in P.TOPICS.values() if t["labels"] != topic["labels"]])
        return rng.choice(other[channel])
    return rng.choice(topic[channel])


def _channel_of(category: str) -> str:
    if category in GRID_TYPES:
        return "grid"
    return "hotline" if "/" in category else "petition"


# ---------------------------------------------------------------- rendering one report
def slots_for(rng, rep: Report, voice: str) -> T.Slots:
    topic = P.TOPICS[rep.topic]
    ctx = {"now": rep.at, "town": rep.area.town, "village": rep.area.name, "urban": rep.area.urban, "topic": topic}
    return T.Slots(rng, ctx, T.VOICES[voice](rng), rep.spec["fixed"] if rep.spec else None)


def topic_of(rep: Report) -> dict:
    """The topic, with a planted hotspot's own openings so that every planted report names it."""
    topic = P.TOPICS[rep.topic]
    if not rep.spec:
        return topic
    return {**topic, **{k: rep.spec[k] for k in ("identity", "grid_core") if k in rep.spec}}


def hotline_row(rng, rep: Report, serial: str, reporters: Reporters) -> list:
    topic = topic_of(rep)
    person = reporters.pick(rep.area, rep.topic, 0.3 if rep.spec else (0.15 if topic["labels"] else 0.05))
    third = rng.random() < 0.5
    slots = slots_for(rng, rep, "third" if third else "first")
    if third:
        size = rng.choices(("short", "medium", "long"), (0.25, 0.5, 0.25))[0]
        text = T.third_person(rng, topic, slots, size, bool(rep.spec))
    else:
        size = rng.choices(("short", "medium", "long", "xlong"), (0.15, 0.45, 0.32, 0.08))[0]
        text = T.first_person(rng, topic, slots, size, force_identity=bool(rep.spec))
    text += T.pii_tail(rng, person)
    town, village, address = address_of(rng, rep.area, slots)
    return [serial, rep.at.strftime("%Y-%m-%d %H:%M:%S"), person["phone"], "溪山县", town, village, address,
            T.hotline_title(rng, topic, slots, text), text, operator_category(rng, topic, "hotline")]


def address_of(rng, area: Area, slots: T.Slots) -> tuple[str, str, str]:
    """所属街道, 所属社区 and 详细地址; when the columns are blank the address names the place in full."""
    r = rng.random()
    if area.urban:
        estate = slots["estate_here"]
        estate += "小区" if not estate.endswith(("小区", "新村", "宿舍", "公寓")) and rng.random() < 0.5 else ""
        spot = rng.choice((f"{estate}{slots['building']}栋", f"{slots['street']}{slots['building']}号"))
    else:
        spot = slots["group"] + rng.choice(("", "", f"{rng.randint(1, 60)}号"))
    if r < 0.03:
        return "", "", f"溪山县{area.town}{area.name}{spot}"
    if r < 0.10:
        return area.town, "", f"{area.town}{area.name}{spot}"
    prefix = rng.choice(("溪山县", "", "")) + area.town + ("" if area.urban and rng.random() < 0.6 else area.name)
    return area.town, area.name, prefix + spot


def petition_row(rng, rep: Report, serial: str, reporters: Reporters) -> list:
    topic = topic_of(rep)
    person = reporters.pick(rep.area, rep.topic, 0.3)
    people = rng.randint(*rep.spec["people"]) if rep.spec and "people" in rep.spec else \
        (rng.randint(5, 40) if topic["labels"] and rng.random() < 0.06 else (2 if rng.random() < 0.05 else 1))
    slots = slots_for(rng, rep, "collective" if people >= 5 else "first")
    size = rng.choices(("medium", "long", "xlong"), (0.2, 0.5, 0.3))[0]
    text = T.first_person(rng, topic, slots, size, petition=True, people=people if people >= 5 else 1,
                          force_identity=bool(rep.spec)) + T.pii_tail(rng, person)
    if rep.spec and "letter" in rep.spec:
        # A hotspot's joint letter replaces the text drawn above, which is drawn all the same: the
        # sample's other reports stay those of the same seed. The flat comes from the serial.
        flat = random.Random(serial)
        text = rep.spec["letter"].format(building=flat.randint(1, 18), room=f"{flat.randint(1, 26)}0{flat.randint(1, 4)}",
                                         name=person["name"])
    name = f"{person['name'][0]}某某等{people}人" if people >= 5 else person["name"]
    day = rep.at.date()
    when = f"{day.year}/{day.month}/{day.day}" if rng.random() < 0.15 else day
    place = "溪山县" + rep.area.town + (rep.area.name if rng.random() < 0.85 else "")
    return [serial, when, rng.choices(("来信", "来访", "网上信访", "领导信箱"), (0.2, 0.35, 0.35, 0.1))[0], people, name,
            person["id_card"], person["phone"], place, slots.subject(), text, operator_category(rng, topic, "petition")]


def grid_row(rng, rep: Report, serial: str, end: date) -> dict:
    topic = topic_of(rep)
    slots = slots_for(rng, rep, "grid")
    grid_code, worker = rng.choice(rep.area.grids)
    age = (end - rep.at.date()).days
    status = rng.choices(("已办结", "处置中", "已受理", "已上报"), (0.9, 0.04, 0.03, 0.03) if age > 42 else (0.4, 0.25, 0.2, 0.15))[0]
    return {"event_id": serial, "reported_at": rep.at.isoformat(), "grid_code": grid_code, "grid_worker": worker,
            "event_type": operator_category(rng, topic, "grid"), "description": T.grid_report(rng, topic, slots),
            "lon": round(rep.area.lon + rng.uniform(-0.006, 0.006), 6),
            "lat": round(rep.area.lat + rng.uniform(-0.006, 0.006), 6), "status": status}


def labels_of(rep: Report) -> str:
    labels = P.TOPICS[rep.topic]["labels"]
    return ";".join(c for c in CATEGORIES if c in labels) or "none"


# ---------------------------------------------------------------- writers
class Writers:
    """The open output files; rows are appended week by week in time order."""

    def __init__(self, out: Path):
        (out / "truth").mkdir(parents=True, exist_ok=True)
        self.hot_fh = (out / "hotline.csv").open("w", encoding="gb18030", newline="")
        self.hotline = csv.writer(self.hot_fh, lineterminator="\r\n")
        self.hotline.writerow(HOTLINE_HEADER)
        self.grid = (out / "grid.jsonl").open("w", encoding="utf-8", newline="\n")
        self.lab_fh = (out / "truth" / "labels.csv").open("w", encoding="utf-8", newline="")
        self.labels = csv.writer(self.lab_fh, lineterminator="\n")
        self.labels.writerow(["report_id", "labels"])
        self.book = xlsxwriter.Workbook(str(out / "petitions.xlsx"), {"constant_memory": True})
        self.book.set_properties({"created": datetime(2026, 11, 23), "title": "信访件登记台账"})
        self.sheet = self.book.add_worksheet("信访登记")
        self.date_fmt = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.sheet.write_row(0, 0, PETITION_HEADER)
        self.sheet.set_column(0, 1, 14)
        self.sheet.set_column(9, 9, 60)
        self.rows = 0
        self.counts = {"hotline": 0, "petition": 0, "grid": 0}

    def write(self, channel: str, row, source_id: str, labels: str) -> None:
        if channel == "hotline":
            self.hotline.writerow(row)
        elif channel == "grid":
            self.grid.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            self.rows += 1
            for col, value in enumerate(row):
                if isinstance(value, date):
                    self.sheet.write_datetime(self.rows, col, datetime.combine(value, time()), self.date_fmt)
                else:
                    self.sheet.write(self.rows, col, value)
        self.labels.writerow([f"{channel}:{source_id}", labels])
        self.counts[channel] += 1

    def close(self) -> None:
        self.hot_fh.close()
        self.grid.close()
        self.lab_fh.close()
        self.book.close()


class Serials:
    """Source ids as the exporting systems number them: per day (hotline, grid) or per year (petition)."""

    def __init__(self, rng: random.Random):
        self.rng, self.last = rng, {}

    def next(self, channel: str, at: datetime) -> str:
        key = (channel, at.year if channel == "petition" else at.date())
        start = self.rng.randint(1, 30) if channel == "hotline" else 0
        n = self.last[key] = self.last.get(key, start) + (self.rng.randint(1, 3) if channel == "hotline" else 1)
        if channel == "hotline":
            return f"GD{at:%Y%m%d}{n:06d}"
        if channel == "grid":
            return f"WG{at:%Y%m%d}{n:04d}"
        return f"XF{at.year}-{n:06d}"


# ---------------------------------------------------------------- the whole sample
def generate(out_dir: Path, reports: int | None = None, seed: int = 20261128, progress=None) -> dict:
    """Write the sample into out_dir; the same seed and size give byte-identical files."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    total = reports or DEFAULT_REPORTS
    scale = max(1, round(total / DEFAULT_REPORTS))
    areas = build_areas(rng)
    counts = {"areas.csv": write_areas(out_dir / "areas.csv", areas)}
    counts["planted_hotspots.csv"] = write_planted(out_dir / "planted_hotspots.csv", scale)
    planted_total = sum(sum(s["counts"]) * scale for s in PLANTED)
    weekly = allocate(max(total - planted_total, 0), [week_factor(week_start(i)) for i in range(WEEKS)])
    made = _write_weeks(out_dir, rng, areas, weekly, scale, progress)
    return counts | {"hotline.csv": made["hotline"], "petitions.xlsx": made["petition"], "grid.jsonl": made["grid"],
                     "truth/labels.csv": sum(made.values())}


def _write_weeks(out_dir, rng, areas, weekly, scale, progress) -> dict:
    """Make and write the reports week by week; returns the rows written per channel."""
    by_code = {a.code: a for a in areas}
    villages = [a for a in areas if a.level == 5]
    suppressed = {(s["area"], s["category"]) for s in PLANTED}
    writers, serials, reporters = Writers(out_dir), Serials(rng), Reporters(rng)
    end = week_start(WEEKS)
    try:
        for i, n in enumerate(weekly):
            monday = week_start(i)
            week = background_reports(rng, monday, n, villages, suppressed) + planted_reports(rng, monday, by_code, scale)
            for rep in sorted(week, key=lambda r: (r.at, r.channel)):
                source_id = serials.next(rep.channel, rep.at)
                row = {"hotline": lambda: hotline_row(rng, rep, source_id, reporters),
                       "petition": lambda: petition_row(rng, rep, source_id, reporters),
                       "grid": lambda: grid_row(rng, rep, source_id, end)}[rep.channel]()
                writers.write(rep.channel, row, source_id, labels_of(rep))
            if progress and (i + 1) % 13 == 0:
                progress(f"week {i + 1}/{WEEKS} ({monday}): {sum(writers.counts.values())} reports")
    finally:
        writers.close()
    return writers.counts


def write_planted(path: Path, scale: int) -> int:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["area_code", "category", "first_week", "last_week", "kind", "description"])
        for s in PLANTED:
            first = date.fromisoformat(s["first_week"])
            last = first + timedelta(weeks=len(s["counts"]) - 1)
            w.writerow([s["area"], s["category"], first.isoformat(), last.isoformat(), s["kind"], s["description"]])
    return len(PLANTED)


if __name__ == "__main__":
    import sys

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("data/sample")
    size = int(sys.argv[2]) if len(sys.argv) > 2 else None
    print(generate(target, size, progress=print))
