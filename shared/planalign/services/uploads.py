"""Census uploads: the presigned form (API side) and what happens when an object lands under
`uploads/{workspace_id}/{upload_id}/{filename}` (the S3 trigger): a dataset, queued runs, executions.
The trigger never reads the file: the import stage parses it."""

import contextlib
import json
import logging
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from planalign.adapters.artifacts import Artifacts, upload_key
from planalign.adapters.store import Store, key_of_run, list_key, public
from planalign.adapters.workflow import Workflow
from planalign.domain import run_status
from planalign.domain.run_state import ExecutionInput
from planalign.errors import InvalidRequest, NotFound, PlanAlignError, RunConflict
from planalign.ids import new_id, utc_now
from planalign.services import quotas
from planalign.services.runs import create_run, finish_run, launch_run
from planalign.services.workspaces import get_scenario

logger = logging.getLogger(__name__)

UPLOAD_KEY = re.compile(r"^uploads/(?P<workspace_id>[^/]+)/(?P<upload_id>[^/]+)/(?P<filename>[^/]+)$")
# The import wizard's sources (artifacts.import_source_key): it imports what it generates from them.
IMPORT_SOURCE_KEY = re.compile(r"^uploads/[^/]+/[^/]+/source/[^/]+$")
FILENAME = re.compile(r"^[^/\\\x00-\x1f]{1,255}$")
UPLOAD_FORM_SECONDS = 3600
CLAIM_DAYS = 14
CENSUS_CONTENT_TYPES = {
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".tsv": "text/tab-separated-values",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xls": "application/vnd.ms-excel",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".parquet": "application/vnd.apache.parquet",
}
DATASET_FIELDS = (
    "id",
    "workspace_id",
    "upload_id",
    "filename",
    "sha256",
    "status",
    "rows_read",
    "rows_accepted",
    "rows_rejected",
    "duplicates",
    "columns",
    "created_at",
    "error",
)


def _check_run_scenarios(value: Any) -> None:
    if (
        value is not None
        and value != "all"
        and not (isinstance(value, list) and all(isinstance(v, str) for v in value))
    ):
        raise InvalidRequest('run_scenarios: must be a list of scenario ids or "all"')


def create_upload(
    store: Store,
    artifacts: Artifacts,
    tenant_id: str,
    workspace_id: str,
    body: dict[str, Any],
    max_bytes: int,
) -> dict[str, Any]:
    store.get("WS", workspace_id, tenant_id)
    quotas.check_storage(store, tenant_id)
    filename = body["filename"]
    if not FILENAME.match(filename):
        raise InvalidRequest("filename: 1-255 characters, no slashes or control characters")
    run_scenarios = body.get("run_scenarios")
    _check_run_scenarios(run_scenarios)
    if isinstance(run_scenarios, list):
        for scenario_id in run_scenarios:
            get_scenario(store, tenant_id, workspace_id, scenario_id)
    extension = filename[filename.rfind(".") :].lower() if "." in filename else ""
    content_type = body.get("content_type") or CENSUS_CONTENT_TYPES.get(extension, "application/octet-stream")
    upload_id = new_upload(store, tenant_id, workspace_id, filename, run_scenarios, body.get("sheet"))
    key = upload_key(workspace_id, upload_id, filename)
    expires_epoch = int(time.time()) + UPLOAD_FORM_SECONDS
    post = artifacts.presigned_post(key, content_type, max_bytes, UPLOAD_FORM_SECONDS)
    return {
        "upload_id": upload_id,
        "key": key,
        "url": post["url"],
        "fields": post["fields"],
        "expires_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(expires_epoch)),
        "max_bytes": max_bytes,
    }


def new_upload(
    store: Store, tenant_id: str, workspace_id: str, filename: str, run_scenarios: Any, sheet: str | None
) -> str:
    """Record an upload before its object lands: the trigger reads which runs and sheet it asked for."""
    upload_id = new_id("up")
    store.create(
        "UP",
        upload_id,
        {
            "id": upload_id,
            "tenant_id": tenant_id,
            "workspace_id": workspace_id,
            "filename": filename,
            "run_scenarios": run_scenarios,
            "sheet": sheet,
            "created_at": utc_now(),
            "expires_at": int(time.time()) + UPLOAD_FORM_SECONDS + CLAIM_DAYS * 86400,
        },
    )
    return upload_id


def dataset_view(item: dict[str, Any]) -> dict[str, Any]:
    return {field: item.get(field) for field in DATASET_FIELDS}


def list_datasets(
    store: Store, tenant_id: str, workspace_id: str, limit: int | None, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    store.get("WS", workspace_id, tenant_id)
    items, next_cursor = store.list_page(list_key("WS", workspace_id, "DS"), limit=limit, cursor=cursor)
    return [dataset_view(i) for i in items], next_cursor


def get_dataset(
    store: Store, artifacts: Artifacts, tenant_id: str, workspace_id: str, dataset_id: str
) -> dict[str, Any]:
    """The dataset and its validation report (kept in S3: a report of 1,000 rejected rows is big)."""
    item = store.get("DS", dataset_id, tenant_id)
    if item["workspace_id"] != workspace_id:
        raise NotFound(f"dataset {dataset_id} not found")
    report = json.loads(artifacts.get(item["report_key"])) if item.get("report_key") else None
    return {
        **dataset_view(item),
        "report": report,
        "warnings": item.get("warnings") or [],
        # Whether the same bytes had been imported before (nothing parsed), and how long it took.
        "cache_hit": item.get("cache_hit"),
        "import_ms": item.get("import_ms"),
    }


@dataclass(frozen=True)
class LandedObject:
    """An object an S3 notification names: `version` tells deliveries apart (the version id, else the
    ETag or sequencer), `version_id` is the exact version to read when the bucket keeps versions."""

    bucket: str
    key: str
    version: str
    version_id: str | None


def parse_s3_record(record: dict[str, Any]) -> LandedObject | None:
    """The object of an ObjectCreated record, the key decoded as S3 encodes it."""
    s3 = record.get("s3", {})
    bucket = s3.get("bucket", {}).get("name")
    raw_key = s3.get("object", {}).get("key")
    if not bucket or not raw_key:
        return None
    obj = s3["object"]
    version = obj.get("versionId") or obj.get("eTag") or obj.get("sequencer") or ""
    return LandedObject(bucket, unquote_plus(raw_key), version, obj.get("versionId") or None)


def register_upload(store: Store, workflow: Workflow, landed: LandedObject) -> dict[str, Any] | None:
    """Turn one landed object into a dataset and its pending runs; None when the key is not an
    upload, this notification was delivered before (S3 delivers at least once), or the upload made
    its dataset already (a presigned form is good for one census, however often it is posted).
    Once the dataset exists, a failure fails it and its runs with the reason, and is raised again
    (the trigger's failure destination and alarm then see it)."""
    bucket, key, version = landed.bucket, landed.key, landed.version
    match = UPLOAD_KEY.match(key)
    if match is None and IMPORT_SOURCE_KEY.match(key):
        logger.info(
            "an import wizard's source: imported once the wizard generates its census", extra={"key": key}
        )
        return None
    if match is None:
        logger.warning(
            "ignoring object outside uploads/{workspace_id}/{upload_id}/{filename}", extra={"key": key}
        )
        return None
    workspace_id, upload_id, filename = match["workspace_id"], match["upload_id"], match["filename"]
    try:
        workspace = store.get("WS", workspace_id)
    except NotFound:
        logger.warning("ignoring upload to an unknown workspace", extra={"key": key})
        return None
    tenant_id = workspace["tenant_id"]
    claim_key = f"S3EVENT#{bucket}/{key}#{version}"
    if not store.claim(claim_key, {"tenant_id": tenant_id}, int(time.time()) + CLAIM_DAYS * 86400):
        logger.info("duplicate S3 notification ignored", extra={"key": key, "version": version})
        return None
    dataset_id = new_id("ds")
    try:
        upload = store.get("UP", upload_id, tenant_id)
    except NotFound:
        upload = None  # an object put by any S3 client: it asks for the workspace's auto-runs
    if upload is not None and not _take_upload(store, upload_id, dataset_id):
        logger.warning(
            "a second object for one upload ignored: its form was posted again", extra={"key": key}
        )
        return None
    requested = (upload or {}).get("run_scenarios")
    sheet = (upload or {}).get("sheet")
    if requested is None:
        requested = workspace.get("auto_run_scenarios") or []
    dataset = {
        "id": dataset_id,
        "tenant_id": tenant_id,
        "workspace_id": workspace_id,
        "upload_id": upload_id,
        "filename": filename,
        "sheet": sheet,
        "upload_key": key,
        "upload_version": version,
        "upload_version_id": landed.version_id,
        "sha256": None,
        "status": "importing",
        "rows_read": None,
        "rows_accepted": None,
        "rows_rejected": None,
        "duplicates": None,
        "columns": None,
        "created_at": utc_now(),
        "error": None,
        "gsi1pk": list_key("WS", workspace_id, "DS"),
        "gsi1sk": dataset_id,
    }
    store.create("DS", dataset_id, dataset)
    runs: list[dict[str, Any]] = []
    try:
        skipped = _create_runs(store, tenant_id, workspace_id, requested, dataset_id, runs)
        if skipped:
            store.update("DS", dataset_id, {"warnings": skipped})
        for run in runs:
            try:
                launch_run(store, workflow, run)
            except Exception:
                logger.exception("could not start run", extra={"run_id": run["id"]})
        if not runs:
            workflow.start(
                f"import-{dataset_id}",
                # No run: the state machine's HasRun choice ends an import-only execution after Import.
                ExecutionInput(
                    tenant_id=tenant_id, workspace_id=workspace_id, dataset_id=dataset_id
                ).model_dump(),
            )
    except Exception as error:
        _fail_registration(store, dataset_id, runs, f"the upload could not be registered: {error}")
        raise
    return {"dataset": public(dataset), "run_ids": [r["id"] for r in runs], "skipped": skipped}


def _take_upload(store: Store, upload_id: str, dataset_id: str) -> bool:
    """Link the upload to its dataset, once: False when another object of the upload got there first."""
    try:
        store.update(
            "UP",
            upload_id,
            {"dataset_id": dataset_id},
            condition="attribute_exists(pk) AND attribute_not_exists(dataset_id)",
        )
    except RunConflict:
        return False
    return True


def _fail_registration(store: Store, dataset_id: str, runs: list[dict[str, Any]], reason: str) -> None:
    """Nothing stays `importing` or `pending` for good: the dataset and the runs made for it fail."""
    with contextlib.suppress(Exception):  # the store itself may be what failed; the error is raised anyway
        store.update("DS", dataset_id, {"status": "failed", "error": reason})
        for run in runs:
            finish_run(store, key_of_run(run), run_status.FAILED, {"error_message": reason})


def _create_runs(
    store: Store,
    tenant_id: str,
    workspace_id: str,
    requested: Any,
    dataset_id: str,
    runs: list[dict[str, Any]],
) -> list[str]:
    """Add to `runs` the runs asked for (so that a failure part way knows them); the scenarios that
    could not run, with why."""
    if requested == "all":
        scenario_ids = [
            s["id"] for s in store.list_all(list_key("WS", workspace_id, "SC"), newest_first=False)
        ]
    else:
        scenario_ids = list(requested)
    skipped: list[str] = []
    for scenario_id in scenario_ids:
        try:
            scenario = get_scenario(store, tenant_id, workspace_id, scenario_id)
            runs.append(create_run(store, tenant_id, scenario, dataset_id))
        except PlanAlignError as error:
            skipped.append(f"scenario {scenario_id} not run: {error}")
    return skipped
