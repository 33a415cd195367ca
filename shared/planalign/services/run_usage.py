"""A run's usage for its cost (domain/cost.py): each stage invocation's duration times its function's
memory and the requests it made (adapters/metering.py), added to one counters entry per run; the
notifier adds the WebSocket messages it posted for the run."""

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from planalign.adapters.metering import Meter, current_meter
from planalign.adapters.store import Store, partition, split_partition
from planalign.domain.cost import run_cost, usage_from_counters

logger = logging.getLogger(__name__)


def _key(run: str) -> tuple[str, str]:
    """The counters entry of a run (its run_key)."""
    # Not under RUN#: the notifier's stream filter passes RUN# keys, and these writes are not news.
    return partition("COST", run), "USAGE"


@contextmanager
def metered_stage(store: Store, run: str | None, stage: str, memory_mb: int) -> Iterator[None]:
    """Meter the block as one invocation of `stage` and add what it used to the run's counters, also
    when it fails (a failed attempt is billed too). An import without a run is not metered."""
    if not run:
        yield
        return
    meter = Meter(stage, memory_mb)
    token = current_meter.set(meter)
    try:
        yield
    finally:
        current_meter.reset(token)
        try:
            store.add_to_counters(*_key(run), meter.counters())
        except Exception:  # the figure may miss an invocation; the stage must not fail for it
            logger.warning("run usage not recorded", extra={"run": run}, exc_info=True)


def count_messages(store: Store, messages_by_topic: Mapping[str, int]) -> None:
    """Add the WebSocket messages posted for each run (`RUN#{run key}` topics; batches are not a run's)."""
    for topic, messages in messages_by_topic.items():
        kind, run = split_partition(topic)
        if kind == "RUN" and messages:
            store.add_to_counters(*_key(run), {"websocket_messages": messages})


def current_cost(store: Store, run: str, members: int, stored_bytes: int) -> dict[str, Any]:
    """The run's cost as of now: its counters plus the metered stage so far and the bytes it stores."""
    counters: dict[str, Any] = dict(store.get_entry(*_key(run)) or {})
    meter = current_meter.get()
    if meter is not None:
        for name, value in meter.counters().items():
            counters[name] = int(counters.get(name) or 0) + value
    counters["stored_bytes"] = stored_bytes
    return run_cost(usage_from_counters(counters, members))
