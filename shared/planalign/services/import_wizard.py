"""The Studio's import wizard: an upload becomes a session (item `IMP#{id}`, the file under `uploads/`,
its first rows in S3), a saved mapping turns its columns into the census's, and "generate" writes the
mapped census as an upload of its own, which the S3 trigger and the import stage make a dataset with
its import report, as any census. A generated census is what the Studio calls a parquet file; every
imported dataset of a workspace is one (its own uploads too), downloaded as Parquet."""

from __future__ import annotations

import contextlib
import json
import time
from typing import TYPE_CHECKING, Any

from planalign.adapters.artifacts import Artifacts, import_source_key, upload_key, workspace_prefix
from planalign.adapters.store import Store, list_key, partition
from planalign.errors import CensusRejected, InvalidRequest, NotFound, PayloadTooLarge, RunConflict
from planalign.ids import new_id, utc_now
from planalign.services.census_paths import file_path_of

if TYPE_CHECKING:
    from planalign.domain import census_mapping

# Imported by the functions that use them, so that the Census function starts without them (cold start):
# the census readers (domain/census_mapping.py, census_reader.py, census.py) load NumPy and Arrow, and
# services/uploads.py and census_files.py the runs' and the Studio config's modules.

SESSION_DAYS = 30  # a session lasts as long as its source under uploads/ (the bucket's lifecycle)
MAX_ERROR_ROWS = 100
DEFAULT_USER = "system"  # who made a file when the caller names nobody (the Studio never does)


def _workspace(store: Store, tenant_id: str, workspace_id: str) -> dict[str, Any]:
    return store.get("WS", workspace_id, tenant_id)


def _preview_key(tenant_id: str, workspace_id: str, import_id: str) -> str:
    return f"{workspace_prefix(tenant_id, workspace_id)}imports/{import_id}/preview.json"


# --------------------------------------------------------------------------------------- sessions


def start_import(
    store: Store,
    artifacts: Artifacts,
    tenant_id: str,
    workspace_id: str,
    filename: str,
    content: bytes,
    *,
    max_bytes: int,
    user: str,
) -> dict[str, Any]:
    """A new session for an uploaded file (CSV, XLSX, XLS, ODS or Parquet, read as our census
    reader reads them); a workbook is read from its first sheet until another is chosen."""
    from planalign.services.uploads import CENSUS_CONTENT_TYPES, FILENAME

    _workspace(store, tenant_id, workspace_id)
    if not FILENAME.match(filename):
        raise InvalidRequest("file: a name of 1-255 characters, no slashes or control characters")
    if len(content) > max_bytes:
        raise PayloadTooLarge(
            f"file: {len(content):,} bytes is over the {max_bytes:,} bytes a request body may carry here; "
            f"upload it with POST /api/workspaces/{workspace_id}/uploads (a presigned S3 form, no such "
            "limit), whose import maps the columns by their usual names"
        )
    table = _read(content, filename, None)
    import_id = new_id("imp")
    source_key = import_source_key(workspace_id, import_id, filename)
    extension = filename[filename.rfind(".") :].lower() if "." in filename else ""
    artifacts.put(source_key, content, CENSUS_CONTENT_TYPES.get(extension, "application/octet-stream"))
    session = {
        "id": import_id,
        "tenant_id": tenant_id,
        "workspace_id": workspace_id,
        "original_filename": filename,
        "source_key": source_key,
        "status": "uploaded",
        "created_at": utc_now(),
        "created_by": user,
        "mapping": None,
        "mapping_saved_at": None,
        "parquet_file_id": None,
        "error_message": None,
        "error_rows": [],
        "expires_at": int(time.time()) + SESSION_DAYS * 86400,
        **_table_fields(table),
    }
    _put_preview(artifacts, session, table)
    store.create("IMP", import_id, session)
    return session_view(artifacts, session)


def _read(content: bytes, filename: str, sheet: str | None) -> census_mapping.SourceTable:
    from planalign.domain import census_mapping

    try:
        return census_mapping.read_source(content, filename, sheet)
    except CensusRejected as error:
        raise CensusRejected(f"Could not parse file: {error}") from error


def _table_fields(table: census_mapping.SourceTable) -> dict[str, Any]:
    from planalign.domain import census_mapping

    columns = census_mapping.detect_columns(table)
    return {
        "source_format": table.source_format,
        "sheet_name": table.sheet,
        "available_sheets": list(table.sheets),
        "row_count": len(table.rows),
        "column_count": len(columns),
        "detected_columns": columns,
        "column_renames": table.renames,
        "encoding_used": table.encoding or "utf-8",
        "encoding_warnings": table.warnings,
    }


def _put_preview(artifacts: Artifacts, session: dict[str, Any], table: census_mapping.SourceTable) -> None:
    from planalign.domain import census_mapping

    preview = {
        "columns": table.columns,
        "rows": table.rows[: census_mapping.PREVIEW_ROWS],
        "row_numbers": table.row_numbers[: census_mapping.PREVIEW_ROWS],
        "header_row": table.header_row,
    }
    key = _preview_key(session["tenant_id"], session["workspace_id"], session["id"])
    artifacts.put(key, json.dumps(preview).encode(), "application/json")


def _preview_table(artifacts: Artifacts, session: dict[str, Any]) -> census_mapping.SourceTable:
    """The session's first rows as a table (what previews and suggestions look at)."""
    from planalign.domain import census_mapping

    preview = json.loads(
        artifacts.get(_preview_key(session["tenant_id"], session["workspace_id"], session["id"]))
    )
    return census_mapping.SourceTable(
        format=session["source_format"],
        encoding=session.get("encoding_used"),
        sheet=session.get("sheet_name"),
        sheets=tuple(session.get("available_sheets") or ()),
        header_row=preview["header_row"],
        columns=preview["columns"],
        rows=preview["rows"],
        row_numbers=preview["row_numbers"],
    )


def get_session(store: Store, tenant_id: str, workspace_id: str, import_id: str) -> dict[str, Any]:
    try:
        session = store.get("IMP", import_id, tenant_id)
    except NotFound:
        session = None
    if session is None or session["workspace_id"] != workspace_id:
        raise NotFound(f"Import session {import_id!r} not found")
    return session


def session_view(artifacts: Artifacts, session: dict[str, Any]) -> dict[str, Any]:
    """The Studio's ImportSession."""
    from planalign.domain import census_mapping

    return {
        "import_id": session["id"],
        "correlation_id": session["id"],
        "workspace_id": session["workspace_id"],
        "original_filename": session["original_filename"],
        "source_format": session["source_format"],
        "sheet_name": session.get("sheet_name"),
        "available_sheets": session.get("available_sheets") or [],
        "row_count": session["row_count"],
        "column_count": session["column_count"],
        "detected_columns": session["detected_columns"],
        "preview_rows": census_mapping.preview_rows(_preview_table(artifacts, session)),
        "status": session["status"],
        "created_at": session["created_at"],
        "created_by": session["created_by"],
        "mapping_saved_at": session.get("mapping_saved_at"),
        "parquet_file_id": session.get("parquet_file_id"),
        "error_message": session.get("error_message"),
        "error_rows": session.get("error_rows") or [],
        "encoding_warnings": session.get("encoding_warnings") or [],
        "encoding_used": session.get("encoding_used") or "utf-8",
    }


def session_status(
    store: Store, artifacts: Artifacts, tenant_id: str, workspace_id: str, import_id: str
) -> dict[str, Any]:
    """The session, its generation followed to the end of the generated census's import."""
    session = follow_generation(store, artifacts, get_session(store, tenant_id, workspace_id, import_id))
    return session_view(artifacts, session)


def select_sheet(
    store: Store, artifacts: Artifacts, tenant_id: str, workspace_id: str, import_id: str, sheet: str
) -> dict[str, Any]:
    session = get_session(store, tenant_id, workspace_id, import_id)
    if sheet not in (session.get("available_sheets") or []):
        raise InvalidRequest(f"Sheet {sheet!r} not found in {session.get('available_sheets') or []}")
    table = _read(artifacts.get(session["source_key"]), session["original_filename"], sheet)
    changes = _table_fields(table)
    _put_preview(artifacts, {**session, **changes}, table)
    return session_view(artifacts, store.update("IMP", import_id, changes))


def raw_preview(artifacts: Artifacts, session: dict[str, Any]) -> dict[str, Any]:
    from planalign.domain import census_mapping

    rows = census_mapping.preview_rows(_preview_table(artifacts, session))
    return {
        "import_id": session["id"],
        "columns": [column["name"] for column in session["detected_columns"]],
        "rows": rows,
        "total_row_count": session["row_count"],
        "preview_row_count": len(rows),
    }


# --------------------------------------------------------------------------------------- mapping


def suggestions(store: Store, artifacts: Artifacts, session: dict[str, Any]) -> dict[str, Any]:
    """Our reader's alias matches for the columns (a mapping this workspace generated from the same
    headers before comes first), the formats of their values, and the data-quality notes."""
    from planalign.domain import census_mapping

    columns = session["detected_columns"]
    prior = store.get_entry(
        partition("WS", session["workspace_id"]),
        partition("MAPPING", census_mapping.headers_fingerprint([c["name"] for c in columns])),
    )
    suggested = census_mapping.suggest(columns, (prior or {}).get("columns"))
    rows = census_mapping.preview_rows(_preview_table(artifacts, session))
    return {
        "import_id": session["id"],
        "suggestions": suggested,
        "data_quality": census_mapping.data_quality(columns, rows, session["row_count"], suggested),
        "canonical_schema": census_mapping.canonical_schema(),
    }


def save_mapping(store: Store, session: dict[str, Any], mappings: list[dict[str, Any]]) -> dict[str, Any]:
    """The Studio's MappingSaveResponse: a mapping with errors is answered with them and not saved."""
    from planalign.domain import census_mapping

    errors = census_mapping.mapping_errors(mappings, [c["name"] for c in session["detected_columns"]])
    if errors:
        return {
            "import_id": session["id"],
            "status": session["status"],
            "mapping_saved_at": session.get("mapping_saved_at") or utc_now(),
            "validation_errors": errors,
            "output_column_count": 0,
        }
    saved = [{**mapping, "import_id": session["id"]} for mapping in mappings]
    # A generation under way still ends as its import does.
    status = "generating" if session["status"] == "generating" else "mapping_in_progress"
    updated = store.update(
        "IMP", session["id"], {"mapping": saved, "mapping_saved_at": utc_now(), "status": status}
    )
    return {
        "import_id": session["id"],
        "status": updated["status"],
        "mapping_saved_at": updated["mapping_saved_at"],
        "validation_errors": [],
        "output_column_count": sum(1 for m in saved if not m.get("is_excluded")),
    }


def _mapping(session: dict[str, Any], doing: str) -> list[dict[str, Any]]:
    mapping: list[dict[str, Any]] | None = session.get("mapping")
    if mapping is None:
        raise RunConflict(f"No mapping saved yet; save a mapping before {doing}")
    return mapping


def mapped_preview(artifacts: Artifacts, session: dict[str, Any]) -> dict[str, Any]:
    """The first rows under the census's column names, and what our reader would refuse in them
    (as it will when the census is generated)."""
    from planalign.domain import census_mapping

    table = _preview_table(artifacts, session)
    mapped = census_mapping.apply_mapping(table, _mapping(session, "previewing"))
    warnings = mapped.warnings + _reader_warnings(mapped, table.header_row)
    return {
        "import_id": session["id"],
        "columns": mapped.columns,
        "rows": [
            {name: (cell or None) for name, cell in zip(mapped.columns, row, strict=True)}
            for row in mapped.rows
        ],
        "total_row_count": session["row_count"],
        "preview_row_count": len(mapped.rows),
        "transformation_warnings": warnings,
    }


def _reader_warnings(mapped: census_mapping.MappedTable, header_row: int) -> list[dict[str, Any]]:
    """What the census reader says of the mapped rows: each column's refused values by reason, or
    why it would refuse the whole file."""
    from planalign.domain import census_mapping
    from planalign.domain.census_reader import read_census

    try:
        report = read_census(census_mapping.census_csv(mapped, header_row), "mapped.csv").report
    except CensusRejected as error:
        if not error.report.get("rejected_rows"):
            return [{"input_column": "(census)", "rows_affected": len(mapped.rows), "message": str(error)}]
        report = error.report
    grouped: dict[tuple[str, str], list[int]] = {}
    for rejected in report.get("rejected_rows") or []:
        grouped.setdefault((rejected["column"], rejected["reason"]), []).append(rejected["row"])
    return [
        {
            "input_column": column,
            "rows_affected": len(rows),
            "message": f"{len(rows)} row(s) will be rejected: {reason} (rows {', '.join(map(str, rows[:10]))}"
            + (", ...)" if len(rows) > 10 else ")"),
        }
        for (column, reason), rows in grouped.items()
    ]


# --------------------------------------------------------------------------------------- generate


def generate(
    store: Store,
    artifacts: Artifacts,
    session: dict[str, Any],
    *,
    user: str,
    wait_seconds: float,
) -> dict[str, Any]:
    """Map every row and write the census as an upload (`uploads/{ws}/{upload_id}/...`): the S3
    trigger makes it a dataset and the import stage imports it. Waits up to `wait_seconds` for the
    import; a longer one is followed by the session's status."""
    from planalign.domain import census_mapping
    from planalign.domain.census_reader import REQUIRED_COLUMNS
    from planalign.services.census_files import _wait_for_import
    from planalign.services.uploads import new_upload

    mapping = _mapping(session, "generating")
    mapped_fields = {m["output_column"] for m in mapping if not m.get("is_excluded")}
    missing = [name for name in REQUIRED_COLUMNS if name not in mapped_fields]
    if missing:
        raise InvalidRequest(
            f"Required census fields not mapped: {', '.join(missing)}. "
            "All required fields must be mapped before generating parquet."
        )
    started_at = utc_now()
    table = _read(
        artifacts.get(session["source_key"]), session["original_filename"], session.get("sheet_name")
    )
    try:
        mapped = census_mapping.apply_mapping(table, mapping)
    except InvalidRequest as error:
        store.update("IMP", session["id"], {"status": "failed", "error_message": str(error)})
        raise
    stem = (
        session["original_filename"].rsplit(".", 1)[0]
        if "." in session["original_filename"]
        else session["original_filename"]
    )
    filename = f"{stem}-census.csv"
    content = census_mapping.census_csv(mapped, table.header_row)
    upload_id = new_upload(
        store, session["tenant_id"], session["workspace_id"], filename, run_scenarios=[], sheet=None
    )
    session = store.update(
        "IMP",
        session["id"],
        {
            "status": "generating",
            "generated_upload_id": upload_id,
            "generated_by": user,
            "generated_bytes": len(content),
            "parquet_file_id": None,
            "error_message": None,
            "error_rows": [],
        },
    )
    store.put_entry(
        partition("WS", session["workspace_id"]),
        partition("MAPPING", census_mapping.headers_fingerprint(table.columns)),
        {
            "tenant_id": session["tenant_id"],
            "columns": {m["input_column"]: m["output_column"] for m in mapping if not m.get("is_excluded")},
        },
    )
    artifacts.put(upload_key(session["workspace_id"], upload_id, filename), content, "text/csv")
    _wait_for_import(store, session["tenant_id"], upload_id, wait_seconds)
    session = follow_generation(store, artifacts, store.get("IMP", session["id"]))
    dataset_id = session.get("parquet_file_id")
    storage_path = None
    if dataset_id:
        storage_path = file_path_of(store.get("DS", dataset_id))
    return {
        "import_id": session["id"],
        "correlation_id": session["id"],
        "status": session["status"],
        "started_at": started_at,
        "storage_path": storage_path,
        "census_path_set": session["status"] == "completed",
    }


def follow_generation(store: Store, artifacts: Artifacts, session: dict[str, Any]) -> dict[str, Any]:
    """A generating session whose census's import ended: completed (the census becomes the
    workspace's, its report's rejected rows are the session's error rows) or failed with the reason."""
    from planalign.services.census_files import set_census

    if session["status"] != "generating" or not session.get("generated_upload_id"):
        return session
    try:
        dataset_id = store.get("UP", session["generated_upload_id"]).get("dataset_id")
    except NotFound:
        dataset_id = None
    if not dataset_id:
        return session
    dataset = store.get("DS", dataset_id)
    if dataset["status"] == "importing":
        return session
    report = json.loads(artifacts.get(dataset["report_key"])) if dataset.get("report_key") else {}
    changes: dict[str, Any] = {
        "error_rows": (report.get("rejected_rows") or [])[:MAX_ERROR_ROWS],
        "encoding_warnings": list(
            dict.fromkeys([*(session.get("encoding_warnings") or []), *(report.get("warnings") or [])])
        ),
    }
    if dataset["status"] == "failed":
        changes.update(
            status="failed", error_message=dataset.get("error") or "the census could not be imported"
        )
    else:
        changes.update(status="completed", parquet_file_id=dataset_id)
    try:
        # Conditional: of two requests that see the import end, one records it.
        updated = store.update(
            "IMP",
            session["id"],
            changes,
            condition="#status = :generating",
            condition_names={"#status": "status"},
            condition_values={":generating": "generating"},
        )
    except RunConflict:
        return store.get("IMP", session["id"])
    if updated["status"] == "completed":
        store.update(
            "DS",
            dataset_id,
            {
                "import_id": session["id"],
                "original_filename": session["original_filename"],
                "created_by": session.get("generated_by") or DEFAULT_USER,
                "source_bytes": session.get("generated_bytes"),
            },
        )
        set_census(store, session["tenant_id"], session["workspace_id"], dataset)
    return updated


# --------------------------------------------------------------------------------------- parquet files


def parquet_file_view(dataset: dict[str, Any]) -> dict[str, Any]:
    """The Studio's ParquetFile of an imported dataset: its storage_path is the census file path the
    analyzers and set-census-path take; the file downloads as Parquet."""
    from planalign.domain import census_mapping

    columns = dataset.get("columns") or []
    return {
        "file_id": dataset["id"],
        "workspace_id": dataset["workspace_id"],
        "import_id": dataset.get("import_id") or "direct-upload",
        "filename": _parquet_name(dataset),
        "storage_path": file_path_of(dataset),
        "original_filename": dataset.get("original_filename") or dataset["filename"],
        "row_count": int(dataset.get("rows_accepted") or 0),
        "file_size_bytes": int(dataset.get("source_bytes") or 0),
        "schema": [
            {"name": name, "type": census_mapping.FIELD_TYPES.get(name, "string")} for name in columns
        ],
        "created_at": dataset["created_at"],
        "created_by": dataset.get("created_by") or DEFAULT_USER,
    }


def _parquet_name(dataset: dict[str, Any]) -> str:
    name: str = dataset["filename"]
    return (name.rsplit(".", 1)[0] if "." in name else name) + ".parquet"


def list_parquet_files(store: Store, tenant_id: str, workspace_id: str) -> dict[str, Any]:
    _workspace(store, tenant_id, workspace_id)
    datasets = [d for d in store.list_all(list_key("WS", workspace_id, "DS")) if d["status"] == "imported"]
    files = [parquet_file_view(d) for d in datasets]
    return {"parquet_files": files, "total_count": len(files)}


def _parquet_dataset(store: Store, tenant_id: str, workspace_id: str, file_id: str) -> dict[str, Any]:
    try:
        dataset = store.get("DS", file_id, tenant_id)
    except NotFound:
        dataset = None
    if dataset is None or dataset["workspace_id"] != workspace_id or dataset["status"] != "imported":
        raise NotFound("Parquet file not found")
    return dataset


def parquet_download_url(
    store: Store, artifacts: Artifacts, tenant_id: str, workspace_id: str, file_id: str
) -> str:
    """A short-lived link to the census as Parquet, made once beside the content-addressed census."""
    from planalign.domain.census import Census

    dataset = _parquet_dataset(store, tenant_id, workspace_id, file_id)
    key = dataset["census_key"].rsplit("/", 1)[0] + "/census.parquet"
    if not artifacts.exists(key):
        artifacts.put(
            key,
            Census.from_bytes(artifacts.get(dataset["census_key"])).to_parquet(),
            "application/vnd.apache.parquet",
        )
    return artifacts.presigned_get(key, _parquet_name(dataset))


def delete_parquet_file(store: Store, tenant_id: str, workspace_id: str, file_id: str, *, user: str) -> None:
    """Only its creator deletes a file (as the Studio's backend: 403 otherwise). The dataset goes; its
    content-addressed census stays for the datasets and runs that share it."""
    dataset = _parquet_dataset(store, tenant_id, workspace_id, file_id)
    if (dataset.get("created_by") or DEFAULT_USER) != user:
        raise PermissionError("Only the file creator can delete it")
    store.delete("DS", file_id)
    with contextlib.suppress(RunConflict):  # unless the workspace's newest census is another one
        store.update(
            "WS",
            workspace_id,
            {},
            remove=("latest_dataset_id",),
            condition="latest_dataset_id = :id",
            condition_values={":id": file_id},
        )


# --------------------------------------------------------------------------------------- templates


def list_mapping_templates(store: Store, tenant_id: str, workspace_id: str) -> dict[str, Any]:
    _workspace(store, tenant_id, workspace_id)
    templates = store.list_all(list_key("WS", workspace_id, "MT"), newest_first=False)
    return {
        "templates": [
            {
                "template_id": t["id"],
                "name": t["name"],
                "description": t.get("description"),
                "field_count": len(t["field_mappings"]),
                "created_at": t["created_at"],
                "created_by": t["created_by"],
            }
            for t in templates
        ]
    }


def save_mapping_template(
    store: Store, session: dict[str, Any], name: str, description: str | None, *, user: str
) -> dict[str, Any]:
    mapping = session.get("mapping")
    if not mapping:
        raise InvalidRequest("No mapping saved for this import session")
    template_id = new_id("mt")
    template = {
        "id": template_id,
        "tenant_id": session["tenant_id"],
        "workspace_id": session["workspace_id"],
        "name": name,
        "description": description,
        "field_mappings": mapping,
        "created_at": utc_now(),
        "created_by": user,
        "gsi1pk": list_key("WS", session["workspace_id"], "MT"),
        "gsi1sk": template_id,
    }
    store.create("MT", template_id, template)
    return {"template_id": template_id, "name": name, "created_at": template["created_at"]}


def apply_mapping_template(store: Store, session: dict[str, Any], template_id: str) -> dict[str, Any]:
    """The template's mappings of the columns this file has, saved as the session's mapping."""
    try:
        template = store.get("MT", template_id, session["tenant_id"])
    except NotFound:
        template = None
    if template is None or template["workspace_id"] != session["workspace_id"]:
        raise NotFound(f"Template {template_id!r} not found")
    columns = {c["name"] for c in session["detected_columns"]}
    matched = [m for m in template["field_mappings"] if m["input_column"] in columns]
    return save_mapping(store, session, matched)
