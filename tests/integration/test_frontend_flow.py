"""A frontend's whole path: workspace, scenario, census upload through the presigned form, the run
from pending to completed, results and the XLSX download."""

import io

import httpx
import openpyxl
import pytest

from tests.integration.conftest import (
    latest_run_id,
    make_scenario,
    make_workspace,
    upload,
    wait_for,
    wait_terminal,
)

pytestmark = pytest.mark.integration


def test_upload_triggers_a_run_that_completes_with_results_and_exports(
    api: httpx.Client, small_census: bytes
) -> None:
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(api, workspace_id, config_overrides={"simulation": {"end_year": 2027}})

    posted = upload(api, workspace_id, small_census, run_scenarios=[scenario_id])
    assert posted.status_code == 204

    run_id = latest_run_id(api, scenario_id)
    run = wait_terminal(api, run_id)
    assert run["status"] == "completed", run
    assert run["progress"] == 100
    assert run["total_years"] == 3
    assert run["started_at"] <= run["completed_at"]

    # The terminal event is appended just after the status change.
    events = wait_for(
        lambda: (
            (history := api.get(f"/api/runs/{run_id}/events").json())[-1]["kind"] == "terminal" and history
        )
    )
    kinds = [event["kind"] for event in events]
    assert kinds[0] == "run_started"
    assert kinds.count("year_completed") == 3
    percents = [event["percent"] for event in events]
    assert percents == sorted(percents)

    results = api.get(f"/api/runs/{run_id}/results").json()
    assert [row["simulation_year"] for row in results["workforce_progression"]] == [2025, 2026, 2027]
    assert results["final_headcount"] == results["workforce_progression"][-1]["headcount"]
    assert results["quality"]["passed"] is True
    assert api.get(f"/api/scenarios/{scenario_id}/results").json() == results

    dataset = api.get(f"/api/workspaces/{workspace_id}/datasets").json()[0]
    assert dataset["status"] == "imported"
    assert dataset["rows_read"] == 500
    assert len(dataset["sha256"]) == 64

    export = api.get(f"/api/runs/{run_id}/results/export", params={"format": "xlsx"})
    assert export.status_code == 307
    workbook = openpyxl.load_workbook(
        io.BytesIO(httpx.get(export.headers["location"]).content), read_only=True
    )
    assert {"Summary_Metrics", "Workforce_Snapshot", "Events_Summary", "Events_Detail", "Metadata"} <= set(
        workbook.sheetnames
    )

    names = {artifact["name"] for artifact in api.get(f"/api/runs/{run_id}/artifacts").json()}
    assert {
        "results.json",
        "run.json",
        "results.xlsx",
        "metrics.csv",
        # The queryable snapshot and events: a Parquet file per table and year.
        *(
            f"{table}/simulation_year={year}/part-0.parquet"
            for table in ("snapshot", "events")
            for year in (2025, 2026, 2027)
        ),
    } <= names
    scenario = api.get(f"/api/workspaces/{workspace_id}/scenarios/{scenario_id}").json()
    assert scenario["last_run_id"] == run_id
    assert scenario["results_summary"]["final_headcount"] == results["final_headcount"]
    # The Studio's run history row and details say the same as the results.
    (summary,) = api.get(f"/api/scenarios/{scenario_id}/runs").json()
    assert (summary["id"], summary["status"]) == (run_id, "completed")
    assert summary["final_headcount"] == results["final_headcount"]
    files = {name for name in names if "/" not in name}  # the simulation output is internal
    assert summary["artifact_count"] == len(files) + 1  # and the run's log
    details = api.get(f"/api/scenarios/{scenario_id}/details").json()
    assert {a["name"] for a in details["artifacts"]} == files | {"simulation.log"}
    assert details["participation_rate"] == results["participation_rate"]
    # What the tenant stores now counts in the system status.
    assert api.get("/api/system/status").json()["total_storage_mb"] > 0


def test_started_run_answers_pending_with_links_and_uses_latest_dataset(
    api: httpx.Client, other_tenant: httpx.Client, small_census: bytes
) -> None:
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(api, workspace_id, config_overrides={"simulation": {"end_year": 2025}})
    assert upload(api, workspace_id, small_census).status_code == 204
    # With no run asked for, the upload is only imported.
    dataset = wait_terminal_dataset(api, workspace_id)
    assert dataset["status"] == "imported"
    assert api.get(f"/api/scenarios/{scenario_id}/runs").json() == []

    started = api.post(f"/api/scenarios/{scenario_id}/run", json={"run_id": f"client-{workspace_id}"})
    assert started.status_code == 202
    body = started.json()
    assert body["status"] == "pending"
    assert body["id"] == body["run_id"]
    assert body["run_id"] == f"client-{workspace_id}"
    assert body["status_url"].endswith(f"/api/runs/{body['run_id']}")
    assert body["websocket_url"].endswith(f"/ws/simulation/{body['run_id']}")
    run = wait_terminal(api, body["run_id"])
    assert run["dataset_id"] == dataset["id"]
    assert run["status"] == "completed"

    again = api.post(f"/api/scenarios/{scenario_id}/run", json={"run_id": f"client-{workspace_id}"})
    assert again.status_code == 409
    assert "exists" in again.json()["detail"]

    # Run ids are each tenant's own: to another tenant this one does not exist, and it may take the id.
    run_id, history = run["id"], api.get(f"/api/runs/{run['id']}/events").json()
    assert other_tenant.get(f"/api/runs/{run_id}").status_code == 404
    their_workspace = make_workspace(other_tenant)
    their_scenario = make_scenario(
        other_tenant, their_workspace, config_overrides={"simulation": {"end_year": 2025}}
    )
    assert upload(other_tenant, their_workspace, small_census).status_code == 204
    wait_terminal_dataset(other_tenant, their_workspace)
    theirs = other_tenant.post(f"/api/scenarios/{their_scenario}/run", json={"run_id": run_id})
    assert theirs.status_code == 202, theirs.text
    their_run = wait_terminal(other_tenant, run_id)
    assert (their_run["scenario_id"], their_run["status"]) == (their_scenario, "completed")
    assert api.get(f"/api/runs/{run_id}").json()["scenario_id"] == scenario_id
    assert api.get(f"/api/runs/{run_id}/events").json() == history


def wait_terminal_dataset(api: httpx.Client, workspace_id: str) -> dict:
    from tests.integration.conftest import wait_for

    def imported() -> dict | None:
        datasets = api.get(f"/api/workspaces/{workspace_id}/datasets").json()
        return datasets[0] if datasets and datasets[0]["status"] != "importing" else None

    return wait_for(imported)


def test_lists_come_in_pages_linked_by_the_link_header(api: httpx.Client) -> None:
    workspace_id = make_workspace(api)
    created = [make_scenario(api, workspace_id, name=f"s{k}") for k in range(5)]
    seen: list[str] = []
    url: str | None = f"/api/workspaces/{workspace_id}/scenarios?limit=2"
    while url:
        page = api.get(url)
        assert page.status_code == 200
        assert len(page.json()) <= 2
        seen += [scenario["id"] for scenario in page.json()]
        link = page.headers.get("link")
        url = link.split(">")[0].lstrip("<") if link else None
        assert url is None or "limit=2" in url
    assert sorted(seen) == sorted(created) and len(seen) == 5
    for bad in ("0", "201", "x"):
        answer = api.get(f"/api/workspaces/{workspace_id}/scenarios", params={"limit": bad})
        assert answer.status_code == 422 and answer.json()["detail"]
