"""The temporary Prefect server a command starts as it starts: used when nothing else is configured,
left alone when something is, stopped with the command — also when the command is killed."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from pipelines import prefect_server
from tests.conftest import ROOT


@pytest.fixture
def bare(monkeypatch, tmp_path):
    """No Prefect setting anywhere: an empty PREFECT_HOME, a working folder without config files."""
    for name in ("PREFECT_API_URL", "PREFECT_PROFILE", "PREFECT_PROFILES_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path


def test_nothing_configured(bare):
    assert not prefect_server.configured_elsewhere()


def test_a_server_in_the_environment(bare, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://prefect.example:4200/api")
    assert prefect_server.configured_elsewhere()


def test_a_server_in_the_active_profile_only(bare, monkeypatch):
    (bare / "prefect").mkdir()
    (bare / "prefect" / "profiles.toml").write_text(
        'active = "shared"\n[profiles.shared]\nPREFECT_API_URL = "http://prefect.example:4200/api"\n'
        '[profiles.ephemeral]\nPREFECT_LOGGING_LEVEL = "INFO"\n')
    assert prefect_server.configured_elsewhere()
    monkeypatch.setenv("PREFECT_PROFILE", "ephemeral")
    assert not prefect_server.configured_elsewhere()


@pytest.mark.parametrize("name, text", [
    ("prefect.toml", '[api]\nurl = "http://prefect.example:4200/api"\n'),
    ("pyproject.toml", '[tool.prefect.api]\nurl = "http://prefect.example:4200/api"\n'),
    (".env", "PREFECT_API_URL=http://prefect.example:4200/api\n"),
])
def test_a_server_in_the_working_folders_config(bare, name, text):
    (bare / "work" / name).write_text(text)
    assert prefect_server.configured_elsewhere()


def test_not_started_once_prefect_is_imported(bare):
    import prefect  # noqa: F401 - the test session has imported it already; a command in it must not start one

    prefect_server.start()
    assert prefect_server._server is None and "PREFECT_API_URL" not in os.environ


def _command(home, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(SHAOBING_HOME=str(home), PREFECT_HOME=str(home / "prefect"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               SHAOBING_WORKERS="1", PYTHONDONTWRITEBYTECODE="1")
    return subprocess.Popen([sys.executable, "-m", "pipelines.cli", *map(str, args)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _servers(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return [c for c in proc.children(recursive=True) if "uvicorn" in c.cmdline()]
    except psutil.Error:
        return []


def test_a_command_runs_its_flow_on_its_own_server_and_stops_it(tmp_path):
    csv = tmp_path / "hotline.csv"
    csv.write_text("工单编号,受理时间,诉求内容\nH1,2025-01-13 09:31:07,工地拖欠工资三个月\n", encoding="utf-8")
    proc = _command(tmp_path / "home", "ingest", csv)
    watched, seen = psutil.Process(proc.pid), []
    while proc.poll() is None:
        seen += [s.pid for s in _servers(watched) if s.pid not in seen]
        time.sleep(0.05)
    out = proc.stdout.read()
    assert proc.returncode == 0, out
    assert "1 loaded" in out
    assert len(seen) == 1, "one server, started by the command (Prefect started none of its own)"
    assert not psutil.pid_exists(seen[0]) or psutil.Process(seen[0]).status() == psutil.STATUS_ZOMBIE


def test_the_server_dies_with_a_killed_command(tmp_path):
    proc = _command(tmp_path / "home", "ingest", tmp_path / "missing.csv")
    watched = psutil.Process(proc.pid)
    deadline = time.monotonic() + 60
    while not (servers := _servers(watched)):
        assert time.monotonic() < deadline and proc.poll() is None, proc.stdout.read()
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    gone, alive = psutil.wait_procs(servers, timeout=30)
    for p in alive:
        p.kill()
    assert not alive, "the temporary server outlived the killed command"
