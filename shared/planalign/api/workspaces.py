"""Workspace, scenario, upload and dataset routes."""

from typing import Any

from fastapi import APIRouter, Response

from planalign.api.models import ScenarioIn, UploadIn, WorkspaceIn
from planalign.api.paging import PageDep
from planalign.api.services import ArtifactsDep, StoreDep
from planalign.api.tenant import Tenant
from planalign.services import uploads, workspaces
from planalign.settings import get_settings

router = APIRouter(prefix="/api/workspaces", tags=["workspaces"])


@router.get("")
def list_workspaces(
    tenant_id: Tenant,
    store: StoreDep,
    page: PageDep,
) -> list[dict[str, Any]]:
    return page.answer(*workspaces.list_workspaces(store, tenant_id, page.limit, page.cursor))


@router.post("", status_code=201)
def create_workspace(body: WorkspaceIn, tenant_id: Tenant, store: StoreDep) -> dict[str, Any]:
    return workspaces.create_workspace(store, tenant_id, body.model_dump())


@router.get("/{workspace_id}")
def get_workspace(workspace_id: str, tenant_id: Tenant, store: StoreDep) -> dict[str, Any]:
    return workspaces.get_workspace(store, tenant_id, workspace_id)


@router.put("/{workspace_id}")
def update_workspace(
    workspace_id: str, body: WorkspaceIn, tenant_id: Tenant, store: StoreDep
) -> dict[str, Any]:
    return workspaces.update_workspace(store, tenant_id, workspace_id, body.model_dump())


@router.delete("/{workspace_id}", status_code=204)
def delete_workspace(
    workspace_id: str, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep
) -> Response:
    workspaces.delete_workspace(store, artifacts, tenant_id, workspace_id)
    return Response(status_code=204)


@router.get("/{workspace_id}/scenarios")
def list_scenarios(
    workspace_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    page: PageDep,
) -> list[dict[str, Any]]:
    return page.answer(*workspaces.list_scenarios(store, tenant_id, workspace_id, page.limit, page.cursor))


@router.post("/{workspace_id}/scenarios", status_code=201)
def create_scenario(
    workspace_id: str, body: ScenarioIn, tenant_id: Tenant, store: StoreDep
) -> dict[str, Any]:
    return workspaces.create_scenario(store, tenant_id, workspace_id, body.model_dump())


@router.get("/{workspace_id}/scenarios/{scenario_id}")
def get_scenario(workspace_id: str, scenario_id: str, tenant_id: Tenant, store: StoreDep) -> dict[str, Any]:
    return workspaces.scenario_view(store, tenant_id, workspace_id, scenario_id)


@router.put("/{workspace_id}/scenarios/{scenario_id}")
def update_scenario(
    workspace_id: str, scenario_id: str, body: ScenarioIn, tenant_id: Tenant, store: StoreDep
) -> dict[str, Any]:
    return workspaces.update_scenario(store, tenant_id, workspace_id, scenario_id, body.model_dump())


@router.delete("/{workspace_id}/scenarios/{scenario_id}", status_code=204)
def delete_scenario(
    workspace_id: str, scenario_id: str, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep
) -> Response:
    workspaces.delete_scenario(store, artifacts, tenant_id, workspace_id, scenario_id)
    return Response(status_code=204)


@router.get("/{workspace_id}/scenarios/{scenario_id}/config")
def scenario_config(
    workspace_id: str, scenario_id: str, tenant_id: Tenant, store: StoreDep
) -> dict[str, Any]:
    return workspaces.merged_config(store, tenant_id, workspace_id, scenario_id)


@router.post("/{workspace_id}/uploads", status_code=201)
def create_upload(
    workspace_id: str, body: UploadIn, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep
) -> dict[str, Any]:
    max_bytes = get_settings().max_upload_bytes
    return uploads.create_upload(store, artifacts, tenant_id, workspace_id, body.model_dump(), max_bytes)


@router.get("/{workspace_id}/datasets")
def list_datasets(
    workspace_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    page: PageDep,
) -> list[dict[str, Any]]:
    return page.answer(*uploads.list_datasets(store, tenant_id, workspace_id, page.limit, page.cursor))


@router.get("/{workspace_id}/datasets/{dataset_id}")
def get_dataset(
    workspace_id: str, dataset_id: str, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep
) -> dict[str, Any]:
    return uploads.get_dataset(store, artifacts, tenant_id, workspace_id, dataset_id)
