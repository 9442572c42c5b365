"""bench/board.py on the small warehouse the flows built: every page and filter is measured in the
browser and the table has a positive time for each (timings themselves are never asserted)."""
from __future__ import annotations

import importlib
import shutil

import pytest

from tests.e2e.conftest import CHROMIUM

board_bench = importlib.import_module("bench.board")

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_every_page_and_filter_is_timed_in_the_browser(small_warehouse, tmp_path, capsys):
    if not CHROMIUM.exists():
        pytest.skip("the board benchmark needs Debian's chromium at /usr/bin/chromium (.ci/run installs it)")
    home = tmp_path / "home"
    shutil.copytree(small_warehouse, home, ignore=shutil.ignore_patterns("prefect"))
    assert board_bench.main(["--home", str(home), "--repeat", "1", "--json"]) == 0
    import json

    out = json.loads(capsys.readouterr().out)
    rows = out["rows"]
    measured = {(r["role"], r["what"]) for r in rows}
    assert {("leader", "first render (sign-in)"), ("analyst", "open an alert"), ("analyst", "filter: 周次"),
            ("data_staff", "first render (sign-in)"), ("admin", "first render (menu link)")} <= measured
    assert len(rows) == 14 and all(r["median"] > 0 and r["worst"] >= r["median"] for r in rows)
    assert all(r["target"] == (2.0 if r["what"].startswith("first render") else 0.5) for r in rows)
    assert out["warehouse"]["reports"] > 0 and out["warehouse"]["alerts"] > 0
