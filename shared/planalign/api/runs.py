"""Our run-centric routes: a run by id, its cancel, history, results, export and artifacts."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse

from planalign.api.app import EXPORT_PENDING_RESPONSES
from planalign.api.results_models import SimulationResults
from planalign.api.services import ArtifactsDep, StoreDep, WorkflowDep
from planalign.api.tenant import Tenant
from planalign.domain.populations import select_population
from planalign.services import runs

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
