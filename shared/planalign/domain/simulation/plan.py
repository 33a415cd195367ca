"""The DC plan rules of one year: eligibility, enrollment (census, automatic, voluntary),
auto-escalation, contributions under the IRS limits, and vesting of a leaver's employer money."""

from dataclasses import dataclass

import numpy as np

from planalign.domain.config import (
    AutoEscalationSettings,
    BandMultiplier,
    ConversionSettings,
    EligibilitySettings,
    SimulationConfig,
)
from planalign.domain.irs_limits import CATCH_UP_AGE, SUPER_CATCH_UP_AGES, YearLimits
from planalign.domain.simulation.dates import add_years
from planalign.domain.simulation.draws import DrawKind, draw_uniform
from planalign.domain.simulation.employer import (
    bounds_reached,
    core_rates,
    employer_eligible,
    match_band,
    round_to_cents,
    scheduled_match_fraction,
)

# The ages at which the bands 30_44, 45_59 and 60_plus start (under_30 is band 0).
AGE_BAND_STARTS = np.array([30, 45, 60])
# The pay at which the income bands moderate, high and executive start (low_income is band 0).
INCOME_BAND_STARTS = np.array([50000.0, 100000.0, 200000.0])
HALF_PERCENT = 0.005
# The config's vesting schedules, as the Studio's schedules of the same shape.
VESTING_SCHEDULES: dict[str, str] = {
    "immediate": "immediate",
    "cliff_2": "cliff_2_year",
    "cliff_3": "cliff_3_year",
    "graded_6": "graded_6_year",
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
    return bounds_reached(age, AGE_BAND_STARTS).astype(np.int8)


def income_band(pay: np.ndarray) -> np.ndarray:
    """0 below 50,000 a year, 1 below 100,000, 2 below 200,000, 3 from 200,000."""
    return bounds_reached(pay, INCOME_BAND_STARTS).astype(np.int8)


@dataclass(frozen=True)
class Enrollments:
    """Who joins the plan this year and how (masks over the roster)."""

    auto_enrolled: np.ndarray
    opted_out: np.ndarray
    voluntary: np.ndarray
    converted: np.ndarray  # by the year-over-year conversion


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
    income: np.ndarray | None = None,
    plan_age: np.ndarray | None = None,
    level: np.ndarray | None = None,
    hired: np.ndarray | None = None,
    service: np.ndarray | None = None,
) -> Enrollments:
    """Auto-enrollment of the eligible, not enrolled, in-scope employees not yet asked (or asked again
    each year with opt_outs_asked_again; minus the
    seeded opt-outs by age band, times the factor of the `income` band when given), and voluntary
    enrollment of the other eligible employees still not enrolled (one who opted out this year is not
    asked again the same year) with the chances of VoluntarySettings (`plan_age` and `level` for its
    age table and level factors, `hired` this year for the hire year's chances, `service` for the
    conversion). With before_auto_enrollment the voluntary draw comes first, for the in-scope too, and
    who joins is not auto-enrolled; the conversion comes after it, before auto-enrolment."""
    settings, voluntary_settings = config.auto_enrollment, config.voluntary
    income = np.zeros(len(band), dtype=np.int8) if income is None else income
    candidates = eligible & ~enrolled & in_scope & settings.enabled
    if not settings.opt_outs_asked_again:
        candidates &= ~auto_enrollment_decided
    asked = eligible & ~enrolled
    if not voluntary_settings.after_opt_out:
        # Not enrolled after being asked by auto-enrolment: opted out.
        asked &= ~auto_enrollment_decided
    if not voluntary_settings.before_auto_enrollment:
        asked &= ~candidates
    voluntary = _draw_voluntary(config, asked, band, income, plan_age, level, seed, id_hash, year)
    if voluntary_settings.hire_year_chances > 1:
        assert hired is not None
        second = asked & hired & in_scope & ~voluntary
        for _ in range(voluntary_settings.hire_year_chances - 1):
            voluntary |= _draw_voluntary(
                config,
                second,
                band,
                income,
                plan_age,
                level,
                seed,
                id_hash,
                year,
                DrawKind.PROACTIVE_ENROLLMENT,
            )
    converted = np.zeros(len(band), dtype=bool)
    if voluntary_settings.conversion is not None:
        assert hired is not None and plan_age is not None and service is not None
        eligible_to_convert = asked & ~voluntary & ~hired & ~auto_enrollment_decided
        converted = _draw_conversion(
            voluntary_settings.conversion,
            voluntary_settings.enrollment_scale,
            eligible_to_convert,
            income,
            plan_age,
            service,
            seed,
            id_hash,
            year,
        )
    candidates &= ~(voluntary | converted)
    opt_out_rates = np.outer(settings.opt_out_rates.by_band(), settings.opt_out_income_factors.by_band())
    opted_out = _draw_below(candidates, opt_out_rates, band, income, seed, id_hash, year, DrawKind.OPT_OUT)
    return Enrollments(
        auto_enrolled=candidates & ~opted_out, opted_out=opted_out, voluntary=voluntary, converted=converted
    )


def _draw_conversion(
    settings: ConversionSettings,
    scale: float,
    asked: np.ndarray,
    income: np.ndarray,
    plan_age: np.ndarray,
    service: np.ndarray,
    seed: int,
    id_hash: np.ndarray,
    year: int,
) -> np.ndarray:
    """Who of the `asked` joins by the year-over-year conversion this year."""
    rows = np.flatnonzero(asked)
    chance = by_band(plan_age[rows], settings.chances_by_age)
    chance *= np.asarray(settings.income_factors.by_band())[income[rows]]
    chance *= by_band(service[rows], settings.service_factors) * scale
    chosen = np.zeros(len(asked), dtype=bool)
    chosen[rows] = draw_uniform(seed, id_hash[rows], year, DrawKind.CONVERSION) < chance
    return chosen


def conversion_deferral_rates(settings: ConversionSettings, plan_age: np.ndarray) -> np.ndarray:
    """The rate at which each converted employee joins: that of their age."""
    return by_band(plan_age, settings.deferral_rates_by_age)


def by_band(values: np.ndarray, rows: list[BandMultiplier]) -> np.ndarray:
    """The multiplier of each value's row (the highest `min` reached; 0 below the first)."""
    table = np.array([0.0] + [row.multiplier for row in rows])
    return table[bounds_reached(values, [row.min for row in rows])]


def _draw_voluntary(
    config: SimulationConfig,
    asked: np.ndarray,
    band: np.ndarray,
    income: np.ndarray,
    plan_age: np.ndarray | None,
    level: np.ndarray | None,
    seed: int,
    id_hash: np.ndarray,
    year: int,
    kind: DrawKind = DrawKind.VOLUNTARY_ENROLLMENT,
) -> np.ndarray:
    """Who of the `asked` joins voluntarily this year (by the draws of `kind`)."""
    settings = config.voluntary
    factors = np.asarray(settings.income_factors.by_band())
    if not settings.enrollment_by_age:
        rates = np.asarray(config.voluntary_enrollment.by_band()) * settings.enrollment_scale
        return _draw_below(asked, np.outer(rates, factors), band, income, seed, id_hash, year, kind)
    assert plan_age is not None and level is not None
    rows = np.flatnonzero(asked)
    ages = settings.enrollment_by_age
    chance = by_band(plan_age[rows], ages)
    chance *= factors[income[rows]] * settings.enrollment_scale
    if settings.level_factors:
        by_level = np.ones(int(level.max(initial=1)) + 1)
        for number, factor in settings.level_factors.items():
            if number < len(by_level):
                by_level[number] = factor
        chance *= by_level[level[rows]]
    chosen = np.zeros(len(asked), dtype=bool)
    chosen[rows] = draw_uniform(seed, id_hash[rows], year, kind) < chance
    return chosen


def _draw_below(
    asked: np.ndarray,
    rates: np.ndarray,
    band: np.ndarray,
    income: np.ndarray,
    seed: int,
    id_hash: np.ndarray,
    year: int,
    kind: DrawKind,
) -> np.ndarray:
    """A mask of the `asked` rows whose seeded draw falls below the rate of their age band and income
    band (rates[age band, income band]; drawn for the asked rows only: each draw depends on the
    employee alone, so the subset changes nothing)."""
    rows = np.flatnonzero(asked)
    chosen = np.zeros(len(asked), dtype=bool)
    chosen[rows] = draw_uniform(seed, id_hash[rows], year, kind) < rates[band[rows], income[rows]]
    return chosen


def voluntary_deferral_rates(
    *,
    config: SimulationConfig,
    seed: int,
    year: int,
    id_hash: np.ndarray,
    plan_age: np.ndarray,
    pay: np.ndarray,
    ceiling: np.ndarray,
) -> np.ndarray:
    """The rate each voluntary enrollee picks: the table's rate for the age and pay (the auto-enrolment
    default rate without a table); with the match magnet's probability, the match ceiling instead
    when that is higher; at most the maximum voluntary rate."""
    settings = config.voluntary
    rate = np.full(len(pay), config.auto_enrollment.default_deferral_rate)
    if settings.deferral_rates:
        rows = sorted(settings.deferral_rates, key=lambda row: (row.min_age, row.min_pay))
        for row in rows:
            rate[(plan_age >= row.min_age) & (pay >= row.min_pay)] = row.rate
    if settings.match_magnet_probability > 0:
        drawn = draw_uniform(seed, id_hash, year, DrawKind.MATCH_MAGNET)
        snapped = (ceiling > rate) & (drawn < settings.match_magnet_probability)
        rate[snapped] = ceiling[snapped]
    if settings.max_deferral_rate is not None:
        np.minimum(rate, settings.max_deferral_rate, out=rate)
    return np.round(rate, RATE_DECIMALS)


def respond_to_match(
    *,
    config: SimulationConfig,
    seed: int,
    year: int,
    id_hash: np.ndarray,
    deferral_rate: np.ndarray,
    responding: np.ndarray,
    ceiling: np.ndarray,
    most_by_402g: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(mask of those who change, their new rates): the match response of MatchResponseSettings for the
    `responding` employees; a rise stops at the escalation cap and at `most_by_402g` (402(g) over pay)."""
    settings = config.match_response
    new_rate = deferral_rate.copy()
    up_draw = draw_uniform(seed, id_hash, year, DrawKind.MATCH_RESPONSE_UP)
    up = responding & (deferral_rate < ceiling) & (up_draw < settings.upward_participation_rate)
    maximize = up_draw < settings.upward_participation_rate * settings.upward_maximize_rate
    partial = _to_half_percent(deferral_rate + settings.upward_partial_factor * (ceiling - deferral_rate))
    raised = np.where(maximize, ceiling, partial)
    raised = np.minimum(np.minimum(raised, config.auto_escalation.cap), most_by_402g)
    new_rate[up] = raised[up]
    if settings.downward_enabled:
        down_draw = draw_uniform(seed, id_hash, year, DrawKind.MATCH_RESPONSE_DOWN)
        down = responding & (deferral_rate > ceiling) & (down_draw < settings.downward_participation_rate)
        to_ceiling = down_draw < settings.downward_participation_rate * settings.downward_reduce_to_max_rate
        partial = _to_half_percent(
            deferral_rate - settings.downward_partial_factor * (deferral_rate - ceiling)
        )
        lowered = np.maximum(np.where(to_ceiling, ceiling, partial), 0.0)
        new_rate[down] = lowered[down]
    new_rate = np.round(new_rate, RATE_DECIMALS)
    changed = responding & (new_rate != deferral_rate)
    return changed, new_rate[changed]


def _to_half_percent(rate: np.ndarray) -> np.ndarray:
    """The nearest multiple of 0.5 %, halves away from zero."""
    steps = np.round(rate / HALF_PERCENT, RATE_DECIMALS)
    return np.floor(steps + 0.5) * HALF_PERCENT


def escalate(
    deferral_rate: np.ndarray, escalating: np.ndarray, settings: AutoEscalationSettings
) -> tuple[np.ndarray, np.ndarray]:
    """(mask of those escalated, their new rates): rate + increment up to the cap, for the
    `escalating` employees below the cap; a rate already above the cap is left alone."""
    raised = escalating & (deferral_rate < settings.cap) & settings.enabled & (settings.increment > 0)
    new_rate = np.round(np.minimum(deferral_rate[raised] + settings.increment, settings.cap), RATE_DECIMALS)
    return raised, new_rate


@dataclass(frozen=True)
class Contributions:
    employee: np.ndarray
    match: np.ndarray
    core: np.ndarray
    limit_reached: np.ndarray  # 402(g) (with catch-up) or 415(c) cut something
    match_eligible: np.ndarray
    core_eligible: np.ndarray


def deferral_cap(limits: YearLimits, age: np.ndarray) -> np.ndarray:
    """402(g) plus the catch-up of those attaining 50 by the end of the plan year (the 60-63 catch-up
    instead for those attaining 60 to 63, when the year has one)."""
    cap = np.where(age >= CATCH_UP_AGE, limits.deferral + limits.catch_up, limits.deferral)
    if limits.super_catch_up is not None:
        low, high = SUPER_CATCH_UP_AGES
        cap[(age >= low) & (age <= high)] = limits.deferral + limits.super_catch_up
    return cap


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
    service: np.ndarray | None = None,
    points: np.ndarray | None = None,
    plan_age: np.ndarray | None = None,
    hired: np.ndarray | None = None,
    earlier_rate: np.ndarray | None = None,
    earlier_share: np.ndarray | None = None,
    band: np.ndarray | None = None,
) -> Contributions:
    """A year's contributions of each employee.

    Deferral = rate x prorated pay, capped at 402(g) plus catch-up. When `earlier_share` is given, that
    share of the employed period was deferred at `earlier_rate` (before an escalation's day, or until an
    opt-out), the rest at `deferral_rate`. Match and core are on prorated pay capped at 401(a)(17), for
    those their eligibility rules admit (`service` in whole years, `points` = age + service, `plan_age`
    the age for age bands, `hired` this year; zero and not hired when None; `band` each one's match
    band, found from service and points when None). Over 415(c) the excess
    comes off core, then match, then the deferral. A leaver keeps only the `vested` fraction of the
    year's employer money (the rest is forfeited to the employer).
    """
    rows = len(prorated_pay)
    service = np.zeros(rows, dtype=np.int16) if service is None else service
    points = np.zeros(rows, dtype=np.int16) if points is None else points
    hired = np.zeros(rows, dtype=bool) if hired is None else hired
    leaving = ~active_at_year_end
    # Buffers are reused in place: at 1M employees each column is 8 MB and this runs every year.
    rate = np.where(eligible, deferral_rate, 0.0)
    employee = rate * prorated_pay
    # The rows with an earlier rate for part of the year: their deferral is the two parts'.
    part = np.flatnonzero(earlier_share > 0) if earlier_share is not None else np.empty(0, dtype=np.intp)
    if len(part):
        assert earlier_share is not None and earlier_rate is not None
        share = earlier_share[part]
        before = np.where(eligible[part], earlier_rate[part], 0.0)
        employee[part] = (before * share + rate[part] * (1 - share)) * prorated_pay[part]
    cap = deferral_cap(limits, age)
    limit_reached = employee > cap
    np.minimum(employee, cap, out=employee)
    del cap
    plan_pay = np.minimum(prorated_pay, limits.compensation)
    match_settings = config.employer_match
    match_eligible = employer_eligible(
        match_settings, hours=annual_hours, service=service, hired=hired, leaving=leaving
    )
    if band is None and match_settings.basis != "deferral":
        band = match_band(match_settings, service, points)
    match = scheduled_match_fraction(match_settings, rate, band)
    deferring = rate > 0
    if len(part):
        earlier = scheduled_match_fraction(match_settings, before, None if band is None else band[part])
        match[part] = match[part] * (1 - share) + earlier * share
        deferring[part] |= before > 0
    match *= plan_pay
    match[~(deferring & match_eligible)] = 0.0
    core_settings = config.core_contribution
    core_eligible = employer_eligible(
        core_settings, hours=annual_hours, service=service, hired=hired, leaving=leaving
    )
    if core_settings.requires_plan_eligibility:
        core_eligible &= eligible
    core_eligible &= core_settings.enabled
    core_rate = core_rates(core_settings, service, points, age if plan_age is None else plan_age)
    rounding = config.contributions.round_to_cents
    core = plan_pay * core_rate
    if rounding:
        round_to_cents(core)
        round_to_cents(match)
    if core_settings.integration.enabled:
        level = core_settings.integration.level_for(limits.social_security_wage_base)
        disparity = np.maximum(plan_pay - level, 0.0)
        # Only pay that earns a core rate earns the disparity.
        disparity *= np.where(np.asarray(core_rate) > 0, core_settings.integration.disparity_rate, 0.0)
        core += round_to_cents(disparity) if rounding else disparity
    core[~core_eligible] = 0.0
    del plan_pay
    excess = employee + match
    excess += core
    excess -= limits.annual_additions
    np.maximum(excess, 0.0, out=excess)
    limit_reached |= excess > 0
    if rounding:
        # Whole cents come off, so that cents stay cents and the limit is still met.
        excess = np.ceil(np.round(excess * 100.0, 6)) / 100.0
    for amount in (core, match, employee):
        cut = np.minimum(amount, excess)
        amount -= cut
        excess -= cut
    if rounding:
        # Leavers keep the vested cents, never above the unvested ones the limits were checked on.
        partly = np.flatnonzero(vested < 1)
        match[partly] = np.minimum(round_to_cents(match[partly] * vested[partly]), match[partly])
        core[partly] = np.minimum(round_to_cents(core[partly] * vested[partly]), core[partly])
    else:
        match *= vested
        core *= vested
    return Contributions(
        employee=employee,
        match=match,
        core=core,
        limit_reached=limit_reached,
        match_eligible=match_eligible,
        core_eligible=core_eligible,
    )
