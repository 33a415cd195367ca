"""Every census of the messy corpus goes through the real S3 event path on the local stack and ends
as expected.json says: imported with its counts, or failed with a reason a person can act on."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from planalign.local.stack import LocalStack

from tests.integration.conftest import make_workspace, wait_for

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
