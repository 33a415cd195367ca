"""EventBridge: a run execution that failed, timed out or was aborted marks its run failed."""

from typing import Any

from aws_lambda_powertools import Logger
from planalign.adapters.store import Store
from planalign.services.lifecycle import execution_ended

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logger.append_keys(run_id=event.get("detail", {}).get("name"))
    result = execution_ended(Store(), event)
    logger.info("execution ended", extra={"result": result})
    return result
