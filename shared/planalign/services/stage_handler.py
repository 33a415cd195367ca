"""The Lambda entry point shared by the stage functions: logging with the run id on every line,
EMF metrics, heartbeats for the run's WebSocket subscribers while the stage works, a copy of the
stage's log lines in the run's log, and errors
re-raised by name so the state machine's Retry/Catch can match them."""

from collections.abc import Callable
from typing import Any

from planalign.adapters.artifacts import Artifacts
from planalign.adapters.store import Store, key_of_state
from planalign.services.heartbeat import run_heartbeat
from planalign.services.run_log import with_run_log
from planalign.services.run_usage import metered_stage

Stage = Callable[[Store, Artifacts, dict[str, Any]], dict[str, Any]]


def stage_handler(stage_name: str, stage: Stage) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    from aws_lambda_powertools import Logger, Metrics
    from aws_lambda_powertools.metrics import MetricUnit

    logger = Logger()
    metrics = Metrics()

    @metrics.log_metrics(raise_on_empty_metrics=False)
    @logger.inject_lambda_context(clear_state=True)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        logger.append_keys(run_id=event.get("run_id"), dataset_id=event.get("dataset_id"), stage=stage_name)
        store = Store()
        try:
            # Metered as Lambda bills it: the function's memory for the handler's duration.
            memory_mb = int(getattr(context, "memory_limit_in_mb", 0) or 0)
            with (
                metered_stage(store, key_of_state(event), stage_name, memory_mb),
                run_heartbeat(store, key_of_state(event)),
            ):
                result = stage(store, Artifacts(), event)
        except Exception:
            logger.exception("stage failed")
            metrics.add_metric(name=f"{stage_name.title()}StageFailures", unit=MetricUnit.Count, value=1)
            raise
        metrics.add_metric(name=f"{stage_name.title()}StageCompletions", unit=MetricUnit.Count, value=1)
        logger.info("stage completed", extra={"result": result})
        return result

    return with_run_log(stage_name, handler)
