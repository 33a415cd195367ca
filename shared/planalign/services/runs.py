"""Runs: start (a conditional put of the run item, then StartExecution named after the run id),
follow, cancel, and read what the pipeline stored; the Studio's views of a run (SimulationRun,
RunSummary, RunDetails, LogPage) are shaped here from the run item."""

import contextlib
import json
import re
import time
from datetime import datetime
from typing import Any

from planalign.adapters.artifacts import Artifacts, run_prefix
from planalign.adapters.store import Store, key_of_run, list_key, partition, run_key
from planalign.adapters.workflow import Workflow
from planalign.domain import run_status
from planalign.domain.run_state import ExecutionInput, execution_name
from planalign.errors import ExportPending, InvalidRequest, NotFound, RunConflict
from planalign.ids import new_run_id, utc_now
from planalign.services import quotas
from planalign.services.census_paths import run_dataset_id
from planalign.services.workspaces import get_scenario, scenario_config

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
    "exports_status",
)
# format -> the artifact and what the downloaded file is called after the scenario.
EXPORT_FILES = {
    "excel": ("results.xlsx", "xlsx"),
    "xlsx": ("results.xlsx", "xlsx"),
    "csv": ("metrics.csv", "csv"),
}
# Exports made after the run completed (exports_stage): a link to one waits up to EXPORT_WAIT_SECONDS
# for it, polling the run every EXPORT_POLL_SECONDS, then answers 202 with Retry-After.
LATE_EXPORTS = frozenset({"results.xlsx"})
EXPORT_WAIT_SECONDS = 3.0
EXPORT_POLL_SECONDS = 0.2
EXPORT_RETRY_AFTER_SECONDS = 2
# The Studio's artifact types (RunDetails.artifacts[].type) by file ending.
ARTIFACT_TYPES = {".xlsx": "excel", ".json": "json", ".yaml": "yaml", ".csv": "text", ".log": "text"}
# The run log is written from the run's history on request, not stored.
RUN_LOG_NAME = "simulation.log"
LOG_SEVERITY = {"error": "ERROR", "warning": "WARNING"}


def run_view(item: dict[str, Any]) -> dict[str, Any]:
    """The Run of api.md."""
    return {field: item.get(field) for field in RUN_FIELDS}


def simulation_run(item: dict[str, Any]) -> dict[str, Any]:
    """The Studio's SimulationRun: progress a whole percent, the stage in its names, and a start
    time even while the run waits for its execution (the time it was created)."""
    return {
        "id": item["id"],
        "scenario_id": item["scenario_id"],
        "status": item["status"],
        "progress": int(item.get("progress") or 0),
        "current_stage": run_status.studio_stage(item),
        "current_year": item.get("current_year"),
        "total_years": item.get("total_years"),
        "started_at": item.get("started_at") or item["created_at"],
        "completed_at": item.get("completed_at"),
        "error_message": item.get("error_message"),
    }


def duration_seconds(item: dict[str, Any]) -> float | None:
    start = item.get("started_at")
    if not start:
        return None
    end = item.get("completed_at") or utc_now()
    return round((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds(), 3)


def _summary(item: dict[str, Any]) -> dict[str, Any]:
    return item.get("results_summary") or {}


def run_summary(item: dict[str, Any]) -> dict[str, Any]:
    """The Studio's RunSummary (a row of a scenario's run history)."""
    config = item.get("config") or {}
    simulation = config.get("simulation") or {}
    return {
        "id": item["id"],
        "scenario_id": item["scenario_id"],
        "status": item["status"],
        "started_at": item.get("started_at") or item["created_at"],
        "completed_at": item.get("completed_at"),
        "duration_seconds": duration_seconds(item),
        "start_year": simulation.get("start_year"),
        "end_year": simulation.get("end_year"),
        "total_events": item.get("events_generated"),
        "final_headcount": _summary(item).get("final_headcount"),
        # The stored files and the run's log (RunDetails lists both).
        "artifact_count": int(item.get("artifact_count") or 0) + 1,
    }


def create_run(
    store: Store,
    tenant_id: str,
    scenario: dict[str, Any],
    dataset_id: str | None,
    *,
    run_id: str | None = None,
    batch_id: str | None = None,
) -> dict[str, Any]:
    """Create the pending run item and take the scenario's one-active-run lock. RunConflict when the
    run id exists or the scenario has an active run; InvalidConfig when its config no longer resolves.
    The run keeps the Studio's merged config (what RunDetails shows), the engine's translation of it
    and a warning for each setting the engine does not model."""
    # The Studio's config module is large: loaded on first use, not at import (cold start).
    from planalign.domain.studio_config import translate_studio_config

    studio_config = scenario_config(store.get("WS", scenario["workspace_id"], tenant_id), scenario)
    config, warnings = translate_studio_config(studio_config)
    if run_id is not None and not RUN_ID_PATTERN.match(run_id):
        raise InvalidRequest("run_id: 1-64 letters, digits, '_' or '-'")
    quotas.check_run_start(store, tenant_id, config.ensemble.members)
    run_id = run_id or new_run_id()
    now = utc_now()
    item = {
        "id": run_id,
        "tenant_id": tenant_id,
        "scenario_id": scenario["id"],
        "workspace_id": scenario["workspace_id"],
        "dataset_id": dataset_id,
        "batch_id": batch_id,
        "status": run_status.PENDING,
        "progress": 0,
        "current_stage": None,
        "current_year": None,
        "total_years": config.simulation.end_year - config.simulation.start_year + 1,
        "events_generated": 0,
        "created_at": now,
        "started_at": None,
        "completed_at": None,
        "error_message": None,
        "warnings": warnings,
        "config": config.model_dump(mode="json"),
        "studio_config": studio_config,
        "seed": config.simulation.random_seed,
        "gsi1pk": list_key("SC", scenario["id"], "RUN"),
        "gsi1sk": f"{now}#{run_id}",
        "gsi2pk": partition("ACTIVE", tenant_id),
        "gsi2sk": run_id,
    }
    store.create("RUN", run_key(tenant_id, run_id), item)
    try:
        _lock_scenario(store, tenant_id, scenario["id"], run_id)
    except RunConflict:
        store.delete("RUN", run_key(tenant_id, run_id))
        raise
    return item


def _lock_scenario(store: Store, tenant_id: str, scenario_id: str, run_id: str) -> None:
    values = {"active_run_id": run_id, "status": run_status.SCENARIO_QUEUED, "last_run_id": run_id}
    try:
        store.update(
            "SC",
            scenario_id,
            values,
            condition="attribute_exists(pk) AND attribute_not_exists(active_run_id)",
        )
        return
    except RunConflict:
        active_id = store.get("SC", scenario_id)["active_run_id"]
    active = _find_run(store, tenant_id, active_id)
    if active is not None and not run_status.is_terminal(active["status"]):
        raise RunConflict(f"scenario {scenario_id} already has an active run {active_id}")
    # The lock outlived its run (a crash between the run's end and the release): take it over.
    store.update(
        "SC",
        scenario_id,
        values,
        condition="active_run_id = :old",
        condition_values={":old": active_id},
    )


def _find_run(store: Store, tenant_id: str, run_id: str) -> dict[str, Any] | None:
    try:
        return store.get("RUN", run_key(tenant_id, run_id))
    except NotFound:
        return None


def release_scenario(store: Store, run: dict[str, Any]) -> None:
    """Clear the scenario's lock if this run holds it, and record the run's outcome on the scenario."""
    values: dict[str, Any] = {
        "status": run_status.scenario_status(run["status"]),
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
    return ExecutionInput(
        tenant_id=run["tenant_id"],
        run_id=run["id"],
        workspace_id=run["workspace_id"],
        scenario_id=run["scenario_id"],
        dataset_id=run["dataset_id"],
    ).model_dump()


def launch_run(store: Store, workflow: Workflow, run: dict[str, Any]) -> None:
    """StartExecution named after the run; if Step Functions refuses, the run fails with why."""
    try:
        workflow.start(execution_name(run["tenant_id"], run["id"]), execution_input(run))
    except Exception as error:
        finish_run(store, key_of_run(run), run_status.FAILED, {"error_message": f"could not start: {error}"})
        raise


TERMINAL_SEVERITY = {
    run_status.COMPLETED: "info",
    run_status.CANCELLED: "warning",
    run_status.FAILED: "error",
}


def finish_run(
    store: Store, key: str, status: str, values: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """The one way a run ends (`key`: its run_key): move it to a terminal status, release its scenario,
    and close its history (an `error` event with the reason of a failure, then the `terminal` one).
    None if the run had ended already, and then nothing is written."""
    try:
        run = store.transition_run(key, status, {"completed_at": utc_now(), **(values or {})})
    except RunConflict:
        return None
    release_scenario(store, run)
    event = {
        "timestamp": run["completed_at"],
        "stage": run.get("current_stage"),
        "percent": float(run.get("progress") or 0),
        "year": None,
    }
    if status == run_status.FAILED:
        store.append_run_event(
            key,
            {**event, "kind": "error", "severity": "error", "message": run.get("error_message") or "failed"},
        )
    warnings = run.get("warnings") or []
    closing = {
        run_status.COMPLETED: "run completed" + (f" with {len(warnings)} warnings" if warnings else ""),
        run_status.CANCELLED: f"run cancelled: {run.get('error_message') or 'by the user'}",
        run_status.FAILED: f"run failed in the {run.get('current_stage') or 'import'} stage",
    }[status]
    store.append_run_event(
        key, {**event, "kind": "terminal", "severity": TERMINAL_SEVERITY[status], "message": closing}
    )
    return run


def default_dataset_id(store: Store, tenant_id: str, scenario: dict[str, Any]) -> str:
    """The census a run of this scenario uses when none is named (see census_paths)."""
    workspace = store.get("WS", scenario["workspace_id"], tenant_id)
    return run_dataset_id(store, workspace, scenario_config(workspace, scenario))


def start_run(
    store: Store, workflow: Workflow, tenant_id: str, scenario_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    scenario = get_scenario(store, tenant_id, None, scenario_id)
    dataset_id = body.get("dataset_id")
    if dataset_id is None:
        dataset_id = default_dataset_id(store, tenant_id, scenario)
    else:
        dataset = store.get("DS", dataset_id, tenant_id)
        if dataset["workspace_id"] != scenario["workspace_id"]:
            raise NotFound(f"dataset {dataset_id} not found")
        if dataset["status"] == "failed":
            raise RunConflict(f"dataset {dataset_id} failed to import: {dataset.get('error')}")
    if body.get("run_id") is not None and _find_run(store, tenant_id, body["run_id"]) is not None:
        raise RunConflict(f"run {body['run_id']} exists already")
    run = create_run(store, tenant_id, scenario, dataset_id, run_id=body.get("run_id"))
    launch_run(store, workflow, run)
    return run


def get_run(store: Store, tenant_id: str, run_id: str) -> dict[str, Any]:
    return store.get("RUN", run_key(tenant_id, run_id), tenant_id)


def scenario_run(store: Store, tenant_id: str, scenario_id: str, run_id: str) -> dict[str, Any]:
    """A run of this scenario; NotFound for another scenario's or tenant's run."""
    run = get_run(store, tenant_id, run_id)
    if run["scenario_id"] != scenario_id:
        raise NotFound(f"run {run_id} not found")
    return run


def latest_run(store: Store, tenant_id: str, scenario_id: str, *, completed: bool = False) -> dict[str, Any]:
    get_scenario(store, tenant_id, None, scenario_id)
    run = _newest_run(store, scenario_id, completed=completed)
    if run is None:
        raise NotFound(f"scenario {scenario_id} has no {'completed ' if completed else ''}run")
    return run


def newest_completed_run(store: Store, scenario_id: str) -> dict[str, Any] | None:
    """The scenario's latest completed run (the one whose results the Studio shows), if any."""
    return _newest_run(store, scenario_id, completed=True)


def _newest_run(store: Store, scenario_id: str, *, completed: bool = False) -> dict[str, Any] | None:
    """The scenario's newest run (that completed): found on ids and statuses, then read whole."""
    cursor: str | None = None
    while True:
        page, cursor = store.list_page(
            list_key("SC", scenario_id, "RUN"),
            limit=25,
            cursor=cursor,
            attributes=("id", "tenant_id", "status"),
        )
        for run in page:
            if not completed or run["status"] == run_status.COMPLETED:
                return _find_run(store, run["tenant_id"], run["id"])
        if cursor is None:
            return None


def list_runs(
    store: Store, tenant_id: str, scenario_id: str, limit: int | None, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """The scenario's runs, newest first, as RunSummary."""
    get_scenario(store, tenant_id, None, scenario_id)
    items, next_cursor = store.list_page(list_key("SC", scenario_id, "RUN"), limit=limit, cursor=cursor)
    return [run_summary(item) for item in items], next_cursor


def active_runs(store: Store, tenant_id: str) -> list[dict[str, Any]]:
    """The tenant's runs that have not ended, as the Studio's ActiveRun (page-refresh recovery)."""
    answer = []
    for run_id, _status in store.active_runs(tenant_id):
        run = _find_run(store, tenant_id, run_id)
        if run is None or run_status.is_terminal(run["status"]):
            continue  # it ended between the index read and this one
        answer.append(
            {
                "run_id": run["id"],
                "scenario_id": run["scenario_id"],
                "status": run["status"],
                "progress": int(run.get("progress") or 0),
                "current_stage": run_status.studio_stage(run),
                "started_at": run.get("started_at") or run["created_at"],
            }
        )
    return sorted(answer, key=lambda run: run["started_at"])  # oldest first, as they started


def cancel_run(store: Store, workflow: Workflow, tenant_id: str, run_id: str) -> dict[str, Any]:
    run = get_run(store, tenant_id, run_id)
    if run_status.is_terminal(run["status"]):
        raise RunConflict(f"run {run_id} is {run['status']} already")
    cancelled = finish_run(
        store, run_key(tenant_id, run_id), run_status.CANCELLED, {"error_message": "cancelled by the user"}
    )
    if cancelled is None:
        raise RunConflict(f"run {run_id} ended before it could be cancelled")
    workflow.stop(execution_name(tenant_id, run_id), "cancelled by the user")
    return cancelled


def cancel_scenario_run(store: Store, workflow: Workflow, tenant_id: str, scenario_id: str) -> dict[str, Any]:
    """Cancel the scenario's active run; NotFound when it has none (as the Studio's backend answers)."""
    scenario = get_scenario(store, tenant_id, None, scenario_id)
    run = _find_run(store, tenant_id, scenario.get("active_run_id") or "")
    if run is None or run_status.is_terminal(run["status"]):
        raise NotFound(f"no running simulation found for scenario {scenario_id}")
    return cancel_run(store, workflow, tenant_id, run["id"])


def reset_scenario(store: Store, tenant_id: str, scenario_id: str) -> dict[str, Any]:
    """Clear a scenario that shows queued or running without a live run (its run's end was lost):
    it becomes failed. 409 while the run is alive (cancel it instead), 422 when it is not stuck."""
    scenario = get_scenario(store, tenant_id, None, scenario_id)
    previous = scenario.get("status") or run_status.SCENARIO_NOT_RUN
    if previous not in (run_status.SCENARIO_QUEUED, run_status.RUNNING):
        raise InvalidRequest(f"scenario status is '{previous}', not stuck")
    run = _find_run(store, tenant_id, scenario.get("active_run_id") or "")
    if run is not None and not run_status.is_terminal(run["status"]):
        raise RunConflict("the simulation is actively running: cancel it instead")
    store.update("SC", scenario_id, {"status": run_status.FAILED}, remove=("active_run_id",))
    return {
        "success": True,
        "scenario_id": scenario_id,
        "previous_status": previous,
        "new_status": run_status.FAILED,
        "message": "simulation status reset from a stuck state",
    }


def run_events(store: Store, tenant_id: str, run_id: str) -> list[dict[str, Any]]:
    return store.run_events(key_of_run(get_run(store, tenant_id, run_id)))


def _log_lines(store: Store, run: dict[str, Any]) -> list[dict[str, Any]]:
    """The run's log: its history events and its stage functions' own lines, in time order."""
    history = [
        (
            event["timestamp"],
            LOG_SEVERITY.get(event.get("kind") or "", "INFO"),
            f"[{event.get('stage') or 'run'}] {event.get('message') or event.get('kind')}",
        )
        for event in store.run_events(key_of_run(run))
    ]
    logged = [
        (line["timestamp"], line["severity"], f"[{line['stage']}] {line['message']}")
        for line in store.run_log(key_of_run(run))
    ]
    # A stable sort: lines of one moment keep their order (history first, then the function's lines).
    ordered = sorted(history + logged, key=lambda line: line[0])
    return [
        {"sequence": index, "timestamp": timestamp, "severity": severity, "message": message}
        for index, (timestamp, severity, message) in enumerate(ordered, 1)
    ]


def log_page(
    store: Store,
    tenant_id: str,
    scenario_id: str,
    run_id: str,
    page: int,
    page_size: int,
    severity: str | None,
) -> dict[str, Any]:
    """The Studio's LogPage of a run's log."""
    run = scenario_run(store, tenant_id, scenario_id, run_id)
    lines = _log_lines(store, run)
    if severity:
        lines = [line for line in lines if line["severity"] == severity.upper()]
    offset = (page - 1) * page_size
    return {
        "run_id": run_id,
        "lines": lines[offset : offset + page_size],
        "total_lines": len(lines),
        "page": page,
        "page_size": page_size,
        "has_more": offset + page_size < len(lines),
        "is_running": run["status"] == run_status.RUNNING,
        "log_available": bool(lines),
    }


def run_log_text(store: Store, tenant_id: str, scenario_id: str, run_id: str) -> str:
    """The run's log as the downloadable text file: `timestamp [SEVERITY] message` per line."""
    run = scenario_run(store, tenant_id, scenario_id, run_id)
    return "".join(
        f"{line['timestamp']} [{line['severity']}] {line['message']}\n" for line in _log_lines(store, run)
    )


def _artifact_list(artifacts: Artifacts, run: dict[str, Any]) -> list[dict[str, Any]]:
    """The run's stored files as the Studio's Artifact rows, plus its log. Only a completed run has
    files: what a cancelled or failed run's stages wrote is not its output."""
    prefix = run_prefix(run["tenant_id"], run["workspace_id"], run["id"])
    rows = []
    stored = artifacts.list(prefix) if run["status"] == run_status.COMPLETED else iter(())
    for obj in stored:
        name = obj["Key"][len(prefix) :]
        if "/" in name:  # the simulation output and ensemble members are internal
            continue
        rows.append(
            {
                "name": name,
                "type": ARTIFACT_TYPES.get(name[name.rfind(".") :], "other"),
                "size_bytes": obj["Size"],
                "path": f"runs/{run['id']}/{name}",
                "created_at": obj["LastModified"].isoformat(),
            }
        )
    rows.append(
        {
            "name": RUN_LOG_NAME,
            "type": "text",
            "size_bytes": 0,
            "path": f"runs/{run['id']}/{RUN_LOG_NAME}",
            "created_at": run.get("completed_at") or run["created_at"],
        }
    )
    return sorted(rows, key=lambda row: row["name"])


def run_details(
    store: Store, artifacts: Artifacts, run: dict[str, Any], scenario: dict[str, Any]
) -> dict[str, Any]:
    """The Studio's RunDetails of one run of `scenario`."""
    workspace = store.get("WS", scenario["workspace_id"])
    simulation = (run.get("config") or {}).get("simulation") or {}
    summary = _summary(run)
    return {
        "id": run["id"],
        "scenario_id": scenario["id"],
        "scenario_name": scenario["name"],
        "workspace_id": workspace["id"],
        "workspace_name": workspace["name"],
        "status": run["status"],
        "started_at": run.get("started_at"),
        "completed_at": run.get("completed_at"),
        "duration_seconds": duration_seconds(run),
        "start_year": simulation.get("start_year"),
        "end_year": simulation.get("end_year"),
        "total_years": run.get("total_years"),
        "final_headcount": summary.get("final_headcount"),
        "total_events": run.get("events_generated"),
        "participation_rate": summary.get("participation_rate"),
        "config": run.get("studio_config"),
        "artifacts": _artifact_list(artifacts, run),
        "error_message": run.get("error_message"),
        "storage_path": run_prefix(run["tenant_id"], run["workspace_id"], run["id"]),
    }


def scenario_details(store: Store, artifacts: Artifacts, tenant_id: str, scenario_id: str) -> dict[str, Any]:
    """RunDetails of the scenario's newest run, or a `not_run` answer for a scenario that never ran."""
    scenario = get_scenario(store, tenant_id, None, scenario_id)
    run = _newest_run(store, scenario_id)
    if run is not None:
        return run_details(store, artifacts, run, scenario)
    workspace = store.get("WS", scenario["workspace_id"])
    studio_config = scenario_config(workspace, scenario)
    simulation = studio_config.get("simulation") or {}
    start, end = simulation.get("start_year"), simulation.get("end_year")
    return {
        "id": "none",
        "scenario_id": scenario_id,
        "scenario_name": scenario["name"],
        "workspace_id": workspace["id"],
        "workspace_name": workspace["name"],
        "status": run_status.SCENARIO_NOT_RUN,
        "started_at": None,
        "completed_at": None,
        "duration_seconds": None,
        "start_year": start,
        "end_year": end,
        "total_years": end - start + 1 if isinstance(start, int) and isinstance(end, int) else None,
        "final_headcount": None,
        "total_events": None,
        "participation_rate": None,
        "config": studio_config,
        "artifacts": [],
        "error_message": None,
        "storage_path": None,
    }


def artifact_download(
    store: Store, artifacts: Artifacts, tenant_id: str, scenario_id: str, path: str
) -> tuple[str, str]:
    """What `artifacts/{path}` serves: ("log", text) for a run's log, else ("url", a presigned URL).
    Paths are `runs/{run_id}/{name}` as RunDetails lists them; anything else is NotFound."""
    parts = path.split("/")
    if len(parts) != 3 or parts[0] != "runs" or not parts[2] or parts[2].startswith("."):
        raise NotFound(f"artifact {path} not found")
    _, run_id, name = parts
    run = scenario_run(store, tenant_id, scenario_id, run_id)
    if name == RUN_LOG_NAME:
        return "log", run_log_text(store, tenant_id, scenario_id, run_id)
    if name in LATE_EXPORTS:
        wait_for_export(store, run, name)
    key = run_prefix(tenant_id, run["workspace_id"], run_id) + name
    if not artifacts.exists(key):
        raise NotFound(f"artifact {path} not found")
    return "url", artifacts.presigned_get(key, name)


def _finished_run(store: Store, tenant_id: str, run_id: str) -> dict[str, Any]:
    run = get_run(store, tenant_id, run_id)
    if run["status"] != run_status.COMPLETED:
        if run_status.is_terminal(run["status"]):
            raise RunConflict(f"run {run_id} is {run['status']}: it has no results")
        raise RunConflict(f"run {run_id} is {run['status']}: results exist once it completes")
    return run


def run_results(store: Store, artifacts: Artifacts, tenant_id: str, run_id: str) -> dict[str, Any]:
    run = _finished_run(store, tenant_id, run_id)
    key = run_prefix(tenant_id, run["workspace_id"], run_id) + "results.json"
    results: dict[str, Any] = json.loads(artifacts.get(key))
    return results


def export_url(
    store: Store,
    artifacts: Artifacts,
    tenant_id: str,
    run_id: str,
    export_format: str,
    name: str | None = None,
) -> str:
    """A short-lived link to the run's export; the file is called `{name}_results.{ext}` (the
    Studio's naming) or after the run."""
    if export_format not in EXPORT_FILES:
        raise InvalidRequest(f"format: must be one of {', '.join(EXPORT_FILES)}, not {export_format!r}")
    run = _finished_run(store, tenant_id, run_id)
    artifact, extension = EXPORT_FILES[export_format]
    if artifact in LATE_EXPORTS:
        wait_for_export(store, run, artifact)
    key = run_prefix(tenant_id, run["workspace_id"], run_id) + artifact
    filename = f"{name}_results.{extension}" if name else f"{run_id}-{artifact}"
    return artifacts.presigned_get(key, filename)


def fail_exports(store: Store, key: str, reason: str) -> bool:
    """Mark a completed run's exports failed with `reason` while they are pending (the exports stage
    failed past its retries, or its execution ended badly); the run stays completed. True if marked."""
    try:
        store.update(
            "RUN",
            key,
            {"exports_status": run_status.EXPORTS_FAILED, "exports_error": reason},
            condition="exports_status = :pending",
            condition_values={":pending": run_status.EXPORTS_PENDING},
        )
    except RunConflict:
        return False
    return True


def wait_for_export(store: Store, run: dict[str, Any], artifact: str) -> None:
    """Return once the completed run's late exports are made, waiting up to EXPORT_WAIT_SECONDS.
    ExportPending (202 with Retry-After) if they are still being made then; RunConflict (409) if
    making them failed. A run completed before exports were made late has no exports_status: its
    files are there."""
    deadline = time.monotonic() + EXPORT_WAIT_SECONDS
    while True:
        status = run.get("exports_status") or run_status.EXPORTS_READY
        if status == run_status.EXPORTS_READY:
            return
        if status == run_status.EXPORTS_FAILED:
            raise RunConflict(f"run {run['id']}: {artifact} could not be made: {run.get('exports_error')}")
        if time.monotonic() >= deadline:
            raise ExportPending(
                f"run {run['id']} is completed and its {artifact} is being made; "
                f"ask again in {EXPORT_RETRY_AFTER_SECONDS} s",
                retry_after=EXPORT_RETRY_AFTER_SECONDS,
            )
        time.sleep(EXPORT_POLL_SECONDS)
        run = store.get("RUN", key_of_run(run))


def run_artifacts(store: Store, artifacts: Artifacts, tenant_id: str, run_id: str) -> list[dict[str, Any]]:
    """The files of a completed run (none for a run that did not complete)."""
    run = get_run(store, tenant_id, run_id)
    if run["status"] != run_status.COMPLETED:
        return []
    prefix = run_prefix(tenant_id, run["workspace_id"], run_id)
    return [
        {"name": obj["Key"][len(prefix) :], "size": obj["Size"], "url": artifacts.presigned_get(obj["Key"])}
        for obj in artifacts.list(prefix)
    ]


def read_headers(store: Store, tenant_id: str, scenario_ids: list[str]) -> dict[str, str]:
    """The Studio's run-consistency headers for a read of these scenarios: the run in progress (the
    page still shows the latest completed run) and the run whose results are shown. A result run
    that completed with warnings says so in `X-PlanAlign-Run-Warning` when no run is in progress."""
    active: list[tuple[str, str]] = []
    shown: list[tuple[str, str]] = []
    warned = False
    for scenario_id in dict.fromkeys(scenario_ids):
        try:
            scenario = get_scenario(store, tenant_id, None, scenario_id)
        except NotFound:
            continue
        run = _find_run(store, tenant_id, scenario.get("active_run_id") or "")
        if run is not None and not run_status.is_terminal(run["status"]):
            active.append((scenario_id, run["id"]))
        result = _newest_run(store, scenario_id, completed=True)
        if result is not None:
            shown.append((scenario_id, result["id"]))
            warned = warned or bool(result.get("warnings"))
    many = len(scenario_ids) > 1
    headers: dict[str, str] = {}
    if active:
        headers["X-PlanAlign-Run-Warning"] = "run_in_progress"
    elif warned:
        headers["X-PlanAlign-Run-Warning"] = "completed_with_warnings"
    for name, pairs in (("X-PlanAlign-Active-Run-Id", active), ("X-PlanAlign-Result-Run-Id", shown)):
        if pairs:
            headers[name] = ",".join(f"{s}={r}" for s, r in sorted(pairs)) if many else sorted(pairs)[0][1]
    return headers
