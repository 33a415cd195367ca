"""A run's provenance report (domain/provenance.py) from what the run stored: its item and history,
its manifest, the simulation's summary, its Results' quality checks and its census dataset."""

import json
from typing import Any

from planalign.adapters.artifacts import SIMULATION_SUMMARY, Artifacts, run_prefix
from planalign.adapters.store import Store, key_of_run
from planalign.domain import provenance
from planalign.domain.event_types import EVENT_TYPES, STUDIO_EVENT_TYPES
from planalign.errors import NotFound
from planalign.services import runs

# The summary's event count columns, under the names the report schema knows.
_EVENT_TYPE_NAMES = tuple(STUDIO_EVENT_TYPES[event_type].upper() for event_type in EVENT_TYPES)


def _stored_json(artifacts: Artifacts, key: str) -> Any:
    body = artifacts.get_if_exists(key)
    return None if body is None else json.loads(body)


def run_provenance(store: Store, artifacts: Artifacts, tenant_id: str, run_id: str) -> dict[str, Any]:
    """The Studio's ProvenanceReport of one of the tenant's runs, in whatever state it is."""
    run = runs.get_run(store, tenant_id, run_id)
    prefix = run_prefix(tenant_id, run["workspace_id"], run_id)
    results = _stored_json(artifacts, prefix + "results.json")
    try:
        dataset = store.get("DS", run["dataset_id"], tenant_id) if run.get("dataset_id") else None
    except NotFound:
        dataset = None
    config = run.get("config") or {}
    evidence = provenance.RunEvidence(
        run={**run, "duration_seconds": runs.duration_seconds(run) if run.get("completed_at") else None},
        plan_design_id=str(config.get("plan_design_id") or "default"),
        config=config,
        history=store.run_events(key_of_run(run)),
        event_types=_EVENT_TYPE_NAMES,
        summary=_stored_json(artifacts, prefix + SIMULATION_SUMMARY),
        quality=None if results is None else results.get("quality"),
        manifest=_stored_json(artifacts, prefix + "run.json"),
        dataset=dataset,
    )
    return provenance.build_report(evidence)


def provenance_envelope(store: Store, artifacts: Artifacts, tenant_id: str, run_id: str) -> dict[str, Any]:
    """{report, audit_sheet}: the report and its Markdown audit sheet."""
    report = run_provenance(store, artifacts, tenant_id, run_id)
    return {"report": report, "audit_sheet": provenance.render_markdown(report)}
