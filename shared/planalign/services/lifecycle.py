"""Keeps a run's item in step with its execution: an execution that ended FAILED, TIMED_OUT or ABORTED
(outside the API, or past every retry and Catch) marks its run failed. The transition is conditional,
so a run that ended already (completed, cancelled, failed) keeps its status; a completed run whose
exports were still being made has them marked failed. The run is the one the execution's input names
(execution names are the state machine's, run ids each tenant's own)."""

import json
from typing import Any

from planalign.adapters.store import Store, run_key
from planalign.domain import run_status
from planalign.domain.run_state import ExecutionInput
from planalign.errors import NotFound
from planalign.services.runs import fail_exports, finish_run

ENDED_BADLY = ("FAILED", "TIMED_OUT", "ABORTED")


def execution_ended(store: Store, event: dict[str, Any]) -> dict[str, Any]:
    detail = event.get("detail", {})
    status, name = detail.get("status"), detail.get("name", "")
    if status not in ENDED_BADLY:
        return {"name": name, "changed": False}
    reason = f"execution {status.lower().replace('_', ' ')}"
    if detail.get("cause") or detail.get("error"):
        reason += f": {detail.get('error') or ''} {detail.get('cause') or ''}".rstrip()
    try:
        state = ExecutionInput.model_validate(json.loads(detail.get("input") or "{}"))
    except ValueError:  # pydantic's ValidationError is one
        return {"name": name, "changed": False}  # not an execution of ours
    if state.run_id is None:
        return _fail_import(store, state.dataset_id, reason)
    key = run_key(state.tenant_id, state.run_id)
    try:
        store.get("RUN", key)
    except NotFound:
        return {"name": name, "changed": False}
    if fail_exports(store, key, reason):
        return {"name": name, "changed": True}
    failed = finish_run(store, key, run_status.FAILED, {"error_message": reason})
    return {"name": name, "changed": failed is not None}


def _fail_import(store: Store, dataset_id: str, reason: str) -> dict[str, Any]:
    try:
        dataset = store.get("DS", dataset_id)
    except NotFound:
        return {"name": dataset_id, "changed": False}
    if dataset["status"] != "importing":
        return {"name": dataset_id, "changed": False}
    store.update("DS", dataset_id, {"status": "failed", "error": reason})
    return {"name": dataset_id, "changed": True}
