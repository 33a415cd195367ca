"""Progress of a running run: written to the run item (which the table stream pushes to WebSocket
subscribers) and appended to the run's history. Writes are conditional on the run still running,
so a cancelled run stops at its next progress write, and on the stored percent being no higher, so
ensemble members finishing at once never move the progress back. Each write also records what the
live telemetry shows of the process: its memory and the run's elapsed time."""

import logging
import os
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from planalign.adapters.store import Store, key_of_run
from planalign.domain import run_status
from planalign.errors import RunConflict
from planalign.ids import utc_iso, utc_now

logger = logging.getLogger(__name__)
# Overall percent at which each stage starts and ends.
STAGE_SPAN = {"import": (0.0, 10.0), "simulation": (10.0, 85.0), "pipeline": (85.0, 100.0)}
# A run's warnings each become a history event, up to this many per report (the activity feed and the
# log are for reading; the run item's `warnings` keeps them all).
WARNING_EVENTS = 20


def overall_percent(stage: str, fraction: float) -> float:
    start, end = STAGE_SPAN[stage]
    return round(start + (end - start) * min(max(fraction, 0.0), 1.0), 1)


def process_memory_mb() -> float:
    """The resident memory of this process now (Linux, as in Lambda); elsewhere its peak so far."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)
    except (OSError, ValueError, IndexError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # bytes on macOS, KiB elsewhere
        return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)


def memory_limit_mb() -> int | None:
    """The function's configured memory in AWS; None where there is no such limit (the local stack)."""
    size = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
    return int(size) if size else None


def seconds_between(start: str | None, end: str) -> float:
    """Seconds from one of our timestamps to another; 0 without a start."""
    if not start:
        return 0.0
    return round(max((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds(), 0.0), 3)


class RunProgress:
    def __init__(self, store: Store, run: dict[str, Any]) -> None:
        self.store = store
        self.run_key: str = key_of_run(run)
        self.percent = float(run.get("progress") or 0)
        self.started_at: str | None = run.get("started_at")
        self.events_per_second = float(run.get("events_per_second") or 0)

    def report(
        self,
        stage: str,
        fraction: float,
        message: str,
        *,
        kind: str = "progress",
        year: int | None = None,
        values: dict[str, Any] | None = None,
        detail: dict[str, Any] | None = None,
        min_interval: float | None = None,
        now: float | None = None,
    ) -> None:
        """Write the run's progress (never lower than before) and append one history event (with
        `detail`, e.g. a year's event counts). A report that a concurrent writer has overtaken
        (ensemble members finishing at once) is dropped, and so is one that comes within
        `min_interval` seconds of the run's last write (plain progress is pushed at most a few times
        a second); RunConflict if the run ended. `now`: when it happened (a report written in the
        background is stamped when it was made)."""
        self.percent = max(self.percent, overall_percent(stage, fraction))
        # One clock reading for the time stamp and the interval: reports written at least
        # `min_interval` apart by their own stamps, however long this one takes to reach the table.
        now = time.time() if now is None else now
        timestamp = utc_iso(now)
        memory_mb, limit_mb = process_memory_mb(), memory_limit_mb()
        self.events_per_second = float((values or {}).get("events_per_second", self.events_per_second))
        fields: dict[str, Any] = {
            "current_stage": stage,
            "progress": self.percent,
            "message": message,
            "updated_at": timestamp,
            "memory_mb": memory_mb,
            **({"memory_limit_mb": limit_mb} if limit_mb else {}),
            **(values or {}),
        }
        if year is not None:
            fields["current_year"] = year
        condition = "#status = :running AND (attribute_not_exists(progress) OR progress <= :percent)"
        condition_values: dict[str, Any] = {":running": run_status.RUNNING, ":percent": self.percent}
        if min_interval is not None:
            condition += " AND (attribute_not_exists(updated_at) OR updated_at <= :recent)"
            condition_values[":recent"] = utc_iso(now - min_interval)
        try:
            self.store.update(
                "RUN",
                self.run_key,
                fields,
                condition=condition,
                condition_values=condition_values,
                condition_names={"#status": "status"},
            )
        except RunConflict:
            if self.store.get("RUN", self.run_key)["status"] != run_status.RUNNING:
                raise
            return
        self.store.append_run_event(
            self.run_key,
            {
                "timestamp": timestamp,
                "stage": stage,
                "percent": self.percent,
                "message": message,
                "kind": kind,
                "severity": "info",
                "year": year,
                "detail": detail,
                # A performance sample of the live telemetry's trend chart.
                "memory_mb": memory_mb,
                "elapsed_seconds": seconds_between(self.started_at, timestamp),
                "events_per_second": self.events_per_second,
            },
        )

    def warn(self, stage: str, warnings: list[str]) -> None:
        """Each warning as a history event of kind `warning` (the run item is not written: a warning
        moves no progress), the first WARNING_EVENTS of them and then how many more there are."""
        shown = warnings[:WARNING_EVENTS]
        if len(warnings) > len(shown):
            shown.append(f"{len(warnings) - len(shown)} more warnings (see the run's warnings)")
        for message in shown:
            self.store.append_run_event(
                self.run_key,
                {
                    "timestamp": utc_now(),
                    "stage": stage,
                    "percent": self.percent,
                    "message": message,
                    "kind": "warning",
                    "severity": "warning",
                    "year": None,
                },
            )


class BackgroundReports:
    """A stage's reports written in order by a thread of their own while the stage computes (each is
    two or three table writes: tens of ms the model need not wait for). A run that ended
    (RunConflict) stops the stage at its next report or at `drain`, which waits for every report and
    raises the first failure: a stage drains before it stores what it computed."""

    def __init__(self, progress: RunProgress) -> None:
        self.progress = progress
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="progress")
        self._pending: list[Future[None]] = []

    def report(self, stage: str, fraction: float, message: str, **options: Any) -> None:
        self._raise_failure(done_only=True)
        self._pending.append(
            self._writer.submit(self.progress.report, stage, fraction, message, now=time.time(), **options)
        )

    def drain(self, raise_failure: bool = True) -> None:
        """Wait for every report; raise the first that failed, or (`raise_failure` False, when the
        stage is failing for a reason of its own) log it."""
        try:
            self._raise_failure(done_only=False)
        except Exception:
            if raise_failure:
                raise
            logger.warning("a progress report failed while the stage failed", exc_info=True)
        finally:
            self._writer.shutdown(wait=True)

    def _raise_failure(self, done_only: bool) -> None:
        while self._pending and (not done_only or self._pending[0].done()):
            self._pending.pop(0).result()
