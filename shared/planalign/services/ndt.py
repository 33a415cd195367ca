"""The Studio's NDT Testing page on scenarios' latest completed runs: the years that can be tested, and
the ADP, ACP, 401(a)(4) and 415(c) tests of one year, each scenario with its run's IRS limits (the
limits its projection applied) and the look-back year's HCE threshold. Reads the run's snapshot Parquet;
the rules are domain/ndt.py's."""

from collections.abc import Callable, Mapping
from typing import Any

from planalign.adapters.artifacts import Artifacts
from planalign.adapters.run_tables import RunTables, mapped
from planalign.adapters.store import Store
from planalign.domain import ndt
from planalign.domain.config import resolve_config
from planalign.domain.irs_limits import YearLimits, hce_compensation
from planalign.domain.run_tables import SNAPSHOT
from planalign.errors import InvalidRequest
from planalign.services.analytics import completed_run, run_tables_of
from planalign.services.runs import newest_completed_run
from planalign.services.workspaces import get_scenario

# A test of one scenario: (its run, the tested year) -> the result's fields.
Test = Callable[["TestedRun", int], dict[str, Any]]


def available_years(
    store: Store, artifacts: Artifacts, tenant_id: str, workspace_id: str, scenario_id: str
) -> dict[str, Any]:
    """The Studio's AvailableYearsResponse: the run's years, none without a completed run."""
    store.get("WS", workspace_id, tenant_id)
    get_scenario(store, tenant_id, workspace_id, scenario_id)
    run = newest_completed_run(store, scenario_id)
    years = [] if run is None else run_tables_of(artifacts, run).years(SNAPSHOT)
    return {"years": years, "default_year": years[-1] if years else None}


def tested_scenario_ids(scenarios: str) -> list[str]:
    ids = [part.strip() for part in scenarios.split(",") if part.strip()]
    if not ids:
        raise InvalidRequest("At least one scenario ID is required")
    return list(dict.fromkeys(ids))


class TestedRun:
    """One scenario's completed run as the tests read it."""

    def __init__(self, artifacts: Artifacts, scenario: Mapping[str, Any], run: Mapping[str, Any]) -> None:
        self.tables: RunTables = run_tables_of(artifacts, run)
        self.years = self.tables.years(SNAPSHOT)
        self.config = resolve_config(run.get("config") or {})

    def limits(self, year: int) -> YearLimits:
        return YearLimits.for_year(self.config.irs_limits, year, self.config.simulation.start_year)

    def year(self, year: int) -> ndt.Year:
        """The tested year, with its look-back year's pay when the run has it."""
        look_back = (
            self.tables.read_year(SNAPSHOT, year - 1, ndt.LOOK_BACK_COLUMNS)
            if year - 1 in self.years
            else None
        )
        threshold = hce_compensation(year - 1, self.config.irs_limits.limit_growth_rate)
        return ndt.tested_year(
            self.tables.read_year(SNAPSHOT, year, ndt.COLUMNS), look_back, self.limits(year), threshold
        )


def run_test(
    store: Store,
    artifacts: Artifacts,
    tenant_id: str,
    workspace_id: str,
    scenario_ids: list[str],
    year: int,
    test: Test,
) -> list[dict[str, Any]]:
    """Each scenario's result of `test` on `year`, in the order asked; a year its run does not have is
    that scenario's error."""
    store.get("WS", workspace_id, tenant_id)
    found = [completed_run(store, tenant_id, workspace_id, scenario_id) for scenario_id in scenario_ids]

    def one(pair: tuple[dict[str, Any], dict[str, Any]]) -> dict[str, Any]:
        run = TestedRun(artifacts, *pair)
        head = {"scenario_id": pair[0]["id"], "scenario_name": pair[0]["name"], "simulation_year": year}
        if year not in run.years:
            span = f"{run.years[0]}-{run.years[-1]}" if run.years else "no queryable output"
            return {
                **head,
                "test_result": "error",
                "test_message": f"{year} is not a year of the run ({span})",
            }
        return {**head, **test(run, year)}

    return mapped(one, found)


def adp(safe_harbor: bool, testing_method: ndt.TestingMethod, include_employees: bool) -> Test:
    """The ADP test; under the prior-year method the NHCE average of the year before, or (the run's first
    year) the current year's, said in the message."""

    def test(run: TestedRun, year: int) -> dict[str, Any]:
        prior = None
        if testing_method == "prior" and not safe_harbor and year - 1 in run.years:
            prior = ndt.nhce_adp(run.year(year - 1))
        fields = ndt.adp_test(
            run.year(year),
            safe_harbor=safe_harbor,
            prior_nhce_average=prior,
            include_employees=include_employees,
        )
        method = testing_method
        if testing_method == "prior" and prior is None and not safe_harbor:
            method = "current"
            fields.setdefault(
                "test_message", "Prior year data not available — fell back to current year testing method"
            )
        return {**fields, "testing_method": method, "safe_harbor": safe_harbor}

    return test


def acp(include_employees: bool) -> Test:
    return lambda run, year: ndt.acp_test(run.year(year), include_employees=include_employees)


def general(include_match: bool, include_employees: bool) -> Test:
    """The 401(a)(4) test, flagged by the run's core formula (by age, or by service with a tenure gap)."""

    def test(run: TestedRun, year: int) -> dict[str, Any]:
        core = run.config.core_contribution
        return ndt.general_test(
            run.year(year),
            include_match=include_match,
            core_basis=core.basis if core.enabled else "flat",
            include_employees=include_employees,
        )

    return test


def annual_additions(warning_threshold: float, include_employees: bool) -> Test:
    return lambda run, year: ndt.annual_additions_test(
        run.year(year), warning_threshold=warning_threshold, include_employees=include_employees
    )
