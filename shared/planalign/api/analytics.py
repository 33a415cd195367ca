"""The Studio's analytics router (`planalign_api/routers/analytics.py`): DC plan analytics of a
scenario and their comparison (the Compare and Cost Comparison pages), and winners and losers. As that
router: a scenario without a completed run is 400 (422 for winners and losers), a comparison of fewer
than 2 or more than 6 scenarios 400."""

from typing import Literal

from fastapi import APIRouter, Query

from planalign.api.analytics_models import DCPlanAnalytics, DCPlanComparisonResponse, WinnersLosersResponse
from planalign.api.app import BAD_REQUEST_RESPONSES
from planalign.api.errors import answered_as
from planalign.api.run_headers import RunHeaders
from planalign.api.services import ArtifactsDep, StoreDep
from planalign.api.tenant import Tenant

router = APIRouter(
    prefix="/api/workspaces/{workspace_id}", tags=["analytics"], responses=BAD_REQUEST_RESPONSES
)

CohortQuery = Literal["all", "new_hires", "baseline"]


@router.get("/scenarios/{scenario_id}/analytics/dc-plan")
def get_dc_plan_analytics(
    workspace_id: str,
    scenario_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    _: RunHeaders,
    active_only: bool = False,
    effective_rate: bool = False,
    cohort: CohortQuery = "all",
) -> DCPlanAnalytics:
    """Participation, contributions by year, deferral distributions, escalations and the IRS limit of
    the scenario's latest completed run."""
    from planalign.domain.dc_plan_analytics import Options
    from planalign.services import analytics  # NumPy and Arrow, on first use (cold start)

    with answered_as(400):
        figures = analytics.dc_plan(
            store,
            artifacts,
            tenant_id,
            workspace_id,
            scenario_id,
            Options(active_only, effective_rate, cohort),
        )
    return DCPlanAnalytics(**figures)


@router.get("/analytics/dc-plan/compare")
def compare_dc_plan_analytics(
    workspace_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    _: RunHeaders,
    scenarios: str = Query(..., description="comma-separated scenario ids, 2 to 6"),
    active_only: bool = False,
    effective_rate: bool = False,
    cohort: CohortQuery = "all",
) -> DCPlanComparisonResponse:
    """Each scenario's DC plan analytics, side by side."""
    from planalign.domain.dc_plan_analytics import Options
    from planalign.services import analytics  # NumPy and Arrow, on first use (cold start)

    with answered_as(400):
        ids = analytics.compared_scenario_ids(scenarios)
        figures = analytics.compare_dc_plan(
            store, artifacts, tenant_id, workspace_id, ids, Options(active_only, effective_rate, cohort)
        )
    return DCPlanComparisonResponse(**figures)


@router.get("/analytics/winners-losers")
def get_winners_losers(
    workspace_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    _: RunHeaders,
    plan_a: str = Query(..., description="the reference plan's scenario id"),
    plan_b: str = Query(..., description="the alternative plan's scenario id"),
) -> WinnersLosersResponse:
    """Employees who get more (winners) or less (losers) employer money under plan B, by band."""
    from planalign.services import analytics  # NumPy and Arrow, on first use (cold start)

    with answered_as(422):
        figures = analytics.compare_winners_losers(store, artifacts, tenant_id, workspace_id, plan_a, plan_b)
    return WinnersLosersResponse(**figures)
