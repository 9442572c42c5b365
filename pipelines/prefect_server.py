"""The Prefect server a `shaobing` command's flow reports to.

With no ``PREFECT_API_URL``, Prefect starts a temporary server on the flow's first call: it imports
its server code into the command's process (3–4 s) and then waits, idle, for the server process to
answer (~5 s more) — twelve seconds before a command that loads nothing could say so. ``start``
launches the same server, with the command line and environment Prefect gives it, as the command
starts and before it imports Prefect, so that the server comes up on the other core while the
command imports polars, DuckDB and its flows (a command's fixed cost: 12 → 6 s); ``ready`` waits
for it just before the flow runs. The server stops when the command ends, and dies with it when the
command is killed (a temporary server of Prefect's own outlived a ``kill -9``).

Nothing is started when Prefect is already imported (the command runs inside another program, e.g.
a test with its own server) or when a server is configured (``PREFECT_API_URL`` in the environment,
the active Prefect profile, or ``prefect.toml`` / ``pyproject.toml`` / ``.env`` in the working folder).
"""
from __future__ import annotations

import atexit
import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

_server: subprocess.Popen | None = None
_url: str | None = None


def configured_elsewhere() -> bool:
    """Whether Prefect's own settings name an API (so it is not ours to start one)."""
    if os.environ.get("PREFECT_API_URL"):
        return True
    home = Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect"))
    profiles = _toml(Path(os.environ.get("PREFECT_PROFILES_PATH", home / "profiles.toml")))
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active", "ephemeral")
    if profiles.get("profiles", {}).get(active, {}).get("PREFECT_API_URL"):
        return True
    if _toml(Path("prefect.toml")).get("api", {}).get("url"):
        return True
    if _toml(Path("pyproject.toml")).get("tool", {}).get("prefect", {}).get("api", {}).get("url"):
        return True
    try:
        return any(line.strip().startswith("PREFECT_API_URL") for line in Path(".env").read_text().splitlines())
    except (OSError, UnicodeDecodeError):
        return False


def _toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def start() -> None:
    """Start the temporary server and point Prefect at it (``PREFECT_API_URL``), unless Prefect is
    imported already or a server is configured; Prefect then does as it would have done."""
    global _server, _url
    allowed = os.environ.get("PREFECT_SERVER_ALLOW_EPHEMERAL_MODE", "true").strip().lower() not in ("0", "false", "no")
    if _server is not None or "prefect" in sys.modules or not allowed or configured_elsewhere():
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))  # a port free now; uvicorn binds it a moment later
        port = sock.getsockname()[1]
    package = Path(importlib.util.find_spec("prefect").origin).parent  # found, not imported
    prctl, parent = ctypes.CDLL(None, use_errno=True).prctl, os.getpid()

    def die_with_parent() -> None:  # in the child before exec: SIGTERM when this process ends, however
        prctl(1, signal.SIGTERM)    # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # it ended already
            os._exit(1)

    # as prefect.server.api.server.SubprocessASGIServer runs it (Prefect 3.9), and dying with us
    _server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--app-dir", str(package), "--factory",
         "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "error", "--lifespan", "on"],
        env={**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"},
        preexec_fn=die_with_parent, stdin=subprocess.DEVNULL)
    _url = f"http://127.0.0.1:{port}/api"
    os.environ["PREFECT_API_URL"] = _url
    atexit.register(stop)


def ready() -> None:
    """Wait until the server ``start`` launched answers (nothing to wait for if none was)."""
    if _server is None:
        return
    seconds = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "20"))
    wait_healthy(_url, seconds, _server)


def wait_healthy(url: str, seconds: float, proc: subprocess.Popen | None = None) -> None:
    """Wait for the Prefect API at ``url`` to answer /health; a clear error if it has not within
    ``seconds`` or its process ``proc`` ended."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2):
                return
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"the Prefect server for {url} stopped as it started (exit code {proc.returncode}); "
                             "its messages are above")
        if time.monotonic() > deadline:
            raise SystemExit(f"the Prefect server at {url} did not answer within {seconds:.0f} s")
        time.sleep(0.1)


def stop() -> None:
    """Stop the temporary server (as Prefect stops its own: terminate, then kill after 5 s)."""
    global _server
    if _server is None:
        return
    proc, _server = _server, None
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if os.environ.get("PREFECT_API_URL") == _url:
        del os.environ["PREFECT_API_URL"]
