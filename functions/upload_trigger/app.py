"""S3 ObjectCreated under uploads/: register the census as a dataset and start the runs it asked for."""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from planalign.adapters.store import Store
from planalign.adapters.workflow import Workflow
from planalign.services.uploads import parse_s3_record, register_upload

logger = Logger()
metrics = Metrics()


@metrics.log_metrics(raise_on_empty_metrics=False)
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    store, workflow = Store(), Workflow()
    registered: list[dict[str, Any]] = []
    for record in event.get("Records", []):
        parsed = parse_s3_record(record)
        if parsed is None:
            logger.warning("ignoring a record that is not an S3 object notification")
            continue
        result = register_upload(store, workflow, parsed)
        if result is not None:
            metrics.add_metric(name="CensusUploads", unit=MetricUnit.Count, value=1)
            registered.append({"dataset_id": result["dataset"]["id"], "run_ids": result["run_ids"]})
    return {"registered": registered}
