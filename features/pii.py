"""Mask personal numbers in free text and hash reporter identifiers.

Runs over every ingested text, so the patterns are compiled once and a cheap guard (a run of
seven digits, spaces or dashes allowed between them, or the name of an identity document) skips the
many texts that hold no such number.
``\\d`` is Unicode-aware on purpose: full-width and other-script digits are masked too.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

import polars as pl

PHONE, LANDLINE, ID_CARD, BANK_CARD = "[手机号]", "[电话]", "[身份证号]", "[银行卡号]"
TRAVEL_DOCUMENT = "[证件号]"
MASKS = (PHONE, LANDLINE, ID_CARD, BANK_CARD, TRAVEL_DOCUMENT)  # every placeholder mask_pii writes

# What people put between the digits of one number: spaces, ASCII hyphens and the dashes and
# full-width hyphen a Chinese input method types (138－1234－5678, 0591—87654321). Not dots: digits
# between dots are mostly dates (1958.10-1985.9, 2019.10.01–2020.12.31), so a dotted number is
# only a mobile number in groups of 3-4-4.
_SEP = r"\s\-\u2010-\u2015\u2212\uff0d"
# Names of identity documents whose numbers only the name before them tells apart (``_DOCUMENT``).
_DOCUMENT_WORDS = "护照|通行证|回乡证|台胞证|居住证|证件|身份证"
_GUARD = re.compile(rf"\d(?:[{_SEP}./／]?\d){{6}}|{_DOCUMENT_WORDS}")
# Ungrouped long numbers are classified in code: 18 digits with a birth date are an ID card,
# otherwise a bank card; the X form comes first so that 17 digits + X is not read as 17 digits
# (full-width Ｘ too: read as 17 digits after "tel", the number was kept as a work-order id).
_LONG = re.compile(r"(?<!\d)(?:\d{17}[XxＸｘ]|\d{15,19})(?!\d)")
# ID numbers written in groups (110101 19900307 123X, 110101-1990-0307-123X): the grouping itself
# says what it is, so no birth-date check (nor a check of the letters around it: "ID" or "tel" glued
# to it does not make it less of an ID number); the pure 18-digit form is handled by _LONG.
# (6-8-4, 6-4-4-4, 6-6-6: any grouping after the six digits of the place)
_ID_GROUPED = re.compile(rf"(?<!\d)\d{{6}}[{_SEP}](?:[{_SEP}]?\d){{11}}[{_SEP}]?[\dXxＸｘ](?!\d)")
# A bank card in groups (4-4-4-4, 6-13, …): 16 to 19 digits, counted in _bank_card.
_BANK_GROUPED = re.compile(rf"(?<![\dA-Za-z])\d{{4,6}}(?:[{_SEP}]?\d){{10,15}}(?!\d)")
# Literal digits also accept their full-width forms (１３８…), which \d alone would not cover here.
# A mobile number however its eleven digits are grouped (138 1234 5678, 1381 2345 678, 13812 345678,
# 138－1234－5678, 1 3 8 1 2 3 4 5 6 7 8), or in groups of 3-4-4 with dots or slashes (138.1234.5678).
_MOBILE = re.compile(rf"(?<!\d)(?:(?:[+＋]|00)?86[{_SEP}]?)?(?:[1１][{_SEP}]?[3-9３-９](?:[{_SEP}]?\d){{9}}"
                     r"|[1１][3-9３-９]\d([./／])\d{4}\1\d{4})(?!\d)")
# A landline: area code and a local number of 7-8 digits, which may itself be split 4-4 (0791 8812 3456).
_LANDLINE = re.compile(rf"(?<![\dA-Za-z])(?:[(（][0０]\d{{2,3}}[)）]\s?|[0０]\d{{2,3}}[{_SEP}]?)(?:\d{{7,8}}|\d{{3,4}}[{_SEP}]\d{{4}})(?!\d)")
# A local number without its area code is an ordinary number unless a word says it is a telephone.
_LOCAL_LANDLINE = re.compile(rf"(电话|固话|座机|联系方式|号码)([:：\s]*)(?<!\d)\d{{3,4}}[{_SEP}]?\d{{4}}(?![\d\-.])")
# Identity documents other than the mainland ID card have short numbers that only a word before them
# tells from a model or order number: passports (E12345678), the Hong Kong and Macau pass
# (C12345678, W12345678, CA1234567), the home-return and Taiwan compatriot permits (H12345678,
# 12345678), a Hong Kong or Macau identity card (A123456(7), 1234567(8)).
_DOCUMENT = re.compile(rf"({_DOCUMENT_WORDS})((?:号码|号)?[^\dA-Za-z]{{0,6}})"
                       r"(?<![A-Za-z])(?:[A-Za-z]{1,2}\d{6,9}|\d{7,8})(?:[(（][\dA-Za-z][)）])?(?![\dA-Za-z])")
# Words that say a number is a card's, so a card number glued to letters (card6222…) still goes.
_CARD_WORDS = ("卡号", "银行卡", "信用卡", "储蓄卡", "账号", "帐号", "card", "Card", "CARD")
_BIRTH_DATE = re.compile(r"(?:18|19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
_OLD_BIRTH_DATE = re.compile(r"\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")


# What mask_pii can change, as one pattern in the regex dialect polars speaks (Rust's: no look-around,
# no back-reference): each of the patterns above without its look-arounds, or a shorter piece every
# match of it holds. A cell it does not match is returned by mask_pii unchanged, so a column is
# screened at once and only the few cells that hold a long number go through mask_pii (a column of
# ids or dates passes the seven-digit _GUARD in every cell). Python's \s also takes \x1c-\x1f,
# Rust's does not: they are added. tests/features/test_pii.py checks that it is a superset.
_S = r"\s\x1c-\x1f\u2010-\u2015\u2212\uff0d"  # and the dashes of _SEP
MAY_HOLD_PII = "|".join((
    rf"\d(?:[{_S}\-.]?\d){{14}}",                                          # _LONG, _ID_GROUPED, _BANK_GROUPED
    rf"[1１][{_S}\-.]?[3-9３-９](?:[{_S}\-.]?\d){{9}}",                        # _MOBILE, however grouped
    r"[1１][3-9３-９]\d[./／]\d{4}[./／]\d{4}",                                 # _MOBILE with dots, slashes
    # _LANDLINE, its look-behind written as "the start or another character" (else every id or
    # timestamp with a 0 inside a long digit run would be screened in)
    rf"(?:^|[^\dA-Za-z])(?:[(（][0０]\d{{2,3}}[)）][{_S}]?|[0０]\d{{2,3}}[{_S}\-]?)(?:\d{{7,8}}|\d{{3,4}}[{_S}\-]\d{{4}})",
    rf"(?:电话|固话|座机|联系方式|号码)[:：{_S}]*\d{{3,4}}[{_S}\-]?\d{{4}}",       # _LOCAL_LANDLINE
    rf"(?:{_DOCUMENT_WORDS})\D{{0,10}}\d{{6}}",                                    # _DOCUMENT
))


def mask_column(cells) -> list:
    """mask_pii over a column's cells (None and empty cells kept): screened at once by polars with
    MAY_HOLD_PII; the cells it finds go through mask_pii, each distinct value once."""
    cells = list(cells)
    found = pl.Series(cells, dtype=pl.Utf8).str.contains(MAY_HOLD_PII).fill_null(False)
    masked: dict[str, str] = {}
    for i in found.arg_true().to_list():
        value = cells[i]
        if value not in masked:
            masked[value] = mask_pii(value)
        cells[i] = masked[value]
    return cells


def mask_pii(text: str) -> str:
    """Replace mobile, landline, ID-card and bank-card numbers by placeholders; idempotent."""
    if not _GUARD.search(text):
        return text
    # A second pass only matters in contrived overlaps; looping to a fixed point makes
    # mask_pii(mask_pii(x)) == mask_pii(x) hold by construction, not by argument.
    for _ in range(3):
        masked = _mask_once(text)
        if masked == text:
            break
        text = masked
        if not _GUARD.search(text):
            break  # every pattern needs what the guard looks for: another pass would change nothing
    return text


def _mask_once(text: str) -> str:
    text = _LONG.sub(_classify_long, text)
    text = _ID_GROUPED.sub(ID_CARD, text)
    text = _BANK_GROUPED.sub(_bank_card, text)
    text = _MOBILE.sub(PHONE, text)
    text = _LANDLINE.sub(LANDLINE, text)
    text = _DOCUMENT.sub(lambda m: m[1] + m[2] + TRAVEL_DOCUMENT, text)  # before 号码 reads it as a telephone
    return _LOCAL_LANDLINE.sub(lambda m: m[1] + m[2] + LANDLINE, text)


def _classify_long(match: re.Match[str]) -> str:
    """Placeholder for a 15–19 digit run; letter-prefixed runs are work-order ids, kept if we may."""
    digits = match.group()
    before = match.string[match.start() - 1 : match.start()]
    letter_prefixed = before.isascii() and before.isalpha()
    if len(digits) == 18:
        # Every 18-digit run goes: a raw ID number must never survive, whatever precedes it.
        is_id = not digits[-1].isdigit() or _BIRTH_DATE.fullmatch(_ascii(digits[6:14]))
        return ID_CARD if is_id else BANK_CARD
    if letter_prefixed and not (16 <= len(digits) <= 19 and _card_like(match)):
        return digits
    if len(digits) == 15:
        return ID_CARD if _OLD_BIRTH_DATE.fullmatch(_ascii(digits[6:12])) else digits
    return BANK_CARD


def _card_like(match: re.Match[str]) -> bool:
    """A letter-prefixed run of 16–19 digits (a work-order id, usually) is a bank card when its
    check digit is right and it starts as bank cards do (62 UnionPay, 4 Visa, 51–55 Mastercard), or
    when a word just before it says it is a card's number (银行卡card6222…)."""
    digits = _ascii(match.group())
    before = match.string[max(0, match.start() - 12): match.start()]
    if any(word in before for word in _CARD_WORDS):
        return True
    return _luhn(digits) and (digits.startswith(("62", "4")) or digits[:2] in {"51", "52", "53", "54", "55"})


def _luhn(digits: str) -> bool:
    """The Luhn check of a card number (ISO/IEC 7812)."""
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _bank_card(match: re.Match[str]) -> str:
    """A grouped number of 16 to 19 digits is a bank card — or, led by a 0, telephone numbers in a
    row (0731-8888-8888-1234: an area code, a number and an extension); other lengths are left to
    the other patterns."""
    number = match.group()
    if not 16 <= sum(c.isdigit() for c in number) <= 19:
        return number
    return LANDLINE if _ascii(number[0]) == "0" else BANK_CARD


def _ascii(digits: str) -> str:
    """Other-script digits as ASCII, so that the date check sees what a reader sees."""
    return "".join(str(unicodedata.digit(c, 0)) if not c.isascii() else c for c in digits)


_SEPARATORS = re.compile(r"[\s\-()+]")
_ID_FORM = re.compile(r"\d{17}[\dX]|\d{15}")
_NON_DIGIT = re.compile(r"\D")
_PREFIXED_MOBILE = re.compile(r"(?:0086|86)1[3-9]\d{9}")
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?E[+-]?\d+")


def reporter_key(salt: str, *identifiers: str | None, account: str | None = None) -> str | None:
    """Salted sha256 (32 hex chars) of the first usable phone or ID number, else of the ``account``
    a message board names its writer by (留言用户 A00074011: one writer's messages meet, and never
    meet a phone's); None if there is none."""
    for identifier in identifiers:
        key = _identifier_key(identifier or "")
        if key:
            return hashlib.sha256(f"{salt}\x1f{key}".encode("utf-8")).hexdigest()[:32]
    handle = _SEPARATORS.sub("", unicodedata.normalize("NFKC", account or "")).upper()
    if len(handle) >= 4 and handle not in _NO_ACCOUNT:
        return hashlib.sha256(f"{salt}\x1faccount\x1f{handle}".encode("utf-8")).hexdigest()[:32]
    return None


# Account cells that name nobody: a board's placeholder for writers who gave none (shorter ones,
# 网友 or 游客, are under the length an account needs).
_NO_ACCOUNT = {"匿名用户", "匿名网友", "匿名市民", "热心市民", "热心网友", "微信用户", "手机用户", "未登录用户",
               "NONE", "NULL", "ANONYMOUS", "GUEST"}


def _identifier_key(identifier: str) -> str:
    """The canonical form: ID numbers with an uppercase X, phones as bare digits without +86."""
    text = unicodedata.normalize("NFKC", identifier).strip().upper()
    compact = _SEPARATORS.sub("", text)
    if _ID_FORM.fullmatch(compact):
        return compact
    if _SCIENTIFIC.fullmatch(compact):
        # 3.69901E+17: Excel showed a long number as a float and kept six digits of it; what is left
        # is shared by every ID number of a province's prefecture, so it recognises nobody
        return ""
    digits = _NON_DIGIT.sub("", text)
    if _PREFIXED_MOBILE.fullmatch(digits):
        digits = digits[-11:]
    # Fewer than 7 digits is a placeholder such as 0, 无 or 123, not a way to recognise anyone.
    return digits if len(digits) >= 7 else ""
