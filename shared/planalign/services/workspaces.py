"""Workspaces and their scenarios. Configs are the Studio's dialect: a workspace `base_config` and
scenario `config_overrides`, validated when written, stored as given, merged when read. Updates are
partial (an absent field is kept; a config, when present, replaces the stored one)."""

import contextlib
from typing import Any

from planalign.adapters.artifacts import Artifacts, run_prefix, workspace_prefix
from planalign.adapters.store import Store, key_of_run, list_key, public, run_key
from planalign.adapters.workflow import Workflow
from planalign.domain import run_status
from planalign.domain.run_state import execution_name
from planalign.errors import InvalidRequest, NotFound, RunConflict
from planalign.ids import new_id, utc_now
from planalign.services import usage


def _check_auto_run(value: Any) -> None:
    if value != "all" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise InvalidRequest('auto_run_scenarios: must be a list of scenario ids or "all"')


def _check_base_config(base_config: dict[str, Any]) -> None:
    """A base config must be valid in the dialect and translate on its own (no scenario on top)."""
    # The Studio's config module is large: loaded on first use, not at import (cold start).
    from planalign.domain.studio_config import (
        merge_studio_config,
        translate_studio_config,
        validate_studio_layer,
    )

    validate_studio_layer(base_config, what="base_config")
    translate_studio_config(merge_studio_config(base_config, {}))


def _workspace_view(item: dict[str, Any]) -> dict[str, Any]:
    view = public(item)
    view.setdefault("last_run_at", None)
    view.setdefault("latest_dataset_id", None)
    view.setdefault("storage_used_mb", None)
    return view


def create_workspace(store: Store, tenant_id: str, body: dict[str, Any]) -> dict[str, Any]:
    # The Studio's config module is large: loaded on first use, not at import (cold start).
    from planalign.domain.studio_config import default_base_config

    base_config = body.get("base_config")
    if base_config is None:
        base_config = default_base_config()
    _check_base_config(base_config)
    auto_run = body.get("auto_run_scenarios") or []
    _check_auto_run(auto_run)
    now = utc_now()
    workspace_id = new_id("ws")
    item = {
        "id": workspace_id,
        "tenant_id": tenant_id,
        "name": body["name"],
        "description": body.get("description"),
        "base_config": base_config,
        "auto_run_scenarios": auto_run,
        "created_at": now,
        "updated_at": now,
        "scenario_count": 0,
        "last_run_at": None,
        "latest_dataset_id": None,
        "gsi1pk": list_key("T", tenant_id, "WS"),
        "gsi1sk": workspace_id,
    }
    store.create("WS", workspace_id, item)
    usage.count(store, tenant_id, workspaces=1)
    return _workspace_view(item)


def get_workspace(store: Store, tenant_id: str, workspace_id: str) -> dict[str, Any]:
    return _workspace_view(store.get("WS", workspace_id, tenant_id))


def list_workspaces(
    store: Store, tenant_id: str, limit: int | None, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    items, next_cursor = store.list_page(list_key("T", tenant_id, "WS"), limit=limit, cursor=cursor)
    return [_workspace_view(i) for i in items], next_cursor


def update_workspace(store: Store, tenant_id: str, workspace_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Set the fields the body has; keep the others."""
    store.get("WS", workspace_id, tenant_id)
    values: dict[str, Any] = {}
    if body.get("name") is not None:
        values["name"] = body["name"]
    if "description" in body:
        values["description"] = body["description"]
    if body.get("base_config") is not None:
        _check_base_config(body["base_config"])
        values["base_config"] = body["base_config"]
    if body.get("auto_run_scenarios") is not None:
        _check_auto_run(body["auto_run_scenarios"])
        values["auto_run_scenarios"] = body["auto_run_scenarios"]
    values["updated_at"] = utc_now()
    return _workspace_view(store.update("WS", workspace_id, values))


def delete_workspace(
    store: Store, artifacts: Artifacts, workflow: Workflow, tenant_id: str, workspace_id: str
) -> None:
    """The workspace, its scenarios (their runs stopped first), datasets, batches and artifacts."""
    store.get("WS", workspace_id, tenant_id)
    scenarios = store.list_all(list_key("WS", workspace_id, "SC"))
    for scenario in scenarios:
        _delete_runs(store, artifacts, workflow, tenant_id, scenario)
        store.delete("SC", scenario["id"])
    for dataset in store.list_all(list_key("WS", workspace_id, "DS")):
        store.delete("DS", dataset["id"])
    for batch in store.list_all(list_key("WS", workspace_id, "BATCH")):
        store.delete("BATCH", batch["id"])
    freed = artifacts.delete_prefix(workspace_prefix(tenant_id, workspace_id))
    freed += artifacts.delete_prefix(f"uploads/{workspace_id}/")
    store.delete("WS", workspace_id)
    usage.count(store, tenant_id, workspaces=-1, scenarios=-len(scenarios), storage_bytes=-freed)


def _delete_runs(
    store: Store, artifacts: Artifacts, workflow: Workflow, tenant_id: str, scenario: dict[str, Any]
) -> int:
    """Stop the scenario's unfinished run, then delete every run with its history and artifacts;
    returns the bytes freed."""
    from planalign.services.runs import finish_run

    freed = 0
    for run in store.list_all(list_key("SC", scenario["id"], "RUN")):
        key = key_of_run(run)
        if not run_status.is_terminal(run["status"]):
            finish_run(store, key, run_status.CANCELLED, {"error_message": "its scenario was deleted"})
            workflow.stop(execution_name(tenant_id, run["id"]), "its scenario was deleted")
        store.delete_run_events(key)
        freed += artifacts.delete_prefix(run_prefix(tenant_id, scenario["workspace_id"], run["id"]))
        store.delete("RUN", key)
    return freed


def _scenario_view(store: Store, item: dict[str, Any]) -> dict[str, Any]:
    """The Studio's Scenario. Its status is the latest run's, read live while a run is active."""
    view = public(item)
    active_id = view.pop("active_run_id", None)
    if active_id is not None:
        with contextlib.suppress(NotFound):
            active = store.get("RUN", run_key(item["tenant_id"], active_id))
            view["status"] = run_status.scenario_status(active["status"])
    view.setdefault("status", run_status.SCENARIO_NOT_RUN)
    for key in ("last_run_at", "last_run_id", "results_summary", "description"):
        view.setdefault(key, None)
    return view


def create_scenario(store: Store, tenant_id: str, workspace_id: str, body: dict[str, Any]) -> dict[str, Any]:
    workspace = store.get("WS", workspace_id, tenant_id)
    overrides = body.get("config_overrides") or {}
    _check_overrides(workspace, overrides)
    scenario_id = new_id("sc")
    item = {
        "id": scenario_id,
        "tenant_id": tenant_id,
        "workspace_id": workspace_id,
        "name": body["name"],
        "description": body.get("description"),
        "config_overrides": overrides,
        "status": run_status.SCENARIO_NOT_RUN,
        "created_at": utc_now(),
        "last_run_at": None,
        "last_run_id": None,
        "results_summary": None,
        "gsi1pk": list_key("WS", workspace_id, "SC"),
        "gsi1sk": scenario_id,
    }
    store.create("SC", scenario_id, item)
    store.count_in_item("WS", workspace_id, {"scenario_count": 1})
    usage.count(store, tenant_id, scenarios=1)
    return _scenario_view(store, item)


def _check_overrides(workspace: dict[str, Any], overrides: dict[str, Any]) -> None:
    """Overrides must be valid in the dialect and, on the workspace's base, translate."""
    # The Studio's config module is large: loaded on first use, not at import (cold start).
    from planalign.domain.studio_config import (
        merge_studio_config,
        translate_studio_config,
        validate_studio_layer,
    )

    validate_studio_layer(overrides, what="config_overrides")
    translate_studio_config(merge_studio_config(workspace.get("base_config") or {}, overrides))


def get_scenario(store: Store, tenant_id: str, workspace_id: str | None, scenario_id: str) -> dict[str, Any]:
    item = store.get("SC", scenario_id, tenant_id)
    if workspace_id is not None and item["workspace_id"] != workspace_id:
        raise NotFound(f"scenario {scenario_id} not found")
    return item


def list_scenarios(
    store: Store, tenant_id: str, workspace_id: str, limit: int | None, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    store.get("WS", workspace_id, tenant_id)
    items, next_cursor = store.list_page(
        list_key("WS", workspace_id, "SC"), limit=limit, cursor=cursor, newest_first=False
    )
    return [_scenario_view(store, i) for i in items], next_cursor


def scenario_view(store: Store, tenant_id: str, workspace_id: str, scenario_id: str) -> dict[str, Any]:
    return _scenario_view(store, get_scenario(store, tenant_id, workspace_id, scenario_id))


def update_scenario(
    store: Store, tenant_id: str, workspace_id: str, scenario_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Set the fields the body has (a rename keeps the config); overrides, when given, replace."""
    workspace = store.get("WS", workspace_id, tenant_id)
    get_scenario(store, tenant_id, workspace_id, scenario_id)
    values: dict[str, Any] = {}
    if body.get("name") is not None:
        values["name"] = body["name"]
    if "description" in body:
        values["description"] = body["description"]
    if body.get("config_overrides") is not None:
        _check_overrides(workspace, body["config_overrides"])
        values["config_overrides"] = body["config_overrides"]
    if not values:
        return scenario_view(store, tenant_id, workspace_id, scenario_id)
    return _scenario_view(store, store.update("SC", scenario_id, values))


def delete_scenario(
    store: Store,
    artifacts: Artifacts,
    workflow: Workflow,
    tenant_id: str,
    workspace_id: str,
    scenario_id: str,
) -> None:
    """The scenario and its runs; a run in progress is cancelled and its execution stopped first."""
    scenario = get_scenario(store, tenant_id, workspace_id, scenario_id)
    freed = _delete_runs(store, artifacts, workflow, tenant_id, scenario)
    store.delete("SC", scenario_id)
    with contextlib.suppress(RunConflict):  # the workspace is being deleted at the same time
        store.count_in_item("WS", workspace_id, {"scenario_count": -1})
    usage.count(store, tenant_id, scenarios=-1, storage_bytes=-freed)


def delete_scenario_results(
    store: Store,
    artifacts: Artifacts,
    workflow: Workflow,
    tenant_id: str,
    workspace_id: str,
    scenario_id: str,
) -> dict[str, Any]:
    """Drop the scenario's runs and results and keep its config: it is `not_run` again. 409 while a
    run is in progress."""
    scenario = get_scenario(store, tenant_id, workspace_id, scenario_id)
    if scenario.get("active_run_id"):
        try:
            active = store.get("RUN", run_key(tenant_id, scenario["active_run_id"]))
        except NotFound:
            active = None
        if active is not None and not run_status.is_terminal(active["status"]):
            raise RunConflict(f"scenario {scenario_id} has a run in progress: cancel it first")
    had_runs = bool(store.list_page(list_key("SC", scenario_id, "RUN"), limit=1)[0])
    freed = _delete_runs(store, artifacts, workflow, tenant_id, scenario)
    store.update(
        "SC",
        scenario_id,
        {
            "status": run_status.SCENARIO_NOT_RUN,
            "last_run_at": None,
            "last_run_id": None,
            "results_summary": None,
        },
        remove=("active_run_id",),
    )
    usage.count(store, tenant_id, storage_bytes=-freed)
    return {
        "success": True,
        "deleted": had_runs,
        "message": "Results deleted. The scenario is ready for a fresh simulation."
        if had_runs
        else "No results to delete.",
    }


def scenario_config(workspace: dict[str, Any], scenario: dict[str, Any]) -> dict[str, Any]:
    """The Studio-dialect config the scenario's next run will use (workspace base <- overrides)."""
    # The Studio's config module is large: loaded on first use, not at import (cold start).
    from planalign.domain.studio_config import merge_studio_config

    return merge_studio_config(workspace.get("base_config") or {}, scenario.get("config_overrides") or {})


def merged_config(store: Store, tenant_id: str, workspace_id: str | None, scenario_id: str) -> dict[str, Any]:
    """scenario_config of the stored scenario and its workspace."""
    scenario = get_scenario(store, tenant_id, workspace_id, scenario_id)
    return scenario_config(store.get("WS", scenario["workspace_id"], tenant_id), scenario)
