"""System routes: health, status and the config defaults in the Studio's dialect."""

from typing import Any

from fastapi import APIRouter

from planalign import __version__
from planalign.api.models import Health, SystemStatus
from planalign.api.services import StoreDep
from planalign.api.tenant import Tenant
from planalign.domain import run_status
from planalign.domain.studio_config import studio_defaults
from planalign.ids import utc_now
from planalign.services import usage
from planalign.settings import get_settings

router = APIRouter(prefix="/api", tags=["system"])
MB = 1024 * 1024


@router.get("/health")
def health() -> Health:
    """Liveness only, without touching AWS (it is public); `/api/system/status` reads the table."""
    return Health(healthy=True, issues=[], warnings=[], version=__version__)


@router.get("/system/status")
def system_status(tenant_id: Tenant, store: StoreDep) -> SystemStatus:
    """The caller's tenant: its runs, workspaces and stored bytes, read from counters (O(1) in the
    number of workspaces). `thread_count` is how many simulations run at once here."""
    settings = get_settings()
    counts = usage.usage(store, tenant_id)
    statuses = [status for _, status in store.active_runs(tenant_id)]
    storage_mb = round(counts["storage_bytes"] / MB, 3)
    limit_mb = float(settings.storage_limit_mb)
    percent = round(storage_mb / limit_mb * 100, 2) if limit_mb else 0.0
    recommendations = []
    if percent > 80:
        recommendations.append("Storage is over 80% of the limit: delete old runs' results")
    if counts["workspaces"] == 0:
        recommendations.append("Create your first workspace to get started")
    return SystemStatus(
        system_ready=True,
        system_message="ready",
        timestamp=utc_now(),
        active_simulations=statuses.count(run_status.RUNNING),
        queued_simulations=statuses.count(run_status.PENDING),
        total_storage_mb=storage_mb,
        storage_limit_mb=limit_mb,
        storage_percent=percent,
        workspace_count=counts["workspaces"],
        scenario_count=counts["scenarios"],
        thread_count=settings.ensemble_max_concurrency,
        recommendations=recommendations,
        version=__version__,
        region=settings.region,
        stage=settings.stage,
    )


@router.get("/config/defaults")
def config_defaults(tenant_id: Tenant) -> dict[str, Any]:
    return studio_defaults()
