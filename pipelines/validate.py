"""From raw text cells to the report schema: typing, validation, masking, area resolution.

Every input row comes out either as a report or as a quarantine row naming the file, the row,
the column and what was expected, with the raw row kept so that nothing is lost.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from json.encoder import encode_basestring as _encode  # the C escaper json.dumps uses without ensure_ascii

import polars as pl

from features.pii import mask_column, mask_pii, reporter_key
from features.text import content_hash
from features.places import AreaMatcher
from .sources import CHANNELS, FORMATS, ZERO_WIDTH as ZERO_WIDTH_CHARS, RawFile, _header_key, other_columns

DATETIME_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%.f",
                    "%Y-%m-%d %H:%M:%S%.f", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d",
                    "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日", "%Y.%m.%d",
                    "%Y-%m-%dT%H:%M", "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M",
                    "%Y年%m月%d日%H:%M:%S", "%Y年%m月%d日%H:%M"]  # (15时30分 is written 15:30 first: ``_clock``)
# A run of digits only is read by its length: 8 and 14 digits here, 10 and 13 as Unix times, up to
# five (and a fraction) as an Excel serial. Tried on any length, "%Y%m%d%H%M%S" took the Unix time
# 1000051200000 (2001-09-10) for the year 1000, as its fields may have fewer digits than written.
COMPACT_FORMATS = {8: "%Y%m%d", 14: "%Y%m%d%H%M%S"}
AWARE_FORMATS = ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d %H:%M:%S%.f%z",
                 "%Y-%m-%dT%H:%M%z", "%a %b %d %H:%M:%S %Y %z"]  # the last: Java's Date, as ``_java`` rewrites it
OFFSET = r"(?:[Zz]|[+-]\d{2}:?\d{2})$"
# Java's ZonedDateTime writes its zone's name after the offset (2024-03-05T15:00+08:00[Asia/Shanghai]):
# the offset says the moment; the name adds nothing to it.
ZONE_ID = r"([Zz]|[+-]\d{2}:?\d{2})\[[A-Za-z][\w/+\-]*\]$"
# Java's Date.toString() (Mon Nov 25 10:15:00 CST 2024) names its zone by an abbreviation. In a
# Chinese export CST is China Standard Time (UTC+8), not US Central time; GMT+08:00 is written
# where the zone has no abbreviation. Other abbreviations are not guessed at.
JAVA_DATE = (r"^(?P<head>(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
             r" +\d{1,2} \d{2}:\d{2}:\d{2}) (?P<zone>CST|GMT|UTC)(?P<offset>[+-]\d{2}:?\d{2})? (?P<year>\d{4})$")
JAVA_ZONES = {"CST": "+08:00", "GMT": "+00:00", "UTC": "+00:00"}
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
INVISIBLE = rf"[\s{ZERO_WIDTH_CHARS}]"  # a cell of only these is empty (zero-width spaces, BOMs)
ZERO_WIDTH = rf"[{ZERO_WIDTH_CHARS}]"
SCIENTIFIC_ID = r"^\d(?:\.\d+)?[eE]\+?\d+$"  # 2.02501E+12: Excel showed a long id as a float
# Dates with the year last (19/8/2019, 8/19/2019 9:05) are written day-first or month-first by the
# locale of whoever saved the file, and 8/9/2019 reads either way: the order is decided per file
# (``slash_order``), never per cell.
SLASH_DATE = r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})(?:\s|$)"
SLASH_FORMATS = {"dmy": "%d/%m/%Y", "mdy": "%m/%d/%Y"}
SLASH_TIMES = ("", " %H:%M", " %H:%M:%S")


# Fields that identify a person: kept out of quarantine.raw entirely (the source file and row number
# say where to find them); every other cell of a quarantined row is kept with PII masked.
PERSONAL_FIELDS = ("phone", "id_number", "reporter_name", "account", "grid_worker")
# Columns no channel maps are withheld too when their header says they identify a person.
PERSONAL_HEADER = re.compile(
    r"姓名|名字|身份证|证件|电话|手机|联系方式|联系人|住址|家庭地址|户籍|网格员|昵称|账号|帐号|QQ|微信|邮箱|出生|户主"
    r"|(?<!被)(?:信访|来电|诉求|反映|投诉|举报|来访|当事|留言|上访|求助|申请|上报|承办|经办)人(?![数次])"
    r"|(?i:(?:^|[^a-z])(?:name|phone|mobile|tel|telephone|reporter|contact|id_?card|id_?no|email|e-mail|address"
    r"|user|username|account|nickname|wechat|weixin|qq|worker)(?:$|[^a-z]))")


def is_records(raw: RawFile) -> bool:
    """Whether the file is JSON records (whose keys may change from line to line), not a table."""
    return FORMATS.get(raw.path.suffix.lower()) == "jsonl"


def is_personal(header: str) -> bool:
    """Whether a column's header says it identifies a person: ``PERSONAL_HEADER``, or a name any
    channel reads a person's field from (来电号码, 留言用户 …), also as a second copy (来电号码 [column 5])."""
    return bool(PERSONAL_HEADER.search(header)) or _header_key(re.sub(r" \[column \d+\]$", "", header)) in _PERSONAL_NAMES
WITHHELD = "[已隐去]"
_PERSONAL_NAMES = {_header_key(v) for m in CHANNELS.values() for f in PERSONAL_FIELDS for v in m.COLUMNS.get(f, ())}
EARLIEST = dt.datetime(1990, 1, 1)   # before this, a date is a misread (e.g. a two-digit year), not a report
# Rows a register adds under its data: totals (合计, 总计：3件, 小计, 共3件) and sign-offs (制表人：张三,
# 审核人, 填报单位（盖章）：…, 制表日期：…, 注：…). They are told by the row's first filled cell, where a report
# has its id, serial number or date, never these words; the words in a report's text are not looked at.
FOOTER = (r"^(?P<label>合\s*计|总\s*计|小\s*计|共\s*计|总\s*数)\s*(?:$|[:：]|[\d共])"
          r"|^(?P<count>共\s*\d+\s*(?:件|条|项|个|起|宗|次|人次|户|人))"
          r"|^(?P<sign>制表人|制表单位|制表日期|制表时间|制表|填报单位|填报人|填报日期|填报时间|填表人|填表日期|审核人|审核"
          r"|审批人|单位负责人|负责人|统计人|统计日期|统计时间|经办人|联系人|导出时间|导出日期|打印时间|打印日期|报送单位"
          r"|报送日期|填表说明|备注|说明|注)\s*(?:[（(][^）)]*[）)])?\s*(?:$|[:：])"
          # what a printed or paged export adds: 第1页 共2页, 共2页 第1页, 以下空白, （续表）
          r"|^(?P<page>(?:第\s*\d+\s*页|共\s*\d+\s*页)(?:\s*[，,、/／]?\s*(?:第\s*\d+\s*页|共\s*\d+\s*页))?"
          r"|以下空白|以下无内容|以下无数据|[（(]?续表[）)]?)\s*$")


# The report's fields stored masked: masked once per column in raw_frame, with the row's raw JSON.
MASKED_FIELDS = ("text", "title", "address", "place", "subject", "source_category")


def raw_frame(raw: RawFile, found: dict[str, str], others: dict[str, list[str]] | None = None) -> pl.DataFrame:
    """The file's rows as a frame of the channel's fields (text), with row number, a hash of the
    untouched row (to recognise a second delivery), the row as JSON with personal data masked, its
    first filled cell (``lead``: a totals or sign-off row is told by it), the fields a report
    stores masked as ``masked_<field>``, and ``extra``: the row's filled cells of the columns no
    field reads, as JSON masked as the row's is (None where there are none), which the report keeps.
    ``others``: further headers of a field (``sources.other_columns``), whose cell stands in where
    the first is empty. Masking goes column by column (``mask_column``), once for the JSON and the report."""
    index = {h: i for i, h in enumerate(raw.header)}
    others = others or {}
    columns = list(zip(*raw.rows)) if raw.rows else [()] * len(raw.header)
    read = {name: _first_filled([columns[index[h]] for h in (col, *others.get(name, ()))])
            for name, col in found.items()}
    frame = pl.DataFrame(read, schema={name: pl.Utf8 for name in found})
    personal = ({h for f in PERSONAL_FIELDS if f in found for h in (found[f], *others.get(f, ()))}
                | {h for h in raw.header if is_personal(h)})
    masked = [[WITHHELD if c else c for c in col] if h in personal else mask_column(col)
              for h, col in zip(raw.header, columns)]
    hashes = [hashlib.sha1(j.encode("utf-8")).hexdigest() for j in row_json(raw.header, columns, len(raw.rows))]
    raws = row_json(raw.header, masked, len(raw.rows))
    stored = {f"masked_{f}": (mask_column(read[f]) if found[f] in personal
                              else _first_filled([masked[index[h]] for h in (found[f], *others.get(f, ()))]))
              for f in MASKED_FIELDS if f in found}  # (a field under a personal header is masked, not withheld)
    lead = [row[0] or next((c for c in row if c), None) for row in raw.rows] if raw.header else [None] * len(raw.rows)
    unread = unread_columns(raw.header, found, others)
    extra = extra_json([raw.header[i] for i in unread], [masked[i] for i in unread], len(raw.rows))
    frame = frame.with_columns(pl.Series("row_number", raw.row_numbers, dtype=pl.Int32),
                               pl.Series("row_hash", hashes, dtype=pl.Utf8), pl.Series("raw", raws, dtype=pl.Utf8),
                               pl.Series("lead", lead, dtype=pl.Utf8), pl.Series("extra", extra, dtype=pl.Utf8),
                               *(pl.Series(name, cells, dtype=pl.Utf8) for name, cells in stored.items()))
    if raw.sheets is not None:  # a workbook read from several sheets: a row number needs its sheet
        frame = frame.with_columns(pl.Series("sheet", raw.sheets, dtype=pl.Utf8))
    return frame


# Fields a channel reads but a report does not store: their cells go with the report's ``extra``.
UNSTORED_FIELDS = ("form", "lon", "lat", "status")


_SCIENTIFIC = re.compile(SCIENTIFIC_ID)


def unread_columns(header: list[str], found: dict[str, str], others: dict[str, list[str]] | None = None) -> list[int]:
    """Indexes of the columns whose cells a report keeps only in ``extra``: those no field reads,
    and those of the fields it does not store (``UNSTORED_FIELDS``); never a column whose header
    says it identifies a person (``is_personal``: withheld, as in a quarantined row)."""
    others = others or {}
    read = {h for f, h in found.items() if f not in UNSTORED_FIELDS}
    read |= {h for f, hs in others.items() if f not in UNSTORED_FIELDS for h in hs}
    return [i for i, h in enumerate(header) if h not in read and not is_personal(h)]


def column_notes(raw: RawFile, found: dict[str, str], others: dict[str, list[str]] | None = None) -> list[str]:
    """What ingest says of a file's columns: those kept only as the report's extra cells, and
    identifier columns that Excel turned into scientific notation (3.69901E+17: its digits are lost,
    so it recognises no repeat reporter)."""
    notes = []
    unread = [raw.header[i] for i in unread_columns(raw.header, found, others)
              if any(row[i] is not None and str(row[i]).strip() for row in raw.rows)]
    if unread:
        notes.append(f"columns kept with each report (extra) but not used by the analysis: {', '.join(unread)}")
    for field in ("id_number", "phone"):
        if field in found:
            at = raw.header.index(found[field])
            # (an E first: one regex a cell cost 0.4 s on 200,000 rows)
            bad = sum(1 for row in raw.rows if row[at] is not None and "E" in (c := str(row[at]).upper())
                      and _SCIENTIFIC.fullmatch(c.strip()))
            if bad:
                notes.append(f"column {found[field]}: {bad} cell{'s' if bad > 1 else ''} in scientific notation (Excel lost"
                             " their digits), not used to recognise repeat reporters: format the column as text in"
                             " Excel and export the file again")
    return notes


def _first_filled(columns: list) -> list:
    """Row by row, the first of these columns' cells that holds more than blanks."""
    if len(columns) == 1:
        return list(columns[0])
    return [next((c for c in cells if c is not None and str(c).strip()), cells[0]) for cells in zip(*columns)]


def extra_json(header: list[str], columns: list, rows: int) -> list[str | None]:
    """Each row's filled cells of these columns as a JSON object in the file's order, exactly as
    ``json.dumps({h: cell for the filled cells}, ensure_ascii=False)`` (None for a row with none),
    built column by column as ``row_json`` is (a dict and a dumps per row cost a third of a raw
    frame's time on a big export)."""
    if not header or not rows:
        return [None] * rows

    def part(key: str, c) -> str | None:
        if c is None or (isinstance(c, str) and not c.strip()):
            return None
        return key + (_encode(c) if isinstance(c, str) else json.dumps(c, ensure_ascii=False))

    encoded = [[part(key, c) for c in col] for key, col in zip((_encode(h) + ": " for h in header), columns)]
    out = []
    for parts in zip(*encoded):
        kept = [p for p in parts if p is not None]
        out.append("{" + ", ".join(kept) + "}" if kept else None)
    return out


_TEXT_CELL = {str, type(None)}


def row_json(header: list[str], columns: list, rows: int) -> list[str]:
    """Each row as ``json.dumps(dict(zip(header, row)), ensure_ascii=False)``, exactly (a stored
    row's hash is taken of it), built column by column: each cell escaped by the json module's own
    C encoder, then joined, instead of a dict and an encoder per row (a third of the time)."""
    if not header:
        return ["{}"] * rows
    if len(set(header)) != len(header) or not all(set(map(type, col)) <= _TEXT_CELL for col in columns):
        return [json.dumps(dict(zip(header, r)), ensure_ascii=False) for r in zip(*columns)]
    encoded = [[key + ("null" if c is None else _encode(c)) for c in col]
               for key, col in zip((_encode(h) + ": " for h in header), columns)]
    return ["{" + ", ".join(parts) + "}" for parts in zip(*encoded)]


def _aware(s: pl.Expr, tz: str) -> pl.Expr:
    """ISO times with an offset or Z (2025-01-13T01:31:07Z), and Java's Date as ``_java`` rewrites
    it, as wall-clock time in ``tz``. Only values that end in an offset are parsed: parsing with an
    offset is slow (a second for a million dates), and most exports have none."""
    iso = pl.when(s.str.contains(OFFSET)).then(s).str.replace(r"[Zz]$", "+00:00")
    parsed = [iso.str.strptime(pl.Datetime("us", "UTC"), f, strict=False) for f in AWARE_FORMATS]
    return pl.coalesce(*parsed).dt.convert_time_zone(tz).dt.replace_time_zone(None)


def _java(s: pl.Expr) -> pl.Expr:
    """Java's Date.toString() with its zone as an offset after the year, which the last of
    AWARE_FORMATS reads (the weekday is checked against the date); other values unchanged."""
    parts = pl.when(s.str.contains(r"^[A-Z][a-z]{2} ")).then(s).str.extract_groups(JAVA_DATE)
    zone = pl.coalesce(parts.struct.field("offset"), parts.struct.field("zone").replace_strict(JAVA_ZONES, default=None))
    rewritten = pl.concat_str(parts.struct.field("head"), pl.lit(" "), parts.struct.field("year"), pl.lit(" "), zone)
    return pl.when(parts.struct.field("head").is_not_null()).then(rewritten).otherwise(s)


def _zone_id(s: pl.Expr) -> pl.Expr:
    """An offset followed by a zone's name (…+08:00[Asia/Shanghai]) as the offset alone."""
    return s.str.replace(ZONE_ID, "${1}")


def _epoch(s: pl.Expr, tz: str) -> pl.Expr:
    """Unix times of 10 (seconds) or 13 (milliseconds) digits, as wall-clock time in ``tz``."""
    digits = pl.when(s.str.contains(r"^\d{10}(?:\d{3})?$")).then(s).cast(pl.Int64, strict=False)
    ms = pl.when(s.str.len_chars() == 10).then(digits * 1000).otherwise(digits)
    return pl.from_epoch(ms, time_unit="ms").dt.replace_time_zone("UTC").dt.convert_time_zone(tz) \
        .dt.replace_time_zone(None).cast(pl.Datetime("us"))


def slash_order(values) -> str | None:
    """"dmy" or "mdy": how a file writes its dates with the year last, from the dates that can only
    be read one way (a first number above 12 is a day: 19/8/2019; a second one: 8/19/2019); the
    order most of them show where both occur; None where none tells (all like 8/9/2019) or there
    are no such dates."""
    parts = pl.Series("v", list(values), dtype=pl.Utf8).str.extract_groups(SLASH_DATE)
    first = parts.struct.field("1").cast(pl.Int32, strict=False)
    second = parts.struct.field("2").cast(pl.Int32, strict=False)
    day_first, month_first = int((first > 12).sum()), int((second > 12).sum())
    if not day_first and not month_first:
        return None
    return "dmy" if day_first >= month_first else "mdy"


_MERIDIEM_WORD = "上午|早上|凌晨|中午|下午|晚上"
_MERIDIEM = rf"^(?P<day>.*?)\s*(?P<part>{_MERIDIEM_WORD})\s*(?P<hour>\d{{1,2}})(?P<rest>[:：时点].*)?$"


def _meridiem(s: pl.Expr) -> pl.Expr:
    """Times written with 上午 / 下午 (2025年1月13日 上午9:05, 2025/1/13 下午 3:05:00, 下午3点) as
    24-hour times that the formats read; other values unchanged."""
    parts = pl.when(s.str.contains(_MERIDIEM_WORD)).then(s).str.extract_groups(_MERIDIEM)  # (of every row: 0.2 s a million)
    hour = parts.struct.field("hour").cast(pl.Int32, strict=False)
    part = parts.struct.field("part")
    later = (part.is_in(["下午", "晚上"]) & (hour < 12)) | ((part == "中午") & (hour < 11))
    # 晚上12点 is midnight at the day's end (24:00, read as the next day's 00:00); 凌晨12点 its start
    hour = (pl.when(later).then(hour + 12).when((part == "晚上") & (hour == 12)).then(24)
            .when((part == "凌晨") & (hour == 12)).then(0).otherwise(hour))
    rest = parts.struct.field("rest").str.replace_all("：", ":").str.replace("^[点时]$", ":00").str.replace("^点", "时") \
        .fill_null(":00")
    rewritten = pl.concat_str(parts.struct.field("day"), pl.lit(" "), hour.cast(pl.String).str.zfill(2), rest)
    return pl.when(part.is_not_null()).then(rewritten).otherwise(s)


# A time in Chinese: 15时, 15时30分, 15时30分5秒 (点 for 时 too), after the date, with or without a space.
_CLOCK = (r"^(?P<day>.*?[\d日])\s*(?P<hour>\d{1,2})\s*[时点](?:\s*(?P<minute>\d{1,2})\s*分"
          r"(?:\s*(?P<second>\d{1,2})\s*秒)?)?$")
# A 12-hour time with AM or PM after it (3/15/2024 3:15:00 PM, as English-language Excel writes).
_AM_PM = r"^(?P<day>.+?)\s+(?P<hour>\d{1,2})(?P<rest>:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?)\s*(?P<part>[AaPp])\.?[Mm]\.?$"


def _clock(s: pl.Expr) -> pl.Expr:
    """Times written in Chinese (2024年03月05日 15时, 15时30分) as 15:00, 15:30, which the formats
    read; other values unchanged."""
    parts = pl.when(s.str.contains("[时点]")).then(s).str.extract_groups(_CLOCK)
    minute, second = parts.struct.field("minute").fill_null("00"), parts.struct.field("second")
    rewritten = pl.concat_str(parts.struct.field("day"), pl.lit(" "), parts.struct.field("hour"), pl.lit(":"), minute,
                              pl.when(second.is_not_null()).then(pl.lit(":") + second).otherwise(pl.lit("")))
    return pl.when(parts.struct.field("hour").is_not_null()).then(rewritten).otherwise(s)


def _am_pm(s: pl.Expr) -> pl.Expr:
    """12-hour times with AM / PM (3:15:00 PM, 12:00 AM) as 24-hour times (15:15:00, 00:00); an
    hour that is no 12-hour one (13:00 PM) is left unreadable, not guessed; other values unchanged."""
    parts = pl.when(s.str.contains(r"[AaPp]\.?[Mm]\.?$")).then(s).str.extract_groups(_AM_PM)
    hour = parts.struct.field("hour").cast(pl.Int32, strict=False)
    pm = parts.struct.field("part").str.to_uppercase() == "P"
    hour = pl.when(hour.is_between(1, 12)).then(hour % 12 + pl.when(pm).then(12).otherwise(0))
    rewritten = pl.concat_str(parts.struct.field("day"), pl.lit(" "), hour.cast(pl.String).str.zfill(2),
                              parts.struct.field("rest"))
    return pl.when(parts.struct.field("part").is_not_null()).then(rewritten).otherwise(s)


def parse_datetimes(col: pl.Expr, tz: str = "Asia/Shanghai", slash: str | None = None) -> pl.Expr:
    """Dates in the forms exports use: local times, ISO times with an offset, Unix times and Excel
    serial day numbers; the latter three read as wall-clock time in ``tz``. Dates with the year
    last are read in the order ``slash`` ("dmy", "mdy"; see ``slash_order``), and not at all without one."""
    return col.map_batches(lambda values: _parsed(values, tz, slash), return_dtype=pl.Datetime("us"))


# Rewrites of a value into a form the formats read, in turn.
REWRITES = (_meridiem, _clock, _am_pm, _java, _zone_id)


def _parsed(values: pl.Series, tz: str, slash: str | None) -> pl.Series:
    """parse_datetimes of a column. Each rewrite's result is stored before the next one reads it:
    nested in one expression, each would copy the expression before it several times over (a
    rewrite reads its value in several places), and polars plans every copy."""
    # full-width digits and colons (２０２４年３月５日 １４：０５) as plain ones
    frame = values.cast(pl.Utf8).str.normalize("NFKC").str.strip_chars().alias("s").to_frame()
    for rewrite in REWRITES:
        frame = frame.with_columns(rewrite(pl.col("s")).alias("s"))
    # 24:00 (a day's end, as some systems and 晚上12点 write it) is the next day's 00:00, 24:30 its 00:30
    frame = frame.with_columns(pl.col("s").str.contains(r"[\sT]24:\d{2}(?::\d{2})?$").fill_null(False).alias("end_of_day"),
                               pl.col("s").str.replace(r"([\sT])24:(\d{2}(?::\d{2})?)$", "${1}00:${2}"))
    # a 60th second (14:05:60) is no time: polars would roll it over into the next minute
    s = pl.when(pl.col("s").str.contains(r":60(?:\.\d+)?$").not_()).then(pl.col("s"))
    formats = DATETIME_FORMATS + ([SLASH_FORMATS[slash] + t for t in SLASH_TIMES] if slash else [])
    parsed = [s.str.strptime(pl.Datetime("us"), f, strict=False) for f in formats]
    parsed += [pl.when(s.str.contains(rf"^\d{{{n}}}$")).then(s).str.strptime(pl.Datetime("us"), f, strict=False)
               for n, f in COMPACT_FORMATS.items()]
    serial = s.cast(pl.Float64, strict=False)
    excel = (pl.when(serial.is_between(20000, 80000))
             .then(pl.lit(EXCEL_EPOCH) + pl.duration(milliseconds=(serial * 86_400_000).round(0).cast(pl.Int64))))
    read = pl.coalesce(*parsed, _aware(s, tz), _epoch(s, tz), excel.cast(pl.Datetime("us")))
    return frame.select(pl.when(pl.col("end_of_day")).then(read + pl.duration(days=1)).otherwise(read)) \
        .to_series().alias(values.name)


# Head counts as registers write them. A range or an approximation gives its lower bound (10余人,
# 约30人, 2-3人 → 10, 30, 2); a count that says "several" without a number (多人, 若干) is no count
# (the report is kept, its people_count empty): neither may cost a collective petition its row.
_COUNT_UNIT = "人名户位个"
_VAGUE_COUNT = re.compile(r"^(?:多|众多|很多|许多|若干|大量|一些|部分|群众|集体|多数|不详|未知|不明|无|n/?a|null|none|[-—–/]+)$", re.I)
_COUNT_PREFIX = re.compile(r"^(?:大约|约|将近|接近|近|超过|逾|共计|合计|总共|共|计|多达|达|上)")
_COUNT_RANGE = re.compile(r"^(?P<low>[^-—–~～至到]+?)\s*(?:-|—|–|~|～|至|到)\s*(?P<high>.+)$")
_COUNT_ROUGH = {"数十": 10, "几十": 10, "十几": 10, "数百": 100, "几百": 100, "上百": 100, "百余": 100,
                "数千": 1000, "几千": 1000, "上千": 1000, "千余": 1000}


_COUNT_TAIL = re.compile(r"\s*(?:人次|以上|左右|上下|之多|许)$")
# 20多名农民工, 30余户村民: a count, its unit, then who they are (a short noun, no digits)
_COUNT_WHO = re.compile(rf"^(?P<count>.*?[\d一二两三四五六七八九十百千万余多来几])\s*[{_COUNT_UNIT}]\s*[\u4e00-\u9fff]{{1,6}}$")
# 两三人, 二三十人, 三四百: two neighbouring digits say "this or the next", so the first is the lower bound
_COUNT_PAIR = re.compile(r"^(?P<low>[一二两三四五六七八])(?P<high>[二两三四五六七八九])(?P<unit>[十百千万]?)$")
_COUNT_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# 男2女1, 男3人、女2人: the men and the women, added up
_COUNT_SEXES = re.compile(rf"^(?:男|女)\s*(?P<a>\d+)\s*[{_COUNT_UNIT}]?\s*[,，、;；\s]?\s*(?:男|女)\s*(?P<b>\d+)\s*[{_COUNT_UNIT}]?$")


def parse_count(value: str | None) -> int | None:
    """A head count such as '32', '32人', '三十二人', '10余人', '约30人', '2-3人', '两三人',
    '20多名农民工', '3人以上', '5人次', '男2女1' (lower bounds); None for no value or a vague one
    ('多人', '若干', '数人'); raises ValueError when it is not one."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    sexes = _COUNT_SEXES.match(text)
    if sexes:
        return int(sexes["a"]) + int(sexes["b"])
    who = _COUNT_WHO.match(text)
    if who and not _COUNT_TAIL.search(text):
        text = who["count"]
    while (tail := _COUNT_TAIL.search(text)) and tail.start() > 0:
        text = text[: tail.start()]
    text = text.rstrip(_COUNT_UNIT).strip()
    if _VAGUE_COUNT.match(text) or text in ("数", "几", "好几", "多名", "多位"):
        return None
    pair = _COUNT_PAIR.match(text)
    if pair and _COUNT_DIGITS[pair["high"]] == _COUNT_DIGITS[pair["low"]] + 1:   # not 二五
        return _COUNT_DIGITS[pair["low"]] * {"": 1, "十": 10, "百": 100, "千": 1000, "万": 10_000}[pair["unit"]]
    if text in _COUNT_ROUGH:
        return _COUNT_ROUGH[text]
    text = _COUNT_PREFIX.sub("", text).strip()
    if text[:1] in ("百", "千", "万"):                   # 近百人: about a hundred
        text = "一" + text
    span = _COUNT_RANGE.match(text)
    if span:
        text = span["low"].rstrip(_COUNT_UNIT).strip()
    if text in _COUNT_ROUGH:
        return _COUNT_ROUGH[text]
    text = text.rstrip("余多来几").strip() or text
    try:
        number = float(text)
    except ValueError:
        import cn2an

        number = float(cn2an.cn2an(text, "smart"))
    if number < 0 or number != int(number) or number > 1_000_000:
        raise ValueError(value)
    return int(number)


class Checker:
    """Collects quarantine rows for one file while validating its frame.

    Each row keeps the report id its id cell gives (``report_ids``; None where the row has no id or
    the channel is not known): a row mended and loaded later by another batch is then told from one
    still waiting (``warehouse.QUARANTINE_STATE_COLUMN``)."""

    def __init__(self, file_name: str, batch_id: str, columns: dict[str, str], channel: str | None = None):
        self.file_name, self.batch_id, self.columns, self.channel = file_name, batch_id, columns, channel
        self.rows: list[dict] = []

    def report_ids(self, source_ids: list) -> list[str | None]:
        """The report ids these id cells would give (as ``report_ids``), all None without a channel."""
        return report_ids(source_ids, self.channel) if self.channel else [None] * len(source_ids)

    def where(self, sheet: str | None) -> str:
        """The file name a quarantined row is listed under: with its sheet where a workbook's rows
        come from several."""
        return f"{self.file_name} [{sheet}]" if sheet else self.file_name

    def reject(self, bad: pl.DataFrame, field: str | None, kind: str, reason, reads: tuple[str, ...] = ()) -> None:
        """Quarantine the rows of ``bad`` under ``field``'s column; ``reason``: a text, or a function
        of a row's number, raw JSON, ``field``, sheet and the columns it ``reads``."""
        extra = [c for c in (field, "sheet", *reads) if c and c in bad.columns]
        # the ids in one pass over the column (a row at a time cost 0.2 ms: minutes for a big file
        # whose every date fails)
        if kind == "footer":
            ids = [None] * bad.height
        elif "report_id" in bad.columns:
            ids = bad["report_id"].to_list()
        else:
            ids = self.report_ids(bad["source_id"].to_list() if "source_id" in bad.columns else [None] * bad.height)
        for r, report_id in zip(bad.select("row_number", "raw", *dict.fromkeys(extra)).iter_rows(named=True), ids):
            self.rows.append({"batch_id": self.batch_id, "file_name": self.where(r.get("sheet")), "row_number": r["row_number"],
                              "column": self.columns.get(field, field) if field else None, "kind": kind,
                              "reason": reason(r) if callable(reason) else reason, "raw": r["raw"],
                              "report_id": report_id})

    def broken(self, raw: RawFile) -> None:
        personal = {self.columns[f] for f in PERSONAL_FIELDS if f in self.columns}
        withhold = {i for i, h in enumerate(raw.header) if h in personal or is_personal(h)}
        # a row of too many or too few cells keeps those before the fault where the header says (an id
        # in the first column survives a stray comma in the text after it); a JSON line has no order
        tabular = raw.path.suffix.lower() not in (".jsonl", ".json", ".ndjson")
        at = raw.header.index(self.columns["source_id"]) if tabular and self.columns.get("source_id") in raw.header else None
        start = len(self.rows)
        for number, reason, text in raw.broken:
            label = broken_footer(text)
            if label:  # a sign-off line of fewer cells than the header (制表人：张三 alone) is still a footer
                sheet = re.match(r"sheet '[^']*': ", reason)
                reason, kind = (sheet[0] if sheet else "") + f"a totals/footer row ({label}), not a report", "footer"
            else:
                kind = "invalid"
            self.rows.append({"batch_id": self.batch_id, "file_name": self.file_name, "row_number": number,
                              "column": None, "kind": kind, "reason": reason, "raw": broken_raw(text, withhold),
                              "report_id": None if label else broken_cell(text, at)})
        added = self.rows[start:]
        for row, report_id in zip(added, self.report_ids([r["report_id"] for r in added])):
            row["report_id"] = report_id

    def frame(self) -> pl.DataFrame:
        """The quarantine rows; their reasons masked like their raw rows (a reason may quote a cell:
        "cannot read '13812345678' as a number of people")."""
        out = pl.DataFrame(self.rows, schema={"batch_id": pl.Utf8, "file_name": pl.Utf8, "row_number": pl.Int32,
                                              "column": pl.Utf8, "kind": pl.Utf8, "reason": pl.Utf8, "raw": pl.Utf8,
                                              "report_id": pl.Utf8})
        return out.with_columns(pl.Series("reason", mask_column(out["reason"].to_list()), dtype=pl.Utf8))


def broken_footer(text: str) -> str | None:
    """The label of a totals or sign-off row (``FOOTER``) that could not be read into the header's
    columns, from its first filled cell; None for any other row, or one whose cells are unknown."""
    try:
        cells = json.loads(text)
    except ValueError:
        return None
    if not isinstance(cells, list):
        return None
    lead = next((str(c).strip() for c in cells if c is not None and str(c).strip()), "")
    return _footer_label(lead) if re.match(FOOTER, lead) else None


def broken_cell(text: str, at: int | None) -> str | None:
    """The cell at index ``at`` of a row that could not be split into the header's columns (its
    cells as JSON), or None. Cells before the fault are where the header says: an id in the first
    column survives a stray quote or a comma too many in the text after it."""
    if at is None:
        return None
    try:
        cells = json.loads(text)
    except ValueError:
        return None
    return str(cells[at]) if isinstance(cells, list) and at < len(cells) and cells[at] is not None else None


def broken_raw(text: str, withhold: set[int]) -> str:
    """A row that could not be read into the header's columns, as the quarantine keeps it: numbers
    masked, and the cells under a personal column withheld like any other quarantined row's. Its
    cells are known when it had too many or too few (a JSON list); a line that could not be split
    at all (a quote never closed, broken JSON) is withheld whole when the file has personal columns,
    as its names cannot be told from its text (the row number finds it in the file)."""
    if not withhold:
        return mask_pii(text)
    try:
        cells = json.loads(text)
    except ValueError:
        cells = None
    if isinstance(cells, list):
        return mask_pii(json.dumps([WITHHELD if i in withhold and c else c for i, c in enumerate(cells)],
                                   ensure_ascii=False))
    return f"{WITHHELD} 整行：无法拆分成列，而本文件有个人信息列"


def prepare_rows(raw: RawFile, found: dict[str, str], channel: str, areas: pl.DataFrame, batch_id: str,
                 salt: str, now: dt.datetime, tz: str, slash: str | None = "auto") -> tuple[pl.DataFrame, list[dict]]:
    """Validate, map and mask some rows of a file (``raw``: the file's header and a slice of its
    rows): the reports, and the quarantine rows (``Checker.rows``) of those that are not. Chunks of
    one file run in worker processes, so nothing here may depend on the other chunks: what the
    whole file decides (``slash``, its date order) is passed in ("auto": from these rows)."""
    check = Checker(raw.path.name, batch_id, found, channel)
    others = other_columns(raw.header, CHANNELS[channel], found, records=is_records(raw))
    frame = validate(raw_frame(raw, found, others), check, now, tz, slash)
    return to_reports(frame, channel, AreaMatcher(areas), salt, batch_id, now), check.rows


def split(frame: pl.DataFrame, ok: pl.Expr) -> tuple[pl.DataFrame, pl.DataFrame]:
    flags = frame.select(ok.fill_null(False).alias("ok")).to_series()
    return frame.filter(flags), frame.filter(~flags)


def validate(frame: pl.DataFrame, check: Checker, now: dt.datetime, tz: str = "Asia/Shanghai",
             slash: str | None = "auto") -> pl.DataFrame:
    """Typed, valid rows; the others handed to the checker with their reasons. ``slash``: the
    order of dates written with the year last ("dmy", "mdy", None; "auto": ``slash_order`` of
    this frame's dates)."""
    fields = [c for c in frame.columns if c not in ("row_number", "row_hash", "raw", "sheet", "lead", "extra")
              and not c.startswith("masked_")]
    frame, bad = split(frame, ~_footer(frame))
    check.reject(bad, None, "footer", lambda r: f"a totals/footer row ({_footer_label(r.get('lead') or r['source_id'])}),"
                 " not a report", reads=("lead", "source_id"))
    # the header again under a page break of a paged export (工单编号 in the id column)
    header_id = check.columns.get("source_id")
    if header_id:
        frame, bad = split(frame, pl.col("source_id").str.strip_chars().ne_missing(pl.lit(header_id)))
        check.reject(bad, None, "footer", "the header repeated (a page break of the export), not a report")
    damaged = {c: pl.col(c).str.contains("\ufffd", literal=True).fill_null(False) for c in fields}
    frame, bad = split(frame, ~pl.any_horizontal(list(damaged.values())))
    for field in fields:  # each damaged row under the first column that shows it
        hit, bad = split(bad, damaged[field])
        check.reject(hit, field, "invalid", "holds bytes that are not valid in the file's encoding")
    frame = frame.with_columns(_clean_id(pl.col("source_id")))
    frame, bad = split(frame, ~pl.col("source_id").str.contains(SCIENTIFIC_ID).fill_null(False))
    check.reject(bad, "source_id", "invalid", lambda r: f"id {r['source_id']!r} is written in scientific notation and"
                 " has lost its digits: format the column as text in Excel and export the file again")
    for field, what in (("source_id", "an id"), ("text", "the report's text"), ("received_at", "the date")):
        frame, bad = split(frame, pl.col(field).str.replace_all(INVISIBLE, "").str.len_chars() > 0)
        check.reject(bad, field, "invalid", f"empty: expected {what}")
    if slash == "auto":
        slash = slash_order(frame["received_at"])
    frame = frame.with_columns(parse_datetimes(pl.col("received_at"), tz, slash).alias("received"))
    frame, bad = split(frame, pl.col("received").is_not_null())
    check.reject(bad, "received_at", "invalid", lambda r: _unreadable_date(r["received_at"], slash))
    frame, bad = split(frame, pl.col("received") <= pl.lit(now + dt.timedelta(days=1)))
    check.reject(bad, "received_at", "invalid", lambda r: f"date {r['received_at']!r} lies in the future")
    frame, bad = split(frame, pl.col("received") >= pl.lit(EARLIEST))
    check.reject(bad, "received_at", "invalid",
                 lambda r: f"date {r['received_at']!r} reads as a year before {EARLIEST:%Y}: expected a four-digit year")
    if "people_count" in frame.columns:
        frame = _validate_counts(frame, check)
    return frame.drop("received_at", "lead", strict=False).rename({"received": "received_at"})


def _footer(frame: pl.DataFrame) -> pl.Expr:
    """Rows whose first filled cell is a totals or sign-off label (``FOOTER``), when it is their id
    (合计 in the id column) or they lack an id, a date or a text; never a report's text."""
    lead = pl.col("lead") if "lead" in frame.columns else pl.col("source_id")
    lacking = pl.any_horizontal(pl.col(f).str.replace_all(INVISIBLE, "").str.len_chars().fill_null(0) == 0
                                for f in ("source_id", "text", "received_at"))
    return lead.str.contains(FOOTER) & ((lead == pl.col("source_id")) | lacking) & lead.ne_missing(pl.col("text"))


def _footer_label(cell: str) -> str:
    """The label of a footer's first cell (合计 of '合  计', 制表人 of '制表人：张三')."""
    match = re.match(FOOTER, cell)
    return re.sub(r"\s+", "", next(g for g in match.groups() if g))


def report_ids(source_ids: list, channel: str) -> list[str | None]:
    """``channel:id`` of each id cell, the id cleaned as a report's is (``_clean_id``, then
    stripped; ``to_reports`` makes its ids so); None for an empty cell or one in scientific notation."""
    ids = pl.Series("id", [None if i is None else str(i) for i in source_ids], dtype=pl.Utf8)
    cleaned = pl.select(_clean_id(pl.lit(ids)).str.strip_chars().alias("id")).to_series()
    keep = cleaned.str.len_chars().fill_null(0).gt(0) & ~cleaned.str.contains(SCIENTIFIC_ID).fill_null(False)
    return pl.select(pl.when(keep).then(pl.lit(f"{channel}:") + cleaned)).to_series().to_list()


def _clean_id(col: pl.Expr) -> pl.Expr:
    """An id as its system wrote it, without what a spreadsheet or a copy added: a leading apostrophe
    (Excel's "keep as text" mark), a ".0" after whole digits (a number column saved as float) and
    zero-width characters, so that the same work order from a CSV and from an XLSX export is one
    report. Full-width forms stay as written: 京信（2024）12号 is how its register numbers it, and
    turning it into 京信(2024)12号 would make a second report of one stored before."""
    return (col.str.replace_all(ZERO_WIDTH, "").str.strip_chars().str.strip_prefix("'")
            .str.replace(r"^(\d+)\.0+$", "${1}").alias(col.meta.output_name()))


def _unreadable_date(value: str, slash: str | None) -> str:
    expected = "expected e.g. 2025-01-13 09:31:07"
    ymd = re.match(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)", value)
    if ymd:  # written well, but no such day (2025-02-30)
        year, month, day = map(int, ymd.groups())
        if not 1 <= month <= 12:
            return f"{value!r} is no date: there is no month {month}"
        try:
            dt.date(year, month, day)
        except ValueError:
            return f"{value!r} is no date: month {month} of {year} has no day {day}"
    if re.match(SLASH_DATE, value) and slash is None:
        return (f"cannot tell the day from the month in {value!r}: no date of the file with the year last has a"
                f" number above 12 to show its order ({expected})")
    if re.match(SLASH_DATE, value):
        order = "day/month/year" if slash == "dmy" else "month/day/year"
        return f"cannot read {value!r} as a date in this file's order, {order} ({expected})"
    return f"cannot read {value!r} as a date ({expected})"


def _validate_counts(frame: pl.DataFrame, check: Checker) -> pl.DataFrame:
    counts, good = [], []
    for value in frame["people_count"]:
        try:
            counts.append(parse_count(value))
            good.append(True)
        except (ValueError, TypeError, ArithmeticError):
            counts.append(None)
            good.append(False)
    mask = pl.Series(good, dtype=pl.Boolean)  # (typed: an empty file has no values to tell it by)
    check.reject(frame.filter(~mask), "people_count", "invalid",
                 lambda r: f"cannot read {r['people_count']!r} as a number of people (expected e.g. 32, 三十二人, 10余人,"
                           " 约30人, 2-3人; leave the cell empty where nobody counted)")
    return frame.with_columns(pl.Series("people_count", counts, dtype=pl.Int32)).filter(mask)


def _opt(frame: pl.DataFrame, name: str) -> pl.Expr:
    return pl.col(name) if name in frame.columns else pl.lit(None, dtype=pl.Utf8).alias(name)


def to_reports(frame: pl.DataFrame, channel: str, matcher: AreaMatcher, salt: str,
               batch_id: str, now: dt.datetime) -> pl.DataFrame:
    """Valid rows mapped to the report schema, PII masked (``masked_<field>`` from raw_frame) and the
    reporter hashed. A frame not built by raw_frame has its fields masked here: nothing leaves unmasked."""
    frame = frame.with_columns(pl.Series(f"masked_{m}", mask_column(frame[m]), dtype=pl.Utf8) for m in MASKED_FIELDS
                               if m in frame.columns and f"masked_{m}" not in frame.columns)
    f = frame.with_columns(*[_opt(frame, n) for n in ("title", "address", "subject", "phone", "id_number", "account",
                                                      "source_category", "people_count", "county", "town",
                                                      "village", "place", "grid_code",
                                                      *(f"masked_{m}" for m in MASKED_FIELDS))])
    texts = f["masked_text"].to_list()
    ids = [i.strip() for i in f["source_id"].to_list()]   # (cleaned by validate: report_ids makes the same ids)
    out = pl.DataFrame({
        "report_id": [f"{channel}:{i}" for i in ids],
        "channel": [channel] * f.height,
        "source_id": ids,
        "received_at": f["received_at"],
        "area_code": _areas(f, matcher),
        "address": f.select(pl.when(pl.col("address").is_not_null() & (pl.col("address") != ""))
                            .then(pl.col("masked_address")).otherwise(pl.col("masked_place"))).to_series(),
        "title": f["masked_title"],
        "text": texts,
        "subject": f["masked_subject"],
        "people_count": f["people_count"].cast(pl.Int32),
        "reporter_key": [reporter_key(salt, i, p, account=a)
                         for i, p, a in zip(f["id_number"].to_list(), f["phone"].to_list(), f["account"].to_list())],
        "source_category": f["masked_source_category"],
        "content_hash": [content_hash(t) for t in texts],
        "row_hash": f["row_hash"],
        "row_number": f["row_number"],
        "raw": f["raw"],
        "extra": f["extra"] if "extra" in f.columns else pl.Series([None] * f.height, dtype=pl.Utf8),
        # the place columns as given, for an ``areas import`` to place the report by if this
        # gazetteer does not (names masked as the text is: a cell may hold anything; the grid code is
        # a code, kept as written: masking would take a long one for an id number)
        "given_grid": _given(f["grid_code"]),
        **{f"given_{k}": _given(pl.Series(mask_column(f[k]), dtype=pl.Utf8)) for k in ("county", "town", "village")},
    }, schema_overrides={"report_id": pl.Utf8, "channel": pl.Utf8, "source_id": pl.Utf8, "text": pl.Utf8,
                         "content_hash": pl.Utf8,  # typed even when no row is valid: an empty list is of no type
                         "area_code": pl.Utf8, "address": pl.Utf8, "title": pl.Utf8, "subject": pl.Utf8,
                         "reporter_key": pl.Utf8, "source_category": pl.Utf8, "given_grid": pl.Utf8,
                         "given_county": pl.Utf8, "given_town": pl.Utf8, "given_village": pl.Utf8, "extra": pl.Utf8})
    if "sheet" in f.columns:
        out = out.with_columns(f["sheet"])
    return out.with_columns(pl.lit(batch_id).alias("batch_id"), pl.lit(now).alias("ingested_at"))


def _given(cells: pl.Series) -> pl.Series:
    """A place column's cells stripped, blanks as nulls."""
    cells = cells.cast(pl.Utf8).str.strip_chars()
    return cells.set(cells == "", None)


def _areas(f: pl.DataFrame, matcher: AreaMatcher) -> list[str | None]:
    """Each row's area (``areas_of``) from its place columns, place, address, title and text."""
    return areas_of(matcher, *(f[k].to_list() for k in ("grid_code", "village", "town", "county")),
                    places=zip(f["place"].to_list(), f["address"].to_list()),
                    prose=zip(f["title"].to_list(), f["text"].to_list()))[0]


def areas_of(matcher: AreaMatcher, grid_codes, villages, towns, counties, *, places, prose
             ) -> tuple[list[str | None], list[bool]]:
    """Each row's area and whether its county column names another county (outside). The grid
    code or the county / town / village columns first (rows naming the same ones are resolved
    once: a county's exports repeat a few hundred names); else the places named in the row's
    place cells (``places``: per row, its place and address), then its ``prose`` (title, text).
    A row of another county has no area, not even one its text names. Ingest places the rows
    of a file so, and ``areas import`` the reports left without an area."""
    cache: dict[tuple, str | object | None] = {}
    codes, outside = [], []
    for explicit, cells, written in zip(zip(grid_codes, villages, towns, counties), places, prose):
        if explicit not in cache:
            cache[explicit] = _explicit_area(*explicit, matcher)
        area = cache[explicit]
        codes.append(None if area is OUTSIDE else area or matcher.resolve(*cells, prose=written))
        outside.append(area is OUTSIDE)
    return codes, outside


OUTSIDE = object()  # a row of another county: no area, not even one its text names


def _explicit_area(grid_code, village, town, county, matcher: AreaMatcher) -> str | object | None:
    """The area the grid code or the county / town / village columns give, None, or OUTSIDE when
    the county column names another county."""
    code = (grid_code or "")[:12]
    if code.isdigit() and matcher.known(code):
        return code
    for cell in (village, town, county):  # a code where a name was expected
        code = (cell or "").strip()
        if code.isdigit() and matcher.known(code):
            return code
    if matcher.outside_county(county):
        return OUTSIDE
    return matcher.resolve_names(county, town, village)


def dedupe(reports: pl.DataFrame, stored: pl.DataFrame, check: Checker) -> pl.DataFrame:
    """Drop second deliveries of the same record: within the file, and against stored reports."""
    first = reports.unique(subset="report_id", keep="first", maintain_order=True)
    origin = ["row_number", "row_hash"] + (["sheet"] if "sheet" in reports.columns else [])
    later = reports.join(first.select("report_id", *origin), on="report_id", suffix="_first") \
        .filter(pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}_first")) for c in origin if c != "row_hash"))
    for r in later.iter_rows(named=True):  # each names the row it repeats (the first with its id)
        same = r["row_hash"] == r["row_hash_first"]
        first_at = f"row {r['row_number_first']}" + (f" of sheet {r['sheet_first']!r}" if r.get("sheet_first") else "")
        check.rows.append({"batch_id": check.batch_id, "file_name": check.where(r.get("sheet")), "row_number": r["row_number"],
                           "column": None if same else check.columns.get("source_id"),
                           "kind": "duplicate" if same else "conflict",
                           "reason": f"same record as {first_at} above" if same else
                           f"id {r['source_id']} already used by {first_at} with other content",
                           "raw": r["raw"], "report_id": r["report_id"]})
    stored = stored.unique(subset="report_id", keep="first")  # one match per id, however it was asked
    stored = stored.rename({"batch_id": "loaded_by", "file_name": "loaded_from"}, strict=False)
    seen = first.join(stored, on="report_id", how="inner", suffix="_stored")
    named = "loaded_by" in seen.columns   # which batch loaded it, where the warehouse says
    compared = [c for c in COMPARED if c in seen.columns and f"{c}_stored" in seen.columns]
    differs = {c: pl.col(c).ne_missing(pl.col(f"{c}_stored")) for c in compared if c != "extra"}
    seen = seen.with_columns(pl.concat_list([pl.when(d).then(pl.lit(c)) for c, d in differs.items()])
                             .list.drop_nulls().alias("differs") if differs else pl.lit([], pl.List(pl.Utf8)).alias("differs"))
    if "extra" in compared:   # as values, not as text; a report stored before reports kept them compares without
        seen = seen.with_columns(pl.struct("differs", "extra", "extra_stored").map_elements(
            lambda r: r["differs"] + (["extra"] if _extra_differs(r["extra"], r["extra_stored"]) else []),
            return_dtype=pl.List(pl.Utf8)).alias("differs"))
    batch = (lambda r: f"batch {r['loaded_by']} ({r['loaded_from'] or 'file unknown'})") if named else (lambda r: "an earlier batch")
    check.reject(seen.filter(pl.col("row_hash") == pl.col("row_hash_stored")), None, "duplicate",
                 lambda r: f"already loaded by {batch(r)}", reads=("loaded_by", "loaded_from") if named else ())
    # Another row, the same report: a re-save that rewrote a date (2024/3/5 14:05 for 2024-03-05 14:05:00)
    # or the spacing of a cell. A duplicate, not a conflict to mend.
    rewritten = (pl.col("row_hash") != pl.col("row_hash_stored")) & (pl.col("differs").list.len() == 0) & pl.lit(bool(compared))
    check.reject(seen.filter(rewritten), None, "duplicate",
                 lambda r: f"already loaded by {batch(r)}, written otherwise (the same values)",
                 reads=("loaded_by", "loaded_from") if named else ())
    check.reject(seen.filter((pl.col("row_hash") != pl.col("row_hash_stored")) & ~rewritten), "source_id", "conflict",
                 lambda r: f"id already loaded by {batch(r)} with other content"
                           + (f" ({', '.join(_shown_field(f, check, r) for f in r['differs'])} differ)" if r["differs"] else ""),
                 reads=("loaded_by", "loaded_from", "differs", *(f"{c}" for c in compared), *(f"{c}_stored" for c in compared)))
    return first.join(stored.select("report_id"), on="report_id", how="anti")


# What a second delivery of a stored report is compared by, where its row differs: the fields a
# report keeps from its row (a re-save that only rewrote a date's format is the same record).
COMPARED = ("received_at", "title", "text", "address", "subject", "people_count", "source_category", "reporter_key",
            "given_grid", "given_county", "given_town", "given_village", "extra")


def _extra_differs(new: str | None, stored: str | None) -> bool:
    """Whether two reports' extra cells differ as values (the same cells in another column order do
    not); a report stored before reports kept them (NULL) is not compared by them."""
    if stored is None:
        return False
    return json.loads(new or "{}") != json.loads(stored)


def _shown_field(field: str, check: "Checker", r: dict) -> str:
    """A differing field as the file names it: its column, or for ``extra`` the columns that differ."""
    if field == "extra":
        new, old = (json.loads(r.get(k) or "{}") for k in ("extra", "extra_stored"))
        return ", ".join(k for k in dict.fromkeys([*new, *old]) if new.get(k) != old.get(k))
    if field == "reporter_key":   # the reporter's phone or ID number, by whichever column gave it
        return "/".join(check.columns[f] for f in ("phone", "id_number", "account") if f in check.columns) or field
    if field.startswith("given_"):
        return check.columns.get({"given_grid": "grid_code"}.get(field, field.removeprefix("given_")), field)
    return check.columns.get(field, field)


def link_near_duplicates(reports: pl.DataFrame, stored_first: pl.DataFrame) -> pl.DataFrame:
    """Each report whose text was seen before points at the earliest report with that text."""
    ordered = reports.sort("received_at", "report_id")
    in_batch = ordered.group_by("content_hash", maintain_order=True).agg(pl.col("report_id").first().alias("batch_first"))
    out = ordered.join(in_batch, on="content_hash", how="left").join(stored_first, on="content_hash", how="left")
    first = pl.coalesce("first_report", "batch_first")
    return out.with_columns(pl.when(first != pl.col("report_id")).then(first).otherwise(None)
                            .alias("near_duplicate_of")).drop("batch_first", "first_report")
