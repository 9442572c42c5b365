"""Shared fixtures: a private $SHAOBING_HOME per test session, Prefect kept offline."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

_home = Path(tempfile.mkdtemp(prefix="shaobing-test-"))
os.environ["SHAOBING_HOME"] = str(_home)
os.environ["PREFECT_HOME"] = str(_home / "prefect")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("SHAOBING_SALT", "test-salt")

import pytest  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

# CI draws the same examples every run (a landing must not hinge on a rare draw); a developer's
# `make test` draws new ones, and what it finds becomes an @example of its test.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server for the whole session (starting one costs seconds)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh, empty $SHAOBING_HOME for one test."""
    monkeypatch.setenv("SHAOBING_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture(scope="session")
def small_warehouse(prefect_harness, tmp_path_factory):
    """$SHAOBING_HOME of a warehouse the real flows built from a small seeded sample (3,000 reports):
    areas, ingest, retrain, weekly, once per session (about a minute). Treat it as read-only:
    copy it (``shutil.copytree``) to change anything."""
    from pipelines.cli import main

    root = tmp_path_factory.mktemp("small")
    home, sample = root / "home", root / "sample"
    old = os.environ["SHAOBING_HOME"]
    os.environ["SHAOBING_HOME"] = str(home)
    try:
        assert main(["sample", "--out", str(sample), "--reports", "3000"]) == 0
        assert main(["areas", "import", str(sample / "areas.csv")]) == 0
        assert main(["ingest", *(str(sample / f) for f in ("hotline.csv", "petitions.xlsx", "grid.jsonl"))]) == 0
        assert main(["retrain"]) == 0
        assert main(["weekly"]) == 0
    finally:
        os.environ["SHAOBING_HOME"] = old
    return home
