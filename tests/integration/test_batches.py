"""Run-all batches as a frontend drives them: one run per scenario, a batch status derived from the
runs, a scenario that cannot run failing alone, listing, cancel, and another tenant seeing nothing."""

from typing import Any

import httpx
import pytest

from tests.integration.conftest import (
    TERMINAL,
    make_scenario,
    make_workspace,
    upload,
    wait_for,
    wait_terminal,
)

pytestmark = pytest.mark.integration

SHORT = {"simulation": {"end_year": 2026}}
# Hiring for 90% growth needs more hires than half the starting headcount: the model refuses the run.
BROKEN = {"simulation": {"end_year": 2026, "target_growth_rate": 0.9}}


def census_workspace(api: httpx.Client, census: bytes) -> str:
    """A workspace whose census has been imported, so runs can start."""
    workspace_id = make_workspace(api)
    assert upload(api, workspace_id, census).status_code == 204
    wait_for(lambda: api.get(f"/api/workspaces/{workspace_id}").json()["latest_dataset_id"])
    return workspace_id


def wait_batch(api: httpx.Client, batch_id: str, timeout: float = 120) -> dict[str, Any]:
    def ended() -> dict[str, Any] | None:
        batch: dict[str, Any] = api.get(f"/api/batches/{batch_id}/status").json()
        return batch if batch["status"] in TERMINAL else None

    result: dict[str, Any] = wait_for(ended, timeout)
    return result


def test_run_all_runs_each_scenario_once_and_the_batch_completes(
    api: httpx.Client, small_census: bytes
) -> None:
    workspace_id = census_workspace(api, small_census)
    scenario_ids = [
        make_scenario(
            api,
            workspace_id,
            name=f"growth {rate}",
            config_overrides={"simulation": {**SHORT["simulation"], "target_growth_rate": rate}},
        )
        for rate in (0.0, 0.03, 0.06)
    ]

    started = api.post(f"/api/workspaces/{workspace_id}/run-all", json={"name": "all three"})
    assert started.status_code == 202, started.text
    batch = started.json()
    assert batch["name"] == "all three"
    assert batch["workspace_id"] == workspace_id
    assert batch["status"] in ("pending", "running")
    assert batch["completed_at"] is None
    assert batch["websocket_url"].endswith(f"/ws/batch/{batch['id']}")
    assert [entry["scenario_id"] for entry in batch["scenarios"]] == scenario_ids
    assert [entry["name"] for entry in batch["scenarios"]] == ["growth 0.0", "growth 0.03", "growth 0.06"]
    assert all(entry["run_id"] and entry["error_message"] is None for entry in batch["scenarios"])

    final = wait_batch(api, batch["id"])
    assert final["status"] == "completed", final
    assert final["overall_progress"] == 100
    assert all(entry["status"] == "completed" and entry["progress"] == 100 for entry in final["scenarios"])
    runs = [api.get(f"/api/runs/{entry['run_id']}").json() for entry in final["scenarios"]]
    assert [run["scenario_id"] for run in runs] == scenario_ids
    assert all(run["status"] == "completed" and run["batch_id"] == batch["id"] for run in runs)
    assert final["completed_at"] == max(run["completed_at"] for run in runs)
    assert final["submitted_at"] <= final["completed_at"]
    assert final["duration_seconds"] >= 0
    # Ended, the batch reads the same every time.
    assert api.get(f"/api/batches/{batch['id']}/status").json() == final


def test_batches_are_listed_newest_first_in_pages(api: httpx.Client, small_census: bytes) -> None:
    workspace_id = census_workspace(api, small_census)
    first_scenario = make_scenario(api, workspace_id, config_overrides=SHORT)
    make_scenario(api, workspace_id, config_overrides=SHORT)
    first = api.post(f"/api/workspaces/{workspace_id}/run-all", json={}).json()
    wait_batch(api, first["id"])
    second = api.post(
        f"/api/workspaces/{workspace_id}/run-all", json={"scenario_ids": [first_scenario]}
    ).json()
    assert [entry["scenario_id"] for entry in second["scenarios"]] == [first_scenario]
    wait_batch(api, second["id"])

    listed = api.get(f"/api/workspaces/{workspace_id}/batches").json()
    assert [batch["id"] for batch in listed] == [second["id"], first["id"]]
    assert all(batch["status"] == "completed" for batch in listed)
    page = api.get(f"/api/workspaces/{workspace_id}/batches", params={"limit": 1})
    assert [batch["id"] for batch in page.json()] == [second["id"]]
    next_url = page.links["next"]["url"]
    assert [batch["id"] for batch in api.get(next_url).json()] == [first["id"]]


def test_a_scenario_the_model_refuses_fails_alone(api: httpx.Client, small_census: bytes) -> None:
    workspace_id = census_workspace(api, small_census)
    good = [make_scenario(api, workspace_id, config_overrides=SHORT) for _ in range(2)]
    broken = make_scenario(api, workspace_id, name="too much growth", config_overrides=BROKEN)

    batch = api.post(f"/api/workspaces/{workspace_id}/run-all", json={}).json()
    final = wait_batch(api, batch["id"])

    assert final["status"] == "failed", final
    entries = {entry["scenario_id"]: entry for entry in final["scenarios"]}
    assert [entries[sid]["status"] for sid in good] == ["completed", "completed"]
    assert entries[broken]["status"] == "failed"
    assert "more than 50%" in entries[broken]["error_message"]
    assert wait_terminal(api, entries[broken]["run_id"])["status"] == "failed"
    assert final["overall_progress"] == 100


def test_a_scenario_with_an_active_run_gets_a_failed_entry_and_the_others_run(
    api: httpx.Client, small_census: bytes
) -> None:
    workspace_id = census_workspace(api, small_census)
    busy = make_scenario(api, workspace_id)
    free = make_scenario(api, workspace_id, config_overrides=SHORT)
    running = api.post(f"/api/scenarios/{busy}/run", json={}).json()["run_id"]

    started = api.post(f"/api/workspaces/{workspace_id}/run-all", json={"scenario_ids": [busy, free]})
    assert started.status_code == 202
    entries = {entry["scenario_id"]: entry for entry in started.json()["scenarios"]}
    assert entries[busy]["status"] == "failed"
    assert entries[busy]["run_id"] is None
    assert "active run" in entries[busy]["error_message"]
    assert entries[free]["run_id"]

    final = wait_batch(api, started.json()["id"])
    assert final["status"] == "failed"
    assert {entry["scenario_id"]: entry["status"] for entry in final["scenarios"]} == {
        busy: "failed",
        free: "completed",
    }
    assert wait_terminal(api, running)["status"] == "completed"


def test_run_all_refuses_unknown_scenarios_and_workspaces_without_a_census(api: httpx.Client) -> None:
    workspace_id = make_workspace(api)
    assert api.post(f"/api/workspaces/{workspace_id}/run-all", json={}).status_code == 422
    scenario_id = make_scenario(api, workspace_id)

    unknown = api.post(
        f"/api/workspaces/{workspace_id}/run-all", json={"scenario_ids": [scenario_id, "sc_nope"]}
    )
    assert unknown.status_code == 404
    assert "sc_nope" in unknown.json()["detail"]
    no_census = api.post(f"/api/workspaces/{workspace_id}/run-all", json={})
    assert no_census.status_code == 409
    assert "census" in no_census.json()["detail"]
    assert api.get(f"/api/workspaces/{workspace_id}/batches").json() == []
    assert api.get(f"/api/scenarios/{scenario_id}/runs").json() == []
    assert api.get("/api/batches/batch_nope/status").status_code == 404


def test_cancel_batch_cancels_its_runs(api: httpx.Client, small_census: bytes) -> None:
    workspace_id = census_workspace(api, small_census)
    for _ in range(2):
        make_scenario(api, workspace_id)
    batch = api.post(f"/api/workspaces/{workspace_id}/run-all", json={}).json()

    cancelled = api.post(f"/api/batches/{batch['id']}/cancel")
    assert cancelled.status_code == 202
    # The Studio's batch is completed or failed once it ends; its entries keep their runs' status.
    assert cancelled.json()["status"] == "failed"
    for entry in cancelled.json()["scenarios"]:
        assert entry["status"] == "cancelled"
        assert wait_terminal(api, entry["run_id"])["status"] == "cancelled"
    assert api.get(f"/api/batches/{batch['id']}/status").json()["status"] == "failed"
    assert api.post(f"/api/batches/{batch['id']}/cancel").status_code == 409


def test_another_tenants_batches_are_404(
    api: httpx.Client, other_tenant: httpx.Client, small_census: bytes
) -> None:
    workspace_id = census_workspace(api, small_census)
    make_scenario(api, workspace_id, config_overrides=SHORT)
    batch = api.post(f"/api/workspaces/{workspace_id}/run-all", json={}).json()

    assert other_tenant.get(f"/api/batches/{batch['id']}/status").status_code == 404
    assert other_tenant.post(f"/api/batches/{batch['id']}/cancel").status_code == 404
    assert other_tenant.get(f"/api/workspaces/{workspace_id}/batches").status_code == 404
    assert other_tenant.post(f"/api/workspaces/{workspace_id}/run-all", json={}).status_code == 404
    assert wait_batch(api, batch["id"])["status"] == "completed"
