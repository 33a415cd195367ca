"""The Studio's evidence pack of a scenario (domain/evidence_pack.py): its latest completed run's
snapshot read for the two years, the figures, and the run's provenance as the pack's trust."""

from typing import Any

from planalign.adapters.artifacts import Artifacts
from planalign.adapters.store import Store
from planalign.domain import evidence_pack, run_status
from planalign.domain.run_tables import SNAPSHOT
from planalign.errors import InvalidRequest, NotFound
from planalign.services.analytics import run_tables_of, snapshot_years
from planalign.services.config_diff import run_drift
from planalign.services.provenance import run_provenance
from planalign.services.runs import latest_run, newest_completed_run
from planalign.services.workspaces import get_scenario, merged_config

# Where Q1 reads, relative to the run's folder (the Athena table's location, or a downloaded copy).
RESULT_STORE = f"{SNAPSHOT}/"


# What a drift of the scenario since its run means for the pack (services/config_diff.run_drift).
_DRIFT_MESSAGES = {
    "current_config_mismatch": "The current scenario configuration differs from the selected result.",
    "current_seed_mismatch": "The current scenario seed differs from the selected result.",
}


def _trust(
    report: dict[str, Any], run: dict[str, Any], newest: dict[str, Any], drift: list[str]
) -> list[dict[str, str]]:
    warnings = [
        {"code": reason, "severity": "caution", "message": _DRIFT_MESSAGES[reason]} for reason in drift
    ]
    if newest["id"] != run["id"] and not run_status.is_terminal(newest["status"]):
        warnings.append(
            {
                "code": "run_in_progress",
                "severity": "info",
                "message": f"This pack describes completed run {run['id']}, not the active attempt {newest['id']}.",
            }
        )
    if any(finding["code"] == "integrity_mismatch" for finding in report["missing_evidence"]):
        warnings.append(
            {
                "code": "integrity_mismatch",
                "severity": "critical",
                "message": "The run's provenance contains an integrity mismatch.",
            }
        )
    if report["verification_disposition"] != "fully_verified":
        warnings.append(
            {
                "code": "incomplete_provenance",
                "severity": "caution",
                "message": "The run's provenance is incomplete or unverifiable.",
            }
        )
    return warnings


def scenario_evidence_pack(
    store: Store,
    artifacts: Artifacts,
    tenant_id: str,
    workspace_id: str,
    scenario_id: str,
    metric: str,
    base_year: int,
    target_year: int,
) -> dict[str, Any]:
    """The Studio's EvidencePackEnvelope of `metric` from `base_year` to `target_year`."""
    scenario = get_scenario(store, tenant_id, workspace_id, scenario_id)
    if base_year >= target_year:
        raise InvalidRequest("base_year must be earlier than target_year")
    run = newest_completed_run(store, scenario_id)
    if run is None:
        raise NotFound(f"No completed run exists for scenario {scenario_id}")
    tables = run_tables_of(artifacts, run)
    years = snapshot_years(tables, run)
    if base_year not in years or target_year not in years:
        raise InvalidRequest(
            f"Requested years are unavailable; available years: {', '.join(map(str, years))}"
        )
    base, target = (
        evidence_pack.year_values(table)
        for table in tables.read_years(SNAPSHOT, [base_year, target_year], evidence_pack.COLUMNS).values()
    )
    report = run_provenance(store, artifacts, tenant_id, run["id"])
    evidence = report["evidence"]
    provenance = {
        "workspace_id": workspace_id,
        "scenario_id": scenario_id,
        "scenario_name": scenario.get("name"),
        "run_id": run["id"],
        "run_timestamp": run.get("completed_at"),
        "random_seed": evidence["random_seed"],
        "config_fingerprint": evidence["configuration"]["fingerprint"],
        "result_store": RESULT_STORE,
        "verification_disposition": report["verification_disposition"],
    }
    pack = evidence_pack.build_pack(
        metric,
        base_year,
        target_year,
        evidence_pack.metric_row(metric, base, target),
        result_store=RESULT_STORE,
        provenance=provenance,
        warnings=_trust(
            report,
            run,
            latest_run(store, tenant_id, scenario_id),
            run_drift(run, merged_config(store, tenant_id, workspace_id, scenario_id))["drift_reasons"],
        ),
    )
    return evidence_pack.envelope(pack)
