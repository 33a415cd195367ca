"""Follows runs to their end: live over each run's WebSocket (the Studio's snapshot/update/milestone
messages), and by polling `GET /api/runs/{id}` when the socket cannot be opened or drops. The run
that is returned is always read over HTTP, so it is the API's word on how the run ended."""

import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from planalign.client.api import TERMINAL, PlanAlignClient

logger = logging.getLogger(__name__)

# Without a message for this long (heartbeats come every 5 s while a stage works; a pending run has
# none), the run is read over HTTP once.
QUIET_SECONDS = 10.0
POLL_SECONDS = 0.5

Progress = Callable[[str, dict[str, Any]], None]


class WaitTimeout(Exception):
    """The runs did not end in time."""


def follow_run(
    client: PlanAlignClient, run_id: str, on_progress: Progress, timeout: float, use_websocket: bool = True
) -> dict[str, Any]:
    """Report `{status, progress, current_stage}` as it changes; answer the ended run."""
    deadline = time.monotonic() + timeout
    if use_websocket:
        try:
            _follow_socket(client, run_id, on_progress, deadline)
        except (OSError, TimeoutError, ValueError) as error:
            logger.info("run %s: WebSocket unavailable (%s), polling", run_id, error)
        except Exception as error:  # websockets' own errors: a refused or dropped socket
            if type(error).__module__.split(".")[0] != "websockets":
                raise
            logger.info("run %s: WebSocket closed (%s), polling", run_id, error)
    return _poll(client, run_id, on_progress, deadline)


def _follow_socket(client: PlanAlignClient, run_id: str, on_progress: Progress, deadline: float) -> None:
    from websockets.sync.client import connect

    with connect(client.websocket_url(run_id), open_timeout=10, close_timeout=1) as socket:
        while time.monotonic() < deadline:
            try:
                raw = socket.recv(timeout=min(QUIET_SECONDS, max(deadline - time.monotonic(), 0.1)))
            except TimeoutError:
                run = client.run(run_id)
                on_progress(run_id, run)
                if run["status"] in TERMINAL:
                    return
                continue
            message = json.loads(raw)
            data = message.get("data") or {}
            if message.get("type") in ("snapshot", "update"):
                on_progress(run_id, data)
                if data.get("status") in TERMINAL:
                    return
            elif message.get("type") == "milestone" and data.get("kind") == "terminal":
                return


def _poll(client: PlanAlignClient, run_id: str, on_progress: Progress, deadline: float) -> dict[str, Any]:
    while True:
        run = client.run(run_id)
        on_progress(run_id, run)
        if run["status"] in TERMINAL:
            return run
        if time.monotonic() > deadline:
            raise WaitTimeout(f"run {run_id} is still {run['status']}")
        time.sleep(POLL_SECONDS)


def follow_runs(
    client: PlanAlignClient,
    run_ids: list[str],
    on_progress: Progress,
    timeout: float,
    use_websocket: bool = True,
) -> dict[str, dict[str, Any]]:
    """Follow every run at once (a socket each); answers the ended runs by id."""
    if not run_ids:
        return {}
    with ThreadPoolExecutor(max_workers=min(len(run_ids), 32), thread_name_prefix="follow") as pool:
        futures = {
            run_id: pool.submit(follow_run, client, run_id, on_progress, timeout, use_websocket)
            for run_id in run_ids
        }
        return {run_id: future.result() for run_id, future in futures.items()}
