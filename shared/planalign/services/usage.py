"""What a tenant holds: workspaces, scenarios and the bytes it stores, kept as counters in one entry
that each write adjusts, so the system status reads one item however many workspaces there are."""

from typing import Any

from planalign.adapters.store import Store, key_of_run, partition

USAGE_KEYS = ("workspaces", "scenarios", "storage_bytes")
# The run item's attribute that holds the bytes of its folder until they are counted.
UNCOUNTED_BYTES = "uncounted_bytes"


def _key(tenant_id: str) -> tuple[str, str]:
    return partition("TENANT", tenant_id), "USAGE"


def count(
    store: Store, tenant_id: str, *, workspaces: int = 0, scenarios: int = 0, storage_bytes: int = 0
) -> None:
    """Add to the tenant's counters (negative to take away)."""
    deltas = {"workspaces": workspaces, "scenarios": scenarios, "storage_bytes": storage_bytes}
    changed = {name: delta for name, delta in deltas.items() if delta}
    if changed:
        store.add_to_counters(*_key(tenant_id), changed)


def count_run_storage(store: Store, run: dict[str, Any]) -> None:
    """Count a completed run's bytes against its tenant once: they wait on the run as
    `UNCOUNTED_BYTES` (set with its completion) and move to the tenant's counter in one transaction
    that removes them, so a pipeline retried after counting counts nothing again."""
    if UNCOUNTED_BYTES in run:
        pk, sk = _key(run["tenant_id"])
        store.move_to_counter(
            "RUN", key_of_run(run), UNCOUNTED_BYTES, int(run[UNCOUNTED_BYTES]), pk, sk, "storage_bytes"
        )


def usage(store: Store, tenant_id: str) -> dict[str, int]:
    entry: dict[str, Any] = store.get_entry(*_key(tenant_id)) or {}
    # Never below zero: a delete that raced a create is counted once each way, but a reader should
    # not see a moment's negative count.
    return {name: max(0, int(entry.get(name) or 0)) for name in USAGE_KEYS}
