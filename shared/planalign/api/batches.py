"""Batch and comparison routes: run-all, batch lists, the scenario comparison and the config diff
under a workspace (the workspaces function), batch status and cancel under /api/batches (the runs
function)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from planalign.api.paging import PageDep
from planalign.api.results_models import ComparisonResponse
from planalign.api.run_headers import RunHeaders
from planalign.api.services import ArtifactsDep, StoreDep, WorkflowDep
from planalign.api.tenant import Tenant
from planalign.services import batches, comparison, config_diff

workspace_batches_router = APIRouter(prefix="/api/workspaces", tags=["batches"])
batches_router = APIRouter(prefix="/api/batches", tags=["batches"])

ScenarioIds = Annotated[
    str, Query(alias="scenarios", max_length=2048, description="comma-separated scenario ids")
]
ScenarioId = Annotated[str, Query(min_length=1, max_length=64)]


class BatchIn(BaseModel):
    """The Studio's BatchCreate. Runs always go in parallel here (one execution each), so `parallel`
    is recorded, not obeyed; every run writes both exports, whatever `export_format` says."""

    name: str | None = Field(default=None, max_length=200)
    scenario_ids: list[str] | None = Field(default=None, min_length=1, max_length=100)
    parallel: bool = False
    export_format: Literal["excel", "csv"] | None = None


@workspace_batches_router.post("/{workspace_id}/run-all", status_code=202)
def run_all(
    workspace_id: str, tenant_id: Tenant, store: StoreDep, workflow: WorkflowDep, body: BatchIn | None = None
) -> dict[str, Any]:
    return batches.run_all(store, workflow, tenant_id, workspace_id, (body or BatchIn()).model_dump())


@workspace_batches_router.get("/{workspace_id}/batches")
def list_batches(
    workspace_id: str, tenant_id: Tenant, store: StoreDep, page: PageDep
) -> list[dict[str, Any]]:
    return page.answer(*batches.list_batches(store, tenant_id, workspace_id, page.limit, page.cursor))


@workspace_batches_router.get("/{workspace_id}/comparison")
def compare_scenarios(
    workspace_id: str,
    scenario_ids: ScenarioIds,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    _: RunHeaders,
    baseline: str | None = None,
) -> ComparisonResponse:
    ids = [sid.strip() for sid in scenario_ids.split(",") if sid.strip()]
    answer = comparison.compare_scenarios(store, artifacts, tenant_id, workspace_id, ids, baseline)
    return ComparisonResponse.model_validate(answer)


@workspace_batches_router.get("/{workspace_id}/comparison/config-diff")
def compare_scenario_configs(
    workspace_id: str,
    scenario_a: ScenarioId,
    scenario_b: ScenarioId,
    tenant_id: Tenant,
    store: StoreDep,
    _: RunHeaders,
) -> dict[str, Any]:
    return config_diff.config_diff(store, tenant_id, workspace_id, scenario_a, scenario_b)


@batches_router.get("/{batch_id}/status")
def batch_status(batch_id: str, tenant_id: Tenant, store: StoreDep) -> dict[str, Any]:
    return batches.batch_view(store, tenant_id, batch_id)


@batches_router.post("/{batch_id}/cancel", status_code=202)
def cancel_batch(batch_id: str, tenant_id: Tenant, store: StoreDep, workflow: WorkflowDep) -> dict[str, Any]:
    return batches.cancel_batch(store, workflow, tenant_id, batch_id)
