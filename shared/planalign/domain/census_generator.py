"""Synthetic but plausible censuses of any size, for the demo, the tests and the benchmark; a seed gives
the same census, and the same CSV bytes, on any machine."""

import numpy as np

from planalign.domain.census import Census
from planalign.domain.exports import Column, csv_bytes

# The job-level mix of a typical employer, lowest level first (simulation.md's default job_levels).
LEVEL_SHARES = np.array([0.60, 0.22, 0.10, 0.06, 0.02])
# Pay bands per level; level 1's band starts at a plausible full-time floor instead of 0, level 5's
# open top is closed at 600,000.
BAND_MIN = np.array([35_000.0, 80_000.0, 120_000.0, 160_000.0, 300_000.0])
BAND_MAX = np.array([80_000.0, 120_000.0, 160_000.0, 300_000.0, 600_000.0])
AGE_MIN, AGE_MAX = 22, 65
ADULT_AGE = 18
DAYS_PER_YEAR = 365.25
# Deferral rates people pick most: the match-maximizing 6%, the old default 3%, a round 10%.
POPULAR_RATES = np.array([0.06, 0.03, 0.10])
POPULAR_SHARES = np.array([0.25, 0.20, 0.10])
PART_TIME_SHARE = 0.08
TERMINATED_SHARE = 0.015
OPT_OUT_SHARE = 0.05


def _ids(employees: int) -> np.ndarray:
    width = max(6, len(str(employees)))
    return np.char.add("E", np.char.zfill(np.arange(1, employees + 1).astype(str), width))


def _levels(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    """Levels in LEVEL_SHARES proportions, given by rank of age plus noise so seniority goes with age
    without every older employee being a VP."""
    n = len(age)
    score = age + rng.normal(0.0, 10.0, n)
    rank = np.empty(n, dtype=np.intp)
    rank[np.argsort(score, kind="stable")] = np.arange(n)
    bounds = np.cumsum(LEVEL_SHARES)[:-1] * n
    return np.searchsorted(bounds, rank, side="right").astype(np.int8)


def _pay(rng: np.random.Generator, level: np.ndarray) -> np.ndarray:
    """Lognormal pay centred in the level's band, 2 standard deviations to each edge; the few draws that
    would leave the band are redrawn uniformly inside it instead of piling up on its edges. A cent below
    the top, since the top is where the next level starts."""
    z = rng.standard_normal(len(level))
    z = np.where(np.abs(z) < 2.0, z, rng.uniform(-2.0, 2.0, len(level)))
    low, high = np.log(BAND_MIN[level]), np.log(BAND_MAX[level])
    pay = np.round(np.exp((low + high) / 2 + z * (high - low) / 4), 2)
    return np.minimum(pay, BAND_MAX[level] - 0.01)


def _deferral_rates(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    """About 60% enrolled, more often the older; rates at 3/6/10% for many, else 1-15% in whole percent."""
    n = len(age)
    enrolled = rng.random(n) < np.clip(0.40 + 0.012 * (age - AGE_MIN), 0.0, 0.9)
    rate = rng.integers(1, 16, n) / 100
    popular = np.searchsorted(np.cumsum(POPULAR_SHARES), rng.random(n), side="right")
    picked = popular < len(POPULAR_RATES)
    rate[picked] = POPULAR_RATES[popular[picked]]
    return np.where(enrolled, rate, 0.0)


def generate_census(employees: int, seed: int = 42, *, start_year: int = 2025) -> Census:
    """A census of `employees` people as of Dec 31 before `start_year`.

    Ages 22-65 peaking in the mid-thirties, hired after 18 with tenure growing with age, levels mixed
    60/22/10/6/2 % with pay inside the level band, about 60% deferring, 8% part-time at 20-30 hours and
    about 1.5% terminated during the census year. Ids are E000001, E000002, ...
    """
    rng = np.random.default_rng(seed)
    census_day = np.datetime64(f"{start_year - 1}-12-31", "D")
    age = AGE_MIN + (AGE_MAX - AGE_MIN) * rng.beta(1.8, 2.6, employees)
    birth_date = census_day - np.round(age * DAYS_PER_YEAR).astype("timedelta64[D]")
    tenure = (age - ADULT_AGE) * rng.beta(1.2, 3.5, employees)
    hire_date = census_day - np.floor(tenure * DAYS_PER_YEAR).astype("timedelta64[D]")

    terminated = rng.random(employees) < TERMINATED_SHARE
    year_start = np.datetime64(f"{start_year - 1}-01-01", "D")
    first_day = np.maximum(hire_date, year_start)
    span = (census_day - first_day).astype(np.int64)
    termination = first_day + np.floor(rng.random(employees) * (span + 1)).astype("timedelta64[D]")
    termination_date = np.where(terminated, termination, np.datetime64("NaT", "D"))

    deferral_rate = _deferral_rates(rng, age)
    part_time = rng.random(employees) < PART_TIME_SHARE
    hours = np.where(part_time, rng.integers(20, 31, employees), 40).astype(np.float64)
    return Census(
        employee_id=_ids(employees),
        birth_date=birth_date,
        hire_date=hire_date,
        termination_date=termination_date,
        gross_compensation=_pay(rng, _levels(rng, age)),
        active=~terminated,
        deferral_rate=deferral_rate,
        scheduled_hours_per_week=hours,
        auto_escalation_opt_out=(deferral_rate > 0) & (rng.random(employees) < OPT_OUT_SHARE),
        eligibility_override=np.zeros(employees, dtype=bool),
    )


def census_csv(census: Census) -> bytes:
    """The census as CSV with the canonical headers of simulation.md."""
    return csv_bytes(
        [
            Column.of("employee_id", census.employee_id),
            Column.of("employee_birth_date", census.birth_date),
            Column.of("employee_hire_date", census.hire_date),
            Column.of("employee_gross_compensation", census.gross_compensation, "money"),
            Column.of("active", census.active),
            Column.of("employee_termination_date", census.termination_date),
            Column.of("employee_deferral_rate", census.deferral_rate),
            Column.of("scheduled_hours_per_week", census.scheduled_hours_per_week),
            Column.of("auto_escalation_opt_out", census.auto_escalation_opt_out),
            Column.of("eligibility_override", census.eligibility_override),
        ]
    )
