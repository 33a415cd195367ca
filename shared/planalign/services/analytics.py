"""The Studio's analysis pages on a scenario's latest completed run (the run whose results
`GET /api/scenarios/{id}/results` shows): DC plan analytics and their comparison (also the Cost
Comparison page's), winners and losers between two plans, employee search and timelines. Each reads
the run's Parquet tables (adapters/run_tables.py) and hands them to the domain's figures."""

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import TypeAdapter, ValidationError

from planalign.adapters.artifacts import Artifacts, run_prefix
from planalign.adapters.run_tables import RunTables, mapped
from planalign.adapters.store import Store
from planalign.domain import dc_plan_analytics, employee_timeline, winners_losers
from planalign.domain.run_tables import EVENTS, SNAPSHOT
from planalign.domain.studio_config import merge_studio_config
from planalign.errors import InvalidRequest, NotFound, RunConflict
from planalign.services.runs import newest_completed_run
from planalign.services.workspaces import get_scenario

MAX_COMPARED_SCENARIOS = 6
_BANDS = TypeAdapter(list[dict[str, Any]])


def completed_run(
    store: Store, tenant_id: str, workspace_id: str, scenario_id: str, label: str = "Scenario"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(scenario, its latest completed run); NotFound for an unknown workspace or scenario, RunConflict
    (named as the reference names it) for a scenario without a completed run."""
    try:
        scenario = get_scenario(store, tenant_id, workspace_id, scenario_id)
    except NotFound as error:
        store.get("WS", workspace_id, tenant_id)  # an unknown workspace is named first
        raise NotFound(f"{label} {scenario_id} not found") from error
    run = newest_completed_run(store, scenario_id)
    if run is None:
        raise RunConflict(f"{label} {scenario_id} has not completed successfully")
    return scenario, run


def run_tables_of(artifacts: Artifacts, run: Mapping[str, Any]) -> RunTables:
    return RunTables(artifacts, run_prefix(run["tenant_id"], run["workspace_id"], run["id"]))


def snapshot_years(tables: RunTables, run: Mapping[str, Any]) -> list[int]:
    years = tables.years(SNAPSHOT)
    if not years:
        raise RunConflict(
            f"run {run['id']} has no queryable output (it completed before runs stored Parquet)"
        )
    return years


def _dc_plan(
    artifacts: Artifacts,
    scenario: Mapping[str, Any],
    run: Mapping[str, Any],
    options: dc_plan_analytics.Options,
) -> dict[str, Any]:
    tables = run_tables_of(artifacts, run)
    years = snapshot_years(tables, run)

    def summary(year: int) -> dc_plan_analytics.YearSummary:
        table = tables.read_year(SNAPSHOT, year, dc_plan_analytics.COLUMNS)
        return dc_plan_analytics.summarize_year(table, year, years[0], options)

    # A few KB a run and query: the page's next visit (or the comparison's) reads no year again.
    summaries = tables.derived(f"dc_plan_summaries/{options}", lambda: mapped(summary, years))
    return dc_plan_analytics.dc_plan_analytics(scenario["id"], scenario["name"], summaries)


def dc_plan(
    store: Store,
    artifacts: Artifacts,
    tenant_id: str,
    workspace_id: str,
    scenario_id: str,
    options: dc_plan_analytics.Options,
) -> dict[str, Any]:
    """The Studio's DCPlanAnalytics of the scenario."""
    scenario, run = completed_run(store, tenant_id, workspace_id, scenario_id)
    return _dc_plan(artifacts, scenario, run, options)


def compared_scenario_ids(scenarios: str) -> list[str]:
    """The comma-separated ids of a comparison: 2 to MAX_COMPARED_SCENARIOS of them."""
    ids = [part.strip() for part in scenarios.split(",")]
    if len(ids) < 2:
        raise InvalidRequest("At least 2 scenarios required for comparison")
    if len(ids) > MAX_COMPARED_SCENARIOS:
        raise InvalidRequest(f"Maximum {MAX_COMPARED_SCENARIOS} scenarios allowed for comparison")
    return ids


def compare_dc_plan(
    store: Store,
    artifacts: Artifacts,
    tenant_id: str,
    workspace_id: str,
    scenario_ids: Sequence[str],
    options: dc_plan_analytics.Options,
) -> dict[str, Any]:
    """The Studio's DCPlanComparisonResponse: each scenario's DCPlanAnalytics, in the order asked."""
    store.get("WS", workspace_id, tenant_id)
    found = [completed_run(store, tenant_id, workspace_id, scenario_id) for scenario_id in scenario_ids]
    return {
        "scenarios": list(scenario_ids),
        "scenario_names": {scenario["id"]: scenario["name"] for scenario, _ in found},
        "analytics": mapped(lambda pair: _dc_plan(artifacts, pair[0], pair[1], options), found),
    }


def run_bands(run: Mapping[str, Any], section: str) -> list[dict[str, Any]]:
    """The run's age or tenure bands (its Studio config's, else the reference engine's seeds)."""
    bands = (run.get("studio_config") or {}).get(section)
    try:
        valid = _BANDS.validate_python(bands)
        if valid and all({"band_label", "min_value", "max_value"} <= band.keys() for band in valid):
            return valid
    except ValidationError:
        pass
    seeds: list[dict[str, Any]] = merge_studio_config({}, {})[section]
    return seeds


def compare_winners_losers(
    store: Store, artifacts: Artifacts, tenant_id: str, workspace_id: str, plan_a: str, plan_b: str
) -> dict[str, Any]:
    """The Studio's WinnersLosersResponse of plan B against plan A, each at its final year."""
    store.get("WS", workspace_id, tenant_id)
    runs = [completed_run(store, tenant_id, workspace_id, plan_a, "Plan A scenario")[1]]
    runs.append(completed_run(store, tenant_id, workspace_id, plan_b, "Plan B scenario")[1])

    def final_year(run: Mapping[str, Any]) -> tuple[int, Any]:
        tables = run_tables_of(artifacts, run)
        year = snapshot_years(tables, run)[-1]
        return year, tables.read_year(SNAPSHOT, year, winners_losers.COLUMNS)

    (year_a, table_a), (year_b, table_b) = mapped(final_year, runs)
    figures = winners_losers.winners_losers(
        table_a, table_b, run_bands(runs[0], "age_bands"), run_bands(runs[0], "tenure_bands")
    )
    return {
        "plan_a_scenario_id": plan_a,
        "plan_b_scenario_id": plan_b,
        "final_year": max(year_a, year_b),
        **figures,
    }


def _queryable(
    store: Store, tenant_id: str, workspace_id: str, scenario_id: str, artifacts: Artifacts
) -> RunTables:
    """The tables of the scenario's latest completed run; NotFound when it has none (the reference's
    'no results database')."""
    try:
        _, run = completed_run(store, tenant_id, workspace_id, scenario_id)
    except RunConflict as error:
        raise NotFound(f"Scenario {scenario_id} has no results database") from error
    tables = run_tables_of(artifacts, run)
    if not tables.years(SNAPSHOT):
        raise NotFound(f"Scenario {scenario_id} has no results database")
    return tables


def search_employees(
    store: Store,
    artifacts: Artifacts,
    tenant_id: str,
    workspace_id: str,
    scenario_id: str,
    *,
    year: int | None,
    **filters: Any,
) -> dict[str, Any]:
    """The Studio's EmployeeSearchResponse over one year of the snapshot (the final year by default)."""
    tables = _queryable(store, tenant_id, workspace_id, scenario_id, artifacts)
    years = tables.years(SNAPSHOT)
    selected = year or years[-1]
    if selected not in years:
        return {
            "results": [],
            "total": 0,
            "page": filters.get("page", 1),
            "page_size": filters.get("page_size", 50),
        }
    table = tables.read_year(SNAPSHOT, selected, employee_timeline.SEARCH_COLUMNS)
    return employee_timeline.search_employees(table, selected, **filters)


def employee_timeline_of(
    store: Store,
    artifacts: Artifacts,
    tenant_id: str,
    workspace_id: str,
    scenario_id: str,
    employee_id: str,
    start_year: int | None,
    years: int,
) -> dict[str, Any]:
    """The Studio's EmployeeTimelineResponse; an id in another case finds the employee, as the reference."""
    tables = _queryable(store, tenant_id, workspace_id, scenario_id, artifacts)
    wanted = employee_id.strip()

    def rows_of(employee: str) -> tuple[Any, Any]:
        snapshot, events = mapped(
            lambda read: read(),
            [
                lambda: tables.read_employee(SNAPSHOT, employee, employee_timeline.STATE_COLUMNS),
                lambda: tables.read_employee(EVENTS, employee, employee_timeline.EVENT_COLUMNS),
            ],
        )
        return snapshot, events

    snapshot, events = rows_of(wanted)
    if snapshot.num_rows == 0 and events.num_rows == 0:
        # Not this exact id: the first id equal to it but for case, from every year's ids.
        ids = tables.read_years(SNAPSHOT, tables.years(SNAPSHOT), ["employee_id"])
        same = sorted(
            i for table in ids.values() for i in employee_timeline.matching_ids(table["employee_id"], wanted)
        )
        if same:
            snapshot, events = rows_of(same[0])
    return employee_timeline.employee_timeline(
        workspace_id, scenario_id, wanted, snapshot, events, start_year, years
    )
