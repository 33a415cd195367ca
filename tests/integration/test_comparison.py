"""Scenario comparison over HTTP: the numbers are the runs' own results and their differences from
the baseline, and a bad request is refused in the documented order."""

from typing import Any

import httpx
import pytest

from tests.integration.conftest import make_scenario, make_workspace
from tests.integration.test_batches import SHORT, census_workspace, wait_batch

pytestmark = pytest.mark.integration


def without_year(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "simulation_year"}


def test_comparison_equals_the_runs_results_and_their_differences(
    api: httpx.Client, other_tenant: httpx.Client, small_census: bytes
) -> None:
    workspace_id = census_workspace(api, small_census)
    base = make_scenario(api, workspace_id, name="baseline", config_overrides=SHORT)
    grow = make_scenario(
        api,
        workspace_id,
        name="growth",
        config_overrides={**SHORT, "workforce": {"target_growth_rate": 0.08}},
    )
    batch = api.post(f"/api/workspaces/{workspace_id}/run-all", json={}).json()
    assert wait_batch(api, batch["id"])["status"] == "completed"
    results = {sid: api.get(f"/api/scenarios/{sid}/results").json() for sid in (base, grow)}

    response = api.get(f"/api/workspaces/{workspace_id}/comparison", params={"scenarios": f"{base},{grow}"})
    assert response.status_code == 200, response.text
    comparison = response.json()
    assert comparison["scenarios"] == [base, grow]
    assert comparison["scenario_names"] == {base: "baseline", grow: "growth"}
    assert comparison["baseline_scenario"] == base

    for section, rows_field in (
        ("workforce_comparison", "workforce_progression"),
        ("dc_plan_comparison", "dc_plan"),
    ):
        assert [year["year"] for year in comparison[section]] == [2025, 2026]
        for year, base_row, grow_row in zip(
            comparison[section], results[base][rows_field], results[grow][rows_field], strict=True
        ):
            assert year["values"] == {base: without_year(base_row), grow: without_year(grow_row)}
            assert year["deltas"][base] == {metric: 0 for metric in without_year(base_row)}
            for metric, value in without_year(grow_row).items():
                assert year["deltas"][grow][metric] == round(value - base_row[metric], 4)

    summary = comparison["summary_deltas"]
    for name, field in (
        ("final_headcount", "final_headcount"),
        ("total_growth_pct", "total_growth_pct"),
        ("final_participation_rate", "participation_rate"),
        ("final_employer_cost", "final_employer_cost"),
    ):
        baseline, value = results[base][field], results[grow][field]
        assert summary[name]["baseline"] == baseline
        assert summary[name]["scenarios"] == {base: baseline, grow: value}
        assert summary[name]["deltas"][grow] == round(value - baseline, 4)
        assert summary[name]["delta_pcts"][grow] == round((value - baseline) / baseline * 100, 2)
    assert summary["final_headcount"]["deltas"][grow] > 0

    flipped = api.get(
        f"/api/workspaces/{workspace_id}/comparison", params={"scenarios": f"{base},{grow}", "baseline": grow}
    ).json()
    assert flipped["baseline_scenario"] == grow
    assert (
        flipped["summary_deltas"]["final_headcount"]["deltas"][base]
        == -summary["final_headcount"]["deltas"][grow]
    )

    never_run = make_scenario(api, workspace_id, name="never run")
    conflict = api.get(
        f"/api/workspaces/{workspace_id}/comparison", params={"scenarios": f"{base},{never_run}"}
    )
    assert conflict.status_code == 409
    assert never_run in conflict.json()["detail"]
    unknown = api.get(f"/api/workspaces/{workspace_id}/comparison", params={"scenarios": f"{base},sc_nope"})
    assert unknown.status_code == 404
    hidden = other_tenant.get(
        f"/api/workspaces/{workspace_id}/comparison", params={"scenarios": f"{base},{grow}"}
    )
    assert hidden.status_code == 404


def test_more_than_six_scenarios_is_422_before_anything_is_looked_up(api: httpx.Client) -> None:
    seven = ",".join(f"sc_nope{i}" for i in range(7))
    response = api.get("/api/workspaces/ws_nope/comparison", params={"scenarios": seven})
    assert response.status_code == 422
    assert "at most 6" in response.json()["detail"]


def test_a_baseline_outside_the_compared_scenarios_is_422(api: httpx.Client) -> None:
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(api, workspace_id)
    response = api.get(
        f"/api/workspaces/{workspace_id}/comparison",
        params={"scenarios": scenario_id, "baseline": "sc_other"},
    )
    assert response.status_code == 422
    assert "baseline" in response.json()["detail"]
    assert api.get(f"/api/workspaces/{workspace_id}/comparison").status_code == 422
