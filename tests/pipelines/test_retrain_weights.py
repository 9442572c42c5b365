"""The retrain flow trusts a label a person gave more than an export's category."""
from __future__ import annotations

import shutil

import duckdb
import numpy as np
import pytest

from pipelines import registry
from pipelines.cli import main
from pipelines.retrain import WEAK_LABEL_WEIGHT, in_test_split, label_weights


def test_a_persons_label_weighs_one_and_an_exports_category_less():
    assert label_weights(["label", "source_category", "label"]).tolist() == [1.0, WEAK_LABEL_WEIGHT, 1.0]
    assert 0 < WEAK_LABEL_WEIGHT < 1


def test_retrain_fits_with_the_weight_of_each_rows_label_source(small_warehouse, tmp_path, monkeypatch):
    home = tmp_path / "home"
    shutil.copytree(small_warehouse, home, ignore=shutil.ignore_patterns("prefect"))
    monkeypatch.setenv("SHAOBING_HOME", str(home))
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    ids = [r for (r,) in con.sql("select report_id from reports order by report_id").fetchall()]
    con.close()
    relabelled = [r for r in ids if not in_test_split(r)][:7]   # seven training rows get a person's label
    (tmp_path / "labels.csv").write_text("report_id,labels\n" + "".join(f"{r},debt\n" for r in relabelled),
                                         encoding="utf-8")
    assert main(["labels", "import", str(tmp_path / "labels.csv")]) == 0

    seen = {}
    engine = registry.engine

    def spy(categories, words=()):
        model = engine(categories, words)
        fit = model.fit

        def fit_and_record(docs, y, sample_weight=None):
            seen["weight"] = np.asarray(sample_weight)
            return fit(docs, y, sample_weight=sample_weight)
        model.fit = fit_and_record
        return model

    monkeypatch.setattr(registry, "engine", spy)
    assert main(["retrain", "--no-promote"]) == 0
    weight = seen["weight"]
    assert (weight == 1.0).sum() == len(relabelled)
    assert (weight == WEAK_LABEL_WEIGHT).sum() == len(weight) - len(relabelled) > 0
