"""Progress of a running run: written to the run item (which the table stream pushes to WebSocket
subscribers) and appended to the run's history. Writes are conditional on the run still running,
so a cancelled run stops at its next progress write, and on the stored percent being no higher, so
ensemble members finishing at once never move the progress back."""

from typing import Any

from planalign.adapters.store import Store
from planalign.domain import run_status
from planalign.errors import RunConflict
from planalign.ids import utc_ago, utc_now

# Overall percent at which each stage starts and ends.
STAGE_SPAN = {"import": (0.0, 10.0), "simulation": (10.0, 85.0), "pipeline": (85.0, 100.0)}


def overall_percent(stage: str, fraction: float) -> float:
    start, end = STAGE_SPAN[stage]
    return round(start + (end - start) * min(max(fraction, 0.0), 1.0), 1)


class RunProgress:
    def __init__(self, store: Store, run: dict[str, Any]) -> None:
        self.store = store
        self.run_id: str = run["id"]
        self.percent = float(run.get("progress") or 0)

    def report(
        self,
        stage: str,
        fraction: float,
        message: str,
        *,
        kind: str = "progress",
        year: int | None = None,
        values: dict[str, Any] | None = None,
        min_interval: float | None = None,
    ) -> None:
        """Write the run's progress (never lower than before) and append one history event.
        A report that a concurrent writer has overtaken (ensemble members finishing at once) is
        dropped, and so is one that comes within `min_interval` seconds of the run's last write
        (plain progress is pushed at most a few times a second); RunConflict if the run ended."""
        self.percent = max(self.percent, overall_percent(stage, fraction))
        timestamp = utc_now()
        fields: dict[str, Any] = {
            "current_stage": stage,
            "progress": self.percent,
            "message": message,
            "updated_at": timestamp,
            **(values or {}),
        }
        if year is not None:
            fields["current_year"] = year
        condition = "#status = :running AND (attribute_not_exists(progress) OR progress <= :percent)"
        condition_values: dict[str, Any] = {":running": run_status.RUNNING, ":percent": self.percent}
        if min_interval is not None:
            condition += " AND (attribute_not_exists(updated_at) OR updated_at <= :recent)"
            condition_values[":recent"] = utc_ago(min_interval)
        try:
            self.store.update(
                "RUN",
                self.run_id,
                fields,
                condition=condition,
                condition_values=condition_values,
                condition_names={"#status": "status"},
            )
        except RunConflict:
            if self.store.get("RUN", self.run_id)["status"] != run_status.RUNNING:
                raise
            return
        self.store.append_run_event(
            self.run_id,
            {
                "timestamp": timestamp,
                "stage": stage,
                "percent": self.percent,
                "message": message,
                "kind": kind,
                "year": year,
            },
        )
