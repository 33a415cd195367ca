"""The Studio's Vesting and NDT Testing pages (and the forfeiture projection the Cost Comparison reads) on
the local stack, over real runs: called as the Studio calls them, checked against `studio/openapi.json`,
with the statuses its routers answer, and the figures checked against each other and against the
employee timeline of the same run."""

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.contract.conftest import StudioClient
from tests.contract.openapi import contract_errors, studio_paths
from tests.integration.conftest import make_scenario
from tests.integration.test_batches import census_workspace, wait_batch

pytestmark = pytest.mark.contract

WS = "/api/workspaces/{workspace_id}"
SC = WS + "/scenarios/{scenario_id}"
SCHEDULES = "/api/vesting/schedules"
VESTING_YEARS = SC + "/analytics/vesting/years"
VESTING = SC + "/analytics/vesting"
FORFEITURES = WS + "/analytics/vesting/forfeitures"
NDT = WS + "/analytics/ndt/"
NDT_YEARS = NDT + "available-years"
TIMELINE = SC + "/employees/{employee_id}/timeline"
YEARS = {"start_year": 2025, "end_year": 2027}
# A richer core for the second plan, so that the two plans' employer money differs.
RICHER_CORE = {"simulation": YEARS, "dc_plan": {"core_contribution_rate_percent": 4.0}}
GRADED_VS_CLIFF = {
    "current_schedule": {"schedule_type": "graded_6_year", "name": "6-Year Graded"},
    "proposed_schedule": {"schedule_type": "cliff_3_year", "name": "3-Year Cliff"},
}
# The reference's models send these Decimals as JSON numbers (a field_serializer to float, which the
# Studio reads as numbers); its OpenAPI documents the Decimal type itself, a string.
DECIMAL_FIELDS = {
    "total_employer_contributions",
    "current_vesting_pct",
    "current_vested_amount",
    "current_forfeiture",
    "proposed_vesting_pct",
    "proposed_vested_amount",
    "proposed_forfeiture",
    "forfeiture_variance",
    "total_contributions",
    "current_forfeitures",
    "proposed_forfeitures",
    "current_total_vested",
    "current_total_forfeited",
    "proposed_total_vested",
    "proposed_total_forfeited",
    "forfeiture_variance_pct",
    "vested_amount",
    "forfeited_amount",
    "total_vested",
    "total_forfeited",
}


def _decimals_as_documented(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: str(item)
            if key in DECIMAL_FIELDS and isinstance(item, int | float)
            else _decimals_as_documented(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_decimals_as_documented(item) for item in value]
    return value


def vesting_call(studio: StudioClient, method: str, template: str, **kwargs: Any) -> Any:
    """A 2xx vesting answer that conforms to the Studio's schema, its Decimal numbers read as documented."""
    response = studio.send(method, template, **kwargs)
    assert response.status_code == 200, f"{method} {template}: {response.status_code} {response.text[:1000]}"
    body = response.json()
    errors = contract_errors(method, template, 200, _decimals_as_documented(body))
    assert not errors, "\n".join(errors)
    return body


@dataclass(frozen=True)
class Plans:
    workspace_id: str
    baseline: str
    richer: str
    never_run: str


@pytest.fixture(scope="module")
def plans(api: httpx.Client, small_census: bytes) -> Plans:
    workspace_id = census_workspace(api, small_census)
    baseline = make_scenario(api, workspace_id, name="baseline", config_overrides={"simulation": YEARS})
    richer = make_scenario(api, workspace_id, name="richer core", config_overrides=RICHER_CORE)
    batch = api.post(f"/api/workspaces/{workspace_id}/run-all", json={}).json()
    assert wait_batch(api, batch["id"])["status"] == "completed"
    never_run = make_scenario(api, workspace_id, name="never run", config_overrides={"simulation": YEARS})
    return Plans(workspace_id, baseline, richer, never_run)


def cents(value: float) -> int:
    return round(value * 100)


def test_the_schedules_and_years_answer_the_schema(studio: StudioClient, plans: Plans) -> None:
    schedules = studio.call("GET", SCHEDULES)["schedules"]
    assert len(schedules) == 10
    graded = next(s for s in schedules if s["schedule_type"] == "graded_6_year")
    assert graded["percentages"] == {"0": 0.0, "1": 0.0, "2": 0.2, "3": 0.4, "4": 0.6, "5": 0.8, "6": 1.0}
    ids = {"workspace_id": plans.workspace_id, "scenario_id": plans.baseline}
    assert studio.call("GET", VESTING_YEARS, **ids) == {"years": [2025, 2026, 2027], "default_year": 2027}
    never = studio.send("GET", VESTING_YEARS, workspace_id=plans.workspace_id, scenario_id=plans.never_run)
    assert never.status_code == 404 and "Simulation data not found" in never.json()["detail"]
    assert (
        studio.call("GET", NDT_YEARS, params={"scenario_id": plans.baseline}, **ids)["default_year"] == 2027
    )
    none = studio.call("GET", NDT_YEARS, params={"scenario_id": plans.never_run}, **ids)
    assert none == {"years": [], "default_year": None}


def test_the_vesting_analysis_adds_up_and_agrees_with_the_timeline(
    studio: StudioClient, plans: Plans
) -> None:
    ids = {"workspace_id": plans.workspace_id, "scenario_id": plans.baseline}
    body = vesting_call(studio, "POST", VESTING, json=GRADED_VS_CLIFF, **ids)
    summary, details = body["summary"], body["employee_details"]
    assert summary["analysis_year"] == 2027 and body["scenario_name"] == "baseline"
    assert 0 < summary["vesting_eligible_terminated_employee_count"] == len(details)
    assert summary["total_terminated_employee_count"] >= len(details)
    for schedule in ("current", "proposed"):
        vested = sum(cents(d[f"{schedule}_vested_amount"]) for d in details)
        lost = sum(cents(d[f"{schedule}_forfeiture"]) for d in details)
        assert (vested, lost) == (
            cents(summary[f"{schedule}_total_vested"]),
            cents(summary[f"{schedule}_total_forfeited"]),
        )
        assert vested + lost == cents(summary["total_employer_contributions"])
    assert sum(band["employee_count"] for band in body["by_tenure_band"]) == len(details)
    for detail in details:
        # IRC 411(a)(2)(B): graded 6 and cliff 3 by completed years of service.
        years = detail["tenure_years"]
        assert detail["current_vesting_pct"] == [0, 0, 0.2, 0.4, 0.6, 0.8, 1][min(years, 6)]
        assert detail["proposed_vesting_pct"] == (1.0 if years >= 3 else 0.0)
    # The balance is the employer money (match + core) of the earlier years, as the timeline shows it.
    first = details[0]
    timeline = studio.call("GET", TIMELINE, employee_id=first["employee_id"], params={"years": 10}, **ids)
    earlier = [
        year["state"]["total_employer_contributions"]
        for year in timeline["years"]
        if year["simulation_year"] < 2027
    ]
    assert sum(cents(amount) for amount in earlier) == cents(first["total_employer_contributions"])
    # IRC 411(a)(5)(A): with the 1,000-hour rule a leaving year short of it counts one year less.
    hours_rule = {
        **GRADED_VS_CLIFF,
        "current_schedule": {**GRADED_VS_CLIFF["current_schedule"], "require_hours_credit": True},
    }
    with_hours = vesting_call(studio, "POST", VESTING, json=hours_rule, **ids)["employee_details"]
    short = [d for d in with_hours if d["annual_hours_worked"] < 1000]
    assert short, "some leaver worked under 1,000 hours in the leaving year"
    for detail in with_hours:
        years = detail["tenure_years"] - (detail["annual_hours_worked"] < 1000)
        assert detail["current_vesting_pct"] == [0, 0, 0.2, 0.4, 0.6, 0.8, 1][min(max(years, 0), 6)]
    # The first year's leavers have no money from an earlier simulated year.
    first_year = vesting_call(
        studio, "POST", VESTING, json={**GRADED_VS_CLIFF, "simulation_year": 2025}, **ids
    )
    assert first_year["summary"]["vesting_eligible_terminated_employee_count"] == 0


def test_the_vesting_analysis_refuses_bad_input(studio: StudioClient, plans: Plans) -> None:
    ids = {"workspace_id": plans.workspace_id, "scenario_id": plans.baseline}
    outside = studio.send("POST", VESTING, json={**GRADED_VS_CLIFF, "simulation_year": 2040}, **ids)
    assert (outside.status_code, outside.json()["detail"]) == (
        422,
        "simulation_year: 2040 is not a year of the run (2025-2027)",
    )
    unknown = {**GRADED_VS_CLIFF, "current_schedule": {"schedule_type": "cliff_9_year", "name": "x"}}
    assert studio.send("POST", VESTING, json=unknown, **ids).status_code == 422
    never = studio.send(
        "POST", VESTING, json=GRADED_VS_CLIFF, workspace_id=plans.workspace_id, scenario_id=plans.never_run
    )
    assert never.status_code == 404


def test_the_forfeiture_projection_matches_the_analysis_of_each_year(
    studio: StudioClient, plans: Plans
) -> None:
    params = {"scenarios": f"{plans.baseline},{plans.richer}", "schedule_type": "graded_6_year"}
    body = vesting_call(studio, "GET", FORFEITURES, params=params, workspace_id=plans.workspace_id)
    assert body["years"] == [2025, 2026, 2027] and body["skipped"] == []
    assert [s["scenario_name"] for s in body["scenarios"]] == ["baseline", "richer core"]
    baseline = body["scenarios"][0]
    assert [row["has_prior_year_basis"] for row in baseline["years"]] == [False, True, True]
    analysis = vesting_call(
        studio,
        "POST",
        VESTING,
        json=GRADED_VS_CLIFF,
        workspace_id=plans.workspace_id,
        scenario_id=plans.baseline,
    )["summary"]
    final = baseline["years"][-1]
    assert (final["vested_amount"], final["forfeited_amount"]) == (
        analysis["current_total_vested"],
        analysis["current_total_forfeited"],
    )
    offsets = baseline["employer_cost_offsets"]
    assert [o["basis_available"] for o in offsets] == [False, False, True]
    assert offsets[2]["offset_amount"] == baseline["years"][1]["forfeited_amount"]
    reallocated = vesting_call(
        studio,
        "GET",
        FORFEITURES,
        params={**params, "forfeiture_policy": "reallocate_to_participants"},
        workspace_id=plans.workspace_id,
    )
    assert reallocated["scenarios"][0]["employer_cost_offsets"][2]["offset_amount"] == 0.0
    ws = {"workspace_id": plans.workspace_id}
    for scenarios, status in (
        ("", 400),
        (f"{plans.baseline},{plans.baseline}", 400),
        (plans.never_run, 400),
        ("sc_unknown", 404),
    ):
        answer = studio.send("GET", FORFEITURES, params={**params, "scenarios": scenarios}, **ws)
        assert answer.status_code == status, (scenarios, answer.text)


def test_the_four_tests_answer_the_schema_and_add_up(studio: StudioClient, plans: Plans) -> None:
    ws = {"workspace_id": plans.workspace_id}
    both = {"scenarios": f"{plans.baseline},{plans.richer}", "year": 2026, "include_employees": "true"}
    adp = studio.call("GET", NDT + "adp", params=both, **ws)
    acp = studio.call("GET", NDT + "acp", params=both, **ws)
    general = studio.call("GET", NDT + "401a4", params={**both, "include_match": "true"}, **ws)
    additions = studio.call("GET", NDT + "415", params=both, **ws)
    for body, test_type in ((adp, "adp"), (acp, "acp"), (general, "401a4"), (additions, "415")):
        assert body["test_type"] == test_type and body["year"] == 2026
        assert [r["scenario_name"] for r in body["results"]] == ["baseline", "richer core"]
        assert all(r["test_result"] in ("pass", "fail") for r in body["results"]), body["results"]
    for result, suffix in ((adp["results"][0], "adp"), (acp["results"][0], "acp")):
        people = result["employees"]
        assert len(people) == result["hce_count"] + result["nhce_count"]
        assert result["hce_count"] > 0 and result["hce_threshold_used"] == 160000  # look-back year 2025
        hce = [p[f"individual_{suffix}"] for p in people if p["is_hce"]]
        assert result[f"hce_average_{suffix}"] == pytest.approx(sum(hce) / len(hce))
        nhce_average = result[f"nhce_average_{suffix}"]
        limit = max(1.25 * nhce_average, min(2 * nhce_average, nhce_average + 0.02))
        assert result["applied_threshold"] == pytest.approx(limit)
        assert result["test_result"] == ("pass" if result[f"hce_average_{suffix}"] <= limit else "fail")
    # The richer core raises every 401(a)(4) rate; the 415 counts cover every participant.
    assert general["results"][1]["nhce_average_rate"] > general["results"][0]["nhce_average_rate"]
    for result in additions["results"]:
        assert (
            result["breach_count"] + result["at_risk_count"] + result["passing_count"]
            == result["total_participants"]
        )
        assert len(result["employees"]) == result["total_participants"]
        assert (
            result["annual_additions_limit"] == 72000
        )  # the run applies the published limits: 2026, Notice 2025-67


def test_the_tests_options_and_refusals(studio: StudioClient, plans: Plans) -> None:
    ws = {"workspace_id": plans.workspace_id}
    one = {"scenarios": plans.baseline, "year": 2026}
    exempt = studio.call("GET", NDT + "adp", params={**one, "safe_harbor": "true"}, **ws)["results"][0]
    assert (exempt["test_result"], exempt["safe_harbor"]) == ("exempt", True)
    prior = studio.call("GET", NDT + "adp", params={**one, "testing_method": "prior"}, **ws)["results"][0]
    assert prior["testing_method"] == "prior"
    first = studio.call("GET", NDT + "adp", params={**one, "year": 2025, "testing_method": "prior"}, **ws)[
        "results"
    ][0]
    assert first["testing_method"] == "current" and "fell back" in first["test_message"]
    outside = studio.call("GET", NDT + "acp", params={**one, "year": 2040}, **ws)["results"][0]
    assert (outside["test_result"], outside["test_message"]) == (
        "error",
        "2040 is not a year of the run (2025-2027)",
    )
    bad_method = studio.send("GET", NDT + "adp", params={**one, "testing_method": "future"}, **ws)
    assert bad_method.status_code == 400 and "testing_method" in bad_method.json()["detail"]
    assert studio.send("GET", NDT + "415", params={**one, "warning_threshold": 2}, **ws).status_code == 422
    assert studio.send("GET", NDT + "acp", params={**one, "scenarios": ""}, **ws).status_code == 400
    unfinished = studio.send("GET", NDT + "401a4", params={**one, "scenarios": plans.never_run}, **ws)
    assert (unfinished.status_code, unfinished.json()["detail"]) == (
        400,
        f"Scenario {plans.never_run} has not completed successfully",
    )
    assert studio.send("GET", NDT + "acp", params=one, workspace_id="ws_unknown").status_code == 404


def test_other_tenants_get_404(plans: Plans, other_tenant: httpx.Client) -> None:
    ws, sc = plans.workspace_id, plans.baseline
    for method, path, params in (
        ("GET", f"/api/workspaces/{ws}/scenarios/{sc}/analytics/vesting/years", {}),
        (
            "GET",
            f"/api/workspaces/{ws}/analytics/vesting/forfeitures",
            {"scenarios": sc, "schedule_type": "immediate"},
        ),
        ("GET", f"/api/workspaces/{ws}/analytics/ndt/available-years", {"scenario_id": sc}),
        ("GET", f"/api/workspaces/{ws}/analytics/ndt/415", {"scenarios": sc, "year": 2026}),
    ):
        assert other_tenant.request(method, path, params=params).status_code == 404, path
    posted = other_tenant.post(f"/api/workspaces/{ws}/scenarios/{sc}/analytics/vesting", json=GRADED_VS_CLIFF)
    assert posted.status_code == 404


def test_our_openapi_documents_the_vesting_and_ndt_routes(api: httpx.Client) -> None:
    documented = api.get("/api/openapi.json").json()["paths"]
    routes = {
        (SCHEDULES, "get"),
        (VESTING_YEARS, "get"),
        (VESTING, "post"),
        (FORFEITURES, "get"),
        (NDT_YEARS, "get"),
        *((NDT + test, "get") for test in ("adp", "acp", "401a4", "415")),
    }
    assert {(path, method) for path, method in routes if method in documented.get(path, {})} == routes
    assert {path for path, _ in routes} <= studio_paths()
