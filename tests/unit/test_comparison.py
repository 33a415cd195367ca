"""The comparison arithmetic on hand-made Results documents: values per year, deltas from the
baseline, summary percentages."""

from typing import Any

from planalign.services.comparison import build_comparison, compare_years, delta, delta_pct, summary_delta


def results(headcounts: list[int], cost: float, growth: float, participation: float) -> dict[str, Any]:
    years = range(2025, 2025 + len(headcounts))
    return {
        "final_headcount": headcounts[-1],
        "total_growth_pct": growth,
        "participation_rate": participation,
        "final_employer_cost": cost,
        "workforce_progression": [
            {"simulation_year": y, "headcount": h, "avg_compensation": 1000.5 * h}
            for y, h in zip(years, headcounts, strict=True)
        ],
        "dc_plan": [{"simulation_year": y, "participation_rate": participation} for y in years],
    }


def test_delta_keeps_counts_integer_and_rounds_away_float_noise() -> None:
    assert delta(105, 100) == 5
    assert isinstance(delta(105, 100), int)
    assert delta(0.3, 0.1) == 0.2
    assert delta(1000.10, 1000.35) == -0.25


def test_delta_pct_is_relative_to_the_baseline_with_two_decimals() -> None:
    assert delta_pct(110, 100) == 10.0
    assert delta_pct(90, 120) == -25.0
    assert delta_pct(1, 3) == -66.67
    assert delta_pct(2, 3) == -33.33
    assert delta_pct(100, 100) == 0.0


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


def test_years_compare_metric_by_metric_and_only_where_the_baseline_has_the_year() -> None:
    rows = {
        "a": [{"simulation_year": 2025, "headcount": 100, "rate": 50.5}],
        "b": [
            {"simulation_year": 2025, "headcount": 103, "rate": 49.25},
            {"simulation_year": 2026, "headcount": 110, "rate": 48.0},
        ],
    }
    assert compare_years(rows, "a") == [
        {
            "year": 2025,
            "values": {"a": {"headcount": 100, "rate": 50.5}, "b": {"headcount": 103, "rate": 49.25}},
            "deltas": {"a": {"headcount": 0, "rate": 0.0}, "b": {"headcount": 3, "rate": -1.25}},
        },
        {"year": 2026, "values": {"b": {"headcount": 110, "rate": 48.0}}, "deltas": {}},
    ]


def test_build_comparison_names_scenarios_and_summarises_the_final_figures() -> None:
    comparison = build_comparison(
        {"base": results([100, 104], 5000.0, 4.0, 80.0), "grow": results([100, 110], 5500.25, 10.0, 84.0)},
        {"base": "Baseline", "grow": "Growth"},
        "base",
    )
    assert comparison["scenarios"] == ["base", "grow"]
    assert comparison["scenario_names"] == {"base": "Baseline", "grow": "Growth"}
    assert comparison["baseline_scenario"] == "base"
    assert [year["year"] for year in comparison["workforce_comparison"]] == [2025, 2026]
    assert comparison["workforce_comparison"][1]["deltas"]["grow"] == {
        "headcount": 6,
        "avg_compensation": 6003.0,
    }
    assert comparison["dc_plan_comparison"][0]["deltas"]["grow"] == {"participation_rate": 4.0}
    summary = comparison["summary_deltas"]
    assert set(summary) == {
        "final_headcount",
        "total_growth_pct",
        "final_participation_rate",
        "final_employer_cost",
    }
    assert summary["final_headcount"]["deltas"] == {"base": 0, "grow": 6}
    assert summary["final_headcount"]["delta_pcts"] == {"base": 0.0, "grow": 5.77}
    assert summary["total_growth_pct"]["delta_pcts"]["grow"] == 150.0
    assert summary["final_participation_rate"]["baseline"] == 80.0
    assert summary["final_participation_rate"]["deltas"]["grow"] == 4.0
    assert summary["final_employer_cost"]["deltas"]["grow"] == 500.25
    assert summary["final_employer_cost"]["delta_pcts"]["grow"] == 10.01
