"""The Studio's vesting router (`planalign_api/routers/vesting.py`): the schedules, the years of a
scenario's run, two schedules compared on a year's leavers (the Vesting page), and one schedule's
forfeitures of every year across scenarios (the forfeiture projection and the Cost Comparison's Net
view). As that router: no completed run is 404 on a scenario's routes; in a projection, an empty,
repeated or too long selection, or a scenario that has not completed, is 400."""

from fastapi import APIRouter, Query, Response

from planalign.api.app import BAD_REQUEST_RESPONSES
from planalign.api.errors import answered_as
from planalign.api.run_headers import RunHeaders
from planalign.api.services import ArtifactsDep, StoreDep
from planalign.api.tenant import Tenant
from planalign.api.vesting_models import (
    ForfeitureProjectionResponse,
    ScenarioYearsResponse,
    VestingAnalysisRequest,
    VestingAnalysisResponse,
    VestingScheduleConfig,
    VestingScheduleListResponse,
)
from planalign.domain.vesting_schedules import (
    SCHEDULES,
    ForfeiturePolicy,
    ScheduleType,
    VestingRule,
    schedule_infos,
)

router = APIRouter(tags=["vesting"], responses=BAD_REQUEST_RESPONSES)
SCENARIO = "/api/workspaces/{workspace_id}/scenarios/{scenario_id}/analytics/vesting"


def _rule(schedule: VestingScheduleConfig) -> VestingRule:
    return VestingRule(schedule.schedule_type, schedule.require_hours_credit, schedule.hours_threshold)


@router.get("/api/vesting/schedules")
def list_vesting_schedules() -> VestingScheduleListResponse:
    """Every schedule the Studio offers, with its vested fraction by completed years of service."""
    return VestingScheduleListResponse.model_validate({"schedules": schedule_infos()})


@router.get(SCENARIO + "/years")
def get_vesting_years(
    workspace_id: str,
    scenario_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    _: RunHeaders,
) -> ScenarioYearsResponse:
    """The simulated years of the scenario's latest completed run, and the final one."""
    from planalign.services import vesting  # NumPy and Arrow, on first use (cold start)

    return ScenarioYearsResponse(
        **vesting.vesting_years(store, artifacts, tenant_id, workspace_id, scenario_id)
    )


@router.post(SCENARIO, response_model=VestingAnalysisResponse)
def analyze_vesting(
    workspace_id: str,
    scenario_id: str,
    request: VestingAnalysisRequest,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    _: RunHeaders,
) -> Response:
    """The current and the proposed schedule on the leavers of a year (the final one by default): what
    each would vest and forfeit of their employer money, by employee and tenure band."""
    from planalign.services import vesting  # NumPy and Arrow, on first use (cold start)

    figures = vesting.analyze_vesting(
        store,
        artifacts,
        tenant_id,
        workspace_id,
        scenario_id,
        _rule(request.current_schedule),
        _rule(request.proposed_schedule),
        request.simulation_year,
    )
    answer = VestingAnalysisResponse.model_validate(
        {
            **figures,
            "current_schedule": request.current_schedule,
            "proposed_schedule": request.proposed_schedule,
        }
    )
    # Validated once and written by pydantic: a year's leavers at 1,000,000 employees are tens of
    # thousands of rows, which FastAPI would validate again and encode in Python (seconds).
    return Response(answer.model_dump_json(), media_type="application/json")


@router.get("/api/workspaces/{workspace_id}/analytics/vesting/forfeitures")
def project_vesting_forfeitures(
    workspace_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    _: RunHeaders,
    scenarios: str = Query(..., description="comma-separated scenario ids, 1 to 6, all completed"),
    schedule_type: ScheduleType = Query(..., description="the one schedule to report under"),
    require_hours_credit: bool = False,
    hours_threshold: int = Query(1000, ge=0, le=2080),
    forfeiture_policy: ForfeiturePolicy = "offset_employer_contributions",
) -> ForfeitureProjectionResponse:
    """Each scenario's forfeitures of every year under one schedule, and the employer cost offsets its
    policy implies (a year's forfeitures offset the next year's cost)."""
    from planalign.services import vesting  # NumPy and Arrow, on first use (cold start)

    schedule = VestingScheduleConfig(
        schedule_type=schedule_type,
        name=SCHEDULES[schedule_type].name,
        require_hours_credit=require_hours_credit,
        hours_threshold=hours_threshold,
    )
    with answered_as(400):
        ids = vesting.selected_scenario_ids(scenarios)
        figures = vesting.project_forfeitures(
            store, artifacts, tenant_id, workspace_id, ids, _rule(schedule), forfeiture_policy
        )
    return ForfeitureProjectionResponse.model_validate({**figures, "schedule": schedule})
