"""The Studio's Run Provenance page (GET /api/runs/{id}/provenance, JSON or zip) and the evidence pack
of a run's page (GET .../scenarios/{id}/evidence-pack) on the local stack: answers that conform to
`studio/openapi.json`, evidence that agrees with the run's results, a digest a reviewer can recompute,
figures that add up, and the errors the Studio shows."""

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, get_args

import httpx
import pytest
from planalign.api.evidence_models import EvidenceMetric

from tests.contract.conftest import StudioClient
from tests.integration.conftest import make_scenario
from tests.integration.test_batches import census_workspace, wait_batch

pytestmark = pytest.mark.contract

PROVENANCE = "/api/runs/{run_id}/provenance"
EVIDENCE_PACK = "/api/workspaces/{workspace_id}/scenarios/{scenario_id}/evidence-pack"
YEARS = {"start_year": 2025, "end_year": 2027}
METRICS = get_args(EvidenceMetric)
CHECKS = 6  # the Results' quality checks
# The Studio offers a run's provenance report and audit download only for ids of this form.
STUDIO_ARCHIVED_RUN_ID = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", re.I
)
SOFTWARE_FINDINGS = {"evidence.software.git_commit_sha", "evidence.software.working_tree_state"}


@dataclass(frozen=True)
class Run:
    workspace_id: str
    scenario_id: str
    never_run: str
    run_id: str
    results: dict[str, Any]


@pytest.fixture(scope="module")
def run(api: httpx.Client, small_census: bytes) -> Run:
    workspace_id = census_workspace(api, small_census)
    scenario_id = make_scenario(api, workspace_id, name="baseline", config_overrides={"simulation": YEARS})
    batch = api.post(f"/api/workspaces/{workspace_id}/run-all", json={}).json()
    assert wait_batch(api, batch["id"])["status"] == "completed"
    never_run = make_scenario(api, workspace_id, name="never run", config_overrides={"simulation": YEARS})
    results = api.get(f"/api/scenarios/{scenario_id}/results").json()
    return Run(workspace_id, scenario_id, never_run, results["run_id"], results)


def canonical(report: dict[str, Any]) -> bytes:
    covered = {
        k: report[k]
        for k in ("report_schema_version", "evidence", "missing_evidence", "verification_disposition")
    }
    return json.dumps(covered, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def test_a_completed_runs_provenance_is_fully_verified_and_agrees_with_its_results(
    studio: StudioClient, run: Run
) -> None:
    response = studio.send("GET", PROVENANCE, run_id=run.run_id)
    envelope = studio.conforming(response, "GET", PROVENANCE)
    report = envelope["report"]
    evidence = report["evidence"]
    assert STUDIO_ARCHIVED_RUN_ID.fullmatch(run.run_id)
    if evidence["software"]["git_commit_sha"] is None:  # a stack run outside a git checkout
        assert {f["field_path"] for f in report["missing_evidence"]} == SOFTWARE_FINDINGS
        assert report["verification_disposition"] == "unverifiable"
    else:
        assert report["missing_evidence"] == []
        assert report["verification_disposition"] == "fully_verified"
        assert evidence["software"]["working_tree_state"] in ("clean", "dirty")
    assert evidence["run"]["status"] == "completed"
    assert evidence["run"]["completed_years"] == [2025, 2026, 2027]
    assert evidence["software"]["git_commit_sha"] and evidence["software"]["working_tree_state"] in (
        "clean",
        "dirty",
    )
    assert len(evidence["census_input"]["sha256"]) == 64 and evidence["census_input"]["record_count"] == 500
    assert (
        evidence["configuration"]["fingerprint"]
        == hashlib.sha256(
            json.dumps(evidence["configuration"]["effective"], sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()
    )
    # The workforce equation of each year, and the year-end headcount the Results show.
    workforce = run.results["workforce"]
    for reconciliation, year in zip(evidence["workforce_reconciliations"], workforce, strict=True):
        assert reconciliation["actual_closing_workforce"] == year["headcount"]
        assert reconciliation["variance"] == 0
        assert reconciliation["hires"] == year["hires"]
    assert evidence["workforce_reconciliations"][1]["opening_workforce"] == workforce[0]["headcount"]
    hires = {c["simulation_year"]: c["count"] for c in evidence["event_counts"] if c["event_type"] == "HIRE"}
    assert hires == {year["simulation_year"]: year["hires"] for year in workforce}
    assert (
        len(evidence["validation_results"]) == CHECKS * 3 and evidence["validation_disposition"] == "passed"
    )
    stages = [(s["stage"], s["simulation_year"]) for s in evidence["timing"]["stage_completions"]]
    assert ("IMPORT", None) in stages and ("PIPELINE", None) in stages
    assert [year for stage, year in stages if year is not None] == [2025, 2026, 2027]
    # A reviewer recomputes the digest from the four covered fields; the ETag is the digest.
    digest = hashlib.sha256(canonical(report)).hexdigest()
    assert report["digest"]["value"] == report["sign_off"]["report_digest"] == digest
    assert response.headers["etag"] == f'"{digest}"'
    assert (
        digest in envelope["audit_sheet"] and "## Annual Workforce Reconciliation" in envelope["audit_sheet"]
    )


def test_the_provenance_zip_holds_the_same_report_and_audit_sheet(studio: StudioClient, run: Run) -> None:
    envelope = studio.call("GET", PROVENANCE, run_id=run.run_id)
    response = studio.send("GET", PROVENANCE, run_id=run.run_id, headers={"Accept": "application/zip"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert sorted(archive.namelist()) == [f"{run.run_id}-provenance.json", f"{run.run_id}-provenance.md"]
        assert json.loads(archive.read(f"{run.run_id}-provenance.json")) == envelope["report"]
        assert archive.read(f"{run.run_id}-provenance.md").decode() == envelope["audit_sheet"]


def test_provenance_errors_are_clear(studio: StudioClient, run: Run, other_tenant: httpx.Client) -> None:
    response = studio.send("GET", PROVENANCE, run_id=run.run_id, headers={"Accept": "text/html"})
    assert response.status_code == 406 and "application/zip" in response.json()["detail"]
    assert studio.send("GET", PROVENANCE, run_id="run_unknown").status_code == 404
    assert other_tenant.get(f"/api/runs/{run.run_id}/provenance").status_code == 404


def test_every_metrics_evidence_pack_conforms_and_its_drivers_add_up_to_the_change(
    studio: StudioClient, run: Run
) -> None:
    ids = {"workspace_id": run.workspace_id, "scenario_id": run.scenario_id}
    disposition = studio.call("GET", PROVENANCE, run_id=run.run_id)["report"]["verification_disposition"]
    for metric in METRICS:
        params = {"metric": metric, "base_year": 2025, "target_year": 2027}
        envelope = studio.call("GET", EVIDENCE_PACK, params=params, **ids)
        pack = envelope["pack"]
        change = pack["change"]
        total = Decimal(change["total_change"]["value"])
        # Each figure is rounded to 12 decimals on its own.
        assert abs(
            Decimal(change["target_value"]["value"]) - Decimal(change["base_value"]["value"]) - total
        ) < Decimal("1e-11")
        named = sum(Decimal(d["contribution"]["value"]) for d in pack["drivers"])
        assert abs(named + Decimal(pack["residual"]["contribution"]["value"]) - total) < Decimal("1e-9")
        assert pack["provenance"]["run_id"] == run.run_id
        assert pack["provenance"]["verification_disposition"] == disposition
        assert envelope["filename"] == f"evidence-pack-{run.scenario_id}-{metric}-2025-2027.md"
        assert envelope["text_export"].startswith(f"# Evidence Pack: {change['label']}, 2025 to 2027")
    # The endpoints are the Results' own figures.
    match = studio.call(
        "GET",
        EVIDENCE_PACK,
        params={"metric": "employer_match_cost", "base_year": 2025, "target_year": 2026},
        **ids,
    )["pack"]["change"]
    plan = run.results["dc_plan"]
    assert round(Decimal(match["base_value"]["value"]), 2) == Decimal(str(plan[0]["total_employer_match"]))
    assert round(Decimal(match["target_value"]["value"]), 2) == Decimal(str(plan[1]["total_employer_match"]))
    headcount = studio.call(
        "GET",
        EVIDENCE_PACK,
        params={"metric": "active_headcount", "base_year": 2026, "target_year": 2027},
        **ids,
    )["pack"]["change"]
    assert int(headcount["target_value"]["value"]) == run.results["workforce"][2]["headcount"]


def test_evidence_pack_errors_are_clear(studio: StudioClient, run: Run) -> None:
    def status(scenario_id: str, **params: Any) -> tuple[int, str]:
        query = {"metric": "employer_match_cost", "base_year": 2025, "target_year": 2027, **params}
        response = studio.send(
            "GET", EVIDENCE_PACK, params=query, workspace_id=run.workspace_id, scenario_id=scenario_id
        )
        return response.status_code, str(response.json()["detail"])

    assert status(run.scenario_id, base_year=2027, target_year=2025)[0] == 422
    code, detail = status(run.scenario_id, target_year=2030)
    assert code == 422 and "available years: 2025, 2026, 2027" in detail
    assert status(run.scenario_id, metric="headcount")[0] == 422
    code, detail = status(run.never_run)
    assert code == 404 and "No completed run" in detail
    assert status("sc_unknown")[0] == 404


def test_a_pack_warns_when_the_scenarios_config_changed_since_its_run(
    studio: StudioClient, run: Run, api: httpx.Client
) -> None:
    ids = {"workspace_id": run.workspace_id, "scenario_id": run.scenario_id}
    params = {"metric": "active_headcount", "base_year": 2025, "target_year": 2026}
    before = studio.call("GET", EVIDENCE_PACK, params=params, **ids)["pack"]["warnings"]
    assert "current_config_mismatch" not in {w["code"] for w in before}
    changed = {"config_overrides": {"simulation": {**YEARS, "target_growth_rate": 0.09}}}
    assert (
        api.put(f"/api/workspaces/{run.workspace_id}/scenarios/{run.scenario_id}", json=changed).status_code
        == 200
    )
    after = studio.call("GET", EVIDENCE_PACK, params=params, **ids)["pack"]
    assert {
        "code": "current_config_mismatch",
        "severity": "caution",
        "message": "The current scenario configuration differs from the selected result.",
    } in after["warnings"]
    assert after["provenance"]["run_id"] == run.run_id  # still the run's own figures
