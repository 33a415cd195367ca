"""The projection: simulation.md's "one simulated year" applied year after year to a census, vectorized
over employees, every draw seeded by (seed, employee id, year, kind)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from planalign.domain.census import Census
from planalign.domain.config import SimulationConfig
from planalign.domain.irs_limits import YearLimits
from planalign.domain.simulation.dates import DAY, days_in_year, whole_years, year_end, year_start
from planalign.domain.simulation.employer import match_band, match_ceiling
from planalign.domain.simulation.plan import (
    VESTING_SCHEDULES,
    Contributions,
    age_band,
    choose_enrollments,
    compute_contributions,
    conversion_deferral_rates,
    escalate,
    income_band,
    respond_to_match,
    voluntary_deferral_rates,
)
from planalign.domain.simulation.records import EventBlock, OutputCollector, YearRecorder
from planalign.domain.simulation.workforce import (
    Workforce,
    choose_experienced_leavers,
    choose_new_hire_leavers,
    hire_employees,
    hire_pay_by_level,
    plan_headcount,
    plan_service,
    promote,
    termination_dates,
    workforce_from_census,
)
from planalign.domain.simulation_output import STATUSES, SimulationOutput, YearRows, release_free_memory
from planalign.domain.vesting import vested_fraction
from planalign.errors import SimulationRejected

WEEKS_PER_YEAR = 52
JANUARY_FIRST = "01-01"


@dataclass(frozen=True)
class YearProgress:
    """Reported after each simulated year; events_generated counts the events of all years so far,
    event_counts the year's own events by type (types with none left out)."""

    year: int
    years_done: int
    total_years: int
    events_generated: int
    event_counts: dict[str, int]


def simulate_years(
    census: Census,
    config: SimulationConfig,
    *,
    seed: int | None = None,
    on_year: Callable[[YearProgress], None] | None = None,
) -> Iterator[YearRows]:
    """Project `census` from start_year to end_year under `config` (seed None: the config's seed): each
    year's rows as the year ends, once the year's working columns are freed."""
    run_seed = config.simulation.random_seed if seed is None else seed
    start_year, end_year = config.simulation.start_year, config.simulation.end_year
    workforce, census_ids = workforce_from_census(census, config)
    if not len(workforce):
        raise SimulationRejected("the census has no active employee to project")
    recorder = YearRecorder(census_ids)
    total_years = end_year - start_year + 1
    for done, year in enumerate(range(start_year, end_year + 1), 1):
        year_roster = _move_workforce(workforce, year, run_seed, config, recorder)
        # Each year's working columns are dropped as soon as they are used up: at 1M employees they
        # are hundreds of MB beside the recorded years.
        del workforce
        workforce, rows = _run_plan_year(year_roster, year, run_seed, config, recorder)
        del year_roster
        # Freed, those columns would stay in the heap, around the next year's of other sizes.
        release_free_memory()
        if on_year is not None:
            on_year(YearProgress(year, done, total_years, recorder.event_count, recorder.year_event_counts))
        yield rows
        del rows
    del workforce


def simulate(
    census: Census,
    config: SimulationConfig,
    *,
    seed: int | None = None,
    on_year: Callable[[YearProgress], None] | None = None,
) -> SimulationOutput:
    """The whole projection of simulate_years, kept as one SimulationOutput."""
    run_seed = config.simulation.random_seed if seed is None else seed
    output = OutputCollector(config.simulation.start_year, config.simulation.end_year, run_seed)
    for rows in simulate_years(census, config, seed=run_seed, on_year=on_year):
        output.add_year(rows)
    result = output.finish()
    release_free_memory()
    return result


@dataclass(frozen=True)
class _YearRoster:
    """Everyone employed at some point of a year (the Jan 1 workforce, then this year's hires), with
    the year's workforce moves applied."""

    roster: Workforce
    hired: np.ndarray  # bool: hired this year
    leaving: np.ndarray  # bool: terminated this year
    termination_date: np.ndarray  # NaT for those still employed at Dec 31
    service: np.ndarray  # whole years, as simulation.md's plan-design conventions count them
    events: list[EventBlock]


def _move_workforce(
    workforce: Workforce, year: int, seed: int, config: SimulationConfig, recorder: YearRecorder
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
    service = plan_service(roster.hire_date, roster.hire_year, year, config.simulation.start_year)
    promoted, pay_before = promote(roster, ~hired, level_mix, service, year, seed, config)
    events.append(EventBlock("promotion", roster.index[promoted], jan1, pay_before, roster.pay[promoted]))
    raise_factor = 1 + config.compensation.merit_budget + config.compensation.cola_rate
    if raise_factor != 1:
        pay_before = roster.pay[~hired]
        roster.pay[~hired] = pay_before * raise_factor
        events.append(EventBlock("raise", workforce.index, jan1, pay_before, roster.pay[~hired]))
    return _YearRoster(
        roster, hired, leaving, termination_dates(roster, leaving, year, seed), service, events
    )


def _run_plan_year(
    year_roster: _YearRoster, year: int, seed: int, config: SimulationConfig, recorder: YearRecorder
) -> tuple[Workforce, YearRows]:
    """Steps 7-11 on the year's roster; answers those employed at Dec 31 and the year's rows."""
    rows = _record_plan_year(year_roster, year, seed, config, recorder)
    # The year's working columns are gone by now: the next year's workforce is not made beside them.
    return year_roster.roster.take(np.flatnonzero(~year_roster.leaving)), rows


@dataclass(frozen=True)
class _PlanFacts:
    """What the plan rules of a year read about each employee besides the roster."""

    last_day: np.ndarray  # the termination date, or Dec 31
    first_day: np.ndarray  # the hire date, or Jan 1
    eligible: np.ndarray
    age: np.ndarray  # attained by Dec 31 (the IRS catch-up age, the opt-out and voluntary bands)
    plan_age: np.ndarray  # attained by Dec 31 of the prior year (age bands of plan formulas)
    service: np.ndarray  # whole years, as simulation.md's plan-design conventions count them
    points: np.ndarray  # plan_age + service
    hired: np.ndarray
    match_band: np.ndarray | None  # the band of a service or points match (None: by deferral)


def _plan_facts(year_roster: _YearRoster, year: int, config: SimulationConfig) -> _PlanFacts:
    roster = year_roster.roster
    last_day = np.where(year_roster.leaving, year_roster.termination_date, year_end(year))
    plan_age = (year - 1 - roster.birth_year).astype(np.int16)
    service = year_roster.service
    points = plan_age + service
    match = config.employer_match
    return _PlanFacts(
        last_day=last_day,
        first_day=np.maximum(roster.hire_date, year_start(year)),
        eligible=roster.eligibility_date <= last_day,
        age=year - roster.birth_year,
        plan_age=plan_age,
        service=service,
        points=points,
        hired=year_roster.hired,
        match_band=None if match.basis == "deferral" else match_band(match, service, points),
    )


def _record_plan_year(
    year_roster: _YearRoster, year: int, seed: int, config: SimulationConfig, recorder: YearRecorder
) -> YearRows:
    """Steps 7-11 on the year's roster (its deferral state updated in place), recorded with the year's
    events: the year's rows."""
    roster, leaving, events = year_roster.roster, year_roster.leaving, year_roster.events
    facts = _plan_facts(year_roster, year, config)
    eligible = facts.eligible
    deferrals = _enroll_and_escalate(roster, facts, year, seed, config)
    events += deferrals.events
    enrolled = eligible & (roster.deferral_rate > 0)
    fraction = _fraction_employed(roster.hire_date, facts.last_day, year)
    prorated_pay = roster.pay * fraction
    service = _years_of_service(roster, leaving, year_roster.termination_date, year)
    annual_hours = roster.hours_per_week * WEEKS_PER_YEAR * fraction
    contributions = _contribute(
        roster, year_roster, facts, deferrals, service, annual_hours, prorated_pay, year, config
    )

    hired = year_roster.hired
    status = np.where(hired, STATUSES.index("new_hire_active"), STATUSES.index("continuous_active"))
    status[leaving & ~hired] = STATUSES.index("experienced_termination")
    status[leaving & hired] = STATUSES.index("new_hire_termination")
    snapshot = {
        "employee_index": roster.index,
        "status": status,
        "age": facts.age,
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
        "service_years": facts.service,
        "points": facts.points,
        "match_eligible": contributions.match_eligible,
        "core_eligible": contributions.core_eligible,
        "annual_hours": annual_hours,
    }
    # Terminations come last among an employee's events of the year, as they happen last.
    for event_type, rows in (("termination", leaving & ~hired), ("new_hire_termination", leaving & hired)):
        events.append(
            EventBlock(event_type, roster.index[rows], year_roster.termination_date[rows], roster.pay[rows])
        )
    rows = recorder.add_year(year, snapshot, events)
    # The recorder has copied the events; the roster's list would keep them alive until the year ends.
    events.clear()
    return rows


@dataclass(frozen=True)
class _Deferrals:
    """The year's deferral changes: their events, and the rate of the employed period's first part
    (`earlier_share` of it) where that differs from the year-end rate (before an escalation's day, or
    until an opt-out); None when nobody's does."""

    events: list[EventBlock]
    earlier_rate: np.ndarray | None
    earlier_share: np.ndarray | None


def _enroll_and_escalate(
    roster: Workforce, facts: _PlanFacts, year: int, seed: int, config: SimulationConfig
) -> _Deferrals:
    """Steps 7-9, updating the roster's deferral state in place."""
    jan1 = year_start(year)
    eligible = facts.eligible
    joined = eligible & (roster.eligibility_date >= jan1)
    events = [EventBlock("eligibility", roster.index[joined], roster.eligibility_date[joined])]
    # Plan actions take effect when participation can start in the year: Jan 1 or the eligibility date.
    plan_day = np.maximum(roster.eligibility_date, jan1)
    ceiling = _match_ceiling(config, facts, len(roster))
    if config.match_response.enabled and year == config.simulation.start_year:
        events.append(_respond_to_match(roster, facts, ceiling, year, seed, config))
    auto = config.auto_enrollment
    enrollment_day = plan_day + np.timedelta64(auto.window_days, "D")
    enrollments = choose_enrollments(
        config=config,
        seed=seed,
        year=year,
        id_hash=roster.id_hash,
        eligible=eligible,
        enrolled=roster.deferral_rate > 0,
        auto_enrollment_decided=roster.auto_enrollment_decided,
        # Who leaves before auto-enrolment takes effect is not enrolled; who is still employed at year
        # end is enrolled this year, as the reference records it, even when it takes effect in January.
        in_scope=_auto_enrollment_scope(roster, config)
        & ((enrollment_day <= facts.last_day) | (facts.last_day == year_end(year))),
        band=age_band(facts.age),
        income=income_band(roster.pay),
        plan_age=facts.plan_age,
        level=roster.level,
        hired=facts.hired,
        service=facts.service,
    )
    default_rate = auto.default_deferral_rate
    voluntary, converted = enrollments.voluntary, enrollments.converted
    auto_enrolled, opted_out = enrollments.auto_enrolled, enrollments.opted_out
    roster.deferral_rate[auto_enrolled] = default_rate
    if voluntary.any():
        roster.deferral_rate[voluntary] = _voluntary_rates(
            roster, facts, ceiling, voluntary, year, seed, config
        )
    conversion = config.voluntary.conversion
    if conversion is not None and converted.any():
        roster.deferral_rate[converted] = conversion_deferral_rates(conversion, facts.plan_age[converted])
    joining = auto_enrolled | voluntary | converted
    roster.enrollment_year[joining] = year
    roster.auto_enrollment_decided |= auto_enrolled | opted_out
    joiners = np.flatnonzero(joining)
    events.append(
        EventBlock(
            "enrollment",
            roster.index[joiners],
            # An enrolment that takes effect after Dec 31 is recorded on Dec 31, in its year.
            np.where(
                auto_enrolled[joiners], np.minimum(enrollment_day, facts.last_day)[joiners], plan_day[joiners]
            ),
            0.0,
            roster.deferral_rate[joiners],
        )
    )
    earlier_rate, earlier_share = None, None
    leavers = np.flatnonzero(opted_out)
    opt_out_day = enrollment_day[leavers]
    if auto.opt_out_grace_days is not None:
        # Until the opt-out, the default rate is deferred.
        opt_out_day = np.minimum(
            opt_out_day + np.timedelta64(auto.opt_out_grace_days, "D"), facts.last_day[leavers]
        )
        earlier_rate = np.where(opted_out, default_rate, 0.0)
        earlier_share = _share_of_period(facts, leavers, enrollment_day[leavers], opt_out_day + DAY)
    events.append(EventBlock("opt_out", roster.index[leavers], opt_out_day, default_rate, 0.0))

    escalated, new_rate, escalation_day = _escalations(roster, facts, plan_day, year, config)
    events.append(
        EventBlock(
            "deferral_escalation",
            roster.index[escalated],
            escalation_day[escalated],
            roster.deferral_rate[escalated],
            new_rate,
        )
    )
    if config.auto_escalation.effective_day != JANUARY_FIRST and escalated.any():
        # The old rate until the escalation's day.
        earlier_rate = np.where(
            escalated, roster.deferral_rate, 0.0 if earlier_rate is None else earlier_rate
        )
        raised = np.flatnonzero(escalated)
        before = _share_of_period(facts, raised, facts.first_day[raised], escalation_day[raised])
        earlier_share = before if earlier_share is None else np.where(escalated, before, earlier_share)
    roster.deferral_rate[escalated] = new_rate
    return _Deferrals(events, earlier_rate, earlier_share)


def _share_of_period(facts: _PlanFacts, at: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """For the rows `at`, the share of the days employed in the year that fall in [start, end) (given
    for those rows); 0 elsewhere."""
    first, last = facts.first_day[at], facts.last_day[at]
    employed = (last - first) // DAY + 1
    inside = (np.minimum(end, last + DAY) - np.maximum(start, first)) // DAY
    share = np.zeros(len(facts.last_day))
    share[at] = np.clip(inside / np.maximum(employed, 1), 0.0, 1.0)
    return share


def _match_ceiling(config: SimulationConfig, facts: _PlanFacts, rows: int) -> np.ndarray | None:
    """The deferral earning each employee's whole match, when a rule aims at it (else None)."""
    if config.voluntary.match_magnet_probability == 0 and not config.match_response.enabled:
        return None
    return match_ceiling(config.employer_match, facts.match_band, rows)


def _voluntary_rates(
    roster: Workforce,
    facts: _PlanFacts,
    ceiling: np.ndarray | None,
    rows: np.ndarray,
    year: int,
    seed: int,
    config: SimulationConfig,
) -> np.ndarray:
    """The deferral rates the voluntary enrollees `rows` pick."""
    return voluntary_deferral_rates(
        config=config,
        seed=seed,
        year=year,
        id_hash=roster.id_hash[rows],
        plan_age=facts.plan_age[rows],
        pay=roster.pay[rows],
        ceiling=np.zeros(int(rows.sum())) if ceiling is None else ceiling[rows],
    )


def _respond_to_match(
    roster: Workforce,
    facts: _PlanFacts,
    ceiling: np.ndarray | None,
    year: int,
    seed: int,
    config: SimulationConfig,
) -> EventBlock:
    """The first year's match response of the census participants, applied on Jan 1."""
    assert ceiling is not None
    limits = YearLimits.for_year(config.irs_limits, year, config.simulation.start_year)
    rows = np.flatnonzero(facts.eligible & (roster.deferral_rate > 0) & ~facts.hired)
    before = roster.deferral_rate[rows]
    changed, new_rate = respond_to_match(
        config=config,
        seed=seed,
        year=year,
        id_hash=roster.id_hash[rows],
        deferral_rate=before,
        responding=np.ones(len(rows), dtype=bool),
        ceiling=ceiling[rows],
        most_by_402g=limits.deferral / np.maximum(roster.pay[rows], 1.0),
    )
    rows = rows[changed]
    block = EventBlock(
        "deferral_match_response", roster.index[rows], year_start(year), before[changed], new_rate
    )
    roster.deferral_rate[rows] = new_rate
    return block


def _escalations(
    roster: Workforce, facts: _PlanFacts, plan_day: np.ndarray, year: int, config: SimulationConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mask of those escalated, their new rates, the day each escalation takes effect): the enrolled
    for first_after_years, not opted out, hired on or after the cutoff, employed on the effective day
    (or from when participation can start, if later)."""
    settings = config.auto_escalation
    escalating = (
        facts.eligible
        & (roster.deferral_rate > 0)
        & (year - roster.enrollment_year >= settings.first_after_years)
        & ~roster.escalation_opt_out
    )
    if settings.hire_date_cutoff is not None:
        escalating &= roster.hire_date >= np.datetime64(settings.hire_date_cutoff, "D")
    day = np.maximum(np.datetime64(f"{year:04d}-{settings.effective_day}", "D"), plan_day)
    escalating &= day <= facts.last_day
    escalated, new_rate = escalate(roster.deferral_rate, escalating, settings)
    return escalated, new_rate, day


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
    facts: _PlanFacts,
    deferrals: _Deferrals,
    service: np.ndarray,
    annual_hours: np.ndarray,
    prorated_pay: np.ndarray,
    year: int,
    config: SimulationConfig,
) -> Contributions:
    """Step 10: the year's contributions; a leaver's employer money is vested by service."""
    leaving = year_roster.leaving
    vested = np.ones(len(roster))
    vested[leaving] = vested_fraction(VESTING_SCHEDULES[config.vesting.schedule], service[leaving])
    return compute_contributions(
        config=config,
        limits=YearLimits.for_year(config.irs_limits, year, config.simulation.start_year),
        prorated_pay=prorated_pay,
        deferral_rate=roster.deferral_rate,
        eligible=facts.eligible,
        age=facts.age,
        annual_hours=annual_hours,
        active_at_year_end=~leaving,
        vested=vested,
        service=facts.service,
        points=facts.points,
        plan_age=facts.plan_age,
        hired=facts.hired,
        earlier_rate=deferrals.earlier_rate,
        earlier_share=deferrals.earlier_share,
        band=facts.match_band,
    )


def _auto_enrollment_scope(roster: Workforce, config: SimulationConfig) -> np.ndarray:
    """Who auto-enrollment may reach: everyone, or (new_hires_only) those hired since the projection
    began; with a hire-date cutoff, those hired on or after it too (new_hires_only) or only (all_eligible)."""
    settings = config.auto_enrollment
    cutoff = None if settings.hire_date_cutoff is None else np.datetime64(settings.hire_date_cutoff, "D")
    if settings.scope == "all_eligible":
        if cutoff is None:
            return np.ones(len(roster), dtype=bool)
        return roster.hire_date >= cutoff
    since = year_start(config.simulation.start_year)
    return roster.hire_date >= (since if cutoff is None else min(since, cutoff))
