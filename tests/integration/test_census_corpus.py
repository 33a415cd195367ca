"""Every census of the messy corpus goes through the real S3 event path on the local stack and ends
as expected.json says: imported with its counts, or failed with a reason a person can act on."""

import csv
import io
import json
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from planalign.domain.census_generator import census_csv, generate_census
from planalign.local.stack import LocalStack

from tests.integration.conftest import make_workspace, upload, wait_for

pytestmark = pytest.mark.integration
CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "census"
EXPECTED: dict[str, dict[str, Any]] = json.loads((CORPUS / "expected.json").read_text())


@pytest.mark.parametrize("filename", sorted(EXPECTED))
def test_corpus_file_imports_through_s3_as_expected(
    stack: LocalStack, api: httpx.Client, filename: str
) -> None:
    expected = EXPECTED[filename]
    workspace_id = make_workspace(api)
    key = f"uploads/{workspace_id}/corpus/{filename}"
    stack.client("s3").put_object(Bucket=stack.bucket_name, Key=key, Body=(CORPUS / filename).read_bytes())

    def finished() -> dict[str, Any] | None:
        datasets = api.get(f"/api/workspaces/{workspace_id}/datasets").json()
        return datasets[0] if datasets and datasets[0]["status"] != "importing" else None

    dataset = wait_for(finished, timeout=60)
    detail = api.get(f"/api/workspaces/{workspace_id}/datasets/{dataset['id']}").json()
    if expected["ok"]:
        assert dataset["status"] == "imported", dataset["error"]
        for field in ("rows_accepted", "rows_rejected", "duplicates"):
            assert dataset[field] == expected[field], field
        assert detail["report"]["rows_read"] == dataset["rows_read"]
        assert len(detail["report"]["rejected_rows"]) <= 1000
    else:
        assert dataset["status"] == "failed"
        assert expected["error_contains"].lower() in dataset["error"].lower()
        assert detail["report"] is not None


def workbook_of_two_years(small: bytes, large: bytes) -> bytes:
    """A workbook whose two sheets both hold a census: "2024" (the first) and "2025"."""
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "2024"
    second = book.create_sheet("2025")
    for sheet, census in ((first, small), (second, large)):
        for row in csv.reader(io.StringIO(census.decode())):
            sheet.append(row)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def test_an_upload_can_name_the_workbook_sheet_to_import(api: httpx.Client) -> None:
    workbook = workbook_of_two_years(
        census_csv(generate_census(30, seed=1)), census_csv(generate_census(50, seed=2))
    )
    workspace_id = make_workspace(api)

    def imported(**body: object) -> dict[str, object]:
        assert upload(api, workspace_id, workbook, filename="census.xlsx", **body).status_code == 204
        newest = wait_for(
            lambda: (
                (d := api.get(f"/api/workspaces/{workspace_id}/datasets").json())
                and d[0]["status"] != "importing"
                and d[0]
            )
        )
        detail: dict[str, object] = api.get(f"/api/workspaces/{workspace_id}/datasets/{newest['id']}").json()
        return detail

    first_sheet = imported()
    named = imported(sheet="2025")
    assert (first_sheet["status"], first_sheet["rows_accepted"]) == ("imported", 30)
    assert (named["status"], named["rows_accepted"]) == ("imported", 50)
    assert named["cache_hit"] is False  # same bytes, another sheet: another census
    missing = imported(sheet="2026")
    assert missing["status"] == "failed"
    assert "2026" in str(missing["error"])
