"""Deployments in code: the weekly flow on its schedule (Mondays 06:00 Asia/Shanghai).

`shaobing serve` starts a local Prefect server under $SHAOBING_HOME (unless PREFECT_API_URL names
one) so that the runs and their logs show in the Prefect UI, then serves the flow on its schedule.
"""
from __future__ import annotations

import os
import subprocess
import sys

from . import prefect_server, settings

PREFECT_PORT = 4200


def weekly_schedule():
    from prefect.schedules import Cron

    return Cron(settings.get("SHAOBING_WEEKLY_CRON"), timezone=settings.get("SHAOBING_TIMEZONE"))


def start_local_server() -> subprocess.Popen:
    url = f"http://127.0.0.1:{PREFECT_PORT}/api"
    log = open(settings.home() / "prefect-server.log", "ab")
    proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                             "--port", str(PREFECT_PORT)], stdout=log, stderr=subprocess.STDOUT)
    prefect_server.wait_healthy(url, 60, proc)
    os.environ["PREFECT_API_URL"] = url
    print(f"Prefect UI: http://127.0.0.1:{PREFECT_PORT} (log: {log.name})")
    return proc


def serve() -> None:
    # the server first: Prefect reads PREFECT_API_URL once, when it is imported
    server = None if prefect_server.configured_elsewhere() else start_local_server()
    from .weekly import weekly

    try:
        weekly().serve(name="weekly", schedules=[weekly_schedule()],
                          description="Score, detect and brief the last whole week", tags=["shaobing"])
    finally:
        if server:
            server.terminate()
