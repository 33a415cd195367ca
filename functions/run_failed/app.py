"""The state machine's Catch target: the run ends failed with the stage's error."""

from typing import Any

from planalign.adapters.artifacts import Artifacts
from planalign.adapters.store import Store
from planalign.services.stage_handler import stage_handler
from planalign.services.stages import mark_failed


def _mark_failed(store: Store, artifacts: Artifacts, state: dict[str, Any]) -> dict[str, Any]:
    return mark_failed(store, state)


handler = stage_handler("failed", _mark_failed)
