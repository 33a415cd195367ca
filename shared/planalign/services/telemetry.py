"""The Studio's live telemetry of a run, built from the run item and its history only: the
RunTelemetrySnapshot, RunTelemetryUpdate and TelemetryMilestone shapes, their WebSocket messages
(`{type, data}`; `heartbeat`), the BatchTelemetry of a batch, and the RunTelemetryResponse of
`GET /api/scenarios/{id}/run/telemetry`. The notifier, the subscribe snapshot and that route all call
this module, so a message means the same wherever it comes from. No NumPy here: the notifier and
WebSocket functions do not ship it."""

from typing import Any

from planalign.adapters.store import Store, key_of_run, run_key
from planalign.domain import run_status
from planalign.errors import NotFound
from planalign.services.progress import seconds_between

MILESTONE_KINDS = frozenset(
    {"run_started", "stage_started", "stage_completed", "year_completed", "warning", "error", "terminal"}
)
SEVERITIES = frozenset({"info", "warning", "error"})
# A snapshot carries the newest of these (the reference backend keeps as many in memory).
MILESTONE_CAP = 200
SAMPLE_CAP = 600
# Memory pressure when the function's memory limit is unknown (the reference backend's thresholds).
PRESSURE_MB = ((512, "low"), (1024, "moderate"), (2048, "high"))
# ... and as a share of the limit when it is known (a Lambda function's configured memory).
PRESSURE_SHARE = ((0.5, "low"), (0.75, "moderate"), (0.9, "high"))


def memory_pressure(memory_mb: float, limit_mb: float | None) -> str:
    levels, value = (PRESSURE_SHARE, memory_mb / limit_mb) if limit_mb else (PRESSURE_MB, memory_mb)
    return next((name for bound, name in levels if value < bound), "critical")


def _years(run: dict[str, Any]) -> tuple[int, int]:
    """The run's first and last simulated year; (0, 0) when its config does not say."""
    simulation = (run.get("config") or {}).get("simulation") or {}
    start, end = simulation.get("start_year"), simulation.get("end_year")
    if not isinstance(start, int) or not isinstance(end, int):
        return 0, 0
    return start, end


def event_counts(run: dict[str, Any]) -> dict[str, Any]:
    """The Studio's EventTypeCounts: the events of every simulated year so far by type, exact at year
    ends (the simulation stage writes `event_counts_by_year` after each year)."""
    stored: dict[str, dict[str, int]] = run.get("event_counts_by_year") or {}
    by_year = {year: {name: int(n) for name, n in stored[year].items()} for year in sorted(stored, key=int)}
    by_type: dict[str, int] = {}
    for counts in by_year.values():
        for name, n in counts.items():
            by_type[name] = by_type.get(name, 0) + n
    return {
        "by_type": by_type,
        "by_year": by_year,
        "total": sum(by_type.values()),
        "as_of_year": max(map(int, by_year), default=None),
    }


def _last_update_at(run: dict[str, Any]) -> str:
    return str(run.get("completed_at") or run.get("updated_at") or run.get("started_at") or run["created_at"])


def run_update(run: dict[str, Any]) -> dict[str, Any]:
    """The RunTelemetryUpdate of a run item: the live state without the history lists."""
    start_year, end_year = _years(run)
    counts = event_counts(run)
    done_through = counts["as_of_year"]
    # The year being simulated: the first before any is done, then the one after the last done.
    current_year = start_year if done_through is None else min(done_through + 1, end_year)
    last_update_at = _last_update_at(run)
    memory_mb = float(run.get("memory_mb") or 0)
    return {
        "run_id": run["id"],
        "scenario_id": run.get("scenario_id") or "",
        "status": run["status"],
        "progress": int(run.get("progress") or 0),
        "current_stage": run_status.studio_stage(run),
        "current_year": current_year,
        "total_years": int(run.get("total_years") or 0),
        "start_year": start_year,
        "performance_metrics": {
            "memory_mb": memory_mb,
            "memory_pressure": memory_pressure(memory_mb, run.get("memory_limit_mb")),
            "elapsed_seconds": seconds_between(run.get("started_at"), last_update_at),
            "events_generated": int(run.get("events_generated") or 0),
            "events_per_second": float(run.get("events_per_second") or 0),
        },
        "event_counts": counts,
        "last_update_at": last_update_at,
    }


def milestone(event: dict[str, Any]) -> dict[str, Any] | None:
    """The TelemetryMilestone of a history event; None for plain progress (not a feed entry)."""
    kind = event.get("kind")
    if kind not in MILESTONE_KINDS:
        return None
    severity = event.get("severity")
    if severity not in SEVERITIES:  # history written before events carried a severity
        severity = {"error": "error", "warning": "warning"}.get(str(kind), "info")
    stage = event.get("stage")
    return {
        "sequence": int(event["seq"]),
        "timestamp": event["timestamp"],
        "kind": kind,
        "severity": severity,
        "year": event.get("year"),
        "stage": run_status.studio_stage({"current_stage": stage}) if stage else None,
        "message": event.get("message") or str(kind).replace("_", " "),
        "detail": event.get("detail") or None,
    }


def _samples(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One PerformanceSample per progress write, thinned evenly (the newest kept) past SAMPLE_CAP."""
    samples = [
        {
            "timestamp": event["timestamp"],
            "elapsed_seconds": float(event.get("elapsed_seconds") or 0),
            "events_per_second": float(event.get("events_per_second") or 0),
            "memory_mb": float(event["memory_mb"]),
        }
        for event in events
        if event.get("memory_mb") is not None
    ]
    step = -(-len(samples) // SAMPLE_CAP)  # ceiling division
    return samples[::-1][::step][::-1] if step > 1 else samples


def run_snapshot(run: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, Any]:
    """The RunTelemetrySnapshot of a run item and its history (`Store.run_events`)."""
    update = run_update(run)
    milestones = [m for m in map(milestone, events) if m is not None][-MILESTONE_CAP:]
    return {
        **{key: value for key, value in update.items() if key != "last_update_at"},
        "milestones": milestones,
        "performance_samples": _samples(events),
        "last_update_at": update["last_update_at"],
    }


# The WebSocket messages of a run. Each also names its run at the top level, beside the Studio's
# `{type, data}`, for clients that follow several runs on one socket (the Studio ignores it).


def snapshot_message(run: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "snapshot", "run_id": run["id"], "data": run_snapshot(run, events)}


def update_message(run: dict[str, Any]) -> dict[str, Any]:
    return {"type": "update", "run_id": run["id"], "data": run_update(run)}


def milestone_message(run_id: str, event: dict[str, Any]) -> dict[str, Any] | None:
    data = milestone(event)
    return None if data is None else {"type": "milestone", "run_id": run_id, "data": data}


def heartbeat_message(run_id: str) -> dict[str, Any]:
    return {"type": "heartbeat", "run_id": run_id}


def batch_message(batch: dict[str, Any], timestamp: str) -> dict[str, Any]:
    """The Studio's BatchTelemetry of a BatchJob (`batches.batch_view`); `type` tells our clients what
    it is (the Studio reads any message but a heartbeat as one)."""
    return {
        "type": "batch_update",
        "batch_id": batch["id"],
        "status": batch["status"],
        "scenarios": [
            {
                "scenario_id": entry["scenario_id"],
                "name": entry["name"],
                "status": entry["status"],
                "progress": int(entry.get("progress") or 0),
                "run_id": entry.get("run_id"),
            }
            for entry in batch["scenarios"]
        ],
        "overall_progress": batch.get("overall_progress") or 0,
        "timestamp": timestamp,
    }


def scenario_telemetry(store: Store, tenant_id: str, scenario_id: str) -> dict[str, Any]:
    """The Studio's RunTelemetryResponse for the scenario's latest run (its `last_run_id`, set when a
    run starts: a consistent read, where the list of its runs may lag a run just started and show the
    one before, which the Studio would take as this run's end): `{run: {run_id, status,
    error_message}, telemetry}`; a scenario that never ran (or whose results were deleted) answers
    `not_run` and no telemetry. NotFound for an unknown or another tenant's scenario."""
    run_id = store.get("SC", scenario_id, tenant_id).get("last_run_id")
    try:
        run = store.get("RUN", run_key(tenant_id, run_id), tenant_id) if run_id else None
    except NotFound:
        run = None
    if run is None:
        return {
            "run": {"run_id": None, "status": run_status.SCENARIO_NOT_RUN, "error_message": None},
            "telemetry": None,
        }
    return {
        "run": {"run_id": run["id"], "status": run["status"], "error_message": run.get("error_message")},
        "telemetry": run_snapshot(run, store.run_events(key_of_run(run))),
    }
