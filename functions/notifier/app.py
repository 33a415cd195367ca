"""The run table's stream -> WebSocket messages to the subscribers of each run and batch."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from planalign.adapters.push import Push
from planalign.adapters.store import Store
from planalign.services.notifications import notify

logger = Logger()
metrics = Metrics()


@metrics.log_metrics(raise_on_empty_metrics=False)
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    sent = notify(Store(), Push(), event.get("Records", []))
    if sent:
        metrics.add_metric(name="WebSocketMessages", unit=MetricUnit.Count, value=sent)
    return {"sent": sent}
