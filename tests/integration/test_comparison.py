"""Scenario comparison over HTTP, in the Studio's ComparisonResponse shape: the numbers are the runs' own
results and their differences from the baseline, and a bad request is refused in the documented order."""

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
        config_overrides={"simulation": {**SHORT["simulation"], "target_growth_rate": 0.08}},
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

    assert [year["year"] for year in comparison["workforce_comparison"]] == [2025, 2026]
    for year in comparison["workforce_comparison"]:
        index = year["year"] - 2025
        for sid in (base, grow):
            workforce = results[sid]["workforce"][index]
            terminated = workforce["experienced_terminations"] + workforce["new_hire_terminations"]
            assert year["values"][sid] == {
                "headcount": results[sid]["workforce_progression"][index]["headcount"],
                "active": workforce["headcount"],
                "terminated": terminated,
                "new_hires": workforce["hires"],
                "growth_pct": workforce["growth_pct"],
                "avg_compensation": workforce["avg_compensation"],
            }
            assert year["values"][sid]["headcount"] == workforce["headcount"] + terminated
        assert set(year["deltas"][base].values()) == {0}
        for metric, value in year["values"][grow].items():
            assert year["deltas"][grow][metric] == round(value - year["values"][base][metric], 4)

    assert [year["year"] for year in comparison["dc_plan_comparison"]] == [2025, 2026]
    for year, base_row, grow_row in zip(
        comparison["dc_plan_comparison"], results[base]["dc_plan"], results[grow]["dc_plan"], strict=True
    ):
        assert year["values"] == {base: without_year(base_row), grow: without_year(grow_row)}
        assert year["deltas"][base] == {metric: 0 for metric in without_year(base_row)}
        for metric, value in without_year(grow_row).items():
            assert year["deltas"][grow][metric] == round(value - base_row[metric], 4)
    assert 0 < comparison["dc_plan_comparison"][-1]["values"][base]["participation_rate"] <= 100

    events = comparison["event_comparison"]
    assert [(e["year"], e["metric"]) for e in events] == [
        (year, metric)
        for year in (2025, 2026)
        for metric in ("hires", "terminations", "promotions", "raises")
    ]
    for event in events:
        event_type = event["metric"].removesuffix("s")
        counts = {
            sid: results[sid]["event_trends"].get(event_type, [0, 0])[event["year"] - 2025]
            for sid in (base, grow)
        }
        assert event["scenarios"] == counts
        assert event["baseline"] == counts[base]
        assert event["deltas"] == {sid: count - counts[base] for sid, count in counts.items()}
    assert events[0]["scenarios"][grow] > events[0]["scenarios"][base]  # growth hires more

    summary = comparison["summary_deltas"]
    for name, figure in (
        ("final_headcount", lambda r: r["final_headcount"]),
        ("total_growth_pct", lambda r: r["total_growth_pct"]),
        ("final_participation_rate", lambda r: r["dc_plan"][-1]["participation_rate"]),
        ("final_employer_cost", lambda r: r["final_employer_cost"]),
    ):
        baseline, value = figure(results[base]), figure(results[grow])
        assert summary[name]["baseline"] == baseline
        assert summary[name]["scenarios"] == {base: baseline, grow: value}
        assert summary[name]["deltas"][grow] == round(value - baseline, 4)
        expected_pct = None if baseline == 0 else round((value - baseline) / abs(baseline) * 100, 2)
        assert summary[name]["delta_pcts"][grow] == expected_pct
    assert summary["final_headcount"]["deltas"][grow] > 0

    # A baseline outside the scenarios is compared too, first.
    outside = api.get(
        f"/api/workspaces/{workspace_id}/comparison", params={"scenarios": grow, "baseline": base}
    ).json()
    assert outside["scenarios"] == [base, grow]
    assert outside["summary_deltas"] == summary

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


def test_an_unknown_baseline_is_404_and_no_scenarios_is_422(api: httpx.Client) -> None:
    workspace_id = make_workspace(api)
    scenario_id = make_scenario(api, workspace_id)
    response = api.get(
        f"/api/workspaces/{workspace_id}/comparison",
        params={"scenarios": scenario_id, "baseline": "sc_other"},
    )
    assert response.status_code == 404
    assert api.get(f"/api/workspaces/{workspace_id}/comparison").status_code == 422
