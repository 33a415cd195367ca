"""The simulation stage writes its years' progress and tables in the background, but keeps nothing
for a run that ended meanwhile: a run cancelled (or deleted) during its last year, or whose model
fails, leaves no tables behind; nor does a summary (added beside the model) that fails."""

from typing import Any

import boto3
import pytest
from planalign.adapters.artifacts import Artifacts, run_prefix
from planalign.adapters.store import Store
from planalign.bench import bench_config
from planalign.domain.census_generator import generate_census
from planalign.domain.results import RunSummary
from planalign.errors import RunConflict
from planalign.services import stages


@pytest.fixture
def artifacts(store: Store) -> Artifacts:
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="artifacts")
    return Artifacts("artifacts")


def running(store: Store, artifacts: Artifacts, years: int) -> dict[str, Any]:
    """A running run of `years` years whose census is imported: the stage's input."""
    artifacts.put("census.bin", generate_census(200, seed=3).to_bytes())
    owned = {"tenant_id": "t1", "workspace_id": "ws_1"}
    config = bench_config(years).model_dump(mode="json")
    store.create(
        "RUN", "t1#run_1", {"id": "run_1", **owned, "status": "running", "progress": 10.0, "config": config}
    )
    return {
        **owned,
        "dataset_id": "ds_1",
        "run_id": "run_1",
        "import": {"census_key": "census.bin", "dataset_id": "ds_1", "cache_hit": False},
    }


def stored_keys(artifacts: Artifacts) -> list[str]:
    return [entry["Key"] for entry in artifacts.list(run_prefix("t1", "ws_1", "run_1"))]


def test_the_stage_stores_its_output_after_every_years_report(store: Store, artifacts: Artifacts) -> None:
    answer = stages.simulation_stage(store, artifacts, running(store, artifacts, years=3))
    assert answer["output_key"] in stored_keys(artifacts)
    years = [e["year"] for e in store.run_events("t1#run_1") if e["kind"] == "year_completed"]
    assert years == [2025, 2026, 2027]
    assert store.get("RUN", "t1#run_1")["progress"] == 85.0


def test_a_run_cancelled_in_its_last_year_stores_nothing(
    store: Store, artifacts: Artifacts, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = stages.simulate_years

    def cancelled_in_the_last_year(census: Any, config: Any, on_year: Any, **options: Any) -> Any:
        def cancel_then_report(year: Any) -> None:
            if year.years_done == year.total_years:
                store.transition_run("t1#run_1", "cancelled")
            on_year(year)

        return model(census, config, on_year=cancel_then_report, **options)

    monkeypatch.setattr(stages, "simulate_years", cancelled_in_the_last_year)
    with pytest.raises(RunConflict):
        stages.simulation_stage(store, artifacts, running(store, artifacts, years=3))
    assert stored_keys(artifacts) == []


class ModelFailed(Exception):
    pass


def test_a_model_failing_after_years_were_stored_leaves_no_tables(
    store: Store, artifacts: Artifacts, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = stages.simulate_years
    handed_over: list[int] = []

    def failing_in_the_last_year(census: Any, config: Any, on_year: Any, **options: Any) -> Any:
        def fail_in_the_last_year(year: Any) -> None:
            if year.years_done == year.total_years:
                raise ModelFailed("year 3")
            on_year(year)

        for rows in model(census, config, on_year=fail_in_the_last_year, **options):
            handed_over.append(rows.year)
            yield rows

    monkeypatch.setattr(stages, "simulate_years", failing_in_the_last_year)
    with pytest.raises(ModelFailed):
        stages.simulation_stage(store, artifacts, running(store, artifacts, years=3))
    assert handed_over == [2025, 2026]
    assert stored_keys(artifacts) == []


def test_a_table_that_cannot_be_stored_fails_the_stage_and_leaves_no_tables(
    store: Store, artifacts: Artifacts, monkeypatch: pytest.MonkeyPatch
) -> None:
    put = artifacts.put

    def put_but_2026s_events(key: str, body: bytes, content_type: str = "application/octet-stream") -> None:
        if "events/simulation_year=2026/" in key:
            raise OSError("disk full")
        put(key, body, content_type)

    monkeypatch.setattr(artifacts, "put", put_but_2026s_events)
    with pytest.raises(OSError, match="disk full"):
        stages.simulation_stage(store, artifacts, running(store, artifacts, years=3))
    assert stored_keys(artifacts) == []


@pytest.mark.parametrize("failing_year", [2025, 2026, 2027])
def test_a_summary_failing_beside_the_model_fails_the_stage_and_leaves_no_tables(
    store: Store, artifacts: Artifacts, monkeypatch: pytest.MonkeyPatch, failing_year: int
) -> None:
    add_year = RunSummary.add_year
    summarized: list[int] = []

    def add_but_one(summary: RunSummary, rows: Any) -> None:
        if rows.year == failing_year:
            raise ModelFailed(f"summary of {failing_year}")
        add_year(summary, rows)
        summarized.append(rows.year)

    monkeypatch.setattr(RunSummary, "add_year", add_but_one)
    with pytest.raises(ModelFailed, match=f"summary of {failing_year}"):
        stages.simulation_stage(store, artifacts, running(store, artifacts, years=3))
    assert summarized == list(range(2025, failing_year))
    assert stored_keys(artifacts) == []
