"""The Studio's DC Plan analytics (its `analytics_service.py` defines each figure) over a run's snapshot:
a summary of each simulated year's Arrow table, then the scenario's figures from those summaries, so
that a ten-year projection is read a year at a time.

Populations, as the reference: participation and the yearly contributions count every snapshot row
(the year's leavers too) unless `active_only`, and only the `cohort` (employees hired from Jan 1 of the
first simulated year, or before it); the deferral distributions count the year-end actives (with
`effective_rate`: the same population as participation, cohort aside); escalations and the IRS limit
count the final year's enrolled actives. Money is summed to the cent; rates are percents rounded to 2
decimals, the average deferral rate a fraction."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Cohort = Literal["all", "new_hires", "baseline"]
COHORTS: tuple[Cohort, ...] = ("all", "new_hires", "baseline")
# The snapshot columns the figures read.
COLUMNS = (
    "employment_status",
    "enrolled",
    "deferral_rate",
    "effective_deferral_rate",
    "employee_contribution",
    "match",
    "core",
    "prorated_pay",
    "irs_limit_reached",
    "hire_date",
    "deferral_escalations",
    "escalation_amount",
    "enrollment_method",
)
# What participation and contributions read of their population, and escalations and the IRS limit of
# the enrolled actives (only these columns are filtered).
POPULATION_COLUMNS = (
    "enrolled",
    "deferral_rate",
    "employee_contribution",
    "match",
    "core",
    "prorated_pay",
    "enrollment_method",
)
PARTICIPANT_COLUMNS = ("deferral_escalations", "escalation_amount", "irs_limit_reached")
# The deferral distribution's buckets: 0 (or none), then a bucket per whole percent rounded half up
# (under 1.5 % is "1%"), and 9.5 % or more.
BUCKETS = ("0%", "1%", "2%", "3%", "4%", "5%", "6%", "7%", "8%", "9%", "10%+")
BUCKET_UPPER_EDGES = np.array([0.015, 0.025, 0.035, 0.045, 0.055, 0.065, 0.075, 0.085, 0.095])


@dataclass(frozen=True)
class Options:
    """The query of the Studio's DC Plan page."""

    active_only: bool = False
    effective_rate: bool = False
    cohort: Cohort = "all"


@dataclass(frozen=True)
class YearSummary:
    """What one simulated year contributes: its contribution row, its deferral distribution (bucket
    counts, None when the population is empty) and the final-year figures, computed for every year."""

    year: int
    contributions: dict[str, Any]
    distribution: list[int] | None
    participation: dict[str, Any]
    escalations: dict[str, Any]
    irs_limit: dict[str, Any]


def _count(mask: pa.ChunkedArray | pa.Array) -> int:
    return int(pc.sum(pc.cast(mask, pa.int64())).as_py() or 0)


def _sum(values: pa.ChunkedArray | pa.Array) -> float:
    return float(pc.sum(values).as_py() or 0.0)


def _cents(value: float) -> float:
    return round(value, 2)


def _percent(part: float, whole: float) -> float:
    return round(part / whole * 100, 2) if whole > 0 else 0.0


def contribution_rates(employee: float, match: float, core: float, compensation: float) -> dict[str, float]:
    """Each contribution as a percent of compensation (2 decimals), and their total."""
    rates = [_percent(value, compensation) for value in (employee, match, core)]
    return {
        "employee_contribution_rate": rates[0],
        "match_contribution_rate": rates[1],
        "core_contribution_rate": rates[2],
        "total_contribution_rate": round(sum(rates), 2),
    }


def _population(table: pa.Table, active: pa.ChunkedArray, options: Options, first_year: int) -> pa.Table:
    """The rows of participation and contributions (POPULATION_COLUMNS): active ones if asked, of the
    cohort."""
    rows = table.select(POPULATION_COLUMNS)
    mask = active if options.active_only else None
    if options.cohort != "all":
        hired_in_projection = pc.greater_equal(table["hire_date"], pa.scalar(date(first_year, 1, 1)))
        cohort = hired_in_projection if options.cohort == "new_hires" else pc.invert(hired_in_projection)
        mask = cohort if mask is None else pc.and_(mask, cohort)
    return rows if mask is None else rows.filter(mask)


def _contributions(year: int, rows: pa.Table) -> dict[str, Any]:
    employee = _cents(_sum(rows["employee_contribution"]))
    match = _cents(_sum(rows["match"]))
    core = _cents(_sum(rows["core"]))
    compensation = _cents(_sum(rows["prorated_pay"]))
    participants = _count(rows["enrolled"])
    employer_cost = _cents(match + core)
    enrolled_rates = pc.filter(rows["deferral_rate"], rows["enrolled"])
    return {
        "year": year,
        "total_employee_contributions": employee,
        "total_employer_match": match,
        "total_employer_core": core,
        "total_all_contributions": _cents(employee + match + core),
        "participant_count": participants,
        "total_eligible_count": rows.num_rows,
        "average_deferral_rate": float(pc.mean(enrolled_rates).as_py() or 0.0),
        "participation_rate": _percent(participants, rows.num_rows),
        "total_employer_cost": employer_cost,
        "total_compensation": compensation,
        "employer_cost_rate": _percent(employer_cost, compensation),
        **contribution_rates(employee, match, core, compensation),
    }


def bucket_counts(rates: np.ndarray) -> list[int]:
    """How many rates fall in each of BUCKETS."""
    rates = np.nan_to_num(rates, nan=0.0)
    bucket = np.where(rates == 0, 0, np.searchsorted(BUCKET_UPPER_EDGES, rates, side="right") + 1)
    return [int(n) for n in np.bincount(bucket, minlength=len(BUCKETS))]


def _distribution(table: pa.Table, active: pa.ChunkedArray, options: Options) -> list[int] | None:
    if options.effective_rate:
        rates = table["effective_deferral_rate"]
        if options.active_only:
            rates = pc.filter(rates, active)
    else:
        rates = pc.filter(table["deferral_rate"], active)
    if len(rates) == 0:
        return None
    return bucket_counts(rates.to_numpy())


def _participation(rows: pa.Table) -> dict[str, Any]:
    enrolled = _count(rows["enrolled"])
    methods = pc.value_counts(pc.drop_null(pc.cast(rows["enrollment_method"], pa.string())))
    by_method = {str(item["values"]): int(item["counts"]) for item in methods.to_pylist()}
    return {
        "total_eligible": rows.num_rows,
        "total_enrolled": enrolled,
        "participation_rate": _percent(enrolled, rows.num_rows),
        "participation_by_method": {
            f"{method}_enrolled": by_method.get(method, 0) for method in ("auto", "voluntary", "census")
        },
    }


def _enrolled_actives(table: pa.Table, active: pa.ChunkedArray) -> pa.Table:
    return table.select(PARTICIPANT_COLUMNS).filter(pc.and_(active, table["enrolled"]))


def _escalations(participants: pa.Table) -> dict[str, Any]:
    counts = participants["deferral_escalations"]
    escalated = pc.filter(counts, pc.greater(counts, 0))
    return {
        "employees_with_escalations": len(escalated),
        "avg_escalation_count": round(float(pc.mean(escalated).as_py() or 0.0), 2),
        "total_escalation_amount": round(_sum(participants["escalation_amount"]), 4),
    }


def _irs_limit(participants: pa.Table) -> dict[str, Any]:
    at_limit = _count(participants["irs_limit_reached"])
    return {"employees_at_irs_limit": at_limit, "irs_limit_rate": _percent(at_limit, participants.num_rows)}


def summarize_year(table: pa.Table, year: int, first_year: int, options: Options) -> YearSummary:
    """One year's part of the figures, from the year's snapshot (COLUMNS at least)."""
    active = pc.equal(table["employment_status"], "active")
    population = _population(table, active, options, first_year)
    participants = _enrolled_actives(table, active)
    return YearSummary(
        year=year,
        contributions=_contributions(year, population),
        distribution=_distribution(table, active, options),
        participation=_participation(population),
        escalations=_escalations(participants),
        irs_limit=_irs_limit(participants),
    )


def _buckets(counts: list[int] | None) -> list[dict[str, Any]]:
    counts = counts or [0] * len(BUCKETS)
    total = sum(counts)
    return [
        {"bucket": bucket, "count": count, "percentage": _percent(count, total)}
        for bucket, count in zip(BUCKETS, counts, strict=True)
    ]


def dc_plan_analytics(
    scenario_id: str, scenario_name: str, summaries: Sequence[YearSummary]
) -> dict[str, Any]:
    """The Studio's DCPlanAnalytics of a scenario from the summaries of all its simulated years: the
    participation, escalations and IRS limit of the final year, every year's contributions and
    distribution, and the totals over the years (the average deferral rate weighted by participants)."""
    summaries = sorted(summaries, key=lambda summary: summary.year)
    final = summaries[-1]
    years = [summary.contributions for summary in summaries]
    employee = _cents(sum(row["total_employee_contributions"] for row in years))
    match = _cents(sum(row["total_employer_match"] for row in years))
    core = _cents(sum(row["total_employer_core"] for row in years))
    compensation = _cents(sum(row["total_compensation"] for row in years))
    participants = sum(row["participant_count"] for row in years)
    weighted_rate = sum(row["average_deferral_rate"] * row["participant_count"] for row in years)
    employer_cost = _cents(match + core)
    return {
        "scenario_id": scenario_id,
        "scenario_name": scenario_name,
        "resolved_first_simulation_year": summaries[0].year,
        **final.participation,
        "contribution_by_year": years,
        "total_employee_contributions": employee,
        "total_employer_match": match,
        "total_employer_core": core,
        "total_all_contributions": _cents(sum(row["total_all_contributions"] for row in years)),
        "deferral_rate_distribution": _buckets(final.distribution),
        "deferral_distribution_by_year": [
            {"year": summary.year, "distribution": _buckets(summary.distribution)}
            for summary in summaries
            if summary.distribution is not None
        ],
        "escalation_metrics": final.escalations,
        "irs_limit_metrics": final.irs_limit,
        "average_deferral_rate": round(weighted_rate / participants, 4) if participants else 0.0,
        "total_employer_cost": employer_cost,
        "total_compensation": compensation,
        "employer_cost_rate": _percent(employer_cost, compensation),
        **contribution_rates(employee, match, core, compensation),
    }
