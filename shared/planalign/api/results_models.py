"""Response models of a run's results (`GET /api/scenarios/{id}/results`, `GET /api/runs/{id}/results`)
and of the scenario comparison (`GET /api/workspaces/{id}/comparison`): the Studio's SimulationResults
and ComparisonResponse (studio/openapi.json), with their free-form rows typed, plus our extras. No
NumPy: the API functions use them."""

from typing import Any

from pydantic import BaseModel, Field


class WorkforceProgressionRow(BaseModel):
    """One year of a population: its rows of the year's snapshot and their prorated pay."""

    simulation_year: int
    headcount: int
    avg_compensation: float
    total_compensation: float


class CompensationByStatus(BaseModel):
    """One year and year-end status (continuous_active, new_hire_active, experienced_termination,
    new_hire_termination) of a population that has employees in it."""

    simulation_year: int
    employment_status: str
    employee_count: int
    avg_compensation: float


class CagrMetric(BaseModel):
    """A row of the Studio's CAGR table (Total Headcount, Total Compensation, Average Compensation)."""

    metric: str
    # A headcount stays an integer, money is a float.
    start_value: int | float
    end_value: int | float
    years: int = Field(description="end_year - start_year; 0 has no CAGR")
    cagr_pct: float


class WorkforceYear(BaseModel):
    """Ours: one year of the year-end actives (the rows of metrics.csv and the ensemble's bands)."""

    simulation_year: int
    headcount: int
    hires: int
    experienced_terminations: int
    new_hire_terminations: int
    growth_pct: float = Field(description="percent, from the previous year end (the first year: Jan 1)")
    avg_compensation: float
    total_compensation: float


class DCPlanYear(BaseModel):
    """Ours: one year of the plan; participation_rate and employer_cost_rate in percent 0-100."""

    simulation_year: int
    eligible_count: int
    participant_count: int
    participation_rate: float
    avg_deferral_rate: float = Field(description="a fraction, 0.06 for 6 %")
    total_employee_contributions: float
    total_employer_match: float
    total_employer_core: float
    total_employer_cost: float
    employer_cost_rate: float


class QualityCheck(BaseModel):
    name: str
    passed: bool
    detail: str
    failed_by_year: dict[str, int] | None = None  # failing rows (years, for the headcount) by year


class Quality(BaseModel):
    """Ours: the invariants checked on the run's output."""

    passed: bool
    checks: list[QualityCheck]


class Band(BaseModel):
    p5: float
    p50: float
    p95: float


class SimulationResults(BaseModel):
    """The Studio's SimulationResults for one population (`?population=all|active|terminated`), plus
    our extras."""

    scenario_id: str
    run_id: str
    start_year: int
    end_year: int
    final_headcount: int
    total_growth_pct: float = Field(description="percent, first simulated year to the last")
    cagr: float = Field(description="percent a year over end_year - start_year years")
    participation_rate: float = Field(description="a fraction 0-1: final-year participants / eligible")
    workforce_progression: list[WorkforceProgressionRow]
    event_trends: dict[str, list[int]] = Field(description="{event_type: [count per year, in year order]}")
    growth_analysis: dict[str, float]
    compensation_by_status: list[CompensationByStatus] = Field(default_factory=list)
    cagr_metrics: list[CagrMetric] = Field(default_factory=list)
    final_employer_cost: float
    total_events: int
    workforce: list[WorkforceYear]
    dc_plan: list[DCPlanYear]
    quality: Quality
    bands: dict[str, dict[str, Band]] | None = Field(
        default=None, description="an ensemble's {metric: {simulation_year: {p5, p50, p95}}}"
    )
    cost: dict[str, Any] | None = Field(
        default=None,
        description="what the run cost in AWS: an estimate by priced line, with what it leaves out",
    )


class WorkforceMetrics(BaseModel):
    """A scenario's workforce in one year, or its difference from the baseline's."""

    headcount: int = Field(description="everyone employed in the year")
    active: int = Field(description="employed at year end")
    terminated: int = Field(description="left during the year")
    new_hires: int
    growth_pct: float = Field(description="of the actives, percent")
    avg_compensation: float = Field(default=0.0, description="average prorated pay of the actives")


class WorkforceComparisonYear(BaseModel):
    year: int
    values: dict[str, WorkforceMetrics]
    deltas: dict[str, WorkforceMetrics]


class EventComparisonMetric(BaseModel):
    """One event count (hires, terminations, promotions, raises) in one year across the scenarios."""

    metric: str
    year: int
    baseline: int
    scenarios: dict[str, int]
    deltas: dict[str, int]
    delta_pcts: dict[str, float | None] = Field(description="null where the baseline is 0")


class DCPlanMetrics(BaseModel):
    """A scenario's plan in one year, or its difference from the baseline's; rates in percent 0-100."""

    participation_rate: float = 0.0
    avg_deferral_rate: float = 0.0
    total_employee_contributions: float = 0.0
    total_employer_match: float = 0.0
    total_employer_core: float = 0.0
    total_employer_cost: float = 0.0
    employer_cost_rate: float = 0.0
    participant_count: int = 0
    eligible_count: int = 0


class DCPlanComparisonYear(BaseModel):
    year: int
    values: dict[str, DCPlanMetrics]
    deltas: dict[str, DCPlanMetrics]


class DeltaValue(BaseModel):
    """One summary figure across the scenarios and its differences from the baseline's."""

    baseline: float
    scenarios: dict[str, float]
    deltas: dict[str, float]
    delta_pcts: dict[str, float | None] = Field(description="null where the baseline is 0")


class ComparisonResponse(BaseModel):
    """The Studio's ComparisonResponse. summary_deltas: final_headcount, total_growth_pct,
    final_participation_rate (percent) and final_employer_cost."""

    scenarios: list[str]
    scenario_names: dict[str, str]
    baseline_scenario: str
    workforce_comparison: list[WorkforceComparisonYear]
    event_comparison: list[EventComparisonMetric]
    dc_plan_comparison: list[DCPlanComparisonYear] = Field(default_factory=list)
    summary_deltas: dict[str, DeltaValue]
    run_costs: dict[str, float | None] = Field(
        default_factory=dict,
        description="ours: what each scenario's compared run cost in AWS, USD (an estimate; null: not recorded)",
    )
