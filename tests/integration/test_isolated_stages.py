"""The stage functions and the notifier in worker processes of their own (`planalign local`'s
default, as Lambda isolates functions): runs complete and fail as in one process, a dead worker is
replaced, a stage's error keeps its class, and stopping the stack leaves no process behind."""

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from planalign.local.lambda_runner import BACKGROUND_NICENESS
from planalign.local.stack import LocalStack
from websockets.sync.client import connect

from tests.integration.conftest import make_scenario, make_workspace, upload, wait_for, wait_terminal

pytestmark = pytest.mark.integration

# The functions the state machine's tasks invoke (template.yaml, DefinitionSubstitutions), and the
# table stream's consumer.
FUNCTIONS = {
    "NotifierFunction",
    "ImportFunction",
    "SimulationFunction",
    "EnsembleMemberFunction",
    "PipelineFunction",
    "ExportsFunction",
    "RunFailedFunction",
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    tokens = {"token-a": "tenant-a"}
    with LocalStack(data_dir=tmp_path_factory.mktemp("data"), tokens=tokens, isolated=True) as running:
        yield running


def worker_pids(stack: LocalStack, function: str) -> list[int]:
    assert stack.runner is not None
    return stack.runner.pools[function].pids()


def priorities(pids: list[int]) -> list[int]:
    return [os.getpriority(os.PRIO_PROCESS, pid) for pid in pids]


def ready_workspace(api: httpx.Client, census: bytes) -> str:
    workspace_id = make_workspace(api)
    assert upload(api, workspace_id, census).status_code == 204
    wait_for(lambda: api.get(f"/api/workspaces/{workspace_id}").json()["latest_dataset_id"])
    return workspace_id


# First in the module: a stack of its own, stopped before the module's stack starts (one at a time).
def test_stopping_the_stack_ends_its_workers(tmp_path: Path) -> None:
    with LocalStack(data_dir=tmp_path, tokens={"t": "tenant"}, isolated=True) as own:
        runner = own.runner
        assert runner is not None
        pids = wait_for(lambda: [pid for pool in runner.pools.values() for pid in pool.pids()])
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_the_state_machines_functions_and_the_notifier_run_in_worker_processes(stack: LocalStack) -> None:
    assert stack.runner is not None
    assert set(stack.runner.pools) == FUNCTIONS
    pids = wait_for(lambda: worker_pids(stack, "SimulationFunction"))  # warmed at start
    assert os.getpid() not in pids
    # The stages yield the CPU to the push path (the notifier, and the gateway in this process); a
    # worker lowers its own priority once it has started.
    wait_for(lambda: priorities(pids) == [os.nice(0) + BACKGROUND_NICENESS] * len(pids))
    notifier = wait_for(lambda: worker_pids(stack, "NotifierFunction"))
    assert priorities(notifier) == [os.nice(0)] * len(notifier)


def test_a_run_completes_through_a_worker_that_replaces_a_dead_one(
    stack: LocalStack, api: httpx.Client, small_census: bytes
) -> None:
    workspace_id = ready_workspace(api, small_census)
    killed = wait_for(lambda: worker_pids(stack, "SimulationFunction"))
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    scenario_id = make_scenario(api, workspace_id, config_overrides={"simulation": {"end_year": 2027}})
    run_id = f"isolated-{scenario_id}"
    # The notifier, in its own process, posts to the stack's gateway as it would to API Gateway.
    with connect(f"{stack.ws_url}/ws/simulation/{run_id}?token=token-a") as socket:
        assert api.post(f"/api/scenarios/{scenario_id}/run", json={"run_id": run_id}).status_code == 202
        messages = [json.loads(socket.recv(timeout=60))]
        while messages[-1].get("data", {}).get("status") != "completed":
            messages.append(json.loads(socket.recv(timeout=60)))
    assert messages[0]["type"] == "snapshot"
    assert {m["data"]["current_year"] for m in messages if m["type"] == "update"} >= {2025, 2026, 2027}
    run = wait_terminal(api, run_id)
    assert run["status"] == "completed", run
    results = api.get(f"/api/runs/{run['id']}/results").json()
    assert [row["simulation_year"] for row in results["workforce_progression"]] == [2025, 2026, 2027]
    assert results["quality"]["passed"] is True
    serving = worker_pids(stack, "SimulationFunction")
    assert serving and not set(serving) & set(killed)


def test_a_stage_error_in_a_worker_fails_the_run_with_its_class(
    stack: LocalStack, api: httpx.Client, small_census: bytes
) -> None:
    workspace_id = ready_workspace(api, small_census)
    scenario_id = make_scenario(
        api, workspace_id, config_overrides={"simulation": {"target_growth_rate": 0.9}}
    )
    run = wait_terminal(api, api.post(f"/api/scenarios/{scenario_id}/run", json={}).json()["run_id"])
    assert run["status"] == "failed"
    assert run["error_message"].startswith("simulation: SimulationRejected")
    # The worker that raised serves the next run (a handled error keeps its environment, as on Lambda).
    assert worker_pids(stack, "SimulationFunction")
