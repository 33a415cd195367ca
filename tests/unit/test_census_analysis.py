"""The census analyses and the compensation solver on censuses built by hand: every number is the one
the Studio's backend gives for the same employees (its definitions, our code)."""

import datetime

import numpy as np
import pytest
from planalign.domain import census_analysis
from planalign.domain.census import Census
from planalign.domain.compensation_solver import (
    WorkforceDynamics,
    census_workforce,
    solve_compensation_growth,
)
from planalign.errors import InvalidRequest

AS_OF = datetime.date(2024, 12, 31)


def census(rows: list[dict[str, object]]) -> Census:
    """Employees from dicts with the fields of Census.from_columns (id from the position)."""

    def column(name: str, default: object) -> list[object]:
        return [row.get(name, default) for row in rows]

    return Census.from_columns(
        [f"E{i}" for i in range(len(rows))],
        column("birth", "1980-01-01"),  # type: ignore[arg-type]
        column("hire", "2015-01-01"),  # type: ignore[arg-type]
        column("pay", 50_000.0),  # type: ignore[arg-type]
        active=column("active", True),  # type: ignore[arg-type]
        termination_date=column("term", None),  # type: ignore[arg-type]
        deferral_rate=column("deferral", 0.0),  # type: ignore[arg-type]
        scheduled_hours_per_week=column("hours", 40.0),  # type: ignore[arg-type]
    )


def aged(age: int, **fields: object) -> dict[str, object]:
    """An employee `age` (and a half) years old at AS_OF."""
    return {"birth": f"{2024 - age}-07-01", **fields}


# ---------------------------------------------------------------------------- age distribution


def test_age_distribution_without_a_recent_cohort_uses_ages_at_the_inferred_as_of_date() -> None:
    people = census(
        [
            aged(24, hire="2020-03-01"),
            aged(30, hire="2018-03-01"),
            aged(45, hire="2012-03-01"),
            aged(60, hire="2001-03-01"),
            # Inactive: not counted, but its termination is the census's latest event (2024).
            aged(33, hire="2019-03-01", active=False, term="2024-03-01"),
        ]
    )
    result = census_analysis.analyze_age_distribution(people, "datasets/x/c.csv")
    assert result["total_employees"] == 4
    assert result["recent_hires_only"] is False
    assert result["analysis_type"] == "All employees (no recent hire data)"
    assert (result["as_of_date"], result["as_of_date_source"]) == ("2024-12-31", "inferred")
    assert result["fallback_notice"].startswith("Used age as of the census date")
    weights = {bucket["age"]: (bucket["count"], bucket["weight"]) for bucket in result["distribution"]}
    assert weights == {
        22: (0, 0.0),
        25: (1, 0.25),  # 24 falls in [24, 27)
        28: (0, 0.0),
        32: (1, 0.25),
        35: (0, 0.0),
        40: (0, 0.0),
        45: (1, 0.25),
        50: (1, 0.25),
    }
    assert result["source_file"] == "datasets/x/c.csv"


def test_age_distribution_of_ten_hires_in_the_latest_year_uses_their_age_at_hire() -> None:
    hires = [{"birth": "2002-01-01", "hire": "2024-06-01"}] * 5  # 22 at hire
    hires += [{"birth": "1989-01-01", "hire": "2024-06-01"}] * 5  # 35 at hire
    people = census([*hires, {"birth": "1960-01-01", "hire": "2010-01-01"}])
    result = census_analysis.analyze_age_distribution(people, "f", datetime.date(2025, 6, 30))
    assert result["recent_hires_only"] is True
    assert result["analysis_type"] == "New hires from 2024"
    assert result["fallback_notice"] is None
    assert (result["as_of_date"], result["as_of_date_source"]) == ("2025-06-30", "provided")
    assert result["total_employees"] == 10
    assert [(b["age"], b["count"], b["weight"]) for b in result["distribution"] if b["count"]] == [
        (22, 5, 0.5),
        (35, 5, 0.5),
    ]


# ---------------------------------------------------------------------------- part-time


def test_part_time_share_counts_active_employees_under_1000_scheduled_hours_a_year() -> None:
    people = census(
        [{"hours": 40.0}, {"hours": 19.0}, {"hours": 19.2}, {"hours": 30.0}, {"hours": 10.0, "active": False}]
    )
    # 19 x 52 = 988 and 19.2 x 52 = 998.4 are under 1,000; 30 x 52 = 1,560 is not.
    assert census_analysis.analyze_part_time(people, {"scheduled_hours_per_week"}) == {
        "column_present": True,
        "headcount": 4,
        "part_time_count": 2,
        "part_time_pct": 0.5,
    }
    assert census_analysis.analyze_part_time(people, {"employee_id"}) == {
        "column_present": False,
        "headcount": 4,
        "part_time_count": 0,
        "part_time_pct": 0.0,
    }


# ---------------------------------------------------------------------------- pay by level

PAY_PEOPLE = [
    {"hire": "2010-01-01", "pay": 40_000.0},
    {"hire": "2015-01-01", "pay": 60_000.0},
    {"hire": "2021-03-01", "pay": 80_000.0},
    {"hire": "2023-05-01", "pay": 100_000.0},
    # Hired 73 days before the year's end: 36,500 annualized is 36,500 x 365 / 73 = 182,500.
    {"hire": "2024-10-19", "pay": 36_500.0},
    # One day before the year's end: 3,650,000 annualized, over the 2,000,000 cap: left out.
    {"hire": "2024-12-30", "pay": 10_000.0},
    {"hire": "2024-01-01", "pay": 1_000_000.0, "active": False},
]


def test_pay_analysis_annualizes_this_years_hires_and_suggests_percentile_ranges() -> None:
    result = census_analysis.analyze_compensation(census(PAY_PEOPLE), "f", lookback_years=4)
    assert result["total_employees"] == 5
    assert result["recent_hires_only"] is False
    assert result["lookback_years"] is None
    assert result["has_level_data"] is False
    assert result["compensation_annualized"] is True
    # 4 x 365 days before the latest hire (2024-12-30) is 2020-12-31: four hires since, fewer than 20.
    assert result["analysis_type"] == (
        "All employees (only 4 recent hires found, need 20+) (compensation annualized for partial-year employees)"
    )
    # Pay 40,000 60,000 80,000 100,000 182,500: linear interpolation between the sorted values.
    assert result["overall_stats"] == {
        "min_compensation": 40_000.0,
        "max_compensation": 182_500.0,
        "median_compensation": 80_000.0,
        "p10_compensation": 48_000.0,
        "p25_compensation": 60_000.0,
        "p75_compensation": 100_000.0,
        "p90_compensation": 149_500.0,
        "avg_compensation": 92_500.0,
    }
    assert [
        (s["level"], s["name"], s["suggested_min"], s["suggested_max"]) for s in result["suggested_levels"]
    ] == [
        (1, "Staff", 44_000.0, 60_000.0),
        (2, "Manager", 60_000.0, 80_000.0),
        (3, "Sr Manager", 80_000.0, 100_000.0),
        (4, "Director", 100_000.0, 149_500.0),
        (5, "VP", 149_500.0, 172_600.0),
    ]
    assert result["suggested_levels"][0]["percentile_range"] == "5th-25th"


def test_pay_analysis_of_twenty_recent_hires_keeps_only_them() -> None:
    # Hired on 1 January of a leap year: 365 days to its end, a full year (nothing to annualize).
    recent = [{"hire": "2024-01-01", "pay": 70_000.0}] * 20
    result = census_analysis.analyze_compensation(
        census([*recent, {"hire": "2000-01-01", "pay": 500_000.0}]), "f"
    )
    assert result["recent_hires_only"] is True
    assert result["lookback_years"] == 4
    assert result["analysis_type"] == "Hires from last 4 years (20 employees, annualized)"
    assert result["overall_stats"]["max_compensation"] == 70_000.0
    assert result["message"].endswith("based on percentiles of recent hires.")


def test_pay_analysis_without_lookback_takes_every_employee() -> None:
    result = census_analysis.analyze_compensation(census(PAY_PEOPLE), "f", lookback_years=0)
    assert result["analysis_type"] == "All employees (compensation annualized for partial-year employees)"
    assert result["total_employees"] == 5


# ---------------------------------------------------------------------------- bands

AGES = [20, 22, 25, 28, 30, 35, 40, 45, 50, 55, 62]


def test_age_bands_cut_the_active_ages_at_their_percentiles() -> None:
    people = census(
        [aged(age, hire=f"{2022 - i}-01-01") for i, age in enumerate(AGES)]
        + [aged(17, hire="2023-01-01"), aged(33, hire="2019-01-01", active=False)]
    )
    result = census_analysis.analyze_age_bands(people, "f", AS_OF)
    # Eleven ages 18-99: the 10th, 25th, 50th, 75th, 90th percentiles are 22, 26.5, 35, 47.5, 55.
    assert [(b["band_label"], b["min_value"], b["max_value"]) for b in result["suggested_bands"]] == [
        ("< 22", 0, 22),
        ("22-25", 22, 26),
        ("26-34", 26, 35),
        ("35-46", 35, 47),
        ("47-54", 47, 55),
        ("55+", 55, 999),
    ]
    assert result["distribution_stats"] == {
        "total_employees": 11,
        "min_value": 20,
        "max_value": 62,
        "median_value": 35.0,
        "mean_value": sum(AGES) / 11,
        "percentiles": {"10": 22.0, "25": 26.5, "50": 35.0, "75": 47.5, "90": 55.0},
    }
    assert result["analysis_type"] == "All employees"
    assert (result["as_of_date"], result["as_of_date_source"]) == ("2024-12-31", "provided")


def test_tenure_bands_cut_years_of_service_at_fifths() -> None:
    tenures = [0, 1, 2, 3, 5, 8, 10, 12, 15, 20, 30]
    people = census([{"hire": f"{2024 - t}-07-01"} for t in tenures] + [{"hire": "2025-06-01"}])
    result = census_analysis.analyze_tenure_bands(people, "f", AS_OF)  # a hire after the date is left out
    assert [(b["band_label"], b["min_value"], b["max_value"]) for b in result["suggested_bands"]] == [
        ("< 2", 0, 2),
        ("2-4", 2, 5),
        ("5-9", 5, 10),
        ("10-14", 10, 15),
        ("15+", 15, 999),
    ]
    stats = result["distribution_stats"]
    assert stats["percentiles"] == {"10": 1.0, "25": 2.5, "50": 8.0, "75": 13.5, "90": 20.0}
    assert (stats["total_employees"], stats["min_value"], stats["max_value"]) == (11, 0, 30)
    assert stats["mean_value"] == sum(tenures) / 11


def test_boundaries_that_collide_move_up_by_one() -> None:
    bands = census_analysis.suggest_bands(np.array([30] * 9), (0, 25, 50, 100))
    assert [(b["band_label"], b["min_value"], b["max_value"]) for b in bands] == [
        ("< 30", 0, 30),
        ("30-30", 30, 31),
        ("31+", 31, 999),
    ]


# ---------------------------------------------------------------------------- turnover


def test_turnover_rates_split_at_one_year_of_service() -> None:
    people = census(
        [
            {"hire": "2015-01-01"},
            {"hire": "2018-01-01"},
            {"hire": "2020-01-01", "active": False, "term": "2024-06-30"},
            {"hire": "2024-09-01"},  # the latest event: as of 2024-12-31
            {"hire": "2024-03-01", "active": False},  # not active: terminated, under a year
        ]
    )
    result = census_analysis.analyze_turnover(people, "f")
    assert result["experienced_rate"] == {
        "rate": 0.3333,
        "sample_size": 3,
        "terminated_count": 1,
        "confidence": "low",
    }
    assert result["new_hire_rate"] == {
        "rate": 0.5,
        "sample_size": 2,
        "terminated_count": 1,
        "confidence": "low",
    }
    assert (result["total_employees"], result["total_terminated"], result["message"]) == (5, 2, None)
    assert (result["as_of_date"], result["as_of_date_source"]) == ("2024-12-31", "inferred")


def test_turnover_without_terminations_says_so() -> None:
    result = census_analysis.analyze_turnover(census([{"hire": "2015-01-01"}, {"hire": "2024-09-01"}]), "f")
    assert result["experienced_rate"] is None and result["new_hire_rate"] is None
    assert result["total_terminated"] == 0
    assert result["message"].startswith("No terminated employees found")


def test_turnover_confidence_grows_with_the_terminations() -> None:
    leavers = [{"hire": "2015-01-01", "term": "2024-01-01", "active": False}] * 30
    stayers = [{"hire": "2015-01-01"}] * 70
    result = census_analysis.analyze_turnover(census(leavers + stayers), "f")
    assert result["experienced_rate"]["confidence"] == "high"
    assert result["experienced_rate"]["rate"] == 0.3
    assert (
        result["message"]
        == "No employees with tenure < 1 year found; cannot derive new hire termination rate."
    )


# ---------------------------------------------------------------------------- opt-out


def test_opt_out_rate_is_the_share_without_deferral_among_recent_active_hires() -> None:
    people = census(
        [
            {"hire": "2015-01-01", "deferral": 0.0},  # before 2021-06-02: outside the window
            {"hire": "2022-01-01", "deferral": 0.0},
            {"hire": "2023-01-01", "deferral": 0.05},
            {"hire": "2024-06-01", "deferral": 0.0},
            {"hire": "2024-06-01", "deferral": 0.0, "active": False},
        ]
    )
    result = census_analysis.analyze_opt_out_rate(people, {"employee_deferral_rate"}, "f", lookback_years=3)
    assert result["suggested_rate"] == 2 / 3
    assert (result["eligible_count"], result["non_participant_count"]) == (3, 2)
    assert (result["total_eligible_in_census"], result["excluded_null_tenure"]) == (4, 0)
    assert result["hire_date_column_used"] == "employee_hire_date"
    assert result["analysis_type"] == "Non-participant rate for employees hired within last 3 year(s)"
    assert result["message"].startswith("Small sample — only 3 employee(s) in the 3-year window.")


def test_opt_out_rate_needs_a_deferral_column() -> None:
    with pytest.raises(InvalidRequest, match="No deferral rate column"):
        census_analysis.analyze_opt_out_rate(census([{}]), {"employee_id"}, "f")


# ---------------------------------------------------------------------------- the solver


def test_solver_without_a_census_uses_the_reference_workforce() -> None:
    result = solve_compensation_growth(0.02)
    assert {key: value for key, value in result.items() if key not in ("warnings", "level_distribution")} == {
        "target_growth_rate": 2.0,
        "cola_rate": 1.55,
        "merit_budget": 2.58,
        "promotion_increase": 12.5,
        "promotion_budget": 1.73,
        "achieved_growth_rate": 2.0,
        "growth_gap": 0.0,
        "cola_contribution": 1.55,
        "merit_contribution": 2.32,
        "promo_contribution": 1.73,
        "turnover_contribution": -2.62,
        "total_headcount": 1000,
        "avg_compensation": 78500.0,
        "weighted_promotion_rate": 13.83,
        "turnover_rate": 15.0,
        "workforce_growth_rate": 3.0,
        "new_hire_comp_ratio": 85.0,
        "recommended_new_hire_ratio": 85.0,
        "recommended_scale_factor": 1.0,
    }
    assert result["level_distribution"] is None
    assert result["warnings"] == [
        "Using default level distribution (no census data)",
        "Workforce dynamics create 2.6% drag on avg comp (turnover: 15%, growth: 3%, new hire ratio: 85%)",
    ]


def test_solver_on_a_census_takes_its_active_headcount_and_average_pay() -> None:
    people = census([{"pay": 50_000.0}, {"pay": 70_000.0}, {"pay": 90_000.0, "active": False}])
    result = solve_compensation_growth(
        0.035, census_workforce(people), 0.1, 0.8, WorkforceDynamics(0.2, 0.05, 0.9)
    )
    assert (result["cola_rate"], result["merit_budget"], result["promotion_budget"]) == (3.16, 3.95, 1.0)
    assert (
        result["achieved_growth_rate"],
        result["merit_contribution"],
        result["turnover_contribution"],
    ) == (
        3.5,
        3.56,
        -2.38,
    )
    assert (result["total_headcount"], result["avg_compensation"], result["weighted_promotion_rate"]) == (
        2,
        60000.0,
        10.0,
    )
    assert (result["recommended_new_hire_ratio"], result["recommended_scale_factor"]) == (90.0, 1.0)
    assert result["level_distribution"] == [
        {
            "level": 1,
            "name": "All Employees",
            "headcount": 2,
            "percentage": 100.0,
            "avg_compensation": 60000.0,
            "promotion_rate": 10.0,
        }
    ]
    assert result["warnings"] == [
        "Workforce dynamics create 2.4% drag on avg comp (turnover: 20%, growth: 5%, new hire ratio: 90%)"
    ]
