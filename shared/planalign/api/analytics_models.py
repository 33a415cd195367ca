"""Response models of the Studio's analysis pages (studio/openapi.json): DC plan analytics and their
comparison, winners and losers, employee search and timeline. Definitions of the figures are in
domain/dc_plan_analytics.py, domain/winners_losers.py and domain/employee_timeline.py."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field


class ContributionYearSummary(BaseModel):
    """One simulated year of the population asked for (money summed to the cent, rates in percent)."""

    year: int
    total_employee_contributions: float
    total_employer_match: float
    total_employer_core: float
    total_all_contributions: float
    participant_count: int = Field(description="enrolled employees")
    total_eligible_count: int = Field(description="every row of the population, as the reference counts")
    average_deferral_rate: float = Field(description="of the enrolled, a fraction")
    participation_rate: float = Field(description="enrolled / rows, 0-100")
    total_employer_cost: float = Field(description="match + core")
    total_compensation: float = Field(description="prorated pay, what was earned in the year")
    employer_cost_rate: float
    employee_contribution_rate: float
    match_contribution_rate: float
    core_contribution_rate: float
    total_contribution_rate: float


class DeferralRateBucket(BaseModel):
    bucket: str
    count: int
    percentage: float


class DeferralDistributionYear(BaseModel):
    year: int
    distribution: list[DeferralRateBucket]


class ParticipationByMethod(BaseModel):
    """The final year's enrolled by how they enrolled: automatically, by choice, or at the census date."""

    auto_enrolled: int
    voluntary_enrolled: int
    census_enrolled: int


class EscalationMetrics(BaseModel):
    employees_with_escalations: int
    avg_escalation_count: float
    total_escalation_amount: float = Field(description="deferral rate added by escalations, summed")


class IRSLimitMetrics(BaseModel):
    employees_at_irs_limit: int
    irs_limit_rate: float


class DCPlanAnalytics(BaseModel):
    scenario_id: str
    scenario_name: str
    resolved_first_simulation_year: int
    total_eligible: int
    total_enrolled: int
    participation_rate: float
    participation_by_method: ParticipationByMethod
    contribution_by_year: list[ContributionYearSummary]
    total_employee_contributions: float
    total_employer_match: float
    total_employer_core: float
    total_all_contributions: float
    deferral_rate_distribution: list[DeferralRateBucket]
    deferral_distribution_by_year: list[DeferralDistributionYear]
    escalation_metrics: EscalationMetrics
    irs_limit_metrics: IRSLimitMetrics
    average_deferral_rate: float
    total_employer_cost: float
    total_compensation: float
    employer_cost_rate: float
    employee_contribution_rate: float
    match_contribution_rate: float
    core_contribution_rate: float
    total_contribution_rate: float


class DCPlanComparisonResponse(BaseModel):
    scenarios: list[str]
    scenario_names: dict[str, str]
    analytics: list[DCPlanAnalytics]


class BandGroupResult(BaseModel):
    band_label: str
    winners: int
    losers: int
    neutral: int
    total: int


class HeatmapCell(BaseModel):
    age_band: str
    tenure_band: str
    winners: int
    losers: int
    neutral: int
    total: int
    net_pct: float = Field(description="(winners - losers) / total * 100")


class WinnersLosersResponse(BaseModel):
    plan_a_scenario_id: str
    plan_b_scenario_id: str
    final_year: int
    total_compared: int = Field(description="active at the end of both plans' final years")
    total_excluded: int = Field(description="active at the end of only one")
    total_winners: int
    total_losers: int
    total_neutral: int
    age_band_results: list[BandGroupResult]
    tenure_band_results: list[BandGroupResult]
    heatmap: list[HeatmapCell]


class EmployeeSearchResult(BaseModel):
    employee_id: str
    employment_status: str | None = None
    level_id: int | None = None
    current_compensation: float | None = None
    simulation_year: int


class EmployeeSearchResponse(BaseModel):
    results: list[EmployeeSearchResult]
    total: int
    page: int
    page_size: int


class TimelineEvent(BaseModel):
    event_id: str
    source: Literal["yearly", "employer_match"]
    event_type: str
    simulation_year: int
    effective_date: date
    event_details: str | None = None
    compensation_amount: float | None = None
    previous_compensation: float | None = None
    deferral_rate: float | None = None
    prev_deferral_rate: float | None = None
    level_id: int | None = None


class YearState(BaseModel):
    simulation_year: int
    employment_status: str | None = None
    detailed_status_code: str | None = None
    current_compensation: float | None = None
    prorated_annual_compensation: float | None = None
    level_id: int | None = None
    current_age: int | None = None
    current_tenure: float | None = None
    eligibility_status: str | None = None
    is_enrolled: bool | None = None
    enrollment_date: date | None = None
    current_deferral_rate: float | None = None
    participation_status: str | None = None
    total_deferral_escalations: int | None = None
    ytd_contributions: float | None = None
    pre_tax_contributions: float | None = None
    roth_contributions: float | None = None
    employer_match_amount: float | None = None
    employer_core_amount: float | None = None
    total_employer_contributions: float | None = None
    irs_limit_reached: bool | None = None


class TimelineYear(BaseModel):
    simulation_year: int
    events: list[TimelineEvent] = Field(default_factory=list)
    state: YearState | None = None


class EmployeeIdentity(BaseModel):
    employee_id: str
    employee_ssn: str | None = None
    employee_birth_date: date | None = None
    employee_hire_date: date | None = None


class EmployeeTimelineResponse(BaseModel):
    workspace_id: str
    scenario_id: str
    employee_id: str
    employee: EmployeeIdentity | None
    available_years: list[int]
    years: list[TimelineYear]
    start_year: int
    years_requested: int
