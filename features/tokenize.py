"""Segment report text into tokens with jieba, the domain dictionary and the stop words.

Usage: ``RiskTokenizer().tokenize("拖欠农民工工资46800元")`` → ``["拖欠", "农民工工资", "<num>", "元"]``.
"""
from __future__ import annotations

import hashlib
import logging
import multiprocessing
import re
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from importlib import resources

import jieba

from features.text import normalize

# Bump whenever tokenize() changes its output for the same text: it is part of `version`,
# the key of the token cache, so cached tokens of an older behaviour are not reused.
CODE_VERSION = "1"
NUM = "<num>"
PARALLEL_MIN_TEXTS = 2000

# Placeholders and numbers are cut out before jieba sees the text: jieba would split "[手机号]"
# into three tokens and "1,200" at the comma. A number glued after a latin letter (p2p,
# gd2025…) is left to jieba so that such words stay whole.
_PROTECTED = re.compile(r"(\[(?:手机号|电话|身份证号|银行卡号)\])|(?<![a-z0-9.])([0-9]+(?:[.,][0-9]+)*)")
_PUNCTUATION = re.compile(r"[\W_]+")
_DICT_LINE = re.compile(r"^(\S+)(?:\s+(\d+))?(?:\s+([a-z]+))?$")


class RiskTokenizer:
    """jieba segmentation with the domain dictionary; picklable, initialised lazily per process."""

    def __init__(self, extra_words: Iterable[str] = (), hmm: bool = True) -> None:
        self.extra_words = tuple(sorted({normalize(w) for w in extra_words if w.strip()}))
        self.hmm = hmm
        self._dictionary = _package_text("dict.txt")
        self._stopwords = frozenset(_package_text("stopwords.txt").split())
        self._keep_numbers = frozenset(w for w in self._words() if w.isdigit())
        self._jieba: jieba.Tokenizer | None = None
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        """Short id of dictionary + stop words + code + options: the token-cache key."""
        parts = [CODE_VERSION, jieba.__version__, str(self.hmm), self._dictionary,
                 "\n".join(sorted(self._stopwords)), "\n".join(self.extra_words)]
        return "jieba-" + hashlib.sha1("\x1e".join(parts).encode("utf-8")).hexdigest()[:10]

    def tokenize(self, text: str) -> list[str]:
        """Normalised tokens without stop words or punctuation; numbers become <num>."""
        tokens: list[str] = []
        text = normalize(text)
        start = 0
        for match in _PROTECTED.finditer(text):
            tokens.extend(self._segment(text[start : match.start()]))
            tokens.append(self._protected_token(match))
            start = match.end()
        tokens.extend(self._segment(text[start:]))
        return tokens

    def tokenize_many(self, texts: Sequence[str], workers: int = 1) -> list[list[str]]:
        """tokenize() over many texts; big inputs are spread over `workers` processes."""
        if workers <= 1 or len(texts) < PARALLEL_MIN_TEXTS:
            return [self.tokenize(text) for text in texts]
        size = max(250, -(-len(texts) // (workers * 4)))
        chunks = [list(texts[i : i + size]) for i in range(0, len(texts), size)]
        # spawn, not fork: flows run tasks in threads, and a child forked while another thread
        # holds jieba's or the logging lock would hang forever.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(self,)) as pool:
            return [tokens for chunk in pool.map(_tokenize_chunk, chunks) for tokens in chunk]

    def _segment(self, text: str) -> list[str]:
        if not text:
            return []
        pieces = self._segmenter().cut(text, HMM=self.hmm)
        return [p for p in pieces if p not in self._stopwords and not _PUNCTUATION.fullmatch(p)]

    def _protected_token(self, match: re.Match[str]) -> str:
        placeholder, number = match.groups()
        if placeholder:
            return placeholder
        return number if number in self._keep_numbers else NUM

    def _segmenter(self) -> jieba.Tokenizer:
        # Building jieba's prefix dict takes about a second: done on first use, once per process.
        if self._jieba is None:
            with self._lock:
                if self._jieba is None:
                    self._jieba = self._build()
        return self._jieba

    def _build(self) -> jieba.Tokenizer:
        jieba.setLogLevel(logging.WARNING)
        segmenter = jieba.Tokenizer()
        segmenter.initialize()
        for line in self._dictionary.splitlines():
            match = _DICT_LINE.match(line.strip())
            if match:
                word, freq, tag = match.groups()
                segmenter.add_word(word, int(freq) if freq else None, tag)
        for word in self.extra_words:
            segmenter.add_word(word)
        return segmenter

    def _words(self) -> list[str]:
        return [line.split()[0] for line in self._dictionary.splitlines() if line.strip()]

    def __getstate__(self) -> dict:
        # A jieba.Tokenizer holds a lock and cannot be pickled; each process builds its own.
        state = self.__dict__.copy()
        state["_jieba"] = None
        del state["_lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()


def _package_text(name: str) -> str:
    # Anchored on the data package, not on `features`: under pytest `features` resolves to a
    # namespace package holding tests/features, where no data files are.
    return (resources.files("features.data") / name).read_text(encoding="utf-8")


# One tokenizer per worker process, set by the pool's initializer so that jieba is built once
# per process rather than once per chunk.
_worker_tokenizer: RiskTokenizer | None = None


def _init_worker(tokenizer: RiskTokenizer) -> None:
    global _worker_tokenizer
    _worker_tokenizer = tokenizer


def _tokenize_chunk(texts: list[str]) -> list[list[str]]:
    assert _worker_tokenizer is not None, "worker used without _init_worker"
    return [_worker_tokenizer.tokenize(text) for text in texts]
