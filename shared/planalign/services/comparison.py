"""Scenario comparison: the results of each scenario's latest completed run side by side, per year and
in summary, with every value's difference from a baseline scenario, in the shape of the Studio's
ComparisonResponse. The arithmetic works on the Results documents alone, so it is tested without AWS;
it is plain Python, as the API function that answers it has no NumPy."""

from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from planalign.adapters.artifacts import Artifacts
from planalign.adapters.store import Store
from planalign.errors import InvalidRequest, NotFound, RunConflict
from planalign.services.runs import latest_run, run_results
from planalign.services.workspaces import get_scenario

MAX_SCENARIOS = 6
# Inputs carry at most 4 decimals (rates; money has 2): rounding a difference there only removes
# binary noise such as 0.30000000000000004.
DELTA_DECIMALS = 4
DELTA_PCT_DECIMALS = 2
# The Studio's event comparison: its metric name and the event_trends type it counts.
EVENT_METRICS = {"hires": "hire", "terminations": "termination", "promotions": "promotion", "raises": "raise"}

Number = int | float
Results = Mapping[str, Any]
# year -> the metrics of that year
YearMetrics = dict[int, dict[str, Number]]

# summary_deltas name -> the figure of a Results document it compares (participation in percent).
SUMMARY_FIGURES: dict[str, Callable[[Results], Number]] = {
    "final_headcount": lambda r: r["final_headcount"],
    "total_growth_pct": lambda r: r["total_growth_pct"],
    "final_participation_rate": lambda r: r["dc_plan"][-1]["participation_rate"],
    "final_employer_cost": lambda r: r["final_employer_cost"],
}


def compare_scenarios(
    store: Store,
    artifacts: Artifacts,
    tenant_id: str,
    workspace_id: str,
    scenario_ids: list[str],
    baseline_id: str | None,
) -> dict[str, Any]:
    """The Studio's comparison of the scenarios `scenario_ids` against `baseline_id` (default: the
    first); a baseline outside them is compared too, first, as the reference backend does.
    InvalidRequest for no id or more than MAX_SCENARIOS (checked before anything is read); NotFound for
    an unknown scenario; RunConflict for a scenario without a completed run."""
    scenario_ids = list(dict.fromkeys(scenario_ids))
    if not scenario_ids:
        raise InvalidRequest("scenarios: name at least one scenario id")
    baseline_id = baseline_id or scenario_ids[0]
    if baseline_id not in scenario_ids:
        scenario_ids.insert(0, baseline_id)
    if len(scenario_ids) > MAX_SCENARIOS:
        raise InvalidRequest(f"scenarios: at most {MAX_SCENARIOS} ids, not {len(scenario_ids)}")
    store.get("WS", workspace_id, tenant_id)
    # Every id is checked to exist before any run is looked at, so an unknown id is always a 404.
    scenarios = [get_scenario(store, tenant_id, workspace_id, sid) for sid in scenario_ids]
    results: dict[str, Results] = {}
    for scenario in scenarios:
        try:
            run = latest_run(store, tenant_id, scenario["id"], completed=True)
        except NotFound as error:
            raise RunConflict(
                f"scenario {scenario['id']} has no completed run to compare: run it first"
            ) from error
        results[scenario["id"]] = run_results(store, artifacts, tenant_id, run["id"])
    names = {scenario["id"]: scenario["name"] for scenario in scenarios}
    return build_comparison(results, names, baseline_id)


def build_comparison(
    results: Mapping[str, Results], names: Mapping[str, str], baseline_id: str
) -> dict[str, Any]:
    """The comparison of the stored Results documents `results` (scenario id -> Results, in display
    order; their top level is the population `all`)."""
    return {
        "scenarios": list(results),
        "scenario_names": dict(names),
        "baseline_scenario": baseline_id,
        "workforce_comparison": compare_years(
            {sid: workforce_metrics(r) for sid, r in results.items()}, baseline_id
        ),
        "event_comparison": compare_events(results, baseline_id),
        "dc_plan_comparison": compare_years(
            {sid: dc_plan_metrics(r) for sid, r in results.items()}, baseline_id
        ),
        "summary_deltas": {
            name: summary_delta({sid: figure(r) for sid, r in results.items()}, baseline_id)
            for name, figure in SUMMARY_FIGURES.items()
        },
        # Ours (the Studio ignores it): what each scenario's run cost in AWS, USD (None: a run
        # from before costs were recorded).
        "run_costs": {sid: (r.get("cost") or {}).get("total_usd") for sid, r in results.items()},
    }


def workforce_metrics(results: Results) -> YearMetrics:
    """The Studio's WorkforceMetrics of each year: headcount of everyone employed in the year (the
    population `all`), active at year end, terminated in the year, new hires, and growth_pct and
    avg_compensation of the actives as in the `workforce` rows."""
    everyone = {row["simulation_year"]: row["headcount"] for row in results["workforce_progression"]}
    return {
        row["simulation_year"]: {
            "headcount": everyone[row["simulation_year"]],
            "active": row["headcount"],
            "terminated": row["experienced_terminations"] + row["new_hire_terminations"],
            "new_hires": row["hires"],
            "growth_pct": row["growth_pct"],
            "avg_compensation": row["avg_compensation"],
        }
        for row in results["workforce"]
    }


def dc_plan_metrics(results: Results) -> YearMetrics:
    """The `dc_plan` rows by year (the Studio's DCPlanMetrics plus eligible_count; rates in percent)."""
    return {
        row["simulation_year"]: {name: value for name, value in row.items() if name != "simulation_year"}
        for row in results["dc_plan"]
    }


def compare_years(metrics: Mapping[str, YearMetrics], baseline_id: str) -> list[dict[str, Any]]:
    """Per simulation year of the baseline, each scenario's metrics and their differences from the
    baseline's. A scenario that did not simulate a year is absent from it; a year the baseline did
    not simulate is left out, as the reference backend leaves it out."""
    comparison = []
    for year, baseline in sorted(metrics[baseline_id].items()):
        values = {sid: by_year[year] for sid, by_year in metrics.items() if year in by_year}
        deltas = {sid: {name: delta(v, baseline[name]) for name, v in m.items()} for sid, m in values.items()}
        comparison.append({"year": year, "values": values, "deltas": deltas})
    return comparison


def _event_count(results: Results, event_type: str, year: int) -> int:
    """Events of `event_type` in `year`; 0 for a type or a year the run has none of."""
    index = year - results["start_year"]
    counts = results["event_trends"].get(event_type)
    return int(counts[index]) if counts and 0 <= index < len(counts) else 0


def compare_events(results: Mapping[str, Results], baseline_id: str) -> list[dict[str, Any]]:
    """The Studio's event comparison: per year of any scenario and per EVENT_METRICS, each scenario's
    count with its difference from the baseline's."""
    years = sorted({y for r in results.values() for y in range(r["start_year"], r["end_year"] + 1)})
    comparison = []
    for year in years:
        for metric, event_type in EVENT_METRICS.items():
            counts = {sid: _event_count(r, event_type, year) for sid, r in results.items()}
            baseline = counts[baseline_id]
            comparison.append(
                {
                    "metric": metric,
                    "year": year,
                    "baseline": baseline,
                    "scenarios": counts,
                    "deltas": {sid: count - baseline for sid, count in counts.items()},
                    "delta_pcts": {sid: delta_pct(count, baseline) for sid, count in counts.items()},
                }
            )
    return comparison


def summary_delta(values: Mapping[str, Number], baseline_id: str) -> dict[str, Any]:
    """`{baseline, scenarios, deltas, delta_pcts}` of one summary figure."""
    baseline = values[baseline_id]
    return {
        "baseline": baseline,
        "scenarios": dict(values),
        "deltas": {sid: delta(v, baseline) for sid, v in values.items()},
        "delta_pcts": {sid: delta_pct(v, baseline) for sid, v in values.items()},
    }


def _round_half_up(value: float, decimals: int) -> float:
    """Spreadsheet rounding of the decimal number a float prints as (1.005 -> 1.01)."""
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def delta(value: Number, baseline: Number) -> Number:
    """value - baseline; counts stay integers."""
    if isinstance(value, int) and isinstance(baseline, int):
        return value - baseline
    return _round_half_up(value - baseline, DELTA_DECIMALS)


def delta_pct(value: Number, baseline: Number) -> float | None:
    """(value - baseline) / |baseline| x 100 with 2 decimals, so that a rise is positive even from a
    negative baseline (as the reference backend); None when the baseline is 0, where no percent means
    anything."""
    if baseline == 0:
        return None
    return _round_half_up((value - baseline) / abs(baseline) * 100.0, DELTA_PCT_DECIMALS)
