"""Label corrections from data staff: a CSV of report_id (or the report's text) and labels."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace

import polars as pl

from features.pii import mask_pii
from . import settings, warehouse
from .sources import CHANNELS, SourceError, find_columns, read_raw
from .taxonomy import taxonomy


NONE_WORDS = ("none", "无")
SEPARATORS = "[;；,，、]"
# The columns of a labelled file, by their English names or by the Chinese ones data staff's own
# files use: the channels' exports' names (sources.*.COLUMNS: 工单编号, 诉求内容, 留言详情, 信访事项 …)
# and a few plain ones (内容, 标签, 一级标签), matched as ingest matches headers (*诉求内容 too).
def _export_names(field: str, *own: str) -> tuple[str, ...]:
    # not a bare "id" (the grid's): a labelled file's own row numbers (id,text,labels) are no report's
    return tuple(dict.fromkeys([*own, *(n for m in CHANNELS.values() for n in m.COLUMNS.get(field, []) if n != "id")]))


COLUMN_NAMES = {
    "report_id": _export_names("source_id", "report_id", "报告编号", "诉求编号"),
    "text": _export_names("text", "text", "内容", "文本", "正文"),
    "title": _export_names("title", "title", "标题"),
    "label": ("label", "标签", "类别", "分类", "一级标签"),
    "labels": ("labels", "多标签"),
}


def find_column(header: list[str], name: str) -> int | None:
    """The position of column ``name`` (a key of COLUMN_NAMES) in ``header``, under any of its names."""
    found = find_columns(header, SimpleNamespace(COLUMNS={name: COLUMN_NAMES[name]}))
    return header.index(found[name]) if name in found else None


def column_names(name: str) -> str:
    """``name`` and its other names, for an error message: text (内容, 文本, …)."""
    first, *others = COLUMN_NAMES[name]
    return f"{first} ({', '.join(others[:4])}{', …' if len(others) > 4 else ''})"


def label_forms(known: list[str], names: dict[str, str] | None = None) -> dict[str, str]:
    """Each accepted spelling of a label, lowered → its key: the keys in any case, and ``names``
    (other spellings, such as the categories' Chinese names 劳资欠薪) → their keys."""
    return {k.lower(): k for k in known} | {n.lower(): k for n, k in (names or {}).items()}


def category_forms() -> dict[str, str]:
    """``label_forms`` of the taxonomy in force: its keys in any case and its Chinese names."""
    tax = taxonomy()
    return label_forms(tax.keys, {c.name: c.key for c in tax.categories})


def split_labels(value: str | None, forms: dict[str, str]) -> tuple[list[str], list[str], bool]:
    """(keys, labels that are none of ``forms``, whether the cell says none) of one cell:
    'wage_arrears;debt', '劳资欠薪、债务纠纷', 'Debt', 'none' or '无'."""
    parts, unknown, none = [], [], False
    for part in (p.strip() for p in re.split(SEPARATORS, value or "")):
        if not part:
            continue
        if part.lower() in NONE_WORDS:
            none = True
        elif key := forms.get(part.lower()):
            parts.append(key)
        else:
            unknown.append(part)
    return list(dict.fromkeys(parts)), unknown, none


def parse_labels(value: str | None, known: list[str], forms: dict[str, str] | None = None) -> list[str]:
    """'wage_arrears;debt' → ['wage_arrears', 'debt']; 'none' (or 无) → []; an empty cell, an
    unknown label, or none beside a label → ValueError (an empty cell is a label someone forgot,
    not a report of no risk). ``forms`` (default: the keys in any case, Debt, DEBT) maps each
    accepted spelling to its key, such as the categories' Chinese names (劳资欠薪, ``category_forms``);
    ',' '；' '、' separate labels too."""
    if not (value or "").strip():
        raise ValueError(f"empty; expected some of {known} separated by ';', or none")
    parts, unknown, none = split_labels(value, forms if forms is not None else label_forms(known))
    if unknown:
        raise ValueError(f"unknown label(s) {unknown}; expected some of {known} or none")
    if none and parts:
        raise ValueError(f"none beside {parts}: a report is of some categories or of none")
    return parts


def _one_row_per_report(good: list[tuple], problems: list, path: str, column: str) -> list[tuple]:
    """(report_id, labels, row) once per report: rows that give one report the same labels import
    once; rows that give it different ones are all refused, each naming the others (which row
    should win is for the file's author to say, not for the order of its rows)."""
    rows: dict[str, list[tuple]] = {}
    for g in good:
        rows.setdefault(g[0], []).append(g)
    kept = []
    for report, given in rows.items():
        if len({tuple(sorted(g[1])) for g in given}) == 1:
            kept.append(given[0])
            continue
        for _, labels, n in given:
            others = ", ".join(f"row {m} ({';'.join(lab) or 'none'})" for _, lab, m in given if m != n)
            problems.append((n, f"{path}: row {n}, column {column}: report {report} is labelled "
                                f"{';'.join(labels) or 'none'} here but otherwise in {others}; keep one row per report"))
    return kept


def import_labels(path: Path, who: str) -> tuple[int, list[str]]:
    """Labels of stored reports from a CSV (or workbook) of report_id (ours, hotline:GD…, or the
    source system's number, GD…, in any case) or text, and labels. Returns the number imported and
    one line per rejected row (file, row, column, why): every row is imported or named."""
    try:
        raw = read_raw(path)
    except SourceError as exc:
        return 0, [str(exc)]
    label_col = next((i for i in (find_column(raw.header, c) for c in ("labels", "label")) if i is not None), None)
    key_col = next((i for i in (find_column(raw.header, c) for c in ("report_id", "text")) if i is not None), None)
    if label_col is None or key_col is None:
        return 0, [f"{path}: expected columns {column_names('report_id')} or {column_names('text')}, and "
                   f"{column_names('labels')} or {column_names('label')}; found {raw.header}"]
    known, forms = taxonomy().keys, category_forms()
    # rows the reader could not split into cells (a stray quote, a line with more fields)
    problems = [(n, f"{path}: row {n}: {reason}") for n, reason, _ in raw.broken]
    keys, labels, rows = [], [], []
    for number, cells in zip(raw.row_numbers, raw.rows):
        key = (cells[key_col] or "").strip()
        if not key:
            problems.append((number, f"{path}: row {number}, column {raw.header[key_col]}: empty"))
            continue
        try:
            labels.append(parse_labels(cells[label_col], known, forms))
        except ValueError as exc:
            problems.append((number, f"{path}: row {number}, column {raw.header[label_col]}: {exc}"))
            continue
        keys.append(key)
        rows.append(number)
    by_text = key_col == find_column(raw.header, "text")
    with warehouse.open_warehouse(settings.warehouse_path()) as con:
        if by_text:
            found = warehouse.report_ids_by_text(con, [mask_pii(k) for k in keys])
            ids = dict(zip(found["text"].to_list(), found["report_id"].to_list()))
            matches = {k: [ids[mask_pii(k)]] if mask_pii(k) in ids else [] for k in keys}
        else:
            matches = warehouse.report_ids_matching(con, keys)
        good = []
        for n, key, lab in zip(rows, keys, labels):
            found = matches.get(key, [])
            where = f"{path}: row {n}, column {raw.header[key_col]}"
            if not found:
                problems.append((n, f"{where}: no stored report matches {mask_pii(key)[:40]!r}"))
            elif len(found) > 1 and all(f.lower() == key.lower() for f in found):
                problems.append((n, f"{where}: {key!r} names {len(found)} reports whose ids differ only in case "
                                    f"({', '.join(found[:4])}); write the id exactly as stored"))
            elif len(found) > 1:
                problems.append((n, f"{where}: {key!r} is the number of {len(found)} reports "
                                    f"({', '.join(found[:4])}); give ours, with its channel"))
            else:
                good.append((found[0], lab, n))
        good = _one_row_per_report(good, problems, f"{path}", raw.header[key_col])
        frame = pl.DataFrame({"report_id": [g[0] for g in good], "labels": [g[1] for g in good],
                              "source": ["import"] * len(good), "labelled_by": [who] * len(good),
                              "labelled_at": [settings.now()] * len(good)},
                             schema_overrides={"labels": pl.List(pl.Utf8)})
        n = warehouse.insert_labels(con, frame) if good else 0
    warehouse.publish_snapshot(settings.warehouse_path(), settings.snapshot_path())
    return n, [line for _, line in sorted(problems, key=lambda p: p[0])]


EXPORT_COLUMNS = ("report_id", "channel", "received_at", "title", "text", "labels", "类别", "source", "labelled_by",
                  "labelled_at")


def export_labels(path: Path, everything: bool = False) -> int:
    """Write the stored reports' labels to a CSV (UTF-8 with a BOM, so that Excel reads it): one row
    per labelled report, its latest label as ``;``-joined keys (``none`` for none of the categories)
    and their Chinese names, with its (masked) title and text, who labelled it and when. With
    ``everything``, also the reports whose label is inferred from their export's category (source
    ``export``). The file goes back in as it is: ``labels import`` reads report_id and labels,
    ``evaluate`` text, title and labels. Returns the number of rows written."""
    if path.suffix.lower() != ".csv":
        raise ValueError(f"{path}: expected a .csv file to write")
    tax = taxonomy()
    with warehouse.open_warehouse(settings.warehouse_path(), read_only=True) as con:
        rows = warehouse.latest_labels(con)
    weak = [tax.weak_labels(c) if lab is None else None for c, lab in zip(rows["source_category"], rows["labels"])]
    rows = rows.with_columns(pl.Series("weak", weak, dtype=pl.List(pl.Utf8)))
    rows = rows.filter(pl.col("labels").is_not_null() | (pl.lit(everything) & pl.col("weak").is_not_null()))
    rows = rows.with_columns(
        pl.when(pl.col("labels").is_null()).then(pl.lit("export")).otherwise(pl.col("source")).alias("source"),
        pl.coalesce("labels", "weak").alias("labels"))
    keys = [[k for k in tax.keys if k in ls] for ls in rows["labels"].to_list()]
    out = rows.select(
        "report_id", "channel", pl.col("received_at").dt.strftime("%Y-%m-%d %H:%M:%S"), "title", "text",
        pl.Series("labels", [";".join(k) or "none" for k in keys]),
        pl.Series("类别", ["、".join(tax.name(x) for x in k) or "无" for k in keys]),
        "source", "labelled_by", pl.col("labelled_at").dt.strftime("%Y-%m-%d %H:%M:%S"))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        fh.write(out.write_csv())
    return out.height
