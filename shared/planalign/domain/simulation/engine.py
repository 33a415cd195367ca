"""The projection: simulation.md's "one simulated year" applied year after year to a census, vectorized
over employees, every draw seeded by (seed, employee id, year, kind)."""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from planalign.domain.census import Census
from planalign.domain.config import SimulationConfig
from planalign.domain.simulation.dates import DAY, days_in_year, whole_years, year_end, year_start
from planalign.domain.simulation.plan import (
    Contributions,
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
from planalign.domain.simulation_output import STATUSES, SimulationOutput, release_free_memory
from planalign.errors import SimulationRejected

WEEKS_PER_YEAR = 52


@dataclass(frozen=True)
class YearProgress:
    """Reported after each simulated year; events_generated counts the events of all years so far,
    event_counts the year's own events by type (types with none left out)."""

    year: int
    years_done: int
    total_years: int
    events_generated: int
    event_counts: dict[str, int]


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
        year_roster = _move_workforce(workforce, year, run_seed, config, recorder)
        # Each year's working columns are dropped as soon as they are used up: at 1M employees they
        # are hundreds of MB beside the recorded years.
        del workforce
        workforce = _run_plan_year(year_roster, year, run_seed, config, recorder)
        del year_roster
        # Freed, those columns would stay in the heap, around the next year's of other sizes.
        release_free_memory()
        if on_year is not None:
            on_year(YearProgress(year, done, total_years, recorder.event_count, recorder.year_event_counts))
    del workforce
    output = recorder.finish()
    release_free_memory()
    return output


@dataclass(frozen=True)
class _YearRoster:
    """Everyone employed at some point of a year (the Jan 1 workforce, then this year's hires), with
    the year's workforce moves applied."""

    roster: Workforce
    hired: np.ndarray  # bool: hired this year
    leaving: np.ndarray  # bool: terminated this year
    termination_date: np.ndarray  # NaT for those still employed at Dec 31
    events: list[EventBlock]


def _move_workforce(
    workforce: Workforce, year: int, seed: int, config: SimulationConfig, recorder: OutputRecorder
) -> _YearRoster:
    """Steps 1-6: experienced terminations, hires, new-hire terminations, termination dates,
    promotions, then merit and COLA (both effective Jan 1 for everyone employed then)."""
    level_mix = np.bincount(workforce.level - 1, minlength=len(config.job_levels))
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
    roster = workforce.concat(hires)
    hired = np.arange(len(roster)) >= len(workforce)
    leaving = np.concatenate([leavers, hire_leavers])
    events = [EventBlock("hire", hires.index, hires.hire_date, new_value=hires.pay)]

    jan1 = year_start(year)
    promoted, pay_before = promote(roster, ~hired, level_mix, year, seed, config)
    events.append(EventBlock("promotion", roster.index[promoted], jan1, pay_before, roster.pay[promoted]))
    raise_factor = 1 + config.compensation.merit_budget + config.compensation.cola_rate
    if raise_factor != 1:
        pay_before = roster.pay[~hired]
        roster.pay[~hired] = pay_before * raise_factor
        events.append(EventBlock("raise", workforce.index, jan1, pay_before, roster.pay[~hired]))
    return _YearRoster(roster, hired, leaving, termination_dates(roster, leaving, year, seed), events)


def _run_plan_year(
    year_roster: _YearRoster, year: int, seed: int, config: SimulationConfig, recorder: OutputRecorder
) -> Workforce:
    """Steps 7-11 on the year's roster; records the year and returns those employed at Dec 31."""
    _record_plan_year(year_roster, year, seed, config, recorder)
    # The year's working columns are gone by now: the next year's workforce is not made beside them.
    return year_roster.roster.take(np.flatnonzero(~year_roster.leaving))


def _record_plan_year(
    year_roster: _YearRoster, year: int, seed: int, config: SimulationConfig, recorder: OutputRecorder
) -> None:
    """Steps 7-11 on the year's roster (its deferral state updated in place), recorded with the year's
    events."""
    roster, leaving, events = year_roster.roster, year_roster.leaving, year_roster.events
    last_day = np.where(leaving, year_roster.termination_date, year_end(year))
    eligible = roster.eligibility_date <= last_day
    age = year - roster.birth_year
    events += _enroll_and_escalate(roster, eligible, age, year, seed, config)
    enrolled = eligible & (roster.deferral_rate > 0)
    fraction = _fraction_employed(roster.hire_date, last_day, year)
    prorated_pay = roster.pay * fraction
    service = _years_of_service(roster, leaving, year_roster.termination_date, year)
    contributions = _contribute(
        roster, year_roster, eligible, age, service, fraction, prorated_pay, year, config
    )

    hired = year_roster.hired
    status = np.where(hired, STATUSES.index("new_hire_active"), STATUSES.index("continuous_active"))
    status[leaving & ~hired] = STATUSES.index("experienced_termination")
    status[leaving & hired] = STATUSES.index("new_hire_termination")
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
        "termination_date": year_roster.termination_date,
    }
    # Terminations come last among an employee's events of the year, as they happen last.
    for event_type, rows in (("termination", leaving & ~hired), ("new_hire_termination", leaving & hired)):
        events.append(
            EventBlock(event_type, roster.index[rows], year_roster.termination_date[rows], roster.pay[rows])
        )
    recorder.add_year(year, snapshot, events)
    # The recorder has copied the events; the roster's list would keep them alive until the year ends.
    events.clear()


def _enroll_and_escalate(
    roster: Workforce, eligible: np.ndarray, age: np.ndarray, year: int, seed: int, config: SimulationConfig
) -> list[EventBlock]:
    """Steps 7-9, updating the roster's deferral state in place; returns the events."""
    jan1 = year_start(year)
    joined = eligible & (roster.eligibility_date >= jan1)
    events = [EventBlock("eligibility", roster.index[joined], roster.eligibility_date[joined])]
    # Plan actions take effect when participation can start in the year: Jan 1 or the eligibility date.
    plan_day = np.maximum(roster.eligibility_date, jan1)
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
    default_rate = config.auto_enrollment.default_deferral_rate
    joining = enrollments.auto_enrolled | enrollments.voluntary
    roster.deferral_rate[joining] = default_rate
    roster.enrollment_year[joining] = year
    roster.auto_enrollment_decided |= enrollments.auto_enrolled | enrollments.opted_out
    opted_out = enrollments.opted_out
    events.append(EventBlock("enrollment", roster.index[joining], plan_day[joining], 0.0, default_rate))
    events.append(EventBlock("opt_out", roster.index[opted_out], plan_day[opted_out], default_rate, 0.0))

    escalating = (
        eligible
        & (roster.deferral_rate > 0)
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
    return events


def _years_of_service(
    roster: Workforce, leaving: np.ndarray, termination_date: np.ndarray, year: int
) -> np.ndarray:
    """Completed years of service on the last day employed in the year (int16)."""
    # At Dec 31 every anniversary of the year has passed: only a leaver's needs the calendar.
    service = np.maximum(year - roster.hire_year, 0)
    service[leaving] = np.maximum(whole_years(roster.hire_date[leaving], termination_date[leaving]), 0)
    return service


def _fraction_employed(hire_date: np.ndarray, last_day: np.ndarray, year: int) -> np.ndarray:
    """The share of the year between the later of Jan 1 and the hire date, and the last day employed."""
    first_day = np.maximum(hire_date, year_start(year))
    return np.clip(((last_day - first_day) // DAY + 1) / days_in_year(year), 0.0, 1.0)


def _contribute(
    roster: Workforce,
    year_roster: _YearRoster,
    eligible: np.ndarray,
    age: np.ndarray,
    service: np.ndarray,
    fraction: np.ndarray,
    prorated_pay: np.ndarray,
    year: int,
    config: SimulationConfig,
) -> Contributions:
    """Step 10: the year's contributions; a leaver's employer money is vested by service."""
    leaving = year_roster.leaving
    vested = np.ones(len(roster))
    vested[leaving] = vested_fraction(config.vesting.schedule, service[leaving])
    return compute_contributions(
        config=config,
        limits=YearLimits.for_year(config.irs_limits, year - config.simulation.start_year),
        prorated_pay=prorated_pay,
        deferral_rate=roster.deferral_rate,
        eligible=eligible,
        age=age,
        annual_hours=roster.hours_per_week * WEEKS_PER_YEAR * fraction,
        active_at_year_end=~leaving,
        vested=vested,
    )


def _auto_enrollment_scope(roster: Workforce, config: SimulationConfig) -> np.ndarray:
    """Who auto-enrollment may reach: everyone, or (new_hires_only) those hired since the projection began."""
    if config.auto_enrollment.scope == "all_eligible":
        return np.ones(len(roster), dtype=bool)
    return roster.hire_date >= year_start(config.simulation.start_year)
