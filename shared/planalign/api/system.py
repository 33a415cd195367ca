"""System routes: health, status and the built-in config."""

import time
from typing import Any

from fastapi import APIRouter

from planalign import __version__
from planalign.api.services import ArtifactsDep, StoreDep, WorkflowDep
from planalign.api.tenant import Tenant
from planalign.domain.config import default_config
from planalign.ids import utc_now
from planalign.settings import get_settings

router = APIRouter(prefix="/api", tags=["system"])


@router.get("/health")
def health(store: StoreDep, artifacts: ArtifactsDep, workflow: WorkflowDep) -> dict[str, Any]:
    issues: list[str] = []
    checks = (
        ("table", store.reachable),
        ("bucket", artifacts.reachable),
        ("state machine", workflow.reachable),
    )
    for name, check in checks:
        try:
            check()
        except Exception as error:
            issues.append(f"{name} unreachable: {type(error).__name__}")
    return {"healthy": not issues, "issues": issues, "warnings": [], "version": __version__}


@router.get("/system/status")
def system_status(tenant_id: Tenant, store: StoreDep) -> dict[str, Any]:
    counts = store.count_active(tenant_id)
    workspaces = store.list_all(f"T#{tenant_id}#WS")
    settings = get_settings()
    return {
        "system_ready": True,
        "system_message": "ready",
        "timestamp": utc_now(),
        "active_simulations": counts.get("running", 0),
        "queued_simulations": counts.get("queued", 0),
        "workspace_count": len(workspaces),
        "scenario_count": sum(int(w.get("scenario_count") or 0) for w in workspaces),
        "version": __version__,
        "region": settings.region,
        "stage": settings.stage,
        "server_time_epoch": int(time.time()),
    }


@router.get("/config/defaults")
def config_defaults(tenant_id: Tenant) -> dict[str, Any]:
    return default_config()
