"""The comparison arithmetic on Results documents: the hand-made projection of test_results against a
variant where E2 stays in 2026 and E1 gets 1,000 more match; values per year, deltas from the
baseline, event counts, summary percentages, in the Studio's ComparisonResponse shape."""

from typing import Any

from planalign.api.results_models import ComparisonResponse
from planalign.domain.results import build_results
from planalign.services.comparison import (
    build_comparison,
    compare_events,
    compare_years,
    delta,
    delta_pct,
    summary_delta,
    workforce_metrics,
)
from test_results import CA, EVENT_ROWS, IRS_LIMITS, SNAPSHOT_ROWS, changed, tiny_output

BASE = build_results(tiny_output(), irs_limits=IRS_LIMITS)
STAYS = build_results(
    tiny_output(
        changed(
            changed(SNAPSHOT_ROWS, 2026, "E2", status=CA, prorated_pay=50000, termination_date=None),
            2026,
            "E1",
            match=5200,
        ),
        [row for row in EVENT_ROWS if (row["employee_id"], row["event_type"]) != ("E2", "termination")],
    ),
    irs_limits=IRS_LIMITS,
)


def comparison() -> dict[str, Any]:
    return build_comparison({"base": BASE, "stays": STAYS}, {"base": "Baseline", "stays": "E2 stays"}, "base")


def test_delta_keeps_counts_integer_and_rounds_away_float_noise() -> None:
    assert delta(105, 100) == 5
    assert isinstance(delta(105, 100), int)
    assert delta(0.3, 0.1) == 0.2
    assert delta(1000.10, 1000.35) == -0.25
    assert delta(47833.33, 47400.0) == 433.33


def test_delta_pct_is_relative_to_the_size_of_the_baseline_with_two_decimals() -> None:
    assert delta_pct(110, 100) == 10.0
    assert delta_pct(90, 120) == -25.0
    assert delta_pct(1, 3) == -66.67
    assert delta_pct(2, 3) == -33.33
    assert delta_pct(100, 100) == 0.0
    # From a shrinking baseline, shrinking less is a rise.
    assert delta_pct(-1.0, -2.0) == 50.0
    assert delta_pct(-3.0, -2.0) == -50.0


def test_delta_pct_of_a_zero_baseline_is_none() -> None:
    assert delta_pct(5, 0) is None
    assert delta_pct(0.0, 0.0) is None


def test_summary_delta_lists_every_scenario_against_the_baseline() -> None:
    assert summary_delta({"a": 200, "b": 250, "c": 150}, "a") == {
        "baseline": 200,
        "scenarios": {"a": 200, "b": 250, "c": 150},
        "deltas": {"a": 0, "b": 50, "c": -50},
        "delta_pcts": {"a": 0.0, "b": 25.0, "c": -25.0},
    }


def test_years_are_the_baselines_and_a_scenario_appears_in_those_it_simulated() -> None:
    metrics = {
        "a": {2025: {"headcount": 100, "rate": 50.5}, 2026: {"headcount": 104, "rate": 51.0}},
        "b": {2025: {"headcount": 103, "rate": 49.25}, 2027: {"headcount": 110, "rate": 48.0}},
    }
    assert compare_years(metrics, "a") == [
        {
            "year": 2025,
            "values": {"a": {"headcount": 100, "rate": 50.5}, "b": {"headcount": 103, "rate": 49.25}},
            "deltas": {"a": {"headcount": 0, "rate": 0.0}, "b": {"headcount": 3, "rate": -1.25}},
        },
        {
            "year": 2026,
            "values": {"a": {"headcount": 104, "rate": 51.0}},
            "deltas": {"a": {"headcount": 0, "rate": 0.0}},
        },
    ]


def test_workforce_metrics_count_everyone_of_the_year_the_actives_and_the_leavers() -> None:
    assert workforce_metrics(BASE) == {
        2025: {
            "headcount": 6,
            "active": 4,
            "terminated": 2,
            "new_hires": 2,
            "growth_pct": 0.0,
            "avg_compensation": 52500.0,
        },
        2026: {
            "headcount": 6,
            "active": 5,
            "terminated": 1,
            "new_hires": 2,
            "growth_pct": 25.0,
            "avg_compensation": 47400.0,
        },
    }


def test_workforce_comparison_has_each_years_metrics_and_their_deltas() -> None:
    year = comparison()["workforce_comparison"][1]
    assert year["year"] == 2026
    assert year["values"]["stays"] == {
        "headcount": 6,
        "active": 6,
        "terminated": 0,
        "new_hires": 2,
        "growth_pct": 50.0,
        "avg_compensation": 47833.33,  # 287000 / 6
    }
    assert year["deltas"] == {
        "base": {
            "headcount": 0,
            "active": 0,
            "terminated": 0,
            "new_hires": 0,
            "growth_pct": 0.0,
            "avg_compensation": 0.0,
        },
        "stays": {
            "headcount": 0,
            "active": 1,
            "terminated": -1,
            "new_hires": 0,
            "growth_pct": 25.0,
            "avg_compensation": 433.33,
        },
    }


def test_dc_plan_comparison_keeps_rates_in_percent() -> None:
    year = comparison()["dc_plan_comparison"][1]
    assert year["values"]["base"]["participation_rate"] == 100.0
    assert year["values"]["stays"]["participation_rate"] == 75.0  # E2 is eligible and not enrolled
    assert year["deltas"]["stays"] == {
        "eligible_count": 1,
        "participant_count": 0,
        "participation_rate": -25.0,
        "avg_deferral_rate": 0.0,
        "total_employee_contributions": 0.0,
        "total_employer_match": 1000.0,
        "total_employer_core": 0.0,
        "total_employer_cost": 1000.0,
        "employer_cost_rate": -0.0904,  # 9380 / 287000 = 3.2683 % against 8380 / 249500 = 3.3587 %
    }


def test_event_comparison_counts_hires_terminations_promotions_and_raises_per_year() -> None:
    events = compare_events({"base": BASE, "stays": STAYS}, "base")
    assert [(e["year"], e["metric"]) for e in events] == [
        (year, metric)
        for year in (2025, 2026)
        for metric in ("hires", "terminations", "promotions", "raises")
    ]
    assert events[5] == {
        "metric": "terminations",
        "year": 2026,
        "baseline": 1,
        "scenarios": {"base": 1, "stays": 0},
        "deltas": {"base": 0, "stays": -1},
        "delta_pcts": {"base": 0.0, "stays": -100.0},
    }
    assert events[1]["scenarios"] == {"base": 2, "stays": 2}  # E3 and the new hire H2 in 2025
    # Nobody was promoted: no percent change from nothing.
    assert events[6]["scenarios"] == {"base": 0, "stays": 0}
    assert events[6]["delta_pcts"] == {"base": None, "stays": None}


def test_summary_deltas_compare_the_final_figures() -> None:
    summary = comparison()["summary_deltas"]
    assert summary["final_headcount"] == {
        "baseline": 6,
        "scenarios": {"base": 6, "stays": 6},
        "deltas": {"base": 0, "stays": 0},
        "delta_pcts": {"base": 0.0, "stays": 0.0},
    }
    assert summary["total_growth_pct"]["delta_pcts"] == {"base": None, "stays": None}  # 0 % both
    assert summary["final_participation_rate"] == {
        "baseline": 100.0,
        "scenarios": {"base": 100.0, "stays": 75.0},
        "deltas": {"base": 0.0, "stays": -25.0},
        "delta_pcts": {"base": 0.0, "stays": -25.0},
    }
    assert summary["final_employer_cost"]["deltas"]["stays"] == 1000.0
    assert summary["final_employer_cost"]["delta_pcts"]["stays"] == 11.93  # 1000 / 8380


def test_the_comparison_names_its_scenarios_and_is_the_studios_comparison_response() -> None:
    answer = comparison()
    assert answer["scenarios"] == ["base", "stays"]
    assert answer["scenario_names"] == {"base": "Baseline", "stays": "E2 stays"}
    assert answer["baseline_scenario"] == "base"
    assert [year["year"] for year in answer["workforce_comparison"]] == [2025, 2026]
    assert ComparisonResponse.model_validate(answer).model_dump() == answer
