"""Smoke tests of bench/real_text.py: cheap, never the full benchmark (that takes minutes)."""
from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "real_text.py"


@pytest.fixture(scope="module")
def real_text():
    spec = importlib.util.spec_from_file_location("bench_real_text", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_absent_data_is_a_clean_skip(real_text, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SHAOBING_REAL_DATA", str(tmp_path / "absent"))
    assert real_text.main([]) == 0
    assert capsys.readouterr().out.startswith("skipped:")


def test_table_has_one_line_per_row_and_marks_targets(real_text):
    rows = [{"block": "risk_dev", "model": "m", "scope": "finance", "precision": 1.0, "recall": 0.5,
             "f1": 2 / 3, "support": 4, "target": "f1>=0.75", "met": False},
            {"block": "risk_dev", "model": "m", "scope": "macro (5)", "f1": 0.9, "seconds": 1.25}]
    lines = real_text.render(rows, 2.0).splitlines()
    assert "UNMET" in lines[2] and "0.6667" in lines[2] and "1.2" in lines[3]
    assert lines[-1] == "total 2.0 s"


def test_real_data_has_the_expected_shape(real_text):
    root = real_text.data_dir()
    dept, risk = root / real_text.DEPT_FILE, root / real_text.RISK_FILE
    if not (dept.is_file() and risk.is_file()):
        pytest.skip(f"real evaluation data absent at {root}")
    with dept.open(encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == ["text", "label"]
    with risk.open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["id", "text", "labels"]
        from models.taxonomy import default_taxonomy

        known = set(default_taxonomy().keys) | {"none"}
        assert all(set(row["labels"].split(";")) <= known for row in reader)
