"""Every run reaches the terminal state that matches its execution, and a terminal state is never
overwritten: success, a stage failure, cancel (elsewhere), and executions that time out or are aborted."""

import json
from typing import Any

import httpx
import pytest
from planalign.adapters.store import Store, run_key
from planalign.domain.run_state import execution_name
from planalign.local.stack import LocalStack
from planalign.services.runs import create_run, execution_input

from tests.integration.conftest import make_scenario, make_workspace, upload, wait_for, wait_terminal

pytestmark = pytest.mark.integration


def execution_event(run_id: str, status: str, tenant_id: str = "tenant-a") -> dict[str, Any]:
    """EventBridge's event for the execution of a run: the run is the one its input names."""
    name = execution_name(tenant_id, run_id)
    state = {"tenant_id": tenant_id, "workspace_id": "ws", "dataset_id": "ds", "run_id": run_id}
    return {
        "source": "aws.states",
        "detail-type": "Step Functions Execution Status Change",
        "detail": {
            "name": name,
            "status": status,
            "executionArn": f"arn:aws:states:::execution:run:{name}",
            "input": json.dumps(state),
        },
    }


def invoke_lifecycle(stack: LocalStack, event: dict[str, Any]) -> dict[str, Any]:
    response = stack.client("lambda").invoke(FunctionName="LifecycleFunction", Payload=json.dumps(event))
    result: dict[str, Any] = json.loads(response["Payload"].read())
    return result


def test_a_stage_that_refuses_the_inputs_fails_the_run_with_its_error(
    api: httpx.Client, small_census: bytes
) -> None:
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(
        api, workspace_id, config_overrides={"simulation": {"target_growth_rate": 0.9}}
    )
    assert upload(api, workspace_id, small_census).status_code == 204
    wait_for(lambda: api.get(f"/api/workspaces/{workspace_id}").json()["latest_dataset_id"])
    run_id = api.post(f"/api/scenarios/{scenario_id}/run", json={}).json()["run_id"]
    run = wait_terminal(api, run_id)
    assert run["status"] == "failed"
    assert run["error_message"].startswith("simulation: SimulationRejected")
    # The error event follows the status change.
    wait_for(lambda: "error" in [e["kind"] for e in api.get(f"/api/runs/{run_id}/events").json()])


@pytest.mark.parametrize("status", ["TIMED_OUT", "ABORTED", "FAILED"])
def test_an_execution_that_ended_badly_marks_its_unfinished_run_failed(
    stack: LocalStack, api: httpx.Client, status: str
) -> None:
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(api, workspace_id)
    store = Store()
    run = create_run(store, "tenant-a", store.get("SC", scenario_id), None)
    assert invoke_lifecycle(stack, execution_event(run["id"], status))["changed"] is True
    failed = api.get(f"/api/runs/{run['id']}").json()
    assert failed["status"] == "failed"
    assert status.lower().replace("_", " ") in failed["error_message"]
    # The scenario's lock is released: it can run again.
    assert store.get("SC", scenario_id).get("active_run_id") is None


def completed_run_with_exports(api: httpx.Client, census: bytes) -> str:
    """A one-year run of a new scenario, completed and its exports made; its id."""
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(api, workspace_id, config_overrides={"simulation": {"end_year": 2025}})
    assert upload(api, workspace_id, census, run_scenarios=[scenario_id]).status_code == 204
    run_id: str = wait_for(lambda: api.get(f"/api/scenarios/{scenario_id}/runs").json())[0]["id"]
    assert wait_terminal(api, run_id)["status"] == "completed"
    wait_for(lambda: api.get(f"/api/runs/{run_id}").json()["exports_status"] == "ready")
    return run_id


def test_a_terminal_run_is_never_overwritten(
    stack: LocalStack, api: httpx.Client, small_census: bytes
) -> None:
    run_id = completed_run_with_exports(api, small_census)
    # Once its exports are made too, an execution ending badly changes nothing of the run.
    assert invoke_lifecycle(stack, execution_event(run_id, "ABORTED"))["changed"] is False
    assert api.get(f"/api/runs/{run_id}").json()["status"] == "completed"


def test_an_execution_ending_badly_while_the_exports_are_made_fails_them_not_the_run(
    stack: LocalStack, api: httpx.Client, small_census: bytes
) -> None:
    run_id = completed_run_with_exports(api, small_census)
    store = Store()
    # As if the Exports state were still at work when the execution timed out.
    store.update("RUN", run_key("tenant-a", run_id), {"exports_status": "pending"})
    assert invoke_lifecycle(stack, execution_event(run_id, "TIMED_OUT"))["changed"] is True
    run = api.get(f"/api/runs/{run_id}").json()
    assert (run["status"], run["exports_status"]) == ("completed", "failed")
    export = api.get(f"/api/runs/{run_id}/results/export", params={"format": "xlsx"})
    assert export.status_code == 409
    assert "execution timed out" in export.json()["detail"]


def test_aborting_the_execution_outside_the_api_ends_the_run(stack: LocalStack, api: httpx.Client) -> None:
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(api, workspace_id)
    store = Store()
    run = create_run(store, "tenant-a", store.get("SC", scenario_id), "ds_missing")
    sfn = stack.client("stepfunctions")
    machine = sfn.list_state_machines()["stateMachines"][0]["stateMachineArn"]
    # An execution whose import waits on nothing real, stopped by an operator in the console.
    arn = sfn.start_execution(
        stateMachineArn=machine,
        name=execution_name("tenant-a", run["id"]),
        input=json.dumps(execution_input(run)),
    )
    sfn.stop_execution(executionArn=arn["executionArn"], error="Operator", cause="stopped in the console")
    final = wait_terminal(api, run["id"])
    assert final["status"] == "failed"


def test_after_a_cancel_no_later_state_of_the_execution_runs(stack: LocalStack, api: httpx.Client) -> None:
    """As in AWS, StopExecution lets the running Lambda finish (the stage sees the cancel at its
    next conditional write) and runs no later state: no Pipeline, and no Catch to MarkFailed."""
    from planalign.domain.census_generator import census_csv, generate_census

    workspace_id = make_workspace(api)
    scenario_id = make_scenario(api, workspace_id, config_overrides={"simulation": {"end_year": 2030}})
    assert upload(api, workspace_id, census_csv(generate_census(20_000, seed=5))).status_code == 204
    wait_for(lambda: api.get(f"/api/workspaces/{workspace_id}/datasets").json()[0]["status"] == "imported")
    run_id = api.post(f"/api/scenarios/{scenario_id}/run", json={}).json()["run_id"]
    wait_for(
        lambda: api.get(f"/api/runs/{run_id}").json().get("current_stage") == "simulation", interval=0.02
    )
    assert api.post(f"/api/runs/{run_id}/cancel").status_code == 202
    sfn = stack.client("stepfunctions")
    machine = sfn.list_state_machines()["stateMachines"][0]["stateMachineArn"]
    execution_arn = f"{machine.replace(':stateMachine:', ':execution:')}:{execution_name('tenant-a', run_id)}"
    wait_for(lambda: sfn.describe_execution(executionArn=execution_arn)["status"] != "RUNNING", timeout=120)
    history = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    entered = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
    assert entered[-1] == "Simulation", entered
    assert sfn.describe_execution(executionArn=execution_arn)["status"] == "ABORTED"
    assert wait_terminal(api, run_id)["status"] == "cancelled"
