"""PlanAlign Studio's contract: every route of its core workflow, called over HTTP on the local stack as
the Studio calls it, with ids from a real run, answers what the Studio's own backend documents in
`studio/openapi.json`, and behaves as its routers do where a schema cannot say (what a PUT keeps,
which run's results are shown, what a DELETE leaves)."""

import csv
import io
from dataclasses import dataclass
from typing import Any

import httpx
import openpyxl
import pytest
from planalign.adapters.store import Store
from planalign.local.stack import LocalStack

from tests.contract.conftest import StudioClient
from tests.contract.openapi import contract_errors, studio_paths
from tests.integration.conftest import upload, wait_for

pytestmark = pytest.mark.contract

YEARS = {"start_year": 2025, "end_year": 2027}
RUN_ENDS = {"completed", "failed", "cancelled"}
BATCH_ENDS = {"completed", "failed"}
# The population filter of the Studio's AnalyticsDashboard (`getSimulationResults(id, population)`).
POPULATIONS = ("all", "active", "terminated")
# The Studio's two run-all bodies: its batch dialog, and `runAllScenarios()` without options.
RUN_ALL_BODIES = ({"scenario_ids": None, "parallel": False, "export_format": "excel"}, {})

WS = "/api/workspaces/{workspace_id}"
SC = WS + "/scenarios/{scenario_id}"
RUN = "/api/scenarios/{scenario_id}"
# Every Studio route of its core workflow that this work serves, as the Studio's document names it.
SERVED_ROUTES = [
    ("GET", "/api/health"),
    ("GET", "/api/system/status"),
    ("GET", "/api/config/defaults"),
    ("GET", "/api/workspaces"),
    ("POST", "/api/workspaces"),
    ("GET", WS),
    ("PUT", WS),
    ("DELETE", WS),
    ("GET", WS + "/scenarios"),
    ("POST", WS + "/scenarios"),
    ("GET", SC),
    ("PUT", SC),
    ("DELETE", SC),
    ("GET", SC + "/config"),
    ("DELETE", SC + "/database"),
    ("GET", SC + "/results/export"),
    ("POST", RUN + "/run"),
    ("GET", RUN + "/run/status"),
    ("GET", RUN + "/run/telemetry"),
    ("POST", RUN + "/run/cancel"),
    ("POST", RUN + "/run/reset"),
    ("GET", "/api/scenarios/active"),
    ("GET", RUN + "/runs"),
    ("GET", RUN + "/runs/{run_id}"),
    ("GET", RUN + "/runs/{run_id}/logs"),
    ("GET", RUN + "/results"),
    ("GET", RUN + "/results/export"),
    ("GET", RUN + "/details"),
    ("GET", RUN + "/artifacts/{artifact_path}"),
    ("POST", WS + "/run-all"),
    ("GET", "/api/batches/{batch_id}/status"),
    ("GET", WS + "/batches"),
    ("GET", WS + "/comparison"),
    ("GET", WS + "/comparison/config-diff"),
    ("POST", WS + "/upload"),
    ("POST", WS + "/validate-path"),
    ("POST", WS + "/set-census-path"),
]
# `GET /api/scenarios/active` has no schema in the document: this is the shape its router answers
# and the Studio's `ActiveSimulationsResponse` reads.
ACTIVE_RUNS_KEYS = {"run_id", "scenario_id", "status", "progress", "current_stage", "started_at"}


@dataclass(frozen=True)
class Studio:
    """What a Studio session leaves behind: a workspace with a census uploaded through the Studio's
    form, a baseline run started by hand, then a run-all of the baseline and a variant (whose config
    has a setting our engine does not model); beside it a second workspace whose census came through
    our presigned form, run with the Studio's bare `run-all` body. The answers of the calls that made
    it are kept for the tests to check."""

    workspace_id: str
    baseline_id: str
    variant_id: str
    run_id: str
    presigned_workspace_id: str
    presigned_scenario_id: str
    answers: dict[str, httpx.Response]
    batch_ids: list[str]
    batch_statuses: list[list[httpx.Response]]


def _ok(response: httpx.Response) -> httpx.Response:
    assert 200 <= response.status_code < 300, (
        f"{response.request.url}: {response.status_code} {response.text}"
    )
    return response


def _wait_for_run(studio: StudioClient, scenario_id: str, timeout: float = 60) -> dict[str, Any]:
    """Poll `run/status` as the Studio does until the run ends."""

    def ended() -> dict[str, Any] | None:
        status: dict[str, Any] = studio.send("GET", RUN + "/run/status", scenario_id=scenario_id).json()
        return status if status.get("status") in RUN_ENDS else None

    result: dict[str, Any] = wait_for(ended, timeout, interval=0.5)
    return result


def _follow_batches(
    studio: StudioClient, batch_ids: list[str], timeout: float = 90
) -> list[list[httpx.Response]]:
    """Poll each batch's status as the Studio does until all have ended: every answer, for the tests."""
    answers: dict[str, list[httpx.Response]] = {batch_id: [] for batch_id in batch_ids}

    def ended() -> bool:
        for batch_id, polled in answers.items():
            if not polled or polled[-1].json().get("status") not in BATCH_ENDS:
                polled.append(_ok(studio.send("GET", "/api/batches/{batch_id}/status", batch_id=batch_id)))
        return all(polled[-1].json().get("status") in BATCH_ENDS for polled in answers.values())

    wait_for(ended, timeout, interval=0.5)
    return list(answers.values())


def _make_scenario(studio: StudioClient, workspace_id: str, name: str, overrides: dict[str, Any]) -> str:
    created = _ok(
        studio.send(
            "POST",
            WS + "/scenarios",
            workspace_id=workspace_id,
            json={"name": name, "config_overrides": overrides},
        )
    )
    return str(created.json()["id"])


@pytest.fixture(scope="module")
def world(studio: StudioClient, api: httpx.Client, small_census: bytes) -> Studio:
    answers: dict[str, httpx.Response] = {}
    # The second workspace's census goes through our presigned form first: it imports meanwhile.
    other_workspace = _ok(studio.send("POST", "/api/workspaces", json={"name": "Presigned"})).json()["id"]
    other_scenario = _make_scenario(studio, other_workspace, "Only", {"simulation": YEARS})
    assert upload(api, other_workspace, small_census).status_code == 204

    answers["create workspace"] = _ok(
        studio.send("POST", "/api/workspaces", json={"name": "Contract", "description": "the Studio's path"})
    )
    workspace_id = answers["create workspace"].json()["id"]
    # The Studio creates a scenario with a name, then its config form saves the overrides with a PUT.
    answers["create scenario"] = _ok(
        studio.send(
            "POST",
            WS + "/scenarios",
            workspace_id=workspace_id,
            json={"name": "Baseline", "description": "b"},
        )
    )
    baseline_id = answers["create scenario"].json()["id"]
    _ok(
        studio.send(
            "PUT",
            SC,
            workspace_id=workspace_id,
            scenario_id=baseline_id,
            json={"config_overrides": {"simulation": YEARS}},
        )
    )
    # A plan-eligibility setting of the reference engine that ours does not model, off its default.
    ineligible = _ok(studio.send("GET", "/api/config/defaults")).json()["eligibility"][
        "new_hire_ineligible_pct"
    ]
    variant_overrides = {
        "simulation": YEARS,
        "workforce": {"total_termination_rate": 0.09},
        "eligibility": {"new_hire_ineligible_pct": ineligible + 0.1},
    }
    variant_id = _make_scenario(studio, workspace_id, "Variant", variant_overrides)
    answers["upload"] = _ok(
        studio.send(
            "POST",
            WS + "/upload",
            workspace_id=workspace_id,
            files={"file": ("census.csv", small_census, "text/csv")},
        )
    )

    answers["start run"] = _ok(studio.send("POST", RUN + "/run", scenario_id=baseline_id, json={}))
    answers["run status while running"] = studio.send("GET", RUN + "/run/status", scenario_id=baseline_id)
    answers["telemetry while running"] = studio.send("GET", RUN + "/run/telemetry", scenario_id=baseline_id)
    # The bare run-all runs in the other workspace meanwhile, once its census is imported.
    wait_for(
        lambda: [
            d
            for d in api.get(f"/api/workspaces/{other_workspace}/datasets").json()
            if d["status"] == "imported"
        ]
    )
    answers["run-all 1"] = _ok(
        studio.send("POST", WS + "/run-all", workspace_id=other_workspace, json=RUN_ALL_BODIES[1])
    )
    assert _wait_for_run(studio, baseline_id)["status"] == "completed"
    answers["run-all 0"] = _ok(
        studio.send("POST", WS + "/run-all", workspace_id=workspace_id, json=RUN_ALL_BODIES[0])
    )
    batch_ids = [answers[f"run-all {index}"].json()["id"] for index in range(len(RUN_ALL_BODIES))]
    return Studio(
        workspace_id=workspace_id,
        baseline_id=baseline_id,
        variant_id=variant_id,
        run_id=answers["start run"].json()["id"],
        presigned_workspace_id=other_workspace,
        presigned_scenario_id=other_scenario,
        answers=answers,
        batch_ids=batch_ids,
        batch_statuses=_follow_batches(studio, batch_ids),
    )


# --- system ---------------------------------------------------------------------------------------


def test_system_routes_answer_their_schemas(studio: StudioClient, world: Studio) -> None:
    assert studio.call("GET", "/api/health")["healthy"] is True
    status = studio.call("GET", "/api/system/status")
    assert status["workspace_count"] >= 1
    defaults = studio.call("GET", "/api/config/defaults")
    # The reference engine's simulation_config.yaml.
    assert isinstance(defaults["simulation"]["start_year"], int)
    assert isinstance(defaults["eligibility"], dict)


# --- workspaces -----------------------------------------------------------------------------------


def test_workspace_routes_answer_their_schemas(studio: StudioClient, world: Studio) -> None:
    created = studio.conforming(world.answers["create workspace"], "POST", "/api/workspaces")
    assert created["name"] == "Contract"
    listed = studio.call("GET", "/api/workspaces")
    assert world.workspace_id in [workspace["id"] for workspace in listed]
    assert studio.call("GET", WS, workspace_id=world.workspace_id)["id"] == world.workspace_id


def test_a_partial_workspace_put_keeps_its_base_config(studio: StudioClient, world: Studio) -> None:
    before = studio.call("GET", WS, workspace_id=world.workspace_id)
    assert before["base_config"]["setup"]["census_parquet_path"]  # the Studio upload chose it
    # The Studio's WorkspaceManager renames with name and description only.
    renamed = studio.call(
        "PUT", WS, workspace_id=world.workspace_id, json={"name": "Contract renamed", "description": "new"}
    )
    assert renamed["name"] == "Contract renamed"
    assert renamed["description"] == "new"
    assert renamed["base_config"] == before["base_config"]
    assert studio.call("GET", WS, workspace_id=world.workspace_id)["base_config"] == before["base_config"]


def test_deleting_a_workspace_answers_success_and_it_is_gone(studio: StudioClient, world: Studio) -> None:
    workspace_id = studio.call("POST", "/api/workspaces", json={"name": "Throwaway"})["id"]
    assert studio.call("DELETE", WS, workspace_id=workspace_id) == {"success": True}
    gone = studio.send("GET", WS, workspace_id=workspace_id)
    assert gone.status_code == 404
    assert isinstance(gone.json()["detail"], str)
    assert workspace_id not in [workspace["id"] for workspace in studio.call("GET", "/api/workspaces")]


# --- scenarios ------------------------------------------------------------------------------------


def test_scenario_routes_answer_their_schemas(studio: StudioClient, world: Studio) -> None:
    ids = {"workspace_id": world.workspace_id}
    created = studio.conforming(world.answers["create scenario"], "POST", WS + "/scenarios")
    assert created["status"] == "not_run"
    listed = studio.call("GET", WS + "/scenarios", **ids)
    assert {world.baseline_id, world.variant_id} <= {scenario["id"] for scenario in listed}
    baseline = studio.call("GET", SC, scenario_id=world.baseline_id, **ids)
    assert baseline["status"] == "completed"
    assert baseline["last_run_id"] is not None
    config = studio.call("GET", SC + "/config", scenario_id=world.variant_id, **ids)
    # The merged config: the workspace's base with the scenario's overrides on top.
    assert config["simulation"]["end_year"] == YEARS["end_year"]
    assert config["workforce"]["total_termination_rate"] == 0.09


def test_renaming_a_scenario_keeps_its_config_overrides(studio: StudioClient, world: Studio) -> None:
    ids = {"workspace_id": world.workspace_id, "scenario_id": world.variant_id}
    before = studio.call("GET", SC, **ids)
    renamed = studio.call("PUT", SC, json={"name": "Variant renamed"}, **ids)
    assert renamed["name"] == "Variant renamed"
    assert renamed["config_overrides"] == before["config_overrides"]
    assert studio.call("GET", SC, **ids)["config_overrides"] == before["config_overrides"]


def test_deleting_a_scenario_answers_success_and_it_is_gone(studio: StudioClient, world: Studio) -> None:
    scenario_id = studio.call(
        "POST", WS + "/scenarios", workspace_id=world.workspace_id, json={"name": "Gone"}
    )["id"]
    ids = {"workspace_id": world.workspace_id, "scenario_id": scenario_id}
    assert studio.call("DELETE", SC, **ids) == {"success": True}
    gone = studio.send("GET", SC, **ids)
    assert gone.status_code == 404
    assert isinstance(gone.json()["detail"], str)


# --- census ---------------------------------------------------------------------------------------


def test_the_studio_upload_validates_and_sets_the_census(studio: StudioClient, world: Studio) -> None:
    uploaded = studio.conforming(world.answers["upload"], "POST", WS + "/upload")
    assert uploaded["success"] is True
    assert uploaded["row_count"] == 500
    ids = {"workspace_id": world.workspace_id}
    validated = studio.call("POST", WS + "/validate-path", json={"file_path": uploaded["file_path"]}, **ids)
    assert validated["valid"] is True
    assert validated["exists"] is True
    assert validated["row_count"] == 500
    chosen = studio.call("POST", WS + "/set-census-path", json={"file_path": uploaded["file_path"]}, **ids)
    assert chosen == {"success": True, "file_path": uploaded["file_path"], "row_count": 500}


# --- a run ----------------------------------------------------------------------------------------


def test_starting_a_run_answers_a_simulation_run(studio: StudioClient, world: Studio) -> None:
    started = studio.conforming(world.answers["start run"], "POST", RUN + "/run")
    assert started["scenario_id"] == world.baseline_id
    assert started["status"] == "pending"
    assert started["run_id"] == started["id"]
    status = studio.conforming(world.answers["run status while running"], "GET", RUN + "/run/status")
    assert status["id"] == started["id"]
    studio.conforming(world.answers["telemetry while running"], "GET", RUN + "/run/telemetry")


def test_a_finished_run_answers_status_telemetry_history_and_details(
    studio: StudioClient, world: Studio
) -> None:
    ids = {"scenario_id": world.baseline_id}
    status = studio.call("GET", RUN + "/run/status", **ids)
    assert status["status"] == "completed"
    assert status["progress"] == 100
    telemetry = studio.call("GET", RUN + "/run/telemetry", **ids)
    assert telemetry["run"]["status"] == "completed"
    runs = studio.call("GET", RUN + "/runs", **ids)
    assert world.run_id in [run["id"] for run in runs]
    assert [run["started_at"] for run in runs] == sorted((run["started_at"] for run in runs), reverse=True)
    run = studio.call("GET", RUN + "/runs/{run_id}", run_id=world.run_id, **ids)
    assert (run["id"], run["status"], run["total_years"]) == (world.run_id, "completed", 3)
    # The reference's run metadata has no participation rate: null, or a fraction.
    assert run["participation_rate"] is None or 0 <= run["participation_rate"] <= 1
    details = studio.call("GET", RUN + "/details", **ids)
    assert details["id"] == runs[0]["id"]
    assert details["artifacts"]


def test_the_run_log_pages_and_downloads(studio: StudioClient, world: Studio) -> None:
    ids = {"scenario_id": world.baseline_id, "run_id": world.run_id}
    page = studio.call("GET", RUN + "/runs/{run_id}/logs", params={"page": 1, "page_size": 200}, **ids)
    assert page["run_id"] == world.run_id
    assert page["log_available"] is True
    assert page["is_running"] is False
    assert page["lines"]
    # The Studio's `getRunLogDownloadUrl`.
    log = studio.send(
        "GET", RUN + "/artifacts/{artifact_path}", artifact_path=f"runs/{world.run_id}/simulation.log", **ids
    )
    assert log.status_code == 200, log.text
    assert log.text.count("\n") == page["total_lines"]


def test_every_listed_artifact_downloads(studio: StudioClient, world: Studio) -> None:
    details = studio.call("GET", RUN + "/runs/{run_id}", scenario_id=world.baseline_id, run_id=world.run_id)
    for artifact in details["artifacts"]:
        response = studio.send(
            "GET",
            RUN + "/artifacts/{artifact_path}",
            scenario_id=world.baseline_id,
            artifact_path=artifact["path"],
        )
        if response.status_code == 307:
            # A browser opens the link without our token; the first bytes show it downloads.
            with httpx.stream("GET", response.headers["location"], timeout=30) as download:
                assert download.status_code == 200, (artifact, download.read()[:500])
                assert next(download.iter_bytes(), b"") or artifact["size_bytes"] == 0, artifact
        else:
            assert response.status_code == 200, (artifact, response.text[:500])
            assert response.content or artifact["size_bytes"] == 0, artifact


# --- results and exports --------------------------------------------------------------------------


@pytest.mark.parametrize("population", POPULATIONS)
def test_results_answer_the_studio_shape_for_each_population(
    studio: StudioClient, world: Studio, population: str
) -> None:
    response = studio.send(
        "GET", RUN + "/results", scenario_id=world.baseline_id, params={"population": population}
    )
    results = studio.conforming(response, "GET", RUN + "/results")
    years = YEARS["end_year"] - YEARS["start_year"] + 1
    assert (results["start_year"], results["end_year"]) == (YEARS["start_year"], YEARS["end_year"])
    assert 0 <= results["participation_rate"] <= 1
    assert results["event_trends"]
    for event_type, counts in results["event_trends"].items():
        assert len(counts) == years, (event_type, counts)
    assert len(results["workforce_progression"]) == years


def test_the_result_run_header_names_the_run_whose_results_are_shown(
    studio: StudioClient, world: Studio
) -> None:
    response = studio.send("GET", RUN + "/results", scenario_id=world.baseline_id)
    results = studio.conforming(response, "GET", RUN + "/results")
    newest_completed = next(
        run
        for run in studio.call("GET", RUN + "/runs", scenario_id=world.baseline_id)
        if run["status"] == "completed"
    )
    assert response.headers["X-PlanAlign-Result-Run-Id"] == results["run_id"] == newest_completed["id"]
    assert "X-PlanAlign-Active-Run-Id" not in response.headers


@pytest.mark.parametrize("export_format", ["excel", "csv"])
@pytest.mark.parametrize("route", [SC + "/results/export", RUN + "/results/export"])
def test_exports_redirect_to_a_file_that_opens(
    studio: StudioClient, world: Studio, route: str, export_format: str
) -> None:
    ids = {"workspace_id": world.workspace_id, "scenario_id": world.baseline_id}
    response = studio.send("GET", route, params={"format": export_format}, **ids)
    assert response.status_code == 307, response.text
    download = httpx.get(response.headers["location"], timeout=30)
    assert download.status_code == 200, download.text[:500]
    if export_format == "excel":
        workbook = openpyxl.load_workbook(io.BytesIO(download.content), read_only=True)
        assert workbook.sheetnames
    else:
        rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
        assert len(rows) > 1
        assert all(len(row) == len(rows[0]) for row in rows)


# --- cancel, reset, dropping results -------------------------------------------------------------


def test_a_second_run_reads_pinned_results_and_cancels(studio: StudioClient, world: Studio) -> None:
    ids = {"workspace_id": world.presigned_workspace_id, "scenario_id": world.presigned_scenario_id}
    shown = studio.call("GET", RUN + "/runs", **ids)[0]
    assert shown["status"] == "completed"
    started = studio.call("POST", RUN + "/run", json={}, **ids)
    # While it runs, the results stay those of the last completed run, and the headers say so.
    response = studio.send("GET", RUN + "/results", **ids)
    results = studio.conforming(response, "GET", RUN + "/results")
    assert response.headers["X-PlanAlign-Run-Warning"] == "run_in_progress"
    assert response.headers["X-PlanAlign-Active-Run-Id"] == started["id"]
    assert response.headers["X-PlanAlign-Result-Run-Id"] == results["run_id"] == shown["id"]
    active = studio.send("GET", "/api/scenarios/active")
    assert active.status_code == 200, active.text
    runs = active.json()["active_runs"]
    assert all(set(run) >= ACTIVE_RUNS_KEYS for run in runs), runs
    assert started["id"] in [run["run_id"] for run in runs]

    assert studio.call("POST", RUN + "/run/cancel", **ids) == {"success": True}
    assert _wait_for_run(studio, world.presigned_scenario_id)["status"] == "cancelled"
    assert studio.call("GET", SC, **ids)["status"] == "cancelled"
    # Nothing runs any more: a second cancel has nothing to stop.
    again = studio.send("POST", RUN + "/run/cancel", **ids)
    assert again.status_code == 404
    assert isinstance(again.json()["detail"], str)


def test_deleting_the_results_keeps_the_scenario_and_its_config(studio: StudioClient, world: Studio) -> None:
    ids = {"workspace_id": world.presigned_workspace_id, "scenario_id": world.presigned_scenario_id}
    before = studio.call("GET", SC, **ids)
    dropped = studio.call("DELETE", SC + "/database", **ids)
    assert dropped["success"] is True
    assert dropped["deleted"] is True
    assert isinstance(dropped["message"], str)
    assert studio.call("GET", RUN + "/runs", **ids) == []
    after = studio.call("GET", SC, **ids)
    assert after["status"] == "not_run"
    assert after["config_overrides"] == before["config_overrides"]


def test_reset_clears_a_scenario_left_running(studio: StudioClient, world: Studio, stack: LocalStack) -> None:
    scenario_id = studio.call(
        "POST", WS + "/scenarios", workspace_id=world.workspace_id, json={"name": "Stuck"}
    )["id"]
    # Not stuck: nothing to reset.
    refused = studio.send("POST", RUN + "/run/reset", scenario_id=scenario_id)
    assert 400 <= refused.status_code < 500, refused.text
    assert isinstance(refused.json()["detail"], str)
    # A scenario whose run's end was lost shows `running` with no live run (only the table can do that).
    Store().update("SC", scenario_id, {"status": "running"})
    reset = studio.call("POST", RUN + "/run/reset", scenario_id=scenario_id)
    assert reset["success"] is True
    assert (reset["scenario_id"], reset["previous_status"], reset["new_status"]) == (
        scenario_id,
        "running",
        "failed",
    )
    assert (
        studio.call("GET", SC, workspace_id=world.workspace_id, scenario_id=scenario_id)["status"] == "failed"
    )


# --- a run with warnings --------------------------------------------------------------------------


def test_a_run_with_warnings_is_completed_and_says_so(
    studio: StudioClient, world: Studio, api: httpx.Client
) -> None:
    """The variant's config moves `eligibility.new_hire_ineligible_pct`, which our engine ignores."""
    run_id = studio.call("GET", RUN + "/runs", scenario_id=world.variant_id)[0]["id"]
    run = api.get(f"/api/runs/{run_id}").json()
    assert run["status"] == "completed"
    assert any("eligibility.new_hire_ineligible_pct" in warning for warning in run["warnings"]), run[
        "warnings"
    ]
    response = studio.send("GET", RUN + "/results", scenario_id=world.variant_id)
    studio.conforming(response, "GET", RUN + "/results")
    assert response.headers.get("X-PlanAlign-Run-Warning")
    assert response.headers["X-PlanAlign-Result-Run-Id"] == run_id
    # The run without warnings says nothing.
    assert (
        "X-PlanAlign-Run-Warning"
        not in studio.send("GET", RUN + "/results", scenario_id=world.baseline_id).headers
    )


# --- batches --------------------------------------------------------------------------------------


def test_run_all_answers_batch_jobs_that_end_completed(studio: StudioClient, world: Studio) -> None:
    for index, (body, polled) in enumerate(zip(RUN_ALL_BODIES, world.batch_statuses, strict=True)):
        started = studio.conforming(world.answers[f"run-all {index}"], "POST", WS + "/run-all")
        assert started["scenarios"]
        # Every answer the Studio's progress view polled, not only the last.
        statuses = [studio.conforming(answer, "GET", "/api/batches/{batch_id}/status") for answer in polled]
        final = statuses[-1]
        assert final["id"] == started["id"]
        assert final["status"] == "completed", final
        assert all(scenario["status"] == "completed" for scenario in final["scenarios"]), final
        assert final["export_format"] == body.get("export_format")
    first = studio.conforming(world.answers["run-all 0"], "POST", WS + "/run-all")
    assert {scenario["scenario_id"] for scenario in first["scenarios"]} == {
        world.baseline_id,
        world.variant_id,
    }
    listed = studio.call("GET", WS + "/batches", workspace_id=world.workspace_id)
    assert world.batch_ids[0] in [batch["id"] for batch in listed]


# --- comparison -----------------------------------------------------------------------------------


def test_comparison_lines_up_the_scenarios_against_the_baseline(studio: StudioClient, world: Studio) -> None:
    a, b = world.baseline_id, world.variant_id
    response = studio.send(
        "GET",
        WS + "/comparison",
        workspace_id=world.workspace_id,
        params={"scenarios": f"{a},{b}", "baseline": a},
    )
    comparison = studio.conforming(response, "GET", WS + "/comparison")
    assert comparison["scenarios"] == [a, b]
    assert comparison["baseline_scenario"] == a
    assert len(comparison["workforce_comparison"]) == YEARS["end_year"] - YEARS["start_year"] + 1
    shown = dict(pair.split("=") for pair in response.headers["X-PlanAlign-Result-Run-Id"].split(","))
    assert set(shown) == {a, b}


def test_config_diff_names_what_differs(studio: StudioClient, world: Studio) -> None:
    a, b = world.baseline_id, world.variant_id
    diff = studio.call(
        "GET",
        WS + "/comparison/config-diff",
        workspace_id=world.workspace_id,
        params={"scenario_a": a, "scenario_b": b},
    )
    assert (diff["scenario_a"], diff["scenario_b"]) == (a, b)
    assert diff["differences"]


# --- errors and tenants ---------------------------------------------------------------------------


def test_another_tenants_ids_are_404_with_a_detail(world: Studio, other_tenant: httpx.Client) -> None:
    other = StudioClient(other_tenant)
    ws, sc, run = world.workspace_id, world.baseline_id, world.run_id
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", WS, {}),
        ("PUT", WS, {"json": {"name": "taken"}}),
        ("GET", WS + "/scenarios", {}),
        ("GET", SC, {}),
        ("PUT", SC, {"json": {"name": "taken"}}),
        ("GET", SC + "/config", {}),
        ("GET", SC + "/results/export", {}),
        ("GET", RUN + "/run/status", {}),
        ("GET", RUN + "/run/telemetry", {}),
        ("POST", RUN + "/run/cancel", {}),
        ("GET", RUN + "/runs", {}),
        ("GET", RUN + "/runs/{run_id}", {}),
        ("GET", RUN + "/runs/{run_id}/logs", {}),
        ("GET", RUN + "/results", {}),
        ("GET", RUN + "/results/export", {}),
        ("GET", RUN + "/details", {}),
        ("GET", RUN + "/artifacts/{artifact_path}", {"artifact_path": f"runs/{run}/simulation.log"}),
        ("GET", "/api/batches/{batch_id}/status", {"batch_id": world.batch_ids[0]}),
        ("GET", WS + "/batches", {}),
        ("GET", WS + "/comparison", {"params": {"scenarios": sc, "baseline": sc}}),
        (
            "GET",
            WS + "/comparison/config-diff",
            {"params": {"scenario_a": sc, "scenario_b": world.variant_id}},
        ),
        ("POST", WS + "/validate-path", {"json": {"file_path": "datasets/x/census.csv"}}),
    ]
    wrong = []
    for method, template, extra in calls:
        response = other.send(method, template, workspace_id=ws, scenario_id=sc, run_id=run, **extra)
        detail = (
            response.json().get("detail")
            if response.headers.get("content-type", "").startswith("application/json")
            else None
        )
        if response.status_code != 404 or not isinstance(detail, str):
            wrong.append(f"{method} {template}: {response.status_code} {response.text[:200]}")
    assert not wrong, "\n".join(wrong)
    assert ws not in [workspace["id"] for workspace in other.call("GET", "/api/workspaces")]


def test_unknown_ids_are_404_and_invalid_bodies_422_as_the_studio_documents(studio: StudioClient) -> None:
    for template in (WS, RUN + "/run/status", RUN + "/results", "/api/batches/{batch_id}/status"):
        response = studio.send(
            "GET", template, workspace_id="ws_missing", scenario_id="sc_missing", batch_id="b_missing"
        )
        assert response.status_code == 404, (template, response.text)
        assert isinstance(response.json()["detail"], str)
    invalid = studio.send("POST", "/api/workspaces", json={"description": "no name"})
    assert invalid.status_code == 422
    assert contract_errors("POST", "/api/workspaces", 422, invalid.json()) == []


def test_a_request_without_a_token_is_401_with_a_detail(stack: LocalStack) -> None:
    response = httpx.get(f"{stack.api_url}/api/workspaces", timeout=30)
    assert response.status_code == 401
    assert isinstance(response.json()["detail"], str)


# --- our own OpenAPI ------------------------------------------------------------------------------


def test_our_openapi_documents_every_studio_route_we_serve(api: httpx.Client) -> None:
    ours = api.get("/api/openapi.json")
    assert ours.status_code == 200, ours.text
    documented = {(method.upper(), path) for path, item in ours.json()["paths"].items() for method in item}
    assert {path for _, path in SERVED_ROUTES} <= studio_paths()
    missing = [f"{method} {path}" for method, path in SERVED_ROUTES if (method, path) not in documented]
    assert not missing, "our /api/openapi.json does not document:\n" + "\n".join(missing)
