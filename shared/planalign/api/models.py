"""Request bodies and the response shapes the Studio reads (its backend's models, plus our fields).
Config layers stay plain dicts here: the domain validates them and names the path of what is wrong.
Timestamps are ISO 8601 strings as the store keeps them."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

ScenarioId = Annotated[str, Field(min_length=1, max_length=64)]
# A workspace has at most this many scenarios to name in one list (a list is stored in one item).
AutoRun = Annotated[list[ScenarioId], Field(max_length=100)] | Literal["all"]
RunStatus = Literal["pending", "running", "completed", "failed", "cancelled"]
ScenarioStatus = Literal["not_run", "queued", "running", "completed", "failed", "cancelled"]

# ---------------------------------------------------------------- requests


class WorkspaceIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    base_config: dict[str, Any] | None = None
    auto_run_scenarios: AutoRun = Field(default_factory=list)


class WorkspaceUpdate(BaseModel):
    """Partial: a field that is absent is kept."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    base_config: dict[str, Any] | None = None
    auto_run_scenarios: AutoRun | None = None


class ScenarioIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    config_overrides: dict[str, Any] | None = None


class ScenarioUpdate(BaseModel):
    """Partial: a field that is absent is kept; `config_overrides`, when present, replaces."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    config_overrides: dict[str, Any] | None = None


class UploadIn(BaseModel):
    filename: str = Field(min_length=1, max_length=255)
    content_type: str | None = Field(default=None, max_length=200)
    run_scenarios: AutoRun | None = None
    # The workbook sheet holding the census (XLSX, XLS, ODS); default: the first with a census header.
    sheet: str | None = Field(default=None, min_length=1, max_length=100)


class RunIn(BaseModel):
    run_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    dataset_id: str | None = Field(default=None, max_length=64)
    # The Studio sends it; a run always starts from the census (there is nothing to resume).
    resume_from_checkpoint: bool = False


class FilePathIn(BaseModel):
    file_path: str = Field(min_length=1, max_length=1024)


# ---------------------------------------------------------------- answers


class Health(BaseModel):
    healthy: bool
    issues: list[str]
    warnings: list[str]
    version: str


class SystemStatus(BaseModel):
    system_ready: bool
    system_message: str
    timestamp: str
    active_simulations: int
    queued_simulations: int
    total_storage_mb: float
    storage_limit_mb: float
    storage_percent: float
    workspace_count: int
    scenario_count: int
    thread_count: int
    recommendations: list[str]
    version: str
    region: str
    stage: str


class Workspace(BaseModel):
    id: str
    name: str
    description: str | None
    created_at: str
    updated_at: str
    base_config: dict[str, Any]
    auto_run_scenarios: AutoRun
    scenario_count: int
    last_run_at: str | None
    latest_dataset_id: str | None
    storage_used_mb: float | None


class ResultsSummary(BaseModel):
    final_headcount: int
    total_growth_pct: float
    cagr: float
    participation_rate: float
    total_events: int


class Scenario(BaseModel):
    id: str
    workspace_id: str
    name: str
    description: str | None
    config_overrides: dict[str, Any]
    status: ScenarioStatus
    created_at: str
    last_run_at: str | None
    last_run_id: str | None
    results_summary: ResultsSummary | None


class Success(BaseModel):
    success: bool


class ResultsDeleted(Success):
    deleted: bool
    message: str


class SimulationRun(BaseModel):
    id: str
    scenario_id: str
    status: RunStatus
    progress: int
    current_stage: str | None
    current_year: int | None
    total_years: int | None
    started_at: str
    completed_at: str | None
    error_message: str | None


class StartedRun(SimulationRun):
    """The Studio's SimulationRun with our links to follow the run."""

    run_id: str
    status_url: str
    results_url: str
    websocket_url: str


class ActiveRun(BaseModel):
    run_id: str
    scenario_id: str
    status: str
    progress: int
    current_stage: str | None
    started_at: str


class ActiveRuns(BaseModel):
    active_runs: list[ActiveRun]


class ScenarioReset(Success):
    scenario_id: str
    previous_status: str
    new_status: str
    message: str


class RunSummary(BaseModel):
    id: str
    scenario_id: str
    status: RunStatus
    started_at: str
    completed_at: str | None
    duration_seconds: float | None
    start_year: int | None
    end_year: int | None
    total_events: int | None
    final_headcount: int | None
    artifact_count: int


class Artifact(BaseModel):
    name: str
    type: Literal["excel", "yaml", "duckdb", "json", "text", "other"]
    size_bytes: int
    path: str
    created_at: str | None


class RunDetails(BaseModel):
    id: str
    scenario_id: str
    scenario_name: str
    workspace_id: str
    workspace_name: str
    status: Literal["pending", "running", "completed", "failed", "cancelled", "not_run"]
    started_at: str | None
    completed_at: str | None
    duration_seconds: float | None
    start_year: int | None
    end_year: int | None
    total_years: int | None
    final_headcount: int | None
    total_events: int | None
    participation_rate: float | None
    config: dict[str, Any] | None
    artifacts: list[Artifact]
    error_message: str | None
    storage_path: str | None


class LogLine(BaseModel):
    sequence: int
    timestamp: str
    severity: Literal["INFO", "WARNING", "ERROR"]
    message: str


class LogPage(BaseModel):
    run_id: str
    lines: list[LogLine]
    total_lines: int
    page: int
    page_size: int
    has_more: bool
    is_running: bool
    log_available: bool


class ColumnRename(BaseModel):
    original: str
    canonical: str


class FileUpload(BaseModel):
    success: bool
    file_path: str
    file_name: str
    file_size_bytes: int
    row_count: int
    columns: list[str]
    upload_timestamp: str
    validation_warnings: list[str]
    structured_warnings: list[dict[str, Any]]
    data_quality_warnings: list[dict[str, Any]]
    column_renames: list[ColumnRename]
    original_filename: str | None


class FileValidation(BaseModel):
    valid: bool
    file_path: str
    exists: bool
    readable: bool
    file_size_bytes: int | None = None
    row_count: int | None = None
    columns: list[str] | None = None
    last_modified: str | None = None
    error_message: str | None = None
    validation_warnings: list[str]
    structured_warnings: list[dict[str, Any]]
    data_quality_warnings: list[dict[str, Any]]


class CensusPathSet(BaseModel):
    success: bool
    file_path: str
    row_count: int
