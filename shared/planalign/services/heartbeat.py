"""Keeps a running run's WebSocket subscribers hearing from it while a stage works without reporting
(a long import, the exports of a big run): API Gateway cannot push by itself, so a thread writes the
run item's `heartbeat_at` every few seconds, and the notifier turns a change that is only that into
`{"type": "heartbeat"}`. The Studio calls a socket stale after 15 s without a message."""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from planalign.adapters.metering import in_this_context
from planalign.adapters.store import Store
from planalign.domain import run_status
from planalign.errors import RunConflict
from planalign.ids import utc_ago, utc_now

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0


def beat(store: Store, run: str, interval: float = HEARTBEAT_SECONDS) -> bool:
    """Write one heartbeat unless the run is not running or another writer (an ensemble member beside
    this one) wrote one less than most of an interval ago. True if written."""
    try:
        store.update(
            "RUN",
            run,
            {"heartbeat_at": utc_now()},
            condition="#status = :running AND (attribute_not_exists(heartbeat_at) OR heartbeat_at <= :recent)",
            condition_values={":running": run_status.RUNNING, ":recent": utc_ago(interval * 0.8)},
            condition_names={"#status": "status"},
        )
    except RunConflict:
        return False
    return True


@contextmanager
def run_heartbeat(store: Store, run: str | None, interval: float = HEARTBEAT_SECONDS) -> Iterator[None]:
    """Heartbeats for the run (its run_key) every `interval` seconds while the block runs (none
    without a run)."""
    if not run:
        yield
        return
    stopped = threading.Event()

    def keep_beating() -> None:
        while not stopped.wait(interval):
            try:
                beat(store, run, interval)
            except Exception:  # a missed heartbeat must never fail the stage
                logger.warning("heartbeat not written", extra={"run": run}, exc_info=True)

    # The stage's meter counts the heartbeat's writes too.
    thread = threading.Thread(target=in_this_context(keep_beating), name=f"heartbeat-{run}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stopped.set()
        thread.join()
