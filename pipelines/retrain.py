"""The retrain flow: labels → challenger → the same frozen test split as the champion → promote or keep.

Labels are the analysts' and data staff's (``labels`` table) where given, else the category the
export itself carries (诉求类型, 内容分类, event_type) mapped through the taxonomy: weak labels
that let the first model train before anyone has labelled a report.
"""
from __future__ import annotations

import hashlib

import numpy as np
import polars as pl
from prefect import flow, task
from prefect.cache_policies import NO_CACHE  # inputs are big frames: hashing them for a cache key costs more than the work

from models.classifier import LexiconScorer, RiskClassifier
from models.evaluation import summary_dict
from . import files, registry, reviews, settings, warehouse
from .taxonomy import taxonomy

TEST_SHARE = 5  # one report in five, chosen by a hash of its id, is the frozen evaluation split
# An export's own category is a noisy label (operators file reports under a wrong category now and
# then, and a sample's texts are more regular than real ones): such a row weighs a quarter of a
# label a person gave, i.e. a model trained on categories alone is regularised as with C = 1
# instead of 4. Measured with bench/real_text.py on risk_dev over four sample draws: macro-F1 of
# the category-trained model 0.640 (spread 0.61-0.69) against 0.593 (0.54-0.63) at full weight.
WEAK_LABEL_WEIGHT = 0.25
MIN_LABELLED = 50  # fewer labelled reports than this train no model: the lexicons score (``cold_start``)


def in_test_split(report_id: str) -> bool:
    return int(hashlib.sha1(report_id.encode()).hexdigest()[:8], 16) % TEST_SHARE == 0


def training_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows with a usable label: explicit labels first, else the export's category mapped."""
    tax = taxonomy()
    labels, sources = [], []
    for explicit, source_category in zip(frame["labels"].to_list(), frame["source_category"].to_list()):
        if explicit is not None:
            labels.append([x for x in explicit if x in tax.keys])
            sources.append("label")
        else:
            weak = tax.weak_labels(source_category)
            labels.append(weak)
            sources.append("source_category" if weak is not None else None)
    out = frame.with_columns(pl.Series("y", labels, dtype=pl.List(pl.Utf8)), pl.Series("label_source", sources, dtype=pl.Utf8))
    return out.filter(pl.col("label_source").is_not_null())


def predict_labels(model, docs: list[str]) -> list[list[str]]:
    flags = model.predict(docs)
    return [[c for c, f in zip(model.classes_, row) if f] for row in np.asarray(flags)]


@task(cache_policy=NO_CACHE)
def fit_challenger(docs: list[str], y: np.ndarray, categories: list[str], weight=None,
                   words: tuple[str, ...] = ()) -> RiskClassifier:
    """Train a challenger on the training split (``weight``: per row, see ``label_weights``;
    ``words``: the gazetteer's names its documents were segmented with, never given as reasons)."""
    return registry.engine(categories, words).fit(docs, y, sample_weight=weight)


def label_weights(sources) -> np.ndarray:
    """Each training row's weight by where its label came from: 1 for a person's label,
    ``WEAK_LABEL_WEIGHT`` for an export's category."""
    return np.array([1.0 if s == "label" else WEAK_LABEL_WEIGHT for s in sources])


def cold_start(con, rows: pl.DataFrame) -> dict:
    """The first champion when too few reports are labelled to train one: the taxonomy's lexicons
    (``LexiconScorer``: weighted terms, flagged from 0.5), so that the weekly run can score and detect
    from the first export on. Judged on the labelled reports there are, if any; the first retrain
    with enough labels replaces it if it does at least as well on the same split."""
    lexicons = {c.key: dict(c.lexicon) for c in taxonomy().categories if c.lexicon}
    if not lexicons:
        raise SystemExit(f"only {rows.height} labelled reports ({MIN_LABELLED} needed to train), and no category of "
                         "the taxonomy has a lexicon to score with before then: load labels (`shaobing labels import "
                         "FILE`) or reports whose exports carry categories, then retrain")
    model = LexiconScorer(lexicons).fit()
    metrics: dict = {}
    words = registry.area_words(con)
    if rows.height:
        docs = registry.documents(con, rows, words)
        truth = rows["y"].to_list()
        metrics = summary_dict(truth, predict_labels(model, docs), model.classes_, proba=model.predict_proba(docs))
    metrics.update({"cold_start": True, "labelled_reports": rows.height, "test_rows": rows.height, "train_rows": 0})
    version = registry.new_version()
    path = files.save_model(model, version)
    registry.record(con, model, version, path, registry.data_hash([], []), 0, metrics, "challenger", words)
    warehouse.set_champion(con, version)
    return {"version": version, "promoted": True, "cold_start": True, "labelled_reports": rows.height,
            "macro_f1": metrics.get("macro_f1"), "champion_macro_f1": None,
            "per_label": {k: v["f1"] for k, v in metrics.get("labels", {}).items()}, "brier": metrics.get("brier", {}),
            "train_rows": 0, "test_rows": rows.height, "categories": list(model.classes_)}


@flow(name="retrain")
def retrain_flow(promote: bool = True, margin: float | None = None) -> dict:
    """Train a challenger on all labels, judge it and the champion on the same split, promote or keep.

    The challenger is promoted when its macro-F1 is at least the champion's minus ``margin``
    (default ``SHAOBING_PROMOTE_MARGIN``, 0: not worse); never when ``promote`` is False (it is
    then recorded as a challenger for ``shaobing models promote``). With no working champion it
    is always promoted.
    """
    margin = settings.promote_margin() if margin is None else margin
    categories = taxonomy().keys
    with warehouse.open_warehouse(settings.warehouse_path()) as con:
        reviews.fold_into(con)  # reviewed alerts and label corrections become labels first
        rows = training_rows(warehouse.labelled_reports(con))
        if rows.height < MIN_LABELLED:
            champ = warehouse.champion(con)
            if champ is not None:
                raise SystemExit(f"only {rows.height} labelled reports ({MIN_LABELLED} needed to train): load labels "
                                 "(`shaobing labels import FILE`) or reports whose exports carry categories, then "
                                 f"retrain; the champion {champ['version']} stays")
            result = cold_start(con, rows)
            files.publish_snapshot()
            return result
        words = registry.area_words(con)   # the challenger is trained with today's gazetteer and keeps it
        docs = registry.documents(con, rows, words)
        test = np.array([in_test_split(r) for r in rows["report_id"].to_list()])
        y_all = rows["y"].to_list()
        train_idx, test_idx = np.flatnonzero(~test), np.flatnonzero(test)
        y = registry.indicator([y_all[i] for i in train_idx], categories)
        sources = rows["label_source"].to_list()
        challenger = fit_challenger([docs[i] for i in train_idx], y, categories,
                                    label_weights([sources[i] for i in train_idx]), words)
        test_docs, test_truth = [docs[i] for i in test_idx], [y_all[i] for i in test_idx]
        metrics = summary_dict(test_truth, predict_labels(challenger, test_docs), categories,
                               proba=challenger.predict_proba(test_docs) if test_docs else None)
        champ = warehouse.champion(con)
        champ_f1 = None
        if champ:
            try:
                champion = registry.load(champ["path"])
                # the champion judged on the test reports as it segments them (the gazetteer it was trained with)
                own = registry.model_words(champ)
                champ_docs = test_docs if own == words else registry.documents(con, rows[test_idx], own)
                champ_f1 = summary_dict(test_truth, predict_labels(champion, champ_docs), categories)["macro_f1"]
            except registry.ModelFileError as exc:
                print(f"warning: {exc}; the challenger is judged alone")
        promote = champ_f1 is None or (promote and metrics["macro_f1"] >= champ_f1 - margin)
        version = registry.new_version()
        path = files.save_model(challenger, version)
        metrics.update({"test_rows": int(test.sum()), "train_rows": int((~test).sum()),
                        "label_sources": rows["label_source"].value_counts().rows(), "champion_macro_f1": champ_f1,
                        "promotion_margin": margin})
        ids = rows["report_id"].to_list()
        train_hash = registry.data_hash([ids[i] for i in train_idx], [y_all[i] for i in train_idx])
        registry.record(con, challenger, version, path, train_hash, len(train_idx), metrics, "challenger", words)
        if promote:
            warehouse.set_champion(con, version)
    files.publish_snapshot()
    return {"version": version, "promoted": promote, "macro_f1": metrics["macro_f1"], "champion_macro_f1": champ_f1,
            "per_label": {k: v["f1"] for k, v in metrics["labels"].items()}, "brier": metrics.get("brier", {}),
            "train_rows": len(train_idx),
            "test_rows": len(test_idx), "label_sources": dict(metrics["label_sources"]),
            "champion_version": champ["version"] if champ else None}
