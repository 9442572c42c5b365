"""Reading a gazetteer of areas (统计用区划代码-style 12-digit codes)."""
from __future__ import annotations

from pathlib import Path

import polars as pl

from features.places import AreaMatcher
from .sources import SourceError, read_raw

COLUMNS = {"area_code": ["area_code", "代码", "区划代码", "统计用区划代码"], "name": ["name", "名称", "区划名称"],
           "level": ["level", "级别", "层级"], "parent_code": ["parent_code", "上级代码", "parent"],
           "lat": ["lat", "纬度"], "lon": ["lon", "经度"]}


def read_areas(path: Path) -> tuple[pl.DataFrame, list[str]]:
    """The areas of a CSV file, and one message per bad row (file, row, column, what was expected)."""
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
    codes = set(frame["area_code"].to_list())
    for number, parent in zip(raw.row_numbers, frame["parent_code"].to_list()):
        if parent and parent not in codes:
            problems.append(f"{path}: row {number}, column parent_code: {parent} is not an area of this file")
    return frame, problems


def _area_row(get) -> tuple[tuple, list[tuple[str, str]]]:
    bad = []
    code = get("area_code")
    if not (len(code) == 12 and code.isdigit()):
        bad.append(("area_code", f"{code!r} is not a 12-digit code"))
    if not get("name"):
        bad.append(("name", "empty: expected the area's name"))
    level = _number(get("level"), int, "level", bad)
    lat = _number(get("lat"), float, "lat", bad) if get("lat") else None
    lon = _number(get("lon"), float, "lon", bad) if get("lon") else None
    return (code, get("name"), level, get("parent_code") or None, lat, lon), bad


def _number(text: str, kind, column: str, bad: list):
    try:
        return kind(text)
    except ValueError:
        bad.append((column, f"{text!r} is not a {'whole ' if kind is int else ''}number"))
        return None


def place(unplaced: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """(report_id, area_code) of the unplaced reports whose address or text names a known place."""
    matcher = AreaMatcher(areas)
    codes = [matcher.resolve(r["address"], r["title"], r["text"]) for r in unplaced.iter_rows(named=True)]
    return pl.DataFrame({"report_id": unplaced["report_id"], "area_code": codes},
                        schema={"report_id": pl.Utf8, "area_code": pl.Utf8}).drop_nulls("area_code")
