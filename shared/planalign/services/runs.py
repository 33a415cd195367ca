"""Runs: start (a conditional put of the run item, then StartExecution named after the run id),
follow, cancel, and read what the pipeline stored."""

import contextlib
import json
import re
from typing import Any

from planalign.adapters.artifacts import Artifacts, run_prefix
from planalign.adapters.store import Store
from planalign.adapters.workflow import Workflow
from planalign.domain import run_status
from planalign.domain.config import resolve_config
from planalign.errors import InvalidRequest, NotFound, RunConflict
from planalign.ids import new_id, utc_now
from planalign.services.workspaces import get_scenario

RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
RUN_FIELDS = (
    "id",
    "scenario_id",
    "workspace_id",
    "dataset_id",
    "batch_id",
    "status",
    "progress",
    "current_stage",
    "current_year",
    "total_years",
    "events_generated",
    "created_at",
    "started_at",
    "completed_at",
    "error_message",
    "warnings",
)
EXPORT_FILES = {"csv": ("metrics.csv", "text/csv"), "xlsx": ("results.xlsx", None)}


def run_view(item: dict[str, Any]) -> dict[str, Any]:
    """The Run of api.md."""
    return {field: item.get(field) for field in RUN_FIELDS}


def create_run(
    store: Store,
    tenant_id: str,
    scenario: dict[str, Any],
    dataset_id: str | None,
    *,
    run_id: str | None = None,
    batch_id: str | None = None,
) -> dict[str, Any]:
    """Create the queued run item and take the scenario's one-active-run lock. RunConflict when the
    run id exists or the scenario has an active run; InvalidConfig when its config no longer resolves."""
    workspace = store.get("WS", scenario["workspace_id"], tenant_id)
    config = resolve_config(workspace.get("base_config") or {}, scenario.get("config_overrides") or {})
    if run_id is not None and not RUN_ID_PATTERN.match(run_id):
        raise InvalidRequest("run_id: 1-64 letters, digits, '_' or '-'")
    run_id = run_id or new_id("run")
    now = utc_now()
    item = {
        "id": run_id,
        "tenant_id": tenant_id,
        "scenario_id": scenario["id"],
        "workspace_id": scenario["workspace_id"],
        "dataset_id": dataset_id,
        "batch_id": batch_id,
        "status": run_status.QUEUED,
        "progress": 0,
        "current_stage": None,
        "current_year": None,
        "total_years": config.simulation.end_year - config.simulation.start_year + 1,
        "events_generated": 0,
        "created_at": now,
        "started_at": None,
        "completed_at": None,
        "error_message": None,
        "warnings": [],
        "config": config.model_dump(mode="json"),
        "seed": config.simulation.random_seed,
        "gsi1pk": f"SC#{scenario['id']}#RUN",
        "gsi1sk": f"{now}#{run_id}",
        "gsi2pk": f"ACTIVE#{tenant_id}",
        "gsi2sk": run_id,
    }
    store.create("RUN", run_id, item)
    try:
        _lock_scenario(store, tenant_id, scenario["id"], run_id)
    except RunConflict:
        store.delete("RUN", run_id)
        raise
    return item


def _lock_scenario(store: Store, tenant_id: str, scenario_id: str, run_id: str) -> None:
    try:
        store.update(
            "SC",
            scenario_id,
            {"active_run_id": run_id, "status": run_status.QUEUED},
            condition="attribute_exists(pk) AND attribute_not_exists(active_run_id)",
        )
        return
    except RunConflict:
        active_id = store.get("SC", scenario_id)["active_run_id"]
    active = store.get("RUN", active_id) if _exists(store, active_id) else None
    if active is not None and not run_status.is_terminal(active["status"]):
        raise RunConflict(f"scenario {scenario_id} already has an active run {active_id}")
    # The lock outlived its run (a crash between the run's end and the release): take it over.
    store.update(
        "SC",
        scenario_id,
        {"active_run_id": run_id, "status": run_status.QUEUED},
        condition="active_run_id = :old",
        condition_values={":old": active_id},
    )


def _exists(store: Store, run_id: str) -> bool:
    try:
        store.get("RUN", run_id)
    except NotFound:
        return False
    return True


def release_scenario(store: Store, run: dict[str, Any]) -> None:
    """Clear the scenario's lock if this run holds it, and record the run's outcome on the scenario."""
    values: dict[str, Any] = {
        "status": run["status"],
        "last_run_at": run.get("completed_at") or utc_now(),
        "last_run_id": run["id"],
    }
    with contextlib.suppress(RunConflict):  # another run holds the lock now, or the scenario was deleted
        store.update(
            "SC",
            run["scenario_id"],
            values,
            remove=("active_run_id",),
            condition="active_run_id = :run",
            condition_values={":run": run["id"]},
        )


def execution_input(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "tenant_id": run["tenant_id"],
        "run_id": run["id"],
        "workspace_id": run["workspace_id"],
        "scenario_id": run["scenario_id"],
        "dataset_id": run["dataset_id"],
    }


def launch_run(store: Store, workflow: Workflow, run: dict[str, Any]) -> None:
    """StartExecution named after the run id; if Step Functions refuses, the run fails with why."""
    try:
        workflow.start(run["id"], execution_input(run))
    except Exception as error:
        finish_run(store, run["id"], run_status.FAILED, {"error_message": f"could not start: {error}"})
        raise


def finish_run(
    store: Store, run_id: str, status: str, values: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """Move a run to a terminal status and release its scenario; None if it was terminal already."""
    try:
        run = store.transition_run(run_id, status, {"completed_at": utc_now(), **(values or {})})
    except RunConflict:
        return None
    release_scenario(store, run)
    return run


def latest_dataset_id(workspace: dict[str, Any]) -> str:
    """The dataset a run uses when none is named: the workspace's newest imported one."""
    dataset_id: str | None = workspace.get("latest_dataset_id")
    if dataset_id is None:
        raise RunConflict("no census imported in this workspace yet: upload one first")
    return dataset_id


def start_run(
    store: Store, workflow: Workflow, tenant_id: str, scenario_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    scenario = get_scenario(store, tenant_id, None, scenario_id)
    dataset_id = body.get("dataset_id")
    if dataset_id is None:
        dataset_id = latest_dataset_id(store.get("WS", scenario["workspace_id"], tenant_id))
    else:
        dataset = store.get("DS", dataset_id, tenant_id)
        if dataset["workspace_id"] != scenario["workspace_id"]:
            raise NotFound(f"dataset {dataset_id} not found")
        if dataset["status"] == "failed":
            raise RunConflict(f"dataset {dataset_id} failed to import: {dataset.get('error')}")
    if body.get("run_id") is not None and _exists(store, body["run_id"]):
        raise RunConflict(f"run {body['run_id']} exists already")
    run = create_run(store, tenant_id, scenario, dataset_id, run_id=body.get("run_id"))
    launch_run(store, workflow, run)
    return run


def get_run(store: Store, tenant_id: str, run_id: str) -> dict[str, Any]:
    return store.get("RUN", run_id, tenant_id)


def latest_run(store: Store, tenant_id: str, scenario_id: str, *, completed: bool = False) -> dict[str, Any]:
    get_scenario(store, tenant_id, None, scenario_id)
    for run in store.list_all(f"SC#{scenario_id}#RUN"):
        if not completed or run["status"] in (run_status.COMPLETED, run_status.COMPLETED_WITH_WARNINGS):
            return run
    raise NotFound(f"scenario {scenario_id} has no {'completed ' if completed else ''}run")


def list_runs(
    store: Store, tenant_id: str, scenario_id: str, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    get_scenario(store, tenant_id, None, scenario_id)
    items, next_cursor = store.list_page(f"SC#{scenario_id}#RUN", limit=limit, cursor=cursor)
    return [run_view(i) for i in items], next_cursor


def cancel_run(store: Store, workflow: Workflow, tenant_id: str, run_id: str) -> dict[str, Any]:
    run = store.get("RUN", run_id, tenant_id)
    if run_status.is_terminal(run["status"]):
        raise RunConflict(f"run {run_id} is {run['status']} already")
    cancelled = finish_run(store, run_id, run_status.CANCELLED, {"error_message": "cancelled by the user"})
    if cancelled is None:
        raise RunConflict(f"run {run_id} ended before it could be cancelled")
    workflow.stop(run_id, "cancelled by the user")
    return cancelled


def run_events(store: Store, tenant_id: str, run_id: str) -> list[dict[str, Any]]:
    store.get("RUN", run_id, tenant_id)
    return store.run_events(run_id)


def _finished_run(store: Store, tenant_id: str, run_id: str) -> dict[str, Any]:
    run = store.get("RUN", run_id, tenant_id)
    if run["status"] not in (run_status.COMPLETED, run_status.COMPLETED_WITH_WARNINGS):
        if run_status.is_terminal(run["status"]):
            raise RunConflict(f"run {run_id} is {run['status']}: it has no results")
        raise RunConflict(f"run {run_id} is {run['status']}: results exist once it completes")
    return run


def run_results(store: Store, artifacts: Artifacts, tenant_id: str, run_id: str) -> dict[str, Any]:
    run = _finished_run(store, tenant_id, run_id)
    key = run_prefix(tenant_id, run["workspace_id"], run_id) + "results.json"
    results: dict[str, Any] = json.loads(artifacts.get(key))
    return results


def export_url(store: Store, artifacts: Artifacts, tenant_id: str, run_id: str, export_format: str) -> str:
    if export_format not in EXPORT_FILES:
        raise InvalidRequest(f"format: must be one of {', '.join(EXPORT_FILES)}, not {export_format!r}")
    run = _finished_run(store, tenant_id, run_id)
    name = EXPORT_FILES[export_format][0]
    key = run_prefix(tenant_id, run["workspace_id"], run_id) + name
    return artifacts.presigned_get(key, f"{run_id}-{name}")


def run_artifacts(store: Store, artifacts: Artifacts, tenant_id: str, run_id: str) -> list[dict[str, Any]]:
    run = store.get("RUN", run_id, tenant_id)
    prefix = run_prefix(tenant_id, run["workspace_id"], run_id)
    return [
        {"name": obj["Key"][len(prefix) :], "size": obj["Size"], "url": artifacts.presigned_get(obj["Key"])}
        for obj in artifacts.list(prefix)
    ]
