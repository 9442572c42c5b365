"""Reading raw export files: encodings, formats, and which channel a file belongs to.

Every cell is read as text (or None); typing happens in validation, so that a bad cell becomes a
quarantined row with a reason instead of a failed file.
"""
from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import json
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import grid, hotline, petition

CHANNELS = {m.CHANNEL: m for m in (hotline, petition, grid)}
FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "workbook", ".xlsm": "workbook", ".xls": "workbook", ".xlsb": "workbook",
           ".ods": "workbook", ".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl"}
# The csv module refuses fields over 128 kB, and a refused field costs its row; a long complaint
# (a pasted letter) is a report like any other. A quote never closed is handled in _read_csv.
csv.field_size_limit(1 << 30)
HEADER_SEARCH = 10  # rows at the top of a file or sheet in which its header is looked for (below a title)


class SourceError(Exception):
    """A file that cannot be read at all; the message names the file and the reason."""


@dataclass
class RawFile:
    """A file's rows as text cells, plus rows that could not even be split into cells."""
    path: Path
    encoding: str
    header: list[str]
    rows: list[list[str | None]]          # cells in header order
    row_numbers: list[int]                # line / sheet row of each row, header = 1
    broken: list[tuple[int, str, str]] = field(default_factory=list)  # (row number, reason, raw text)
    sheets: list[str] | None = None       # a workbook read from several sheets: each row's sheet
    notes: list[str] = field(default_factory=list)  # what was left out and why (sheets, title rows)


_BOM = b"\xef\xbb\xbf"
# What a GB18030 reading of another encoding's bytes is full of (Big5 read as GBK: ㄓ筿, ┮妮, private
# use code points) and a Chinese export almost never holds: Greek and Cyrillic letters, box drawing,
# kana, bopomofo, the private use area; and U+FFFD, a byte no reading could place.
_MISREAD = re.compile(r"[\u0370-\u04ff\u2500-\u257f\u3040-\u30ff\u3100-\u312f\ue000-\uf8ff\ufffd]")


def _misread(text: str) -> bool:
    """Whether a decoded text reads as another encoding's bytes: more than 2% of the non-ASCII
    characters of its start are ones a Chinese export almost never holds (GB18030 text: none;
    UTF-8 read as GB18030: 9%; Big5: half)."""
    sample = text[:100_000]
    odd = len(_MISREAD.findall(sample))
    return odd >= 3 and odd > 0.02 * (len(sample) - len(sample.encode("ascii", "ignore")))


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Text and encoding: UTF-8 (BOM or not), GB18030 (after a UTF-8 BOM too: a tool put one on a
    GBK file), else charset-normalizer's guess (Big5, UTF-16, ...), which is also asked when the
    GB18030 reading looks like another encoding's bytes (``_misread``).

    A file that is mostly one encoding with a few damaged lines (an export joined from two
    systems) is decoded with U+FFFD in place of the bad bytes, so that validation quarantines just
    the damaged rows instead of losing the whole file; one with more damaged lines than good is
    refused."""
    bom = data.startswith(_BOM)
    body = data[len(_BOM):] if bom else data
    try:
        return body.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        gb = body.decode("gb18030")
    except UnicodeDecodeError:
        gb = None
    if gb is not None and not _misread(gb):
        return gb, "gb18030 (after a UTF-8 BOM)" if bom else "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(data[:500_000]).best()
    if best is not None and best.encoding not in ("ascii", "utf_8", "gb18030") and best.chaos < 0.1:
        try:
            return data.decode(best.encoding), best.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    if gb is not None:  # nothing reads better: read_raw says so if the header is unreadable
        return gb, "gb18030"
    text, enc, damaged, lines = min((_damaged(data, e) for e in ("utf-8-sig", "gb18030")), key=lambda d: d[2:])
    if damaged * 2 > lines:
        raise SourceError(f"{path}: cannot decode the file as UTF-8 or GB18030: {damaged:,} of its {lines:,} lines hold bytes"
                          " valid in neither (is it a text export?)")
    return text, f"{enc.replace('-sig', '')} (damaged bytes)"


def _damaged(data: bytes, encoding: str) -> tuple[str, str, int, int]:
    """``data`` decoded with U+FFFD for bytes not valid in ``encoding``; lines holding one, lines."""
    text = data.decode(encoding, errors="replace")
    lines = [line for line in text.split("\n") if line.strip()]
    return text, encoding, sum("\ufffd" in line for line in lines), len(lines)


def read_raw(path: Path) -> RawFile:
    """Read a CSV, Excel (or OpenDocument) workbook or JSON Lines file into text cells, or raise SourceError."""
    path = Path(path)
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise SourceError(f"{path}: unknown file type {path.suffix!r}; expected .csv, .xlsx (.xls, .xlsb, .ods) or .jsonl")
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        raise SourceError(f"{path}: cannot read the file ({exc.strerror})") from None
    if not data.strip():
        raise SourceError(f"{path}: the file is empty")
    with cycle_collection_paused():
        if kind == "workbook":
            return _read_workbook(path, data)
        text, encoding = decode(data, path)
        text, nuls = _without_nul(text, is_json=kind == "jsonl")
        out = _read_csv(path, text, encoding) if kind == "csv" else _read_jsonl(path, text, encoding)
        if nuls:
            out.notes.append(f"{nuls:,} NUL character(s) removed (padding or damage, never text)")
        if _MISREAD.search("".join(out.header)) and _channel_of(out.header) is None:
            raise SourceError(f"{path}: its column names {out.header[:6]} do not read as text in {encoding}: the file is"
                              " in another encoding, or its header line is; save it as UTF-8 and load it again")
        return out


# A JSON string's escaped NUL: \u0000 after an even number of backslashes (\\u0000 is a backslash and text).
_JSON_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def _without_nul(text: str, is_json: bool) -> tuple[str, int]:
    """The text without NUL characters, and how many there were: never content, they are what a
    system left in a cell or padded a file with (a file's end of NULs read as a row of one cell).
    In JSON their escape \\u0000 too."""
    count = text.count("\x00")
    if count:
        text = text.replace("\x00", "")
    if is_json and "\\u0000" in text:
        text, escaped = _JSON_NUL.subn(r"\1", text)
        count += escaped
    return text, count


@contextmanager
def cycle_collection_paused():
    """Python's cycle collector paused while a file becomes rows: it would walk the growing list
    of rows again and again (a fifth of the time of reading a 600,000-row CSV, a tenth of a JSON
    Lines file), though rows of cells hold no cycles. Reference counting still frees everything;
    the collector is switched back on as it was found."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _cell(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):                  # a JSON record's nested value: kept as JSON
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        # beyond 2**53 a float is not its digits (a workbook's 18-digit id stored as a number):
        # written as the float it is, so that validation quarantines an id that lost its digits
        return str(int(value)) if abs(value) < 2 ** 53 else f"{value:.15E}"
    text = str(value).strip()
    if "\x00" in text:  # never content (see _without_nul)
        text = text.replace("\x00", "").strip()
    return text or None


def _json_number(literal: str):
    """A JSON number with a fraction or an exponent: a float, but one written with an exponent is
    kept as written (1.2345678901234567e+17 is an id whose digits were lost before it reached us)."""
    return literal if "e" in literal or "E" in literal else float(literal)


# What json.loads(s, parse_float=_json_number) builds anew at each call (a decoder per line of a
# JSON Lines file: a sixth of reading one).
_JSON = json.JSONDecoder(parse_float=_json_number)


def _header(names, path: Path) -> list[str]:
    # Unnamed columns (a trailing comma, a blank header cell) are named by position, so that two of
    # them do not make the file unreadable and their cells stay in the quarantined rows' raw text.
    header = [(_cell(h) or f"column {i + 1}") for i, h in enumerate(names)]
    if not any(_cell(h) for h in names):
        raise SourceError(f"{path}: the first row holds no column names")
    # A name used twice (two 备注 columns) keeps its first column under it and the other under its
    # position: both stay in a quarantined row's raw text; a required one twice is refused by
    # detect_channel, which cannot tell which holds the value.
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        if name in seen:
            header[i] = f"{name} [column {i + 1}]"
        else:
            seen[name] = i
    return header


def _dialect(text: str) -> type[csv.Dialect]:
    """Excel's quoting with the delimiter the header line uses most: ",", tab, ";" or "|"; strict, so
    that a quote never closed is an error (see _read_csv) instead of the rest of the file in one cell.

    (csv.Sniffer also guesses the quoting from the data, and on texts with quotes in them guesses
    it wrong: 'say "hi"' came back as 'say "hi\"""'.) The header line is the one of the first
    HEADER_SEARCH lines that uses a delimiter most: a title line above it has none."""
    top = [line for line in text.split("\n", HEADER_SEARCH)[:HEADER_SEARCH] if line.strip()] or [""]
    # a tie (a tab file whose texts hold as many commas: 工单编号\t来电时间\t诉求内容 over A1\t下周一\t,,)
    # goes to the delimiter that more lines use as often: every line of a file splits alike
    def uses(d: str) -> tuple[int, int]:
        counts = [line.count(d) for line in top]
        return max(counts), counts.count(max(counts))
    delimiter = max(",\t;|", key=uses)
    return type("Export", (csv.excel,), {"delimiter": delimiter, "strict": True})


def _header_line(lines: list[str], dialect) -> tuple[int, list[str]]:
    """Index of the physical line where the header starts: the first of the first HEADER_SEARCH
    records whose cells are a channel's columns (below a title line or blank lines), else the first
    non-blank one; and a note naming what was left out above it."""
    reader = csv.reader(lines[:HEADER_SEARCH * 20], dialect)
    first = None
    for _ in range(HEADER_SEARCH):
        at = reader.line_num
        try:
            row = next(reader)
        except (StopIteration, csv.Error):
            break
        if not "".join(row).strip():  # every cell blank
            continue
        first = at if first is None else first
        if _channel_of(row) is not None:
            above = [(i + 1, line.strip()) for i, line in enumerate(lines[:at]) if line.strip()]
            notes = [f"{len(above)} line(s) above the header left out as a title (line {above[0][0]}: "
                     f"{above[0][1][:40]!r})"] if above else []
            return at, notes
    return first or 0, []


def _read_csv(path: Path, text: str, encoding: str) -> RawFile:
    dialect = _dialect(text)
    text, lone = _lone_returns(text)
    lines = io.StringIO(text, newline="").readlines()   # physical lines, line ends kept
    skip, notes = _header_line(lines, dialect)
    reader = csv.reader(lines[skip:], dialect)
    try:
        names = next(reader)
    except StopIteration:
        raise SourceError(f"{path}: the file is empty") from None
    except csv.Error as exc:
        raise SourceError(f"{path}: cannot read the header row ({exc})") from None
    if lone:
        names = [c.replace(lone, "\r") for c in names]
    first, below = skip + 1, skip + reader.line_num      # the header's first and last physical lines
    base = skip                                          # physical lines before the reader's first
    try:   # a header over two rows (a workbook's, saved as CSV: 信访人信息 over 信访人 / 联系电话)
        two = _two_row_header(names, next(reader))
    except (StopIteration, csv.Error):
        two = None
    if two is not None:
        (combined, groups), width = two, len(names)
        names = combined + [None] * (width - len(combined))   # as wide as the rows under it
        shown = [f"{g}: {'/'.join(subs)}" for g, subs in groups.items()]
        notes.append(f"its header spans lines {first} and {skip + reader.line_num}; read as one"
                     + (f" ({'; '.join(shown)})" if shown else ""))
    else:
        base, reader = below, csv.reader(lines[below:], dialect)
    out = RawFile(path, encoding, _header(names, path), [], [], notes=notes)
    header = out.header
    ending = _line_ending(lines[base + reader.line_num: base + reader.line_num + 400], dialect, names, len(header))
    while True:
        start = base + reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # Quoting gone wrong (a quote never closed, text after a closing quote) swallows the lines
            # after it: keep this line as broken and read on from the next, so that no row is lost.
            out.broken.append((start, f"cannot split into columns ({exc}): a quote in this line is not closed, or text "
                                      "follows a closing quote", lines[start - 1] if start <= len(lines) else ""))
            base, reader = start, csv.reader(lines[start:], dialect)
            continue
        end = base + reader.line_num
        joined = "".join(row)
        if lone and lone in joined:
            row = [c.replace(lone, "\r") for c in row]
            joined = "".join(row)
        if not joined.strip():  # every cell blank
            continue
        if len(row) != len(header) and end > start:  # the same, closed by a quote lines later
            out.broken.append((start, f"has {len(row)} fields, the header has {len(header)} "
                                      "(a quote opened in this line is not closed)", lines[start - 1]))
            base, reader = start, csv.reader(lines[start:], dialect)
            continue
        if ending == "trailing" and len(row) == len(header):
            out.broken.append((start, f"has {len(row)} fields where this file's lines have {len(header) + 1} (a delimiter "
                                      "after the last cell): a cell is missing", json.dumps(row, ensure_ascii=False)))
            continue
        row = _fitted(row, ending, len(header))
        if len(row) != len(header):
            out.broken.append((start, f"has {len(row)} fields, the header has {len(header)}", json.dumps(row, ensure_ascii=False)))
            continue
        # a cell in Excel's escape ="…" (exports put long ids and phone numbers in it) without it; then
        # as _cell reads a text (inline: a call per cell was half of reading a big export)
        out.rows.append([c.strip() or None for c in row] if '="' not in joined else
                        [(c[2:-1] if c[:2] == '="' and c[-1:] == '"' and len(c) > 2 else c).strip() or None for c in row])
        out.row_numbers.append(start)
    if lone:   # the broken lines (as the file wrote them) and the notes
        out.broken = [(n, why, raw.replace(lone, "\r")) for n, why, raw in out.broken]
        out.notes = [note.replace(lone, "\r") for note in out.notes]
    return out


def _line_ending(sample: list[str], dialect, names: list, width: int) -> str | None:
    """How the file's lines end, from its first data lines: "trailing" where (nearly) every one has
    a delimiter after its last cell (one empty field past the header's end), "short" where the
    header alone has one (an unnamed last column no line reaches); None otherwise. Decided once for
    the file, so that a line with a comma too many in its text, or a cell too few, is still refused."""
    try:
        rows = [r for r in csv.reader(sample, dialect) if "".join(r).strip()]
    except csv.Error:
        return None
    if not rows:
        return None
    if sum(len(r) == width + 1 and not r[-1].strip() for r in rows) >= 0.8 * len(rows):
        return "trailing"
    if not _cell(names[-1]) and sum(len(r) == width - 1 for r in rows) >= 0.8 * len(rows):
        return "short"
    return None


def _fitted(row: list[str], ending: str | None, width: int) -> list[str]:
    """A row as wide as the header where the file's ``ending`` (``_line_ending``) makes the only
    difference: its empty last field dropped, or the unnamed last column added empty. Any other
    difference is left to be refused."""
    if ending == "trailing" and len(row) == width + 1 and not row[-1].strip():
        return row[:width]
    if ending == "short" and len(row) == width - 1:
        return row + [""]
    return row


def _lone_returns(text: str) -> tuple[str, str]:
    """``text`` with each carriage return that ends no line (a file whose lines end in \n or \r\n,
    with a bare \r inside a cell, as some systems write a line break in a text without quoting
    it) swapped for a character the file does not hold, and that character ("" if none was
    swapped). Read as a line end, the \r cut its row in two: the first half loaded with half its
    text, the rest a broken row. _read_csv puts the \r back in the cells. A file with no \n at all
    ends its lines in \r (old Mac exports, whose first line ends so) and is left as it is; so is
    \r\r\n, a \r\n file saved again in text mode (a \r before a line end ends no text)."""
    first_end = _LINE_END.search(text)
    if first_end is None or first_end.group() == "\r" or not _LONE_RETURN.search(text):
        return text, ""
    stand_in = next(chr(c) for c in range(0xE000, 0xF900) if chr(c) not in text)
    return _LONE_RETURN.sub(stand_in, text), stand_in


_LONE_RETURN = re.compile(r"\r(?!\r*\n)")
_LINE_END = re.compile(r"\r*\n|\r")


def _read_workbook(path: Path, data: bytes) -> RawFile:
    """Every visible sheet whose header (in its first HEADER_SEARCH rows, below any title) is a
    channel's; several such sheets must share their columns and channel, and their rows are read
    as one file, each row knowing its sheet. Sheets that match no channel (instructions, lookup
    tables) are left out with a note; if none matches, the first non-empty sheet is returned as it
    is, for the channel check to say why. Hidden sheets are not read (a clerk hides what is not
    to be counted: deleted registrations, drop-down lists), and are named in a note.

    Read with python-calamine (Rust's calamine): one reader for .xlsx/.xlsm, the .xls that older
    case systems still export, .xlsb and .ods, and ten times faster than openpyxl (100,000
    petitions: 1.6 s against 15 s)."""
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except BaseException as exc:
        _reraise_unless_damaged(exc)
        # an encrypted .xls raises PasswordError; an encrypted .xlsx is an OLE file calamine cannot place
        if isinstance(exc, python_calamine.PasswordError) or (data.startswith(_OLE_MAGIC) and _ENCRYPTED_OOXML in data):
            raise SourceError(f"{path}: the workbook is password-protected; save it without a password and load it again") from None
        raise SourceError(f"{path}: not a readable {path.suffix.lstrip('.').upper() or 'Excel'} workbook, or a damaged"
                          f" one ({_calamine_reason(exc)})") from None
    try:
        sheets = [m for m in book.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet]
        hidden = [m.name for m in sheets if m.visible != python_calamine.SheetVisibleEnum.Visible]
        read = [_read_sheet_merged(path, book.get_sheet_by_name(m.name)) for m in sheets if m.name not in hidden]
        read = [r for r in read if r is not None]
        # where no visible sheet holds reports, a hidden one that does is named instead of "no channel"
        holding = [] if any(_channel_of(r.header) for r in read) else [
            name for name in hidden if (r := _read_sheet_merged(path, book.get_sheet_by_name(name))) and _channel_of(r.header)]
    except BaseException as exc:
        _reraise_unless_damaged(exc)
        raise SourceError(f"{path}: the workbook is damaged ({_calamine_reason(exc)})") from None
    finally:
        book.close()
    if holding:
        raise SourceError(f"{path}: no visible sheet holds reports; hidden sheet(s) {', '.join(map(repr, holding))} do, and a"
                          " hidden sheet is not loaded: unhide it in Excel (right-click a sheet tab, Unhide) and load the file again")
    if not read:
        raise SourceError(f"{path}: the workbook's sheets are empty" + (
            f" (its hidden sheet(s) {', '.join(map(repr, hidden))} are not loaded)" if hidden else ""))
    matched = [(r, _channel_of(r.header)) for r in read]
    matched = [(r, c) for r, c in matched if c is not None]
    if not matched:
        return replace(read[0], path=path)
    first, channel = matched[0]
    for other, other_channel in matched[1:]:
        if other_channel != channel or other.header != first.header:
            what = channel if other_channel == channel else f"{channel} and {other_channel}"
            raise SourceError(f"{path}: sheets {first.path.name!r} and {other.path.name!r} hold {what} rows under"
                              " different columns; save each sheet as a file of its own")
    out = RawFile(path, first.encoding, first.header, [], [],
                  notes=[f"sheet {name!r} not loaded: it is hidden (unhide it and load the file again if it holds"
                         " reports)" for name in hidden] +
                        [f"sheet {r.path.name!r} left out: its columns {r.header[:6]} match no channel"
                         for r in read if all(r is not m for m, _ in matched)])
    several = len(matched) > 1
    out.sheets = [] if several else None
    for r, _ in matched:
        out.rows += r.rows
        out.row_numbers += r.row_numbers
        out.broken += [(n, f"sheet {r.path.name!r}: {why}" if several else why, text) for n, why, text in r.broken]
        out.notes += r.notes
        if several:
            out.sheets += [r.path.name] * len(r.rows)
    return out


# Excel saves a password-protected .xlsx as an OLE compound file holding an "EncryptionInfo" stream.
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
_ENCRYPTED_OOXML = "EncryptionInfo".encode("utf-16-le")


def _reraise_unless_damaged(exc: BaseException) -> None:
    """What calamine raises on a damaged workbook is an Exception, or a Rust panic (pyo3's
    PanicException, a BaseException); an interrupt or exit goes on."""
    if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
        raise exc


def _calamine_reason(exc: BaseException) -> str:
    reason = str(exc).strip() or exc.__class__.__name__
    return "not an Excel or OpenDocument file, or a truncated one" if reason == "Cannot detect file format" else reason


def _workbook_cell(value) -> str | None:
    """A workbook cell as text, as openpyxl gave it before (so that a row's hash, by which a second
    delivery of a stored report is recognised, does not change): a date cell as midnight."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return f"{value.isoformat()} 00:00:00"
    return _cell(value)


def _read_sheet_merged(path: Path, sheet) -> RawFile | None:
    """A calamine sheet read by _read_sheet, the value of each vertically merged cell (a 登记日期
    or 问题属地 merged over the rows of one day or place) given to every row it spans."""
    merged = sorted((top, left, bottom) for (top, left), (bottom, _) in sheet.merged_cell_ranges or () if bottom > top)
    if not merged:
        return _read_sheet(path, sheet.name, sheet.iter_rows())
    out = _read_sheet(path, sheet.name, _fill_merged(sheet.iter_rows(), merged, (sheet.start or (0, 0))[1]))
    if out is not None:
        shown = ", ".join(f"{_a1(top, left)}:{_a1(bottom, left)}" for top, left, bottom in merged[:3])
        more = f" and {len(merged) - 3} more" if len(merged) > 3 else ""
        out.notes.append(f"sheet {sheet.name!r}: the value of each merged cell ({shown}{more}) read in every row it spans")
    return out


def _fill_merged(rows, merged: list[tuple[int, int, int]], first_column: int):
    """``rows`` (a sheet's, from its first row) with the value of each merged cell (top row, column,
    bottom row; the sheet's coordinates, from 0) in the rows below it that it spans: Excel keeps it
    in the top cell only. Only down its first column: a cell merged across columns is one value."""
    below: dict[int, list[tuple[int, int]]] = {}  # row → (column in the row, the row holding the value)
    for top, left, bottom in merged:
        for r in range(top + 1, bottom + 1):
            below.setdefault(r, []).append((left - first_column, top))
    tops = {top for top, _, _ in merged}
    held = {}
    for i, row in enumerate(rows):  # calamine's rows start at the sheet's first row, its columns at its first column
        if i in tops:
            held[i] = row
        for column, top in below.get(i, ()):
            if 0 <= column < len(row) and row[column] in ("", None) and top in held and column < len(held[top]):
                row = list(row)
                row[column] = held[top][column]
        yield row


def _a1(row: int, column: int) -> str:
    """A cell's name as Excel shows it (B2) from its coordinates from 0."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"


def _read_sheet(path: Path, name: str, rows) -> RawFile | None:
    """One sheet's rows (its name as the RawFile's path name), its header the first of its first
    HEADER_SEARCH non-empty rows that is a channel's, else its first non-empty row; None if empty."""
    rows = iter(rows)
    top = []
    for number, row in enumerate(rows, start=1):
        cells = [_workbook_cell(c) for c in row]
        if any(cells):
            top.append((number, cells))
        if len(top) >= HEADER_SEARCH:
            break
    if not top:
        return None
    at = next((i for i, (_, cells) in enumerate(top) if _channel_of(_trim(cells)) is not None), 0)
    names, below, groups = _trim(top[at][1]), 1, {}
    if at + 1 < len(top) and (two := _two_row_header(names, top[at + 1][1])) is not None:
        (names, groups), below = two, 2
    header = _header(names, path)
    kind = {".xls": "xls", ".xlsb": "xlsb", ".ods": "ods"}.get(path.suffix.lower(), "xlsx")
    out = RawFile(Path(name), kind, header, [], [])
    if at:
        out.notes.append(f"sheet {name!r}: {at} row(s) above its header left out as a title "
                         f"(row {top[0][0]}: {' '.join(c for c in top[0][1] if c)[:40]!r})")
    if below == 2:
        shown = [f"{g}: {'/'.join(subs)}" for g, subs in groups.items()]
        out.notes.append(f"sheet {name!r}: its header spans rows {top[at][0]} and {top[at + 1][0]}; read as one"
                         + (f" ({'; '.join(shown)})" if shown else ""))

    def following():  # the rows below the header: those read while looking for it, then the rest
        yield from top[at + below:]
        for number, row in enumerate(rows, start=top[-1][0] + 1):
            yield number, [_workbook_cell(c) for c in row]

    for number, cells in following():
        if not any(cells):
            continue
        extra = [i + 1 for i, c in enumerate(cells[len(header):], start=len(header)) if c is not None]
        if extra:
            out.broken.append((number, f"has values in column(s) {extra} beyond the header's {len(header)} columns",
                               json.dumps(cells, ensure_ascii=False)))
            continue
        cells = cells[: len(header)]
        out.rows.append(cells + [None] * (len(header) - len(cells)))
        out.row_numbers.append(number)
    return out


# A group of columns about the person who reports (信访人信息 over 姓名 / 联系电话): its columns are
# named by their own names. Any other group's (被反映人信息 over 姓名 / 联系电话) by the group's name
# and theirs, so that they are never taken for the reporter's.
_REPORTER_GROUP = re.compile(r"^(?!被)[^被]*(?:信访人|来电人|诉求人|反映人|来访人|投诉人|举报人|当事人)")


def _two_row_header(names: list, sub: list) -> tuple[list, dict[str, list[str]]] | None:
    """The header of a sheet whose header spans two rows — a group name merged across columns
    (信访人信息) over the names of its columns (信访人, 身份证号, 联系电话), and the other names
    merged down both rows or left blank in the second — as one row of column names (see
    ``_REPORTER_GROUP``), with each group's columns (for the note that says how it was read);
    None where ``sub`` is not such a second row: a name of it under a name of the first row that
    differs (a data row), or no name under a blank (no group)."""
    grouped = _column_groups(names, sub)
    if grouped is None:
        return None
    combined = [(below if _REPORTER_GROUP.search(group) else f"{group}{below}") if group else (below or top)
                for top, below, group in grouped]
    if _channel_of(_trim(combined)) is None:
        return None
    groups: dict[str, list[str]] = {}
    for _, below, group in grouped:
        if group:
            groups.setdefault(group, []).append(below)
    return _trim(combined), groups


def _column_groups(names: list, sub: list) -> list[tuple] | None:
    """(first row's name, second row's name, the group's name or None) per column of a two-row
    header, or None where ``sub`` is not a second header row (see ``_two_row_header``)."""
    sub = [_cell(c) for c in sub]
    width = max(len(names), len(sub))
    first = [_cell(c) for c in names] + [None] * (width - len(names))
    sub = sub + [None] * (width - len(sub))
    out, group, any_group = [], None, False
    for i, (top, below) in enumerate(zip(first, sub)):
        if below is None or below == top:          # a name merged down both rows, or in the first only
            group = None if top is not None else group
            out.append((top, below, group if below is not None and top is None else None))
            continue
        if not isinstance(below, str) or _looks_like_data(below):
            return None
        if top is not None:                        # a group's name, merged across the next columns
            if not (i + 1 < width and first[i + 1] is None and sub[i + 1] is not None):
                return None
            group = top
        if group is None:                          # a name under a blank that belongs to no group
            return None
        out.append((top, below, group))
        any_group = True
    return out if any_group else None


def _looks_like_data(value: str) -> bool:
    """A cell that is a value rather than a column's name: digits, a date, an id."""
    return bool(re.search(r"\d{3,}|\d+[-/年.]\d+", value))


def _trim(cells: list) -> list:
    """A header row without its empty cells at the end (a sheet is as wide as its widest row)."""
    cells = list(cells)
    while cells and _cell(cells[-1]) is None:
        cells.pop()
    return cells


def _channel_of(header: list) -> str | None:
    try:
        return detect_channel([h or "" for h in header], Path("?"))[0].CHANNEL
    except SourceError:
        return None


def _json_document(text: str, path: Path) -> tuple[list, str] | None:
    """The records of a file that is one JSON document rather than lines, and where they were
    found: an array of objects, or an object wrapping one at any depth (an API's
    {"code": 200, "data": {"list": [...]}}); a pretty-printed object holding no array of objects is
    one record. None for JSON Lines. An object holding two arrays of objects ({"rows": [...],
    "errors": [...]}) is refused naming both: which one holds the reports is not guessed."""
    head = text.lstrip()[:1]
    if head not in ("[", "{"):
        return None
    try:
        document = _JSON.decode(text)
    except (json.JSONDecodeError, RecursionError):
        return None
    if isinstance(document, list):
        return document, "a JSON array"
    if not isinstance(document, dict):
        return None
    found = _record_arrays(document)
    if len(found) == 1:
        where, records = found[0]
        return records, f"the JSON array at {where}"
    if found:
        named = ", ".join(f"{where}: {_records(len(records))}" for where, records in found)
        raise SourceError(f"{path}: the JSON object holds {len(found)} arrays of records ({named}) and which of them "
                          "holds the reports cannot be told; save that array alone as a .json file and load it")
    if "\n" in text.strip():  # a pretty-printed object: one record (JSON Lines hold one on a line)
        return [document], "one JSON object"
    return None


def _records(n: int) -> str:
    return f"{n:,} record" + ("" if n == 1 else "s")


def _record_arrays(document: dict) -> list[tuple[str, list]]:
    """(JSON path, array) of every array holding objects inside ``document``, through its objects
    (not into the arrays: a record's own nested arrays are its values), shallowest first."""
    found, level = [], [("$", document)]
    while level:
        deeper = []
        for where, obj in level:
            for key, value in obj.items():
                at = f"{where}.{key}" if re.fullmatch(r"[^\W\d]\w*", key) else f"{where}[{json.dumps(key, ensure_ascii=False)}]"
                if isinstance(value, dict):
                    deeper.append((at, value))
                elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
                    found.append((at, value))
        level = deeper
    return found


def _read_jsonl(path: Path, text: str, encoding: str) -> RawFile:
    document = _json_document(text, path)
    if document is not None:
        records, what = document
        objects = [r for r in records if isinstance(r, dict)]
        numbers = [i for i, r in enumerate(records, start=1) if isinstance(r, dict)]
        broken = [(i, "expected a JSON object {…}", json.dumps(r, ensure_ascii=False)[:10_000])
                  for i, r in enumerate(records, start=1) if not isinstance(r, dict)]
        out = _json_records(path, encoding, objects, numbers, broken)
        out.notes.append(f"read as {what} of {_records(len(records))} (row numbers count the records)")
        return out
    objects, numbers, broken = [], [], []
    # Lines end at \n only: str.splitlines() would also split at U+2028, U+0085 or \x1c, which
    # JSON allows unescaped inside a string, cutting a good record in two broken ones.
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        # files joined from several exports carry a UTF-8 BOM at the start of each part, even each line
        line = line.lstrip("\ufeff")
        try:
            obj = _JSON.decode(line)
        except json.JSONDecodeError as exc:
            # (json's "Unterminated string starting at" ends in "at" itself)
            broken.append((number, f"not valid JSON ({exc.msg.removesuffix(' at')} at character {exc.pos + 1})",
                           line[:10_000]))
            continue
        if not isinstance(obj, dict):
            broken.append((number, "expected a JSON object {…}", line[:10_000]))
            continue
        objects.append(obj)
        numbers.append(number)
    return _json_records(path, encoding, objects, numbers, broken)


def _json_records(path: Path, encoding: str, objects: list[dict], numbers: list[int], broken: list) -> RawFile:
    keys: dict[str, None] = {}
    for obj in objects:
        keys.update(dict.fromkeys(obj))
    if not keys:
        first = f"; line {broken[0][0]}: {broken[0][1]}" if broken else ""
        raise SourceError(f"{path}: no JSON object on any line{first}")
    header = list(keys)
    # a text value as _cell reads it, inline (most values are texts; a call each was most of the read)
    rows = [[(v.strip() or None) if type(v := o.get(k)) is str else _cell(v) for k in header] for o in objects]
    return RawFile(path, encoding, header, rows, numbers, broken)


# A note after a header in any bracket exports use: (), （）, 【】, 〔〕, ［］ (not ASCII [], which
# _header uses for a repeated name's position).
# Characters a copy leaves unseen in a cell or a header: soft hyphens, zero-width spaces and joiners, BOMs.
ZERO_WIDTH = r"\u00ad\u200b-\u200f\u2060-\u2064\ufeff"   # (escaped: read by Python's re and by polars')
_REQUIRED_MARK = r"^[*＊※]+"
_BLANKS = rf"[\s\u3000{ZERO_WIDTH}]+"
_HEADER_NOISE = re.compile(rf"{_REQUIRED_MARK}|[(（【〔［][^()（）【】〔〕［］]*[)）】〕］]$|{_BLANKS}")


def _header_key(name: str) -> str:
    """A header as matched against a channel's names: without a required-mark (*工单编号), a note in
    brackets after it (来电时间（受理）, 来电时间【受理】), spaces, zero-width characters or BOMs pasted
    into it, full-width letters (ｅｖｅｎｔ＿ｉｄ), or case."""
    return unicodedata.normalize("NFKC", _HEADER_NOISE.sub("", name.strip())).lower()


def find_columns(header: list[str], module) -> dict[str, str]:
    """field → the header that carries it, for the fields of a channel found in this header (the
    first, where two headers read the same)."""
    exact: dict[str, str] = {}
    loose: dict[str, str] = {}
    for h in header:
        exact.setdefault(h.strip().lower().replace(" ", ""), h)
        loose.setdefault(_header_key(h), h)
    found = {}
    for name, variants in module.COLUMNS.items():
        for v in variants:
            h = exact.get(v.lower()) or loose.get(_header_key(v))
            if h is not None:
                found[name] = h
                break
    return found


# Fields only records (JSON) fill from another key: in a table a second id column is another
# numbering, and a second phone or name column may be somebody else's (电话（被反映人）).
_OWN_COLUMN_ONLY = ("source_id", "phone", "id_number", "reporter_name", "account", "grid_worker")


def _strict_key(name: str) -> str:
    """A header as ``_header_key`` reads it but with its bracketed note kept: 电话（被反映人） is not 电话."""
    return unicodedata.normalize("NFKC", re.sub(f"{_REQUIRED_MARK}|{_BLANKS}", "", name.strip())).lower()


def other_columns(header: list[str], module, found: dict[str, str], records: bool = False) -> dict[str, list[str]]:
    """field → the other headers that also carry it, in header order: named exactly as one of the
    field's names (no note in brackets, no second copy of a name, never the bare ``id``). Where a
    field's first column is empty a row takes the next one's cell: JSON Lines whose lines changed
    their keys partway (event_id, then 事件编号: ``records``), or a table with both 详细地址 and
    事发地址. Ids and a person's fields are filled so only in records (``_OWN_COLUMN_ONLY``)."""
    used = set(found.values())
    out = {}
    for name in found:
        if name in _OWN_COLUMN_ONLY and not records:
            continue
        keys = {_strict_key(v) for v in module.COLUMNS[name] if v != "id"}
        others = [h for h in header if h not in used and not re.search(r" \[column \d+\]$", h)
                  and _strict_key(h) in keys]
        if others:
            out[name] = others
    return out


def detect_channel(header: list[str], path: Path):
    """The channel module whose columns this header carries (all required ones, most in total)."""
    scored = []
    for module in CHANNELS.values():
        found = find_columns(header, module)
        scored.append((len(found), all(r in found for r in module.REQUIRED), module, found))
    scored.sort(key=lambda s: -s[0])
    best = scored[0]
    if best[0] < 2:
        expected = "; ".join(f"{m.CHANNEL}: {', '.join(m.COLUMNS[r][0] for r in m.REQUIRED)}" for m in CHANNELS.values())
        raise SourceError(f"{path}: columns {header[:12]} match no channel (expected e.g. {expected})")
    count, complete, module, found = best
    for field in module.REQUIRED:
        twice = [i + 1 for i, h in enumerate(header) if field in found
                 and _header_key(re.sub(r" \[column \d+\]$", "", h)) == _header_key(found[field])]
        if len(twice) > 1:
            times = "twice" if len(twice) == 2 else f"{len(twice)} times"
            raise SourceError(f"{path}: column {found[field]!r} appears {times} (columns "
                              f"{', '.join(map(str, twice))}): keep one, so that it is clear which holds the {field}")
    if not complete:
        missing = [r for r in module.REQUIRED if r not in found]
        what = ", ".join(f"{module.COLUMNS[m][0]} (or {' / '.join(module.COLUMNS[m][1:])})" for m in missing)
        raise SourceError(f"{path}: looks like a {module.CHANNEL} export but lacks the column {what}")
    return module, found
