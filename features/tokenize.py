"""Segment report text into tokens with jieba, the domain dictionary and the stop words.

Usage: ``RiskTokenizer().tokenize("拖欠农民工工资46800元")`` → ``["拖欠", "农民工工资", "<num>", "元"]``.

Two engines run jieba's algorithm (prefix dictionary DAG, max-probability route, HMM for unknown
words) on jieba's dictionary plus ours: ``rjieba`` (the default), the Python binding of jieba-rs,
about 14x faster per cut than ``jieba``, the Python reference. Their tokens agree except on a few dozen
in a million (routes that score within a hair, such as 胜利路 / 胜利 路: re-adding a dictionary word,
jieba-rs takes its old frequency out of the total and Python jieba does not; measured on real
messages): a model trained on one scores the other's tokens as well.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import multiprocessing
import re
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from importlib import resources

import jieba

from features.pii import MASKS
from features.text import normalize

# Bump whenever tokenize() changes its output for the same text: it is part of `version`,
# the key of the token cache, so cached tokens of an older behaviour are not reused.
CODE_VERSION = "2"
SEGMENTERS = ("rjieba", "jieba")
NUM = "<num>"
# The tokens that stand in for a number or a masked one: features for a model, never words to show.
PLACEHOLDERS = (NUM, *MASKS)
# Words of how a report travels, not of what it is about (来电人反映, 已上报街道, 派出所通报, 问题发生):
# hotline and grid texts are full of them. They weigh in the score; a term holding one is not shown
# as a reason. (Not 信息 or 登记: 个人信息泄露 and 不动产登记 say what a report is about.)
PROCESS_WORDS = ("反映", "上报", "通报", "发生", "开展", "回访", "跟踪", "来电", "诉求", "核实")
# Words of how much, how often and when, which say nothing of what a report is about: a term holding
# one is no reason to show (墙面到处, 发过几次, 几次生活费, 一共 as analysts met them). Shown only: the
# model still reads them.
FILLER_WORDS = ("到处", "一共", "总共", "共计", "当日", "当天", "几次", "今天", "昨天", "前天", "目前",
                "现在", "已经", "然后", "一下")
# How exports write a withheld name (刘某某, 某某公司): a term holding it names no reason either.
WITHHELD_NAME = "某某"
PARALLEL_MIN_TEXTS = 2000

# Placeholders and numbers are cut out before jieba sees the text: jieba would split "[手机号]"
# into three tokens and "1,200" at the comma. A number glued after a latin letter (p2p,
# gd2025…) is left to jieba so that such words stay whole.
# (CODE_VERSION was not bumped when [证件号] joined the masks: no text masked before holds it, so
# no cached tokens of a stored text change.)
_PROTECTED = re.compile("(" + "|".join(map(re.escape, MASKS)) + r")|(?<![a-z0-9.])([0-9]+(?:[.,][0-9]+)*)")
_PUNCTUATION = re.compile(r"[\W_]+")
_DICT_LINE = re.compile(r"^(\S+)(?:\s+(\d+))?(?:\s+([a-z]+))?$")


def shown_term(term: str) -> bool:
    """Whether a term may be shown to people as a reason: not a placeholder, nor an n-gram holding
    one, with or without its space (一共 <num>, 一共<num>), nor a single character (坏, 当, 投, 苑:
    alone, a character reads as a broken word; it still weighs in the score), nor one holding a word
    of how reports travel (``PROCESS_WORDS``: 业主反映, 上报街道), a filler word (``FILLER_WORDS``:
    到处, 几次) or a withheld name (某某, 刘某某)."""
    return (len(term.replace(" ", "")) >= 2 and not any(p in term for p in PLACEHOLDERS)
            and not any(w in term for w in PROCESS_WORDS) and not any(w in term for w in FILLER_WORDS)
            and WITHHELD_NAME not in term)


_PARTICLES = frozenset("的了地得着过之")   # may stand inside a word pair shown glued (银行的贷款 → 银行贷款)


def written_together(ngram: str, text: str) -> bool:
    """Whether the words of a word pair (space-separated) stand next to each other in the
    (normalised) text, or with one particle between them (银行的贷款 for 银行 贷款, 挡住了采光 for
    挡住 采光): the tokens leave stop words and marks out, so the words of a pair may have been
    apart (有人 家里 from 有人说，家里; 业务员 小区 from 业务员到小区). A single word is always written."""
    words = ngram.split(" ")
    if len(words) < 2:
        return True
    first, rest = words[0], words[1:]
    at = text.find(first)
    while at >= 0:
        if _follows(text, at + len(first), rest):
            return True
        at = text.find(first, at + 1)
    return False


def _follows(text: str, pos: int, words: list[str]) -> bool:
    """Whether ``words`` stand at ``pos`` of the text one after the other (a particle allowed
    between each, as in ``written_together``)."""
    if not words:
        return True
    for gap in (0, 1):
        start = pos + gap
        if gap and text[pos:pos + 1] not in _PARTICLES:
            break
        if text.startswith(words[0], start) and _follows(text, start + len(words[0]), words[1:]):
            return True
    return False


def shown_ngram(ngram: str) -> bool:
    """Whether a model's word n-gram (its words space-separated) may be shown as a reason, written
    without its spaces: ``shown_term`` (so not a one-character word alone), and each word of a
    several-word n-gram has two characters or more — glued to its neighbour, a one-character word
    reads as a broken word (房东 拒 → 房东拒, 要 还 → 要还, 听 朋友 → 听朋友), and the two words
    need not have been next to each other in the text (a stop word or a mark between them is gone)."""
    words = ngram.split(" ")
    return shown_term(ngram) and (len(words) == 1 or all(len(w) >= 2 for w in words))


class RiskTokenizer:
    """jieba segmentation with the domain dictionary; picklable, initialised lazily per process."""

    def __init__(self, extra_words: Iterable[str] = (), hmm: bool = True, segmenter: str = "rjieba") -> None:
        if segmenter not in SEGMENTERS:
            raise ValueError(f"segmenter {segmenter!r}: expected one of {', '.join(SEGMENTERS)}")
        self.extra_words = tuple(sorted({normalize(w) for w in extra_words if w.strip()}))
        self.hmm = hmm
        self.segmenter = segmenter
        self._dictionary = _package_text("dict.txt")
        self._stopwords = frozenset(_package_text("stopwords.txt").split())
        self._drop = {w for w in self._stopwords if w.isalnum()}  # and punctuation pieces, as met
        self._keep_numbers = frozenset(w for w in self._words() if w.isdigit())
        self._cut = None  # the engine's cut(text, hmm), built on first use
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        """Short id of dictionary + stop words + code + options: the token-cache key."""
        parts = [CODE_VERSION, importlib.metadata.version(self.segmenter), str(self.hmm), self._dictionary,
                 "\n".join(sorted(self._stopwords)), "\n".join(self.extra_words)]
        return f"{self.segmenter}-" + hashlib.sha1("\x1e".join(parts).encode("utf-8")).hexdigest()[:10]

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
        # Pieces dropped whole: stop words that are words, and punctuation pieces met before (，。
        # and a few more make nearly all of them). Most texts then need no loop in Python.
        drop = self._drop
        kept = [piece for piece in self._segmenter()(text, self.hmm) if piece not in drop]
        if all(map(str.isalnum, kept)):  # words, Chinese or latin
            return kept
        tokens = []
        for piece in kept:
            if piece.isalnum():
                tokens.append(piece)
            elif _PUNCTUATION.fullmatch(piece):
                if len(piece) <= 4:
                    drop.add(piece)
            else:
                # A word with marks inside: jieba-rs keeps "baidu.com" and "e-mail" whole where
                # Python jieba cuts them at the mark; cut here, both engines give the same words.
                tokens.extend(p for p in _PUNCTUATION.split(piece) if p and p not in self._stopwords)
        return tokens

    def _protected_token(self, match: re.Match[str]) -> str:
        placeholder, number = match.groups()
        if placeholder:
            return placeholder
        return number if number in self._keep_numbers else NUM

    def _segmenter(self):
        """cut(text, hmm) -> pieces. Building the prefix dictionary takes 0.2 s (rjieba) to 1 s
        (jieba): done on first use, once per process."""
        if self._cut is None:
            with self._lock:
                if self._cut is None:
                    self._cut = self._build()
        return self._cut

    def _build(self):
        if self.segmenter == "rjieba":
            import rjieba

            engine = rjieba.Jieba()  # its own dictionary: jieba's, embedded
            cut = engine.cut
        else:
            jieba.setLogLevel(logging.WARNING)
            engine = jieba.Tokenizer()  # its own dictionary, never the global one
            engine.initialize()

            def cut(text: str, hmm: bool) -> list[str]:
                return engine.lcut(text, HMM=hmm)
        for line in self._dictionary.splitlines():
            match = _DICT_LINE.match(line.strip())
            if match:
                word, freq, tag = match.groups()
                engine.add_word(word, int(freq) if freq else None, tag)
        for word in self.extra_words:
            engine.add_word(word, None, None)
        return cut

    def _words(self) -> list[str]:
        return [line.split()[0] for line in self._dictionary.splitlines() if line.strip()]

    def __getstate__(self) -> dict:
        # A segmenter holds a lock or a Rust object and cannot be pickled; each process builds its own.
        state = self.__dict__.copy()
        state["_cut"] = None
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
