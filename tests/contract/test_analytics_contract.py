"""The Studio's analysis pages on the local stack: DC plan analytics and their comparison (the Compare and
Cost Comparison pages), winners and losers, employee search and timeline, called as the Studio calls
them and checked against `studio/openapi.json`, with the statuses its routers answer, the run headers,
and numbers that agree with the results of the same runs."""

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.contract.conftest import StudioClient
from tests.contract.openapi import studio_paths
from tests.integration.conftest import make_scenario, make_workspace
from tests.integration.test_batches import census_workspace, wait_batch

pytestmark = pytest.mark.contract

WS = "/api/workspaces/{workspace_id}"
SC = WS + "/scenarios/{scenario_id}"
DC_PLAN = SC + "/analytics/dc-plan"
COMPARE = WS + "/analytics/dc-plan/compare"
WINNERS_LOSERS = WS + "/analytics/winners-losers"
EMPLOYEES = SC + "/employees"
TIMELINE = SC + "/employees/{employee_id}/timeline"
YEARS = {"start_year": 2025, "end_year": 2027}
# Plan B: no match but a richer core, so that non-participants gain and many participants lose.
PLAN_B = {"simulation": YEARS, "dc_plan": {"match_enabled": False, "core_contribution_rate_percent": 4.0}}


@dataclass(frozen=True)
class Plans:
    workspace_id: str
    plan_a: str
    plan_b: str
    never_run: str
    results: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def plans(api: httpx.Client, small_census: bytes) -> Plans:
    workspace_id = census_workspace(api, small_census)
    plan_a = make_scenario(api, workspace_id, name="baseline", config_overrides={"simulation": YEARS})
    plan_b = make_scenario(api, workspace_id, name="richer core", config_overrides=PLAN_B)
    batch = api.post(f"/api/workspaces/{workspace_id}/run-all", json={}).json()
    assert wait_batch(api, batch["id"])["status"] == "completed"
    never_run = make_scenario(api, workspace_id, name="never run", config_overrides={"simulation": YEARS})
    results = {sid: api.get(f"/api/scenarios/{sid}/results").json() for sid in (plan_a, plan_b)}
    return Plans(workspace_id, plan_a, plan_b, never_run, results)


def test_dc_plan_analytics_answer_the_schema_with_each_option(studio: StudioClient, plans: Plans) -> None:
    ids = {"workspace_id": plans.workspace_id, "scenario_id": plans.plan_a}
    default = studio.call("GET", DC_PLAN, **ids)
    assert default["scenario_name"] == "baseline"
    assert [row["year"] for row in default["contribution_by_year"]] == [2025, 2026, 2027]
    for params in (
        {"active_only": "true"},
        {"effective_rate": "true"},
        {"cohort": "new_hires"},
        {"cohort": "baseline", "active_only": "true", "effective_rate": "true"},
    ):
        figures = studio.call("GET", DC_PLAN, params=params, **ids)
        assert figures["total_eligible"] <= default["total_eligible"]
    new_hires = studio.call("GET", DC_PLAN, params={"cohort": "new_hires"}, **ids)
    census = studio.call("GET", DC_PLAN, params={"cohort": "baseline"}, **ids)
    assert new_hires["total_eligible"] + census["total_eligible"] == default["total_eligible"]
    assert studio.send("GET", DC_PLAN, params={"cohort": "everyone"}, **ids).status_code == 422


def test_dc_plan_contributions_are_the_results_plan_totals(studio: StudioClient, plans: Plans) -> None:
    figures = studio.call("GET", DC_PLAN, workspace_id=plans.workspace_id, scenario_id=plans.plan_a)
    for year, plan in zip(
        figures["contribution_by_year"], plans.results[plans.plan_a]["dc_plan"], strict=True
    ):
        assert year["year"] == plan["simulation_year"]
        assert year["total_employee_contributions"] == plan["total_employee_contributions"]
        assert year["total_employer_match"] == plan["total_employer_match"]
        assert year["total_employer_core"] == plan["total_employer_core"]
        assert year["total_employer_cost"] == plan["total_employer_cost"]
        assert year["employer_cost_rate"] == round(plan["employer_cost_rate"], 2)
    final = plans.results[plans.plan_a]["workforce"][-1]
    # The final year's rows: its actives and its leavers.
    assert figures["total_eligible"] == (
        final["headcount"] + final["experienced_terminations"] + final["new_hire_terminations"]
    )


def test_the_comparison_lists_each_scenarios_analytics_in_order(studio: StudioClient, plans: Plans) -> None:
    scenarios = f"{plans.plan_b},{plans.plan_a}"
    response = studio.send("GET", COMPARE, workspace_id=plans.workspace_id, params={"scenarios": scenarios})
    body = studio.conforming(response, "GET", COMPARE)
    assert body["scenarios"] == [plans.plan_b, plans.plan_a]
    assert body["scenario_names"] == {plans.plan_a: "baseline", plans.plan_b: "richer core"}
    single = studio.call("GET", DC_PLAN, workspace_id=plans.workspace_id, scenario_id=plans.plan_b)
    assert body["analytics"][0] == single
    # The Cost Comparison page reads the employer cost by year from here.
    assert [row["total_employer_cost"] for row in body["analytics"][1]["contribution_by_year"]] == [
        row["total_employer_cost"] for row in plans.results[plans.plan_a]["dc_plan"]
    ]
    assert response.headers["X-PlanAlign-Result-Run-Id"].count("=") == 2


def test_winners_and_losers_add_up_and_answer_the_schema(studio: StudioClient, plans: Plans) -> None:
    params = {"plan_a": plans.plan_a, "plan_b": plans.plan_b}
    response = studio.send("GET", WINNERS_LOSERS, workspace_id=plans.workspace_id, params=params)
    body = studio.conforming(response, "GET", WINNERS_LOSERS)
    assert body["final_year"] == 2027
    assert body["total_winners"] + body["total_losers"] + body["total_neutral"] == body["total_compared"]
    assert body["total_winners"] > 0 and body["total_losers"] > 0
    for groups in (body["age_band_results"], body["tenure_band_results"], body["heatmap"]):
        assert sum(group["total"] for group in groups) == body["total_compared"]
    assert f"{plans.plan_a}=" in response.headers["X-PlanAlign-Result-Run-Id"]
    assert f"{plans.plan_b}=" in response.headers["X-PlanAlign-Result-Run-Id"]
    same = studio.call(
        "GET",
        WINNERS_LOSERS,
        workspace_id=plans.workspace_id,
        params={"plan_a": plans.plan_a, "plan_b": plans.plan_a},
    )
    assert same["total_neutral"] == same["total_compared"] > 0 and same["total_excluded"] == 0


def test_employee_search_pages_and_filters(studio: StudioClient, plans: Plans) -> None:
    ids = {"workspace_id": plans.workspace_id, "scenario_id": plans.plan_a}
    everyone = studio.call("GET", EMPLOYEES, params={"page_size": 25}, **ids)
    final = plans.results[plans.plan_a]["workforce"][-1]
    assert (
        everyone["total"]
        == final["headcount"] + final["experienced_terminations"] + final["new_hire_terminations"]
    )
    assert len(everyone["results"]) == 25 and {row["simulation_year"] for row in everyone["results"]} == {
        2027
    }
    first_id = everyone["results"][0]["employee_id"]
    by_id = studio.call("GET", EMPLOYEES, params={"q": first_id.lower()}, **ids)
    assert by_id["results"][0]["employee_id"] == first_id and by_id["page_size"] == 20
    active = studio.call("GET", EMPLOYEES, params={"status": "active", "year": 2025}, **ids)
    assert active["total"] == plans.results[plans.plan_a]["workforce"][0]["headcount"]
    page_two = studio.call("GET", EMPLOYEES, params={"page": 2, "page_size": 25}, **ids)
    assert page_two["results"][0]["employee_id"] > everyone["results"][-1]["employee_id"]
    for params in ({"level": 0}, {"page": 0}, {"page_size": 201}):
        assert studio.send("GET", EMPLOYEES, params=params, **ids).status_code == 422


def test_an_employees_timeline_pages_years_and_agrees_with_search(studio: StudioClient, plans: Plans) -> None:
    ids = {"workspace_id": plans.workspace_id, "scenario_id": plans.plan_a}
    found = studio.call("GET", EMPLOYEES, params={"enrolled": "true", "page_size": 1}, **ids)["results"][0]
    employee_id = found["employee_id"]
    timeline = studio.call("GET", TIMELINE, params={"years": 2}, employee_id=employee_id, **ids)
    assert timeline["employee"]["employee_id"] == employee_id
    assert [year["simulation_year"] for year in timeline["years"]] == timeline["available_years"][:2]
    assert timeline["available_years"][-1] == 2027
    more = studio.call(
        "GET", TIMELINE, params={"start_year": 2027, "years": 3}, employee_id=employee_id, **ids
    )
    (last,) = more["years"]
    assert last["state"]["current_compensation"] == found["current_compensation"]
    assert last["state"]["is_enrolled"] is True
    assert any(event["source"] == "employer_match" for event in last["events"])
    # The Studio trims the id; another case finds the same employee.
    again = studio.call("GET", TIMELINE, employee_id=f" {employee_id.lower()} ", **ids)
    assert again["employee_id"] == employee_id
    unknown = studio.call("GET", TIMELINE, employee_id="NOBODY", **ids)
    assert (unknown["employee"], unknown["years"], unknown["start_year"]) == (None, [], 0)


def test_a_scenario_without_a_completed_run_answers_as_the_studios_backend(
    studio: StudioClient, plans: Plans
) -> None:
    ids = {"workspace_id": plans.workspace_id, "scenario_id": plans.never_run}
    assert studio.send("GET", DC_PLAN, **ids).status_code == 400
    compare = {"scenarios": f"{plans.plan_a},{plans.never_run}"}
    assert studio.send("GET", COMPARE, params=compare, **ids).status_code == 400
    one = studio.send("GET", COMPARE, params={"scenarios": plans.plan_a}, **ids)
    assert (one.status_code, one.json()["detail"]) == (400, "At least 2 scenarios required for comparison")
    seven = studio.send("GET", COMPARE, params={"scenarios": ",".join([plans.plan_a] * 7)}, **ids)
    assert seven.status_code == 400
    params = {"plan_a": plans.plan_a, "plan_b": plans.never_run}
    unfinished = studio.send("GET", WINNERS_LOSERS, params=params, **ids)
    assert (unfinished.status_code, unfinished.json()["detail"]) == (
        422,
        f"Plan B scenario {plans.never_run} has not completed successfully",
    )
    assert studio.send("GET", EMPLOYEES, **ids).status_code == 404
    assert studio.send("GET", TIMELINE, employee_id="E1", **ids).status_code == 404


def test_other_tenants_and_unknown_ids_are_404(
    plans: Plans, other_tenant: httpx.Client, api: httpx.Client
) -> None:
    ws, a, b = plans.workspace_id, plans.plan_a, plans.plan_b
    for client, workspace in ((other_tenant, ws), (api, "ws_unknown")):
        for path, params in (
            (f"/api/workspaces/{workspace}/scenarios/{a}/analytics/dc-plan", {}),
            (f"/api/workspaces/{workspace}/analytics/dc-plan/compare", {"scenarios": f"{a},{b}"}),
            (f"/api/workspaces/{workspace}/analytics/winners-losers", {"plan_a": a, "plan_b": b}),
            (f"/api/workspaces/{workspace}/scenarios/{a}/employees", {}),
            (f"/api/workspaces/{workspace}/scenarios/{a}/employees/E1/timeline", {}),
        ):
            response = client.get(path, params=params)
            assert response.status_code == 404, (path, response.text)
            assert response.json()["detail"]
    # A scenario of another workspace of the same tenant is not found in this one.
    other = make_workspace(api)
    assert api.get(f"/api/workspaces/{other}/scenarios/{a}/analytics/dc-plan").status_code == 404


def test_our_openapi_documents_the_analysis_routes(api: httpx.Client) -> None:
    documented = api.get("/api/openapi.json").json()["paths"]
    routes = (DC_PLAN, COMPARE, WINNERS_LOSERS, EMPLOYEES, TIMELINE)
    assert {route: "get" in documented.get(route, {}) for route in routes} == dict.fromkeys(routes, True)
    assert set(routes) <= studio_paths()
