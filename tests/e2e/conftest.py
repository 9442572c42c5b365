"""The board served by Streamlit on a free local port over a copy of the small warehouse, and a
headless Debian Chromium driven by Playwright (never `playwright install`: CI installs chromium)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("SHAOBING_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "e2e"
PASSWORD = "e2e-password-1"

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.skip("end-to-end tests need Debian's chromium at /usr/bin/chromium "
                    "(apt-get install chromium fonts-wqy-microhei; .ci/run does it)")
    return CHROMIUM


@pytest.fixture(scope="module")
def board_home(small_warehouse, tmp_path_factory) -> Path:
    """A private copy of the small warehouse's home, with one user per role."""
    home = tmp_path_factory.mktemp("board") / "home"
    shutil.copytree(small_warehouse, home, ignore=shutil.ignore_patterns("prefect"))
    env = {**os.environ, "SHAOBING_HOME": str(home)}
    for role in ("leader", "analyst", "data_staff", "admin"):
        subprocess.run([sys.executable, "-m", "pipelines.cli", "users", "add", role, "--role", role, "--name",
                        f"{role}（测试）", "--password-stdin"], input=PASSWORD + "\n", text=True, env=env, cwd=ROOT,
                       check=True, capture_output=True)
    return home


@pytest.fixture(scope="module")
def board_url(board_home, chromium_path):
    """The board served over ``board_home``; stopped (by its pid) at the end of the module."""
    from bench.board import serve, stop

    proc, url, log = serve(board_home, "streamlit.log")
    yield url
    stop(proc, log)


@pytest.fixture(scope="module")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium_path), headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context (no cookies) per test, with a screenshot kept if the test fails."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        page.screenshot(path=ARTIFACTS / f"{request.node.name}-failed.png", full_page=True)
    context.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
