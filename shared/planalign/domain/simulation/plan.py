"""The DC plan rules of one year: eligibility, enrollment (census, automatic, voluntary),
auto-escalation, contributions under the IRS limits, and vesting of a leaver's employer money."""

from dataclasses import dataclass

import numpy as np

from planalign.domain.config import (
    AutoEscalationSettings,
    EligibilitySettings,
    IrsLimits,
    MatchTier,
    SimulationConfig,
)
from planalign.domain.simulation.dates import add_years
from planalign.domain.simulation.draws import DrawKind, draw_uniform

# The ages at which the bands 30_44, 45_59 and 60_plus start (under_30 is band 0).
AGE_BAND_STARTS = np.array([30, 45, 60])
CATCH_UP_AGE = 50
# Vested fraction by completed years of service; the last entry holds for longer service.
VESTING_SCHEDULES: dict[str, tuple[float, ...]] = {
    "immediate": (1.0,),
    "cliff_2": (0.0, 0.0, 1.0),
    "cliff_3": (0.0, 0.0, 0.0, 1.0),
    "graded_6": (0.0, 0.0, 0.2, 0.4, 0.6, 0.8, 1.0),
}
# Deferral rates are kept on a 1e-6 grid so that repeated increments reach the cap exactly.
RATE_DECIMALS = 6


def eligibility_dates(
    birth_date: np.ndarray, hire_date: np.ndarray, override: np.ndarray, settings: EligibilitySettings
) -> np.ndarray:
    """The day each employee becomes eligible: the later of reaching minimum_age and completing
    waiting_period_days of service; the hire date itself with eligibility_override."""
    by_age = add_years(birth_date, settings.minimum_age)
    by_service = hire_date + np.timedelta64(settings.waiting_period_days, "D")
    return np.where(override, hire_date, np.maximum(by_age, by_service))


def age_band(age: np.ndarray) -> np.ndarray:
    """0 under 30, 1 for 30-44, 2 for 45-59, 3 from 60."""
    return np.searchsorted(AGE_BAND_STARTS, age, side="right").astype(np.int8)


@dataclass(frozen=True)
class Enrollments:
    """Who joins the plan this year and how (masks over the roster)."""

    auto_enrolled: np.ndarray
    opted_out: np.ndarray
    voluntary: np.ndarray


def choose_enrollments(
    *,
    config: SimulationConfig,
    seed: int,
    year: int,
    id_hash: np.ndarray,
    eligible: np.ndarray,
    enrolled: np.ndarray,
    auto_enrollment_decided: np.ndarray,
    in_scope: np.ndarray,
    band: np.ndarray,
) -> Enrollments:
    """Auto-enrollment of the eligible, not enrolled, in-scope employees not yet asked (minus the
    seeded opt-outs by age band), then voluntary enrollment by age band of the other eligible
    employees still not enrolled (one who opted out this year is not asked again the same year)."""
    settings = config.auto_enrollment
    candidates = eligible & ~enrolled & ~auto_enrollment_decided & in_scope & settings.enabled
    opted_out = _draw_below(
        candidates, settings.opt_out_rates.by_band(), band, seed, id_hash, year, DrawKind.OPT_OUT
    )
    voluntary = _draw_below(
        eligible & ~enrolled & ~candidates,
        config.voluntary_enrollment.by_band(),
        band,
        seed,
        id_hash,
        year,
        DrawKind.VOLUNTARY_ENROLLMENT,
    )
    return Enrollments(auto_enrolled=candidates & ~opted_out, opted_out=opted_out, voluntary=voluntary)


def _draw_below(
    asked: np.ndarray,
    rate_by_band: tuple[float, ...],
    band: np.ndarray,
    seed: int,
    id_hash: np.ndarray,
    year: int,
    kind: DrawKind,
) -> np.ndarray:
    """A mask of the `asked` rows whose seeded draw falls below their age band's rate (drawn for the
    asked rows only: each draw depends on the employee alone, so the subset changes nothing)."""
    rows = np.flatnonzero(asked)
    chosen = np.zeros(len(asked), dtype=bool)
    chosen[rows] = draw_uniform(seed, id_hash[rows], year, kind) < np.asarray(rate_by_band)[band[rows]]
    return chosen


def escalate(
    deferral_rate: np.ndarray, escalating: np.ndarray, settings: AutoEscalationSettings
) -> tuple[np.ndarray, np.ndarray]:
    """(mask of those escalated, their new rates): rate + increment up to the cap, for the
    `escalating` employees below the cap; a rate already above the cap is left alone."""
    raised = escalating & (deferral_rate < settings.cap) & settings.enabled & (settings.increment > 0)
    new_rate = np.round(np.minimum(deferral_rate[raised] + settings.increment, settings.cap), RATE_DECIMALS)
    return raised, new_rate


@dataclass(frozen=True)
class YearLimits:
    """The IRS limits of one plan year, grown by limit_growth_rate once per year after the first."""

    deferral: float
    catch_up: float
    compensation: float
    annual_additions: float

    @classmethod
    def for_year(cls, limits: IrsLimits, years_after_start: int) -> "YearLimits":
        growth = (1 + limits.limit_growth_rate) ** years_after_start
        return cls(
            deferral=limits.deferral_402g * growth,
            catch_up=limits.catch_up_50_plus * growth,
            compensation=limits.compensation_401a17 * growth,
            annual_additions=limits.annual_additions_415c * growth,
        )


def match_fraction(deferral_rate: np.ndarray, tiers: tuple[MatchTier, ...]) -> np.ndarray:
    """The match as a fraction of pay: each tier's rate times the slice of the deferral rate between
    the previous tier's up_to and its own."""
    fraction = np.zeros(len(deferral_rate))
    lower = 0.0
    for tier in tiers:
        fraction += tier.rate * np.clip(deferral_rate - lower, 0.0, tier.up_to - lower)
        lower = tier.up_to
    return fraction


def vested_fraction(schedule: str, years_of_service: np.ndarray) -> np.ndarray:
    table = np.asarray(VESTING_SCHEDULES[schedule])
    return table[np.clip(years_of_service, 0, len(table) - 1)]


@dataclass(frozen=True)
class Contributions:
    employee: np.ndarray
    match: np.ndarray
    core: np.ndarray
    limit_reached: np.ndarray  # 402(g) (with catch-up) or 415(c) cut something


def compute_contributions(
    *,
    config: SimulationConfig,
    limits: YearLimits,
    prorated_pay: np.ndarray,
    deferral_rate: np.ndarray,
    eligible: np.ndarray,
    age: np.ndarray,
    annual_hours: np.ndarray,
    active_at_year_end: np.ndarray,
    vested: np.ndarray,
) -> Contributions:
    """A year's contributions of each employee.

    Deferral = rate x prorated pay, capped at 402(g) plus catch-up from age 50. Match and core are on
    prorated pay capped at 401(a)(17); the match needs min_hours (and being active at year end if
    required). Over 415(c) the excess comes off core, then match, then the deferral. A leaver keeps
    only the `vested` fraction of the year's employer money (the rest is forfeited to the employer).
    """
    # Buffers are reused in place: at 1M employees each column is 8 MB and this runs every year.
    rate = np.where(eligible, deferral_rate, 0.0)
    employee = rate * prorated_pay
    deferral_cap = np.where(age >= CATCH_UP_AGE, limits.deferral + limits.catch_up, limits.deferral)
    limit_reached = employee > deferral_cap
    np.minimum(employee, deferral_cap, out=employee)
    del deferral_cap
    plan_pay = np.minimum(prorated_pay, limits.compensation)
    match_settings = config.employer_match
    gets_match = (rate > 0) & (annual_hours >= match_settings.min_hours)
    if match_settings.require_active_at_year_end:
        gets_match &= active_at_year_end
    match = match_fraction(rate, match_settings.effective_tiers())
    match *= plan_pay
    match[~gets_match] = 0.0
    core_settings = config.core_contribution
    core = plan_pay
    core *= core_settings.rate if core_settings.enabled else 0.0
    core[~eligible] = 0.0
    excess = employee + match
    excess += core
    excess -= limits.annual_additions
    np.maximum(excess, 0.0, out=excess)
    limit_reached |= excess > 0
    for amount in (core, match, employee):
        cut = np.minimum(amount, excess)
        amount -= cut
        excess -= cut
    match *= vested
    core *= vested
    return Contributions(employee=employee, match=match, core=core, limit_reached=limit_reached)
