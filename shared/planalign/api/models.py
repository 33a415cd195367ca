"""Request bodies. Config layers stay plain dicts here: the domain validates them and names the path."""

from typing import Any, Literal

from pydantic import BaseModel, Field

AutoRun = list[str] | Literal["all"]


class WorkspaceIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    base_config: dict[str, Any] | None = None
    auto_run_scenarios: AutoRun = Field(default_factory=list)


class ScenarioIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
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
    dataset_id: str | None = None
