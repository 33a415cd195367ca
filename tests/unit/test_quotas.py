"""A tenant's limits: runs at once, ensemble size and storage, each a 429 naming the limit."""

from collections.abc import Iterator

import pytest
from planalign.adapters.store import Store
from planalign.errors import QuotaExceeded
from planalign.services import quotas, usage
from planalign.settings import get_settings


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TENANT_MAX_ACTIVE_RUNS", "2")
    monkeypatch.setenv("TENANT_MAX_ENSEMBLE_MEMBERS", "50")
    monkeypatch.setenv("TENANT_STORAGE_LIMIT_MB", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def active_run(store: Store, tenant_id: str, run_id: str) -> None:
    store.create(
        "RUN",
        run_id,
        {
            "id": run_id,
            "tenant_id": tenant_id,
            "status": "running",
            "gsi2pk": f"ACTIVE#{tenant_id}",
            "gsi2sk": run_id,
        },
    )


def test_a_tenant_may_have_its_limit_of_runs_at_once_and_no_more(store: Store, limits: None) -> None:
    active_run(store, "tenant-a", "r1")
    quotas.check_run_start(store, "tenant-a", ensemble_members=1)
    active_run(store, "tenant-a", "r2")
    with pytest.raises(QuotaExceeded, match="2 runs in progress and may have 2"):
        quotas.check_run_start(store, "tenant-a", ensemble_members=1)
    # Another tenant's runs do not count.
    quotas.check_run_start(store, "tenant-b", ensemble_members=1)


def test_an_ensemble_over_the_tenants_limit_is_refused(store: Store, limits: None) -> None:
    quotas.check_run_start(store, "tenant-a", ensemble_members=50)
    with pytest.raises(QuotaExceeded, match="51 is over this tenant's limit of 50"):
        quotas.check_run_start(store, "tenant-a", ensemble_members=51)


def test_storage_at_the_limit_refuses_uploads_and_runs(store: Store, limits: None) -> None:
    usage.count(store, "tenant-a", storage_bytes=1024 * 1024 - 1)
    quotas.check_storage(store, "tenant-a")
    usage.count(store, "tenant-a", storage_bytes=1)
    with pytest.raises(QuotaExceeded, match="limit of 1 MB"):
        quotas.check_storage(store, "tenant-a")
    with pytest.raises(QuotaExceeded):
        quotas.check_run_start(store, "tenant-a", ensemble_members=1)
