"""Vesting of employer money and the forfeitures that terminations release, on a run's snapshot: the
schedules the Studio offers (its `vesting_service.py` lists them), the vested fraction by years of
service, and the Vesting page's and the forfeiture projection's figures.

The law: employer money vests at least as fast as a 3-year cliff or a 2-to-6-year graded schedule
(IRC 411(a)(2)(B)); a QACA's safe-harbour money within 2 years (IRC 401(k)(13)(D)(iii)); a year of
service may require 1,000 hours (IRC 411(a)(5)(A)); what is not vested when an employee leaves is
forfeited to the plan (Treas. Reg. 1.411(a)-4, 1.411(a)-7(d)).

What the projection can measure (the reference's basis): an employee leaving in year Y takes the
employer money (match + core) of the projection's earlier years, all of it made while employed, so all
subject to the schedule; the money of the leaving year is vested by the engine already (under the run's
own schedule) and money from before the projection is not in the run. The first simulated year therefore
has no basis. Amounts are in cents: vested = the balance x the fraction, rounded half to even to the
cent, and forfeited = the balance - vested, so the two always add up to the balance."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from planalign.domain.vesting_schedules import (
    POLICIES_REDUCING_COST,
    SCHEDULES,
    VestingRule,
)
from planalign.domain.winners_losers import band_labels
from planalign.errors import InvalidRequest


def vested_fraction(
    schedule_type: str,
    years_of_service: np.ndarray,
    hours: np.ndarray | None = None,
    hours_threshold: int | None = None,
) -> np.ndarray:
    """The vested fraction at `years_of_service` completed years (truncated, at least 0). With
    `hours_threshold`, an employee whose `hours` of the leaving year fall short of it gets one year less."""
    years = np.maximum(np.asarray(years_of_service, dtype=np.int64), 0)
    if hours_threshold is not None and hours is not None:
        years = np.maximum(years - (np.asarray(hours) < hours_threshold), 0)
    fractions = np.asarray(SCHEDULES[schedule_type].fractions)
    return fractions[np.minimum(years, len(fractions) - 1)]


def split_cents(balance_cents: np.ndarray, fraction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(vested, forfeited) cents of each balance: the vested part rounded half to even, the rest forfeited."""
    vested = np.round(balance_cents * fraction).astype(np.int64)
    return vested, balance_cents - vested


def _cents(values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.round(pc.fill_null(values, 0).to_numpy(zero_copy_only=False) * 100).astype(np.int64)


# Snapshot columns the vesting figures read.
BALANCE_COLUMNS = ("employee_id", "employment_status", "match", "core")
LEAVER_COLUMNS = (
    "employee_id",
    "employment_status",
    "hire_date",
    "termination_date",
    "tenure",
    "annual_hours",
)


def employer_balances(years: Mapping[int, pa.Table]) -> pa.Table:
    """(employee_id, cents): each employee's employer money (match + core) over the years given, active
    rows only. An employee's active rows all come before the year they leave (the engine rehires no one),
    so the balances of every year serve the leavers of each."""
    parts = []
    for table in years.values():
        rows = table.select(BALANCE_COLUMNS)
        active = rows.filter(pc.equal(rows["employment_status"], "active"))
        cents = _cents(active["match"]) + _cents(active["core"])
        parts.append(pa.table({"employee_id": active["employee_id"], "cents": pa.array(cents)}))
    if not parts:
        return pa.table({"employee_id": pa.array([], pa.string()), "cents": pa.array([], pa.int64())})
    summed = pa.concat_tables(parts).group_by("employee_id").aggregate([("cents", "sum")])
    return summed.rename_columns(["employee_id", "cents"])


@dataclass(frozen=True)
class Leavers:
    """A year's terminated employees with employer money from earlier years (`rows`: LEAVER_COLUMNS and
    their balance in `cents` > 0), and how many terminated in all."""

    terminated: int
    rows: pa.Table

    @cached_property
    def employee_id(self) -> list[str]:
        return [str(employee_id) for employee_id in self.rows["employee_id"].to_pylist()]

    @cached_property
    def years_of_service(self) -> np.ndarray:
        return self.rows["tenure"].to_numpy(zero_copy_only=False).astype(np.int64)

    @cached_property
    def hours(self) -> np.ndarray | None:
        """Whole hours worked in the leaving year (as shown, and as the hours rule counts them); None: the
        run's output predates hours worked (no hours rule can apply)."""
        if "annual_hours" not in self.rows.column_names:
            return None
        return np.round(self.rows["annual_hours"].to_numpy(zero_copy_only=False)).astype(np.int64)

    @cached_property
    def balance_cents(self) -> np.ndarray:
        return self.rows["cents"].to_numpy(zero_copy_only=False).astype(np.int64)


def leaver_rows(years: Mapping[int, pa.Table], balances: pa.Table) -> pa.Table:
    """Every snapshot year's terminated rows (LEAVER_COLUMNS, annual_hours optional) with `year` and their
    balance in `cents` (employer_balances of the years before them; 0 without one), in year then id
    order: what each year's Leavers are cut from. One lookup for all the years."""
    gone = []
    for year, table in years.items():
        rows = table.select([name for name in LEAVER_COLUMNS if name in table.column_names])
        terminated = rows.filter(pc.equal(rows["employment_status"], "terminated"))
        gone.append(
            terminated.append_column("year", pa.array(np.full(terminated.num_rows, year, dtype=np.int32)))
        )
    stacked = pa.concat_tables(gone)
    at = pc.index_in(stacked["employee_id"], value_set=balances["employee_id"])
    cents = pc.fill_null(pc.take(balances["cents"], at), 0)
    return stacked.append_column("cents", cents).sort_by(
        [("year", "ascending"), ("employee_id", "ascending")]
    )


def leavers_of_year(rows: pa.Table, year: int) -> Leavers:
    """One year's Leavers from leaver_rows: its rows are one run, cut out without a scan."""
    first, last = np.searchsorted(rows["year"].to_numpy(), [year, year + 1])
    of_year = rows.slice(int(first), int(last - first))
    return Leavers(
        terminated=of_year.num_rows,
        rows=of_year.filter(pc.greater(of_year["cents"], 0)).drop_columns(["year"]),
    )


def leavers(year_table: pa.Table, balances: pa.Table) -> Leavers:
    """The leavers of one snapshot year with their balances, in id order (see leaver_rows)."""
    return leavers_of_year(leaver_rows({0: year_table}, balances), 0)


def _fraction(rule: VestingRule, people: Leavers) -> np.ndarray:
    threshold = rule.hours_threshold if rule.require_hours_credit else None
    if threshold is not None and people.hours is None:
        raise InvalidRequest(
            "require_hours_credit: the run's output has no hours worked (it predates them); run the "
            "scenario again to apply the hours rule"
        )
    return vested_fraction(rule.schedule_type, people.years_of_service, people.hours, threshold)


def _dollars(cents: int | np.integer[Any]) -> float:
    return int(cents) / 100


def forfeiture_year(
    year: int, people: Leavers, rule: VestingRule, has_prior_year_basis: bool
) -> dict[str, Any]:
    """The Studio's ForfeitureYearRow of one year's leavers under one schedule."""
    vested, forfeited = split_cents(people.balance_cents, _fraction(rule, people))
    return {
        "simulation_year": year,
        "has_prior_year_basis": has_prior_year_basis,
        "terminated_employee_count": people.terminated,
        "vesting_eligible_count": people.rows.num_rows,
        "total_employer_contributions": _dollars(people.balance_cents.sum()),
        "vested_amount": _dollars(vested.sum()),
        "forfeited_amount": _dollars(forfeited.sum()),
    }


NO_PRIOR_YEAR = "No prior simulation year: forfeitures are recognized the year after the terminations"


def employer_cost_offsets(rows: Sequence[Mapping[str, Any]], policy: str) -> list[dict[str, Any]]:
    """The Studio's EmployerCostOffsetRow of each year: the forfeitures of the year before's leavers
    (recognized the year after), an offset of the employer's cost only under a policy that reduces it;
    no figure (never a $0) where the source year has no basis."""
    by_year = {row["simulation_year"]: row for row in rows}
    offsets: list[dict[str, Any]] = []
    for year in sorted(by_year):
        source = by_year.get(year - 1)
        if source is None or not source["has_prior_year_basis"]:
            reason = (
                NO_PRIOR_YEAR
                if source is None
                else f"Forfeitures of {year - 1} cannot be measured: its leavers' employer money was "
                "contributed before the first simulated year"
            )
            offsets.append(
                {
                    "simulation_year": year,
                    "source_year": None if source is None else year - 1,
                    "forfeitures_generated": None,
                    "offset_amount": None,
                    "participant_allocation": None,
                    "basis_available": False,
                    "unavailable_reason": reason,
                }
            )
            continue
        generated = source["forfeited_amount"]
        reduces = policy in POLICIES_REDUCING_COST
        offsets.append(
            {
                "simulation_year": year,
                "source_year": year - 1,
                "forfeitures_generated": generated,
                "offset_amount": generated if reduces else 0.0,
                "participant_allocation": 0.0 if reduces else generated,
                "basis_available": True,
                "unavailable_reason": None,
            }
        )
    return offsets


def forfeiture_series(rows: Sequence[Mapping[str, Any]], policy: str) -> dict[str, Any]:
    """A scenario's totals over its ForfeitureYearRows and its employer cost offsets (ids are the caller's)."""
    return {
        "years": list(rows),
        "total_employer_contributions": _sum_dollars(row["total_employer_contributions"] for row in rows),
        "total_vested": _sum_dollars(row["vested_amount"] for row in rows),
        "total_forfeited": _sum_dollars(row["forfeited_amount"] for row in rows),
        "employer_cost_offsets": employer_cost_offsets(rows, policy),
    }


def _sum_dollars(values: Any) -> float:
    return sum(round(value * 100) for value in values) / 100


def compare_schedules(
    year: int,
    people: Leavers,
    current: VestingRule,
    proposed: VestingRule,
    tenure_bands: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """The Studio's VestingAnalysisResponse figures (summary, by_tenure_band, employee_details) of one
    year's leavers under the current and the proposed schedule. Employees by balance, largest first (then
    id); bands in the order of their lower bounds."""
    current_pct, proposed_pct = _fraction(current, people), _fraction(proposed, people)
    current_vested, current_lost = split_cents(people.balance_cents, current_pct)
    proposed_vested, proposed_lost = split_cents(people.balance_cents, proposed_pct)
    codes, labels = band_labels(people.years_of_service, tenure_bands)
    # Rows are in id order: a stable sort by balance, largest first, keeps ids in order among equals.
    order = np.argsort(-people.balance_cents, kind="stable")
    hours = people.hours if people.hours is not None else np.zeros(len(order), dtype=np.int64)

    def ordered(values: np.ndarray) -> list[Any]:
        return values[order].tolist()

    columns = {
        "employee_id": ordered(np.asarray(people.employee_id, dtype=object)),
        # datetime64[D] lists as dates (a null as None), quicker than Arrow's to_pylist.
        "hire_date": ordered(people.rows["hire_date"].to_numpy()),
        "termination_date": ordered(people.rows["termination_date"].to_numpy()),
        "tenure_years": ordered(people.years_of_service),
        "tenure_band": [labels[code] for code in ordered(codes)],
        "annual_hours_worked": ordered(hours),
        "total_employer_contributions": ordered(people.balance_cents / 100),
        "current_vesting_pct": ordered(current_pct),
        "current_vested_amount": ordered(current_vested / 100),
        "current_forfeiture": ordered(current_lost / 100),
        "proposed_vesting_pct": ordered(proposed_pct),
        "proposed_vested_amount": ordered(proposed_vested / 100),
        "proposed_forfeiture": ordered(proposed_lost / 100),
        "forfeiture_variance": ordered((proposed_lost - current_lost) / 100),
    }
    # A row at a time from the ordered columns (tens of thousands of leavers at 1,000,000 employees).
    details = [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)]
    bands = []
    for code in sorted(set(codes.tolist())):
        inside = codes == code
        bands.append(
            {
                "tenure_band": labels[code],
                "employee_count": int(inside.sum()),
                "total_contributions": _dollars(people.balance_cents[inside].sum()),
                "current_forfeitures": _dollars(current_lost[inside].sum()),
                "proposed_forfeitures": _dollars(proposed_lost[inside].sum()),
                "forfeiture_variance": _dollars(proposed_lost[inside].sum() - current_lost[inside].sum()),
            }
        )
    current_total, proposed_total = int(current_lost.sum()), int(proposed_lost.sum())
    variance = proposed_total - current_total
    if current_total:
        variance_pct = round(variance / current_total * 100, 2)
    else:
        variance_pct = 0.0 if variance == 0 else 100.0
    summary = {
        "analysis_year": year,
        "total_terminated_employee_count": people.terminated,
        "vesting_eligible_terminated_employee_count": len(order),
        "terminated_employee_count": len(order),
        "total_employer_contributions": _dollars(people.balance_cents.sum()),
        "current_total_vested": _dollars(current_vested.sum()),
        "current_total_forfeited": _dollars(current_total),
        "proposed_total_vested": _dollars(proposed_vested.sum()),
        "proposed_total_forfeited": _dollars(proposed_total),
        "forfeiture_variance": _dollars(variance),
        "forfeiture_variance_pct": variance_pct,
    }
    return {"summary": summary, "by_tenure_band": bands, "employee_details": details}
