"""The client command line (`planalign runs|upload|workspaces|scenarios`) against the local stack, called
in-process through `planalign.cli.main(argv)`: its JSON parses, its exit codes say how runs ended,
and each run's results and run.json carry what it cost."""

import contextlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from planalign.cli import main
from planalign.client.commands import EXIT_API_ERROR, EXIT_CANCELLED, EXIT_COMPLETED, EXIT_FAILED
from planalign.domain.census_generator import census_csv, generate_census
from planalign.local.stack import LocalStack

pytestmark = pytest.mark.integration

CLI = Callable[..., tuple[int, str]]


@pytest.fixture(scope="module")
def cli(stack: LocalStack) -> CLI:
    """`planalign <argv> --api-url <stack> --token token-a`: the exit code and what it printed."""

    def run(*argv: str, token: str = "token-a") -> tuple[int, str]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main([*argv, "--api-url", stack.api_url, "--token", token])
        return code, out.getvalue()

    return run


def run_json(cli: CLI, *argv: str) -> Any:
    code, out = cli(*argv, "--json")
    assert code == EXIT_COMPLETED, out
    return json.loads(out)


@pytest.fixture(scope="module")
def census_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("census") / "census.csv"
    path.write_bytes(census_csv(generate_census(500, seed=11)))
    return path


@pytest.fixture(scope="module")
def workspace(cli: CLI) -> dict[str, Any]:
    workspace: dict[str, Any] = run_json(cli, "workspaces", "create", "CLI company", "--description", "cli")
    run_json(cli, "scenarios", "create", "Baseline", "--workspace", workspace["id"])
    run_json(cli, "scenarios", "create", "Three seeds", "--workspace", "CLI company", "--members", "3")
    return workspace


@pytest.fixture(scope="module")
def uploaded(
    cli: CLI, workspace: dict[str, Any], census_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[int, list[dict[str, Any]], Path]:
    """`planalign upload census.csv --workspace W --run all --wait --out DIR --json`."""
    out_dir = tmp_path_factory.mktemp("exports")
    code, out = cli(
        "upload", str(census_file), "--workspace", workspace["id"], "--run", "all", "--wait",
        "--out", str(out_dir), "--json",
    )  # fmt: skip
    return code, json.loads(out), out_dir


def test_workspaces_and_scenarios_list_create_show(cli: CLI, workspace: dict[str, Any]) -> None:
    listed = run_json(cli, "workspaces", "list")
    assert workspace["id"] in [w["id"] for w in listed]
    assert run_json(cli, "workspaces", "show", "CLI company")["id"] == workspace["id"]
    scenarios = run_json(cli, "scenarios", "list", "--workspace", workspace["id"])
    assert sorted(s["name"] for s in scenarios) == ["Baseline", "Three seeds"]
    shown = run_json(cli, "scenarios", "show", "Three seeds", "--workspace", workspace["id"])
    assert shown["config_overrides"]["ensemble"] == {"members": 3}
    code, table = cli("scenarios", "list", "--workspace", workspace["id"])
    assert code == EXIT_COMPLETED and "Baseline" in table and "Three seeds" in table


def test_upload_runs_every_scenario_waits_and_downloads_the_exports(
    uploaded: tuple[int, list[dict[str, Any]], Path],
) -> None:
    code, runs, out_dir = uploaded
    assert code == EXIT_COMPLETED
    assert [run["status"] for run in runs] == ["completed", "completed"]
    for run in runs:
        assert run["cost"]["total_usd"] > 0
        assert [Path(p).suffix for p in run["exports"]] == [".xlsx", ".csv"]
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "baseline.csv",
        "baseline.xlsx",
        "three_seeds.csv",
        "three_seeds.xlsx",
    ]
    assert (out_dir / "baseline.xlsx").read_bytes()[:2] == b"PK"


def test_results_and_run_json_carry_the_same_cost(
    cli: CLI, api: httpx.Client, uploaded: tuple[int, list[dict[str, Any]], Path]
) -> None:
    ensemble = next(run for run in uploaded[1] if run["scenario_id"] and run["cost"].get("ensemble"))
    results = run_json(cli, "runs", "results", ensemble["id"])
    cost = results["cost"]
    stages = cost["stages"]
    assert set(stages) == {"import", "simulation", "member", "pipeline"}
    assert stages["member"]["invocations"] == 2  # members 1 and 2; member 0 is the simulation stage
    assert cost["ensemble"]["members"] == 3
    usage = cost["usage"]
    # Parent: Import, HasRun, Simulation, IsEnsemble, EnsembleMembers, Pipeline; two per child.
    assert usage["state_transitions"] == 6 + 2 * 2
    assert usage["dynamodb_write_units"] > 0 and usage["s3_put_requests"] > 0 and usage["stored_bytes"] > 0
    assert cost["left_out"] and cost["prices_as_of"]
    artifacts = api.get(f"/api/runs/{ensemble['id']}/artifacts").json()
    url = next(a["url"] for a in artifacts if a["name"] == "run.json")
    assert httpx.get(url, timeout=30).json()["cost"] == cost
    code, table = cli("runs", "results", ensemble["id"])
    assert code == EXIT_COMPLETED and "total" in table and "left out" in table


def test_runs_status_and_export(
    cli: CLI, uploaded: tuple[int, list[dict[str, Any]], Path], tmp_path: Path
) -> None:
    run_id = uploaded[1][0]["id"]
    assert run_json(cli, "runs", "status", run_id)["status"] == "completed"
    exported = run_json(cli, "runs", "export", run_id, "--format", "csv", "--out", str(tmp_path))
    assert Path(exported["path"]).read_bytes()
    code, out = cli("runs", "wait", run_id, "--poll")
    assert code == EXIT_COMPLETED and "completed" in out


def test_start_wait_follows_the_run_and_exits_0(cli: CLI, workspace: dict[str, Any]) -> None:
    scenario = run_json(cli, "scenarios", "show", "Baseline", "--workspace", workspace["id"])
    code, out = cli("runs", "start", scenario["id"], "--wait", "--json")
    assert code == EXIT_COMPLETED
    (run,) = json.loads(out)
    assert run["status"] == "completed" and run["cost"]["total_usd"] > 0


def test_a_cancelled_run_exits_3(cli: CLI, workspace: dict[str, Any]) -> None:
    # An ensemble long enough to still be going when the cancel lands.
    scenario = run_json(cli, "scenarios", "create", "Long", "--workspace", workspace["id"], "--members", "40")
    started = run_json(cli, "runs", "start", scenario["id"])
    assert run_json(cli, "runs", "cancel", started["run_id"])["status"] == "cancelled"
    code, out = cli("runs", "wait", started["run_id"], "--json")
    assert code == EXIT_CANCELLED
    assert json.loads(out)[0]["status"] == "cancelled"
    code, _ = cli("runs", "cancel", started["run_id"])  # already ended: the API's 409
    assert code == EXIT_API_ERROR


def test_runs_of_a_census_that_cannot_be_imported_fail_with_exit_1(
    cli: CLI, workspace: dict[str, Any], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("name,colour\nAda,blue\n")
    code, out = cli(
        "upload", str(bad), "--workspace", workspace["id"], "--run", "Baseline", "--wait", "--json"
    )
    assert code == EXIT_FAILED
    (run,) = json.loads(out)
    assert run["status"] == "failed" and run["error_message"]


def test_unknown_ids_and_bad_tokens_exit_4(cli: CLI) -> None:
    assert cli("runs", "status", "run-that-is-not-there")[0] == EXIT_API_ERROR
    assert cli("workspaces", "list", token="not-a-token")[0] == EXIT_API_ERROR


def test_environment_names_the_api_and_token(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANALIGN_API_URL", stack.api_url)
    monkeypatch.setenv("PLANALIGN_API_TOKEN", "token-b")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["workspaces", "list", "--json"]) == EXIT_COMPLETED
    assert isinstance(json.loads(out.getvalue()), list)
