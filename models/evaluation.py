"""Pure metrics for comparing model versions on the same test set.

Labels per row are lists of category keys (multi-label) or single keys (multi-class); ``"none"``,
``""`` and ``None`` mean "no label", so a row may have no label at all. Averages follow
scikit-learn: with 0 where a ratio has no denominator, and macro-F1 over the labels that are true
or predicted somewhere.
"""
from __future__ import annotations

import numpy as np
import polars as pl

NO_LABEL = {"none", ""}

LabelRows = list[list[str]] | list[str]


def label_sets(rows: LabelRows) -> list[set[str]]:
    """Each row's labels as a set, a bare string being a one-label row and 'none' no label."""
    sets = []
    for row in rows:
        items = [row] if row is None or isinstance(row, str) else row
        sets.append({str(x) for x in items if x is not None and str(x).strip() not in NO_LABEL})
    return sets


def labels_to_matrix(rows: LabelRows, labels: list[str]) -> np.ndarray:
    """Rows of labels as an (n, K) 0/1 indicator matrix in the order of ``labels``."""
    sets = label_sets(rows)
    return np.array([[int(lab in s) for lab in labels] for s in sets], dtype=int).reshape(len(sets), len(labels))


def matrix_to_labels(Y: np.ndarray, labels: list[str]) -> list[list[str]]:
    """The inverse of labels_to_matrix."""
    return [[lab for lab, v in zip(labels, row) if v] for row in np.asarray(Y)]


def _counts(y_true: LabelRows, y_pred: LabelRows, labels: list[str]) -> tuple[np.ndarray, ...]:
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} rows, y_pred {len(y_pred)}")
    T, P = labels_to_matrix(y_true, labels), labels_to_matrix(y_pred, labels)
    tp = (T & P).sum(axis=0)
    return tp, P.sum(axis=0) - tp, T.sum(axis=0) - tp  # tp, fp, fn per label


def _ratio(a, b) -> np.ndarray:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.divide(a, b, out=np.zeros_like(a), where=b > 0)


def _prf(tp, fp, fn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    return precision, recall, _ratio(2 * tp, 2 * tp + fp + fn)


def per_label_report(y_true: LabelRows, y_pred: LabelRows, labels: list[str]) -> pl.DataFrame:
    """One row per label: label, support, precision, recall, f1."""
    tp, fp, fn = _counts(y_true, y_pred, labels)
    precision, recall, f1 = _prf(tp, fp, fn)
    return pl.DataFrame({
        "label": list(labels), "support": (tp + fn).astype(np.int64),
        "precision": precision, "recall": recall, "f1": f1,
    }, schema={"label": pl.String, "support": pl.Int64, "precision": pl.Float64,
               "recall": pl.Float64, "f1": pl.Float64})


def macro_f1(y_true: LabelRows, y_pred: LabelRows, labels: list[str]) -> float:
    """Unweighted mean of the F1 of the labels that are true or predicted somewhere, as sklearn
    averages when it is not given the labels: a label the test set never has and the model never
    predicts has no F1 (no denominator) and is left out, rather than scored 0 — a small test file
    on one topic would otherwise read as a poor model. 0 where no label is true or predicted."""
    tp, fp, fn = _counts(y_true, y_pred, labels)
    seen = (tp + fp + fn) > 0
    return float(_prf(tp, fp, fn)[2][seen].mean()) if seen.any() else 0.0


def macro_labels(y_true: LabelRows, y_pred: LabelRows, labels: list[str]) -> list[str]:
    """The labels ``macro_f1`` averages over."""
    tp, fp, fn = _counts(y_true, y_pred, labels)
    return [lab for lab, n in zip(labels, tp + fp + fn) if n > 0]


def micro_f1(y_true: LabelRows, y_pred: LabelRows, labels: list[str]) -> float:
    """F1 of the pooled label decisions: frequent categories weigh more."""
    tp, fp, fn = (c.sum() for c in _counts(y_true, y_pred, labels))
    return float(_ratio(2 * tp, 2 * tp + fp + fn))


def brier(y_true_matrix: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """Brier score per category (column): mean squared gap between probability and 0/1 truth."""
    T, P = np.asarray(y_true_matrix, float), np.asarray(proba, float)
    if T.shape != P.shape:
        raise ValueError(f"truth {T.shape} and probabilities {P.shape} differ in shape")
    return ((P - T) ** 2).mean(axis=0) if len(T) else np.full(T.shape[1:], np.nan)


def summary_dict(y_true: LabelRows, y_pred: LabelRows, labels: list[str],
                 proba: np.ndarray | None = None) -> dict:
    """A JSON-serialisable summary for the model registry; Brier scores too if ``proba`` given."""
    report = per_label_report(y_true, y_pred, labels)
    tp, fp, fn = _counts(y_true, y_pred, labels)
    n = len(y_true)
    out = {
        "labels": {r["label"]: {"precision": r["precision"], "recall": r["recall"],
                                "f1": r["f1"], "support": r["support"],
                                # the category's confusion counts, for the data staff page
                                "tp": int(tp[i]), "fp": int(fp[i]), "fn": int(fn[i]),
                                "tn": int(n - tp[i] - fp[i] - fn[i])}
                   for i, r in enumerate(report.iter_rows(named=True))},
        "macro_f1": macro_f1(y_true, y_pred, labels),
        "macro_labels": macro_labels(y_true, y_pred, labels),
        "micro_f1": micro_f1(y_true, y_pred, labels),
        "n": len(y_true),
    }
    if proba is not None:
        scores = brier(labels_to_matrix(y_true, labels), proba)
        out["brier"] = {lab: float(b) for lab, b in zip(labels, scores)}
    return out
