"""Every bad input gets a 4xx with `detail` (or a failed run saying why), and nothing stored is lost."""

import httpx
import pytest

from tests.integration.conftest import (
    MAX_UPLOAD_BYTES,
    latest_run_id,
    make_scenario,
    make_workspace,
    upload,
    wait_for,
    wait_terminal,
)

pytestmark = pytest.mark.integration


def test_missing_or_wrong_token_is_401(stack: object, api: httpx.Client) -> None:
    base = str(api.base_url)
    assert httpx.get(f"{base}/api/workspaces").status_code == 401
    response = httpx.get(f"{base}/api/workspaces", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.json()["detail"]
    assert httpx.get(f"{base}/api/health").json()["healthy"] is True


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"workforce": {"total_termination_rate": 7}}, "workforce.total_termination_rate"),
        ({"workforce": {"bogus": 1}}, "workforce.bogus"),
        ({"simulation": {"start_year": "soon"}}, "simulation.start_year"),
        ({"dc_plan": {"match_template": "generous"}}, "dc_plan.match_template"),
    ],
)
def test_invalid_scenario_config_is_422_naming_the_path(
    api: httpx.Client, overrides: dict, message: str
) -> None:
    workspace_id = make_workspace(api)
    response = api.post(
        f"/api/workspaces/{workspace_id}/scenarios", json={"name": "x", "config_overrides": overrides}
    )
    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert api.get(f"/api/workspaces/{workspace_id}/scenarios").json() == []


def test_invalid_update_keeps_the_stored_scenario(api: httpx.Client) -> None:
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(
        api, workspace_id, config_overrides={"simulation": {"target_growth_rate": 0.05}}
    )
    bad = {"name": "renamed", "config_overrides": {"simulation": {"target_growth_rate": 3}}}
    assert api.put(f"/api/workspaces/{workspace_id}/scenarios/{scenario_id}", json=bad).status_code == 422
    scenario = api.get(f"/api/workspaces/{workspace_id}/scenarios/{scenario_id}").json()
    assert scenario["name"] == "scenario"
    assert scenario["config_overrides"] == {"simulation": {"target_growth_rate": 0.05}}
    merged = api.get(f"/api/workspaces/{workspace_id}/scenarios/{scenario_id}/config").json()
    assert merged["simulation"]["target_growth_rate"] == 0.05
    assert merged["workforce"]["total_termination_rate"] == 0.12


def test_malformed_bodies_are_422(api: httpx.Client) -> None:
    assert api.post("/api/workspaces", json={}).status_code == 422
    assert (
        api.post(
            "/api/workspaces", content=b"{not json", headers={"content-type": "application/json"}
        ).status_code
        == 422
    )
    assert api.post("/api/workspaces", json={"name": "x", "auto_run_scenarios": 5}).status_code == 422
    workspace_id = make_workspace(api)
    response = api.post(f"/api/workspaces/{workspace_id}/uploads", json={"filename": "../etc/passwd"})
    assert response.status_code == 422


def test_unknown_ids_are_404(api: httpx.Client) -> None:
    for path in (
        "/api/workspaces/ws_nope",
        "/api/workspaces/ws_nope/scenarios",
        "/api/runs/run_nope",
        "/api/runs/run_nope/events",
        "/api/scenarios/sc_nope/run/status",
    ):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.json()["detail"]
    assert api.post("/api/scenarios/sc_nope/run", json={}).status_code == 404
    assert api.post("/api/runs/run_nope/cancel").status_code == 404


def test_another_tenants_ids_are_404(api: httpx.Client, other_tenant: httpx.Client) -> None:
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(api, workspace_id)
    assert other_tenant.get(f"/api/workspaces/{workspace_id}").status_code == 404
    assert other_tenant.get(f"/api/workspaces/{workspace_id}/scenarios/{scenario_id}").status_code == 404
    assert other_tenant.post(f"/api/scenarios/{scenario_id}/run", json={}).status_code == 404
    assert other_tenant.delete(f"/api/workspaces/{workspace_id}").status_code == 404
    assert workspace_id not in {w["id"] for w in other_tenant.get("/api/workspaces").json()}
    assert api.get(f"/api/workspaces/{workspace_id}").status_code == 200


def test_run_without_a_census_is_409(api: httpx.Client) -> None:
    scenario_id = make_scenario(api, make_workspace(api))
    response = api.post(f"/api/scenarios/{scenario_id}/run", json={})
    assert response.status_code == 409
    assert "census" in response.json()["detail"]


def test_upload_over_the_size_limit_is_refused_by_the_form_policy(api: httpx.Client) -> None:
    workspace_id = make_workspace(api)
    response = upload(api, workspace_id, b"x" * (MAX_UPLOAD_BYTES + 1))
    assert response.status_code == 400
    assert "EntityTooLarge" in response.text
    assert api.get(f"/api/workspaces/{workspace_id}/datasets").json() == []


def test_broken_census_fails_dataset_and_runs_with_the_reason(api: httpx.Client) -> None:
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(api, workspace_id)
    broken = b"name,salary\nAda,100\n"
    assert upload(api, workspace_id, broken, run_scenarios="all").status_code == 204
    run = wait_terminal(api, latest_run_id(api, scenario_id))
    assert run["status"] == "failed"
    assert "employee_id" in run["error_message"]
    dataset = wait_for(
        lambda: [
            d for d in api.get(f"/api/workspaces/{workspace_id}/datasets").json() if d["status"] == "failed"
        ]
    )[0]
    assert "employee_id" in dataset["error"]
    results = api.get(f"/api/runs/{run['id']}/results")
    assert results.status_code == 409


def test_cancel_ends_the_run_cancelled_and_a_second_cancel_is_409(
    api: httpx.Client, small_census: bytes
) -> None:
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(api, workspace_id)
    assert upload(api, workspace_id, small_census).status_code == 204
    wait_for(lambda: api.get(f"/api/workspaces/{workspace_id}").json()["latest_dataset_id"])
    run_id = api.post(f"/api/scenarios/{scenario_id}/run", json={}).json()["run_id"]
    cancelled = api.post(f"/api/runs/{run_id}/cancel")
    assert cancelled.status_code == 202
    assert cancelled.json()["status"] == "cancelled"
    final = wait_terminal(api, run_id)
    assert final["status"] == "cancelled"
    assert api.post(f"/api/runs/{run_id}/cancel").status_code == 409
    # The scenario is free again: a new run starts and completes.
    next_run = api.post(f"/api/scenarios/{scenario_id}/run", json={}).json()["run_id"]
    assert wait_terminal(api, next_run)["status"] == "completed"
    assert api.get(f"/api/runs/{run_id}").json()["status"] == "cancelled"


def test_second_start_while_running_is_409(api: httpx.Client, small_census: bytes) -> None:
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(api, workspace_id)
    assert upload(api, workspace_id, small_census).status_code == 204
    wait_for(lambda: api.get(f"/api/workspaces/{workspace_id}").json()["latest_dataset_id"])
    first = api.post(f"/api/scenarios/{scenario_id}/run", json={}).json()["run_id"]
    second = api.post(f"/api/scenarios/{scenario_id}/run", json={})
    assert second.status_code == 409
    assert "active run" in second.json()["detail"]
    assert wait_terminal(api, first)["status"] == "completed"


def test_results_of_an_unfinished_run_are_409(api: httpx.Client, small_census: bytes) -> None:
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(api, workspace_id)
    assert upload(api, workspace_id, small_census).status_code == 204
    wait_for(lambda: api.get(f"/api/workspaces/{workspace_id}").json()["latest_dataset_id"])
    run_id = api.post(f"/api/scenarios/{scenario_id}/run", json={}).json()["run_id"]
    early = api.get(f"/api/runs/{run_id}/results")
    # Either the run was still going (409, saying why) or it had already finished (200): never a 500.
    assert early.status_code in (200, 409)
    if early.status_code == 409:
        assert "results exist once it completes" in early.json()["detail"]
    wait_terminal(api, run_id)
    assert api.get(f"/api/runs/{run_id}/results/export", params={"format": "pdf"}).status_code == 422


def test_delete_workspace_removes_it_and_its_children(api: httpx.Client) -> None:
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(api, workspace_id)
    deleted = api.delete(f"/api/workspaces/{workspace_id}")
    assert (deleted.status_code, deleted.json()) == (200, {"success": True})
    assert api.get(f"/api/workspaces/{workspace_id}").status_code == 404
    assert api.get(f"/api/scenarios/{scenario_id}/runs").status_code == 404


def test_lists_page_with_a_link_header(api: httpx.Client) -> None:
    workspace_id = make_workspace(api)
    for index in range(3):
        make_scenario(api, workspace_id, name=f"s{index}")
    first = api.get(f"/api/workspaces/{workspace_id}/scenarios", params={"limit": 2})
    assert len(first.json()) == 2
    link = first.headers["link"]
    assert 'rel="next"' in link
    next_url = link[link.index("<") + 1 : link.index(">")]
    second = api.get(next_url)
    assert [s["name"] for s in first.json() + second.json()] == ["s0", "s1", "s2"]
    assert api.get(f"/api/workspaces/{workspace_id}/scenarios", params={"limit": 500}).status_code == 422
