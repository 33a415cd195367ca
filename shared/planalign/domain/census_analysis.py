"""The settings the Studio derives from a census (its Config Studio's "analyze" buttons), computed on our
normalized census with the reference backend's definitions: which employees count, the as-of date, the
rounding. `columns` is the set of census columns the imported file had (a census that had no hours or
deferral column still carries their defaults, and some answers depend on the column being there)."""

import datetime
import itertools
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np

from planalign.domain.census import Census
from planalign.errors import InvalidRequest

DAYS_PER_YEAR = 365.25
# Age buckets of the reference engine's new-hire age seed: (target age, from, below, description).
AGE_BUCKETS = (
    (22, 0, 24, "Recent college graduates"),
    (25, 24, 27, "Early career"),
    (28, 27, 30, "Established early career"),
    (32, 30, 34, "Mid-career switchers"),
    (35, 34, 38, "Experienced hires"),
    (40, 38, 43, "Senior experienced"),
    (45, 43, 48, "Mature professionals"),
    (50, 48, 100, "Late career changes"),
)
RECENT_COHORT_MINIMUM = 10  # hires in the latest hire year for an age-at-hire analysis
RECENT_PAY_MINIMUM = 20  # hires in the lookback window for a recent-hire pay analysis
PART_TIME_ANNUAL_HOURS = 1000
WEEKS_PER_YEAR = 52
MAX_ANNUAL_PAY = 2_000_000
OPT_OUT_LOW_CONFIDENCE = 20
BAND_UPPER_BOUND = 999
AGE_BAND_PERCENTILES = (0, 10, 25, 50, 75, 90, 100)
TENURE_BAND_COUNT = 5
STAT_PERCENTILES = (10, 25, 50, 75, 90)
LEVEL_NAMES = {1: "Staff", 2: "Manager", 3: "Sr Manager", 4: "Director", 5: "VP"}
FALLBACK_NOTICE = "Used age as of the census date because a recent-hire cohort was not available."


@dataclass(frozen=True)
class AsOf:
    """The date ages and tenure are measured at, and whether the caller gave it or the census did."""

    date: datetime.date
    source: str  # "provided" | "inferred"


def resolve_as_of(census: Census, override: datetime.date | None) -> AsOf:
    """The given date, else December 31 of the year of the latest termination (or, for an employee
    without one, hire) date in the census."""
    if override is not None:
        return AsOf(override, "provided")
    events = np.where(np.isnat(census.termination_date), census.hire_date, census.termination_date)
    if not len(events):
        raise InvalidRequest("Cannot infer a census as-of date from an empty census. Provide an as-of date.")
    latest = _date(events.max())
    return AsOf(datetime.date(latest.year, 12, 31), "inferred")


def analyze_age_distribution(
    census: Census, source_file: str, as_of_date: datetime.date | None = None
) -> dict[str, Any]:
    """The new-hire age distribution: the active employees hired in the latest hire year (their age at
    hire) when there are at least 10 of them, else every active employee's age at the as-of date; the
    share of them in each of the reference's eight age buckets (weights rounded to 4 places, then
    normalized to sum to 1 and rounded again)."""
    as_of = resolve_as_of(census, as_of_date)
    active = census.take(census.active)
    cohort, recent_year = _latest_hire_cohort(active)
    if cohort is not None:
        ages = _whole_years(cohort.birth_date, cohort.hire_date)
    else:
        ages = _whole_years(active.birth_date, _day(as_of.date))
    total = len(ages)
    if total == 0:
        raise InvalidRequest("No employees found. No hires in the last 12 months.")
    counts = [int(((ages >= low) & (ages < high)).sum()) for _, low, high, _ in AGE_BUCKETS]
    weights = [round(count / total, 4) for count in counts]
    total_weight = sum(weights)
    if total_weight > 0:
        weights = [round(weight / total_weight, 4) for weight in weights]
    distribution = [
        {"age": age, "weight": weight, "description": description, "count": count}
        for (age, _, _, description), weight, count in zip(AGE_BUCKETS, weights, counts, strict=True)
    ]
    recent = cohort is not None
    return {
        "total_employees": total,
        "recent_hires_only": recent,
        "analysis_type": f"New hires from {recent_year}" if recent else "All employees (no recent hire data)",
        "distribution": distribution,
        "source_file": source_file,
        "as_of_date": as_of.date.isoformat(),
        "as_of_date_source": as_of.source,
        "fallback_notice": None if recent else FALLBACK_NOTICE,
    }


def analyze_part_time(census: Census, columns: Collection[str]) -> dict[str, Any]:
    """The share of active employees scheduled for under 1,000 hours a year (weekly hours x 52); a
    census without an hours column has no part-time employees to find (`column_present` false)."""
    active = census.take(census.active)
    headcount = len(active)
    if "scheduled_hours_per_week" not in columns:
        return {"column_present": False, "headcount": headcount, "part_time_count": 0, "part_time_pct": 0.0}
    part_time = int((active.scheduled_hours_per_week * WEEKS_PER_YEAR < PART_TIME_ANNUAL_HOURS).sum())
    return {
        "column_present": True,
        "headcount": headcount,
        "part_time_count": part_time,
        "part_time_pct": round(part_time / headcount, 4) if headcount else 0.0,
    }


def analyze_compensation(census: Census, source_file: str, lookback_years: int = 4) -> dict[str, Any]:
    """Pay of the active employees for new-hire ranges: pay of those hired in the census year (the
    year of the latest hire) annualized over the days from hire to December 31; with a lookback, only
    those hired within `lookback_years` x 365 days of the latest hire when there are at least 20;
    pay at or below 0 or from 2,000,000 up left out. Our census carries no job level, so the answer is
    the overall distribution with the reference's suggested level ranges (percentile bands)."""
    active = census.take(census.active)
    pay = active.gross_compensation.astype(np.float64)
    hire = active.hire_date
    keep = np.ones(len(active), dtype=bool)
    description: str | None = None
    recent = annualized = False
    if len(active):
        latest_hire = hire.max()
        census_year = _date(latest_hire).year
        year_end = _day(datetime.date(census_year, 12, 31))
        hired_in_year = hire.astype("datetime64[Y]").astype(int) + 1970 == census_year
        days_worked = np.where(
            hired_in_year, np.minimum(365, np.maximum(1, (year_end - hire).astype(np.int64))), 365
        )
        pay = np.where(days_worked < 365, pay * 365.0 / days_worked, pay)
        annualized = True
        if lookback_years > 0:
            cutoff = latest_hire - np.timedelta64(lookback_years * 365, "D")
            in_window = hire >= cutoff
            count = int(in_window.sum())
            if count >= RECENT_PAY_MINIMUM:
                keep = in_window
                recent = True
                description = f"Hires from last {lookback_years} years ({count} employees, annualized)"
            else:
                description = f"All employees (only {count} recent hires found, need 20+)"
    pay = pay[keep & (pay > 0) & (pay < MAX_ANNUAL_PAY)]
    if not len(pay):
        raise InvalidRequest("No employees with valid compensation data found")
    analysis_type = description or "All employees"
    if annualized and "annualized" not in analysis_type.lower():
        analysis_type += " (compensation annualized for partial-year employees)"
    p = {q: float(np.percentile(pay, q)) for q in (5, 10, 25, 50, 75, 90, 97)}
    ranges = ((5, 25), (25, 50), (50, 75), (75, 90), (90, 97))
    message = "Census does not have job level data. Showing overall compensation distribution with suggested level ranges based on percentiles"
    return {
        "total_employees": len(pay),
        "recent_hires_only": recent,
        "lookback_years": lookback_years if recent else None,
        "has_level_data": False,
        "analysis_type": analysis_type,
        "compensation_annualized": annualized,
        "message": message + (" of recent hires." if recent else "."),
        "overall_stats": {
            "min_compensation": round(float(pay.min()), 2),
            "max_compensation": round(float(pay.max()), 2),
            "median_compensation": round(float(np.median(pay)), 2),
            "p10_compensation": round(p[10], 2),
            "p25_compensation": round(p[25], 2),
            "p75_compensation": round(p[75], 2),
            "p90_compensation": round(p[90], 2),
            "avg_compensation": round(float(pay.mean()), 2),
        },
        "suggested_levels": [
            {
                "level": level,
                "name": LEVEL_NAMES[level],
                "suggested_min": round(p[low], 0),
                "suggested_max": round(p[high], 0),
                "percentile_range": f"{low}th-{high}th",
            }
            for level, (low, high) in enumerate(ranges, 1)
        ],
        "source_file": source_file,
    }


def analyze_age_bands(
    census: Census, source_file: str, as_of_date: datetime.date | None = None
) -> dict[str, Any]:
    """Age bands that follow the census: ages (at hire of the latest hire year's cohort of 10 or
    more, else at the as-of date) of the active employees from 18 to 99, cut at their 10th, 25th, 50th,
    75th and 90th percentiles (linear interpolation, truncated to whole years)."""
    as_of = resolve_as_of(census, as_of_date)
    active = census.take(census.active)
    cohort, recent_year = _latest_hire_cohort(active)
    if cohort is not None:
        ages = _whole_years(cohort.birth_date, cohort.hire_date)
    else:
        ages = _whole_years(active.birth_date, _day(as_of.date))
    ages = ages[(ages >= 18) & (ages < 100)]
    if not len(ages):
        raise InvalidRequest("No employees with valid age data found")
    recent = cohort is not None
    return {
        "suggested_bands": suggest_bands(ages, AGE_BAND_PERCENTILES),
        "distribution_stats": distribution_stats(ages),
        "analysis_type": f"Recent hires from {recent_year}" if recent else "All employees",
        "source_file": source_file,
        "as_of_date": as_of.date.isoformat(),
        "as_of_date_source": as_of.source,
        "fallback_notice": None if recent else FALLBACK_NOTICE,
    }


def analyze_tenure_bands(
    census: Census, source_file: str, as_of_date: datetime.date | None = None
) -> dict[str, Any]:
    """Tenure bands that follow the census: whole years of service of the active employees at the
    as-of date (0 to 99), cut at their 20th, 40th, 60th and 80th percentiles."""
    as_of = resolve_as_of(census, as_of_date)
    active = census.take(census.active)
    tenure = _whole_years(active.hire_date, _day(as_of.date))
    tenure = tenure[(tenure >= 0) & (tenure < 100)]
    if not len(tenure):
        raise InvalidRequest("No employees with valid tenure data found")
    percentiles = tuple(int(100 * i / TENURE_BAND_COUNT) for i in range(TENURE_BAND_COUNT + 1))
    return {
        "suggested_bands": suggest_bands(tenure, percentiles),
        "distribution_stats": distribution_stats(tenure),
        "analysis_type": "All employees",
        "source_file": source_file,
        "as_of_date": as_of.date.isoformat(),
        "as_of_date_source": as_of.source,
        "fallback_notice": None,
    }


def suggest_bands(values: np.ndarray, percentiles: tuple[int, ...]) -> list[dict[str, Any]]:
    """Bands [min, max) whose inner boundaries are the values at `percentiles` (truncated), from 0 to
    999, each boundary at least one above the one before."""
    boundaries = []
    for p in percentiles:
        if p == 0:
            boundaries.append(0)
        elif p == 100:
            boundaries.append(BAND_UPPER_BOUND)
        else:
            boundaries.append(int(np.percentile(values, p)))
    for i in range(1, len(boundaries)):
        boundaries[i] = max(boundaries[i], boundaries[i - 1] + 1)
    bands = []
    for i, (low, high) in enumerate(itertools.pairwise(boundaries), 1):
        if low == 0:
            label = f"< {high}"
        elif high == BAND_UPPER_BOUND:
            label = f"{low}+"
        else:
            label = f"{low}-{high - 1}"
        bands.append(
            {"band_id": i, "band_label": label, "min_value": low, "max_value": high, "display_order": i}
        )
    return bands


def distribution_stats(values: np.ndarray) -> dict[str, Any]:
    return {
        "total_employees": len(values),
        "min_value": int(values.min()),
        "max_value": int(values.max()),
        "median_value": float(np.median(values)),
        "mean_value": float(values.mean()),
        "percentiles": {str(p): float(np.percentile(values, p)) for p in STAT_PERCENTILES},
    }


def analyze_turnover(
    census: Census, source_file: str, as_of_date: datetime.date | None = None
) -> dict[str, Any]:
    """Termination rates from the census's own history: an employee with a termination date or not
    active is terminated; of those with service (hire to as-of date, in years of 365.25 days) of a
    year or more, the terminated share is the experienced rate, under a year the new-hire rate (each
    only when the group has terminations; confidence by how many: 30+ high, 10+ moderate)."""
    as_of = resolve_as_of(census, as_of_date)
    tenure = (_day(as_of.date) - census.hire_date).astype(np.int64) / DAYS_PER_YEAR
    valid = tenure >= 0
    tenure = tenure[valid]
    terminated = (~np.isnat(census.termination_date) | ~census.active)[valid]
    total, total_terminated = len(tenure), int(terminated.sum())
    if total == 0:
        raise InvalidRequest("No employees with valid data found in census file")
    answer: dict[str, Any] = {
        "experienced_rate": None,
        "new_hire_rate": None,
        "total_employees": total,
        "total_terminated": total_terminated,
        "analysis_type": "All employees",
        "source_file": source_file,
        "message": None,
        "as_of_date": as_of.date.isoformat(),
        "as_of_date_source": as_of.source,
    }
    if total_terminated == 0:
        answer["message"] = (
            "No terminated employees found in census data. All employees appear to be active. "
            "Consider using industry-standard defaults (12% experienced, 25% new hire)."
        )
        return answer
    experienced = tenure >= 1
    groups = {}
    for name, members in (("experienced_rate", experienced), ("new_hire_rate", ~experienced)):
        size, leavers = int(members.sum()), int((members & terminated).sum())
        groups[name] = (size, leavers)
        if size and leavers:
            answer[name] = {
                "rate": round(leavers / size, 4),
                "sample_size": size,
                "terminated_count": leavers,
                "confidence": "high" if leavers >= 30 else "moderate" if leavers >= 10 else "low",
            }
    messages = []
    new_hires, new_hire_leavers = groups["new_hire_rate"]
    if new_hires == 0:
        messages.append("No employees with tenure < 1 year found; cannot derive new hire termination rate.")
    elif new_hire_leavers == 0:
        messages.append("No terminated new hires found; cannot derive new hire termination rate.")
    if groups["experienced_rate"][0] > 0 and groups["experienced_rate"][1] == 0:
        messages.append(
            "No terminated experienced employees found; cannot derive experienced termination rate."
        )
    answer["message"] = " ".join(messages) or None
    return answer


def analyze_opt_out_rate(
    census: Census, columns: Collection[str], source_file: str, lookback_years: int = 3
) -> dict[str, Any]:
    """The target opt-out rate: of the active employees hired within `lookback_years` x 365 days of
    the latest hire, the share with no deferral (0, or blank in the file)."""
    if "employee_deferral_rate" not in columns:
        raise InvalidRequest(
            "No deferral rate column found in census. Expected one of: deferral_rate, employee_deferral_rate"
        )
    active = census.take(census.active)
    answer: dict[str, Any] = {
        "suggested_rate": None,
        "eligible_count": 0,
        "non_participant_count": 0,
        "total_eligible_in_census": len(active),
        "excluded_null_tenure": 0,  # a hire date is required to import a row
        "lookback_years": lookback_years,
        "hire_date_column_used": "employee_hire_date",
        "analysis_type": f"Non-participant rate for employees hired within last {lookback_years} year(s)",
        "source_file": source_file,
        "message": None,
    }
    if not len(active):
        answer["message"] = "No eligible employees found in the census."
        return answer
    cutoff = active.hire_date.max() - np.timedelta64(lookback_years * 365, "D")
    window = active.hire_date >= cutoff
    eligible = int(window.sum())
    non_participants = int((window & (active.deferral_rate == 0)).sum())
    answer.update(
        suggested_rate=non_participants / eligible,
        eligible_count=eligible,
        non_participant_count=non_participants,
    )
    if eligible < OPT_OUT_LOW_CONFIDENCE:
        answer["message"] = (
            f"Small sample — only {eligible} employee(s) in the {lookback_years}-year window. "
            "Consider a longer lookback for a more reliable estimate."
        )
    return answer


def _latest_hire_cohort(active: Census) -> tuple[Census | None, int | None]:
    """The active employees hired in the latest hire year, when there are at least 10 of them, and
    that year."""
    if not len(active):
        return None, None
    years = active.hire_date.astype("datetime64[Y]").astype(int) + 1970
    year = int(years.max())
    in_year = years == year
    return (active.take(in_year) if in_year.sum() >= RECENT_COHORT_MINIMUM else None), year


def _whole_years(start: np.ndarray, end: np.ndarray | np.datetime64) -> np.ndarray:
    """floor(days / 365.25), as the reference counts ages and service."""
    days = (end - start).astype(np.int64)
    return np.floor(days / DAYS_PER_YEAR).astype(np.int64)


def _day(value: datetime.date) -> np.datetime64:
    return np.datetime64(value, "D")


def _date(value: np.datetime64) -> datetime.date:
    day: datetime.date = value.astype("datetime64[D]").item()
    return day
