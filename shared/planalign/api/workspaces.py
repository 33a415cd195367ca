"""Workspace routes, census uploads (our presigned form and the Studio's plain upload), datasets."""

from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile

from planalign.api.models import (
    CensusPathSet,
    FilePathIn,
    FileUpload,
    FileValidation,
    Success,
    UploadIn,
    Workspace,
    WorkspaceIn,
    WorkspaceUpdate,
)
from planalign.api.paging import PageDep
from planalign.api.services import ArtifactsDep, StoreDep, WorkflowDep
from planalign.api.tenant import Tenant
from planalign.services import census_files, uploads, workspaces
from planalign.settings import get_settings

router = APIRouter(prefix="/api/workspaces", tags=["workspaces"])
# How long the plain upload waits for its import before answering (API Gateway allows 30 s).
UPLOAD_WAIT_SECONDS = 20.0


@router.get("")
def list_workspaces(tenant_id: Tenant, store: StoreDep, page: PageDep) -> list[Workspace]:
    items = page.answer(*workspaces.list_workspaces(store, tenant_id, page.limit, page.cursor))
    return [Workspace(**item) for item in items]


@router.post("", status_code=201)
def create_workspace(body: WorkspaceIn, tenant_id: Tenant, store: StoreDep) -> Workspace:
    return Workspace(**workspaces.create_workspace(store, tenant_id, body.model_dump()))


@router.get("/{workspace_id}")
def get_workspace(workspace_id: str, tenant_id: Tenant, store: StoreDep) -> Workspace:
    return Workspace(**workspaces.get_workspace(store, tenant_id, workspace_id))


@router.put("/{workspace_id}")
def update_workspace(
    workspace_id: str, body: WorkspaceUpdate, tenant_id: Tenant, store: StoreDep
) -> Workspace:
    changes = body.model_dump(exclude_unset=True)
    return Workspace(**workspaces.update_workspace(store, tenant_id, workspace_id, changes))


@router.delete("/{workspace_id}")
def delete_workspace(
    workspace_id: str, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep, workflow: WorkflowDep
) -> Success:
    workspaces.delete_workspace(store, artifacts, workflow, tenant_id, workspace_id)
    return Success(success=True)


@router.post("/{workspace_id}/uploads", status_code=201)
def create_upload(
    workspace_id: str, body: UploadIn, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep
) -> dict[str, Any]:
    max_bytes = get_settings().max_upload_bytes
    return uploads.create_upload(store, artifacts, tenant_id, workspace_id, body.model_dump(), max_bytes)


@router.post("/{workspace_id}/upload", status_code=201)
def upload_census_file(
    workspace_id: str,
    file: Annotated[UploadFile, File(description="the census (CSV, XLSX, XLS, ODS or Parquet)")],
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
) -> FileUpload:
    """The Studio's upload: the file is imported as a dataset and becomes the workspace's census."""
    limit = get_settings().max_request_bytes
    content = file.file.read(limit + 1)
    answer = census_files.upload_census(
        store,
        artifacts,
        tenant_id,
        workspace_id,
        file.filename or "",
        content,
        max_bytes=limit,
        wait_seconds=UPLOAD_WAIT_SECONDS,
    )
    return FileUpload(**answer)


@router.post("/{workspace_id}/validate-path")
def validate_path(
    workspace_id: str, body: FilePathIn, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep
) -> FileValidation:
    return FileValidation(
        **census_files.validate_path(store, artifacts, tenant_id, workspace_id, body.file_path)
    )


@router.post("/{workspace_id}/set-census-path")
def set_census_path(workspace_id: str, body: FilePathIn, tenant_id: Tenant, store: StoreDep) -> CensusPathSet:
    return CensusPathSet(**census_files.set_census_path(store, tenant_id, workspace_id, body.file_path))


@router.get("/{workspace_id}/datasets")
def list_datasets(
    workspace_id: str, tenant_id: Tenant, store: StoreDep, page: PageDep
) -> list[dict[str, Any]]:
    return page.answer(*uploads.list_datasets(store, tenant_id, workspace_id, page.limit, page.cursor))


@router.get("/{workspace_id}/datasets/{dataset_id}")
def get_dataset(
    workspace_id: str, dataset_id: str, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep
) -> dict[str, Any]:
    return uploads.get_dataset(store, artifacts, tenant_id, workspace_id, dataset_id)
