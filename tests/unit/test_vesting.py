"""Vesting and forfeitures on a hand-made three-year snapshot: every figure worked out by hand."""

import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from planalign.domain import vesting
from planalign.domain.vesting_schedules import SCHEDULES, VestingRule

TENURE_BANDS = [
    {"band_label": "< 2", "min_value": 0, "max_value": 2},
    {"band_label": "2-4", "min_value": 2, "max_value": 5},
    {"band_label": "5+", "min_value": 5, "max_value": 999},
]
GRADED_6 = VestingRule("graded_6_year")
CLIFF_3 = VestingRule("cliff_3_year")


def snapshot(rows: list[tuple[str, str, str, str | None, int, float, float]]) -> pa.Table:
    """(id, status, hire date, termination date, tenure, hours, employer money) rows; money is split
    60/40 between match and core, as a plan's would be."""
    return pa.table(
        {
            "employee_id": [r[0] for r in rows],
            "employment_status": [r[1] for r in rows],
            "hire_date": pa.array([dt.date.fromisoformat(r[2]) for r in rows], pa.date32()),
            "termination_date": pa.array(
                [None if r[3] is None else dt.date.fromisoformat(r[3]) for r in rows], pa.date32()
            ),
            "tenure": pa.array([r[4] for r in rows], pa.int16()),
            "annual_hours": pa.array([r[5] for r in rows], pa.float32()),
            "match": [round(r[6] * 0.6, 2) for r in rows],
            "core": [round(r[6] - round(r[6] * 0.6, 2), 2) for r in rows],
        }
    )


# L1, L2, L3 leave in 2027 with employer money from 2025 and 2026; L4 leaves in 2027, hired that year;
# L5 leaves in 2026 after 6 years; L6 leaves in 2025, the first year (no basis); A1 stays.
YEARS: dict[int, pa.Table] = {
    2025: snapshot(
        [
            ("A1", "active", "2015-01-01", None, 10, 2080, 4000.00),
            ("L1", "active", "2023-01-15", None, 2, 2080, 1000.00),
            ("L2", "active", "2025-04-01", None, 0, 1560, 500.00),
            ("L3", "active", "2024-07-01", None, 1, 2080, 800.33),
            ("L5", "active", "2020-01-01", None, 5, 2080, 2000.00),
            ("L6", "terminated", "2019-01-01", "2025-03-31", 6, 520, 0.0),
        ]
    ),
    2026: snapshot(
        [
            ("A1", "active", "2015-01-01", None, 11, 2080, 4100.00),
            ("L1", "active", "2023-01-15", None, 3, 2080, 1100.00),
            ("L2", "active", "2025-04-01", None, 1, 2080, 700.00),
            ("L3", "active", "2024-07-01", None, 2, 2080, 900.00),
            ("L5", "terminated", "2020-01-01", "2026-03-31", 6, 520, 0.0),
        ]
    ),
    2027: snapshot(
        [
            ("A1", "active", "2015-01-01", None, 12, 2080, 4200.00),
            ("L1", "terminated", "2023-01-15", "2027-05-01", 4, 800, 0.0),
            ("L2", "terminated", "2025-04-01", "2027-02-15", 1, 300, 0.0),
            ("L3", "terminated", "2024-07-01", "2027-09-30", 3, 1500, 0.0),
            ("L4", "terminated", "2027-02-01", "2027-06-30", 0, 850, 0.0),
        ]
    ),
}


def leavers_of(year: int) -> vesting.Leavers:
    earlier = {y: table for y, table in YEARS.items() if y < year}
    return vesting.leavers(YEARS[year], vesting.employer_balances(earlier))


def test_graded_and_cliff_schedules_by_completed_years() -> None:
    # IRC 411(a)(2)(B)(iii): 6-year graded, 20 % after 2 years, +20 points a year, 100 % after 6;
    # IRC 411(a)(2)(B)(ii): 3-year cliff, 0 % then 100 % after 3 years.
    years = np.arange(8)
    assert vesting.vested_fraction("graded_6_year", years).tolist() == [0, 0, 0.2, 0.4, 0.6, 0.8, 1, 1]
    assert vesting.vested_fraction("cliff_3_year", years).tolist() == [0, 0, 0, 1, 1, 1, 1, 1]
    # IRC 411(a)(5)(A): a year under 1,000 hours is not a year of service; never below 0 years.
    assert vesting.vested_fraction(
        "graded_6_year", np.array([4, 4, 0]), np.array([999, 1000, 10]), 1000
    ).tolist() == [
        0.4,
        0.6,
        0.0,
    ]


def test_a_leavers_balance_is_the_employer_money_of_the_earlier_years() -> None:
    people = leavers_of(2027)
    # L4 was hired in 2027: terminated, but no employer money from an earlier year.
    assert people.terminated == 4
    assert people.employee_id == ["L1", "L2", "L3"]
    assert people.balance_cents.tolist() == [210000, 120000, 170033]  # 1,000 + 1,100; 500 + 700; 800.33 + 900


def test_every_years_leavers_are_cut_from_one_table_of_all_the_years() -> None:
    balances = vesting.employer_balances(YEARS)
    rows = vesting.leaver_rows(YEARS, balances)
    for year, table in YEARS.items():
        cut, alone = vesting.leavers_of_year(rows, year), vesting.leavers(table, balances)
        assert cut.terminated == alone.terminated
        assert cut.rows.equals(alone.rows)
    assert vesting.leavers_of_year(rows, 2027).employee_id == ["L1", "L2", "L3"]


def test_forfeitures_on_termination_under_a_graded_and_a_cliff_schedule() -> None:
    # Treas. Reg. 1.411(a)-7(d): what is not vested when an employee leaves is forfeited.
    # 6-year graded (IRC 411(a)(2)(B)(iii)): L1 4 years 60 % of 2,100.00 = 1,260.00 vested, 840.00 lost;
    # L2 1 year 0 % of 1,200.00; L3 3 years 40 % of 1,700.33 = 680.132 -> 680.13 vested, 1,020.20 lost.
    graded = vesting.forfeiture_year(2027, leavers_of(2027), GRADED_6, has_prior_year_basis=True)
    assert graded == {
        "simulation_year": 2027,
        "has_prior_year_basis": True,
        "terminated_employee_count": 4,
        "vesting_eligible_count": 3,
        "total_employer_contributions": 5000.33,
        "vested_amount": 1940.13,
        "forfeited_amount": 3060.20,
    }
    # 3-year cliff (IRC 411(a)(2)(B)(ii)): L1 and L3 have 3 years or more, 100 %; L2 loses 1,200.00.
    cliff = vesting.forfeiture_year(2027, leavers_of(2027), CLIFF_3, has_prior_year_basis=True)
    assert (cliff["vested_amount"], cliff["forfeited_amount"]) == (3800.33, 1200.00)


def test_the_hours_rule_takes_a_year_from_a_short_leaving_year() -> None:
    # IRC 411(a)(5)(A): L1 worked 800 hours in 2027, so 3 years count: 40 % of 2,100.00 vested.
    rule = VestingRule("graded_6_year", require_hours_credit=True, hours_threshold=1000)
    row = vesting.forfeiture_year(2027, leavers_of(2027), rule, has_prior_year_basis=True)
    assert (row["vested_amount"], row["forfeited_amount"]) == (840.00 + 680.13, 1260.00 + 1200.00 + 1020.20)


def test_comparing_two_schedules_by_employee_and_tenure_band() -> None:
    figures = vesting.compare_schedules(2027, leavers_of(2027), GRADED_6, CLIFF_3, TENURE_BANDS)
    assert figures["summary"] == {
        "analysis_year": 2027,
        "total_terminated_employee_count": 4,
        "vesting_eligible_terminated_employee_count": 3,
        "terminated_employee_count": 3,
        "total_employer_contributions": 5000.33,
        "current_total_vested": 1940.13,
        "current_total_forfeited": 3060.20,
        "proposed_total_vested": 3800.33,
        "proposed_total_forfeited": 1200.00,
        "forfeiture_variance": -1860.20,
        "forfeiture_variance_pct": -60.79,  # -1,860.20 / 3,060.20
    }
    assert [row["employee_id"] for row in figures["employee_details"]] == ["L1", "L3", "L2"]  # by balance
    l3 = figures["employee_details"][1]
    assert l3 == {
        "employee_id": "L3",
        "hire_date": dt.date(2024, 7, 1),
        "termination_date": dt.date(2027, 9, 30),
        "tenure_years": 3,
        "tenure_band": "2-4",
        "annual_hours_worked": 1500,
        "total_employer_contributions": 1700.33,
        "current_vesting_pct": 0.4,
        "current_vested_amount": 680.13,
        "current_forfeiture": 1020.20,
        "proposed_vesting_pct": 1.0,
        "proposed_vested_amount": 1700.33,
        "proposed_forfeiture": 0.0,
        "forfeiture_variance": -1020.20,
    }
    assert figures["by_tenure_band"] == [
        {
            "tenure_band": "< 2",
            "employee_count": 1,
            "total_contributions": 1200.00,
            "current_forfeitures": 1200.00,
            "proposed_forfeitures": 1200.00,
            "forfeiture_variance": 0.0,
        },
        {
            "tenure_band": "2-4",
            "employee_count": 2,
            "total_contributions": 3800.33,
            "current_forfeitures": 1860.20,
            "proposed_forfeitures": 0.0,
            "forfeiture_variance": -1860.20,
        },
    ]


def test_the_projection_flags_the_first_year_and_offsets_the_year_after() -> None:
    rows = [
        vesting.forfeiture_year(year, leavers_of(year), GRADED_6, has_prior_year_basis=year != 2025)
        for year in sorted(YEARS)
    ]
    # 2025: L6 left in the first year, whose employer money predates the run; 2026: L5 (6 years, 100 %).
    assert [(r["terminated_employee_count"], r["vesting_eligible_count"]) for r in rows] == [
        (1, 0),
        (1, 1),
        (4, 3),
    ]
    assert [(r["vested_amount"], r["forfeited_amount"]) for r in rows] == [
        (0, 0),
        (2000.00, 0),
        (1940.13, 3060.20),
    ]
    series = vesting.forfeiture_series(rows, "offset_employer_contributions")
    assert (series["total_employer_contributions"], series["total_vested"], series["total_forfeited"]) == (
        7000.33,
        3940.13,
        3060.20,
    )
    offsets: list[dict[str, Any]] = series["employer_cost_offsets"]
    assert [(o["simulation_year"], o["source_year"], o["basis_available"]) for o in offsets] == [
        (2025, None, False),
        (2026, 2025, False),
        (2027, 2026, True),
    ]
    assert offsets[0]["offset_amount"] is None and offsets[1]["forfeitures_generated"] is None
    assert (offsets[2]["forfeitures_generated"], offsets[2]["offset_amount"]) == (0.0, 0.0)
    reallocated = vesting.employer_cost_offsets(
        [*rows, {**rows[2], "simulation_year": 2028}], "reallocate_to_participants"
    )
    # 2028 would recognise 2027's 3,060.20: to the other participants, the sponsor's cost unchanged.
    assert (reallocated[3]["offset_amount"], reallocated[3]["participant_allocation"]) == (0.0, 3060.20)


def test_vested_and_forfeited_cents_always_add_up_to_the_balance() -> None:
    balances = np.arange(0, 100001, 7, dtype=np.int64)
    for fraction in (0.3333, 0.6667, 0.2, 0.25):
        vested, lost = vesting.split_cents(balances, np.full(len(balances), fraction))
        assert np.array_equal(vested + lost, balances) and (lost >= 0).all()


@pytest.mark.parametrize("schedule", sorted(SCHEDULES))
def test_every_schedule_is_monotone_and_ends_fully_vested(schedule: str) -> None:
    fractions = SCHEDULES[schedule].fractions
    assert list(fractions) == sorted(fractions) and fractions[-1] == 1.0


@settings(max_examples=200, deadline=None)
@given(
    balances=st.lists(st.integers(1, 10**8), min_size=1, max_size=20),
    years=st.lists(st.integers(0, 40), min_size=20, max_size=20),
    schedule=st.sampled_from(sorted(SCHEDULES)),
)
def test_forfeitures_never_exceed_the_balance_and_vanish_once_vested(
    balances: list[int], years: list[int], schedule: str
) -> None:
    # Treas. Reg. 1.411(a)-7(d): only the unvested part is forfeited; every schedule vests fully in the end.
    cents = np.array(balances, dtype=np.int64)
    served = np.array(years[: len(balances)])
    vested, lost = vesting.split_cents(cents, vesting.vested_fraction(schedule, served))
    assert np.array_equal(vested + lost, cents) and (lost >= 0).all() and (vested >= 0).all()
    assert (lost[served >= len(SCHEDULES[schedule].fractions) - 1] == 0).all()
    immediate, _ = vesting.split_cents(cents, vesting.vested_fraction("immediate", served))
    assert np.array_equal(immediate, cents)
