"""The Studio's simulation routes under /api/scenarios: start, follow (status, telemetry, active
runs), cancel and reset a scenario's run; its run history, details, log, artifacts, results and
exports."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, RedirectResponse

from planalign.api.app import EXPORT_PENDING_RESPONSES
from planalign.api.models import (
    ActiveRuns,
    LogPage,
    RunDetails,
    RunIn,
    RunSummary,
    ScenarioReset,
    SimulationRun,
    StartedRun,
    Success,
)
from planalign.api.paging import PageDep
from planalign.api.results_models import SimulationResults
from planalign.api.run_headers import RunHeaders
from planalign.api.services import ArtifactsDep, StoreDep, WorkflowDep
from planalign.api.telemetry_models import RunTelemetryResponse
from planalign.api.tenant import Tenant
from planalign.domain.populations import select_population
from planalign.services import runs, telemetry
from planalign.services.links import websocket_link
from planalign.services.workspaces import get_scenario

router = APIRouter(prefix="/api/scenarios", tags=["simulations"])


def run_links(request: Request, run_id: str) -> dict[str, str]:
    root = request.scope.get("root_path", "")
    return {
        "run_id": run_id,
        "status_url": f"{root}/api/runs/{run_id}",
        "results_url": f"{root}/api/runs/{run_id}/results",
        "websocket_url": websocket_link("simulation", run_id),
    }


@router.get("/active")
def active_simulations(tenant_id: Tenant, store: StoreDep) -> ActiveRuns:
    """The runs that have not ended, for the Studio's page-refresh recovery."""
    return ActiveRuns.model_validate({"active_runs": runs.active_runs(store, tenant_id)})


@router.post("/{scenario_id}/run", status_code=202)
def start_simulation(
    scenario_id: str,
    request: Request,
    tenant_id: Tenant,
    store: StoreDep,
    workflow: WorkflowDep,
    body: RunIn | None = None,
) -> StartedRun:
    run = runs.start_run(store, workflow, tenant_id, scenario_id, (body or RunIn()).model_dump())
    return StartedRun(**runs.simulation_run(run), **run_links(request, run["id"]))


@router.get("/{scenario_id}/run/status")
def run_status(scenario_id: str, tenant_id: Tenant, store: StoreDep, _: RunHeaders) -> SimulationRun:
    return SimulationRun(**runs.simulation_run(runs.latest_run(store, tenant_id, scenario_id)))


@router.get("/{scenario_id}/run/telemetry")
def run_telemetry(
    scenario_id: str, tenant_id: Tenant, store: StoreDep, _: RunHeaders
) -> RunTelemetryResponse:
    """The polling fallback of the live telemetry: the same snapshot the WebSocket sends."""
    return RunTelemetryResponse(**telemetry.scenario_telemetry(store, tenant_id, scenario_id))


@router.post("/{scenario_id}/run/cancel")
def cancel_simulation(scenario_id: str, tenant_id: Tenant, store: StoreDep, workflow: WorkflowDep) -> Success:
    runs.cancel_scenario_run(store, workflow, tenant_id, scenario_id)
    return Success(success=True)


@router.post("/{scenario_id}/run/reset")
def reset_simulation(scenario_id: str, tenant_id: Tenant, store: StoreDep) -> ScenarioReset:
    return ScenarioReset(**runs.reset_scenario(store, tenant_id, scenario_id))


@router.get("/{scenario_id}/runs")
def list_runs(
    scenario_id: str, tenant_id: Tenant, store: StoreDep, page: PageDep, _: RunHeaders
) -> list[RunSummary]:
    items = page.answer(*runs.list_runs(store, tenant_id, scenario_id, page.limit, page.cursor))
    return [RunSummary(**item) for item in items]


@router.get("/{scenario_id}/runs/{run_id}")
def get_run(
    scenario_id: str, run_id: str, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep, _: RunHeaders
) -> RunDetails:
    scenario = get_scenario(store, tenant_id, None, scenario_id)
    run = runs.scenario_run(store, tenant_id, scenario_id, run_id)
    return RunDetails(**runs.run_details(store, artifacts, run, scenario))


@router.get("/{scenario_id}/runs/{run_id}/logs")
def get_run_logs(
    scenario_id: str,
    run_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    _: RunHeaders,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 200,
    severity: Annotated[str | None, Query(pattern="^(?i:INFO|WARNING|ERROR)$")] = None,
) -> LogPage:
    return LogPage(**runs.log_page(store, tenant_id, scenario_id, run_id, page, page_size, severity))


@router.get("/{scenario_id}/details")
def get_run_details(
    scenario_id: str, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep, _: RunHeaders
) -> RunDetails:
    return RunDetails(**runs.scenario_details(store, artifacts, tenant_id, scenario_id))


@router.get(
    "/{scenario_id}/artifacts/{artifact_path:path}", response_model=None, responses=EXPORT_PENDING_RESPONSES
)
def download_artifact(
    scenario_id: str,
    artifact_path: str,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    _: RunHeaders,
) -> RedirectResponse | PlainTextResponse:
    """A run's file: the log as text, anything else as a 307 to a short-lived S3 link (202 while the
    completed run's workbook is being made)."""
    kind, value = runs.artifact_download(store, artifacts, tenant_id, scenario_id, artifact_path)
    if kind == "log":
        return PlainTextResponse(
            value, headers={"Content-Disposition": f'attachment; filename="{runs.RUN_LOG_NAME}"'}
        )
    return RedirectResponse(value, status_code=307)


@router.get("/{scenario_id}/results")
def get_results(
    scenario_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    _: RunHeaders,
    population: str = "all",
) -> SimulationResults:
    """The latest completed run's SimulationResults for a population of the workforce."""
    run = runs.latest_run(store, tenant_id, scenario_id, completed=True)
    results = select_population(runs.run_results(store, artifacts, tenant_id, run["id"]), population)
    return SimulationResults.model_validate(results)


@router.get("/{scenario_id}/results/export", status_code=307, responses=EXPORT_PENDING_RESPONSES)
def export_results(
    scenario_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    _: RunHeaders,
    format: str = "excel",
) -> RedirectResponse:
    scenario = get_scenario(store, tenant_id, None, scenario_id)
    run = runs.latest_run(store, tenant_id, scenario_id, completed=True)
    return RedirectResponse(
        runs.export_url(store, artifacts, tenant_id, run["id"], format, scenario["name"]), status_code=307
    )
