"""Model versions: skops files under $SHAOBING_HOME/models, rows in model_versions, and the tokens
they are fed (cached in the warehouse by content hash, so no text is segmented twice)."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from features.tokenize import RiskTokenizer
from . import settings, warehouse

# Only our own estimators and what they are built of may be loaded from a model file.
TRUSTED_PREFIXES = ("models.", "sklearn.", "numpy.", "scipy.", "builtins.", "collections.")


class ModelFileError(Exception):
    """A model file that is missing, corrupted or holds types we do not trust."""


def tokenizer(words: tuple[str, ...] = ()) -> RiskTokenizer:
    """The segmenter of SHAOBING_SEGMENTER, with ``words`` (the gazetteer's names: ``area_words``)
    as words of its own: jieba does not know a county's places and cuts them into pieces (溪山县 →
    溪 / 山县, glued to their neighbours: 业主溪), which then stand as terms. Its ``version``, the
    key of the token cache, holds the words.

    A model is trained with the gazetteer's names of its retrain and keeps them (``model_words``):
    the weekly run and ``shaobing evaluate --model`` segment with the model's words, so that a
    gazetteer imported after a retrain changes nothing until the next retrain."""
    return _tokenizer(settings.get("SHAOBING_SEGMENTER"), tuple(words))


@cache
def _tokenizer(engine: str, words: tuple[str, ...]) -> RiskTokenizer:
    try:
        return RiskTokenizer(words, segmenter=engine)
    except ValueError as exc:
        raise SystemExit(f"setting SHAOBING_SEGMENTER={engine!r}: {exc}") from None


def model_words(row: dict | None) -> tuple[str, ...]:
    """The gazetteer's names a model version (a ``model_versions`` row) was trained with; none for
    a model recorded before models kept them."""
    params = json.loads((row or {}).get("params") or "{}")
    return tuple(params.get("area_words") or ())


def area_words(con) -> tuple[str, ...]:
    """The names of the warehouse's areas (two characters or more), for ``tokenizer``: every
    process that segments for a warehouse, training or scoring, takes them from it."""
    if not warehouse.has_table(con, "areas"):
        return ()
    return tuple(n for (n,) in con.sql("select distinct trim(name) as n from areas where length(trim(name)) >= 2 "
                                       "order by n").fetchall())


def engine(categories: list[str], words: tuple[str, ...] = ()):
    """The untrained classifier every retrain (and ``shaobing evaluate --train``) fits: its
    per-category regressions run on SHAOBING_WORKERS threads (liblinear releases the GIL); the
    gazetteer's names (``words``) are never its reasons."""
    from models.classifier import RiskClassifier

    return RiskClassifier(categories=categories, n_jobs=settings.get_int("SHAOBING_WORKERS"), hidden_words=tuple(words))


def document_texts(frame: pl.DataFrame) -> tuple[list[str], pl.Series]:
    """Each report's token-cache key and its title and text as one string (the key hashes both, so
    two reports with the same text and another title differ). The texts stay a polars column: as a
    list of Python strings a million of them held ~0.8 GB more for the whole run. (Scoring reads
    the same from DuckDB: ``warehouse.unscored_reports(..., documents=True)``.)"""
    keyed = frame.select(pl.col("content_hash"),
                         (pl.col("title").fill_null("") + pl.lit("。") + pl.col("text")).alias("doc_text"),
                         ) if "title" in frame.columns else frame.select("content_hash", pl.col("text").alias("doc_text"))
    texts = keyed["doc_text"]
    return [hashlib.sha1(s.encode()).hexdigest() for s in texts], texts


def cached_keys(con, keys: list[str], words: tuple[str, ...] = ()) -> set[str]:
    """Which of these cache keys (``document_texts``) the token cache holds for ``tokenizer(words)``."""
    return warehouse.cached_keys(con, keys, tokenizer(words).version)


def document_inputs(con, keys: list[str], present: set[str] | None = None,
                    kept: dict[str, str] | None = None, words: tuple[str, ...] = ()) -> list[str | None]:
    """Each key's document (space-joined tokens) when the token cache has it, else None (it still
    has to be segmented). ``present``: the keys known to be in the cache (``cached_keys``), so that
    a chunk with none of them does not read the cache; ``kept``: documents this run stored and
    holds in memory (``keep_tokens``), not read back from the table it is writing."""
    have = {k: kept[k] for k in keys if k in kept} if kept else {}
    wanted = [k for k in keys if k not in have and (present is None or k in present)]
    if wanted:
        cached = warehouse.cached_tokens(con, wanted, tokenizer(words).version)
        have.update(zip(cached["content_hash"].to_list(), cached["tokens"].to_list()))
    return [have.get(k) for k in keys]


def keep_tokens(con, keys: list[str], fresh: list[str | None], present: set[str] | None = None,
                kept: dict[str, str] | None = None, again: set[str] = frozenset(), words: tuple[str, ...] = ()) -> None:
    """Add newly segmented documents to the token cache (None: it was cached already). Each key is
    stored once: a key repeated in ``keys`` or found in ``present`` (the keys cached before, which
    this call extends) is skipped. The documents of keys in ``again`` (texts that come again later
    in the run: ``repeated``) are also put in ``kept`` for ``document_inputs``."""
    present = set() if present is None else present
    rows = {}
    for k, doc in zip(keys, fresh):
        if doc is not None and k not in present:
            rows[k] = doc
    if rows:
        warehouse.store_tokens(con, pl.DataFrame({"content_hash": list(rows), "tokens": list(rows.values())},
                                                 schema={"content_hash": pl.Utf8, "tokens": pl.Utf8}),
                               tokenizer(words).version)
        present.update(rows)
        if kept is not None:
            kept.update((k, doc) for k, doc in rows.items() if k in again)


def repeated(keys: list[str]) -> set[str]:
    """The keys that occur more than once (texts a run meets again after segmenting them)."""
    column = pl.Series(keys, dtype=pl.Utf8)
    return set(column.filter(column.is_duplicated()).to_list())


def documents(con, frame: pl.DataFrame, words: tuple[str, ...] = ()) -> list[str]:
    """Each report's title and text as space-joined tokens of ``tokenizer(words)``, taken from or
    added to the token cache."""
    keys, texts = document_texts(frame)
    cached = document_inputs(con, keys, words=words)
    todo = {k: t for k, t, have in zip(keys, texts, cached) if have is None}
    segmenter = tokenizer(words)
    fresh = dict(zip(todo, (" ".join(t) for t in
                            segmenter.tokenize_many(list(todo.values()), workers=settings.get_int("SHAOBING_WORKERS")))))
    keep_tokens(con, list(fresh), list(fresh.values()), words=words)
    return [have if have is not None else fresh[k] for k, have in zip(keys, cached)]


def code_version() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).parent)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def save(model, version: str) -> Path:
    import skops.io as sio

    folder = settings.models_dir() / version
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model.skops"
    sio.dump(model, path)
    return path


def load(path: str | Path):
    """Load a model file, refusing any type outside our allow-list (never an arbitrary pickle)."""
    import skops.io as sio

    path = resolve(path)
    if not path.exists():
        raise ModelFileError(f"model file {path} is missing")
    try:
        untrusted = sio.get_untrusted_types(file=path)
        bad = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
        if bad:
            raise ModelFileError(f"model file {path} holds untrusted types {bad[:5]}: refusing to load it")
        return sio.load(path, trusted=untrusted)
    except ModelFileError:
        raise
    except Exception as exc:  # skops raises many kinds on a damaged zip or schema
        raise ModelFileError(f"model file {path} is damaged or not a model ({exc.__class__.__name__}: {exc})") from None


def resolve(path: str | Path) -> Path:
    """A recorded model path: relative ones are under $SHAOBING_HOME (so a home can be moved or
    copied whole), absolute ones as they are."""
    path = Path(path)
    return path if path.is_absolute() else settings.home() / path


def _recorded(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(settings.home()))
    except ValueError:
        return str(path)


def record(con, model, version: str, path: Path, train_hash: str, train_rows: int, metrics: dict, status: str,
           words: tuple[str, ...] = ()) -> None:
    """A model version's row; ``words``: the gazetteer's names it was trained with (``model_words``)."""
    warehouse.add_model_version(con, {
        "version": version, "created_at": settings.now(), "path": _recorded(path), "train_hash": train_hash,
        "train_rows": train_rows, "params": json.dumps(_params(model, words), ensure_ascii=False, default=str),
        "metrics": json.dumps(metrics, ensure_ascii=False), "code_version": code_version(), "status": status})


def _params(model, words: tuple[str, ...] = ()) -> dict:
    params = {k: v for k, v in model.get_params(deep=False).items() if isinstance(v, (int, float, str, bool, list, type(None)))}
    params["tokenizer"] = tokenizer(words).version
    params["area_words"] = list(words)
    return params


def new_version() -> str:
    """A new version name from the clock; two versions made in the same second get a suffix."""
    base = settings.now().strftime("m%Y%m%d-%H%M%S")
    version, n = base, 1
    while (settings.models_dir() / version).exists():
        n += 1
        version = f"{base}-{n}"
    return version


def data_hash(report_ids: list[str], labels: list[list[str]]) -> str:
    h = hashlib.sha256()
    for rid, lab in zip(report_ids, labels):
        h.update(f"{rid}\t{';'.join(sorted(lab))}\n".encode())
    return h.hexdigest()[:16]


def indicator(labels: list[list[str]], categories: list[str]) -> np.ndarray:
    index = {c: i for i, c in enumerate(categories)}
    y = np.zeros((len(labels), len(categories)), dtype=int)
    for row, labs in enumerate(labels):
        for lab in labs:
            if lab in index:
                y[row, index[lab]] = 1
    return y
