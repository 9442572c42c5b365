"""`shaobing evaluate`: how the engine does on a city's own labelled data, before trusting it.

Texts are masked and, where the file has a `title` column, prefixed by it, exactly as `shaobing
retrain` and the weekly scoring see stored reports. A file with a `label` column is single-label (the engine predicts the likeliest label); one with a
`labels` column is multi-label (`;`-joined, `none` or empty for none; thresholds per label).
Every bad row is named; labels are matched to the model's categories in any case, and one it does
not have is warned about (``_known_labels``) and scored.
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import duckdb
import numpy as np

from features.pii import mask_pii
from models.evaluation import summary_dict
from . import registry, settings, warehouse
from .labels import NONE_WORDS, category_forms, column_names, find_column, label_forms, split_labels
from .sources import SourceError, read_raw
from .taxonomy import taxonomy
from .wording import rows_named


MAX_PROBLEMS = 20   # rows named in one error; the count says how many more


class Labelled(NamedTuple):
    """A labelled file: texts, label lists, whether it is single-label, each row's number and the
    label column's name (to name a row whose label the model does not have)."""
    texts: list[str]
    labels: list[list[str]]
    single: bool
    rows: list[int]
    column: str


def read_labelled(path: Path) -> Labelled:
    """The file's texts and labels (``Labelled``); SystemExit naming every bad row
    (file, row, column, why; at most MAX_PROBLEMS, then how many more) otherwise."""
    try:
        raw = read_raw(path)
    except SourceError as exc:
        raise SystemExit(str(exc)) from None
    t, title = find_column(raw.header, "text"), find_column(raw.header, "title")
    many, one = find_column(raw.header, "labels"), find_column(raw.header, "label")
    if t is None or (many is None and one is None):
        raise SystemExit(f"{path}: expected columns {column_names('text')} and {column_names('label')} "
                         f"or {column_names('labels')}; found {raw.header}")
    single = many is None
    lab = one if single else many
    texts, labels, rows = [], [], []
    forms = category_forms()
    problems = [(n, f"{path}: row {n}: {reason}") for n, reason, _ in raw.broken]
    for number, cells in zip(raw.row_numbers, raw.rows):
        if not (cells[t] or "").strip():
            problems.append((number, f"{path}: row {number}, column {raw.header[t]}: empty"))
            continue
        parts = _labels_of(cells[lab], single, forms)
        # as stored reports are scored: PII masked, and the title (where the file has one) before the text
        text = mask_pii(cells[t])
        texts.append(text if title is None else (mask_pii(cells[title] or "") + "。" + text))
        labels.append(parts)
        rows.append(number)
    _refuse(problems)
    return Labelled(texts, labels, single, rows, raw.header[lab])


def _labels_of(cell: str | None, single: bool, forms: dict[str, str]) -> list[str]:
    """A cell's labels as ``labels import`` reads them (``forms``: the taxonomy's keys in any case
    and its Chinese names, such as 劳资欠薪, as keys), none / 无 / empty as no label; a ``labels``
    cell split at ';' (or '；', ',', '、'); other labels (a city's own, such as departments) as
    they are written."""
    text = (cell or "").strip()
    if single:
        return [] if not text or text.lower() in NONE_WORDS else [forms.get(text.lower(), text)]
    parts, unknown, _ = split_labels(text, forms)
    return parts + unknown


def _refuse(problems: list[tuple[int, str]]) -> None:
    if problems:
        raise SystemExit(rows_named(problems, MAX_PROBLEMS))


def _known_labels(path: Path, data: Labelled, categories: list[str], whose: str) -> tuple[list[list[str]], list[str]]:
    """The file's labels as the model's categories, matched in any case (Debt is debt), and a
    warning per label the model does not have, naming its rows (a misspelt one, or a category the
    training file never had): such a label is still scored — the model cannot find it, F1 0 —
    but never in silence."""
    by_form = label_forms(categories)
    out, missing = [], {}
    for number, parts in zip(data.rows, data.labels):
        out.append([by_form.get(p.lower(), p) for p in parts])
        for p in parts:
            if p.lower() not in by_form:
                missing.setdefault(p, []).append(number)
    warnings = [f"{path}: label {label!r} (rows {', '.join(map(str, rows[:10]))}{' …' if len(rows) > 10 else ''}, "
                f"column {data.column}) is not a category of {whose}: it cannot be predicted and scores F1 0; "
                f"the categories are {categories}" for label, rows in missing.items()]
    return out, warnings


def _stray_labels(path: Path, data: Labelled) -> list[str]:
    """A warning per label of a training file that uses the taxonomy's categories but is none of them
    (劳资 欠薪, wage-arrears, 工资拖欠: a misspelling would be learnt as a category of its own, and its
    reports as negatives of the one meant), naming its rows. A file of a city's own labels only
    (departments) is left alone."""
    keys = set(taxonomy().keys)
    if not any(l in keys for ls in data.labels for l in ls):
        return []
    stray: dict[str, list[int]] = {}
    for number, parts in zip(data.rows, data.labels):
        for p in parts:
            if p not in keys:
                stray.setdefault(p, []).append(number)
    return [f"{path}: label {label!r} (rows {', '.join(map(str, rows[:10]))}{' …' if len(rows) > 10 else ''}, "
            f"column {data.column}) is none of the risk categories {sorted(keys)} nor their Chinese names: it is "
            "learnt as a category of its own (a misspelling?)" for label, rows in stray.items()]


def _docs(texts: list[str], words: tuple[str, ...] = ()) -> list[str]:
    segmenter = registry.tokenizer(words)
    return [" ".join(t) for t in segmenter.tokenize_many(texts, workers=settings.get_int("SHAOBING_WORKERS"))]


def _predict(model, docs: list[str], single: bool, none: bool = False) -> list[list[str]]:
    """Each text's predicted labels. With ``single`` (a file of one label per row), its likeliest
    category — or, where ``none`` is an answer the file gives (rows labelled none), none when the
    model flags no category, and the likeliest of those it flags: forced to pick one, the model
    could never answer none, and every none row counted against it."""
    classes = list(model.classes_)
    if single and not none:
        return [[classes[i]] for i in np.asarray(model.predict_proba(docs)).argmax(axis=1)]
    flags = np.asarray(model.predict(docs))
    if single:
        proba = np.where(flags.astype(bool), np.asarray(model.predict_proba(docs)), -np.inf)
        return [[classes[int(row.argmax())]] if np.isfinite(row.max()) else [] for row in proba]
    return [[c for c, f in zip(classes, row) if f] for row in flags]


def _gazetteer_words() -> tuple[str, ...]:
    """The warehouse's area names, if it can be read now (none without a warehouse, or while a
    flow writes it: the engine is then judged without them)."""
    if not settings.warehouse_path().exists():
        return ()
    try:
        with warehouse.open_warehouse(settings.warehouse_path(), read_only=True) as con:
            return registry.area_words(con)
    except (settings.StorageError, duckdb.Error, OSError):  # a lock held by a flow: judge without the names
        return ()


def evaluate(test: Path, train: Path | None = None, model_name: str | None = None) -> dict:
    tested = read_labelled(test)
    test_texts, single = tested.texts, tested.single
    if train is not None:
        trained = read_labelled(train)
        train_texts, train_labels, train_single = trained.texts, trained.labels, trained.single
        categories = sorted({l for ls in train_labels for l in ls})
        if not categories:
            raise SystemExit(f"{train}: no labels to learn")
        test_labels, warnings = _known_labels(test, tested, categories, f"the training file {train.name}")
        warnings = _stray_labels(train, trained) + warnings
        words = _gazetteer_words()   # as `shaobing retrain` would segment today
        model = registry.engine(categories, words).fit(_docs(train_texts, words), registry.indicator(train_labels, categories))
        single = single and train_single
        name = f"engine trained on {train.name} ({len(train_texts)} rows)"
    else:
        with warehouse.open_warehouse(settings.warehouse_path(), read_only=True) as con:
            rows = warehouse.model_versions(con)
        want = rows.filter(rows["status"] == "champion") if model_name == "champion" else rows.filter(rows["version"] == model_name)
        if want.is_empty():
            raise SystemExit(f"no model {model_name!r}: see `shaobing models list` (or run `shaobing retrain`)")
        try:
            model = registry.load(want["path"][0])
        except registry.ModelFileError as exc:
            raise SystemExit(str(exc)) from None
        name = f"model {want['version'][0]}"
        words = registry.model_words(want.row(0, named=True))  # segmented as the model was trained and scores
        test_labels, warnings = _known_labels(test, tested, list(model.classes_), name)
    predicted = _predict(model, _docs(test_texts, words), single, none=any(not ls for ls in test_labels))
    labels = sorted(set(model.classes_) | {l for ls in test_labels for l in ls})
    result = summary_dict(test_labels, predicted, labels)
    if single:
        result["accuracy"] = float(np.mean([p == t for p, t in zip(predicted, test_labels)]))
    result["model"] = name
    result["warnings"] = warnings
    return result
