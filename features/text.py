"""Text normalisation shared by every feature: one canonical form before hashing or segmenting."""
from __future__ import annotations

import hashlib
import re
import unicodedata

# Zero-width and format characters that copy-paste from WeChat and Word leaves inside words;
# they would split a word in two for jieba and make identical texts hash differently.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)
# Only ASCII letters are lowercased: str.lower() would also fold other scripts (and 'İ' grows a char).
_ASCII_LOWER = {ord(c): ord(c.lower()) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
_WHITESPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), no invisible chars, single spaces, lowercase ASCII letters.

    Chinese punctuation without a half-width twin (、。「」《》) is kept; NFKC turns ，！？：；（）
    into their ASCII forms. The PII placeholders ([手机号] …) survive unchanged.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text.translate(_INVISIBLE)).translate(_ASCII_LOWER)
    # Dropping an invisible char or lowercasing a letter can bring a combining mark next to a base
    # it composes with (e + ZWSP + ◌́ → é, J◌̌ → j◌̌ → ǰ): normalise again, or a second call would.
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return _WHITESPACE.sub(" ", text).strip()


def content_hash(text: str) -> str:
    """sha1 of the normalised text without any whitespace: spacing and width do not change it."""
    compact = _WHITESPACE.sub("", normalize(text))
    return hashlib.sha1(compact.encode("utf-8")).hexdigest()
