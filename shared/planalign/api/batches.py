"""Batch and comparison routes: run-all, batch lists and scenario comparison under a workspace (the
workspaces function), batch status and cancel under /api/batches (the runs function)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from planalign.api.paging import PageDep
from planalign.api.services import ArtifactsDep, StoreDep, WorkflowDep
from planalign.api.tenant import Tenant
from planalign.services import batches, comparison

workspace_batches_router = APIRouter(prefix="/api/workspaces", tags=["batches"])
batches_router = APIRouter(prefix="/api/batches", tags=["batches"])

ScenarioIds = Annotated[
    str, Query(alias="scenarios", max_length=2048, description="comma-separated scenario ids")
]


class BatchIn(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    scenario_ids: list[str] | None = Field(default=None, min_length=1)


@workspace_batches_router.post("/{workspace_id}/run-all", status_code=202)
def run_all(
    workspace_id: str, tenant_id: Tenant, store: StoreDep, workflow: WorkflowDep, body: BatchIn | None = None
) -> dict[str, Any]:
    return batches.run_all(store, workflow, tenant_id, workspace_id, (body or BatchIn()).model_dump())


@workspace_batches_router.get("/{workspace_id}/batches")
def list_batches(
    workspace_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    page: PageDep,
) -> list[dict[str, Any]]:
    return page.answer(*batches.list_batches(store, tenant_id, workspace_id, page.limit, page.cursor))


@workspace_batches_router.get("/{workspace_id}/comparison")
def compare_scenarios(
    workspace_id: str,
    scenario_ids: ScenarioIds,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    baseline: str | None = None,
) -> dict[str, Any]:
    ids = [sid.strip() for sid in scenario_ids.split(",") if sid.strip()]
    return comparison.compare_scenarios(store, artifacts, tenant_id, workspace_id, ids, baseline)


@batches_router.get("/{batch_id}/status")
def batch_status(batch_id: str, tenant_id: Tenant, store: StoreDep) -> dict[str, Any]:
    return batches.batch_view(store, tenant_id, batch_id)


@batches_router.post("/{batch_id}/cancel", status_code=202)
def cancel_batch(batch_id: str, tenant_id: Tenant, store: StoreDep, workflow: WorkflowDep) -> dict[str, Any]:
    return batches.cancel_batch(store, workflow, tenant_id, batch_id)
