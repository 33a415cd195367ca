"""`planalign local` keeps workspaces, runs and artifacts across a stop and a restart, and everything
it answered 2xx for across a kill -9; a stop lets what is being delivered finish."""

import gc
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import httpx
import pytest
from planalign.local.stack import free_port
from planalign.targets import ENDPOINT_FILE

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
def planalign_local_process(
    data_dir: Path, port: int
) -> Iterator[tuple[subprocess.Popen[str], httpx.Client]]:
    """`planalign local` in a process of its own; stopped with Ctrl-C at the end unless killed."""
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
        wait_for(lambda: _healthy(client), timeout=90)
        yield process, client
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            output, _ = process.communicate(timeout=60)
            assert process.returncode == 0, output
        else:
            process.communicate(timeout=60)


@contextmanager
def planalign_local(data_dir: Path, port: int) -> Iterator[httpx.Client]:
    with planalign_local_process(data_dir, port) as (_, client):
        yield client


def kill_9(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


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


def test_kill_9_right_after_a_2xx_loses_nothing_that_was_answered(
    tmp_path: Path, small_census: bytes
) -> None:
    """The periodic flush lost everything of the last 5-14 s; the journal is fsynced before each answer."""
    data_dir = tmp_path / "data"
    with planalign_local_process(data_dir, free_port()) as (process, api):
        workspace_id = make_workspace(api, name="answered")
        scenario_id = make_scenario(api, workspace_id, config_overrides={"simulation": {"end_year": 2025}})
        assert upload(api, workspace_id, small_census, run_scenarios=[scenario_id]).status_code == 204
        renamed = api.put(f"/api/workspaces/{workspace_id}", json={"name": "renamed"})
        assert renamed.status_code == 200, renamed.text
        kill_9(process)  # no Ctrl-C, no flush: at once after the last answer

    with planalign_local(data_dir, free_port()) as api:
        assert api.get(f"/api/workspaces/{workspace_id}").json()["name"] == "renamed"
        assert [s["id"] for s in api.get(f"/api/workspaces/{workspace_id}/scenarios").json()] == [scenario_id]
        datasets = api.get(f"/api/workspaces/{workspace_id}/datasets").json()
        assert len(datasets) == 1, datasets  # the upload's object and the dataset it made are kept
        # The import and the run were cut off (or had finished): none stays in progress.
        assert datasets[0]["status"] in ("imported", "failed"), datasets
        if datasets[0]["status"] == "failed":
            assert datasets[0]["error"].startswith("interrupted"), datasets
        run = wait_terminal(api, latest_run_id(api, scenario_id), timeout=30)
        assert run["status"] in ("completed", "failed"), run


def test_a_dataset_left_importing_by_a_crash_fails_with_the_reason_after_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with planalign_local_process(data_dir, free_port()) as (process, api):
        workspace_id = make_workspace(api, name="import cut off")
        endpoint = json.loads((data_dir / ENDPOINT_FILE).read_text())
        table = boto3.resource(
            "dynamodb",
            endpoint_url=endpoint["endpoint_url"],
            region_name=endpoint["region"],
            **endpoint["credentials"],
        ).Table(endpoint["outputs"]["TableName"])
        # What an upload's trigger writes before the import execution starts.
        table.put_item(
            Item={
                "pk": "DS#ds_cut",
                "sk": "A",
                "id": "ds_cut",
                "tenant_id": "tenant-r",
                "workspace_id": workspace_id,
                "filename": "census.csv",
                "status": "importing",
                "created_at": "2026-11-30T00:00:00Z",
                "gsi1pk": f"WS#{workspace_id}#DS",
                "gsi1sk": "ds_cut",
            }
        )
        kill_9(process)

    with planalign_local(data_dir, free_port()) as api:
        dataset = api.get(f"/api/workspaces/{workspace_id}/datasets/ds_cut").json()
        assert dataset["status"] == "failed", dataset
        assert dataset["error"] == "interrupted: the local stack stopped while the import was in progress"


def test_a_stopped_stack_leaves_the_process_environment_as_it_found_it(tmp_path: Path) -> None:
    from planalign.local.stack import LocalStack

    before = dict(os.environ)
    with LocalStack(data_dir=tmp_path) as stack:
        assert os.environ["AWS_ENDPOINT_URL"] == stack.aws_endpoint
        # What it loaded is out of the collector's full collections while it runs (their pauses
        # stalled the pushes), and collectable again once it stopped.
        assert gc.get_freeze_count() > 100_000
    assert dict(os.environ) == before
    assert gc.get_freeze_count() == 0


def test_the_gateway_serves_until_the_stream_batch_in_delivery_is_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A notifier invocation the stream thread is finishing at a stop still posts to the gateway's
    @connections: the gateway stops after it (before, the posts met a closed port). Meanwhile it
    takes no new work: an API request answers 503, saying why."""
    from planalign.local.stack import LocalStack
    from planalign.local.streams import StreamDelivery

    delivering, release = threading.Event(), threading.Event()
    deliver = StreamDelivery._deliver

    def held(shard: object, records: list[object]) -> None:
        delivering.set()
        release.wait(10)
        deliver(shard, records)

    monkeypatch.setattr(StreamDelivery, "_deliver", staticmethod(held))
    stack = LocalStack(data_dir=tmp_path, no_auth=True).start()
    stopping = threading.Thread(target=stack.stop)
    try:
        with httpx.Client(base_url=stack.api_url, timeout=10) as api:
            make_workspace(api)  # its item's stream record is now held in delivery
            assert delivering.wait(10)
            stopping.start()
            wait_for(stack._stopping.is_set)
            # Uvicorn looks at should_exit on every 0.1 s tick: a second of answers shows it was not set.
            answers = []
            for _ in range(10):
                answers.append(api.get("/api/health"))
                time.sleep(0.1)
            refused = api.post("/api/workspaces", json={"name": "too late"})
    finally:
        release.set()
        if stopping.is_alive():
            stopping.join(30)
        else:
            stack.stop()
    assert [answer.status_code for answer in answers] == [503] * 10
    assert refused.status_code == 503
    assert refused.json() == {"detail": "the local stack is stopping: send this again once it has restarted"}
    assert not stopping.is_alive()
