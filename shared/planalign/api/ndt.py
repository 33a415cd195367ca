"""The Studio's NDT router (`planalign_api/routers/ndt.py`): the years of a scenario's run and the ADP,
ACP, 401(a)(4) and 415(c) tests of one year across scenarios. As that router: an empty selection, a
scenario that has not completed, or an unknown testing method is 400; a year a run lacks is that
scenario's `error` result."""

from fastapi import APIRouter, Query

from planalign.api.analytics import answered_as
from planalign.api.ndt_models import (
    ACPTestResponse,
    ADPTestResponse,
    AvailableYearsResponse,
    Section401a4TestResponse,
    Section415TestResponse,
)
from planalign.api.run_headers import RunHeaders
from planalign.api.services import ArtifactsDep, StoreDep
from planalign.api.tenant import Tenant
from planalign.domain.ndt import DEFAULT_WARNING_THRESHOLD
from planalign.errors import InvalidRequest
from planalign.services import ndt

router = APIRouter(prefix="/api/workspaces/{workspace_id}/analytics/ndt", tags=["ndt"])
SCENARIOS = Query(..., description="comma-separated scenario ids")
YEAR = Query(..., description="the simulated year to test")


@router.get("/available-years")
def get_ndt_available_years(
    workspace_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    _: RunHeaders,
    scenario_id: str = Query(..., description="the scenario"),
) -> AvailableYearsResponse:
    """The years of the scenario's latest completed run (none without one) and the final one."""
    return AvailableYearsResponse(
        **ndt.available_years(store, artifacts, tenant_id, workspace_id, scenario_id)
    )


def _results(
    store: StoreDep,
    artifacts: ArtifactsDep,
    tenant_id: str,
    workspace_id: str,
    scenarios: str,
    year: int,
    test: ndt.Test,
) -> list[dict[str, object]]:
    with answered_as(400):
        ids = ndt.tested_scenario_ids(scenarios)
        return ndt.run_test(store, artifacts, tenant_id, workspace_id, ids, year, test)


@router.get("/acp")
def run_acp_test(
    workspace_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    _: RunHeaders,
    scenarios: str = SCENARIOS,
    year: int = YEAR,
    include_employees: bool = False,
) -> ACPTestResponse:
    """The ACP test (IRC 401(m)(2)) of matching contributions."""
    results = _results(store, artifacts, tenant_id, workspace_id, scenarios, year, ndt.acp(include_employees))
    return ACPTestResponse.model_validate({"year": year, "results": results})


@router.get("/adp")
def run_adp_test(
    workspace_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    _: RunHeaders,
    scenarios: str = SCENARIOS,
    year: int = YEAR,
    include_employees: bool = False,
    safe_harbor: bool = Query(False, description="a safe-harbour plan is exempt (IRC 401(k)(12), (13))"),
    testing_method: str = Query(
        "current", description="current or prior (the NHCE average of the year before)"
    ),
) -> ADPTestResponse:
    """The ADP test (IRC 401(k)(3)) of elective deferrals, with the excess a failed test levels away."""
    with answered_as(400):
        if testing_method not in ("current", "prior"):
            raise InvalidRequest(f"testing_method must be 'current' or 'prior', not {testing_method!r}")
    method = "prior" if testing_method == "prior" else "current"
    test = ndt.adp(safe_harbor, method, include_employees)
    results = _results(store, artifacts, tenant_id, workspace_id, scenarios, year, test)
    return ADPTestResponse.model_validate({"year": year, "results": results})


@router.get("/401a4")
def run_401a4_test(
    workspace_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    _: RunHeaders,
    scenarios: str = SCENARIOS,
    year: int = YEAR,
    include_employees: bool = False,
    include_match: bool = Query(False, description="count the match in the employer contribution rate"),
) -> Section401a4TestResponse:
    """The 401(a)(4) test of employer contribution rates, as the Studio presents it."""
    test = ndt.general(include_match, include_employees)
    results = _results(store, artifacts, tenant_id, workspace_id, scenarios, year, test)
    return Section401a4TestResponse.model_validate({"year": year, "results": results})


@router.get("/415")
def run_415_test(
    workspace_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    _: RunHeaders,
    scenarios: str = SCENARIOS,
    year: int = YEAR,
    include_employees: bool = False,
    warning_threshold: float = Query(
        DEFAULT_WARNING_THRESHOLD, ge=0.0, le=1.0, description="at risk from this share"
    ),
) -> Section415TestResponse:
    """The 415(c) limit on annual additions (deferrals without catch-up, match, core)."""
    test = ndt.annual_additions(warning_threshold, include_employees)
    results = _results(store, artifacts, tenant_id, workspace_id, scenarios, year, test)
    return Section415TestResponse.model_validate({"year": year, "results": results})
