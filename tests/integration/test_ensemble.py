"""Seed ensembles on the local stack: moto runs the state machine's Distributed Map over the members,
the pipeline's bands are the percentiles of the members' stored metrics, and the same run twice
gives the same bands."""

import json
import os
from datetime import datetime
from itertools import pairwise
from typing import Any

import httpx
import pytest
from planalign.domain.census_generator import census_csv, generate_census
from planalign.domain.results import compute_bands
from planalign.domain.run_state import execution_name
from planalign.domain.simulation import member_seed
from planalign.local.stack import LocalStack

from tests.integration.conftest import make_scenario, wait_for, wait_terminal
from tests.integration.test_batches import SHORT, census_workspace

pytestmark = pytest.mark.integration

MEMBERS = 20


def stamp(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def run_to_end(api: httpx.Client, scenario_id: str) -> dict[str, Any]:
    started = api.post(f"/api/scenarios/{scenario_id}/run", json={})
    assert started.status_code == 202, started.text
    run = wait_terminal(api, started.json()["run_id"], timeout=180)
    assert run["status"] == "completed", run
    return run


def artifact_files(api: httpx.Client, run_id: str) -> dict[str, str]:
    return {a["name"]: a["url"] for a in api.get(f"/api/runs/{run_id}/artifacts").json()}


def test_an_ensemble_fans_out_its_members_and_reports_reproducible_bands(
    api: httpx.Client, small_census: bytes
) -> None:
    workspace_id = census_workspace(api, small_census)
    scenario_id = make_scenario(
        api, workspace_id, config_overrides={**SHORT, "ensemble": {"members": MEMBERS}}
    )
    run = run_to_end(api, scenario_id)
    results = api.get(f"/api/runs/{run['id']}/results").json()
    bands = results["bands"]

    assert {"headcount", "total_employer_cost", "participation_rate"} <= set(bands)
    for metric, by_year in bands.items():
        assert sorted(by_year) == ["2025", "2026"], metric
        for band in by_year.values():
            assert band["p5"] <= band["p50"] <= band["p95"], (metric, band)
    # Members differ (each has its own seed), so some metric must spread.
    assert any(b["p5"] < b["p95"] for by_year in bands.values() for b in by_year.values())

    # The bands are the percentiles of member 0 (the run's own results) and the 19 stored members.
    files = artifact_files(api, run["id"])
    member_files = sorted(name for name in files if name.startswith("ensemble/member-"))
    assert len(member_files) == MEMBERS - 1
    members = [json.loads(httpx.get(files[name]).content) for name in member_files]
    assert [m["member"] for m in members] == list(range(1, MEMBERS))
    assert [m["seed"] for m in members] == [member_seed(42, k) for k in range(1, MEMBERS)]
    base = [
        {**workforce, **plan}
        for workforce, plan in zip(results["workforce"], results["dc_plan"], strict=True)
    ]
    assert compute_bands([base, *(m["metrics"] for m in members)]) == bands
    assert "bands.csv" in files
    bands_rows = httpx.get(files["bands.csv"]).text.splitlines()
    assert bands_rows[0] == "metric,simulation_year,p5,p50,p95"
    assert len(bands_rows) == 1 + 2 * len(bands)
    manifest = json.loads(httpx.get(files["run.json"]).content)
    assert manifest["ensemble_members"] == MEMBERS

    # Progress counts the members done and never goes down. Members finishing at once drop the
    # reports that another overtook or that come within 0.25 s of the last write.
    events = api.get(f"/api/runs/{run['id']}/events").json()
    percents = [event["percent"] for event in events]
    assert percents == sorted(percents)
    counted = [e for e in events if e["message"].startswith("ensemble member ")]
    done = [int(e["message"].rsplit("(", 1)[1].split("/")[0]) for e in counted]
    assert done[0] == 1 and done == sorted(set(done)) and done[-1] <= MEMBERS
    times = [stamp(e["timestamp"]) for e in counted[1:]]
    assert all(later - earlier >= 0.24 for earlier, later in pairwise(times))
    simulation_done = [e for e in events if e["stage"] == "simulation" and e["kind"] == "stage_completed"]
    assert len(simulation_done) == 1 and simulation_done[0]["percent"] == 85.0
    assert simulation_done[0]["message"] == f"simulation completed: {MEMBERS} ensemble members"

    # The same scenario again: every member is reproducible, so are the bands.
    again = run_to_end(api, scenario_id)
    assert api.get(f"/api/runs/{again['id']}/results").json()["bands"] == bands


def test_a_single_member_run_has_no_bands_and_no_fan_out(api: httpx.Client, small_census: bytes) -> None:
    workspace_id = census_workspace(api, small_census)
    run = run_to_end(api, make_scenario(api, workspace_id, config_overrides=SHORT))
    assert api.get(f"/api/runs/{run['id']}/results").json()["bands"] is None
    assert not [name for name in artifact_files(api, run["id"]) if name.startswith("ensemble/")]


def test_cancelling_an_ensemble_stops_its_members(stack: LocalStack, api: httpx.Client) -> None:
    workspace_id = census_workspace(api, census_csv(generate_census(5_000, seed=3)))
    scenario_id = make_scenario(api, workspace_id, config_overrides={"ensemble": {"members": 200}})
    run_id = api.post(f"/api/scenarios/{scenario_id}/run", json={}).json()["run_id"]
    wait_for(
        lambda: any(
            e["message"].startswith("ensemble member") for e in api.get(f"/api/runs/{run_id}/events").json()
        )
    )
    assert api.post(f"/api/runs/{run_id}/cancel").status_code == 202
    machine_arn = os.environ["STATE_MACHINE_ARN"]
    execution_arn = (
        f"{machine_arn.replace(':stateMachine:', ':execution:')}:{execution_name('tenant-a', run_id)}"
    )
    sfn = stack.client("stepfunctions")
    wait_for(lambda: sfn.describe_execution(executionArn=execution_arn)["status"] != "RUNNING", timeout=120)
    run = api.get(f"/api/runs/{run_id}").json()
    assert run["status"] == "cancelled"
    assert run["progress"] < 85
    assert api.get(f"/api/runs/{run_id}/results").status_code == 409
