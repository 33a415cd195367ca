"""The employees the model carries from year to year (one NumPy column per attribute) and the
workforce moves of a year: the headcount plan, terminations, hires, promotions and merit raises."""

import math
from dataclasses import dataclass, fields

import numpy as np

from planalign.domain.census import Census
from planalign.domain.config import (
    MAX_DEFERRAL_RATE,
    JobLevel,
    NewHireSettings,
    PromotionHazard,
    SimulationConfig,
    WorkforceSettings,
)
from planalign.domain.simulation.columns import allocate_columns
from planalign.domain.simulation.dates import DAY, days_in_year, year_end, year_of, year_start
from planalign.domain.simulation.draws import DrawKind, draw_bits, draw_uniform, hash_ids
from planalign.domain.simulation.plan import by_band, eligibility_dates
from planalign.domain.simulation.quotas import apportion, exact, pick_by_rank, quota, round_half_up
from planalign.errors import SimulationRejected

PROMOTION_RAISE_CAP = 0.30
PROMOTION_AGE_LIMIT = 65
PROMOTION_PAY_CAP = 500_000.0
NEW_HIRE_HOURS_PER_WEEK = 40.0
MAX_HIRE_SHARE = 0.5
DAYS_PER_YEAR = 365.25


@dataclass
class Workforce:
    """Employees as equal-length columns, in ascending `index` (the output's employee_index)."""

    index: np.ndarray  # int32
    id_hash: np.ndarray  # uint64, hash_ids of the employee id
    birth_year: np.ndarray  # int16: the age at Dec 31 is the year minus this
    hire_date: np.ndarray  # datetime64[D]
    hire_year: np.ndarray  # int16: the service at Dec 31 is the year minus this
    eligibility_date: np.ndarray  # datetime64[D]
    pay: np.ndarray  # float64 annual rate
    level: np.ndarray  # int8, 1-based job level
    hours_per_week: np.ndarray  # float64
    deferral_rate: np.ndarray  # float64, 0 = not enrolled
    enrollment_year: np.ndarray  # int16, year the current enrollment started
    auto_enrollment_decided: np.ndarray  # bool: auto-enrolled or opted out once, never asked again
    escalation_opt_out: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.index)

    def _empty(self, rows: int) -> "Workforce":
        """A workforce of `rows` uninitialized employees in one buffer, like this one's columns."""
        schema = {f.name: getattr(self, f.name).dtype for f in fields(self)}
        return Workforce(**allocate_columns(rows, schema))

    def take(self, rows: np.ndarray) -> "Workforce":
        """The employees at the integer positions `rows`."""
        taken = self._empty(len(rows))
        for f in fields(self):
            np.take(getattr(self, f.name), rows, out=getattr(taken, f.name))
        return taken

    def concat(self, other: "Workforce") -> "Workforce":
        """These employees, then `other`'s."""
        joined = self._empty(len(self) + len(other))
        for f in fields(self):
            np.concatenate([getattr(self, f.name), getattr(other, f.name)], out=getattr(joined, f.name))
        return joined


def level_of(pay: np.ndarray, job_levels: list[JobLevel]) -> np.ndarray:
    """The job level whose band [min, max) holds each pay (below the first band: level 1)."""
    starts = np.asarray([band.min for band in job_levels[1:]])
    return (np.searchsorted(starts, pay, side="right") + 1).astype(np.int8)


def workforce_from_census(census: Census, config: SimulationConfig) -> tuple[Workforce, np.ndarray]:
    """The employees the projection starts from, in id order, and their ids.

    Rows that are inactive, or that ended before the start year, are not projected. A termination date
    on an active row from the start year on is not used: the model decides who leaves.
    """
    start_year = config.simulation.start_year
    kept = census.active & ~(census.termination_date < year_start(start_year))
    rows = np.flatnonzero(kept)
    rows = rows[np.argsort(census.employee_id[rows], kind="stable")]
    ids = census.employee_id[rows]
    repeated = np.flatnonzero(ids[1:] == ids[:-1])
    if len(repeated):
        raise SimulationRejected(f"employee id {ids[repeated[0]]} appears more than once in the census")
    people = census.take(rows)
    deferral_rate = np.clip(np.nan_to_num(people.deferral_rate), 0.0, MAX_DEFERRAL_RATE)
    enrolled = deferral_rate > 0
    # A census participant is eligible: the census is the fact, whatever the configured rules say.
    eligibility_date = eligibility_dates(
        people.birth_date, people.hire_date, people.eligibility_override | enrolled, config.eligibility
    )
    hire_year = year_of(people.hire_date).astype(np.int16)
    # A census participant joined before the projection, or when hired during its first year.
    enrollment_year = np.where(enrolled, np.maximum(hire_year, start_year - 1), 0)
    workforce = Workforce(
        index=np.arange(len(rows), dtype=np.int32),
        id_hash=hash_ids(ids),
        birth_year=year_of(people.birth_date).astype(np.int16),
        hire_date=people.hire_date,
        hire_year=hire_year,
        eligibility_date=eligibility_date,
        pay=people.gross_compensation.astype(np.float64),
        level=level_of(people.gross_compensation, config.job_levels),
        hours_per_week=people.scheduled_hours_per_week.astype(np.float64),
        deferral_rate=deferral_rate,
        enrollment_year=enrollment_year.astype(np.int16),
        auto_enrollment_decided=np.zeros(len(rows), dtype=bool),
        escalation_opt_out=people.auto_escalation_opt_out.astype(bool),
    )
    return workforce, ids


@dataclass(frozen=True)
class HeadcountPlan:
    """The exact counts of a year (simulation.md steps 1-3)."""

    experienced_terminations: int
    hires: int
    new_hire_terminations: int


def plan_headcount(n_start: int, settings: WorkforceSettings, year: int) -> HeadcountPlan:
    """The hiring solver: target = round(N x (1 + growth)); net = target - (N - terminations);
    hires = ceil(net / (1 - new_hire_termination_rate)); a net <= 0 becomes |net| more terminations."""
    growth = exact(settings.target_growth_rate)
    if abs(growth) > 1:
        raise SimulationRejected(f"target_growth_rate {growth} is beyond +/-100% a year")
    terminations = quota(n_start, settings.total_termination_rate)
    target = round_half_up(n_start * (1 + growth))
    net = target - (n_start - terminations)
    if net <= 0:
        return HeadcountPlan(experienced_terminations=terminations - net, hires=0, new_hire_terminations=0)
    hires = math.ceil(net / (1 - exact(settings.new_hire_termination_rate)))
    if hires > MAX_HIRE_SHARE * n_start:
        raise SimulationRejected(
            f"{year} would need {hires} hires for {n_start} employees at its start, more than 50%: "
            "lower the growth or the termination rates"
        )
    return HeadcountPlan(
        experienced_terminations=terminations,
        hires=hires,
        new_hire_terminations=quota(hires, settings.new_hire_termination_rate),
    )


def choose_experienced_leavers(
    workforce: Workforce, count: int, level_mix: np.ndarray, year: int, seed: int
) -> np.ndarray:
    """Exactly `count` leavers, apportioned to levels by largest remainder, by hash rank within a level."""
    bits = draw_bits(seed, workforce.id_hash, year, DrawKind.EXPERIENCED_TERMINATION)
    return pick_by_rank(bits, workforce.level - 1, apportion(count, level_mix))


def choose_new_hire_leavers(hires: Workforce, count: int, year: int, seed: int) -> np.ndarray:
    """Exactly `count` of this year's hires, by hash rank."""
    bits = draw_bits(seed, hires.id_hash, year, DrawKind.NEW_HIRE_TERMINATION)
    return pick_by_rank(bits, np.zeros(len(hires), dtype=np.int8), np.array([count]))


def termination_dates(roster: Workforce, leaving: np.ndarray, year: int, seed: int) -> np.ndarray:
    """A seeded day between Jan 1 (or the hire date, if later) and Dec 31 for each leaver; NaT otherwise."""
    last = year_end(year)
    first = np.maximum(roster.hire_date[leaving], year_start(year))
    # A census hire date after this year (a census newer than start_year) still ends within the year.
    span = np.maximum((last - first) // DAY + 1, 1)
    offset = draw_uniform(seed, roster.id_hash[leaving], year, DrawKind.TERMINATION_DATE) * span
    dates = np.full(len(roster), np.datetime64("NaT"), dtype="datetime64[D]")
    dates[leaving] = np.minimum(first + offset.astype(np.int64) * DAY, last)
    return dates


def hire_ids(year: int, count: int, reserved: np.ndarray) -> np.ndarray:
    """`count` ids NH<year>_<ordinal> (000001, 000002, ...), skipping any that a census id already uses
    (`reserved`, sorted). Ordinals share one width, so the ids come out sorted, and a later year's
    ids sort after an earlier year's."""
    prefix = f"NH{year}_"
    # The reserved ids that could clash are those with the prefix: a contiguous run of the sorted ids.
    low, high = np.searchsorted(reserved, [prefix, f"NH{year}`"])
    clashing = reserved[low:high]
    width = max(6, len(str(count + len(clashing))))
    dtype = f"U{len(prefix) + width}"
    if not count:
        return np.empty(0, dtype=dtype)
    ordinals = np.arange(1, count + len(clashing) + 1).astype(np.str_)
    ids = np.strings.add(prefix, np.strings.zfill(ordinals, width)).astype(dtype)
    return ids[~np.isin(ids, clashing)][:count]


def hire_pay_by_level(workforce: Workforce, config: SimulationConfig) -> np.ndarray:
    """A hire's offer at each level before its variance: pay_percentile of the level's band (its new-hire
    pay band when one is set, else its job level's; for an open-ended top band, that percentile of its
    current employees' pay, never below the band's min), the part above the band's min times
    1 + market_adjustment, the whole times 1 + the level's adjustment."""
    settings = config.new_hires
    percentile = settings.pay_percentile
    offer_bands = {band.level: band for band in settings.pay_bands}
    pay = np.empty(len(config.job_levels))
    for i, band in enumerate(config.job_levels):
        low, high = band.min, band.max
        if band.level in offer_bands:
            low, high = offer_bands[band.level].min, offer_bands[band.level].max
        if high is not None:
            pay[i] = low + (high - low) * percentile * (1 + settings.market_adjustment)
        else:
            current = workforce.pay[workforce.level == band.level]
            pay[i] = max(low, float(np.quantile(current, percentile))) if len(current) else low
        pay[i] *= 1 + settings.level_adjustments.get(band.level, 0.0)
    return pay


def triangular(u: np.ndarray, low: float, mode: float, high: float) -> np.ndarray:
    """Inverse CDF of the triangular distribution, so an age comes from a single uniform draw."""
    if high == low:
        return np.full(len(u), float(low))
    split = (mode - low) / (high - low)
    rising = low + np.sqrt(u * (high - low) * (mode - low))
    falling = high - np.sqrt((1 - u) * (high - low) * (high - mode))
    return np.where(u < split, rising, falling)


def hire_employees(
    *,
    count: int,
    year: int,
    seed: int,
    first_index: int,
    level_mix: np.ndarray,
    level_pay: np.ndarray,
    config: SimulationConfig,
    reserved_ids: np.ndarray,
) -> tuple[Workforce, np.ndarray]:
    """This year's hires and their ids: a seeded hire date in the year, an age from the triangular
    new-hire distribution, levels apportioned to the Jan 1 mix (by hash rank) and pay from the band."""
    ids = hire_ids(year, count, reserved_ids)
    id_hash = hash_ids(ids)
    days = days_in_year(year)
    hire_day = (draw_uniform(seed, id_hash, year, DrawKind.HIRE_DATE) * days).astype(np.int64)
    hire_date = year_start(year) + hire_day * DAY
    settings = config.new_hires
    age = hire_ages(draw_uniform(seed, id_hash, year, DrawKind.HIRE_AGE), settings)
    birth_date = hire_date - (age * DAYS_PER_YEAR).astype(np.int64) * DAY
    level = np.empty(count, dtype=np.int8)
    by_rank = np.argsort(draw_bits(seed, id_hash, year, DrawKind.HIRE_LEVEL))
    if settings.level_shares:
        # Shares as whole parts per million, so that the apportionment stays in integers.
        level_mix = np.array([round(share * 1_000_000) for share in settings.level_shares])
    per_level = apportion(count, level_mix)
    level[by_rank] = np.repeat(np.arange(1, len(per_level) + 1, dtype=np.int8), per_level)
    pay = level_pay[level - 1]
    if settings.pay_variance > 0:
        pay = pay * (
            1 + settings.pay_variance * (2 * draw_uniform(seed, id_hash, year, DrawKind.HIRE_PAY) - 1)
        )
    hours = np.full(count, NEW_HIRE_HOURS_PER_WEEK)
    if settings.part_time_share > 0:
        part_time = draw_uniform(seed, id_hash, year, DrawKind.PART_TIME) < settings.part_time_share
        hours[part_time] = settings.part_time_hours_per_week
    hires = Workforce(
        index=np.arange(first_index, first_index + count, dtype=np.int32),
        id_hash=id_hash,
        birth_year=year_of(birth_date).astype(np.int16),
        hire_date=hire_date,
        hire_year=np.full(count, year, dtype=np.int16),
        eligibility_date=eligibility_dates(birth_date, hire_date, np.zeros(count, bool), config.eligibility),
        pay=pay,
        level=level,
        hours_per_week=hours,
        deferral_rate=np.zeros(count),
        enrollment_year=np.zeros(count, dtype=np.int16),
        auto_enrollment_decided=np.zeros(count, dtype=bool),
        escalation_opt_out=np.zeros(count, dtype=bool),
    )
    return hires, ids


def hire_ages(u: np.ndarray, settings: NewHireSettings) -> np.ndarray:
    """The age of each hire from its uniform draw: by the weights of age_distribution (each age takes
    its share of [0, 1)), else from the triangle (age_min, age_mode, age_max)."""
    if not settings.age_distribution:
        return triangular(u, settings.age_min, settings.age_mode, settings.age_max)
    rows = sorted(settings.age_distribution, key=lambda row: row.age)
    ages = np.array([row.age for row in rows], dtype=np.float64)
    cumulative = np.cumsum([row.weight for row in rows])
    return ages[np.minimum(np.searchsorted(cumulative / cumulative[-1], u, side="right"), len(ages) - 1)]


def promote(
    roster: Workforce,
    experienced: np.ndarray,
    level_mix: np.ndarray,
    service: np.ndarray,
    year: int,
    seed: int,
    config: SimulationConfig,
) -> tuple[np.ndarray, np.ndarray]:
    """Promote, in place, the experienced employees below the top level: round(N_level x rate) of each
    level by hash rank, or (promotion_hazard) round(the level's sum of chances) drawn in proportion to
    the chances; level + 1 and a raise of promotion_raise +/- promotion_raise_spread (uniform, at most
    30%, never taking pay above 500,000); `service` is plan_service's. Returns (rows promoted, their pay
    before)."""
    comp = config.compensation
    top = len(config.job_levels)
    if comp.promotion_hazard is not None:
        chosen = _promoted_by_hazard(roster, experienced, comp.promotion_hazard, top, service, year, seed)
    else:
        counts = np.array(
            [
                quota(int(n), comp.promotion_rates.get(level, 0.0)) if level < top else 0
                for level, n in enumerate(level_mix, 1)
            ]
        )
        group = np.where(experienced, roster.level - 1, -1)
        chosen = pick_by_rank(draw_bits(seed, roster.id_hash, year, DrawKind.PROMOTION), group, counts)
    rows = np.flatnonzero(chosen)
    spread = draw_uniform(seed, roster.id_hash[rows], year, DrawKind.PROMOTION_RAISE) * 2 - 1
    raise_rate = np.clip(
        comp.promotion_raise + comp.promotion_raise_spread * spread, 0.0, PROMOTION_RAISE_CAP
    )
    before = roster.pay[rows]
    roster.pay[rows] = np.maximum(before, np.minimum(before * (1 + raise_rate), PROMOTION_PAY_CAP))
    roster.level[rows] += 1
    return rows, before


def _promoted_by_hazard(
    roster: Workforce,
    experienced: np.ndarray,
    hazard: PromotionHazard,
    top: int,
    service: np.ndarray,
    year: int,
    seed: int,
) -> np.ndarray:
    """The mask of those promoted by PromotionHazard: per level, round(the sum of the chances), drawn
    without replacement in proportion to the chances (the smallest -ln(1 - u) / chance)."""
    age = year - 1 - roster.birth_year
    rows = np.flatnonzero(experienced & (roster.level < top) & (service >= 1) & (age < PROMOTION_AGE_LIMIT))
    chance = by_band(age[rows], hazard.age_multipliers) * by_band(service[rows], hazard.tenure_multipliers)
    levels = roster.level[rows]
    chance *= hazard.base_rate * hazard.rate_multiplier
    chance *= np.maximum(0.0, 1 - hazard.level_dampener_factor * (levels - 1))
    np.minimum(chance, 1.0, out=chance)
    some = chance > 0
    rows, chance, levels = rows[some], chance[some], levels[some]
    key = -np.log1p(-draw_uniform(seed, roster.id_hash[rows], year, DrawKind.PROMOTION)) / chance
    chosen = np.zeros(len(roster), dtype=bool)
    for level in range(1, top):
        members = np.flatnonzero(levels == level)
        count = min(round_half_up(exact(float(chance[members].sum()))), len(members))
        if count > 0:
            chosen[rows[members[np.argpartition(key[members], count - 1)[:count]]]] = True
    return chosen


def plan_service(hire_date: np.ndarray, hire_year: np.ndarray, year: int, start_year: int) -> np.ndarray:
    """Whole years of service in `year` (int16): floor(days from hire to Dec 31 of the first projection
    year / 365.25), plus 1 each later year; a later hire has 0 in the year hired."""
    days = (year_end(start_year) - hire_date) // DAY
    at_start = np.floor(days / DAYS_PER_YEAR).astype(np.int64) + (year - start_year)
    service = np.where(hire_year > start_year, year - hire_year.astype(np.int64), at_start)
    return np.maximum(service, 0).astype(np.int16)
