"""Our run-centric routes: a run by id, its cancel, history, results, export and artifacts."""

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query
from fastapi.responses import JSONResponse, RedirectResponse, Response

from planalign.api.app import EXPORT_PENDING_RESPONSES
from planalign.api.provenance_models import ProvenanceReportEnvelope
from planalign.api.results_models import SimulationResults
from planalign.api.services import ArtifactsDep, StoreDep, WorkflowDep
from planalign.api.tenant import Tenant
from planalign.domain.populations import select_population
from planalign.domain.provenance import render_zip
from planalign.services import runs
from planalign.services.provenance import provenance_envelope

router = APIRouter(prefix="/api/runs", tags=["runs"])
ExportFormat = Annotated[str, Query(alias="format")]


@router.get("/{run_id}")
def get_run(run_id: str, tenant_id: Tenant, store: StoreDep) -> dict[str, Any]:
    return runs.run_view(runs.get_run(store, tenant_id, run_id))


@router.post("/{run_id}/cancel", status_code=202)
def cancel_run(run_id: str, tenant_id: Tenant, store: StoreDep, workflow: WorkflowDep) -> dict[str, Any]:
    run = runs.cancel_run(store, workflow, tenant_id, run_id)
    return {"run_id": run["id"], "status": run["status"]}


@router.get("/{run_id}/events")
def run_events(run_id: str, tenant_id: Tenant, store: StoreDep) -> list[dict[str, Any]]:
    return runs.run_events(store, tenant_id, run_id)


@router.get("/{run_id}/results")
def run_results(
    run_id: str, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep, population: str = "all"
) -> SimulationResults:
    results = select_population(runs.run_results(store, artifacts, tenant_id, run_id), population)
    return SimulationResults.model_validate(results)


@router.get("/{run_id}/results/export", status_code=307, responses=EXPORT_PENDING_RESPONSES)
def run_export(
    run_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    export_format: ExportFormat = "xlsx",
) -> RedirectResponse:
    return RedirectResponse(
        runs.export_url(store, artifacts, tenant_id, run_id, export_format), status_code=307
    )


@router.get("/{run_id}/artifacts")
def run_artifacts(
    run_id: str, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep
) -> list[dict[str, Any]]:
    return runs.run_artifacts(store, artifacts, tenant_id, run_id)


PROVENANCE_TYPES = ("application/json", "application/zip")


@router.get(
    "/{run_id}/provenance",
    response_model=ProvenanceReportEnvelope,
    responses={
        200: {"content": {"application/zip": {}}},
        406: {"description": "Neither JSON nor zip accepted"},
    },
)
def run_provenance(
    run_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    accept: Annotated[str, Header()] = "application/json",
) -> Response:
    """The run's provenance report and audit sheet as JSON, or both files in a zip (Accept:
    application/zip); the report's digest is the ETag."""
    media_type = accept.split(",", 1)[0].split(";", 1)[0].strip().lower()
    media_type = "application/json" if media_type in ("", "*/*", "application/*") else media_type
    if media_type not in PROVENANCE_TYPES:
        raise HTTPException(
            406, f"the provenance report is {' or '.join(PROVENANCE_TYPES)}, not {media_type}"
        )
    envelope = provenance_envelope(store, artifacts, tenant_id, run_id)
    headers = {"ETag": f'"{envelope["report"]["digest"]["value"]}"', "Cache-Control": "no-store"}
    if media_type == "application/zip":
        return Response(
            render_zip(run_id, envelope["report"], envelope["audit_sheet"]),
            media_type="application/zip",
            headers={**headers, "Content-Disposition": f'attachment; filename="{run_id}-provenance.zip"'},
        )
    # Checked against the Studio's shape, then served as built, not re-dumped through the model (which
    # would write a whole-number duration 1 as 1.0): the JSON a reviewer hashes is the JSON hashed.
    ProvenanceReportEnvelope.model_validate(envelope)
    return JSONResponse(envelope, headers=headers)
