"""The Studio's plain census routes on top of our datasets: a file posted to `/upload` lands in S3
under `uploads/` like any other upload (so the same S3 trigger and import stage run), and the
answer waits for its import. A census is named by its `file_path`, `datasets/{dataset_id}/{file}`,
which the workspace's `base_config.setup.census_parquet_path` holds once it is chosen."""

import json
import time
from typing import Any

from planalign.adapters.artifacts import Artifacts, upload_key
from planalign.adapters.store import Store
from planalign.errors import CensusRejected, InvalidRequest, NotFound, PayloadTooLarge, RunConflict
from planalign.ids import utc_now
from planalign.services import quotas
from planalign.services.census_paths import dataset_of_path, file_path_of
from planalign.services.uploads import CENSUS_CONTENT_TYPES, FILENAME, new_upload

IMPORT_POLL_SECONDS = 0.1


def upload_census(
    store: Store,
    artifacts: Artifacts,
    tenant_id: str,
    workspace_id: str,
    filename: str,
    content: bytes,
    *,
    max_bytes: int,
    wait_seconds: float,
) -> dict[str, Any]:
    """Store the file as an upload, wait (up to `wait_seconds`) for its import, make it the
    workspace's census, and answer the Studio's FileUploadResponse. A census that cannot be
    imported is CensusRejected with the import's reason; a file over `max_bytes` is PayloadTooLarge
    naming the presigned route that takes large files."""
    store.get("WS", workspace_id, tenant_id)
    quotas.check_storage(store, tenant_id)
    if not FILENAME.match(filename):
        raise InvalidRequest("file: a name of 1-255 characters, no slashes or control characters")
    if not content:
        raise InvalidRequest("file: the file is empty")
    if len(content) > max_bytes:
        raise PayloadTooLarge(
            f"file: {len(content):,} bytes is over the {max_bytes:,} bytes a request body may carry here; "
            f"upload it with POST /api/workspaces/{workspace_id}/uploads (a presigned S3 form, no such limit)"
        )
    upload_id = new_upload(store, tenant_id, workspace_id, filename, run_scenarios=[], sheet=None)
    extension = filename[filename.rfind(".") :].lower() if "." in filename else ""
    artifacts.put(
        upload_key(workspace_id, upload_id, filename),
        content,
        CENSUS_CONTENT_TYPES.get(extension, "application/octet-stream"),
    )
    dataset = _wait_for_import(store, tenant_id, upload_id, wait_seconds)
    warnings: list[str] = []
    if dataset is None:
        raise RunConflict(
            f"{filename} was stored, but its import has not started in {wait_seconds:g} s; "
            f"it goes on: see GET /api/workspaces/{workspace_id}/datasets"
        )
    if dataset["status"] == "failed":
        raise CensusRejected(f"{filename}: {dataset.get('error') or 'the census could not be imported'}")
    if dataset["status"] == "importing":
        warnings.append("the import is still running: row counts appear once it ends")
    set_census(store, tenant_id, workspace_id, dataset)
    report = _report(artifacts, dataset)
    return {
        "success": True,
        "file_path": file_path_of(dataset),
        "file_name": filename,
        "file_size_bytes": len(content),
        "row_count": int(dataset.get("rows_accepted") or 0),
        "columns": list(dataset.get("columns") or []),
        "upload_timestamp": dataset["created_at"],
        "validation_warnings": warnings + list(report.get("warnings") or []),
        "structured_warnings": [],
        "data_quality_warnings": [],
        "column_renames": [
            {"original": original, "canonical": canonical}
            for original, canonical in (report.get("columns") or {}).items()
            if original != canonical
        ],
        "original_filename": filename,
    }


def _wait_for_import(
    store: Store, tenant_id: str, upload_id: str, wait_seconds: float
) -> dict[str, Any] | None:
    """The upload's dataset once its import has ended (or as it is at the deadline); None if the
    S3 trigger has not made the dataset by then."""
    deadline = time.monotonic() + wait_seconds
    dataset: dict[str, Any] | None = None
    while True:
        dataset_id = store.get("UP", upload_id, tenant_id).get("dataset_id")
        if dataset_id:
            dataset = store.get("DS", dataset_id, tenant_id)
            if dataset["status"] != "importing":
                return dataset
        if time.monotonic() >= deadline:
            return dataset
        time.sleep(IMPORT_POLL_SECONDS)


def _report(artifacts: Artifacts, dataset: dict[str, Any]) -> dict[str, Any]:
    if not dataset.get("report_key"):
        return {}
    report: dict[str, Any] = json.loads(artifacts.get(dataset["report_key"]))
    return report


def set_census(store: Store, tenant_id: str, workspace_id: str, dataset: dict[str, Any]) -> None:
    """Make the dataset the workspace's census: its path in base_config, where the Studio reads it
    and where runs look first."""
    # The Studio's config module is large: loaded on first use, not at import (cold start).
    from planalign.domain.studio_config import merge_studio_config

    workspace = store.get("WS", workspace_id, tenant_id)
    path = file_path_of(dataset)
    base_config = merge_studio_config(
        workspace.get("base_config") or {},
        {"setup": {"census_parquet_path": path}, "data_sources": {"census_parquet_path": path}},
    )
    store.update("WS", workspace_id, {"base_config": base_config, "updated_at": utc_now()})


def validate_path(
    store: Store, artifacts: Artifacts, tenant_id: str, workspace_id: str, file_path: str
) -> dict[str, Any]:
    """The Studio's FileValidationResponse for a census file path: valid once its import succeeded."""
    store.get("WS", workspace_id, tenant_id)
    answer: dict[str, Any] = {
        "valid": False,
        "file_path": file_path,
        "exists": False,
        "readable": False,
        "validation_warnings": [],
        "structured_warnings": [],
        "data_quality_warnings": [],
    }
    try:
        dataset = dataset_of_path(store, tenant_id, workspace_id, file_path)
    except NotFound as error:
        return {**answer, "error_message": str(error)}
    report = _report(artifacts, dataset)
    answer.update(
        exists=True,
        readable=dataset["status"] == "imported",
        valid=dataset["status"] == "imported",
        row_count=dataset.get("rows_accepted"),
        columns=dataset.get("columns"),
        last_modified=dataset["created_at"],
        validation_warnings=list(report.get("warnings") or []),
    )
    if dataset["status"] == "failed":
        answer["error_message"] = dataset.get("error") or "the census could not be imported"
    elif dataset["status"] == "importing":
        answer["error_message"] = "the census is still being imported"
    return answer


def set_census_path(store: Store, tenant_id: str, workspace_id: str, file_path: str) -> dict[str, Any]:
    """Choose an imported census as the workspace's; 409 while it imports or when it failed."""
    dataset = dataset_of_path(store, tenant_id, workspace_id, file_path)
    if dataset["status"] != "imported":
        raise RunConflict(f"census file {file_path} is {dataset['status']}, not imported")
    set_census(store, tenant_id, workspace_id, dataset)
    return {
        "success": True,
        "file_path": file_path_of(dataset),
        "row_count": int(dataset.get("rows_accepted") or 0),
    }
