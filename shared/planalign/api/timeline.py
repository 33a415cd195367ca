"""The Studio's timeline router (`planalign_api/routers/timeline.py`): search a scenario's employees,
and one employee's events and year-end states. A scenario without a completed run has no results to
read: 404, as that router."""

from fastapi import APIRouter, Query

from planalign.api.analytics_models import EmployeeSearchResponse, EmployeeTimelineResponse
from planalign.api.run_headers import RunHeaders
from planalign.api.services import ArtifactsDep, StoreDep
from planalign.api.tenant import Tenant

router = APIRouter(prefix="/api/workspaces/{workspace_id}/scenarios/{scenario_id}", tags=["timeline"])


@router.get("/employees")
def search_employees(
    workspace_id: str,
    scenario_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    _: RunHeaders,
    q: str | None = None,
    status_filter: str | None = Query(None, alias="status"),
    level: int | None = Query(None, ge=1),
    year: int | None = None,
    enrolled: bool | None = None,
    has_escalations: bool | None = None,
    page: int = Query(1, ge=1),
    page_size: int = Query(50, ge=1, le=200),
) -> EmployeeSearchResponse:
    """Employees of one year of the snapshot (the final year unless `year`), by id prefix and filters."""
    from planalign.services import analytics  # NumPy and Arrow, on first use (cold start)

    found = analytics.search_employees(
        store,
        artifacts,
        tenant_id,
        workspace_id,
        scenario_id,
        year=year,
        q=q,
        status=status_filter,
        level=level,
        enrolled=enrolled,
        has_escalations=has_escalations,
        page=page,
        page_size=page_size,
    )
    return EmployeeSearchResponse(**found)


@router.get("/employees/{employee_id}/timeline")
def get_employee_timeline(
    workspace_id: str,
    scenario_id: str,
    employee_id: str,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
    _: RunHeaders,
    start_year: int | None = None,
    years: int = Query(3, ge=1, le=20),
) -> EmployeeTimelineResponse:
    """The employee's events and year-end state, `years` years from `start_year` (their first)."""
    from planalign.services import analytics  # NumPy and Arrow, on first use (cold start)

    timeline = analytics.employee_timeline_of(
        store, artifacts, tenant_id, workspace_id, scenario_id, employee_id, start_year, years
    )
    return EmployeeTimelineResponse(**timeline)
