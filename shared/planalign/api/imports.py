"""The Studio's import wizard (`planalign_api/routers/imports.py`): upload, sheet, mapping, previews,
suggestions, status, generate; the generated census files; mapping templates. The Studio calls these
with a plain `fetch` (no token): see the README on where that works."""

from typing import Annotated

from fastapi import APIRouter, File, Header, HTTPException, UploadFile
from fastapi.responses import RedirectResponse

from planalign.api.census_models import (
    Generated,
    ImportSession,
    MappedPreview,
    MappingSave,
    MappingSaved,
    MappingTemplateIn,
    MappingTemplates,
    MappingTemplateSaved,
    ParquetFiles,
    Preview,
    SheetSelect,
    Suggestions,
    TemplateApply,
)
from planalign.api.services import ArtifactsDep, StoreDep
from planalign.api.tenant import Tenant
from planalign.services import import_wizard
from planalign.settings import get_settings

router = APIRouter(prefix="/api/workspaces/{workspace_id}", tags=["imports"])
# How long "generate" waits for its census's import before answering `generating` (API Gateway
# allows 30 s); the Studio polls the session's status until it ends.
GENERATE_WAIT_SECONDS = 20.0
User = Annotated[str, Header(alias="X-User-Id")]


@router.post("/imports/upload", status_code=201)
def upload_file(
    workspace_id: str,
    file: Annotated[UploadFile, File(description="the census (CSV, XLSX, XLS, ODS or Parquet)")],
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    x_user_id: User = import_wizard.DEFAULT_USER,
) -> ImportSession:
    limit = get_settings().max_request_bytes
    session = import_wizard.start_import(
        store,
        artifacts,
        tenant_id,
        workspace_id,
        file.filename or "",
        file.file.read(limit + 1),
        max_bytes=limit,
        user=x_user_id,
    )
    return ImportSession(**session)


@router.patch("/imports/{import_id}/sheet")
def select_sheet(
    workspace_id: str,
    import_id: str,
    body: SheetSelect,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
) -> ImportSession:
    session = import_wizard.select_sheet(
        store, artifacts, tenant_id, workspace_id, import_id, body.sheet_name
    )
    return ImportSession(**session)


@router.put("/imports/{import_id}/mapping")
def save_mapping(
    workspace_id: str, import_id: str, body: MappingSave, tenant_id: Tenant, store: StoreDep
) -> MappingSaved:
    """A mapping with errors answers 200 with them (the Studio shows them inline) and is not saved."""
    session = import_wizard.get_session(store, tenant_id, workspace_id, import_id)
    mappings = [mapping.model_dump() for mapping in body.field_mappings]
    return MappingSaved(**import_wizard.save_mapping(store, session, mappings))


@router.get("/imports/{import_id}/preview")
def get_preview(
    workspace_id: str, import_id: str, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep
) -> Preview:
    session = import_wizard.get_session(store, tenant_id, workspace_id, import_id)
    return Preview(**import_wizard.raw_preview(artifacts, session))


@router.get("/imports/{import_id}/suggestions")
def get_suggestions(
    workspace_id: str, import_id: str, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep
) -> Suggestions:
    session = import_wizard.get_session(store, tenant_id, workspace_id, import_id)
    return Suggestions(**import_wizard.suggestions(store, artifacts, session))


@router.get("/imports/{import_id}/mapped-preview")
def get_mapped_preview(
    workspace_id: str, import_id: str, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep
) -> MappedPreview:
    session = import_wizard.get_session(store, tenant_id, workspace_id, import_id)
    return MappedPreview(**import_wizard.mapped_preview(artifacts, session))


@router.get("/imports/{import_id}")
def get_import_status(
    workspace_id: str, import_id: str, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep
) -> ImportSession:
    return ImportSession(**import_wizard.session_status(store, artifacts, tenant_id, workspace_id, import_id))


@router.post("/imports/{import_id}/generate", status_code=202)
def generate(
    workspace_id: str,
    import_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    x_user_id: User = import_wizard.DEFAULT_USER,
) -> Generated:
    """The mapped census becomes a dataset through the import stage, and the workspace's census."""
    session = import_wizard.get_session(store, tenant_id, workspace_id, import_id)
    answer = import_wizard.generate(
        store, artifacts, session, user=x_user_id, wait_seconds=GENERATE_WAIT_SECONDS
    )
    return Generated(**answer)


@router.post("/imports/{import_id}/apply-template")
def apply_template(
    workspace_id: str, import_id: str, body: TemplateApply, tenant_id: Tenant, store: StoreDep
) -> MappingSaved:
    session = import_wizard.get_session(store, tenant_id, workspace_id, import_id)
    return MappingSaved(**import_wizard.apply_mapping_template(store, session, body.template_id))


@router.get("/parquet-files")
def list_parquet_files(workspace_id: str, tenant_id: Tenant, store: StoreDep) -> ParquetFiles:
    return ParquetFiles(**import_wizard.list_parquet_files(store, tenant_id, workspace_id))


@router.get("/parquet-files/{file_id}/download", status_code=307)
def download_parquet_file(
    workspace_id: str, file_id: str, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep
) -> RedirectResponse:
    """307 to a short-lived link to the census as Parquet (a link the browser opens without a token)."""
    url = import_wizard.parquet_download_url(store, artifacts, tenant_id, workspace_id, file_id)
    return RedirectResponse(url, status_code=307)


@router.delete("/parquet-files/{file_id}", status_code=204)
def delete_parquet_file(
    workspace_id: str,
    file_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    x_user_id: User = import_wizard.DEFAULT_USER,
) -> None:
    try:
        import_wizard.delete_parquet_file(store, tenant_id, workspace_id, file_id, user=x_user_id)
    except PermissionError as error:
        raise HTTPException(status_code=403, detail=str(error)) from error


@router.get("/mapping-templates")
def list_mapping_templates(workspace_id: str, tenant_id: Tenant, store: StoreDep) -> MappingTemplates:
    return MappingTemplates(**import_wizard.list_mapping_templates(store, tenant_id, workspace_id))


@router.post("/mapping-templates", status_code=201)
def save_mapping_template(
    workspace_id: str,
    body: MappingTemplateIn,
    tenant_id: Tenant,
    store: StoreDep,
    x_user_id: User = import_wizard.DEFAULT_USER,
) -> MappingTemplateSaved:
    session = import_wizard.get_session(store, tenant_id, workspace_id, body.import_id)
    saved = import_wizard.save_mapping_template(store, session, body.name, body.description, user=x_user_id)
    return MappingTemplateSaved(**saved)
