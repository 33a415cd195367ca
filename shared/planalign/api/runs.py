"""Run routes: start, follow, cancel, results, exports and artifacts."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from planalign.api.models import RunIn
from planalign.api.paging import PageDep
from planalign.api.services import ArtifactsDep, StoreDep, WorkflowDep
from planalign.api.tenant import Tenant
from planalign.services import runs
from planalign.settings import get_settings

router = APIRouter(prefix="/api", tags=["runs"])
ExportFormat = Annotated[str, Query(alias="format")]


def _run_links(request: Request, run_id: str) -> dict[str, str]:
    root = request.scope.get("root_path", "")
    settings = get_settings()
    websocket = settings.websocket_url
    if websocket and settings.websocket_run_paths:
        websocket = f"{websocket}/ws/simulation/{run_id}"
    return {
        "status_url": f"{root}/api/runs/{run_id}",
        "results_url": f"{root}/api/runs/{run_id}/results",
        "websocket_url": websocket,
    }


@router.post("/scenarios/{scenario_id}/run", status_code=202)
def start_run(
    scenario_id: str,
    request: Request,
    tenant_id: Tenant,
    store: StoreDep,
    workflow: WorkflowDep,
    body: RunIn | None = None,
) -> dict[str, Any]:
    run = runs.start_run(store, workflow, tenant_id, scenario_id, (body or RunIn()).model_dump())
    return {"run_id": run["id"], "status": run["status"], **_run_links(request, run["id"])}


@router.get("/scenarios/{scenario_id}/run/status")
def scenario_run_status(scenario_id: str, tenant_id: Tenant, store: StoreDep) -> dict[str, Any]:
    return runs.run_view(runs.latest_run(store, tenant_id, scenario_id))


@router.get("/scenarios/{scenario_id}/runs")
def scenario_runs(
    scenario_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    page: PageDep,
) -> list[dict[str, Any]]:
    return page.answer(*runs.list_runs(store, tenant_id, scenario_id, page.limit, page.cursor))


@router.get("/scenarios/{scenario_id}/results")
def scenario_results(
    scenario_id: str, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep
) -> dict[str, Any]:
    run = runs.latest_run(store, tenant_id, scenario_id, completed=True)
    return runs.run_results(store, artifacts, tenant_id, run["id"])


@router.get("/scenarios/{scenario_id}/results/export", status_code=307)
def scenario_export(
    scenario_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    export_format: ExportFormat = "xlsx",
) -> RedirectResponse:
    run = runs.latest_run(store, tenant_id, scenario_id, completed=True)
    return RedirectResponse(
        runs.export_url(store, artifacts, tenant_id, run["id"], export_format), status_code=307
    )


@router.get("/runs/{run_id}")
def get_run(run_id: str, tenant_id: Tenant, store: StoreDep) -> dict[str, Any]:
    return runs.run_view(runs.get_run(store, tenant_id, run_id))


@router.post("/runs/{run_id}/cancel", status_code=202)
def cancel_run(run_id: str, tenant_id: Tenant, store: StoreDep, workflow: WorkflowDep) -> dict[str, Any]:
    run = runs.cancel_run(store, workflow, tenant_id, run_id)
    return {"run_id": run["id"], "status": run["status"]}


@router.get("/runs/{run_id}/events")
def run_events(run_id: str, tenant_id: Tenant, store: StoreDep) -> list[dict[str, Any]]:
    return runs.run_events(store, tenant_id, run_id)


@router.get("/runs/{run_id}/results")
def run_results(run_id: str, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep) -> dict[str, Any]:
    return runs.run_results(store, artifacts, tenant_id, run_id)


@router.get("/runs/{run_id}/results/export", status_code=307)
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


@router.get("/runs/{run_id}/artifacts")
def run_artifacts(
    run_id: str, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep
) -> list[dict[str, Any]]:
    return runs.run_artifacts(store, artifacts, tenant_id, run_id)
