"""Metrics, Results (the Studio's SimulationResults per population, plus ours), quality checks and bands on a
hand-made two-year projection of eight employees."""

import re
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from planalign.api.results_models import SimulationResults
from planalign.domain.census_generator import generate_census
from planalign.domain.config import resolve_config
from planalign.domain.event_types import EVENT_TYPES
from planalign.domain.populations import select_population
from planalign.domain.results import (
    DC_PLAN_FIELDS,
    WORKFORCE_FIELDS,
    RunSummary,
    build_results,
    compute_bands,
    event_counts,
    quality_checks,
    round_half_up,
    year_metrics,
)
from planalign.domain.simulation import simulate, simulate_years
from planalign.domain.simulation_output import STATUSES, SimulationOutput
from planalign.errors import InvalidRequest

IDS = ["E1", "E2", "E3", "E4", "H1", "H2", "H3", "H4"]
IRS_LIMITS = {
    "deferral_402g": 23500.0,
    "catch_up_50_plus": 7500.0,
    "compensation_401a17": 350000.0,
    "annual_additions_415c": 70000.0,
    "limit_growth_rate": 0.0,
}
SNAPSHOT_FIELDS = (
    "simulation_year",
    "employee_id",
    "status",
    "age",
    "pay",
    "prorated_pay",
    "eligible",
    "enrolled",
    "deferral_rate",
    "employee_contribution",
    "match",
    "core",
    "hire_date",
    "termination_date",
)
CA, NHA, ET, NHT = STATUSES
# 2025: E3 leaves, H1 and H2 are hired and H2 leaves; 2026: E2 leaves, H3 and H4 are hired.
SNAPSHOT_ROWS: list[dict[str, Any]] = [
    dict(zip(SNAPSHOT_FIELDS, row, strict=True))
    for row in [
        (2025, "E1", CA, 40, 100000, 100000, True, True, 0.06, 6000, 4000, 1000, "2015-03-01", None),
        (2025, "E2", CA, 55, 50000, 50000, True, False, 0.0, 0, 0, 500, "2010-06-01", None),
        (2025, "E3", ET, 30, 60000, 30000, True, True, 0.04, 1200, 0, 0, "2020-01-15", "2025-07-01"),
        (2025, "E4", CA, 20, 30000, 30000, False, False, 0.0, 0, 0, 0, "2024-05-01", None),
        (2025, "H1", NHA, 25, 40000, 30000, True, True, 0.03, 900, 900, 300, "2025-04-01", None),
        (2025, "H2", NHT, 23, 45000, 15000, False, False, 0.0, 0, 0, 0, "2025-02-01", "2025-05-31"),
        (2026, "E1", CA, 41, 105000, 105000, True, True, 0.07, 7350, 4200, 1050, "2015-03-01", None),
        (2026, "E2", ET, 56, 50000, 12500, True, False, 0.0, 0, 0, 0, "2010-06-01", "2026-03-31"),
        (2026, "E4", CA, 21, 31000, 31000, True, True, 0.03, 930, 930, 310, "2024-05-01", None),
        (2026, "H1", CA, 26, 42000, 42000, True, True, 0.04, 1680, 1470, 420, "2025-04-01", None),
        (2026, "H3", NHA, 30, 60000, 35000, False, False, 0.0, 0, 0, 0, "2026-06-01", None),
        (2026, "H4", NHA, 35, 48000, 24000, False, False, 0.0, 0, 0, 0, "2026-07-01", None),
    ]
]
EVENT_FIELDS = ("simulation_year", "employee_id", "event_type", "effective_date", "old_value", "new_value")
NAN = float("nan")
EVENT_ROWS: list[dict[str, Any]] = [
    dict(zip(EVENT_FIELDS, row, strict=True))
    for row in [
        (2025, "H2", "hire", "2025-02-01", NAN, 45000),
        (2025, "H1", "hire", "2025-04-01", NAN, 40000),
        (2025, "H1", "enrollment", "2025-04-01", NAN, 0.03),
        (2025, "H2", "new_hire_termination", "2025-05-31", NAN, NAN),
        (2025, "E3", "termination", "2025-07-01", NAN, NAN),
        (2026, "E1", "deferral_escalation", "2026-01-01", 0.06, 0.07),
        (2026, "E2", "termination", "2026-03-31", NAN, NAN),
        (2026, "E4", "eligibility", "2026-05-01", NAN, NAN),
        (2026, "H3", "hire", "2026-06-01", NAN, 60000),
        (2026, "H4", "hire", "2026-07-01", NAN, 48000),
        (2026, "E1", "raise", "2026-07-01", 100000, 105000),
        (2026, "E4", "raise", "2026-07-01", 30000, 31000),
        (2026, "H1", "raise", "2026-07-01", 40000, 42000),
        (2026, "E4", "enrollment", "2026-07-01", NAN, 0.03),
    ]
]


def tiny_output(
    snapshot_rows: list[dict[str, Any]] = SNAPSHOT_ROWS,
    event_rows: list[dict[str, Any]] = EVENT_ROWS,
    ids: list[str] = IDS,
    end_year: int = 2026,
) -> SimulationOutput:
    """A SimulationOutput from readable rows (ids, status and event names, ISO dates)."""
    index = {employee_id: i for i, employee_id in enumerate(ids)}

    def dates(rows: list[dict[str, Any]], name: str) -> np.ndarray:
        return np.array([row[name] or "NaT" for row in rows], dtype="datetime64[D]")

    def column(rows: list[dict[str, Any]], name: str, dtype: str) -> np.ndarray:
        return np.array([row[name] for row in rows], dtype=dtype)

    snapshot = {
        "simulation_year": column(snapshot_rows, "simulation_year", "int16"),
        "employee_index": np.array([index[row["employee_id"]] for row in snapshot_rows], dtype=np.int32),
        "status": np.array([STATUSES.index(row["status"]) for row in snapshot_rows], dtype=np.int8),
        "age": column(snapshot_rows, "age", "int16"),
        "tenure": np.array(
            [row["simulation_year"] - int(row["hire_date"][:4]) for row in snapshot_rows], np.int16
        ),
        "level": np.ones(len(snapshot_rows), dtype=np.int8),
        "pay": column(snapshot_rows, "pay", "float64"),
        "prorated_pay": column(snapshot_rows, "prorated_pay", "float64"),
        "eligible": column(snapshot_rows, "eligible", "bool"),
        "enrolled": column(snapshot_rows, "enrolled", "bool"),
        "deferral_rate": column(snapshot_rows, "deferral_rate", "float64"),
        "employee_contribution": column(snapshot_rows, "employee_contribution", "float64"),
        "match": column(snapshot_rows, "match", "float64"),
        "core": column(snapshot_rows, "core", "float64"),
        "irs_limit_reached": np.zeros(len(snapshot_rows), dtype=bool),
        "hire_date": dates(snapshot_rows, "hire_date"),
        "termination_date": dates(snapshot_rows, "termination_date"),
        "service_years": np.array(
            [row["simulation_year"] - int(row["hire_date"][:4]) for row in snapshot_rows], np.int16
        ),
        "points": np.array(
            [row["age"] + row["simulation_year"] - int(row["hire_date"][:4]) - 1 for row in snapshot_rows],
            np.int16,
        ),
        "match_eligible": column(snapshot_rows, "eligible", "bool"),
        "core_eligible": column(snapshot_rows, "eligible", "bool"),
        # A full-time year (2,080 hours) prorated by the pay earned.
        "annual_hours": np.array(
            [2080 * row["prorated_pay"] / row["pay"] if row["pay"] else 0 for row in snapshot_rows],
            np.float32,
        ),
    }
    events = {
        "simulation_year": column(event_rows, "simulation_year", "int16"),
        "employee_index": np.array([index[row["employee_id"]] for row in event_rows], dtype=np.int32),
        "event_type": np.array([EVENT_TYPES.index(row["event_type"]) for row in event_rows], dtype=np.int8),
        "effective_date": dates(event_rows, "effective_date"),
        "old_value": column(event_rows, "old_value", "float64"),
        "new_value": column(event_rows, "new_value", "float64"),
    }
    return SimulationOutput(2025, end_year, 42, np.array(ids), snapshot, events)


def changed(rows: list[dict[str, Any]], year: int, employee_id: str, **values: Any) -> list[dict[str, Any]]:
    """The rows with one employee-year's values replaced."""
    return [
        {**row, **values} if (row["simulation_year"], row["employee_id"]) == (year, employee_id) else row
        for row in rows
    ]


def check(output: SimulationOutput, name: str, limits: dict[str, float] = IRS_LIMITS) -> dict[str, Any]:
    quality = quality_checks(output, year_metrics(output), limits)
    return next(c for c in quality["checks"] if c["name"] == name)


def test_year_metrics_of_each_year_are_exact():
    assert year_metrics(tiny_output()) == [
        {
            "simulation_year": 2025,
            "headcount": 4,  # E1, E2, E4, H1
            "hires": 2,
            "experienced_terminations": 1,
            "new_hire_terminations": 1,
            "growth_pct": 0.0,  # 4 active on Jan 1: E1, E2, E3, E4
            "avg_compensation": 52500.0,  # prorated: H1 earned 30000 of 40000
            "total_compensation": 210000.0,
            "eligible_count": 3,  # E4 is 20
            "participant_count": 2,
            "participation_rate": 66.6667,
            "avg_deferral_rate": 0.045,
            "total_employee_contributions": 8100.0,  # E3's deferrals before leaving count
            "total_employer_match": 4900.0,
            "total_employer_core": 1800.0,
            "total_employer_cost": 6700.0,
            "employer_cost_rate": 2.6275,  # 6700 / 255000 prorated pay
        },
        {
            "simulation_year": 2026,
            "headcount": 5,
            "hires": 2,
            "experienced_terminations": 1,
            "new_hire_terminations": 0,
            "growth_pct": 25.0,
            "avg_compensation": 47400.0,
            "total_compensation": 237000.0,  # 105000 + 31000 + 42000 + 35000 + 24000
            "eligible_count": 3,
            "participant_count": 3,
            "participation_rate": 100.0,
            "avg_deferral_rate": 0.0467,  # (0.07 + 0.03 + 0.04) / 3
            "total_employee_contributions": 9960.0,
            "total_employer_match": 6600.0,
            "total_employer_core": 1780.0,
            "total_employer_cost": 8380.0,
            "employer_cost_rate": 3.3587,  # 8380 / 249500
        },
    ]


# 2027: H4 leaves; everyone else stays on.
ROWS_2027: list[dict[str, Any]] = [
    dict(zip(SNAPSHOT_FIELDS, row, strict=True))
    for row in [
        (2027, "E1", CA, 42, 110000, 110000, True, True, 0.07, 7700, 4400, 1100, "2015-03-01", None),
        (2027, "E4", CA, 22, 32000, 32000, True, True, 0.03, 960, 960, 320, "2024-05-01", None),
        (2027, "H1", CA, 27, 44000, 44000, True, True, 0.04, 1760, 1540, 440, "2025-04-01", None),
        (2027, "H3", CA, 31, 62000, 62000, True, False, 0.0, 0, 0, 620, "2026-06-01", None),
        (2027, "H4", ET, 36, 50000, 12500, False, False, 0.0, 0, 0, 0, "2026-07-01", "2027-03-31"),
    ]
]


def test_build_results_is_the_studios_simulation_results_of_everyone_employed_in_a_year():
    results = build_results(tiny_output(), irs_limits=IRS_LIMITS)
    assert {key: results[key] for key in ("start_year", "end_year", "final_headcount")} == {
        "start_year": 2025,
        "end_year": 2026,
        "final_headcount": 6,  # E1, E2 (left in 2026), E4, H1, H3, H4
    }
    assert results["workforce_progression"] == [
        {
            "simulation_year": 2025,
            "headcount": 6,
            "avg_compensation": 42500.0,
            "total_compensation": 255000.0,
        },
        {
            "simulation_year": 2026,
            "headcount": 6,
            "avg_compensation": 41583.33,
            "total_compensation": 249500.0,
        },
    ]
    assert (results["total_growth_pct"], results["cagr"]) == (0.0, 0.0)
    assert results["growth_analysis"] == {"total_growth_pct": 0.0, "cagr": 0.0}
    # 2026: E1, E4 and H1 participate; E2 was eligible too; H3 and H4 are not eligible yet.
    assert results["participation_rate"] == 0.75
    assert results["cagr_metrics"] == [
        {"metric": "Total Headcount", "start_value": 6, "end_value": 6, "years": 1, "cagr_pct": 0.0},
        {
            "metric": "Total Compensation",
            "start_value": 255000.0,
            "end_value": 249500.0,
            "years": 1,
            "cagr_pct": -2.16,
        },
        {
            "metric": "Average Compensation",
            "start_value": 42500.0,
            "end_value": 41583.33,
            "years": 1,
            "cagr_pct": -2.16,
        },
    ]
    assert results["compensation_by_status"] == [
        {"simulation_year": 2025, "employment_status": CA, "employee_count": 3, "avg_compensation": 60000.0},
        {"simulation_year": 2025, "employment_status": NHA, "employee_count": 1, "avg_compensation": 30000.0},
        {"simulation_year": 2025, "employment_status": ET, "employee_count": 1, "avg_compensation": 30000.0},
        {"simulation_year": 2025, "employment_status": NHT, "employee_count": 1, "avg_compensation": 15000.0},
        {"simulation_year": 2026, "employment_status": CA, "employee_count": 3, "avg_compensation": 59333.33},
        {"simulation_year": 2026, "employment_status": NHA, "employee_count": 2, "avg_compensation": 29500.0},
        {"simulation_year": 2026, "employment_status": ET, "employee_count": 1, "avg_compensation": 12500.0},
    ]  # no new-hire termination in 2026: no row


def test_build_results_keeps_our_per_year_metrics_quality_and_bands():
    output = tiny_output()
    results = build_results(output, irs_limits=IRS_LIMITS)
    metrics = year_metrics(output)
    assert results["final_employer_cost"] == 8380.0
    assert results["total_events"] == 14
    assert results["workforce"] == [{name: row[name] for name in WORKFORCE_FIELDS} for row in metrics]
    assert results["dc_plan"] == [{name: row[name] for name in DC_PLAN_FIELDS} for row in metrics]
    assert results["dc_plan"][0]["participation_rate"] == 66.6667  # percent, as api.md keeps it
    assert results["quality"]["passed"] is True
    assert results["bands"] is None
    assert set(results["populations"]) == {"active", "terminated"}


def test_the_active_and_terminated_populations_are_the_year_end_actives_and_the_years_leavers():
    results = build_results(tiny_output(), irs_limits=IRS_LIMITS)
    active = select_population(results, "active")
    assert [row["headcount"] for row in active["workforce_progression"]] == [4, 5]
    assert active["workforce_progression"][1]["total_compensation"] == 237000.0
    assert (active["final_headcount"], active["total_growth_pct"], active["cagr"]) == (5, 25.0, 25.0)
    assert active["participation_rate"] == 1.0  # the final year's dc_plan rate, as a fraction
    assert active["cagr_metrics"][2] == {
        "metric": "Average Compensation",
        "start_value": 52500.0,
        "end_value": 47400.0,
        "years": 1,
        "cagr_pct": -9.71,
    }
    assert {row["employment_status"] for row in active["compensation_by_status"]} == {CA, NHA}
    terminated = select_population(results, "terminated")
    assert terminated["workforce_progression"] == [
        {"simulation_year": 2025, "headcount": 2, "avg_compensation": 22500.0, "total_compensation": 45000.0},
        {"simulation_year": 2026, "headcount": 1, "avg_compensation": 12500.0, "total_compensation": 12500.0},
    ]
    assert (terminated["total_growth_pct"], terminated["cagr"]) == (-50.0, -50.0)
    assert terminated["participation_rate"] == 0.0  # E2 was eligible and not enrolled
    assert [row["employment_status"] for row in terminated["compensation_by_status"]] == [ET, NHT, ET]
    # What does not depend on the population is the same in every answer.
    for population in ("active", "terminated"):
        answer = select_population(results, population)
        assert answer["event_trends"] == results["event_trends"]
        assert answer["dc_plan"] == results["dc_plan"]
        assert "populations" not in answer


def test_growth_and_cagr_run_from_the_first_simulated_year_to_the_last():
    results = build_results(tiny_output([*SNAPSHOT_ROWS, *ROWS_2027], end_year=2027), irs_limits=IRS_LIMITS)
    assert [row["headcount"] for row in results["workforce_progression"]] == [6, 6, 5]
    assert (results["total_growth_pct"], results["cagr"]) == (-16.67, -8.71)  # sqrt(5 / 6) - 1
    assert results["cagr_metrics"][0]["years"] == 2
    active = select_population(results, "active")
    assert [row["headcount"] for row in active["workforce_progression"]] == [4, 5, 4]
    assert (active["total_growth_pct"], active["cagr"]) == (0.0, 0.0)
    assert active["cagr_metrics"][1]["cagr_pct"] == 8.67  # sqrt(248000 / 210000) - 1
    assert results["event_trends"]["hire"] == [2, 2, 0]


def test_a_single_year_has_no_growth_and_no_cagr():
    first_year = [row for row in SNAPSHOT_ROWS if row["simulation_year"] == 2025]
    events = [row for row in EVENT_ROWS if row["simulation_year"] == 2025]
    results = build_results(tiny_output(first_year, events, end_year=2025), irs_limits=IRS_LIMITS)
    assert (results["total_growth_pct"], results["cagr"]) == (0.0, 0.0)
    assert [row["years"] for row in results["cagr_metrics"]] == [0, 0, 0]
    assert [row["cagr_pct"] for row in results["cagr_metrics"]] == [0.0, 0.0, 0.0]


def test_the_default_population_is_all_and_an_unknown_one_is_refused():
    results = build_results(tiny_output(), irs_limits=IRS_LIMITS)
    everyone = select_population(results)
    assert everyone == select_population(results, "all")
    assert everyone == {key: value for key, value in results.items() if key != "populations"}
    with pytest.raises(InvalidRequest, match="population: must be one of all, active, terminated"):
        select_population(results, "retired")
    # A document stored before populations were has only its top level to give.
    assert select_population(everyone, "active") == everyone


@pytest.mark.parametrize("population", ["all", "active", "terminated"])
def test_every_population_answers_the_results_response_model(population: str):
    stored = {"run_id": "run_1", "scenario_id": "sc_1", **build_results(tiny_output(), irs_limits=IRS_LIMITS)}
    answer = select_population(stored, population)
    # The pipeline adds the run's cost afterwards; every field the document has comes back as it is.
    assert SimulationResults.model_validate(answer).model_dump(exclude_unset=True) == answer


def test_event_trends_are_per_year_lists_under_the_studios_event_names():
    trends = build_results(tiny_output(), irs_limits=IRS_LIMITS)["event_trends"]
    assert trends == {
        "hire": [2, 2],
        "termination": [2, 1],  # E3 and H2 (a new hire) in 2025, E2 in 2026
        "raise": [0, 3],
        "eligibility": [0, 1],
        "enrollment": [1, 1],
        "deferral_escalation": [0, 1],
    }  # no promotion and no opt-out (enrollment_change): left out


def test_event_counts_keep_our_event_types_apart():
    assert event_counts(tiny_output()).tolist() == [
        [2, 1, 1, 0, 0, 0, 1, 0, 0, 0],
        [2, 1, 0, 0, 3, 1, 1, 0, 1, 0],
    ]


def test_build_results_uses_the_default_irs_limits_when_none_are_given():
    assert build_results(tiny_output())["quality"] == quality_checks(
        tiny_output(), year_metrics(tiny_output()), IRS_LIMITS
    )


def test_round_half_up_rounds_halves_away_from_zero_like_a_spreadsheet():
    assert round_half_up(np.array([6952.5, 2.5, -2.5, 0.125]), 0).tolist() == [6953.0, 3.0, -3.0, 0.0]
    assert round_half_up(np.array([1.005, 0.125, 2.675]), 2).tolist() == [1.01, 0.13, 2.68]


def test_every_quality_check_passes_on_a_consistent_projection():
    quality = quality_checks(tiny_output(), year_metrics(tiny_output()), IRS_LIMITS)
    assert [(c["name"], c["passed"]) for c in quality["checks"]] == [
        ("headcount_recurrence", True),
        ("no_negative_pay", True),
        ("deferral_rate_in_range", True),
        ("contributions_within_irs_limits", True),
        ("unique_employee_ids_per_year", True),
        ("no_events_after_termination", True),
    ]
    assert quality["passed"] is True


@pytest.mark.parametrize(
    ("name", "output", "detail"),
    [
        (
            "headcount_recurrence",
            tiny_output(
                [row for row in SNAPSHOT_ROWS if (row["simulation_year"], row["employee_id"]) != (2026, "E4")]
            ),
            "2026: 4 - 1 + 2 - 0 = 5, but the headcount is 4",
        ),
        (
            "no_negative_pay",
            tiny_output(changed(SNAPSHOT_ROWS, 2025, "E1", pay=-1.0)),
            "1 rows with negative or missing pay: E1 (2025)",
        ),
        (
            "no_negative_pay",
            tiny_output(changed(SNAPSHOT_ROWS, 2026, "H3", prorated_pay=NAN)),
            "1 rows with negative or missing pay: H3 (2026)",
        ),
        (
            "deferral_rate_in_range",
            tiny_output(changed(SNAPSHOT_ROWS, 2026, "E1", deferral_rate=0.8)),
            "1 rows with a deferral rate outside [0, 0.75]: E1 (2026)",
        ),
        (
            "contributions_within_irs_limits",
            tiny_output(changed(SNAPSHOT_ROWS, 2026, "E1", employee_contribution=23500.02)),
            "1 rows with an employee deferral above 402(g): E1 (2026)",
        ),
        (
            "contributions_within_irs_limits",
            tiny_output(changed(SNAPSHOT_ROWS, 2025, "E2", employee_contribution=31000.02)),
            "1 rows with an employee deferral above 402(g): E2 (2025)",
        ),
        (
            "contributions_within_irs_limits",
            tiny_output(changed(SNAPSHOT_ROWS, 2026, "E1", match=62000.0)),
            "1 rows with annual additions above 415(c): E1 (2026)",
        ),
        (
            "unique_employee_ids_per_year",
            tiny_output([*SNAPSHOT_ROWS[:6], SNAPSHOT_ROWS[0], *SNAPSHOT_ROWS[6:]]),
            "1 rows with an employee id already in that year: E1 (2025)",
        ),
        (
            "unique_employee_ids_per_year",
            replace(tiny_output(), employee_ids=np.array(["E1", "E2", "E3", "E4", "H1", "H2", "H3", "E1"])),
            "1 rows with an employee id already in that year: E1 (2026)",
        ),
        (
            "no_events_after_termination",
            tiny_output(
                event_rows=[*EVENT_ROWS, {**EVENT_ROWS[10], "employee_id": "E3", "simulation_year": 2025}]
            ),
            "1 rows with an event after the termination date: E3 (2025)",
        ),
        (
            "no_events_after_termination",
            tiny_output([*SNAPSHOT_ROWS, {**SNAPSHOT_ROWS[2], "simulation_year": 2026}]),
            "1 rows with a snapshot row for a year after the termination: E3 (2026)",
        ),
    ],
)
def test_a_broken_projection_fails_the_check_that_guards_it(name: str, output: SimulationOutput, detail: str):
    result = check(output, name)
    assert result["passed"] is False
    assert result["detail"] == detail
    # The one failing row (or year) is counted in the year the detail names.
    failing_year = re.search(r"20\d\d", detail)
    assert failing_year is not None and result["failed_by_year"] == {failing_year.group(): 1}
    assert quality_checks(output, year_metrics(output), IRS_LIMITS)["passed"] is False


def test_a_summary_built_year_by_year_as_the_model_runs_is_that_of_the_whole_output() -> None:
    config = resolve_config({"simulation": {"start_year": 2025, "end_year": 2028}})
    census = generate_census(500, seed=4)
    summary = RunSummary(2025, 2028, IRS_LIMITS)
    for rows in simulate_years(census, config):
        summary.add_year(rows)
    output = simulate(census, config)
    assert summary.metrics() == year_metrics(output)
    assert summary.results() == build_results(output, irs_limits=IRS_LIMITS)
    np.testing.assert_array_equal(summary.event_counts(), event_counts(output))
    assert summary.total_events == len(output.events["event_type"]) > 0


def test_failing_rows_of_several_years_are_counted_and_named_in_year_order() -> None:
    broken = changed(changed(SNAPSHOT_ROWS, 2025, "E1", pay=-1.0), 2026, "H3", pay=-2.0)
    broken = changed(broken, 2026, "E2", prorated_pay=NAN)
    result = check(tiny_output(broken), "no_negative_pay")
    assert result["detail"] == "3 rows with negative or missing pay: E1 (2025), E2 (2026), H3 (2026)"
    assert result["failed_by_year"] == {"2025": 1, "2026": 2}


def test_catch_up_lets_an_employee_of_50_defer_above_402g():
    output = tiny_output(changed(SNAPSHOT_ROWS, 2025, "E2", employee_contribution=31000.0))
    assert check(output, "contributions_within_irs_limits")["passed"] is True


def test_irs_limits_grow_by_limit_growth_rate_from_the_first_year():
    grown = {**IRS_LIMITS, "limit_growth_rate": 0.1}  # 402(g) is 25,850 in 2026
    in_2026 = tiny_output(changed(SNAPSHOT_ROWS, 2026, "E1", employee_contribution=25000.0))
    in_2025 = tiny_output(changed(SNAPSHOT_ROWS, 2025, "E1", employee_contribution=25000.0))
    assert check(in_2026, "contributions_within_irs_limits", grown)["passed"] is True
    assert check(in_2025, "contributions_within_irs_limits", grown)["passed"] is False


def test_bands_are_linear_percentiles_of_every_numeric_metric_whatever_the_member_order():
    def member(headcount: int, rate: float) -> list[dict[str, Any]]:
        return [{"simulation_year": 2025, "headcount": headcount, "participation_rate": rate, "flag": True}]

    members = [member(40, 0.5), member(10, 0.1), member(20, 0.2)]
    expected = {
        "headcount": {"2025": {"p5": 11.0, "p50": 20.0, "p95": 38.0}},
        "participation_rate": {"2025": {"p5": 0.11, "p50": 0.2, "p95": 0.47}},
    }
    assert compute_bands(members) == expected
    assert compute_bands(members[::-1]) == expected


def test_bands_of_year_metrics_cover_every_year():
    bands = compute_bands([year_metrics(tiny_output())] * 3)
    assert bands["headcount"] == {
        "2025": {"p5": 4.0, "p50": 4.0, "p95": 4.0},
        "2026": {"p5": 5.0, "p50": 5.0, "p95": 5.0},
    }
    assert "simulation_year" not in bands
    assert len(bands) == 16


def test_bands_need_members_with_the_same_years():
    with pytest.raises(ValueError, match="same years"):
        compute_bands([])
    with pytest.raises(ValueError, match="same years"):
        compute_bands([year_metrics(tiny_output()), year_metrics(tiny_output())[:1]])


@given(st.lists(st.floats(-1e9, 1e9), min_size=1, max_size=30))
def test_bands_are_ordered_and_within_the_members_range(values: list[float]):
    bands = compute_bands([[{"simulation_year": 2025, "x": value}] for value in values])["x"]["2025"]
    assert round_half_up(min(values), 4) <= bands["p5"] <= bands["p50"] <= bands["p95"]
    assert bands["p95"] <= round_half_up(max(values), 4)
