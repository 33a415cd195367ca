"""The Studio's Vesting page and forfeiture projection on a scenario's latest completed run: the
schedules, the run's years, two schedules compared on a year's leavers, and one schedule's forfeitures
of every year across scenarios. Reads the run's snapshot Parquet (adapters/run_tables.py); the figures
are domain/vesting.py's."""

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from planalign.adapters.artifacts import Artifacts
from planalign.adapters.run_tables import RunTables, mapped
from planalign.adapters.store import Store
from planalign.domain import vesting
from planalign.domain.run_tables import SNAPSHOT
from planalign.domain.vesting_schedules import VestingRule
from planalign.errors import InvalidRequest, NotFound, RunConflict
from planalign.services.analytics import MAX_COMPARED_SCENARIOS, completed_run, run_bands, run_tables_of

NO_DATA = "Simulation data not found. Ensure the scenario has completed simulation."
# What the vesting figures read of each year: balances and leavers from one read.
COLUMNS = tuple(dict.fromkeys(vesting.BALANCE_COLUMNS + vesting.LEAVER_COLUMNS))


def _scenario_tables(
    store: Store, artifacts: Artifacts, tenant_id: str, workspace_id: str, scenario_id: str
) -> tuple[dict[str, Any], dict[str, Any], RunTables, list[int]]:
    """(scenario, run, its tables, its years); 404 naming the workspace or scenario, or the reference's
    'Simulation data not found' when the scenario has no completed run with Parquet output."""
    store.get("WS", workspace_id, tenant_id)
    try:
        scenario, run = completed_run(store, tenant_id, workspace_id, scenario_id)
    except RunConflict as error:
        raise NotFound(NO_DATA) from error
    tables = run_tables_of(artifacts, run)
    years = tables.years(SNAPSHOT)
    if not years:
        raise NotFound(NO_DATA)
    return scenario, run, tables, years


def vesting_years(
    store: Store, artifacts: Artifacts, tenant_id: str, workspace_id: str, scenario_id: str
) -> dict[str, Any]:
    """The Studio's ScenarioYearsResponse: the run's years and the final one."""
    *_, years = _scenario_tables(store, artifacts, tenant_id, workspace_id, scenario_id)
    return {"years": years, "default_year": years[-1]}


def _leaver_rows(tables: RunTables, years: list[int]) -> pa.Table:
    """vesting.leaver_rows of the run: every year's leavers with their balances (the employer money of
    the run's years: an employee's active rows all precede their leaving year), computed once per warm
    function from one read of COLUMNS; a run written before the snapshot kept hours has no annual_hours."""

    def compute() -> pa.Table:
        present = set(tables.columns(SNAPSHOT, years[-1]))
        read = tables.read_years(SNAPSHOT, years, [name for name in COLUMNS if name in present])
        return vesting.leaver_rows(read, vesting.employer_balances(read))

    return tables.derived("leaver_rows", compute)


def analyze_vesting(
    store: Store,
    artifacts: Artifacts,
    tenant_id: str,
    workspace_id: str,
    scenario_id: str,
    current: VestingRule,
    proposed: VestingRule,
    year: int | None,
) -> dict[str, Any]:
    """The Studio's VestingAnalysisResponse figures of the year's leavers (the final year by default)."""
    scenario, run, tables, years = _scenario_tables(store, artifacts, tenant_id, workspace_id, scenario_id)
    selected = years[-1] if year is None else year
    if selected not in years:
        raise InvalidRequest(f"simulation_year: {selected} is not a year of the run ({years[0]}-{years[-1]})")
    people = vesting.leavers_of_year(_leaver_rows(tables, years), selected)
    figures = vesting.compare_schedules(selected, people, current, proposed, run_bands(run, "tenure_bands"))
    return {"scenario_id": scenario["id"], "scenario_name": scenario["name"], **figures}


def selected_scenario_ids(scenarios: str) -> list[str]:
    """The comma-separated ids of a projection: 1 to MAX_COMPARED_SCENARIOS, no repeats."""
    ids = [part.strip() for part in scenarios.split(",") if part.strip()]
    if not ids:
        raise InvalidRequest("At least one scenario is required")
    if len(set(ids)) != len(ids):
        raise InvalidRequest("Duplicate scenario IDs are not allowed")
    if len(ids) > MAX_COMPARED_SCENARIOS:
        raise InvalidRequest(f"Maximum {MAX_COMPARED_SCENARIOS} scenarios allowed")
    return ids


def _scenario_series(
    artifacts: Artifacts,
    scenario: Mapping[str, Any],
    run: Mapping[str, Any],
    rule: VestingRule,
    policy: str,
) -> dict[str, Any] | None:
    tables = run_tables_of(artifacts, run)
    years = tables.years(SNAPSHOT)
    if not years:
        return None
    leaver_rows = _leaver_rows(tables, years)
    rows = [
        vesting.forfeiture_year(year, vesting.leavers_of_year(leaver_rows, year), rule, year != years[0])
        for year in years
    ]
    return {
        "scenario_id": scenario["id"],
        "scenario_name": scenario["name"],
        **vesting.forfeiture_series(rows, policy),
    }


def project_forfeitures(
    store: Store,
    artifacts: Artifacts,
    tenant_id: str,
    workspace_id: str,
    scenario_ids: list[str],
    rule: VestingRule,
    policy: str,
) -> dict[str, Any]:
    """The Studio's ForfeitureProjectionResponse figures: each scenario's forfeitures of every year under
    one schedule; a completed run without Parquet output is skipped with the reason."""
    store.get("WS", workspace_id, tenant_id)
    found = [completed_run(store, tenant_id, workspace_id, scenario_id) for scenario_id in scenario_ids]
    built = mapped(lambda pair: _scenario_series(artifacts, pair[0], pair[1], rule, policy), found)
    series = [item for item in built if item is not None]
    skipped = [
        {
            "scenario_id": scenario["id"],
            "scenario_name": scenario["name"],
            "reason": "The run has no queryable output (it completed before runs stored Parquet)",
        }
        for (scenario, _), item in zip(found, built, strict=True)
        if item is None
    ]
    years = sorted({row["simulation_year"] for item in series for row in item["years"]})
    return {"forfeiture_policy": policy, "years": years, "scenarios": series, "skipped": skipped}
