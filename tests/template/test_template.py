"""The SAM template and the state machine: linted by the AWS tools, and consistent with each other."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from planalign.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
ASL = ROOT / "statemachine" / "run.asl.json"
pytestmark = pytest.mark.template


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not on PATH: run the tests with `make test`, which installs it")
    return path


def test_cfn_lint_passes() -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"  # the project's pinned one, not another on PATH
    result = subprocess.run([str(cfn_lint), "template.yaml"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_validate_lint_passes() -> None:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    result = subprocess.run(
        [_tool("sam"), "validate", "--lint", "--region", "us-east-1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_state_machine_is_valid_asl() -> None:
    result = subprocess.run([_tool("asl-validator"), "--json-path", str(ASL)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_next_and_default_names_a_state() -> None:
    definition = json.loads(ASL.read_text())
    states = definition["States"]
    targets = [definition["StartAt"]]
    for state in states.values():
        targets += [state[key] for key in ("Next", "Default") if key in state]
        targets += [c["Next"] for c in state.get("Catch", []) + state.get("Choices", [])]
    assert set(targets) <= set(states)


def test_substitutions_match_the_definition() -> None:
    template = load_template(ROOT)
    used = set(re.findall(r"\$\{(\w+)\}", ASL.read_text()))
    declared = set(template.resources["RunStateMachine"]["Properties"]["DefinitionSubstitutions"])
    assert used == declared
    _, definition, _ = template.state_machine()
    assert "${" not in definition


def test_every_stage_task_retries_transient_errors_and_catches_into_mark_failed() -> None:
    states = json.loads(ASL.read_text())["States"]
    member = states["EnsembleMembers"]["ItemProcessor"]["States"]["Member"]
    assert "Lambda.ServiceException" in member["Retry"][0]["ErrorEquals"]
    for name in ("Import", "Simulation", "EnsembleMembers", "Pipeline"):
        state = states[name]
        assert "Lambda.ServiceException" in state.get("Retry", member["Retry"])[0]["ErrorEquals"], name
        assert state["Catch"][0] == {
            "ErrorEquals": ["States.ALL"],
            "ResultPath": "$.error",
            "Next": "MarkFailed",
        }


def test_ensembles_fan_out_on_a_distributed_map_that_reads_its_items_from_s3() -> None:
    states = json.loads(ASL.read_text())["States"]
    assert states["Simulation"]["Next"] == "IsEnsemble"
    assert states["IsEnsemble"]["Choices"] == [
        {"Variable": "$.simulation.ensemble.members", "NumericGreaterThan": 1, "Next": "EnsembleMembers"}
    ]
    assert states["IsEnsemble"]["Default"] == "Pipeline"
    fan_out = states["EnsembleMembers"]
    assert fan_out["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    assert fan_out["ItemReader"]["Resource"] == "arn:aws:states:::s3:getObject"
    assert fan_out["ItemReader"]["Parameters"]["Key.$"] == "$.simulation.ensemble.items_key"
    assert fan_out["MaxConcurrencyPath"] == "$.simulation.ensemble.max_concurrency"
    assert fan_out["ResultPath"] is None  # members' metrics go to S3, never through the state
    assert fan_out["Next"] == "Pipeline"


def test_every_function_has_a_handler_file_and_requirements() -> None:
    template = load_template(ROOT)
    for spec in template.functions.values():
        module = spec.handler.rsplit(".", 1)[0]
        assert (spec.code_dir / f"{module}.py").exists(), spec.logical_id
        assert (spec.code_dir / "requirements.txt").exists(), spec.logical_id


def test_api_functions_do_not_ship_numpy() -> None:
    for name in ("system_api", "workspaces_api", "runs_api"):
        requirements = (ROOT / "functions" / name / "requirements.txt").read_text()
        assert "numpy" not in requirements and "pandas" not in requirements


def test_routes_cover_the_api_contract() -> None:
    template = load_template(ROOT)

    def routed(method: str, path: str) -> str | None:
        for route in template.routes:
            if route.method in (method, "ANY") and route.pattern.match(path):
                return route.function
        return None

    assert routed("GET", "/api/health") == "SystemApiFunction"
    assert routed("GET", "/api/config/defaults") == "SystemApiFunction"
    assert routed("POST", "/api/workspaces") == "WorkspacesApiFunction"
    assert routed("GET", "/api/workspaces/ws_1/datasets/ds_1") == "WorkspacesApiFunction"
    assert routed("POST", "/api/scenarios/sc_1/run") == "RunsApiFunction"
    assert routed("GET", "/api/runs/run_1/results/export") == "RunsApiFunction"
    public = {(route.method, route.path) for route in template.routes if route.public}
    assert public == {
        ("ANY", "/api/health"),
        ("ANY", "/api/openapi.json"),
        ("ANY", "/api/docs"),
        ("GET", "/api/signin"),
        ("DELETE", "/api/session"),
    }
