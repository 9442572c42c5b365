"""Reading a gazetteer of areas (统计用区划代码-style 12-digit codes)."""
from __future__ import annotations

from pathlib import Path

import polars as pl

from features.places import AreaMatcher
from .sources import SourceError, read_raw
from .validate import areas_of

COLUMNS = {"area_code": ["area_code", "代码", "区划代码", "统计用区划代码"], "name": ["name", "名称", "区划名称"],
           "level": ["level", "级别", "层级"], "parent_code": ["parent_code", "上级代码", "parent"],
           "lat": ["lat", "纬度"], "lon": ["lon", "经度"]}
# 统计用区划代码's levels; reports are placed in counties, towns and villages (3 to 5).
LEVELS = {1: "province", 2: "city", 3: "county", 4: "town/street", 5: "village/community"}
RANGES = {"lat": (-90, 90), "lon": (-180, 180)}


def read_areas(path: Path) -> tuple[pl.DataFrame, list[str]]:
    """The areas of a CSV file, and one message per problem (file, row(s), column, what was
    expected): the file is imported whole or not at all, so any problem refuses all of it."""
    try:
        raw = read_raw(path)
    except SourceError as exc:
        return pl.DataFrame(), [str(exc)]
    index = {h.strip().lower(): i for i, h in enumerate(raw.header)}
    cols = {k: next((index[v.lower()] for v in vs if v.lower() in index), None) for k, vs in COLUMNS.items()}
    missing = [COLUMNS[k][0] for k in ("area_code", "name", "level") if cols[k] is None]
    if missing:
        return pl.DataFrame(), [f"{path}: missing column(s) {', '.join(missing)}; found {raw.header}"]
    rows, problems = [], [f"{path}: row {n}: {reason}" for n, reason, _ in raw.broken]
    for number, cells in zip(raw.row_numbers, raw.rows):
        get = lambda k: (cells[cols[k]] or "").strip() if cols[k] is not None else ""  # noqa: E731
        row, bad = _area_row(get)
        problems += [f"{path}: row {number}, column {col}: {why}" for col, why in bad]
        rows.append(row)
    frame = pl.DataFrame(rows, schema={"area_code": pl.Utf8, "name": pl.Utf8, "level": pl.Int32,
                                       "parent_code": pl.Utf8, "lat": pl.Float64, "lon": pl.Float64}, orient="row")
    if frame.is_empty() and not raw.broken:
        return frame, [f"{path}: no areas: the file has a header but no rows (expected one row per area)"]
    return frame, problems + [f"{path}: {p}" for p in _tree_problems(frame, raw.row_numbers)]


def _area_row(get) -> tuple[tuple, list[tuple[str, str]]]:
    bad = []
    code = get("area_code")
    if not (len(code) == 12 and code.isdigit()):
        bad.append(("area_code", f"{code!r} is not a 12-digit code"))
    if not get("name"):
        bad.append(("name", "empty: expected the area's name"))
    elif "\ufffd" in get("name"):
        bad.append(("name", f"{get('name')!r} holds bytes that are not valid in the file's encoding"))
    level = _number(get("level"), int, "level", bad)
    if level is not None and level not in LEVELS:
        bad.append(("level", f"{level} is not a level: expected " + ", ".join(f"{n} {w}" for n, w in LEVELS.items())))
        level = None
    lat = _number(get("lat"), float, "lat", bad) if get("lat") else None
    lon = _number(get("lon"), float, "lon", bad) if get("lon") else None
    for column, value in (("lat", lat), ("lon", lon)):
        low, high = RANGES[column]
        if value is not None and not low <= value <= high:
            bad.append((column, f"{value:g} is not a {'latitude' if column == 'lat' else 'longitude'}: expected"
                                f" {low} to {high} degrees"))
    return (code, get("name"), level, get("parent_code") or None, lat, lon), bad


def _number(text: str, kind, column: str, bad: list):
    try:
        return kind(text)
    except ValueError:
        bad.append((column, f"{text!r} is not a {'whole ' if kind is int else ''}number"))
        return None


def _tree_problems(frame: pl.DataFrame, numbers: list[int]) -> list[str]:
    """What makes the areas no tree: a code given twice, a parent that is no area of the file or is
    not above its child, parents that go round in a circle."""
    codes, names, levels, parents = (frame[c].to_list() for c in ("area_code", "name", "level", "parent_code"))
    rows_of: dict[str, list[int]] = {}
    for number, code in zip(numbers, codes):
        rows_of.setdefault(code, []).append(number)
    problems = []
    for code, rows in rows_of.items():
        if len(rows) > 1 and code:
            given = ", ".join(dict.fromkeys(n for c, n in zip(codes, names) if c == code))
            problems.append(f"{_rows(rows)}, column area_code: {code} is given {len(rows)} times ({given}):"
                            " expected each area once")
    level_of = {c: lv for c, lv in zip(codes, levels)}
    for number, code, level, parent in zip(numbers, codes, levels, parents):
        if parent is None:
            continue
        if parent not in level_of:
            problems.append(f"row {number}, column parent_code: {parent} is not an area of this file"
                            " (expected the code of another row, or nothing for a top area)")
        elif parent != code and None not in (level, level_of[parent]) and level_of[parent] >= level:
            problems.append(f"row {number}, column parent_code: {parent} is a level-{level_of[parent]} area, not above"
                            f" this level-{level} one (expected a parent of a lower level number)")
    return problems + _circles(codes, parents, rows_of)


def _circles(codes: list[str], parents: list[str | None], rows_of: dict[str, list[int]]) -> list[str]:
    """One message per circle of parents (a parent of its own parent, or of itself)."""
    parent_of = dict(zip(codes, parents))
    done: set[str] = set()
    problems = []
    for start in parent_of:
        path, code = [], start
        while code in parent_of and code not in done and code not in path:
            path.append(code)
            code = parent_of[code]
        if code in path:  # came back to a code of this walk: the walk from there is a circle
            circle = path[path.index(code):]
            rows = sorted(n for c in circle for n in rows_of[c])
            problems.append(f"{_rows(rows)}, column parent_code: the parents go round in a circle"
                            f" ({' → '.join(circle + [code])}): expected each area's parents to end at a top area")
        done.update(path)
    return problems


def _rows(numbers: list[int]) -> str:
    return ("row " if len(numbers) == 1 else "rows ") + ", ".join(map(str, sorted(numbers)))


def place(unplaced: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """(report_id, area_code, outside) of the reports without an area: the area their place
    columns as given (grid code, county, town, village), address or text name, as ingest places a
    row (``validate.areas_of``), null if none; outside where their county column names a county
    the gazetteer does not hold (such a report stays without an area, whatever its text names).
    Reports stored before the place columns were kept are placed by their address and text."""
    matcher = AreaMatcher(areas)
    given = (unplaced[c].to_list() for c in ("given_grid", "given_village", "given_town", "given_county"))
    codes, outside = areas_of(matcher, *given, places=((a,) for a in unplaced["address"].to_list()),
                              prose=zip(unplaced["title"].to_list(), unplaced["text"].to_list()))
    return pl.DataFrame({"report_id": unplaced["report_id"], "area_code": codes, "outside": outside},
                        schema={"report_id": pl.Utf8, "area_code": pl.Utf8, "outside": pl.Boolean})
