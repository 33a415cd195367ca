"""The projection: simulation.md's "one simulated year" applied year after year to a census, vectorized
over employees, every draw seeded by (seed, employee id, year, kind)."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from planalign.domain.census import Census
from planalign.domain.config import SimulationConfig
from planalign.domain.simulation.dates import DAY, days_in_year, whole_years, year_end, year_of, year_start
from planalign.domain.simulation.plan import (
    YearLimits,
    age_band,
    choose_enrollments,
    compute_contributions,
    escalate,
    vested_fraction,
)
from planalign.domain.simulation.records import EventBlock, OutputRecorder
from planalign.domain.simulation.workforce import (
    Workforce,
    choose_experienced_leavers,
    choose_new_hire_leavers,
    hire_employees,
    hire_pay_by_level,
    plan_headcount,
    promote,
    termination_dates,
    workforce_from_census,
)
from planalign.domain.simulation_output import STATUSES, SimulationOutput
from planalign.errors import SimulationRejected

WEEKS_PER_YEAR = 52


@dataclass(frozen=True)
class YearProgress:
    """Reported after each simulated year; events_generated counts the events of all years so far."""

    year: int
    years_done: int
    total_years: int
    events_generated: int


def simulate(
    census: Census,
    config: SimulationConfig,
    *,
    seed: int | None = None,
    on_year: Callable[[YearProgress], None] | None = None,
) -> SimulationOutput:
    """Project `census` from start_year to end_year under `config` (seed None: the config's seed)."""
    run_seed = config.simulation.random_seed if seed is None else seed
    start_year, end_year = config.simulation.start_year, config.simulation.end_year
    workforce, census_ids = workforce_from_census(census, config)
    if not len(workforce):
        raise SimulationRejected("the census has no active employee to project")
    recorder = OutputRecorder(start_year, end_year, run_seed, census_ids)
    total_years = end_year - start_year + 1
    for done, year in enumerate(range(start_year, end_year + 1), 1):
        workforce = _simulate_year(workforce, year, run_seed, config, recorder)
        if on_year is not None:
            on_year(YearProgress(year, done, total_years, recorder.event_count))
    return recorder.finish()


def _simulate_year(
    workforce: Workforce, year: int, seed: int, config: SimulationConfig, recorder: OutputRecorder
) -> Workforce:
    """One year on the employees active on Jan 1; returns those still employed at its end."""
    jan1, dec31 = year_start(year), year_end(year)
    level_mix = np.bincount(workforce.level - 1, minlength=len(config.job_levels))

    # Steps 1-4: who leaves, who joins, and when.
    headcount = plan_headcount(len(workforce), config.workforce, year)
    leavers = choose_experienced_leavers(workforce, headcount.experienced_terminations, level_mix, year, seed)
    hires, ids = hire_employees(
        count=headcount.hires,
        year=year,
        seed=seed,
        first_index=recorder.next_index,
        level_mix=level_mix,
        level_pay=hire_pay_by_level(workforce, config),
        config=config,
        reserved_ids=recorder.census_ids,
    )
    recorder.add_ids(ids)
    hire_leavers = choose_new_hire_leavers(hires, headcount.new_hire_terminations, year, seed)
    roster = Workforce.concat(workforce, hires)
    hired = np.arange(len(roster)) >= len(workforce)
    leaving = np.concatenate([leavers, hire_leavers])
    termination_date = termination_dates(roster, leaving, year, seed)
    events = [EventBlock("hire", hires.index, hires.hire_date, new_value=hires.pay)]

    # Steps 5-6: promotions, then merit and COLA, effective Jan 1 for everyone employed then.
    promoted, pay_before = promote(roster, ~hired, level_mix, year, seed, config)
    events.append(EventBlock("promotion", roster.index[promoted], jan1, pay_before, roster.pay[promoted]))
    raise_factor = 1 + config.compensation.merit_budget + config.compensation.cola_rate
    if raise_factor != 1:
        pay_before = roster.pay[~hired]
        roster.pay[~hired] = pay_before * raise_factor
        events.append(EventBlock("raise", workforce.index, jan1, pay_before, roster.pay[~hired]))

    # Steps 7-9: eligibility, enrollment and escalation, judged on the last day employed in the year.
    last_day = np.where(leaving, termination_date, dec31)
    eligible = roster.eligibility_date <= last_day
    joined = eligible & (roster.eligibility_date >= jan1)
    events.append(EventBlock("eligibility", roster.index[joined], roster.eligibility_date[joined]))
    # Plan actions of the year take effect when participation can start: Jan 1 or the eligibility date.
    plan_day = np.maximum(roster.eligibility_date, jan1)
    age = year - year_of(roster.birth_date)
    enrollments = choose_enrollments(
        config=config,
        seed=seed,
        year=year,
        id_hash=roster.id_hash,
        eligible=eligible,
        enrolled=roster.deferral_rate > 0,
        auto_enrollment_decided=roster.auto_enrollment_decided,
        in_scope=_auto_enrollment_scope(roster, config),
        band=age_band(age),
    )
    joining = enrollments.auto_enrolled | enrollments.voluntary
    roster.deferral_rate[joining] = config.auto_enrollment.default_deferral_rate
    roster.enrollment_year[joining] = year
    roster.auto_enrollment_decided |= enrollments.auto_enrolled | enrollments.opted_out
    events.append(
        EventBlock("enrollment", roster.index[joining], plan_day[joining], 0.0, roster.deferral_rate[joining])
    )
    opted_out = enrollments.opted_out
    events.append(
        EventBlock(
            "opt_out",
            roster.index[opted_out],
            plan_day[opted_out],
            config.auto_enrollment.default_deferral_rate,
            0.0,
        )
    )
    escalating = (
        (roster.deferral_rate > 0)
        & (year - roster.enrollment_year >= config.auto_escalation.first_after_years)
        & ~roster.escalation_opt_out
    )
    escalated, new_rate = escalate(roster.deferral_rate, escalating, config.auto_escalation)
    events.append(
        EventBlock(
            "deferral_escalation",
            roster.index[escalated],
            plan_day[escalated],
            roster.deferral_rate[escalated],
            new_rate,
        )
    )
    roster.deferral_rate[escalated] = new_rate

    # Step 10: contributions on the pay earned in the year.
    first_day = np.maximum(roster.hire_date, jan1)
    fraction = np.clip(((last_day - first_day) // DAY + 1) / days_in_year(year), 0.0, 1.0)
    prorated_pay = roster.pay * fraction
    service = np.maximum(whole_years(roster.hire_date, last_day), 0)
    contributions = compute_contributions(
        config=config,
        limits=YearLimits.for_year(config.irs_limits, year - config.simulation.start_year),
        prorated_pay=prorated_pay,
        deferral_rate=roster.deferral_rate,
        eligible=eligible,
        age=age,
        annual_hours=roster.hours_per_week * WEEKS_PER_YEAR * fraction,
        active_at_year_end=~leaving,
        vested=np.where(leaving, vested_fraction(config.vesting.schedule, service), 1.0),
    )

    # Step 11: the Dec 31 snapshot and the year's events, in the order they happen to an employee.
    status = np.where(hired, STATUSES.index("new_hire_active"), STATUSES.index("continuous_active"))
    status[leaving & ~hired] = STATUSES.index("experienced_termination")
    status[leaving & hired] = STATUSES.index("new_hire_termination")
    enrolled = eligible & (roster.deferral_rate > 0)
    snapshot = {
        "employee_index": roster.index,
        "status": status,
        "age": age,
        "tenure": service,
        "level": roster.level,
        "pay": roster.pay,
        "prorated_pay": prorated_pay,
        "eligible": eligible,
        "enrolled": enrolled,
        "deferral_rate": np.where(enrolled, roster.deferral_rate, 0.0),
        "employee_contribution": contributions.employee,
        "match": contributions.match,
        "core": contributions.core,
        "irs_limit_reached": contributions.limit_reached,
        "hire_date": roster.hire_date,
        "termination_date": termination_date,
    }
    experienced_leavers = leaving & ~hired
    events.append(
        EventBlock(
            "termination",
            roster.index[experienced_leavers],
            termination_date[experienced_leavers],
            roster.pay[experienced_leavers],
        )
    )
    new_hire_leavers = leaving & hired
    events.append(
        EventBlock(
            "new_hire_termination",
            roster.index[new_hire_leavers],
            termination_date[new_hire_leavers],
            roster.pay[new_hire_leavers],
        )
    )
    recorder.add_year(year, snapshot, events)
    return roster.take(~leaving)


def _auto_enrollment_scope(roster: Workforce, config: SimulationConfig) -> np.ndarray:
    """Who auto-enrollment may reach: everyone, or (new_hires_only) those hired since the projection began."""
    if config.auto_enrollment.scope == "all_eligible":
        return np.ones(len(roster), dtype=bool)
    return roster.hire_date >= year_start(config.simulation.start_year)
