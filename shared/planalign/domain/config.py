"""The simulation config of simulation.md as pydantic models, with its defaults, the deep merge of
config layers (defaults <- workspace base <- scenario overrides) and validation messages that name
the path of what is wrong."""

import copy
import itertools
import json
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


def _invalid(message: str) -> PydanticCustomError:
    return PydanticCustomError("invalid_config", message)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


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


class CompensationSettings(_Section):
    merit_budget: Rate = 0.035
    cola_rate: Rate = 0.02
    # Keyed by job level; a level without a rate is never promoted. Rates for levels that the
    # job_levels do not define are ignored, because a config layer can only add keys, never remove.
    promotion_rates: dict[JobLevelNumber, Rate] = Field(default_factory=_default_promotion_rates)
    promotion_raise: Rate = 0.20


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


class NewHireSettings(_Section):
    age_min: Annotated[int, Field(ge=16, le=100)] = 22
    age_max: Annotated[int, Field(ge=16, le=100)] = 50
    age_mode: Annotated[int, Field(ge=16, le=100)] = 30
    pay_percentile: Rate = 0.5

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


class AutoEnrollmentSettings(_Section):
    enabled: bool = True
    scope: Literal["new_hires_only", "all_eligible"] = "new_hires_only"
    # Enrolled means a deferral rate above 0, so enrolling at 0 would enroll nobody.
    default_deferral_rate: Annotated[float, Field(gt=0, le=MAX_DEFERRAL_RATE)] = 0.03
    opt_out_rates: AgeBandRates = Field(
        default_factory=lambda: AgeBandRates.model_validate(
            {"under_30": 0.10, "30_44": 0.07, "45_59": 0.05, "60_plus": 0.03}
        )
    )


class AutoEscalationSettings(_Section):
    enabled: bool = True
    increment: DeferralRate = 0.01
    cap: DeferralRate = 0.10
    first_after_years: Annotated[int, Field(ge=0, le=MAX_PROJECTION_YEARS)] = 1


class MatchTier(_Section):
    """`rate` of the slice of the deferral rate between the previous tier's `up_to` and this one's."""

    rate: Rate
    up_to: Annotated[float, Field(gt=0, le=1)]


MatchFormula = Literal["simple", "tiered", "stretch", "safe_harbor_basic", "qaca", "custom"]

NAMED_MATCH_FORMULAS: dict[str, tuple[MatchTier, ...]] = {
    "simple": (MatchTier(rate=0.5, up_to=0.06),),
    "tiered": (MatchTier(rate=1.0, up_to=0.03), MatchTier(rate=0.5, up_to=0.05)),
    "stretch": (MatchTier(rate=0.25, up_to=0.12),),
    "safe_harbor_basic": (MatchTier(rate=1.0, up_to=0.03), MatchTier(rate=0.5, up_to=0.05)),
    "qaca": (MatchTier(rate=1.0, up_to=0.01), MatchTier(rate=0.5, up_to=0.06)),
}


class EmployerMatchSettings(_Section):
    formula: MatchFormula = "tiered"
    tiers: list[MatchTier] = Field(default_factory=list)  # used by the custom formula only
    min_hours: Annotated[float, Field(ge=0, le=8784)] = 1000
    require_active_at_year_end: bool = True

    @model_validator(mode="after")
    def _check_tiers(self) -> "EmployerMatchSettings":
        if self.formula == "custom" and not self.tiers:
            raise _invalid("the custom formula needs tiers")
        bounds = [tier.up_to for tier in self.tiers]
        if any(low >= high for low, high in itertools.pairwise(bounds)):
            raise _invalid("tiers must be listed with up_to strictly increasing")
        return self

    def effective_tiers(self) -> tuple[MatchTier, ...]:
        """The tiers the formula stands for."""
        return tuple(self.tiers) if self.formula == "custom" else NAMED_MATCH_FORMULAS[self.formula]


class CoreContributionSettings(_Section):
    enabled: bool = True
    rate: Rate = 0.01


class VestingSettings(_Section):
    schedule: Literal["immediate", "cliff_2", "cliff_3", "graded_6"] = "immediate"


class IrsLimits(_Section):
    deferral_402g: Money = 23500
    catch_up_50_plus: Money = 7500
    compensation_401a17: Annotated[float, Field(gt=0)] = 350000
    annual_additions_415c: Money = 70000
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
    auto_escalation: AutoEscalationSettings = Field(default_factory=AutoEscalationSettings)
    employer_match: EmployerMatchSettings = Field(default_factory=EmployerMatchSettings)
    core_contribution: CoreContributionSettings = Field(default_factory=CoreContributionSettings)
    vesting: VestingSettings = Field(default_factory=VestingSettings)
    irs_limits: IrsLimits = Field(default_factory=IrsLimits)
    ensemble: EnsembleSettings = Field(default_factory=EnsembleSettings)

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
