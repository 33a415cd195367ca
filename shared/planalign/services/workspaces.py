"""Workspaces and their scenarios; config layers are validated when they are written."""

from typing import Any

from planalign.adapters.artifacts import Artifacts, workspace_prefix
from planalign.adapters.store import Store, public
from planalign.domain.config import resolve_config, validate_layer
from planalign.errors import InvalidRequest, NotFound
from planalign.ids import new_id, utc_now

WORKSPACE_FIELDS = ("name", "description", "base_config", "auto_run_scenarios")


def _check_auto_run(value: Any) -> None:
    if value != "all" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise InvalidRequest('auto_run_scenarios: must be a list of scenario ids or "all"')


def _workspace_view(item: dict[str, Any]) -> dict[str, Any]:
    view = public(item)
    view.setdefault("last_run_at", None)
    view.setdefault("latest_dataset_id", None)
    return view


def create_workspace(store: Store, tenant_id: str, body: dict[str, Any]) -> dict[str, Any]:
    base_config = body.get("base_config") or {}
    validate_layer(base_config)
    auto_run = body.get("auto_run_scenarios", [])
    _check_auto_run(auto_run)
    now = utc_now()
    workspace_id = new_id("ws")
    item = {
        "id": workspace_id,
        "tenant_id": tenant_id,
        "name": body["name"],
        "description": body.get("description") or "",
        "base_config": base_config,
        "auto_run_scenarios": auto_run,
        "created_at": now,
        "updated_at": now,
        "scenario_count": 0,
        "last_run_at": None,
        "latest_dataset_id": None,
        "gsi1pk": f"T#{tenant_id}#WS",
        "gsi1sk": workspace_id,
    }
    store.create("WS", workspace_id, item)
    return _workspace_view(item)


def get_workspace(store: Store, tenant_id: str, workspace_id: str) -> dict[str, Any]:
    return _workspace_view(store.get("WS", workspace_id, tenant_id))


def list_workspaces(
    store: Store, tenant_id: str, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    items, next_cursor = store.list_page(f"T#{tenant_id}#WS", limit=limit, cursor=cursor)
    return [_workspace_view(i) for i in items], next_cursor


def update_workspace(store: Store, tenant_id: str, workspace_id: str, body: dict[str, Any]) -> dict[str, Any]:
    store.get("WS", workspace_id, tenant_id)
    base_config = body.get("base_config") or {}
    validate_layer(base_config)
    auto_run = body.get("auto_run_scenarios", [])
    _check_auto_run(auto_run)
    # A new base config must still accept every scenario's overrides on top of it.
    for scenario in store.list_all(f"WS#{workspace_id}#SC"):
        validate_layer(scenario.get("config_overrides") or {}, base_config)
    values = {
        "name": body["name"],
        "description": body.get("description") or "",
        "base_config": base_config,
        "auto_run_scenarios": auto_run,
        "updated_at": utc_now(),
    }
    return _workspace_view(store.update("WS", workspace_id, values))


def delete_workspace(store: Store, artifacts: Artifacts, tenant_id: str, workspace_id: str) -> None:
    """The workspace, its scenarios, runs (with their history), datasets, batches and artifacts."""
    store.get("WS", workspace_id, tenant_id)
    for scenario in store.list_all(f"WS#{workspace_id}#SC"):
        for run in store.list_all(f"SC#{scenario['id']}#RUN"):
            store.delete_run_events(run["id"])
            store.delete("RUN", run["id"])
        store.delete("SC", scenario["id"])
    for dataset in store.list_all(f"WS#{workspace_id}#DS"):
        store.delete("DS", dataset["id"])
    for batch in store.list_all(f"WS#{workspace_id}#BATCH"):
        store.delete("BATCH", batch["id"])
    artifacts.delete_prefix(workspace_prefix(tenant_id, workspace_id))
    artifacts.delete_prefix(f"uploads/{workspace_id}/")
    store.delete("WS", workspace_id)


def _scenario_view(item: dict[str, Any]) -> dict[str, Any]:
    view = public(item)
    view.pop("active_run_id", None)
    for key in ("last_run_at", "last_run_id", "results_summary"):
        view.setdefault(key, None)
    return view


def create_scenario(store: Store, tenant_id: str, workspace_id: str, body: dict[str, Any]) -> dict[str, Any]:
    workspace = store.get("WS", workspace_id, tenant_id)
    overrides = body.get("config_overrides") or {}
    validate_layer(overrides, workspace.get("base_config") or {})
    scenario_id = new_id("sc")
    item = {
        "id": scenario_id,
        "tenant_id": tenant_id,
        "workspace_id": workspace_id,
        "name": body["name"],
        "description": body.get("description") or "",
        "config_overrides": overrides,
        "status": "not_run",
        "created_at": utc_now(),
        "last_run_at": None,
        "last_run_id": None,
        "results_summary": None,
        "gsi1pk": f"WS#{workspace_id}#SC",
        "gsi1sk": scenario_id,
    }
    store.create("SC", scenario_id, item)
    _count_scenarios(store, workspace_id)
    return _scenario_view(item)


def _count_scenarios(store: Store, workspace_id: str) -> None:
    count = len(store.list_all(f"WS#{workspace_id}#SC"))
    store.update("WS", workspace_id, {"scenario_count": count})


def get_scenario(store: Store, tenant_id: str, workspace_id: str | None, scenario_id: str) -> dict[str, Any]:
    item = store.get("SC", scenario_id, tenant_id)
    if workspace_id is not None and item["workspace_id"] != workspace_id:
        raise NotFound(f"scenario {scenario_id} not found")
    return item


def list_scenarios(
    store: Store, tenant_id: str, workspace_id: str, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    store.get("WS", workspace_id, tenant_id)
    items, next_cursor = store.list_page(
        f"WS#{workspace_id}#SC", limit=limit, cursor=cursor, newest_first=False
    )
    return [_scenario_view(i) for i in items], next_cursor


def scenario_view(store: Store, tenant_id: str, workspace_id: str, scenario_id: str) -> dict[str, Any]:
    return _scenario_view(get_scenario(store, tenant_id, workspace_id, scenario_id))


def update_scenario(
    store: Store, tenant_id: str, workspace_id: str, scenario_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    workspace = store.get("WS", workspace_id, tenant_id)
    get_scenario(store, tenant_id, workspace_id, scenario_id)
    overrides = body.get("config_overrides") or {}
    validate_layer(overrides, workspace.get("base_config") or {})
    values = {
        "name": body["name"],
        "description": body.get("description") or "",
        "config_overrides": overrides,
    }
    return _scenario_view(store.update("SC", scenario_id, values))


def delete_scenario(
    store: Store, artifacts: Artifacts, tenant_id: str, workspace_id: str, scenario_id: str
) -> None:
    get_scenario(store, tenant_id, workspace_id, scenario_id)
    for run in store.list_all(f"SC#{scenario_id}#RUN"):
        store.delete_run_events(run["id"])
        artifacts.delete_prefix(f"{workspace_prefix(tenant_id, workspace_id)}runs/{run['id']}/")
        store.delete("RUN", run["id"])
    store.delete("SC", scenario_id)
    _count_scenarios(store, workspace_id)


def merged_config(store: Store, tenant_id: str, workspace_id: str | None, scenario_id: str) -> dict[str, Any]:
    """The config the scenario's next run will use (defaults <- workspace <- scenario)."""
    scenario = get_scenario(store, tenant_id, workspace_id, scenario_id)
    workspace = store.get("WS", scenario["workspace_id"], tenant_id)
    config = resolve_config(workspace.get("base_config") or {}, scenario.get("config_overrides") or {})
    return config.model_dump(mode="json")
