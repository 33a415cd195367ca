"""Response and request models of the Studio's Vesting page and forfeiture projection
(studio/openapi.json: VestingScheduleListResponse, VestingAnalysisResponse, ScenarioYearsResponse,
ForfeitureProjectionResponse). Money is dollars to the cent, fractions 0-1; the figures are defined in
domain/vesting.py."""

from datetime import date

from pydantic import BaseModel, Field

from planalign.domain.vesting_schedules import DEFAULT_HOURS_THRESHOLD, ForfeiturePolicy, ScheduleType


class VestingScheduleInfo(BaseModel):
    schedule_type: ScheduleType
    name: str
    description: str
    percentages: dict[int, float] = Field(description="completed years of service -> vested fraction")


class VestingScheduleListResponse(BaseModel):
    schedules: list[VestingScheduleInfo]


class VestingScheduleConfig(BaseModel):
    """A schedule, and whether a leaving year short of hours_threshold hours counts (IRC 411(a)(5))."""

    schedule_type: ScheduleType
    name: str = Field(min_length=1, max_length=50)
    require_hours_credit: bool = False
    hours_threshold: int = Field(default=DEFAULT_HOURS_THRESHOLD, ge=0, le=2080)


class VestingAnalysisRequest(BaseModel):
    current_schedule: VestingScheduleConfig
    proposed_schedule: VestingScheduleConfig
    simulation_year: int | None = Field(default=None, ge=2020, le=2050, description="default: the final year")


class EmployeeVestingDetail(BaseModel):
    employee_id: str
    hire_date: date
    termination_date: date
    tenure_years: int = Field(ge=0)
    tenure_band: str
    annual_hours_worked: int = Field(ge=0)
    total_employer_contributions: float = Field(description="match + core of the earlier simulated years")
    current_vesting_pct: float
    current_vested_amount: float
    current_forfeiture: float
    proposed_vesting_pct: float
    proposed_vested_amount: float
    proposed_forfeiture: float
    forfeiture_variance: float = Field(description="proposed - current forfeiture")


class TenureBandSummary(BaseModel):
    tenure_band: str
    employee_count: int
    total_contributions: float
    current_forfeitures: float
    proposed_forfeitures: float
    forfeiture_variance: float


class VestingAnalysisSummary(BaseModel):
    analysis_year: int
    total_terminated_employee_count: int = Field(description="every employee who left in the year")
    vesting_eligible_terminated_employee_count: int = Field(
        description="leavers with employer money from an earlier simulated year"
    )
    terminated_employee_count: int = Field(description="the Studio's older name of the count above")
    total_employer_contributions: float
    current_total_vested: float
    current_total_forfeited: float
    proposed_total_vested: float
    proposed_total_forfeited: float
    forfeiture_variance: float
    forfeiture_variance_pct: float = Field(description="percent of the current forfeitures")


class VestingAnalysisResponse(BaseModel):
    scenario_id: str
    scenario_name: str
    current_schedule: VestingScheduleConfig
    proposed_schedule: VestingScheduleConfig
    summary: VestingAnalysisSummary
    by_tenure_band: list[TenureBandSummary]
    employee_details: list[EmployeeVestingDetail]


class ScenarioYearsResponse(BaseModel):
    years: list[int]
    default_year: int


class ForfeitureYearRow(BaseModel):
    simulation_year: int
    has_prior_year_basis: bool = Field(description="false in the first simulated year: not a measured zero")
    terminated_employee_count: int
    vesting_eligible_count: int
    total_employer_contributions: float
    vested_amount: float
    forfeited_amount: float


class EmployerCostOffsetRow(BaseModel):
    """The forfeitures of the year before's leavers, applied to this year's employer cost."""

    simulation_year: int
    source_year: int | None
    forfeitures_generated: float | None
    offset_amount: float | None
    participant_allocation: float | None
    basis_available: bool
    unavailable_reason: str | None


class ScenarioForfeitureSeries(BaseModel):
    scenario_id: str
    scenario_name: str
    years: list[ForfeitureYearRow]
    total_employer_contributions: float
    total_vested: float
    total_forfeited: float
    employer_cost_offsets: list[EmployerCostOffsetRow]


class SkippedScenario(BaseModel):
    scenario_id: str
    scenario_name: str
    reason: str


class ForfeitureProjectionResponse(BaseModel):
    schedule: VestingScheduleConfig
    forfeiture_policy: ForfeiturePolicy
    years: list[int] = Field(description="every year of the scenarios, ascending")
    scenarios: list[ScenarioForfeitureSeries]
    skipped: list[SkippedScenario]
