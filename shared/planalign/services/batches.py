"""Batches: run many scenarios of a workspace at once, one run each, and follow them as one job whose
status is derived from its runs' items."""

import logging
from contextlib import suppress
from datetime import datetime
from typing import Any

from planalign.adapters.store import Store, list_key, run_key
from planalign.adapters.workflow import Workflow
from planalign.domain import run_status
from planalign.errors import InvalidRequest, NotFound, PlanAlignError, RunConflict
from planalign.ids import new_id, utc_now
from planalign.services.links import websocket_link
from planalign.services.runs import cancel_run, create_run, default_dataset_id, launch_run
from planalign.services.workspaces import get_scenario

logger = logging.getLogger(__name__)

BATCH_FIELDS = ("id", "name", "workspace_id", "status", "submitted_at", "completed_at")


def run_all(
    store: Store, workflow: Workflow, tenant_id: str, workspace_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Start one run per scenario (all of the workspace's, or `scenario_ids`) on the newest dataset.
    A scenario that cannot start gets a failed entry; only an unknown scenario (404) or a workspace
    without a census (409) refuses the whole batch."""
    store.get("WS", workspace_id, tenant_id)
    scenarios = _scenarios_to_run(store, tenant_id, workspace_id, body.get("scenario_ids"))
    datasets = {scenario["id"]: default_dataset_id(store, tenant_id, scenario) for scenario in scenarios}
    batch_id = new_id("batch")
    submitted_at = utc_now()
    entries: list[dict[str, Any]] = []
    runs: list[dict[str, Any]] = []
    for scenario in scenarios:
        entry = {
            "scenario_id": scenario["id"],
            "name": scenario["name"],
            "run_id": None,
            "status": run_status.PENDING,
            "progress": 0,
            "error_message": None,
        }
        try:
            run = create_run(store, tenant_id, scenario, datasets[scenario["id"]], batch_id=batch_id)
        except PlanAlignError as error:
            entry.update(status=run_status.FAILED, error_message=str(error))
        else:
            entry["run_id"] = run["id"]
            runs.append(run)
        entries.append(entry)
    batch = {
        "id": batch_id,
        "tenant_id": tenant_id,
        "workspace_id": workspace_id,
        "name": body.get("name") or f"Run all {submitted_at}",
        "parallel": bool(body.get("parallel")),
        "export_format": body.get("export_format"),
        "status": run_status.PENDING,
        "submitted_at": submitted_at,
        "completed_at": None,
        "scenarios": entries,
        "gsi1pk": list_key("WS", workspace_id, "BATCH"),
        "gsi1sk": batch_id,
    }
    # The batch item exists before any execution starts, so whatever follows a run finds its batch.
    store.create("BATCH", batch_id, batch)
    for run in runs:
        try:
            launch_run(store, workflow, run)
        except Exception:
            # launch_run has failed the run with the reason; the batch reads it from the run item.
            logger.exception("could not start run", extra={"run_id": run["id"], "batch_id": batch_id})
    return _job(store, batch)


def _scenarios_to_run(
    store: Store, tenant_id: str, workspace_id: str, scenario_ids: list[str] | None
) -> list[dict[str, Any]]:
    if scenario_ids is None:
        scenarios = store.list_all(list_key("WS", workspace_id, "SC"), newest_first=False)
    else:
        # dict.fromkeys: a repeated id runs once, in the order first given.
        scenarios = [get_scenario(store, tenant_id, workspace_id, sid) for sid in dict.fromkeys(scenario_ids)]
    if not scenarios:
        raise InvalidRequest(f"workspace {workspace_id} has no scenario to run")
    return scenarios


def batch_view(store: Store, tenant_id: str, batch_id: str) -> dict[str, Any]:
    """The BatchJob as of now; NotFound for another tenant's batch."""
    return _job(store, store.get("BATCH", batch_id, tenant_id))


def list_batches(
    store: Store, tenant_id: str, workspace_id: str, limit: int | None, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    store.get("WS", workspace_id, tenant_id)
    items, next_cursor = store.list_page(list_key("WS", workspace_id, "BATCH"), limit=limit, cursor=cursor)
    return [_job(store, item) for item in items], next_cursor


def cancel_batch(store: Store, workflow: Workflow, tenant_id: str, batch_id: str) -> dict[str, Any]:
    """Cancel every run of the batch that has not ended; RunConflict when the batch has ended."""
    batch = store.get("BATCH", batch_id, tenant_id)
    if run_status.is_terminal(batch["status"]):
        raise RunConflict(f"batch {batch_id} is {batch['status']} already")
    entries, _ = _live_entries(store, batch)
    for entry in entries:
        if entry["run_id"] is not None and not run_status.is_terminal(entry["status"]):
            # RunConflict: the run ended between the read and the cancel, nothing left to stop.
            with suppress(RunConflict):
                cancel_run(store, workflow, tenant_id, entry["run_id"])
    return _job(store, batch)


def _job(store: Store, batch: dict[str, Any]) -> dict[str, Any]:
    """The BatchJob of api.md with each scenario's live run status.
    A batch whose runs have all ended is written back with its final status, and from then on read
    as stored."""
    if run_status.is_terminal(batch["status"]):
        entries, status, completed_at = batch["scenarios"], batch["status"], batch["completed_at"]
    else:
        entries, ended_at = _live_entries(store, batch)
        status = batch_status([entry["status"] for entry in entries])
        completed_at = None
        if run_status.is_terminal(status):
            # It ended with its last run; a batch none of whose runs could start ended when submitted.
            completed_at = max(ended_at, default=batch["submitted_at"])
            _persist_final(store, batch["id"], status, completed_at, entries)
    return {
        **{field: batch.get(field) for field in BATCH_FIELDS},
        "status": status,
        "completed_at": completed_at,
        "duration_seconds": _seconds_between(batch["submitted_at"], completed_at or utc_now()),
        "overall_progress": overall_progress(entries),
        "scenarios": entries,
        "parallel": bool(batch.get("parallel")),
        "export_format": batch.get("export_format"),
        "websocket_url": websocket_link("batch", batch["id"]),
    }


def _live_entries(store: Store, batch: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """The batch's scenario entries with the status, progress and error of their run items now, and
    the completed_at of the runs that have one."""
    entries: list[dict[str, Any]] = []
    ended_at: list[str] = []
    for entry in batch["scenarios"]:
        live = dict(entry)
        if entry["run_id"] is not None:
            try:
                run = store.get("RUN", run_key(batch["tenant_id"], entry["run_id"]), batch["tenant_id"])
            except NotFound:
                # Deleting a scenario deletes its runs: the entry has ended without an outcome.
                live.update(status=run_status.FAILED, error_message=f"run {entry['run_id']} was deleted")
            else:
                live.update(
                    status=run["status"],
                    progress=int(run["progress"] or 0),
                    error_message=run["error_message"],
                )
                if run["completed_at"]:
                    ended_at.append(run["completed_at"])
        entries.append(live)
    return entries, ended_at


def _persist_final(
    store: Store, batch_id: str, status: str, completed_at: str, entries: list[dict[str, Any]]
) -> None:
    terminal = {f":t{i}": s for i, s in enumerate(sorted(run_status.TERMINAL))}
    # RunConflict: a concurrent read wrote the final state first, or the workspace was deleted.
    with suppress(RunConflict):
        store.update(
            "BATCH",
            batch_id,
            {"status": status, "completed_at": completed_at, "scenarios": entries},
            condition=f"attribute_exists(pk) AND NOT #status IN ({', '.join(terminal)})",
            condition_values=terminal,
            condition_names={"#status": "status"},
        )


def batch_status(statuses: list[str]) -> str:
    """The Studio's BatchJob status: pending while every run is pending, running while any has not
    ended; once all have ended, completed when every run completed, else failed (a failed or
    cancelled run fails the batch; each scenario entry keeps its own run's status)."""
    if any(not run_status.is_terminal(s) for s in statuses):
        return run_status.PENDING if all(s == run_status.PENDING for s in statuses) else run_status.RUNNING
    if all(s == run_status.COMPLETED for s in statuses):
        return run_status.COMPLETED
    return run_status.FAILED


def overall_progress(entries: list[dict[str, Any]]) -> float:
    """The mean of the runs' progress, an ended run counting as done (100) whatever it reached, so
    that a batch that has ended is at 100."""
    done = [100 if run_status.is_terminal(e["status"]) else e["progress"] for e in entries]
    return round(sum(done) / len(done), 1)


def _seconds_between(start: str, end: str) -> float:
    return round((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds(), 3)
