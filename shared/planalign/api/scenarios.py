"""Scenario routes under a workspace: the scenarios, their merged config, dropping their results, and
the workspace-scoped export link the Studio opens."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from planalign.api.app import EXPORT_PENDING_RESPONSES
from planalign.api.models import ResultsDeleted, Scenario, ScenarioIn, ScenarioUpdate, Success
from planalign.api.paging import PageDep
from planalign.api.run_headers import RunHeaders
from planalign.api.services import ArtifactsDep, StoreDep, WorkflowDep
from planalign.api.tenant import Tenant
from planalign.services import runs, workspaces

router = APIRouter(prefix="/api/workspaces", tags=["scenarios"])


@router.get("/{workspace_id}/scenarios")
def list_scenarios(workspace_id: str, tenant_id: Tenant, store: StoreDep, page: PageDep) -> list[Scenario]:
    items = page.answer(*workspaces.list_scenarios(store, tenant_id, workspace_id, page.limit, page.cursor))
    return [Scenario(**item) for item in items]


@router.post("/{workspace_id}/scenarios", status_code=201)
def create_scenario(workspace_id: str, body: ScenarioIn, tenant_id: Tenant, store: StoreDep) -> Scenario:
    return Scenario(**workspaces.create_scenario(store, tenant_id, workspace_id, body.model_dump()))


@router.get("/{workspace_id}/scenarios/{scenario_id}")
def get_scenario(
    workspace_id: str, scenario_id: str, tenant_id: Tenant, store: StoreDep, _: RunHeaders
) -> Scenario:
    return Scenario(**workspaces.scenario_view(store, tenant_id, workspace_id, scenario_id))


@router.put("/{workspace_id}/scenarios/{scenario_id}")
def update_scenario(
    workspace_id: str, scenario_id: str, body: ScenarioUpdate, tenant_id: Tenant, store: StoreDep
) -> Scenario:
    changes = body.model_dump(exclude_unset=True)
    return Scenario(**workspaces.update_scenario(store, tenant_id, workspace_id, scenario_id, changes))


@router.delete("/{workspace_id}/scenarios/{scenario_id}")
def delete_scenario(
    workspace_id: str,
    scenario_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    workflow: WorkflowDep,
) -> Success:
    workspaces.delete_scenario(store, artifacts, workflow, tenant_id, workspace_id, scenario_id)
    return Success(success=True)


@router.delete("/{workspace_id}/scenarios/{scenario_id}/database")
def delete_scenario_results(
    workspace_id: str,
    scenario_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    workflow: WorkflowDep,
) -> ResultsDeleted:
    """Drop the scenario's runs and results, keep its config."""
    answer = workspaces.delete_scenario_results(
        store, artifacts, workflow, tenant_id, workspace_id, scenario_id
    )
    return ResultsDeleted(**answer)


@router.get("/{workspace_id}/scenarios/{scenario_id}/config")
def scenario_config(
    workspace_id: str, scenario_id: str, tenant_id: Tenant, store: StoreDep, _: RunHeaders
) -> dict[str, Any]:
    return workspaces.merged_config(store, tenant_id, workspace_id, scenario_id)


@router.get(
    "/{workspace_id}/scenarios/{scenario_id}/results/export",
    status_code=307,
    responses=EXPORT_PENDING_RESPONSES,
)
def export_scenario_results(
    workspace_id: str,
    scenario_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    format: str = "excel",
) -> RedirectResponse:
    """307 to a short-lived link to the latest completed run's export (`excel` or `csv`)."""
    scenario = workspaces.get_scenario(store, tenant_id, workspace_id, scenario_id)
    run = runs.latest_run(store, tenant_id, scenario_id, completed=True)
    url = runs.export_url(store, artifacts, tenant_id, run["id"], format, scenario["name"])
    return RedirectResponse(url, status_code=307)
