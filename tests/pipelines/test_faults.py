"""Faults survived: an ingest or weekly run killed at any point and run again ends as an uninterrupted
run does; a weekly run that failed half-way resumes; an unwritable home or a full disk gives one
clear line; the tasks that write files retry."""
from __future__ import annotations

import datetime as dt
import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from models.alerts import OPEN_STATUSES
from pipelines import settings, warehouse
from pipelines.cli import main
from tests.conftest import ROOT

SEED = 20261129
REPORTS = 3000
WEEKS = 60  # weeks detected: over a year, enough for alerts, in half the time of the sample's two
FILES = ("hotline.csv", "petitions.xlsx", "grid.jsonl")
# Where a run is killed: a seeded random delay (up to the seconds given) after the n-th line of its
# progress holding the words given. A line says where the run is, whatever the machine's speed.
KILL_POINTS = {
    "ingest": {"early": ("reading", 1, 0.5),        # reading or loading the first file
               "mid": ("reading", 2, 0.5),          # the second file, the first one stored
               "late": ("rows read", 3, 1.0)},      # the last file's load, or the snapshot
    "weekly": {"early": ("weekly: model", 1, 1.5),  # scoring
               "mid": ("scored", 1, 0.5),           # weekly counts, the first weeks detected
               "late": ("(30/", 1, 1.0)},           # half-way through the weeks, or the brief
}
# scoring in the flow's own process: spawning worker processes would double a small run's time
ENV = {"SHAOBING_WORKERS": "1"}


@contextmanager
def home_env(path):
    old = {k: os.environ.get(k) for k in ("SHAOBING_HOME", *ENV)}
    os.environ.update({"SHAOBING_HOME": str(path), **ENV})
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class Run:
    """``shaobing ARGS`` in a process group of its own, its output watched for the ``nth`` line
    holding ``words``."""

    def __init__(self, home, *args, words: str, nth: int = 1):
        from prefect.settings import PREFECT_API_URL

        env = {**os.environ, "SHAOBING_HOME": str(home), "PREFECT_HOME": str(home / "prefect"),
               "PREFECT_API_URL": PREFECT_API_URL.value(),  # the session's server: no start-up of one per run
               "PYTHONDONTWRITEBYTECODE": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **ENV}
        self.proc = subprocess.Popen([sys.executable, "-m", "pipelines.cli", *map(str, args)], cwd=ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True)
        self.lines: list[str] = []
        self.begun = threading.Event()
        self.begun_at = 0.0
        self._reader = threading.Thread(target=self._watch, args=(words, nth), daemon=True)
        self._reader.start()

    def _watch(self, words: str, nth: int) -> None:
        seen = 0
        for line in self.proc.stdout:
            self.lines.append(line)
            seen += words in line
            if seen == nth and not self.begun.is_set():
                self.begun_at = time.monotonic()
                self.begun.set()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def kill_after(self, seconds: float) -> bool:
        """SIGKILL it that long after the line; whether it was still running."""
        assert self.begun.wait(180), self.output
        time.sleep(max(0.0, seconds - (time.monotonic() - self.begun_at)))
        running = self.proc.poll() is None
        self.proc.kill()
        self.proc.wait(timeout=60)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # its worker processes, if it had any left
        except ProcessLookupError:
            pass
        self._reader.join(10)
        return running


def killed(start, home, *args, point: str) -> Run:
    """``shaobing ARGS`` on a copy of home ``start``, SIGKILLed at ``point`` of KILL_POINTS; sooner
    when it ended before (a fast machine), so that it is killed while it runs."""
    words, nth, most = KILL_POINTS[args[0]][point]
    delay = random.Random(f"{SEED}-{args[0]}-{point}").uniform(0, most)
    for _ in range(4):
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(start, home)
        run = Run(home, *args, words=words, nth=nth)
        if run.kill_after(delay):
            return run
        delay /= 4
    pytest.fail(f"`shaobing {args[0]}` ended each time before it was killed:\n{run.output}")


@pytest.fixture(scope="module")
def runs(prefect_harness, tmp_path_factory):
    """A seeded sample and the uninterrupted runs every interrupted one is compared with: a home with
    areas only, the same after ``ingest`` and ``retrain``, and a copy of that after ``weekly``."""
    root = tmp_path_factory.mktemp("faults")
    sample, areas, ingested, weekly = (root / n for n in ("sample", "areas", "ingested", "weekly"))
    with home_env(areas):
        assert main(["sample", "--out", str(sample), "--reports", str(REPORTS), "--seed", str(SEED)]) == 0
        assert main(["areas", "import", str(sample / "areas.csv")]) == 0
    shutil.copytree(areas, ingested)
    files = [sample / f for f in FILES]
    with home_env(ingested):
        assert main(["ingest", *map(str, files)]) == 0
        assert main(["retrain"]) == 0
    first = query(ingested, "select min(received_at)::date from reports")[0][0]
    through = first - dt.timedelta(days=first.weekday()) + dt.timedelta(weeks=WEEKS)
    shutil.copytree(ingested, weekly)
    with home_env(weekly):
        assert main(["weekly", "--through", str(through)]) == 0
    return SimpleNamespace(files=files, areas=areas, ingested=ingested, weekly=weekly, through=through)


def query(home, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.sql(sql, params=params).fetchall()
    finally:
        con.close()


def loaded(home) -> dict:
    """What ingest stored: reports, quarantined rows, and each file's batch."""
    return {"reports": query(home, "select report_id, content_hash, batch_id is not null from reports order by 1"),
            "quarantine": query(home, 'select file_name, row_number, "column", kind from quarantine order by all'),
            "batches": query(home, "select file_name, file_hash, rows_in, rows_loaded, rows_quarantined from batches order by 1")}


def detected(home) -> dict:
    """What weekly stored: scores, counts, weeks run, signals, alerts and the reports behind them."""
    return {"scores": query(home, "select model_version, count(*), count(*) filter (where flagged) from report_scores group by 1"),
            "counts": query(home, "select model_version, count(*), sum(n) from weekly_counts group by 1"),
            "weeks": query(home, "select week, signals, new_alerts from weekly_runs order by week"),
            "signals": query(home, "select signal_id, observed from signals order by 1"),
            "alerts": query(home, """select alert_id, area_code, category, place, first_week, last_week, status, observed,
                                            (select count(*) from alert_reports x where x.alert_id = a.alert_id)
                                     from alerts a order by alert_id""")}


def assert_consistent(home) -> None:
    """Nothing lost, nothing twice, every alert whole, no temporary file left behind."""
    assert query(home, """select b.batch_id from batches b
        where b.rows_in != b.rows_loaded + b.rows_quarantined
           or b.rows_loaded != (select count(*) from reports r where r.batch_id = b.batch_id)
           or b.rows_quarantined != (select count(*) from quarantine q where q.batch_id = b.batch_id)""") == []
    assert query(home, "select count(*) = count(distinct file_hash) from batches") == [(True,)]
    assert query(home, "select count(*) from reports where batch_id not in (select batch_id from batches)") == [(0,)]
    assert query(home, """select count(*) = count(distinct (report_id, category, model_version)) from report_scores""") == [(True,)]
    assert query(home, """select count(*) = count(distinct (content_hash, tokenizer)) from token_cache""") == [(True,)]
    assert query(home, """select area_code, category, place from alerts where status in (select unnest(?))
                          group by all having count(*) > 1""", [list(OPEN_STATUSES)]) == []
    assert query(home, """select count(*) from alert_reports x where x.alert_id not in (select alert_id from alerts)
                          or x.report_id not in (select report_id from reports)""") == [(0,)]
    weeks = [w for (w,) in query(home, "select week from weekly_runs order by week")]
    assert all(b - a == dt.timedelta(weeks=1) for a, b in zip(weeks, weeks[1:]))
    assert [p.name for p in home.rglob("*.tmp")] == []


def test_a_killed_ingest_run_again_loads_every_row_once(runs, tmp_path):
    expected = loaded(runs.ingested)
    for point in KILL_POINTS["ingest"]:
        home = tmp_path / point
        killed(runs.areas, home, "ingest", *runs.files, point=point)
        with home_env(home):
            assert main(["ingest", *map(str, runs.files)]) == 0, point
        assert_consistent(home)
        assert loaded(home) == expected, point


def test_a_terminated_run_stops_cleanly(runs, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(runs.areas, home)
    run = Run(home, "ingest", *runs.files, words="reading")
    assert run.begun.wait(180), run.output
    run.proc.send_signal(signal.SIGTERM)  # as `kill PID` does: Ctrl-C's way out, transactions rolled back
    code = run.proc.wait(timeout=60)
    run._reader.join(10)
    assert code == 130, run.output
    assert run.output.rstrip().endswith("interrupted") and "Traceback" not in run.output
    assert_consistent(home)


HUNG = """
import signal, subprocess, sys, time
from pipelines import cli
cli.STOP_GRACE = 1.0
signal.signal(signal.SIGTERM, cli._terminated)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
ready = False
while True:
    try:
        if not ready:   # said inside the try: a signal landing right after it is swallowed too (once it
            print("ready", child.pid, flush=True)   # escaped, and Python died of SIGINT: CI met it once)
            ready = True
        time.sleep(10)
    except KeyboardInterrupt:
        pass   # a library that swallows the interruption: the run would never stop
"""


def test_a_terminated_run_that_hangs_is_made_to_stop(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", HUNG], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    ready = proc.stdout.readline()
    assert ready.startswith("ready"), ready
    child = int(ready.split()[1])
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 130
    assert proc.stdout.read().rstrip().endswith("forced to stop; interrupted")
    for _ in range(50):  # its child was told to stop too
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        if open(f"/proc/{child}/stat").read().rsplit(")", 1)[1].split()[0] == "Z":
            break        # ended, not yet reaped
        time.sleep(0.1)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("the child process was left running")


def test_an_interruption_that_prefect_turns_into_another_error_still_stops_the_run(runs, tmp_path, monkeypatch,
                                                                                  capsys):
    # SIGTERM landing in one of Prefect's own API calls can come out as, say, an HTTP error: the
    # run must still stop as interrupted (130), not report the file as failed and go on to the next.
    import pipelines.ingest as ingest

    home = tmp_path / "home"
    shutil.copytree(runs.areas, home)
    calls = []

    def cut_short(path):
        calls.append(path)
        settings.mark_stopping()          # what the CLI's SIGTERM handler records
        raise RuntimeError("the API call was cut short")

    monkeypatch.setattr(ingest, "read_raw", cut_short)
    with home_env(home):
        assert main(["ingest", *map(str, runs.files)]) == 130
    assert len(calls) == 1                   # no next file
    assert capsys.readouterr().err.rstrip().endswith("interrupted")
    assert_consistent(home)
    with home_env(home):
        assert main(["status"]) == 0      # the next command starts afresh
    assert not settings.stopping()


def test_a_killed_weekly_run_again_raises_the_same_alerts(runs, tmp_path):
    expected = detected(runs.weekly)
    assert expected["alerts"], "the uninterrupted run raised no alert to compare with"
    for point in KILL_POINTS["weekly"]:
        home = tmp_path / point
        run = killed(runs.ingested, home, "weekly", "--through", runs.through, point=point)
        assert_consistent(home)  # the warehouse a kill leaves is consistent too, before any rerun
        left = query(home, "select (select count(*) from report_scores), (select count(*) from weekly_runs)")[0]
        where = f"killed {point}, leaving {left[0]} scores and {left[1]} weeks:\n{run.output}"
        with home_env(home):
            assert main(["weekly", "--through", str(runs.through)]) == 0, where
        assert_consistent(home)
        assert detected(home) == expected, where
        assert query(home, "select count(*) from alerts") == [(len(expected["alerts"]),)]


def test_a_weekly_run_that_failed_half_way_resumes_with_the_remaining_weeks(runs, tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    shutil.copytree(runs.ingested, home)
    total = len(detected(runs.weekly)["weeks"])
    stored, real = [], warehouse.store_week

    def store_then_fail(con, week, *args, **kw):
        if len(stored) == total // 2:
            raise RuntimeError("injected failure half-way")
        real(con, week, *args, **kw)
        stored.append(week)

    monkeypatch.setattr(warehouse, "store_week", store_then_fail)
    with home_env(home), pytest.raises(RuntimeError, match="injected"):
        main(["weekly", "--through", str(runs.through)])
    assert len(query(home, "select * from weekly_runs")) == total // 2
    monkeypatch.setattr(warehouse, "store_week", real)
    capsys.readouterr()
    with home_env(home):
        assert main(["weekly", "--through", str(runs.through)]) == 0
    assert f"{total - total // 2} weeks detected" in capsys.readouterr().out
    assert_consistent(home)
    assert detected(home) == detected(runs.weekly)


def test_a_weekly_run_stopped_between_scores_and_counts_counts_those_scores_when_run_again(runs, tmp_path, monkeypatch):
    later = runs.through + dt.timedelta(weeks=4)  # four weeks more than the reference run detected
    expected = tmp_path / "expected"
    shutil.copytree(runs.weekly, expected)
    with home_env(expected):
        assert main(["weekly", "--through", str(later)]) == 0
    home = tmp_path / "home"
    shutil.copytree(runs.weekly, home)
    real = warehouse.refresh_weekly_counts

    def fail(*args, **kw):
        raise RuntimeError("stopped after the scores were stored")

    monkeypatch.setattr(warehouse, "refresh_weekly_counts", fail)
    with home_env(home), pytest.raises(RuntimeError, match="stopped"):
        main(["weekly", "--through", str(later)])
    monkeypatch.setattr(warehouse, "refresh_weekly_counts", real)
    with home_env(home):
        assert main(["weekly", "--through", str(later)]) == 0  # nothing left to score: the counts still change
    assert_consistent(home)
    assert detected(home) == detected(expected)


# ---------------------------------------------------------------- an unwritable home, a full disk
def cli_as_user(home, *args) -> subprocess.CompletedProcess:
    """``shaobing ARGS`` with this home, as user nobody when the tests run as root (root may write
    anywhere, so a read-only folder would not stop it). setpriv, not subprocess's ``user=``: the
    interpreter may live under /root, which nobody may cross, and only setpriv's exec gets there."""
    env = {**os.environ, "SHAOBING_HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PREFECT_HOME", None)
    prefix = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: cannot drop to an unprivileged user")
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    return subprocess.run([*prefix, sys.executable, "-m", "pipelines.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def read_only_folder():
    path = Path(tempfile.mkdtemp(prefix="shaobing-ro-"))  # right in /tmp, which every user may cross
    path.chmod(0o555)
    yield path
    path.chmod(0o755)
    shutil.rmtree(path)


@pytest.mark.parametrize("where, command", [
    ("read-only folder", ["status"]),
    ("read-only folder", ["ingest", "calls.csv"]),
    ("read-only folder", ["weekly"]),
    ("inside a read-only folder", ["ingest", "calls.csv"]),  # the home cannot even be made
    ("a file", ["ingest", "calls.csv"]),
])
def test_an_unwritable_home_gives_one_clear_line(read_only_folder, where, command):
    if where == "read-only folder":
        home, reason = read_only_folder, "permission denied"
    elif where == "inside a read-only folder":
        home, reason = read_only_folder / "home", "permission denied"
    else:
        home = read_only_folder / "afile"
        os.chmod(read_only_folder, 0o755)
        home.write_text("not a folder")
        os.chmod(read_only_folder, 0o555)
        reason = "it is a file, not a folder"
    out = cli_as_user(home, *command)
    assert out.returncode != 0
    assert out.stderr.strip().splitlines() == [
        f"error: cannot write to SHAOBING_HOME {home}: {reason}; set SHAOBING_HOME to a writable folder"]
    assert "Traceback" not in out.stdout


def table_counts(home) -> dict:
    names = [n for (n,) in query(home, "select table_name from information_schema.tables order by 1")]
    return {n: query(home, f'select count(*) from "{n}"')[0][0] for n in names}


class FullDisk:
    """A warehouse connection whose commit fails as DuckDB's does when the disk is full: the
    transaction is gone, and the error names the file it could not write."""

    def __init__(self, con):
        self._con = con

    def __getattr__(self, name):
        return getattr(self._con, name)

    def execute(self, sql, *args):
        if sql.strip().lower() == "commit":
            self._con.execute("rollback")
            raise duckdb.TransactionException(f'TransactionContext Error: Failed to commit: Could not write file '
                                              f'"{settings.warehouse_path()}.wal": No space left on device')
        return self._con.execute(sql, *args)


def full_disk_on_copy(monkeypatch, target: str) -> None:
    """Fail with ENOSPC where ``target`` is written: the snapshot's copy or the brief's workbook."""
    if target == "snapshot":
        def copy(src, dst, *a, **kw):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))

        monkeypatch.setattr(shutil, "copyfile", copy)
    else:
        import xlsxwriter
        from xlsxwriter.exceptions import FileCreateError

        def close(self):
            try:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self.filename)
            except OSError as exc:
                raise FileCreateError(exc)  # as xlsxwriter wraps it

        monkeypatch.setattr(xlsxwriter.Workbook, "close", close)


@pytest.mark.parametrize("where", ["warehouse", "snapshot", "brief"])
def test_a_full_disk_gives_one_clear_line_and_changes_nothing(runs, tmp_path, monkeypatch, capsys, where):
    home = tmp_path / "home"
    shutil.copytree(runs.weekly, home)
    new = tmp_path / "calls.csv"
    new.write_text("工单编号,来电时间,诉求内容\nF1,2025-06-02 10:00:00,楼下工地欠薪\n", encoding="utf-8")
    snapshot = (home / "board.duckdb").read_bytes()
    before = table_counts(home)
    real_connect = warehouse.connect
    if where == "warehouse":
        monkeypatch.setattr(warehouse, "connect", lambda *a, **kw: FullDisk(real_connect(*a, **kw)))
        command, path = ["ingest", str(new)], home / "warehouse.duckdb"
    elif where == "snapshot":
        full_disk_on_copy(monkeypatch, "snapshot")
        command, path = ["areas", "import", str(runs.files[0].parent / "areas.csv")], home / "board.duckdb"
    else:
        full_disk_on_copy(monkeypatch, "brief")
        week = runs.through - dt.timedelta(weeks=1)
        command, path = ["weekly", "--through", str(runs.through)], home / "briefs" / f"brief_{week}.xlsx"
    capsys.readouterr()
    with home_env(home):
        assert main(command) == 1
    out = capsys.readouterr()
    assert f"error: disk full: cannot write {path} (no space left on device); free some space and run it again" \
        in out.err.splitlines()
    assert "Traceback" not in out.err + out.out
    monkeypatch.setattr(warehouse, "connect", real_connect)
    assert table_counts(home) == before
    assert (home / "board.duckdb").read_bytes() == snapshot
    assert [p.name for p in home.rglob("*.tmp")] == []


def test_the_file_writing_tasks_retry_a_failed_write(runs, tmp_path, monkeypatch):
    import skops.io as sio
    from prefect import flow
    from xlsxwriter import Workbook

    from pipelines import files, registry

    home = tmp_path / "home"
    shutil.copytree(runs.weekly, home)
    (home / "board.duckdb").unlink()
    shutil.rmtree(home / "briefs")
    calls = {"copy": 0, "close": 0, "dump": 0}
    real_copy, real_close, real_dump = shutil.copyfile, Workbook.close, sio.dump

    def copy_fails_once(src, dst, *a, **kw):
        calls["copy"] += 1
        if calls["copy"] == 1:
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(dst))
        return real_copy(src, dst, *a, **kw)

    def close_fails_once(self):
        calls["close"] += 1
        if calls["close"] == 1:
            raise OSError(errno.EIO, os.strerror(errno.EIO), self.filename)
        return real_close(self)

    def dump_fails_once(obj, file, *a, **kw):
        calls["dump"] += 1
        if calls["dump"] == 1:
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(file))
        return real_dump(obj, file, *a, **kw)

    monkeypatch.setattr(shutil, "copyfile", copy_fails_once)
    monkeypatch.setattr(Workbook, "close", close_fails_once)
    monkeypatch.setattr(sio, "dump", dump_fails_once)
    for step in (files.publish_snapshot, files.write_brief, files.save_model):
        assert step.retries >= 2 and step.retry_delay_seconds == [1, 2, 4][:step.retries]
        monkeypatch.setattr(step, "retry_delay_seconds", [0.01] * step.retries)
    week = runs.through - dt.timedelta(weeks=1)

    @flow
    def write_all():
        return files.publish_snapshot(), files.write_brief(week), files.save_model({"a": [1, 2]}, "m-test")

    with home_env(home):
        assert write_all() == (home / "board.duckdb", home / "briefs" / f"brief_{week}.xlsx",
                               home / "models" / "m-test" / "model.skops")
        assert registry.load("models/m-test/model.skops") == {"a": [1, 2]}
    assert calls == {"copy": 2, "close": 2, "dump": 2}
    assert table_counts(home)["alerts"] == len(detected(runs.weekly)["alerts"])
    con = warehouse.connect(home / "board.duckdb", read_only=True)
    assert con.sql("select count(*) from alerts").fetchone() == (len(detected(runs.weekly)["alerts"]),)
    con.close()
    assert (home / "briefs" / f"brief_{week}.xlsx").stat().st_size > 0
    assert [p.name for p in home.rglob("*.tmp")] == []
