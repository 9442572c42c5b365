"""Jobs started from the board (retrain, promote, roll back, ingest an upload, weekly): the CLI in a
process of its own, so the board process never holds the warehouse's write lock.

``start`` records the job in reviews.sqlite and spawns ``python -m pipelines.jobs ID``, which runs
board jobs one at a time (a file lock), waits while a flow holds the warehouse (a `shaobing weekly`
started elsewhere), then runs ``shaobing ...`` with its output in ``$SHAOBING_HOME/jobs/ID.log``.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import polars as pl

from . import reasons, reviews, settings
from .cli import JOB_RESULT

KINDS = {"retrain": "重新训练模型", "promote": "启用模型版本", "rollback": "回滚到上一冠军模型",
         "ingest": "导入数据文件", "weekly": "运行每周研判"}
ROOT = Path(__file__).resolve().parent.parent
WAIT_FOR_WAREHOUSE_S = 6 * 3600
SCHEMA = {"job_id": pl.Int64, "kind": pl.String, "argv": pl.String, "started_by": pl.String, "role": pl.String,
          "created_at": pl.String, "state": pl.String, "pid": pl.Int64, "started_at": pl.String,
          "finished_at": pl.String, "returncode": pl.Int64, "log_path": pl.String}
STATE_NAMES = {"queued": "排队中", "running": "运行中", "succeeded": "已完成", "failed": "失败", "lost": "已中断"}


class JobError(ValueError):
    """A job that cannot be started (the message, in Chinese, says why)."""


def jobs_dir() -> Path:
    path = settings.home() / "jobs"
    path.mkdir(exist_ok=True)
    return path


def command(kind: str, arg: str | None = None) -> list[str]:
    """The `shaobing` arguments of a job."""
    if kind not in KINDS:
        raise JobError(f"未知任务：{kind}")
    if kind in ("promote", "ingest") and not arg:
        raise JobError("请指定模型版本或文件。")
    return {"retrain": ["retrain"], "promote": ["models", "promote", arg or ""], "rollback": ["models", "rollback"],
            "ingest": ["ingest", arg or ""], "weekly": ["weekly"]}[kind]


def start(kind: str, arg: str | None, *, user: str, role: str) -> int:
    """Queue a job and spawn its runner; refuse a second job of the same kind while one is unfinished."""
    argv = command(kind, arg)
    with reviews._writing() as con:
        busy = con.execute("select job_id, pid from jobs where kind = ? and state in ('queued', 'running')",
                           [kind]).fetchall()
        if any(_alive(pid) for _, pid in busy):
            raise JobError(f"已有「{KINDS[kind]}」任务在排队或运行，请等它结束。")
        cur = con.execute("insert into jobs (kind, argv, started_by, role, created_at, state) values (?, ?, ?, ?, ?, 'queued')",
                          [kind, json.dumps(argv, ensure_ascii=False), user, role, reviews._now()])
        job_id = int(cur.lastrowid)
        log = jobs_dir() / f"{job_id}.log"
        con.execute("update jobs set log_path = ? where job_id = ?", [str(log), job_id])
        reviews._audit(con, user, role, f"job.{kind}", arg, {"job_id": job_id, "argv": argv})
    try:
        with open(log, "ab") as out:
            proc = subprocess.Popen([sys.executable, "-m", "pipelines.jobs", str(job_id)], stdout=out,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT,
                                    start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    except OSError as exc:
        _set(job_id, state="failed", finished_at=reviews._now(), returncode=-1)
        raise JobError(f"任务无法启动：{exc}") from None
    threading.Thread(target=proc.wait, daemon=True).start()  # reap it, or a finished job looks alive
    _set(job_id, pid=proc.pid)
    return job_id


def _set(job_id: int, **values) -> None:
    with reviews._writing() as con:
        con.execute(f"update jobs set {', '.join(f'{k} = ?' for k in values)} where job_id = ?",  # keys are ours
                    [*values.values(), job_id])


def _alive(pid: int | None) -> bool:
    if not pid:
        return True  # spawned this instant: its pid is not recorded yet
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def jobs(limit: int = 20) -> pl.DataFrame:
    """The latest jobs, newest first; an unfinished job whose process is gone shows as lost."""
    frame = reviews._frame("select * from jobs order by job_id desc limit ?", (limit,), SCHEMA)
    return frame.with_columns(
        pl.struct("state", "pid").map_elements(
            lambda r: "lost" if r["state"] in ("queued", "running") and not _alive(r["pid"]) else r["state"],
            return_dtype=pl.String).alias("state")) if frame.height else frame


def log_tail(job_id: int, lines: int = 60) -> str:
    path = jobs_dir() / f"{int(job_id)}.log"
    try:
        text = path.read_text("utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def result_path(job_id: int) -> Path:
    """Where the job's command writes what it did (``pipelines.cli.job_result``)."""
    return jobs_dir() / f"{int(job_id)}.json"


def summary(job: dict, log: str | None = None) -> str | None:
    """One sentence in Chinese on what a finished job did, from what its command wrote (the log
    below it is the command's own, in English); None while it runs or when nothing was written.
    ``log``: the job's log tail when the caller has read it already (else it is read here)."""
    if job["state"] in ("queued", "running"):
        return None
    if job["state"] == "lost":
        return "任务进程已中断，未正常结束：请查看下方输出后重新发起。"
    try:
        r = json.loads(result_path(job["job_id"]).read_text("utf-8"))
    except (OSError, ValueError):
        r = None
    if job["state"] == "failed":
        log = log_tail(job["job_id"]) if log is None else log
        errors = [line.removeprefix("error: ") for line in log.splitlines() if line.startswith("error: ")]
        done = (r and _words(r)) or ""
        why = reasons.error_in_chinese(errors[-1]) if errors else None
        return f"{done}任务失败（退出码 {job['returncode']}）" + (f"：{why}" if why else "，详见下方输出。")
    return _words(r) if r else None


def _words(r: dict) -> str | None:
    kind = r.get("kind")
    if kind == "ingest":
        text = f"导入 {r['files']:,} 个文件：载入 {r['loaded']:,} 条报告，隔离 {r['quarantined']:,} 行"
        extra = [f"{r['skipped']:,} 个文件此前已导入，跳过" if r.get("skipped") else "",
                 f"{r['failed']:,} 个文件未能导入" if r.get("failed") else ""]
        return "，".join([text, *filter(None, extra)]) + "。" + ("隔离原因见「数据批次」。" if r["quarantined"] else "")
    if kind == "weekly":
        return (f"每周研判完成：模型 {r['model_version']} 评分 {r['scored']:,} 条报告，检测 {r['weeks']:,} 周，"
                f"信号 {r['signals']:,} 个，新预警 {r['new_alerts']:,} 条（未结预警共 {r['open_alerts']:,} 条）。")
    if kind == "retrain" and r.get("cold_start"):
        return (f"已标注的报告仅 {r['labelled']:,} 条，不足以训练模型：模型 {r['version']} 先用风险分类词表评分（冷启动），"
                "已启用为冠军。")
    if kind == "retrain":
        champion = "此前没有冠军" if r.get("champion_macro_f1") is None else f"冠军 {r['champion_macro_f1']}"
        outcome = "已启用为冠军" if r["promoted"] else "保留为挑战者，未启用"
        return (f"新模型 {r['version']}：在 {r['test_rows']:,} 条留出报告上 macro-F1 {r['macro_f1']}（{champion}），"
                f"训练用 {r['train_rows']:,} 条；{outcome}。")
    if kind in ("promote", "rollback"):
        return f"{'已回滚：' if kind == 'rollback' else ''}模型 {r['version']} 现为冠军。"
    return None


def _wait_for_warehouse(deadline: float) -> None:
    """Wait while another process (a flow) holds the warehouse's write lock."""
    path, told = settings.warehouse_path(), False
    while path.exists() and time.monotonic() < deadline:
        try:
            duckdb.connect(str(path)).close()
            return
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                return  # not ours to judge: the command itself will report it
            if not told:
                print("数据仓库正被其他流程占用（如每周研判），任务排队等待…", flush=True)
                told = True
            time.sleep(2)


def run(job_id: int) -> int:
    """The runner (in its own process): one board job at a time, then the CLI, then the outcome."""
    row = reviews._frame("select * from jobs where job_id = ?", (job_id,), SCHEMA).row(0, named=True)
    argv = json.loads(row["argv"])
    with open(jobs_dir() / "queue.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _wait_for_warehouse(time.monotonic() + WAIT_FOR_WAREHOUSE_S)
        _set(job_id, state="running", started_at=reviews._now())
        result_path(job_id).unlink(missing_ok=True)  # a leftover of an earlier home's job of this number
        print(f"$ shaobing {' '.join(argv)}", flush=True)
        code = subprocess.run([sys.executable, "-m", "pipelines.cli", *argv], cwd=ROOT, stdin=subprocess.DEVNULL,
                              env={**os.environ, JOB_RESULT: str(result_path(job_id))}).returncode
    # audited first: whoever sees the job finished (the board, a test) also finds it in the audit log
    # (its target as its start's: the version or the file; a rollback's argv ends in its subcommand)
    target = argv[-1] if row["kind"] in ("promote", "ingest") else None
    reviews.audit(row["started_by"], row["role"], f"job.{row['kind']}.finished", target,
                  {"job_id": job_id, "returncode": code})
    _set(job_id, state="succeeded" if code == 0 else "failed", finished_at=reviews._now(), returncode=code)
    return code


def save_upload(name: str, data: bytes, user: str) -> Path:
    """Keep an uploaded file under $SHAOBING_HOME/uploads, under its own (cleaned) name: batches
    record the file name, and the same bytes uploaded twice are recognised by their hash."""
    safe = re.sub(r"[^\w.\-\u4e00-\u9fff]+", "_", Path(name).name).strip("._") or "upload"
    who = re.sub(r"[^\w.-]+", "_", user)
    folder = settings.home() / "uploads" / f"{settings.now():%Y%m%d-%H%M%S}-{who}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe
    path.write_bytes(data)
    return path


if __name__ == "__main__":
    sys.exit(run(int(sys.argv[1])))
