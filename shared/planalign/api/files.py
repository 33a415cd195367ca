"""The Studio's census analyses of its files router (`planalign_api/routers/files.py`): the new-hire age
distribution, the part-time share, pay by level and the compensation-growth solver, on a workspace's
census named by its file path. (Its upload, validate-path and set-census-path are in workspaces.py.)"""

from typing import Any

from fastapi import APIRouter

from planalign.api.census_models import (
    CensusFileIn,
    CompensationAnalysisIn,
    PartTime,
    Solved,
    SolverIn,
)
from planalign.api.services import ArtifactsDep, StoreDep
from planalign.api.tenant import Tenant
from planalign.services.census_analysis import load_census, solve_growth

router = APIRouter(prefix="/api/workspaces/{workspace_id}", tags=["census analysis"])


@router.post("/analyze-age-distribution")
def analyze_age_distribution(
    workspace_id: str, body: CensusFileIn, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep
) -> dict[str, Any]:
    from planalign.domain import census_analysis  # NumPy, on first use (cold start)

    census, _ = load_census(store, artifacts, tenant_id, workspace_id, body.file_path)
    return census_analysis.analyze_age_distribution(census, body.file_path, body.as_of_date)


@router.post("/analyze-part-time-pct")
def analyze_part_time_pct(
    workspace_id: str, body: CensusFileIn, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep
) -> PartTime:
    from planalign.domain import census_analysis  # NumPy, on first use (cold start)

    census, columns = load_census(store, artifacts, tenant_id, workspace_id, body.file_path)
    return PartTime(**census_analysis.analyze_part_time(census, columns))


@router.post("/analyze-compensation-by-level")
def analyze_compensation_by_level(
    workspace_id: str,
    body: CompensationAnalysisIn,
    tenant_id: Tenant,
    store: StoreDep,
    artifacts: ArtifactsDep,
) -> dict[str, Any]:
    from planalign.domain import census_analysis  # NumPy, on first use (cold start)

    census, _ = load_census(store, artifacts, tenant_id, workspace_id, body.file_path)
    return census_analysis.analyze_compensation(census, body.file_path, body.lookback_years)


@router.post("/solve-compensation-growth")
def solve_compensation_growth(
    workspace_id: str, body: SolverIn, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep
) -> Solved:
    return Solved(**solve_growth(store, artifacts, tenant_id, workspace_id, body.model_dump()))
