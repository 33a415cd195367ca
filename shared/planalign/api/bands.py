"""The Studio's bands router (`planalign_api/routers/bands.py`): the workspace's age and tenure bands,
and the census analyses that suggest bands, termination rates and the opt-out rate. As that router,
an analysis that cannot be made answers 400."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import TypeAdapter, ValidationError

from planalign.api.app import BAD_REQUEST_RESPONSES
from planalign.api.census_models import (
    Band,
    BandAnalysis,
    BandAnalysisIn,
    BandConfig,
    OptOutAnalysis,
    OptOutAnalysisIn,
    TurnoverAnalysis,
)
from planalign.api.services import ArtifactsDep, StoreDep
from planalign.api.tenant import Tenant
from planalign.errors import InvalidRequest
from planalign.services.census_analysis import band_config, load_census

router = APIRouter(prefix="/api/workspaces/{workspace_id}", tags=["bands"], responses=BAD_REQUEST_RESPONSES)
_BANDS = TypeAdapter(list[Band])


@contextmanager
def _bad_request() -> Iterator[None]:
    try:
        yield
    except InvalidRequest as error:
        raise HTTPException(status_code=400, detail=str(error)) from error


def _valid_bands(value: Any) -> bool:
    try:
        _BANDS.validate_python(value)
    except ValidationError:
        return False
    return True


@router.get("/config/bands")
def get_band_configs(workspace_id: str, tenant_id: Tenant, store: StoreDep) -> BandConfig:
    """The workspace's base_config bands, else the reference engine's seeds."""
    return BandConfig(**band_config(store, tenant_id, workspace_id, _valid_bands))


@router.post("/analyze-age-bands")
def analyze_age_bands(
    workspace_id: str, body: BandAnalysisIn, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep
) -> BandAnalysis:
    from planalign.domain import census_analysis  # NumPy, on first use (cold start)

    with _bad_request():
        census, _ = load_census(store, artifacts, tenant_id, workspace_id, body.file_path)
        return BandAnalysis(**census_analysis.analyze_age_bands(census, body.file_path, body.as_of_date))


@router.post("/analyze-tenure-bands")
def analyze_tenure_bands(
    workspace_id: str, body: BandAnalysisIn, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep
) -> BandAnalysis:
    from planalign.domain import census_analysis  # NumPy, on first use (cold start)

    with _bad_request():
        census, _ = load_census(store, artifacts, tenant_id, workspace_id, body.file_path)
        return BandAnalysis(**census_analysis.analyze_tenure_bands(census, body.file_path, body.as_of_date))


@router.post("/analyze-turnover")
def analyze_turnover(
    workspace_id: str, body: BandAnalysisIn, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep
) -> TurnoverAnalysis:
    from planalign.domain import census_analysis  # NumPy, on first use (cold start)

    with _bad_request():
        census, _ = load_census(store, artifacts, tenant_id, workspace_id, body.file_path)
        return TurnoverAnalysis(**census_analysis.analyze_turnover(census, body.file_path, body.as_of_date))


@router.post("/analyze-opt-out-rate")
def analyze_opt_out_rate(
    workspace_id: str, body: OptOutAnalysisIn, tenant_id: Tenant, store: StoreDep, artifacts: ArtifactsDep
) -> OptOutAnalysis:
    from planalign.domain import census_analysis  # NumPy, on first use (cold start)

    with _bad_request():
        census, columns = load_census(store, artifacts, tenant_id, workspace_id, body.file_path)
        analysis = census_analysis.analyze_opt_out_rate(census, columns, body.file_path, body.lookback_years)
        return OptOutAnalysis(**analysis)
