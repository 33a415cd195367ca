"""`planalign local` keeps workspaces, runs and artifacts across a stop and a restart."""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from planalign.local.stack import free_port

from tests.integration.conftest import (
    latest_run_id,
    make_scenario,
    make_workspace,
    upload,
    wait_for,
    wait_terminal,
)

pytestmark = pytest.mark.integration


@contextmanager
def planalign_local(data_dir: Path, port: int) -> Iterator[httpx.Client]:
    env = {**os.environ, "PLANALIGN_API_TOKENS": "tenant-r:token-r"}
    process = subprocess.Popen(
        [sys.executable, "-m", "planalign.cli", "local", "--port", str(port), "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers={"Authorization": "Bearer token-r"}, timeout=30
    )
    try:
        wait_for(lambda: _healthy(client), timeout=60)
        yield client
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, output


def _healthy(client: httpx.Client) -> bool:
    try:
        return client.get("/api/health").status_code == 200
    except httpx.TransportError:
        return False


def test_restart_keeps_workspaces_runs_and_artifacts(tmp_path: Path, small_census: bytes) -> None:
    data_dir = tmp_path / "data"
    with planalign_local(data_dir, free_port()) as api:
        workspace_id = make_workspace(api, name="kept")
        scenario_id = make_scenario(api, workspace_id, config_overrides={"simulation": {"end_year": 2025}})
        assert upload(api, workspace_id, small_census, run_scenarios=[scenario_id]).status_code == 204
        run_id = latest_run_id(api, scenario_id)
        finished = wait_terminal(api, run_id)
        assert finished["status"] == "completed", finished
        results_before = api.get(f"/api/runs/{run_id}/results").json()

    with planalign_local(data_dir, free_port()) as api:
        assert api.get(f"/api/workspaces/{workspace_id}").json()["name"] == "kept"
        run = api.get(f"/api/runs/{run_id}").json()
        assert run["status"] == "completed"
        assert api.get(f"/api/runs/{run_id}/results").json() == results_before
        export = api.get(f"/api/runs/{run_id}/results/export", params={"format": "csv"})
        assert httpx.get(export.headers["location"]).content.startswith(b"simulation_year")
        datasets = api.get(f"/api/workspaces/{workspace_id}/datasets").json()
        assert datasets[0]["status"] == "imported"
