"""Response models of the Studio's NDT Testing page (studio/openapi.json: ACPTestResponse,
ADPTestResponse, Section401a4TestResponse, Section415TestResponse, AvailableYearsResponse). Ratios and
rates are fractions; the rules are in domain/ndt.py."""

from typing import Literal

from pydantic import BaseModel, Field

TestResult = Literal["pass", "fail", "error"]


class AvailableYearsResponse(BaseModel):
    years: list[int]
    default_year: int | None = None


class ScenarioResult(BaseModel):
    """What every test's result of one scenario starts with (each adds its test_result)."""

    scenario_id: str
    scenario_name: str
    simulation_year: int
    test_message: str | None = None


class AverageTestResult(ScenarioResult):
    """The ADP and ACP comparison (IRC 401(k)(3), 401(m)(2))."""

    hce_count: int = 0
    nhce_count: int = 0
    excluded_count: int = Field(default=0, description="eligible, but no compensation in the year")
    basic_test_threshold: float = 0.0
    alternative_test_threshold: float = 0.0
    applied_test: Literal["basic", "alternative"] = "basic"
    applied_threshold: float = 0.0
    margin: float = Field(default=0.0, description="applied threshold - HCE average")
    hce_threshold_used: int = Field(default=0, description="the look-back year's 414(q) compensation")


class ACPEmployeeDetail(BaseModel):
    employee_id: str
    is_hce: bool
    is_enrolled: bool
    employer_match_amount: float
    eligible_compensation: float
    individual_acp: float
    prior_year_compensation: float | None = None


class ACPScenarioResult(AverageTestResult):
    test_result: TestResult
    eligible_not_enrolled_count: int = 0
    hce_average_acp: float = 0.0
    nhce_average_acp: float = 0.0
    employees: list[ACPEmployeeDetail] | None = None


class ACPTestResponse(BaseModel):
    test_type: Literal["acp"] = "acp"
    year: int
    results: list[ACPScenarioResult]


class ADPEmployeeDetail(BaseModel):
    employee_id: str
    is_hce: bool
    employee_deferrals: float
    plan_compensation: float
    individual_adp: float
    prior_year_compensation: float | None = None


class ADPScenarioResult(AverageTestResult):
    test_result: Literal["pass", "fail", "exempt", "error"]
    hce_average_adp: float = 0.0
    nhce_average_adp: float = 0.0
    excess_hce_amount: float | None = Field(default=None, description="deferrals a failed test levels away")
    testing_method: Literal["current", "prior"] = "current"
    safe_harbor: bool = False
    employees: list[ADPEmployeeDetail] | None = None


class ADPTestResponse(BaseModel):
    test_type: Literal["adp"] = "adp"
    year: int
    results: list[ADPScenarioResult]


class Section401a4EmployeeDetail(BaseModel):
    employee_id: str
    is_hce: bool
    employer_nec_amount: float = 0.0
    employer_match_amount: float = 0.0
    total_employer_amount: float = 0.0
    plan_compensation: float = 0.0
    contribution_rate: float = 0.0
    years_of_service: float = 0.0


class Section401a4ScenarioResult(ScenarioResult):
    test_result: TestResult
    applied_test: Literal["ratio", "general"] = "ratio"
    hce_count: int = 0
    nhce_count: int = 0
    excluded_count: int = 0
    hce_average_rate: float = 0.0
    nhce_average_rate: float = 0.0
    hce_median_rate: float = 0.0
    nhce_median_rate: float = 0.0
    ratio: float = 0.0
    ratio_test_threshold: float = 0.70
    margin: float = 0.0
    include_match: bool = False
    service_risk_flag: bool = False
    service_risk_detail: str | None = None
    hce_threshold_used: int = 0
    employees: list[Section401a4EmployeeDetail] | None = None


class Section401a4TestResponse(BaseModel):
    test_type: Literal["401a4"] = "401a4"
    year: int
    results: list[Section401a4ScenarioResult]


class Section415EmployeeDetail(BaseModel):
    employee_id: str
    status: Literal["pass", "at_risk", "breach"]
    employee_deferrals: float = 0.0
    employer_match: float = 0.0
    employer_nec: float = 0.0
    total_annual_additions: float = 0.0
    gross_compensation: float = 0.0
    applicable_limit: float = 0.0
    headroom: float = 0.0
    utilization_pct: float = 0.0


class Section415ScenarioResult(ScenarioResult):
    test_result: TestResult
    total_participants: int = 0
    excluded_count: int = 0
    breach_count: int = 0
    at_risk_count: int = 0
    passing_count: int = 0
    max_utilization_pct: float = 0.0
    warning_threshold_pct: float = 0.95
    annual_additions_limit: int = 0
    employees: list[Section415EmployeeDetail] | None = None


class Section415TestResponse(BaseModel):
    test_type: Literal["415"] = "415"
    year: int
    results: list[Section415ScenarioResult]
