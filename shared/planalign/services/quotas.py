"""What one tenant may hold at once, so that no tenant starves the others: runs not yet ended,
ensemble members per run, and stored bytes. A request past a limit is refused with 429 and a detail
that names the limit, before anything is written."""

from planalign.adapters.store import Store
from planalign.errors import QuotaExceeded
from planalign.services import usage
from planalign.settings import get_settings

MB = 1024 * 1024


def check_run_start(store: Store, tenant_id: str, ensemble_members: int, runs: int = 1) -> None:
    """Room for `runs` more runs of `ensemble_members` members each."""
    settings = get_settings()
    if ensemble_members > settings.tenant_max_ensemble_members:
        raise QuotaExceeded(
            f"ensemble.members: {ensemble_members} is over this tenant's limit of "
            f"{settings.tenant_max_ensemble_members} members a run"
        )
    active = len(store.active_runs(tenant_id))
    if active + runs > settings.tenant_max_active_runs:
        raise QuotaExceeded(
            f"this tenant has {active} runs in progress and may have {settings.tenant_max_active_runs} "
            "at once: wait for one to end or cancel one"
        )
    check_storage(store, tenant_id)


def check_storage(store: Store, tenant_id: str) -> None:
    """Room left under the tenant's storage limit (uploads and runs add to it)."""
    limit_mb = get_settings().storage_limit_mb
    used_mb = usage.usage(store, tenant_id)["storage_bytes"] / MB
    if used_mb >= limit_mb:
        raise QuotaExceeded(
            f"this tenant stores {used_mb:,.0f} MB, at its limit of {limit_mb:,} MB: delete old results "
            "(DELETE .../scenarios/{id}/database) or workspaces first"
        )
