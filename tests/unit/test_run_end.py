"""How a run ends: one function writes the terminal status and closes the history, and a run
cancelled while its stages worked keeps none of their output."""

import json
import re

import boto3
from planalign.adapters.artifacts import Artifacts, run_prefix
from planalign.adapters.store import Store, run_key
from planalign.domain.run_state import execution_name
from planalign.services.lifecycle import execution_ended
from planalign.services.runs import finish_run, run_artifacts
from planalign.services.stages import mark_failed


def make_run(store: Store, status: str = "running", tenant_id: str = "t1") -> None:
    store.create(
        "RUN",
        run_key(tenant_id, "run_1"),
        {
            "id": "run_1",
            "tenant_id": tenant_id,
            "workspace_id": "ws_1",
            "scenario_id": "sc_1",
            "status": status,
            "progress": 40.0,
            "current_stage": "pipeline",
            "warnings": ["a warning"],
        },
    )


def test_finish_closes_the_history_once(store: Store) -> None:
    make_run(store)
    assert finish_run(store, "t1#run_1", "completed") is not None
    assert finish_run(store, "t1#run_1", "failed", {"error_message": "late"}) is None
    events = store.run_events("t1#run_1")
    assert [(e["kind"], e["severity"], e["message"]) for e in events] == [
        ("terminal", "info", "run completed with 1 warnings")
    ]


def test_a_failed_run_says_why_then_ends(store: Store) -> None:
    make_run(store)
    finish_run(store, "t1#run_1", "failed", {"error_message": "pipeline: disk full"})
    assert [(e["kind"], e["message"]) for e in store.run_events("t1#run_1")] == [
        ("error", "pipeline: disk full"),
        ("terminal", "run failed in the pipeline stage"),
    ]


def test_a_cancelled_runs_outputs_are_deleted_when_its_stage_stops(store: Store) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="artifacts")
    artifacts = Artifacts("artifacts")
    prefix = run_prefix("t1", "ws_1", "run_1")
    for name in ("results.json", "simulation/summary.json"):
        artifacts.put(prefix + name, b"partial")
    artifacts.put("tenants/t1/workspaces/ws_1/runs/run_2/results.json", b"another run's")
    make_run(store)
    finish_run(store, "t1#run_1", "cancelled", {"error_message": "cancelled by the user"})
    assert run_artifacts(store, artifacts, "t1", "run_1") == []

    # The pipeline's next write fails on the cancelled run; the Catch lands in mark_failed.
    state = {"tenant_id": "t1", "workspace_id": "ws_1", "dataset_id": "ds_1", "run_id": "run_1"}
    answer = mark_failed(store, artifacts, {**state, "error": {"Error": "RunConflict", "Cause": "x"}})
    assert answer == {"run_id": "run_1", "marked_failed": False}
    assert list(artifacts.list(prefix)) == []
    assert [o["Key"] for o in artifacts.list("tenants/t1/")] == [
        "tenants/t1/workspaces/ws_1/runs/run_2/results.json"
    ]
    assert store.get("RUN", "t1#run_1")["status"] == "cancelled"


def test_an_execution_name_is_the_state_machines_own_for_each_tenants_run() -> None:
    names = {execution_name(tenant, "nightly") for tenant in ("t1", "t2")}
    assert len(names) == 2 and all(name.startswith("nightly-") for name in names)
    longest = execution_name("0" * 36, "r" * 64)  # a Cognito sub and the longest run id
    assert len(longest) <= 80 and re.fullmatch(r"[A-Za-z0-9_-]+", longest)


def test_an_execution_that_failed_fails_the_run_its_input_names_of_its_tenant(store: Store) -> None:
    make_run(store, tenant_id="t1")
    make_run(store, tenant_id="t2")
    state = {"tenant_id": "t2", "workspace_id": "ws_1", "dataset_id": "ds_1", "run_id": "run_1"}
    detail = {"name": execution_name("t2", "run_1"), "status": "TIMED_OUT", "input": json.dumps(state)}
    assert execution_ended(store, {"detail": detail})["changed"] is True
    assert store.get("RUN", run_key("t2", "run_1"))["status"] == "failed"
    assert store.get("RUN", run_key("t1", "run_1"))["status"] == "running"
    assert execution_ended(store, {"detail": {**detail, "input": "not json"}})["changed"] is False
