"""The Studio's NDT router (`planalign_api/routers/ndt.py`): the years of a scenario's run and the ADP,
ACP, 401(a)(4) and 415(c) tests of one year across scenarios. As that router: an empty selection, a
scenario that has not completed, or an unknown testing method is 400; a year a run lacks is that
scenario's `error` result."""

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Query

from planalign.api.app import BAD_REQUEST_RESPONSES
from planalign.api.errors import answered_as
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
from planalign.domain.ndt_parameters import DEFAULT_WARNING_THRESHOLD
from planalign.errors import InvalidRequest

if TYPE_CHECKING:
    from planalign.services.ndt import Test

router = APIRouter(
    prefix="/api/workspaces/{workspace_id}/analytics/ndt", tags=["ndt"], responses=BAD_REQUEST_RESPONSES
)
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
    from planalign.services import ndt  # NumPy and Arrow, on first use (cold start)

    return AvailableYearsResponse(
        **ndt.available_years(store, artifacts, tenant_id, workspace_id, scenario_id)
    )


class TestQuery:
    """What every test route takes: the workspace, the scenarios, the year, and whether to list the
    employees; `results` runs a test on each scenario."""

    def __init__(
        self,
        workspace_id: str,
        tenant_id: Tenant,
        store: StoreDep,
        artifacts: ArtifactsDep,
        _run_headers: RunHeaders,
        scenarios: str = SCENARIOS,
        year: int = YEAR,
        include_employees: bool = False,
    ) -> None:
        self.workspace_id, self.tenant_id, self.store, self.artifacts = (
            workspace_id,
            tenant_id,
            store,
            artifacts,
        )
        self.scenarios, self.year, self.include_employees = scenarios, year, include_employees

    def results(self, test: "Test") -> dict[str, Any]:
        """{year, results}: each scenario's result, in the order asked."""
        from planalign.services import ndt  # NumPy and Arrow, on first use (cold start)

        with answered_as(400):
            ids = ndt.tested_scenario_ids(self.scenarios)
            results = ndt.run_test(
                self.store, self.artifacts, self.tenant_id, self.workspace_id, ids, self.year, test
            )
        return {"year": self.year, "results": results}


Tested = Annotated[TestQuery, Depends()]


@router.get("/acp")
def run_acp_test(query: Tested) -> ACPTestResponse:
    """The ACP test (IRC 401(m)(2)) of matching contributions."""
    from planalign.services import ndt  # NumPy and Arrow, on first use (cold start)

    return ACPTestResponse.model_validate(query.results(ndt.acp(query.include_employees)))


@router.get("/adp")
def run_adp_test(
    query: Tested,
    safe_harbor: bool = Query(False, description="a safe-harbour plan is exempt (IRC 401(k)(12), (13))"),
    testing_method: str = Query(
        "current", description="current or prior (the NHCE average of the year before)"
    ),
) -> ADPTestResponse:
    """The ADP test (IRC 401(k)(3)) of elective deferrals, with the excess a failed test levels away."""
    from planalign.services import ndt  # NumPy and Arrow, on first use (cold start)

    with answered_as(400):
        if testing_method not in ("current", "prior"):
            raise InvalidRequest(f"testing_method must be 'current' or 'prior', not {testing_method!r}")
    method = "prior" if testing_method == "prior" else "current"
    return ADPTestResponse.model_validate(
        query.results(ndt.adp(safe_harbor, method, query.include_employees))
    )


@router.get("/401a4")
def run_401a4_test(
    query: Tested,
    include_match: bool = Query(False, description="count the match in the employer contribution rate"),
) -> Section401a4TestResponse:
    """The 401(a)(4) test of employer contribution rates, as the Studio presents it."""
    from planalign.services import ndt  # NumPy and Arrow, on first use (cold start)

    return Section401a4TestResponse.model_validate(
        query.results(ndt.general(include_match, query.include_employees))
    )


@router.get("/415")
def run_415_test(
    query: Tested,
    warning_threshold: float = Query(
        DEFAULT_WARNING_THRESHOLD, ge=0.0, le=1.0, description="at risk from this share"
    ),
) -> Section415TestResponse:
    """The 415(c) limit on annual additions (deferrals without catch-up, match, core)."""
    from planalign.services import ndt  # NumPy and Arrow, on first use (cold start)

    test = ndt.annual_additions(warning_threshold, query.include_employees)
    return Section415TestResponse.model_validate(query.results(test))
