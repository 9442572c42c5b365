"""After the demo's steps (sample, areas, ingest, retrain, weekly), no raw phone, ID-card or bank-card
number is left anywhere a person could read it: every text column of the warehouse and of the
board's snapshot, the xlsx briefs and the log files under $SHAOBING_HOME.

The sample generator plants such numbers in the raw texts (pipelines/sample/texts.py, pii_tail); the
scan first proves it finds them there, or it would prove nothing."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipelines.sources import read_raw

pytestmark = pytest.mark.slow  # builds (or reuses) the session's small warehouse: about a minute

MOBILE = re.compile(r"(?<!\d)(?<!\d\.)1[3-9]\d(?:[\s\-]?\d{4}){2}(?!\d)")
ID_CARD = re.compile(r"(?<!\d)(?<!\d\.)\d{6}[\s\-]?(?:18|19|20)\d{2}[\s\-]?\d{4}[\s\-]?\d{3}[\dXx](?![\dA-Za-z])")
LONG = re.compile(r"(?<!\d)(?<!\d\.)\d(?:[\s\-]?\d){14,18}(?![\d.])")
HEX = re.compile(r"(?<![0-9a-z])[0-9a-f]{32,}(?![0-9a-z])")  # content hashes, reporter keys: not numbers
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_checksum_ok(number: str) -> bool:
    body = number[:17]
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS)) % 11] == number[17].upper()


def luhn_ok(number: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(number)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def numbers(text: str, planted: set[str] = frozenset()) -> dict[str, list[str]]:
    """Raw personal numbers in a text: mobiles, ID numbers with a valid check digit, 16–19 digit
    card numbers passing Luhn, and any number that was planted in the raw sample."""
    plain = HEX.sub(" ", unicodedata.normalize("NFKC", text))
    compact = lambda m: re.sub(r"[\s\-]", "", m)  # noqa: E731
    found = {"mobile": [compact(m) for m in MOBILE.findall(plain)],
             "id_card": [n for n in map(compact, ID_CARD.findall(plain)) if id_checksum_ok(n)],
             "bank_card": [n for n in map(compact, LONG.findall(plain)) if 16 <= len(n) <= 19 and luhn_ok(n)]}
    runs = {compact(m) for m in re.findall(r"\d(?:[\s\-]?\d)*[Xx]?", plain)} | set(re.findall(r"\d+[Xx]?", plain))
    found["planted"] = sorted(runs & planted)
    return {k: v for k, v in found.items() if v}


@pytest.fixture(scope="module")
def raw_sample(small_warehouse) -> dict:
    """The numbers the generator planted in the sample the small warehouse was built from."""
    sample = small_warehouse.parent / "sample"
    texts, identifiers = [], set()
    for name in ("hotline.csv", "petitions.xlsx", "grid.jsonl"):
        raw = read_raw(sample / name)
        for row in raw.rows:
            cells = dict(zip(raw.header, row))
            identifiers |= {cells[c].upper() for c in ("来电号码", "联系电话", "身份证号") if cells.get(c)}
            texts += [v for k, v in cells.items() if v and k in ("诉求内容", "诉求标题", "信访事项", "description")]
    in_texts = [numbers(t) for t in texts]
    planted = identifiers | {n for found in in_texts for kind in ("mobile", "id_card") for n in found.get(kind, [])}
    # bank cards as the generator writes them (random digits: most fail Luhn) after 卡号, 工资卡 …
    banks = {m for t in texts for m in re.findall(r"(?:工资卡|银行卡号|卡号：|收款账户)(\d{16,19})(?!\d)", t)}
    return {"texts": in_texts, "planted": planted | banks, "banks": banks}


def test_the_raw_sample_has_numbers_to_find(raw_sample):
    """Without planted numbers the scans below would pass for nothing."""
    kinds = [k for found in raw_sample["texts"] for k in found]
    assert kinds.count("mobile") >= 10, "the raw sample's texts hold (almost) no phone numbers"
    assert kinds.count("id_card") >= 3, "the raw sample's texts hold no ID-card numbers"
    assert len(raw_sample["banks"]) >= 3, "the raw sample's texts hold no bank-card numbers"
    assert len(raw_sample["planted"]) > 500  # the callers' phones and the petitioners' IDs too


def database_texts(path: Path):
    """(table.column, value) for every text, list and JSON cell of every table in a DuckDB file."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        columns = con.sql("""select table_name, column_name from information_schema.columns
                             where data_type like '%VARCHAR%' or data_type like '%[]' or data_type = 'JSON'
                                or data_type like 'STRUCT%' or data_type like 'MAP%'""").fetchall()
        assert columns
        for table, column in columns:
            for (value,) in con.sql(f'select distinct "{column}"::varchar from "{table}" where "{column}" is not null').fetchall():
                yield f"{path.name}:{table}.{column}", value
    finally:
        con.close()


def brief_texts(home: Path):
    briefs = sorted((home / "briefs").glob("*.xlsx"))
    assert briefs, "the weekly run wrote no brief"
    for brief in briefs:
        book = openpyxl.load_workbook(brief, read_only=True)
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                for value in row:
                    if value is not None:
                        yield f"{brief.name}:{sheet.title}", str(value)
        book.close()


def log_texts(home: Path):
    logs = {p for p in home.rglob("*") if p.is_file() and (p.suffix in (".log", ".out", ".err", ".txt")
                                                           or p.parent.name in ("logs", "jobs"))}
    for path in sorted(logs):
        yield str(path.relative_to(home)), path.read_text(encoding="utf-8", errors="replace")


def leaks(items, planted) -> list:
    return [(where, found, value[:200]) for where, value in items if (found := numbers(value, planted))]


def test_the_warehouse_holds_no_raw_personal_number(small_warehouse, raw_sample):
    stored = list(database_texts(small_warehouse / "warehouse.duckdb"))
    assert any(where.endswith("reports.text") for where, _ in stored)
    assert any("[手机号]" in v for _, v in stored), "no masked phone number stored: was anything masked?"
    assert not leaks(stored, raw_sample["planted"])


def test_the_board_snapshot_holds_no_raw_personal_number(small_warehouse, raw_sample):
    assert not leaks(database_texts(small_warehouse / "board.duckdb"), raw_sample["planted"])


def test_the_briefs_and_the_logs_hold_no_raw_personal_number(small_warehouse, raw_sample):
    assert not leaks(brief_texts(small_warehouse), raw_sample["planted"])
    assert not leaks(log_texts(small_warehouse), raw_sample["planted"])


def test_the_scan_would_see_a_leak():
    assert numbers("请回电13812345678") == {"mobile": ["13812345678"]}
    assert numbers("身份证 360102 19900101 123X")["id_card"] == ["36010219900101123X"]
    assert numbers("卡号6222021234567890123", {"6222021234567890123"})["planted"] == ["6222021234567890123"]
    assert numbers("4111111111111111")["bank_card"] == ["4111111111111111"]
    assert not numbers("概率 0.81234567890123456，哈希 9f2c4a13812345678beef0123456789abcdef0123")
