"""Request bodies and answers of the Studio's census intake: the import wizard, its parquet files and
mapping templates, the census analyses, the bands and promotion hazards (its backend's models, as
`studio/openapi.json` documents them)."""

import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

ImportStatus = Literal["uploaded", "mapping_in_progress", "generating", "completed", "failed", "cancelled"]
InferredType = Literal["string", "integer", "decimal", "boolean", "date", "timestamp", "unknown"]
OutputType = Literal["string", "integer", "decimal", "boolean", "date", "timestamp"]
TransformType = Literal[
    "rename", "string_case", "date_parse", "null_replace", "null_drop", "calculated_field"
]

# ---------------------------------------------------------------- the import wizard


class DetectedColumn(BaseModel):
    name: str
    inferred_type: InferredType
    null_count: int = Field(default=0, ge=0)
    sample_values: list[str] = Field(default_factory=list)


class Transformation(BaseModel):
    transform_type: TransformType
    params: dict[str, Any] = Field(default_factory=dict)


class FieldMapping(BaseModel):
    mapping_id: str | None = None
    import_id: str = ""
    input_column: str = Field(max_length=255)
    output_column: str = Field(max_length=128)
    output_type: OutputType
    is_required: bool = False
    is_excluded: bool = False
    transformations: list[Transformation] = Field(default_factory=list, max_length=20)


class ImportSession(BaseModel):
    import_id: str
    correlation_id: str
    workspace_id: str
    original_filename: str
    source_format: Literal["csv", "xlsx"]
    sheet_name: str | None = None
    available_sheets: list[str] = Field(default_factory=list)
    row_count: int
    column_count: int
    detected_columns: list[DetectedColumn]
    preview_rows: list[dict[str, Any]]
    status: ImportStatus
    created_at: str
    created_by: str
    mapping_saved_at: str | None = None
    parquet_file_id: str | None = None
    error_message: str | None = None
    # The generated census's import report: its rejected rows ({row, column, value, reason}).
    error_rows: list[dict[str, Any]] = Field(default_factory=list)
    encoding_warnings: list[str] = Field(default_factory=list)
    encoding_used: str = "utf-8"


class SheetSelect(BaseModel):
    sheet_name: str = Field(min_length=1, max_length=255)


class MappingSave(BaseModel):
    field_mappings: list[FieldMapping] = Field(max_length=1000)


class MappingValidationError(BaseModel):
    field: str
    input_column: str
    message: str


class MappingSaved(BaseModel):
    import_id: str
    status: ImportStatus
    mapping_saved_at: str
    validation_errors: list[MappingValidationError] = Field(default_factory=list)
    output_column_count: int


class Preview(BaseModel):
    import_id: str
    columns: list[str]
    rows: list[dict[str, Any]]
    total_row_count: int
    preview_row_count: int


class TransformationWarning(BaseModel):
    input_column: str
    rows_affected: int
    message: str


class MappedPreview(Preview):
    transformation_warnings: list[TransformationWarning] = Field(default_factory=list)


class FormatDetection(BaseModel):
    detected_format: str | None = None
    parsed_sample_values: list[str] = Field(default_factory=list)
    is_ambiguous: bool = False
    format_options: list[str] | None = None


class ColumnSuggestion(BaseModel):
    input_column: str
    suggested_canonical_field: str | None = None
    confidence: Literal["high", "medium", "low"] = "low"
    confidence_score: float = 0.0
    reason: Literal["name_match", "alias_match", "value_pattern", "prior_mapping", "no_match"] = "no_match"
    format_detection: FormatDetection | None = None


class DataQuality(BaseModel):
    duplicate_employee_id_count: int = 0
    null_required_field_counts: dict[str, int] = Field(default_factory=dict)
    compensation_outlier_count: int = 0


class Suggestions(BaseModel):
    import_id: str
    suggestions: list[ColumnSuggestion]
    data_quality: DataQuality
    canonical_schema: list[dict[str, Any]] = Field(default_factory=list)


class Generated(BaseModel):
    import_id: str
    correlation_id: str
    status: ImportStatus
    started_at: str
    storage_path: str | None = None
    census_path_set: bool = False


class ParquetColumn(BaseModel):
    name: str
    type: OutputType


class ParquetFile(BaseModel):
    file_id: str
    workspace_id: str
    import_id: str
    filename: str
    storage_path: str
    original_filename: str
    row_count: int = Field(ge=0)
    file_size_bytes: int = Field(ge=0)
    schema_: list[ParquetColumn] = Field(default_factory=list, alias="schema", serialization_alias="schema")
    created_at: str
    created_by: str

    model_config = {"populate_by_name": True}


class ParquetFiles(BaseModel):
    parquet_files: list[ParquetFile]
    total_count: int


class MappingTemplateSummary(BaseModel):
    template_id: str
    name: str
    description: str | None = None
    field_count: int
    created_at: str
    created_by: str


class MappingTemplates(BaseModel):
    templates: list[MappingTemplateSummary]


class MappingTemplateIn(BaseModel):
    import_id: str
    name: str = Field(min_length=1, max_length=128)
    description: str | None = Field(default=None, max_length=512)


class MappingTemplateSaved(BaseModel):
    template_id: str
    name: str
    created_at: str


class TemplateApply(BaseModel):
    template_id: str


# ---------------------------------------------------------------- census analyses


class CensusFileIn(BaseModel):
    file_path: str = Field(min_length=1, max_length=1024)
    as_of_date: datetime.date | None = None


class CompensationAnalysisIn(BaseModel):
    file_path: str = Field(min_length=1, max_length=1024)
    lookback_years: int = Field(default=4, ge=0, le=20)


class OptOutAnalysisIn(BaseModel):
    file_path: str = Field(min_length=1, max_length=1024)
    lookback_years: int = Field(default=3, ge=1, le=50)


class PartTime(BaseModel):
    column_present: bool
    headcount: int
    part_time_count: int
    part_time_pct: float


class SolverIn(BaseModel):
    file_path: str | None = Field(default=None, max_length=1024)
    target_growth_rate: float = Field(ge=-0.10, le=0.20)
    promotion_increase: float | None = Field(default=None, ge=0.0, le=0.50)
    cola_to_merit_ratio: float | None = Field(default=None, ge=0.1, le=2.0)
    turnover_rate: float | None = Field(default=None, ge=0.0, le=0.50)
    workforce_growth_rate: float | None = Field(default=None, ge=-0.20, le=0.50)
    new_hire_comp_ratio: float | None = Field(default=None, ge=0.50, le=1.50)


class LevelDistribution(BaseModel):
    level: int
    name: str
    headcount: int
    percentage: float
    avg_compensation: float
    promotion_rate: float


class Solved(BaseModel):
    target_growth_rate: float
    cola_rate: float
    merit_budget: float
    promotion_increase: float
    promotion_budget: float
    achieved_growth_rate: float
    growth_gap: float
    cola_contribution: float
    merit_contribution: float
    promo_contribution: float
    turnover_contribution: float = 0.0
    total_headcount: int
    avg_compensation: float
    weighted_promotion_rate: float
    turnover_rate: float = 0.0
    workforce_growth_rate: float = 0.0
    new_hire_comp_ratio: float = 0.0
    recommended_new_hire_ratio: float = 0.0
    recommended_scale_factor: float = 0.0
    level_distribution: list[LevelDistribution] | None = None
    warnings: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------- bands and promotion hazards


class Band(BaseModel):
    band_id: int = Field(ge=1)
    band_label: str = Field(max_length=50)
    min_value: int = Field(ge=0)
    max_value: int = Field(gt=0)
    display_order: int = Field(ge=1)

    @field_validator("max_value")
    @classmethod
    def above_min(cls, value: int, info: ValidationInfo) -> int:
        if "min_value" in info.data and value <= info.data["min_value"]:
            raise ValueError("max_value must be greater than min_value")
        return value


class BandConfig(BaseModel):
    age_bands: list[Band]
    tenure_bands: list[Band]


class BandAnalysisIn(BaseModel):
    file_path: str = Field(min_length=1, max_length=1024)
    as_of_date: datetime.date | None = None


class DistributionStats(BaseModel):
    total_employees: int
    min_value: int
    max_value: int
    median_value: float
    mean_value: float
    percentiles: dict[int, float] = Field(default_factory=dict)


class BandAnalysis(BaseModel):
    suggested_bands: list[Band]
    distribution_stats: DistributionStats
    analysis_type: str
    source_file: str
    as_of_date: datetime.date
    as_of_date_source: Literal["inferred", "provided"]
    fallback_notice: str | None = None


class TurnoverRate(BaseModel):
    rate: float
    sample_size: int
    terminated_count: int
    confidence: str


class TurnoverAnalysis(BaseModel):
    experienced_rate: TurnoverRate | None = None
    new_hire_rate: TurnoverRate | None = None
    total_employees: int
    total_terminated: int
    analysis_type: str
    source_file: str
    message: str | None = None
    as_of_date: datetime.date
    as_of_date_source: Literal["inferred", "provided"]


class OptOutAnalysis(BaseModel):
    suggested_rate: float | None = None
    eligible_count: int
    non_participant_count: int
    total_eligible_in_census: int
    excluded_null_tenure: int
    lookback_years: int
    hire_date_column_used: str
    analysis_type: str
    source_file: str
    message: str | None = None


class PromotionHazardBase(BaseModel):
    base_rate: float = Field(ge=0, le=1)
    level_dampener_factor: float = Field(ge=0, le=1)


class AgeMultiplier(BaseModel):
    age_band: str
    multiplier: float = Field(ge=0)


class TenureMultiplier(BaseModel):
    tenure_band: str
    multiplier: float = Field(ge=0)


class PromotionHazardConfig(BaseModel):
    base: PromotionHazardBase
    age_multipliers: list[AgeMultiplier]
    tenure_multipliers: list[TenureMultiplier]
