"""The Studio's census intake on the local stack: its import wizard (a two-sheet workbook whose columns
need mapping), the generated census files, mapping templates, the census analyses, bands, promotion
hazards and scenario templates answer what its backend documents in `studio/openapi.json`."""

import csv
import io
from dataclasses import dataclass
from typing import Any

import httpx
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from planalign.domain.census_generator import census_csv, generate_census
from planalign.local.auth import SESSION_COOKIE
from planalign.local.stack import LocalStack

from tests.contract.conftest import StudioClient
from tests.contract.openapi import studio_paths

pytestmark = pytest.mark.contract

WS = "/api/workspaces/{workspace_id}"
IMP = WS + "/imports/{import_id}"
EMPLOYEES = 300
# The workbook's headers: some our reader's aliases know, some only a mapping can say.
HEADERS = {
    "employee_id": "Emp #",
    "employee_birth_date": "Born On",
    "employee_hire_date": "Hire Date",
    "employee_gross_compensation": "Salary",
    "active": "Status",
    "employee_termination_date": "Term Date",
    "employee_deferral_rate": "Deferral %",
    "scheduled_hours_per_week": "Weekly Hours",
}
SERVED_ROUTES = [
    ("POST", WS + "/imports/upload"),
    ("PATCH", IMP + "/sheet"),
    ("PUT", IMP + "/mapping"),
    ("GET", IMP + "/preview"),
    ("GET", IMP + "/suggestions"),
    ("GET", IMP + "/mapped-preview"),
    ("GET", IMP),
    ("POST", IMP + "/generate"),
    ("POST", IMP + "/apply-template"),
    ("GET", WS + "/parquet-files"),
    ("GET", WS + "/parquet-files/{file_id}/download"),
    ("DELETE", WS + "/parquet-files/{file_id}"),
    ("GET", WS + "/mapping-templates"),
    ("POST", WS + "/mapping-templates"),
    ("POST", WS + "/analyze-age-distribution"),
    ("POST", WS + "/analyze-part-time-pct"),
    ("POST", WS + "/analyze-compensation-by-level"),
    ("POST", WS + "/solve-compensation-growth"),
    ("POST", WS + "/analyze-age-bands"),
    ("POST", WS + "/analyze-tenure-bands"),
    ("POST", WS + "/analyze-turnover"),
    ("POST", WS + "/analyze-opt-out-rate"),
    ("GET", WS + "/config/bands"),
    ("GET", WS + "/config/promotion-hazards"),
    ("GET", "/api/templates"),
    ("GET", "/api/templates/{template_id}"),
]


def workbook() -> bytes:
    """A notes sheet first, then the census under the odd headers."""
    rows = list(csv.reader(io.StringIO(census_csv(generate_census(EMPLOYEES, seed=21)).decode())))
    keep = [i for i, name in enumerate(rows[0]) if name in HEADERS]
    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "Notes"
    notes.append(["Census exported for the 2025 plan year"])
    sheet = book.create_sheet("Census 2025")
    sheet.append([HEADERS[rows[0][i]] for i in keep])
    for row in rows[1:]:
        sheet.append([row[i] for i in keep])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class Wizard:
    workspace_id: str
    import_id: str
    answers: dict[str, httpx.Response]


def _mapping(suggestions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The suggested fields, and the two columns no alias knows, as the Studio's form sends them."""
    chosen = {s["input_column"]: s["suggested_canonical_field"] for s in suggestions}
    chosen.update({"Emp #": "employee_id", "Born On": "employee_birth_date"})
    return [
        {
            "input_column": column,
            "output_column": field,
            "output_type": "string",
            "is_required": False,
            "is_excluded": False,
            "transformations": [],
        }
        for column, field in chosen.items()
        if field
    ]


@pytest.fixture(scope="module")
def wizard(studio: StudioClient) -> Wizard:
    """The Studio's wizard from upload to generate, each answer kept for the tests."""
    answers: dict[str, httpx.Response] = {}
    workspace_id = studio.call("POST", "/api/workspaces", json={"name": "Wizard"})["id"]
    ids = {"workspace_id": workspace_id}
    answers["upload"] = studio.send(
        "POST", WS + "/imports/upload", files={"file": ("census.xlsx", workbook())}, **ids
    )
    import_id = answers["upload"].json()["import_id"]
    ids["import_id"] = import_id
    answers["sheet"] = studio.send("PATCH", IMP + "/sheet", json={"sheet_name": "Census 2025"}, **ids)
    answers["suggestions"] = studio.send("GET", IMP + "/suggestions", **ids)
    mapping = _mapping(answers["suggestions"].json()["suggestions"])
    wrong = [*mapping, {**mapping[0], "input_column": "Nickname"}]
    answers["mapping with errors"] = studio.send(
        "PUT", IMP + "/mapping", json={"field_mappings": wrong}, **ids
    )
    answers["mapping"] = studio.send("PUT", IMP + "/mapping", json={"field_mappings": mapping}, **ids)
    answers["preview"] = studio.send("GET", IMP + "/preview", **ids)
    answers["mapped preview"] = studio.send("GET", IMP + "/mapped-preview", **ids)
    answers["save template"] = studio.send(
        "POST", WS + "/mapping-templates", json={"import_id": import_id, "name": "HRIS export"}, **ids
    )
    answers["generate"] = studio.send("POST", IMP + "/generate", json={}, **ids)
    return Wizard(workspace_id, import_id, answers)


def _census_path(studio: StudioClient, wizard: Wizard) -> str:
    """The file path of the workspace's newest generated census (a test deletes and makes it again)."""
    files = studio.call("GET", WS + "/parquet-files", workspace_id=wizard.workspace_id)["parquet_files"]
    path: str = files[0]["storage_path"]
    return path


# --- the wizard -----------------------------------------------------------------------------------


def test_an_upload_answers_a_session_and_a_sheet_can_be_chosen(studio: StudioClient, wizard: Wizard) -> None:
    uploaded = studio.conforming(wizard.answers["upload"], "POST", WS + "/imports/upload")
    assert wizard.answers["upload"].status_code == 201
    assert uploaded["available_sheets"] == ["Notes", "Census 2025"]
    assert uploaded["sheet_name"] is None  # the Studio asks which sheet
    assert uploaded["source_format"] == "xlsx"
    chosen = studio.conforming(wizard.answers["sheet"], "PATCH", IMP + "/sheet")
    assert chosen["sheet_name"] == "Census 2025"
    assert chosen["row_count"] == EMPLOYEES
    assert [c["name"] for c in chosen["detected_columns"]] == list(HEADERS.values())
    assert len(chosen["preview_rows"]) == 100
    missing = studio.send(
        "PATCH",
        IMP + "/sheet",
        json={"sheet_name": "2019"},
        workspace_id=wizard.workspace_id,
        import_id=wizard.import_id,
    )
    assert missing.status_code == 422
    assert "2019" in missing.json()["detail"]


def test_suggestions_come_from_our_aliases(studio: StudioClient, wizard: Wizard) -> None:
    answer = studio.conforming(wizard.answers["suggestions"], "GET", IMP + "/suggestions")
    fields = {s["input_column"]: s["suggested_canonical_field"] for s in answer["suggestions"]}
    assert fields == {
        "Emp #": None,
        "Born On": None,
        "Hire Date": "employee_hire_date",
        "Salary": "employee_gross_compensation",
        "Status": "active",
        "Term Date": "employee_termination_date",
        "Deferral %": "employee_deferral_rate",
        "Weekly Hours": "scheduled_hours_per_week",
    }
    required = {f["field_name"] for f in answer["canonical_schema"] if f["required"]}
    assert required == {
        "employee_id",
        "employee_birth_date",
        "employee_hire_date",
        "employee_gross_compensation",
        "active",
    }
    # Nothing suggests employee_id or the birth date yet: every row lacks them.
    assert answer["data_quality"]["null_required_field_counts"] == {
        "employee_id": EMPLOYEES,
        "employee_birth_date": EMPLOYEES,
    }


def test_a_mapping_with_errors_answers_them_and_is_not_saved(studio: StudioClient, wizard: Wizard) -> None:
    refused = studio.conforming(wizard.answers["mapping with errors"], "PUT", IMP + "/mapping")
    assert [(e["input_column"], e["field"]) for e in refused["validation_errors"]] == [
        ("Nickname", "input_column"),  # no such column
        ("Nickname", "output_column"),  # its field is taken
    ]
    assert refused["output_column_count"] == 0
    saved = studio.conforming(wizard.answers["mapping"], "PUT", IMP + "/mapping")
    assert saved["validation_errors"] == []
    assert saved["output_column_count"] == len(HEADERS)


def test_previews_show_the_raw_and_the_mapped_rows(studio: StudioClient, wizard: Wizard) -> None:
    raw = studio.conforming(wizard.answers["preview"], "GET", IMP + "/preview")
    assert raw["columns"] == list(HEADERS.values())
    assert (raw["total_row_count"], raw["preview_row_count"]) == (EMPLOYEES, 100)
    mapped = studio.conforming(wizard.answers["mapped preview"], "GET", IMP + "/mapped-preview")
    assert set(mapped["columns"]) == set(HEADERS)
    assert mapped["rows"][0]["employee_id"] == raw["rows"][0]["Emp #"]
    assert mapped["transformation_warnings"] == []


def test_generate_imports_the_census_through_the_import_stage(
    studio: StudioClient, wizard: Wizard, api: httpx.Client
) -> None:
    generated = studio.conforming(wizard.answers["generate"], "POST", IMP + "/generate")
    assert wizard.answers["generate"].status_code == 202
    assert generated["status"] == "completed"
    assert generated["census_path_set"] is True
    ids = {"workspace_id": wizard.workspace_id, "import_id": wizard.import_id}
    session = studio.call("GET", IMP, **ids)
    assert session["status"] == "completed"
    assert session["error_rows"] == []
    dataset_id = session["parquet_file_id"]
    assert generated["storage_path"].startswith(f"datasets/{dataset_id}/")
    # A dataset like any other, with the import report of our reader.
    dataset = api.get(f"/api/workspaces/{wizard.workspace_id}/datasets/{dataset_id}").json()
    assert (dataset["status"], dataset["rows_accepted"]) == ("imported", EMPLOYEES)
    assert dataset["report"]["columns"]["employee_id"] == "employee_id"
    workspace = studio.call("GET", WS, workspace_id=wizard.workspace_id)
    assert workspace["base_config"]["setup"]["census_parquet_path"] == generated["storage_path"]


def test_generated_files_list_download_as_parquet_and_delete(
    studio: StudioClient, wizard: Wizard, api: httpx.Client
) -> None:
    ids = {"workspace_id": wizard.workspace_id}
    listed = studio.call("GET", WS + "/parquet-files", **ids)
    assert listed["total_count"] == 1
    (file,) = listed["parquet_files"]
    assert file["import_id"] == wizard.import_id
    assert (file["row_count"], file["original_filename"], file["created_by"]) == (
        EMPLOYEES,
        "census.xlsx",
        "system",
    )
    assert file["storage_path"] == wizard.answers["generate"].json()["storage_path"]
    download = studio.send("GET", WS + "/parquet-files/{file_id}/download", file_id=file["file_id"], **ids)
    assert download.status_code == 307, download.text
    content = httpx.get(download.headers["location"], timeout=30).content
    table = pq.ParquetFile(pa.BufferReader(content)).read()
    assert table.num_rows == EMPLOYEES
    assert table.schema.field("employee_hire_date").type == pa.date32()
    # The Studio's "Use as Census" sends storage_path.
    chosen = studio.call("POST", WS + "/set-census-path", json={"file_path": file["storage_path"]}, **ids)
    assert chosen["row_count"] == EMPLOYEES

    # Someone else's file is not theirs to delete; its creator's is.
    other_user = api.delete(
        f"/api/workspaces/{wizard.workspace_id}/parquet-files/{file['file_id']}",
        headers={"X-User-Id": "someone"},
    )
    assert other_user.status_code == 403
    deleted = studio.send("DELETE", WS + "/parquet-files/{file_id}", file_id=file["file_id"], **ids)
    assert deleted.status_code == 204
    assert studio.call("GET", WS + "/parquet-files", **ids)["total_count"] == 0
    gone = studio.send("DELETE", WS + "/parquet-files/{file_id}", file_id=file["file_id"], **ids)
    assert gone.status_code == 404
    # Generating again makes the file again (the same bytes: the import is a cache hit).
    again = studio.call("POST", IMP + "/generate", json={}, import_id=wizard.import_id, **ids)
    assert again["status"] == "completed"
    assert studio.call("GET", WS + "/parquet-files", **ids)["total_count"] == 1


def test_mapping_templates_save_list_and_apply(studio: StudioClient, wizard: Wizard) -> None:
    saved = studio.conforming(wizard.answers["save template"], "POST", WS + "/mapping-templates")
    assert wizard.answers["save template"].status_code == 201
    ids = {"workspace_id": wizard.workspace_id}
    listed = studio.call("GET", WS + "/mapping-templates", **ids)["templates"]
    assert [(t["template_id"], t["name"], t["field_count"]) for t in listed] == [
        (saved["template_id"], "HRIS export", len(HEADERS))
    ]
    # A second upload of the same export: the template maps it, and the suggestions remember it.
    second = studio.call("POST", WS + "/imports/upload", files={"file": ("again.xlsx", workbook())}, **ids)
    ids["import_id"] = second["import_id"]
    studio.call("PATCH", IMP + "/sheet", json={"sheet_name": "Census 2025"}, **ids)
    applied = studio.call("POST", IMP + "/apply-template", json={"template_id": saved["template_id"]}, **ids)
    assert applied["output_column_count"] == len(HEADERS)
    suggestions = studio.call("GET", IMP + "/suggestions", **ids)["suggestions"]
    emp = next(s for s in suggestions if s["input_column"] == "Emp #")
    assert (emp["suggested_canonical_field"], emp["reason"]) == ("employee_id", "prior_mapping")
    unknown = studio.send("POST", IMP + "/apply-template", json={"template_id": "mt_missing"}, **ids)
    assert unknown.status_code == 404


def test_generate_without_a_mapping_is_409_and_without_required_fields_422(
    studio: StudioClient, wizard: Wizard
) -> None:
    ids = {"workspace_id": wizard.workspace_id}
    session = studio.call("POST", WS + "/imports/upload", files={"file": ("c.xlsx", workbook())}, **ids)
    ids["import_id"] = session["import_id"]
    assert studio.send("POST", IMP + "/generate", json={}, **ids).status_code == 409
    assert studio.send("GET", IMP + "/mapped-preview", **ids).status_code == 409
    partial = [m for m in _mapping([]) if m["output_column"] == "employee_id"]
    studio.call("PATCH", IMP + "/sheet", json={"sheet_name": "Census 2025"}, **ids)
    studio.call("PUT", IMP + "/mapping", json={"field_mappings": partial}, **ids)
    refused = studio.send("POST", IMP + "/generate", json={}, **ids)
    assert refused.status_code == 422
    assert "employee_birth_date" in refused.json()["detail"]


# --- the census analyses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("/analyze-age-distribution", {}),
        ("/analyze-part-time-pct", {}),
        ("/analyze-compensation-by-level", {"lookback_years": 4}),
        ("/solve-compensation-growth", {"target_growth_rate": 0.02}),
        ("/analyze-age-bands", {}),
        ("/analyze-tenure-bands", {"as_of_date": "2025-06-30"}),
        ("/analyze-turnover", {}),
        ("/analyze-opt-out-rate", {"lookback_years": 3}),
    ],
)
def test_every_analysis_of_the_generated_census_answers_its_schema(
    studio: StudioClient, wizard: Wizard, route: str, body: dict[str, Any]
) -> None:
    path = _census_path(studio, wizard)
    answer = studio.call(
        "POST", WS + route, json={"file_path": path, **body}, workspace_id=wizard.workspace_id
    )
    if route == "/solve-compensation-growth":
        assert answer["level_distribution"][0]["name"] == "All Employees"
        assert answer["achieved_growth_rate"] == 2.0
    else:
        assert answer.get("source_file", path) == path
    if route == "/analyze-part-time-pct":
        assert answer["column_present"] is True


def test_an_analysis_of_a_path_that_names_no_census_is_the_studios_error(
    studio: StudioClient, wizard: Wizard
) -> None:
    ids = {"workspace_id": wizard.workspace_id}
    body = {"file_path": "data/census.parquet"}
    # Its files router answers 422, its bands router 400.
    assert studio.send("POST", WS + "/analyze-age-distribution", json=body, **ids).status_code == 422
    assert studio.send("POST", WS + "/analyze-turnover", json=body, **ids).status_code == 400
    # The solver falls back to its default workforce, and says so.
    solved = studio.call(
        "POST", WS + "/solve-compensation-growth", json={**body, "target_growth_rate": 0.02}, **ids
    )
    assert solved["warnings"][0] == "Using default level distribution (no census data)"


# --- bands, promotion hazards, templates ----------------------------------------------------------


def test_bands_and_promotion_hazards_default_to_the_reference_seeds(
    studio: StudioClient, wizard: Wizard
) -> None:
    ids = {"workspace_id": wizard.workspace_id}
    bands = studio.call("GET", WS + "/config/bands", **ids)
    assert [b["band_label"] for b in bands["age_bands"]] == [
        "< 25",
        "25-34",
        "35-44",
        "45-54",
        "55-64",
        "65+",
    ]
    assert [b["band_label"] for b in bands["tenure_bands"]] == ["< 2", "2-4", "5-9", "10-19", "20+"]
    hazards = studio.call("GET", WS + "/config/promotion-hazards", **ids)
    assert hazards["base"] == {"base_rate": 0.04, "level_dampener_factor": 0.15}
    assert [m["multiplier"] for m in hazards["tenure_multipliers"]] == [0.5, 1.5, 1.8, 0.8, 0.2]
    # A workspace's own bands win.
    own = [{"band_id": 1, "band_label": "all", "min_value": 0, "max_value": 999, "display_order": 1}]
    studio.call("PUT", WS, json={"base_config": {"age_bands": own}}, **ids)
    assert studio.call("GET", WS + "/config/bands", **ids)["age_bands"] == own


def test_scenario_templates(studio: StudioClient) -> None:
    templates = studio.call("GET", "/api/templates")["templates"]
    assert [t["id"] for t in templates][:2] == ["baseline", "high_growth"]
    assert (
        studio.call("GET", "/api/templates/{template_id}", template_id="tech_startup")["category"] == "growth"
    )
    assert studio.send("GET", "/api/templates/{template_id}", template_id="nope").status_code == 404


# --- limits, tenants and tokens -------------------------------------------------------------------


def test_an_upload_over_the_request_body_cap_is_413_naming_the_presigned_route(
    studio: StudioClient, wizard: Wizard
) -> None:
    too_big = b"x" * (4 * 1024 * 1024 + 1)  # MaxRequestBytes' default, 4 MiB
    response = studio.send(
        "POST", WS + "/imports/upload", files={"file": ("big.csv", too_big)}, workspace_id=wizard.workspace_id
    )
    assert response.status_code == 413
    assert f"/api/workspaces/{wizard.workspace_id}/uploads" in response.json()["detail"]


def test_another_tenants_wizard_is_404(wizard: Wizard, other_tenant: httpx.Client) -> None:
    other = StudioClient(other_tenant)
    ids = {"workspace_id": wizard.workspace_id, "import_id": wizard.import_id}
    for method, template, extra in [
        ("GET", IMP, {}),
        ("GET", IMP + "/preview", {}),
        ("PUT", IMP + "/mapping", {"json": {"field_mappings": []}}),
        ("GET", WS + "/parquet-files", {}),
        ("GET", WS + "/mapping-templates", {}),
        ("GET", WS + "/config/bands", {}),
        ("POST", WS + "/analyze-turnover", {"json": {"file_path": "datasets/x/y.csv"}}),
        ("POST", WS + "/imports/upload", {"files": {"file": ("c.csv", b"a,b\n1,2\n")}}),
    ]:
        response = other.send(method, template, **ids, **extra)
        assert response.status_code == 404, (method, template, response.text)


def test_the_wizards_plain_fetch_works_with_the_studios_session_cookie(
    stack: LocalStack, wizard: Wizard
) -> None:
    """The Studio's importService sends no token: served by `planalign local --studio`, its fetch
    carries the session cookie the gateway set, and that is enough; without it the call is 401."""
    url = f"{stack.api_url}/api/workspaces/{wizard.workspace_id}/imports/{wizard.import_id}"
    assert httpx.get(url, timeout=30).status_code == 401
    with_cookie = httpx.get(url, cookies={SESSION_COOKIE: "token-a"}, timeout=30)
    assert with_cookie.status_code == 200
    assert with_cookie.json()["import_id"] == wizard.import_id


def test_our_openapi_documents_every_route_served(api: httpx.Client) -> None:
    ours = api.get("/api/openapi.json").json()["paths"]
    documented = {(method.upper(), path) for path, item in ours.items() for method in item}
    assert {path for _, path in SERVED_ROUTES} <= studio_paths()
    missing = [f"{m} {p}" for m, p in SERVED_ROUTES if (m, p) not in documented]
    assert not missing, missing
