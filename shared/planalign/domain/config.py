"""The simulation config of simulation.md as pydantic models, with its defaults, the deep merge of
config layers (defaults <- workspace base <- scenario overrides) and validation messages that name
the path of what is wrong."""

import copy
import datetime
import itertools
import json
import math
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails, PydanticCustomError

from planalign.errors import InvalidConfig

Rate = Annotated[float, Field(ge=0, le=1)]
DeferralRate = Annotated[float, Field(ge=0, le=0.75)]
Money = Annotated[float, Field(ge=0)]
Year = Annotated[int, Field(ge=1900, le=2200)]
JobLevelNumber = Annotated[int, Field(ge=1, le=100)]

MAX_PROJECTION_YEARS = 50
MAX_DEFERRAL_RATE = 0.75
# A match may pay up to twice a deferral slice (the Studio's form allows 200 %).
MAX_MATCH_RATE = 2.0
MatchRate = Annotated[float, Field(ge=0, le=MAX_MATCH_RATE)]
ServiceYears = Annotated[float, Field(ge=0, le=100)]
Hours = Annotated[float, Field(ge=0, le=8784)]
Days = Annotated[int, Field(ge=0, le=366)]


def _invalid(message: str) -> PydanticCustomError:
    return PydanticCustomError("invalid_config", message)


class _Section(BaseModel):
    # defer_build: a model's validator and serializer are built when it is first used, not at import
    # (cold start: every API function imports these models, few of its requests validate a config).
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, defer_build=True)


class BandMultiplier(_Section):
    """The multiplier of the ages (or years of service) from `min` up to the next row's `min`."""

    min: Annotated[float, Field(ge=0, le=1000)]
    multiplier: Annotated[float, Field(ge=0, le=100)]


class SimulationSettings(_Section):
    start_year: Year = 2025
    end_year: Year = 2029
    random_seed: Annotated[int, Field(ge=0, lt=2**63)] = 42

    @model_validator(mode="after")
    def _check_span(self) -> "SimulationSettings":
        if self.start_year > self.end_year:
            raise _invalid(f"start_year {self.start_year} is after end_year {self.end_year}")
        if self.end_year - self.start_year >= MAX_PROJECTION_YEARS:
            raise _invalid(
                f"end_year {self.end_year} is more than {MAX_PROJECTION_YEARS - 1} years after start_year"
            )
        return self


class WorkforceSettings(_Section):
    target_growth_rate: Annotated[float, Field(ge=-1, le=1)] = 0.03
    total_termination_rate: Rate = 0.12
    # Hires are solved as net / (1 - rate), so a rate of 1 has no solution.
    new_hire_termination_rate: Annotated[float, Field(ge=0, lt=1)] = 0.25


def _default_promotion_rates() -> dict[int, float]:
    return {1: 0.12, 2: 0.08, 3: 0.05, 4: 0.03, 5: 0.0}


class PromotionHazard(_Section):
    """Promotion by hazard: each experienced employee below the top level, with a year of service and
    under 65, has the chance base_rate x the multiplier of the age band x that of the service band x
    (1 - level_dampener_factor x (level - 1)) x rate_multiplier (at most 1). Each level promotes
    round(the sum of its chances), the employees drawn in proportion to their chance."""

    base_rate: Rate
    level_dampener_factor: Rate = 0.0
    age_multipliers: list[BandMultiplier]
    tenure_multipliers: list[BandMultiplier]
    rate_multiplier: Annotated[float, Field(ge=0, le=5)] = 1.0

    @field_validator("age_multipliers", "tenure_multipliers")
    @classmethod
    def _check_increasing(cls, rows: list[BandMultiplier]) -> list[BandMultiplier]:
        if any(low.min >= high.min for low, high in itertools.pairwise(rows)):
            raise _invalid("rows must be listed with min strictly increasing")
        return rows


class CompensationSettings(_Section):
    merit_budget: Rate = 0.035
    cola_rate: Rate = 0.02
    # Keyed by job level; a level without a rate is never promoted. Rates for levels that the
    # job_levels do not define are ignored, because a config layer can only add keys, never remove.
    promotion_rates: dict[JobLevelNumber, Rate] = Field(default_factory=_default_promotion_rates)
    # Set: promotions by hazard instead of promotion_rates.
    promotion_hazard: PromotionHazard | None = None
    promotion_raise: Rate = 0.20
    # The raise is promotion_raise +/- this (uniform).
    promotion_raise_spread: Annotated[float, Field(ge=0, le=0.2)] = 0.05


class JobLevel(_Section):
    level: JobLevelNumber
    name: Annotated[str, Field(min_length=1)]
    min: Money
    max: Money | None


def _default_job_levels() -> list[JobLevel]:
    bands: list[tuple[str, float, float | None]] = [
        ("Staff", 0, 80000),
        ("Manager", 80000, 120000),
        ("Senior Manager", 120000, 160000),
        ("Director", 160000, 300000),
        ("VP", 300000, None),
    ]
    return [JobLevel(level=i, name=name, min=low, max=high) for i, (name, low, high) in enumerate(bands, 1)]


class AgeWeight(_Section):
    age: Annotated[int, Field(ge=16, le=100)]
    weight: Annotated[float, Field(ge=0)]


class PayBand(_Section):
    """The offers of one level's hires: from `min` to `max`."""

    level: JobLevelNumber
    min: Money
    max: Money

    @model_validator(mode="after")
    def _check_range(self) -> "PayBand":
        if self.max < self.min:
            raise _invalid(f"max {self.max:g} is below min {self.min:g}")
        return self


class NewHireSettings(_Section):
    """Hires: an age from the triangle (age_min, age_mode, age_max), or drawn by the weights of
    age_distribution; a level in proportion to the current mix, or to level_shares; an offer at
    pay_percentile of the level's band (pay_bands, else the job level's), its part above the band's
    min times 1 + market_adjustment, the whole times 1 + the level's adjustment and 1 +/- up to
    pay_variance (uniform); part_time_share of them work part_time_hours_per_week, the others 40."""

    age_min: Annotated[int, Field(ge=16, le=100)] = 22
    age_max: Annotated[int, Field(ge=16, le=100)] = 50
    age_mode: Annotated[int, Field(ge=16, le=100)] = 30
    age_distribution: list[AgeWeight] = Field(default_factory=list)
    level_shares: list[Rate] = Field(default_factory=list)
    pay_percentile: Rate = 0.5
    pay_bands: list[PayBand] = Field(default_factory=list)
    market_adjustment: Annotated[float, Field(ge=-0.5, le=1)] = 0.0
    level_adjustments: dict[JobLevelNumber, Annotated[float, Field(ge=-1, le=1)]] = Field(
        default_factory=dict
    )
    pay_variance: Rate = 0.0
    part_time_share: Rate = 0.0
    part_time_hours_per_week: Annotated[float, Field(gt=0, le=80)] = 20.0

    @field_validator("age_distribution")
    @classmethod
    def _check_weights(cls, rows: list[AgeWeight]) -> list[AgeWeight]:
        if rows and sum(row.weight for row in rows) <= 0:
            raise _invalid("the weights add up to 0")
        return rows

    @field_validator("level_shares")
    @classmethod
    def _check_shares(cls, shares: list[float]) -> list[float]:
        if shares and sum(shares) <= 0:
            raise _invalid("the shares add up to 0")
        return shares

    @model_validator(mode="after")
    def _check_ages(self) -> "NewHireSettings":
        if not self.age_min <= self.age_mode <= self.age_max:
            raise _invalid(
                f"age_min {self.age_min} <= age_mode {self.age_mode} <= age_max {self.age_max} does not hold"
            )
        return self


class EligibilitySettings(_Section):
    minimum_age: Annotated[int, Field(ge=0, le=100)] = 21
    waiting_period_days: Annotated[int, Field(ge=0, le=36500)] = 0


class AgeBandRates(_Section):
    """A rate per age band at Dec 31; JSON names the bands under_30, 30_44, 45_59, 60_plus."""

    model_config = ConfigDict(serialize_by_alias=True)

    under_30: Rate
    from_30_to_44: Rate = Field(alias="30_44")
    from_45_to_59: Rate = Field(alias="45_59")
    from_60: Rate = Field(alias="60_plus")

    def by_band(self) -> tuple[float, float, float, float]:
        """The rates in band order (youngest first), as `age_band` numbers them."""
        return (self.under_30, self.from_30_to_44, self.from_45_to_59, self.from_60)


class IncomeBandFactors(_Section):
    """A factor per band of annual pay: below 50,000, below 100,000, below 200,000, and above."""

    low_income: Annotated[float, Field(ge=0, le=10)] = 1.0
    moderate: Annotated[float, Field(ge=0, le=10)] = 1.0
    high: Annotated[float, Field(ge=0, le=10)] = 1.0
    executive: Annotated[float, Field(ge=0, le=10)] = 1.0

    def by_band(self) -> tuple[float, float, float, float]:
        """The factors in band order (lowest pay first), as `income_band` numbers them."""
        return (self.low_income, self.moderate, self.high, self.executive)


class AutoEnrollmentSettings(_Section):
    enabled: bool = True
    # new_hires_only: those hired since the projection began, and those hired on or after
    # hire_date_cutoff when it is set; all_eligible: everyone, or (cutoff set) those hired on or after it.
    scope: Literal["new_hires_only", "all_eligible"] = "new_hires_only"
    hire_date_cutoff: datetime.date | None = None
    # Enrolled means a deferral rate above 0, so enrolling at 0 would enroll nobody.
    default_deferral_rate: Annotated[float, Field(gt=0, le=MAX_DEFERRAL_RATE)] = 0.03
    # Auto-enrolment takes effect this many days after participation can start; who leaves before is
    # not enrolled.
    window_days: Days = 0
    # None: an opt-out is from the start, so nothing is deferred. Set: the employee opts out this many
    # days after the auto-enrolment date and defers at the default rate until then.
    opt_out_grace_days: Days | None = None
    # One who opted out is auto-enrolled again each later year in scope (an annual sweep).
    opt_outs_asked_again: bool = False
    opt_out_rates: AgeBandRates = Field(
        default_factory=lambda: AgeBandRates.model_validate(
            {"under_30": 0.10, "30_44": 0.07, "45_59": 0.05, "60_plus": 0.03}
        )
    )
    # The opt-out rate of the age band times this factor of the employee's pay band.
    opt_out_income_factors: IncomeBandFactors = Field(default_factory=IncomeBandFactors)


class VoluntaryDeferral(_Section):
    """The deferral rate a voluntary enrollee picks: the row with the highest min_age reached (the age
    at Dec 31 of the prior year), then among those the highest min_pay reached."""

    min_age: Annotated[int, Field(ge=0, le=120)]
    min_pay: Money
    rate: Annotated[float, Field(gt=0, le=MAX_DEFERRAL_RATE)]


class ConversionSettings(_Section):
    """Year-over-year conversion: each year an eligible employee hired before it, not enrolled and who
    never opted out, joins with the chance of their age (chances_by_age, on the age at Dec 31 of the
    prior year) x their pay band's factor x their service's factor (service_factors) x the voluntary
    enrollment_scale, at the rate of their age (deferral_rates_by_age)."""

    chances_by_age: list[BandMultiplier]
    income_factors: IncomeBandFactors = Field(default_factory=IncomeBandFactors)
    service_factors: list[BandMultiplier] = Field(
        default_factory=lambda: [BandMultiplier(min=0, multiplier=1.0)]
    )
    deferral_rates_by_age: list[BandMultiplier]

    @field_validator("deferral_rates_by_age")
    @classmethod
    def _check_rates(cls, rows: list[BandMultiplier]) -> list[BandMultiplier]:
        if any(not 0 < row.multiplier <= MAX_DEFERRAL_RATE for row in rows):
            raise _invalid(f"a deferral rate must be above 0 and at most {MAX_DEFERRAL_RATE}")
        return rows


class VoluntarySettings(_Section):
    """How employees join on their own: each year with the chance of their age (enrollment_by_age, on
    the age at Dec 31 of the prior year; empty: voluntary_enrollment's bands) times the factor of their
    pay band and of their level, times enrollment_scale; at a rate from deferral_rates (empty: the
    auto-enrolment default rate), moved up to the rate that earns the whole match with
    match_magnet_probability, and at most max_deferral_rate. before_auto_enrollment: an employee whom
    auto-enrolment would reach is asked first and, joining, is not auto-enrolled; after_opt_out: one
    who opted out of auto-enrolment may still join later; a hire whom auto-enrolment would reach has
    hire_year_chances independent chances in the year hired; conversion: the year-over-year
    conversion, asked after these and before auto-enrolment."""

    enrollment_by_age: list[BandMultiplier] = Field(default_factory=list)
    income_factors: IncomeBandFactors = Field(default_factory=IncomeBandFactors)
    level_factors: dict[JobLevelNumber, Annotated[float, Field(ge=0, le=10)]] = Field(default_factory=dict)
    enrollment_scale: Rate = 1.0
    before_auto_enrollment: bool = False
    after_opt_out: bool = True
    hire_year_chances: Annotated[int, Field(ge=1, le=3)] = 1
    conversion: ConversionSettings | None = None
    deferral_rates: list[VoluntaryDeferral] = Field(default_factory=list)
    match_magnet_probability: Rate = 0.0
    max_deferral_rate: Annotated[float, Field(gt=0, le=MAX_DEFERRAL_RATE)] | None = None


class AutoEscalationSettings(_Section):
    enabled: bool = True
    increment: DeferralRate = 0.01
    cap: DeferralRate = 0.10
    first_after_years: Annotated[int, Field(ge=0, le=MAX_PROJECTION_YEARS)] = 1
    # "MM-DD": the raise applies from this day of the year (the old rate before it).
    effective_day: str = "01-01"
    # Set: only those hired on or after it escalate.
    hire_date_cutoff: datetime.date | None = None

    @field_validator("effective_day")
    @classmethod
    def _check_day(cls, day: str) -> str:
        if re.fullmatch(r"\d\d-\d\d", day) is None:
            raise _invalid(f"{day!r} is not a day of the year as MM-DD")
        try:
            datetime.date(2023, int(day[:2]), int(day[3:]))  # a common year: no Feb 29
        except ValueError:
            raise _invalid(f"{day!r} is not a day of the year as MM-DD") from None
        return day


class MatchResponseSettings(_Section):
    """In the first projection year, census participants move their deferral toward the rate that
    earns the whole match (the match ceiling): of those below it, upward_participation_rate move up,
    upward_maximize_rate of them all the way, the others by upward_partial_factor of the gap (to the
    nearest 0.5 %), never past the escalation cap or 402(g); those above it come down alike."""

    enabled: bool = False
    upward_participation_rate: Rate = 0.40
    upward_maximize_rate: Rate = 0.60
    upward_partial_factor: Rate = 0.50
    downward_enabled: bool = True
    downward_participation_rate: Rate = 0.15
    downward_reduce_to_max_rate: Rate = 0.70
    downward_partial_factor: Rate = 0.50


class MatchTier(_Section):
    """`rate` of the slice of the deferral rate between the previous tier's `up_to` and this one's."""

    rate: MatchRate
    up_to: Annotated[float, Field(gt=0, le=1)]


def _check_increasing(tiers: list[MatchTier]) -> None:
    bounds = [tier.up_to for tier in tiers]
    if any(low >= high for low, high in itertools.pairwise(bounds)):
        raise _invalid("tiers must be listed with up_to strictly increasing")


class _Band(_Section):
    """A band of service years, points or age: from `min` (inclusive) to `max` (exclusive; None: no end)."""

    min: Annotated[float, Field(ge=0, le=1000)]
    max: Annotated[float, Field(gt=0, le=1000)] | None = None

    @model_validator(mode="after")
    def _check_bounds(self) -> "_Band":
        if self.max is not None and self.max <= self.min:
            raise _invalid(f"max {self.max:g} is not above min {self.min:g}")
        return self


def _check_bands(bands: "list[MatchBand] | list[CoreBand]") -> None:
    """Bands in increasing `min`, none reaching into the next; an employee's band is then the one with
    the highest `min` reached, unless its `max` is reached too."""
    for band, above in itertools.pairwise(bands):
        if band.min >= above.min:
            raise _invalid("bands must be listed with min strictly increasing")
        if band.max is not None and band.max > above.min:
            raise _invalid(f"the band from {band.min:g} reaches into the band from {above.min:g}")


class MatchBand(_Band):
    """The deferral tiers of the employees in the band."""

    tiers: Annotated[list[MatchTier], Field(min_length=1)]

    @model_validator(mode="after")
    def _check_tiers(self) -> "MatchBand":
        _check_increasing(self.tiers)
        return self


class CoreBand(_Band):
    rate: Rate


MatchFormula = Literal["simple", "tiered", "stretch", "safe_harbor_basic", "qaca", "custom"]

NAMED_MATCH_FORMULAS: dict[str, tuple[MatchTier, ...]] = {
    "simple": (MatchTier(rate=0.5, up_to=0.06),),
    "tiered": (MatchTier(rate=1.0, up_to=0.03), MatchTier(rate=0.5, up_to=0.05)),
    "stretch": (MatchTier(rate=0.25, up_to=0.12),),
    "safe_harbor_basic": (MatchTier(rate=1.0, up_to=0.03), MatchTier(rate=0.5, up_to=0.05)),
    "qaca": (MatchTier(rate=1.0, up_to=0.01), MatchTier(rate=0.5, up_to=0.06)),
}


class EmployerEligibility(_Section):
    """Who gets an employer contribution: min_hours worked in the year (scheduled hours a week x 52,
    prorated to the days employed) and min_service_years of service (this year's hires pass when
    allow_new_hires). A leaver gets it when require_active_at_year_end is off, or when its kind of
    leaver is allowed (a new hire who left in the year, or an experienced employee who left)."""

    min_hours: Hours = 0
    min_service_years: ServiceYears = 0
    allow_new_hires: bool = True
    require_active_at_year_end: bool = False
    allow_terminated_new_hires: bool = False
    allow_experienced_terminations: bool = False


MatchBasis = Literal["deferral", "service", "points"]


class EmployerMatchSettings(EmployerEligibility):
    """The match: the formula's tiers on the deferral rate (basis deferral), at most `cap` of pay; or
    (basis service or points) the tiers of the employee's band of years of service or of points (age
    + service)."""

    formula: MatchFormula = "tiered"
    tiers: list[MatchTier] = Field(default_factory=list)  # used by the custom formula only
    cap: Annotated[float, Field(ge=0, le=MAX_MATCH_RATE)] | None = None
    basis: MatchBasis = "deferral"
    bands: list[MatchBand] = Field(default_factory=list)  # used by the service and points bases
    min_hours: Hours = 1000
    require_active_at_year_end: bool = True

    @model_validator(mode="after")
    def _check_tiers(self) -> "EmployerMatchSettings":
        if self.formula == "custom" and not self.tiers:
            raise _invalid("the custom formula needs tiers")
        _check_increasing(self.tiers)
        if self.basis != "deferral" and not self.bands:
            raise _invalid(f"the {self.basis} basis needs bands")
        _check_bands(self.bands)
        return self

    def effective_tiers(self) -> tuple[MatchTier, ...]:
        """The tiers the formula stands for."""
        return tuple(self.tiers) if self.formula == "custom" else NAMED_MATCH_FORMULAS[self.formula]


class IntegrationSettings(_Section):
    """Permitted disparity (§401(l)): disparity_rate more of the pay above the integration level, the
    year's Social Security wage base, a percent of it (level_value), or a fixed amount (level_value)."""

    enabled: bool = False
    level: Literal["ss_wage_base", "percent_of_ss_wage_base", "fixed_dollar"] = "ss_wage_base"
    level_value: Money | None = None
    disparity_rate: Rate = 0.0

    @model_validator(mode="after")
    def _check_level(self) -> "IntegrationSettings":
        if self.enabled and self.level != "ss_wage_base" and self.level_value is None:
            raise _invalid(f"the {self.level} level needs level_value")
        return self

    def level_for(self, wage_base: float) -> float:
        """The pay above which the disparity is paid, in whole dollars for the percent and fixed levels."""
        if self.level == "ss_wage_base" or self.level_value is None:
            return wage_base
        if self.level == "percent_of_ss_wage_base":
            return math.floor(wage_base * self.level_value / 100 + 0.5)
        return math.floor(self.level_value + 0.5)

    def permitted_factor(self, wage_base: float) -> float:
        """The most disparity §401(l) permits at this level: 5.7 % at the wage base or at most
        max(20 % of it, 10,000); 4.3 % up to 80 % of it; 5.4 % above."""
        level = self.level_for(wage_base)
        if level == wage_base or level <= max(0.2 * wage_base, 10000):
            return 0.057
        return 0.043 if level <= 0.8 * wage_base else 0.054


CoreBasis = Literal["flat", "service", "points", "age"]


class CoreContributionSettings(EmployerEligibility):
    """The core (non-elective) contribution: `rate` of pay, or (basis service, points or age) the rate of
    the employee's band, `rate` when in none; plus the integration's disparity. With
    requires_plan_eligibility only the plan-eligible get it."""

    enabled: bool = True
    rate: Rate = 0.01
    basis: CoreBasis = "flat"
    schedule: list[CoreBand] = Field(default_factory=list)
    integration: IntegrationSettings = Field(default_factory=IntegrationSettings)
    requires_plan_eligibility: bool = True

    @model_validator(mode="after")
    def _check_schedule(self) -> "CoreContributionSettings":
        if self.basis != "flat" and not self.schedule:
            raise _invalid(f"the {self.basis} basis needs a schedule")
        _check_bands(self.schedule)
        return self


class ContributionSettings(_Section):
    # Match and core as the reference pays them: each amount rounded to cents (half away from zero).
    round_to_cents: bool = False


class VestingSettings(_Section):
    schedule: Literal["immediate", "cliff_2", "cliff_3", "graded_6"] = "immediate"


class IrsLimits(_Section):
    """flat: these figures in the first year, grown by limit_growth_rate each later year; published: each
    plan year's published figures (irs_limits.PUBLISHED_LIMITS), the last ones held for later years and
    grown by limit_growth_rate from then on."""

    schedule: Literal["flat", "published"] = "flat"
    deferral_402g: Money = 23500
    catch_up_50_plus: Money = 7500
    # The catch-up at ages 60-63 (SECURE 2.0) in place of catch_up_50_plus; None: none.
    catch_up_60_63: Money | None = None
    compensation_401a17: Annotated[float, Field(gt=0)] = 350000
    annual_additions_415c: Money = 70000
    social_security_wage_base: Money = 176100
    limit_growth_rate: Rate = 0.0


class EnsembleSettings(_Section):
    members: Annotated[int, Field(ge=1, le=1000)] = 1


class SimulationConfig(_Section):
    """The whole config of a run; every section has the defaults of simulation.md."""

    simulation: SimulationSettings = Field(default_factory=SimulationSettings)
    workforce: WorkforceSettings = Field(default_factory=WorkforceSettings)
    compensation: CompensationSettings = Field(default_factory=CompensationSettings)
    job_levels: list[JobLevel] = Field(default_factory=_default_job_levels)
    new_hires: NewHireSettings = Field(default_factory=NewHireSettings)
    eligibility: EligibilitySettings = Field(default_factory=EligibilitySettings)
    auto_enrollment: AutoEnrollmentSettings = Field(default_factory=AutoEnrollmentSettings)
    voluntary_enrollment: AgeBandRates = Field(
        default_factory=lambda: AgeBandRates.model_validate(
            {"under_30": 0.25, "30_44": 0.45, "45_59": 0.65, "60_plus": 0.75}
        )
    )
    voluntary: VoluntarySettings = Field(default_factory=VoluntarySettings)
    auto_escalation: AutoEscalationSettings = Field(default_factory=AutoEscalationSettings)
    match_response: MatchResponseSettings = Field(default_factory=MatchResponseSettings)
    employer_match: EmployerMatchSettings = Field(default_factory=EmployerMatchSettings)
    core_contribution: CoreContributionSettings = Field(default_factory=CoreContributionSettings)
    contributions: ContributionSettings = Field(default_factory=ContributionSettings)
    vesting: VestingSettings = Field(default_factory=VestingSettings)
    irs_limits: IrsLimits = Field(default_factory=IrsLimits)
    ensemble: EnsembleSettings = Field(default_factory=EnsembleSettings)

    @model_validator(mode="after")
    def _check_levels_named(self) -> "SimulationConfig":
        count = len(self.job_levels)
        if self.new_hires.level_shares and len(self.new_hires.level_shares) != count:
            raise _invalid(
                f"new_hires.level_shares: {len(self.new_hires.level_shares)} shares for {count} job levels"
            )
        return self

    @field_validator("job_levels")
    @classmethod
    def _check_job_levels(cls, levels: list[JobLevel]) -> list[JobLevel]:
        if not levels:
            raise _invalid("at least one level is needed")
        if [band.level for band in levels] != list(range(1, len(levels) + 1)):
            raise _invalid("levels must be numbered 1, 2, 3, ... in order")
        for band, above in itertools.pairwise(levels):
            if band.max is None or band.max != above.min:
                raise _invalid(f"level {band.level} must end where level {above.level} starts")
        for band in levels:
            if band.max is not None and band.max <= band.min:
                raise _invalid(f"level {band.level} has max <= min")
        return levels


def default_config() -> dict[str, Any]:
    """The built-in config as plain JSON values."""
    return SimulationConfig().model_dump(mode="json")


def merge_config(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` deep-merged onto `base`: dicts key by key, anything else (lists too) replaced whole."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_config(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def resolve_config(*layers: dict[str, Any] | None) -> SimulationConfig:
    """The validated config of defaults <- layers[0] <- layers[1] ...; None layers are skipped."""
    merged = default_config()
    for layer in layers:
        if layer is None:
            continue
        if not isinstance(layer, dict):
            raise InvalidConfig(f"config: must be an object, not {type(layer).__name__}")
        merged = merge_config(merged, layer)
    try:
        return SimulationConfig.model_validate(merged)
    except ValidationError as error:
        raise InvalidConfig("; ".join(_describe(detail) for detail in error.errors())) from None


def validate_layer(layer: dict[str, Any], *under: dict[str, Any] | None) -> None:
    """Raise InvalidConfig unless defaults <- under... <- layer resolves to a valid config."""
    resolve_config(*under, layer)


def _shown(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _describe(error: ErrorDetails) -> str:
    """One pydantic error as `path: what is wrong`."""
    loc = list(error["loc"])
    is_key = bool(loc) and loc[-1] == "[key]"
    if is_key:
        loc.pop()
    path = ".".join(str(part) for part in loc) or "config"
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx", {})
    bounds = {
        "greater_than_equal": ("is below", "ge"),
        "less_than_equal": ("is above", "le"),
        "greater_than": ("must be above", "gt"),
        "less_than": ("must be below", "lt"),
    }
    if is_key:
        what = f"invalid key ({error['msg']})"
    elif kind == "extra_forbidden":
        what = "unknown key"
    elif kind == "missing":
        what = "required"
    elif kind in bounds:
        verb, bound = bounds[kind]
        what = f"{_shown(value)} {verb} {_shown(ctx[bound])}"
    elif kind in ("model_type", "dict_type"):
        what = f"must be an object (got {_shown(value)})"
    elif kind == "list_type":
        what = f"must be a list (got {_shown(value)})"
    elif kind == "literal_error":
        what = f"{_shown(value)} is not one of {ctx['expected']}"
    elif kind == "invalid_config":
        what = error["msg"]
    else:
        what = f"{error['msg']} (got {_shown(value)})"
    return f"{path}: {what}"
