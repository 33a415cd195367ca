"""The Studio's ProvenanceReportEnvelope (GET /api/runs/{run_id}/provenance)."""

from typing import Any, Literal

from pydantic import BaseModel


class ProvenanceFinding(BaseModel):
    field_path: str
    code: str
    reason: str
    required: bool


class ProvenanceInputFingerprint(BaseModel):
    logical_name: str
    sha256: str
    size_bytes: int | None
    record_count: int | None
    format: str | None


class ProvenanceSeedFingerprint(BaseModel):
    logical_name: str
    sha256: str
    size_bytes: int


class ProvenanceEventCount(BaseModel):
    simulation_year: int
    event_type: str
    count: int


class ProvenanceReconciliation(BaseModel):
    simulation_year: int
    opening_workforce: int | None
    hires: int | None
    terminations: int | None
    expected_closing_workforce: int | None
    actual_closing_workforce: int | None
    variance: int | None
    opening_source: str | None


class ProvenanceValidationResult(BaseModel):
    simulation_year: int
    check_name: str
    severity: str
    passed: bool
    affected_record_count: int | None


class ProvenanceStageCompletion(BaseModel):
    simulation_year: int | None
    stage: str
    started_at: str | None
    completed_at: str | None
    duration_seconds: float | None
    outcome: str


class RunIdentity(BaseModel):
    run_id: str
    workspace_id: str | None
    scenario_id: str | None
    plan_design_id: str | None
    status: str
    intended_start_year: int | None
    intended_end_year: int | None
    completed_years: list[int]


class ExecutionTiming(BaseModel):
    started_at: str | None
    completed_at: str | None
    duration_seconds: float | None
    terminal_stage: str | None
    stage_completions: list[ProvenanceStageCompletion]


class Software(BaseModel):
    planalign_version: str | None
    git_commit_sha: str | None
    working_tree_state: Literal["clean", "dirty", "unavailable"]
    working_tree_fingerprint: str | None


class Configuration(BaseModel):
    effective: dict[str, Any] | None
    fingerprint: str | None
    fingerprint_method: str | None
    redactions: list[str]


class ReportEvidence(BaseModel):
    run: RunIdentity
    timing: ExecutionTiming
    software: Software
    configuration: Configuration
    random_seed: int | None
    census_input: ProvenanceInputFingerprint | None
    seed_files: list[ProvenanceSeedFingerprint]
    event_counts: list[ProvenanceEventCount]
    workforce_reconciliations: list[ProvenanceReconciliation]
    validation_results: list[ProvenanceValidationResult]
    validation_disposition: str


class ReportDigest(BaseModel):
    algorithm: Literal["SHA-256"]
    canonicalization: str
    value: str


class ReviewSignOff(BaseModel):
    report_digest: str
    reviewer_name: str | None
    decision: str | None
    timestamp: str | None
    comments: str | None


class ProvenanceReport(BaseModel):
    report_schema_version: str
    evidence: ReportEvidence
    missing_evidence: list[ProvenanceFinding]
    verification_disposition: Literal["fully_verified", "incomplete", "unverifiable"]
    digest: ReportDigest
    sign_off: ReviewSignOff


class ProvenanceReportEnvelope(BaseModel):
    report: ProvenanceReport
    audit_sheet: str
