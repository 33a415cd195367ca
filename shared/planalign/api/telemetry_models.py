"""Response models of a run's live telemetry (`GET /api/scenarios/{id}/run/telemetry`, and the `data` of
the WebSocket's snapshot, update and milestone messages): the Studio's RunTelemetryResponse,
RunTelemetrySnapshot and their parts (studio/openapi.json). services/telemetry.py builds them."""

from typing import Any, Literal

from pydantic import BaseModel, Field

from planalign.api.models import RunStatus


class PerformanceMetrics(BaseModel):
    memory_mb: float = Field(description="the stage process's resident memory when it last reported")
    memory_pressure: Literal["low", "moderate", "high", "critical"]
    elapsed_seconds: float = Field(description="from the run's start to its last update")
    events_generated: int
    events_per_second: float = Field(description="the simulation's rate of events")


class TelemetryMilestone(BaseModel):
    """An entry of the Studio's activity feed: one history event of the run."""

    sequence: int = Field(ge=1, description="the history event's seq: monotonic per run")
    timestamp: str
    kind: Literal[
        "run_started", "stage_started", "stage_completed", "year_completed", "warning", "error", "terminal"
    ]
    severity: Literal["info", "warning", "error"] = "info"
    year: int | None = None
    stage: str | None = Field(default=None, description="in the Studio's names (FOUNDATION, ...)")
    message: str
    detail: dict[str, Any] | None = Field(
        default=None, description="e.g. a year's event_counts by type and duration_seconds"
    )


class EventTypeCounts(BaseModel):
    """The events of every simulated year so far, exact at year ends."""

    by_type: dict[str, int] = Field(default_factory=dict)
    by_year: dict[str, dict[str, int]] = Field(default_factory=dict)
    total: int = Field(default=0, ge=0)
    as_of_year: int | None = Field(default=None, description="the last year counted")


class PerformanceSample(BaseModel):
    """A point of the Studio's performance trend chart: one per progress report."""

    timestamp: str
    elapsed_seconds: float = Field(default=0.0, ge=0)
    events_per_second: float = Field(default=0.0, ge=0)
    memory_mb: float = Field(default=0.0, ge=0)


class RunTelemetrySnapshot(BaseModel):
    """The whole live state of a run: the WebSocket's `snapshot` and the polling route's telemetry."""

    run_id: str
    scenario_id: str = ""
    status: RunStatus = "running"
    progress: int = Field(default=0, ge=0, le=100)
    current_stage: str = "INITIALIZATION"
    current_year: int = 0
    total_years: int = 0
    start_year: int = 0
    performance_metrics: PerformanceMetrics
    event_counts: EventTypeCounts = Field(default_factory=EventTypeCounts)
    milestones: list[TelemetryMilestone] = Field(default_factory=list)
    performance_samples: list[PerformanceSample] = Field(default_factory=list)
    last_update_at: str


class TelemetryRun(BaseModel):
    run_id: str | None
    status: RunStatus | Literal["not_run"]
    error_message: str | None


class RunTelemetryResponse(BaseModel):
    run: TelemetryRun
    telemetry: RunTelemetrySnapshot | None = None
