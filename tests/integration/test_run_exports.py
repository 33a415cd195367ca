"""A run is completed when its results are ready: the results workbook is made after, off the critical
path, and its links answer 202 with Retry-After until it is there, then the very file the pipeline
made before it was moved off the critical path."""

import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from planalign.domain.census_reader import read_census
from planalign.domain.config import resolve_config
from planalign.domain.exports import results_xlsx
from planalign.domain.results import build_results, year_metrics
from planalign.domain.simulation import simulate
from planalign.services import runs, stages

from tests.integration.conftest import (
    latest_run_id,
    make_scenario,
    make_workspace,
    upload,
    wait_for,
    wait_terminal,
)

pytestmark = pytest.mark.integration

# The manifest's fields as the pipeline put them in the workbook's Metadata sheet before the change.
MANIFEST_FIELDS = (
    "run_id",
    "scenario_id",
    "workspace_id",
    "dataset_id",
    "census_sha256",
    "seed",
    "ensemble_members",
    "config",
    "versions",
    "created_at",
)


class HeldWorkbook:
    """Holds the exports stage inside its workbook until released (the stack runs it in this process)."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.released = threading.Event()
        self.real = stages.results_workbook

    def __call__(self, *args: Any, **kwargs: Any) -> bytes:
        self.started.set()
        assert self.released.wait(60), "the test never released the workbook"
        return self.real(*args, **kwargs)


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[HeldWorkbook]:
    hold = HeldWorkbook()
    monkeypatch.setattr(stages, "results_workbook", hold)
    # The links wait a moment for the workbook before answering 202; a short moment here.
    monkeypatch.setattr(runs, "EXPORT_WAIT_SECONDS", 0.3)
    yield hold
    hold.released.set()


def files(api: httpx.Client, run_id: str) -> dict[str, str]:
    return {artifact["name"]: artifact["url"] for artifact in api.get(f"/api/runs/{run_id}/artifacts").json()}


def reference_workbook(census: bytes, run_json: dict[str, Any]) -> bytes:
    """The workbook as the pipeline made it before exports left the critical path: the output in
    memory, its metrics and Results, and the run's manifest."""
    config = resolve_config(run_json["config"])
    output = simulate(read_census(census, "census.csv").census, config)
    metrics = year_metrics(output)
    results = build_results(output, metrics, irs_limits=config.irs_limits.model_dump(), bands=None)
    results = {"run_id": run_json["run_id"], "scenario_id": run_json["scenario_id"], **results}
    return results_xlsx(results, output, {name: run_json[name] for name in MANIFEST_FIELDS})


def test_a_run_completes_before_its_workbook_whose_links_answer_202_until_it_is_made(
    api: httpx.Client, small_census: bytes, held: HeldWorkbook
) -> None:
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(api, workspace_id, config_overrides={"simulation": {"end_year": 2027}})
    assert upload(api, workspace_id, small_census, run_scenarios=[scenario_id]).status_code == 204
    run_id = latest_run_id(api, scenario_id)

    run = wait_terminal(api, run_id)
    assert (run["status"], run["exports_status"]) == ("completed", "pending")
    assert held.started.wait(30)
    # Completed means the answer is there: results, the Parquet tables, metrics.csv; not the workbook.
    results = api.get(f"/api/runs/{run_id}/results")
    assert results.status_code == 200
    assert results.json()["final_headcount"] > 0
    stored = files(api, run_id)
    assert "results.xlsx" not in stored
    assert {"results.json", "run.json", "metrics.csv", "snapshot/simulation_year=2027/part-0.parquet"} <= set(
        stored
    )
    assert api.get(f"/api/runs/{run_id}/results/export", params={"format": "csv"}).status_code == 307

    links = [
        (f"/api/runs/{run_id}/results/export", {"format": "xlsx"}),
        (f"/api/scenarios/{scenario_id}/results/export", {"format": "excel"}),
        (f"/api/workspaces/{workspace_id}/scenarios/{scenario_id}/results/export", {"format": "excel"}),
        (f"/api/scenarios/{scenario_id}/artifacts/runs/{run_id}/results.xlsx", {}),
    ]
    for path, params in links:
        pending = api.get(path, params=params)
        assert pending.status_code == 202, (path, pending.text)
        assert pending.headers["Retry-After"] == str(runs.EXPORT_RETRY_AFTER_SECONDS)
        assert "results.xlsx is being made" in pending.json()["detail"]

    held.released.set()
    wait_for(lambda: api.get(f"/api/runs/{run_id}").json()["exports_status"] == "ready", timeout=60)
    run_json = json.loads(httpx.get(files(api, run_id)["run.json"]).content)
    expected = reference_workbook(small_census, run_json)
    for path, params in links:
        redirect = api.get(path, params=params)
        assert redirect.status_code == 307, (path, redirect.text)
        assert httpx.get(redirect.headers["location"]).content == expected, path
    (summary,) = api.get(f"/api/scenarios/{scenario_id}/runs").json()
    assert summary["artifact_count"] == sum("/" not in name for name in files(api, run_id)) + 1


def test_a_workbook_that_cannot_be_made_leaves_the_run_completed_and_its_link_says_why(
    api: httpx.Client, small_census: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise MemoryError("out of memory making the workbook")

    monkeypatch.setattr(stages, "results_workbook", broken)
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(api, workspace_id, config_overrides={"simulation": {"end_year": 2025}})
    assert upload(api, workspace_id, small_census, run_scenarios=[scenario_id]).status_code == 204
    run_id = latest_run_id(api, scenario_id)

    assert wait_terminal(api, run_id)["status"] == "completed"
    run = wait_for(lambda: (r := api.get(f"/api/runs/{run_id}").json())["exports_status"] == "failed" and r)
    assert run["status"] == "completed"
    assert api.get(f"/api/runs/{run_id}/results").status_code == 200
    export = api.get(f"/api/runs/{run_id}/results/export", params={"format": "xlsx"})
    assert export.status_code == 409
    assert (
        "results.xlsx could not be made: MemoryError: out of memory making the workbook"
        in export.json()["detail"]
    )
