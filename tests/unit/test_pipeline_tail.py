"""The pipeline stage's tail, after it completed the run: a retry of the stage after a failure there
finishes the tail (the scenario's summary, the tenant's storage) without counting twice and answers as
the first attempt would have, so that the execution goes on; a run that ended otherwise still stops
the stage."""

from typing import Any

import boto3
import pytest
from planalign.adapters.artifacts import Artifacts, run_prefix
from planalign.adapters.store import Store, TransientStoreError
from planalign.bench import bench_config
from planalign.domain.census_generator import generate_census
from planalign.domain.run_state import Completed
from planalign.errors import RunConflict
from planalign.services import stages, usage
from planalign.services.runs import finish_run

PREFIX = run_prefix("t1", "ws_1", "run_1")


@pytest.fixture
def artifacts(store: Store) -> Artifacts:
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="artifacts")
    return Artifacts("artifacts")


@pytest.fixture
def state(store: Store, artifacts: Artifacts) -> dict[str, Any]:
    """A running run whose simulation is stored: the pipeline's input."""
    config = bench_config(2)
    summary = stages.simulate_and_store(artifacts, PREFIX, generate_census(40, seed=1), config)
    output_key = stages.store_summary(artifacts, PREFIX, summary, config.simulation.random_seed)
    owned = {"tenant_id": "t1", "workspace_id": "ws_1"}
    store.create("WS", "ws_1", {"id": "ws_1", **owned})
    store.create("SC", "sc_1", {"id": "sc_1", **owned, "active_run_id": "run_1"})
    store.create("DS", "ds_1", {"id": "ds_1", **owned, "sha256": "0" * 64})
    store.create(
        "RUN",
        "t1#run_1",
        {
            "id": "run_1",
            **owned,
            "scenario_id": "sc_1",
            "dataset_id": "ds_1",
            "status": "running",
            "current_stage": "pipeline",
            "config": config.model_dump(mode="json"),
        },
    )
    return {
        **owned,
        "dataset_id": "ds_1",
        "run_id": "run_1",
        "import": {"census_key": "census.parquet", "dataset_id": "ds_1", "cache_hit": False},
        "simulation": {
            "output_key": output_key,
            "ensemble": {"members": 1, "items_key": None, "max_concurrency": 1},
        },
    }


def folder_bytes(artifacts: Artifacts) -> int:
    return sum(int(obj["Size"]) for obj in artifacts.list(PREFIX))


@pytest.mark.parametrize(("module", "step"), [(stages, "_record_summary"), (usage, "count_run_storage")])
def test_a_retry_after_the_tail_failed_completes_it_and_counts_the_storage_once(
    store: Store,
    artifacts: Artifacts,
    state: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    module: Any,
    step: str,
) -> None:
    # The step of the tail fails once with a throttle, which the state machine retries.
    real, calls = getattr(module, step), []

    def failing_once(*args: Any) -> None:
        calls.append(args)
        if len(calls) == 1:
            raise TransientStoreError("throttled")
        real(*args)

    monkeypatch.setattr(module, step, failing_once)
    with pytest.raises(TransientStoreError):
        stages.pipeline_stage(store, artifacts, state)
    assert store.get("RUN", "t1#run_1")["status"] == "completed"
    stored = folder_bytes(artifacts)

    answer = stages.pipeline_stage(store, artifacts, state)
    assert answer == Completed(results_key=PREFIX + "results.json", status="completed").model_dump()
    run = store.get("RUN", "t1#run_1")
    assert run["status"] == "completed"
    assert usage.UNCOUNTED_BYTES not in run
    assert usage.usage(store, "t1")["storage_bytes"] == stored
    assert store.get("SC", "sc_1")["results_summary"] == run["results_summary"]
    assert store.get("WS", "ws_1")["last_run_at"] == run["completed_at"]
    # The retry wrote nothing into the completed run's folder or history.
    assert folder_bytes(artifacts) == stored
    assert [e["kind"] for e in store.run_events("t1#run_1")].count("terminal") == 1

    # A third attempt (the answer lost on its way back) changes nothing either.
    assert stages.pipeline_stage(store, artifacts, state) == answer
    assert usage.usage(store, "t1")["storage_bytes"] == stored


def test_a_run_is_counted_once_even_from_a_stale_copy(
    store: Store, artifacts: Artifacts, state: dict[str, Any]
) -> None:
    stages.pipeline_stage(store, artifacts, state)
    counted = usage.usage(store, "t1")["storage_bytes"]
    assert counted == folder_bytes(artifacts) > 0
    # A copy of the run read before the counting still holds the marker: the counting is done.
    usage.count_run_storage(store, {**store.get("RUN", "t1#run_1"), usage.UNCOUNTED_BYTES: counted})
    assert usage.usage(store, "t1")["storage_bytes"] == counted


@pytest.mark.parametrize("status", ["cancelled", "failed"])
def test_a_run_that_ended_otherwise_still_stops_the_pipeline(
    store: Store, artifacts: Artifacts, state: dict[str, Any], status: str
) -> None:
    finish_run(store, "t1#run_1", status, {"error_message": "by the user"})
    with pytest.raises(RunConflict):
        stages.pipeline_stage(store, artifacts, state)
    assert store.get("RUN", "t1#run_1")["status"] == status
    assert usage.usage(store, "t1")["storage_bytes"] == 0
