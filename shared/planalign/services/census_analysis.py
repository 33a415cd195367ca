"""The census analyses of the Studio's Config Studio, on a workspace's dataset named by its census file
path (`datasets/{dataset_id}/{name}`, what the Studio's upload or the import wizard returned), and the
band and promotion-hazard settings a workspace shows: its own, else the reference engine's seeds."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from planalign.adapters.artifacts import Artifacts
from planalign.adapters.store import Store
from planalign.errors import InvalidRequest, NotFound
from planalign.services.census_paths import dataset_of_path

if TYPE_CHECKING:
    from planalign.domain.census import Census


def load_census(
    store: Store, artifacts: Artifacts, tenant_id: str, workspace_id: str, file_path: str
) -> tuple[Census, set[str]]:
    """The imported census a file path names and the columns its file had; an unknown path, or a census
    not (yet) imported, is InvalidRequest, as the Studio's backend answers a missing file."""
    from planalign.domain.census import Census  # NumPy, loaded on first use, not at import (cold start)

    store.get("WS", workspace_id, tenant_id)
    try:
        dataset = dataset_of_path(store, tenant_id, workspace_id, file_path)
    except NotFound as error:
        raise InvalidRequest(f"File not found: {file_path}") from error
    if dataset["status"] != "imported":
        raise InvalidRequest(f"census file {file_path} is {dataset['status']}, not imported")
    census = Census.from_bytes(artifacts.get(dataset["census_key"]))
    return census, set(dataset.get("columns") or [])


def solve_growth(
    store: Store, artifacts: Artifacts, tenant_id: str, workspace_id: str, request: dict[str, Any]
) -> dict[str, Any]:
    """The solver on the census a file path names, else (no path, or one that names no imported census
    of this workspace) on the reference's default workforce, with a warning that says so."""
    from planalign.domain.compensation_solver import (  # NumPy, on first use (cold start)
        WorkforceDynamics,
        census_workforce,
        solve_compensation_growth,
    )

    store.get("WS", workspace_id, tenant_id)
    workforce = None
    if request.get("file_path"):
        try:
            census, _ = load_census(store, artifacts, tenant_id, workspace_id, request["file_path"])
            workforce = census_workforce(census)
        except InvalidRequest:
            workforce = None
    given = {
        key: request.get(key) for key in ("turnover_rate", "workforce_growth_rate", "new_hire_comp_ratio")
    }
    defaults = WorkforceDynamics()
    dynamics = WorkforceDynamics(
        **{key: getattr(defaults, key) if value is None else value for key, value in given.items()}
    )
    return solve_compensation_growth(
        request["target_growth_rate"],
        workforce,
        request.get("promotion_increase"),
        request.get("cola_to_merit_ratio"),
        dynamics,
    )


def _settings(store: Store, tenant_id: str, workspace_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the workspace's base_config, the seeds the reference falls back to)."""
    # The Studio config and its models: imported on first use, not at import (cold start).
    from planalign.domain.studio_config import merge_studio_config

    workspace = store.get("WS", workspace_id, tenant_id)
    return workspace.get("base_config") or {}, merge_studio_config({}, {})


def band_config(
    store: Store, tenant_id: str, workspace_id: str, valid: Callable[[Any], bool]
) -> dict[str, Any]:
    """The workspace's age and tenure bands, each set that is missing or not `valid` from the seeds."""
    base, seeds = _settings(store, tenant_id, workspace_id)
    return {
        section: base[section] if section in base and valid(base[section]) else seeds[section]
        for section in ("age_bands", "tenure_bands")
    }


def promotion_hazard_config(
    store: Store, tenant_id: str, workspace_id: str, valid: Callable[[Any], bool]
) -> dict[str, Any]:
    """The workspace's promotion hazard (when `valid`), else the seeds, in the Studio's shape."""
    base, seeds = _settings(store, tenant_id, workspace_id)
    hazard = base.get("promotion_hazard")
    if hazard is None or not valid(hazard):
        hazard = seeds["promotion_hazard"]
    return {
        "base": {"base_rate": hazard["base_rate"], "level_dampener_factor": hazard["level_dampener_factor"]},
        "age_multipliers": hazard["age_multipliers"],
        "tenure_multipliers": hazard["tenure_multipliers"],
    }
