"""Scenario comparison: the results of each scenario's latest completed run side by side, per year and
in summary, with every value's difference from a baseline scenario. The arithmetic works on the
Results documents alone, so it is tested without AWS."""

from collections.abc import Mapping
from typing import Any

from planalign.adapters.artifacts import Artifacts
from planalign.adapters.store import Store
from planalign.domain.results import round_half_up
from planalign.errors import InvalidRequest, NotFound, RunConflict
from planalign.services.runs import latest_run, run_results
from planalign.services.workspaces import get_scenario

MAX_SCENARIOS = 6
# Inputs carry at most 4 decimals (rates; money has 2): rounding a difference there only removes
# binary noise such as 0.30000000000000004.
DELTA_DECIMALS = 4
DELTA_PCT_DECIMALS = 2
# summary_deltas name -> the Results field it compares.
SUMMARY_FIELDS = {
    "final_headcount": "final_headcount",
    "total_growth_pct": "total_growth_pct",
    "final_participation_rate": "participation_rate",
    "final_employer_cost": "final_employer_cost",
}

Number = int | float


def compare_scenarios(
    store: Store,
    artifacts: Artifacts,
    tenant_id: str,
    workspace_id: str,
    scenario_ids: list[str],
    baseline_id: str | None,
) -> dict[str, Any]:
    """The comparison of api.md. InvalidRequest for more than MAX_SCENARIOS ids (checked before
    anything is read) or a baseline outside them; NotFound for an unknown scenario; RunConflict for
    a scenario without a completed run."""
    if len(scenario_ids) > MAX_SCENARIOS:
        raise InvalidRequest(f"scenarios: at most {MAX_SCENARIOS} ids, not {len(scenario_ids)}")
    scenario_ids = list(dict.fromkeys(scenario_ids))
    if not scenario_ids:
        raise InvalidRequest("scenarios: name at least one scenario id")
    baseline_id = baseline_id or scenario_ids[0]
    if baseline_id not in scenario_ids:
        raise InvalidRequest(f"baseline: {baseline_id} is not one of the compared scenarios")
    store.get("WS", workspace_id, tenant_id)
    # Every id is checked to exist before any run is looked at, so an unknown id is always a 404.
    scenarios = [get_scenario(store, tenant_id, workspace_id, sid) for sid in scenario_ids]
    results: dict[str, dict[str, Any]] = {}
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
    results: Mapping[str, Mapping[str, Any]], names: Mapping[str, str], baseline_id: str
) -> dict[str, Any]:
    """The comparison of the Results documents `results` (scenario id -> Results, in display order)."""
    return {
        "scenarios": list(results),
        "scenario_names": dict(names),
        "baseline_scenario": baseline_id,
        "workforce_comparison": compare_years(
            {sid: r["workforce_progression"] for sid, r in results.items()}, baseline_id
        ),
        "dc_plan_comparison": compare_years({sid: r["dc_plan"] for sid, r in results.items()}, baseline_id),
        "summary_deltas": {
            name: summary_delta({sid: r[field] for sid, r in results.items()}, baseline_id)
            for name, field in SUMMARY_FIELDS.items()
        },
    }


def compare_years(rows: Mapping[str, list[Mapping[str, Any]]], baseline_id: str) -> list[dict[str, Any]]:
    """Per simulation year, each scenario's metrics and their differences from the baseline's.
    Years are those of any scenario; a scenario appears in a year it simulated, and has deltas only
    where the baseline simulated that year too."""
    by_year: dict[int, dict[str, dict[str, Any]]] = {}
    for sid, scenario_rows in rows.items():
        for row in scenario_rows:
            metrics = {k: v for k, v in row.items() if k != "simulation_year"}
            by_year.setdefault(row["simulation_year"], {})[sid] = metrics
    comparison = []
    for year in sorted(by_year):
        values = by_year[year]
        baseline = values.get(baseline_id)
        deltas = {} if baseline is None else {sid: metric_deltas(m, baseline) for sid, m in values.items()}
        comparison.append({"year": year, "values": values, "deltas": deltas})
    return comparison


def metric_deltas(metrics: Mapping[str, Number], baseline: Mapping[str, Number]) -> dict[str, Number]:
    return {name: delta(value, baseline[name]) for name, value in metrics.items()}


def summary_delta(values: Mapping[str, Number], baseline_id: str) -> dict[str, Any]:
    """`{baseline, scenarios, deltas, delta_pcts}` of one summary figure."""
    baseline = values[baseline_id]
    return {
        "baseline": baseline,
        "scenarios": dict(values),
        "deltas": {sid: delta(v, baseline) for sid, v in values.items()},
        "delta_pcts": {sid: delta_pct(v, baseline) for sid, v in values.items()},
    }


def delta(value: Number, baseline: Number) -> Number:
    """value - baseline; counts stay integers."""
    if isinstance(value, int) and isinstance(baseline, int):
        return value - baseline
    return float(round_half_up(value - baseline, DELTA_DECIMALS))


def delta_pct(value: Number, baseline: Number) -> float | None:
    """(value - baseline) / baseline x 100 with 2 decimals; None when the baseline is 0."""
    if baseline == 0:
        return None
    return float(round_half_up((value - baseline) / baseline * 100.0, DELTA_PCT_DECIMALS))
