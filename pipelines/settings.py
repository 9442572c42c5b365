"""One registry of settings: each declared once as (name, default, help).

Values come from the environment (``SHAOBING_*``); the CLI's ``shaobing settings`` lists them and a
test checks that every setting is documented in the README.
"""
from __future__ import annotations

import datetime as dt
import errno
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("SHAOBING_HOME", "./var", "folder of all runtime state: warehouse, models, briefs, Prefect home, logs"),
    Setting("SHAOBING_SALT", "", "secret salt for reporter_key hashes; if empty, one is generated once and kept in $SHAOBING_HOME/salt"),
    Setting("SHAOBING_TAXONOMY", "", "path of a taxonomy TOML replacing the built-in risk categories"),
    Setting("SHAOBING_TIMEZONE", "Asia/Shanghai", "time zone of the weekly schedule, of report timestamps and of "
            "the times the board shows and writes (decisions, snapshot, the brief's export time)"),
    Setting("SHAOBING_WEEKLY_CRON", "0 6 * * 1", "cron of the served weekly flow (Mondays 06:00)"),
    Setting("SHAOBING_MIN_COUNT", "3", "least reports before a detector may raise a signal: in the area-week for one-week detectors, over the chart's run for the CUSUMs"),
    Setting("SHAOBING_ALERT_BUDGET", "10", "most new alerts raised per week (the strongest first)"),
    Setting("SHAOBING_ALERT_QUIET_WEEKS", "8", "a new alert nobody reviewed lapses (expired) after this many weeks without a signal"),
    Setting("SHAOBING_CLUSTER_WEEKS", "4", "rolling window, in weeks, over which reports naming the same place or organisation are counted"),
    Setting("SHAOBING_CLUSTER_REPORTERS", "3", "least distinct reporters naming a place or organisation before it becomes a cluster signal (2 suffice across two channels)"),
    Setting("SHAOBING_SEGMENTER", "rjieba", "engine of jieba segmentation: rjieba (jieba-rs, 4x faster at a million reports) or jieba (the Python reference); the token cache keeps each engine's tokens apart"),
    Setting("SHAOBING_LOCK_WAIT", "300", "seconds a command waits for the warehouse while another process writes it (a flow holds it for minutes) before giving up with one line"),
    Setting("SHAOBING_DUCKDB_MEMORY", "1GB", "memory DuckDB may keep for the warehouse in each process (DuckDB's memory_limit: its cache of "
            "table blocks, and operators that need more spill to disk beside the warehouse); DuckDB's own default is 80% of RAM"),
    Setting("SHAOBING_WORKERS", "2", "processes used to segment and score text, validate big files, find the names in flagged reports and compute a replay's signals; threads used to fit the classifier"),
    Setting("SHAOBING_DASK_ADDRESS", "", "address of a Dask scheduler (tcp://host:8786): the weekly flow scores its reports on that cluster's workers instead of local processes"),
    Setting("SHAOBING_PROMOTE_MARGIN", "0", "retrain promotes a challenger whose held-out macro-F1 is at least the champion's minus this"),
)
_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    """The value of a declared setting from the environment, else its default."""
    return os.environ.get(name) or _BY_NAME[name].default


def get_int(name: str) -> int:
    value = get(name)
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"setting {name}={value!r}: expected a whole number") from None


def promote_margin() -> float:
    value = get("SHAOBING_PROMOTE_MARGIN")
    try:
        margin = float(value)
    except ValueError:
        margin = -1.0
    if not 0 <= margin < 1:
        raise SystemExit(f"setting SHAOBING_PROMOTE_MARGIN={value!r}: expected a macro-F1 difference "
                         "between 0 and 1, such as 0 (not worse) or 0.01")
    return margin


def duckdb_memory() -> str:
    """SHAOBING_DUCKDB_MEMORY, checked: DuckDB keeps every block of the warehouse it has touched
    in memory up to its limit (80% of RAM by default): a million reports' scores stored left the
    weekly run's process 0.2–0.4 GB bigger than with 1 GB, in the same time."""
    value = get("SHAOBING_DUCKDB_MEMORY").strip()
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", value, flags=re.IGNORECASE):
        raise SystemExit(f"setting SHAOBING_DUCKDB_MEMORY={value!r}: expected an amount such as 1GB, 512MB or 2GiB")
    return value


# Set when the process was told to stop (SIGTERM or Ctrl-C reaching the CLI): an interruption that
# surfaces inside Prefect's machinery can come out as some other exception (an HTTP call to the API
# cut short), which a per-file ``except Exception`` must not take for a failed file.
_stopping = threading.Event()


def mark_stopping() -> None:
    _stopping.set()


def stopping() -> bool:
    """Whether the run was told to stop (see ``mark_stopping``)."""
    return _stopping.is_set()


def clear_stopping() -> None:
    _stopping.clear()


def retry_unless_stopping(task, task_run, state) -> bool:
    """A retrying Prefect task's ``retry_condition_fn``: no retry once the run was told to stop
    (a retry's backoff would only hold the stop up)."""
    return not stopping()


class StorageError(SystemExit):
    """A full disk, a folder we may not write, or a warehouse that needs more memory than
    SHAOBING_DUCKDB_MEMORY allows: one clear line for the user, never a traceback.

    A SystemExit, like the CLI's other user-facing errors: Prefect logs it as one line instead of a
    traceback and does not retry it (a full disk stays full), and a per-file ``except Exception``
    does not swallow it, so a run stops at once instead of failing file after file.
    """


_REASONS = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded",
            errno.EACCES: "permission denied", errno.EPERM: "permission denied", errno.EROFS: "read-only file system"}
_FULL = (errno.ENOSPC, errno.EDQUOT)


def storage_problem(exc: BaseException, path: Path | str | None = None) -> str | None:
    """One line for a disk-full or permission error (an OSError, or a DuckDB error carrying one,
    also when it is the cause or context of ``exc``), naming ``path`` (else the file the error
    names); None for any other error."""
    while exc is not None:
        if isinstance(exc, StorageError):
            return str(exc.code)
        code = exc.errno if isinstance(exc, OSError) else _errno_in(str(exc))
        if code in _REASONS:
            found = re.search(r'file "([^"]+)"', str(exc))
            where = path or getattr(exc, "filename", None) or (found and found.group(1)) or "a file"
            if code in _FULL:
                return f"disk full: cannot write {where} ({_REASONS[code]}); free some space and run it again"
            return f"{where}: {_REASONS[code]}"
        exc = exc.__cause__ or exc.__context__
    return None


def _errno_in(message: str) -> int | None:
    """DuckDB reports a failed write with the system's words (strerror), not an errno."""
    return next((code for code in _REASONS if os.strerror(code) in message), None)


def storage_error(exc: BaseException, path: Path | str | None = None) -> StorageError | None:
    message = storage_problem(exc, path)
    return StorageError(message) if message else None


_writable: set[Path] = set()


def home() -> Path:
    """$SHAOBING_HOME, created if needed, with Prefect's state kept inside it.

    Checked once per process by writing a file in it: ``os.access`` says yes to root on a
    read-only mount and knows nothing of quotas.
    """
    path = Path(get("SHAOBING_HOME")).expanduser().resolve()
    if path not in _writable or not path.is_dir():
        _check_writable(path)
        _writable.add(path)
    return path


def _check_writable(path: Path) -> None:
    fix = "set SHAOBING_HOME to a writable folder"
    if path.exists() and not path.is_dir():
        raise StorageError(f"cannot write to SHAOBING_HOME {path}: it is a file, not a folder; {fix}")
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".write-check-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        if exc.errno in _FULL:
            raise StorageError(f"disk full: cannot write to SHAOBING_HOME {path} ({_REASONS[exc.errno]}); "
                               "free some space and run it again") from None
        reason = _REASONS.get(exc.errno) or (exc.strerror or str(exc)).lower()
        if isinstance(exc, (FileExistsError, NotADirectoryError)):
            reason = f"{exc.filename} is a file, not a folder"
        raise StorageError(f"cannot write to SHAOBING_HOME {path}: {reason}; {fix}") from None


def configure_prefect() -> None:
    """Keep Prefect offline and inside $SHAOBING_HOME; must run before prefect is imported."""
    os.environ.setdefault("PREFECT_HOME", str(home() / "prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
    # a loaded 2-core machine can take longer than the default 20 s to start the temporary server
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def timezone() -> ZoneInfo:
    name = get("SHAOBING_TIMEZONE")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SystemExit(f"setting SHAOBING_TIMEZONE={name!r}: expected an IANA time zone such as Asia/Shanghai") from None


def now() -> dt.datetime:
    """Wall-clock time in SHAOBING_TIMEZONE, naive like the stored report times it is compared with."""
    return dt.datetime.now(timezone()).replace(tzinfo=None)


def warehouse_path() -> Path:
    return home() / "warehouse.duckdb"


def snapshot_path() -> Path:
    """The read-only copy the board reads, published atomically after each flow."""
    return home() / "board.duckdb"


def models_dir() -> Path:
    path = home() / "models"
    path.mkdir(exist_ok=True)
    return path


def logs_dir() -> Path:
    path = home() / "logs"
    path.mkdir(exist_ok=True)
    return path


def briefs_dir() -> Path:
    path = home() / "briefs"
    path.mkdir(exist_ok=True)
    return path


def salt() -> str:
    """The reporter-hash salt: from the environment, else generated once and kept private."""
    value = get("SHAOBING_SALT")
    if value:
        return value
    path = home() / "salt"
    if not path.exists():
        import secrets

        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()
