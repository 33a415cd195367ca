"""The stages of a run, as the state machine calls them: import, simulation, pipeline (which ends the
run), then the exports of the completed run. Each takes the execution's state, does its work against
S3 and DynamoDB, and returns S3 keys (never data) for the next state."""

import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from planalign import __version__
from planalign.adapters.artifacts import SIMULATION_SUMMARY, Artifacts, dataset_prefix, run_prefix
from planalign.adapters.store import Store, key_of_run, run_key
from planalign.domain import run_status
from planalign.domain.census import Census
from planalign.domain.census_reader import read_census
from planalign.domain.config import SimulationConfig, resolve_config
from planalign.domain.exports import (
    DETAIL_ROW_CAP,
    bands_csv,
    metrics_csv,
    results_workbook,
    workbook_rows_from_tables,
)
from planalign.domain.results import STUDIO_EVENT_TYPES, RunSummary
from planalign.domain.run_state import (
    Completed,
    ExecutionInput,
    Exported,
    ExportsInput,
    FailedInput,
    Imported,
    PipelineInput,
    Simulated,
    SimulationInput,
)
from planalign.domain.run_tables import EVENTS, SNAPSHOT, table_key
from planalign.domain.simulation import YearProgress, simulate_years
from planalign.errors import CensusRejected, RunConflict
from planalign.ids import utc_now
from planalign.services import run_usage, usage
from planalign.services.ensemble import ensemble_bands, plan_members
from planalign.services.progress import BackgroundReports, RunProgress
from planalign.services.run_tables import RunTableWriter
from planalign.services.runs import fail_exports, finish_run
from planalign.settings import get_settings

logger = logging.getLogger(__name__)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WORKBOOK = "results.xlsx"


def _timings(run: dict[str, Any], stage: str, began: float) -> dict[str, Any]:
    """The run's stage timings with this stage's seconds so far, written with the stage's last progress
    report (no write of the run item of its own: each one rewrites the whole item)."""
    return {
        "stage_timings": {**(run.get("stage_timings") or {}), stage: round(time.perf_counter() - began, 3)}
    }


def import_stage(store: Store, artifacts: Artifacts, event: dict[str, Any]) -> dict[str, Any]:
    """Parse the upload into the normalized census, or reuse the one made from the same bytes."""
    state = ExecutionInput.model_validate(event)
    began = time.perf_counter()
    run_id = state.run_id
    progress: RunProgress | None = None
    if run_id:
        run = store.transition_run(
            run_key(state.tenant_id, run_id),
            run_status.RUNNING,
            {"started_at": utc_now(), "current_stage": "import"},
        )
        progress = RunProgress(store, run)
        progress.report("import", 0.0, _run_started_message(run), kind="run_started")
        # The config's warnings (settings the engine does not model), stored when the run was made.
        progress.warn("import", list(run.get("warnings") or []))
        progress.report("import", 0.0, "import started", kind="stage_started")
    dataset = store.get("DS", state.dataset_id, state.tenant_id)
    census_key, report, cache_hit = _import_dataset(store, artifacts, dataset)
    if progress is not None and run_id:
        census_warnings = [f"census: {w}" for w in report.get("warnings") or []]
        if census_warnings:
            # dict.fromkeys: a retried import adds its census warnings once.
            warnings = list(dict.fromkeys([*(run.get("warnings") or []), *census_warnings]))
            store.update("RUN", key_of_run(run), {"warnings": warnings})
            progress.warn("import", census_warnings)
        note = " (cache hit)" if cache_hit else ""
        progress.report(
            "import",
            1.0,
            f"census imported: {report.get('rows_accepted')} employees{note}",
            kind="stage_completed",
            values=_timings(run, "import", began),
        )
    return Imported(census_key=census_key, dataset_id=dataset["id"], cache_hit=cache_hit).model_dump()


def _run_started_message(run: dict[str, Any]) -> str:
    simulation = (run.get("config") or {}).get("simulation") or {}
    years = int(run.get("total_years") or 0)
    return f"simulation started: {years} year{'s' if years != 1 else ''} from {simulation.get('start_year')}"


def _import_dataset(
    store: Store, artifacts: Artifacts, dataset: dict[str, Any]
) -> tuple[str, dict[str, Any], bool]:
    """The dataset's normalized census key, its report, and whether the census was already stored
    (same bytes imported before: nothing is parsed). A first import records `cache_hit` and
    `import_ms` on the dataset."""
    began = time.perf_counter()
    if dataset["status"] == "failed":
        raise CensusRejected(dataset.get("error") or "census import failed")
    if dataset["status"] == "imported":
        return dataset["census_key"], json.loads(artifacts.get(dataset["report_key"])), True
    data = artifacts.get(dataset["upload_key"], dataset.get("upload_version_id"))
    # The upload is the tenant's from now on (a failed import keeps it too, with its report).
    usage.count(store, dataset["tenant_id"], storage_bytes=len(data))
    sha256 = hashlib.sha256(data).hexdigest()
    prefix = dataset_prefix(dataset["tenant_id"], sha256, dataset.get("sheet"))
    census_key, report_key = prefix + "census.npz", prefix + "report.json"
    cache_hit = artifacts.exists(census_key) and artifacts.exists(report_key)
    if cache_hit:
        report = json.loads(artifacts.get(report_key))
    else:
        try:
            imported = read_census(data, dataset["filename"], sheet=dataset.get("sheet"))
        except CensusRejected as error:
            artifacts.put(report_key + ".failed", json.dumps(error.report).encode(), "application/json")
            store.update(
                "DS",
                dataset["id"],
                {
                    "status": "failed",
                    "sha256": sha256,
                    "error": str(error),
                    "report_key": report_key + ".failed",
                    **_report_counts(error.report),
                },
            )
            raise
        report = imported.report
        census_bytes = imported.census.to_bytes()
        artifacts.put(census_key, census_bytes)
        usage.count(store, dataset["tenant_id"], storage_bytes=len(census_bytes))
        artifacts.put(report_key, json.dumps(report).encode(), "application/json")
    store.update(
        "DS",
        dataset["id"],
        {
            "status": "imported",
            "sha256": sha256,
            "size_bytes": len(data),
            "census_key": census_key,
            "report_key": report_key,
            "cache_hit": cache_hit,
            "import_ms": round((time.perf_counter() - began) * 1000, 1),
            **_report_counts(report),
        },
    )
    _mark_latest_dataset(store, dataset)
    return census_key, report, cache_hit


def _report_counts(report: dict[str, Any]) -> dict[str, Any]:
    keys = ("rows_read", "rows_accepted", "rows_rejected", "duplicates")
    counts = {key: report.get(key) for key in keys}
    counts["columns"] = sorted(set((report.get("columns") or {}).values()))
    return counts


def _mark_latest_dataset(store: Store, dataset: dict[str, Any]) -> None:
    """The workspace's newest imported dataset (ids sort by time) is the one runs default to."""
    with contextlib.suppress(
        RunConflict
    ):  # a newer dataset is the latest already, or the workspace was deleted
        store.update(
            "WS",
            dataset["workspace_id"],
            {"latest_dataset_id": dataset["id"]},
            condition="attribute_exists(pk) AND (attribute_not_exists(latest_dataset_id) OR "
            "latest_dataset_id = :none OR latest_dataset_id < :id)",
            condition_values={":id": dataset["id"], ":none": None},
        )


def simulation_stage(store: Store, artifacts: Artifacts, event: dict[str, Any]) -> dict[str, Any]:
    """Run the model year by year, reporting each completed year, then store what it produced once, in
    the form its readers want: the snapshot and events as the run's Parquet tables (the queryable
    output, which the exports read too), and the metrics, Results and event counts as a small summary
    for the pipeline (no projection-sized intermediate). For an ensemble this is member 0, and the
    answer's `ensemble` tells the state machine to fan out the other members."""
    state = SimulationInput.model_validate(event)
    began = time.perf_counter()
    run = store.get("RUN", run_key(state.tenant_id, state.run_id), state.tenant_id)
    progress = RunProgress(store, run)
    progress.report("simulation", 0.0, "simulation started", kind="stage_started")
    census = Census.from_bytes(artifacts.get(state.imported.census_key))
    config = resolve_config(run["config"])
    members = config.ensemble.members

    # The live telemetry's event counts, in the Studio's names (HIRE, TERMINATION, ...), year by year.
    counts_by_year: dict[str, dict[str, int]] = {}
    simulating = year_began = time.perf_counter()
    years = BackgroundReports(progress)

    def on_year(year: YearProgress) -> None:
        nonlocal year_began
        now = time.perf_counter()
        counts = _studio_event_counts(year.event_counts)
        counts_by_year[str(year.year)] = counts
        years.report(
            "simulation",
            year.years_done / year.total_years / members,
            f"year {year.year} simulated ({year.years_done}/{year.total_years}): "
            f"{sum(counts.values()):,} events",
            kind="year_completed",
            year=year.year,
            values={
                "events_generated": year.events_generated,
                "events_per_second": round(year.events_generated / max(now - simulating, 1e-6), 1),
                "event_counts_by_year": dict(counts_by_year),  # as of this year, written later
            },
            detail={"event_counts": counts, "duration_seconds": round(now - year_began, 3)},
        )
        year_began = now

    prefix = run_prefix(run["tenant_id"], run["workspace_id"], run["id"])
    try:
        # Every year's report written before the tables are final: a run cancelled or deleted during
        # the last year stops there, and its tables go.
        summary = simulate_and_store(artifacts, prefix, census, config, on_year=on_year, settle=years.drain)
    except BaseException:
        years.drain(raise_failure=False)  # the stage's own error is the one to report
        raise
    del census
    key = store_summary(artifacts, prefix, summary, config.simulation.random_seed)
    ensemble = plan_members(artifacts, prefix, members)
    timings = _timings(run, "simulation", began)
    if members > 1:
        progress.report(
            "simulation", 1 / members, f"ensemble member 0 simulated (1/{members})", values=timings
        )
    else:
        progress.report("simulation", 1.0, "simulation completed", kind="stage_completed", values=timings)
    return Simulated(output_key=key, ensemble=ensemble).model_dump()


def simulate_and_store(
    artifacts: Artifacts,
    run_folder: str,
    census: Census,
    config: SimulationConfig,
    on_year: Callable[[YearProgress], None] | None = None,
    settle: Callable[[], None] | None = None,
) -> RunSummary:
    """Run the model year by year, each year stored as the run's Parquet tables under `run_folder` and
    added to its summary as the year ends; `settle` runs after the last year, before the tables are
    final (they are deleted if it raises, or if anything before did)."""
    summary = RunSummary(
        config.simulation.start_year, config.simulation.end_year, config.irs_limits.model_dump()
    )
    auto = config.auto_enrollment
    tables = RunTableWriter(artifacts, run_folder, auto.default_deferral_rate if auto.enabled else None)
    # The summary of a year is added beside the model's next year (the model's thread is the run's
    # critical path); one year at a time, so no more than one year waits for it.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="run-summary") as summarizing:
        summarized: Future[None] | None = None
        try:
            for rows in simulate_years(census, config, on_year=on_year):
                tables.add_year(rows)
                if summarized is not None:
                    summarized.result()
                summarized = summarizing.submit(summary.add_year, rows)
                del rows  # not held here while the model runs the next year
            if summarized is not None:
                summarized.result()
            if settle is not None:
                settle()
            tables.finish()
        except BaseException:
            tables.abandon()
            raise
    return summary


def store_summary(artifacts: Artifacts, run_folder: str, summary: RunSummary, seed: int) -> str:
    """Store the simulation's summary under `run_folder` (its metrics, Results without bands, event
    counts by year and type) for the pipeline. Answers its key."""
    metrics = summary.metrics()
    document = {
        "seed": seed,
        "start_headcount": summary.headcount_at_start,
        "metrics": metrics,
        "results": summary.results(metrics),
        "event_counts": summary.event_counts().tolist(),
    }
    key = run_folder + SIMULATION_SUMMARY
    artifacts.put(key, json.dumps(document).encode(), "application/json")
    return key


def _studio_event_counts(counts: dict[str, int]) -> dict[str, int]:
    """A year's events by type under the Studio's names of the types, upper-cased as its live
    telemetry shows them (the reference engine's UPPER(event_type))."""
    named: dict[str, int] = {}
    for event_type, count in counts.items():
        name = STUDIO_EVENT_TYPES[event_type].upper()
        named[name] = named.get(name, 0) + count
    return named


def run_manifest(run: dict[str, Any], dataset: dict[str, Any], seed: int) -> dict[str, Any]:
    """The run's manifest: run.json (with the stage timings and cost) and the workbook's Metadata."""
    settings = get_settings()
    return {
        "run_id": run["id"],
        "scenario_id": run["scenario_id"],
        "workspace_id": run["workspace_id"],
        "dataset_id": run["dataset_id"],
        "census_sha256": dataset.get("sha256"),
        "seed": seed,
        "ensemble_members": resolve_config(run["config"]).ensemble.members,
        "config": run["config"],
        "versions": {
            "planalign": __version__,
            "engine": __version__,
            "source_commit": settings.source_commit or None,
            "source_state": settings.source_tree_state or None,
        },
        "created_at": run.get("created_at"),
    }


def pipeline_stage(store: Store, artifacts: Artifacts, event: dict[str, Any]) -> dict[str, Any]:
    """Quality checks, the ensemble's bands, results.json, metrics.csv and the run.json manifest; ends
    the run completed: its results are ready and queryable. Its exports come after (exports_stage)."""
    state = PipelineInput.model_validate(event)
    began = time.perf_counter()
    run = store.get("RUN", run_key(state.tenant_id, state.run_id), state.tenant_id)
    prefix = run_prefix(run["tenant_id"], run["workspace_id"], run["id"])
    if run["status"] == run_status.COMPLETED:
        # A retry after this stage completed the run and then failed: only its tail is left to do.
        return _end_pipeline(store, run, prefix)
    progress = RunProgress(store, run)
    progress.report("pipeline", 0.0, "pipeline started", kind="stage_started")
    simulated = json.loads(artifacts.get(state.simulation.output_key))
    members = resolve_config(run["config"]).ensemble.members
    bands = ensemble_bands(artifacts, prefix, simulated["metrics"], members) if members > 1 else None
    results = {"run_id": run["id"], "scenario_id": run["scenario_id"], **simulated["results"], "bands": bands}
    manifest = run_manifest(run, store.get("DS", run["dataset_id"]), simulated["seed"])
    failed_checks = [
        f"quality check {c['name']} failed: {c['detail']}"
        for c in results["quality"]["checks"]
        if not c["passed"]
    ]
    progress.warn("pipeline", failed_checks)
    artifacts.put(prefix + "metrics.csv", metrics_csv(results), "text/csv")
    if bands is not None:
        artifacts.put(prefix + "bands.csv", bands_csv(bands), "text/csv")
    timings = {
        **(store.get("RUN", key_of_run(run)).get("stage_timings") or {}),
        "pipeline": round(time.perf_counter() - began, 3),
    }
    # The cost so far (the run's stages, this one until now, the folder's bytes); results.json is
    # written last of the outputs so that it carries it.
    stored_bytes = sum(int(obj["Size"]) for obj in artifacts.list(prefix))
    cost = run_usage.current_cost(store, key_of_run(run), members, stored_bytes)
    artifacts.put(prefix + "results.json", json.dumps({**results, "cost": cost}).encode(), "application/json")
    artifacts.put(
        prefix + "run.json",
        json.dumps({**manifest, "stage_timings": timings, "cost": cost}).encode(),
        "application/json",
    )
    progress.report("pipeline", 1.0, "results written", kind="stage_completed")
    # A run that finished with warnings is completed and lists them (the Studio's vocabulary).
    warnings = [*(store.get("RUN", key_of_run(run)).get("warnings") or []), *failed_checks]
    summary = {
        key: results[key]
        for key in (
            "final_headcount",
            "total_growth_pct",
            "cagr",
            "participation_rate",
            "final_employer_cost",
            "total_events",
        )
    }
    stored = list(artifacts.list(prefix))
    finished = finish_run(
        store,
        key_of_run(run),
        run_status.COMPLETED,
        {
            "progress": 100.0,
            "warnings": warnings,
            "stage_timings": timings,
            "message": "run completed",
            "results_summary": summary,
            # The files the Studio lists for the run (the simulation's summary, the tables and the
            # members are not); the workbook adds itself once made.
            "artifact_count": sum("/" not in obj["Key"][len(prefix) :] for obj in stored),
            "exports_status": run_status.EXPORTS_PENDING,
            # The tail's marker, set with the completion (see _end_pipeline).
            usage.UNCOUNTED_BYTES: sum(int(obj["Size"]) for obj in stored),
        },
    )
    if finished is None:
        # Another attempt of this stage may have completed the run; a cancelled or failed one is over.
        finished = store.get("RUN", key_of_run(run))
        if finished["status"] != run_status.COMPLETED:
            raise RunConflict(f"run {run['id']} ended before its pipeline finished")
    return _end_pipeline(store, finished, prefix)


def _end_pipeline(store: Store, run: dict[str, Any], prefix: str) -> dict[str, Any]:
    """What follows the run's completion, made safe to repeat, so that a retry of the stage after a
    failure here ends as the first attempt would have (the execution goes on to the exports): the
    scenario's summary and the workspace's last run (the same values set again), then the run's bytes
    counted against the tenant once, which removes the marker; and the same answer."""
    if usage.UNCOUNTED_BYTES in run:
        _record_summary(store, run)
        usage.count_run_storage(store, run)
    return Completed(results_key=prefix + "results.json", status=run_status.COMPLETED).model_dump()


def exports_stage(store: Store, artifacts: Artifacts, event: dict[str, Any]) -> dict[str, Any]:
    """The completed run's results workbook, made off its critical path from what the run stored (its
    Results, the simulation's summary and the Parquet tables); the run's `exports_status` turns from
    pending to ready once the file is there, which the export links wait for."""
    state = ExportsInput.model_validate(event)
    run = store.get("RUN", run_key(state.tenant_id, state.run_id), state.tenant_id)
    prefix = run_prefix(run["tenant_id"], run["workspace_id"], run["id"])
    simulated = json.loads(artifacts.get(state.simulation.output_key))
    manifest = run_manifest(run, store.get("DS", run["dataset_id"]), simulated["seed"])
    workbook = run_workbook(artifacts, prefix, simulated, manifest)
    artifacts.put(prefix + WORKBOOK, workbook, XLSX_TYPE)
    try:
        store.update(
            "RUN",
            key_of_run(run),
            {
                "exports_status": run_status.EXPORTS_READY,
                "artifact_count": int(run.get("artifact_count") or 0) + 1,
            },
            condition="attribute_exists(pk)",
        )
    except RunConflict:
        # The run was deleted (its scenario's results dropped) while its workbook was made.
        artifacts.delete_prefix(prefix + WORKBOOK)
        return Exported(export_keys=[]).model_dump()
    usage.count(store, run["tenant_id"], storage_bytes=len(workbook))
    return Exported(export_keys=[prefix + WORKBOOK]).model_dump()


def run_workbook(
    artifacts: Artifacts, run_folder: str, simulated: dict[str, Any], manifest: dict[str, Any]
) -> bytes:
    """The results workbook of the run in `run_folder`, from its results.json, the simulation's summary
    and the Parquet tables (the final year's snapshot, the first year or years of events)."""
    results = json.loads(artifacts.get(run_folder + "results.json"))
    years = list(range(results["start_year"], results["end_year"] + 1))
    rows = workbook_rows_from_tables(
        _read_table(artifacts, table_key(run_folder, SNAPSHOT, years[-1])),
        _first_events(artifacts, run_folder, years, DETAIL_ROW_CAP),
        years,
        np.array(simulated["event_counts"], dtype=np.int64),
    )
    return results_workbook(results, rows, manifest)


def _read_table(artifacts: Artifacts, key: str) -> pa.Table:
    return pq.read_table(pa.BufferReader(artifacts.get(key)))


def _first_events(artifacts: Artifacts, prefix: str, years: list[int], rows: int) -> pa.Table:
    """The events table's first `rows` rows (fewer if there are fewer), read a year at a time."""
    tables: list[pa.Table] = []
    for year in years:
        tables.append(_read_table(artifacts, table_key(prefix, EVENTS, year)))
        if sum(table.num_rows for table in tables) >= rows:
            break
    return pa.concat_tables(tables).slice(0, rows)


def _record_summary(store: Store, run: dict[str, Any]) -> None:
    for kind, item_id, values in (
        ("SC", run["scenario_id"], {"results_summary": run["results_summary"]}),
        ("WS", run["workspace_id"], {"last_run_at": run["completed_at"]}),
    ):
        try:
            store.update(kind, item_id, values)
        except RunConflict:
            logger.info("scenario or workspace deleted while its run finished", extra={"run_id": run["id"]})


def mark_failed(store: Store, artifacts: Artifacts, event: dict[str, Any]) -> dict[str, Any]:
    """The Catch target: the run ends failed with the stage's error (unless it ended already), and an
    import-only execution's dataset is marked failed. A run cancelled while a stage worked keeps none
    of what its stages wrote (the stage stopped at its next write, and that failure lands here). A
    completed run whose exports failed stays completed, its exports marked failed with the error."""
    state = FailedInput.model_validate(event)
    message = error_message(state.error.model_dump())
    run_id = state.run_id
    if run_id:
        key = run_key(state.tenant_id, run_id)
        run = store.get("RUN", key)
        stage = run.get("current_stage") or "import"
        if fail_exports(store, key, message):
            return {"run_id": run_id, "marked_failed": False}
        failed = finish_run(store, key, run_status.FAILED, {"error_message": f"{stage}: {message}"})
        if failed is None and store.get("RUN", key)["status"] == run_status.CANCELLED:
            artifacts.delete_prefix(run_prefix(run["tenant_id"], run["workspace_id"], run_id))
        return {"run_id": run_id, "marked_failed": failed is not None}
    dataset = store.get("DS", state.dataset_id)
    if dataset["status"] == "importing":
        store.update("DS", dataset["id"], {"status": "failed", "error": message})
    return {"dataset_id": dataset["id"], "marked_failed": True}


def error_message(error: dict[str, Any]) -> str:
    """The readable message of a Catch's error: a Lambda error's Cause is its JSON payload."""
    cause = error.get("Cause") or ""
    try:
        payload = json.loads(cause)
    except ValueError:
        payload = None
    if isinstance(payload, dict) and payload.get("errorMessage"):
        return f"{payload.get('errorType', error.get('Error', 'Error'))}: {payload['errorMessage']}"
    return f"{error.get('Error', 'Error')}: {cause}".strip(": ")
