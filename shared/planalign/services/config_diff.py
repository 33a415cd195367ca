"""The effective config of two scenarios side by side (`comparison/config-diff`): each scenario's
config with the Config Studio's defaults filled in, and every dotted path whose value differs, and where each scenario's latest completed run came from (its config
fingerprint and seed), with a drift warning when the scenario's config changed since that run."""

from collections.abc import Mapping
from typing import Any

from planalign.adapters.store import Store
from planalign.domain import provenance
from planalign.services.runs import newest_completed_run
from planalign.services.workspaces import get_scenario, merged_config

# Paths that say nothing about what a run computes.
COSMETIC_KEYS = frozenset(
    {"name", "description", "scenario_id", "plan_design_id", "created_at", "updated_at"}
)
_MISSING = object()


def config_fingerprint(config: Mapping[str, Any]) -> str:
    """12 hex characters of the run provenance's fingerprint of the config (SHA-256 of its canonical JSON)."""
    return provenance.config_fingerprint(config)[:12]


def diff_configs(
    config_a: Mapping[str, Any], config_b: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], int]:
    """(the differences sorted by path, how many leaf values are equal). Objects are walked key by
    key; anything else (lists too) is one value."""
    differences: list[dict[str, Any]] = []
    unchanged = _walk(config_a, config_b, "", differences)
    return sorted(differences, key=lambda delta: str(delta["path"])), unchanged


def _walk(a: Any, b: Any, path: str, differences: list[dict[str, Any]]) -> int:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        unchanged = 0
        for key in sorted(set(a) | set(b), key=str):
            if str(key) in COSMETIC_KEYS:
                continue
            child = f"{path}.{key}" if path else str(key)
            unchanged += _walk(a.get(key, _MISSING), b.get(key, _MISSING), child, differences)
        return unchanged
    if a is not _MISSING and b is not _MISSING and a == b:
        return 1
    if a is _MISSING:
        differences.append({"path": path, "a": None, "b": b, "status": "only_b"})
    elif b is _MISSING:
        differences.append({"path": path, "a": a, "b": None, "status": "only_a"})
    else:
        differences.append({"path": path, "a": a, "b": b, "status": "changed"})
    return 0


def run_drift(run: dict[str, Any] | None, current: Mapping[str, Any]) -> dict[str, Any]:
    """Where a scenario's run came from (config fingerprint, seed, time) and how the scenario's
    `current` config has drifted from it since: `drift_reasons` current_config_mismatch and
    current_seed_mismatch."""
    if run is None or not run.get("studio_config"):
        return {"available": False, "drift_warning": False, "drift_reasons": []}
    reasons = []
    if config_fingerprint(run["studio_config"]) != config_fingerprint(current):
        reasons.append("current_config_mismatch")
    current_seed = (current.get("simulation") or {}).get("random_seed")
    if current_seed is not None and current_seed != run.get("seed"):
        reasons.append("current_seed_mismatch")
    return {
        "available": True,
        "config_fingerprint": config_fingerprint(run["studio_config"]),
        "random_seed": run.get("seed"),
        "run_timestamp": run.get("completed_at"),
        "drift_warning": bool(reasons),
        "drift_reasons": reasons,
    }


def config_diff(
    store: Store, tenant_id: str, workspace_id: str, scenario_a: str, scenario_b: str
) -> dict[str, Any]:
    """The Studio's ConfigDiffResponse. Each side is the config of the scenario's latest completed
    run (what its results show), or its current config when it has none."""
    # The Studio's config module is large: loaded on first use, not at import (cold start).
    from planalign.domain.studio_config import effective_studio_config

    names: dict[str, str] = {}
    configs: dict[str, Mapping[str, Any]] = {}
    provenance: dict[str, dict[str, Any]] = {}
    for scenario_id in (scenario_a, scenario_b):
        scenario = get_scenario(store, tenant_id, workspace_id, scenario_id)
        names[scenario_id] = scenario["name"]
        current = merged_config(store, tenant_id, workspace_id, scenario_id)
        run = newest_completed_run(store, scenario_id)
        configs[scenario_id] = effective_studio_config((run or {}).get("studio_config") or current)
        provenance[scenario_id] = run_drift(run, current)
    differences, unchanged = diff_configs(configs[scenario_a], configs[scenario_b])
    seeds = [provenance[s].get("random_seed") for s in (scenario_a, scenario_b)]
    both = all(provenance[s]["available"] for s in (scenario_a, scenario_b))
    return {
        "scenario_a": scenario_a,
        "scenario_b": scenario_b,
        "scenario_names": names,
        "differences": differences,
        "unchanged_count": unchanged,
        "provenance": provenance,
        "seeds_match": seeds[0] == seeds[1] if both else None,
        "drift_warning": any(p["drift_warning"] for p in provenance.values()),
    }
