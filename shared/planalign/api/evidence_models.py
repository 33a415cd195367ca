"""The Studio's EvidencePackEnvelope (GET /api/workspaces/{id}/scenarios/{id}/evidence-pack)."""

from typing import Literal

from pydantic import BaseModel

EvidenceMetric = Literal[
    "active_headcount",
    "total_compensation",
    "employer_match_cost",
    "total_employer_plan_cost",
    "participation_rate",
    "avg_deferral_rate",
]
Disposition = Literal["fully_verified", "incomplete", "unverifiable"]


class EvidenceCitation(BaseModel):
    result_store: str
    query_id: Literal["Q1"]
    query: str
    result_column: str


class EvidenceFigure(BaseModel):
    value: str | None
    unit: Literal["count", "currency", "rate", "percent_of_change"]
    status: Literal["defined", "undefined", "suppressed"]
    reason: str | None
    citation: EvidenceCitation


class DriverPopulation(BaseModel):
    label: str
    count: EvidenceFigure


class EvidenceDriver(BaseModel):
    id: str
    label: str
    description: str
    contribution: EvidenceFigure
    share_of_change: EvidenceFigure
    population: DriverPopulation
    base_rate: EvidenceFigure | None
    target_rate: EvidenceFigure | None


class PackProvenance(BaseModel):
    workspace_id: str | None
    scenario_id: str
    scenario_name: str | None
    run_id: str
    run_timestamp: str | None
    random_seed: int | None
    config_fingerprint: str | None
    result_store: str
    verification_disposition: Disposition


class MetricChange(BaseModel):
    metric: EvidenceMetric
    label: str
    base_year: int
    target_year: int
    base_value: EvidenceFigure
    target_value: EvidenceFigure
    total_change: EvidenceFigure
    base_population: EvidenceFigure
    target_population: EvidenceFigure
    shares_suppressed_reason: str | None


class Residual(BaseModel):
    contribution: EvidenceFigure
    share_of_change: EvidenceFigure
    material: bool
    largest_contribution: bool


class PackWarning(BaseModel):
    code: str
    severity: Literal["info", "caution", "critical"]
    message: str


class EvidencePack(BaseModel):
    schema_version: Literal["1.0"]
    provenance: PackProvenance
    change: MetricChange
    drivers: list[EvidenceDriver]
    residual: Residual
    warnings: list[PackWarning]
    executive_summary: list[str]
    population_note: str


class EvidencePackEnvelope(BaseModel):
    pack: EvidencePack
    text_export: str
    filename: str
