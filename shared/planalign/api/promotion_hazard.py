"""The Studio's promotion hazard router (`planalign_api/routers/promotion_hazard.py`): the workspace's
promotion hazard settings, else the reference engine's seeds."""

from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError

from planalign.api.census_models import PromotionHazardConfig
from planalign.api.services import StoreDep
from planalign.api.tenant import Tenant
from planalign.services.census_analysis import promotion_hazard_config

router = APIRouter(prefix="/api/workspaces/{workspace_id}", tags=["promotion hazards"])


def _valid(hazard: Any) -> bool:
    try:
        PromotionHazardConfig(
            base=hazard,
            age_multipliers=hazard["age_multipliers"],
            tenure_multipliers=hazard["tenure_multipliers"],
        )
    except (ValidationError, KeyError, TypeError):
        return False
    return True


@router.get("/config/promotion-hazards")
def get_promotion_hazard_config(
    workspace_id: str, tenant_id: Tenant, store: StoreDep
) -> PromotionHazardConfig:
    return PromotionHazardConfig(**promotion_hazard_config(store, tenant_id, workspace_id, _valid))
