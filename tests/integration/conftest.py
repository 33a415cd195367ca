"""The local stack on free loopback ports, driven over HTTP like a frontend."""

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from planalign.domain.census_generator import census_csv, generate_census
from planalign.local.stack import LocalStack

TERMINAL = {"completed", "failed", "cancelled"}
MAX_UPLOAD_BYTES = 2_000_000


# Module scope: moto's backends are process state, which unit tests' mock_aws resets; a stack per
# module keeps each integration module's stack alive only while it runs.
@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    tokens = {"token-a": "tenant-a", "token-b": "tenant-b"}
    data_dir = tmp_path_factory.mktemp("planalign-data")
    with LocalStack(
        data_dir=data_dir, tokens=tokens, parameters={"MaxUploadBytes": str(MAX_UPLOAD_BYTES)}
    ) as running:
        yield running


@pytest.fixture(scope="module")
def api(stack: LocalStack) -> httpx.Client:
    return httpx.Client(base_url=stack.api_url, headers={"Authorization": "Bearer token-a"}, timeout=60)


@pytest.fixture(scope="module")
def other_tenant(stack: LocalStack) -> httpx.Client:
    return httpx.Client(base_url=stack.api_url, headers={"X-API-Token": "token-b"}, timeout=60)


@pytest.fixture(scope="session")
def small_census() -> bytes:
    return census_csv(generate_census(500, seed=7))


def make_workspace(api: httpx.Client, **body: Any) -> str:
    response = api.post("/api/workspaces", json={"name": "test", **body})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def make_scenario(api: httpx.Client, workspace_id: str, **body: Any) -> str:
    response = api.post(f"/api/workspaces/{workspace_id}/scenarios", json={"name": "scenario", **body})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def upload(
    api: httpx.Client, workspace_id: str, content: bytes, filename: str = "census.csv", **body: Any
) -> httpx.Response:
    """Ask for the presigned form and post the file to S3 with it, as a browser does."""
    form = api.post(f"/api/workspaces/{workspace_id}/uploads", json={"filename": filename, **body})
    assert form.status_code == 201, form.text
    fields = form.json()
    return httpx.post(fields["url"], data=fields["fields"], files={"file": (filename, content)}, timeout=60)


def wait_for(check: Callable[[], Any], timeout: float = 60, interval: float = 0.1) -> Any:
    """Poll until `check` returns something truthy (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def wait_terminal(api: httpx.Client, run_id: str, timeout: float = 90) -> dict[str, Any]:
    def terminal() -> dict[str, Any] | None:
        run: dict[str, Any] = api.get(f"/api/runs/{run_id}").json()
        return run if run["status"] in TERMINAL else None

    result: dict[str, Any] = wait_for(terminal, timeout)
    return result


def latest_run_id(api: httpx.Client, scenario_id: str) -> str:
    response = wait_for(
        lambda: (r := api.get(f"/api/scenarios/{scenario_id}/run/status")).status_code == 200 and r
    )
    return str(response.json()["id"])
