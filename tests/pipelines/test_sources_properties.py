"""Bad input tried on every source parser: random bytes, wrong encodings, truncated workbooks, empty
files, giant cells, missing and duplicated headers, dates in a dozen forms, duplicate ids with other
content. Never a crash: a file is either refused with one SourceError naming it, or every row of it
ends as a report or as a quarantined row naming its row, column and reason."""
from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import re
import tempfile
import unicodedata
import zoneinfo
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from features.pii import mask_pii
from pipelines import ingest
from pipelines.sources import SourceError, read_raw
from pipelines.validate import INVISIBLE, Checker, dedupe, link_near_duplicates, parse_datetimes, validate

NOW = dt.datetime(2026, 11, 28)
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
EMPTY_AREAS = pl.DataFrame(schema={"area_code": pl.Utf8, "name": pl.Utf8, "level": pl.Int32, "parent_code": pl.Utf8})
NOTHING_STORED = pl.DataFrame(schema={"report_id": pl.Utf8, "row_hash": pl.Utf8})
NO_FIRST = pl.DataFrame(schema={"content_hash": pl.Utf8, "first_report": pl.Utf8})
# id, date and text columns of each channel, then optional columns that are mapped too
CHANNELS = {
    "hotline": ("工单编号", "来电时间", "诉求内容", ("来电号码", "诉求标题", "诉求类型")),
    "petition": ("信访件编号", "登记日期", "信访事项", ("信访人", "身份证号", "联系电话", "被反映对象")),
    "grid": ("event_id", "reported_at", "description", ("grid_code", "event_type")),
}
RAW_MOBILE = re.compile(r"(?<!\d)1[3-9]\d(?:[\s\-]?\d{4}){2}(?!\d)")
RAW_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- running a file through ingest, no database
@contextlib.contextmanager
def a_file(suffix: str):
    """A path in a fresh temporary folder (hypothesis runs many examples per test: no tmp_path)."""
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder) / f"export{suffix}"


def run(path: Path):
    """The ingest flow's own steps for one file, minus the database: read, detect, validate, map,
    mask, dedupe. Returns the SourceError that refused the file, or (raw file, reports, quarantine)."""
    try:
        raw = read_raw(path)
    except SourceError as exc:
        return exc
    prepared = ingest.prepare_batch.fn(raw, EMPTY_AREAS, "B1", "salt", NOW)
    if isinstance(prepared, SourceError):
        return prepared
    _, reports, check = prepared
    fresh = link_near_duplicates(dedupe(reports, NOTHING_STORED, check), NO_FIRST)
    return raw, fresh, check.frame()


def refused_or_conserved(path: Path, outcome) -> tuple | None:
    """The invariants every file must keep; the outcome's parts when it was not refused."""
    if isinstance(outcome, SourceError):
        assert str(path) in str(outcome), f"the error does not name the file: {outcome}"
        assert "Traceback" not in str(outcome)
        return None
    raw, reports, quarantine = outcome
    rows_in = len(raw.rows) + len(raw.broken)
    assert reports.height + quarantine.height == rows_in, "a row was lost or counted twice"
    # every input row exactly once: as a report or as a quarantined row, by its row number
    given_rows = sorted(raw.row_numbers + [b[0] for b in raw.broken])
    assert sorted(reports["row_number"].to_list() + quarantine["row_number"].to_list()) == given_rows
    assert reports["report_id"].n_unique() == reports.height
    for q in quarantine.iter_rows(named=True):
        assert q["file_name"] == path.name and q["row_number"] >= 1 and q["reason"].strip()
        assert q["kind"] in ("invalid", "duplicate", "conflict")
        # a row that could be split into columns names the column that is wrong
        if q["kind"] == "invalid" and q["row_number"] not in {b[0] for b in raw.broken}:
            assert q["column"] in raw.header, q
        assert not raw_numbers(q["raw"]), q
    for r in reports.iter_rows(named=True):
        assert dt.datetime(1990, 1, 1) <= r["received_at"] <= NOW + dt.timedelta(days=1)
        assert not raw_numbers(" ".join(filter(None, (r["text"], r["title"], r["address"], r["subject"])))), r
    return raw, reports, quarantine


def raw_numbers(text: str | None) -> list[str]:
    """Raw mobile and ID-card numbers left in a stored text (JSON decoded, full-width folded)."""
    if not text:
        return []
    with contextlib.suppress(ValueError):
        decoded = json.loads(text)
        if isinstance(decoded, (dict, list)):  # a quarantined row's cells
            text = " ".join(str(v) for v in (decoded.values() if isinstance(decoded, dict) else decoded))
    plain = unicodedata.normalize("NFKC", text)
    return RAW_MOBILE.findall(plain) + RAW_ID.findall(plain)


# ---------------------------------------------------------------- dates in the forms exports use
EXCEL_EPOCH = dt.date(1899, 12, 30)


def _offset(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# (name, how to write a wall-clock time in Asia/Shanghai, what it reads back as)
DATE_FORMS = [
    ("2019/8/19", lambda d: f"{d.year}/{d.month}/{d.day}", lambda d: d.replace(hour=0, minute=0, second=0)),
    ("2019-08-19", lambda d: f"{d:%Y-%m-%d}", lambda d: d.replace(hour=0, minute=0, second=0)),
    ("2019年8月19日", lambda d: f"{d.year}年{d.month}月{d.day}日", lambda d: d.replace(hour=0, minute=0, second=0)),
    ("2019.8.19", lambda d: f"{d.year}.{d.month}.{d.day}", lambda d: d.replace(hour=0, minute=0, second=0)),
    ("20190819", lambda d: f"{d:%Y%m%d}", lambda d: d.replace(hour=0, minute=0, second=0)),
    ("excel serial", lambda d: str((d.date() - EXCEL_EPOCH).days), lambda d: d.replace(hour=0, minute=0, second=0)),
    ("excel serial with time", lambda d: f"{(d.date() - EXCEL_EPOCH).days + d.hour / 24:.10f}",
     lambda d: d.replace(minute=0, second=0)),
    ("unix seconds", lambda d: str(int(d.replace(tzinfo=TZ).timestamp())), lambda d: d),
    ("unix milliseconds", lambda d: str(int(d.replace(tzinfo=TZ).timestamp()) * 1000), lambda d: d),
    ("ISO with T, UTC", lambda d: d.replace(tzinfo=TZ).astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
     lambda d: d),
    ("ISO with T and offset", lambda d: d.replace(tzinfo=TZ).astimezone(dt.timezone(dt.timedelta(hours=-5)))
     .strftime("%Y-%m-%dT%H:%M:%S") + _offset(-300), lambda d: d),
    ("ISO with T, local", lambda d: f"{d:%Y-%m-%dT%H:%M:%S}", lambda d: d),
    ("2019-08-19 14:03", lambda d: f"{d:%Y-%m-%d %H:%M}", lambda d: d.replace(second=0)),
    ("2019/8/19 14:03:05", lambda d: f"{d.year}/{d.month}/{d.day} {d:%H:%M:%S}", lambda d: d),
    ("2019年8月19日14时3分", lambda d: f"{d.year}年{d.month}月{d.day}日{d.hour}时{d.minute}分", lambda d: d.replace(second=0)),
    ("2019年8月19日 14:03:05", lambda d: f"{d.year}年{d.month}月{d.day}日 {d:%H:%M:%S}", lambda d: d),
    ("2019年08月19日 14时", lambda d: f"{d:%Y年%m月%d日} {d.hour}时", lambda d: d.replace(minute=0, second=0)),
    ("2019-08-19 02:03:05 PM", lambda d: d.strftime("%Y-%m-%d %I:%M:%S %p"), lambda d: d),  # 12 AM is midnight
    ("Java's Date", lambda d: d.strftime("%a %b %d %H:%M:%S CST %Y"), lambda d: d),
    ("ISO with a zone's name", lambda d: f"{d:%Y-%m-%dT%H:%M:%S}+08:00[Asia/Shanghai]", lambda d: d),
]
# Unix seconds have 10 digits from 2001-09-09 on; China kept summer time until 1991.
moments = st.datetimes(min_value=dt.datetime(2001, 9, 10), max_value=dt.datetime(2025, 12, 31)).map(
    lambda d: d.replace(microsecond=0))
BAD_DATES = ["下周一", "2019-13-45", "2019-02-30", "25-01-13", "2019/8", "Aug 19 2019", "0", "19-8-2019", "2019年13月1日",
             "99999999999", "2045-01-01", "1980-05-01", "12:00", "N/A", "2019-08-19 25:61", "13/13/2019", "1e9"]


@settings(max_examples=200, deadline=None)
@given(moments, st.sampled_from(DATE_FORMS))
@example(dt.datetime(2019, 8, 19, 14, 3, 5), DATE_FORMS[5])  # Excel's 43696
def test_a_date_in_any_export_form_reads_as_the_right_moment(moment, form):
    name, write, expected = form
    text = write(moment)
    got = pl.DataFrame({"d": [text]}).select(parse_datetimes(pl.col("d"))).item()
    assert got == expected(moment), f"{name}: {text!r} read as {got}"


@pytest.mark.parametrize("text, expected", [
    ("2019/8/19", dt.datetime(2019, 8, 19)),
    ("2019-08-19", dt.datetime(2019, 8, 19)),
    ("2019年8月19日", dt.datetime(2019, 8, 19)),
    ("2019.8.19", dt.datetime(2019, 8, 19)),
    ("20190819", dt.datetime(2019, 8, 19)),
    ("43696", dt.datetime(2019, 8, 19)),                        # Excel serial day number
    ("1566196985", dt.datetime(2019, 8, 19, 14, 43, 5)),        # Unix seconds, read as Beijing time
    ("1566196985000", dt.datetime(2019, 8, 19, 14, 43, 5)),     # Unix milliseconds
    ("2019-08-19T06:43:05Z", dt.datetime(2019, 8, 19, 14, 43, 5)),
    ("2019-08-19T14:43:05+08:00", dt.datetime(2019, 8, 19, 14, 43, 5)),
    ("2019-08-19 14:03", dt.datetime(2019, 8, 19, 14, 3)),
    ("2019/8/19 14:03:05", dt.datetime(2019, 8, 19, 14, 3, 5)),
    ("2019年8月19日14时3分", dt.datetime(2019, 8, 19, 14, 3)),
    ("2019年08月19日 14时03分05秒", dt.datetime(2019, 8, 19, 14, 3, 5)),
    ("2019-08-19T14:03", dt.datetime(2019, 8, 19, 14, 3)),
])
def test_a_dozen_real_date_forms(text, expected):
    assert pl.DataFrame({"d": [text]}).select(parse_datetimes(pl.col("d"))).item() == expected


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.sampled_from(BAD_DATES), st.text(alphabet=st.characters(blacklist_categories=["Nd", "Cs"],
                                                                            blacklist_characters="\ufffd"),
                                                      min_size=1, max_size=20).map(str.strip)
                          .filter(lambda t: re.sub(INVISIBLE, "", t))))  # only invisible characters: an empty cell
def test_an_unreadable_date_is_quarantined_with_its_value_not_guessed(text):
    check = Checker("h.csv", "B1", {"source_id": "工单编号", "received_at": "来电时间", "text": "诉求内容"})
    frame = pl.DataFrame({"source_id": ["GD1"], "received_at": [text], "text": ["工资没发"], "row_number": [2],
                          "raw": ["{}"]}, schema_overrides={"row_number": pl.Int32})
    assert validate(frame, check, NOW).is_empty()
    (q,) = check.frame().to_dicts()
    assert q["row_number"] == 2 and q["column"] == "来电时间"
    assert repr(text) in q["reason"], q["reason"]


# ---------------------------------------------------------------- generated exports
@st.composite
def dates(draw, fmt: str):
    """A date cell: (value as written, the moment it means, or None when it must be quarantined)."""
    if draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(BAD_DATES + ["", "  "])), None
    moment = draw(moments)
    if fmt == "xlsx" and draw(st.booleans()):
        return moment, moment                                   # a real Excel date cell
    if fmt in ("xlsx", "jsonl") and draw(st.booleans()):
        return (moment.date() - EXCEL_EPOCH).days, moment.replace(hour=0, minute=0, second=0)
    _, write, expected = draw(st.sampled_from(DATE_FORMS))
    return write(moment), expected(moment)


def texts(fmt: str):
    numbers = st.sampled_from(["联系电话13812345678", "身份证360102199001011234", "卡号6222021234567890123",
                               "手机 138 1234 5678", "１３８１２３４５６７８"])
    text = st.one_of(st.text(max_size=40), st.just(""), st.just("   "),
                     st.tuples(st.text(max_size=10), numbers, st.text(max_size=10)).map("".join))
    if fmt == "xlsx":  # Excel cells hold no control characters (XML reads \r as \n), and "=…" is a formula
        text = text.map(lambda t: ILLEGAL_CHARACTERS_RE.sub("", t).replace("\r", "").lstrip("="))
    return text


@st.composite
def exports(draw, channel: str | None = None, fmt: str | None = None, max_rows: int = 8):
    """An export file's header and rows (as written), with duplicates of earlier rows mixed in."""
    channel = channel or draw(st.sampled_from(list(CHANNELS)))
    fmt = fmt or draw(st.sampled_from(["csv", "xlsx", "jsonl"]))
    id_col, date_col, text_col, extras = CHANNELS[channel]
    extra = draw(st.lists(st.sampled_from(extras), unique=True, max_size=len(extras)))
    header = [id_col, date_col, text_col, *extra]
    ids = st.sampled_from(["A1", "A2", "A3", " A1 ", "", "编号-7"])
    rows = []
    for _ in range(draw(st.integers(0, max_rows))):
        if rows and draw(st.integers(0, 4)) == 0:
            rows.append(draw(st.sampled_from(rows)))            # the same record delivered twice
            continue
        when, moment = draw(dates(fmt))
        cells = {id_col: draw(ids), date_col: when, text_col: draw(texts(fmt))}
        cells.update({c: draw(texts(fmt)) for c in extra})
        rows.append((cells, moment))
    return channel, fmt, header, rows


def write(path: Path, fmt: str, header: list[str], rows: list[dict], encoding: str = "utf-8", delimiter: str = ","):
    if fmt == "csv":
        buf = io.StringIO()
        out = csv.writer(buf, delimiter=delimiter)
        out.writerow(header)
        out.writerows([[_text(r.get(h)) for h in header] for r in rows])
        path.write_bytes(buf.getvalue().encode(encoding))
    elif fmt == "jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows), encoding="utf-8")
    else:
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(header)
        for r in rows:
            sheet.append([r.get(h) for h in header])
        book.save(path)


def _text(value) -> str:
    return "" if value is None else str(value)


def _cell(value) -> str | None:
    """A cell as the readers see it: text without NUL characters, stripped, None when blank."""
    if isinstance(value, dt.datetime):
        value = value.isoformat(sep=" ")
    text = _text(value).replace("\x00", "").strip()
    return text or None


def expected_outcome(channel: str, fmt: str, header: list[str], rows: list[tuple[dict, object]]):
    """Per row that is not blank: 'report', 'duplicate', 'conflict' or the set of columns at fault."""
    id_col, date_col, text_col, _ = CHANNELS[channel]
    out, first = [], {}
    for cells, moment in rows:
        seen = {h: _cell(cells.get(h)) for h in header}
        if fmt != "jsonl" and not any(seen.values()):
            continue                                            # a blank line or sheet row is no row
        damaged = {h for h, v in seen.items() if v and "\ufffd" in v}
        missing = {h for h in (id_col, text_col, date_col) if seen[h] is None}
        if damaged or missing or moment is None:
            out.append((cells, damaged or missing or {date_col}))
        elif seen[id_col] not in first:
            first[seen[id_col]] = seen
            out.append((cells, "report"))
        else:
            out.append((cells, "duplicate" if first[seen[id_col]] == seen else "conflict"))
    return out


def check_export(path: Path, channel, fmt, header, rows):
    outcome = run(path)
    parts = refused_or_conserved(path, outcome)
    if fmt == "jsonl" and not rows:
        assert "no JSON object" in str(outcome) or "empty" in str(outcome)  # no line names a column
        return
    assert parts is not None, f"a well-formed {channel} {fmt} file was refused: {outcome}"
    raw, reports, quarantine = parts
    expected = expected_outcome(channel, fmt, header, rows)
    assert len(raw.rows) + len(raw.broken) == len(expected)
    assert not raw.broken, raw.broken
    by_row_report = {r["row_number"]: r for r in reports.iter_rows(named=True)}
    by_row_quarantine = {q["row_number"]: q for q in quarantine.iter_rows(named=True)}
    id_col, date_col, text_col, _ = CHANNELS[channel]
    meant = {id(c): m for c, m in rows}
    for number, (cells, fate) in zip(raw.row_numbers, expected):
        if fate == "report":
            r = by_row_report[number]
            assert r["report_id"] == f"{channel}:{_cell(cells[id_col])}"
            assert r["text"] == mask_pii(_cell(cells[text_col]))
            assert r["received_at"] == meant[id(cells)], (cells[date_col], r["received_at"])
        elif fate in ("duplicate", "conflict"):
            assert by_row_quarantine[number]["kind"] == fate
        else:
            q = by_row_quarantine[number]
            assert q["kind"] == "invalid" and q["column"] in fate, (q, fate)
            if q["column"] == date_col and _cell(cells[date_col]):
                assert repr(_cell(cells[date_col])) in q["reason"]


@FAST
@given(exports(), st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]), st.sampled_from([",", "\t", ";"]))
@example(("hotline", "csv", ["工单编号", "来电时间", "诉求内容"], [({"工单编号": "A1", "来电时间": "2019-08-19", "诉求内容": 'say "hi"'},
                                                           dt.datetime(2019, 8, 19))]), "utf-8", ",")
@example(("grid", "jsonl", ["event_id", "reported_at", "description"],
          [({"event_id": "A1", "reported_at": "2019-08-19", "description": "a\u2028b\x85c"}, dt.datetime(2019, 8, 19))]),
         "utf-8", ",")
def test_every_row_of_an_export_is_a_report_or_quarantined_with_its_reason(export, encoding, delimiter):
    channel, fmt, header, rows = export
    with a_file("." + fmt) as path:
        write(path, fmt, header, [r for r, _ in rows], encoding, delimiter)
        check_export(path, channel, fmt, header, rows)


@pytest.mark.parametrize("fmt, size", [("csv", 1_000_000), ("jsonl", 1_000_000),
                                       ("xlsx", 32_767)])  # the most an Excel cell holds
def test_a_giant_cell_is_loaded_whole_and_the_rows_after_it_too(fmt, size):
    big = ("拖欠工资" * (size // 4 + 1))[:size]
    rows = [({"工单编号": "A1", "来电时间": "2019-08-19", "诉求内容": big}, dt.datetime(2019, 8, 19)),
            ({"工单编号": "A2", "来电时间": "2019-08-20", "诉求内容": "短的"}, dt.datetime(2019, 8, 20))]
    header = ["工单编号", "来电时间", "诉求内容"]
    with a_file("." + fmt) as path:
        write(path, fmt, header, [r for r, _ in rows])
        check_export(path, "hotline", fmt, header, rows)


def test_a_quote_never_closed_costs_its_own_line_not_the_rows_after_it():
    with a_file(".csv") as path:
        # (a later quote that happened to close it, with the fields adding up, could not be told apart)
        path.write_text('工单编号,来电时间,诉求内容\nA1,2019-08-19,"没有右引号\nA2,2019-08-20,欠薪\nA3,2019-08-21,好的\n',
                        encoding="utf-8")
        raw, reports, quarantine = refused_or_conserved(path, run(path))
    assert reports["source_id"].to_list() == ["A2", "A3"]
    (q,) = quarantine.to_dicts()
    assert q["row_number"] == 2 and "quote" in q["reason"] and "没有右引号" in q["raw"]


# ---------------------------------------------------------------- damaged files
HEADER_LINE = {"hotline": "工单编号,来电时间,诉求内容\n", "petition": "信访件编号,登记日期,信访事项\n",
               "grid": "event_id,reported_at,description\n"}


@FAST
@given(st.binary(max_size=3000), st.sampled_from([".csv", ".jsonl", ".xlsx", ".txt"]))
@example(b"", ".csv")
@example(b"\xef\xbb\xbf", ".csv")
@example(b"   \n\r\n", ".jsonl")
@example(b"PK\x03\x04", ".xlsx")
def test_random_bytes_are_refused_by_name_or_read(data, suffix):
    with a_file(suffix) as path:
        path.write_bytes(data)
        refused_or_conserved(path, run(path))


@FAST
@given(st.sampled_from(list(HEADER_LINE)), st.sampled_from(["utf-8", "gb18030"]), st.binary(max_size=2000))
@example("hotline", "utf-8", b"A1,2019-08-19,\xff\xfe\x81 bad\nA2,2019-08-19,good\n")
def test_a_good_header_over_random_bytes_loses_no_row(channel, encoding, body):
    with a_file(".csv") as path:
        path.write_bytes(HEADER_LINE[channel].encode(encoding) + body)
        refused_or_conserved(path, run(path))


@FAST
@given(exports(fmt="csv", max_rows=5), st.sampled_from(["big5", "shift_jis", "utf-16", "cp1252", "euc-kr", "utf-32"]))
def test_a_file_in_another_encoding_is_refused_by_name_or_read_whole(export, encoding):
    channel, fmt, header, rows = export
    buf = io.StringIO()
    csv.writer(buf).writerows([header] + [[_text(r.get(h)) for h in header] for r, _ in rows])
    data = buf.getvalue().encode(encoding, errors="replace")
    with a_file(".csv") as path:
        path.write_bytes(data)
        refused_or_conserved(path, run(path))


@pytest.fixture(scope="module")
def workbook() -> bytes:
    with a_file(".xlsx") as path:
        header = list(CHANNELS["petition"][:3]) + ["联系电话"]
        write(path, "xlsx", header, [{header[0]: f"X{i}", header[1]: "2019-08-19", header[2]: "拖欠工资", header[3]: "13812345678"}
                                     for i in range(30)])
        return path.read_bytes()


@FAST
@given(st.data())
def test_a_truncated_or_damaged_workbook_is_refused_by_name(workbook, data):
    cut = data.draw(st.integers(0, len(workbook) - 1), label="cut")
    damaged = workbook[:cut]
    if data.draw(st.booleans(), label="flip a byte instead"):
        at = data.draw(st.integers(0, len(workbook) - 1), label="at")
        damaged = workbook[:at] + bytes([workbook[at] ^ data.draw(st.integers(1, 255))]) + workbook[at + 1:]
    with a_file(".xlsx") as path:
        path.write_bytes(damaged)
        refused_or_conserved(path, run(path))


# ---------------------------------------------------------------- headers
@FAST
@given(st.sampled_from(list(CHANNELS)), st.sampled_from(["csv", "xlsx", "jsonl"]), st.data())
def test_missing_extra_and_duplicated_columns_get_a_clear_error_or_load(channel, fmt, data):
    id_col, date_col, text_col, extras = CHANNELS[channel]
    known = [id_col, date_col, text_col, *extras]
    header = data.draw(st.lists(st.sampled_from(known + ["", "备注", " 工单编号 ", "Event_ID"]), min_size=1, max_size=7))
    if fmt == "jsonl":
        header = list(dict.fromkeys(header))
    rows = [dict(zip(header, ["A1", "2019-08-19", "拖欠工资", "x", "y", "z", "w"]))]
    with a_file("." + fmt) as path:
        if fmt == "csv":
            buf = io.StringIO()
            csv.writer(buf).writerows([header, ["A1", "2019-08-19", "拖欠工资", "x", "y", "z", "w"][: len(header)]])
            path.write_text(buf.getvalue(), encoding="utf-8")
        else:
            write(path, fmt, header, rows)
        outcome = run(path)
        refused_or_conserved(path, outcome)
    if isinstance(outcome, SourceError):
        assert re.search("appears (?:twice|\\d+ times)|lacks the column|match no channel|no column names|no JSON object|empty",
                         str(outcome)), outcome
    named = {h.strip() for h in header}
    keys = [h.strip().lower() for h in header if h.strip()]  # headers match without case: Event_ID is event_id
    if {id_col, date_col, text_col} <= named and len(set(keys)) == len(keys):
        assert not isinstance(outcome, SourceError), outcome  # all required columns, each once: it loads


def test_trailing_empty_columns_do_not_make_a_file_unreadable():
    with a_file(".csv") as path:
        path.write_text("工单编号,来电时间,诉求内容,,\nA1,2019-08-19,欠薪,,\n", encoding="utf-8")
        raw, reports, _ = refused_or_conserved(path, run(path))
    assert reports["report_id"].to_list() == ["hotline:A1"]


# ---------------------------------------------------------------- the whole flow, on a few generated files
@pytest.mark.slow
# Known bug this property found on a fresh clone (not fixed yet): a JSONL file of 8 rows came out as
# 1 loaded + 8 quarantined; load_batch's own check refused the file, so nothing wrong was stored,
# but the file did not load. Not strict: it fails only on some generated files.
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(exports(max_rows=12), min_size=2, max_size=3))
def test_the_ingest_command_loses_no_row_and_loads_nothing_twice(prefect_harness, files):
    from pipelines.cli import main

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        paths, expected, contents = [], {}, set()
        for i, (channel, fmt, header, rows) in enumerate(files):
            path = folder / f"f{i}.{fmt}"
            write(path, fmt, header, [r for r, _ in rows])
            if path.read_bytes() in contents:
                continue                                         # the same bytes twice are loaded once
            contents.add(path.read_bytes())
            paths.append(str(path))
            expected[path.name] = len(expected_outcome(channel, fmt, header, rows))
        with home_at(folder / "home"):
            assert main(["ingest", *paths]) in (0, 1)
            first = counts(folder / "home")
            main(["ingest", *paths])
            assert counts(folder / "home") == first, "loading the same files again changed something"
        con = duckdb.connect(str(folder / "home" / "warehouse.duckdb"), read_only=True)
        try:
            batches = con.sql("""select b.file_name, b.rows_in, b.rows_loaded, b.rows_quarantined,
                                        (select count(*) from reports r where r.batch_id = b.batch_id),
                                        (select count(*) from quarantine q where q.batch_id = b.batch_id)
                                 from batches b""").fetchall()
            texts = con.sql("select text from reports union all select raw from quarantine").fetchall()
        finally:
            con.close()
    loaded = {Path(f).name: (i, l, q, r, n) for f, i, l, q, r, n in batches}
    for name, rows_in in expected.items():
        if rows_in == 0 and name not in loaded:
            continue                                             # a header-only jsonl holds no column names
        i, l, q, r, n = loaded[name]
        assert (i, l, q) == (rows_in, r, n) and l + q == i, (name, loaded[name], rows_in)
    assert not [t for (t,) in texts if raw_numbers(t)]


@contextlib.contextmanager
def home_at(path: Path):
    old = os.environ["SHAOBING_HOME"]
    os.environ["SHAOBING_HOME"] = str(path)
    try:
        yield
    finally:
        os.environ["SHAOBING_HOME"] = old


def counts(home: Path) -> dict:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return {t: con.sql(f'select count(*) from "{t}"').fetchone()[0] for t in ("reports", "quarantine", "batches")}
    finally:
        con.close()


# A stored row's hash is sha1 of json.dumps of the row: row_json must give those very strings,
# whatever the cells hold (quotes, backslashes, control characters, lone surrogates, None) and
# whatever the header (repeated names fall back to json.dumps itself).
@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=5), max_size=4).flatmap(lambda header: st.tuples(
    st.just(header), st.lists(st.lists(st.one_of(st.none(), st.text(max_size=12)),
                                       min_size=len(header), max_size=len(header)), max_size=5))))
def test_row_json_is_json_dumps_of_each_row(case):
    from pipelines.validate import row_json

    header, rows = case
    columns = list(zip(*rows)) if rows else [()] * len(header)
    assert row_json(header, columns, len(rows)) == [json.dumps(dict(zip(header, r)), ensure_ascii=False) for r in rows]
